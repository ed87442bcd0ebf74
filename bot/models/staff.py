"""Dashboard staff accounts and the audit log of who viewed or changed which personal record."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import now
from bot.db import Base


class StaffUser(Base):
    """An office employee who signs in to the dashboard. `office` is None only for admins (all offices).

    Carries the attributes Flask-Login reads, so the model itself is the logged-in user. The id in
    the session includes `auth_version`: bumping it (password reset, deactivation, role change)
    signs the user out everywhere.
    """

    __tablename__ = "staff_users"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)  # stored lower-case
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str] = mapped_column(String(256))
    role: Mapped[str] = mapped_column(String(16))
    office: Mapped[str | None] = mapped_column(String(64), index=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    auth_version: Mapped[int] = mapped_column(Integer, default=0)
    last_login_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)

    # Flask-Login's user protocol.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return bool(self.active)

    def get_id(self) -> str:
        return f"{self.id}.{self.auth_version or 0}"

    def __repr__(self) -> str:
        return f"<StaffUser {self.id} {self.username} {self.role} {self.office or '*'}>"


class AuditEvent(Base):
    """One access to or change of a personal record (or a sign-in), by whom, from where, when.

    `detail` names fields and outcomes, never the personal values themselves (NIKs are masked).
    """

    __tablename__ = "audit_events"
    __table_args__ = (Index("ix_audit_subject", "subject_type", "subject_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"), index=True)
    actor_username: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str | None] = mapped_column(String(64))
    office: Mapped[str | None] = mapped_column(String(64), index=True)
    ip: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

    def __repr__(self) -> str:
        return f"<AuditEvent {self.id} {self.actor_username} {self.action} {self.subject_type}:{self.subject_id}>"
