"""Complaints (pengaduan): filing with a ticket per office and year, handling steps with who and
when, the citizen told at each step through the outbox, SP4N-LAPOR! clocks in working days.

The dashboard calls `service.transition(...)` etc. with its own session and enqueues the returned
outbox ids after its commit; flows ask for the "complaint.*" effects (bot/complaints/effects.py).
"""

from bot.complaints.model import (
    CATEGORIES,
    CATEGORY_INTELLIGENCE,
    CATEGORY_PUNGLI,
    OPEN_STATUSES,
    STATUSES,
    TICKET_PATTERN,
    InvalidTransition,
    categories_for,
    parse_ticket,
)

__all__ = ["CATEGORIES", "CATEGORY_INTELLIGENCE", "CATEGORY_PUNGLI", "OPEN_STATUSES", "STATUSES", "TICKET_PATTERN",
           "InvalidTransition", "categories_for", "parse_ticket"]
