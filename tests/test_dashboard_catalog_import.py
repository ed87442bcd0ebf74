"""A Standar Pelayanan document uploaded on the catalog editor (issue 17): the CLI's own import
(bot/catalog/drafts.draft_document) into a draft, never published, with the report of what was read; a
document that gives no draft saves nothing and says why; only the admin of the chosen office imports."""

from __future__ import annotations

import io
from datetime import date

import pytest
from sqlalchemy import select

from bot.models.catalog import DRAFT, PUBLISHED, CatalogVersion
from bot.models.staff import AuditEvent
from tests.support import browser
from tests.support.dashboard import OFFICE, PASSWORD, make_user, signed_in
from tests.test_dashboard_layout_browser import OVERFLOW, SIZES
from tests.test_standar_import import FIXTURES, SEEDS, _docx

server = browser.server

ALOR = "kejari-alor"
IMPORT = "/dashboard/catalog/editor/import"
SEED_001 = sorted(SEEDS.glob("001_*.txt"))[0]


def admin_of(app, runtime, office: str = ALOR):
    admin = signed_in(app, runtime, "admin1", "admin", office=None)
    assert admin.post("/dashboard/office", {"office": office, "next": "/dashboard/"}).status_code == 302
    return admin


def upload(member, content: bytes, name: str, token: bool = True, **fields):
    return member.post(IMPORT, {"document": (io.BytesIO(content), name), "unit": "ptsp", **fields}, token=token)


def versions_of(runtime, office: str = ALOR) -> list[CatalogVersion]:
    with runtime.db.session() as s:
        rows = s.scalars(select(CatalogVersion).where(CatalogVersion.office == office)
                         .order_by(CatalogVersion.number)).all()
        s.expunge_all()
        return rows


def text(response) -> str:
    return response.get_data(as_text=True)


def test_the_editor_offers_the_upload_form(app, runtime):
    page = text(admin_of(app, runtime).get("/dashboard/catalog/editor"))
    assert 'id="catalog-import-form"' in page and 'enctype="multipart/form-data"' in page
    assert '<option value="ptsp">Pelayanan Terpadu Satu Pintu (PTSP)</option>' in page
    assert 'name="csrf_token"' in page.split('id="catalog-import-form"')[1].split("</form>")[0]


def test_the_seed_document_goes_into_a_draft_with_its_report_and_nothing_is_published(app, runtime):
    admin = admin_of(app, runtime)
    response = upload(admin, SEED_001.read_bytes(), SEED_001.name)
    page = text(response)
    assert response.status_code == 200, page
    assert f"{SEED_001.name}: 1 layanan ditemukan." in page and "SK KEP-36/N.3.21/Cr.5/08/2024" in page
    assert 'data-found="Penerimaan Tamu"' in page
    found = page.split('class="sections-found">')[1].split("</dd>")[0]
    assert found == "Persyaratan, Prosedur, Waktu penyelesaian, Biaya, Produk layanan, Saluran pengaduan"
    assert page.split('class="sections-missing">')[1].split("</dd>")[0] == "tidak ada"
    assert "Dasar hukum" in page.split('class="sections-absent">')[1].split("</dd>")[0]
    assert page.split('id="catalog-import-replaced">')[1].split("</dd>")[0] == "Penerimaan Tamu"
    assert page.split('id="catalog-import-added">')[1].split("</dd>")[0] == "–"
    rows = versions_of(runtime)
    assert [r.state for r in rows if r.state != "retired"] == [DRAFT]  # the seed as history, then the draft
    assert not [r for r in rows if r.state == PUBLISHED]
    draft = rows[-1]
    assert f"Disimpan ke draf (versi {draft.number}), belum diterbitkan." in page
    assert draft.source == f"import: {SEED_001.name}" and draft.sk_number == "KEP-36/N.3.21/Cr.5/08/2024"
    assert [s["id"] for s in draft.data["services"]] == ["penerimaan-tamu"]
    with runtime.db.session() as s:
        event = s.scalars(select(AuditEvent).where(AuditEvent.subject_type == "catalog_version",
                                                   AuditEvent.action == "create")).one()
        assert event.actor_username == "admin1" and event.ip and event.office == ALOR


def test_a_docx_built_in_word_goes_into_the_draft_with_a_typed_sk(app, runtime, tmp_path):
    admin = admin_of(app, runtime)
    path = _docx(tmp_path / "penerimaan-tamu.docx")
    response = upload(admin, path.read_bytes(), path.name, sk_number="KEP-77/N.3.21/Cr.5/02/2026",
                      sk_date="2026-02-03")
    assert response.status_code == 200, text(response)
    draft = versions_of(runtime)[-1]
    assert draft.state == DRAFT
    assert (draft.sk_number, draft.sk_date) == ("KEP-77/N.3.21/Cr.5/02/2026", date(2026, 2, 3))  # typed wins
    [service] = draft.data["services"]
    assert (service["id"], service["unit"], service["waktu"]["value"]) == ("penerimaan-tamu", "ptsp", 30)
    assert service["persyaratan"][1]["items"] == ["nama petugas;", "maksud kunjungan."]
    assert "penerimaan-tamu.docx: 1 layanan ditemukan." in text(response)


