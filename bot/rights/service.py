"""The citizen's rights over their personal data (UU 27/2022 Pasal 5–14, 32, 42–44), for one office.

This module is the only code that erases, anonymises or exports a person's records as a whole. It
works for an address, a phone number (E.164) or a WhatsApp user ID (BSUID): never assume a phone.
The conversation a person writes from may know both (`Conversation.bsuid`), and both are theirs.

- `export`: what the office holds about the address (visits, complaints with their status, survey
  answers, consents, photos, the conversation), with how long each is kept. NIK masked.
- `erase`: deletes what may be deleted and anonymises what must be kept. A visit still ahead is first
  cancelled through the visit service (the host is told); complaints are public-service records, so
  they keep their ticket and substance but lose the name and number (one still being handled goes on,
  without updates to the citizen).
- `withdraw`: stops what the consents covered: a withdrawal is recorded (a `Consent` row with
  accepted=False), visits ahead are cancelled through the visit service, complaints lose the identity.

Every method writes with the caller's session and commits nothing; each returns a `Done` whose outbox
rows and jobs go after the commit.
"""

from __future__ import annotations

import logging
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, delete, or_, select
from sqlalchemy.orm import Session

from bot import media_store
from bot.clock import as_utc
from bot.effects import Job
from bot.masking import mask_nik
from bot.models import Conversation, InboundMessage, OutboundMessage, StatusEvent
from bot.models.complaints import Complaint, ComplaintAttachment
from bot.models.handoff import Handoff
from bot.models.rights import RightsRequest
from bot.models.survey import SurveyInvitation, SurveyResponse
from bot.models.visits import Consent, Visit, VisitEvent, VisitPhoto
from bot.offices import Office
from bot.phone import InvalidNumber, is_bsuid, normalize
from bot.survey.service import COMPLETED, forget_address
from bot.visits import model as visit_model
from bot.visits import settings as visit_settings

logger = logging.getLogger(__name__)

ACCESS, ERASURE, WITHDRAWAL = "access", "erasure", "withdrawal"
WHATSAPP, DESK = "whatsapp", "desk"
CITIZEN = "citizen"
# What an anonymised record keeps in place of an address or a name.
ANONYMOUS = ""
ERASED = "[dihapus]"
# A conversation row whose person was erased: its address becomes this prefix, the reference and its id.
ERASED_PREFIX = "erased:"
# Consent purposes a withdrawal covers (visits record Consent rows; complaints keep `consent_at`).
PURPOSES = ("visit", "complaint")
WITHDRAWAL_VERSION = "withdrawal"
_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def new_reference(prefix: str = "PDP") -> str:
    """A receipt's reference, e.g. `PDP-7KQ2M9XA`: random, so it says nothing about the person."""
    return f"{prefix}-" + "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))


def parse_address(raw: str) -> str | None:
    """What staff typed: a WhatsApp user ID (`ID.1502…`) as is, a phone number in E.164; None if neither."""
    text = (raw or "").strip()
    if text.lower().startswith("whatsapp:"):
        text = text[len("whatsapp:"):]
    if is_bsuid(text):
        return text
    try:
        return normalize(text)
    except InvalidNumber:
        return None


@dataclass
class Done:
    """What one request wrote: counts (no content), and outbox rows and jobs for after the commit."""

    reference: str = ""
    counts: dict[str, int] = field(default_factory=dict)
    outbox_ids: list[int] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)

    def count(self, key: str, n: int = 1) -> None:
        if n:
            self.counts[key] = self.counts.get(key, 0) + n


@dataclass
class Retention:
    """How long each kind is kept, in days (Config; see the README's "Personal data")."""

    visits: int
    complaints: int
    transcripts: int

    @classmethod
    def of(cls, config) -> Retention:
        return cls(visits=visit_settings.retention_days(config),
                   complaints=int(config.COMPLAINT_RETENTION_DAYS),
                   transcripts=int(config.TRANSCRIPT_RETENTION_DAYS))


# -- whose records ---------------------------------------------------------------------------------
def addresses_of(session: Session, office: str, address: str) -> tuple[str, ...]:
    """The address and the other one its conversation knows (a number and its WhatsApp user ID)."""
    found = {address}
    for phone, bsuid in session.execute(select(Conversation.phone, Conversation.bsuid).where(
            Conversation.office == office, or_(Conversation.phone == address, Conversation.bsuid == address))):
        found |= {phone, bsuid}
    return tuple(sorted(a for a in found if a and not a.startswith(ERASED_PREFIX)))


