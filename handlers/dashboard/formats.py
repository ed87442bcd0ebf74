"""How the dashboard writes times, deadlines, numbers, visit actors and audit entries: one home for each, in
the dashboard's language, every time in an office's zone with its label (WIB/WITA/WIT), never UTC.

The templates reach these through the context processor in views/common.py; views and exports call them
directly, so a page, its CSV and its audit log say the same thing the same way.
"""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from decimal import Decimal
from fractions import Fraction

from flask_login import current_user
from sqlalchemy import select

from bot import clock
from bot.models.visits import Employee
from bot.offices import Office
from handlers.dashboard import access

DATE = "%d-%m-%Y"
DATE_TIME = "%d-%m-%Y %H:%M"


# -- times -------------------------------------------------------------------------------------------
def _viewer_office() -> Office | None:
    """The office whose clock a moment without an office of its own is read on (a sign-in, a user's last
    sign-in, a template check): the office the viewer works in or chose, else the zone most offices share."""
    offices = access.runtime().offices
    if current_user and current_user.is_authenticated:
        chosen = access.selected_office() or offices.get(current_user.office or "")
        if chosen is not None:
            return chosen
    every = list(offices)
    if not every:
        return None
    zone = Counter(o.timezone for o in every).most_common(1)[0][0]
    return next(o for o in every if o.timezone == zone)


def zone_office(office_slug: str | None) -> Office | None:
    """The office a moment is shown in: its own, else the viewer's (see `_viewer_office`)."""
    return access.runtime().offices.get(office_slug or "") or _viewer_office()


def local_time(moment: datetime | str | None, office_slug: str | None = None) -> str:
    """`23-11-2026 10:00 WITA`: in the record's office zone, or the viewer's office zone when the record has no
    office. UTC only when no office is configured at all. A string is an ISO time as kept in Redis or JSON."""
    if not moment:
        return ""
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    moment = clock.as_utc(moment)
    office = zone_office(office_slug)
    if office is None:
        return moment.strftime(f"{DATE_TIME} UTC")
    return f"{office.local(moment).strftime(DATE_TIME)} {office.zone_abbr}"


def day_time(moment: datetime | None, office_slug: str | None = None) -> str:
    """`09:20 WITA` for a moment of the office's today (today's lists), else the full `local_time`."""
    if moment is None:
        return ""
    office = zone_office(office_slug)
    moment = clock.as_utc(moment)
    if office is None or office.local(moment).date() != office.local(clock.now()).date():
        return local_time(moment, office_slug)
    return f"{office.local(moment).strftime('%H:%M')} {office.zone_abbr}"


def due_date(moment: datetime | None, office_slug: str | None = None) -> str:
    """A working-day deadline as the desk reads it: `s.d. 25-11-2026` (through that day), not the instant
    it passes (`26-11-2026 00:00 WITA`). The clocks (bot/workdays.py `deadline`) end at the local midnight
    after the last working day; a deadline at another time of day keeps its time."""
    if moment is None:
        return ""
    office = zone_office(office_slug)
    if office is None:
        return local_time(moment, office_slug)
    local = office.local(clock.as_utc(moment))
    if (local.hour, local.minute, local.second) != (0, 0, 0):
        return access.t("time.until", date=f"{local.strftime(DATE_TIME)} {office.zone_abbr}")
    return access.t("time.until", date=(local - timedelta(days=1)).strftime(DATE))


# -- numbers -----------------------------------------------------------------------------------------
def number(value: Decimal | Fraction | float | int | None, digits: int = 2) -> str:
    """`73,61` in Indonesian, `73.61` in English; thousands grouped (`1.234` / `1,234`); "-" for none."""
    if value is None:
        return "-"
    if isinstance(value, Fraction):
        value = float(value)
    text = f"{Decimal(str(value)):,.{digits}f}"
    if access.lang() == "id":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text


# -- who did it --------------------------------------------------------------------------------------
def visit_actor(actor: str | None, office_slug: str | None = None) -> str:
    """A visit history's actor in words: "warga", "sistem", "pegawai: <name>", "petugas PTSP: <user>"."""
    kind, _, who = (actor or "").partition(":")
    if not who and kind in ("citizen", "system"):
        return access.t(f"actor.{kind}")
    if kind == "host" and who:
        return access.t("actor.host", name=_employee_name(office_slug, who))
    if kind == "desk" and who:
        return access.t("actor.desk", name=who)
    return actor or ""


def _employee_name(office_slug: str | None, key: str) -> str:
    with access.runtime().db.session() as s:
        name = s.scalar(select(Employee.name).where(Employee.office == (office_slug or ""), Employee.key == key))
    return name or key


# -- the audit log -----------------------------------------------------------------------------------
def _label(group: str, code: str | None) -> str:
    """A catalog label for a code of the audit log, else the code made readable (`remind_host` → "remind host")."""
    if not code:
        return ""
    key = f"audit.{group}.{code}"
    if access.runtime().messages.has(f"dashboard.{key}"):
        return access.t(key)
    return code.replace("_", " ")


def audit_action(action: str | None) -> str:
    return _label("actions", action)


def audit_subject(subject_type: str | None) -> str:
    return _label("subjects", subject_type)


def _value(value: object) -> str:
    if isinstance(value, bool):
        return access.t("audit.yes") if value else access.t("audit.no")
    if value is None or value == "":
        return "-"
    if isinstance(value, list | tuple | set):
        return ", ".join(_value(v) for v in value) if value else "-"
    if isinstance(value, dict):
        return ", ".join(f"{_label('details', str(k))} {_value(v)}" for k, v in value.items()) if value else "-"
    if isinstance(value, float):
        return number(value)
    return str(value)


def _fields(value: object) -> str:
    """The names of the fields an edit changed ("fields"), or the fields with their values ("from", "to")."""
    if isinstance(value, dict):
        return ", ".join(f"{_label('fields', str(k))} {_value(v)}" for k, v in value.items()) or "-"
    if isinstance(value, list | tuple):
        return ", ".join(_label("fields", str(v)) for v in value) or "-"
    return _value(value)


def audit_detail(detail: dict | None) -> list[tuple[str, str]]:
    """An audit entry's detail as (label, value) pairs in the dashboard's language: no codes, no Python lists;
    the fields of an edit (a user's, an employee's, the office profile's) by their names on the forms."""
    return [(_label("details", str(key)), _fields(value) if key in ("fields", "from", "to") else _value(value))
            for key, value in (detail or {}).items()]
