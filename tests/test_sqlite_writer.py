"""SQLite's writers take turns (bot/sqlite_writer.py): a turn starts at a transaction's first write,
ends with the transaction however it ends, is shared by the threads of a process and the processes of
a machine, and is never kept by a connection that is gone."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading

import pytest
from sqlalchemy import text

from bot import sqlite_writer
from bot.db import Database


@pytest.fixture
def path(tmp_path):
    return str(tmp_path / "turns.sqlite3")


def _connect(path: str, wait: float = 5.0) -> sqlite3.Connection:
    conn = sqlite3.connect(path, factory=sqlite_writer.connection_factory(path, wait), check_same_thread=False)
    conn.execute("PRAGMA journal_mode=WAL")
    return conn


def _turns(path: str) -> sqlite_writer.WriterTurns:
    return sqlite_writer.turns_for(path, 5.0)


def _held_elsewhere(path: str) -> bool:
    """Whether another thread would have to wait: asked from a fresh thread with no wait at all."""
    answer = []
    turns = sqlite_writer.WriterTurns(path, 0.0)  # its own file handle: sees the process-wide flock too
    turns._threads = _turns(path)._threads

    def ask():
        got = turns.take()
        answer.append(not got)
        if got:
            turns.give_back()

    worker = threading.Thread(target=ask)
    worker.start()
    worker.join()
    return answer[0]


def test_reads_take_no_turn_and_a_write_holds_it_until_commit(path):
    conn = _connect(path)
    conn.execute("CREATE TABLE t (x INTEGER)")
    assert not _held_elsewhere(path)  # the CREATE ran in autocommit: its turn ended with it
    conn.execute("SELECT count(*) FROM t").fetchone()
    assert not _held_elsewhere(path)
    conn.execute("INSERT INTO t VALUES (1)")  # sqlite3 opens the transaction before the INSERT
    assert conn.in_transaction and _held_elsewhere(path)
    conn.execute("SELECT x FROM t").fetchall()
    assert _held_elsewhere(path)
    conn.commit()
    assert not _held_elsewhere(path)


def test_the_turn_ends_with_a_rollback_a_close_and_a_lost_connection(path):
    conn = _connect(path)
    conn.execute("CREATE TABLE t (x INTEGER)")
    conn.execute("INSERT INTO t VALUES (1)")
    conn.rollback()
    assert not _held_elsewhere(path)
    conn.execute("INSERT INTO t VALUES (2)")
    conn.close()
    assert not _held_elsewhere(path)
    lost = _connect(path)
    lost.execute("INSERT INTO t VALUES (3)")
    assert _held_elsewhere(path)
    del lost  # dropped without close, as when its thread dies
    import gc

    gc.collect()
    assert not _held_elsewhere(path)


def test_a_failed_write_keeps_the_turn_until_its_transaction_ends(path):
    conn = _connect(path)
    conn.execute("CREATE TABLE t (x INTEGER PRIMARY KEY)")
    conn.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.IntegrityError):
        conn.execute("INSERT INTO t VALUES (1)")
    assert conn.in_transaction and _held_elsewhere(path)
    conn.rollback()
    assert not _held_elsewhere(path)


def test_a_second_thread_writes_once_the_first_commits(path):
    first, second = _connect(path), _connect(path)
    first.execute("CREATE TABLE t (x INTEGER)")
    first.execute("INSERT INTO t VALUES (1)")
    done = threading.Event()

    def write():
        second.execute("INSERT INTO t VALUES (2)")
        second.commit()
        done.set()

    worker = threading.Thread(target=write)
    worker.start()
    assert not done.wait(0.2)  # waiting for its turn, not failing with "database is locked"
    first.commit()
    worker.join(10)
    assert done.is_set()
    assert sorted(x for (x,) in first.execute("SELECT x FROM t")) == [1, 2]


def test_one_thread_with_two_connections_is_left_to_sqlite(path):
    """A thread never waits for its own turn: its second connection gets SQLite's answer, as before."""
    first, second = _connect(path, wait=0.1), sqlite3.connect(path, timeout=0.1,
                                                               factory=sqlite_writer.connection_factory(path, 0.1))
    first.execute("CREATE TABLE t (x INTEGER)")
    first.execute("INSERT INTO t VALUES (1)")
    with pytest.raises(sqlite3.OperationalError, match="locked"):
        second.execute("INSERT INTO t VALUES (2)")
    first.commit()
    second.execute("INSERT INTO t VALUES (2)")
    second.commit()


def _hold_in_child(path: str, holding, release) -> None:
    conn = _connect(path)
    conn.execute("INSERT INTO t VALUES (9)")
    holding.set()
    release.wait(10)
    conn.commit()


def test_processes_take_turns_through_the_lock_file(path):
    conn = _connect(path)
    conn.execute("CREATE TABLE t (x INTEGER)")
    context = multiprocessing.get_context("fork")  # as gunicorn's workers: the parent's handles are inherited
    holding, release = context.Event(), context.Event()
    child = context.Process(target=_hold_in_child, args=(path, holding, release))
    child.start()
    try:
        assert holding.wait(10)
        impatient = sqlite_writer.WriterTurns(path, 0.05)
        assert not impatient.take()  # the child's turn, seen through the lock file
        release.set()
        child.join(10)
        assert impatient.take()
        impatient.give_back()
    finally:
        release.set()
        child.join(10)
    assert [x for (x,) in conn.execute("SELECT x FROM t")] == [9]


def test_the_database_of_a_file_takes_turns(tmp_path):
    database = Database(f"sqlite:///{tmp_path / 'loket.sqlite3'}")
    with database.engine.connect() as conn:
        dbapi = conn.connection.dbapi_connection
        assert type(dbapi).__name__ == "TurnTakingConnection"
        conn.execute(text("CREATE TABLE t (x INTEGER)"))
        conn.execute(text("INSERT INTO t VALUES (1)"))
        assert _held_elsewhere(str(tmp_path / "loket.sqlite3"))
        conn.commit()
        assert not _held_elsewhere(str(tmp_path / "loket.sqlite3"))
    database.dispose()


def _write_in_child(path: str, done, had_turn) -> None:
    conn = _connect(path)
    conn.execute("INSERT INTO t VALUES (7)")
    had_turn.value = conn._has_turn  # the child took its turn (not given up waiting on the parent's thread)
    conn.commit()
    done.set()


def test_a_child_forked_while_a_thread_holds_the_turn_is_not_blocked_by_it(path):
    """RQ forks a work horse per job: the parent's turn, held by a thread the child does not have, must not
    keep the child waiting; only the lock file (the parent's transaction, across processes) does."""
    conn = _connect(path)
    conn.execute("CREATE TABLE t (x INTEGER)")
    _turns(path).take()  # this thread's turn, as the fork happens
    try:
        context = multiprocessing.get_context("fork")
        done, had_turn = context.Event(), context.Value("b", 0)
        _turns(path).give_back()  # ...the file lock given back, the thread lock still taken below
        _turns(path)._threads.acquire()
        child = context.Process(target=_write_in_child, args=(path, done, had_turn))
        child.start()
        child.join(20)
        assert done.is_set() and child.exitcode == 0 and had_turn.value == 1
    finally:
        _turns(path)._threads.release()
    assert [x for (x,) in conn.execute("SELECT x FROM t")] == [7]
