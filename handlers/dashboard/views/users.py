"""Users and roles (admins only): create staff accounts, set role and office, deactivate, reset passwords."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from sqlalchemy import select
from wtforms.fields.choices import SelectChoice

from bot.dashboard import audit as audit_log
from bot.dashboard import staff
from bot.dashboard.roles import Role
from bot.models.staff import StaffUser
from handlers.dashboard import access, bp
from handlers.dashboard.forms import PasswordResetForm, UserCreateForm, UserEditForm
from handlers.dashboard.views.common import get_or_404, require_valid, save_form


def _choices(form) -> None:
    """The least powerful choices first, so the defaults are a desk officer of the first office."""
    order = (Role.DESK, Role.HANDLER, Role.VIEWER, Role.ADMIN)
    form.role.choices = [SelectChoice(r.value, access.t(f"roles.{r.value}")) for r in order]
    form.office.choices = [SelectChoice(o.slug, o.name) for o in access.all_offices()] + [
        SelectChoice("", access.t("users.all_offices"))]


def _office_slugs() -> set[str]:
    return {o.slug for o in access.all_offices()}


def _error_text(exc: staff.StaffError) -> str:
    return access.t(exc.key)


@bp.route("/users", methods=["GET", "POST"])
@access.require("users")
def users():
    form = UserCreateForm()
    _choices(form)

    def save():
        with access.runtime().db.session() as s:
            user = staff.create(s, username=form.username.data, display_name=form.display_name.data,
                                password=form.password.data, role=form.role.data, office=form.office.data,
                                offices=_office_slugs())
            audit_log.record(s, actor=access.user(), action=audit_log.CREATE, subject_type="staff_user",
                             subject_id=user.id, office=user.office, ip=access.client_ip(), detail={"role": user.role})
            s.commit()
        flash(access.t("users.created", username=user.username), "success")
        return redirect(url_for("dashboard.users"))

    done, status = save_form(form, save, error=staff.StaffError, message=_error_text)
    if done is not None:
        return done
    with access.runtime().db.session() as s:
        rows = list(s.scalars(select(StaffUser).order_by(StaffUser.active.desc(), StaffUser.username)))
    access.audit(audit_log.VIEW, "staff_user_list")
    return render_template("dashboard/users.html", form=form, users=rows), status


@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
@access.require("users")
def user_edit(user_id: int):
    rt = access.runtime()
    with rt.db.session() as s:
        user = get_or_404(s, StaffUser, user_id)
        form = UserEditForm(obj=user)
        if not form.is_submitted():
            form.office.data = user.office or ""
        _choices(form)

        def save():
            changed = staff.update(s, user, display_name=form.display_name.data, role=form.role.data,
                                   office=form.office.data, active=form.active.data, offices=_office_slugs())
            audit_log.record(s, actor=access.user(), action=audit_log.UPDATE, subject_type="staff_user",
                             subject_id=user.id, office=user.office, ip=access.client_ip(), detail={"fields": changed})
            s.commit()
            flash(access.t("users.saved", username=user.username), "success")
            return redirect(url_for("dashboard.user_edit", user_id=user.id))

        def undo():
            s.rollback()
            s.refresh(user)

        if form.validate_on_submit() and user.id == access.user().id and not form.active.data:
            flash(access.t("users.error.self_deactivate"), "error")
            status = 400
        else:
            done, status = save_form(form, save, error=staff.StaffError, message=_error_text, undo=undo)
            if done is not None:
                return done
    access.audit(audit_log.VIEW, "staff_user", user_id, user.office)
    return render_template("dashboard/user_edit.html", form=form, subject=user,
                           password_form=PasswordResetForm()), status


@bp.post("/users/<int:user_id>/password")
@access.require("users")
def user_password(user_id: int):
    form = PasswordResetForm()
    rt = access.runtime()
    with rt.db.session() as s:
        user = get_or_404(s, StaffUser, user_id)
        require_valid(form, access.t("users.error.password"), url_for("dashboard.user_edit", user_id=user_id))
        staff.set_password(user, form.password.data)
        audit_log.record(s, actor=access.user(), action=audit_log.CREDENTIALS_RESET, subject_type="staff_user",
                         subject_id=user.id, office=user.office, ip=access.client_ip())
        s.commit()
    flash(access.t("users.password_set", username=user.username), "success")
    return redirect(url_for("dashboard.user_edit", user_id=user_id))
