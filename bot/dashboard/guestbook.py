"""The guest book desk (SOP 000 steps 3-10): today's (or any day's) list, check-in by visit code, walk-in
guests, check-out with the survey, reminders to hosts who have not answered and the answers they give by
phone, finding a guest by code, badge or name, the visitor slip's QR, and the CSV export.

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
import secrets
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import PurePosixPath

import qrcode
from markupsafe import Markup
from qrcode.image.svg import SvgPathImage
from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from bot import media_store, simulator
from bot import phone as phones
from bot.clock import as_utc, now
from bot.masking import mask_id, mask_nik, mask_phone
from bot.models import OutboundMessage
from bot.models.visits import Visit, VisitEvent
from bot.offices import Office
from bot.visits import desk as desk_items
from bot.visits import model, parsing, security, settings
from bot.visits.model import PURPOSE_MAX, PURPOSE_MIN, InvalidTransition
from bot.visits.service import Done, WalkInRecord, desk_actor, dispatch

logger = logging.getLogger(__name__)

CONSENT_VERSION = "desk-visit-2026-11"  # the consent text read out at the desk (guestbook.walkin.consent)
TOKEN_MAX = desk_items.TOKEN_MAX        # badge, gate pass or locker number
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


actor = desk_actor


def day_bounds(office: Office, first: date, last: date | None = None) -> tuple[datetime, datetime]:
    """UTC start and end of the office's local days `first`..`last` (inclusive)."""
    start = datetime.combine(first, time(0, 0), tzinfo=office.zone)
    end = datetime.combine((last or first) + timedelta(days=1), time(0, 0), tzinfo=office.zone)
    return settings.to_utc(start), settings.to_utc(end)


def today(session: Session, office: Office, moment: datetime) -> Today:
    """Visits of the office's local today, plus guests still in the building from earlier days."""
    start, end = day_bounds(office, office.local(moment).date())
    rows = session.scalars(select(Visit).where(Visit.office == office.slug, simulator.real(Visit.citizen_phone), or_(
        and_(Visit.scheduled_at >= start, Visit.scheduled_at < end),
        and_(Visit.checked_in_at >= start, Visit.checked_in_at < end),
        and_(Visit.checked_in_at.is_not(None), Visit.checked_out_at.is_(None)))).order_by(Visit.scheduled_at))
    return _sorted(office, rows.unique())


