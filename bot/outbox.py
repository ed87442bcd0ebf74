"""The outbox: every outbound message is a row first, then a send, then statuses from Twilio.

The row in SQL, not the RQ job, is the truth: jobs are keyed by the row, a row is claimed
atomically before a send, and statuses only move forward (bot/statuses.py).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache

from rq import Callback, Queue, Retry
from sqlalchemy import Select, bindparam, literal, select, update
from sqlalchemy.orm import Session

from bot import statuses
from bot.clock import as_utc, now
from bot.db import Database
from bot.masking import mask_nik
from bot.models import InboundMessage, OutboundMessage, StatusEvent
from bot.offices import Office
from bot.text import split_message
from flows.base import Reply

logger = logging.getLogger(__name__)

SEND_JOB = "bot.jobs.send_outbound"
SEND_FAILED_CALLBACK = "bot.jobs.on_send_failure"
SEND_JOB_TIMEOUT = 60
# Messages of a conversation (the bot's replies, an officer's): not notices, never released later.
CONVERSATION_KINDS = ("reply", "officer_reply")
MAX_ADDRESS_PARAMETERS = 4  # `releasable`'s addresses as plain parameters up to this many (a person has two)


@cache
def _releasable_query(by_office: bool, addresses: int, by_kind: bool, reasons: tuple[str, ...]) -> Select:
    """`Outbox.releasable`'s statement, built once per shape with its values as parameters: the inbox asks
    on every message, and building the statement cost more than running it. The reasons and a few
    addresses are IN lists of fixed parameters: SQLAlchemy renders an IN list of values again at every
    execution. `addresses` is how many (0: any address; more than 4: one IN list)."""
    query = select(OutboundMessage.id).where(
        OutboundMessage.status == statuses.HELD,
        OutboundMessage.error_code.in_([literal(reason) for reason in reasons]),
        *(OutboundMessage.kind != kind for kind in CONVERSATION_KINDS),
        OutboundMessage.handled_at.is_(None),
        (OutboundMessage.expires_at.is_(None)) | (OutboundMessage.expires_at > bindparam("now")))
    if by_office:
        query = query.where(OutboundMessage.office == bindparam("office"))
    if addresses > MAX_ADDRESS_PARAMETERS:
        query = query.where(OutboundMessage.to_number.in_(bindparam("to", expanding=True)))
    elif addresses:
        query = query.where(OutboundMessage.to_number.in_([bindparam(f"to{n}") for n in range(addresses)]))
    if by_kind:
        query = query.where(OutboundMessage.kind.in_(bindparam("kinds", expanding=True)))
    # No ORDER BY: with one, SQLite reads the office's whole outbox in id order rather than sort the few
    # rows the (office, to_number, status) index finds. `releasable` sorts them.
    return query


@dataclass(frozen=True)
class Sent:
    """A recorded outbound message, detached from the session (what the webhook answers with)."""

    id: int
    body: str
    media_urls: tuple[str, ...] = ()


def _sent(row: OutboundMessage) -> Sent:
    return Sent(id=row.id, body=row.body, media_urls=tuple(row.media_urls or ()))


def choices_of(reply: Reply) -> dict | None:
    """A reply's tap-able choices as stored on its row (None: plain text)."""
    if not reply.options:
        return None
    return {"lead": reply.lead, "button": reply.button,
            "choices": [{"id": o.id, "title": o.title} for o in reply.options]}


def job_id(outbox_id: int) -> str:
    return f"outbox-{outbox_id}"


