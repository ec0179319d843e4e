"""Demo quality history (``seed_demo``): audits, corrective actions, complaints in every state, a store on probation
with overdue actions and one suspended after a critical failure, planned audits and a first quality run, so the QA
console (``/qa/``) and the shop's quality page are alive after ``make run``.

Everything goes through the quality services. Then a documented fast path moves some of it into the past, which the
services cannot do (they stamp "now"): the two sanctioned stores' audits and status changes happened weeks ago, and
the probation store's corrective actions fell due weeks ago (``_backdate``).
"""

import datetime as dt
import io
import random
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from PIL import Image

from accounts.models import User
from bookings.models import Booking
from demo.bookings import bookable_offerings
from demo.payments import demo_pay
from demo.reviews import complete_at_shop, past_booking
from quality import audits
from quality.complaints.services import complaint_file, complaint_resolve, complaint_respond
from quality.models import (
    Alert,
    Audit,
    Complaint,
    CorrectiveAction,
    QualityRun,
    StandardItem,
    StoreKpi,
)
from quality.planner import audit_plan_create
from quality.sanctions import store_sanction
from stores.models import StatusReason, Store, StoreStatus, StoreStatusEvent


@dataclass(frozen=True)
class DemoQuality:
    audits: int
    complaints: int
    probation_store: Store | None
    suspended_store: Store | None


def _photo(code: str) -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (320, 240), (90, 120, 160)).save(out, format="JPEG")
    return SimpleUploadedFile(f"{code}.jpg", out.getvalue(), content_type="image/jpeg")


def _audit(store: Store, qa: User, *, standard: str, fail: Sequence[str], days_ago: int) -> Audit:
    """An audit of ``store`` against ``standard``, every item passing but ``fail``, photographed where the standard
    asks for evidence, finalized (its corrective actions opened)."""
    audit = audits.audit_create(
        by=qa,
        store_id=store.pk,
        standard_code=standard,
        kind="scheduled",
        scheduled_for=timezone.localdate() - dt.timedelta(days=days_ago),
    )
    items = StandardItem.objects.filter(standard_id=audit.standard_id)
    audits.audit_results_set(
        audit_id=audit.pk,
        by=qa,
        items=[
            audits.ResultSpec(
                code=item.code,
                result="fail" if item.code in fail else "pass",
                note="现场检查未达标，已拍照留证。" if item.code in fail else "",
            )
            for item in items
        ],
    )
    for item in items:
        if item.evidence_required:
            audits.audit_photo_add(audit_id=audit.pk, by=qa, upload=_photo(item.code), item_code=item.code)
    return audits.audit_finalize(audit_id=audit.pk, by=qa)


def _backdate(audit: Audit, *, days_ago: int, store: Store | None = None) -> None:
    """The demo's fast path into the past: the audit was finalized ``days_ago`` days ago, its actions fell due
    accordingly, and the store's latest status change (when ``store``) happened a day after it (its earlier ones, the
    store joining, a year before)."""
    when = timezone.now() - dt.timedelta(days=days_ago)
    Audit.objects.filter(pk=audit.pk).update(finalized_at=when, created_at=when, scheduled_for=when.date())
    for action in CorrectiveAction.objects.filter(audit=audit):
        days = (action.due - timezone.localdate()).days
        CorrectiveAction.objects.filter(pk=action.pk).update(due=when.date() + dt.timedelta(days=days), created_at=when)
    if store is not None:
        events = StoreStatusEvent.objects.filter(store=store)
        latest = events.order_by("-at", "-id").first()
        events.exclude(pk=latest.pk).update(at=when - dt.timedelta(days=365))  # joined the platform long before
        events.filter(pk=latest.pk).update(at=when + dt.timedelta(days=1))


def _completed_booking(store: Store, customer: tuple, staff: User | None, rng: random.Random) -> Booking | None:
    owner, vehicle = customer
    for days in range(3, 12):
        booking = past_booking(store, owner, vehicle, day=timezone.localdate() - dt.timedelta(days=days), rng=rng)
        if booking is not None and booking.quote_total > 0:
            demo_pay(booking)
            complete_at_shop(booking, staff)
            return booking
    return None


