"""REDIS_URL as a Redis Sentinel URL (bot/redis_conn.py), against real processes: Debian's
redis-server as master, replica and sentinel. The client finds the master through the sentinel,
RQ works over it, url_of hands another process the same sentinels, and after the master dies the
same client reaches the promoted replica."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest
import redis
from rq import Queue, SimpleWorker

from bot import redis_conn
from tests.support.cluster import free_port, wait_for

SERVICE = "loketmaster"
BINARY = shutil.which("redis-server")
needs_redis = pytest.mark.skipif(BINARY is None, reason="Debian's redis-server is not installed (apt-get install "
                                                        "redis-server); the URL parsing is still tested")


class Process:
    def __init__(self, args: list[str], port: int, log: Path):
        self.port = port
        self.process = subprocess.Popen(args, stdout=log.open("w"), stderr=subprocess.STDOUT)
        wait_for(self.answers, 20, f"redis-server on {port}")

    def answers(self) -> bool:
        try:
            return redis.Redis(port=self.port, socket_timeout=0.5).ping()
        except redis.RedisError:
            return False

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


def _server(folder: Path, name: str, *extra: str) -> Process:
    port = free_port()
    (folder / name).mkdir()
    return Process([BINARY, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
                    "--dir", str(folder / name), *extra], port, folder / f"{name}.log")


@pytest.fixture
def sentinel_setup(tmp_path):
    """A master, its replica and one sentinel (quorum 1) that fails over half a second after the master stops."""
    master = _server(tmp_path, "master")
    replica = _server(tmp_path, "replica", "--replicaof", "127.0.0.1", str(master.port))
    port = free_port()
    conf = tmp_path / "sentinel.conf"  # the sentinel rewrites its own file: one it may write
    conf.write_text(f"port {port}\nbind 127.0.0.1\ndir {tmp_path}\n"
                    f"sentinel monitor {SERVICE} 127.0.0.1 {master.port} 1\n"
                    f"sentinel down-after-milliseconds {SERVICE} 500\n"
                    f"sentinel failover-timeout {SERVICE} 5000\n")
    sentinel = Process([BINARY, str(conf), "--sentinel"], port, tmp_path / "sentinel.log")
    processes = [master, replica, sentinel]
    try:
        wait_for(lambda: redis.Redis(port=master.port).info("replication")["connected_slaves"] == 1, 20,
                 "the replica to attach")
        yield master, replica, sentinel
    finally:
        for process in processes:
            process.kill()


@needs_redis
def test_the_sentinel_url_reaches_the_master_runs_rq_and_survives_a_failover(sentinel_setup):
    master, replica, sentinel = sentinel_setup
    url = f"redis+sentinel://127.0.0.1:{free_port()},127.0.0.1:{sentinel.port}/{SERVICE}/3"  # a dead sentinel first
    client = redis_conn.connect(url, "")
    client.set("loket:test", "1")
    assert redis.Redis(port=master.port, db=3).get("loket:test") == b"1"  # it found the master, db 3
    assert redis_conn.url_of(client) == url  # the worker gets the sentinels, not today's master
    other = redis_conn.reconnect(client)
    assert other.get("loket:test") == b"1" and other.connection_pool is not client.connection_pool

    queue = Queue("loket-default", connection=client)
    job = queue.enqueue("builtins.len", "abc")
    SimpleWorker([queue], connection=other).work(burst=True)
    job.refresh()
    assert job.get_status() == "finished" and job.return_value() == 3

    wait_for(lambda: redis.Redis(port=replica.port, db=3).get("loket:test") == b"1", 20, "replication")
    master.kill()

    def promoted() -> bool:
        try:
            client.set("loket:after", "2")
            return True
        except redis.ConnectionError:
            return False

    wait_for(promoted, 30, "the sentinel to promote the replica")
    assert redis.Redis(port=replica.port, db=3).get("loket:after") == b"2"  # the replica is the master now
    assert client.get("loket:test") == b"1"


@pytest.mark.parametrize(("url", "parts"), [
    ("redis+sentinel://h1:26379,h2:26380/mymaster/2",
     {"sentinels": [("h1", 26379), ("h2", 26380)], "service_name": "mymaster", "db": 2, "username": None,
      "password": None, "sentinel_password": None}),
    ("redis+sentinel://:s%40cret@h1,[::1]:26381/mymaster?sentinel_password=other",
     {"sentinels": [("h1", 26379), ("::1", 26381)], "service_name": "mymaster", "db": 0, "username": None,
      "password": "s@cret", "sentinel_password": "other"}),
    ("redis+sentinel://loket:pw@sentinel.internal/cache/0",
     {"sentinels": [("sentinel.internal", 26379)], "service_name": "cache", "db": 0, "username": "loket",
      "password": "pw", "sentinel_password": None}),
])
def test_sentinel_urls_are_read(url, parts):
    assert redis_conn.parse_sentinel_url(url) == parts


@pytest.mark.parametrize("url", [
    "redis+sentinel://h1:26379",  # no service name
    "redis+sentinel:///mymaster/0",  # no sentinel
    "redis+sentinel://h1:port/mymaster",
    "redis+sentinel://h1/mymaster/zero",
    "redis+sentinel://h1/mymaster/0/extra",
])
def test_a_bad_sentinel_url_is_refused_without_its_password(url):
    with pytest.raises(redis_conn.BadRedisUrl) as refused:
        redis_conn.parse_sentinel_url(url.replace("://", "://:hunter2@"))
    assert "hunter2" not in str(refused.value)


def test_url_of_keeps_a_password_and_tls(redis_server):
    assert redis_conn.url_of(redis.Redis.from_url("redis://:p%40ss@db.internal:6380/2")) == \
        "redis://:p%40ss@db.internal:6380/2"
    assert redis_conn.url_of(redis_conn.connect("rediss://u:p@db.internal:6380/1", "")) == \
        "rediss://u:p@db.internal:6380/1"
    embedded = redis_conn.url_of(redis_server)  # the embedded server: its unix socket
    assert embedded.startswith("unix://") and redis_conn.connect(embedded, "").ping()
