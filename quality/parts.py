"""The quality app's part of a store's public page (:mod:`stores.parts`): the latest audit and the complaints of the
last 12 months, completing the record stores gives (the probation badge, the sanction periods)."""

import datetime as dt
from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from quality.models import Audit, AuditKind, AuditStatus, Complaint, ComplaintOutcome
from stores.models import Store, StoreStatus
from stores.parts import StorePart

# A passed audit this recent earns the "audited" badge.
AUDITED_BADGE_DAYS = 180


def last_public_audit(store_id: int) -> Audit | None:
    """The store's latest finalized audit that may be shown: a mystery shop never is (the store must not learn that
    a booking was one, nor when)."""
    return (
        Audit.objects.filter(store_id=store_id, status=AuditStatus.FINALIZED)
        .exclude(kind=AuditKind.MYSTERY_SHOPPER)
        .order_by("-finalized_at", "-id")
        .first()
    )


class QualityRecordPart(StorePart):
    def fields(self, store: Store, answer: dict[str, Any]) -> dict[str, Any]:
        now = timezone.now()
        record = dict(answer["quality"])
        audit = last_public_audit(store.pk)
        if audit is not None:
            record["last_audit"] = {
                "date": timezone.localtime(audit.finalized_at).date(),
                "passed": audit.passed,
                "score": f"{audit.score:.2f}",
            }
            record["last_audit_score"] = float(audit.score)
            recent = audit.finalized_at >= now - dt.timedelta(days=AUDITED_BADGE_DAYS)
            if audit.passed and recent and store.status == StoreStatus.ACTIVE:
                record["badge"] = "audited"
        counts = Complaint.objects.filter(store_id=store.pk, created_at__gte=now - dt.timedelta(days=365)).aggregate(
            received=Count("id"), upheld=Count("id", filter=Q(outcome=ComplaintOutcome.UPHELD))
        )
        record["complaints_12m"] = counts
        return {"quality": record}
