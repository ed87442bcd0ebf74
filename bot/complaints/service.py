"""Complaint records: filing, handling steps (each an event with who and when), notices to the citizen.

Every function writes with the caller's session and returns a `Done`: after the caller commits,
`dispatch(runtime.outbox, done)` enqueues its notices and schedules its jobs (the automatic close of
an answered complaint). Nothing here commits.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from bot.clock import as_utc
from bot.clock import now as clock_now
from bot.complaints import model, text
from bot.complaints.deadlines import Targets, deadlines
from bot.complaints.model import InvalidTransition
from bot.complaints.tickets import next_number
from bot.effects import Job
from bot.i18n import Messages
from bot.masking import mask_phone
from bot.models.complaints import Complaint, ComplaintAttachment, ComplaintEvent
from bot.offices import Office
from bot.outbox import Outbox
from config.settings import Config

logger = logging.getLogger(__name__)

CITIZEN, SYSTEM = "citizen", "system"
AUTOCLOSE_JOB = "bot.complaints.jobs.autoclose_one"


@dataclass
class Draft:
    """What the citizen told the complaint flow."""

    category: str
    description: str
    subject_unit: str | None = None
    subject_text: str | None = None
    confidential: bool = False
    anonymous: bool = False
    reporter_name: str | None = None
    consent_at: datetime | None = None


@dataclass
class Done:
    """What a step wrote: the complaint, its event, outbox rows and jobs for after the commit."""

    complaint: Complaint
    event: ComplaintEvent | None = None
    outbox_ids: list[int] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)


def dispatch(outbox: Outbox, done: Done) -> None:
    """After the caller's commit: send the notices, schedule the jobs."""
    outbox.enqueue(done.outbox_ids)
    outbox.schedule(done.jobs)


RECEIPT, UPDATE = "complaint_receipt", "complaint_update"  # the kinds of notice


def template_sid(config: Config, kind: str) -> str | None:
    """The approved WhatsApp template for this kind of notice outside the 24-hour window (None: held)."""
    sid = config.COMPLAINT_RECEIPT_CONTENT_SID if kind == RECEIPT else config.COMPLAINT_UPDATE_CONTENT_SID
    return sid or None


def _notice(session: Session, outbox: Outbox, office: Office, complaint: Complaint, body: str, kind: str,
            values: dict[str, str], config: Config) -> list[int]:
    """A worker-sent notice. `values` are named in the template's order (config/whatsapp_templates.yaml):
    the sender fills Loket's template with them; an office's own SID setting gets them numbered in
    that order. Never empty (Twilio refuses empty variables: 21656)."""
    values = {name: (value or "").strip() or "-" for name, value in values.items()}
    rows = outbox.record_notice(
        session, office=office, to=complaint.phone, body=body, kind=kind, conversation_id=complaint.conversation_id,
        content_sid=template_sid(config, kind),
        content_variables={str(i): value for i, value in enumerate(values.values(), 1)},
        template_values=values, lang=complaint.lang)
    return [r.id for r in rows]


def file_complaint(session: Session, outbox: Outbox, office: Office, draft: Draft, *, phone: str,
                   conversation_id: int | None, config: Config, lang: str = "id", now: datetime | None = None,
                   msgs: Messages | None = None) -> Done:
    """Record a complaint with its ticket number, link the media sent while describing it, send the receipt."""
    if draft.category not in model.CATEGORIES:
        raise ValueError(f"unknown category {draft.category!r}")
    now = now or clock_now()
    msgs = msgs or text.messages()
    year = office.local(now).year
    seq = next_number(session, office.slug, year)
    confidential = draft.confidential or draft.category in (model.CATEGORY_PUNGLI, model.CATEGORY_INTELLIGENCE)
    complaint = Complaint(
        ticket=model.ticket_number(office.code, year, seq), office=office.slug, year=year, seq=seq,
        conversation_id=conversation_id, phone=phone, lang=lang,
        reporter_name=None if draft.anonymous else draft.reporter_name, category=draft.category,
        subject_unit=draft.subject_unit, subject_text=draft.subject_text, description=draft.description,
        confidential=confidential, anonymous=draft.anonymous, consent_at=draft.consent_at,
        status=model.RECEIVED, received_at=now, updated_at=now)
    session.add(complaint)
    session.flush()
    if conversation_id is not None:
        session.execute(update(ComplaintAttachment).where(
            ComplaintAttachment.conversation_id == conversation_id, ComplaintAttachment.complaint_id.is_(None)).values(
            complaint_id=complaint.id))
    key = "complaint.notice.intel_receipt" if draft.category == model.CATEGORY_INTELLIGENCE else \
        "complaint.notice.receipt"
    body = text.render(msgs, lang, office, key, ticket=complaint.ticket, channels=text.channels(office))
    ids = _notice(session, outbox, office, complaint, body, RECEIPT,
                  {"ticket": complaint.ticket, "office": office.name}, config)
    event = ComplaintEvent(complaint_id=complaint.id, kind="status", from_status=None, to_status=model.RECEIVED,
                           actor=CITIZEN, public=True, notice_ids=ids, at=now)
    session.add(event)
    session.flush()
    logger.info("complaint %s filed (%s)", complaint.ticket, complaint.category)
    return Done(complaint, event, ids)


