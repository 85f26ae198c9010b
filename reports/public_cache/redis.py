"""Django's Redis cache backend, reusing its Redis client (issue 13).

Django's ``RedisCacheClient.get_client`` builds a new ``redis.Redis`` for every command, and
that constructor fills a table of about 170 response callbacks: in a profile of a public
listing it cost more than the round trips to Redis themselves (a page hit reads the
generation; a miss also reads and writes the page). Here each connection pool keeps one
client. ``redis.Redis`` is safe to share between threads: each command still takes a
connection from the pool.
"""

from __future__ import annotations

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
    """``django.core.cache.backends.redis.RedisCache`` with one Redis client per pool."""

    def __init__(self, server, params):
        super().__init__(server, params)
        self._class = ReusingRedisCacheClient
