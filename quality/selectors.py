"""Reads of audits and corrective actions, with what their answers need loaded."""

from django.db.models import F, IntegerField, OuterRef, Prefetch, QuerySet, Subquery, Value

from accounts.auth import require_role
from accounts.models import Role, User
from chefu.errors import NotFound
from quality.models import (
    QUALITY_PHOTO_PREFIX,
    ActionPhoto,
    Audit,
    AuditPhoto,
    AuditResult,
    ComplaintPhoto,
    CorrectiveAction,
    CorrectiveActionEvent,
    StandardItem,
)
from stores.selectors import store_access_check, store_role_subquery


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


# --- private photos -------------------------------------------------------------------------------------------------

_PHOTO_FOLDERS = {
    QUALITY_PHOTO_PREFIX + "audits/": AuditPhoto,
    QUALITY_PHOTO_PREFIX + "actions/": ActionPhoto,
    QUALITY_PHOTO_PREFIX + "complaints/": ComplaintPhoto,
}


def quality_photo_get_for_viewer(*, user: User | None, name: str) -> AuditPhoto | ActionPhoto | ComplaintPhoto:
    """The quality photo stored as ``name``, if ``user`` may see it. An audit's photo: QA (and admins) only, never the
    store, so a mystery shop stays hidden. A corrective action's: QA and the store's staff. A complaint's: QA, the
    complaint's owner and the store's staff. ``NotFound`` alike for a missing photo and for anyone else (nobody signed
    in included); one query, who may see it read with the photo."""
    if user is None or not user.is_active:
        raise NotFound()
    model = next((m for folder, m in _PHOTO_FOLDERS.items() if name.startswith(folder)), None)
    qa = Role.QA in user.roles or Role.ADMIN in user.roles
    if model is None or (model is AuditPhoto and not qa):
        raise NotFound()
    queryset = model.objects.filter(image=name)
    if model is ActionPhoto:
        queryset = queryset.annotate(
            viewer_role=store_role_subquery(user=user, store_id=OuterRef("action__store_id")),
            complaint_owner_id=Value(None, output_field=IntegerField()),
        )
    elif model is ComplaintPhoto:
        queryset = queryset.annotate(
            viewer_role=store_role_subquery(user=user, store_id=OuterRef("complaint__store_id")),
            complaint_owner_id=F("complaint__owner_id"),
        )
    photo = queryset.first()
    if photo is None:
        raise NotFound()
    if qa or getattr(photo, "viewer_role", None) is not None or getattr(photo, "complaint_owner_id", None) == user.pk:
        return photo
    raise NotFound()
