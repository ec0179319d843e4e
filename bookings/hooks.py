"""What other apps do when a booking changes, called inside the booking service's transaction.

``payments`` registers here from its ``AppConfig.ready()`` (bookings never imports payments): the refund of a
booking called off (cancelled, a no-show, or expired unpaid) is decided in the same transaction (and executed after
commit); a completed booking's money is earned by the store and the platform in the same transaction as the
completion.
"""

from collections.abc import Callable
from typing import Any

_on_called_off: list[Callable[..., Any]] = []
_on_completed: list[Callable[..., Any]] = []


def on_called_off(hook: Callable[..., Any]) -> Callable[..., Any]:
    """Register ``hook(booking=...)`` to run in the transaction that ends a booking without the service: cancelled
    (by the owner or the store), a no-show, or expired unpaid. The booking carries ``cancellation_fee`` (kept) and
    ``refund_due`` (owed back; None when it expired). Registering twice is a no-op."""
    if hook not in _on_called_off:
        _on_called_off.append(hook)
    return hook


def called_off(booking) -> None:
    for hook in _on_called_off:
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
