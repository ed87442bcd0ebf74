"""Which office's settings changed since this process last looked: the "look again" signal.

An office's profile and its published Standar Pelayanan live in SQL, edited on the dashboard. Every
web process and worker keeps them in memory (they are read on every message), so a change must reach
them all at once, without a restart. After committing a change, the editor calls `bump(office)`: a
fresh random token in one Redis hash. Each process reads the whole hash once per message
(`refresh()`, one round trip) and rebuilds what it holds for an office whose token moved.

Tokens, not counters: after a Redis restart the hash is empty, every token reads "" and differs from
what a process saw, so each process reloads once from SQL, which is the truth. A counter restarting
at 1 could match a stale value a process still holds. When Redis is unreachable a process keeps what
it has (the signal is an optimisation over SQL, never the record).
"""

from __future__ import annotations

import logging
import uuid

import redis
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session, sessionmaker

logger = logging.getLogger(__name__)

KEY = "loket:settings:revisions"
CHANGED = "loket_changed_offices"  # session.info: offices whose settings this transaction changed


def bump(connection: redis.Redis, office: str) -> None:
    """Tell every process that `office`'s settings changed. Call after the change is committed."""
    try:
        connection.hset(KEY, office, uuid.uuid4().hex)
    except RedisError:
        # The other processes will not hear of it until Redis is back (then every token is new).
        logger.warning("settings of %s changed but the revision signal could not be sent", office)


class RevisionWatch:
    """One process's view of the tokens; `token(office)` is what a cache keys its entries on."""

    def __init__(self, connection: redis.Redis):
        self._redis = connection
        self._tokens: dict[str, str] = {}

    def refresh(self) -> None:
        """Read every office's token (one HGETALL). Call once per message or dashboard request."""
        try:
            raw = self._redis.hgetall(KEY)
        except RedisError:
            return  # keep what this process has; SQL stays the record
        self._tokens = {k.decode(): v.decode() for k, v in raw.items()}

    def token(self, office: str) -> str:
        return self._tokens.get(office, "")

    def bump(self, office: str) -> None:
        bump(self._redis, office)
        self.refresh()


def note_change(session: Session, office: str) -> None:
    """Mark `office` changed by this transaction; its processes hear of it once the session commits
    (`signal_commits`). Owners of settings tables call it (e.g. the employee rows' flush events)."""
    session.info.setdefault(CHANGED, set()).add(office)


def signal_commits(sessions: sessionmaker, watch: RevisionWatch) -> None:
    """Bump every office a committed session changed. After the commit, never before: a process that
    reloaded in between would keep the old rows under the new token."""

    def committed(session: Session) -> None:
        for office in sorted(session.info.pop(CHANGED, ())):
            watch.bump(office)

    event.listen(sessions, "after_commit", committed)
    event.listen(sessions, "after_rollback", lambda session: session.info.pop(CHANGED, None))
