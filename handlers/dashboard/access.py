"""Who is signed in, what they may see, and the audit helper every page with personal data calls."""

from __future__ import annotations

import functools
import logging
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


def load_user(user_id: str) -> StaffUser | None:
    """The session names "<id>.<auth_version>": a bumped version (password, role, deactivation) signs out."""
    raw_id, _, raw_version = user_id.partition(".")
    if not raw_id.isdigit() or not raw_version.isdigit():
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
    """Only a path inside the dashboard: never an open redirect."""
    if target:
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
