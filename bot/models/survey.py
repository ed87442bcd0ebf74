"""SKM survey: invitations (one per event, with an expiry) and responses (nine answers, profile)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, DateTime, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from bot.clock import now
from bot.db import Base
from bot.phone import ADDRESS_LENGTH


class SurveyInvitation(Base):
    """An offer to take the survey after an event (check-out, a closed complaint, an inquiry)."""

    __tablename__ = "survey_invitations"
    __table_args__ = (
        UniqueConstraint("office", "event_kind", "event_ref", name="uq_survey_invitation_event"),
        Index("ix_survey_invitations_phone", "office", "phone", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    office: Mapped[str] = mapped_column(String(64))
    phone: Mapped[str] = mapped_column(String(ADDRESS_LENGTH))
    event_kind: Mapped[str] = mapped_column(String(32))  # "checkout", "complaint", "inquiry"
    event_ref: Mapped[str] = mapped_column(String(128))  # visit id, ticket number, phone:service:date
    status: Mapped[str] = mapped_column(String(16), default="offered")  # offered, started, completed
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    notice_ids: Mapped[list[int]] = mapped_column(JSON, default=list)

    response: Mapped[SurveyResponse | None] = relationship(back_populates="invitation")

    def __repr__(self) -> str:
        return f"<SurveyInvitation {self.id} {self.event_kind}:{self.event_ref} {self.status}>"


class SurveyResponse(Base):
    """Answers 1–4 per element (bot.survey.ikm.ELEMENTS), saved as they come so a citizen can resume."""

    __tablename__ = "survey_responses"
    __table_args__ = (Index("ix_survey_responses_office_completed", "office", "completed_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(ForeignKey("survey_invitations.id"), unique=True)
    office: Mapped[str] = mapped_column(String(64))
    event_kind: Mapped[str] = mapped_column(String(32))
    lang: Mapped[str] = mapped_column(String(8), default="id")
    answers: Mapped[dict[str, int]] = mapped_column(JSON, default=dict)
    gender: Mapped[str | None] = mapped_column(String(16))
    age_band: Mapped[str | None] = mapped_column(String(16))
    education: Mapped[str | None] = mapped_column(String(32))
    occupation: Mapped[str | None] = mapped_column(String(32))
    suggestion: Mapped[str | None] = mapped_column(Text)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    completed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    invitation: Mapped[SurveyInvitation] = relationship(back_populates="response")

    def __repr__(self) -> str:
        return f"<SurveyResponse {self.id} complete={self.completed_at is not None}>"
