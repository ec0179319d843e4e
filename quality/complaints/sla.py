"""The complaints' SLA sweep (beat, every 5 minutes): a complaint still open past ``respond_by`` raises an alert and
is escalated (its trail says so; the store's managers and QA are told); one unresolved past ``resolve_by`` raises an
alert and QA is told. Each breach acts once: the complaint's row records it (``escalated_at``,
``resolve_breached_at``) under its lock, and the alert's key (``complaint:<id>:respond``/``:resolve``) keeps one open
alert per breach even when two sweeps overlap.
"""

import datetime as dt

from django.conf import settings
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.models import Role, User
from notifications.services import notify
from quality.alerts import alert_raise
from quality.complaints.services import Step, store_managers
from quality.lock_objects import complaint_lock
from quality.models import Complaint, ComplaintEvent, ComplaintStatus
from stores.models import Store

RESPOND = "respond"
RESOLVE = "resolve"


def _qa_users():
    return User.objects.filter(roles__contains=[Role.QA.value], is_active=True)


def _breach_text(breach: str) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("no answer from the store within 24 hours") if breach == RESPOND else _("not resolved within 72 hours")


def _tell(complaint: Complaint, breach: str, recipients) -> None:
    params = {
        "complaint_id": str(complaint.pk),
        "booking_id": str(complaint.booking_id),
        "store_name": Store.objects.values_list("name", flat=True).get(pk=complaint.store_id),
        "breach": _breach_text(breach),
    }
    for user in recipients:
        notify(
            recipient=user,
            template="complaint_escalated",
            params=params,
            ref=f"complaint:{complaint.pk}",
            dedupe_key=f"complaint:{complaint.pk}:{breach}:to:{user.pk}",
        )


@transaction.atomic
def complaint_breach(*, complaint_id: int, breach: str, now: dt.datetime | None = None) -> bool:
    """Act on one breach of ``complaint_id`` (``RESPOND`` or ``RESOLVE``) if it is one still and was not acted on:
    True when it acted. Locks the complaint's row."""
    now = now or timezone.now()
    complaint = complaint_lock(complaint_id)
    details = {"complaint_id": complaint.pk, "booking_id": complaint.booking_id}
    if breach == RESPOND:
        if complaint.status != ComplaintStatus.OPEN or complaint.respond_by >= now or complaint.escalated_at:
            return False
        alert_raise(
            key=f"complaint:{complaint.pk}:respond",
            code="complaint_respond_overdue",
            message=_("Complaint %(id)s: the store did not answer within 24 hours.") % {"id": complaint.pk},
            store_id=complaint.store_id,
            details={**details, "respond_by": complaint.respond_by.isoformat()},
        )
        complaint.escalated_at = now
        complaint.save(update_fields=["escalated_at"])
        recipients = [*store_managers(complaint.store_id), *_qa_users()]
    else:
        if complaint.status == ComplaintStatus.RESOLVED or complaint.resolve_by >= now or complaint.resolve_breached_at:
            return False
        alert_raise(
            key=f"complaint:{complaint.pk}:resolve",
            code="complaint_resolve_overdue",
            message=_("Complaint %(id)s is not resolved within 72 hours.") % {"id": complaint.pk},
            store_id=complaint.store_id,
            details={**details, "resolve_by": complaint.resolve_by.isoformat()},
        )
        complaint.resolve_breached_at = now
        fields = ["resolve_breached_at"]
        if complaint.escalated_at is None:
            complaint.escalated_at = now
            fields.append("escalated_at")
        complaint.save(update_fields=fields)
        recipients = list(_qa_users())
    ComplaintEvent.objects.create(
        complaint=complaint, kind=Step.ESCALATED, by=None, by_role="system", at=now, details={"breach": breach}
    )
    _tell(complaint, breach, recipients)
    return True


def complaints_sla_sweep(*, now: dt.datetime | None = None) -> int:
    """Every breach not acted on yet, one transaction each: how many were acted on now. Running it again finds none
    of them."""
    now = now or timezone.now()
    respond = Complaint.objects.filter(status=ComplaintStatus.OPEN, respond_by__lt=now, escalated_at__isnull=True)
    resolve = Complaint.objects.exclude(status=ComplaintStatus.RESOLVED).filter(
        resolve_by__lt=now, resolve_breached_at__isnull=True
    )
    acted = 0
    for breach, queryset in ((RESPOND, respond), (RESOLVE, resolve)):
        for pk in queryset.order_by("pk").values_list("pk", flat=True):
            acted += complaint_breach(complaint_id=pk, breach=breach, now=now)
    return acted