class Outbox:
    def __init__(self, db: Database, queue: Queue, retry_intervals: Sequence[int]):
        self.db = db
        self.queue = queue
        self.retry_intervals = list(retry_intervals)

    # -- recording ---------------------------------------------------------------------------------
    def record_replies(self, session: Session, office: Office | None, inbound: InboundMessage,
                       replies: Iterable[Reply], channel: str, interactive: bool = False,
                       lang: str | None = None) -> list[OutboundMessage]:
        """One row per WhatsApp message: long texts split on paragraphs, each <= 1600 characters.

        With `interactive`, a reply's choices are kept for the sender to show as buttons or a list."""
        status = statuses.ANSWERED if channel == "twiml" else statuses.PENDING
        rows = []
        for reply in replies:
            chunks = split_message(reply.text) or [""]
            choices = choices_of(reply) if interactive and len(chunks) == 1 else None
            for index, chunk in enumerate(chunks):
                media = [reply.media_url] if reply.media_url and index == 0 else []
                rows.append(OutboundMessage(
                    office=office.slug if office else None, conversation_id=inbound.conversation_id,
                    in_reply_to_id=inbound.id, to_number=inbound.from_number,
                    from_number=office.whatsapp if office else inbound.to_number, kind="reply",
                    channel=channel, body=mask_nik(chunk), media_urls=media, interactive=choices, lang=lang,
                    status=status, next_attempt_at=now()))
        if rows:  # most messages have no second part (buttons and lists): no flush to make for it
            session.add_all(rows)
            session.flush()
        return rows

    def record_notice(self, session: Session, *, office: Office, to: str, body: str, kind: str,
                      conversation_id: int | None = None, media_urls: Sequence[str] = (),
                      content_sid: str | None = None, content_variables: dict[str, str] | None = None,
                      send_at: datetime | None = None, template_values: dict[str, object] | None = None,
                      lang: str | None = None, expires_at: datetime | None = None,
                      interactive: dict | None = None) -> list[OutboundMessage]:
        """A worker-sent message (host notice, reminder, survey...), split like replies.

        `template_values` (named) and `lang` let the sender use Loket's approved template of this
        kind when the window is closed; a `content_sid` given here (an office's own) wins over it.
        After `expires_at` a held message is no longer worth sending."""
        chunks = split_message(body) if body else [""]
        # No full NIK in any message we store or send, whoever typed it (an officer's reply too).
        values = {name: mask_nik(str(value)) for name, value in (template_values or {}).items()} or None
        rows = [OutboundMessage(
            office=office.slug, conversation_id=conversation_id, to_number=to, from_number=office.whatsapp,
            kind=kind, channel="rest", body=mask_nik(chunk), media_urls=list(media_urls) if i == 0 else [],
            content_sid=content_sid if i == 0 else None, content_variables=content_variables if i == 0 else None,
            template_values=values if i == 0 else None, lang=lang, expires_at=expires_at,
            interactive=interactive if len(chunks) == 1 else None,
            status=statuses.PENDING, next_attempt_at=send_at or now()) for i, chunk in enumerate(chunks)]
        session.add_all(rows)
        session.flush()
        return rows

    def replies_to(self, session: Session, inbound_id: int) -> list[Sent]:
        rows = session.scalars(select(OutboundMessage).where(
            OutboundMessage.in_reply_to_id == inbound_id, OutboundMessage.kind == "reply",
            OutboundMessage.channel == "twiml").order_by(OutboundMessage.id))
        return [_sent(r) for r in rows]

    @staticmethod
    def detach(rows: Iterable[OutboundMessage]) -> list[Sent]:
        return [_sent(r) for r in rows]

    # -- sending -----------------------------------------------------------------------------------
    def enqueue(self, outbox_ids: Iterable[int]) -> None:
        """Hand rows to the worker, or to RQ's scheduler when a row is due later (reminders).

        Safe to repeat: a row is claimed once (see bot/sender.py); a canceled row is never claimed."""
        ids = list(outbox_ids)
        if not ids:
            return
        with self.db.session() as session:
            due = dict(session.execute(select(OutboundMessage.id, OutboundMessage.next_attempt_at).where(
                OutboundMessage.id.in_(ids))).all())
        for outbox_id in ids:
            options = dict(job_id=job_id(outbox_id), job_timeout=SEND_JOB_TIMEOUT,
                           retry=Retry(max=len(self.retry_intervals), interval=self.retry_intervals),
                           on_failure=Callback(SEND_FAILED_CALLBACK), failure_ttl=7 * 24 * 3600)
            when = due.get(outbox_id)
            if when is not None and as_utc(when) > now() + timedelta(seconds=1):
                self.queue.enqueue_at(as_utc(when), SEND_JOB, outbox_id, **options)
            else:
                self.queue.enqueue(SEND_JOB, outbox_id, **options)

    def schedule(self, jobs: Iterable) -> None:
        """Jobs asked for by effects (bot/effects.py Job), after the commit."""
        for job in jobs:
            if job.at is not None and as_utc(job.at) > now():
                self.queue.enqueue_at(as_utc(job.at), job.func, *job.args)
            else:
                self.queue.enqueue(job.func, *job.args)

    def cancel(self, session: Session, outbox_ids: Iterable[int]) -> int:
        """Cancel rows not sent yet (e.g. a visit's reminders when the visit is cancelled)."""
        result = session.execute(update(OutboundMessage).where(
            OutboundMessage.id.in_(list(outbox_ids)), OutboundMessage.status.in_(statuses.CLAIMABLE)).values(
            status="canceled", updated_at=now()))
        return result.rowcount

    def releasable(self, session: Session, *, office: str | None = None, to: str | Iterable[str] | None = None,
                   kinds: Iterable[str] | None = None, reasons: Iterable[str] = statuses.HOLD_REASONS) -> list[int]:
        """Held notices that may go now that something changed (the person wrote, a template was approved),
        leaving out those an officer handled and those whose moment has passed. Only notices: a chat
        reply held yesterday belongs to yesterday's conversation. `to` is one address or several."""
        addresses = sorted({to} if isinstance(to, str) else set(to or ()))
        reasons = tuple(reasons)
        if (to is not None and not addresses) or not reasons:
            return []  # no address or no reason asked for: nothing held matches
        query = _releasable_query(office is not None, len(addresses), kinds is not None, reasons)
        params = {"now": now(), "office": office, "kinds": list(kinds or ()), "to": addresses,
                  **{f"to{n}": address for n, address in enumerate(addresses)}}
        return sorted(session.scalars(query, params))  # oldest first

    def release(self, session: Session, outbox_ids: Iterable[int], *, also_failed: bool = False) -> list[int]:
        """Held (or, for an officer's retry, failed) rows become pending again: the one move backwards
        that statuses allow, made on purpose. Returns the ids released; enqueue them after the commit."""
        ids = list(outbox_ids)
        if not ids:
            return []
        allowed = [statuses.HELD, *([statuses.FAILED, "undelivered"] if also_failed else [])]
        released = list(session.scalars(select(OutboundMessage.id).where(
            OutboundMessage.id.in_(ids), OutboundMessage.status.in_(allowed))))
        if released:
            session.execute(update(OutboundMessage).where(OutboundMessage.id.in_(released)).values(
                status=statuses.PENDING, error_code=None, error_message=None, next_attempt_at=now(),
                updated_at=now()))
        return released

    # -- statuses ----------------------------------------------------------------------------------
    @staticmethod
    def advance(session: Session, outbox_id: int, status: str, error_code: str | None = None,
                error_message: str | None = None) -> bool:
        """Move a row's status forward only; one conditional UPDATE, so racing writers cannot regress it."""
        values: dict = {"status": status, "updated_at": now()}
        if error_code is not None:
            values["error_code"] = error_code
        if error_message is not None:
            values["error_message"] = error_message
        result = session.execute(update(OutboundMessage).where(
            OutboundMessage.id == outbox_id, OutboundMessage.status.in_(statuses.below(status))).values(**values))
        return result.rowcount == 1

    def attach_sid(self, session: Session, outbox_id: int, sid: str) -> None:
        """Link Twilio's SID to the row, then apply callbacks that arrived before we knew it."""
        session.execute(update(OutboundMessage).where(
            OutboundMessage.id == outbox_id, OutboundMessage.twilio_sid.is_(None)).values(twilio_sid=sid))
        early = session.scalars(select(StatusEvent).where(
            StatusEvent.twilio_sid == sid, StatusEvent.outbound_id.is_(None)).order_by(StatusEvent.id)).all()
        for event in early:
            event.outbound_id = outbox_id
            self.advance(session, outbox_id, event.status, event.error_code)

    def apply_status(self, sid: str, status: str, error_code: str | None, outbox_id: int | None) -> None:
        """A status callback: recorded always, applied when its message is known (by ?o= or by SID)."""
        status = status.lower()
        if not statuses.known(status):
            logger.warning("unknown message status %r for %s", status, sid)
            return
        with self.db.session() as session:
            row_id = None
            if outbox_id is not None and session.get(OutboundMessage, outbox_id) is not None:
                row_id = outbox_id
                # Our row learns its SID here when the callback beats the send's response.
                session.execute(update(OutboundMessage).where(
                    OutboundMessage.id == outbox_id, OutboundMessage.twilio_sid.is_(None)).values(twilio_sid=sid))
            if row_id is None:
                row_id = session.scalar(select(OutboundMessage.id).where(OutboundMessage.twilio_sid == sid))
            session.add(StatusEvent(twilio_sid=sid, outbound_id=row_id, status=status, error_code=error_code or None))
            if row_id is not None:
                self.advance(session, row_id, status, error_code or None)
            session.commit()

    def stale(self, session: Session, older_than: timedelta) -> list[int]:
        """Rows still waiting for a worker well after they were due (their RQ job may be lost)."""
        cutoff = now() - older_than
        return list(session.scalars(select(OutboundMessage.id).where(
            OutboundMessage.channel == "rest", OutboundMessage.status.in_(statuses.CLAIMABLE),
            OutboundMessage.next_attempt_at < cutoff).order_by(OutboundMessage.id).limit(500)))
