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
from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot import logs
from bot.clock import now
from bot.conversation import Conversation as ConversationState
from bot.db import Database
from bot.effects import EffectHandlers
from bot.engine import Engine, Outcome
from bot.exceptions import ConversationBusy
from bot.i18n import DEFAULT_LANGUAGE, Messages
from bot.inbound import Inbound
from bot.masking import mask_nik, mask_phone
from bot.models import Conversation, InboundMessage
from bot.offices import Office, OfficeDirectory
from bot.outbox import Outbox, Sent
from bot.phone import is_bsuid
from bot.store import ConversationStore
from flows.base import Reply, Tap, say

logger = logging.getLogger(__name__)
# Built once: the values come as parameters (building the statement with them cost more than running it).
RECORD_INBOUND = insert(InboundMessage).returning(InboundMessage.id)


def _location_text(inbound: Inbound) -> str:
    """A location pin has no body: the transcript shows the place instead of an empty message."""
    return mask_nik(inbound.location.describe()) if inbound.location else ""


class Inbox:
    def __init__(self, db: Database, store: ConversationStore, engine: Engine, offices: OfficeDirectory,
                 outbox: Outbox, messages: Messages, effects: EffectHandlers, interactive: bool = False):
        self.db = db
        self.effects = effects
        # Choices as WhatsApp buttons and lists (Twilio mode with WHATSAPP_INTERACTIVE), else numbered text.
        self.interactive = interactive
        self.store = store
        self.engine = engine
        self.offices = offices
        self.outbox = outbox
        self.messages = messages

    def office_for(self, inbound: Inbound) -> Office | None:
        """The office a message was sent to, as its settings are now. Once per message, first: an office
        edited on the dashboard (in any process) is rebuilt before use."""
        if self.offices.revisions is not None:
            self.offices.revisions.refresh()
        return self.offices.by_number(inbound.to_number)

    def record(self, inbound: Inbound, office: Office | None = None) -> tuple[int, bool]:
        """Commit the inbound row; (id, False) when this MessageSid was recorded before.

        A NIK is masked before this first write (`mask_nik`): the full number never reaches the
        database, not even its WAL. The flow that needs the digits gets the raw text in memory
        (`receive` → `process(raw_text=...)` → the engine)."""
        office = office or self.offices.by_number(inbound.to_number)
        row = dict(
            message_sid=inbound.message_sid, office=office.slug if office else None,
            from_number=inbound.from_number, to_number=inbound.to_number,
            body=mask_nik(inbound.body) or _location_text(inbound),
            num_media=len(inbound.media), media=[{"url": m.url, "content_type": m.content_type} for m in inbound.media],
            profile_name=mask_nik(inbound.profile_name) or None,
            wa_id=inbound.wa_id, button_payload=inbound.button_payload,
            replied_sid=inbound.replied_sid, external_user_id=inbound.external_user_id, received_at=now(),
            location=inbound.location.as_dict() if inbound.location else None)
        # One statement in autocommit: on PostgreSQL no BEGIN and COMMIT round trips around it, and it
        # is as durable (the commit's WAL flush is the same).
        try:
            with self.db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                added = conn.execute(RECORD_INBOUND, row)
                return added.scalar_one(), True
        except IntegrityError:
            pass
        with self.db.session() as session:
            existing = session.scalar(select(InboundMessage.id).where(
                InboundMessage.message_sid == inbound.message_sid))
        if existing is None:  # an IntegrityError that was not the duplicate SID
            raise RuntimeError("inbound message could not be recorded")
        logger.info("duplicate MessageSid %s: answering from the record", inbound.message_sid)
        return existing, False

    def receive(self, inbound: Inbound, channel: str = "twiml", *, office: Office | None = None) -> list[Sent]:
        """Record, then process one message. `office` is `office_for(inbound)` when the caller has it."""
        office = office or self.office_for(inbound)
        inbound_id, _ = self.record(inbound, office)
        if office is None:
            logger.warning("message %s to unknown number %s", inbound.message_sid, inbound.to_number)
            return self._answer_without_engine(inbound_id, None, "system.unknown_office", channel)
        try:
            with self.store.lock(office.slug, self.conversation_key(office, inbound.from_number,
                                                                     inbound.external_user_id)):
                return self.process(inbound_id, office, channel, raw_text=inbound.body)
        except (ConversationBusy, RedisError) as exc:
            # Recorded and unprocessed: the sweeper answers it through the outbox once we can.
            logger.warning("inbound %s not processed now: %s", inbound_id, type(exc).__name__)
            return self._answer_without_engine(inbound_id, office, "system.busy", channel, mark_processed=False)

    def process(self, inbound_id: int, office: Office, channel: str, raw_text: str | None = None) -> list[Sent]:
        """Run the engine for one recorded message, exactly once. The caller holds the lock.

        `raw_text` is the message as typed (an identity number in full), held in memory only; without
        it (the sweeper, later) the flow sees the recorded, masked text and asks again where it must."""
        with self.db.session() as session:
            row = session.get(InboundMessage, inbound_id)
            if row.processed_at is not None:
                return self.outbox.replies_to(session, inbound_id)
            record = self._conversation_row(session, office, row)
            logs.bind(inbound_id=inbound_id, conversation_id=record.id)
            conv = self.store.load(office.slug, record.phone, record.state if record.version else None)
            outcome = self._run_engine(conv, session, row, record, office, raw_text)
            if outcome is None:  # the flow failed: its reads may have spoilt the transaction, start clean
                session.rollback()
                row = session.get(InboundMessage, inbound_id)
                record = self._conversation_row(session, office, row)
                row.error = "engine error"
                outcome = Outcome(replies=say(self.messages.text(conv.lang, "system.error", hotline=office.hotline)))
            conv.version = max(conv.version, record.version) + 1
            state = conv.to_dict()
            record.state, record.version, record.lang = state, conv.version, conv.lang
            record.last_inbound_at = row.received_at
            record.profile_name = row.profile_name or record.profile_name
            row.conversation_id, row.processed_at = record.id, now()
            spoken, tapped = self._split_for_taps(outcome.replies, channel)
            replies = self.outbox.record_replies(session, office, row, spoken, channel)
            later = self.outbox.record_replies(session, office, row, tapped, "rest", interactive=True, lang=conv.lang)
            committed = self.effects.record(session, self.outbox, outcome.effects, office, record)
            # The person wrote, so WhatsApp's window is open: what was held for it goes now, before
            # the answer to this message (it is older).
            released = self.outbox.release(session, self.outbox.releasable(
                session, office=office.slug, to={row.from_number, record.phone}))
            committed.outbox_ids[:0] = released + [r.id for r in (replies if channel == "rest" else []) + later]
            session.commit()
            sent = self.outbox.detach(replies)
        logger.info("answered at %s: %d in the reply, %d through the outbox", conv.step, len(sent),
                    len(committed.outbox_ids))
        self.store.save(conv, state)
        self.outbox.enqueue(committed.outbox_ids)
        self.outbox.schedule(committed.jobs)
        return sent

    def _split_for_taps(self, replies: list[Reply], channel: str) -> tuple[list[Reply], list[Reply]]:
        """TwiML cannot carry buttons or lists: from the first reply with choices on, the replies go
        through the outbox (in order, bot/sender.py), the ones before it in the webhook's answer."""
        if not self.interactive:
            return replies, []
        first = next((i for i, reply in enumerate(replies) if reply.options), None)
        if first is None:
            return replies, []
        if channel == "rest":
            return [], replies
        return replies[:first], replies[first:]

    def conversation_key(self, office: Office, sender: str, external_user_id: str | None = None) -> str:
        """Whose conversation a message joins: one person, one conversation, whether they write with
        their number, with their WhatsApp user ID alone (a username), or with both."""
        if not external_user_id and not is_bsuid(sender):
            return sender  # the common case costs no query
        with self.db.session() as session:
            return _conversation_key(session, office.slug, sender, external_user_id)

    def _conversation_row(self, session: Session, office: Office, row: InboundMessage) -> Conversation:
        key = _conversation_key(session, office.slug, row.from_number, row.external_user_id)
        record = session.scalar(select(Conversation).where(
            Conversation.office == office.slug, Conversation.phone == key))
        if record is None:
            record = Conversation(office=office.slug, phone=key, state={}, version=0, lang=DEFAULT_LANGUAGE)
            session.add(record)
            session.flush()
        if row.external_user_id and record.bsuid is None and record.phone != row.external_user_id:
            record.bsuid = row.external_user_id  # the number and the user ID are the same person
        return record

    def _run_engine(self, conv: ConversationState, session: Session, row: InboundMessage, record: Conversation,
                    office: Office, raw_text: str | None = None) -> Outcome | None:
        """A flow's bug must not silence the citizen: log it, keep the conversation where it was, and
        return None so the caller apologises."""
        snapshot = conv.to_dict()
        try:
            tap = Tap(row.button_payload, row.replied_sid) if row.button_payload else None
            return self.engine.handle(conv, row.body, row.num_media > 0, office, now(), session, record.id, tap,
                                      raw_text=raw_text, location=row.location, media=row.media)
        except Exception:
            logger.exception("engine failed on inbound %s (%s)", row.id, mask_phone(row.from_number))
            conv.__dict__.update(ConversationState.from_dict(snapshot).__dict__)
            return None

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


def _conversation_key(session: Session, office: str, sender: str, external_user_id: str | None) -> str:
    """A user ID alone joins the conversation it was linked to (its number's); a number with its user
    ID joins the conversation the user ID started before the number was known; else the sender."""
    if is_bsuid(sender):
        linked = session.scalar(select(Conversation.phone).where(
            Conversation.office == office, Conversation.bsuid == sender))
        return linked or sender
    if external_user_id:
        started = session.scalar(select(Conversation.phone).where(
            Conversation.office == office, Conversation.phone == external_user_id))
        if started is not None:
            return started
    return sender
