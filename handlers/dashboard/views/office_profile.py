"""The office's profile (issue 17 §1): name, address, map location, numbers, time zone, weekly hours with
breaks, visitor rules, accessibility notes and complaint channels, edited by its admin, with the hours and a
landline WhatsApp sender confirmed. Every change is audited (before and after) and reaches the bot at once in
every process (bot/offices.py, bot/revisions.py).

Also here, because every dashboard page reads offices: one look at the revision tokens per request, so that
a page shows an office as the bot now answers for it.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, StringField, TextAreaField

from bot.dashboard import audit as audit_log
from bot.dashboard import office_profile as edits
from bot.dashboard import roles
from bot.dashboard.roles import grant
from bot.offices import WEEKDAYS, ZONE_ABBREVIATIONS, Office, is_landline
from handlers.dashboard import NAV, NavItem, access, bp

PERMISSION = "office_profile"
SUBJECT = "office_profile"

grant(PERMISSION)  # admins only, as the days off
NAV.append(NavItem("dashboard.office_profile", "nav.office_profile", PERMISSION, order=74))


@bp.before_request
def look_again() -> None:
    """Once per dashboard request: an office (or catalog) edited in another process is rebuilt before use."""
    revisions = access.runtime().revisions
    if revisions is not None and request.endpoint != "dashboard.static":
        revisions.refresh()


def tp(key: str, **values: Any) -> str:
    """A profile page string in the current language (config/messages/dashboard_office_profile/<lang>.yaml)."""
    return access.runtime().messages.text(access.lang(), f"office_profile_page.{key}", **values)


class ProfileForm(FlaskForm):
    name = StringField()
    address = TextAreaField()
    location = StringField()
    hotline = StringField()
    email = StringField()
    website = StringField()
    whatsapp = StringField()
    timezone = StringField()
    hours_mon = StringField()
    hours_tue = StringField()
    hours_wed = StringField()
    hours_thu = StringField()
    hours_fri = StringField()
    hours_sat = StringField()
    hours_sun = StringField()
    visitor_rules = TextAreaField()
    accessibility = TextAreaField()
    complaint_channels = TextAreaField()
    confirm_hours = BooleanField()
    confirm_whatsapp = BooleanField()


DAYS = WEEKDAYS


def _office() -> Office:
    """The office edited: the one chosen (an admin of every office may name it, e.g. from the Today page's
    link); none chosen sends the admin to choose."""
    named = request.args.get("office")
    if named and roles.sees_all_offices(current_user.role):
        office = access.runtime().offices.get(named)
        if office is None:
            abort(404)
        return office
    office = access.selected_office()
    if office is None:
        flash(tp("choose_office"), "info")
        abort(redirect(url_for("dashboard.home")))
    return office


def _fill(form: ProfileForm, office: Office) -> None:
    current = edits.form_of(office)
    for name in ("name", "address", "location", "hotline", "email", "website", "whatsapp", "timezone",
                 "visitor_rules", "accessibility", "complaint_channels", "confirm_hours", "confirm_whatsapp"):
        getattr(form, name).data = getattr(current, name)
    for day in DAYS:
        getattr(form, f"hours_{day}").data = current.hours.get(day, "")


def _typed(form: ProfileForm) -> edits.Form:
    text = {name: (getattr(form, name).data or "") for name in (
        "name", "address", "location", "hotline", "email", "website", "whatsapp", "timezone", "visitor_rules",
        "accessibility", "complaint_channels")}
    return edits.Form(**text, hours={day: getattr(form, f"hours_{day}").data or "" for day in DAYS},
                      confirm_hours=bool(form.confirm_hours.data), confirm_whatsapp=bool(form.confirm_whatsapp.data))


def _page(office: Office, form: ProfileForm, problems: list[edits.Problem], status: int = 200):
    errors: dict[str, list[str]] = {}
    for problem in problems:
        values = dict(problem.values)
        if "day" in values:
            values["day"] = tp(f"days.{values['day']}")
        errors.setdefault(problem.field, []).append(tp(problem.key, **values))
    return render_template("dashboard/office_profile.html", tp=tp, office=office, form=form, errors=errors,
                           days=DAYS, zones=sorted(ZONE_ABBREVIATIONS),
                           landline=is_landline(form.whatsapp.data or office.whatsapp),
                           office_arg=office.slug if request.args.get("office") else None), status


@bp.get("/office-profile")
@access.require(PERMISSION)
def office_profile():
    office = _office()
    form = ProfileForm()
    _fill(form, office)
    return _page(office, form, [])


@bp.post("/office-profile")
@access.require(PERMISSION)
def office_profile_save():
    office = _office()
    form = ProfileForm()
    if not form.validate_on_submit():
        flash(tp("error.invalid"), "error")
        return _page(office, form, [], 400)
    rt = access.runtime()
    profile, problems = edits.check(_typed(form), office, list(rt.offices))
    if problems:
        flash(tp("error.summary", count=len(problems)), "error")
        return _page(office, form, problems, 400)
    with rt.db.session() as s:
        saved = edits.save(s, office, profile, confirm_hours=bool(form.confirm_hours.data),
                           confirm_whatsapp=bool(form.confirm_whatsapp.data), username=access.user().username)
        if saved.changed:
            audit_log.record(s, actor=access.user(), action=audit_log.UPDATE, subject_type=SUBJECT,
                             subject_id=office.slug, office=office.slug, ip=access.client_ip(),
                             detail={"fields": saved.fields, "from": saved.before, "to": saved.after})
        s.commit()
    if not saved.changed:
        flash(tp("unchanged"), "info")
    else:
        rt.revisions.bump(office.slug)  # after the commit: every process rebuilds this office on its next look
        flash(tp("saved"), "success")
    back = {"office": office.slug} if request.args.get("office") else {}
    return redirect(url_for("dashboard.office_profile", **back))
