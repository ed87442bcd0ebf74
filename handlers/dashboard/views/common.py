"""What every dashboard page shares: template helpers, security headers, error pages, and the steps of
handling a form (refuse and go back, load a record of the user's office, save and show the page again)."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, NoReturn, TypeVar

from flask import Response, abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf.csrf import CSRFError
from markupsafe import Markup, escape
from werkzeug.exceptions import InternalServerError

from bot.dashboard import roles
from bot.masking import mask_nik
from handlers.dashboard import NAV, access, bp, formats
from handlers.dashboard.formats import day_time, due_date, local_time, number

logger = logging.getLogger(__name__)
Row = TypeVar("Row")

CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
                           "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'")


def status_label(status: str | None) -> str:
    key = f"status.{status}"
    return access.t(key) if access.runtime().messages.has(f"dashboard.{key}") else (status or "")


def office_name(slug: str | None) -> str:
    office = access.runtime().offices.get(slug or "")
    return office.name if office else (slug or "")


def nav_items() -> list[dict[str, object]]:
    if not current_user.is_authenticated:
        return []
    items = []
    for item in sorted(NAV, key=lambda i: i.order):
        if item.endpoint in current_app.view_functions and roles.allows(current_user.role, item.permission):
            items.append({"url": url_for(item.endpoint), "label": access.t(item.label_key),
                          "active": request.endpoint == item.endpoint})
    return items


@bp.app_template_filter("nik")
def nik_filter(text: str | None) -> str:
    return mask_nik(text)


_ROW = re.compile(r"<tr\b.*?</tr>", re.S)
_CELL = re.compile(r"<td\b")


@bp.app_template_filter("label_cells")
def label_cells(rows: str, heads: list[str | None]) -> Markup:
    """The rows of a list with each cell's column name in `data-label`, in order (`None` heads are columns
    left out): on a phone the stylesheet shows a row as a card, each value under its name. Only the
    template's own `<tr>` and `<td>` tags are touched; what a citizen wrote is already escaped text."""
    names = [escape(h) for h in heads if h is not None]

    def row(match: re.Match[str]) -> str:
        labels = iter(names)
        return _CELL.sub(lambda _: f'<td data-label="{next(labels, "")}"', match.group(0))

    return Markup(_ROW.sub(row, str(rows)))  # noqa: S704  (the rendered, escaped rows; the labels escaped)


@bp.context_processor
def template_helpers() -> dict[str, object]:
    return {"t": access.t, "lang": access.lang(), "nav": nav_items(), "can": access.can,
            "local_time": local_time, "day_time": day_time, "due_date": due_date, "figure": number,
            "visit_actor": formats.visit_actor, "audit_action": formats.audit_action,
            "audit_subject": formats.audit_subject, "audit_detail": formats.audit_detail,
            "status_label": status_label, "office_name": office_name,
            "offices": access.allowed_offices() if current_user.is_authenticated else [],
            "selected_office": access.selected_office() if current_user.is_authenticated else None,
            "sees_all": current_user.is_authenticated and roles.sees_all_offices(current_user.role)}


@bp.after_request
def security_headers(response):
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "dashboard.static":
        response.headers["Cache-Control"] = "no-store"  # pages carry personal data
    return response


# -- handling a form --------------------------------------------------------------------------------
def refuse(message: str, back: str) -> NoReturn:
    """End this request: flash `message` as an error and send the user back to `back` (a URL)."""
    flash(message, "error")
    abort(redirect(back))


def require_valid(form: Any, message: str, back: str) -> None:
    """A POSTed form that does not validate (or lacks its CSRF token) is refused with `message`."""
    if not form.validate_on_submit():
        refuse(message, back)


@contextmanager
def refused_on(error: type[Exception], message: Callable[[Any], str], back: str) -> Iterator[None]:
    """Within the block, a domain error (`error`) is refused with its text, `message(exc)`."""
    try:
        yield
    except error as exc:
        refuse(message(exc), back)


def get_or_404(session: Any, model: type[Row], key: int) -> Row:
    row = session.get(model, key)
    if row is None:
        abort(404)
    return row


def of_my_office_or_404(session: Any, model: type[Row], key: int) -> Row:
    """The record, or 404 when there is none or it belongs to an office this user may not see."""
    row = get_or_404(session, model, key)
    access.check_office(row.office)  # type: ignore[attr-defined]
    return row


def save_form(form: Any, save: Callable[[], Any], *, error: type[Exception], message: Callable[[Any], str],
              invalid: str | None = None, undo: Callable[[], None] | None = None) -> tuple[Any, int]:
    """An edit page's form: on a valid POST run `save()`, which returns where to go next; when it raises `error`,
    run `undo()` (roll back), flash `message(exc)` and show the page again with 400, as for data that does not
    validate (flashing `invalid`, when given). Returns (the redirect or None, the page's status)."""
    if form.validate_on_submit():
        try:
            return save(), 200
        except error as exc:
            if undo is not None:
                undo()
            flash(message(exc), "error")
            return None, 400
    if form.is_submitted():
        if invalid is not None:
            flash(invalid, "error")
        return None, 400
    return None, 200


def _error(status: int, key: str):
    # An address no route matches is outside the blueprint: its context processor did not run.
    helpers = template_helpers() if request.blueprint != bp.name else {}
    return render_template("dashboard/error.html", status=status, message=access.t(key), **helpers), status


def _in_dashboard() -> bool:
    return request.path == bp.url_prefix or request.path.startswith(f"{bp.url_prefix}/")


@bp.errorhandler(403)
def forbidden(_exc):
    return _error(403, "error.forbidden")


@bp.app_errorhandler(404)
def not_found(exc):
    """A missing record or an unknown address under /dashboard: the styled page in the officer's language
    (an address no route matches never reaches the blueprint's own handlers). Elsewhere, Werkzeug's page."""
    if not _in_dashboard():
        return exc
    return _error(404, "error.not_found")


@bp.app_errorhandler(InternalServerError)
def server_error(exc):
    """A fault in a dashboard page: logged where it happened (Flask logs the traceback), then a styled page
    in the officer's language. If even that page cannot be drawn (the database is down), plain text in both
    languages."""
    if not _in_dashboard():
        return exc
    try:
        return _error(500, "error.server")
    except Exception:  # the page itself failed: answer without it
        logger.warning("dashboard error page failed at %s", request.path, exc_info=True)
        return Response(PLAIN_500, status=500, mimetype="text/plain")


# The one dashboard text outside config/messages: the catalogs may be what failed.
PLAIN_500 = ("Maaf, terjadi gangguan pada dasbor. Coba lagi sebentar lagi.\n"
             "Sorry, the dashboard ran into a problem. Please try again shortly.\n")


@bp.errorhandler(CSRFError)
def csrf_failed(exc):
    logger.warning("dashboard form rejected at %s: %s", request.path, exc.description)
    return _error(400, "error.csrf")
