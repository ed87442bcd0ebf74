"""The main menu: the welcome, the numbered list of what the office offers on WhatsApp."""

from __future__ import annotations

from enum import StrEnum

from flows.base import Context, Flow, Reply, Result, numbered_choice, say


class Step(StrEnum):
    MAIN = "main"


flow = Flow("menu", Step)


def menu_text(ctx: Context) -> str:
    entries = ctx.services["menu_entries"]
    lines = [ctx.t("menu.title")]
    lines += [ctx.t("menu.item", number=i, label=ctx.t(entry.label_key)) for i, entry in enumerate(entries, 1)]
    lines += ["", ctx.t("menu.choose"), ctx.t("menu.footer")]
    return "\n".join(lines)


def welcome(ctx: Context) -> list[Reply]:
    return say(ctx.t("welcome"), menu_text(ctx))


@flow.prompt(Step.MAIN)
def main_prompt(ctx: Context) -> list[Reply]:
    return say(menu_text(ctx))


@flow.handler(Step.MAIN)
def main(ctx: Context) -> Result:
    """Stores nothing; a menu number starts that flow (or answers at once), a greeting repeats the welcome."""
    entries = ctx.services["menu_entries"]
    choice = numbered_choice(ctx.text, len(entries))
    if choice is not None:
        entry = entries[choice - 1]
        return entry.action(ctx) if entry.action else Result(goto=entry.start)
    if ctx.services["is_greeting"]:
        return Result(say=welcome(ctx), prompt=False)
    return Result(understood=False)
