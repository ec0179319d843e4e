"""Reads of the KPI series for QA's risk table, a store's trends, and the shop's own numbers."""

import datetime as dt

from django.db.models import F, Max, QuerySet
from django.utils.translation import gettext as _

from accounts.auth import require_role
from accounts.models import User
from chefu.errors import NotFound, ValidationFailed
from quality.alerts import alert_list
from quality.kpis import METRICS
from quality.models import Alert, StoreKpi
from stores.models import Store
from stores.selectors import store_access_check

# ``sort``: ``risk`` (riskiest first), or a KPI, ascending, or descending with a leading ``-``. Nulls always last.
SORTS = ("risk", *METRICS, *(f"-{m}" for m in METRICS))


def kpi_latest_day(*, window_days: int) -> dt.date | None:
    """The last day the KPIs were computed for (None before the first run)."""
    return StoreKpi.objects.filter(window_days=window_days).aggregate(day=Max("day"))["day"]


def risk_table(
    *, user: User, sort: str = "risk", status: str | None = None, city: str | None = None, window_days: int = 90
) -> QuerySet[StoreKpi]:
    """Every store's KPIs of the latest day, with the store loaded, sorted (``SORTS``; 422 otherwise) and filtered.
    QA only. Stores created since the last run are not in it until the next one."""
    require_role(user, "qa")
    if sort not in SORTS:
        raise ValidationFailed({"sort": _("Sort by risk or by a KPI (a leading - for descending).")})
    day = kpi_latest_day(window_days=window_days)
    queryset = StoreKpi.objects.filter(day=day, window_days=window_days).select_related("store")
    if status:
        queryset = queryset.filter(store__status=status)
    if city:
        queryset = queryset.filter(store__city=city)
    if sort == "risk":
        # Never null: a plain DESC follows the (day, window_days, -risk_score) index.
        return queryset.order_by("-risk_score", "store_id")
    field = sort.lstrip("-")
    order = F(field).desc(nulls_last=True) if sort.startswith("-") else F(field).asc(nulls_last=True)
    return queryset.order_by(order, "store_id")


def kpi_series(*, store_id: int, days: int, window_days: int) -> QuerySet[StoreKpi]:
    """A store's daily KPIs over the last ``days`` days computed, oldest first."""
    latest = kpi_latest_day(window_days=window_days)
    queryset = StoreKpi.objects.filter(store_id=store_id, window_days=window_days)
    if latest is not None:
        queryset = queryset.filter(day__gt=latest - dt.timedelta(days=days))
    return queryset.order_by("day")


def qa_store_get(*, user: User, store_id: int) -> Store:
    require_role(user, "qa")
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        raise NotFound()
    return store


def partner_store_get(*, user: User, store_id: int) -> Store:
    """The store for its own staff (any role): NotFound with no tie, as for a store that does not exist."""
    store_access_check(user=user, store_id=store_id)
    store = Store.objects.filter(pk=store_id).first()
    if store is None:
        raise NotFound()
    return store


def qa_alerts(*, user: User, status: str | None = None, store_id: int | None = None) -> QuerySet[Alert]:
    require_role(user, "qa")
    return alert_list(status=status, store_id=store_id)
