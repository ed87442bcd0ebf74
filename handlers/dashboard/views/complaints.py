"""Complaints (pengaduan) on the dashboard: the queue per office with overdue flags in working days,
the detail page with the events timeline, and the handling steps (bot.complaints.service).

Complaint handlers (and admins) act; desk officers read, never the reporter's identity. A
confidential reporter is shown only to the roles with "complaints.identity"; an anonymous one to
nobody (bot.complaints.service.reporter_view). Attachments are Twilio's media URLs, linked only on
this signed-in page (Twilio asks for its own credentials; nothing is proxied or made public).
After each step the citizen's notice goes out through the outbox (`service.dispatch`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from flask import Response, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import or_, select
from sqlalchemy.orm import object_session, selectinload
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from bot import clock, simulator
from bot import phone as phones
from bot.complaints import model, service
from bot.complaints.deadlines import Deadlines, Targets, deadlines, due_today, overdue
from bot.complaints.text import unit_name
from bot.dashboard import audit as audit_log
from bot.dashboard import table_xlsx
from bot.dashboard.exports import cell, csv_response
from bot.dashboard.roles import Role, grant
from bot.masking import mask_nik, mask_phone
from bot.models.complaints import Complaint
from bot.offices import Office
from bot.workdays import office_calendar
from handlers.dashboard import NAV, NavItem, access, bp
from handlers.dashboard.views.common import local_time, of_my_office_or_404, office_name, refuse, require_valid

VIEW = "complaints"                   # the queue and the detail page
ACT = "complaints.act"                # transitions, notes, the SP4N-LAPOR! route
IDENTITY = "complaints.identity"      # a confidential reporter's name and number
QUEUE_LIMIT = 500
NOTE_MAX = 2000

grant(VIEW, Role.HANDLER, Role.DESK)
grant(ACT, Role.HANDLER)
grant(IDENTITY, Role.HANDLER)
NAV.append(NavItem("dashboard.complaints", "nav.complaints", VIEW, order=20))


def tx(key: str, **values: Any) -> str:
    """A complaints-page string in the current language (config/messages/dashboard_complaints)."""
    return access.runtime().messages.text(access.lang(), f"complaints_page.{key}", **values)


def category_label(category: str) -> str:
    return access.runtime().messages.text(access.lang(), f"complaint.category.{category}")


def status_name(status: str) -> str:
    return access.runtime().messages.text(access.lang(), f"complaint.status.{status}")


class TransitionForm(FlaskForm):
    to_status = HiddenField(validators=[InputRequired()])
    unit = SelectField(choices=[], validate_choice=False, validators=[Optional()])
    reason = TextAreaField(validators=[Optional(), Length(max=NOTE_MAX)])
    public_note = TextAreaField(validators=[Optional(), Length(max=NOTE_MAX)])
    note = TextAreaField(validators=[Optional(), Length(max=NOTE_MAX)])


class NoteForm(FlaskForm):
    note = TextAreaField(validators=[InputRequired(), Length(max=NOTE_MAX)])
    public = BooleanField()


class LaporForm(FlaskForm):
    lapor_ref = StringField(validators=[Optional(), Length(max=64)])


@dataclass(frozen=True)
class Row:
    complaint: Complaint
    age_days: int
    flags: tuple[str, ...]
    due: Deadlines | None


def _targets() -> Targets:
    return Targets.from_config(access.runtime().config)


def _office(slug: str) -> Office:
    office = access.runtime().offices.get(slug)
    if office is None:
        abort(404)
    return office


def age_in_workdays(complaint: Complaint, office: Office, moment: datetime) -> int:
    """Working days since receipt (0 on the day it came in); stops counting once it is answered."""
    cal = office_calendar(object_session(complaint), office)  # the office's own days off too
    until = complaint.answered_at or complaint.closed_at or moment
    received = cal.local_date(clock.as_utc(complaint.received_at))
    return cal.workdays_between(received, cal.local_date(clock.as_utc(until)))


def _row(complaint: Complaint, moment: datetime, targets: Targets) -> Row:
    office = access.runtime().offices.get(complaint.office)
    if office is None:
        return Row(complaint, 0, (), None)
    return Row(complaint, age_in_workdays(complaint, office, moment), overdue(complaint, office, moment, targets),
               deadlines(complaint, office, targets))


def _due_today(complaint: Complaint, moment: datetime, targets: Targets) -> bool:
    office = access.runtime().offices.get(complaint.office)
    return office is not None and due_today(complaint, office, moment, targets)


SEARCH_MAX = 100
_PHONE_LIKE = re.compile(r"[+\d][\d\s().-]{7,}")


@dataclass(frozen=True)
class Queue:
    """The queue's filters as asked (`q`: a ticket, a reporter's number or words of the complaint)."""

    status: str
    category: str
    only_overdue: bool
    only_due_today: bool
    q: str

    @classmethod
    def from_args(cls, args) -> Queue:
        q = " ".join(args.get("q", "").split())[:SEARCH_MAX]
        # A search looks through every status unless one is asked for: a ticket is found once closed too.
        status = args.get("status", "" if q else "open")
        if status not in ("open", *model.STATUSES):
            status = ""
        category = args.get("category", "")
        return cls(status, category if category in model.CATEGORIES else "", args.get("overdue") == "1",
                   args.get("due") == "today", q)

    def audit_detail(self, results: int) -> dict[str, Any]:
        """What the audit log keeps of the filters: whether there was a search, never its words."""
        return {"status": self.status, "category": self.category, "overdue": self.only_overdue,
                "due_today": self.only_due_today, "search": bool(self.q), "results": results}


def _search_phone(q: str) -> str | None:
    if not _PHONE_LIKE.fullmatch(q):
        return None
    try:
        return phones.normalize(q)
    except phones.InvalidNumber:
        return None


def _matches(complaint: Complaint, q: str, phone: str | None) -> bool:
    """Whether the complaint answers the search as this viewer sees it: the ticket, the words shown (NIKs
    masked), and the reporter's name or number only where this viewer may see them, so that a confidential
    or anonymous reporter is never found, hence confirmed, by their name or number."""
    needle = q.casefold()
    shown = [complaint.ticket, mask_nik(complaint.description), mask_nik(complaint.subject_text or "")]
    if any(needle in text.casefold() for text in shown):
        return True
    reporter = reporter_for_viewer(complaint)
    if reporter["name"] and needle in mask_nik(reporter["name"]).casefold():
        return True
    return phone is not None and reporter["phone"] == complaint.phone == phone


def _queue(queue: Queue) -> list[Row]:
    """The queue of this user's offices under these filters, oldest first."""
    query = select(Complaint).where(Complaint.office.in_(access.office_slugs()), simulator.real(Complaint.phone))
    if queue.status == "open":
        query = query.where(Complaint.status.in_(model.OPEN_STATUSES))
    elif queue.status:
        query = query.where(Complaint.status == queue.status)
    if queue.category:
        query = query.where(Complaint.category == queue.category)
    phone = _search_phone(queue.q) if queue.q else None
    if queue.q:
        pattern = "%" + queue.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
        query = query.where(or_(*(column.ilike(pattern, escape="\\") for column in (
            Complaint.ticket, Complaint.description, Complaint.subject_text, Complaint.reporter_name)),
            Complaint.phone == (phone or "")))
    moment, targets = clock.now(), _targets()
    # Inside the session: the deadlines read the offices' days off once through it (bot/workdays.py).
    with access.runtime().db.session() as s:
        found = list(s.scalars(query.order_by(Complaint.received_at, Complaint.id).limit(QUEUE_LIMIT)))
        if queue.q:
            found = [c for c in found if _matches(c, queue.q, phone)]
        rows = [_row(c, moment, targets) for c in found]
        if queue.only_overdue:
            rows = [r for r in rows if r.flags]
        if queue.only_due_today:
            rows = [r for r in rows if _due_today(r.complaint, moment, targets)]
    return rows


