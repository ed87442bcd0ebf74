"""Office information: address, opening hours in the office's zone, contacts, visitor rules."""

from __future__ import annotations

from enum import StrEnum
from urllib.parse import quote_plus

from bot.offices import WEEKDAYS, Office
from flows.base import Context, Flow, MenuEntry, Result, say


class Step(StrEnum):
    """No steps of its own: the answer comes straight from the menu."""


def _hour(value) -> str:
    return value.strftime("%H.%M")


def opening_hours_lines(ctx: Context, office: Office) -> list[str]:
    """Consecutive days with the same hours share a line: "Senin–Kamis: 08.00–16.00"."""
    groups: list[list[str]] = []
    for day in WEEKDAYS:
        hours = office.opening_hours.get(day)
        if hours and groups and office.opening_hours.get(groups[-1][-1]) == hours:
            groups[-1].append(day)
        elif hours:
            groups.append([day])
    lines = []
    for days in groups:
        first, last = ctx.t(f"days.{days[0]}"), ctx.t(f"days.{days[-1]}")
        label = first if len(days) == 1 else ctx.t("days.range", first=first, last=last)
        start, end = office.opening_hours[days[0]]
        lines.append(ctx.t("office_info.hours_line", days=label, start=_hour(start), end=_hour(end)))
    return lines


def map_url(office: Office) -> str:
    """A map search for the published address: the seeds give no coordinates, so we invent none."""
    return "https://www.google.com/maps/search/?api=1&query=" + quote_plus(f"{office.name}, {office.address}")


def info_text(ctx: Context) -> str:
    office = ctx.office
    parts = [ctx.t("office_info.title", office=office.name), ctx.t("office_info.address", address=office.address),
             ctx.t("office_info.map", url=map_url(office)),
             "", ctx.t("office_info.hours_title", zone=office.zone_abbr), *opening_hours_lines(ctx, office),
             ctx.t("office_info.hours_closed"), "", ctx.t("office_info.hotline", hotline=office.hotline)]
    if office.email:
        parts.append(ctx.t("office_info.email", email=office.email))
    if office.website:
        parts.append(ctx.t("office_info.website", website=office.website))
    if office.visitor_rules:
        parts += ["", ctx.t("office_info.rules_title"), *(f"• {rule}" for rule in office.visitor_rules)]
    if office.accessibility:
        parts += ["", ctx.t("office_info.accessibility_title"), *(f"• {note}" for note in office.accessibility)]
    parts += ["", ctx.t("office_info.free")]
    return "\n".join(parts)


def show(ctx: Context) -> Result:
    """Stores nothing; answers with the office's information and leaves the citizen at the main menu."""
    return Result(say=say(info_text(ctx), ctx.t("office_info.next")))


flow = Flow("office_info", Step, menu=MenuEntry("menu.office_info", order=90, action=show))


@flow.interceptor
def question_about_the_office(ctx: Context) -> Result | None:
    """At the main menu, "alamat kantor di mana?" or "jam buka" gets the office information."""
    if ctx.conv.at_home and ctx.text and ctx.deps.catalogs.vocabulary.about_the_office(ctx.text):
        return show(ctx)
    return None
