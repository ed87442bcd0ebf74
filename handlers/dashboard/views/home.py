"""Beranda: today per office (issue 20 §1), each count a link to the list it counts; then the last 24 hours
of WhatsApp in the offices this user sees. An admin also sees what the office has still to confirm (its
assumed opening hours, a landline WhatsApp sender), with a link to the office's profile.

A role sees only the counts of the lists it may open: guests for the desk, citizens waiting for an officer
and complaints for the desk and complaint handlers, the messages that did not arrive as the messages page
shows them to this role. A viewer sees the WhatsApp activity only (counts, no personal data). The counts
are read by bot/dashboard/today.py with the lists' own queries. The simulator's requests for an officer are
practice, not citizens: Today counts them apart, under their "SIMULASI" badge.

The desk also sees the guests waiting for their host against the office's own Standar Pelayanan (issue 20 §6):
from the guest book's own list of the day, measured by bot/visits/standard.py. The minutes tick in the browser
(static/live.js, `data-since`) and a wait crossing the standard is marked there too (`data-over-after`), so
the mark does not wait for the next refresh of the card; a check-in or a host's answer refreshes the card
through the live updates' visits topic, as the guest counts are.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from flask import render_template
from sqlalchemy import func, select

from bot import clock, handoff, simulator
from bot.complaints.deadlines import Targets
from bot.dashboard import guestbook as desk
from bot.dashboard import today
from bot.models import Conversation, InboundMessage, OutboundMessage
from bot.offices import Office
from bot.visits import standard
from handlers.dashboard import access, bp
from handlers.dashboard.views import complaints as complaint_pages
from handlers.dashboard.views import guestbook as guestbook_pages
from handlers.dashboard.views import inbox as inbox_pages
from handlers.dashboard.views import messages as message_pages
from handlers.dashboard.views import office_profile as profile_pages

WINDOW = timedelta(hours=24)


@dataclass(frozen=True)
class OfficeToday:
    """One office's Today; a part is None when this role may not open its list."""

    office: Office
    day: date
    guests: today.Guests | None
    citizens: today.Citizens | None
    longest_wait: str
    complaints: today.Complaints | None
    messages: today.Messages | None
    unconfirmed: tuple[str, ...] | None = None  # what the office's admin has still to confirm (issue 17 §4)
    practice: int = 0  # the simulator's conversations in the inbox: shown with their badge, not counted above
    waits: tuple[standard.Wait, ...] | None = None  # guests waiting for their host, against the standard


def _office_today(office: Office, moment) -> OfficeToday:
    rt = access.runtime()
    requests = handoff.waiting(rt, office.slug) if access.can(inbox_pages.VIEW) else None
    # The simulator's made-up citizens are practice, not citizens (bot/simulator.py): apart, never counted.
    citizens = today.citizens([r for r in requests if not simulator.is_simulated(r.phone)]) \
        if requests is not None else None
    practice = sum(simulator.is_simulated(r.phone) for r in requests or ())
    sees_confidential, sees_general = message_pages.sees_confidential(), message_pages.sees_general()
    with rt.db.session() as s:
        guests = today.guests(s, office, moment) if access.can(guestbook_pages.PERMISSION) else None
        waits = tuple(standard.waits(desk.today(s, office, moment).waiting, office, moment)) \
            if guests is not None else None
        complaints = today.complaints(s, office, moment, Targets.from_config(rt.config)) \
            if access.can(complaint_pages.VIEW) else None
        messages = today.messages(s, office, moment, confidential=sees_confidential, general=sees_general) \
            if access.can(message_pages.PERMISSION) else None
    longest = inbox_pages.duration(citizens.longest_since, moment) if citizens and citizens.longest_since else ""
    unconfirmed = office.unconfirmed if access.can(profile_pages.PERMISSION) else None
    return OfficeToday(office, office.local(moment).date(), guests, citizens, longest, complaints, messages,
                       unconfirmed, practice=practice, waits=waits)


def _activity(slugs: list[str], moment) -> dict[str, int]:
    since = moment - WINDOW
    with access.runtime().db.session() as s:
        conversations = s.scalar(select(func.count()).select_from(Conversation).where(
            Conversation.office.in_(slugs), Conversation.last_inbound_at >= since))
        inbound = s.scalar(select(func.count()).select_from(InboundMessage).where(
            InboundMessage.office.in_(slugs), InboundMessage.received_at >= since))
        outbound = s.scalar(select(func.count()).select_from(OutboundMessage).where(
            OutboundMessage.office.in_(slugs), OutboundMessage.created_at >= since))
    return {"conversations": conversations or 0, "inbound": inbound or 0, "outbound": outbound or 0}


@bp.get("/")
@access.require("home")
def home():
    moment = clock.now()
    slugs = access.office_slugs()
    rt = access.runtime()
    offices = [o for o in (rt.offices.get(slug) for slug in slugs) if o is not None]
    days = [_office_today(o, moment) for o in offices]
    shown = [d for d in days if any((d.guests, d.citizens, d.complaints, d.messages, d.unconfirmed))]
    return render_template("dashboard/home.html", days=shown, counts=_activity(slugs, moment),
                           choose=access.selected_office() is None and len(offices) > 1, now=moment,
                           duration=inbox_pages.duration)
