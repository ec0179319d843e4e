import json
import re

import pytest

from reviews.models import TAGS
from tests.bookings.conftest import make_shop

pytestmark = pytest.mark.django_db


def _json_block(response, name: str) -> dict:
    found = re.search(rf'<script id="{name}" type="application/json">(.*?)</script>', response.content.decode())
    assert found, f"the page renders no {name} block"
    return json.loads(found.group(1))


def script_config(response) -> dict:
    return _json_block(response, "chefu-config")


def script_texts(response) -> dict:
    return _json_block(response, "chefu-i18n")


def test_pages_open_payments_with_the_sandbox_while_it_is_on(client):
    response = client.get("/me/bookings/")

    assert response.status_code == 200
    assert script_config(response)["payProvider"] == "sandbox"


def test_pages_open_payments_with_alipay_when_the_sandbox_is_off(client, settings):
    settings.PAYMENT_SANDBOX_ENABLED = False

    response = client.get("/me/bookings/")

    assert script_config(response)["payProvider"] == "alipay"


def test_the_store_page_gives_its_scripts_the_review_tags_and_dimensions_in_the_page_language(client):
    store = make_shop()

    chinese = script_texts(client.get(f"/stores/{store.pk}/"))
    english = script_texts(client.get(f"/stores/{store.pk}/", headers={"accept-language": "en"}))

    assert list(chinese["tags"]) == list(TAGS)
    assert (chinese["tags"]["fair_price"], english["tags"]["fair_price"]) == ("价格与报价一致", "Price as quoted")
    assert chinese["dimensions"] == {
        "quality": "施工质量",
        "attitude": "服务态度",
        "timeliness": "准时程度",
        "price_transparency": "价格透明",
        "environment": "门店环境",
    }


def test_pages_give_their_scripts_the_review_limits_the_api_enforces(client, settings):
    settings.REVIEW_WINDOW_DAYS = 14

    response = client.get("/me/bookings/")

    assert script_config(response)["review"] == {"windowDays": 14, "maxPhotos": 9, "textMax": 1000, "followUpMax": 500}
