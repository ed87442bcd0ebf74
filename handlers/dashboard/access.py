"""Who is signed in, what they may see, and the audit helper every page with personal data calls."""

from __future__ import annotations

import functools
import logging
import time
from typing import Any
from urllib.parse import urlsplit

from flask import Flask, abort, current_app, flash, g, redirect, request, session, url_for
from flask_login import current_user

from bot.dashboard import audit as audit_log
from bot.dashboard import roles
from bot.i18n import DEFAULT_LANGUAGE, LANGUAGES
from bot.models.staff import StaffUser
from bot.offices import Office
from handlers.dashboard import login_manager

logger = logging.getLogger(__name__)

OFFICE_KEY = "dashboard_office"  # the admin's office filter in the session ("" = all offices)
LANG_KEY = "dashboard_lang"


def runtime():
    return current_app.extensions["loket"]


def lang() -> str:
    chosen = session.get(LANG_KEY)
    return chosen if chosen in LANGUAGES else DEFAULT_LANGUAGE


def t(key: str, **values: Any) -> str:
    """A dashboard string in the current language (config/messages/dashboard/<lang>.yaml)."""
    return runtime().messages.text(lang(), f"dashboard.{key}", **values)


def client_ip() -> str:
    return request.remote_addr or "-"


SIGNED_IN_KEY = "signed_in_at"  # epoch seconds of the sign-in, for the absolute lifetime


def wall_clock() -> float:
    """The real time (not bot.clock, which tests move by days while a page stays signed in), like the
    cookie's own expiry. Tests of the lifetime replace this function."""
    return time.time()


def mark_signed_in() -> None:
    session[SIGNED_IN_KEY] = int(wall_clock())


def _session_expired() -> bool:
    """Past the absolute lifetime counted from the sign-in (DASHBOARD_SESSION_HOURS), or no sign-in time."""
    started = session.get(SIGNED_IN_KEY)
    if not isinstance(started, int):
        return True
    lifetime = current_app.config.get("DASHBOARD_SESSION_LIFETIME") or current_app.permanent_session_lifetime
    return wall_clock() - started >= lifetime.total_seconds()


def load_user(user_id: str) -> StaffUser | None:
    """The session names "<id>.<auth_version>": a bumped version (sign-out, password, role, deactivation)
    ends every session of that user, server-side; a session older than its absolute lifetime ends too."""
    raw_id, _, raw_version = user_id.partition(".")
    if not raw_id.isdigit() or not raw_version.isdigit():
        return None
    if _session_expired():
        return None
    with runtime().db.session() as s:
        user = s.get(StaffUser, int(raw_id))
    if user is None or not user.active or (user.auth_version or 0) != int(raw_version):
        return None
    return user


def _unauthorized():
    flash(t("login.required"), "info")
    return redirect(url_for("dashboard.login", next=request.full_path.rstrip("?")))


def install(app: Flask) -> None:
    login_manager.user_loader(load_user)
    login_manager.unauthorized_handler(_unauthorized)
    login_manager.session_protection = "basic"


def safe_next(target: str | None) -> str:
    """Only a path inside the dashboard: never an open redirect, never a control character (a CR/LF
    would split the Location header)."""
    if target and not any(ord(ch) < 32 or ord(ch) == 127 for ch in target):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc and parts.path.startswith("/dashboard") \
                and "\\" not in target and not target.startswith("//"):
            return target
    return url_for("dashboard.home")


def user() -> StaffUser:
    return current_user._get_current_object()  # type: ignore[attr-defined]


def can(permission: str) -> bool:
    return bool(current_user.is_authenticated) and roles.allows(current_user.role, permission)


def require(permission: str):
    """Signed in (else to the login page) and the role has `permission` (else 403)."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                return login_manager.unauthorized()
            if not roles.allows(current_user.role, permission):
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator


def is_complaint_handler() -> bool:
    """A complaint handler: the only role that reads a conversation carrying a confidential or anonymous
    complaint (not even admins, as on the complaints pages: handlers/dashboard/views/complaints.py)."""
    return bool(current_user.is_authenticated) and current_user.role == roles.Role.HANDLER


def all_offices() -> list[Office]:
    return list(runtime().offices)


def allowed_offices() -> list[Office]:
    """Every office an admin may switch to, or the staff member's own office."""
    if roles.sees_all_offices(current_user.role):
        return all_offices()
    office = runtime().offices.get(current_user.office or "")
    return [office] if office else []


def selected_office() -> Office | None:
    """The admin's chosen office (None = all); staff always have their own."""
    if roles.sees_all_offices(current_user.role):
        return runtime().offices.get(session.get(OFFICE_KEY) or "")
    return runtime().offices.get(current_user.office or "")


def office_slugs() -> list[str]:
    """The offices the current lists show: the selection, or all an admin may see. Scope every query by it."""
    if "office_slugs" not in g:
        chosen = selected_office()
        g.office_slugs = [chosen.slug] if chosen else [o.slug for o in allowed_offices()]
    return g.office_slugs


def may_see_office(slug: str | None) -> bool:
    if roles.sees_all_offices(current_user.role):
        return True
    return slug is not None and slug == current_user.office


def check_office(slug: str | None) -> None:
    """404 for a record of an office this user may not see: do not even confirm it exists."""
    if not may_see_office(slug):
        abort(404)


def audit(action: str, subject_type: str, subject_id: object = None, office: str | None = None,
          detail: dict[str, Any] | None = None) -> None:
    """Record that the signed-in user viewed or changed a personal record (own transaction)."""
    with runtime().db.session() as s:
        audit_log.record(s, actor=user(), action=action, subject_type=subject_type, subject_id=subject_id,
                         office=office, ip=client_ip(), detail=detail)
        s.commit()