def status_label(msgs: Messages, lang: str, status: str) -> str:
    return msgs.text(lang, f"complaint.status.{status}")


def transition(session: Session, outbox: Outbox, office: Office, complaint: Complaint, to_status: str, *,
               actor: str, config: Config, note: str | None = None, public_note: str | None = None,
               unit: str | None = None, reason: str | None = None, now: datetime | None = None,
               msgs: Messages | None = None, notify: bool = True) -> Done:
    """Move a complaint one step; the citizen is told (with the public note, the unit, or the reason).

    Raises InvalidTransition for a step its status does not allow, an assignment without a unit of
    the office, or a rejection without a reason. Closing offers the SKM survey."""
    if to_status not in model.TRANSITIONS.get(complaint.status, ()):
        raise InvalidTransition(f"{complaint.ticket}: {complaint.status} → {to_status} is not allowed")
    if to_status == model.ASSIGNED and text.unit_name(office, unit) is None:
        raise InvalidTransition(f"{complaint.ticket}: assign to a unit of {office.slug}, not {unit!r}")
    if to_status == model.REJECTED and not (reason or "").strip():
        raise InvalidTransition(f"{complaint.ticket}: a rejection needs a reason")
    now = now or clock_now()
    msgs = msgs or text.messages()
    previous = complaint.status
    complaint.status, complaint.updated_at = to_status, now
    if to_status == model.VERIFIED:
        complaint.verified_at = now
    elif to_status == model.ASSIGNED:
        complaint.assigned_unit, complaint.assigned_at = unit, now
    elif to_status in model.ANSWERED_STATUSES:
        complaint.answered_at = now
    elif to_status == model.IN_PROGRESS and previous == model.RESOLVED:
        complaint.answered_at = None  # reopened: the answer clock starts again
    elif to_status == model.CLOSED:
        complaint.closed_at = now
    if to_status == model.REJECTED:
        complaint.reject_reason = reason.strip()
    if public_note:
        complaint.public_note = public_note.strip()
    ids: list[int] = []
    if notify:
        ids = _notice(session, outbox, office, complaint, update_text(msgs, office, complaint, public_note, config),
                      UPDATE, {"ticket": complaint.ticket, "status": status_label(msgs, complaint.lang, to_status),
                               "note": (public_note or complaint.reject_reason or "")[:500]}, config)
    event = ComplaintEvent(complaint_id=complaint.id, kind="status", from_status=previous, to_status=to_status,
                           actor=actor, note="\n".join(x for x in (note, public_note, reason) if x) or None,
                           public=bool(public_note) or to_status == model.REJECTED, notice_ids=ids, at=now)
    session.add(event)
    session.flush()
    if to_status == model.CLOSED:
        from bot.survey.service import offer_survey

        invitation = offer_survey(session, outbox, office, phone=complaint.phone, event_kind="complaint",
                                  event_ref=complaint.ticket, lang=complaint.lang, now=now, msgs=msgs,
                                  conversation_id=complaint.conversation_id, config=config)
        if invitation is not None:
            ids += invitation.notice_ids
    jobs = []
    if to_status in model.ANSWERED_STATUSES:
        due = deadlines(complaint, office, Targets.from_config(config)).autoclose_due
        jobs.append(Job(AUTOCLOSE_JOB, (complaint.id,), at=due))
    logger.info("complaint %s: %s → %s by %s", complaint.ticket, previous, to_status, actor)
    return Done(complaint, event, ids, jobs)


def update_text(msgs: Messages, office: Office, complaint: Complaint, public_note: str | None,
                config: Config) -> str:
    lang = complaint.lang
    parts = [text.render(msgs, lang, office, "complaint.notice.update", ticket=complaint.ticket,
                         status=status_label(msgs, lang, complaint.status))]
    if complaint.status == model.ASSIGNED:
        parts.append(text.render(msgs, lang, office, "complaint.notice.unit",
                                 unit=text.unit_name(office, complaint.assigned_unit) or complaint.assigned_unit))
    if public_note:
        parts.append(text.render(msgs, lang, office, "complaint.notice.note", note=public_note.strip()))
    if complaint.status == model.REJECTED:
        parts.append(text.render(msgs, lang, office, "complaint.notice.reason", reason=complaint.reject_reason))
    if complaint.status in model.ANSWERED_STATUSES:
        days = config.COMPLAINT_AUTOCLOSE_DAYS
        parts.append(text.render(msgs, lang, office, "complaint.notice.answered", ticket=complaint.ticket, days=days))
    if complaint.status == model.CLOSED:
        parts.append(text.render(msgs, lang, office, "complaint.notice.closed", channels=text.channels(office)))
    else:
        parts.append(text.render(msgs, lang, office, "complaint.notice.check", ticket=complaint.ticket))
    return "\n\n".join(parts)


