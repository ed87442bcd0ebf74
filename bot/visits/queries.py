"""Reads of the guest book for flows, jobs and the desk (writes are bot/visits/service.py's)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import statuses
from bot.clock import as_utc
from bot.models import OutboundMessage
from bot.models.visits import Visit
from bot.visits.model import AWAITING_HOST, OPEN, PROPOSED
from bot.visits.security import new_code


def as_dict(visit: Visit, unit_name: str | None = None) -> dict:
    """What notices and summaries need (JSON-friendly except the datetimes)."""
    return {"id": visit.id, "code": visit.code, "name": visit.name, "id_type": visit.id_type,
            "id_masked": visit.id_masked, "purpose": visit.purpose, "host_name": visit.host_name,
            "host_phone": visit.host_phone, "unit": visit.unit, "unit_name": unit_name or visit.unit,
            "scheduled_at": as_utc(visit.scheduled_at), "status": visit.status,
            "proposed_at": as_utc(visit.proposed_at) if visit.proposed_at else None,
            "citizen_phone": visit.citizen_phone, "citizen_lang": visit.citizen_lang,
            "host_reason": visit.host_reason}


def pending_for_host(session: Session, office: str, number: str) -> list[Visit]:
    """Visits waiting for this employee's answer, oldest first."""
    return list(session.scalars(select(Visit).where(
        Visit.office == office, Visit.host_phone == number, Visit.status == AWAITING_HOST).order_by(Visit.id)))


def open_for_citizen(session: Session, office: str, number: str, now: datetime) -> list[Visit]:
    """The citizen's visits still ahead (or proposed), soonest first."""
    rows = session.scalars(select(Visit).where(
        Visit.office == office, Visit.citizen_phone == number, Visit.status.in_(OPEN)).order_by(Visit.scheduled_at))
    return [v for v in rows if v.status == PROPOSED or as_utc(v.scheduled_at) > now]


def proposed_for_citizen(session: Session, office: str, number: str) -> list[Visit]:
    # Asked of every short "ya"/"1" a citizen sends, and almost always empty: the ids first (one index
    # lookup), the visits with their joined photo and host only when there are any.
    ids = list(session.scalars(select(Visit.id).where(
        Visit.office == office, Visit.citizen_phone == number, Visit.status == PROPOSED)))
    if not ids:
        return []
    return list(session.scalars(select(Visit).where(Visit.id.in_(ids)).order_by(Visit.id)))


def code_in_use(session: Session, office: str, code: str) -> bool:
    return session.scalar(select(Visit.id).where(Visit.office == office, Visit.code == code)) is not None


def free_code(session: Session, office: str) -> str:
    """A visit code not used by this office yet (25^6 ≈ 244 million codes: a retry is rare)."""
    for _ in range(20):
        code = new_code()
        if not code_in_use(session, office, code):
            return code
    raise RuntimeError("no free visit code after 20 tries")



def notice_status(session: Session, outbox_id: int | None) -> str:
    """What became of a host notice: "none" (never sent), "sent", "delivered", "read" or "failed"."""
    if outbox_id is None:
        return "none"
    status = session.scalar(select(OutboundMessage.status).where(OutboundMessage.id == outbox_id))
    if status in ("read", "delivered"):
        return status
    if status in statuses.FAILURES:
        return "failed"
    return "sent"


def visit_of_notice(session: Session, office: str, twilio_sid: str) -> Visit | None:
    """The visit whose host notice is the message with this Twilio SID (the one a host tapped)."""
    outbox_id = session.scalar(select(OutboundMessage.id).where(OutboundMessage.twilio_sid == twilio_sid))
    if outbox_id is None:
        return None
    return session.scalar(select(Visit).where(Visit.office == office, Visit.host_notice_outbox_id == outbox_id))
