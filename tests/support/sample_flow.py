"""A two-step flow used only by the engine tests (product flows come with their issues)."""

from __future__ import annotations

from enum import StrEnum

from bot.effects import Notify
from flows.base import Context, Flow, MenuEntry, Result, numbered_choice, say


class Step(StrEnum):
    NAME = "name"
    CITY = "city"
    CONFIRM = "confirm"


flow = Flow("sample", Step, menu=MenuEntry("menu.office_info", order=10, start=Step.NAME), emits=(Notify,))


@flow.prompt(Step.NAME)
def ask_name(ctx: Context):
    return say("SAMPLE: nama Anda?")


@flow.handler(Step.NAME)
def name(ctx: Context) -> Result:
    if len(ctx.text) < 3:
        return Result(understood=False)
    ctx.data["name"] = ctx.text
    return Result(goto=Step.CITY)


@flow.prompt(Step.CITY)
def ask_city(ctx: Context):
    return say(f"SAMPLE: kota Anda, {ctx.data.get('name')}?")


@flow.handler(Step.CITY)
def city(ctx: Context) -> Result:
    if ctx.text == "crash":
        raise RuntimeError("a bug in a flow")
    ctx.data["city"] = ctx.text
    return Result(goto=Step.CONFIRM)


@flow.prompt(Step.CONFIRM)
def ask_confirm(ctx: Context):
    return say(f"SAMPLE: {ctx.data['name']} dari {ctx.data['city']}. 1 Kirim 2 Ulang")


@flow.handler(Step.CONFIRM)
def confirm(ctx: Context) -> Result:
    choice = numbered_choice(ctx.text, 2)
    if choice == 1:
        notice = Notify(to="+6281299990000", body=f"Pendaftar baru: {ctx.data['name']}", kind="sample_notice")
        from flows.menu import Step as MenuStep

        return Result(say=say("SAMPLE: terkirim."), goto=MenuStep.MAIN, effects=[notice])
    if choice == 2:
        return Result(goto=Step.NAME)
    return Result(understood=False)
