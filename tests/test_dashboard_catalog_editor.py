"""The Standar Pelayanan editor on the dashboard: only an admin edits, into a draft; the preview is the bot's
own text; publishing reaches WhatsApp at once; the history, the differences and a roll-back; all audited."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.catalog import editing, versions
from bot.models.catalog import CatalogVersion
from bot.models.staff import AuditEvent
from tests.support.dashboard import OFFICE, signed_in
from tests.test_catalog_versions import ask_requirements

SERVICE = "penerimaan-tamu"
EDIT = f"/dashboard/catalog/editor/service/{SERVICE}"
NEW = "Membawa surat undangan yang memuat:"
SUB = ("Nama pegawai yang dituju", "Waktu pertemuan")


def admin_of(app, runtime, office: str = OFFICE):
    admin = signed_in(app, runtime, "admin1", "admin", office=None)
    assert admin.post("/dashboard/office", {"office": office, "next": "/dashboard/"}).status_code == 302
    return admin


def base_of(member) -> str:
    """The digest the edit page carries of the service as it showed it."""
    match = re.search(r'name="base" type="hidden" value="([0-9a-f]+)"', text(member.get(EDIT)))
    assert match, "no base on the edit page"
    return match.group(1)


def form_of(runtime, member, **changes) -> dict:
    """The edit form as `member`'s page shows it (None: someone who cannot open it), with `changes`."""
    service = next(s for s in runtime.deps.catalogs.seed_body(runtime.offices.get(OFFICE))["services"]
                   if s["id"] == SERVICE)
    return {**editing.form_fields(service), "base": base_of(member) if member else "", **changes}


def with_new_requirement(runtime, member) -> dict:
    fields = form_of(runtime, member)
    fields["persyaratan"] += "\n" + NEW + "".join(f"\n  - {item}" for item in SUB)
    return fields


def text(response) -> str:
    return response.get_data(as_text=True)


@pytest.mark.parametrize("role", ["desk", "handler", "viewer"])
def test_only_an_admin_opens_or_posts_to_the_editor(app, runtime, role):
    member = signed_in(app, runtime, f"{role}1", role)
    for path in ("/dashboard/catalog/editor", EDIT, f"{EDIT}/preview", "/dashboard/catalog/history",
                 "/dashboard/catalog/diff"):
        assert member.get(path).status_code == 403, path
    assert member.post(EDIT, form_of(runtime, None, persyaratan="KTP")).status_code == 403
    assert member.post("/dashboard/catalog/editor/publish", {}).status_code == 403
    assert member.post("/dashboard/catalog/rollback", {"number": "1"}).status_code == 403
    assert "catalog-edit-link" not in text(member.get("/dashboard/catalog"))
    with runtime.db.session() as s:
        assert s.scalars(select(CatalogVersion)).all() == []


def test_an_admin_who_chose_no_office_is_asked_to_choose_one(app, runtime):
    admin = signed_in(app, runtime, "admin1", "admin", office=None)
    assert admin.get("/dashboard/catalog/editor").status_code == 302
    assert admin.get(EDIT).status_code == 302


def test_edit_preview_publish_history_diff_and_roll_back(app, runtime, whatsapp):
    before = ask_requirements(whatsapp, runtime)
    admin = admin_of(app, runtime)
    assert "catalog-edit-link" in text(admin.get("/dashboard/catalog"))
    page = text(admin.get(EDIT))
    assert "Berpakaian rapi" in page  # the requirements, one a line, in the textarea

    saved = admin.post(EDIT, with_new_requirement(runtime, admin))
    assert saved.status_code == 302 and saved.headers["Location"].endswith(f"{EDIT}/preview")
    with runtime.db.session() as s:
        draft = versions.draft(s, OFFICE)
        assert [v.number for v in versions.history(s, OFFICE)] == [2, 1]  # the seed kept as version 1
        requirement = draft.data["services"][0]["persyaratan"][-1]
        assert requirement == {"text": NEW, "items": list(SUB)}
        event = s.scalars(select(AuditEvent).where(AuditEvent.subject_type == "catalog_version",
                                                   AuditEvent.action == "create")).one()
        assert event.actor_username == "admin1" and event.ip
        assert event.detail["changes"]["changed"][SERVICE]["persyaratan"]["after"] == [NEW, *(f"    {i}" for i in SUB)]

    preview = text(admin.get(f"{EDIT}/preview"))
    assert NEW in preview and "    a. Nama pegawai yang dituju" in preview  # lettered and indented, as WhatsApp
    assert ask_requirements(whatsapp, runtime) == before  # a draft is not what citizens read

    published = admin.post("/dashboard/catalog/editor/publish", {"sk_number": "KEP-30/N.1.12/Cr.4/11/2026",
                                                                 "sk_date": "2026-11-20", "note": "SK baru"})
    assert published.status_code == 302
    after = ask_requirements(whatsapp, runtime)
    assert f"6. {NEW}" in after and "    b. Waktu pertemuan" in after
    with runtime.db.session() as s:
        published = versions.published(s, OFFICE)
        assert (published.number, published.sk_number, published.note) == (2, "KEP-30/N.1.12/Cr.4/11/2026", "SK baru")

    history = text(admin.get("/dashboard/catalog/history"))
    assert "Versi 2" in history and "Diterbitkan" in history and "Pernah berlaku" in history
    diff = text(admin.get("/dashboard/catalog/diff?a=1&b=2"))
    assert re.search(r'class="diff-line ins".*?' + re.escape(NEW), diff)
    assert admin.get("/dashboard/catalog/diff?a=1&b=99").status_code == 404

    assert admin.post("/dashboard/catalog/rollback", {"number": "1", "note": "salah ketik"}).status_code == 302
    assert ask_requirements(whatsapp, runtime) == before
    with runtime.db.session() as s:
        assert [(v.number, v.state) for v in versions.history(s, OFFICE)] == [
            (3, "published"), (2, "retired"), (1, "retired")]
        actions = s.scalars(select(AuditEvent.action).where(AuditEvent.subject_type == "catalog_version")
                            .order_by(AuditEvent.id)).all()
    assert actions == ["create", "update", "publish", "rollback"]  # the SK set at publishing is an update
    audit = text(admin.get("/dashboard/audit?subject_type=catalog_version"))
    assert "Dikembalikan" in audit and "Diterbitkan" in audit


