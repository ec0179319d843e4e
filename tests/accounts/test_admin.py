"""The accounts pages of the Django admin."""

import pytest

from accounts.services import sms_code_send
from tests.factories import UserFactory


@pytest.mark.django_db
def test_sms_codes_are_listed_without_their_hashes(client):
    # given
    client.force_login(UserFactory(roles=["owner", "admin"], is_staff=True, is_superuser=True))
    record = sms_code_send(phone="13800138000", purpose="register", ip="127.0.0.1")

    # when
    listing = client.get("/django-admin/accounts/smscode/")
    detail = client.get(f"/django-admin/accounts/smscode/{record.pk}/change/")

    # then
    assert listing.status_code == 200
    assert "13800138000" in listing.content.decode()
    assert detail.status_code == 200
    assert record.code_hash not in detail.content.decode()
    assert record.salt not in detail.content.decode()
