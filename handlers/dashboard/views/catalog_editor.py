"""The office's Standar Pelayanan, edited by its admin: a service's fields into a draft, the draft previewed
as the citizen will read it on WhatsApp, published (with its SK), the history of versions, the
differences between any two, a roll-back, and a Standar Pelayanan document (.txt, .docx) read into the
draft by the same code as `flask catalog import` (bot/catalog/drafts.py). The rules are
bot/catalog/versions.py's; the text of the fields bot/catalog/editing.py's; the preview is the services
flow's own (bot/catalog/preview.py).

Every change is audited by versions.py with what it changed, before and after. A publish or a roll-back
reaches every process once committed (versions.py marks the office changed; bot/revisions.py signals).
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from datetime import date
from pathlib import Path
from typing import Any

from flask import abort, flash, redirect, render_template, request, url_for
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from werkzeug.utils import secure_filename
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from bot import clock
from bot.catalog import Catalog, CatalogError, catalog_from_dict, drafts, editing, preview, standar, versions
from bot.dashboard.roles import grant
from bot.i18n import LANGUAGES
from bot.models.catalog import DRAFT, PUBLISHED, CatalogVersion
from bot.models.staff import StaffUser
from bot.offices import Office
from handlers.dashboard import access, bp
from handlers.dashboard.views.common import refuse

logger = logging.getLogger(__name__)

PERMISSION = "catalog_edit"
NAME_MAX, TEXT_MAX, FIELD_MAX = 300, 20000, 2000
DOCUMENT_MAX_BYTES = 2 * 1024 * 1024  # a Standar Pelayanan is text and a few tables: 2 MB is generous
DOCUMENT_SUFFIXES = (".txt", ".docx")  # what bot/catalog/standar.py reads

grant(PERMISSION)  # admins only: what the office promises its citizens, under its SK


def te(key: str, **values: Any) -> str:
    """An editor string in the current language (config/messages/dashboard_catalog/<lang>.yaml)."""
    return access.runtime().messages.text(access.lang(), f"catalog_editor.{key}", **values)


class ServiceForm(FlaskForm):
    base = HiddenField()  # the service as the form showed it (a digest): another admin's save is not overwritten
    name = StringField(validators=[InputRequired(), Length(max=NAME_MAX)])
    unit = SelectField(validators=[InputRequired()])
    sk_number = StringField(validators=[InputRequired(), Length(max=versions.SK_MAX)])
    sk_date = DateField(validators=[Optional()])
    persyaratan = TextAreaField(validators=[InputRequired(), Length(max=TEXT_MAX)])
    prosedur = TextAreaField(validators=[InputRequired(), Length(max=TEXT_MAX)])
    waktu = TextAreaField(validators=[InputRequired(), Length(max=FIELD_MAX)])
    biaya = StringField(validators=[InputRequired(), Length(max=FIELD_MAX)])
    produk = TextAreaField(validators=[InputRequired(), Length(max=FIELD_MAX)])
    pengaduan = TextAreaField(validators=[Optional(), Length(max=TEXT_MAX)])


class ImportForm(FlaskForm):
    document = FileField()  # checked by _upload, to refuse a wrong file in the editor's words
    unit = SelectField(validators=[InputRequired()])
    sk_number = StringField(validators=[Optional(), Length(max=versions.SK_MAX)])
    sk_date = DateField(validators=[Optional()])


class PublishForm(FlaskForm):
    sk_number = StringField(validators=[Optional(), Length(max=versions.SK_MAX)])
    sk_date = DateField(validators=[Optional()])
    note = StringField(validators=[Optional(), Length(max=versions.NOTE_MAX)])


class DiscardForm(FlaskForm):
    pass


class RollBackForm(FlaskForm):
    number = HiddenField(validators=[InputRequired()])
    note = StringField(validators=[Optional(), Length(max=versions.NOTE_MAX)])


# -- what the page works on ----------------------------------------------------------------------------
def _office() -> Office:
    """The office chosen: an admin who sees every office picks one first."""
    office = access.selected_office()
    if office is None:
        flash(te("choose_office"), "info")
        abort(redirect(url_for("dashboard.home")))
    return office


def _seed(office: Office) -> dict | None:
    return access.runtime().deps.catalogs.seed_body(office)


def _base(session, office: Office) -> dict | None:
    """What citizens read now: the published version's body, else the seed file's."""
    current = versions.published(session, office.slug)
    return current.data if current is not None else _seed(office)


def _working(session, office: Office) -> tuple[dict, CatalogVersion | None]:
    """The body being edited (the open draft's, else what citizens read now) and the draft, if any."""
    open_draft = versions.draft(session, office.slug)
    if open_draft is not None:
        return open_draft.data, open_draft
    base = _base(session, office)
    if base is None:
        abort(404)  # an office without any catalog: nothing to edit
    return base, None


def _service(body: dict, service_id: str) -> dict:
    found = next((s for s in body["services"] if s["id"] == service_id), None)
    if found is None:
        abort(404)
    return found


def _catalog(office: Office, body: dict) -> Catalog:
    return catalog_from_dict(office.slug, body)


def _source_label(source: str) -> str:
    """A version's source in words: the seed file, the dashboard, an imported document, a roll-back."""
    kind, _, rest = source.partition(": ")
    if source in (versions.SEED, "dashboard"):
        return te(f"source.{source}")
    if kind == "import":
        return te("source.import", file=rest)
    if kind == versions.ROLL_BACK:
        return te("source.rollback", number=rest.lstrip("#"))
    return source


def _state_label(version: CatalogVersion) -> str:
    if version.state == DRAFT or version.state == PUBLISHED or versions.was_in_force(version):
        return te(f"state.{version.state}")
    return te("state.discarded")


def _section_label(name: str) -> str:
    """A body field's name in words ("persyaratan" → "Requirements"); an unknown one as it is."""
    key = f"catalog_editor.section.{name}"
    return te(f"section.{name}") if access.runtime().messages.has(key) else name.replace("_", " ")


def _error_text(exc: Exception) -> str:
    if isinstance(exc, versions.VersionError):
        return access.runtime().messages.text(access.lang(), exc.key, **exc.values)
    return te("error.catalog", detail=str(exc))


def _actor_id() -> int:
    return access.user().id


# -- the editor's home ------------------------------------------------------------------------------------
@bp.get("/catalog/editor")
@access.require(PERMISSION)
def catalog_editor():
    return _editor_page(_office())


def _editor_page(office: Office, import_form: ImportForm | None = None, report: drafts.Report | None = None,
                 import_error: str | None = None, status: int = 200):
    """The editor's home; after an import, with the form as sent, the document's report and why it gave no draft."""
    with access.runtime().db.session() as s:
        body, open_draft = _working(s, office)
        current = versions.published(s, office.slug)
        base = _base(s, office)
        changes = versions.diff(base, open_draft.data) if open_draft is not None and base else None
    book = _catalog(office, body)
    publish_form = PublishForm(sk_number=open_draft.sk_number if open_draft else None,
                               sk_date=open_draft.sk_date if open_draft else None)
    if import_form is None:
        import_form = ImportForm(formdata=None)
    import_form.unit.choices = [(u["slug"], u["name"]) for u in body["units"]]
    return render_template("dashboard/catalog_editor.html", te=te, office=office, book=book, draft=open_draft,
                           current=current, changes=changes, publish_form=publish_form, discard_form=DiscardForm(),
                           source_label=_source_label, section_label=_section_label, import_form=import_form,
                           report=report, import_error=import_error, names=_names(report)), status


# -- a Standar Pelayanan document into the draft -------------------------------------------------------------
class _Refused(Exception):
    """The upload cannot be read: the editor's message for it."""


@bp.post("/catalog/editor/import")
@access.require(PERMISSION)
def catalog_import():
    """The CLI's import (bot/catalog/drafts.draft_document) from an upload: a draft, never a publication."""
    office = _office()
    with access.runtime().db.session() as s:
        body, _ = _working(s, office)
    form = ImportForm()
    form.unit.choices = [(u["slug"], u["name"]) for u in body["units"]]
    if not form.validate_on_submit():
        return _editor_page(office, form, import_error=te("import.error.invalid"), status=400)
    try:
        name, doc = _upload(office, form)
    except _Refused as exc:
        return _editor_page(office, form, import_error=str(exc), status=400)
    with access.runtime().db.session() as s:
        report = drafts.draft_document(s, office, doc, config_dir=Path(access.runtime().config.CONFIG_DIR),
                                       source=name, unit=form.unit.data, sk_number=form.sk_number.data or None,
                                       sk_date=form.sk_date.data, author=_actor_id(), ip=access.client_ip())
        if report.refused is not None:
            s.rollback()
            return _editor_page(office, form, report, _refusal(report), status=400)
        s.commit()
    return _editor_page(office, ImportForm(formdata=None), report)


def _upload(office: Office, form: ImportForm) -> tuple[str, standar.Standar]:
    """(the file's name, the document read from it); raises _Refused for no, a too large or an unreadable file."""
    upload = form.document.data
    name = secure_filename(upload.filename or "")[-100:] if upload else ""
    if not name:
        raise _Refused(te("import.error.no_file"))
    if Path(name).suffix.lower() not in DOCUMENT_SUFFIXES:
        raise _Refused(te("import.error.type"))
    content = upload.read(DOCUMENT_MAX_BYTES + 1)
    if len(content) > DOCUMENT_MAX_BYTES:
        raise _Refused(te("import.error.too_large", mb=DOCUMENT_MAX_BYTES // (1024 * 1024)))
    with tempfile.TemporaryDirectory() as folder:  # standar.read (python-docx) reads a file by its path
        path = Path(folder) / name
        path.write_bytes(content)
        try:
            return name, standar.read(path, office_name=office.name)
        except Exception as exc:  # a damaged DOCX fails in zipfile, lxml or python-docx, each its own way
            logger.warning("catalog import of %s: %s unreadable", office.slug, Path(name).suffix, exc_info=True)
            raise _Refused(te("import.error.unreadable")) from exc


def _refusal(report: drafts.Report) -> str:
    """Why the document gave no draft, in the editor's words."""
    if report.refused == drafts.NO_SERVICE:
        return te("import.error.no_service")
    if report.refused == drafts.NO_SK:
        return te("import.error.no_sk")
    if report.refused == drafts.INCOMPLETE:
        return te("import.error.incomplete")
    if report.refused == drafts.BAD_UNIT:
        return te("import.error.unit")
    return te("error.catalog", detail=report.detail)


def _names(report: drafts.Report | None) -> dict[str, str]:
    """Service ids of the saved draft -> their names, for the report's replaced/added/kept."""
    if report is None or report.imported is None:
        return {}
    return {s["id"]: s["name"] for s in report.imported.merged.body["services"]}


# -- one service ----------------------------------------------------------------------------------------------
@bp.route("/catalog/editor/service/<service_id>", methods=["GET", "POST"])
@access.require(PERMISSION)
def catalog_edit_service(service_id: str):
    office = _office()
    with access.runtime().db.session() as s:
        body, open_draft = _working(s, office)
    service = _service(body, service_id)
    form = ServiceForm(data=None if request.method == "POST" else _form_data(service))
    form.unit.choices = [(u["slug"], u["name"]) for u in body["units"]]
    status = 200
    if form.validate_on_submit() and form.base.data != _digest(service):
        flash(te("error.changed_meanwhile"), "error")  # the typed text stays; saving again overwrites knowingly
        status = 409
    elif form.validate_on_submit():
        try:
            number = _save_service(office, body, service, form)
        except CatalogError as exc:
            flash(_error_text(exc), "error")
            status = 400
        else:
            flash(te("saved", number=number), "success")
            return redirect(url_for("dashboard.catalog_preview", service_id=service_id))
    elif form.is_submitted():
        flash(te("error.invalid"), "error")
        status = 400
    form.base.data = _digest(service)
    return render_template("dashboard/catalog_edit_service.html", te=te, office=office, service=service, form=form,
                           draft=open_draft), status


def _digest(service: dict) -> str:
    return hashlib.sha256(versions.body_text(service).encode()).hexdigest()[:32]


def _form_data(service: dict) -> dict[str, Any]:
    data: dict[str, Any] = editing.form_fields(service)
    data["sk_date"] = date.fromisoformat(data["sk_date"]) if data["sk_date"] else None
    return data


def _save_service(office: Office, body: dict, service: dict, form: ServiceForm) -> int:
    fields = {name: getattr(form, name).data or "" for name in editing.TEXT_FIELDS if name != "sk_date"}
    fields["sk_date"] = form.sk_date.data
    changed = editing.replace_service(body, editing.apply(service, fields))
    with access.runtime().db.session() as s:
        open_draft = versions.draft(s, office.slug)
        seed = _seed(office)
        if open_draft is None and seed is not None:  # the seed stays in the history: the first diff, a roll-back
            origin = access.runtime().deps.catalogs.seed_path(office).name
            versions.record_seed(s, office.slug, seed, origin=origin)
        source = open_draft.source if open_draft is not None else "dashboard"
        if "dashboard" not in source:
            source = f"{source} + dashboard"
        version = versions.save_draft(s, office.slug, changed, source=source,
                                      sk_number=open_draft.sk_number if open_draft else None,
                                      sk_date=open_draft.sk_date if open_draft else None,
                                      author=_actor_id(), ip=access.client_ip())
        s.commit()
        return version.number


@bp.get("/catalog/editor/service/<service_id>/preview")
@access.require(PERMISSION)
def catalog_preview(service_id: str):
    """The service as a citizen reads it on WhatsApp, from the draft (or what is published, without one)."""
    office = _office()
    lang = request.args.get("lang") if request.args.get("lang") in LANGUAGES else access.lang()
    with access.runtime().db.session() as s:
        body, open_draft = _working(s, office)
    _service(body, service_id)
    runtime = access.runtime()
    bubbles = preview.whatsapp_preview(runtime.messages, runtime.deps, office, _catalog(office, body), service_id,
                                       lang, clock.now())
    return render_template("dashboard/catalog_preview.html", te=te, office=office, service_id=service_id,
                           name=_service(body, service_id)["name"], bubbles=bubbles, draft=open_draft, lang_shown=lang,
                           languages=LANGUAGES)


# -- publishing ------------------------------------------------------------------------------------------------
@bp.post("/catalog/editor/publish")
@access.require(PERMISSION)
def catalog_publish():
    office = _office()
    form = PublishForm()
    back = url_for("dashboard.catalog_editor")
    if not form.validate_on_submit():
        refuse(te("error.invalid"), back)
    with access.runtime().db.session() as s:
        open_draft = versions.draft(s, office.slug)
        if open_draft is None:
            refuse(te("error.no_draft"), back)
        sk_number, sk_date = form.sk_number.data or None, form.sk_date.data
        try:
            if (sk_number, sk_date) != (open_draft.sk_number, open_draft.sk_date):
                versions.save_draft(s, office.slug, open_draft.data, source=open_draft.source, sk_number=sk_number,
                                    sk_date=sk_date, author=_actor_id(), ip=access.client_ip())
            versions.publish(s, open_draft, _actor_id(), note=form.note.data, ip=access.client_ip())
        except (versions.VersionError, CatalogError) as exc:
            s.rollback()
            refuse(_error_text(exc), back)
        s.commit()
        number = open_draft.number
    flash(te("published", number=number), "success")
    return redirect(url_for("dashboard.catalog_history"))


@bp.post("/catalog/editor/discard")
@access.require(PERMISSION)
def catalog_discard():
    office = _office()
    back = url_for("dashboard.catalog_editor")
    if not DiscardForm().validate_on_submit():
        refuse(te("error.invalid"), back)
    with access.runtime().db.session() as s:
        open_draft = versions.draft(s, office.slug)
        if open_draft is None:
            refuse(te("error.no_draft"), back)
        versions.discard(s, open_draft, _actor_id(), ip=access.client_ip())
        s.commit()
        number = open_draft.number
    flash(te("discarded", number=number), "success")
    return redirect(back)


# -- history, differences, roll-back ----------------------------------------------------------------------------
@bp.get("/catalog/history")
@access.require(PERMISSION)
def catalog_history():
    office = _office()
    with access.runtime().db.session() as s:
        rows = versions.history(s, office.slug)
        names = _staff_names(s, rows)
    return render_template("dashboard/catalog_history.html", te=te, office=office, rows=rows, names=names,
                           source_label=_source_label, state_label=_state_label, may_roll_back=_may_roll_back,
                           rollback_form=RollBackForm())


def _may_roll_back(version: CatalogVersion) -> bool:
    return version.state != DRAFT and version.state != PUBLISHED and versions.was_in_force(version)


def _staff_names(session, rows: list[CatalogVersion]) -> dict[int, str]:
    ids = {i for v in rows for i in (v.created_by, v.published_by) if i is not None}
    return {u.id: u.display_name for u in (session.get(StaffUser, i) for i in ids) if u is not None}


def _number(raw: str | None) -> int | None:
    return int(raw) if raw and raw.isdigit() and len(raw) < 9 else None


@bp.get("/catalog/diff")
@access.require(PERMISSION)
def catalog_diff():
    """The differences from version `a` to version `b` (numbers of this office); without both, the choice."""
    office = _office()
    a, b = _number(request.args.get("a")), _number(request.args.get("b"))
    with access.runtime().db.session() as s:
        rows = versions.history(s, office.slug)
        by_number = {v.number: v for v in rows}
        if (a is not None and a not in by_number) or (b is not None and b not in by_number):
            abort(404)
        changes = versions.diff(by_number[a], by_number[b]) if a is not None and b is not None else None
    return render_template("dashboard/catalog_diff.html", te=te, office=office, rows=rows, a=a, b=b,
                           changes=changes, state_label=_state_label, section_label=_section_label)


@bp.post("/catalog/rollback")
@access.require(PERMISSION)
def catalog_rollback():
    office = _office()
    form = RollBackForm()
    back = url_for("dashboard.catalog_history")
    if not form.validate_on_submit() or _number(form.number.data) is None:
        refuse(te("error.invalid"), back)
    with access.runtime().db.session() as s:
        try:
            again = versions.roll_back(s, office.slug, _number(form.number.data), _actor_id(), note=form.note.data,
                                       ip=access.client_ip())
        except (versions.VersionError, CatalogError) as exc:
            s.rollback()
            refuse(_error_text(exc), back)
        s.commit()
        number = again.number
    flash(te("rolled_back", number=number, to=form.number.data), "success")
    return redirect(back)
