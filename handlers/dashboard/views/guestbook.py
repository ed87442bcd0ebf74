"""Buku Tamu: today's guest book per office for the PTSP desk (SOP 000 steps 3-10).

Check-in by visit code (typed, or a QR scanner typing into the code field), walk-in guests, check-out
with the survey (on the visit's page or right from the list), the hosts who have not answered (call or
remind, then record the answer they gave by phone), finding a guest by code, badge or name, any day's
guest book (`?day=`, tomorrow one click away), the printable visitor slip, the guest's photo behind
login, and the CSV export. The work is done in bot/dashboard/guestbook.py; every page showing or changing
personal data is audited. What the check-in form asks and the check-out checklist confirms follows the
office's SOP (a badge and locker key, a gate pass, the phone held: bot/visits/desk.py, `desk_form`).

Each host's notice shows what really became of it (bot/dashboard/deliveries.py): on its way, read,
held with the reason, failed with Twilio's code, with the host's number to call. Check-in, walk-in and
"remind" foresee it at once and say so, never "sent" for a notice the sender will hold.
"""

from __future__ import annotations

from datetime import date, timedelta
from functools import cache
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import AnyOf, InputRequired, Length, Optional

from bot import clock
from bot.dashboard import audit as audit_log
from bot.dashboard import deliveries
from bot.dashboard import guestbook as desk
from bot.dashboard.roles import Role, grant
from bot.masking import mask_phone
from bot.models.visits import Visit
from bot.offices import Office
from bot.visits import desk as desk_items
from bot.visits import security, settings
from bot.visits.model import PHONE_ANSWERS, REASON_MAX
from handlers.dashboard import NAV, NavItem, access, bp
from handlers.dashboard.forms import ActionForm
from handlers.dashboard.views import messages as message_page
from handlers.dashboard.views.common import of_my_office_or_404, refuse, refused_on, require_valid

PERMISSION = "guestbook"
EXPORT_MAX_DAYS = 366
WARNING = "warning"  # the flash category of "the host did not get it, please call": amber, it stands out

grant(PERMISSION, Role.DESK)
NAV.append(NavItem("dashboard.guestbook", "nav.guestbook", PERMISSION, order=15))


def gx(key: str, **values: Any) -> str:
    """A guest book string in the current language (config/messages/dashboard_guestbook/<lang>.yaml)."""
    return access.runtime().messages.text(access.lang(), f"guestbook.{key}", **values)


def item_word(key: str, part: str = "item", **values: Any) -> str:
    """An item's word (`guestbook.desk.<key>.<part>`): "item" its name, "short" in the list and on the slip,
    "ask" the check-in label, "back" the check-out tick."""
    return gx(f"desk.{key}.{part}", **values)


def _error_text(exc: desk.DeskError) -> str:
    values = dict(exc.values)
    if "items" in values:  # the checklist's unticked items, by name
        values["items"] = ", ".join(item_word(k) for k in values["items"])  # type: ignore[union-attr]
    return gx(f"errors.{exc.reason}", **values)


def _error(exc: desk.DeskError) -> None:
    flash(_error_text(exc), "error")


# -- forms -----------------------------------------------------------------------------------------
class CodeForm(FlaskForm):
    code = StringField(validators=[InputRequired(), Length(max=64)])


# Each desk field (bot/visits/desk.py FIELDS); a form holds only the office's (`desk_form`).
def _desk_field(name: str, required: bool):
    needed = InputRequired() if required else Optional()
    return {"badge": lambda: StringField(validators=[needed, Length(max=desk.TOKEN_MAX)]),
            "gate_pass": lambda: StringField(validators=[needed, Length(max=desk.TOKEN_MAX)]),
            "locker": lambda: StringField(validators=[needed, Length(max=desk.TOKEN_MAX)]),
            "id_type": lambda: SelectField(choices=[]),
            "id_last4": lambda: StringField(validators=[InputRequired(), Length(min=4, max=4)]),
            "phone_held": BooleanField,
            "phone_note": lambda: StringField(validators=[Optional(), Length(max=desk.TOKEN_MAX)])}[name]()


@cache
def desk_form(base: type[FlaskForm], setup: desk_items.DeskSetup, walk_in: bool = False) -> type[FlaskForm]:
    """`base` with the fields of the office's desk items: Klungkung's badge and locker, Alor's gate pass,
    Kapuas's phone held (one class per office's setup, made once)."""
    fields = {name: _desk_field(name, desk_items.ITEMS[key].required)
              for key in setup.keys if not (walk_in and key == "id_card") for name in desk_items.FIELDS[key]}
    return type(f"{base.__name__}For{'_'.join(setup.keys)}", (base,), fields)


