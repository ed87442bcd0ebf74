"""The guest book desk (SOP 000 steps 3-10): today's list, check-in by visit code, walk-in guests,
check-out with the survey, reminders to hosts who have not answered, and the CSV export.

The host's answer stays in `Visit.status` (flows/host.py keeps working after the guest arrived);
the desk's stage is `checked_in_at` / `checked_out_at`. Each action commits its own transaction and
then hands the recorded outbox rows and jobs to RQ. An officer's mistake raises `DeskError`, whose
`reason` names a catalog text (`guestbook.errors.<reason>`). No full identity number is stored:
walk-in guests get the masked form and the keyed hash, exactly as the WhatsApp registration does.
"""

from __future__ import annotations

import csv
import io
import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path

from sqlalchemy import and_, or_, select
from sqlalchemy.orm import Session

from bot import phone as phones
from bot.clock import as_utc, now
from bot.effects import Job
from bot.models import OutboundMessage
from bot.models.visits import Consent, Employee, Visit, VisitEvent, VisitPhoto
from bot.offices import Office
from bot.survey.service import offer_survey
from bot.visits import parsing, records, security, settings
from bot.visits.effects import FOLLOWUP_JOB
from bot.visits.notices import HOST_LANG, Notices
from bot.visits.templates import template_for

logger = logging.getLogger(__name__)

CONSENT_VERSION = "desk-visit-2026-11"  # the consent text read out at the desk (guestbook.walkin.consent)
ARRIVAL_KIND = "guest_arrived"          # outbox kind and config/templates.yaml entry of the arrival notice
SURVEY_EVENT = "checkout"
TOKEN_MAX = 32                          # badge number, locker key
PURPOSE_MIN, PURPOSE_MAX = 5, 500
# The photo's first bytes must match its declared type (a renamed file is refused).
_MAGIC = {"image/jpeg": (b"\xff\xd8\xff",), "image/png": (b"\x89PNG\r\n\x1a\n",), "image/webp": (b"RIFF",)}


class DeskError(ValueError):
    """The officer's input cannot be accepted; `reason` names the correction shown."""

    def __init__(self, reason: str, **values: object):
        super().__init__(reason)
        self.reason = reason
        self.values = values


@dataclass
class Today:
    """The day's guest book of one office, in the SOP's order."""

    office: Office
    expected: list[Visit] = field(default_factory=list)   # registered for today, not arrived yet
    waiting: list[Visit] = field(default_factory=list)    # arrived, the host has not accepted (yet)
    with_host: list[Visit] = field(default_factory=list)  # arrived, the host accepted
    done: list[Visit] = field(default_factory=list)       # left, or declined / cancelled


def actor(username: str) -> str:
    return f"desk:{username}"


def day_bounds(office: Office, first: date, last: date | None = None) -> tuple[datetime, datetime]:
    """UTC start and end of the office's local days `first`..`last` (inclusive)."""
    start = datetime.combine(first, time(0, 0), tzinfo=office.zone)
    end = datetime.combine((last or first) + timedelta(days=1), time(0, 0), tzinfo=office.zone)
    return settings.to_utc(start), settings.to_utc(end)


def today(session: Session, office: Office, moment: datetime) -> Today:
    """Visits of the office's local today, plus guests still in the building from earlier days."""
    start, end = day_bounds(office, office.local(moment).date())
    rows = session.scalars(select(Visit).where(Visit.office == office.slug, or_(
        and_(Visit.scheduled_at >= start, Visit.scheduled_at < end),
        and_(Visit.checked_in_at >= start, Visit.checked_in_at < end),
        and_(Visit.checked_in_at.is_not(None), Visit.checked_out_at.is_(None)))).order_by(Visit.scheduled_at))
    book = Today(office)
    for visit in rows.unique():
        if visit.checked_out_at is not None:
            book.done.append(visit)
        elif visit.checked_in_at is not None:
            (book.with_host if visit.status == records.ACCEPTED else book.waiting).append(visit)
        elif visit.status in records.OPEN:
            book.expected.append(visit)
        else:
            book.done.append(visit)
    return book


