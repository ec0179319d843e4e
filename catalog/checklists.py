"""A service's checklist: its own items (``ServiceChecklistItem``, edited in the back office) followed by the items
its kind adds (``ServiceKind.extra_checklist``). Staff answer them when they do the job; a booking is completed
once every required item is answered.

A booking copies :func:`checklist_snapshot` when it is made, in both languages, so later edits of the catalog
change neither what was asked nor how it reads.
"""

from __future__ import annotations

from typing import TypedDict

from django.core.exceptions import ImproperlyConfigured
from django.utils import translation

from catalog import kinds
from catalog.kinds import ChecklistItem, ServiceKind
from catalog.models import Service, ServiceChecklistItem
from catalog.selectors import service_checklist_item_list


class ChecklistEntry(TypedDict):
    code: str
    label_zh: str
    label_en: str
    required: bool


def checklist_for_service(*, service: Service) -> list[ChecklistItem]:
    """The service's checklist, its own items first (labels in the active language). One query, none when the
    items were prefetched. ``ImproperlyConfigured`` when the service and its kind both use one code."""
    rows, extras = _items(service)
    own = [ChecklistItem(code=row.code, label=row.label, required=row.required) for row in rows]
    return own + extras


def checklist_snapshot(*, service: Service) -> list[ChecklistEntry]:
    """The checklist as plain data to store on a booking: ``[{"code", "label_zh", "label_en", "required"}]``.
    A kind's lazily translated labels are rendered in Chinese and in English."""
    rows, extras = _items(service)
    snapshot = [
        ChecklistEntry(code=row.code, label_zh=row.label_zh, label_en=row.label_en, required=row.required)
        for row in rows
    ]
    for item in extras:
        with translation.override("zh-hans"):
            label_zh = str(item.label)
        with translation.override("en"):
            label_en = str(item.label)
        snapshot.append(ChecklistEntry(code=item.code, label_zh=label_zh, label_en=label_en, required=item.required))
    return snapshot


def _items(service: Service) -> tuple[list[ServiceChecklistItem], list[ChecklistItem]]:
    rows = list(service_checklist_item_list(service=service))
    kind = kinds.for_service(service)
    extras = list(kind.extra_checklist(service=service))
    _refuse_duplicate_codes(service, kind, rows, extras)
    return rows, extras


def _refuse_duplicate_codes(
    service: Service, kind: ServiceKind, rows: list[ServiceChecklistItem], extras: list[ChecklistItem]
) -> None:
    """Answers are keyed by code, so one code cannot name two items. The database keeps a service's own codes
    unique; a kind that adds a code the service already has (or adds one twice) is a programming error."""
    hook = f"{type(kind).__module__}.{type(kind).__qualname__}.extra_checklist"
    own = {row.code for row in rows}
    seen: set[str] = set()
    for item in extras:
        if item.code in own:
            raise ImproperlyConfigured(
                f"Checklist item code {item.code!r} of service {service.code!r} is both a ServiceChecklistItem "
                f"of the service and an extra item of its kind {kind.code!r} ({hook}). Rename one of them."
            )
        if item.code in seen:
            raise ImproperlyConfigured(
                f"{hook} returns checklist item code {item.code!r} twice for service {service.code!r}."
            )
        seen.add(item.code)
