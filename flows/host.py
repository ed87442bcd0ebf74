"""The host's reply to a visit notice (SOP 000 steps 5-7, seed 003 for redirecting to the Kajari).

An interceptor takes a message from an employee's number that has visits waiting for an answer,
when it reads as an answer: 1 terima, 2 tolak (reason), 3 usulkan waktu lain, 4 alihkan ke pegawai
lain, or the words for them ("oke", "tolak, sedang sidang", "besok jam 10 saja"), typos tolerated.
It works wherever that number's own conversation is (the same person may be a citizen too): the
host steps keep their data under `_host` and go back to where the conversation was afterwards.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from bot.employees import Employee, match
from bot.models.visits import Visit
from bot.visits import model, parsing, queries, settings
from bot.visits.effects import AnswerAsHost
from bot.visits.notices import when_correction, when_text
from bot.visits.security import normal_code
from bot.visits.settings import to_utc
from flows.base import Context, Flow, Reply, Result, numbered_choice, say


class Step(StrEnum):
    PICK = "pick"
    REASON = "reason"
    PROPOSE = "propose"
    REDIRECT = "redirect"


flow = Flow("host", Step, emits=(AnswerAsHost,))
KEY = "_host"


def _pending(ctx: Context) -> list[Visit]:
    return queries.pending_for_host(ctx.session, ctx.office.slug, ctx.conv.phone)


def _state(ctx: Context) -> dict:
    return ctx.data.setdefault(KEY, {})


def _visit(ctx: Context) -> Visit | None:
    visit_id = _state(ctx).get("visit_id")
    return next((v for v in _pending(ctx) if v.id == visit_id), None)


def _back(ctx: Context, replies: list[Reply], effects: list[AnswerAsHost] | None = None) -> Result:
    """Done: back to where this number's conversation was before the host's reply."""
    state = ctx.data.pop(KEY, {})
    return_to = state.get("return_to")
    if return_to and return_to != ctx.conv.step:
        return Result(say=replies, goto=return_to, effects=effects or [], prompt=False)
    return Result(say=replies, effects=effects or [], prompt=False)


def _answer(ctx: Context, visit: Visit, answer: str, reason: str = "", proposed_at: datetime | None = None,
            redirect_to: Employee | None = None) -> AnswerAsHost:
    me = ctx.staff.by_phone(ctx.conv.phone)
    return AnswerAsHost(visit.id, answer, reason=reason, proposed_at=proposed_at, redirect_to=redirect_to,
                        host_key=me.key if me else None)


def _settle(ctx: Context, visit: Visit, answer: parsing.HostAnswer) -> Result:
    """Apply an answer to one visit, or go to the step that asks what is missing."""
    state = _state(ctx)
    state["visit_id"] = visit.id
    if answer.kind == "accept":
        return _back(ctx, say(ctx.t("host.accepted", code=visit.code)), [_answer(ctx, visit, "accept")])
    if answer.kind == "decline":
        if not answer.rest:
            return Result(goto=Step.REASON)
        return _decline(ctx, visit, answer.rest)
    if answer.kind == "propose":
        if not answer.rest:
            return Result(goto=Step.PROPOSE)
        return _propose(ctx, visit, answer.rest)
    if not answer.rest:
        return Result(goto=Step.REDIRECT)
    return _redirect(ctx, visit, answer.rest)


def _decline(ctx: Context, visit: Visit, reason: str) -> Result:
    reason = " ".join(reason.split())[:300]
    return _back(ctx, say(ctx.t("host.declined", code=visit.code)),
                 [_answer(ctx, visit, "decline", reason=reason)])


def _propose(ctx: Context, visit: Visit, text: str) -> Result:
    try:
        moment = parsing.parse_when(text, ctx.now, ctx.office)
        parsing.check_when(moment, ctx.now, ctx.office, settings.MAX_DAYS_AHEAD, ctx.calendar)
    except parsing.Invalid as exc:
        correction = when_correction(ctx.t, ctx.office, exc.reason, exc.values)
        return Result(say=say(correction, ctx.t("host.ask_propose")), goto=Step.PROPOSE, prompt=False)
    when = when_text(ctx.t, ctx.office, moment)
    return _back(ctx, say(ctx.t("host.proposed", code=visit.code, when=when)),
                 [_answer(ctx, visit, "propose", proposed_at=to_utc(moment))])


def _redirect(ctx: Context, visit: Visit, text: str) -> Result:
    """Seed 003: the Kasi Intel decides whether the Kajari receives the guest or he does."""
    cleaned = re.sub(r"^(ke|kepada|to)\s+", "", text.strip(), flags=re.IGNORECASE)
    state = _state(ctx)
    staff = ctx.staff
    choice = numbered_choice(cleaned, len(state.get("candidates", [])))
    if choice is not None:
        found = [staff.get(state["candidates"][choice - 1])]
    else:
        found = [e for e, _ in match(staff, cleaned) if e.whatsapp != ctx.conv.phone]
    if len(found) != 1:
        state["candidates"] = [e.key for e in found]
        lines = [ctx.t("host.redirect_unclear" if not found else "host.redirect_pick")]
        lines += [f"{i}. {e.name} ({e.title})" for i, e in enumerate(found, 1)]
        return Result(say=say("\n".join(lines)), goto=Step.REDIRECT, prompt=False)
    employee = found[0]
    return _back(ctx, say(ctx.t("host.redirected", code=visit.code, host=employee.name)),
                 [_answer(ctx, visit, "redirect", redirect_to=employee)])


# The host notice's buttons (its template, config/whatsapp_templates.yaml) or list items (in session,
# bot/visits/notices.py), and the answer each one is.
TAP_ANSWERS = {"accept": "accept", "decline": "decline", "propose": "propose", "redirect": "redirect"}


def _tapped(ctx: Context) -> Result | None:
    """A tap on a notice's button answers that notice's visit, however many others wait."""
    kind = TAP_ANSWERS.get(ctx.tap.payload) if ctx.tap else None
    if kind is None or not ctx.tap.replied_sid:
        return None
    visit = queries.visit_of_notice(ctx.session, ctx.office.slug, ctx.tap.replied_sid)
    if visit is None or visit.host_phone != ctx.conv.phone:
        return None
    if visit.status != model.AWAITING_HOST:
        return Result(say=say(ctx.t("host.already_answered")), prompt=False)
    # A tap in the middle of answering another notice leaves that one: back to where the number was.
    return_to = _state(ctx).get("return_to") if ctx.conv.step.startswith(f"{flow.name}:") else ctx.conv.step
    ctx.data[KEY] = {"return_to": return_to, "answer": [kind, ""]}
    return _settle(ctx, visit, parsing.HostAnswer(kind, ""))


@flow.interceptor
def host_reply(ctx: Context) -> Result | None:
    """Routes an employee's answer to a pending visit notice; anything else goes on to its own step."""
    tapped = _tapped(ctx)
    if tapped is not None:
        return tapped
    if ctx.conv.step.startswith(f"{flow.name}:") or not ctx.text:
        return None
    if ctx.staff.by_phone(ctx.conv.phone) is None:  # citizens cost no query
        return None
    pending = _pending(ctx)
    if not pending:
        return None
    # As typed first (a reason keeps its capitals), then as read ("siaaap 👍").
    answer = parsing.host_answer(ctx.text, ctx.now, ctx.office) or parsing.host_answer(ctx.words, ctx.now, ctx.office)
    if answer is None:
        return None
    ctx.data[KEY] = {"return_to": ctx.conv.step, "answer": [answer.kind, answer.rest]}
    codes = {normal_code(word) for word in ctx.text.split()}
    named = [v for v in pending if v.code in codes]
    if len(pending) == 1 or len(named) == 1:
        visit = named[0] if named else pending[0]
        rest = " ".join(w for w in answer.rest.split() if normal_code(w) != visit.code)
        return _settle(ctx, visit, parsing.HostAnswer(answer.kind, rest))
    return Result(goto=Step.PICK)


