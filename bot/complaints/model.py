"""The complaint's vocabulary: categories, statuses and the transitions allowed between them."""

from __future__ import annotations

import re

from bot.exceptions import LoketError
from bot.offices import Office

CATEGORY_SERVICE = "service"
CATEGORY_CONDUCT = "conduct"
CATEGORY_INTELLIGENCE = "intelligence"  # seed 003: must still be made in writing
CATEGORY_PUNGLI = "pungli"  # illegal fees or gratification: confidential by default
CATEGORY_OTHER = "other"
CATEGORIES = (CATEGORY_SERVICE, CATEGORY_CONDUCT, CATEGORY_INTELLIGENCE, CATEGORY_PUNGLI, CATEGORY_OTHER)
INTELLIGENCE_UNIT = "intelijen"

RECEIVED, VERIFIED, ASSIGNED, IN_PROGRESS = "received", "verified", "assigned", "in_progress"
RESOLVED, REJECTED, CLOSED = "resolved", "rejected", "closed"
STATUSES = (RECEIVED, VERIFIED, ASSIGNED, IN_PROGRESS, RESOLVED, REJECTED, CLOSED)
OPEN_STATUSES = (RECEIVED, VERIFIED, ASSIGNED, IN_PROGRESS)
ANSWERED_STATUSES = (RESOLVED, REJECTED)

# received → verified → assigned to a unit → in follow-up → resolved or rejected (with reason) → closed.
# A resolved complaint may go back to follow-up when the citizen is not satisfied.
TRANSITIONS: dict[str, tuple[str, ...]] = {
    RECEIVED: (VERIFIED, REJECTED),
    VERIFIED: (ASSIGNED, REJECTED),
    ASSIGNED: (IN_PROGRESS, RESOLVED, REJECTED),
    IN_PROGRESS: (RESOLVED, REJECTED),
    RESOLVED: (IN_PROGRESS, CLOSED),
    REJECTED: (CLOSED,),
    CLOSED: (),
}

TICKET_PATTERN = re.compile(r"\b([A-Za-z]{2,8})[-\s.]{1,3}(\d{4})[-\s.]{1,3}(\d{4,9})\b")  # "klk 2026 000123" too


class InvalidTransition(LoketError):
    """A step the complaint's current status does not allow, or one missing what it needs."""


def categories_for(office: Office) -> tuple[str, ...]:
    """The intelligence category only where the office has an intelligence section (Kejaksaan)."""
    has_intel = any(u.slug == INTELLIGENCE_UNIT for u in office.units)
    return tuple(c for c in CATEGORIES if c != CATEGORY_INTELLIGENCE or has_intel)


def parse_ticket(text: str) -> str | None:
    """The first ticket number in `text`, upper-cased (e.g. "klk-2026-000123" → "KLK-2026-000123")."""
    match = TICKET_PATTERN.search(text or "")
    return "-".join(match.groups()).upper() if match else None


def ticket_number(code: str, year: int, seq: int) -> str:
    return f"{code}-{year}-{seq:06d}"
