"""Content-Security-Policy (django-csp, chefu/csp.py): the site's pages run only their static scripts; the back office
and the API docs get their looser policy deliberately."""

import re
from html.parser import HTMLParser

import pytest

from tests.bookings.conftest import make_shop

pytestmark = pytest.mark.django_db


def _policy(response) -> dict[str, list[str]]:
    header = response["Content-Security-Policy"]
    directives = {}
    for part in header.split(";"):
        words = part.split()
        if words:
            directives[words[0]] = words[1:]
    return directives


class _Markup(HTMLParser):
    """What in a page the CSP would refuse: inline scripts, inline handlers, style attributes."""

    def __init__(self):
        super().__init__()
        self.scripts: list[dict] = []
        self.handlers: list[str] = []
        self.styles: list[str] = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script":
            self.scripts.append(attrs)
        self.handlers += [f"{tag}[{name}]" for name in attrs if name.startswith("on")]
        if "style" in attrs:
            self.styles.append(tag)


def _site_pages():
    store = make_shop()
    return ["/", f"/stores/{store.pk}/", "/me/bookings/", "/partner/schedule/"]


def test_the_site_pages_allow_no_inline_script(client):
    for path in _site_pages():
        response = client.get(path)
        assert response.status_code == 200, path

        policy = _policy(response)
        assert policy["script-src"][0] == "'self'", path
        assert "'unsafe-inline'" not in policy["script-src"] and "'unsafe-eval'" not in policy["script-src"], path
        assert "'unsafe-inline'" not in policy.get("style-src", []), path
        assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'self'"], path
        assert policy["frame-ancestors"] == ["'self'"], path


def test_the_site_pages_have_nothing_inline_the_policy_would_block(client):
    for path in _site_pages():
        response = client.get(path)
        markup = _Markup()
        markup.feed(response.content.decode())

        # every script is a static file or a JSON data block, which is never run
        for script in markup.scripts:
            assert script.get("src", "").startswith("/static/") or script.get("type") == "application/json", (
                path,
                script,
            )
        assert markup.handlers == [], path
        assert markup.styles == [], path


def test_no_nonce_is_sent_where_no_template_used_one(client):
    response = client.get("/me/bookings/")

    assert not re.search(r"'nonce-", response["Content-Security-Policy"])


def test_an_api_answer_carries_the_policy_too(client):
    assert "script-src 'self'" in client.get("/api/v1/health")["Content-Security-Policy"]


@pytest.mark.parametrize("path", ["/admin/login/", "/django-admin/login/", "/api/v1/docs"])
def test_the_back_office_and_the_api_docs_get_their_looser_policy(client, path):
    response = client.get(path)

    assert response.status_code == 200
    policy = _policy(response)
    # their own inline scripts and styles are let through...
    assert "'unsafe-inline'" in policy["script-src"] and "'unsafe-inline'" in policy["style-src"]
    # ...but little else: no plugins, no framing by other sites, no foreign base URL
    assert policy["default-src"] == ["'self'"]
    assert policy["connect-src"] == ["'self'", "https://releases.wagtail.org"]  # Wagtail's update check
    assert policy["object-src"] == ["'none'"] and policy["base-uri"] == ["'self'"]
    assert policy["frame-ancestors"] == ["'self'"]
