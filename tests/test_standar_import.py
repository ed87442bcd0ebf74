"""The general Standar Pelayanan parser (bot/catalog/standar.py): the five seeds read as documents, variations
written as fixtures (cases, orders, numbering, a DOCX with tables), and `flask catalog import` on the test database."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest
import yaml
from docx import Document
from sqlalchemy import select

from bot.catalog import CatalogError, catalog_from_dict, importer, standar
from bot.catalog.standar import heading_field
from bot.models.catalog import DRAFT, PUBLISHED, CatalogVersion

REPO = Path(__file__).resolve().parents[1]
SEEDS = REPO.parent / "shared" / "seeds"
FIXTURES = Path(__file__).parent / "fixtures" / "standar"
ALL_SECTIONS = list(standar.FIELDS)


def _read(name: str) -> standar.Standar:
    return standar.read(FIXTURES / name)


# -- the seeds ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("spec", importer.OFFICES, ids=lambda s: s.slug)
def test_each_seed_read_as_a_document_gives_the_curated_catalog(spec):
    """What `catalog import` reads from a seed equals the committed catalog, once the curated typo
    corrections are applied; names differ only where the decree's list is the curated source (Setda)."""
    curated = yaml.safe_load((REPO / "config" / "catalog" / f"{spec.slug}.yaml").read_text(encoding="utf-8"))
    read = []
    for prefix, _unit in spec.seeds:
        path = importer.seed_file(SEEDS, prefix)
        doc = standar.read(path, office_name=spec.name)
        for found in doc.services:
            assert found.missing == [], (path.name, found.name)
            service = {"name": found.name, "sk_number": found.sk_number, **found.values, "source": path.name}
            importer._correct(service, set())
            read.append(service)
    assert len(read) == len(curated["services"])
    for got, want in zip(read, curated["services"], strict=True):
        assert got["sk_number"] == want["sk_number"]
        assert {k: got.get(k) for k in ALL_SECTIONS} == {k: want.get(k) for k in ALL_SECTIONS}, want["id"]
        if spec.slug != "setda-klungkung":
            assert got["name"] == want["name"]


def test_setda_decree_gives_its_date_and_31_services_with_every_component():
    doc = standar.read(importer.seed_file(SEEDS, "004"))
    assert (doc.sk_number, doc.sk_date) == ("188.4/2493/2021", date(2021, 4, 19))
    assert len(doc.services) == 31
    assert all(s.found == ALL_SECTIONS for s in doc.services)
    # The heading broken across two lines in bold is one title.
    assert doc.services[6].name == "PELAYANAN BANTUAN HUKUM PERKARA PERDATA & TATA USAHA NEGARA"


# -- variations ----------------------------------------------------------------------------------------------
def test_lower_case_headings_in_another_order():
    doc = _read("lower_reordered.txt")
    assert (doc.sk_number, doc.sk_date) == ("KEP-07/N.3.21/Cr.5/01/2025", date(2025, 1, 2))
    [service] = doc.services
    assert service.name == "pengambilan barang bukti"
    assert service.found == list(standar.REQUIRED)  # in catalog order, whatever the document's
    assert service.missing == []
    assert service.values["persyaratan"] == [
        {"text": "Surat permohonan yang memuat:", "items": ["identitas pemohon;", "nomor perkara;"]},
        "Fotokopi KTP pemohon", "Surat kuasa bila diwakilkan"]
    assert service.values["waktu"] == {"text": "3 (tiga) hari kerja", "value": 3, "unit": "hari kerja"}
    assert service.values["pengaduan"]["email"] == ["pengaduan@contoh.go.id"]
    assert service.values["pengaduan"]["phone"] == ["(0386) 21234"]
    assert len(service.values["prosedur"]) == 3


def _restyle(text: str, style) -> str:
    lines = text.splitlines()
    headings = [i for i, line in enumerate(lines) if heading_field(line)]
    assert len(headings) == 6
    for n, i in enumerate(headings):
        lines[i] = style(lines[i], n)
    return "\n".join(lines)


@pytest.mark.parametrize("style", [
    lambda h, n: h.upper(),
    lambda h, n: h.title(),
    lambda h, n: f"{n + 1}. {h.title()}",
    lambda h, n: f"{'ABCDEF'[n]}. {h.upper()}",
    lambda h, n: f"{'I' * (n + 1) if n < 3 else 'IV'}. {h.upper()}:",
    lambda h, n: f"## {h.title()}",
    lambda h, n: f"**{h.upper()}**",
], ids=["upper", "title", "numbered", "lettered", "roman-colon", "markdown", "bold"])
def test_heading_styles_read_the_same(tmp_path, style):
    base = _read("lower_reordered.txt").services[0]
    path = tmp_path / "styled.txt"
    path.write_text(_restyle((FIXTURES / "lower_reordered.txt").read_text(encoding="utf-8"), style), encoding="utf-8")
    [service] = standar.read(path).services
    assert service.values == base.values