def demo_quality_load(
    *,
    manager_store: Store,
    manager: User,
    qa: User,
    admin: User,
    customers: list[tuple],
    others: Sequence[Store],
    seed: int,
) -> DemoQuality:
    """The quality history described in the module's docstring. ``others``: visible stores other than the manager's,
    nearest the demo's centre first; the first two become the probation and the suspended store."""
    rng = random.Random(seed)
    made_audits = 0
    # The manager's store: a passed audit with two minor failures, actions open and due in two weeks.
    _audit(manager_store, qa, standard="facility", fail=["workshop_clean", "lighting_ventilation"], days_ago=0)
    made_audits += 1
    probation = others[0] if others else None
    suspended = others[1] if len(others) > 1 else None
    if probation is not None:
        # Failed the parts standard 25 days ago, on probation since the day after (30 days to clear it); its actions
        # fell due 11 days ago and are still open.
        audit = _audit(probation, qa, standard="parts", fail=_non_critical("parts", 2), days_ago=0)
        store_sanction(
            store_id=probation.pk,
            to_status=StoreStatus.PROBATION,
            reason="配件存放与溯源审核未通过，整改期30天。",
            reason_category=StatusReason.AUDIT_FAILED,
            evidence={"audit_id": audit.pk, "score": str(audit.score)},
            by=qa,
        )
        _backdate(audit, days_ago=25, store=probation)
        made_audits += 1
    if suspended is not None:
        # Waste oil poured away: a critical item, suspended at once, 12 days ago.
        audit = _audit(suspended, qa, standard="waste", fail=_critical("waste", 1), days_ago=0)
        store_sanction(
            store_id=suspended.pk,
            to_status=StoreStatus.SUSPENDED,
            reason="审核发现废机油直接倾倒，属严重违规，暂停合作。",
            reason_category=StatusReason.CRITICAL_FAILURE,
            evidence={"audit_id": audit.pk},
            by=qa,
        )
        _backdate(audit, days_ago=12, store=suspended)
        made_audits += 1
    # Stores with standard services to complain about (a consignment centre's inspections are not such a job).
    complainable = [store for store in others[2:] if bookable_offerings(store)][:4]
    complaints = _complaints(manager_store, manager, qa, admin, customers, complainable, rng)
    # Every other store gets a proposal: the planner's audits for the next four weeks.
    audit_plan_create(by=qa, start=timezone.localdate() + dt.timedelta(days=1), weeks=4)
    return DemoQuality(audits=made_audits, complaints=complaints, probation_store=probation, suspended_store=suspended)


def _items(standard: str, *, critical: bool) -> list[str]:
    from quality.standards import standard_in_force

    found = standard_in_force(code=standard)
    return [i.code for i in StandardItem.objects.filter(standard=found, critical=critical).order_by("position")]


def _non_critical(standard: str, count: int) -> list[str]:
    return _items(standard, critical=False)[:count]


def _critical(standard: str, count: int) -> list[str]:
    return _items(standard, critical=True)[:count]


def _complaints(manager_store, manager, qa, admin, customers, stores, rng) -> int:
    """Complaints in every state: one open at the manager's store (for the shop to answer), one past its answer
    deadline, one answered, one rejected and one upheld with a partial refund."""
    made = 0
    at = [*stores, *[manager_store] * 4]  # the manager's store stands in for missing others
    plan = [
        (manager_store, "overcharge", "结账时比App报价多收了40元机油费，店员说是换了更好的油，但事先没有问我。", None),
        (at[0], "damage", "取车时发现左后门有一道新划痕，店里说不是他们弄的。", "late"),
        (at[1], "workmanship", "洗车后车身侧面还有明显污渍。", "answer"),
        (at[2], "conduct", "店员说话不太客气。", "reject"),
        (at[3], "parts_mismatch", "报价是原厂机滤，实际装的是副厂件。", "uphold"),
    ]
    for store, category, text, then in plan:
        customer = customers[made % len(customers)]
        staff = manager if store.pk == manager_store.pk else None
        booking = _completed_booking(store, customer, staff, rng)
        if booking is None:
            continue
        complaint = complaint_file(booking_id=booking.pk, owner=customer[0], category=category, description=text)
        made += 1
        if then == "late":
            past = timezone.now() - dt.timedelta(hours=30)
            Complaint.objects.filter(pk=complaint.pk).update(
                created_at=past, respond_by=past + dt.timedelta(hours=24), resolve_by=past + dt.timedelta(hours=72)
            )
        elif then in ("answer", "reject", "uphold"):
            complaint_respond(complaint_id=complaint.pk, by=admin, text="已联系车主，核实后会妥善处理。")
        if then == "reject":
            complaint_resolve(
                complaint_id=complaint.pk, by=qa, outcome="rejected", resolution="经核实，店员沟通无不当之处。"
            )
        elif then == "uphold":
            complaint_resolve(
                complaint_id=complaint.pk,
                by=qa,
                outcome="upheld",
                resolution="核实属实：门店退还机滤差价并记罚分。",
                refund_amount=min(Decimal("50.00"), booking.amount_paid),
                penalty_points=3,
            )
    return made


def demo_quality_reset() -> None:
    """Delete the quality history (part of the demo reset): it points at stores and bookings."""
    with transaction.atomic():
        Alert.objects.all().delete()
        Complaint.objects.all().delete()
        CorrectiveAction.objects.all().delete()
        Audit.objects.filter(reaudit_of__isnull=False).delete()
        Audit.objects.all().delete()
        StoreKpi.objects.all().delete()
        QualityRun.objects.all().delete()
