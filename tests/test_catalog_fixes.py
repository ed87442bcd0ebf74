"""The catalog as citizens read it (#16, catalog fixes): sub-items stay under their requirement, services
with one name are told apart by their unit, follow-up numbers are shown with the hint that asks for them,
source typos are corrected from a listed, tested curation, and placeholder host names never reach anyone."""

from __future__ import annotations

import copy
import re
from dataclasses import asdict

import pytest

from bot.catalog import load_catalog
from bot.catalog.curation import CORRECTIONS
from bot.catalog.importer import DEFAULT_SEEDS, OFFICES, seed_text
from bot.catalog.text import split_items, stream
from bot.employees import match
from tests.support.dashboard import signed_in
from tests.support.visits import CITIZEN, EMPLOYEES, KASI_INTEL, NIK, make_config_dir, menu_number, outbox_to
from tests.test_services import setda_walk

SETDA = "setda-klungkung"
ALL = [spec.slug for spec in OFFICES]


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, (list, tuple)):
        for v in value:
            yield from _strings(v)


def _whole(text: str) -> re.Pattern:
    return re.compile(rf"(?<!\w){re.escape(text)}(?!\w)")


# -- nested requirements ---------------------------------------------------------------------------
@pytest.mark.parametrize("office", ALL)
def test_no_requirement_is_a_sub_item_numbered_on_its_own(office):
    for service in load_catalog(office).services:
        for requirement in service.persyaratan:
            assert not re.match(r"^(?:[a-z]\.|[ivx]+\.|•|-)\s", requirement.text), (service.id, requirement)
            # A requirement that announces a list ("yang memuat :") carries that list.
            assert not requirement.text.rstrip().endswith(":") or requirement.items, (service.id, requirement)


def test_split_items_keeps_sub_items_under_their_parent():
    numbered = split_items(stream(["1. Surat permohonan yang memuat : a. Agenda; b. Contact person. 2. KTP"]))
    assert numbered.tree == [("Surat permohonan yang memuat :", ["Agenda;", "Contact person."]), ("KTP", [])]
    assert numbered.items == ["Surat permohonan yang memuat :", "a. Agenda;", "b. Contact person.", "KTP"]
    lead = split_items(stream(["Surat yang memuat : a. Nama; b. Contact person."]))
    assert lead.tree == [("Surat yang memuat :", ["Nama;", "Contact person."])]


def test_every_seed_list_under_a_requirement_is_kept_under_it():
    setda = load_catalog(SETDA)
    nested = {s.id: [r for r in s.persyaratan if r.items] for s in setda.services}
    assert {k: len(v) for k, v in nested.items() if v} == {
        "harmonisasi-rancangan-produk-hukum-daerah": 1, "harmonisasi-rancangan-peraturan-daerah": 1,
        "bimtek-pendampingan-konsultasi-hukum-pbj": 1, "keprotokolan": 1, "pembawa-acara-master-of-ceremony": 1,
        "peliputan": 1, "permintaan-dokumentasi-kegiatan-pimpinan": 1}
    peliputan = setda.service("peliputan").persyaratan
    assert [r.text for r in peliputan] == [
        "Surat permohonan yang memuat :",
        "Surat permohonan disampaikan kepada Kepala Bagian Protokol dan Komunikasi Pimpinan Setda Kab. Klungkung "
        "paling lambat 3 hari kerja sebelum waktu pelaksanaan kegiatan."]
    assert peliputan[0].items == ("Agenda Kegiatan;", "Contact Person dari OPD Pemohon.")


def test_requirements_are_shown_nested_and_checked_as_one(whatsapp, runtime):
    setda_walk(whatsapp, runtime, "keprotokolan")
    requirements = whatsapp.send("1", office=SETDA).messages[0]
    assert ("1. Surat permohonan yang memuat :\n    a. Agenda Kegiatan (Nama Kegiatan, Waktu, Tempat);\n"
            "    b. Contact Person dari OPD Pemohon.\n2. Surat permohonan disampaikan") in requirements
    assert "2. a." not in requirements and "3." not in requirements
    first = whatsapp.send("6", office=SETDA).text
    assert "Persyaratan 1 dari 2:\n*Surat permohonan yang memuat :*\n    a. Agenda Kegiatan" in first
    assert "b. Contact Person dari OPD Pemohon." in first
    second = whatsapp.send("belum", office=SETDA).text
    assert "Persyaratan 2 dari 2:" in second and "*Surat permohonan disampaikan" in second
    missing = whatsapp.send("sudah", office=SETDA).text
    assert "• Surat permohonan yang memuat :\n    a. Agenda Kegiatan" in missing
    assert "disampaikan kepada" not in missing.split("Yang masih perlu Anda siapkan")[1].split("Untuk")[0]


def test_the_dashboard_nests_them_too(app, runtime):
    member = signed_in(app, runtime, "viewer1", "viewer", SETDA)
    page = member.get(f"/dashboard/catalog/{SETDA}/peliputan").get_data(as_text=True)
    section = page.split('id="persyaratan"')[1].split("</section>")[0]
    assert re.search(r"<li>Surat permohonan yang memuat :\s*<ol type=\"a\"><li>Agenda Kegiatan;</li>"
                     r"<li>Contact Person dari OPD Pemohon\.</li></ol></li>", section), section
    assert section.count("<li>") == 4


