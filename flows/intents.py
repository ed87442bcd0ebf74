"""What the citizen says they want, from any step: a front-desk officer's first reading of a sentence.

At the main menu a sentence that says what it wants starts that journey ("sy mau lapor dugaan korupsi
dana desa", "mau ganti jam kunjungan sy"), with what it already gives filled in ("sy mau ketemu pak
kasi pidum bsk jam 10": the host and the time, still confirmed at the end). Inside another step, only
what is asked outright comes before the step (a short question about the office, an officer, "gak jadi,
mau lapor aja"); anything else is tried only when the step did not understand the message, so a
free-text answer is never taken from it. Questions about the office ("sabtu buka gak?", "no telp kejari
brp", "boleh bawa pisau?") are answered and the citizen stays where they were. The phrases are
config/intents.yaml.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from bot.complaints import model as complaints
from bot.employees import Employee, match
from bot.offices import WEEKDAYS
from bot.visits import parsing, settings
from flows import complaint, complaint_status, handoff, office_info, services, survey, visit
from flows.base import Context, Flow, Reply, Result, say


class Step(StrEnum):
    """No steps of its own: it sends the citizen to the flow that serves what they asked."""


flow = Flow("intents", Step)

# Words that end the part of a sentence naming a person and begin its time or its purpose.
_TIME_WORDS = (r"besok|lusa|hari|nanti|tanggal|jam|pukul|senin|selasa|rabu|kamis|jumat|sabtu|minggu|pagi|siang|"
               r"sore|tomorrow|today|monday|tuesday|wednesday|thursday|friday|at|on|\d{1,2}[/.-]\d{1,2}")
_PURPOSE_WORDS = r"untuk|mengenai|soal|terkait|perihal|keperluan|karena|tentang|about|regarding"
_WHOM = re.compile(rf"(?:bertemu|menemui|menghadap|meet)\s+(?:dengan\s+)?(?P<whom>.+?)"
                   rf"(?=\s+(?:{_TIME_WORDS}|{_PURPOSE_WORDS})\b|[,.?!]|$)")
_WHEN = re.compile(rf"\b(?P<when>(?:{_TIME_WORDS})\b.*?)(?=\s+(?:{_PURPOSE_WORDS})\b|[?!]|$)")
_PURPOSE = re.compile(rf"\b(?:{_PURPOSE_WORDS})\s+(?P<purpose>.+?)(?=\s+(?:{_TIME_WORDS})\b|[?!]|$)")
# Journeys that the catalog may answer better when it is sure ("syarat laporan hibah" is a service).
_CATALOG_FIRST = ("complaint", "visit", "fee")
# Inside another step, only what the citizen clearly asks takes over before the step reads the message:
# a short question about the office ("kantor buka jam brp?" at the time step), an officer asked for, or
# "gak jadi, mau lapor aja". Longer text is the step's (a complaint's description may well say "jam buka").
_SHORT = 8
_QUESTION = re.compile(r"\?|\b(berapa|kapan|di ?mana|mana|apa|apakah|bagaimana|boleh|bisa|kah|what|where|when|how)\b")
_CHANGE_OF_MIND = re.compile(r"^(tidak jadi|batal|cancel|ganti|bukan itu|tidak usah)\b[\s,.]*")
_INSTEAD = re.compile(r"\b(aja|saja|instead)[.!]*$")  # "mau pengaduan aja": this rather than what was asked


def _intent(ctx: Context) -> str | None:
    reader = ctx.deps.intents
    if reader is None or not ctx.words or ctx.has_media or ctx.is_greeting or ctx.is_thanks:
        return None
    return reader.intent_of(ctx.words)


@flow.interceptor
def at_the_menu(ctx: Context) -> Result | None:
    """At the main menu, a sentence that says what it wants is served at once."""
    if not ctx.conv.at_home:
        return None
    intent = _intent(ctx)
    if intent is None:
        return None
    if intent in _CATALOG_FIRST and _catalog_is_sure(ctx):
        return None  # the services flow answers it
    return _serve(ctx, intent)


@flow.interceptor
def asked_outright(ctx: Context) -> Result | None:
    """Inside a step, before it reads the message: what the citizen clearly asks for instead."""
    if ctx.conv.at_home or ctx.conv.step.startswith(f"{handoff.flow.name}:"):
        return None
    intent = _intent(ctx)
    short = len(ctx.words.split()) <= _SHORT
    if intent == "handoff" and len(ctx.words.split()) <= 2 * _SHORT:
        return _handoff(ctx)
    if intent in _ANSWERS and short and _QUESTION.search(ctx.words):
        return _serve(ctx, intent)
    changed = _CHANGE_OF_MIND.match(ctx.words)
    if changed and ctx.deps.intents:
        wanted = ctx.deps.intents.intent_of(ctx.words[changed.end():])
        if wanted in _JOURNEYS:
            return _serve(ctx, wanted)
    if intent in _JOURNEYS and short and _INSTEAD.search(ctx.words) and not _in_flow_of(ctx, intent):
        return _serve(ctx, intent)
    return None


def _in_flow_of(ctx: Context, intent: str) -> bool:
    """Already in the journey the intent starts ("mau lapor aja" inside the complaint form changes nothing)."""
    flow_of = {"visit": visit.flow, "visit_change": visit.flow, "complaint": complaint.flow, "pungli": complaint.flow,
               "corruption": complaint.flow, "status": complaint_status.flow, "survey": survey.flow,
               "services": services.flow}
    owner = flow_of.get(intent)
    return owner is not None and ctx.conv.step.startswith(f"{owner.name}:")


@flow.fallback
def anywhere(ctx: Context) -> Result | None:
    """Inside a step that did not understand the message: what the citizen asks for instead."""
    if ctx.conv.at_home:
        return None
    intent = _intent(ctx)
    return _serve(ctx, intent) if intent else None


def _catalog_is_sure(ctx: Context) -> bool:
    search = ctx.deps.catalogs.search(ctx.office) if ctx.deps.catalogs else None
    if search is None:
        return False
    found = search.search(ctx.text)
    return found.sure and found.intent is not None


def _serve(ctx: Context, intent: str) -> Result:
    if intent in _ANSWERS:
        return _answered(ctx, _ANSWERS[intent](ctx))
    return _JOURNEYS[intent](ctx)


def _answered(ctx: Context, answer: list[Reply]) -> Result:
    """An answer leaves the citizen where they were: at the menu, or back at their step's question."""
    if ctx.conv.at_home:
        return Result(say=[*answer, *say(ctx.t("intents.next"))])
    return Result(say=answer, goto=ctx.conv.step)


