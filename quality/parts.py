"""The quality app's part of a store's public page (:mod:`stores.parts`): the latest audit and the complaints of the
last 12 months, completing the record stores gives (the probation badge, the sanction periods)."""

import datetime as dt
from typing import Any

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from chefu.prepared import PreparedQuery
from quality.models import Audit, AuditKind, AuditStatus, Complaint, ComplaintOutcome
from stores.models import Store, StoreStatus
from stores.parts import StorePart

# A passed audit this recent earns the "audited" badge.
AUDITED_BADGE_DAYS = 180


def last_public_audit(store_id: int) -> Audit | None:
    """The store's latest finalized audit that may be shown: a mystery shop never is (the store must not learn that
    a booking was one, nor when)."""
    return _public_audits(store_id).first()


def _public_audits(store: int | OuterRef) -> QuerySet[Audit]:
    return (
        Audit.objects.filter(store=store, status=AuditStatus.FINALIZED)
        .exclude(kind=AuditKind.MYSTERY_SHOPPER)
        .order_by("-finalized_at", "-id")
    )


def _record_query(shape: None, *, store_id: int, since: dt.datetime) -> QuerySet:
    audit = _public_audits(OuterRef("pk"))
    complaints = Complaint.objects.filter(store=OuterRef("pk"), created_at__gte=since).order_by().values("store")

    def count(**where) -> Coalesce:
        return Coalesce(Subquery(complaints.annotate(n=Count("id", filter=Q(**where))).values("n")), 0)

    return (
        Store.objects.filter(pk=store_id)
        .annotate(
            audit_at=Subquery(audit.values("finalized_at")[:1]),
            audit_passed=Subquery(audit.values("passed")[:1]),
            audit_score=Subquery(audit.values("score")[:1]),
            received=count(),
            upheld=count(outcome=ComplaintOutcome.UPHELD),
        )
        .order_by()
        .values("audit_at", "audit_passed", "audit_score", "received", "upheld")
    )


# Every store page asks it: the latest public audit and the year's complaints in one statement, compiled once.
_RECORD = PreparedQuery(
    _record_query, {"store_id": -7_000_031, "since": dt.datetime(1901, 4, 5, 6, 7, 8, 901234, tzinfo=dt.UTC)}
)


class QualityRecordPart(StorePart):
    def fields(self, store: Store, answer: dict[str, Any]) -> dict[str, Any]:
        now = timezone.now()
        record = dict(answer["quality"])
        rows = _RECORD.rows(None, {"store_id": store.pk, "since": now - dt.timedelta(days=365)}, limit=1)
        if not rows:  # the store was deleted since it was read
            return {"quality": record}
        row = rows[0]
        if row["audit_at"] is not None:
            record["last_audit"] = {
                "date": timezone.localtime(row["audit_at"]).date(),
                "passed": row["audit_passed"],
                "score": f"{row['audit_score']:.2f}",
            }
            record["last_audit_score"] = float(row["audit_score"])
            recent = row["audit_at"] >= now - dt.timedelta(days=AUDITED_BADGE_DAYS)
            if row["audit_passed"] and recent and store.status == StoreStatus.ACTIVE:
                record["badge"] = "audited"
        record["complaints_12m"] = {"received": row["received"], "upheld": row["upheld"]}
        return {"quality": record}