# -- equal names -----------------------------------------------------------------------------------
def test_services_with_one_name_are_told_apart_by_their_unit(whatsapp):
    whatsapp.send("halo", office=SETDA)
    answer = whatsapp.send("pelayanan informasi publik", office=SETDA)
    assert "Apakah yang Anda maksud" in answer.text
    choices = [line for line in answer.text.splitlines() if re.match(r"^\d\. ", line)]
    assert len(choices) == len(set(choices)) >= 2, choices
    shared = [line for line in choices if "Pelayanan Informasi Publik" in line]
    assert len(shared) >= 2 and all(re.search(r"Publik \(Bagian [^)]+\)$", line) for line in shared), shared
    unit = re.search(r"\((Bagian [^)]+)\)$", shared[0]).group(1)
    card = whatsapp.send(shared[0][0], office=SETDA).text
    assert "*Pelayanan Informasi Publik*" in card and unit in card
    requirements = whatsapp.send("1", office=SETDA).text
    assert f"*Persyaratan Pelayanan Informasi Publik ({unit})*" in requirements


# -- follow-up numbers -----------------------------------------------------------------------------
def _hint(answer) -> str:
    [hint] = [m for m in answer.messages if "Ketik nomor lain" in m]
    return hint


def test_the_hint_after_a_card_part_shows_the_numbers_it_asks_for(whatsapp, runtime):
    setda_walk(whatsapp, runtime, "bantuan-hukum")
    hint = _hint(whatsapp.send("2", office=SETDA))
    for line in ("1. Persyaratan", "2. Prosedur", "3. Waktu & biaya", "4. Produk layanan", "5. Cara pengaduan",
                 "6. Cek kelengkapan persyaratan saya", "0. Kembali ke daftar layanan"):
        assert line in hint, hint
    assert "*menu*" in hint
    assert "Produk layanan Pelayanan Bantuan Hukum" in whatsapp.send("4", office=SETDA).text  # the numbers work


def test_a_direct_answer_shows_the_numbers_too(whatsapp):
    whatsapp.send("halo", office=SETDA)
    answer = whatsapp.send("syarat mc", office=SETDA)
    assert "*Persyaratan" in answer.text
    hint = _hint(answer)
    assert "2. Prosedur" in hint and "0. Kembali ke daftar layanan" in hint
    assert "*Prosedur" in whatsapp.send("2", office=SETDA).text


# -- curated corrections ---------------------------------------------------------------------------
@pytest.mark.parametrize("fix", CORRECTIONS, ids=lambda f: f"{f.seed[:3]}:{f.source}")
def test_each_correction_is_in_its_seed_and_corrected_in_the_catalog(fix):
    assert fix.source in seed_text(DEFAULT_SEEDS / fix.seed), f"{fix.source!r} no longer in {fix.seed}"
    assert fix.source != fix.corrected
    services = [(office, s) for office in ALL for s in load_catalog(office).services if s.source == fix.seed]
    assert services, fix.seed
    texts = [t for _, s in services for key, value in asdict(s).items() if key not in ("id", "notes", "source")
             for t in _strings(value)]
    assert not any(_whole(fix.source).search(t) for t in texts), fix
    assert any(fix.corrected in t for t in texts), fix
    note = f"source typo corrected: {fix.source!r} → {fix.corrected!r}"
    assert any(note in s.notes for _, s in services), note


def test_corrections_are_listed_once():
    assert len({(f.seed, f.source) for f in CORRECTIONS}) == len(CORRECTIONS)


def test_a_corrected_step_reaches_the_citizen(whatsapp):
    whatsapp.send("menu", office="kejari-alor")
    whatsapp.send("1", office="kejari-alor")  # Layanan: one service, its card
    procedure = whatsapp.send("2", office="kejari-alor").text
    assert "Petugas PTSP melakukan Check out" in procedure and "memalukan" not in procedure
    assert "Lobby PTSP" in procedure and "tidak ada di tempat" in procedure


# -- placeholder host names ------------------------------------------------------------------------
@pytest.fixture
def placeholder_config(config, tmp_path):
    employees = copy.deepcopy(EMPLOYEES)
    employees["employees"][1]["name"] = "Contoh Nama Kasi Intel"  # kasi-intel, who has a number
    config.CONFIG_DIR = make_config_dir(tmp_path / "config", employees=employees)
    config.MEDIA_DIR = str(tmp_path / "media")
    return config


def test_a_placeholder_name_never_reaches_the_citizen(placeholder_config, twilio_runtime, whatsapp, standin):
    runtime = twilio_runtime
    url = standin.add_media(b"\xff\xd8\xff\xe0fakejpeg", "image/jpeg")
    script = ["halo", menu_number(runtime), "1", "Ketut Arsana", "1", NIK, ("", url), "Konsultasi laporan pengaduan",
              "kasi intel", "besok jam 10", "1"]
    texts = []
    for step in script:
        if isinstance(step, tuple):
            texts.append(whatsapp.send(step[0], media=((step[1], "image/jpeg"),)).text)
        else:
            texts.append(whatsapp.send(step).text)
    said = "\n".join(texts)
    assert "Contoh Nama" not in said
    assert "Petugas yang membidangi Seksi Intelijen (Kepala Seksi Intelijen)" in said
    assert "Kode kunjungan" in texts[-1] and "Bertemu: Petugas yang membidangi Seksi Intelijen" in texts[-1]
    whatsapp.send("1", from_=KASI_INTEL)  # the host accepts
    [told] = outbox_to(runtime, CITIZEN, "visit_outcome")
    assert "diterima oleh Petugas yang membidangi Seksi Intelijen" in told.body and "Contoh Nama" not in told.body


def test_a_placeholder_name_is_matched_by_no_one(runtime):
    staff = runtime.deps.directory.staff(runtime.offices.get("kejari-alor"))  # the committed example file
    assert staff.employees and not any("Contoh" in e.name for e in (*staff.employees, *staff.desk_officers))
    assert all(e.placeholder for e in staff.employees)
    assert match(staff, "contoh nama") == []
    [(pidum, _)] = match(staff, "kasi pidum")
    assert pidum.name == "Petugas yang membidangi Seksi Tindak Pidana Umum"

