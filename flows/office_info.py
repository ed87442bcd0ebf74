"""Office information: address, opening hours in the office's zone, contacts, visitor rules."""

from __future__ import annotations

from enum import StrEnum
from itertools import pairwise
from urllib.parse import quote_plus

from bot.offices import WEEKDAYS, Office
from flows.base import Context, Flow, MenuEntry, Result, say


class Step(StrEnum):
    """No steps of its own: the answer comes straight from the menu."""


def _hour(value) -> str:
    return value.strftime("%H.%M")


def breaks_text(spans) -> str:
    """The breaks between a day's spans: "11.30–13.30" (several joined by commas); "" for none."""
    return ", ".join(f"{_hour(closes)}–{_hour(opens)}" for (_, closes), (opens, _) in pairwise(spans))


def opening_hours_lines(ctx: Context, office: Office) -> list[str]:
    """Consecutive days with the same hours share a line: "Senin–Kamis: 08.00–16.00"; a day with a break
    says it: "Jumat: 08.00–16.30 (istirahat 11.30–13.30)"."""
    groups: list[list[str]] = []
    for day in WEEKDAYS:
        spans = office.spans(day)
        if spans and groups and office.spans(groups[-1][-1]) == spans:
            groups[-1].append(day)
        elif spans:
            groups.append([day])
    lines = []
    for days in groups:
        first, last = ctx.t(f"days.{days[0]}"), ctx.t(f"days.{days[-1]}")
        label = first if len(days) == 1 else ctx.t("days.range", first=first, last=last)
        spans = office.spans(days[0])
        line = ctx.t("office_info.hours_line", days=label, start=_hour(spans[0][0]), end=_hour(spans[-1][1]))
        breaks = breaks_text(spans)
        lines.append(f"{line} {ctx.t('office_info.hours_breaks', breaks=breaks)}" if breaks else line)
    return lines


def closed_line(ctx: Context, office: Office) -> str:
    """Which days the office is closed, from its hours: "Sabtu, Minggu, dan hari libur nasional tutup."."""
    closed = [day for day in WEEKDAYS if not office.spans(day)]
    if closed == ["sat", "sun"]:
        return ctx.t("office_info.hours_closed")
    if not closed:
        return ctx.t("office_info.hours_closed_holidays")
    return ctx.t("office_info.hours_closed_days", days=", ".join(ctx.t(f"days.{day}") for day in closed))


def estimate_note(ctx: Context, office: Office) -> list[str]:
    """Hours the office has not confirmed are said to be an estimate, with whom to check (issue 17 §4)."""
    return [ctx.t("office_info.hours_estimated", hotline=office.hotline)] if office.hours_estimated else []


def map_url(office: Office) -> str:
    """The office's pin when its admin gave one; else a map search for the published address (the seeds give
    no coordinates, so we invent none)."""
    if office.latitude is not None and office.longitude is not None:
        return f"https://www.google.com/maps/search/?api=1&query={office.latitude},{office.longitude}"
    return "https://www.google.com/maps/search/?api=1&query=" + quote_plus(f"{office.name}, {office.address}")


def info_text(ctx: Context) -> str:
    office = ctx.office
    parts = [ctx.t("office_info.title", office=office.name), ctx.t("office_info.address", address=office.address),
             ctx.t("office_info.map", url=map_url(office)),
             "", ctx.t("office_info.hours_title", zone=office.zone_abbr), *opening_hours_lines(ctx, office),
             closed_line(ctx, office), *estimate_note(ctx, office),
             "", ctx.t("office_info.hotline", hotline=office.hotline)]
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