def escalations(session: Session, slugs: list[str]) -> list[Visit]:
    """Visits whose host never answered and the worker escalated to the desk (SOP 000 step 6)."""
    return list(session.scalars(select(Visit).where(
        Visit.office.in_(slugs), simulator.real(Visit.citizen_phone), Visit.status == model.AWAITING_HOST,
        Visit.escalated_at.is_not(None),
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
def _handed(setup: desk_items.DeskSetup, values: Mapping[str, object], **known) -> desk_items.Handed:
    """The office's items as the officer typed them (bot/visits/desk.py reads and checks them)."""
    try:
        return desk_items.read(setup, values, **known)
    except desk_items.Invalid as exc:
        raise DeskError(exc.reason, **exc.values) from exc


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
def _commit(rt, session: Session, done: Done) -> Done:
    session.commit()
    dispatch(rt.outbox, done)
    return done


def _refused(exc: InvalidTransition) -> DeskError:
    return DeskError(str(exc))


def check_in(rt, visit_id: int, *, username: str, values: Mapping[str, object]) -> list[int]:
    """SOP 000 steps 3-5 (seed 001 step 4, seed 002 step 4): what the office's SOP has the desk hand out
    and hold (`values`: the check-in form's fields, bot/visits/desk.py), the card's last 4 digits matching
    the registration when it is the registered document; the host told. Returns the outbox ids."""
    with rt.db.session() as session:
        visit = _load(session, visit_id)
        office = _office(rt, visit)
        if visit.checked_in_at is not None:
            raise DeskError("already_checked_in")
        if visit.status not in model.OPEN:
            raise DeskError("not_open")
        handed = _handed(office.desk, values, id_types=rt.deps.directory.staff(office).id_types,
                         registered=(visit.id_type, visit.id_masked))
        done = rt.visits.check_in(session, office, visit, username=username, handed=handed, now=now())
        _commit(rt, session, done)
    logger.info("visit %s checked in by the desk", visit_id)
    return done.outbox_ids


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
    """Into the media store (bot/media_store.py), before the visit row that names it is committed."""
    relative = str(PurePosixPath(office.slug) / now().strftime("%Y/%m") / f"{secrets.token_hex(16)}{suffix}")
    content_type = (photo.content_type or "").split(";")[0].strip().lower()
    media_store.for_config(rt.config).put(relative, photo.content, content_type)
    return relative, len(photo.content)


@dataclass(frozen=True)
class WalkIn:
    """What the officer typed for a guest who came without registering."""

    consent: bool
    name: str
    id_type: str
    id_number: str
    purpose: str
    host_key: str
    items: Mapping[str, object] = field(default_factory=dict)  # the office's desk fields (bot/visits/desk.py)
    phone: str | None = None  # the guest's WhatsApp number, for the host's answer and the survey
    lang: str = "id"


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
    staff = rt.deps.directory.staff(office)
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
    handed = _handed(office.desk, entry.items, id_types=staff.id_types, identity=(entry.id_type, number[-4:]))
    suffix = check_photo(photo)
    path, size = _store_photo(rt, office, photo, suffix)  # type: ignore[arg-type]  (checked above)

    record = WalkInRecord(
        name=name, id_type=entry.id_type, id_masked=mask_id(number),
        id_hash=security.id_hash(security.nik_hash_key(rt.config), entry.id_type, number),
        purpose=purpose, host=host, handed=handed, phone=guest_phone, lang=entry.lang,
        consent_version=CONSENT_VERSION, photo_path=path, photo_size=size,
        photo_type=(photo.content_type or "").split(";")[0].lower())  # type: ignore[union-attr]
    with rt.db.session() as session:
        done = _commit(rt, session, rt.visits.walk_in(session, office, record, username=username, now=moment))
        return done.visit.id


# -- check-out -------------------------------------------------------------------------------------
def check_out(rt, visit_id: int, *, username: str, returned: Iterable[str]) -> list[int]:
    """SOP 000 steps 8-9 (seed 002 step 8): the checklist, every item handed out or held confirmed back
    (refused with `not_returned` naming the rest), the visit ended, the survey offered on WhatsApp when
    the guest has a number. Returns the survey invitation's outbox ids."""
    with rt.db.session() as session:
        visit = _load(session, visit_id)
        try:
            done = rt.visits.check_out(session, _office(rt, visit), visit, username=username, returned=returned,
                                       now=now())
        except desk_items.NotReturned as exc:
            raise DeskError("not_returned", items=exc.items) from exc
        except InvalidTransition as exc:
            raise _refused(exc) from exc
        _commit(rt, session, done)
    return done.outbox_ids


# -- escalations -----------------------------------------------------------------------------------
def remind_host(rt, visit_id: int, *, username: str) -> list[int]:
    """One more reminder to a host who has not answered (the desk's one click). Returns the outbox ids."""
    with rt.db.session() as session:
        visit = _load(session, visit_id)
        try:
            done = rt.visits.remind_host(session, _office(rt, visit), visit, username=username, now=now())
        except InvalidTransition as exc:
            raise _refused(exc) from exc
        _commit(rt, session, done)
    return done.outbox_ids


def record_host_answer(rt, visit_id: int, *, username: str, answer: str, reason: str | None) -> list[int]:
    """The host's answer the desk took by phone: "accept" (the host comes out to meet the guest) or
    "decline" with the reason; the guest is told on WhatsApp as when the host answers there. Returns
    the outbox ids of the guest's notice."""
    with rt.db.session() as session:
        visit = _load(session, visit_id)
        try:
            done = rt.visits.host_answer_by_phone(session, _office(rt, visit), visit, answer, reason=reason or "",
                                                  username=username, now=now())
        except InvalidTransition as exc:
            raise _refused(exc) from exc
        _commit(rt, session, done)
    logger.info("visit %s: the host's %s by phone recorded by the desk", visit_id, answer)
    return done.outbox_ids


def record_host_met(rt, visit_id: int, *, username: str) -> None:
    """The host came out to meet a guest they had agreed to see before the guest arrived."""
    with rt.db.session() as session:
        visit = _load(session, visit_id)
        try:
            rt.visits.host_met(session, visit, username=username, now=now())
        except InvalidTransition as exc:
            raise _refused(exc) from exc
        session.commit()
    logger.info("visit %s: the host came out to meet the guest, recorded by the desk", visit_id)


# -- another day, and finding a guest --------------------------------------------------------------
def day_book(session: Session, office: Office, day: date, moment: datetime) -> Today:
    """The guest book of the office's local `day`: today's (with the guests still in the building), or the
    visits scheduled or checked in that day (tomorrow's expected guests, a past day's record)."""
    if day == office.local(moment).date():
        return today(session, office, moment)
    start, end = day_bounds(office, day)
    rows = session.scalars(select(Visit).where(Visit.office == office.slug, simulator.real(Visit.citizen_phone), or_(
        and_(Visit.scheduled_at >= start, Visit.scheduled_at < end),
        and_(Visit.checked_in_at >= start, Visit.checked_in_at < end))).order_by(Visit.scheduled_at))
    return _sorted(office, rows.unique())


def _sorted(office: Office, visits) -> Today:
    book = Today(office)
    for visit in visits:
        if visit.checked_out_at is not None:
            book.done.append(visit)
        elif visit.checked_in_at is not None:
            (book.with_host if visit.status == model.ACCEPTED else book.waiting).append(visit)
        elif visit.status in model.OPEN:
            book.expected.append(visit)
        else:
            book.done.append(visit)
    return book


SEARCH_MIN, SEARCH_MAX, SEARCH_LIMIT = 2, 100, 50


def search(session: Session, slugs: list[str], text: str) -> list[Visit]:
    """Guests of these offices by visit code, badge number (the guests in the building first) or part of
    the name; the latest first, at most SEARCH_LIMIT."""
    typed = " ".join((text or "").split())
    if not SEARCH_MIN <= len(typed) <= SEARCH_MAX:
        raise DeskError("search_length", min=SEARCH_MIN, max=SEARCH_MAX)
    code = security.normal_code(typed)
    pattern = "%" + typed.lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    matches = [func.lower(Visit.name).like(pattern, escape="\\"), func.lower(Visit.badge_number) == typed.lower()]
    if len(code) == security.CODE_LENGTH:
        matches.append(Visit.code == code)
    rows = session.scalars(select(Visit).where(
        Visit.office.in_(slugs), simulator.real(Visit.citizen_phone), or_(*matches)).order_by(
        (Visit.checked_in_at.is_not(None) & Visit.checked_out_at.is_(None)).desc(), Visit.scheduled_at.desc(),
        Visit.id.desc()).limit(SEARCH_LIMIT))
    return list(rows.unique())


# -- export ----------------------------------------------------------------------------------------
CSV_COLUMNS = ("office", "code", "walk_in", "scheduled", "name", "id_type", "id_masked", "guest_whatsapp",
               "purpose", "host", "unit", "host_answer", "status", "checked_in", "checked_in_by", "badge",
               "locker", "id_held", "id_returned", "desk_items", "desk_returned", "checked_out", "checked_out_by")


def _cell(value: object) -> str:
    """Typed text a spreadsheet will not run as a formula (CSV injection), a NIK in it masked (a row
    written before masking moved to the first write); our own values need no guard."""
    text = "" if value is None else mask_nik(str(value))
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def _local(office: Office, moment: datetime | None) -> str:
    """`23-11-2026 14:00 WITA`, as the dashboard writes it."""
    return f"{office.local(as_utc(moment)).strftime('%d-%m-%Y %H:%M')} {office.zone_abbr}" if moment else ""


def export_csv(session: Session, offices: list[Office], first: date, last: date,
               words: Callable[[str], str]) -> tuple[str, int]:
    """The guest book of these offices' local days first..last as CSV (identity masked); (text, rows).
    Headers and values in the dashboard's language: `words(key)` is a guest book catalog string
    (config/messages/dashboard_guestbook), e.g. words("status.awaiting_host") "Menunggu jawaban pegawai"."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([words(f"export.col.{name}") for name in CSV_COLUMNS])
    yes, no = words("export.yes"), words("export.no")
    count = 0
    for office in offices:
        start, end = day_bounds(office, first, last)
        rows = session.scalars(select(Visit).where(Visit.office == office.slug, Visit.scheduled_at >= start,
                                                   Visit.scheduled_at < end).order_by(Visit.scheduled_at))
        for v in rows.unique():
            held = desk_items.card_text(v)
            items = "; ".join(f"{label}: {note}" if note else label
                              for _key, label, note in desk_items.describe(v, lambda k: words(f"desk.{k}.item")))
            back = "; ".join(words(f"desk.{k}.item") for k in v.desk_returned or ())
            writer.writerow([
                office.name, v.code, yes if v.walk_in else no, _local(office, v.scheduled_at), _cell(v.name),
                words(f"id_types.{v.id_type}"), v.id_masked, mask_phone(v.citizen_phone), _cell(v.purpose),
                _cell(v.host_name), _cell(office.unit_name(v.unit) or v.unit),
                words(f"answer.{v.host_answer or 'none'}"), words(f"status.{v.status}"),
                _local(office, v.checked_in_at), _cell(v.checked_in_by), _cell(v.badge_number), _cell(v.locker_key),
                held, _local(office, v.id_returned_at), _cell(items), back, _local(office, v.checked_out_at),
                _cell(v.checked_out_by)])
            count += 1
    return out.getvalue(), count


def qr_svg(code: str) -> Markup:
    """The visit code as an inline SVG QR (the desk's scanner reads it back into the code field)."""
    image = qrcode.make(code, image_factory=SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    return Markup(svg[svg.index("<svg"):])  # noqa: S704  (our own drawing of a code of letters and digits)


def photo_file(rt, visit: Visit) -> tuple[bytes, str] | None:
    """The stored photo's bytes and type, read from the media store for the view that checked access
    (never a URL to the store: a bucket stays private). A key outside the store, or an object gone
    from it, is None (404); a store that cannot be reached raises MediaStoreError."""
    photo = visit.photo
    if photo is None or photo.status != "stored" or not photo.path:
        return None
    try:
        content = media_store.for_config(rt.config).get(photo.path)
    except ValueError:  # a key that would leave the store
        return None
    if content is None:
        return None
    return content, photo.content_type or "application/octet-stream"  # at most PHOTO_MAX_BYTES: read whole
