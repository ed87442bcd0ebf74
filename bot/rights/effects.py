"""What the rights flow asks for, as typed effects; the rights service (bot/rights/service.py) does it
in the conversation's own transaction, so an erasure is complete the moment the receipt is recorded."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select

from bot.clock import now
from bot.effects import EffectContext, EffectHandler
from bot.models import InboundMessage
from bot.rights import service
from flows.base import Effect


@dataclass(frozen=True)
class RecordAccess(Effect):
    """The citizen asked what is held about them ("data saya"): the request is registered."""

    reference: str


@dataclass(frozen=True)
class EraseData(Effect):
    """The citizen confirmed "hapus data saya": erase and anonymise now, under this receipt reference."""

    reference: str


@dataclass(frozen=True)
class WithdrawConsent(Effect):
    """The citizen confirmed "tarik persetujuan"."""

    reference: str
    lang: str = "id"


def _current_inbound(ctx: EffectContext) -> int | None:
    """The message being answered (the inbox links it to the conversation before the effects run)."""
    return ctx.session.scalar(select(InboundMessage.id).where(
        InboundMessage.conversation_id == ctx.conversation.id).order_by(InboundMessage.id.desc()).limit(1))


def handlers(visits) -> dict[type[Effect], EffectHandler]:
    """The rights effects' handlers, bound to the process's visit service (the only writer of a visit's status)."""

    def access(effect: RecordAccess, ctx: EffectContext) -> None:
        service.record_request(ctx.session, ctx.office, reference=effect.reference, kind=service.ACCESS,
                               channel=service.WHATSAPP, actor=service.CITIZEN, now=now())

    def erase(effect: EraseData, ctx: EffectContext) -> None:
        done = service.erase(ctx.session, ctx.office, ctx.conversation.phone, visits, reference=effect.reference,
                             channel=service.WHATSAPP, actor=service.CITIZEN, now=now(), config=ctx.config,
                             keep_inbound_id=_current_inbound(ctx))
        ctx.committed.add(done.outbox_ids, done.jobs)

    def withdraw(effect: WithdrawConsent, ctx: EffectContext) -> None:
        done = service.withdraw(ctx.session, ctx.office, ctx.conversation.phone, visits, reference=effect.reference,
                                channel=service.WHATSAPP, actor=service.CITIZEN, lang=effect.lang, now=now())
        ctx.committed.add(done.outbox_ids, done.jobs)

    return {RecordAccess: access, EraseData: erase, WithdrawConsent: withdraw}
