"""Requests under UU 27/2022 (access, erasure, withdrawal of consent): what was asked, when, through
which channel, and what was done. The row keeps no address: its reference is the citizen's receipt."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import now
from bot.db import Base


class RightsRequest(Base):
    __tablename__ = "rights_requests"
    __table_args__ = (UniqueConstraint("reference", name="uq_rights_requests_reference"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(32))
    office: Mapped[str] = mapped_column(String(64), index=True)
    kind: Mapped[str] = mapped_column(String(16))  # "access", "erasure", "withdrawal"
    channel: Mapped[str] = mapped_column(String(16))  # "whatsapp" or "desk"
    actor: Mapped[str] = mapped_column(String(80))  # "citizen" or "desk:<username>"
    # What was done, as counts (no content): {"visits_deleted": 1, "complaints_anonymised": 1, ...}
    counts: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    def __repr__(self) -> str:
        return f"<RightsRequest {self.reference} {self.kind}>"
