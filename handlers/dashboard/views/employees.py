"""The employee directory of each office: the hosts citizens may ask to meet and the desk officers who
are told when a host does not answer. Desk officers read it (they call hosts); admins edit it.

Employees' WhatsApp numbers are personal data: viewing and changing them is written to the audit log.
"""

from __future__ import annotations

from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from wtforms import BooleanField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from bot.dashboard import audit as audit_log
from bot.dashboard import employees as directory_edits
from bot.dashboard.roles import Role, grant
from bot.directory import ROLES
from bot.models.visits import Employee
from bot.offices import Office
from handlers.dashboard import NAV, NavItem, access, bp
from handlers.dashboard.views.common import get_or_404, save_form

VIEW = "employees"
EDIT = "employees_edit"

grant(VIEW, Role.DESK)
grant(EDIT)  # admins only
NAV.append(NavItem("dashboard.employees", "nav.employees", VIEW, order=70))


def te(key: str, **values: Any) -> str:
    """An employees page string in the current language (config/messages/dashboard_employees/<lang>.yaml)."""
    return access.runtime().messages.text(access.lang(), f"employees_page.{key}", **values)


class EmployeeForm(FlaskForm):
    office = SelectField(choices=[])
    name = StringField(validators=[InputRequired(), Length(max=200)])
    title = StringField(validators=[Optional(), Length(max=200)])
    unit = SelectField(choices=[])
    whatsapp = StringField(validators=[Optional(), Length(max=32)])
    role = SelectField(choices=[])
    aliases = TextAreaField(validators=[Optional(), Length(max=1500)])
    active = BooleanField(default=True)


def _directory():
    return access.runtime().deps.directory


def _office(slug: str | None) -> Office:
    office = access.runtime().offices.get(slug or "")
    if office is None:
        abort(404)
    access.check_office(office.slug)
    return office


def _choices(form: EmployeeForm, office: Office | None) -> None:
    form.office.choices = [(o.slug, o.name) for o in access.allowed_offices()]
    units = office.units if office else ()
    form.unit.choices = [("", te("no_unit"))] + [(u.slug, u.name) for u in units]
    form.role.choices = [(role, te(f"roles.{role}")) for role in ROLES]


def _entry(form: EmployeeForm) -> directory_edits.Entry:
    return directory_edits.Entry(name=form.name.data or "", title=form.title.data or "", unit=form.unit.data or "",
                                 whatsapp=form.whatsapp.data or "", role=form.role.data or "",
                                 aliases=form.aliases.data or "", active=bool(form.active.data))


def _error_text(exc: directory_edits.EmployeeError) -> str:
    return access.runtime().messages.text(access.lang(), exc.key)


def _audit_change(session, action: str, row: Employee, fields: list[str]) -> None:
    audit_log.record(session, actor=access.user(), action=action, subject_type="employee", subject_id=row.id,
                     office=row.office, ip=access.client_ip(), detail={"fields": fields})


@bp.get("/employees")
@access.require(VIEW)
def employees():
    rt = access.runtime()
    offices = [o for o in (rt.offices.get(s) for s in access.office_slugs()) if o is not None]
    for office in offices:
        _directory().sync(office)  # an edited employees file shows here before anyone chats
    with rt.db.session() as s:
        rows = directory_edits.listing(s, [o.slug for o in offices])
    access.audit(audit_log.VIEW, "employee_list", detail={"offices": [o.slug for o in offices]})
    units = {o.slug: {u.slug: u.name for u in o.units} for o in offices}
    books = [(office, [r for r in rows if r.office == office.slug]) for office in offices]
    return render_template("dashboard/employees.html", te=te, books=books, units=units,
                           may_edit=access.can(EDIT))


@bp.route("/employees/new", methods=["GET", "POST"])
@access.require(EDIT)
def employee_new():
    form = EmployeeForm()
    slug = form.office.data if form.is_submitted() else request.args.get("office") or \
        (access.selected_office() or access.allowed_offices()[0]).slug
    office = _office(slug)
    form.office.data = office.slug
    _choices(form, office)

    def save():
        with access.runtime().db.session() as s:
            row = directory_edits.create(s, office, _entry(form))
            _audit_change(s, audit_log.CREATE, row, ["name", "title", "unit", "whatsapp", "role", "aliases"])
            s.commit()
        flash(te("created", name=row.name), "success")
        return redirect(url_for("dashboard.employees"))

    done, status = save_form(form, save, error=directory_edits.EmployeeError, message=_error_text,
                             invalid=te("error.invalid"))
    if done is not None:
        return done
    return render_template("dashboard/employee_edit.html", te=te, form=form, subject=None, office=office), status


@bp.route("/employees/<int:employee_id>", methods=["GET", "POST"])
@access.require(EDIT)
def employee_edit(employee_id: int):
    rt = access.runtime()
    with rt.db.session() as s:
        row = get_or_404(s, Employee, employee_id)
        office = _office(row.office)
        form = EmployeeForm(obj=row)
        if not form.is_submitted():
            form.unit.data = row.unit or ""
            form.aliases.data = ", ".join(row.aliases or ())
        form.office.data = office.slug
        _choices(form, office)

        def save():
            changed = directory_edits.update(s, office, row, _entry(form))
            _audit_change(s, audit_log.UPDATE, row, changed)
            s.commit()
            flash(te("saved", name=row.name), "success")
            return redirect(url_for("dashboard.employee_edit", employee_id=row.id))

        def undo():
            s.rollback()
            s.refresh(row)

        done, status = save_form(form, save, error=directory_edits.EmployeeError, message=_error_text,
                                 invalid=te("error.invalid"), undo=undo)
        if done is not None:
            return done
    access.audit(audit_log.VIEW, "employee", row.id, row.office)
    return render_template("dashboard/employee_edit.html", te=te, form=form, subject=row, office=office), status
