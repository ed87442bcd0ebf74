"""An office's profile edited on the dashboard: the form's text read and checked field by field, then stored
(bot/models/office_profile.py) with what the admin confirmed. bot/offices.py lays it over the YAML; the caller
commits, audits and bumps the office's revision so that every process uses it from its next message.

Each refusal names the dashboard message that explains it (`Problem.key`, with its `values`) and the field
it belongs to, so that the page shows every problem beside its field at once.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit
from zoneinfo import available_timezones

from sqlalchemy.orm import Session

from bot import clock, phone
from bot.models.office_profile import OfficeProfile
from bot.offices import HOURS, PROFILE_FIELDS, WEEKDAYS, WHATSAPP, Office, Span, is_landline, profile_of

NAME_MIN, NAME_MAX = 3, 200
ADDRESS_MIN, ADDRESS_MAX = 5, 300
LINE_MAX, LINES_MAX = 300, 20  # one visitor rule, accessibility note or complaint channel; how many
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[^@\s]+")
# "08.00–11.30, 13.30–16.30": spans split by commas (or "dan"), each two times split by a dash or "s.d.".
_SPAN = re.compile(r"^\s*(\d{1,2})[.:](\d{2})\s*(?:-|–|—|s\.?d\.?|sampai)\s*(\d{1,2})[.:](\d{2})\s*$", re.IGNORECASE)
_SPAN_SEPARATOR = re.compile(r"[,;]|\bdan\b|\band\b", re.IGNORECASE)
_COORDINATES = re.compile(r"^\s*(-?\d{1,2}(?:[.,]\d+)?)\s*[,;\s]\s*(-?\d{1,3}(?:[.,]\d+)?)\s*$")


@dataclass(frozen=True)
class Problem:
    """One field that does not pass: the dashboard message `key` (office_profile_page.error.*) and its values."""

    field: str
    key: str
    values: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Form:
    """What the form sends, as typed."""

    name: str = ""
    address: str = ""
    location: str = ""  # "-8.5345, 115.4021", as a map app copies it; empty for none
    hotline: str = ""
    email: str = ""
    website: str = ""
    whatsapp: str = ""
    timezone: str = ""
    hours: dict[str, str] = field(default_factory=dict)  # weekday -> "08.00–11.30, 13.30–16.30"; "" closed
    visitor_rules: str = ""  # one per line
    accessibility: str = ""
    complaint_channels: str = ""
    confirm_hours: bool = False
    confirm_whatsapp: bool = False


def hours_text(spans: tuple[Span, ...]) -> str:
    """A day's spans as the form shows them: "08.00–11.30, 13.30–16.30"."""
    return ", ".join(f"{s.strftime('%H.%M')}–{e.strftime('%H.%M')}" for s, e in spans)


def form_of(office: Office) -> Form:
    """The form filled with the office as it is now."""
    return Form(name=office.name, address=office.address,
                location="" if office.latitude is None or office.longitude is None
                else f"{office.latitude}, {office.longitude}",
                hotline=office.hotline, email=office.email or "", website=office.website or "",
                whatsapp=office.whatsapp, timezone=office.timezone,
                hours={day: hours_text(office.spans(day)) for day in WEEKDAYS},
                visitor_rules="\n".join(office.visitor_rules), accessibility="\n".join(office.accessibility),
                complaint_channels="\n".join(office.complaint_channels),
                confirm_hours=HOURS in office.confirmed, confirm_whatsapp=WHATSAPP in office.confirmed)


def _day_spans(day: str, text: str, problems: list[Problem]) -> list[list[str]]:
    spans: list[list[str]] = []
    for part in filter(str.strip, _SPAN_SEPARATOR.split(text or "")):
        match = _SPAN.match(part)
        if not match or int(match[1]) > 23 or int(match[3]) > 24 or int(match[2]) > 59 or int(match[4]) > 59:
            problems.append(Problem(f"hours_{day}", "error.hours_format", {"day": day, "text": part.strip()}))
            return []
        start, end = f"{int(match[1]):02d}:{match[2]}", f"{min(int(match[3]), 23):02d}:{match[4]}"
        if match[3] == "24":
            end = "23:59"
        if start >= end:
            problems.append(Problem(f"hours_{day}", "error.hours_backwards", {"day": day, "text": part.strip()}))
            return []
        if spans and start <= spans[-1][1]:
            problems.append(Problem(f"hours_{day}", "error.hours_overlap", {"day": day}))
            return []
        spans.append([start, end])
    return spans


def _lines(name: str, text: str, problems: list[Problem]) -> list[str]:
    lines = [" ".join(line.split()) for line in (text or "").splitlines()]
    lines = [line for line in lines if line]
    if len(lines) > LINES_MAX or any(len(line) > LINE_MAX for line in lines):
        problems.append(Problem(name, "error.lines", {"lines": LINES_MAX, "chars": LINE_MAX}))
    return lines


def _number(name: str, text: str, problems: list[Problem]) -> str:
    try:
        phone.normalize(text, strict=True)
    except phone.InvalidNumber:
        problems.append(Problem(name, f"error.{name}"))
    return " ".join(text.split())


