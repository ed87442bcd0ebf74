"""The guest book: employees (hosts), visits and their events, consents, guests' photos.

No full identity number is stored anywhere: `id_masked` (shown) and `id_hash` (HMAC-SHA256 with
SECRET_KEY, to recognise the same document again). See bot/visits/security.py for why.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.clock import now
from bot.db import Base
from bot.phone import ADDRESS_LENGTH


class Employee(Base):
    """A host or desk officer of the office's directory (bot/directory.py): seeded from
    config/employees/<office>.yaml, edited on the dashboard. Never deleted (visits point here)."""

    __tablename__ = "employees"
    __table_args__ = (UniqueConstraint("office", "key", name="uq_employee_office_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office: Mapped[str] = mapped_column(String(64))
    key: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    title: Mapped[str] = mapped_column(String(200), default="")
    unit: Mapped[str | None] = mapped_column(String(64))
    whatsapp: Mapped[str | None] = mapped_column(String(32), index=True)
    role: Mapped[str] = mapped_column(String(16), default="host")  # host | desk
    aliases: Mapped[list[str]] = mapped_column(JSON, default=list)  # what citizens type: short titles
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    managed_by: Mapped[str] = mapped_column(String(16), default="file")  # file | dashboard (last word wins)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)

    def __repr__(self) -> str:
        return f"<Employee {self.office}/{self.key}>"


class Consent(Base):
    """A citizen's answer to the privacy notice (UU 27/2022), with the notice's version and language."""

    __tablename__ = "consents"

    id: Mapped[int] = mapped_column(primary_key=True)
    office: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(ADDRESS_LENGTH), index=True)
    purpose: Mapped[str] = mapped_column(String(32), default="visit")
    text_version: Mapped[str] = mapped_column(String(32))
    lang: Mapped[str] = mapped_column(String(8))
    accepted: Mapped[bool] = mapped_column(Boolean)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    def __repr__(self) -> str:
        return f"<Consent {self.id} {self.text_version} accepted={self.accepted}>"


class VisitPhoto(Base):
    """A guest's photo: the WhatsApp media URL first, then the stored file once the job fetched it."""

    __tablename__ = "visit_photos"

    id: Mapped[int] = mapped_column(primary_key=True)
    office: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"), index=True)
    source_url: Mapped[str | None] = mapped_column(Text)
    content_type: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(16), default="pending")  # pending | stored | rejected | failed
    path: Mapped[str | None] = mapped_column(Text)  # relative to MEDIA_DIR
    size: Mapped[int | None] = mapped_column(Integer)
    error: Mapped[str | None] = mapped_column(String(200))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)

    def __repr__(self) -> str:
        return f"<VisitPhoto {self.id} {self.status}>"


class Visit(Base):
    """One pre-registered visit. Status: awaiting_host → accepted | declined | proposed (the host
    suggested another time; the citizen accepts or refuses) | cancelled. The desk's check-in and
    check-out are recorded in their own columns (checked_in_at, checked_out_at), not in `status`."""

    __tablename__ = "visits"
    __table_args__ = (UniqueConstraint("office", "code", name="uq_visit_office_code"),
                      Index("ix_visit_host_pending", "office", "host_phone", "status"),
                      Index("ix_visit_citizen", "office", "citizen_phone", "status"),
                      Index("ix_visit_office_updated", "office", "updated_at"))  # the dashboards' live poll

    id: Mapped[int] = mapped_column(primary_key=True)
    office: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(16))
    conversation_id: Mapped[int | None] = mapped_column(ForeignKey("conversations.id"))
    citizen_phone: Mapped[str] = mapped_column(String(ADDRESS_LENGTH))
    citizen_lang: Mapped[str] = mapped_column(String(8), default="id")
    name: Mapped[str] = mapped_column(String(200))
    id_type: Mapped[str] = mapped_column(String(8))
    id_masked: Mapped[str] = mapped_column(String(32))
    id_hash: Mapped[str] = mapped_column(String(64), index=True)
    photo_id: Mapped[int | None] = mapped_column(ForeignKey("visit_photos.id"))
    consent_id: Mapped[int | None] = mapped_column(ForeignKey("consents.id"))
    purpose: Mapped[str] = mapped_column(Text)
    host_employee_id: Mapped[int | None] = mapped_column(ForeignKey("employees.id"))
    host_name: Mapped[str | None] = mapped_column(String(200))  # as notified (the file may change later)
    host_phone: Mapped[str | None] = mapped_column(String(32))
    unit: Mapped[str | None] = mapped_column(String(64))
    scheduled_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(16), default="awaiting_host")
    host_answer: Mapped[str | None] = mapped_column(String(16))  # accept | decline | propose | redirect
    host_reason: Mapped[str | None] = mapped_column(Text)
    proposed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    notice_round: Mapped[int] = mapped_column(Integer, default=0)  # bumped at each (re)notice
    host_notice_outbox_id: Mapped[int | None] = mapped_column(Integer)
    reminder_outbox_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    escalated_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    answered_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The desk (SOP 000 steps 3-4 and 8): arrival, badge and locker, the identity card handed in
    # (type and the last 4 digits read from it) and given back, departure. The host's answer keeps
    # `status`; the desk's stage is these timestamps, so a late host answer still lands.
    walk_in: Mapped[bool] = mapped_column(Boolean, default=False)
    checked_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_in_by: Mapped[str | None] = mapped_column(String(64))  # dashboard username
    badge_number: Mapped[str | None] = mapped_column(String(32))
    locker_key: Mapped[str | None] = mapped_column(String(32))
    id_held_type: Mapped[str | None] = mapped_column(String(8))
    id_held_last4: Mapped[str | None] = mapped_column(String(4))
    id_returned_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # What this office's SOP has the desk hand out and hold (bot/visits/desk.py): every item of the visit
    # at check-in ({"badge": "T-07", "phone": "hitam"}; None: checked in before migration 0018, read from
    # the columns above), and the items the desk confirmed back at check-out.
    desk_items: Mapped[dict[str, str] | None] = mapped_column(JSON)
    desk_returned: Mapped[list[str] | None] = mapped_column(JSON)
    # When a host who had agreed before the guest arrived came out to meet them (the desk's click): the
    # end of the guest's wait on the office's standard clock (bot/visits/standard.py). Migration 0019.
    met_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_out_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_out_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)

    photo: Mapped[VisitPhoto | None] = relationship(lazy="joined")
    host: Mapped[Employee | None] = relationship(lazy="joined")
    events: Mapped[list[VisitEvent]] = relationship(back_populates="visit", order_by="VisitEvent.id")

    @property
    def photo_path(self) -> str | None:
        return self.photo.path if self.photo is not None else None

    def __repr__(self) -> str:
        return f"<Visit {self.id} {self.office}/{self.code} {self.status}>"


class VisitEvent(Base):
    """What happened to a visit, by whom (citizen, host:<key>, desk, system) and when."""

    __tablename__ = "visit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    visit_id: Mapped[int] = mapped_column(ForeignKey("visits.id"), index=True)
    kind: Mapped[str] = mapped_column(String(32))
    actor: Mapped[str] = mapped_column(String(80))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    visit: Mapped[Visit] = relationship(back_populates="events")

    def __repr__(self) -> str:
        return f"<VisitEvent {self.visit_id} {self.kind} by {self.actor}>"