def _conversations(session: Session, office: str, addresses: tuple[str, ...]) -> list[Conversation]:
    return list(session.scalars(select(Conversation).where(
        Conversation.office == office, or_(Conversation.phone.in_(addresses), Conversation.bsuid.in_(addresses)))
        .order_by(Conversation.id)))


def _visits(session: Session, office: str, addresses: tuple[str, ...]) -> list[Visit]:
    return list(session.scalars(select(Visit).where(Visit.office == office, Visit.citizen_phone.in_(addresses))
                                .order_by(Visit.scheduled_at)).unique())


def _complaints(session: Session, office: str, addresses: tuple[str, ...]) -> list[Complaint]:
    return list(session.scalars(select(Complaint).where(Complaint.office == office, Complaint.phone.in_(addresses))
                                .order_by(Complaint.id)))


def _consents(session: Session, office: str, addresses: tuple[str, ...]) -> list[Consent]:
    return list(session.scalars(select(Consent).where(Consent.office == office, Consent.phone.in_(addresses))
                                .order_by(Consent.at, Consent.id)))


def _invitations(session: Session, office: str, addresses: tuple[str, ...]) -> list[SurveyInvitation]:
    return list(session.scalars(select(SurveyInvitation).where(
        SurveyInvitation.office == office, SurveyInvitation.phone.in_(addresses)).order_by(SurveyInvitation.id)))