def test_a_form_that_does_not_validate_saves_nothing(app, runtime):
    admin = admin_of(app, runtime)
    response = admin.post(EDIT, form_of(runtime, admin, persyaratan="  ", biaya=""))
    assert response.status_code == 400 and "Mohon diisi" in text(response)
    response = admin.post(EDIT, form_of(runtime, admin, unit="bagian-lain"))
    assert response.status_code == 400
    with runtime.db.session() as s:
        assert s.scalars(select(CatalogVersion)).all() == []


def test_a_discarded_draft_is_kept_but_never_brought_back(app, runtime, whatsapp):
    before = ask_requirements(whatsapp, runtime)
    admin = admin_of(app, runtime)
    assert admin.post(EDIT, with_new_requirement(runtime, admin)).status_code == 302
    assert admin.post("/dashboard/catalog/editor/discard", {}).status_code == 302
    assert admin.post("/dashboard/catalog/editor/publish", {}).status_code == 302  # nothing to publish: refused
    with runtime.db.session() as s:
        assert versions.draft(s, OFFICE) is None and versions.published(s, OFFICE) is None
    assert admin.post("/dashboard/catalog/rollback", {"number": "2"}).status_code == 302
    with runtime.db.session() as s:
        assert versions.published(s, OFFICE) is None
    assert "Draf dibuang" in text(admin.get("/dashboard/catalog/history"))
    assert ask_requirements(whatsapp, runtime) == before


def test_the_editor_in_english(app, runtime):
    admin = admin_of(app, runtime)
    assert admin.post("/dashboard/lang", {"lang": "en", "next": "/dashboard/"}).status_code == 302
    page = text(admin.get("/dashboard/catalog/editor"))
    assert "Edit the Standar Pelayanan" in page and "Preview on WhatsApp" in page
    preview = text(admin.get(f"{EDIT}/preview?lang=en"))
    assert "WhatsApp preview" in preview and "Requirements" in preview  # the bot's English text


def test_a_save_over_another_admins_edit_of_the_same_service_is_stopped_once(app, runtime):
    first, second = admin_of(app, runtime), signed_in(app, runtime, "admin2", "admin", office=None)
    assert second.post("/dashboard/office", {"office": OFFICE, "next": "/dashboard/"}).status_code == 302
    stale = form_of(runtime, second, persyaratan="KTP")  # the second admin opened the page first
    assert first.post(EDIT, with_new_requirement(runtime, first)).status_code == 302
    refused = second.post(EDIT, stale)
    assert refused.status_code == 409 and "Orang lain telah menyimpan" in text(refused)
    assert "\nKTP</textarea>" in text(refused)  # what they typed is still there
    with runtime.db.session() as s:
        assert versions.draft(s, OFFICE).data["services"][0]["persyaratan"][-1]["text"] == NEW
    again = {**stale, "base": re.search(r'name="base" type="hidden" value="([0-9a-f]+)"', text(refused)).group(1)}
    assert second.post(EDIT, again).status_code == 302  # saved again, knowingly
    with runtime.db.session() as s:
        assert versions.draft(s, OFFICE).data["services"][0]["persyaratan"] == ["KTP"]
