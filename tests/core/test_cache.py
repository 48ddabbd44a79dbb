"""The shared cache's Redis backend (core.cache): one redis-py client per pool, answers as Django's own."""

import threading

import pytest
import redis
from django.core.cache.backends.redis import RedisCacheClient

from core.cache import PoolClientRedisCache

LOCATION = "redis://127.0.0.1:6379/12"


def redis_reachable() -> bool:
    try:
        return bool(redis.Redis.from_url(LOCATION, socket_connect_timeout=2).ping())
    except redis.RedisError:
        return False


pytestmark = pytest.mark.skipif(not redis_reachable(), reason="Redis at 127.0.0.1:6379 is not reachable")


@pytest.fixture
def shared_cache():
    cache = PoolClientRedisCache(LOCATION, {"KEY_PREFIX": "core-cache-test"})
    cache.clear()
    yield cache
    cache.clear()
    cache.close()


def test_every_call_of_a_process_uses_one_client_where_django_builds_one_each(shared_cache):
    clients = {id(shared_cache._cache.get_client(write=write)) for write in (True, False, True, False)}
    django_clients = RedisCacheClient([LOCATION])

    assert len(clients) == 1
    assert django_clients.get_client() is not django_clients.get_client()


def test_it_keeps_counts_and_forgets_as_the_cache_should(shared_cache):
    shared_cache.set("answers", {"held_rights": {1: 2}}, timeout=60)
    shared_cache.add("hits", 0, timeout=60)

    assert shared_cache.get("answers") == {"held_rights": {1: 2}}
    assert [shared_cache.incr("hits") for _ in range(3)] == [1, 2, 3]
    assert shared_cache.get_many(["answers", "missing"]) == {"answers": {"held_rights": {1: 2}}}
    shared_cache.delete("answers")
    assert shared_cache.get("answers") is None


def test_threads_share_the_client_and_count_every_hit(shared_cache):
    shared_cache.add("hits", 0, timeout=60)

    def hit():
        for _ in range(50):
            shared_cache.incr("hits")

    threads = [threading.Thread(target=hit) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert shared_cache.get("hits") == 200
