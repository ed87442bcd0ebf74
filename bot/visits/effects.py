"""Effect kinds of the guest book, recorded in the conversation's own transaction.

Flows render every text (bot/visits/notices.py) and pass ready specs; these handlers write the
rows, record each message in the outbox, and schedule the follow-up jobs after the commit.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select

from bot import phone
from bot.clock import now
from bot.effects import EffectContext, Job, handles
from bot.models import InboundMessage
from bot.models.visits import Consent, Employee, Visit, VisitEvent, VisitPhoto
from bot.visits import records
from bot.visits.settings import to_utc

logger = logging.getLogger(__name__)

DOWNLOAD_JOB = "bot.visits.jobs.download_photo"
FOLLOWUP_JOB = "bot.visits.jobs.host_followup"


def send(ctx: EffectContext, spec: dict | None) -> int | None:
    """Record one message spec in the outbox; returns the first row's id."""
    if not spec or not spec.get("to"):
        return None
    rows = ctx.outbox.record_notice(
        ctx.session, office=ctx.office, to=spec["to"], body=spec.get("body", ""), kind=spec.get("kind", "notice"),
        conversation_id=ctx.conversation.id if spec["to"] == ctx.conversation.phone else None,
        media_urls=spec.get("media_urls") or (), content_sid=spec.get("content_sid"),
        content_variables=spec.get("content_variables"), send_at=spec.get("send_at"))
    ctx.committed.outbox_ids += [r.id for r in rows]
    return rows[0].id


def event(ctx: EffectContext, visit: Visit, kind: str, actor: str, **detail) -> None:
    ctx.session.add(VisitEvent(visit_id=visit.id, kind=kind, actor=actor, detail=detail, at=now()))


def employee_row(ctx: EffectContext, host: dict | None) -> Employee | None:
    """The directory's row of the host the citizen chose (the visit keeps its own copy of the name and
    number, so a host edited or switched off since still shows as the citizen saw them)."""
    if not host or not host.get("key"):
        return None
    return ctx.session.scalar(select(Employee).where(Employee.office == ctx.office.slug,
                                                     Employee.key == host["key"]))


def _visit(ctx: EffectContext) -> Visit:
    visit = ctx.session.get(Visit, ctx.payload["visit_id"])
    if visit is None or visit.office != ctx.office.slug:
        raise LookupError("visit not found for this office")
    return visit


def _cancel_reminders(ctx: EffectContext, visit: Visit) -> None:
    if visit.reminder_outbox_ids:
        ctx.outbox.cancel(ctx.session, visit.reminder_outbox_ids)
    visit.reminder_outbox_ids = []


def _schedule_reminders(ctx: EffectContext, visit: Visit, specs: list[dict]) -> None:
    _cancel_reminders(ctx, visit)
    visit.reminder_outbox_ids = [i for i in (send(ctx, spec) for spec in specs) if i is not None]


def _notify_host(ctx: EffectContext, visit: Visit, host_notice: dict | None, desk_notices: list[dict],
                 remind_minutes: int, escalate_minutes: int) -> None:
    """A (new) notice round: the host's notice, or the desk when the host has no number; then the
    reminder and escalation checks, which do nothing once the host has answered."""
    visit.notice_round += 1
    visit.host_notice_outbox_id = send(ctx, host_notice)
    visit.escalated_at = None
    if visit.host_notice_outbox_id is None:
        for spec in desk_notices:
            send(ctx, spec)
        event(ctx, visit, "desk_notified", "system", reason="host_without_number")
        return
    event(ctx, visit, "host_notified", "system", round=visit.notice_round)
    start = now()
    ctx.committed.jobs.append(Job(FOLLOWUP_JOB, (visit.id, visit.notice_round, "remind"),
                                  start + timedelta(minutes=remind_minutes)))
    ctx.committed.jobs.append(Job(FOLLOWUP_JOB, (visit.id, visit.notice_round, "escalate"),
                                  start + timedelta(minutes=escalate_minutes)))


@handles("visit.consent")
def consent(ctx: EffectContext) -> None:
    p = ctx.payload
    ctx.session.add(Consent(office=ctx.office.slug, phone=ctx.conversation.phone, purpose="visit",
                            text_version=p["version"], lang=p["lang"], accepted=p["accepted"], at=now()))


@handles("visit.redact_inbound")
def redact_inbound(ctx: EffectContext) -> None:
    """The message carrying an identity number is kept in the transcript in masked form only."""
    row = ctx.session.scalar(select(InboundMessage).where(
        InboundMessage.conversation_id == ctx.conversation.id).order_by(InboundMessage.id.desc()).limit(1))
    if row is not None:
        row.body = ctx.payload["body"]


@handles("visit.photo")
def photo(ctx: EffectContext) -> None:
    """The citizen's photo: remember its WhatsApp URL now, download it in a job (the webhook stays fast)."""
    p = ctx.payload
    row = VisitPhoto(office=ctx.office.slug, conversation_id=ctx.conversation.id, source_url=p["url"],
                     content_type=p.get("content_type"), status="pending")
    ctx.session.add(row)
    ctx.session.flush()
    ctx.committed.jobs.append(Job(DOWNLOAD_JOB, (row.id, 0)))


