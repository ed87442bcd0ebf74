"""Staff accounts: create, change, authenticate. Each failure is a StaffError whose `key` names the
dashboard message that explains it."""

from __future__ import annotations

import re
from collections.abc import Container

from sqlalchemy import func, select
from sqlalchemy import update as sql_update
from sqlalchemy.orm import Session

from bot.clock import now
from bot.dashboard import passwords
from bot.dashboard.roles import Role, parse
from bot.models.staff import StaffUser

USERNAME = re.compile(r"^[a-z0-9][a-z0-9._-]{2,63}$")


class StaffError(ValueError):
    key = "users.error.invalid"


class InvalidUsername(StaffError):
    key = "users.error.username"


class DuplicateUsername(StaffError):
    key = "users.error.duplicate"


class InvalidRole(StaffError):
    key = "users.error.role"


class OfficeRequired(StaffError):
    key = "users.error.office_required"


class UnknownOffice(StaffError):
    key = "users.error.office_unknown"


class WeakPassword(StaffError):
    key = "users.error.password"


class LastAdmin(StaffError):
    key = "users.error.last_admin"


def normalize_username(raw: str) -> str:
    return (raw or "").strip().lower()


def _check_role_office(role: str, office: str | None, offices: Container[str]) -> tuple[Role, str | None]:
    parsed = parse(role)
    if parsed is None:
        raise InvalidRole(role)
    office = office or None
    if office is not None and office not in offices:
        raise UnknownOffice(office)
    if parsed is not Role.ADMIN and office is None:
        raise OfficeRequired(role)
    return parsed, office


def _hash(password: str, username: str = "") -> str:
    try:
        return passwords.hash_password(password, avoid=(username,))
    except passwords.WeakPassword as exc:
        raise WeakPassword(str(exc)) from exc


def by_username(session: Session, username: str) -> StaffUser | None:
    return session.scalar(select(StaffUser).where(StaffUser.username == normalize_username(username)))


def create(session: Session, *, username: str, display_name: str, password: str, role: str,
           office: str | None, offices: Container[str]) -> StaffUser:
    name = normalize_username(username)
    if not USERNAME.match(name):
        raise InvalidUsername(name)
    parsed, office = _check_role_office(role, office, offices)
    if by_username(session, name) is not None:
        raise DuplicateUsername(name)
    user = StaffUser(username=name, display_name=(display_name or "").strip()[:200] or name,
                     password_hash=_hash(password, name), role=parsed.value, office=office, active=True,
                     auth_version=0)
    session.add(user)
    session.flush()
    return user


def _active_admins(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(StaffUser).where(
        StaffUser.role == Role.ADMIN.value, StaffUser.active.is_(True))) or 0


def update(session: Session, user: StaffUser, *, display_name: str, role: str, office: str | None,
           active: bool, offices: Container[str]) -> list[str]:
    """Apply the changes; returns the names of the fields that changed (for the audit log).

    A change of role, office or active state signs the user out of every session."""
    parsed, office = _check_role_office(role, office, offices)
    was_admin = user.role == Role.ADMIN.value and user.active
    stays_admin = parsed is Role.ADMIN and active
    if was_admin and not stays_admin and _active_admins(session) <= 1:
        raise LastAdmin(user.username)
    changed = []
    display_name = (display_name or "").strip()[:200] or user.username
    for field, value in (("display_name", display_name), ("role", parsed.value), ("office", office),
                         ("active", bool(active))):
        if getattr(user, field) != value:
            setattr(user, field, value)
            changed.append(field)
    if set(changed) & {"role", "office", "active"}:
        user.auth_version = (user.auth_version or 0) + 1
    return changed


def set_password(user: StaffUser, password: str) -> None:
    """New password; every existing session of this user ends."""
    user.password_hash = _hash(password, user.username)
    user.auth_version = (user.auth_version or 0) + 1


def sign_out_everywhere(session: Session, user_id: int) -> None:
    """End every session of this user (sign-out): the version in their session cookies goes stale.
    One UPDATE, so two sign-outs at once both count."""
    session.execute(sql_update(StaffUser).where(StaffUser.id == user_id).values(
        auth_version=func.coalesce(StaffUser.auth_version, 0) + 1))


def authenticate(session: Session, username: str, password: str) -> StaffUser | None:
    """The active user with this username and password, or None (same cost either way)."""
    user = by_username(session, username)
    ok = passwords.verify(user.password_hash if user else None, password)
    if user is None or not ok or not user.active:
        return None
    user.last_login_at = now()
    return user