def _desk_values(form: FlaskForm, setup: desk_items.DeskSetup, walk_in: bool = False) -> dict[str, object]:
    return {name: form[name].data for name in desk_items.fields(setup, walk_in=walk_in)}


class CheckInForm(FlaskForm):
    """The office's desk fields only (`desk_form(CheckInForm, office.desk)`)."""


class CheckOutForm(FlaskForm):
    """The checklist comes as `returned` values, one per item ticked back (bot/visits/desk.py)."""


class HostAnswerForm(FlaskForm):
    answer = HiddenField(validators=[InputRequired(), AnyOf(PHONE_ANSWERS)])
    reason = TextAreaField(validators=[Optional(), Length(max=REASON_MAX)])
    back = HiddenField()


class WalkInForm(FlaskForm):
    consent = BooleanField()
    name = StringField(validators=[InputRequired(), Length(max=100)])
    id_type = SelectField(choices=[])
    id_number = StringField(validators=[InputRequired(), Length(max=40)])
    phone = StringField(validators=[Optional(), Length(max=32)])
    photo = FileField()
    purpose = TextAreaField(validators=[InputRequired(), Length(max=desk.PURPOSE_MAX)])
    host = SelectField(choices=[])


class ExportForm(FlaskForm):
    """GET: nothing changes, so no CSRF token in the URL."""

    class Meta:
        csrf = False

    date_from = DateField(validators=[InputRequired()])
    date_to = DateField(validators=[InputRequired()])


# -- helpers ---------------------------------------------------------------------------------------
def _offices() -> list[Office]:
    rt = access.runtime()
    return [o for o in (rt.offices.get(slug) for slug in access.office_slugs()) if o is not None]


def _id_choices(office: Office) -> list[tuple[str, str]]:
    staff = access.runtime().deps.directory.staff(office)
    return [(kind, gx(f"id_types.{kind}")) for kind in staff.id_types]


def _load(visit_id: int) -> Visit:
    with access.runtime().db.session() as s:
        visit = of_my_office_or_404(s, Visit, visit_id)
        s.expunge(visit)
        return visit


def _office_of(visit: Visit) -> Office:
    office = access.runtime().offices.get(visit.office)
    if office is None:
        abort(404)
    return office


def _visit_page(visit_id: int) -> str:
    return url_for("dashboard.guestbook_visit", visit_id=visit_id)


def _back(visit_id: int):
    return redirect(_visit_page(visit_id))


def _answer(visit: Visit) -> str:
    return gx(f"answer.{visit.host_answer}") if visit.host_answer else gx("answer.none")


def _helpers() -> dict[str, Any]:
    return {"gx": gx, "answer_label": _answer, "mask_phone": mask_phone, "reach_text": message_page.reach_text,
            "sees_messages": access.can(message_page.PERMISSION), "item_word": item_word,
            "desk_items": lambda v: desk_items.describe(v, item_word),
            "desk_short": lambda v: desk_items.describe(v, lambda k: item_word(k, "short"))}


def _warn_undelivered(reach: deliveries.Reach | None, host: str | None, phone: str | None) -> bool:
    """A warning naming why the host will not get the message and the number to call; False if it goes."""
    if reach is None or not reach.problem:
        return False
    flash(gx(f"notice.{reach.state}", host=host or "-", phone=phone or reach.to,
             reason=message_page.reason_text(reach)), WARNING)
    return True


# -- pages -----------------------------------------------------------------------------------------
def _requested_day() -> date | None:
    """`?day=YYYY-MM-DD`: the local day whose guest book to show (None: each office's today)."""
    try:
        return date.fromisoformat(request.args.get("day", ""))
    except ValueError:
        return None


def _day_links(day: date, today: date) -> dict[str, date]:
    """The neighbours of the day shown, with today and tomorrow one click away."""
    return {"previous": day - timedelta(days=1), "next": day + timedelta(days=1), "today": today,
            "tomorrow": today + timedelta(days=1)}


