"""Django's RedisCache, keeping one redis-py client per connection pool.

Django builds a new `redis.Redis` object for every cache operation; redis-py fills a table of
about 170 response callbacks each time, which costs more than the round trip to Redis for the
small values kept here (content version, session, rate-limit counters). A client is only a
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
