"""Effects the complaint flows ask for, committed in the conversation's transaction."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select

from bot.complaints import service
from bot.effects import EffectContext, handles
from bot.models import InboundMessage
from bot.models.complaints import ComplaintAttachment


@handles("complaint.media")
def record_media(ctx: EffectContext) -> None:
    """Record the media of the message being processed (the conversation's newest inbound row)."""
    inbound = ctx.session.scalar(select(InboundMessage).where(
        InboundMessage.conversation_id == ctx.conversation.id).order_by(InboundMessage.id.desc()).limit(1))
    if inbound is None:
        return
    known = set(ctx.session.scalars(select(ComplaintAttachment.url).where(
        ComplaintAttachment.inbound_id == inbound.id)))
    for item in inbound.media or ():
        if item.get("url") and item["url"] not in known:
            ctx.session.add(ComplaintAttachment(conversation_id=ctx.conversation.id, inbound_id=inbound.id,
                                                url=item["url"], content_type=item.get("content_type") or ""))
    ctx.session.flush()


@handles("complaint.discard_drafts")
def discard_drafts(ctx: EffectContext) -> None:
    """A new complaint starts: media left from an abandoned one is not carried over."""
    ctx.session.execute(delete(ComplaintAttachment).where(
        ComplaintAttachment.conversation_id == ctx.conversation.id, ComplaintAttachment.complaint_id.is_(None)))


@handles("complaint.file")
def file(ctx: EffectContext) -> None:
    """File the complaint the flow collected; the receipt with its ticket goes out through the outbox."""
    p = ctx.payload
    draft = service.Draft(
        category=p["category"], description=p.get("description", ""), subject_unit=p.get("subject_unit"),
        subject_text=p.get("subject_text"), confidential=bool(p.get("confidential")),
        anonymous=bool(p.get("anonymous")), reporter_name=p.get("name"),
        consent_at=datetime.fromisoformat(p["consent_at"]) if p.get("consent_at") else None)
    done = service.file_complaint(ctx.session, ctx.outbox, ctx.office, draft, phone=ctx.conversation.phone,
                                  conversation_id=ctx.conversation.id, lang=ctx.conversation.lang)
    ctx.committed.outbox_ids += done.outbox_ids


@handles("complaint.citizen_reply")
def citizen_reply(ctx: EffectContext) -> None:
    complaint = service.find_for_citizen(ctx.session, ctx.office.slug, ctx.payload["ticket"], ctx.conversation.phone)
    if complaint is not None:
        service.record_citizen_reply(ctx.session, complaint, ctx.payload.get("message", ""))
