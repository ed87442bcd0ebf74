"""An office's own days off, beside the national holidays of the `holidays` package: collective leave
(cuti bersama), which the package does not know, and local closures (e.g. Galungan and Kuningan in Bali).
bot/workdays.py reads them; the dashboard's Days off page edits them."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, DateTime, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import now
from bot.db import Base

CUTI_BERSAMA = "cuti_bersama"
LOCAL = "local"
KINDS = (CUTI_BERSAMA, LOCAL)


class OfficeDayOff(Base):
    """One day an office is closed although it is no national holiday."""

    __tablename__ = "office_days_off"
    __table_args__ = (UniqueConstraint("office", "day", name="uq_office_days_off_office_day"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office: Mapped[str] = mapped_column(String(64))
    day: Mapped[date] = mapped_column(Date)
    name: Mapped[str] = mapped_column(String(120))  # as the citizen reads it: "Cuti Bersama Idulfitri"
    kind: Mapped[str] = mapped_column(String(16))  # CUTI_BERSAMA or LOCAL
    created_by: Mapped[str | None] = mapped_column(String(64))  # the staff username
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)

    def __repr__(self) -> str:
        return f"<OfficeDayOff {self.office} {self.day.isoformat()} {self.kind}>"