def _location(text: str, problems: list[Problem]) -> tuple[float | None, float | None]:
    if not text.strip():
        return None, None
    match = _COORDINATES.match(text)
    if match:
        latitude, longitude = (float(v.replace(",", ".")) for v in match.groups())
        if -90 <= latitude <= 90 and -180 <= longitude <= 180:
            return latitude, longitude
    problems.append(Problem("location", "error.location"))
    return None, None


def check(form: Form, office: Office, others: list[Office]) -> tuple[dict[str, Any], list[Problem]]:
    """The profile the form describes (as bot/offices.py stores it) and the problems found; store it only
    when there are none."""
    problems: list[Problem] = []
    name, address = " ".join(form.name.split()), " ".join(form.address.split())
    if not NAME_MIN <= len(name) <= NAME_MAX:
        problems.append(Problem("name", "error.name", {"min": NAME_MIN, "max": NAME_MAX}))
    if not ADDRESS_MIN <= len(address) <= ADDRESS_MAX:
        problems.append(Problem("address", "error.address", {"min": ADDRESS_MIN, "max": ADDRESS_MAX}))
    latitude, longitude = _location(form.location, problems)
    hotline = _number("hotline", form.hotline, problems)
    whatsapp = ""
    try:
        whatsapp = phone.normalize(form.whatsapp, strict=True)
    except phone.InvalidNumber:
        problems.append(Problem("whatsapp", "error.whatsapp"))
    taken = next((o for o in others if o.slug != office.slug and o.whatsapp == whatsapp), None)
    if whatsapp and taken is not None:
        problems.append(Problem("whatsapp", "error.whatsapp_taken", {"office": taken.name}))
    email = form.email.strip()
    if email and not EMAIL.fullmatch(email):
        problems.append(Problem("email", "error.email"))
    website = form.website.strip()
    if website and "://" not in website:
        website = "https://" + website
    if website and (urlsplit(website).scheme not in ("http", "https") or "." not in urlsplit(website).netloc):
        problems.append(Problem("website", "error.website"))
    timezone = form.timezone.strip()
    if timezone not in available_timezones():
        problems.append(Problem("timezone", "error.timezone", {"zone": timezone}))
    hours = {day: spans for day in WEEKDAYS if (spans := _day_spans(day, form.hours.get(day, ""), problems))}
    if not hours and not any(p.field.startswith("hours_") for p in problems):
        problems.append(Problem("hours_mon", "error.hours_none"))
    profile = {"name": name, "address": address, "latitude": latitude, "longitude": longitude, "hotline": hotline,
               "email": email or None, "website": website or None, "whatsapp": whatsapp, "timezone": timezone,
               "opening_hours": hours, "visitor_rules": _lines("visitor_rules", form.visitor_rules, problems),
               "accessibility": _lines("accessibility", form.accessibility, problems),
               "complaint_channels": _lines("complaint_channels", form.complaint_channels, problems)}
    return profile, problems


def _readable(name: str, value: Any) -> Any:
    """A field as the audit log shows it: the hours as one line a person reads."""
    if name == "opening_hours":
        return "; ".join(f"{day} {', '.join('-'.join(span) for span in spans)}" for day, spans in value.items()) or "-"
    return value


@dataclass(frozen=True)
class Saved:
    """What a save changed, for the audit log: the field names, their values before and after."""

    fields: list[str]
    before: dict[str, Any]
    after: dict[str, Any]

    @property
    def changed(self) -> bool:
        return bool(self.fields)


def save(session: Session, office: Office, profile: dict[str, Any], *, confirm_hours: bool, confirm_whatsapp: bool,
         username: str) -> Saved:
    """Store the profile (flushed, not committed) and the confirmations, each with who and when (kept while
    the admin leaves it ticked and the value unchanged). Only a landline sender is confirmed: a mobile
    number needs no confirmation."""
    before = {**profile_of(office), "hours_confirmed": HOURS in office.confirmed,
              "whatsapp_confirmed": WHATSAPP in office.confirmed}
    landline = is_landline(profile["whatsapp"])
    whatsapp_confirmed = landline and confirm_whatsapp
    after = {**{name: profile[name] for name in PROFILE_FIELDS}, "hours_confirmed": confirm_hours,
             "whatsapp_confirmed": whatsapp_confirmed}
    fields = [name for name in after if after[name] != before[name]]
    if not fields:
        return Saved([], {}, {})
    row = session.get(OfficeProfile, office.slug)
    if row is None:
        row = OfficeProfile(office=office.slug, profile={})
        session.add(row)
    who, moment = username[:64], clock.now()
    row.profile = {name: profile[name] for name in PROFILE_FIELDS}
    if not confirm_hours:
        row.hours_confirmed_by = row.hours_confirmed_at = None
    elif "hours_confirmed" in fields or "opening_hours" in fields or row.hours_confirmed_at is None:
        row.hours_confirmed_by, row.hours_confirmed_at = who, moment
    if not whatsapp_confirmed:
        row.whatsapp_confirmed_by = row.whatsapp_confirmed_at = None
    elif "whatsapp_confirmed" in fields or "whatsapp" in fields or row.whatsapp_confirmed_at is None:
        row.whatsapp_confirmed_by, row.whatsapp_confirmed_at = who, moment
    row.updated_by, row.updated_at = who, moment
    session.flush()
    return Saved(fields, {n: _readable(n, before[n]) for n in fields}, {n: _readable(n, after[n]) for n in fields})
