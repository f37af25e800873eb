"""Rate-limit counters in a real Redis (OPEN311_RATE_LIMIT_REDIS_URL): shared by every worker of
every server."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time

import pytest

from open311 import create_app
from open311.logic.rate_limits import Limiter, Policy, RedisStore


@pytest.fixture(scope="module")
def redis_url():
    """A throwaway redis-server on a free port (scripts/ensure-system-packages --tests installs it)."""
    server = shutil.which("redis-server")
    if not server:
        pytest.skip("redis-server is not installed (apt-get install redis-server)")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = subprocess.Popen(
        [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )  # fmt: skip
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            break
        except OSError:
            time.sleep(0.05)
    yield f"redis://127.0.0.1:{port}/0"
    process.terminate()
    process.wait(timeout=10)


def test_workers_share_the_redis_store(redis_url):
    store = RedisStore(redis_url)
    workers = [Limiter(store) for _ in range(3)]
    allowed = [workers[n % 3].hit("key-1", Policy("key", 7)).allowed for n in range(12)]
    assert allowed == [True] * 7 + [False] * 5
    assert 0 < store.client.ttl(next(iter(store.client.scan_iter("open311:ratelimit:key:key-1:*")))) <= 120


def test_two_servers_share_one_quota(redis_url, database_url_for_tests):
    config = {"DATABASE_URL": database_url_for_tests, "RATE_LIMIT_REDIS_URL": redis_url, "RATE_LIMIT_ADDRESS": 4}
    servers = [create_app(config).test_client() for _ in range(2)]
    now = time.time()
    for client in servers:  # one window for the test (a minute's end in the middle would reset the count)
        client.application.extensions["open311.limiter"].clock = lambda: now
    path = "/open311/v2/services.json?jurisdiction_id=paris.fr"
    address = {"REMOTE_ADDR": "192.0.2.44"}
    statuses = [servers[n % 2].get(path, environ_base=address).status_code for n in range(6)]
    assert statuses == [200, 200, 200, 200, 429, 429]
    for client in servers:
        client.application.extensions["open311.db"].dispose()


def test_when_redis_is_gone_requests_are_admitted():
    limiter = Limiter(RedisStore("redis://127.0.0.1:1/0"))
    assert all(limiter.hit("key-2", Policy("key", 3)).allowed for _ in range(3))
