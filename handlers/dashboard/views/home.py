"""The home page: what happened in the last 24 hours in the offices this user sees (counts only)."""

from __future__ import annotations

from datetime import timedelta

from flask import render_template
from sqlalchemy import func, select

from bot import clock, statuses
from bot.models import Conversation, InboundMessage, OutboundMessage
from handlers.dashboard import access, bp

WINDOW = timedelta(hours=24)


@bp.get("/")
@access.require("home")
def home():
    since = clock.now() - WINDOW
    slugs = access.office_slugs()
    with access.runtime().db.session() as s:
        conversations = s.scalar(select(func.count()).select_from(Conversation).where(
            Conversation.office.in_(slugs), Conversation.last_inbound_at >= since))
        inbound = s.scalar(select(func.count()).select_from(InboundMessage).where(
            InboundMessage.office.in_(slugs), InboundMessage.received_at >= since))
        outbound = s.scalar(select(func.count()).select_from(OutboundMessage).where(
            OutboundMessage.office.in_(slugs), OutboundMessage.created_at >= since))
        problems = s.scalar(select(func.count()).select_from(OutboundMessage).where(
            OutboundMessage.office.in_(slugs), OutboundMessage.created_at >= since,
            OutboundMessage.status.in_(statuses.FAILURES)))
    counts = {"conversations": conversations or 0, "inbound": inbound or 0, "outbound": outbound or 0,
              "problems": problems or 0}
    return render_template("dashboard/home.html", counts=counts)
