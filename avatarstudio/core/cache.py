"""Django's Redis cache, keeping one client a server instead of making one a call.

``RedisCacheClient.get_client`` builds a new ``redis.Redis`` around the shared connection
pool on every call, which costs more than the round trip itself on a cheap request (a status
card's unchanged poll). A ``redis.Redis`` is safe to share between threads: the pool hands
each command its own connection.
"""

from __future__ import annotations

from django.core.cache.backends.redis import RedisCache as DjangoRedisCache
from django.core.cache.backends.redis import RedisCacheClient


class _KeptClients(RedisCacheClient):
    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._clients = {}

    def get_client(self, key=None, *, write=False):
        pool = self._get_connection_pool(write)
        client = self._clients.get(id(pool))
        if client is None:
            client = self._clients[id(pool)] = self._client(connection_pool=pool)
        return client


class RedisCache(DjangoRedisCache):
    def __init__(self, server, params) -> None:
        super().__init__(server, params)
        self._class = _KeptClients