def _unit_of(complaint: Complaint) -> str:
    """The unit as the queue shows it: the office's name for it, else the citizen's words (NIK masked)."""
    return unit_name(_office(complaint.office), complaint.assigned_unit or complaint.subject_unit) \
        or mask_nik(complaint.subject_text or "")


@bp.get("/complaints")
@access.require(VIEW)
def complaints():
    queue = Queue.from_args(request.args)
    rows = _queue(queue)
    offices = access.office_slugs()
    access.audit(audit_log.VIEW, "complaint_queue", None, offices[0] if len(offices) == 1 else None,
                 detail=queue.audit_detail(len(rows)))
    export_args = {k: v for k, v in (("status", queue.status), ("category", queue.category),
                                     ("overdue", "1" if queue.only_overdue else ""),
                                     ("due", "today" if queue.only_due_today else ""), ("q", queue.q)) if v}
    return render_template("dashboard/complaints.html", tx=tx, rows=rows, status=queue.status,
                           category=queue.category, only_overdue=queue.only_overdue,
                           only_due_today=queue.only_due_today, q=queue.q, export_args=export_args,
                           statuses=model.STATUSES, categories=model.CATEGORIES,
                           category_label=category_label, status_name=status_name, targets=_targets(),
                           unit_name=lambda slug, code: unit_name(_office(slug), code) or code or "")


