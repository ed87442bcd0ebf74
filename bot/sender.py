"""Sending one outbox row: claim it, respect WhatsApp's 24-hour window, call the transport, record.

A row is claimed with a conditional UPDATE, so a job that runs twice (RQ is at-least-once, the
sweeper may re-enqueue) sends once. Transient errors raise so that RQ's Retry tries again;
permanent ones mark the row failed with Twilio's code and do not retry.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

from sqlalchemy import select, update

from bot import defaults, phone, statuses
from bot.clock import as_utc, now
from bot.db import Database
from bot.exceptions import PermanentSendError, TransientSendError
from bot.models import Conversation, OutboundMessage
from bot.outbox import Outbox
from bot.pacing import Pacer
from bot.transports import OutgoingMessage, Transport

logger = logging.getLogger(__name__)

OUTSIDE_WINDOW = "outside_24h_window"


class Sender:
    def __init__(self, db: Database, outbox: Outbox, transport: Transport,
                 status_callback_url: Callable[[int], str | None], pacer: Pacer | None = None):
        self.db = db
        self.outbox = outbox
        self.transport = transport
        self.status_callback_url = status_callback_url
        self.pacer = pacer

    def _claim(self, outbox_id: int) -> OutboundMessage | None:
        with self.db.session() as session:
            claimed = session.execute(update(OutboundMessage).where(
                OutboundMessage.id == outbox_id, OutboundMessage.status.in_(statuses.CLAIMABLE)).values(
                status=statuses.SUBMITTING, attempts=OutboundMessage.attempts + 1, updated_at=now()))
            session.commit()
            if claimed.rowcount != 1:
                return None
            return session.get(OutboundMessage, outbox_id)

    def _window_open(self, row: OutboundMessage) -> bool:
        with self.db.session() as session:
            last = session.scalar(select(Conversation.last_inbound_at).where(
                Conversation.office == row.office, Conversation.phone == row.to_number))
        window = timedelta(seconds=defaults.WHATSAPP_WINDOW_SECONDS)
        return last is not None and now() - as_utc(last) < window

    def _finish(self, outbox_id: int, status: str, code: str | None = None, message: str | None = None,
                retry_in: int | None = None) -> None:
        with self.db.session() as session:
            values: dict = {"status": status, "error_code": code, "error_message": message, "updated_at": now()}
            if retry_in is not None:
                values["next_attempt_at"] = now() + timedelta(seconds=retry_in)
            session.execute(update(OutboundMessage).where(
                OutboundMessage.id == outbox_id, OutboundMessage.status == statuses.SUBMITTING).values(**values))
            session.commit()

    def send(self, outbox_id: int, retry_in: int = 0) -> str:
        """Returns what happened (for logs and tests); raises TransientSendError to ask RQ for a retry."""
        row = self._claim(outbox_id)
        if row is None:
            logger.info("outbox %s: not claimable (already sent or being sent)", outbox_id)
            return "skipped"
        window_open = self._window_open(row)
        if not row.content_sid and not window_open:
            self._finish(outbox_id, statuses.HELD, OUTSIDE_WINDOW,
                         "outside WhatsApp's 24-hour window and no template configured for this kind")
            logger.warning("outbox %s held: outside the 24-hour window", outbox_id)
            return statuses.HELD
        # The full text inside the window; the approved template only where WhatsApp requires one.
        template = bool(row.content_sid) and (not window_open or not row.body)
        message = OutgoingMessage(
            to=row.to_number, from_=row.from_number, body=row.body, media_urls=list(row.media_urls or ()),
            content_sid=row.content_sid if template else None,
            content_variables=row.content_variables if template else None,
            status_callback=self.status_callback_url(outbox_id))
        if self.pacer is not None:
            self.pacer.wait_turn(row.from_number, media=bool(message.media_urls))
        try:
            receipt = self.transport.send(message)
        except TransientSendError as exc:
            self._finish(outbox_id, statuses.RETRYING, None, str(exc), retry_in=retry_in)
            logger.warning("outbox %s to %s: %s, will retry", outbox_id, phone.mask(row.to_number), exc)
            raise
        except PermanentSendError as exc:
            self._finish(outbox_id, statuses.FAILED, exc.code, exc.message)
            logger.error("outbox %s to %s failed for good: %s", outbox_id, phone.mask(row.to_number), exc)
            return statuses.FAILED
        with self.db.session() as session:
            self.outbox.attach_sid(session, outbox_id, receipt.sid)
            self.outbox.advance(session, outbox_id, receipt.status)
            session.commit()
        return receipt.status

    def give_up(self, outbox_id: int, reason: str) -> None:
        """Retries exhausted: the row is failed with the last error, visible to officers."""
        with self.db.session() as session:
            session.execute(update(OutboundMessage).where(
                OutboundMessage.id == outbox_id, OutboundMessage.status.in_(statuses.CLAIMABLE)).values(
                status=statuses.FAILED, error_code="retries_exhausted", error_message=reason[:500],
                updated_at=now()))
            session.commit()