# -- journeys --------------------------------------------------------------------------------------
def _visit(ctx: Context) -> Result:
    host, moment = _whom(ctx), _when(ctx)
    result = visit.begin_with(ctx, host, moment)
    purpose = _purpose(ctx)
    if purpose:
        ctx.data["purpose"] = purpose
    return result


def _whom(ctx: Context) -> Employee | None:
    found = _WHOM.search(ctx.words)
    if not found:
        return None
    candidates = match(ctx.staff, found.group("whom"))
    return candidates[0][0] if len(candidates) == 1 else None


def _when(ctx: Context) -> datetime | None:
    """The time the sentence proposes, when it is one the office receives guests at; otherwise the
    flow asks for it as usual (and explains then what is possible)."""
    found = _WHEN.search(ctx.words)
    if not found:
        return None
    try:
        moment = parsing.parse_when(found.group("when"), ctx.now, ctx.office)
        parsing.check_when(moment, ctx.now, ctx.office, settings.MAX_DAYS_AHEAD, ctx.calendar)
    except parsing.Invalid:
        return None
    return moment


def _purpose(ctx: Context) -> str | None:
    found = _PURPOSE.search(ctx.words)
    text = " ".join(found.group("purpose").split()) if found else ""
    return text if visit.PURPOSE_MIN <= len(text) <= visit.PURPOSE_MAX else None


def _visit_change(ctx: Context) -> Result:
    return visit.change_mine(ctx)


def _complaint(ctx: Context) -> Result:
    ctx.data.clear()
    return Result(goto=complaint.Step.CATEGORY)


def _pungli(ctx: Context) -> Result:
    ctx.data.clear()
    ctx.data["category"] = complaints.CATEGORY_PUNGLI
    return Result(goto=complaint.Step.CONSENT)


def _corruption(ctx: Context) -> Result:
    """At a Kejaksaan a corruption report goes to the intelligence section, in writing (seed 003)."""
    ctx.data.clear()
    if complaints.CATEGORY_INTELLIGENCE in complaints.categories_for(ctx.office):
        ctx.data["category"] = complaints.CATEGORY_INTELLIGENCE
        return Result(goto=complaint.Step.INTEL_INFO)
    return Result(goto=complaint.Step.CATEGORY)


