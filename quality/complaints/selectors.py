"""Reading complaints: the owner's, a store's (its staff), every one (QA), with their SLA clocks."""

import datetime as dt

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from accounts.auth import require_role
from accounts.models import User
from chefu.errors import NotFound
from quality.models import Complaint, ComplaintEvent, ComplaintPhoto, ComplaintStatus
from stores.selectors import store_access_check

_JOINS = ("store", "booking__service")


def _with_photos(queryset: QuerySet[Complaint]) -> QuerySet[Complaint]:
    return queryset.prefetch_related(Prefetch("photos", queryset=ComplaintPhoto.objects.order_by("created_at", "id")))


def complaints_for_owner(*, user: User, status: str | None = None) -> QuerySet[Complaint]:
    queryset = _with_photos(Complaint.objects.filter(owner=user).select_related(*_JOINS))
    return queryset.filter(status=status) if status else queryset


def complaints_for_store(*, user: User, store_id: int, status: str | None = None) -> QuerySet[Complaint]:
    """The store's complaints, for its staff (NotFound with no tie to the store, PermissionDenied for a role that
    may not see them: ``stores.selectors.store_access_check``)."""
    store_access_check(user=user, store_id=store_id)
    queryset = _with_photos(Complaint.objects.filter(store_id=store_id).select_related(*_JOINS))
    return queryset.filter(status=status) if status else queryset


def complaints_for_qa(
    *, user: User, status: str | None = None, store_id: int | None = None, overdue: bool | None = None
) -> QuerySet[Complaint]:
    """Every complaint (QA only), the ones due soonest first; ``overdue`` keeps those past a deadline still running
    (open past ``respond_by``, or unresolved past ``resolve_by``)."""
    require_role(user, "qa")
    queryset = Complaint.objects.select_related(*_JOINS).order_by("resolve_by", "id")
    if status:
        queryset = queryset.filter(status=status)
    if store_id:
        queryset = queryset.filter(store_id=store_id)
    if overdue is not None:
        late = overdue_q(timezone.now())
        queryset = queryset.filter(late) if overdue else queryset.exclude(late)
    return queryset


def complaints_unresolved_counts() -> dict[str, int]:
    """How many complaints are unresolved, by status (waiting for the store, answered and waiting for QA), every
    unresolved status present (0 for none): for the operators' metrics."""
    counts = dict.fromkeys((s for s in ComplaintStatus.values if s != ComplaintStatus.RESOLVED), 0)
    rows = (
        Complaint.objects.exclude(status=ComplaintStatus.RESOLVED)
        .order_by()
        .values_list("status")
        .annotate(n=Count("id"))
    )
    counts.update(dict(rows))
    return counts


def overdue_q(now: dt.datetime) -> Q:
    return Q(status=ComplaintStatus.OPEN, respond_by__lt=now) | (
        ~Q(status=ComplaintStatus.RESOLVED) & Q(resolve_by__lt=now)
    )


def complaint_for_qa(*, user: User, complaint_id: int) -> Complaint:
    """One complaint with its trail and photos (QA only)."""
    require_role(user, "qa")
    complaint = (
        _with_photos(Complaint.objects.select_related(*_JOINS, "owner", "responded_by", "resolved_by"))
        .prefetch_related(Prefetch("events", queryset=ComplaintEvent.objects.select_related("by").order_by("at", "id")))
        .filter(pk=complaint_id)
        .first()
    )
    if complaint is None:
        raise NotFound()
    return complaint


def complaint_for_owner(*, user: User, complaint_id: int) -> Complaint:
    complaint = complaints_for_owner(user=user).filter(pk=complaint_id).first()
    if complaint is None:
        raise NotFound()
    return complaint


def sla_clocks(complaint: Complaint, now: dt.datetime | None = None) -> dict:
    """The complaint's deadlines and whether each is overdue now: the store's answer (``respond_overdue``: still open
    past ``respond_by``) and QA's resolution (``resolve_overdue``: unresolved past ``resolve_by``)."""
    now = now or timezone.now()
    return {
        "respond_by": complaint.respond_by,
        "resolve_by": complaint.resolve_by,
        "respond_overdue": complaint.status == ComplaintStatus.OPEN and now > complaint.respond_by,
        "resolve_overdue": complaint.status != ComplaintStatus.RESOLVED and now > complaint.resolve_by,
        "escalated": complaint.escalated_at is not None,
        "escalated_at": complaint.escalated_at,
    }
