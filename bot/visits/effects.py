"""What the visit and host flows ask for: what the citizen or the host said, as typed effects.

Each handler looks the visit up for the conversation's office and hands it to the visit service
(bot/visits/service.py), which owns every rule; the handlers only translate.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from bot.clock import now
from bot.effects import EffectContext, EffectHandler
from bot.employees import Employee as Person
from bot.models import InboundMessage
from bot.models.visits import Visit
from bot.visits.service import Done, Draft, HostReply, VisitService
from flows.base import Effect


@dataclass(frozen=True)
class RecordConsent(Effect):
    accepted: bool
    version: str
    lang: str


@dataclass(frozen=True)
class RedactInbound(Effect):
    """The message being processed carried an identity number: the transcript keeps `body` instead."""

    body: str


@dataclass(frozen=True)
class AttachPhoto(Effect):
    url: str
    content_type: str


@dataclass(frozen=True)
class RegisterVisit(Effect):
    draft: Draft


@dataclass(frozen=True)
class RescheduleVisit(Effect):
    visit_id: int
    scheduled_at: datetime


@dataclass(frozen=True)
class CancelVisit(Effect):
    visit_id: int


@dataclass(frozen=True)
class AnswerProposal(Effect):
    visit_id: int
    accepted: bool


@dataclass(frozen=True)
class AnswerAsHost(Effect):
    """A host's answer to the notice of visit `visit_id` (see service.HostReply)."""

    visit_id: int
    answer: str
    reason: str = ""
    proposed_at: datetime | None = None
    redirect_to: Person | None = None
    host_key: str | None = None


def _visit(ctx: EffectContext, visit_id: int) -> Visit:
    visit = ctx.session.get(Visit, visit_id)
    if visit is None or visit.office != ctx.office.slug:
        raise LookupError("visit not found for this office")
    return visit


def _committed(ctx: EffectContext, done: Done) -> None:
    ctx.committed.add(done.outbox_ids, done.jobs)


def _redact_inbound(effect: RedactInbound, ctx: EffectContext) -> None:
    row = ctx.session.scalar(select(InboundMessage).where(
        InboundMessage.conversation_id == ctx.conversation.id).order_by(InboundMessage.id.desc()).limit(1))
    if row is not None:
        row.body = effect.body


def handlers(service: VisitService) -> dict[type[Effect], EffectHandler]:
    """The visit effects' handlers, bound to the process's visit service."""

    def consent(effect: RecordConsent, ctx: EffectContext) -> None:
        service.record_consent(ctx.session, ctx.office, phone_number=ctx.conversation.phone, accepted=effect.accepted,
                               version=effect.version, lang=effect.lang, now=now())

    def photo(effect: AttachPhoto, ctx: EffectContext) -> None:
        _committed(ctx, service.attach_photo(ctx.session, ctx.office, conversation_id=ctx.conversation.id,
                                             url=effect.url, content_type=effect.content_type))

    def register(effect: RegisterVisit, ctx: EffectContext) -> None:
        _committed(ctx, service.register(ctx.session, ctx.office, effect.draft, conversation_id=ctx.conversation.id,
                                         citizen=ctx.conversation.phone, now=now()))

    def reschedule(effect: RescheduleVisit, ctx: EffectContext) -> None:
        _committed(ctx, service.reschedule(ctx.session, ctx.office, _visit(ctx, effect.visit_id), effect.scheduled_at,
                                           now=now()))

    def cancel(effect: CancelVisit, ctx: EffectContext) -> None:
        _committed(ctx, service.cancel(ctx.session, ctx.office, _visit(ctx, effect.visit_id), actor="citizen",
                                       now=now()))

    def proposal(effect: AnswerProposal, ctx: EffectContext) -> None:
        _committed(ctx, service.answer_proposal(ctx.session, ctx.office, _visit(ctx, effect.visit_id),
                                                effect.accepted, now=now()))

    def host(effect: AnswerAsHost, ctx: EffectContext) -> None:
        reply = HostReply(effect.answer, reason=effect.reason, proposed_at=effect.proposed_at,
                          redirect_to=effect.redirect_to, host_key=effect.host_key)
        _committed(ctx, service.host_answer(ctx.session, ctx.office, _visit(ctx, effect.visit_id), reply, now=now()))

    return {RecordConsent: consent, RedactInbound: _redact_inbound, AttachPhoto: photo, RegisterVisit: register,
            RescheduleVisit: reschedule, CancelVisit: cancel, AnswerProposal: proposal, AnswerAsHost: host}
