"""Effects the complaint flows ask for, committed in the conversation's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import delete, select

from bot.complaints import service
from bot.effects import EffectContext
from bot.models import InboundMessage
from bot.models.complaints import ComplaintAttachment
from flows.base import Effect


@dataclass(frozen=True)
class RecordComplaintMedia(Effect):
    """The photos and documents of the message being processed belong to the complaint being written."""


@dataclass(frozen=True)
class DiscardComplaintDrafts(Effect):
    """A new complaint starts: media left from an abandoned one is not carried over."""


@dataclass(frozen=True)
class FileComplaint(Effect):
    """The complaint the flow collected; the receipt with its ticket goes out through the outbox."""

    category: str
    description: str = ""
    subject_unit: str | None = None
    subject_text: str | None = None
    confidential: bool = False
    anonymous: bool = False
    name: str | None = None
    consent_at: str | None = None  # ISO time of the consent (kept in the conversation's JSON state)


@dataclass(frozen=True)
class RecordCitizenReply(Effect):
    """"tidak puas KLK-…": the citizen's answer to a complaint's answer, for its handlers."""

    ticket: str
    message: str


def _record_media(effect: RecordComplaintMedia, ctx: EffectContext) -> None:
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


def _discard_drafts(effect: DiscardComplaintDrafts, ctx: EffectContext) -> None:
    ctx.session.execute(delete(ComplaintAttachment).where(
        ComplaintAttachment.conversation_id == ctx.conversation.id, ComplaintAttachment.complaint_id.is_(None)))


def _file(effect: FileComplaint, ctx: EffectContext) -> None:
    draft = service.Draft(
        category=effect.category, description=effect.description, subject_unit=effect.subject_unit,
        subject_text=effect.subject_text, confidential=effect.confidential, anonymous=effect.anonymous,
        reporter_name=effect.name,
        consent_at=datetime.fromisoformat(effect.consent_at) if effect.consent_at else None)
    done = service.file_complaint(ctx.session, ctx.outbox, ctx.office, draft, phone=ctx.conversation.phone,
                                  conversation_id=ctx.conversation.id, lang=ctx.conversation.lang,
                                  config=ctx.config)
    ctx.committed.add(outbox_ids=done.outbox_ids)


def _citizen_reply(effect: RecordCitizenReply, ctx: EffectContext) -> None:
    complaint = service.find_for_citizen(ctx.session, ctx.office.slug, effect.ticket, ctx.conversation.phone)
    if complaint is not None:
        service.record_citizen_reply(ctx.session, complaint, effect.message)


HANDLERS = {RecordComplaintMedia: _record_media, DiscardComplaintDrafts: _discard_drafts, FileComplaint: _file,
            RecordCitizenReply: _citizen_reply}
