"""Sending one outbox row: claim it, plan it (bot/delivery.py), call the transport, record.

A row is claimed with a conditional UPDATE, so a job that runs twice (RQ is at-least-once, the
sweeper may re-enqueue) sends once. Transient errors raise so that RQ's Retry tries again;
permanent ones mark the row failed with Twilio's code and do not retry.

A conversation's replies sent through the outbox (those with buttons or a list) keep their order
with any number of workers: the job of a reply first sends, under the conversation's Redis lock,
every earlier reply of that conversation still waiting. A reply's choices go as a session
quick-reply or list picker (bot/whatsapp/interactive.py); should the Content API fail, as its
numbered text, so that the reply is never lost to a button.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import timedelta

import redis
from redis.exceptions import LockError
from sqlalchemy import select, update

from bot import keys, logs, simulator, statuses
from bot.clock import now
from bot.db import Database
from bot.delivery import Plan, plan_row
from bot.exceptions import PermanentSendError, TransientSendError
from bot.i18n import DEFAULT_LANGUAGE
from bot.masking import mask_phone
from bot.models import OutboundMessage
from bot.outbox import Outbox
from bot.pacing import Pacer
from bot.transports import OutgoingMessage, Transport
from bot.whatsapp import interactive
from bot.whatsapp.content_api import ContentApiError, ContentClient

logger = logging.getLogger(__name__)

OUTSIDE_WINDOW = statuses.OUTSIDE_WINDOW


# How long a worker waits for another to finish sending the same conversation's earlier replies.
ORDER_WAIT_SECONDS = 30


class Sender:
    def __init__(self, db: Database, outbox: Outbox, transport: Transport,
                 status_callback_url: Callable[[int], str | None], pacer: Pacer | None = None, config=None,
                 connection: redis.Redis | None = None, content: ContentClient | None = None):
        self.config = config
        self.db = db
        self.outbox = outbox
        self.transport = transport
        self.status_callback_url = status_callback_url
        self.pacer = pacer
        self.redis = connection
        self.content = content  # None: choices go as numbered text (console mode)

    def _claim(self, outbox_id: int) -> OutboundMessage | None:
        with self.db.session() as session:
            claimed = session.execute(update(OutboundMessage).where(
                OutboundMessage.id == outbox_id, OutboundMessage.status.in_(statuses.CLAIMABLE)).values(
                status=statuses.SUBMITTING, attempts=OutboundMessage.attempts + 1, updated_at=now()))
            session.commit()
            if claimed.rowcount != 1:
                return None
            row = session.get(OutboundMessage, outbox_id)
            logs.bind(conversation_id=row.conversation_id, office=row.office)
            return row

    def _plan(self, row: OutboundMessage) -> Plan:
        with self.db.session() as session:
            return plan_row(session, self.config, row, now())

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
        conversation_id = self._ordered_conversation(outbox_id)
        if conversation_id is None or self.redis is None:
            return self._send_row(outbox_id, retry_in)
        try:
            with self.redis.lock(keys.reply_order(conversation_id), timeout=ORDER_WAIT_SECONDS * 2,
                                 blocking_timeout=ORDER_WAIT_SECONDS):
                for earlier in self._earlier_replies(conversation_id, outbox_id):
                    try:
                        self._send_row(earlier, retry_in)
                    except TransientSendError as exc:  # this reply must not overtake it: both try again
                        raise TransientSendError(f"earlier reply {earlier} not sent yet: {exc}") from exc
                return self._send_row(outbox_id, retry_in)
        except LockError as exc:
            raise TransientSendError("another worker is sending this conversation's replies") from exc

    def _ordered_conversation(self, outbox_id: int) -> int | None:
        """The conversation whose replies this row must follow in order (outbox-sent replies only)."""
        with self.db.session() as session:
            row = session.execute(select(OutboundMessage.conversation_id, OutboundMessage.kind,
                                         OutboundMessage.channel).where(OutboundMessage.id == outbox_id)).first()
        if row is None or row.kind != "reply" or row.channel != "rest":
            return None
        return row.conversation_id

    def _earlier_replies(self, conversation_id: int, outbox_id: int) -> list[int]:
        with self.db.session() as session:
            return list(session.scalars(select(OutboundMessage.id).where(
                OutboundMessage.conversation_id == conversation_id, OutboundMessage.kind == "reply",
                OutboundMessage.channel == "rest", OutboundMessage.id < outbox_id,
                OutboundMessage.status.in_(statuses.CLAIMABLE)).order_by(OutboundMessage.id)))

    def _send_row(self, outbox_id: int, retry_in: int = 0) -> str:
        row = self._claim(outbox_id)
        if row is None:
            logger.info("outbox %s: not claimable (already sent or being sent)", outbox_id)
            return "skipped"
        route = self._plan(row)
        if route.expired:
            self._finish(outbox_id, "canceled", statuses.EXPIRED, "its moment passed before it could be sent")
            logger.info("outbox %s dropped: expired", outbox_id)
            return "canceled"
        if simulator.is_simulated(row.to_number):
            return self._deliver_in_simulator(outbox_id)
        if route.hold:
            self._finish(outbox_id, statuses.HELD, route.hold, route.hold_message)
            logger.warning("outbox %s held: %s", outbox_id, route.hold)
            return statuses.HELD
        # The full text inside the window; the approved template only where WhatsApp requires one.
        content_sid, variables = route.content_sid, route.variables
        if content_sid is None and row.interactive:
            content_sid, variables = self._choices(row)
        message = OutgoingMessage(
            to=row.to_number, from_=row.from_number, body=row.body, media_urls=list(row.media_urls or ()),
            content_sid=content_sid, content_variables=variables,
            status_callback=self.status_callback_url(outbox_id))
        if self.pacer is not None:
            self.pacer.wait_turn(row.from_number, media=bool(message.media_urls))
        try:
            receipt = self.transport.send(message)
        except TransientSendError as exc:
            self._finish(outbox_id, statuses.RETRYING, None, str(exc), retry_in=retry_in)
            logger.warning("outbox %s to %s: %s, will retry", outbox_id, mask_phone(row.to_number), exc)
            raise
        except PermanentSendError as exc:
            self._finish(outbox_id, statuses.FAILED, exc.code, exc.message)
            logger.error("outbox %s to %s failed for good: %s", outbox_id, mask_phone(row.to_number), exc)
            return statuses.FAILED
        with self.db.session() as session:
            self.outbox.attach_sid(session, outbox_id, receipt.sid)
            self.outbox.advance(session, outbox_id, receipt.status)
            session.commit()
        logger.info("outbox %s sent as %s: %s", outbox_id, receipt.sid, receipt.status)
        return receipt.status

    def _deliver_in_simulator(self, outbox_id: int) -> str:
        """A simulated address (bot/simulator.py) is nobody's WhatsApp: the row is delivered into the
        simulator's chat instead of Twilio, whatever the window, and marked by its "SIM…" SID."""
        with self.db.session() as session:
            self.outbox.attach_sid(session, outbox_id, simulator.message_sid())
            self.outbox.advance(session, outbox_id, "delivered")
            session.commit()
        logger.info("outbox %s delivered in the simulator", outbox_id)
        return "delivered"

    def _choices(self, row: OutboundMessage) -> tuple[str | None, dict[str, str] | None]:
        """The session content showing this row's choices as buttons or a list, or (None, None): text."""
        if self.content is None or self.redis is None:
            return None, None
        spec = row.interactive or {}
        choices = [interactive.Choice(c["id"], c["title"]) for c in spec.get("choices") or ()]
        shape = interactive.layout(choices, spec.get("lead") or "", spec.get("button") or "")
        if shape is None:
            return None, None
        try:
            sid = interactive.content_sid(self.redis, self.content, shape, row.lang or DEFAULT_LANGUAGE)
        except ContentApiError as exc:
            logger.warning("outbox %s: choices as text, the Content API failed: %s", row.id, exc)
            return None, None
        return sid, {"1": spec["lead"]}

    def give_up(self, outbox_id: int, reason: str) -> None:
        """Retries exhausted: the row is failed with the last error, visible to officers."""
        with self.db.session() as session:
            session.execute(update(OutboundMessage).where(
                OutboundMessage.id == outbox_id, OutboundMessage.status.in_(statuses.CLAIMABLE)).values(
                status=statuses.FAILED, error_code="retries_exhausted", error_message=reason[:500],
                updated_at=now()))
            session.commit()
