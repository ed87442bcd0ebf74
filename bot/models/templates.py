"""Loket's WhatsApp templates as created in Twilio's Content API: one row per kind, language and
body version, with WhatsApp's approval status (bot/whatsapp/sync.py writes them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, DateTime, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import now
from bot.db import Base

# Twilio's WhatsApp approval statuses, grouped by what they mean for a send.
UNSUBMITTED, APPROVED = "unsubmitted", "approved"
DELETED = "deleted"  # Loket's own: the content no longer exists in Twilio (deleted in its console)
WAITING = frozenset({UNSUBMITTED, "received", "pending", "paused"})  # paused: Meta lifts it within hours
REFUSED = frozenset({"rejected", "disabled"})  # only a changed body (a new template) helps


class WhatsAppTemplate(Base):
    """A template's body version (`body_hash`) created as content `content_sid` and submitted as
    `name`. A changed body is a new row; `current` marks the one config/whatsapp_templates.yaml
    defines now. An older approved row may still be sent while its successor waits for approval."""

    __tablename__ = "whatsapp_templates"
    __table_args__ = (UniqueConstraint("kind", "lang", "body_hash", name="uq_whatsapp_template_version"),
                      Index("ix_whatsapp_templates_current", "kind", "lang", "current"))

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(32))
    lang: Mapped[str] = mapped_column(String(8))
    name: Mapped[str] = mapped_column(String(512))  # as submitted to WhatsApp: <name>_<lang>_<hash>
    body_hash: Mapped[str] = mapped_column(String(64))
    variables: Mapped[list[str]] = mapped_column(JSON, default=list)  # value names of {{1}}, {{2}}, …
    content_sid: Mapped[str] = mapped_column(String(64), unique=True)
    # Twilio's approval status: unsubmitted, received, pending, approved, rejected, paused, disabled;
    # or deleted.
    status: Mapped[str] = mapped_column(String(16), default=UNSUBMITTED)
    rejection_reason: Mapped[str | None] = mapped_column(Text)
    error: Mapped[str | None] = mapped_column(Text)  # Twilio's last refusal of a submission, if any
    current: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    submitted_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    checked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    def __repr__(self) -> str:
        return f"<WhatsAppTemplate {self.id} {self.kind}/{self.lang} {self.status}{' current' if self.current else ''}>"