def _reporter_cells(complaint: Complaint) -> tuple[str, str, str]:
    """The reporter as the detail page shows this viewer (identity, name), the number always masked."""
    reporter = reporter_for_viewer(complaint)
    return (tx(f"export.identity.{reporter['identity']}"), mask_nik(reporter["name"] or ""),
            mask_phone(reporter["phone"]) if reporter["phone"] else "")


EXPORT_COLUMNS = ("ticket", "office", "category", "unit", "status", "received", "age", "overdue", "confidential",
                  "identity", "reporter", "phone", "description", "public_note")
TYPED = frozenset({"unit", "reporter", "description", "public_note"})  # words someone typed: never a formula


def _export(queue: Queue, fmt: str) -> tuple[list[str], list[list[object]]]:
    """The queue as shown, filters and search included, in the dashboard's language: labels, not codes; NIKs
    masked; the reporter as this viewer may see them (a confidential reporter only for the complaint handlers,
    an anonymous one for nobody), the number masked for everyone. Audited as an export in `fmt`."""
    header = [tx(f"export.col.{name}") for name in EXPORT_COLUMNS]
    lines: list[list[object]] = []
    for row in _queue(queue):
        c = row.complaint
        identity, name, phone = _reporter_cells(c)
        lines.append([c.ticket, office_name(c.office), category_label(c.category), _unit_of(c),
                      status_name(c.status), local_time(c.received_at, c.office), row.age_days,
                      ", ".join(tx(f"overdue.{flag}") for flag in row.flags),
                      tx("export.flag_yes") if c.confidential else tx("export.flag_no"), identity, name, phone,
                      mask_nik(c.description), mask_nik(c.public_note or "")])
    offices = access.office_slugs()
    access.audit("export", "complaints", None, offices[0] if len(offices) == 1 else None,
                 detail={**queue.audit_detail(len(lines)), "format": fmt})
    return header, lines


@bp.get("/complaints/export.csv")
@access.require(VIEW)
def complaints_export():
    """The queue as CSV (see `_export`); typed words are made safe for a spreadsheet (`cell`)."""
    header, lines = _export(Queue.from_args(request.args), "csv")
    safe = [[cell(value) if name in TYPED else value for name, value in zip(EXPORT_COLUMNS, line, strict=True)]
            for line in lines]
    return csv_response(header, safe, f"pengaduan_{clock.now().strftime('%Y-%m-%d')}.csv")


