"""The WhatsApp simulator: an office's staff chat with Loket as a made-up citizen or as one of their
employees, through the same inbox and engine as a real message, without Twilio.

A simulated person is an address that no real WhatsApp user can have: `sim:` followed by letters,
digits and dashes (a phone number has none of those letters, a BSUID starts with two capitals and a
dot, bot/phone.py). Everything a simulated address writes is recorded, processed once and answered
through the outbox like any message; the sender (bot/sender.py) delivers a row to a simulated address
into the simulator instead of Twilio (`twilio_sid` "SIM…", status delivered).

An employee chatted as from the simulator is never their real number: the flows of a simulated
conversation see the directory with every employee's number replaced by their simulated address
(`staff_view`), so a simulated visit's host is `sim:p-<key>`, its notice reaches the simulator, and
the real employee's phone hears nothing. The simulated address is the mark: reports, Today, the guest
book's lists and the complaint queues leave out rows whose address is simulated (`real`), and the
transcripts flag them (`is_simulated`). A simulated request for an officer is practice for the desk: the
handoff inbox lists it with the "SIMULASI" badge, and Today shows it apart with the same badge, never in its
counts of citizens waiting or being served.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, replace
from datetime import datetime

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import Session

from bot import phone
from bot.clock import as_utc
from bot.employees import Employee, Staff
from bot.inbound import Inbound, Location, Media
from bot.models import InboundMessage, OutboundMessage

PREFIX = phone.SIMULATED_PREFIX
CITIZEN = PREFIX + "w-"
EMPLOYEE = PREFIX + "p-"
SID_PREFIX = "SIM"  # the MessageSid of a simulated message, the `twilio_sid` of a row the simulator delivered
# Visit.host_phone is 32 characters: a longer employee key is shortened to a stable digest.
ALIAS_LENGTH = 32
# Letters and dashes only: a digit would let a lenient phone parser read a number into it.
_ADDRESS = re.compile(r"sim:[a-z]-[a-z-]{1,40}")
_NO_DIGITS = str.maketrans("0123456789", "abcdefghij")
# A numbered option in a reply's text ("1. Daftar kunjungan", "2) Pengaduan", "1️⃣ …").
_OPTION = re.compile(r"^\s*\*?(\d{1,2})\s*(?:[.)]|\ufe0f\u20e3)\*?\s+(.+?)\s*$")


def is_simulated(address: str | None) -> bool:
    return bool(address) and address.startswith(PREFIX)


def real(column) -> ColumnElement[bool]:
    """A WHERE clause keeping real people's rows only (reports, Today, lists, queues)."""
    return or_(column.is_(None), column.not_like(PREFIX + "%"))


def only_simulated(column) -> ColumnElement[bool]:
    return column.like(PREFIX + "%")


def valid(address: str | None) -> bool:
    return bool(address) and _ADDRESS.fullmatch(address) is not None


def new_citizen() -> str:
    """A fresh made-up citizen: a new conversation from the menu on."""
    return CITIZEN + secrets.token_hex(5).translate(_NO_DIGITS)


def employee_address(key: str) -> str:
    alias = EMPLOYEE + re.sub(r"[^a-z-]+", "-", key.lower().translate(_NO_DIGITS))
    if len(alias) <= ALIAS_LENGTH:
        return alias
    return EMPLOYEE + hashlib.sha256(key.encode()).hexdigest()[:16].translate(_NO_DIGITS)


def staff_view(staff: Staff) -> Staff:
    """The directory as a simulated conversation sees it: every employee reachable at their simulated
    address only, so nothing a simulated conversation causes can reach a real employee's phone."""
    def alias(person: Employee) -> Employee:
        return replace(person, whatsapp=employee_address(person.key))

    return replace(staff, employees=tuple(alias(e) for e in staff.employees),
                   desk_officers=tuple(alias(e) for e in staff.desk_officers))


def message_sid() -> str:
    return SID_PREFIX + secrets.token_hex(16)


def inbound(office_number: str, address: str, *, text: str = "", media_url: str | None = None,
            location: Location | None = None, tap: str | None = None, replied_sid: str | None = None,
            profile_name: str | None = None) -> Inbound:
    """What Twilio would have posted for this message, as the webhook's parse gives it."""
    if not valid(address):
        raise ValueError("not a simulated address")
    media = (Media(url=media_url, content_type="image/jpeg"),) if media_url else ()
    return Inbound(message_sid=message_sid(), from_number=address, to_number=f"whatsapp:{office_number}",
                   body=text, media=media, profile_name=profile_name, button_payload=tap,
                   replied_sid=replied_sid if tap else None, location=location)


@dataclass(frozen=True)
class Choice:
    id: str  # what a tap sends: the button's id, or the option's number as typed
    title: str
    tap: bool  # a button (ButtonPayload) rather than a typed number


@dataclass(frozen=True)
class Bubble:
    """One message of a simulated chat, either way."""

    id: str  # "i12" / "o34", unique in the feed
    mine: bool  # written by the simulated person
    body: str
    at: datetime
    kind: str
    media: tuple[str, ...] = ()
    choices: tuple[Choice, ...] = ()
    sid: str | None = None  # the delivered message's SID: a tap on its buttons names it
    status: str = ""


def choices_in(body: str, interactive: dict | None) -> tuple[Choice, ...]:
    """A reply's choices as the phone would show them: its buttons or list, else its numbered lines."""
    if interactive and interactive.get("choices"):
        return tuple(Choice(str(c["id"]), str(c["title"]), True) for c in interactive["choices"])
    found = []
    for line in (body or "").splitlines():
        match = _OPTION.match(line)
        if match and int(match.group(1)) == len(found) + 1:
            found.append(Choice(match.group(1), match.group(2).strip("*"), False))
    return tuple(found) if len(found) >= 2 else ()


SHOWN = ("answered", "delivered", "sent", "read")


def feed(session: Session, office: str, address: str, limit: int = 200) -> list[Bubble]:
    """The chat of one simulated address with the office: what it wrote, the bot's replies and what the
    worker delivered to it (notices), oldest first. Rows still waiting for the worker are left out."""
    ins = session.scalars(select(InboundMessage).where(
        InboundMessage.office == office, InboundMessage.from_number == address)
        .order_by(InboundMessage.id.desc()).limit(limit))
    outs = session.scalars(select(OutboundMessage).where(
        OutboundMessage.office == office, OutboundMessage.to_number == address,
        OutboundMessage.status.in_(SHOWN)).order_by(OutboundMessage.id.desc()).limit(limit))
    bubbles = [Bubble(f"i{r.id}", True, r.body, as_utc(r.received_at), "inbound",
                      tuple(m.get("url", "") for m in r.media or ())) for r in ins]
    bubbles += [Bubble(f"o{r.id}", False, r.body, as_utc(r.created_at), r.kind, tuple(r.media_urls or ()),
                       choices_in(r.body, r.interactive), r.twilio_sid, r.status) for r in outs]
    return sorted(bubbles, key=lambda b: (b.at, 0 if b.mine else 1, int(b.id[1:])))[-limit:]


def waiting(session: Session, office: str, address: str) -> int:
    """Messages to this address the worker has not delivered yet (the page says "sedang dikirim")."""
    return len(list(session.scalars(select(OutboundMessage.id).where(
        OutboundMessage.office == office, OutboundMessage.to_number == address,
        OutboundMessage.status.in_(("pending", "retrying", "submitting"))))))