@bp.get("/guestbook")
@access.require(PERMISSION)
def guestbook():
    moment = clock.now()
    offices = _offices()
    today_of = {o.slug: o.local(moment).date() for o in offices}
    first = min(today_of.values()) if today_of else moment.date()
    requested = _requested_day()
    day = requested or first
    on_today = requested is None or all(requested == d for d in today_of.values())
    with access.runtime().db.session() as s:
        books = [desk.day_book(s, office, requested or today_of[office.slug], moment) for office in offices]
        escalated = desk.escalations(s, [o.slug for o in offices]) if on_today else []
        listed = {v.id: v for b in books for v in (*b.expected, *b.waiting, *b.with_host)}
        listed.update({v.id: v for v in escalated})
        reach = deliveries.host_reach(s, access.runtime().config, list(listed.values()), moment)
        s.expunge_all()
    shown = sum(len(b.expected) + len(b.waiting) + len(b.with_host) + len(b.done) for b in books)
    access.audit(audit_log.VIEW, "guestbook", None, offices[0].slug if len(offices) == 1 else None,
                 detail={"results": shown, "escalations": len(escalated),
                         "day": requested.isoformat() if requested else None})
    today_local = {slug: requested or local for slug, local in today_of.items()}  # the day each book shows
    export = ExportForm(formdata=None, date_from=day, date_to=day)
    return render_template("dashboard/guestbook.html", books=books, escalated=escalated, today_local=today_local,
                           day=day, on_today=on_today, day_links=_day_links(day, first),
                           code_form=CodeForm(), action_form=ActionForm(), checkout_form=CheckOutForm(formdata=None),
                           export_form=export, reach=reach, **_helpers())


@bp.get("/guestbook/search")
@access.require(PERMISSION)
def guestbook_search():
    """A guest by visit code, badge number or part of the name; a code found once opens the visit."""
    text = " ".join(request.args.get("q", "").split())
    with refused_on(desk.DeskError, _error_text, url_for("dashboard.guestbook")), \
            access.runtime().db.session() as s:
        found = desk.search(s, access.office_slugs(), text)
        reach = deliveries.host_reach(s, access.runtime().config, found, clock.now())
        s.expunge_all()
    offices = access.office_slugs()
    access.audit(audit_log.VIEW, "guestbook_search", None, offices[0] if len(offices) == 1 else None,
                 detail={"results": len(found)})
    code = security.normal_code(text)
    if len(found) == 1 and found[0].code == code:
        return _back(found[0].id)
    return render_template("dashboard/guestbook_search.html", query=text, found=found, reach=reach,
                           limit=desk.SEARCH_LIMIT,
                           action_form=ActionForm(), checkout_form=CheckOutForm(formdata=None), **_helpers())


@bp.post("/guestbook/find")
@access.require(PERMISSION)
def guestbook_find():
    form, back = CodeForm(), url_for("dashboard.guestbook")
    require_valid(form, gx("errors.code_format", length=security.CODE_LENGTH), back)
    with refused_on(desk.DeskError, _error_text, back), access.runtime().db.session() as s:
        ids = [v.id for v in desk.find_by_code(s, access.office_slugs(), form.code.data or "")]
    if not ids:
        refuse(gx("errors.code_not_found"), back)
    if len(ids) > 1:
        refuse(gx("errors.code_ambiguous"), back)
    return _back(ids[0])


@bp.get("/guestbook/visit/<int:visit_id>")
@access.require(PERMISSION)
def guestbook_visit(visit_id: int):
    return _visit_view(_load(visit_id))


def _visit_view(visit: Visit, checkin: FlaskForm | None = None, status: int = 200):
    """The visit's page; `checkin` is a refused check-in form, shown again as the desk typed it."""
    office = _office_of(visit)
    moment = clock.now()
    with access.runtime().db.session() as s:
        history = desk.events(s, visit.id)
        messages = desk.host_messages(s, visit, history)
        message_reach = deliveries.message_reach(s, access.runtime().config, messages, moment)
        reach = deliveries.host_reach(s, access.runtime().config, [visit], moment)
        s.expunge_all()
    access.audit(audit_log.VIEW, "visit", visit.id, visit.office)
    if checkin is None:
        checkin = desk_form(CheckInForm, office.desk)(formdata=None, id_type=visit.id_type)
        if "id_type" in checkin:
            checkin.id_type.choices = _id_choices(office)
    return render_template("dashboard/guestbook_visit.html", visit=visit, office=office, history=history,
                           host_messages=messages, message_reach=message_reach, reach=reach,
                           checkin_form=checkin, checkout_form=CheckOutForm(formdata=None),
                           host_answer_form=HostAnswerForm(formdata=None), reason_max=REASON_MAX,
                           action_form=ActionForm(), **_helpers()), status


