"""Row locks on quality's tables, in one place; every lock is ``FOR UPDATE OF`` the model's own table.

Order: a complaint's row is locked after its booking's (``bookings.lock_objects.booking_lock``) when both are taken,
so resolving a complaint (which refunds through the booking) and filing another on the same booking take them in the
same order. A standard, an audit or a corrective action is locked alone, with nothing held before it (finalizing an
audit writes its corrective actions as new rows, which need no lock). The audit planner takes a transaction-level
advisory lock so two plans made at once do not plan one store twice.
"""

from django.db import connection

from chefu.errors import NotFound
from quality.models import Alert, Audit, Complaint, CorrectiveAction, Rule, Standard

# pg_advisory_xact_lock key of the audit planner (any constant no other code uses).
AUDIT_PLAN_LOCK_KEY = 13_0001


def complaint_lock(complaint_id: int) -> Complaint:
    """``SELECT ... FOR UPDATE`` of the complaint's row; NotFound when there is none."""
    complaint = Complaint.objects.select_for_update(of=("self",)).filter(pk=complaint_id).first()
    if complaint is None:
        raise NotFound()
    return complaint


def standard_lock(standard_id: int) -> Standard | None:
    """``SELECT ... FOR UPDATE`` of the standard's row; None when there is none."""
    return Standard.objects.select_for_update(of=("self",)).filter(pk=standard_id).first()


def audit_lock(audit_id: int) -> Audit | None:
    """``SELECT ... FOR UPDATE`` of the audit's row; None when there is none."""
    return Audit.objects.select_for_update(of=("self",)).filter(pk=audit_id).first()


def action_lock(action_id: int) -> CorrectiveAction | None:
    """``SELECT ... FOR UPDATE`` of the corrective action's row; None when there is none."""
    return CorrectiveAction.objects.select_for_update(of=("self",)).filter(pk=action_id).first()


def audit_plan_lock() -> None:
    """Serialize audit planning until the caller's transaction ends."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [AUDIT_PLAN_LOCK_KEY])


def alert_lock(alert_id: int) -> Alert | None:
    """``SELECT ... FOR UPDATE`` of the alert's row (acknowledging it); None when there is none."""
    return Alert.objects.select_for_update(of=("self",)).filter(pk=alert_id).first()


def actions_lock_open_of_audit(*, audit_id: int, item_codes: set[str]) -> list[CorrectiveAction]:
    """``SELECT ... FOR UPDATE`` of the audit's corrective actions not accepted yet for ``item_codes``, in id order
    (a re-audit closing them)."""
    return list(
        CorrectiveAction.objects.select_for_update(of=("self",))
        .filter(audit_id=audit_id, item__code__in=item_codes)
        .exclude(status="accepted")
        .order_by("pk")
    )


def rule_lock(rule_id: int) -> Rule | None:
    """``SELECT ... FOR UPDATE`` of the rule's row (an edit); None when there is none."""
    return Rule.objects.select_for_update(of=("self",)).filter(pk=rule_id).first()
