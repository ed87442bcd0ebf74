"""Status of a complaint: from the menu (ask the ticket number) or "status KLK-2026-000123" from any step.

Only the number that filed a complaint sees it; any other number gets the same "not found" answer,
so a ticket number alone reveals nothing.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.complaints import model, service
from bot.complaints.effects import RecordCitizenReply
from flows import menu
from flows.base import Context, Flow, MenuEntry, Reply, Result, say


class Step(StrEnum):
    TICKET = "ticket"


flow = Flow("complaint_status", Step, menu=MenuEntry("complaint.status_menu_label", order=40, start=Step.TICKET),
            emits=(RecordCitizenReply,))

STATUS_COMMAND = re.compile(r"^\s*(?:cek\s+|check\s+)?status\s+(\S+)\s*$", re.IGNORECASE)
TICKET_LIKE = re.compile(r"\b[A-Za-z]{2,8}[-\s.]?\d{3,}(?:[-\s.]\d+)?\b")
NOT_SATISFIED = re.compile(r"^\s*(?:tidak puas|belum puas|not satisfied)\s+(\S+)\s*(.*)$", re.IGNORECASE | re.DOTALL)


class _Catalog:
    """The conversation's catalog, shaped like bot.i18n.Messages for the domain's text helpers."""

    def __init__(self, ctx: Context):
        self.ctx = ctx

    def text(self, lang: str, key: str, **values: object) -> str:
        return self.ctx.t(key, **values)


def lookup(ctx: Context, ticket: str) -> str:
    complaint = service.find_for_citizen(ctx.session, ctx.office.slug, ticket, ctx.conv.phone)
    if complaint is None:
        return ctx.t("complaint.view.not_found", ticket=ticket)
    return service.citizen_status(_Catalog(ctx), ctx.lang, ctx.office, complaint)


@flow.prompt(Step.TICKET)
def ask_ticket(ctx: Context) -> list[Reply]:
    recent = service.recent_for_citizen(ctx.session, ctx.office.slug, ctx.conv.phone)
    lines = [ctx.t("complaint.view.recent_item", ticket=c.ticket, status=ctx.t(f"complaint.status.{c.status}"))
             for c in recent]
    recent_text = ctx.t("complaint.view.recent", items="\n".join(lines)) if lines else ""
    return say(ctx.t("complaint.view.ask_ticket", example=f"{ctx.office.code}-{ctx.now.year}-000123"), recent_text)


@flow.handler(Step.TICKET)
def ticket(ctx: Context) -> Result:
    """Stores nothing; answers with the complaint's status and latest public note, then the menu."""
    number = model.parse_ticket(ctx.text)
    if number is None:
        typed = TICKET_LIKE.search(ctx.text or "")  # "SKL-00231": a number, just not one of ours
        if typed:
            example = f"{ctx.office.code}-{ctx.now.year}-000123"
            return Result(say=say(ctx.t("complaint.view.not_found", ticket=typed.group(0).upper()),
                                  ctx.t("complaint.view.ask_ticket", example=example)), prompt=False)
        return Result(understood=False)
    return Result(say=say(lookup(ctx, number), ctx.t("complaint.view.next")), goto=menu.Step.MAIN, prompt=False)


@flow.interceptor
def status_anywhere(ctx: Context) -> Result | None:
    """ "status KLK-2026-000123" from any step: the answer, then the step the citizen was at, unchanged."""
    match = STATUS_COMMAND.match(ctx.text or "")
    number = model.parse_ticket(match.group(1)) if match else None
    if number is None:
        return None
    answer = say(lookup(ctx, number))
    if ctx.conv.at_home:
        return Result(say=[*answer, *say(ctx.t("complaint.view.next"))])
    return Result(say=answer, goto=ctx.conv.step)


@flow.interceptor
def not_satisfied(ctx: Context) -> Result | None:
    """ "tidak puas KLK-2026-000123 …" after an answer: recorded for the handlers; no automatic close then."""
    match = NOT_SATISFIED.match(ctx.text or "")
    number = model.parse_ticket(match.group(1)) if match else None
    if number is None:
        return None
    complaint = service.find_for_citizen(ctx.session, ctx.office.slug, number, ctx.conv.phone)
    if complaint is None:
        return Result(say=say(ctx.t("complaint.view.not_found", ticket=number)), goto=ctx.conv.step,
                      prompt=not ctx.conv.at_home)
    effect = RecordCitizenReply(ticket=number, message=match.group(2) or ctx.text)
    return Result(say=say(ctx.t("complaint.view.reply_recorded", ticket=number)), goto=ctx.conv.step,
                  effects=[effect], prompt=not ctx.conv.at_home)