@pytest.mark.parametrize("line", [
    "Biaya administrasi ditanggung pemohon", "Waktu Pelayanan 3 hari", "Biaya Rp 5.000", "Persyaratannya lengkap",
    "1. Pemohon menyerahkan berkas", "Produk hukum daerah yang berlaku",
])
def test_text_that_starts_like_a_heading_is_text(line):
    assert heading_field(line) is None


@pytest.mark.parametrize(("line", "field"), [
    ("Jangka Waktu Penyelesaian", "waktu"), ("Biaya / Tarif", "biaya"), ("Tarif Layanan:", "biaya"),
    ("Penanganan Pengaduan, Saran dan Masukan", "pengaduan"), ("Pengaduan Layanan Kejaksaan Negeri Alor", "pengaduan"),
    ("C. SISTEM, MEKANISME, DAN PROSEDUR", "prosedur"), ("Sarana, Prasarana dan/atau Fasilitas", "sarana_prasarana"),
    ("Jaminan Keamanan dan Keselamatan Pelayanan", "jaminan_keamanan"), ("Pengawasan Internal", "pengawasan_internal"),
])
def test_usual_headings(line, field):
    assert heading_field(line) == field


def test_numbered_upper_case_document_with_two_services_and_every_component():
    doc = _read("numbered_upper.txt")
    first, second = doc.services
    assert first.name == "Legalisasi Salinan Putusan"
    assert first.found == ALL_SECTIONS and first.absent == []
    assert first.values["dasar_hukum"] == ["Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik"]
    # The second has no "Standar Pelayanan" title: the line before its first heading names it.
    assert second.name == "Pelayanan Informasi Perkara"
    assert second.missing == [] and "dasar_hukum" in second.absent
    assert second.values["pengaduan"]["phone"] == ["081234567890"]
    assert first.values["pengaduan"]["items"] == ["Kotak pengaduan di lobby PTSP"]  # the title did not leak in


def test_missing_sections_are_listed():
    [service] = _read("missing_sections.txt").services
    assert service.found == ["persyaratan", "biaya"]
    assert service.missing == ["prosedur", "waktu", "produk", "pengaduan"]
    assert service.sk_number is None


def test_a_service_without_a_title_is_named_for_review(tmp_path):
    path = tmp_path / "untitled.txt"
    path.write_text("Persyaratan\n- KTP\n- KK\n\nBiaya\nGratis\n", encoding="utf-8")
    [service] = standar.read(path).services
    assert service.name == "service 1"
    assert any("no title" in note for note in service.notes)
    assert service.values["persyaratan"] == ["KTP", "KK"]


def test_parts_of_one_component_do_not_split_the_service(tmp_path):
    path = tmp_path / "parts.txt"
    path.write_text("Standar Pelayanan Izin Penelitian\n\nPersyaratan Administrasi\n1. KTP\n2. Surat pengantar\n\n"
                    "Persyaratan Teknis\n1. Proposal penelitian\n\nProsedur\n1. Pemohon mengajukan surat\n",
                    encoding="utf-8")
    [service] = standar.read(path).services
    assert service.values["persyaratan"] == ["KTP", "Surat pengantar", "Persyaratan Teknis", "Proposal penelitian"]


def test_a_document_with_no_service():
    assert _read("no_service.txt").services == []


def test_catalog_body_is_what_load_catalog_accepts_and_keeps_known_ids():
    doc = _read("numbered_upper.txt")
    existing = [{"id": "legalisasi", "name": "Legalisasi Salinan Putusan", "unit": "pidum"}]
    units = [{"slug": "ptsp", "name": "PTSP"}, {"slug": "pidum", "name": "Pidana Umum"}]
    body = standar.catalog_body(doc, office="kejari-alor", name="Kejaksaan Negeri Alor", units=units, unit="ptsp",
                                source="numbered_upper.txt", existing=existing, sk_number="KEP-9/2025")
    assert [(s["id"], s["unit"]) for s in body["services"]] == [("legalisasi", "pidum"),
                                                                ("informasi-perkara", "ptsp")]
    for service in body["services"]:
        assert list(service) == [k for k in standar.SERVICE_KEYS if k in service]
    catalog = catalog_from_dict("kejari-alor", body)
    assert catalog.service("legalisasi").sk_number == "KEP-9/2025"
    assert catalog.service("informasi-perkara").waktu.value == 15
    incomplete = standar.catalog_body(_read("missing_sections.txt"), office="kejari-alor", name="x", units=units,
                                      unit="ptsp", source="missing_sections.txt", sk_number="KEP-9/2025")
    with pytest.raises(CatalogError, match="prosedur"):
        catalog_from_dict("kejari-alor", incomplete)


