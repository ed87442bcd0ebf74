"""Complaints (pengaduan): the complaint, its events (who did what, when), its attachments, and
the ticket sequence per office and year. Times are UTC."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.clock import now
from bot.db import Base
from bot.phone import ADDRESS_LENGTH


class TicketSequence(Base):
    """The last ticket number given per office and year; incremented by one UPDATE (row lock)."""

    __tablename__ = "complaint_ticket_sequences"

    office: Mapped[str] = mapped_column(String(64), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last: Mapped[int] = mapped_column(Integer, default=0)

    def __repr__(self) -> str:
        return f"<TicketSequence {self.office} {self.year} {self.last}>"


class Complaint(Base):
    __tablename__ = "complaints"
    __table_args__ = (
        UniqueConstraint("office", "year", "seq", name="uq_complaint_office_year_seq"),
        Index("ix_complaints_office_status", "office", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    ticket: Mapped[str] = mapped_column(String(32), unique=True)
    office: Mapped[str] = mapped_column(String(64))
    year: Mapped[int] = mapped_column(Integer)
    seq: Mapped[int] = mapped_column(Integer)
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    # E.164 or a BSUID: the only address that sees the status
    phone: Mapped[str] = mapped_column(String(ADDRESS_LENGTH), index=True)
    lang: Mapped[str] = mapped_column(String(8), default="id")
    reporter_name: Mapped[str | None] = mapped_column(String(200))
    category: Mapped[str] = mapped_column(String(32))
    subject_unit: Mapped[str | None] = mapped_column(String(64))  # a unit slug of the office, if chosen
    subject_text: Mapped[str | None] = mapped_column(String(500))  # the service or unit in the citizen's words
    description: Mapped[str] = mapped_column(Text, default="")
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    anonymous: Mapped[bool] = mapped_column(Boolean, default=False)
    consent_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="received")
    assigned_unit: Mapped[str | None] = mapped_column(String(64))
    public_note: Mapped[str | None] = mapped_column(Text)  # the latest note the citizen may read
    reject_reason: Mapped[str | None] = mapped_column(Text)
    lapor_ref: Mapped[str | None] = mapped_column(String(64))  # SP4N-LAPOR! tracking id, when referred
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    verified_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    assigned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))  # resolved or rejected
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)

    events: Mapped[list[ComplaintEvent]] = relationship(
        back_populates="complaint", order_by="ComplaintEvent.id", cascade="all, delete-orphan")
    attachments: Mapped[list[ComplaintAttachment]] = relationship(
        back_populates="complaint", order_by="ComplaintAttachment.id")

    def __repr__(self) -> str:
        return f"<Complaint {self.ticket} {self.status}>"


class ComplaintEvent(Base):
    """One step in a complaint's handling: who, when, from which status to which, with what note."""

    __tablename__ = "complaint_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaints.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))  # "status", "note", "citizen_reply", "lapor", "overdue"
    from_status: Mapped[str | None] = mapped_column(String(16))
    to_status: Mapped[str | None] = mapped_column(String(16))
    actor: Mapped[str] = mapped_column(String(120))  # "citizen", "system", or an officer's name/login
    note: Mapped[str | None] = mapped_column(Text)
    public: Mapped[bool] = mapped_column(Boolean, default=False)  # shown to the citizen
    notice_ids: Mapped[list[int]] = mapped_column(JSON, default=list)  # outbox rows telling the citizen
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    complaint: Mapped[Complaint] = relationship(back_populates="events")

    def __repr__(self) -> str:
        return f"<ComplaintEvent {self.id} {self.kind} {self.from_status}->{self.to_status}>"


class ComplaintAttachment(Base):
    """A photo or document the citizen sent while describing a complaint (a Twilio media URL).

    Recorded as it arrives (complaint_id empty), linked to the complaint when it is filed."""

    __tablename__ = "complaint_attachments"
    __table_args__ = (UniqueConstraint("inbound_id", "url", name="uq_complaint_attachment_inbound_url"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaints.id"), index=True)
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    inbound_id: Mapped[int] = mapped_column(ForeignKey("inbound_messages.id"))
    url: Mapped[str] = mapped_column(String(1000))
    content_type: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    complaint: Mapped[Complaint | None] = relationship(back_populates="attachments")

    def __repr__(self) -> str:
        return f"<ComplaintAttachment {self.id} complaint={self.complaint_id}>"
