"""Versions of an office's Standar Pelayanan (its catalog of services), kept as data the office owns.

A version is a draft until published; publishing retires the one published before, so each office
has at most one published version, the one the bot answers from. `body` is the catalog as JSON text,
the same dict shape as config/catalog/<slug>.yaml. bot/catalog/versions.py owns the rules.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Date, DateTime, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from bot.clock import now
from bot.db import Base

DRAFT = "draft"
PUBLISHED = "published"
RETIRED = "retired"
STATES = (DRAFT, PUBLISHED, RETIRED)


class CatalogVersion(Base):
    """One numbered version of one office's catalog, with the SK (decree) that set it."""

    __tablename__ = "catalog_versions"
    __table_args__ = (UniqueConstraint("office", "number", name="uq_catalog_versions_office_number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    office: Mapped[str] = mapped_column(String(64))
    number: Mapped[int] = mapped_column(Integer)  # 1, 2, 3… per office
    state: Mapped[str] = mapped_column(String(16), default=DRAFT)  # one of STATES
    sk_number: Mapped[str | None] = mapped_column(String(120))  # e.g. "KEP-22/2023"
    sk_date: Mapped[date | None] = mapped_column(Date)
    source: Mapped[str] = mapped_column(String(200))  # "seed", "import: file.docx", "dashboard", …
    body: Mapped[str] = mapped_column(Text)  # JSON text; use .data
    created_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=now)
    published_by: Mapped[int | None] = mapped_column(ForeignKey("staff_users.id"))
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    note: Mapped[str | None] = mapped_column(String(500))

    @property
    def data(self) -> dict[str, Any]:
        """The catalog body as a dict (the YAML file's shape)."""
        return json.loads(self.body)

    def __repr__(self) -> str:
        return f"<CatalogVersion {self.office} #{self.number} {self.state}>"
