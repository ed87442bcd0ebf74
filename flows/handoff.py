"""Talking with a human officer. The bot hands the conversation over and stays quiet: the officer
answers from the dashboard. "menu" (or "batal") brings the citizen back to the bot."""

from __future__ import annotations

from enum import StrEnum

from bot.clock import as_utc
from bot.handoff import ACK_EVERY, AcknowledgeWaiting, RequestHandoff, next_opening, open_request
from flows.base import Context, Flow, Reply, Result, say


class Step(StrEnum):
    WAITING = "waiting"


# However long the officer takes, the citizen waits for them (no idle expiry back to the menu).
flow = Flow("handoff", Step, expires=False, emits=(RequestHandoff, AcknowledgeWaiting))


def request(ctx: Context, reason: str) -> Result:
    """Start a handoff ("asked": the citizen typed *petugas*; "stuck": misunderstood twice)."""
    opening = "handoff.requested" if reason == "asked" else "handoff.stuck"
    return Result(say=say(ctx.t(opening)), goto=Step.WAITING, effects=[RequestHandoff(reason)])


def when_text(ctx: Context) -> str | None:
    """Outside opening hours: when an officer will answer, in the office's zone."""
    opens = next_opening(ctx.office, ctx.now)
    if opens is None or opens <= ctx.office.local(ctx.now):
        return None
    day = ctx.t(f"days.{('mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun')[opens.weekday()]}")
    when = ctx.t("handoff.when", day=day, date=opens.strftime("%d/%m/%Y"), time=opens.strftime("%H.%M"),
                 zone=ctx.office.zone_abbr)
    return ctx.t("handoff.closed", when=when)


@flow.prompt(Step.WAITING)
def waiting_prompt(ctx: Context) -> list[Reply]:
    return say(*(text for text in (when_text(ctx), ctx.t("handoff.leave_hint")) if text))


@flow.handler(Step.WAITING)
def waiting(ctx: Context) -> Result:
    """Records nothing new (the transcript has the message); reassures a waiting citizen now and then."""
    pending = open_request(ctx.session, ctx.conversation_id) if ctx.conversation_id else None
    due = pending is not None and pending.status == "waiting" and (
        pending.last_ack_at is None or ctx.now - as_utc(pending.last_ack_at) >= ACK_EVERY)
    if due:
        return Result(say=say(ctx.t("handoff.waiting_ack")), effects=[AcknowledgeWaiting()])
    return Result()  # an officer has it (or we just said so): the officer answers, not the bot
