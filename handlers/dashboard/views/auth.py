"""Sign in (throttled), sign out, language and office switches."""

from __future__ import annotations

import math

from flask import abort, flash, redirect, render_template, request, session, url_for
from flask_login import current_user, login_user, logout_user
from wtforms.fields.choices import SelectChoice

from bot import clock
from bot.dashboard import audit as audit_log
from bot.dashboard import roles, staff
from bot.dashboard.throttle import LoginThrottle
from handlers.dashboard import access, bp
from handlers.dashboard.forms import ActionForm, LanguageForm, LoginForm, OfficeForm


def _minutes_left(until) -> int:
    return max(1, math.ceil((until - clock.now()).total_seconds() / 60))


def _fresh_session() -> None:
    """A new session at sign-in and sign-out (no fixation); the language choice survives."""
    chosen = session.get(access.LANG_KEY)
    session.clear()
    if chosen:
        session[access.LANG_KEY] = chosen


@bp.route("/login", methods=["GET", "POST"])
def login():
    if current_user.is_authenticated:
        return redirect(access.safe_next(request.args.get("next")))
    form = LoginForm(next=request.args.get("next", ""))
    error, status = None, 200
    if form.validate_on_submit():
        error, status, user = _attempt(staff.normalize_username(form.username.data), form.password.data)
        if user is not None:
            _fresh_session()
            session.permanent = True
            access.mark_signed_in()
            login_user(user)
            return redirect(access.safe_next(form.next.data))
    elif request.method == "POST":
        error, status = access.t("login.missing"), 400
    return render_template("dashboard/login.html", form=form, error=error), status


def _record_refusal(session, username: str, action: str, ip: str) -> None:
    """The account tried is the subject; who tried is unknown. An unknown username is not stored at
    all: it may be a password typed into the wrong box."""
    target = staff.by_username(session, username)
    audit_log.record(session, actor=None, actor_username="?", action=action, subject_type="staff_user",
                     subject_id=target.id if target else None, office=target.office if target else None, ip=ip)


def _attempt(username: str, password: str):
    """(error, status, user): checks the throttle first, so a locked pair learns nothing from a guess."""
    rt = access.runtime()
    throttle = LoginThrottle(rt.redis)
    ip = access.client_ip()
    with rt.db.session() as s:
        until = throttle.locked_until(username, ip)
        if until is not None:
            _record_refusal(s, username, audit_log.LOGIN_LOCKED, ip)
            s.commit()
            return access.t("login.locked", minutes=_minutes_left(until)), 429, None
        user = staff.authenticate(s, username, password)
        if user is None:
            until = throttle.failed(username, ip)
            _record_refusal(s, username, audit_log.LOGIN_FAILED, ip)
            s.commit()
            if until is not None:
                return access.t("login.locked", minutes=_minutes_left(until)), 429, None
            return access.t("login.failed"), 401, None
        throttle.succeeded(username, ip)
        audit_log.record(s, actor=user, action=audit_log.LOGIN, subject_type="staff_user", subject_id=user.id,
                         office=user.office, ip=ip)
        s.commit()
        return None, 200, user


@bp.post("/logout")
def logout():
    form = ActionForm()
    if not form.validate_on_submit():
        abort(400)
    if current_user.is_authenticated:
        access.audit(audit_log.LOGOUT, "staff_user", current_user.id, current_user.office)
        with access.runtime().db.session() as s:
            staff.sign_out_everywhere(s, current_user.id)  # a copied cookie stops working now
            s.commit()
        logout_user()
    _fresh_session()
    flash(access.t("login.logged_out"), "info")
    return redirect(url_for("dashboard.login"))


@bp.post("/lang")
def language():
    form = LanguageForm()
    if form.validate_on_submit():
        session[access.LANG_KEY] = form.lang.data
    return redirect(access.safe_next(form.next.data))


@bp.post("/office")
@access.require("home")
def switch_office():
    if not roles.sees_all_offices(current_user.role):
        abort(403)
    form = OfficeForm()
    form.office.choices = [SelectChoice("", "")] + [SelectChoice(o.slug, o.name) for o in access.all_offices()]
    if not form.validate_on_submit():
        abort(400)
    session[access.OFFICE_KEY] = form.office.data or ""
    return redirect(access.safe_next(form.next.data))
