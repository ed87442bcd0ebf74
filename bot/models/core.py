"""Durable records. Times are stored in UTC."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import now
from bot.db import Base
from bot.phone import ADDRESS_LENGTH


class Conversation(Base):
    """One citizen (or employee) talking to one office. `state` is the committed copy of Redis'."""

    __tablename__ = "conversations"
    __table_args__ = (UniqueConstraint("office", "phone", name="uq_conversation_office_phone"),
                      Index("ix_conversation_office_inbound", "office", "last_inbound_at"),  # Beranda's counts
                      Index("ix_conversation_office_bsuid", "office", "bsuid"))  # a user ID, always per office

    id: Mapped[int] = mapped_column(primary_key=True)
    office: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(ADDRESS_LENGTH))  # E.164, or a BSUID (bot/phone.py)
    # The person's WhatsApp user ID once Twilio sent it beside their number (ExternalUserId): a later
    # message from that ID alone is the same person, the same conversation.
    bsuid: Mapped[str | None] = mapped_column(String(ADDRESS_LENGTH))
    profile_name: Mapped[str | None] = mapped_column(String(200))
    lang: Mapped[str] = mapped_column(String(8), default="id")
    state: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=0)
    last_inbound_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)

    def __repr__(self) -> str:
        return f"<Conversation {self.id} {self.office} v{self.version}>"


class InboundMessage(Base):
    """Every message Twilio delivered to us, recorded before it is processed."""

    __tablename__ = "inbound_messages"
    __table_args__ = (Index("ix_inbound_unprocessed", "processed_at", "received_at"),
                      Index("ix_inbound_office_received", "office", "received_at"))  # Beranda's counts

    id: Mapped[int] = mapped_column(primary_key=True)
    message_sid: Mapped[str] = mapped_column(String(64), unique=True)
    office: Mapped[str | None] = mapped_column(String(64))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    from_number: Mapped[str] = mapped_column(String(ADDRESS_LENGTH))
    to_number: Mapped[str] = mapped_column(String(64))
    external_user_id: Mapped[str | None] = mapped_column(String(ADDRESS_LENGTH))
    body: Mapped[str] = mapped_column(Text, default="")
    num_media: Mapped[int] = mapped_column(Integer, default=0)
    media: Mapped[list[dict[str, str]]] = mapped_column(JSON, default=list)
    # A shared location pin: {"latitude", "longitude", "address", "label"} (None for other messages).
    location: Mapped[dict[str, object] | None] = mapped_column(JSON)
    profile_name: Mapped[str | None] = mapped_column(String(200))
    wa_id: Mapped[str | None] = mapped_column(String(32))
    # A tap on a button of one of our messages: its id (ButtonPayload) and the tapped message's SID
    # (OriginalRepliedMessageSid), which tells which visit a host answers.
    button_payload: Mapped[str | None] = mapped_column(String(200))
    replied_sid: Mapped[str | None] = mapped_column(String(64))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    processed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    error: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<InboundMessage {self.id} {self.message_sid} processed={self.processed_at is not None}>"


class OutboundMessage(Base):
    """The outbox: every message we send, TwiML replies and worker sends alike, with its status."""

    __tablename__ = "outbound_messages"
    # created_at: /metrics counts the last 24 hours by status at every scrape (bot/metrics.py).
    __table_args__ = (Index("ix_outbound_status_next", "status", "next_attempt_at"),
                      Index("ix_outbound_created_at", "created_at"),
                      # what is held for a person, asked on each of their messages (bot/outbox.py releasable)
                      Index("ix_outbound_held_for", "office", "to_number", "status"),
                      # what changed today, asked by every open dashboard every few seconds (bot/dashboard/live.py)
                      Index("ix_outbound_office_updated", "office", "updated_at"),
                      Index("ix_outbound_office_created", "office", "created_at"))  # Beranda, failed sends

    id: Mapped[int] = mapped_column(primary_key=True)
    office: Mapped[str | None] = mapped_column(String(64))  # indexed first in the indexes below
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    in_reply_to_id: Mapped[int | None] = mapped_column(ForeignKey("inbound_messages.id"), index=True)
    to_number: Mapped[str] = mapped_column(String(ADDRESS_LENGTH))
    from_number: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(32), default="reply")
    channel: Mapped[str] = mapped_column(String(16))  # "twiml" (webhook answer) or "rest" (worker)
    body: Mapped[str] = mapped_column(Text, default="")
    media_urls: Mapped[list[str]] = mapped_column(JSON, default=list)
    content_sid: Mapped[str | None] = mapped_column(String(64))
    content_variables: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # A notice's named values and its reader's language: outside the 24-hour window the sender fills
    # the approved template of its kind with them (bot/whatsapp/resolver.py).
    template_values: Mapped[dict[str, str] | None] = mapped_column(JSON)
    # Choices WhatsApp may show as buttons or a list in session: {"lead": text, "choices": [{id, title}]}
    # (bot/whatsapp/interactive.py); the numbered `body` goes where they cannot.
    interactive: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    lang: Mapped[str | None] = mapped_column(String(8))
    # After this a held notice is not worth sending any more (a reminder of a visit already past).
    expires_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # An officer dealt with a held or failed message another way ("handled by phone").
    handled_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    handled_by: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(32))
    error_message: Mapped[str | None] = mapped_column(Text)
    twilio_sid: Mapped[str | None] = mapped_column(String(64), unique=True)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)

    def __repr__(self) -> str:
        return f"<OutboundMessage {self.id} {self.channel} {self.status}>"


class StatusEvent(Base):
    """Every status callback as received; kept even when its message is not (yet) known."""

    __tablename__ = "status_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    twilio_sid: Mapped[str] = mapped_column(String(64), index=True)
    outbound_id: Mapped[int | None] = mapped_column(ForeignKey("outbound_messages.id"), index=True)
    status: Mapped[str] = mapped_column(String(16))
    error_code: Mapped[str | None] = mapped_column(String(32))
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
