"""Retention of everything personal, run daily by the worker's cron (worker.py). Idempotent: a second
run the same day finds nothing to do. It logs counts, never content.

| kind | kept | then |
|---|---|---|
| visits, their photos and consents | VISIT_RETENTION_DAYS after the visit | deleted (bot/visits/jobs.py) |
| complaints | COMPLAINT_RETENTION_DAYS after closing | deleted with events and attachments |
| survey answers | no address once completed or expired | the invitation forgets the address |
| transcripts: messages both ways, their status callbacks, handoffs | TRANSCRIPT_RETENTION_DAYS | deleted |
| conversation records | TRANSCRIPT_RETENTION_DAYS after the last message | deleted once nothing points at them |
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, or_, select, update
from sqlalchemy.orm import Session

from bot import runtime as runtime_module
from bot import statuses
from bot.clock import now as clock_now
from bot.models import Conversation, InboundMessage, OutboundMessage, StatusEvent
from bot.models.complaints import Complaint, ComplaintAttachment, ComplaintEvent
from bot.models.handoff import Handoff
from bot.models.survey import SurveyInvitation
from bot.models.visits import Visit, VisitPhoto
from bot.rights.service import ERASED_PREFIX, Retention
from bot.survey.service import COMPLETED, forget_address

logger = logging.getLogger(__name__)


def purge_personal_data() -> dict[str, int]:
    """The cron's entry point: `purge` with the running process's runtime and clock."""
    rt = runtime_module.current()
    with rt.db.session() as session:
        counts = purge(session, Retention.of(rt.config), clock_now())
        session.commit()
    logger.info("retention: %s", ", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "nothing to do")
    return counts


def purge(session: Session, retention: Retention, now: datetime) -> dict[str, int]:
    """Delete or anonymise what is past its period; returns counts per kind (zero kinds left out)."""
    counts: dict[str, int] = {}

    def count(key: str, n: int | None) -> None:
        if n:
            counts[key] = counts.get(key, 0) + n

    # Complaints: COMPLAINT_RETENTION_DAYS after closing.
    closed_before = now - timedelta(days=retention.complaints)
    old = list(session.scalars(select(Complaint.id).where(Complaint.closed_at.is_not(None),
                                                          Complaint.closed_at < closed_before)))
    if old:
        session.execute(delete(ComplaintEvent).where(ComplaintEvent.complaint_id.in_(old)))
        session.execute(delete(ComplaintAttachment).where(ComplaintAttachment.complaint_id.in_(old)))
        count("complaints_deleted", session.execute(delete(Complaint).where(Complaint.id.in_(old))).rowcount)

    # Survey: no address beside answers once the invitation is completed or expired.
    for invitation in session.scalars(select(SurveyInvitation).where(SurveyInvitation.phone != "", or_(
            SurveyInvitation.status == COMPLETED, SurveyInvitation.expires_at < now))):
        forget_address(invitation)
        count("survey_invitations_anonymised", 1)

    # Transcripts: TRANSCRIPT_RETENTION_DAYS.
    cutoff = now - timedelta(days=retention.transcripts)
    count("handoffs_deleted", session.execute(delete(Handoff).where(Handoff.requested_at < cutoff)).rowcount)
    old_outbound = select(OutboundMessage.id).where(OutboundMessage.created_at < cutoff)  # sent or long dead
    session.execute(delete(StatusEvent).where(or_(StatusEvent.outbound_id.in_(old_outbound),
                                                  StatusEvent.received_at < cutoff)))
    count("outbound_deleted", session.execute(delete(OutboundMessage).where(
        OutboundMessage.id.in_(old_outbound))).rowcount)
    # Media sent for a complaint never filed, once their messages are past their period.
    count("attachments_deleted", session.execute(delete(ComplaintAttachment).where(
        ComplaintAttachment.complaint_id.is_(None), ComplaintAttachment.created_at < cutoff)).rowcount)
    attached = select(ComplaintAttachment.inbound_id)
    old_inbound = select(InboundMessage.id).where(InboundMessage.received_at < cutoff)
    session.execute(update(OutboundMessage).where(OutboundMessage.in_reply_to_id.in_(old_inbound))
                    .values(in_reply_to_id=None))
    count("inbound_deleted", session.execute(delete(InboundMessage).where(
        InboundMessage.received_at < cutoff, InboundMessage.id.not_in(attached))).rowcount)
    # A message a kept complaint's attachment points to keeps only its link.
    count("inbound_anonymised", session.execute(update(InboundMessage).where(
        InboundMessage.received_at < cutoff, InboundMessage.from_number != "").values(
        from_number="", body="", media=[], profile_name=None, wa_id=None, external_user_id=None)).rowcount)
    idle = select(Conversation.id).where(Conversation.updated_at < cutoff, or_(
        Conversation.last_inbound_at.is_(None), Conversation.last_inbound_at < cutoff))
    session.execute(update(Complaint).where(Complaint.conversation_id.in_(idle)).values(conversation_id=None))
    referenced = or_(*(exists().where(column == Conversation.id).correlate(Conversation) for column in (
        InboundMessage.conversation_id, OutboundMessage.conversation_id, Visit.conversation_id,
        VisitPhoto.conversation_id, ComplaintAttachment.conversation_id, Handoff.conversation_id)))
    count("conversations_deleted", session.execute(delete(Conversation).where(
        Conversation.id.in_(idle), ~referenced)).rowcount)

    # An erased person's last replies kept their address only until sent.
    for conversation_id, placeholder in session.execute(select(Conversation.id, Conversation.phone).where(
            Conversation.phone.startswith(ERASED_PREFIX))):
        count("replies_anonymised", session.execute(update(OutboundMessage).where(
            OutboundMessage.conversation_id == conversation_id, OutboundMessage.to_number != placeholder,
            OutboundMessage.status.not_in(statuses.CLAIMABLE)).values(to_number=placeholder)).rowcount)
    session.flush()
    return counts