@bp.post("/guestbook/visit/<int:visit_id>/check-in")
@access.require(PERMISSION)
def guestbook_check_in(visit_id: int):
    visit = _load(visit_id)
    setup = _office_of(visit).desk
    form = desk_form(CheckInForm, setup)()
    if "id_type" in form:
        form.id_type.choices = _id_choices(_office_of(visit))
    # A refused check-in (a last 4 digits that do not match the registration, a badge already out) shows
    # the page again with what the desk typed, the wrong field to correct, not an emptied form.
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            refuse(gx("errors.form"), _visit_page(visit_id))
        flash(gx("errors.form"), "error")
        return _visit_view(visit, checkin=form, status=422)
    try:
        ids = desk.check_in(access.runtime(), visit_id, username=access.user().username,
                            values=_desk_values(form, setup))
    except desk.DeskError as exc:
        flash(_error_text(exc), "error")
        return _visit_view(_load(visit_id), checkin=form, status=422)
    reach = deliveries.foresee(access.runtime(), ids)
    with access.runtime().db.session() as s:
        items = list(desk_items.held_items(s.get(Visit, visit_id)))  # type: ignore[arg-type]
    access.audit("check_in", "visit", visit_id, visit.office,
                 detail={"outbox": ids, "notice": reach.state if reach else None, "items": items})
    if not ids:
        flash(gx("checkin.done_no_host", code=visit.code), "success")
    elif reach is not None and reach.problem:
        flash(gx("checkin.done_held", code=visit.code), "success")
        _warn_undelivered(reach, visit.host_name, visit.host_phone)
    else:
        flash(gx("checkin.done", code=visit.code), "success")
    return _back(visit_id)


@bp.post("/guestbook/visit/<int:visit_id>/check-out")
@access.require(PERMISSION)
def guestbook_check_out(visit_id: int):
    visit = _load(visit_id)
    form = CheckOutForm()
    back = url_for("dashboard.guestbook") if request.form.get("back") == "list" else _visit_page(visit_id)
    require_valid(form, gx("errors.form"), back)
    returned = request.form.getlist("returned")
    with refused_on(desk.DeskError, _error_text, back):
        ids = desk.check_out(access.runtime(), visit_id, username=access.user().username, returned=returned)
    access.audit("check_out", "visit", visit_id, visit.office,
                 detail={"survey_outbox": ids, "returned": [k for k in desk_items.ITEMS if k in returned]})
    flash(gx("checkout.done_survey" if ids else "checkout.done", code=visit.code), "success")
    return redirect(url_for("dashboard.guestbook"))


@bp.post("/guestbook/visit/<int:visit_id>/host-answer")
@access.require(PERMISSION)
def guestbook_host_answer(visit_id: int):
    """The host answered the desk by phone: came to meet the guest, or declined with a reason."""
    visit = _load(visit_id)
    form = HostAnswerForm()
    back = url_for("dashboard.guestbook") if form.back.data == "list" else _visit_page(visit_id)
    require_valid(form, gx("errors.form"), back)
    answer = form.answer.data or ""
    with refused_on(desk.DeskError, _error_text, back):
        ids = desk.record_host_answer(access.runtime(), visit_id, username=access.user().username, answer=answer,
                                      reason=form.reason.data)
    access.audit("host_answer_by_phone", "visit", visit_id, visit.office,
                 detail={"answer": answer, "guest_told": bool(ids), "outbox": ids})
    flash(gx(f"phone_answer.done_{answer}" + ("" if ids else "_untold"), code=visit.code), "success")
    return redirect(back)


@bp.post("/guestbook/visit/<int:visit_id>/met")
@access.require(PERMISSION)
def guestbook_host_met(visit_id: int):
    """The host who had agreed beforehand came out to the guest: the end of the wait on the standard clock."""
    visit = _load(visit_id)
    back = _visit_page(visit_id)
    require_valid(ActionForm(), gx("errors.form"), back)
    with refused_on(desk.DeskError, _error_text, back):
        desk.record_host_met(access.runtime(), visit_id, username=access.user().username)
    access.audit("host_met", "visit", visit_id, visit.office)
    flash(gx("host_met.done", code=visit.code), "success")
    return redirect(back)


@bp.post("/guestbook/visit/<int:visit_id>/remind")
@access.require(PERMISSION)
def guestbook_remind(visit_id: int):
    visit = _load(visit_id)
    target = request.form.get("back") == "list"
    if ActionForm().validate_on_submit():
        try:
            ids = desk.remind_host(access.runtime(), visit_id, username=access.user().username)
        except desk.DeskError as exc:
            _error(exc)
        else:
            reach = deliveries.foresee(access.runtime(), ids)
            access.audit("remind_host", "visit", visit_id, visit.office,
                         detail={"outbox": ids, "notice": reach.state if reach else None})
            if reach is not None and reach.problem:
                flash(gx("escalations.remind_held", code=visit.code), "success")
                _warn_undelivered(reach, visit.host_name, visit.host_phone)
            else:
                flash(gx("escalations.reminded", code=visit.code), "success")
    return redirect(url_for("dashboard.guestbook")) if target else _back(visit_id)


