"""`requires_redis`: for tests that need the Redis server these machines run on 127.0.0.1:6379."""

import socket

import pytest


def redis_reachable() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.2).close()
    except OSError:
        return False
    return True


requires_redis = pytest.mark.skipif(not redis_reachable(), reason="needs Redis on 127.0.0.1:6379")