@bp.get("/complaints/export.xlsx")
@access.require(VIEW)
def complaints_export_xlsx():
    """The same table as the CSV in an XLSX sheet (bot/dashboard/table_xlsx.py): text typed as text."""
    queue = Queue.from_args(request.args)
    header, lines = _export(queue, "xlsx")
    offices = access.office_slugs()
    heading: list[tuple[str, object]] = [
        (tx("export.xlsx.office"), ", ".join(office_name(slug) for slug in offices)),
        (tx("export.xlsx.made"), local_time(clock.now(), offices[0] if len(offices) == 1 else None)),
        (tx("filter.status"), status_name(queue.status) if queue.status in model.STATUSES
         else tx("filter.open") if queue.status == "open" else tx("filter.all"))]
    if queue.category:
        heading.append((tx("filter.category"), category_label(queue.category)))
    if queue.q:
        heading.append((tx("export.xlsx.search"), mask_nik(queue.q)))
    heading.append((tx("export.xlsx.count"), len(lines)))
    book = table_xlsx.workbook(sheet=tx("export.xlsx.sheet"), title=tx("title"), heading=heading, header=header,
                               rows=lines)
    response = Response(table_xlsx.to_bytes(book), mimetype=table_xlsx.MIMETYPE)
    response.headers["Content-Disposition"] = \
        f'attachment; filename="pengaduan_{clock.now().strftime("%Y-%m-%d")}.xlsx"'
    return response


def _load(complaint_id: int) -> tuple[Complaint, Office]:
    """The complaint with its events and attachments, and its office; 404 if it is not this user's office's."""
    with access.runtime().db.session() as s:
        complaint = s.scalar(select(Complaint).where(Complaint.id == complaint_id).options(
            selectinload(Complaint.events), selectinload(Complaint.attachments)))
    if complaint is None:
        abort(404)
    access.check_office(complaint.office)
    return complaint, _office(complaint.office)


def reporter_for_viewer(complaint: Complaint) -> dict[str, str | None]:
    """What this viewer may see of the reporter: handlers per reporter_view; others no identity at all.
    A confidential reporter is for the complaint handlers alone, not even admins, who otherwise hold
    every permission (issue #7: "hidden from everyone but the complaint handlers")."""
    if complaint.confidential and not complaint.anonymous and current_user.role != Role.HANDLER:
        return {"name": None, "phone": None, "identity": "confidential"}
    if access.can(IDENTITY):
        return service.reporter_view(complaint, True)
    seen = service.reporter_view(complaint, False)
    if seen["identity"] == "open":
        return {"name": None, "phone": None, "identity": "withheld"}
    return seen if seen["identity"] == "anonymous" else {"name": None, "phone": None, "identity": seen["identity"]}


def _transition_form(office: Office, complaint: Complaint) -> TransitionForm:
    form = TransitionForm()
    form.unit.choices = [(u.slug, u.name) for u in office.units]
    if complaint.subject_unit and not form.unit.data:
        form.unit.data = complaint.subject_unit
    return form


@bp.get("/complaints/<int:complaint_id>")
@access.require(VIEW)
def complaint_detail(complaint_id: int):
    complaint, office = _load(complaint_id)
    moment, targets = clock.now(), _targets()
    with access.runtime().db.session() as s:  # the deadlines read the office's days off through it
        row = _row(s.get(Complaint, complaint.id), moment, targets)
    reporter = reporter_for_viewer(complaint)
    access.audit(audit_log.VIEW, "complaint", complaint.id, complaint.office,
                 detail={"ticket": complaint.ticket, "identity": reporter["identity"],
                         "identity_shown": bool(reporter["name"] or reporter["phone"])})
    return render_template(
        "dashboard/complaint.html", tx=tx, c=complaint, row=row, office=office, reporter=reporter,
        events=complaint.events, attachments=complaint.attachments, may_act=access.can(ACT),
        next_statuses=model.TRANSITIONS.get(complaint.status, ()), transition_form=_transition_form(office, complaint),
        note_form=NoteForm(formdata=None), lapor_form=LaporForm(formdata=None), category_label=category_label,
        status_name=status_name, unit_label=lambda code: unit_name(office, code) or code or "", note_max=NOTE_MAX)


