"""The QA console's pages (server-rendered): who may see them, the risk table, a store's page with its status form,
the alerts with acknowledgement and the complaint queue with its SLA clocks."""

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from quality.alerts import alert_raise
from quality.complaints.services import photo_add as complaint_photo_add
from quality.models import Alert, AlertStatus, Complaint, StoreKpi
from stores.models import StoreStatus, StoreStatusEvent
from tests.bookings.conftest import book, local, make_shop, tomorrow
from tests.factories import UserFactory
from tests.uploads import image_upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("committing")]


@pytest.fixture
def qa(client, qa_user):
    client.force_login(qa_user)
    return client


def _kpis(store, day, **values):
    for window in (30, 90):
        StoreKpi.objects.create(store=store, day=day, window_days=window, **values)


def test_a_visitor_gets_the_sign_in_box_and_a_user_without_the_qa_role_is_refused(client):
    page = client.get("/qa/")
    assert page.status_code == 200 and b'id="auth"' in page.content and b"console.js" in page.content
    client.force_login(UserFactory(roles=["owner", "store_staff"]))
    assert client.get("/qa/").status_code == 403
    assert client.get("/qa/alerts/").status_code == 403


def test_the_risk_table_ranks_the_latest_run_riskiest_first_and_sorts_and_filters(qa):
    calm, risky, elsewhere = make_shop(name="安心店"), make_shop(name="风险店"), make_shop(name="外地店", city="北京")
    day = timezone.localdate()
    _kpis(calm, day - dt.timedelta(days=1), risk_score=Decimal("90"))  # an older run: not shown
    _kpis(calm, day, risk_score=Decimal("10"), complaint_rate=Decimal("1.5"), completed=40)
    _kpis(risky, day, risk_score=Decimal("70"), complaint_rate=Decimal("0.5"), completed=40)
    _kpis(elsewhere, day, risk_score=Decimal("50"), completed=40)

    names = lambda html: [n for n in ("安心店", "风险店", "外地店") if n in html]  # noqa: E731
    order = lambda html: sorted(names(html), key=html.index)  # noqa: E731
    assert order(qa.get("/qa/").content.decode()) == ["风险店", "外地店", "安心店"]
    assert order(qa.get("/qa/?sort=-complaint_rate&city=上海").content.decode()) == ["安心店", "风险店"]
    assert order(qa.get("/qa/?sort=bogus").content.decode()) == ["风险店", "外地店", "安心店"]


def test_a_stores_page_shows_its_trends_and_its_status_form_suspends_with_the_reason(qa, qa_user, owner):
    shop = make_shop()
    for n in range(5):
        _kpis(shop, timezone.localdate() - dt.timedelta(days=n), risk_score=Decimal(20 + n), rating=Decimal("4.5"))
    booking = book(owner, shop, local(tomorrow(), 10))

    page = qa.get(f"/qa/stores/{shop.pk}/")
    assert page.status_code == 200
    assert page.content.count(b"<polyline") >= 2

    refused = qa.post(f"/qa/stores/{shop.pk}/", {"status": "suspended", "reason": "  "})
    assert refused.status_code == 200 and b'role="alert"' in refused.content
    shop.refresh_from_db()
    assert shop.status == StoreStatus.ACTIVE

    done = qa.post(f"/qa/stores/{shop.pk}/", {"status": "suspended", "reason": "Waste oil poured into the drain"})
    assert done.status_code == 302
    shop.refresh_from_db()
    booking.refresh_from_db()
    assert (shop.status, booking.status) == (StoreStatus.SUSPENDED, "cancelled")
    event = StoreStatusEvent.objects.filter(store=shop).latest("at")
    assert (event.by, event.reason) == (qa_user, "Waste oil poured into the drain")
    assert qa.get("/qa/stores/999999/").status_code == 404


def test_alerts_are_acknowledged_with_a_note(qa, qa_user):
    shop = make_shop()
    alert = alert_raise(key="rule:1:store:1", code="rule_breach", message="投诉率超标", store_id=shop.pk)
    page = qa.get("/qa/alerts/")
    assert "投诉率超标" in page.content.decode()

    assert qa.post("/qa/alerts/", {"alert_id": alert.pk, "note": "已致电门店"}).status_code == 302
    alert.refresh_from_db()
    assert (alert.status, alert.acked_by, alert.note) == (AlertStatus.ACKNOWLEDGED, qa_user, "已致电门店")
    assert "投诉率超标" not in qa.get("/qa/alerts/").content.decode()  # the open list
    assert qa.post("/qa/alerts/", {"alert_id": "x"}).status_code == 200
    assert Alert.objects.count() == 1


def test_the_complaint_queue_shows_the_deadline_that_applies_and_how_late(qa, owner):
    shop = make_shop()
    booking = book(owner, shop, local(tomorrow(), 10))
    now = timezone.now()
    Complaint.objects.create(
        booking=booking,
        store=shop,
        owner=owner,
        category="overcharge",
        description="多收了机油钱",
        respond_by=now - dt.timedelta(hours=2),
        resolve_by=now + dt.timedelta(hours=46),
    )
    html = qa.get("/qa/complaints/").content.decode()
    assert "多收了机油钱" in html and 'class="late"' not in html
    Complaint.objects.update(resolve_by=now - dt.timedelta(minutes=90))
    html = qa.get("/qa/complaints/").content.decode()
    assert 'class="late"' in html and "1 小时 30 分钟" in html  # zh-hans, the default


def test_a_complaint_is_resolved_from_its_page_and_a_refusal_is_shown(qa, qa_user, owner):
    shop = make_shop()
    booking = book(owner, shop, local(tomorrow(), 10))
    now = timezone.now()
    complaint = Complaint.objects.create(
        booking=booking,
        store=shop,
        owner=owner,
        category="conduct",
        description="店员态度恶劣",
        respond_by=now + dt.timedelta(hours=24),
        resolve_by=now + dt.timedelta(hours=72),
    )
    photo = complaint_photo_add(complaint_id=complaint.pk, owner=owner, upload=image_upload())
    page = qa.get(f"/qa/complaints/{complaint.pk}/")
    assert page.status_code == 200 and "店员态度恶劣" in page.content.decode()
    # The owner's photos are shown, not counted, and QA may open them.
    assert f'<img src="{photo.image.url}"' in page.content.decode()
    assert qa.get(photo.image.url).status_code == 200

    refused = qa.post(
        f"/qa/complaints/{complaint.pk}/", {"outcome": "rejected", "resolution": "x", "refund_amount": "10.00"}
    )
    assert refused.status_code == 200 and b'role="alert"' in refused.content
    complaint.refresh_from_db()
    assert complaint.status == "open"

    done = qa.post(f"/qa/complaints/{complaint.pk}/", {"outcome": "rejected", "resolution": "查无实据"})
    assert done.status_code == 302
    complaint.refresh_from_db()
    assert (complaint.status, complaint.outcome, complaint.resolved_by) == ("resolved", "rejected", qa_user)
    assert qa.get("/qa/complaints/999999/").status_code == 404