def _iso(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat() if moment else None


# -- access (Pasal 7, 32) ------------------------------------------------------------------------------
def export(session: Session, office: Office, address: str, config, now: datetime) -> dict[str, Any]:
    """Everything held about `address` in this office, as plain values (JSON-ready). NIK masked; the
    person's own confidential complaints are theirs to see."""
    addresses = addresses_of(session, office.slug, address)
    retention = Retention.of(config)
    conversations = _conversations(session, office.slug, addresses)
    conversation_ids = [c.id for c in conversations]
    inbound = session.scalar(select(InboundMessage.id).where(or_(
        InboundMessage.conversation_id.in_(conversation_ids), InboundMessage.from_number.in_(addresses))).limit(1))
    visits = [{
        "code": v.code, "name": v.name, "identity": f"{v.id_type.upper()} {mask_nik(v.id_masked)}",
        "purpose": mask_nik(v.purpose), "host": v.host_name, "unit": office.unit_name(v.unit),
        "scheduled_at": _iso(v.scheduled_at), "status": v.status, "walk_in": v.walk_in,
        "checked_in_at": _iso(v.checked_in_at), "checked_out_at": _iso(v.checked_out_at),
        "photo_held": v.photo is not None and v.photo.status in ("pending", "stored"),
    } for v in _visits(session, office.slug, addresses)]
    complaints = [{
        "ticket": c.ticket, "status": c.status, "category": c.category, "received_at": _iso(c.received_at),
        "closed_at": _iso(c.closed_at), "reporter_name": c.reporter_name, "confidential": c.confidential,
        "anonymous": c.anonymous, "description": mask_nik(c.description), "attachments": len(c.attachments),
    } for c in _complaints(session, office.slug, addresses)]
    consents = [{"purpose": c.purpose, "accepted": c.accepted, "at": _iso(c.at), "version": c.text_version}
                for c in _consents(session, office.slug, addresses)]
    for c in _complaints(session, office.slug, addresses):
        if c.consent_at:
            consents.append({"purpose": "complaint", "accepted": True, "at": _iso(c.consent_at), "ticket": c.ticket})
    consents.sort(key=lambda row: row["at"] or "")
    invitations = _invitations(session, office.slug, addresses)
    photos = session.scalar(select(VisitPhoto.id).where(
        VisitPhoto.office == office.slug, VisitPhoto.conversation_id.in_(conversation_ids),
        VisitPhoto.status.in_(("pending", "stored"))).limit(1)) is not None
    handoffs = session.scalar(select(Handoff.id).where(
        Handoff.office == office.slug, or_(Handoff.conversation_id.in_(conversation_ids),
                                           Handoff.phone.in_(addresses))).limit(1)) is not None
    return {
        "office": office.name,
        "addresses": list(addresses),
        "generated_at": _iso(now),
        "visits": visits,
        "complaints": complaints,
        "survey": {"invitations_open_or_unfinished": sum(1 for i in invitations if i.status != COMPLETED),
                   "completed_with_address": sum(1 for i in invitations if i.status == COMPLETED)},
        "consents": consents,
        "photos_held": photos or any(v["photo_held"] for v in visits),
        "conversation": {"held": bool(conversations) or inbound is not None,
                         "profile_name": next((c.profile_name for c in conversations if c.profile_name), None),
                         "started_at": _iso(min((c.created_at for c in conversations), default=None)),
                         "handoffs": handoffs},
        "retention_days": {"visits": retention.visits, "complaints_after_closing": retention.complaints,
                           "transcripts": retention.transcripts, "survey_answers": 0},
    }


def record_request(session: Session, office: Office, *, reference: str, kind: str, channel: str, actor: str,
                   now: datetime, counts: dict[str, int] | None = None) -> RightsRequest:
    row = RightsRequest(reference=reference, office=office.slug, kind=kind, channel=channel, actor=actor[:80],
                        counts=dict(counts or {}), at=now)
    session.add(row)
    session.flush()
    return row


# -- scrubbing free text ---------------------------------------------------------------------------
def _needles(addresses: tuple[str, ...], names: set[str]) -> list[str]:
    """The strings that identify the person: addresses (with the forms a number is written in) and names."""
    found = set()
    for address in addresses:
        found.add(address)
        if address.startswith("+"):
            digits = address[1:]
            found |= {digits, "0" + digits[2:] if digits.startswith("62") else digits}
    found |= {n.strip() for n in names if n and len(n.strip()) >= 4}
    return sorted(found, key=len, reverse=True)


def _scrub(value: Any, pattern: re.Pattern | None) -> Any:
    if pattern is None:
        return value
    if isinstance(value, str):
        return pattern.sub(ERASED, value)
    if isinstance(value, dict):
        return {k: _scrub(v, pattern) for k, v in value.items()}
    if isinstance(value, list):
        return [_scrub(v, pattern) for v in value]
    return value


def _pattern(needles: list[str]) -> re.Pattern | None:
    return re.compile("|".join(re.escape(n) for n in needles), re.IGNORECASE) if needles else None


def _mentioning(column, needles: list[str]):
    return or_(*(cast(column, String).contains(n, autoescape=True) for n in needles))


# -- erasure (Pasal 8, 43–44) -----------------------------------------------------------------------
class Eraser:
    """Erases one person's records of one office in the caller's transaction."""

    def __init__(self, session: Session, office: Office, address: str, visits, *, reference: str, now: datetime,
                 config, keep_inbound_id: int | None = None):
        self.session, self.office, self.visits, self.now, self.config = session, office, visits, now, config
        self.addresses = addresses_of(session, office.slug, address)
        self.conversations = _conversations(session, office.slug, self.addresses)
        self.conversation_ids = [c.id for c in self.conversations]
        self.keep_inbound_id = keep_inbound_id
        self.done = Done(reference=reference)

    def run(self) -> Done:
        visits = _visits(self.session, self.office.slug, self.addresses)
        complaints = _complaints(self.session, self.office.slug, self.addresses)
        names = {v.name for v in visits} | {c.reporter_name for c in complaints if c.reporter_name}
        names |= {c.profile_name for c in self.conversations if c.profile_name}
        names |= set(self.session.scalars(select(InboundMessage.profile_name).where(
            InboundMessage.conversation_id.in_(self.conversation_ids), InboundMessage.profile_name.is_not(None))))
        pattern = _pattern(_needles(self.addresses, names))
        self._visits(visits)
        self._complaints(complaints, pattern)
        self._survey()
        self._consents()
        self._handoffs()
        self._transcripts(pattern, _needles(self.addresses, names))
        self.session.flush()
        return self.done

    def _visits(self, visits: list[Visit]) -> None:
        """A visit still ahead is cancelled through the visit service (its host told, without the
        guest's name); then every visit goes, with its events, photo and consent."""
        for visit in visits:
            visit.name, visit.purpose, visit.id_masked, visit.id_hash = ERASED, ERASED, "", ""
            visit.id_held_last4 = None
            ahead = as_utc(visit.scheduled_at) >= self.now and visit.checked_in_at is None
            if visit.status in visit_model.OPEN and ahead:
                self.session.flush()
                done = self.visits.cancel(self.session, self.office, visit, actor=CITIZEN, now=self.now)
                self.done.outbox_ids += done.outbox_ids
                self.done.jobs += done.jobs
                self.done.count("visits_cancelled")
        self.session.flush()
        photo_ids = {v.photo_id for v in visits if v.photo_id} | set(self.session.scalars(select(VisitPhoto.id).where(
            VisitPhoto.office == self.office.slug, VisitPhoto.conversation_id.in_(self.conversation_ids))))
        visit_ids = [v.id for v in visits]
        if visit_ids:
            self.session.execute(delete(VisitEvent).where(VisitEvent.visit_id.in_(visit_ids)))
            for visit in visits:
                self.session.delete(visit)
            self.session.flush()
            self.done.count("visits_deleted", len(visit_ids))
        used = set(self.session.scalars(select(Visit.photo_id).where(Visit.photo_id.in_(photo_ids))))
        for photo in self.session.scalars(select(VisitPhoto).where(VisitPhoto.id.in_(photo_ids - used))):
            if photo.path:
                # A store that cannot be reached fails the erasure (nothing committed) rather than
                # reporting a face erased that is still stored.
                media_store.for_config(self.config).delete(photo.path)
            self.session.delete(photo)
            self.done.count("photos_deleted")

    def _complaints(self, complaints: list[Complaint], pattern: re.Pattern | None) -> None:
        """Public-service records: kept (a complaint being handled goes on) without name or number."""
        for complaint in complaints:
            _anonymise_complaint(complaint, pattern)
            for event in complaint.events:
                event.note = _scrub(event.note, pattern)
            self.done.count("complaints_anonymised")

    def _survey(self) -> None:
        """Completed answers are anonymous already; an unfinished survey goes, answers and invitation."""
        for invitation in _invitations(self.session, self.office.slug, self.addresses):
            if invitation.status == COMPLETED:
                forget_address(invitation)
                continue
            self.session.execute(delete(SurveyResponse).where(SurveyResponse.invitation_id == invitation.id))
            self.session.delete(invitation)
            self.done.count("survey_invitations_deleted")

    def _consents(self) -> None:
        rows = _consents(self.session, self.office.slug, self.addresses)
        for row in rows:
            self.session.delete(row)
        self.done.count("consents_deleted", len(rows))

    def _handoffs(self) -> None:
        result = self.session.execute(delete(Handoff).where(Handoff.office == self.office.slug, or_(
            Handoff.conversation_id.in_(self.conversation_ids), Handoff.phone.in_(self.addresses))))
        self.done.count("handoffs_deleted", result.rowcount or 0)

    def _transcripts(self, pattern: re.Pattern | None, needles: list[str]) -> None:
        """The conversation's messages go; a message a kept complaint's attachment points to stays
        empty; the message being answered and its replies stay without the address. Messages to hosts
        and desk officers that named the person keep their words without the name."""
        session, slug = self.session, self.office.slug
        # Media sent for a complaint never filed belong to no kept record.
        session.execute(delete(ComplaintAttachment).where(
            ComplaintAttachment.conversation_id.in_(self.conversation_ids), ComplaintAttachment.complaint_id.is_(None)))
        inbound_ids = set(session.scalars(select(InboundMessage.id).where(or_(
            InboundMessage.conversation_id.in_(self.conversation_ids),
            InboundMessage.from_number.in_(self.addresses), InboundMessage.external_user_id.in_(self.addresses)))))
        attached = set(session.scalars(select(ComplaintAttachment.inbound_id).where(
            ComplaintAttachment.inbound_id.in_(inbound_ids))))
        keep_inbound = attached | ({self.keep_inbound_id} if self.keep_inbound_id in inbound_ids else set())
        keep_outbound = set(session.scalars(select(OutboundMessage.id).where(
            OutboundMessage.in_reply_to_id == self.keep_inbound_id))) if self.keep_inbound_id else set()
        outbound_ids = set(session.scalars(select(OutboundMessage.id).where(or_(
            OutboundMessage.conversation_id.in_(self.conversation_ids), OutboundMessage.to_number.in_(self.addresses),
            OutboundMessage.in_reply_to_id.in_(inbound_ids - keep_inbound)))))
        gone_outbound = outbound_ids - keep_outbound - set(self.done.outbox_ids)
        if gone_outbound:
            session.execute(delete(StatusEvent).where(StatusEvent.outbound_id.in_(gone_outbound)))
            session.execute(delete(OutboundMessage).where(OutboundMessage.id.in_(gone_outbound)))
        gone_inbound = inbound_ids - keep_inbound
        if gone_inbound:
            session.execute(delete(InboundMessage).where(InboundMessage.id.in_(gone_inbound)))
        self.done.count("messages_deleted", len(gone_outbound) + len(gone_inbound))
        for row in session.scalars(select(InboundMessage).where(InboundMessage.id.in_(keep_inbound))):
            row.from_number = self._placeholder(row.conversation_id)
            row.profile_name = row.wa_id = row.external_user_id = None
            if row.id != self.keep_inbound_id:
                row.body, row.media = "", []
        for row in session.scalars(select(OutboundMessage).where(OutboundMessage.id.in_(keep_outbound))):
            if row.channel == "twiml":  # answered in the webhook's response: the address is not needed
                row.to_number = self._placeholder(row.conversation_id)
        if needles:  # what hosts and desk officers were told about the person, and what they wrote back
            for row in session.scalars(select(OutboundMessage).where(OutboundMessage.office == slug, or_(
                    _mentioning(OutboundMessage.body, needles), _mentioning(OutboundMessage.template_values, needles),
                    _mentioning(OutboundMessage.content_variables, needles),
                    _mentioning(OutboundMessage.interactive, needles)))):
                row.body = _scrub(row.body, pattern)
                row.template_values = _scrub(row.template_values, pattern)
                row.content_variables = _scrub(row.content_variables, pattern)
                row.interactive = _scrub(row.interactive, pattern)
            for row in session.scalars(select(InboundMessage).where(
                    InboundMessage.office == slug, _mentioning(InboundMessage.body, needles))):
                row.body = _scrub(row.body, pattern)
        for conversation in self.conversations:
            conversation.phone = self._placeholder(conversation.id)
            conversation.bsuid = conversation.profile_name = None
            conversation.state = {}
        self.done.count("conversations_anonymised", len(self.conversations))

    def _placeholder(self, conversation_id: int | None) -> str:
        return f"{ERASED_PREFIX}{self.done.reference}:{conversation_id or 0}"


def _anonymise_complaint(complaint: Complaint, pattern: re.Pattern | None) -> None:
    complaint.phone = ANONYMOUS
    complaint.reporter_name = None
    complaint.anonymous = True
    # The link to its conversation stays: the transcripts' confidentiality rule reads it.
    for column in ("description", "subject_text", "public_note", "reject_reason"):
        setattr(complaint, column, _scrub(getattr(complaint, column), pattern))


def erase(session: Session, office: Office, address: str, visits, *, reference: str, channel: str, actor: str,
          now: datetime, config, keep_inbound_id: int | None = None) -> Done:
    """Erase `address`'s records of this office at once; the request is recorded under `reference`."""
    done = Eraser(session, office, address, visits, reference=reference, now=now, config=config,
                  keep_inbound_id=keep_inbound_id).run()
    record_request(session, office, reference=reference, kind=ERASURE, channel=channel, actor=actor, now=now,
                   counts=done.counts)
    logger.info("rights: erasure %s in %s: %s", reference, office.slug, done.counts)
    return done


# -- withdrawal of consent (Pasal 9, 40) -------------------------------------------------------------
def withdraw(session: Session, office: Office, address: str, visits, *, reference: str, channel: str, actor: str,
             lang: str, now: datetime) -> Done:
    """Stop what the consents covered: visits ahead are cancelled (hosts told), complaints keep going
    without the person's name and number, and the withdrawal is on record for each purpose."""
    done = Done(reference=reference)
    addresses = addresses_of(session, office.slug, address)
    own = addresses[0] if address not in addresses else address
    for visit in _visits(session, office.slug, addresses):
        if visit.status in visit_model.OPEN and as_utc(visit.scheduled_at) >= now and visit.checked_in_at is None:
            cancelled = visits.cancel(session, office, visit, actor=CITIZEN, now=now)
            done.outbox_ids += cancelled.outbox_ids
            done.jobs += cancelled.jobs
            done.count("visits_cancelled")
    complaints = _complaints(session, office.slug, addresses)
    names = {c.reporter_name for c in complaints if c.reporter_name}
    pattern = _pattern(_needles(addresses, names))
    for complaint in complaints:
        _anonymise_complaint(complaint, pattern)
        done.count("complaints_anonymised")
    for purpose in PURPOSES:
        session.add(Consent(office=office.slug, phone=own, purpose=purpose, text_version=WITHDRAWAL_VERSION,
                            lang=lang, accepted=False, at=now))
        done.count("consents_withdrawn")
    session.flush()
    record_request(session, office, reference=reference, kind=WITHDRAWAL, channel=channel, actor=actor, now=now,
                   counts=done.counts)
    logger.info("rights: withdrawal %s in %s: %s", reference, office.slug, done.counts)
    return done