def test_merge_replaces_adds_and_keeps():
    base = {"office": "o", "name": "O", "sources": ["seed.txt"], "units": [{"slug": "u", "name": "U"}],
            "services": [{"id": "a", "name": "A"}, {"id": "b", "name": "B"}]}
    imported = {"office": "o", "name": "O", "sources": ["new.docx"], "units": [],
                "services": [{"id": "b", "name": "B2"}, {"id": "c", "name": "C"}]}
    merged = standar.merge(base, imported)
    assert [s["name"] for s in merged.body["services"]] == ["A", "B2", "C"]
    assert (merged.added, merged.replaced, merged.kept) == (["c"], ["b"], ["a"])
    assert merged.body["sources"] == ["seed.txt", "new.docx"]


# -- DOCX ---------------------------------------------------------------------------------------------------
def _docx(path: Path) -> Path:
    """A Word Standar Pelayanan: numbered and nested requirements, a procedure table like seed 001, and the
    other components as a "No | Komponen | Uraian" table as in the Setda decree."""
    doc = Document()
    doc.add_paragraph("Standar Pelayanan Penerimaan Tamu", style="Title")
    doc.add_paragraph("Nomor SK : KEP-01/N.3.21/Cr.5/01/2026")
    doc.add_paragraph("Ditetapkan pada tanggal 5 Januari 2026")
    doc.add_paragraph("PERSYARATAN", style="Heading 2")
    doc.add_paragraph("Kartu identitas (KTP/SIM)", style="List Number")
    doc.add_paragraph("Surat tugas bagi instansi, yang memuat:", style="List Number")
    doc.add_paragraph("nama petugas;", style="List Number 2")
    doc.add_paragraph("maksud kunjungan.", style="List Number 2")
    doc.add_paragraph("Sistem, Mekanisme dan Prosedur", style="Heading 2")
    table = doc.add_table(rows=0, cols=6)
    for row in (("No", "Kegiatan", "Pelaksana", "Kelengkapan", "Waktu", "Output"),
                ("1", "Security menerima tamu", "", "• KTP", "2 Menit", "• Tamu bertemu security"),
                ("2", "Petugas PTSP mencatat tamu", "", "• Aplikasi Buku Tamu", "5 Menit", "• Gate pass")):
        cells = table.add_row().cells
        for cell, text in zip(cells, row, strict=True):
            cell.text = text
    table = doc.add_table(rows=0, cols=3)
    for row in (("1", "Jangka Waktu Penyelesaian", ["30 Menit"]), ("2", "Biaya/Tarif", ["Tidak dipungut biaya"]),
                ("3", "Produk Pelayanan", ["Tanda pengenal tamu"]),
                ("4", "Penanganan Pengaduan, Saran dan Masukan", ["Email: kejari@contoh.go.id", "Kotak saran"])):
        cells = table.add_row().cells
        cells[0].text, cells[1].text, cells[2].text = row[0], row[1], row[2][0]
        for more in row[2][1:]:
            cells[2].add_paragraph(more)
    doc.save(str(path))
    return path


def test_docx_with_tables(tmp_path):
    doc = standar.read(_docx(tmp_path / "sp.docx"))
    assert (doc.sk_number, doc.sk_date) == ("KEP-01/N.3.21/Cr.5/01/2026", date(2026, 1, 5))
    [service] = doc.services
    assert service.name == "Penerimaan Tamu"
    assert service.missing == []
    assert service.values["persyaratan"] == [
        "Kartu identitas (KTP/SIM)", {"text": "Surat tugas bagi instansi, yang memuat:",
                                      "items": ["nama petugas;", "maksud kunjungan."]}]
    steps = service.values["prosedur"]
    assert [s["step"] for s in steps] == ["Security menerima tamu", "Petugas PTSP mencatat tamu"]
    assert steps[1]["waktu"]["value"] == 5 and steps[1]["kelengkapan"] == ["Aplikasi Buku Tamu"]
    assert service.values["waktu"]["value"] == 30
    assert service.values["pengaduan"]["items"] == ["Email: kejari@contoh.go.id", "Kotak saran"]
    assert service.values["produk"] == ["Tanda pengenal tamu"]


# -- the command ---------------------------------------------------------------------------------------------
def _versions(runtime, office: str) -> list[CatalogVersion]:
    with runtime.db.session() as session:
        rows = session.scalars(select(CatalogVersion).where(CatalogVersion.office == office)
                               .order_by(CatalogVersion.number)).all()
        session.expunge_all()
        return rows


