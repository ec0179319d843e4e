"""chefu.http.client_ip: the address login throttling counts against."""

import pytest
from django.test import RequestFactory

from chefu.http import client_ip


def _request(remote_addr="203.0.113.7", forwarded_for=None):
    extra = {"REMOTE_ADDR": remote_addr}
    if forwarded_for is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded_for
    return RequestFactory().get("/api/v1/health", **extra)


def test_without_trusted_proxies_the_forwarded_header_is_ignored(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(_request(forwarded_for="10.0.0.1")) == "203.0.113.7"


@pytest.mark.parametrize(
    ("trusted", "forwarded_for", "expected"),
    [
        # One proxy appends the address it saw; whatever the client put before it is its own claim.
        (1, "198.51.100.20", "198.51.100.20"),
        (1, "10.0.0.1, 198.51.100.20", "198.51.100.20"),
        (1, "10.0.0.1,198.51.100.20 ", "198.51.100.20"),
        # Two proxies: the outer one's entry is second from the right.
        (2, "10.0.0.1, 198.51.100.20, 192.0.2.5", "198.51.100.20"),
    ],
)
def test_with_trusted_proxies_the_entry_our_outermost_proxy_added_counts(settings, trusted, forwarded_for, expected):
    settings.TRUSTED_PROXY_COUNT = trusted

    assert client_ip(_request(forwarded_for=forwarded_for)) == expected


def test_a_forwarded_header_shorter_than_the_proxy_chain_falls_back_to_the_peer(settings):
    settings.TRUSTED_PROXY_COUNT = 2

    assert client_ip(_request(forwarded_for="198.51.100.20")) == "203.0.113.7"


def test_a_request_without_any_address_is_counted_as_unknown(settings):
    settings.TRUSTED_PROXY_COUNT = 0

    assert client_ip(_request(remote_addr="")) == "unknown"