def escalations(session: Session, slugs: list[str]) -> list[Visit]:
    """Visits whose host never answered and the worker escalated to the desk (SOP 000 step 6)."""
    return list(session.scalars(select(Visit).where(
        Visit.office.in_(slugs), Visit.status == records.AWAITING_HOST, Visit.escalated_at.is_not(None),
        Visit.checked_out_at.is_(None)).order_by(Visit.escalated_at)).unique())


def find_by_code(session: Session, slugs: list[str], text: str) -> list[Visit]:
    """Visits with this code (typed or scanned; case and separators ignored) in these offices."""
    code = security.normal_code(text)
    if len(code) != security.CODE_LENGTH:
        raise DeskError("code_format", length=security.CODE_LENGTH)
    return list(session.scalars(select(Visit).where(Visit.office.in_(slugs), Visit.code == code)).unique())


def events(session: Session, visit_id: int) -> list[VisitEvent]:
    return list(session.scalars(select(VisitEvent).where(VisitEvent.visit_id == visit_id).order_by(VisitEvent.id)))


def host_messages(session: Session, visit: Visit, history: list[VisitEvent]) -> list[OutboundMessage]:
    """The notice and the arrival messages to the host, with their delivery status (SOP 000 step 6:
    the desk makes sure the host read them; a held or failed one means a phone call)."""
    ids = [visit.host_notice_outbox_id] if visit.host_notice_outbox_id else []
    ids += [i for e in history if e.kind == "checked_in" for i in (e.detail or {}).get("outbox") or []]
    if not ids:
        return []
    return list(session.scalars(select(OutboundMessage).where(OutboundMessage.id.in_(ids))
                                .order_by(OutboundMessage.id)))


# -- helpers ---------------------------------------------------------------------------------------
def _token(value: str | None, reason: str, required: bool) -> str | None:
    text = " ".join((value or "").split())
    if not text:
        if required:
            raise DeskError(reason)
        return None
    if len(text) > TOKEN_MAX:
        raise DeskError(reason)
    return text


def _last4(value: str | None) -> str:
    digits = (value or "").strip()
    if not re.fullmatch(r"\d{4}", digits):
        raise DeskError("id_last4")
    return digits


def _event(session: Session, visit: Visit, kind: str, who: str, **detail) -> None:
    session.add(VisitEvent(visit_id=visit.id, kind=kind, actor=who, detail=detail, at=now()))


def _notices(rt, office: Office) -> Notices:
    return Notices(rt.config, office, now(), rt.db)


def _values(notices: Notices, visit: Visit) -> dict[str, object]:
    return {"guest": visit.name, "purpose": visit.purpose, "code": visit.code,
            "identity": f"{visit.id_type.upper()} {visit.id_masked}", "host": visit.host_name or "",
            "when": notices.when(as_utc(visit.scheduled_at), HOST_LANG), "badge": visit.badge_number or "-"}


def _record(rt, session: Session, office: Office, spec: dict) -> list[int]:
    rows = rt.outbox.record_notice(session, office=office, to=spec["to"], body=spec["body"], kind=spec["kind"],
                                   content_sid=spec["content_sid"], content_variables=spec["content_variables"])
    return [r.id for r in rows]


def _arrival_notice(rt, session: Session, office: Office, visit: Visit) -> list[int]:
    """Tell the host the guest is at the desk; a host who has not answered yet is asked to answer."""
    if not visit.host_phone:
        return []
    notices = _notices(rt, office)
    values = _values(notices, visit)
    key = "guestbook.wa.arrived" if visit.status == records.ACCEPTED else "guestbook.wa.arrived_ask"
    # Outside the 24-hour window: the guest_arrived template, else the approved host_notice one
    # ("a guest wishes to meet you": the same facts), so the notice is not held for want of a template.
    own = template_for(settings.config_dir(rt.config), ARRIVAL_KIND, values)[0] is not None
    spec = notices.spec(visit.host_phone, notices.t(HOST_LANG, key, **values), ARRIVAL_KIND, values,
                        template=ARRIVAL_KIND if own else "host_notice")
    return _record(rt, session, office, spec)


def _office(rt, visit: Visit) -> Office:
    office = rt.offices.get(visit.office)
    if office is None:
        raise LookupError(f"visit {visit.id}: unknown office")
    return office


def _load(session: Session, visit_id: int) -> Visit:
    visit = session.get(Visit, visit_id)
    if visit is None:
        raise LookupError(f"visit {visit_id} not found")
    return visit


