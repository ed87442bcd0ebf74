"""The office's days off: the year's national holidays (read-only, from `holidays`) and the office's
own cuti bersama and local closures, which its admin adds and removes; each year "copy last year's
cuti bersama" proposes last year's days, moved beside their holidays, for the admin to confirm one by one.
Every change is audited. The bot reads them at once (bot/workdays.py `office_calendar`)."""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, DateField, FieldList, Form, FormField, HiddenField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import InputRequired, Length, Optional

from bot import clock
from bot.dashboard import audit as audit_log
from bot.dashboard import days_off as edits
from bot.dashboard.roles import grant
from bot.models.days_off import CUTI_BERSAMA, KINDS, OfficeDayOff
from bot.offices import Office
from bot.workdays import national_year
from handlers.dashboard import NAV, NavItem, access, bp
from handlers.dashboard.views.common import get_or_404, refuse

PERMISSION = "days_off"
MIN_YEAR, MAX_YEAR = 2000, 2100

grant(PERMISSION)  # admins only
NAV.append(NavItem("dashboard.days_off", "nav.days_off", PERMISSION, order=75))


def td(key: str, **values: Any) -> str:
    """A days-off page string in the current language (config/messages/dashboard_days_off/<lang>.yaml)."""
    return access.runtime().messages.text(access.lang(), f"days_off_page.{key}", **values)


class DayOffForm(FlaskForm):
    day = DateField(validators=[InputRequired()])
    name = StringField(validators=[InputRequired(), Length(max=edits.NAME_MAX)])
    kind = SelectField(choices=[SelectChoice(kind, kind) for kind in KINDS])


class DeleteForm(FlaskForm):
    pass


class ProposalRow(Form):
    """One proposed day: its date and name, as the admin leaves or edits them, and the tick that confirms it."""

    source = HiddenField()
    day = DateField(validators=[Optional()])
    name = StringField(validators=[Optional(), Length(max=edits.NAME_MAX)])
    confirm = BooleanField(default=False)


class CopyForm(FlaskForm):
    year = HiddenField()
    rows = FieldList(FormField(ProposalRow))


def _office() -> Office:
    """The office chosen: an admin who sees every office picks one first."""
    office = access.selected_office()
    if office is None:
        flash(td("choose_office"), "info")
        abort(redirect(url_for("dashboard.home")))
    return office


def _year(raw: str | None) -> int:
    if raw and raw.isdigit() and MIN_YEAR <= int(raw) <= MAX_YEAR:
        return int(raw)
    return clock.now().year


def _page(year: int) -> str:
    return url_for("dashboard.days_off", year=year)


def _error_text(exc: edits.DayOffError) -> str:
    return access.runtime().messages.text(access.lang(), exc.key, **exc.values)


def _audit(session, action: str, row: OfficeDayOff, **extra: object) -> None:
    audit_log.record(session, actor=access.user(), action=action, subject_type="day_off", subject_id=row.id,
                     office=row.office, ip=access.client_ip(),
                     detail={"day": row.day.isoformat(), "name": row.name, "kind": row.kind, **extra})


def _add(office: Office, entry: edits.Entry, **extra: object) -> OfficeDayOff:
    with access.runtime().db.session() as s:
        row = edits.add(s, office, entry, access.user().username)
        _audit(s, audit_log.CREATE, row, **extra)
        s.commit()
        return row


@bp.get("/days-off")
@access.require(PERMISSION)
def days_off():
    office = _office()
    year = _year(request.args.get("year"))
    with access.runtime().db.session() as s:
        own = edits.listing(s, office.slug, year)
    form = DayOffForm(kind=CUTI_BERSAMA)
    form.kind.choices = [SelectChoice(kind, td(f"kinds.{kind}")) for kind in KINDS]
    return render_template("dashboard/days_off.html", td=td, office=office, year=year, own=own, form=form,
                           national=national_year(year, access.lang()), delete_form=DeleteForm())


@bp.post("/days-off")
@access.require(PERMISSION)
def days_off_add():
    office = _office()
    form = DayOffForm()
    if not form.validate_on_submit():
        refuse(td("error.invalid"), _page(_year(request.form.get("year"))))
    entry = edits.Entry(form.day.data, form.name.data or "", form.kind.data or "")
    try:
        row = _add(office, entry)
    except edits.DayOffError as exc:
        refuse(_error_text(exc), _page(entry.day.year))
    flash(td("added", name=row.name, date=row.day.strftime("%d-%m-%Y")), "success")
    return redirect(_page(row.day.year))


@bp.post("/days-off/<int:day_off_id>/delete")
@access.require(PERMISSION)
def days_off_delete(day_off_id: int):
    office = _office()
    if not DeleteForm().validate_on_submit():
        refuse(td("error.invalid"), _page(clock.now().year))
    with access.runtime().db.session() as s:
        row = get_or_404(s, OfficeDayOff, day_off_id)
        if row.office != office.slug:
            abort(404)
        name, day = row.name, row.day
        _audit(s, audit_log.DELETE, row)
        edits.delete(s, row)
        s.commit()
    flash(td("deleted", name=name, date=day.strftime("%d-%m-%Y")), "success")
    return redirect(_page(day.year))


@bp.route("/days-off/copy", methods=["GET", "POST"])
@access.require(PERMISSION)
def days_off_copy():
    """GET: last year's cuti bersama proposed for `year`, as a form. POST: the rows the admin ticked are added."""
    office = _office()
    form = CopyForm()
    year = _year(form.year.data if form.is_submitted() else request.args.get("year"))
    if form.is_submitted():
        if not form.validate_on_submit():
            refuse(td("error.invalid"), url_for("dashboard.days_off_copy", year=year))
        return _copy(office, year, form)
    with access.runtime().db.session() as s:
        proposed = edits.proposals(s, office.slug, year)
    form.year.data = str(year)
    for proposal in proposed:
        form.rows.append_entry({"source": proposal.source.isoformat(), "day": proposal.day, "name": proposal.name})
    return render_template("dashboard/days_off_copy.html", td=td, office=office, year=year, form=form,
                           rows=list(zip(form.rows, proposed, strict=True)))


def _copy(office: Office, year: int, form: CopyForm):
    added, skipped = [], 0
    for row in form.rows:
        fields = row.form
        if not fields.confirm.data:
            skipped += 1
            continue
        day = fields.day.data
        if day is None or day.year != year:
            flash(td("copy.wrong_year", name=fields.name.data or "", year=year), "error")
            continue
        try:
            made = _add(office, edits.Entry(day, fields.name.data or "", CUTI_BERSAMA),
                        copied_from=fields.source.data or "")
        except edits.DayOffError as exc:
            flash(f"{fields.name.data}: {_error_text(exc)}", "error")
            continue
        added.append(made)
    if added:
        flash(td("copy.done", count=len(added)), "success")
    if skipped:
        flash(td("copy.skipped", count=skipped), "info")
    if not form.rows.entries:
        flash(td("copy.none"), "info")
    return redirect(_page(year))