def add_note(session: Session, outbox: Outbox, office: Office, complaint: Complaint, *, actor: str, note: str,
             config: Config, public: bool = False, now: datetime | None = None,
             msgs: Messages | None = None) -> Done:
    """An officer's note; a public one becomes the latest note the citizen sees, and is sent to them."""
    now = now or clock_now()
    ids: list[int] = []
    if public:
        msgs = msgs or text.messages()
        complaint.public_note, complaint.updated_at = note.strip(), now
        ids = _notice(session, outbox, office, complaint, update_text(msgs, office, complaint, note, config),
                      UPDATE, {"ticket": complaint.ticket,
                               "status": status_label(msgs, complaint.lang, complaint.status),
                               "note": note[:500]}, config)
    event = ComplaintEvent(complaint_id=complaint.id, kind="note", from_status=complaint.status,
                           to_status=complaint.status, actor=actor, note=note, public=public, notice_ids=ids, at=now)
    session.add(event)
    session.flush()
    return Done(complaint, event, ids)


def refer_to_lapor(session: Session, outbox: Outbox, office: Office, complaint: Complaint, *, actor: str,
                   config: Config, lapor_ref: str | None = None, now: datetime | None = None,
                   msgs: Messages | None = None) -> Done:
    """Give the citizen the SP4N-LAPOR! route, quoting the ticket (and LAPOR!'s own id once known)."""
    now = now or clock_now()
    msgs = msgs or text.messages()
    if lapor_ref:
        complaint.lapor_ref = lapor_ref.strip()
    body = text.render(msgs, complaint.lang, office, "complaint.notice.lapor", ticket=complaint.ticket,
                       reference=complaint.lapor_ref or complaint.ticket)
    ids = _notice(session, outbox, office, complaint, body, UPDATE,
                  {"ticket": complaint.ticket, "status": "SP4N-LAPOR!", "note": complaint.lapor_ref or ""}, config)
    event = ComplaintEvent(complaint_id=complaint.id, kind="lapor", from_status=complaint.status,
                           to_status=complaint.status, actor=actor, note=complaint.lapor_ref, public=True,
                           notice_ids=ids, at=now)
    session.add(event)
    session.flush()
    return Done(complaint, event, ids)


def record_citizen_reply(session: Session, complaint: Complaint, message: str, now: datetime | None = None) -> Done:
    """The citizen answered about their complaint (e.g. not satisfied): it will not close on its own."""
    event = ComplaintEvent(complaint_id=complaint.id, kind="citizen_reply", from_status=complaint.status,
                           to_status=complaint.status, actor=CITIZEN, note=message[:2000], public=False,
                           at=now or clock_now())
    session.add(event)
    session.flush()
    return Done(complaint, event)


# -- reading ---------------------------------------------------------------------------------------
def find_for_citizen(session: Session, office: str, ticket: str, phone: str) -> Complaint | None:
    """Only the number that filed it sees a complaint (officers read it on the dashboard)."""
    return session.scalar(select(Complaint).where(
        Complaint.office == office, Complaint.ticket == ticket.upper(), Complaint.phone == phone))


def recent_for_citizen(session: Session, office: str, phone: str, limit: int = 5) -> list[Complaint]:
    return list(session.scalars(select(Complaint).where(Complaint.office == office, Complaint.phone == phone)
                                .order_by(Complaint.id.desc()).limit(limit)))


def citizen_status(msgs: Messages, lang: str, office: Office, complaint: Complaint) -> str:
    """What the citizen reads for "status <ticket>": status, dates in office time, the latest public note."""
    received = office.local(as_utc(complaint.received_at)).strftime("%d-%m-%Y %H.%M")
    parts = [text.render(msgs, lang, office, "complaint.view.header", ticket=complaint.ticket,
                         status=status_label(msgs, lang, complaint.status), received=received,
                         zone=office.zone_abbr, category=msgs.text(lang, f"complaint.category.{complaint.category}"))]
    if complaint.assigned_unit:
        parts.append(text.render(msgs, lang, office, "complaint.notice.unit",
                                 unit=text.unit_name(office, complaint.assigned_unit) or complaint.assigned_unit))
    if complaint.public_note:
        parts.append(text.render(msgs, lang, office, "complaint.notice.note", note=complaint.public_note))
    if complaint.status == model.REJECTED and complaint.reject_reason:
        parts.append(text.render(msgs, lang, office, "complaint.notice.reason", reason=complaint.reject_reason))
    footer = text.render(msgs, lang, office, "complaint.view.footer", channels=text.channels(office))
    return "\n".join(parts) + "\n\n" + footer


def reporter_view(complaint: Complaint, may_see_identity: bool) -> dict[str, str | None]:
    """The reporter as a viewer may see them: complaint handlers see a confidential reporter; nobody
    sees an anonymous one's name, and their number is masked for everyone."""
    if complaint.anonymous:
        return {"name": None, "phone": mask_phone(complaint.phone), "identity": "anonymous"}
    if complaint.confidential and not may_see_identity:
        return {"name": None, "phone": None, "identity": "confidential"}
    return {"name": complaint.reporter_name, "phone": complaint.phone,
            "identity": "confidential" if complaint.confidential else "open"}
