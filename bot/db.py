"""The SQL database: engine and sessions. SQLite (WAL) by default, PostgreSQL in production."""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, event, exc
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from bot import sqlite_writer

# SQLite waits this long (ms) for a writer's lock before "database is locked".
SQLITE_BUSY_TIMEOUT_MS = 30_000
# PostgreSQL ends a session left idle inside a transaction this long (ms), releasing its row locks.
# No request or job of ours idles that long mid-transaction; a frozen or orphaned process would,
# and every writer of the rows it locked would wait on it.
POSTGRES_IDLE_IN_TRANSACTION_MS = 60_000
# A PostgreSQL connection that rested this long in the pool is pinged before use; one back from a
# request that just ended is not. A restarted server (or a proxy that dropped idle connections) is
# found at the ping and the pool reconnects; SQLAlchemy's pool_pre_ping pinged every checkout, which
# cost a round trip (a scheduling slot on a busy machine) per checkout, two per message.
PING_AFTER_IDLE_SECONDS = 5.0


class Base(DeclarativeBase):
    pass


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()


def _postgres_settings(dbapi_connection, _record) -> None:
    # Outside a transaction: a SET inside one would be undone by the pool's rollback.
    autocommit, dbapi_connection.autocommit = dbapi_connection.autocommit, True
    with dbapi_connection.cursor() as cursor:
        cursor.execute(f"SET idle_in_transaction_session_timeout = {POSTGRES_IDLE_IN_TRANSACTION_MS}")
    dbapi_connection.autocommit = autocommit


def private_file(path: str | Path) -> None:
    """Create the SQLite file readable by its owner only (0600) before SQLite does (it would follow the
    umask, usually 0644); SQLite gives its -wal and -shm files the same mode. An existing file of ours
    is narrowed to 0600 too."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))
    except OSError:
        return  # not ours to create (read-only place): SQLite will say so
    for name in (str(path), f"{path}-wal", f"{path}-shm", f"{path}-journal"):
        try:
            if os.path.exists(name) and os.stat(name).st_uid == os.getuid():
                os.chmod(name, 0o600)
        except OSError:
            pass


def make_engine(url: str) -> Engine:
    if url.startswith("sqlite"):
        path = url.split("///", 1)[-1]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            private_file(path)
        connect_args: dict = {"timeout": SQLITE_BUSY_TIMEOUT_MS / 1000}
        if path and path != ":memory:" and not path.startswith("file:"):
            # Writers take turns, woken at once, instead of SQLite's sleeping busy handler (bot/sqlite_writer.py).
            connect_args["factory"] = sqlite_writer.connection_factory(path, SQLITE_BUSY_TIMEOUT_MS / 1000)
        engine = create_engine(url, connect_args=connect_args)
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if url.startswith("postgres://"):  # Heroku-style URLs
        url = "postgresql://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://"):]
    engine = create_engine(url)
    event.listen(engine, "connect", _postgres_settings)
    event.listen(engine.pool, "checkin", _rested_from_now)
    event.listen(engine.pool, "checkout", _ping_if_rested)
    return engine


def _rested_from_now(_dbapi_connection, record) -> None:
    if record is not None:
        record.info["checked_in_at"] = time.monotonic()


def _ping_if_rested(dbapi_connection, record, _proxy) -> None:
    """SQLAlchemy's recipe for pessimistic disconnect handling, for rested connections only: raising
    DisconnectionError makes the pool drop this connection and check out another (up to 3 times)."""
    rested = record.info.get("checked_in_at")
    if rested is None or time.monotonic() - rested < PING_AFTER_IDLE_SECONDS:
        return  # fresh from connect, or back from a request a moment ago
    try:
        with dbapi_connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        dbapi_connection.rollback()  # the ping opened a transaction (psycopg is not in autocommit)
    except Exception as error:  # psycopg.OperationalError and friends: the connection is gone
        raise exc.DisconnectionError(str(error)) from error


class Database:
    def __init__(self, url: str):
        self.url = url
        self.engine = make_engine(url)
        self._sessions = sessionmaker(self.engine, expire_on_commit=False)

    @contextmanager
    def session(self) -> Iterator[Session]:
        """A session that rolls back on any exception; commit explicitly."""
        session = self._sessions()
        try:
            yield session
        except BaseException:
            session.rollback()
            raise
        finally:
            session.close()

    @property
    def sessions(self) -> sessionmaker:
        """The session factory, for session events (bot/revisions.signal_commits)."""
        return self._sessions

    def ping(self) -> None:
        with self.engine.connect() as conn:
            conn.exec_driver_sql("SELECT 1")

    def dispose(self) -> None:
        self.engine.dispose()