@bp.get("/guestbook/visit/<int:visit_id>/slip")
@access.require(PERMISSION)
def guestbook_slip(visit_id: int):
    """The visitor slip to print for the guest: name, host, badge, time and the visit code's QR (A6 or an
    80 mm receipt printer, chosen with `?paper=roll`)."""
    visit = _load(visit_id)
    office = _office_of(visit)
    access.audit(audit_log.VIEW, "visit_slip", visit.id, visit.office)
    paper = "roll" if request.args.get("paper") == "roll" else "a6"
    return render_template("dashboard/guestbook_slip.html", visit=visit, office=office, paper=paper,
                           qr=desk.qr_svg(visit.code), **_helpers())


@bp.get("/guestbook/visit/<int:visit_id>/photo")
@access.require(PERMISSION)
def guestbook_photo(visit_id: int):
    visit = _load(visit_id)
    with access.runtime().db.session() as s:
        fresh = s.get(Visit, visit_id)
        found = desk.photo_file(access.runtime(), fresh) if fresh is not None else None
    if found is None:
        abort(404)
    photo, content_type = found
    access.audit(audit_log.VIEW, "visit_photo", visit_id, visit.office)
    response = Response(photo, mimetype=content_type)
    response.headers["Content-Disposition"] = "inline"
    return response


@bp.route("/guestbook/walk-in", methods=["GET", "POST"])
@access.require(PERMISSION)
def guestbook_walk_in():
    office = access.selected_office()
    if office is None:
        flash(gx("walkin.choose_office"), "info")
        return redirect(url_for("dashboard.guestbook"))
    staff = access.runtime().deps.directory.staff(office)
    form = desk_form(WalkInForm, office.desk, walk_in=True)()
    form.id_type.choices = _id_choices(office)
    form.host.choices = [("", "–")] + [(e.key, f"{e.name} ({e.title})" if e.title else e.name)
                                       for e in staff.employees]
    if request.method == "POST":
        if not form.validate_on_submit():
            flash(gx("errors.form"), "error")
        else:
            upload = form.photo.data
            photo = desk.Photo(upload.read(settings.PHOTO_MAX_BYTES + 1), upload.mimetype or "") if upload else None
            entry = desk.WalkIn(consent=bool(form.consent.data), name=form.name.data or "",
                                id_type=form.id_type.data or "", id_number=form.id_number.data or "",
                                purpose=form.purpose.data or "", host_key=form.host.data or "",
                                items=_desk_values(form, office.desk, walk_in=True), phone=form.phone.data,
                                lang=access.lang())
            try:
                visit_id = desk.walk_in(access.runtime(), office, entry, photo, username=access.user().username)
            except desk.DeskError as exc:
                _error(exc)
            else:
                access.audit(audit_log.CREATE, "visit", visit_id, office.slug, detail={"walk_in": True})
                with access.runtime().db.session() as s:
                    made = s.get(Visit, visit_id)
                    code, notice = made.code, made.host_notice_outbox_id  # type: ignore[union-attr]
                    host, phone = made.host_name, made.host_phone  # type: ignore[union-attr]
                reach = deliveries.foresee(access.runtime(), [notice] if notice else [])
                if reach is None:
                    flash(gx("walkin.done_no_host", code=code), "success")
                elif reach.problem:
                    flash(gx("walkin.done_held", code=code), "success")
                    _warn_undelivered(reach, host, phone)
                else:
                    flash(gx("walkin.done", code=code), "success")
                return _back(visit_id)
    form.id_number.data = ""  # never echo an identity number back into the page
    return render_template("dashboard/guestbook_walkin.html", form=form, office=office,
                           days=settings.retention_days(access.runtime().config), **_helpers())


@bp.get("/guestbook/export.csv")
@access.require(PERMISSION)
def guestbook_export():
    form = ExportForm(request.args)
    if not form.validate() or form.date_to.data < form.date_from.data \
            or form.date_to.data - form.date_from.data > timedelta(days=EXPORT_MAX_DAYS - 1):
        refuse(gx("export.invalid"), url_for("dashboard.guestbook"))
    offices = _offices()
    with access.runtime().db.session() as s:
        text, count = desk.export_csv(s, offices, form.date_from.data, form.date_to.data, words=gx)
    access.audit("export", "guestbook", None, offices[0].slug if len(offices) == 1 else None,
                 detail={"from": form.date_from.data.isoformat(), "to": form.date_to.data.isoformat(),
                         "rows": count})
    name = f"buku-tamu_{form.date_from.data.isoformat()}_{form.date_to.data.isoformat()}.csv"
    response = Response("\ufeff" + text, mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
