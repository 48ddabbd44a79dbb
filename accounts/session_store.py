"""Sessions in the database with Redis in front (cached_db), where an unreachable Redis is only a cache miss.

Django's cached_db engine raises when its cache fails, which would sign everyone out of
every page while Redis is down. Here the database alone carries the sessions meanwhile;
the rate limits, not this, decide how logins behave then (accounts.throttle fails closed).
"""

import logging

from django.conf import settings
from django.contrib.sessions.backends import cached_db
from django.core.cache import caches
from redis.exceptions import RedisError

logger = logging.getLogger(__name__)


class _CacheOrNothing:
    """The session engine's view of the cache: a call that cannot reach Redis answers None."""

    def __init__(self, cache):
        self._cache = cache

    def __getattr__(self, name):
        method = getattr(self._cache, name)

        def call(*args, **kwargs):
            try:
                return method(*args, **kwargs)
            except RedisError as error:
                logger.warning("Session cache unreachable (%s); the database serves the session", error)
                return None

        return call

    def __contains__(self, key) -> bool:
        return bool(self.__getattr__("has_key")(key))


class SessionStore(cached_db.SessionStore):
    def __init__(self, session_key=None):
        super().__init__(session_key)
        self._cache = _CacheOrNothing(caches[settings.SESSION_CACHE_ALIAS])
