"""A citizen waiting for (or talking with) a human officer: the dashboard's handoff inbox."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import DateTime, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import now
from bot.db import Base
from bot.phone import ADDRESS_LENGTH

WAITING, TAKEN, CLOSED = "waiting", "taken", "closed"


class Handoff(Base):
    __tablename__ = "handoffs"
    __table_args__ = (Index("ix_handoffs_office_status", "office", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office: Mapped[str] = mapped_column(String(64))
    conversation_id: Mapped[int] = mapped_column(ForeignKey("conversations.id"), index=True)
    phone: Mapped[str] = mapped_column(String(ADDRESS_LENGTH))
    reason: Mapped[str] = mapped_column(String(16))  # "asked" ("stuck": the bot's own handoff, until 2026-11)
    status: Mapped[str] = mapped_column(String(16), default=WAITING)
    requested_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    last_ack_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    taken_by: Mapped[str | None] = mapped_column(String(100))
    taken_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    closed_note: Mapped[str | None] = mapped_column(Text)

    def __repr__(self) -> str:
        return f"<Handoff {self.id} {self.office} {self.status}>"
