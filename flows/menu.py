"""The main menu: the welcome, the numbered list of what the office offers on WhatsApp."""

from __future__ import annotations

from enum import StrEnum

from flows.base import Context, Flow, Reply, Result, numbered, numbered_choice, say


class Step(StrEnum):
    MAIN = "main"


flow = Flow("menu", Step)


def menu_reply(ctx: Context) -> Reply:
    """The numbered main menu: typed as a number, or tapped from WhatsApp's list."""
    labels = [ctx.t(entry.label_key) for entry in ctx.deps.menu_entries]
    return numbered(ctx, ctx.t("menu.title"), labels, after=("", ctx.t("menu.choose"), ctx.t("menu.footer")))


def welcome(ctx: Context) -> list[Reply]:
    return [*say(ctx.t("welcome")), menu_reply(ctx)]


@flow.prompt(Step.MAIN)
def main_prompt(ctx: Context) -> list[Reply]:
    return [menu_reply(ctx)]


@flow.handler(Step.MAIN)
def main(ctx: Context) -> Result:
    """Stores nothing; a menu number starts that flow (or answers at once), a greeting repeats the welcome."""
    entries = ctx.deps.menu_entries
    choice = numbered_choice(ctx.words, len(entries), [ctx.t(entry.label_key) for entry in entries])
    if choice is not None:
        entry = entries[choice - 1]
        return entry.action(ctx) if entry.action else Result(goto=entry.start)
    if ctx.is_greeting:
        return Result(say=welcome(ctx), prompt=False)
    return Result(understood=False)
