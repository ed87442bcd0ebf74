"""What the CLI, the dashboard and the worker do with the templates: a sync under a lock, a poll, and
the status table (each kind × language, its current version and what a send would use now)."""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from datetime import datetime

from redis.exceptions import LockError
from sqlalchemy import select

from bot import keys, statuses
from bot.clock import now
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bot.models import OutboundMessage
from bot.models.templates import WhatsAppTemplate
from bot.whatsapp import sync as sync_module
from bot.whatsapp import templates
from bot.whatsapp.content_api import ContentClient
from bot.whatsapp.resolver import Resolution, resolve

logger = logging.getLogger(__name__)

SYNC_LOCK_SECONDS = 600  # a first sync makes ~45 requests; a crashed one frees the lock after this


class NotConfigured(Exception):
    """TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set: there is no Twilio account to sync with."""


class SyncBusy(Exception):
    """Another sync is running (the dashboard's button and the CLI at once)."""


def sync_lock_key() -> str:
    return keys.template_sync_lock()


def last_sync_key() -> str:
    return keys.template_last_sync()


def client(rt) -> ContentClient:
    found = ContentClient.from_config(rt.config)
    if found is None:
        raise NotConfigured("TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN are not set")
    return found


def run_sync(rt, actor: str = "cli") -> sync_module.SyncReport:
    """Sync every definition with Twilio, one sync at a time, and keep the outcome for the dashboard.
    Raises NotConfigured or SyncBusy; Twilio's answers are in the report."""
    content = client(rt)
    definitions = templates.definitions(rt.config.CONFIG_DIR)
    lock = rt.redis.lock(sync_lock_key(), timeout=SYNC_LOCK_SECONDS, blocking_timeout=0)
    if not lock.acquire():
        raise SyncBusy("a template sync is already running")
    try:
        with rt.db.session() as session:
            report = sync_module.sync(session, content, definitions)
    finally:
        try:
            lock.release()
        except LockError:  # held past SYNC_LOCK_SECONDS: it has expired already
            logger.warning("template sync outlived its lock")
    _remember(rt, actor, report)
    logger.info("WhatsApp templates synced: %s created, %s adopted, %s submitted, %s errors%s", len(report.created),
                len(report.adopted), len(report.submitted), len(report.errors),
                f"; stopped: {report.failure}" if report.failure else "")
    return report


def _remember(rt, actor: str, report: sync_module.SyncReport) -> None:
    record = {"at": now().isoformat(), "by": actor, **report.as_dict()}
    try:
        rt.redis.set(last_sync_key(), json.dumps(record))
    except Exception:  # the sync itself is in SQL; losing its summary is no reason to fail
        logger.warning("could not keep the last template sync's summary", exc_info=True)


def last_sync(rt) -> dict | None:
    """The last sync's summary: at, by, failure, created, adopted, submitted, unchanged, errors."""
    raw = rt.redis.get(last_sync_key())
    return json.loads(raw) if raw else None


def run_poll(rt) -> sync_module.PollReport | None:
    """Refresh the approvals waiting for WhatsApp; None without Twilio credentials (console mode)."""
    content = ContentClient.from_config(rt.config)
    if content is None:
        return None
    with rt.db.session() as session:
        return sync_module.poll(session, content)


@dataclass(frozen=True)
class TemplateStatus:
    """One line of the status table."""

    kind: str
    lang: str
    name: str  # as submitted, or the definition's name when not synced yet
    status: str  # Twilio's approval status, or "not_synced"
    content_sid: str | None
    rejection_reason: str | None
    error: str | None
    checked_at: datetime | None
    sending: Resolution  # what a message of this kind to a reader of this language would go out as


NOT_SYNCED = "not_synced"


def status_table(rt) -> list[TemplateStatus]:
    definitions = templates.definitions(rt.config.CONFIG_DIR)
    lines = []
    with rt.db.session() as session:
        current = {(r.kind, r.lang): r for r in session.scalars(
            select(WhatsAppTemplate).where(WhatsAppTemplate.current.is_(True)))}
        for kind, definition in definitions.items():
            for lang in LANGUAGES:
                row = current.get((kind, lang))
                sending = resolve(session, kind, lang, config=rt.config)
                if row is None:
                    lines.append(TemplateStatus(kind, lang, definition.name, NOT_SYNCED, None, None, None, None,
                                                sending))
                else:
                    lines.append(TemplateStatus(kind, lang, row.name, row.status, row.content_sid,
                                                row.rejection_reason, row.error, row.checked_at, sending))
    return lines


def release_held(rt) -> list[int]:
    """Held notices whose kind now has an approved template (WhatsApp approved it, or an office set
    its own) go out; each is still filled in its reader's language. Returns the released ids."""
    waiting = (statuses.TEMPLATE_PENDING, statuses.TEMPLATE_REJECTED, statuses.NO_TEMPLATE)
    with rt.db.session() as session:
        rows = session.execute(select(OutboundMessage.id, OutboundMessage.kind, OutboundMessage.lang).where(
            OutboundMessage.id.in_(rt.outbox.releasable(session, reasons=waiting)))).all()
        approved: dict[tuple[str, str], bool] = {}
        ready = []
        for outbox_id, kind, lang in rows:
            key = (kind, lang or DEFAULT_LANGUAGE)
            if key not in approved:
                approved[key] = resolve(session, key[0], key[1], config=rt.config).approved
            if approved[key]:
                ready.append(outbox_id)
        released = rt.outbox.release(session, ready)
        session.commit()
    rt.outbox.enqueue(released)
    if released:
        logger.info("template approved: %s held messages released", len(released))
    return released
