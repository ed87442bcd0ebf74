"""Review decisions the importer applies on top of what it parses: stable ids where the name makes
a poor one, clear source typos to correct (each one listed, and noted on its service), garbled text
to point out, and notes on text the source lost.

Every entry must match something in the seeds; the importer fails on one that no longer does, so
this file cannot silently drift from the sources.
"""

from __future__ import annotations

from dataclasses import dataclass

# (office, id derived from the name) -> id. Short ids for long names; one id for the guest desk.
ID_OVERRIDES = {
    ("kejari-klungkung", "terpadu-satu-pintu-klungkung"): "penerimaan-tamu",
    ("setda-klungkung", "informasi-bidang-perekonomian-dan-sumber-daya-alam"): "informasi-perekonomian-sda",
    ("setda-klungkung", "konsultasi-tatap-muka-di-bidang-pengadaan-barang-jasa-pemerintah"):
        "konsultasi-tatap-muka-pbj",
    ("setda-klungkung", "permohonan-bimbingan-teknis-pendampingan-konsultasi-hukum-di-bidang-pengadaan-barang-jasa-"
                        "pemerintah"):
        "bimtek-pendampingan-konsultasi-hukum-pbj",
}


@dataclass(frozen=True)
class Correction:
    """A clear typo in a seed, corrected in the catalog: `source` as written in `seed` (every whole-word
    occurrence in the services read from that seed), `corrected` what the catalog carries instead. The
    service notes each correction, and tests/test_catalog_fixes.py checks `source` is still in the seed."""

    seed: str
    source: str
    corrected: str


_KLUNGKUNG, _ALOR, _KAPUAS, _KAPUAS_INTEL, _SETDA = (
    "000_322ab158e6ae699f.txt", "001_ec78288a185907e2.txt", "002_44840d3b39bdb4d3.txt",
    "003_6e7f7d0cfe64d686.txt", "004_b3e065e9aaee420f.txt")

CORRECTIONS = (
    Correction(_KLUNGKUNG, "tanda pengenalan tamu", "tanda pengenal tamu"),
    Correction(_ALOR, "memalukan", "melakukan"),
    Correction(_ALOR, "Loby", "Lobby"),
    Correction(_ALOR, "ditempat", "di tempat"),
    Correction(_KAPUAS, "kejakaan", "kejaksaan"),  # bukutamu.kejaksaan.go.id, as seed 003's repeat spells it
    Correction(_KAPUAS, "kesediannya", "kesediaannya"),
    Correction(_KAPUAS, "masingmasing", "masing-masing"),
    Correction(_KAPUAS_INTEL, "kejakaan", "kejaksaan"),
    Correction(_SETDA, "Kewilavahan", "Kewilayahan"),
    Correction(_SETDA, "berkompeteren", "berkompeten"),
    Correction(_SETDA, "berkompoten", "berkompeten"),
    Correction(_SETDA, "Survie", "Survei"),
    Correction(_SETDA, "Klengkapan", "Kelengkapan"),
    Correction(_SETDA, "Pendavagunaan", "Pendayagunaan"),
    Correction(_SETDA, "Continous", "Continuous"),
    Correction(_SETDA, "Verivikasi", "Verifikasi"),
    Correction(_SETDA, "informasi omput", "informasi publik"),
    Correction(_SETDA, "omputer", "komputer"),
    Correction(_SETDA, "No. 2 Semarang", "No. 2 Semarapura"),
    Correction(_SETDA, "SP4N Laporan", "SP4N Lapor"),
    Correction(_SETDA, "tentang tentang", "tentang"),
    Correction(_SETDA, "Lembaga Negara", "Lembaran Negara"),
    Correction(_SETDA, "Peraturan Pemerintahan Nomor", "Peraturan Pemerintah Nomor"),
    Correction(_SETDA, "publik;;", "publik;"),
    Correction(_SETDA, "Susunan Susunan", "Susunan"),  # the word repeats across a page break
    Correction(_SETDA, "Asisten Administrasi Administrasi Umum", "Asisten Administrasi Umum"),
)

# Garbled text whose meaning is a guess, not a clear typo: kept as written, and a note on each service
# where it occurs says what was likely meant.
UNCLEAR = (
    ("Ciptaan keamanan", "Gangguan keamanan"),
    ("Garansi keamanan", "Gangguan keamanan"),
    ("Cegahmian keamanan", "Gangguan keamanan"),
    ("Berupa yang berkompeten", "Petugas yang berkompeten"),
    ("ketenangan jika dihadapan", "ketegangan jiwa jika berhadapan"),
)

