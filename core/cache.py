"""The shared cache's Redis backend: Django's, with one redis-py client per connection pool instead of one per call.

Django's RedisCacheClient builds a new `redis.Redis` for every cache call, and redis-py fills
some 170 response callbacks into each: a cockpit page's five calls (session, access answers,
switcher, listing limit) spent more on building clients than on their round trips. A client
is only a handle on its pool, which hands out the connections and is safe to share between
threads, so one client per pool serves every call of the process.
"""

from django.core.cache.backends.redis import RedisCache, RedisCacheClient


class PoolClientRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[object, object] = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]  # Django's, left out of the stubs
        client = self._clients.get(pool)
        if client is None:
            # Two threads may both build one at first; either serves, and the last one stays.
            client = self._clients[pool] = self._client(connection_pool=pool)  # type: ignore[attr-defined]
        return client


class PoolClientRedisCache(RedisCache):
    """settings.CACHES' backend where REDIS_URL is set (cockpit/settings.py)."""

    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = PoolClientRedisCacheClient