def _detail(complaint_id: int) -> str:
    return url_for("dashboard.complaint_detail", complaint_id=complaint_id)


def _back(complaint_id: int):
    return redirect(_detail(complaint_id))


def _actor() -> str:
    member = access.user()
    return f"{member.display_name} ({member.username})"[:120]


def _apply(complaint_id: int, step, action: str, detail: dict[str, Any], **values: Any) -> bool:
    """Run one service step (`step(session, outbox, office, complaint, **values)`, by this user) in a transaction
    with its audit entry; after the commit, send the notices. False when the step is not allowed."""
    rt = access.runtime()
    with rt.db.session() as s:
        complaint = of_my_office_or_404(s, Complaint, complaint_id)
        office = _office(complaint.office)
        try:
            done = step(s, rt.outbox, office, complaint, actor=_actor(), msgs=rt.messages, config=rt.config, **values)
        except model.InvalidTransition:
            s.rollback()
            return False
        audit_log.record(s, actor=access.user(), action=action, subject_type="complaint", subject_id=complaint.id,
                         office=complaint.office, ip=access.client_ip(),
                         detail={"ticket": complaint.ticket, **detail, "outbox": list(done.outbox_ids)})
        s.commit()
    service.dispatch(rt.outbox, done)
    return True


@bp.post("/complaints/<int:complaint_id>/transition")
@access.require(ACT)
def complaint_transition(complaint_id: int):
    complaint, office = _load(complaint_id)
    form, back = _transition_form(office, complaint), _detail(complaint_id)
    require_valid(form, tx("error.form"), back)
    to_status = form.to_status.data or ""
    if to_status not in model.TRANSITIONS.get(complaint.status, ()):
        refuse(tx("error.step", status=status_name(complaint.status)), back)
    if to_status == model.REJECTED and not (form.reason.data or "").strip():
        refuse(tx("error.reason"), back)
    if to_status == model.ASSIGNED and unit_name(office, form.unit.data) is None:
        refuse(tx("error.unit"), back)
    if _apply(complaint_id, service.transition, "complaint_transition", {"from": complaint.status, "to": to_status},
              to_status=to_status, note=(form.note.data or "").strip() or None,
              public_note=(form.public_note.data or "").strip() or None,
              unit=form.unit.data if to_status == model.ASSIGNED else None,
              reason=(form.reason.data or "").strip() or None):
        flash(tx("done.transition", ticket=complaint.ticket, status=status_name(to_status)), "success")
    else:
        flash(tx("error.step", status=status_name(complaint.status)), "error")
    return _back(complaint_id)


@bp.post("/complaints/<int:complaint_id>/note")
@access.require(ACT)
def complaint_note(complaint_id: int):
    complaint, _ = _load(complaint_id)
    form = NoteForm()
    if not form.validate_on_submit() or not (form.note.data or "").strip():
        refuse(tx("error.note", max=NOTE_MAX), _detail(complaint_id))
    public = bool(form.public.data)
    _apply(complaint_id, service.add_note, "complaint_note", {"public": public}, note=form.note.data.strip(),
           public=public)
    flash(tx("done.public_note" if public else "done.note", ticket=complaint.ticket), "success")
    return _back(complaint_id)


@bp.post("/complaints/<int:complaint_id>/lapor")
@access.require(ACT)
def complaint_lapor(complaint_id: int):
    complaint, _ = _load(complaint_id)
    form = LaporForm()
    require_valid(form, tx("error.form"), _detail(complaint_id))
    reference = (form.lapor_ref.data or "").strip() or None
    _apply(complaint_id, service.refer_to_lapor, "complaint_lapor", {"lapor_ref": reference}, lapor_ref=reference)
    flash(tx("done.lapor", ticket=complaint.ticket), "success")
    return _back(complaint_id)