_LOST = "lost at a page break in the source"
SERVICE_NOTES = {
    ("kejari-kapuas", "penerimaan-tamu"): [
        "persyaratan: items 1-2 (Pedoman Pelayanan Informasi Publik, MS Office) read as officer competences, "
        "not visitor requirements; kept as the source lists them.",
    ],
    ("kejari-kapuas", "laporan-pengaduan-intelijen"): [
        "persyaratan: both items read as officer competences, not visitor requirements; kept as the source lists them.",
        "prosedur: steps 8 and 9 are one sentence split across two numbers in the source.",
    ],
    ("setda-klungkung", "informasi-administrasi-kewilayahan"): [
        f"pengaduan: the last channel reads as written; the words after 'atau' were {_LOST} (Lampiran I.2 "
        "continues 'Secara langsung kepada Tim Pengelola Pengaduan Bagian Pemerintahan').",
    ],
    ("setda-klungkung", "bantuan-sesajen"): [
        f"pengaduan: 'Secara langsung pada Bagian Kesejahteraan' is cut short; the rest was {_LOST}.",
    ],
    ("setda-klungkung", "bantuan-hukum-perkara-perdata-tata-usaha-negara"): [
        "Counted as the second service of Lampiran III although its heading is malformed; the decree lists it.",
        "dasar_hukum: cites Tambahan Lembaran Negara Nomor 5670 for UU 9/2015 where the other Bagian Hukum "
        "services cite 5679.",
    ],
    ("setda-klungkung", "harmonisasi-rancangan-peraturan-daerah"): [
        f"persyaratan: '(dalam bentuk... copy dan hard copy)' is cut; a word was {_LOST}.",
        "dasar_hukum: cites Peraturan Menteri Dalam Negeri Nomor 22 Tahun 2015 on Pembentukan Produk Hukum Daerah "
        "where the other Bagian Hukum services cite Nomor 80 Tahun 2015.",
    ],
    ("setda-klungkung", "informasi-produk-hukum"): [
        "prosedur and pengaduan: the source lost the list markers here, so each stays one item as written.",
    ],
    ("setda-klungkung", "helpdesk-lpse"): [
        f"sarana_prasarana: the start of item 3 was {_LOST}; 'Meubler, AC' is what remains (Pelayanan "
        "Penggunaan Ruang LPSE lists 'Ruang LPSE beserta kelengkapan Meubler, AC').",
    ],
    ("setda-klungkung", "penggunaan-ruang-lpse"): [
        f"prosedur: the third step begins mid-sentence; its start was {_LOST}.",
        "jaminan_keamanan: item 1 'Kerahasiaan dokumen penawaran serta' is cut short in the source.",
    ],
    ("setda-klungkung", "pemilihan-penyedia-barang-jasa-pemerintah"): [
        f"prosedur: in step 2 the words between 'kekurangan' and 'dilakukan verifikasi' were {_LOST}.",
    ],
    ("setda-klungkung", "konsultasi-pengelolaan-aplikasi-e-kinerja"): [
        f"dasar_hukum: 'tentang Pemerintahan Daerah' is the tail of item 2, whose start was {_LOST}.",
    ],
    ("setda-klungkung", "keprotokolan"): [
        f"jaminan_pelayanan: 'tugasnya' is the tail of item 2, whose start was {_LOST}.",
    ],
    ("setda-klungkung", "permintaan-dokumentasi-kegiatan-pimpinan"): [
        "persyaratan: the source lists 'c. Membawa alat penyimpanan data/ flash disk/ memory eksternal' under "
        "what the letter must contain, though it reads as a requirement of its own; kept where the source puts it.",
    ],
    ("setda-klungkung", "peliputan"): [
        f"pengaduan: the postal address stops at 'Jalan Untung'; the rest was {_LOST}.",
    ],
    ("setda-klungkung", "permohonan-data-dan-informasi-pembangunan-daerah"): [
        "pengaduan: the website given is Bagian Pemerintahan's (pemerintahan.klungkungkab.go.id); the prosedur "
        "names admpembangunan.klungkungkab.go.id.",
    ],
}
