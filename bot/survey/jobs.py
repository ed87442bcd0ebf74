"""RQ jobs of the survey: offer it from other jobs (e.g. after a visit's check-out), and send an
answered inquiry's invitation once the conversation has gone quiet. Safe to run twice."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import runtime
from bot.clock import as_utc, now
from bot.conversation import HOME
from bot.models import Conversation
from bot.models.survey import SurveyInvitation
from bot.survey.service import OFFERED, invite, offer_survey

INVITE_WHEN_IDLE_JOB = "bot.survey.jobs.invite_when_idle"  # this module's invite_when_idle, by name for RQ
# How many times an invitation waits for a busy conversation before it is left for "survei".
IDLE_ATTEMPTS = 8


def offer(office_slug: str, phone: str, event_kind: str, event_ref: str) -> int | None:
    """Invite `phone` once for this event, in the language of their conversation; returns the invitation id."""
    rt = runtime.current()
    office = rt.offices.get(office_slug)
    if office is None:
        raise ValueError(f"unknown office {office_slug!r}")
    with rt.db.session() as session:
        conv = session.scalar(select(Conversation).where(Conversation.office == office_slug,
                                                         Conversation.phone == phone))
        invitation = offer_survey(session, rt.outbox, office, phone=phone, event_kind=event_kind,
                                  event_ref=event_ref, lang=conv.lang if conv else "id", msgs=rt.messages,
                                  conversation_id=conv.id if conv else None, config=rt.config)
        session.commit()
    if invitation is None:
        return None
    rt.outbox.enqueue(invitation.notice_ids)
    return invitation.id


def invite_when_idle(invitation_id: int, attempt: int = 0) -> str:
    """Send an inquiry's survey invitation only when the citizen has been quiet for
    SURVEY_IDLE_MINUTES and is not in the middle of something; else look again later."""
    rt = runtime.current()
    idle = timedelta(minutes=rt.config.SURVEY_IDLE_MINUTES)
    moment = now()
    with rt.db.session() as session:
        invitation = session.get(SurveyInvitation, invitation_id)
        if invitation is None or invitation.status != OFFERED or as_utc(invitation.expires_at) <= moment \
                or invitation.notice_ids:
            return "not needed"
        office = rt.offices.get(invitation.office)
        conv = session.scalar(select(Conversation).where(Conversation.office == invitation.office,
                                                         Conversation.phone == invitation.phone))
        busy = conv is not None and ((conv.state or {}).get("step", HOME) != HOME or (
            conv.last_inbound_at is not None and moment - as_utc(conv.last_inbound_at) < idle))
        if busy:
            if attempt + 1 >= IDLE_ATTEMPTS:
                return "left for the citizen to ask"
            rt.queue().enqueue_in(idle, INVITE_WHEN_IDLE_JOB, invitation_id, attempt + 1)
            return "waiting"
        ids = invite(session, rt.outbox, office, invitation, config=rt.config, lang=conv.lang if conv else "id",
                     msgs=rt.messages, conversation_id=conv.id if conv else None)
        session.commit()
    rt.outbox.enqueue(ids)
    return "sent"
