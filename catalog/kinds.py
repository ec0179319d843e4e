"""Service kinds: the plug-in registry that names a standard service's workflow (ARCHITECTURE.md, Boundaries).

``Service.kind`` holds a kind's ``code``. The booking flow never branches on it; it asks the registry for the
kind and calls the hooks that run inside the booking services::

    kind = kinds.for_service(service)
    kind.validate_booking(service=service, store=store, vehicle=vehicle, by_platform=False)
    items = kind.extra_checklist(service=service)
    kind.validate_completion(booking=booking)      # in bookings.services.booking_complete

What a kind does once a booking is confirmed or completed is not a hook: the kind's app subscribes to the bookings
events (``BookingConfirmed``, ``BookingCompleted``, which carry the kind's code) from its ``AppConfig.ready()`` and
keeps the bookings of its own kind (``chefu.events``)::

    subscribe(BookingCompleted, inspection_completed)   # def inspection_completed(event): if event.kind == ...

Another app adds a kind by subclassing :class:`ServiceKind` and calling :func:`register` from its
``AppConfig.ready()``; nothing in ``catalog`` or ``bookings`` changes. ``catalog`` itself registers
:data:`STANDARD`.

This module must not import ``catalog.models`` at import time: :func:`validate_kind` is meant to be named in
``Service.kind``'s validators, so the models (and their migrations) import it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django import forms
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from ninja import Router

# A label is shown to people: a (lazily) translated string.
Label = str | Promise

# Service.kind is a CharField(max_length=40).
_CODE_RE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


@dataclass(frozen=True)
class ChecklistItem:
    """One item staff answer on the shop floor. ``code`` is stable per service; ``label`` is shown to people."""

    code: str
    label: Label
    required: bool = True


class ServiceKind:
    """A service's workflow plug-in. Every hook has a harmless default, so a kind overrides only what differs.

    Hooks receive keyword arguments only and run inside the booking services' transaction. Reactions after a
    booking's change commits are event subscribers of the kind's app (see the module docstring).
    """

    code: str = ""
    label: Label = ""

    def validate_booking(self, *, service: Any, store: Any, vehicle: Any, by_platform: bool = False) -> None:
        """Refuse a booking by raising ``chefu.errors.ValidationFailed`` (or another ``ApplicationError``).
        ``by_platform``: the platform books it for the owner, free of charge (``booking_create_free``), rather than
        the owner booking it."""

    def extra_checklist(self, *, service: Any) -> list[ChecklistItem]:
        """Items added to the service's standard checklist for a booking of this kind."""
        return []

    def validate_completion(self, *, booking: Any) -> None:
        """Refuse to complete ``booking`` (in service, its row locked by the caller) by raising an
        ``ApplicationError``: what the kind needs done before the job may end, beyond the checklist."""

    def api_router(self) -> Router | None:
        """Extra API the kind brings, mounted under ``/api/v1/{api_prefix}`` (see :func:`api_routers`)."""
        return None

    @property
    def api_prefix(self) -> str:
        return self.code

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.code!r}>"


class StandardKind(ServiceKind):
    """Book, do the job, complete: every hook is the default."""

    code = "standard"
    label = _("Standard service")


STANDARD = StandardKind()


class UnknownKind(KeyError):
    """No kind with this code is registered. A ``KeyError``, with a message that says what to do about it."""

    def __init__(self, code: str):
        self.code = code
        super().__init__(code)

    def __str__(self) -> str:
        known = ", ".join(sorted(_registry)) or "none"
        return (
            f"No service kind {self.code!r} is registered (registered: {known}). A kind is registered by "
            "catalog.kinds.register() from its app's AppConfig.ready(); is that app in INSTALLED_APPS?"
        )


_registry: dict[str, ServiceKind] = {}


def register(kind: ServiceKind) -> ServiceKind:
    """Add ``kind`` to the registry and return it. Registering the same object again is harmless; another
    object with a code already taken raises ``ImproperlyConfigured`` (two apps claiming one workflow)."""
    if not isinstance(kind, ServiceKind):
        raise ImproperlyConfigured(f"{kind!r} is not a ServiceKind instance.")
    if not _CODE_RE.fullmatch(kind.code or ""):
        raise ImproperlyConfigured(
            f"Service kind code {kind.code!r} of {type(kind).__name__} must be 1-40 characters: a lowercase "
            "letter, then lowercase letters, digits or underscores."
        )
    existing = _registry.get(kind.code)
    if existing is kind:
        return kind
    if existing is not None:
        raise ImproperlyConfigured(
            f"Service kind {kind.code!r} is already registered by {type(existing).__module__}."
            f"{type(existing).__qualname__}; {type(kind).__module__}.{type(kind).__qualname__} cannot take it."
        )
    _registry[kind.code] = kind
    return kind


def get(code: str) -> ServiceKind:
    """The kind registered under ``code``; :class:`UnknownKind` (a ``KeyError``) when there is none."""
    try:
        return _registry[code]
    except KeyError:
        raise UnknownKind(code) from None


def for_service(service: Any) -> ServiceKind:
    """The kind of a ``catalog.models.Service``."""
    return get(service.kind)


def registered() -> dict[str, ServiceKind]:
    """A copy of the registry, in registration order."""
    return dict(_registry)


def choices() -> list[tuple[str, Label]]:
    """``(code, label)`` pairs for form fields, in registration order. A callable, so forms built at import
    time see kinds registered later (Django evaluates callable choices lazily)."""
    return [(code, kind.label or code) for code, kind in _registry.items()]


def validate_kind(value: str) -> None:
    """Django validator: ``value`` is the code of a registered kind. Used by the back-office forms; meant for
    ``Service.kind``'s ``validators`` so ``full_clean()`` refuses an unknown kind everywhere."""
    if value not in _registry:
        raise ValidationError(
            _("“%(value)s” is not a registered service kind. Registered kinds: %(known)s."),
            code="unknown_kind",
            params={"value": value, "known": ", ".join(_registry) or "-"},
        )


class KindChoiceField(forms.ChoiceField):
    """A form field offering the registered kinds; the back-office forms' gatekeeper for ``Service.kind``."""

    def __init__(self, **kwargs):
        kwargs.setdefault("choices", choices)
        kwargs.setdefault("label", _("kind"))
        kwargs.setdefault("error_messages", {"invalid_choice": _("“%(value)s” is not a registered service kind.")})
        super().__init__(**kwargs)


def api_routers() -> list[tuple[str, Router]]:
    """``(prefix, router)`` for each kind that brings API, for ``web/api.py`` to mount::

    for prefix, router in kinds.api_routers():
        api.add_router(f"/{prefix}", router)
    """
    routers = []
    for kind in _registry.values():
        router = kind.api_router()
        if router is not None:
            routers.append((kind.api_prefix, router))
    return routers