# -- check-in --------------------------------------------------------------------------------------
def check_in(rt, visit_id: int, *, username: str, badge: str | None, locker: str | None, id_type: str,
             id_last4: str) -> list[int]:
    """SOP 000 steps 3-5: the card handed in (its last 4 digits must match the registration when it is
    the registered document), badge and locker recorded, the host told. Returns the outbox ids."""
    with rt.db.session() as session:
        visit = _load(session, visit_id)
        office = _office(rt, visit)
        if visit.checked_in_at is not None:
            raise DeskError("already_checked_in")
        if visit.status not in records.OPEN:
            raise DeskError("not_open")
        badge_number = _token(badge, "badge", required=True)
        locker_key = _token(locker, "locker", required=False)
        staff = rt.engine.services["directory"].staff(office)
        if id_type not in staff.id_types:
            raise DeskError("id_type")
        last4 = _last4(id_last4)
        if id_type == visit.id_type and visit.id_masked[-4:] != last4:
            raise DeskError("id_mismatch")
        visit.checked_in_at, visit.checked_in_by = now(), username
        visit.badge_number, visit.locker_key = badge_number, locker_key
        visit.id_held_type, visit.id_held_last4 = id_type, last4
        if visit.reminder_outbox_ids:  # the guest is here: no "see you tomorrow" reminder any more
            rt.outbox.cancel(session, visit.reminder_outbox_ids)
            visit.reminder_outbox_ids = []
        ids = _arrival_notice(rt, session, office, visit)
        _event(session, visit, "checked_in", actor(username), host_told=bool(ids), outbox=ids,
               same_document=id_type == visit.id_type)
        session.commit()
    rt.outbox.enqueue(ids)
    logger.info("visit %s checked in by the desk", visit_id)
    return ids


# -- walk-in ---------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Photo:
    content: bytes
    content_type: str


