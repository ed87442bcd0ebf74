"""Effects for the survey: offer it after an event, save answers as they come."""

from __future__ import annotations

from bot.effects import EffectContext, handles
from bot.survey import service


@handles("survey.offer")
def offer(ctx: EffectContext) -> None:
    """{"event_kind": "checkout"|"complaint"|"inquiry", "event_ref": str, optional "phone", "lang"}."""
    p = ctx.payload
    invitation = service.offer_survey(
        ctx.session, ctx.outbox, ctx.office, phone=p.get("phone") or ctx.conversation.phone,
        event_kind=p["event_kind"], event_ref=str(p["event_ref"]), lang=p.get("lang") or ctx.conversation.lang,
        conversation_id=ctx.conversation.id if not p.get("phone") or p["phone"] == ctx.conversation.phone else None)
    if invitation is not None:
        ctx.committed.outbox_ids += invitation.notice_ids


@handles("survey.save")
def save(ctx: EffectContext) -> None:
    """{"invitation": id, "answers": {...}, "profile": {...}, "suggestion": str, "complete": bool}."""
    p = ctx.payload
    service.save(ctx.session, int(p["invitation"]), answers=p.get("answers") or {}, profile=p.get("profile"),
                 suggestion=p.get("suggestion"), complete=bool(p.get("complete")), lang=ctx.conversation.lang)