def _services(ctx: Context) -> Result:
    ctx.data.clear()
    return services.start(ctx)


def _status(ctx: Context) -> Result:
    ticket = complaints.parse_ticket(ctx.text)
    if ticket:
        return _answered(ctx, say(complaint_status.lookup(ctx, ticket)))
    return Result(goto=complaint_status.Step.TICKET)


def _survey(ctx: Context) -> Result:
    return survey.start(ctx)


def _handoff(ctx: Context) -> Result:
    if ctx.conv.step.startswith(f"{handoff.flow.name}:"):
        return Result(goto=ctx.conv.step)
    return handoff.request(ctx, "asked")


_JOURNEYS = {"visit": _visit, "visit_change": _visit_change, "complaint": _complaint, "pungli": _pungli,
             "corruption": _corruption, "status": _status, "survey": _survey, "handoff": _handoff,
             "services": _services}


# -- answers about the office ----------------------------------------------------------------------
def _hours(ctx: Context) -> list[Reply]:
    office = ctx.office
    lines = []
    day = parsing.day_named(ctx.words, office.local(ctx.now).date())
    if day is not None:
        values = {"day": ctx.t(f"days.{WEEKDAYS[day.weekday()]}"), "date": day.strftime("%d/%m/%Y")}
        holiday = ctx.calendar.holiday(day, ctx.lang)
        spans = office.spans(day)
        if holiday:
            lines.append(ctx.t("intents.closed_holiday", holiday=holiday, **values))
        elif spans:
            start, end = spans[0][0].strftime("%H.%M"), spans[-1][1].strftime("%H.%M")
            breaks = office_info.breaks_text(spans)
            lines.append(ctx.t("intents.open_day_breaks", breaks=breaks, start=start, end=end, zone=office.zone_abbr,
                               **values) if breaks else
                         ctx.t("intents.open_day", start=start, end=end, zone=office.zone_abbr, **values))
        else:
            lines.append(ctx.t("intents.closed_day", **values))
        lines.append("")
    lines += [ctx.t("intents.hours_title", zone=office.zone_abbr), *office_info.opening_hours_lines(ctx, office),
              office_info.closed_line(ctx, office), *office_info.estimate_note(ctx, office)]
    return say("\n".join(lines))


def _contact(ctx: Context) -> list[Reply]:
    office = ctx.office
    lines = [ctx.t("intents.contact_title"), ctx.t("office_info.hotline", hotline=office.hotline)]
    if office.email:
        lines.append(ctx.t("office_info.email", email=office.email))
    if office.website:
        lines.append(ctx.t("office_info.website", website=office.website))
    return say("\n".join(lines))


def _address(ctx: Context) -> list[Reply]:
    """Where the office is, with its parking and access notes (parking is asked together with the way)."""
    office = ctx.office
    lines = [ctx.t("intents.address_title"), office.address, "",
             ctx.t("office_info.map", url=office_info.map_url(office))]
    if office.accessibility:
        lines += ["", ctx.t("office_info.accessibility_title"), *(f"• {note}" for note in office.accessibility)]
    return say("\n".join(lines))


def _rules(ctx: Context) -> list[Reply]:
    """The office's own rules from its SOP; a rule that covers the thing asked about is named first."""
    office = ctx.office
    if not office.visitor_rules:
        return say(ctx.t("intents.rules_none", hotline=office.hotline))
    reply = [ctx.t("intents.rules_title"), *(f"• {rule}" for rule in office.visitor_rules)]
    topics = ctx.deps.intents.items_asked(ctx.words) if ctx.deps.intents else []
    if topics:
        covering = [rule for rule in office.visitor_rules if any(topic in rule.lower() for topic in topics)]
        if covering:
            reply += ["", ctx.t("intents.rules_covered", rules=" ".join(covering))]
        else:
            reply += ["", ctx.t("intents.rules_not_listed", hotline=office.hotline)]
    return say("\n".join(reply))


def _fee(ctx: Context) -> list[Reply]:
    return say(ctx.t("office_info.free"))


_ANSWERS = {"office_hours": _hours, "office_contact": _contact, "office_address": _address, "visitor_rules": _rules,
            "fee": _fee}
