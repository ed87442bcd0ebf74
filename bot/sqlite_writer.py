"""SQLite's writers take turns through a lock that wakes the next one at once.

SQLite has one writer at a time. A connection that finds the write lock taken waits in SQLite's busy
handler, which sleeps in growing steps (1, 2, 5, 10, 15, 20, 25, 25, 25, 50, 50, 100 ms…) and checks
again. A message holds the lock for a millisecond or two, so under load the waiters sleep far longer
than the lock is held: at 32 concurrent conversations the web processes spent most of their time
asleep (the webhook's p50 jumped from 13 ms to 300 ms while the CPUs were half idle).

Here every SQLite connection of a process takes a turn before its first write of a transaction:
threads of one process queue on a `threading.Lock` (woken at once), processes on an advisory `flock`
of `<database>-writer` (polled every fraction of a millisecond), and the turn ends when the
transaction does (commit, rollback, or the autocommit statement's end). SQLite's own lock and busy
handler stay underneath, unchanged: a writer that does not take turns (the sqlite3 shell, a backup)
is still waited for, and a turn not had within the wait falls back to SQLite's waiting.

Installed by `bot/db.py` as the sqlite3 connection factory; nothing else calls it.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import threading
import time

# What a statement does to the file. Reads (and PRAGMAs, which are not ours to serialise) need no turn;
# anything else (INSERT, UPDATE, DELETE, SAVEPOINT, BEGIN, CREATE…) writes or opens a transaction that will.
READS = ("SELECT", "PRAGMA", "EXPLAIN")
# How long the first polls of another process's turn sleep, doubling up to the cap: short turns are
# the common case (about a millisecond), long ones cost a poll every 2 ms.
FIRST_POLL_SECONDS = 0.0002
MAX_POLL_SECONDS = 0.002


def writes(sql: str) -> bool:
    return not sql.lstrip().upper().startswith(READS)


class WriterTurns:
    """The turns of one database file, shared by every connection to it in this process."""

    def __init__(self, path: str, wait_seconds: float):
        self.path = f"{path}-writer"
        self.wait_seconds = wait_seconds
        self._threads = threading.Lock()
        self._owner: int | None = None
        self._fd: int | None = None
        self._fd_pid: int | None = None

    def _file(self) -> int:
        # A forked child (gunicorn's workers) must not share its parent's open file: flock belongs to
        # the open file, so parent and child would hold the "same" lock at once.
        if self._fd is None or self._fd_pid != os.getpid():
            self._fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o600)
            self._fd_pid = os.getpid()
        return self._fd

    def take(self) -> bool:
        """Wait for this thread's turn; False when it was not had (then SQLite's own waiting applies)."""
        me = threading.get_ident()
        if self._owner == me:
            return False  # this thread's other connection has the turn: SQLite decides, as before
        deadline = time.monotonic() + self.wait_seconds
        if not self._threads.acquire(timeout=self.wait_seconds):
            return False
        try:
            fd = self._file()
            pause = FIRST_POLL_SECONDS
            while True:
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                    break
                except BlockingIOError:
                    if time.monotonic() >= deadline:
                        self._threads.release()
                        return False
                    time.sleep(pause)
                    pause = min(pause * 2, MAX_POLL_SECONDS)
        except OSError:
            self._threads.release()  # no lock file here (read-only place): SQLite's waiting only
            return False
        self._owner = me
        return True

    def give_back(self) -> None:
        self._owner = None
        try:
            fcntl.flock(self._file(), fcntl.LOCK_UN)
        finally:
            self._threads.release()


_turns: dict[str, WriterTurns] = {}
_turns_lock = threading.Lock()


def _after_fork_in_child() -> None:
    """A forked child (an RQ work horse, a gunicorn worker) has none of its parent's threads: a turn or a
    lock they held at the fork is nobody's in the child, and the lock file must be its own."""
    global _turns_lock
    _turns_lock = threading.Lock()
    for turns in _turns.values():
        turns._threads, turns._owner, turns._fd = threading.Lock(), None, None


os.register_at_fork(after_in_child=_after_fork_in_child)


def turns_for(path: str, wait_seconds: float) -> WriterTurns:
    with _turns_lock:
        found = _turns.get(path)
        if found is None:
            found = _turns[path] = WriterTurns(path, wait_seconds)
        return found


def connection_factory(path: str, wait_seconds: float) -> type[sqlite3.Connection]:
    """A sqlite3.Connection class whose writes take turns on `path` (pass as sqlite3.connect's factory)."""
    turns = turns_for(os.path.abspath(path), wait_seconds)

    class TurnTakingConnection(sqlite3.Connection):
        _has_turn = False

        def cursor(self, factory=None):
            return super().cursor(factory or TurnTakingCursor)

        # sqlite3's shortcuts make their cursor in C, past `cursor()`: route them through it.
        def execute(self, sql, parameters=()):
            return self.cursor().execute(sql, parameters)

        def executemany(self, sql, parameters):
            return self.cursor().executemany(sql, parameters)

        def before(self, sql: str) -> None:
            if not self._has_turn and writes(sql):
                self._has_turn = turns.take()

        def after(self) -> None:
            # An autocommit statement, a failed BEGIN, a RELEASE that ended the transaction: the turn ends.
            if self._has_turn and not self.in_transaction:
                self._end_turn()

        def _end_turn(self) -> None:
            if self._has_turn:
                self._has_turn = False
                turns.give_back()

        def commit(self) -> None:
            try:
                super().commit()
            finally:
                if not self.in_transaction:
                    self._end_turn()

        def rollback(self) -> None:
            try:
                super().rollback()
            finally:
                if not self.in_transaction:
                    self._end_turn()

        def close(self) -> None:
            try:
                super().close()
            finally:
                self._end_turn()

        def __del__(self) -> None:
            # A connection dropped without close (its thread died) must not keep the turn from the others.
            self._end_turn()

    class TurnTakingCursor(sqlite3.Cursor):
        def execute(self, sql, parameters=()):
            self.connection.before(sql)
            try:
                return super().execute(sql, parameters)
            finally:
                self.connection.after()

        def executemany(self, sql, parameters):
            self.connection.before(sql)
            try:
                return super().executemany(sql, parameters)
            finally:
                self.connection.after()

    return TurnTakingConnection
