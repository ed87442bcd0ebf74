"""Survey invitations (opt-in, once per event, expiring) and responses saved answer by answer."""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from bot.clock import now as clock_now
from bot.complaints import text
from bot.i18n import Messages
from bot.models.survey import SurveyInvitation, SurveyResponse
from bot.offices import Office
from bot.outbox import Outbox
from bot.survey import ikm
from config.settings import Config

logger = logging.getLogger(__name__)

EVENT_KINDS = ("checkout", "complaint", "inquiry")
OFFERED, STARTED, COMPLETED = "offered", "started", "completed"
PROFILE_FIELDS = ("gender", "age_band", "education", "occupation")


def ttl(config: Config) -> timedelta:
    """How long an invitation stays open (Config.SURVEY_INVITATION_TTL_HOURS)."""
    return timedelta(hours=config.SURVEY_INVITATION_TTL_HOURS)


def offer_survey(session: Session, outbox: Outbox, office: Office, *, phone: str, event_kind: str, event_ref: str,
                 config: Config, lang: str = "id", now: datetime | None = None, msgs: Messages | None = None,
                 conversation_id: int | None = None, notify: bool = True) -> SurveyInvitation | None:
    """Invite the citizen once for this event; None when this event already had its invitation, or
    the citizen has an invitation open already (one at a time: a second would only interrupt).

    The invitation message is recorded in the outbox (its ids in `invitation.notice_ids`, to enqueue
    after the caller's commit), unless `notify` is False: then `invite()` records it later, when the
    conversation has gone quiet (bot/survey/jobs.py)."""
    if event_kind not in EVENT_KINDS:
        raise ValueError(f"unknown survey event kind {event_kind!r}")
    now = now or clock_now()
    existing = session.scalar(select(SurveyInvitation.id).where(
        SurveyInvitation.office == office.slug, SurveyInvitation.event_kind == event_kind,
        SurveyInvitation.event_ref == event_ref))
    if existing is not None or open_invitation(session, office.slug, phone, now) is not None:
        return None
    invitation = SurveyInvitation(office=office.slug, phone=phone, event_kind=event_kind, event_ref=event_ref,
                                  status=OFFERED, created_at=now, expires_at=now + ttl(config), notice_ids=[])
    try:
        with session.begin_nested():
            session.add(invitation)
    except IntegrityError:  # the same event offered at the same moment elsewhere
        return None
    if notify:
        invite(session, outbox, office, invitation, config=config, lang=lang, msgs=msgs,
               conversation_id=conversation_id)
    session.flush()
    return invitation


def invite(session: Session, outbox: Outbox, office: Office, invitation: SurveyInvitation, *, config: Config,
           lang: str = "id", msgs: Messages | None = None, conversation_id: int | None = None) -> list[int]:
    """Record the invitation's message (its template outside the 24-hour window); returns the outbox ids."""
    msgs = msgs or text.messages()
    hours = int(ttl(config).total_seconds() // 3600)
    body = text.render(msgs, lang, office, "survey.invite", hours=hours)
    rows = outbox.record_notice(session, office=office, to=invitation.phone, body=body, kind="survey_invite",
                                conversation_id=conversation_id,
                                content_sid=config.SURVEY_INVITE_CONTENT_SID or None,
                                content_variables={"1": office.name}, template_values={"office": office.name},
                                lang=lang, expires_at=invitation.expires_at)
    invitation.notice_ids = [*(invitation.notice_ids or []), *(r.id for r in rows)]
    return [r.id for r in rows]


def open_invitation(session: Session, office: str, phone: str, now: datetime | None = None) -> SurveyInvitation | None:
    """The newest invitation still open for this citizen (offered or started, not expired)."""
    now = now or clock_now()
    return session.scalar(select(SurveyInvitation).where(
        SurveyInvitation.office == office, SurveyInvitation.phone == phone,
        SurveyInvitation.status.in_((OFFERED, STARTED)), SurveyInvitation.expires_at > now)
        .order_by(SurveyInvitation.id.desc()).limit(1))


def save(session: Session, invitation_id: int, *, answers: dict[str, int], profile: dict[str, str] | None = None,
         suggestion: str | None = None, complete: bool = False, lang: str = "id",
         now: datetime | None = None) -> SurveyResponse | None:
    """Store the answers so far (the citizen may stop and resume); `complete` closes the invitation."""
    now = now or clock_now()
    invitation = session.get(SurveyInvitation, invitation_id)
    if invitation is None or invitation.status == COMPLETED:
        return None
    response = session.scalar(select(SurveyResponse).where(SurveyResponse.invitation_id == invitation_id))
    if response is None:
        response = SurveyResponse(invitation_id=invitation_id, office=invitation.office,
                                  event_kind=invitation.event_kind, lang=lang, answers={}, started_at=now)
        session.add(response)
    clean = {e: int(v) for e, v in answers.items() if e in ikm.ELEMENTS and ikm.MIN_SCORE <= int(v) <= ikm.MAX_SCORE}
    response.answers = {**(response.answers or {}), **clean}
    for name, value in (profile or {}).items():
        if name in PROFILE_FIELDS:
            setattr(response, name, value)
    if suggestion:
        response.suggestion = suggestion[:2000]
    invitation.status = STARTED
    if complete and ikm.is_complete(response.answers):
        response.completed_at = now
        invitation.status = COMPLETED
        forget_address(invitation)  # the survey is anonymous (PermenPANRB 14/2017): no address beside answers
    session.flush()
    return response


def forget_address(invitation: SurveyInvitation) -> None:
    """The invitation no longer names its citizen: no address, and none inside its event reference
    (an inquiry's reference starts with the address; the invitation's id keeps it unique)."""
    if invitation.phone and invitation.event_ref.startswith(invitation.phone):
        invitation.event_ref = f"#{invitation.id}" + invitation.event_ref[len(invitation.phone):]
    invitation.phone = ""


def progress(session: Session, invitation_id: int) -> dict[str, int]:
    """Answers saved so far for this invitation ({} when none)."""
    answers = session.scalar(select(SurveyResponse.answers).where(SurveyResponse.invitation_id == invitation_id))
    return dict(answers or {})
