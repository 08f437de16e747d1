"""lms.cache.RedisCache: Django's RedisCache with one redis-py client per connection pool."""

import uuid

import pytest

from lms.cache import RedisCache
from tests.redis_available import requires_redis

pytestmark = requires_redis


@pytest.fixture
def redis_cache():
    cache = RedisCache("redis://127.0.0.1:6379/1", {"KEY_PREFIX": f"test-{uuid.uuid4().hex}"})
    yield cache
    cache.clear()


def test_one_client_per_pool_is_reused(redis_cache):
    first = redis_cache._cache.get_client(write=True)
    assert redis_cache._cache.get_client(write=False) is first
    assert first.connection_pool is redis_cache._cache._get_connection_pool(write=True)


def test_it_behaves_as_djangos_cache(redis_cache):
    assert redis_cache.get("version") is None
    assert redis_cache.add("version", "a1", timeout=None) is True
    assert redis_cache.add("version", "b2", timeout=None) is False
    assert redis_cache.get("version") == "a1"
    redis_cache.set("counter", 1, timeout=60)
    assert redis_cache.incr("counter") == 2
    redis_cache.set_many({"x": {"Teilnehmende": ["Ä"]}, "y": 3})
    assert redis_cache.get_many(["x", "y"]) == {"x": {"Teilnehmende": ["Ä"]}, "y": 3}
    redis_cache.delete("x")
    assert redis_cache.get("x") is None


def test_incr_and_get_many_counts_and_reads_in_one_round_trip(redis_cache, monkeypatch):
    redis_cache.set_many({"version-a": "a1", "version-b": {"n": 2}}, timeout=None)
    client = redis_cache._cache.get_client(write=True)
    single_commands = []
    execute = client.execute_command

    def recorded(*args, **kwargs):
        single_commands.append(args[0])
        return execute(*args, **kwargs)

    monkeypatch.setattr(client, "execute_command", recorded)
    count, found = redis_cache.incr_and_get_many(
        "window", ["version-a", "version-b", "missing"], timeout=61
    )
    assert (count, found) == (1, {"version-a": "a1", "version-b": {"n": 2}})
    assert 0 < client.ttl(redis_cache.make_key("window")) <= 61
    count, found = redis_cache.incr_and_get_many("window", ["version-a"], timeout=61)
    assert (count, found) == (2, {"version-a": "a1"})
    # INCR, EXPIRE and MGET go out together as one pipeline: no single command at all.
    assert single_commands == ["TTL"]  # only the test's own check above
