"""/healthz tells the truth: 503 naming the migration to run when the database is not at the code's
Alembic head, through real requests on a real database (SQLite, and PostgreSQL when the suite has it)."""

from __future__ import annotations

import logging
import uuid

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import text

from app import create_app
from bot import migrate, redis_conn
from bot import runtime as runtime_module
from bot.db import make_engine
from tests.conftest import TestConfig, _database_params
from tests.support.cluster import free_port

UPGRADE = "flask --app app db-upgrade"
SCRIPTS = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
(HEAD,) = SCRIPTS.get_heads()
PREVIOUS = SCRIPTS.get_revision(HEAD).down_revision


@pytest.fixture(params=_database_params())
def empty_database(request, tmp_path):
    """A database of its own with no tables at all: a deployment that skipped its migration step."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh.db'}"
        return
    server_url = request.getfixturevalue("postgres_url")
    name = f"loket_health_{uuid.uuid4().hex[:12]}"
    admin = make_engine(server_url).execution_options(isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield server_url.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture
def serve(redis_server, frozen_clock):
    """Builds the whole app the way gunicorn does, on the given database; yields a test client maker."""
    runtimes = []

    def start(database_url: str, redis_url: str | None = None):
        config = TestConfig()
        config.DATABASE_URL = database_url
        config.REDIS_URL = redis_url or redis_conn.url_of(redis_server)
        runtime = runtime_module.build(config)
        runtimes.append(runtime)
        return create_app(config, runtime=runtime).test_client()

    yield start
    for runtime in runtimes:
        runtime.db.dispose()


def test_an_empty_database_answers_503_naming_the_migration(serve, empty_database):
    response = serve(empty_database).get("/healthz")
    assert response.status_code == 503
    body = response.json
    assert body["status"] == "down" and body["down"] == ["database"]
    assert body["redis"] == "ok" and body["database"] == "not migrated"
    assert body["problems"]["database"] == (
        f"database has no schema (no Alembic revision), code expects head {HEAD}: run `{UPGRADE}`")


def test_a_database_one_revision_behind_answers_503(serve, empty_database):
    migrate.upgrade(empty_database, PREVIOUS)
    response = serve(empty_database).get("/healthz")
    assert response.status_code == 503
    assert response.json["database"] == "not migrated"
    assert response.json["problems"]["database"] == (
        f"database at revision {PREVIOUS}, code expects head {HEAD}: run `{UPGRADE}`")


def test_a_database_at_head_answers_200(serve, empty_database):
    migrate.upgrade(empty_database)
    response = serve(empty_database).get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "redis": "ok", "database": "ok"}


def test_migrating_turns_health_green_at_once(serve, empty_database):
    client = serve(empty_database)
    assert client.get("/healthz").status_code == 503
    migrate.upgrade(empty_database)  # the operator runs the command; no restart, no waiting
    assert client.get("/healthz").status_code == 200


def test_redis_down_still_answers_503(serve, empty_database):
    migrate.upgrade(empty_database)
    client = serve(empty_database, redis_url=f"redis://127.0.0.1:{free_port()}/0")  # nothing listens there
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["down"] == ["redis"] and response.json["database"] == "ok"
    assert response.json["problems"] == {"redis": "unreachable (ConnectionError)"}


def test_redis_down_and_no_schema_names_both(serve, empty_database):
    client = serve(empty_database, redis_url=f"redis://127.0.0.1:{free_port()}/0")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json["down"] == ["redis", "database"]
    assert UPGRADE in response.json["problems"]["database"]


def test_starting_on_an_unmigrated_database_logs_one_loud_line(serve, empty_database, caplog):
    with caplog.at_level(logging.INFO, logger="bot.migrate"):
        client = serve(empty_database)
        for _ in range(3):
            assert client.get("/healthz").status_code == 503  # polled: not logged again
    loud = [r for r in caplog.records if r.name == "bot.migrate" and r.levelno >= logging.ERROR]
    assert len(loud) == 1
    assert loud[0].getMessage().startswith("DATABASE NOT MIGRATED: database has no schema")
    assert f"run `{UPGRADE}`" in loud[0].getMessage()


def test_starting_at_head_logs_nothing_loud(serve, empty_database, caplog):
    migrate.upgrade(empty_database)
    with caplog.at_level(logging.WARNING):
        serve(empty_database).get("/healthz")
    loud = [r for r in caplog.records if r.name in ("bot.migrate", "handlers.health") and r.levelno >= logging.WARNING]
    assert loud == []


def test_at_head_the_answer_is_kept_briefly_then_read_again(serve, empty_database, frozen_clock):
    """Load balancers poll: a schema at head is not read again for a few seconds, only pinged."""
    migrate.upgrade(empty_database)
    client = serve(empty_database)
    assert client.get("/healthz").status_code == 200
    engine = make_engine(empty_database)
    with engine.begin() as conn:  # someone downgrades the database under the running process
        conn.execute(text("UPDATE alembic_version SET version_num = :rev"), {"rev": PREVIOUS})
    engine.dispose()
    assert client.get("/healthz").status_code == 200  # still within the kept answer
    frozen_clock.advance(seconds=migrate.SCHEMA_CHECK_TTL_SECONDS + 1)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert f"database at revision {PREVIOUS}" in response.json["problems"]["database"]


def test_a_database_newer_than_the_code_still_serves(serve, empty_database, caplog):
    """The old half of a rolling deploy: the release step migrated the database past this code's head.
    Answering 503 there would take every old process out of the load balancer at once."""
    migrate.upgrade(empty_database)
    engine = make_engine(empty_database)
    with engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = 'f00dnewer'"))
    engine.dispose()
    with caplog.at_level(logging.WARNING, logger="bot.migrate"):
        client = serve(empty_database)
        responses = [client.get("/healthz") for _ in range(2)]
    assert [r.status_code for r in responses] == [200, 200]
    told = [r.getMessage() for r in caplog.records if r.name == "bot.migrate" and r.levelno >= logging.WARNING]
    assert len(told) == 1 and "newer than this code's head" in told[0]
