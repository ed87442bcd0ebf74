"""One inbound message, end to end: record, deduplicate, lock, run the engine, commit, answer.

Order matters. The inbound row is committed before anything else, so nothing is lost. The SQL
transaction that marks it processed also holds the replies, the effects and the conversation's new
state: that commit is the point of no return. Redis is written after it (a stale Redis copy loses
to the newer SQL copy on the next load), and jobs are enqueued last (the sweeper re-enqueues rows
whose job never made it). A repeated MessageSid is answered with the replies already recorded.
"""

from __future__ import annotations

import logging

from redis.exceptions import RedisError
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import effects, phone
from bot.clock import now
from bot.conversation import Conversation as ConversationState
from bot.db import Database
from bot.engine import Engine, Outcome
from bot.exceptions import ConversationBusy
from bot.i18n import DEFAULT_LANGUAGE, Messages
from bot.inbound import Inbound
from bot.models import Conversation, InboundMessage
from bot.offices import Office, OfficeDirectory
from bot.outbox import Outbox, Sent
from bot.store import ConversationStore
from flows.base import say

logger = logging.getLogger(__name__)


class Inbox:
    def __init__(self, db: Database, store: ConversationStore, engine: Engine, offices: OfficeDirectory,
                 outbox: Outbox, messages: Messages):
        self.db = db
        self.store = store
        self.engine = engine
        self.offices = offices
        self.outbox = outbox
        self.messages = messages

    def record(self, inbound: Inbound) -> tuple[int, bool]:
        """Commit the inbound row; (id, False) when this MessageSid was recorded before."""
        office = self.offices.by_number(inbound.to_number)
        row = InboundMessage(
            message_sid=inbound.message_sid, office=office.slug if office else None,
            from_number=inbound.from_number, to_number=inbound.to_number, body=inbound.body,
            num_media=len(inbound.media), media=[{"url": m.url, "content_type": m.content_type} for m in inbound.media],
            profile_name=inbound.profile_name, wa_id=inbound.wa_id, received_at=now())
        with self.db.session() as session:
            session.add(row)
            try:
                session.commit()
                return row.id, True
            except IntegrityError:
                session.rollback()
        with self.db.session() as session:
            existing = session.scalar(select(InboundMessage.id).where(
                InboundMessage.message_sid == inbound.message_sid))
        if existing is None:  # an IntegrityError that was not the duplicate SID
            raise RuntimeError("inbound message could not be recorded")
        logger.info("duplicate MessageSid %s: answering from the record", inbound.message_sid)
        return existing, False

    def receive(self, inbound: Inbound, channel: str = "twiml") -> list[Sent]:
        inbound_id, _ = self.record(inbound)
        office = self.offices.by_number(inbound.to_number)
        if office is None:
            logger.warning("message %s to unknown number %s", inbound.message_sid, inbound.to_number)
            return self._answer_without_engine(inbound_id, None, "system.unknown_office", channel)
        try:
            with self.store.lock(office.slug, inbound.from_number):
                return self.process(inbound_id, office, channel)
        except (ConversationBusy, RedisError) as exc:
            # Recorded and unprocessed: the sweeper answers it through the outbox once we can.
            logger.warning("inbound %s not processed now: %s", inbound_id, type(exc).__name__)
            return self._answer_without_engine(inbound_id, office, "system.busy", channel, mark_processed=False)

    def process(self, inbound_id: int, office: Office, channel: str) -> list[Sent]:
        """Run the engine for one recorded message, exactly once. The caller holds the lock."""
        with self.db.session() as session:
            row = session.get(InboundMessage, inbound_id)
            if row.processed_at is not None:
                return self.outbox.replies_to(session, inbound_id)
            record = self._conversation_row(session, office, row)
            conv = self.store.load(office.slug, row.from_number, record.state if record.version else None)
            outcome = self._run_engine(conv, row, office)
            conv.version = max(conv.version, record.version) + 1
            record.state, record.version, record.lang = conv.to_dict(), conv.version, conv.lang
            record.last_inbound_at = row.received_at
            record.profile_name = row.profile_name or record.profile_name
            row.conversation_id, row.processed_at = record.id, now()
            replies = self.outbox.record_replies(session, office, row, outcome.replies, channel)
            committed = effects.record(session, self.outbox, outcome.effects, office, record)
            if channel == "rest":
                committed.outbox_ids[:0] = [r.id for r in replies]
            session.commit()
            sent = self.outbox.detach(replies)
        self.store.save(conv)
        self.outbox.enqueue(committed.outbox_ids)
        self.outbox.schedule(committed.jobs)
        return sent

    def _conversation_row(self, session: Session, office: Office, row: InboundMessage) -> Conversation:
        record = session.scalar(select(Conversation).where(
            Conversation.office == office.slug, Conversation.phone == row.from_number))
        if record is None:
            record = Conversation(office=office.slug, phone=row.from_number, state={}, version=0,
                                  lang=DEFAULT_LANGUAGE)
            session.add(record)
            session.flush()
        return record

    def _run_engine(self, conv: ConversationState, row: InboundMessage, office: Office) -> Outcome:
        """A flow's bug must not silence the citizen: log it, apologise, keep the conversation where it was."""
        snapshot = conv.to_dict()
        try:
            return self.engine.handle(conv, row.body, row.num_media > 0, office, now())
        except Exception:
            logger.exception("engine failed on inbound %s (%s)", row.id, phone.mask(row.from_number))
            conv.__dict__.update(ConversationState.from_dict(snapshot).__dict__)
            row.error = "engine error"
            text = self.messages.text(conv.lang, "system.error", hotline=office.hotline)
            return Outcome(replies=say(text))

    def _answer_without_engine(self, inbound_id: int, office: Office | None, key: str, channel: str,
                               mark_processed: bool = True) -> list[Sent]:
        with self.db.session() as session:
            row = session.get(InboundMessage, inbound_id)
            if row.processed_at is not None:
                return self.outbox.replies_to(session, inbound_id)
            text = self.messages.text(DEFAULT_LANGUAGE, key, hotline=office.hotline if office else "")
            replies = self.outbox.record_replies(session, office, row, say(text), channel)
            if mark_processed:
                row.processed_at = now()
            else:
                for reply in replies:
                    reply.kind = "notice"  # not the answer to this message: that comes later
            session.commit()
            return self.outbox.detach(replies)