def test_an_incomplete_service_is_left_out_and_reported(app, runtime, tmp_path):
    content = (FIXTURES / "lower_reordered.txt").read_text(encoding="utf-8") + "\n" + (
        FIXTURES / "missing_sections.txt").read_text(encoding="utf-8")
    page = text(upload(admin_of(app, runtime), content.encode(), "two.txt"))
    assert 'data-found="Kunjungan Tahanan"' in page
    item = page.split('data-found="Kunjungan Tahanan"')[1].split("</li>")[0]
    assert "tidak dimasukkan ke draf" in item
    missing = item.split('class="sections-missing">')[1].split("</dd>")[0]
    assert missing == "Prosedur, Waktu penyelesaian, Produk layanan, Saluran pengaduan"
    draft = versions_of(runtime)[-1]
    assert [s["name"] for s in draft.data["services"]] == ["Penerimaan Tamu", "pengambilan barang bukti"]
    assert page.split('id="catalog-import-added">')[1].split("</dd>")[0] == "pengambilan barang bukti"


@pytest.mark.parametrize(("name", "content", "message"), [
    ("no_service.txt", (FIXTURES / "no_service.txt").read_bytes(), "Tidak ada layanan yang ditemukan di dokumen"),
    ("missing.txt", (FIXTURES / "missing_sections.txt").read_bytes(), "Setiap layanan di dokumen belum lengkap"),
    ("rusak.docx", b"PK\x03\x04 not a word document", "dokumen tidak dapat dibaca"),
    ("latin1.txt", "Persyaratan\nKartu identitas \xe9\n".encode("latin-1"), "dokumen tidak dapat dibaca"),
    ("sk.pdf", b"%PDF-1.4", "hanya dokumen .txt atau .docx"),
    ("besar.txt", b"x" * (2 * 1024 * 1024 + 1), "lebih besar dari 2 MB"),
])
def test_a_document_that_gives_no_draft_says_why_and_saves_nothing(app, runtime, name, content, message):
    response = upload(admin_of(app, runtime), content, name, sk_number="KEP-1/2026")  # only the file is at fault
    assert response.status_code == 400
    refused = text(response).split('id="catalog-import-refused">')[1].split("</p>")[0]
    assert message in refused
    assert versions_of(runtime) == []


def test_a_document_without_an_sk_asks_for_one_and_the_missing_sections_are_listed(app, runtime):
    admin = admin_of(app, runtime)
    content = (FIXTURES / "numbered_upper.txt").read_bytes()
    page = text(upload(admin, content, "numbered_upper.txt"))
    assert "Nomor SK tidak ditemukan di dokumen." in page and "Mohon isi Nomor SK di formulir" in page
    assert 'class="sections-missing">tidak ada</dd>' in page
    assert versions_of(runtime) == []
    assert upload(admin, content, "numbered_upper.txt", sk_number="KEP-09/2026").status_code == 200
    assert versions_of(runtime)[-1].sk_number == "KEP-09/2026"


def test_without_a_file_the_form_asks_for_one(app, runtime):
    response = admin_of(app, runtime).post(IMPORT, {"unit": "ptsp"})
    assert response.status_code == 400
    assert "Mohon pilih dokumen yang akan dibaca." in text(response)
    assert versions_of(runtime) == []


@pytest.mark.parametrize("role", ["desk", "handler", "viewer"])
def test_only_an_admin_imports(app, runtime, role):
    member = signed_in(app, runtime, f"{role}1", role, office=ALOR)
    assert upload(member, SEED_001.read_bytes(), SEED_001.name).status_code == 403
    assert versions_of(runtime) == []


def test_an_admin_imports_into_the_office_chosen_only(app, runtime):
    """An admin who chose no office is sent to choose one; one who chose another office drafts only there."""
    nobody = signed_in(app, runtime, "admin2", "admin", office=None)
    assert upload(nobody, SEED_001.read_bytes(), SEED_001.name).status_code == 302
    assert versions_of(runtime) == [] and versions_of(runtime, OFFICE) == []
    other = admin_of(app, runtime, OFFICE)
    assert upload(other, SEED_001.read_bytes(), SEED_001.name).status_code == 200
    assert versions_of(runtime) == []
    assert versions_of(runtime, OFFICE)[-1].state == DRAFT


def test_without_the_csrf_token_nothing_is_read(app, runtime):
    response = upload(admin_of(app, runtime), SEED_001.read_bytes(), SEED_001.name, token=False)
    assert response.status_code == 400
    assert versions_of(runtime) == []


@pytest.mark.browser
def test_the_upload_and_its_report_fit_the_desk_and_a_phone(app, server, runtime):
    """In Debian's chromium: the admin picks the seed file, reads the report; no page scrolls sideways."""
    from playwright.sync_api import sync_playwright

    make_user(runtime, "admin.impor", "admin", None, display_name="I Gusti Ayu Admin Sukmawati")
    wrong: list[str] = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=browser.CHROMIUM, headless=True,
                                              args=browser.CHROMIUM_ARGS)
        try:
            for size, (width, height) in SIZES.items():
                page = chromium.new_context(viewport={"width": width, "height": height}).new_page()
                page.goto(f"{server}/dashboard/login")
                page.fill("#username", "admin.impor")
                page.fill("#password", PASSWORD)
                page.click("#login-form button[type=submit]")
                page.wait_for_url(f"{server}/dashboard/")
                with page.expect_navigation():  # the switch submits itself on a choice (dashboard.js)
                    page.select_option("#office-select", ALOR)
                page.goto(f"{server}/dashboard/catalog/editor")
                page.set_input_files("#document", str(SEED_001))
                with page.expect_navigation():
                    page.click("#catalog-import-submit")
                assert page.locator("#catalog-import-services li[data-found='Penerimaan Tamu']").count() == 1
                assert page.locator("#catalog-import-saved").count() == 1
                found = page.evaluate(OVERFLOW)
                if found["scroll"] > found["client"] or found["frames"]:
                    wrong.append(f"{size}: {found}")
        finally:
            chromium.close()
    assert not wrong, "\n".join(wrong)
    assert [r.state for r in versions_of(runtime) if r.state != "retired"] == [DRAFT]
