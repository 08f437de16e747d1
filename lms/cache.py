"""Django's RedisCache, keeping one redis-py client per connection pool.

Django builds a new `redis.Redis` object for every cache operation; redis-py fills a table of
about 170 response callbacks each time, which costs more than the round trip to Redis for the
small values kept here (version tokens, session, rate-limit counters). A client is only a
handle on its connection pool, which is thread-safe and reconnects after a fork, so one per
pool serves every thread of the process.
"""

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class ReusingRedisCacheClient(RedisCacheClient):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient

    def incr_and_get_many(self, key: str, keys: list[str], *, timeout: int) -> tuple[int, dict]:
        """Count `key` up (a new counter expires after `timeout` seconds) and get `keys`, in
        one round trip: what a rate-limited page needs before it can answer."""
        client = self._cache.get_client(write=True)
        counter = self.make_and_validate_key(key)
        pipeline = client.pipeline(transaction=False)
        pipeline.incr(counter)
        # Every time, in the same round trip: a counter can't outlive its window even if the
        # request that opened it died (the key names the window, so renewing the TTL is moot).
        pipeline.expire(counter, timeout)
        pipeline.mget([self.make_and_validate_key(name) for name in keys])
        count, _expiry_set, values = pipeline.execute()
        loads = self._cache._serializer.loads
        found = zip(keys, values, strict=True)
        return count, {name: loads(value) for name, value in found if value is not None}
