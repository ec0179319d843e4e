"""Production's sessions: Django's ``cached_db`` (read from the cache, written through to the database), for which a
cache that does not answer is a cache miss.

Django's own store already logs a failed write to the cache, but caches what it just read from the database without
catching the cache's errors: every signed-in page would answer 500 while Redis is down. Here a read falls back to the
database, and a session that cannot be cached is simply not cached. Deleting (signing out) is the exception: the
database row goes, but a copy left in Redis would sign the user in again once Redis is back, so a failed delete is
refused with :class:`~chefu.errors.ServiceUnavailable` (503: try again) rather than reported as done.
"""

import logging

from django.contrib.sessions.backends.cached_db import SessionStore as CachedDbStore

from chefu.errors import ServiceUnavailable

logger = logging.getLogger(__name__)


class SessionStore(CachedDbStore):
    def load(self) -> dict:
        try:
            data = self._cache.get(self.cache_key)
        except Exception:
            data = None
        if data is not None:
            return data
        stored = self._get_session_from_db()
        if stored is None:
            return {}
        data = self.decode(stored.session_data)
        try:
            self._cache.set(self.cache_key, data, self.get_expiry_age(expiry=stored.expire_date))
        except Exception:
            logger.warning("Sessions: the cache is unavailable, reading from the database", exc_info=True)
        return data

    def exists(self, session_key: str | None) -> bool:
        try:
            if session_key and (self.cache_key_prefix + session_key) in self._cache:
                return True
        except Exception:
            logger.warning("Sessions: the cache is unavailable, asking the database", exc_info=True)
        return super(CachedDbStore, self).exists(session_key)

    def delete(self, session_key: str | None = None) -> None:
        try:
            super().delete(session_key)
        except Exception as exc:
            logger.warning("Sessions: could not delete the cached copy of a session", exc_info=True)
            raise ServiceUnavailable() from exc
