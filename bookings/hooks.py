"""What other apps do when a booking changes, called inside the booking service's transaction.

``payments`` registers here from its ``AppConfig.ready()`` (bookings never imports payments): a cancelled booking's
refund is decided in the same transaction as the cancellation (and executed after commit); a completed booking's
money is earned by the store and the platform in the same transaction as the completion.
"""

from collections.abc import Callable
from typing import Any

_on_cancelled: list[Callable[..., Any]] = []
_on_completed: list[Callable[..., Any]] = []


def on_cancelled(hook: Callable[..., Any]) -> Callable[..., Any]:
    """Register ``hook(booking=...)`` to run in the transaction that cancels a booking. Registering twice is a no-op."""
    if hook not in _on_cancelled:
        _on_cancelled.append(hook)
    return hook


def cancelled(booking) -> None:
    for hook in _on_cancelled:
        hook(booking=booking)


def on_completed(hook: Callable[..., Any]) -> Callable[..., Any]:
    """Register ``hook(booking=...)`` to run in the transaction that completes a booking. Registering twice is a
    no-op."""
    if hook not in _on_completed:
        _on_completed.append(hook)
    return hook


def completed(booking) -> None:
    for hook in _on_completed:
        hook(booking=booking)
