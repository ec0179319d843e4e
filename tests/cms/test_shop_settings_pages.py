"""The shop console's pages other than the board (prices, hours and rules, settlements, its CSV): signed out they
show the sign-in box; for another store's manager they are 404 as for a missing store; for a technician they say
the role refusal (403); the manager gets the store. The CSV is UTF-8 with a BOM, Chinese headers first."""

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.test import Client

from payments.models import Statement
from stores.services import membership_add
from tests.bookings.conftest import make_shop
from tests.bookings.floor_fixtures import staff_of
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db

PAGES = ["/partner/prices/", "/partner/settings/", "/partner/settlements/"]


def _signed_in(user) -> Client:
    client = Client()
    assert client.login(phone=user.phone, password=PASSWORD)
    return client


def _shop_script(response) -> dict:
    html = response.content.decode()
    start = html.index('<script id="chefu-shop" type="application/json">') + len(
        '<script id="chefu-shop" type="application/json">'
    )
    return json.loads(html[start : html.index("</script>", start)])


@pytest.fixture
def store(db):
    return make_shop(name="徐家汇旗舰店")


@pytest.mark.parametrize("url", PAGES)
def test_signed_out_the_page_shows_the_sign_in_box_and_no_store(url, client, store):
    response = client.get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert 'class="signin"' in html
    assert store.name not in html
    assert _shop_script(response)["store"] is None


@pytest.mark.parametrize("url", PAGES)
def test_the_manager_gets_their_store_with_the_sub_nav(url, store):
    manager = staff_of(store, role="manager")

    response = _signed_in(manager).get(url)

    assert response.status_code == 200
    html = response.content.decode()
    assert store.name in html
    assert f'href="/partner/prices/?store={store.pk}"' in html
    assert 'href="/partner/schedule/"' in html
    assert _shop_script(response)["store"]["id"] == store.pk


@pytest.mark.parametrize("url", PAGES)
def test_another_stores_manager_is_told_not_found(url, store):
    other = staff_of(make_shop(name="浦东店"), role="manager")

    response = _signed_in(other).get(f"{url}?store={store.pk}")

    assert response.status_code == 404
    html = response.content.decode()
    assert store.name not in html
    assert "你所在的门店中没有这家门店" in html
    assert _shop_script(response)["store"] is None


@pytest.mark.parametrize("url", [*PAGES, "/partner/settlements.csv"])
@pytest.mark.parametrize("wanted", ["abc", "²", "1" * 13])
def test_a_store_id_that_is_not_a_number_is_not_found(url, wanted, store):
    assert _signed_in(staff_of(store, role="manager")).get(f"{url}?store={wanted}").status_code == 404


@pytest.mark.parametrize("url", PAGES)
def test_a_technician_gets_the_role_refusal(url, store):
    technician = staff_of(store, role="technician")

    response = _signed_in(technician).get(url)

    assert response.status_code == 403
    assert "只有门店店长" in response.content.decode()
    assert _shop_script(response)["store"] is None


def test_the_board_links_the_other_shop_pages(client):
    html = client.get("/partner/schedule/").content.decode()

    assert 'href="/partner/prices/"' in html and 'href="/partner/settlements/"' in html


# --- the settlements as CSV ------------------------------------------------------------------------------------


def _statement(store, day: dt.date, gross: str) -> Statement:
    gross_ = Decimal(gross)
    commission = (gross_ * Decimal("0.08")).quantize(Decimal("0.01"))
    return Statement.objects.create(
        store=store,
        period_start=day,
        period_end=day,
        gross=gross_,
        commission=commission,
        refunds=Decimal("0.00"),
        net=gross_ - commission,
    )


def test_the_csv_has_a_bom_chinese_headers_and_every_statement_latest_first(store):
    manager = staff_of(store, role="manager")
    _statement(store, dt.date(2026, 11, 30), "598.00")
    _statement(store, dt.date(2026, 12, 1), "500.00")
    _statement(make_shop(name="浦东店"), dt.date(2026, 12, 1), "999.00")

    response = _signed_in(manager).get(f"/partner/settlements.csv?store={store.pk}")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    body = response.content
    assert body.startswith(b"\xef\xbb\xbf")
    lines = body.decode("utf-8-sig").splitlines()
    assert lines[0] == "开始日期,结束日期,营业额,佣金,退款,返工费用,结算金额,状态"
    assert lines[1].startswith("2026-12-01,2026-12-01,500.00,40.00,0.00,0.00,460.00,")
    assert lines[2].startswith("2026-11-30,2026-11-30,598.00,47.84,0.00,0.00,550.16,")
    assert len(lines) == 3


def test_the_csv_refuses_as_the_api_does(client, store):
    technician = staff_of(store, role="technician")
    other = staff_of(make_shop(name="浦东店"), role="manager")
    url = f"/partner/settlements.csv?store={store.pk}"

    assert client.get(url).status_code == 401
    assert _signed_in(technician).get(url).status_code == 403
    assert _signed_in(other).get(url).status_code == 404


# --- reviews: any staff role, as the API lets them reply ----------------------------------------------------------


def test_the_reviews_page_is_for_any_of_the_stores_staff(client, store):
    technician = staff_of(store, role="technician")
    other = staff_of(make_shop(name="浦东店"), role="manager")

    signed_out = client.get("/partner/reviews/")
    mine = _signed_in(technician).get("/partner/reviews/")
    theirs = _signed_in(other).get(f"/partner/reviews/?store={store.pk}")

    assert signed_out.status_code == 200 and 'class="signin"' in signed_out.content.decode()
    assert mine.status_code == 200 and _shop_script(mine)["store"]["id"] == store.pk
    assert theirs.status_code == 404 and store.name not in theirs.content.decode()


def test_staff_of_two_stores_pick_one_and_the_first_where_their_role_is_enough_comes_first(store):
    # given: a technician at 徐家汇, the manager of 浦东
    user = staff_of(store, role="technician")
    pudong = make_shop(name="浦东店")
    membership_add(store=pudong, user=user, role="manager")
    client = _signed_in(user)

    # when they open the price list without naming a store, they get the one they manage, with the picker
    response = client.get("/partner/prices/")
    assert response.status_code == 200
    assert _shop_script(response)["store"]["id"] == pudong.pk
    html = response.content.decode()
    assert f'<option value="{store.pk}">' in html and f'<option value="{pudong.pk}" selected>' in html

    # and naming the other store says the role refusal
    assert client.get(f"/partner/prices/?store={store.pk}").status_code == 403