@flow.prompt(Step.PICK)
def ask_pick(ctx: Context) -> list[Reply]:
    visits = _pending(ctx)
    _state(ctx)["choices"] = [v.id for v in visits]
    lines = [ctx.t("host.ask_pick")]
    lines += [ctx.t("host.pick_line", number=i, code=v.code, guest=v.name,
                    when=when_text(ctx.t, ctx.office, v.scheduled_at)) for i, v in enumerate(visits, 1)]
    return say("\n".join(lines))


@flow.handler(Step.PICK)
def pick(ctx: Context) -> Result:
    """Stores which visit the answer is for (its number or its code), then applies the answer."""
    state = _state(ctx)
    choices = state.get("choices", [])
    choice = numbered_choice(ctx.words, len(choices))
    visits = {v.id: v for v in _pending(ctx)}
    if choice is not None:
        visit = visits.get(choices[choice - 1])
    else:
        visit = next((v for v in visits.values() if v.code == normal_code(ctx.text)), None)
    if visit is None:
        return Result(understood=False)
    kind, rest = state.get("answer", ["accept", ""])
    return _settle(ctx, visit, parsing.HostAnswer(kind, rest))


@flow.prompt(Step.REASON)
def ask_reason(ctx: Context) -> list[Reply]:
    return say(ctx.t("host.ask_reason"))


@flow.handler(Step.REASON)
def reason(ctx: Context) -> Result:
    """Stores the reason for declining; the citizen is told politely."""
    visit = _visit(ctx)
    if visit is None:
        return _back(ctx, say(ctx.t("host.already_answered")))
    if len(ctx.text.strip()) < 3:
        return Result(understood=False)
    return _decline(ctx, visit, ctx.text)


@flow.prompt(Step.PROPOSE)
def ask_propose(ctx: Context) -> list[Reply]:
    return say(ctx.t("host.ask_propose"), ctx.t("visit.when_examples"))


@flow.handler(Step.PROPOSE)
def propose(ctx: Context) -> Result:
    """Parses the proposed time; the citizen is asked to accept or refuse it."""
    visit = _visit(ctx)
    if visit is None:
        return _back(ctx, say(ctx.t("host.already_answered")))
    return _propose(ctx, visit, ctx.text)


@flow.prompt(Step.REDIRECT)
def ask_redirect(ctx: Context) -> list[Reply]:
    return say(ctx.t("host.ask_redirect"))


@flow.handler(Step.REDIRECT)
def redirect(ctx: Context) -> Result:
    """Matches the employee the guest is handed to; that employee gets the notice."""
    visit = _visit(ctx)
    if visit is None:
        return _back(ctx, say(ctx.t("host.already_answered")))
    return _redirect(ctx, visit, ctx.text)
