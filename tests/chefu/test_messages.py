"""chefu.messages: Django's messages for the site's pages, not set up for the API's requests."""

import pytest
from django.contrib.messages import get_messages

pytestmark = pytest.mark.django_db


def test_a_page_has_its_messages_and_an_api_request_does_not(client):
    page = client.get("/")
    assert list(get_messages(page.wsgi_request)) == []  # the storage is there, empty
    assert hasattr(page.wsgi_request, "_messages")

    api = client.get("/api/v1/health")
    assert api.status_code == 200
    assert not hasattr(api.wsgi_request, "_messages")
