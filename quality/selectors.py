"""Reads of audits and corrective actions, with what their answers need loaded."""

from django.db.models import Prefetch, QuerySet, Subquery

from accounts.auth import require_role
from accounts.models import Role, User
from chefu.errors import NotFound
from quality.models import (
    ActionPhoto,
    Audit,
    AuditPhoto,
    AuditResult,
    CorrectiveAction,
    CorrectiveActionEvent,
    StandardItem,
)
from stores.selectors import store_access_check


def audit_list(
    *,
    user: User,
    status: str | None = None,
    store_id: int | None = None,
    kind: str | None = None,
    assignee_id: int | None = None,
) -> QuerySet[Audit]:
    """Audits for QA (``PermissionDenied`` otherwise), the next scheduled first."""
    require_role(user, Role.QA)
    queryset = Audit.objects.select_related("store", "standard", "assignee").order_by("scheduled_for", "id")
    if status:
        queryset = queryset.filter(status=status)
    if store_id:
        queryset = queryset.filter(store_id=store_id)
    if kind:
        queryset = queryset.filter(kind=kind)
    if assignee_id:
        queryset = queryset.filter(assignee_id=assignee_id)
    return queryset


def audit_get(*, user: User, audit_id: int) -> Audit:
    """One audit for QA with its standard's items, results, photos and corrective actions."""
    require_role(user, Role.QA)
    audit = (
        Audit.objects.select_related("store", "standard", "assignee")
        .prefetch_related(
            Prefetch("standard__items", queryset=StandardItem.objects.order_by("position", "code")),
            Prefetch("results", queryset=AuditResult.objects.select_related("item")),
            Prefetch("photos", queryset=AuditPhoto.objects.select_related("item")),
            Prefetch("corrective_actions", queryset=CorrectiveAction.objects.select_related("item")),
        )
        .filter(pk=audit_id)
        .first()
    )
    if audit is None:
        raise NotFound()
    return audit


def _actions() -> QuerySet[CorrectiveAction]:
    return CorrectiveAction.objects.select_related("item", "store").prefetch_related(
        Prefetch("events", queryset=CorrectiveActionEvent.objects.order_by("at", "id")),
        Prefetch("photos", queryset=ActionPhoto.objects.order_by("created_at", "id")),
    )


def actions_for_store(*, user: User, store_id: int, status: str | None = None) -> QuerySet[CorrectiveAction]:
    """A store's corrective actions, for its staff (``NotFound`` for anyone with no tie to it), the soonest due
    first. Nothing about the audits behind them is read."""
    store_access_check(user=user, store_id=store_id)
    queryset = _actions().filter(store_id=store_id).order_by("due", "id")
    return queryset.filter(status=status) if status else queryset


def action_get_for_store_staff(*, user: User, action_id: int) -> CorrectiveAction:
    """The action for its store's staff; ``NotFound`` alike when it is missing and when it is another store's."""
    store_access_check(user=user, store_id=Subquery(CorrectiveAction.objects.filter(pk=action_id).values("store_id")))
    action = _actions().filter(pk=action_id).first()
    if action is None:
        raise NotFound()
    return action


def action_list_qa(*, user: User, status: str | None = None, store_id: int | None = None) -> QuerySet[CorrectiveAction]:
    require_role(user, Role.QA)
    queryset = _actions().order_by("due", "id")
    if status:
        queryset = queryset.filter(status=status)
    if store_id:
        queryset = queryset.filter(store_id=store_id)
    return queryset


def action_get_qa(*, user: User, action_id: int) -> CorrectiveAction:
    require_role(user, Role.QA)
    action = _actions().filter(pk=action_id).first()
    if action is None:
        raise NotFound()
    return action