@handles("visit.create")
def create(ctx: EffectContext) -> None:
    p = ctx.payload
    v = p["visit"]
    if records.code_in_use(ctx.session, ctx.office.slug, v["code"]):
        raise RuntimeError("visit code taken between the check and the commit")
    host = employee_row(ctx, p.get("host"))
    consent_id = ctx.session.scalar(select(Consent.id).where(
        Consent.office == ctx.office.slug, Consent.phone == ctx.conversation.phone, Consent.accepted.is_(True))
        .order_by(Consent.id.desc()).limit(1))
    photo_id = ctx.session.scalar(select(VisitPhoto.id).where(
        VisitPhoto.conversation_id == ctx.conversation.id).order_by(VisitPhoto.id.desc()).limit(1))
    visit = Visit(office=ctx.office.slug, code=v["code"], conversation_id=ctx.conversation.id,
                  citizen_phone=ctx.conversation.phone, citizen_lang=p["lang"], name=v["name"],
                  id_type=v["id_type"], id_masked=v["id_masked"], id_hash=v["id_hash"], photo_id=photo_id,
                  consent_id=consent_id, purpose=v["purpose"], host_employee_id=host.id if host else None,
                  host_name=v.get("host_name"), host_phone=v.get("host_phone"), unit=v.get("unit"),
                  scheduled_at=to_utc(v["scheduled_at"]), status=records.AWAITING_HOST, notice_round=0,
                  reminder_outbox_ids=[], created_at=now())
    ctx.session.add(visit)
    ctx.session.flush()
    event(ctx, visit, "created", "citizen", scheduled_at=visit.scheduled_at.isoformat())
    _schedule_reminders(ctx, visit, p["reminders"])
    _notify_host(ctx, visit, p.get("host_notice"), p.get("desk_notices") or [], p["remind_minutes"],
                 p["escalate_minutes"])
    logger.info("visit %s/%s created for %s", visit.office, visit.code, phone.mask(visit.citizen_phone))


@handles("visit.cancel")
def cancel(ctx: EffectContext) -> None:
    visit = _visit(ctx)
    if visit.status not in records.OPEN:
        return
    visit.status = records.CANCELLED
    _cancel_reminders(ctx, visit)
    send(ctx, ctx.payload.get("host_notice"))
    event(ctx, visit, "cancelled", ctx.payload.get("actor", "citizen"))


@handles("visit.reschedule")
def reschedule(ctx: EffectContext) -> None:
    """The citizen changed the time: the host is asked again."""
    p = ctx.payload
    visit = _visit(ctx)
    if visit.status not in records.OPEN:
        return
    previous = visit.scheduled_at
    visit.scheduled_at, visit.status, visit.proposed_at = to_utc(p["scheduled_at"]), records.AWAITING_HOST, None
    visit.host_answer, visit.host_reason, visit.answered_at = None, None, None
    event(ctx, visit, "rescheduled", "citizen", previous=previous.isoformat(),
          scheduled_at=p["scheduled_at"].isoformat())
    _schedule_reminders(ctx, visit, p["reminders"])
    _notify_host(ctx, visit, p.get("host_notice"), p.get("desk_notices") or [], p["remind_minutes"],
                 p["escalate_minutes"])


@handles("visit.host_answer")
def host_answer(ctx: EffectContext) -> None:
    """The host's answer: accept, decline (with a reason), propose another time, or redirect."""
    p = ctx.payload
    visit = _visit(ctx)
    if visit.status != records.AWAITING_HOST:
        return
    answer = p["answer"]
    actor = f"host:{p.get('host_key') or 'unknown'}"
    visit.host_answer, visit.answered_at = answer, now()
    if answer == "accept":
        visit.status = records.ACCEPTED
    elif answer == "decline":
        visit.status, visit.host_reason = records.DECLINED, p.get("reason") or None
        _cancel_reminders(ctx, visit)
    elif answer == "propose":
        visit.status, visit.proposed_at = records.PROPOSED, to_utc(p["proposed_at"])
        _cancel_reminders(ctx, visit)
    event(ctx, visit, answer, actor, reason=p.get("reason") or "",
          proposed_at=p["proposed_at"].isoformat() if p.get("proposed_at") else None,
          to=(p.get("redirect") or {}).get("host", {}).get("key"))
    send(ctx, p.get("citizen_notice"))
    if answer == "redirect":
        redirect = p["redirect"]
        new_host = employee_row(ctx, redirect["host"])
        visit.host_employee_id = new_host.id if new_host else None
        visit.host_name, visit.host_phone = redirect["host"]["name"], redirect["host"].get("whatsapp")
        visit.status, visit.host_answer, visit.answered_at = records.AWAITING_HOST, None, None
        _notify_host(ctx, visit, redirect.get("host_notice"), redirect.get("desk_notices") or [],
                     p["remind_minutes"], p["escalate_minutes"])


@handles("visit.proposal_answer")
def proposal_answer(ctx: EffectContext) -> None:
    """The citizen accepts the host's proposed time (the visit moves there) or refuses it (closed)."""
    p = ctx.payload
    visit = _visit(ctx)
    if visit.status != records.PROPOSED:
        return
    if p["accepted"]:
        visit.scheduled_at, visit.status = visit.proposed_at, records.ACCEPTED
        _schedule_reminders(ctx, visit, p.get("reminders") or [])
        event(ctx, visit, "proposal_accepted", "citizen")
    else:
        visit.status = records.CANCELLED
        event(ctx, visit, "proposal_refused", "citizen")
    send(ctx, p.get("host_notice"))
