"""Production's sessions (chefu.sessions): Django's cached_db, read from the database while the cache is down."""

import pytest
from django.contrib.sessions.models import Session

from chefu.errors import ServiceUnavailable
from chefu.sessions import SessionStore

# Nothing listens there: the cache fails at once.
DEAD_REDIS = "redis://127.0.0.1:1/0"

pytestmark = pytest.mark.django_db


def test_a_session_is_cached_and_read_back():
    session = SessionStore()
    session["cart"] = 1
    session.save()

    assert SessionStore(session.session_key).load() == {"cart": 1}
    assert session.exists(session.session_key)


def test_without_the_cache_a_session_is_read_from_the_database_and_a_sign_out_refused(settings):
    # given a session saved while the cache answered
    session = SessionStore()
    session["_auth_user_id"] = "7"
    session.save()
    key = session.session_key

    # when the cache goes away
    settings.CACHES = {"default": {**settings.CACHES["default"], "LOCATION": DEAD_REDIS}}

    # then the session is read (and known) from the database, and a new one can be saved
    assert SessionStore(key).load() == {"_auth_user_id": "7"}
    assert SessionStore().exists(key)
    fresh = SessionStore()
    fresh["x"] = 1
    fresh.save()
    assert Session.objects.filter(session_key=fresh.session_key).exists()
    # and signing out, which cannot remove the cached copy, says so rather than leave it to come back with Redis
    with pytest.raises(ServiceUnavailable):
        SessionStore(key).delete()
