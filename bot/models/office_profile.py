"""An office's profile as its admin edited it on the dashboard, laid over config/offices/<slug>.yaml
(bot/offices.py `OfficeDirectory`): name, address, map location, numbers, time zone, weekly hours with
breaks, visitor rules, accessibility notes and complaint channels.

The edited fields are one JSON document (`profile`), not a column each: the profile is always read and
written whole (it replaces the YAML's values), it nests (several spans a day, lists of rules), and it is
never searched by field. bot/offices.py `apply_profile` checks it when it is read, as it checks the YAML.
What an admin has confirmed is kept in columns beside it, with who and when, because the bot's wording
and the dashboard's Today page depend on it (issue 17 §4)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, DateTime, String
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import now
from bot.db import Base


class OfficeProfile(Base):
    """One row per office that has been edited on the dashboard; an office without one runs on its YAML."""

    __tablename__ = "office_profiles"

    office: Mapped[str] = mapped_column(String(64), primary_key=True)
    profile: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The opening hours as the office itself confirmed them; None while they are the assumed ones.
    hours_confirmed_by: Mapped[str | None] = mapped_column(String(64))
    hours_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The WhatsApp sender confirmed as the office's own, even when it is a landline (WhatsApp Business
    # runs on landlines too): until then a landline sender is flagged.
    whatsapp_confirmed_by: Mapped[str | None] = mapped_column(String(64))
    whatsapp_confirmed_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_by: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now, onupdate=now)

    def __repr__(self) -> str:
        return f"<OfficeProfile {self.office} by {self.updated_by}>"
