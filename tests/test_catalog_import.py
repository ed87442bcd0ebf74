"""Service catalog: the importer (seeds -> config/catalog/*.yaml) and the loader that reads it back."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

from bot.catalog import Catalog, CatalogError, Requirement, load_catalog
from bot.catalog.importer import main, render_all
from bot.catalog.text import split_items, stream

REPO = Path(__file__).resolve().parents[1]
SEEDS = Path(__file__).resolve().parents[1].parent / "shared" / "seeds"
CATALOG_DIR = REPO / "config" / "catalog"

# office -> (services, units)
COUNTS = {"kejari-klungkung": (1, 1), "kejari-alor": (1, 1), "kejari-kapuas": (2, 2), "setda-klungkung": (31, 9)}
# Services per Lampiran of seed 004: the decree's KEDUA..KESEPULUH lists and the Lampiran bodies agree.
SETDA_PER_UNIT = {"pemerintahan": 2, "kesra": 3, "hukum": 6, "perekonomian-sda": 1, "pbj": 7, "umum": 4,
                  "organisasi": 2, "protokol-kompim": 5, "adm-pembangunan": 1}


@pytest.fixture(scope="module")
def fresh() -> dict[str, str]:
    # Fail, never skip: without the seeds the committed catalog cannot be checked.
    assert SEEDS.is_dir(), f"seed documents missing at {SEEDS}; shared/ must sit beside the repository"
    return render_all(SEEDS)


@pytest.fixture(scope="module")
def catalogs() -> dict[str, Catalog]:
    return {slug: load_catalog(slug) for slug in COUNTS}


def _strings(value):
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)


def test_committed_catalog_equals_a_fresh_import(fresh):
    assert sorted(p.name for p in CATALOG_DIR.glob("*.yaml")) == sorted(fresh)
    for name, text in fresh.items():
        assert (CATALOG_DIR / name).read_text(encoding="utf-8") == text, (
            f"config/catalog/{name} differs from the importer's output; run python -m bot.catalog.importer")


def test_import_is_deterministic(fresh):
    assert render_all(SEEDS) == fresh


def test_yaml_is_plain_unicode_without_anchors(fresh):
    for text in fresh.values():
        assert not re.search(r"[&*]id\d+", text)
        assert "\\u" not in text and "\\x" not in text


def test_cli_writes_the_catalog_and_check_reports_it_current(fresh, tmp_path, capsys):
    assert main(["--seeds", str(SEEDS), "--out", str(tmp_path)]) == 0
    assert {p.name: p.read_text(encoding="utf-8") for p in tmp_path.iterdir()} == fresh
    assert main(["--seeds", str(SEEDS), "--out", str(tmp_path), "--check"]) == 0
    (tmp_path / "kejari-alor.yaml").write_text("office: kejari-alor\n", encoding="utf-8")
    assert main(["--seeds", str(SEEDS), "--out", str(tmp_path), "--check"]) == 1
    assert "kejari-alor.yaml" in capsys.readouterr().out


@pytest.mark.parametrize(("office", "services", "units"), [(o, s, u) for o, (s, u) in COUNTS.items()])
def test_counts_per_office(catalogs, office, services, units):
    catalog = catalogs[office]
    assert (len(catalog.services), len(catalog.units)) == (services, units)


def test_setda_has_31_services_including_the_malformed_hukum_heading(catalogs):
    setda = catalogs["setda-klungkung"]
    assert {u.slug: len(setda.services_in(u.slug)) for u in setda.units} == SETDA_PER_UNIT
    assert [u.lampiran for u in setda.units] == ["I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX"]
    second = setda.services_in("hukum")[1]
    assert second.name == "Pelayanan Bantuan Hukum Perkara Perdata & Tata Usaha Negara"
    assert second.waktu.value == 7 and second.produk == ("Surat Kuasa Khusus (SKK)",)
    assert any("malformed" in note for note in second.notes)
    assert any("runs a, b, d" in note for note in second.notes)


def test_lampiran_viii_unit_follows_its_heading_and_records_the_decree(catalogs):
    unit = catalogs["setda-klungkung"].unit("protokol-kompim")
    assert unit.name == "Bagian Protokol dan Komunikasi Pimpinan"
    assert unit.lampiran == "VIII"
    assert any("KESEMBILAN" in n and "'Bagian Organisasi'" in n and "tembusan" in n for n in unit.notes)
    assert unit.aliases == ()  # "Bagian Organisasi" is Lampiran VII's name


def test_setda_bantuan_hukum(catalogs):
    service = catalogs["setda-klungkung"].service("bantuan-hukum")
    assert service.unit == "hukum"
    assert service.sk_number == "188.4/2493/2021"
    assert (service.waktu.text, service.waktu.value, service.waktu.unit) == ("5 hari kerja", 5, "hari kerja")
    assert "Kronologis" in service.persyaratan[0].text
    assert service.biaya == "Permohonan Gratis/Tidak dipungut biaya"
    assert service.pengaduan.email == ("bagianhukum2017@gmail.com",)
    assert service.pengaduan.phone == ("(0366) 21045",)
    assert service.dasar_hukum[0] == "Undang-Undang Nomor 25 Tahun 2009 tentang Pelayanan Publik"


def test_setda_helpdesk_lpse(catalogs):
    service = catalogs["setda-klungkung"].service("helpdesk-lpse")
    assert service.unit == "pbj"
    assert service.persyaratan == (Requirement("Laporan/pernyataan permasalahan aplikasi SPSE"),)
    assert service.waktu.text.startswith("2 (dua) hari")
    assert service.waktu.detail == ("7 (tujuh) hari (untuk penyelesaian ditindaklanjuti ke helpdesk LKPP)",)
    assert service.waktu.value is None  # two durations for two cases
    assert service.produk == ("Jasa pendampingan dan penanganan permasalahan.",)
    assert service.pengaduan.phone == ("(0366) 29359",)
    assert service.pengaduan.email == ("lpse.klungkung@gmail.com",)
    assert service.pengaduan.apps == ("SP4N-LAPOR!", "Klungkung Mesadu")
    assert service.jumlah_pelaksana == ("3 Orang", "Helpdesk 1 orang", "Administrator LPSE 1 orang",
                                        "Kepala Bagian 1 orang")


def test_kejari_klungkung_ptsp(catalogs):
    catalog = catalogs["kejari-klungkung"]
    service = catalog.service("penerimaan-tamu")
    assert service.name == "Pelayanan Terpadu Satu Pintu (PTSP) Klungkung"
    assert catalog.unit(service.unit).name == "Pelayanan Terpadu Satu Pintu (PTSP)"
    assert (service.waktu.value, service.waktu.unit) == (10, "menit")
    assert service.waktu.detail == ()  # the procedure the page repeats under "Waktu" is left out
    assert service.biaya == "Tidak dipungut biaya"
    assert len(service.prosedur) == 10
    assert service.persyaratan[0] == Requirement("Masyarakat umum Membawa kartu identitas (KTP/SIM/NPWP/BPJS).")
    assert service.pengaduan.email == ("kejari.klungkung@kejaksaan.go.id",)
    assert service.pengaduan.phone == ("081339151776",)


def test_kejari_alor_table_procedure(catalogs):
    service = catalogs["kejari-alor"].service("penerimaan-tamu")
    assert service.persyaratan == (Requirement("Membawa Identitas Diri (KTP/KK/SIM)"),)
    assert [s.waktu.value for s in service.prosedur] == [2, 2, 5, 5, 5, 5, 5]
    assert service.prosedur[0].text == "Security Menerima tamu yang datang ke kejaksaan"
    assert service.prosedur[4].kelengkapan == ("Penampilan Rapih", "Aplikasi Buku Tamu Kejaksaan RI")
    assert service.prosedur[6].text == "Petugas PTSP melakukan Check out di aplikasi Buku tamu Kejaksaan RI"
    assert "source typo corrected: 'memalukan' → 'melakukan'" in service.notes
    assert (service.waktu.text, service.waktu.value) == ("30 Menit", 30)
    assert service.pengaduan.phone == ("081138201010",)


def test_kejari_kapuas_intelligence_report(catalogs):
    catalog = catalogs["kejari-kapuas"]
    service = catalog.service("laporan-pengaduan-intelijen")
    assert service.unit == "intelijen"
    assert catalog.service("penerimaan-tamu").unit == "ptsp"
    assert any("pengaduan tersebut dibuat secara tertulis" in step.text for step in service.prosedur)
    assert service.sk_number == "KEP-19/O.2.12/Cr.5/06/2024"
    # The page's "Pengaduan Layanan" repeats the procedure; it is not passed off as complaint channels.
    assert service.pengaduan.items == ()
    assert any(note.startswith("pengaduan:") for note in service.notes)


def test_run_together_items_are_split():
    raw = ["<ol>1. Pemohon datang ke Bagian Hukum.2. Pemohon menerima bukti3. Penyelarasan surat Kajian4. Selesai"]
    assert split_items(stream(raw), glued_mode=True).items == [
        "Pemohon datang ke Bagian Hukum.", "Pemohon menerima bukti", "Penyelarasan surat Kajian", "Selesai"]
    lettered = split_items(stream(["a. Meja; b. Kursi; c. Alasan pokok: • satu • dua d. Rak"]))
    assert lettered.items == ["Meja;", "Kursi;", "Alasan pokok:", "• satu", "• dua", "Rak"]


def test_split_items_from_the_seeds(catalogs):
    setda = catalogs["setda-klungkung"]
    assert len(setda.service("bantuan-hukum").prosedur) == 4  # "…Klungkung.2. Pemohon…" in the source
    persyaratan = setda.service("harmonisasi-rancangan-produk-hukum-daerah").persyaratan
    assert [r.text for r in persyaratan[:3]] == ["Surat Pengantar,", "Resume Rancangan Keputusan Bupati yang berisi :",
                                                 "Rancangan Keputusan Bupati,"]
    assert persyaratan[1].items[0] == "Alasan pembentukan keputusan bupati;"
    assert persyaratan[-1] == Requirement("Foto Copy DPA/RKA OPD.")
    # "(0366) 293592. Pengaduan…": the item number glued to the phone number is split off.
    assert setda.service("informasi-publik-pbj").pengaduan.phone == ("(0366) 29359",)
    jaminan = setda.service("kerjasama-daerah").jaminan_keamanan
    assert "Penerapan protokol kesehatan Covid-19." in jaminan  # joined back across a page break


def test_no_markup_debris_anywhere(fresh):
    for name, text in fresh.items():
        for value in _strings(yaml.safe_load(text)):
            assert "<" not in value and ">" not in value, (name, value)
            assert "|" not in value and "--" not in value and "**" not in value, (name, value)
            assert value == " ".join(value.split()), (name, value)


def test_source_typos_are_corrected_and_noted(catalogs):
    service = catalogs["setda-klungkung"].service("informasi-administrasi-kewilayahan")
    assert service.sarana_prasarana[-1] == "Register Dokumen Administrasi Kewilayahan."
    assert "source typo corrected: 'Kewilavahan' → 'Kewilayahan'" in service.notes
    kapuas = catalogs["kejari-kapuas"].service("penerimaan-tamu")
    assert "bukutamu.kejaksaan.go.id" in kapuas.prosedur[2].text


def test_unit_slugs_exist_in_the_office_config(catalogs):
    for office, catalog in catalogs.items():
        config = yaml.safe_load((REPO / "config" / "offices" / f"{office}.yaml").read_text(encoding="utf-8"))
        assert {u.slug for u in catalog.units} <= {u["slug"] for u in config["units"]}, office


def test_lookups(catalogs):
    setda = catalogs["setda-klungkung"]
    assert setda.service("keprotokolan").unit == "protokol-kompim"
    with pytest.raises(KeyError, match="no service"):
        setda.service("nope")
    with pytest.raises(KeyError, match="no unit"):
        setda.services_in("nope")


def _write(tmp_path: Path, data: dict) -> Path:
    (tmp_path / "kejari-alor.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return tmp_path


def _set(data: dict, path: str, value) -> None:
    *parents, last = path.split(".")
    for key in parents:
        data = data[int(key)] if key.isdigit() else data[key]
    if value is KeyError:
        del data[last]
    else:
        data[last] = value


@pytest.mark.parametrize(("path", "value", "field"), [
    ("services.0.waktu.unit", "minggu", "services[0] (penerimaan-tamu).waktu.unit"),
    ("services.0.waktu.value", "tiga puluh", "services[0] (penerimaan-tamu).waktu.value"),
    ("services.0.biaya", KeyError, "services[0].biaya"),
    ("services.0.unit", "pidum", "services[0] (penerimaan-tamu).unit"),
    ("services.0.persyaratan", [], "services[0] (penerimaan-tamu).persyaratan"),
    ("services.0.pengaduan.email", ["kantor"], "services[0] (penerimaan-tamu).pengaduan.email[0]"),
    ("services.0.id", "Penerimaan Tamu", "services[0] (Penerimaan Tamu).id"),
    ("services.0.tarif", "gratis", "services[0]"),
    ("office", "kejari-kapuas", "office"),
])
def test_load_rejects_a_malformed_catalog(tmp_path, path, value, field):
    data = yaml.safe_load((CATALOG_DIR / "kejari-alor.yaml").read_text(encoding="utf-8"))
    _set(data, path, value)
    with pytest.raises(ValueError, match=re.escape(f"kejari-alor.yaml: {field}")) as raised:
        load_catalog("kejari-alor", _write(tmp_path, data))
    assert isinstance(raised.value, CatalogError)


def test_load_rejects_duplicate_ids_and_broken_yaml(tmp_path):
    data = yaml.safe_load((CATALOG_DIR / "kejari-kapuas.yaml").read_text(encoding="utf-8"))
    data["services"][1]["id"] = data["services"][0]["id"]
    (tmp_path / "kejari-kapuas.yaml").write_text(yaml.safe_dump(data), encoding="utf-8")
    with pytest.raises(CatalogError, match=r"kejari-kapuas\.yaml: services\.id: 'penerimaan-tamu' appears twice"):
        load_catalog("kejari-kapuas", tmp_path)
    (tmp_path / "kejari-kapuas.yaml").write_text("office: [unclosed\n", encoding="utf-8")
    with pytest.raises(CatalogError, match="not valid YAML"):
        load_catalog("kejari-kapuas", tmp_path)
    with pytest.raises(CatalogError, match="cannot read"):
        load_catalog("setda-klungkung", tmp_path)
