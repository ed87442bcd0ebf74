"""The staff dashboard at /dashboard: server-rendered pages in Indonesian and English.

`init_app(app, config)` binds Flask-Login and CSRF protection, sets the session cookie's flags and
registers the blueprints. Pages of other domains register on `bp` (or their own blueprint), guard
themselves with `access.require("<permission>")` (permissions: bot/dashboard/roles.py), scope their
queries with `access.office_slugs()` and record every view or change of personal data with
`access.audit(...)`; a `NavItem` in NAV puts them in the menu once their endpoint exists.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from flask import Blueprint, Flask, redirect, url_for
from flask_login import LoginManager
from flask_wtf.csrf import CSRFProtect

bp = Blueprint("dashboard", __name__, url_prefix="/dashboard", template_folder="templates",
               static_folder="static")
root = Blueprint("dashboard_root", __name__)
login_manager = LoginManager()
csrf = CSRFProtect()

# A signed-in session lasts one working day at most (DASHBOARD_SESSION_HOURS), counted from the
# sign-in, not renewed by activity: access.load_user refuses an older one.
SESSION_LIFETIME = timedelta(hours=12)


def session_lifetime(config: object) -> timedelta:
    hours = getattr(config, "DASHBOARD_SESSION_HOURS", 0) or 0
    return timedelta(hours=hours) if hours > 0 else SESSION_LIFETIME


@dataclass(frozen=True)
class NavItem:
    endpoint: str
    label_key: str  # a dashboard catalog key, e.g. "nav.transcripts"
    permission: str
    order: int = 50  # place in the menu, lowest first


# The menu: an item shows when its endpoint exists and the role has its permission. Other domains
# append theirs (e.g. NavItem("visits.today", "nav.visits", "visits", order=15)).
NAV: list[NavItem] = [
    NavItem("dashboard.home", "nav.home", "home", order=0),
    NavItem("dashboard.transcripts", "nav.transcripts", "transcripts", order=40),
    NavItem("dashboard.users", "nav.users", "users", order=80),
    NavItem("dashboard.audit_log_page", "nav.audit", "audit", order=90),
]


@root.get("/")
def index():
    return redirect(url_for("dashboard.home"))


def init_app(app: Flask, config: object) -> None:
    base = getattr(config, "PUBLIC_BASE_URL", "") or ""
    lifetime = session_lifetime(config)
    app.config.update(
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=base.startswith("https://"),
        PERMANENT_SESSION_LIFETIME=lifetime,
        DASHBOARD_SESSION_LIFETIME=lifetime,
        # No "remember me": a shared desk PC must not keep a login past the browser session's end.
        REMEMBER_COOKIE_HTTPONLY=True,
        REMEMBER_COOKIE_SAMESITE="Lax",
        REMEMBER_COOKIE_SECURE=base.startswith("https://"),
        # A form stays valid as long as the sign-in: a desk page left open all morning still posts.
        WTF_CSRF_TIME_LIMIT=int(lifetime.total_seconds()),
    )
    login_manager.init_app(app)
    csrf.init_app(app)

    from handlers.dashboard import access, views  # noqa: F401  (registers the routes on bp)

    access.install(app)
    app.register_blueprint(bp)
    app.register_blueprint(root)
