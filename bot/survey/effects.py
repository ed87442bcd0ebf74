"""Effects for the survey: offer it after an event, save answers as they come."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from bot.clock import now
from bot.effects import EffectContext, Job
from bot.survey import service
from flows.base import Effect


@dataclass(frozen=True)
class OfferSurvey(Effect):
    """An event that earns a survey invitation ("checkout", "complaint", "inquiry"), once per event_ref.
    `phone`/`lang` default to the conversation's own."""

    event_kind: str
    event_ref: str
    phone: str | None = None
    lang: str | None = None


@dataclass(frozen=True)
class SaveSurveyAnswers(Effect):
    """Answers given so far (saved as they come, so a stopped survey resumes)."""

    invitation: int
    answers: dict = field(default_factory=dict)
    profile: dict | None = None
    suggestion: str | None = None
    complete: bool = False


# Events whose invitation waits until the conversation has gone quiet: an answered question is
# followed by more questions, and an invitation in between only interrupts.
WAIT_FOR_QUIET = ("inquiry",)
INVITE_WHEN_IDLE_JOB = "bot.survey.jobs.invite_when_idle"


def _offer(effect: OfferSurvey, ctx: EffectContext) -> None:
    own = not effect.phone or effect.phone == ctx.conversation.phone
    later = effect.event_kind in WAIT_FOR_QUIET
    invitation = service.offer_survey(
        ctx.session, ctx.outbox, ctx.office, phone=effect.phone or ctx.conversation.phone,
        event_kind=effect.event_kind, event_ref=str(effect.event_ref), lang=effect.lang or ctx.conversation.lang,
        conversation_id=ctx.conversation.id if own else None, config=ctx.config, notify=not later)
    if invitation is None:
        return
    if later:
        at = now() + timedelta(minutes=ctx.config.SURVEY_IDLE_MINUTES)
        ctx.committed.add(jobs=[Job(INVITE_WHEN_IDLE_JOB, (invitation.id, 0), at)])
    else:
        ctx.committed.add(outbox_ids=invitation.notice_ids)


def _save(effect: SaveSurveyAnswers, ctx: EffectContext) -> None:
    service.save(ctx.session, int(effect.invitation), answers=effect.answers, profile=effect.profile,
                 suggestion=effect.suggestion, complete=effect.complete, lang=ctx.conversation.lang)


HANDLERS = {OfferSurvey: _offer, SaveSurveyAnswers: _save}
