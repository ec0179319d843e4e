import json
import re

import pytest

pytestmark = pytest.mark.django_db


def script_config(response) -> dict:
    found = re.search(r'<script id="chefu-config" type="application/json">(.*?)</script>', response.content.decode())
    assert found, "the page renders no chefu-config block"
    return json.loads(found.group(1))


def test_pages_open_payments_with_the_sandbox_while_it_is_on(client):
    response = client.get("/me/bookings/")

    assert response.status_code == 200
    assert script_config(response) == {"payProvider": "sandbox"}


def test_pages_open_payments_with_alipay_when_the_sandbox_is_off(client, settings):
    settings.PAYMENT_SANDBOX_ENABLED = False

    response = client.get("/me/bookings/")

    assert script_config(response) == {"payProvider": "alipay"}
