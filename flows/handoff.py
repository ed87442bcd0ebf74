"""Talking with a human officer, only when the citizen asks ("petugas"). The officer answers from the
dashboard. Meanwhile nothing the citizen writes meets silence for long: a question the catalog can
answer is answered at once, anything else is kept for the officer and acknowledged (at most once every
few minutes), with the hours when an officer answers if the office is closed. "menu" (or "batal")
brings the citizen back to the bot; what they were doing before they asked is kept for when the
officer hands them back."""

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
    """Start a handoff ("asked": the citizen typed *petugas*). The step they were at stays in the
    conversation's history (and its data with it), so nothing being filed is lost."""
    return Result(say=say(ctx.t("handoff.requested")), goto=Step.WAITING, effects=[RequestHandoff(reason)])


def when_text(ctx: Context) -> str | None:
    """Outside opening hours: when an officer will answer, in the office's zone."""
    opens = next_opening(ctx.office, ctx.now, ctx.calendar)
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
    """Records nothing new (the transcript keeps the message for the officer). Answers what the catalog
    can; otherwise reassures the citizen, at most once every ACK_EVERY."""
    from flows.services import direct_answer  # the services flow imports the visit flow: import late

    answer = direct_answer(ctx)
    if answer:
        return Result(say=[*answer, *say(ctx.t("handoff.still_waiting"))])
    pending = open_request(ctx.session, ctx.conversation_id) if ctx.conversation_id else None
    due = pending is not None and (pending.last_ack_at is None or ctx.now - as_utc(pending.last_ack_at) >= ACK_EVERY)
    if due:
        key = "handoff.waiting_ack" if pending.status == "waiting" else "handoff.taken_ack"
        return Result(say=say(ctx.t(key), *(text for text in (when_text(ctx),) if text)),
                      effects=[AcknowledgeWaiting()])
    return Result()  # acknowledged a moment ago: the officer has the message and answers it
