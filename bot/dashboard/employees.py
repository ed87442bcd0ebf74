"""Editing the employee directory from the dashboard: add, change, switch off.

A row saved here belongs to the dashboard from then on (see bot/directory.py), so a later edit
of the employees file does not undo it. Each failure is an EmployeeError whose `key` names the
dashboard message that explains it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import phone
from bot.directory import DASHBOARD, ROLES, new_key
from bot.models.visits import Employee
from bot.offices import Office

MAX_ALIASES = 20
MAX_ALIAS_LENGTH = 64


class EmployeeError(ValueError):
    key = "employees_page.error.invalid"


class NameRequired(EmployeeError):
    key = "employees_page.error.name"


class InvalidNumber(EmployeeError):
    key = "employees_page.error.whatsapp"


class NumberTaken(EmployeeError):
    """Two active employees on one number: a host's reply could not be told apart."""

    key = "employees_page.error.whatsapp_taken"


class UnknownUnit(EmployeeError):
    key = "employees_page.error.unit"


class InvalidRole(EmployeeError):
    key = "employees_page.error.role"


class InvalidAliases(EmployeeError):
    key = "employees_page.error.aliases"


@dataclass(frozen=True)
class Entry:
    """What the form sends, before checking."""

    name: str
    title: str = ""
    unit: str = ""
    whatsapp: str = ""
    role: str = "host"
    aliases: str = ""
    active: bool = True


def _aliases(raw: str) -> list[str]:
    """Comma- or newline-separated short names citizens type ("kasi intel, intelijen")."""
    items = [a.strip() for a in re.split(r"[,\n]", raw or "") if a.strip()]
    if len(items) > MAX_ALIASES or any(len(a) > MAX_ALIAS_LENGTH for a in items):
        raise InvalidAliases()
    return list(dict.fromkeys(items))


def _number(raw: str) -> str | None:
    if not (raw or "").strip():
        return None
    try:
        return phone.normalize(raw, strict=True)
    except phone.InvalidNumber as exc:
        raise InvalidNumber() from exc


def _check(session: Session, office: Office, entry: Entry, row_id: int | None) -> dict:
    name = " ".join((entry.name or "").split())
    if not name:
        raise NameRequired()
    unit = entry.unit or None
    if unit is not None and unit not in {u.slug for u in office.units}:
        raise UnknownUnit()
    if entry.role not in ROLES:
        raise InvalidRole()
    number = _number(entry.whatsapp)
    if number and entry.active:
        clash = session.scalar(select(Employee.id).where(
            Employee.office == office.slug, Employee.whatsapp == number, Employee.active.is_(True),
            Employee.id != (row_id or 0)))
        if clash is not None:
            raise NumberTaken()
    return {"name": name, "title": " ".join((entry.title or "").split()), "unit": unit, "whatsapp": number,
            "role": entry.role, "aliases": _aliases(entry.aliases), "active": bool(entry.active)}


def create(session: Session, office: Office, entry: Entry) -> Employee:
    values = _check(session, office, entry, None)
    row = Employee(office=office.slug, key=new_key(session, office.slug, values["name"]), managed_by=DASHBOARD,
                   **values)
    session.add(row)
    session.flush()
    return row


def update(session: Session, office: Office, row: Employee, entry: Entry) -> list[str]:
    """Applies the entry; returns the names of the fields that changed (for the audit log, no values)."""
    values = _check(session, office, entry, row.id)
    changed = [field for field, value in values.items() if getattr(row, field) != value]
    for field in changed:
        setattr(row, field, values[field])
    if changed:
        row.managed_by = DASHBOARD
    session.flush()
    return changed


def listing(session: Session, offices: list[str]) -> list[Employee]:
    """The offices' employees: active first, then by role (hosts, then desk) and name."""
    return list(session.scalars(select(Employee).where(Employee.office.in_(offices)).order_by(
        Employee.office, Employee.active.desc(), Employee.role.desc(), Employee.name)))
