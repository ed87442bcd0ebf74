"""WhatsApp's customer-service window, the one rule for every sender in Loket.

A business may send free text to a person only within 24 hours of that person's last message to it;
after that only an approved template goes (Twilio error 63016 otherwise). The clock is
`Conversation.last_inbound_at`, per office number and person.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from bot import defaults
from bot.clock import as_utc
from bot.models import Conversation

LENGTH = timedelta(seconds=defaults.WHATSAPP_WINDOW_SECONDS)


@dataclass(frozen=True)
class Window:
    """Free text may go until `closes_at` (None: the person never wrote)."""

    open: bool
    closes_at: datetime | None


def window_after(last_inbound_at: datetime | None, moment: datetime) -> Window:
    if last_inbound_at is None:
        return Window(False, None)
    closes = as_utc(last_inbound_at) + LENGTH
    return Window(moment < closes, closes)


def window_of(session: Session, office: str, address: str, moment: datetime) -> Window:
    """The window of one person (a phone number or a WhatsApp user ID, linked or not) with one office's number."""
    # Each side of the OR names the office, so that each finds its rows by its own index (the office's
    # numbers, the user IDs): with the office outside the OR, SQLite read all the office's conversations.
    last = session.scalar(select(Conversation.last_inbound_at).where(or_(
        (Conversation.office == office) & (Conversation.phone == address),
        (Conversation.office == office) & (Conversation.bsuid == address)))
        .order_by(Conversation.last_inbound_at.desc()).limit(1))
    return window_after(last, moment)
