"""PostgreSQL connections are pinged only after resting in the pool (#18): a killed server connection
is replaced before use, and a connection back from a request a moment ago costs no extra round trip."""

from __future__ import annotations

import pytest
from sqlalchemy import exc, text

from bot import db as db_module


@pytest.fixture
def engine(database_url):
    if not database_url.startswith("postgresql"):
        pytest.skip("SQLite has no server connection to lose")
    engine = db_module.make_engine(database_url)
    yield engine
    engine.dispose()


def _backend(engine) -> int:
    with engine.connect() as conn:
        return conn.execute(text("SELECT pg_backend_pid()")).scalar()


def _kill(engine, pid: int) -> None:
    with engine.connect() as conn:  # another pooled connection, or a new one
        conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
        conn.commit()


def test_a_rested_connection_killed_by_the_server_is_replaced_before_use(engine, monkeypatch):
    first = _backend(engine)
    second_engine = db_module.make_engine(engine.url.render_as_string(hide_password=False))
    _kill(second_engine, first)
    second_engine.dispose()
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 0.0)  # everything in the pool has rested
    assert _backend(engine) != first  # the ping found it dead; the pool connected again


def test_a_connection_back_a_moment_ago_is_not_pinged(engine, monkeypatch):
    """Without the ping, a dead connection shows at its first statement: this is what the ping saves
    a rested connection from, and what a busy one does not pay for."""
    first = _backend(engine)
    killer = db_module.make_engine(engine.url.render_as_string(hide_password=False))
    _kill(killer, first)
    killer.dispose()
    monkeypatch.setattr(db_module, "PING_AFTER_IDLE_SECONDS", 3600.0)
    with pytest.raises(exc.OperationalError):
        _backend(engine)
    assert _backend(engine) != first  # the failed connection was dropped; the next one is new