def test_cli_import_makes_a_draft_and_publishes_nothing(app, runtime, tmp_path):
    path = _docx(tmp_path / "penerimaan-tamu.docx")
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(path), "--office", "kejari-alor"])
    assert result.exit_code == 0, result.output
    assert "1. Penerimaan Tamu" in result.output
    assert "found:     persyaratan, prosedur, waktu, biaya, produk, pengaduan" in result.output
    assert "not given: dasar_hukum" in result.output
    assert "1 replaced, 0 added, 0 kept" in result.output
    rows = _versions(runtime, "kejari-alor")
    assert [r.state for r in rows if r.state != "retired"] == [DRAFT]
    assert not [r for r in rows if r.state == PUBLISHED]
    draft = rows[-1]
    assert (draft.sk_number, draft.sk_date) == ("KEP-01/N.3.21/Cr.5/01/2026", date(2026, 1, 5))
    assert draft.source == "import: penerimaan-tamu.docx"
    [service] = draft.data["services"]
    assert (service["id"], service["unit"]) == ("penerimaan-tamu", "ptsp")  # the catalog's service, a new version
    assert service["waktu"]["value"] == 30


def test_cli_import_adds_to_the_draft_and_keeps_the_other_services(app, runtime):
    runner = app.test_cli_runner()
    args = ["catalog", "import", str(FIXTURES / "numbered_upper.txt"), "--office", "kejari-kapuas",
            "--unit", "intelijen"]
    refused = runner.invoke(args=args)
    assert refused.exit_code != 0
    assert "no SK number found" in refused.output and "pass --sk-number" in refused.output
    result = runner.invoke(args=[*args, "--sk-number", "KEP-09/O.2.12/Cr.5/02/2026", "--sk-date", "2026-02-03"])
    assert result.exit_code == 0, result.output
    assert "0 replaced, 2 added, 2 kept" in result.output
    draft = _versions(runtime, "kejari-kapuas")[-1]
    assert draft.state == DRAFT
    ids = [s["id"] for s in draft.data["services"]]
    assert ids == ["penerimaan-tamu", "laporan-pengaduan-intelijen", "legalisasi-salinan-putusan",
                   "informasi-perkara"]
    assert {s["unit"] for s in draft.data["services"][2:]} == {"intelijen"}
    assert draft.data["services"][3]["sk_number"] == draft.sk_number == "KEP-09/O.2.12/Cr.5/02/2026"
    assert draft.sk_date == date(2026, 2, 3)


def test_cli_import_of_a_document_without_services_fails(app, runtime):
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(FIXTURES / "no_service.txt"),
                                                "--office", "kejari-alor"])
    assert result.exit_code != 0
    assert "no service found in no_service.txt" in result.output
    assert _versions(runtime, "kejari-alor") == []


def test_cli_import_of_an_unreadable_file_says_so_without_a_traceback(app, runtime, tmp_path):
    damaged = tmp_path / "rusak.docx"
    damaged.write_bytes(b"PK\x03\x04 not a word document")
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(damaged), "--office", "kejari-alor"])
    assert result.exit_code == 1 and "rusak.docx could not be read" in result.output
    assert "Traceback" not in result.output and _versions(runtime, "kejari-alor") == []


def test_cli_import_lists_missing_sections_and_saves_no_incomplete_draft(app, runtime):
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(FIXTURES / "missing_sections.txt"),
                                                "--office", "kejari-alor"])
    assert result.exit_code != 0
    assert re.search(r"missing:\s+prosedur, waktu, produk, pengaduan", result.output)
    assert "no draft saved" in result.output
    assert [r for r in _versions(runtime, "kejari-alor") if r.state == DRAFT] == []


@pytest.mark.parametrize(("args", "message"), [
    (["--office", "kejari-nowhere"], "unknown office"),
    (["--office", "kejari-alor", "--unit", "pidum"], "unknown unit"),
])
def test_cli_import_rejects_an_unknown_office_or_unit(app, runtime, args, message):
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(FIXTURES / "lower_reordered.txt"), *args])
    assert result.exit_code != 0
    assert message in result.output
    assert _versions(runtime, "kejari-alor") == []


def test_cli_import_leaves_out_an_incomplete_service_and_drafts_the_rest(app, runtime, tmp_path):
    path = tmp_path / "two.txt"
    path.write_text((FIXTURES / "lower_reordered.txt").read_text(encoding="utf-8") + "\n"
                    + (FIXTURES / "missing_sections.txt").read_text(encoding="utf-8"), encoding="utf-8")
    result = app.test_cli_runner().invoke(args=["catalog", "import", str(path), "--office", "kejari-alor"])
    assert result.exit_code == 0, result.output
    assert "2. Kunjungan Tahanan" in result.output
    assert "left out of the draft: Kunjungan Tahanan (missing prosedur, waktu, produk, pengaduan)" in result.output
    draft = _versions(runtime, "kejari-alor")[-1]
    assert [s["name"] for s in draft.data["services"]] == ["Penerimaan Tamu", "pengambilan barang bukti"]