def check_photo(photo: Photo | None) -> str:
    """The stored file's suffix; refuses a missing, oversized or mistyped image (like bot/visits/jobs.py)."""
    if photo is None or not photo.content:
        raise DeskError("photo_missing")
    content_type = (photo.content_type or "").split(";")[0].strip().lower()
    suffix = settings.PHOTO_TYPES.get(content_type)
    if suffix is None or not photo.content.startswith(_MAGIC[content_type]):
        raise DeskError("photo_type")
    if content_type == "image/webp" and photo.content[8:12] != b"WEBP":
        raise DeskError("photo_type")
    if len(photo.content) > settings.PHOTO_MAX_BYTES:
        raise DeskError("photo_size", mb=settings.PHOTO_MAX_BYTES // (1024 * 1024))
    return suffix


def _store_photo(rt, office: Office, photo: Photo, suffix: str) -> tuple[str, int]:
    relative = Path(office.slug) / now().strftime("%Y/%m") / f"{secrets.token_hex(16)}{suffix}"
    target = settings.media_dir(rt.config) / relative
    target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    target.write_bytes(photo.content)
    target.chmod(0o600)
    return str(relative), len(photo.content)


@dataclass(frozen=True)
class WalkIn:
    """What the officer typed for a guest who came without registering."""

    consent: bool
    name: str
    id_type: str
    id_number: str
    purpose: str
    host_key: str
    badge: str | None
    locker: str | None = None
    phone: str | None = None  # the guest's WhatsApp number, for the host's answer and the survey
    lang: str = "id"


def _employee_row(session: Session, office: Office, person) -> Employee | None:
    return session.scalar(select(Employee).where(Employee.office == office.slug, Employee.key == person.key))


def walk_in(rt, office: Office, entry: WalkIn, photo: Photo | None, *, username: str) -> int:
    """A guest entered at the desk: consent, identity (masked + keyed hash), photo, purpose, host; then
    checked in at once and the host told (with the usual reminder and escalation). Returns the visit id."""
    if not entry.consent:
        raise DeskError("consent_required")
    moment = now()
    try:
        name = parsing.full_name(entry.name)
    except parsing.Invalid as exc:
        raise DeskError(exc.reason, **exc.values) from exc
    staff = rt.engine.services["directory"].staff(office)
    if entry.id_type not in staff.id_types:
        raise DeskError("id_type")
    try:
        number = parsing.id_number(entry.id_type, entry.id_number, office.local(moment).date())
    except parsing.Invalid as exc:
        raise DeskError(exc.reason, **exc.values) from exc
    guest_phone = ""
    if (entry.phone or "").strip():
        try:
            guest_phone = phones.normalize(entry.phone or "")
        except phones.InvalidNumber as exc:
            raise DeskError("phone") from exc
    purpose = " ".join(entry.purpose.split())
    if not PURPOSE_MIN <= len(purpose) <= PURPOSE_MAX:
        raise DeskError("purpose_length", min=PURPOSE_MIN, max=PURPOSE_MAX)
    host = next((e for e in staff.employees if e.key == entry.host_key), None)
    if host is None:
        raise DeskError("host")
    badge_number = _token(entry.badge, "badge", required=True)
    locker_key = _token(entry.locker, "locker", required=False)
    suffix = check_photo(photo)
    path, size = _store_photo(rt, office, photo, suffix)  # type: ignore[arg-type]  (checked above)

    ids: list[int] = []
    with rt.db.session() as session:
        consent = Consent(office=office.slug, phone=guest_phone, purpose="visit", text_version=CONSENT_VERSION,
                          lang=entry.lang, accepted=True, at=moment)
        stored = VisitPhoto(office=office.slug, content_type=(photo.content_type or "").split(";")[0].lower(),
                            status="stored", path=path, size=size, attempts=0)
        session.add_all([consent, stored])
        session.flush()
        host_row = _employee_row(session, office, host)
        visit = Visit(office=office.slug, code=records.free_code(session, office.slug), citizen_phone=guest_phone,
                      citizen_lang=entry.lang, name=name, id_type=entry.id_type, id_masked=parsing.mask_id(number),
                      id_hash=security.id_hash(security.secret_key(rt.config), entry.id_type, number),
                      photo_id=stored.id, consent_id=consent.id, purpose=purpose,
                      host_employee_id=host_row.id if host_row else None,
                      host_name=host.name, host_phone=host.whatsapp, unit=host.unit, scheduled_at=moment,
                      status=records.AWAITING_HOST, notice_round=0, reminder_outbox_ids=[], walk_in=True,
                      checked_in_at=moment, checked_in_by=username, badge_number=badge_number,
                      locker_key=locker_key, id_held_type=entry.id_type, id_held_last4=number[-4:],
                      created_at=moment)
        session.add(visit)
        session.flush()
        _event(session, visit, "walk_in", actor(username))
        ids = _arrival_notice(rt, session, office, visit)
        jobs: list[Job] = []
        if ids:
            visit.notice_round, visit.host_notice_outbox_id = 1, ids[0]
            _event(session, visit, "host_notified", "system", round=1)
            jobs = [Job(FOLLOWUP_JOB, (visit.id, 1, "remind"),
                        moment + timedelta(minutes=settings.host_remind_minutes(rt.config))),
                    Job(FOLLOWUP_JOB, (visit.id, 1, "escalate"),
                        moment + timedelta(minutes=settings.host_escalate_minutes(rt.config)))]
        _event(session, visit, "checked_in", actor(username), host_told=bool(ids), outbox=ids, same_document=True)
        session.commit()
        visit_id = visit.id
    rt.outbox.enqueue(ids)
    rt.outbox.schedule(jobs)
    logger.info("walk-in visit %s entered at %s", visit_id, office.slug)
    return visit_id


# -- check-out -------------------------------------------------------------------------------------
def check_out(rt, visit_id: int, *, username: str, id_returned: bool) -> list[int]:
    """SOP 000 steps 8-9: the card given back (recorded), the visit ended, the survey offered on
    WhatsApp when the guest has a number. Returns the survey invitation's outbox ids."""
    with rt.db.session() as session:
        visit = _load(session, visit_id)
        office = _office(rt, visit)
        if visit.checked_in_at is None:
            raise DeskError("not_checked_in")
        if visit.checked_out_at is not None:
            raise DeskError("already_checked_out")
        if visit.id_held_type and not id_returned:
            raise DeskError("id_not_returned")
        moment = now()
        visit.checked_out_at, visit.checked_out_by = moment, username
        if visit.id_held_type:
            visit.id_returned_at = moment
        ids: list[int] = []
        if visit.citizen_phone:
            invitation = offer_survey(session, rt.outbox, office, phone=visit.citizen_phone,
                                      event_kind=SURVEY_EVENT, event_ref=str(visit.id), lang=visit.citizen_lang,
                                      now=moment, conversation_id=visit.conversation_id, config=rt.config)
            ids = list(invitation.notice_ids) if invitation is not None else []
        _event(session, visit, "checked_out", actor(username), id_returned=bool(visit.id_held_type),
               survey=bool(ids))
        session.commit()
    rt.outbox.enqueue(ids)
    return ids


# -- escalations -----------------------------------------------------------------------------------
def _notice_read(session: Session, outbox_id: int | None) -> bool:
    if outbox_id is None:
        return False
    return session.scalar(select(OutboundMessage.status).where(OutboundMessage.id == outbox_id)) == "read"


def remind_host(rt, visit_id: int, *, username: str) -> list[int]:
    """One more reminder to a host who has not answered (the desk's one click). Returns the outbox ids."""
    with rt.db.session() as session:
        visit = _load(session, visit_id)
        office = _office(rt, visit)
        if visit.status != records.AWAITING_HOST:
            raise DeskError("host_answered")
        if not visit.host_phone:
            raise DeskError("host_without_number")
        notices = _notices(rt, office)
        unit_name = next((u.name for u in office.units if u.slug == visit.unit), None)
        spec = notices.host_reminder(records.as_dict(visit, unit_name), visit.host_phone,
                                     read=_notice_read(session, visit.host_notice_outbox_id))
        ids = _record(rt, session, office, spec)
        _event(session, visit, "host_reminded", actor(username), messages=len(ids))
        session.commit()
    rt.outbox.enqueue(ids)
    return ids


# -- export ----------------------------------------------------------------------------------------
CSV_COLUMNS = ("office", "code", "walk_in", "scheduled", "name", "id_type", "id_masked", "guest_whatsapp",
               "purpose", "host", "unit", "host_answer", "status", "checked_in", "checked_in_by", "badge",
               "locker", "id_held", "id_returned", "checked_out", "checked_out_by")


def mask_phone(e164: str | None) -> str:
    """`+62*****1234`: never the whole number in a list or a file."""
    text = e164 or ""
    return f"{text[:3]}*****{text[-4:]}" if len(text) > 7 else "*" * len(text)


def _cell(value: object) -> str:
    """Typed text a spreadsheet will not run as a formula (CSV injection); our own values need no guard."""
    text = "" if value is None else str(value)
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _local(office: Office, moment: datetime | None) -> str:
    return office.local(as_utc(moment)).strftime("%Y-%m-%d %H:%M") if moment else ""


def export_csv(session: Session, offices: list[Office], first: date, last: date) -> tuple[str, int]:
    """The guest book of these offices' local days first..last as CSV (identity masked); (text, rows)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    count = 0
    for office in offices:
        start, end = day_bounds(office, first, last)
        rows = session.scalars(select(Visit).where(Visit.office == office.slug, Visit.scheduled_at >= start,
                                                   Visit.scheduled_at < end).order_by(Visit.scheduled_at))
        for v in rows.unique():
            held = f"{v.id_held_type.upper()} ****{v.id_held_last4}" if v.id_held_type else ""
            writer.writerow([
                office.slug, v.code, "yes" if v.walk_in else "no", _local(office, v.scheduled_at), _cell(v.name),
                v.id_type.upper(), v.id_masked, mask_phone(v.citizen_phone), _cell(v.purpose), _cell(v.host_name),
                _cell(v.unit), v.host_answer or "", v.status, _local(office, v.checked_in_at),
                _cell(v.checked_in_by), _cell(v.badge_number), _cell(v.locker_key), held,
                _local(office, v.id_returned_at), _local(office, v.checked_out_at), _cell(v.checked_out_by)])
            count += 1
    return out.getvalue(), count


def photo_file(rt, visit: Visit) -> tuple[Path, str] | None:
    """The stored photo's file and type, only inside MEDIA_DIR."""
    photo = visit.photo
    if photo is None or photo.status != "stored" or not photo.path:
        return None
    root = settings.media_dir(rt.config).resolve()
    target = (root / photo.path).resolve()
    if root not in target.parents or not target.is_file():
        return None
    return target, photo.content_type or "application/octet-stream"
