"""Tables of what citizens and hosts type: names, identity numbers, dates and times, short answers,
employee matching; and the keys and tokens (masking, hashing, codes, signed QR URLs)."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.employees import load_staff, match
from bot.masking import mask_id
from bot.offices import load_offices
from bot.visits import parsing, security
from bot.whatsapp.office_templates import template_for
from config.settings import CONFIG_DIR
from tests.support.visits import EMPLOYEES, make_config_dir

OFFICES = load_offices(CONFIG_DIR)
KLUNGKUNG = OFFICES.get("kejari-klungkung")
KAPUAS = OFFICES.get("kejari-kapuas")
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday 10.00 WITA, 09.00 WIB
TODAY = date(2026, 11, 23)


@pytest.mark.parametrize(("text", "expected"), [
    ("5171010101900001", "5171010101900001"),
    ("5171 0101 0190 0001", "5171010101900001"),
    ("5171.0101.0190-0001", "5171010101900001"),
    ("5171014101900001", "5171014101900001"),  # a woman: day + 40
    ("6271017112000003", "6271017112000003"),  # Kalimantan Tengah, born 31 Dec 2000, a woman
    ("3173010101050123", "3173010101050123"),  # born 2005
])
def test_plausible_niks(text, expected):
    assert parsing.nik(text, TODAY) == expected


@pytest.mark.parametrize(("text", "reason"), [
    ("517101010190000", "nik_length"),
    ("51710101019000011", "nik_length"),
    ("5171O10101900001", "id_digits"),
    ("9971010101900001", "nik_region"),  # no province 99
    ("5100010101900001", "nik_region"),  # regency 00
    ("5171003201900001", "nik_region"),  # district 00
    ("5171013201900001", "nik_birth"),  # day 32
    ("5171017201900001", "nik_birth"),  # day 72 (woman 32)
    ("5171010113900001", "nik_birth"),  # month 13
    ("5171013002900001", "nik_birth"),  # 30 February
    ("5171010101900000", "nik_sequence"),
])
def test_implausible_niks(text, reason):
    with pytest.raises(parsing.Invalid) as caught:
        parsing.nik(text, TODAY)
    assert caught.value.reason == reason


@pytest.mark.parametrize(("number", "masked"), [
    ("5171010101900001", "5171********0001"),
    ("123456789012", "********9012"),
    ("1234567890123", "*********0123"),
])
def test_masking_keeps_at_most_the_first_and_last_four(number, masked):
    assert mask_id(number) == masked


@pytest.mark.parametrize(("kind", "text", "ok"), [
    ("sim", "123456789012", True), ("sim", "12345678901234", True), ("sim", "1234567890", False),
    ("npwp", "01.234.567.8-901.000", True), ("npwp", "0123456789", False),
    ("bpjs", "0001234567890", True), ("bpjs", "000123456789", False),
    ("kk", "5171010101900001", True), ("kk", "0071010101900001", False),
])
def test_other_documents(kind, text, ok):
    if ok:
        assert parsing.id_number(kind, text, TODAY).isdigit()
    else:
        with pytest.raises(parsing.Invalid):
            parsing.id_number(kind, text, TODAY)


@pytest.mark.parametrize(("text", "ok"), [
    ("Ketut Arsana", True), ("I Gusti Ngurah Rai", True), ("Siti Nur'aini", True), ("Muh. Yusuf", True),
    ("Ab", False), ("K3tut", False), ("Ketut 123", False), ("!!!", False),
])
def test_names(text, ok):
    if ok:
        assert parsing.full_name(text) == text
    else:
        with pytest.raises(parsing.Invalid):
            parsing.full_name(text)


@pytest.mark.parametrize(("text", "local"), [
    ("besok jam 10", datetime(2026, 11, 24, 10, 0)),
    ("Besok pukul 10:30", datetime(2026, 11, 24, 10, 30)),
    ("senin depan pukul 09.30", datetime(2026, 11, 30, 9, 30)),
    ("25/11 jam 2 siang", datetime(2026, 11, 25, 14, 0)),
    ("lusa 13.00", datetime(2026, 11, 25, 13, 0)),
    ("kamis pukul 9 pagi", datetime(2026, 11, 26, 9, 0)),
    ("rabu jam 3 sore", datetime(2026, 11, 25, 15, 0)),
    ("26 november 2026 jam 11", datetime(2026, 11, 26, 11, 0)),
    ("3 hari lagi jam 10", datetime(2026, 11, 26, 10, 0)),
    ("besok jam 10 saja", datetime(2026, 11, 24, 10, 0)),
    ("besok 10 pagi", datetime(2026, 11, 24, 10, 0)),
    ("jam 14", datetime(2026, 11, 23, 14, 0)),
    ("tomorrow at 10", datetime(2026, 11, 24, 10, 0)),
    ("2 desember jam 08.30", datetime(2026, 12, 2, 8, 30)),
])
def test_dates_in_free_indonesian(text, local):
    assert parsing.parse_when(text, NOW, KLUNGKUNG) == local.replace(tzinfo=KLUNGKUNG.zone)


def test_dates_follow_the_office_zone():
    moment = parsing.parse_when("besok jam 10", NOW, KAPUAS)
    assert moment.utcoffset().total_seconds() == 7 * 3600  # WIB
    assert moment.astimezone(UTC) == datetime(2026, 11, 24, 3, 0, tzinfo=UTC)


@pytest.mark.parametrize(("text", "reason"), [
    ("besok", "when_no_time"),
    ("kapan saja jam 10", "when_unknown"),
    ("besok jam 25", "when_time"),
])
def test_unreadable_dates(text, reason):
    with pytest.raises(parsing.Invalid) as caught:
        parsing.parse_when(text, NOW, KLUNGKUNG)
    assert caught.value.reason == reason


@pytest.mark.parametrize(("text", "reason"), [
    ("besok jam 10", None),
    ("hari ini jam 9", "when_past"),
    ("sabtu jam 10", "when_closed_day"),
    ("minggu jam 10", "when_closed_day"),
    ("25 desember jam 10", "when_holiday"),
    ("besok jam 7", "when_hours"),
    ("besok jam 16.00", "when_hours"),
    ("jumat jam 16.15", None),  # Friday closes at 16.30 in Klungkung
    ("28 februari 2027 jam 10", "when_too_far"),
])
def test_office_days_and_hours(text, reason):
    moment = parsing.parse_when(text, NOW, KLUNGKUNG)
    if reason is None:
        parsing.check_when(moment, NOW, KLUNGKUNG, 60)
    else:
        with pytest.raises(parsing.Invalid) as caught:
            parsing.check_when(moment, NOW, KLUNGKUNG, 60)
        assert caught.value.reason == reason


@pytest.mark.parametrize(("text", "kind", "rest"), [
    ("1", "accept", ""), ("terima", "accept", ""), ("Oke", "accept", ""), ("trima", "accept", ""),
    ("siap, saya tunggu", "accept", "saya tunggu"),
    ("2", "decline", ""), ("tolak, sedang sidang", "decline", "sedang sidang"),
    ("2. sedang dinas luar", "decline", "sedang dinas luar"), ("tidak bisa, ada rapat", "decline", "ada rapat"),
    ("tolk", "decline", ""),
    ("3", "propose", ""), ("3 besok jam 10", "propose", "besok jam 10"),
    ("besok jam 10 saja", "propose", "besok jam 10 saja"), ("usulkan kamis jam 9", "propose", "kamis jam 9"),
    ("4", "redirect", ""), ("4 kajari", "redirect", "kajari"), ("alihkan ke kajari", "redirect", "ke kajari"),
])
def test_host_answers(text, kind, rest):
    assert parsing.host_answer(text, NOW, KLUNGKUNG) == parsing.HostAnswer(kind, rest)


@pytest.mark.parametrize("text", ["halo", "siapa tamunya?", "5", "selamat pagi"])
def test_not_host_answers(text):
    assert parsing.host_answer(text, NOW, KLUNGKUNG) is None


@pytest.mark.parametrize(("text", "expected"), [
    ("1", True), ("ya", True), ("Iya", True), ("setuju", True), ("stuju", True), ("yes", True), ("oke", True),
    ("2", False), ("tidak", False), ("Tdk", False), ("no", False), ("gak", False),
    ("mungkin", None), ("3", None), ("", None),
])
def test_yes_no(text, expected):
    assert parsing.yes_no(text) is expected


@pytest.fixture
def staff(tmp_path):
    config_dir = make_config_dir(tmp_path / "config")
    return load_staff(config_dir, KLUNGKUNG)


@pytest.mark.parametrize(("typed", "keys"), [
    ("kasi intel", ["kasi-intel"]),
    ("Kasi Intelijen", ["kasi-intel"]),
    ("pak kajari", ["kajari"]),
    ("Kepala Kejaksaan", ["kajari"]),
    ("Bu Ayu Lestari", ["kasi-intel"]),
    ("I Made Sudarsna", ["kajari"]),  # a typo
    ("Komang", ["kasi-pidum", "kasi-pidsus"]),  # ambiguous
    ("Budi Santoso", []),
    ("xy", []),
])
def test_employee_matching(staff, typed, keys):
    assert [e.key for e, _ in match(staff, typed)] == keys


def test_committed_employee_files_are_placeholders_without_numbers():
    for office in OFFICES:
        staff = load_staff(CONFIG_DIR, office)
        assert staff.placeholder and staff.employees, office.slug
        assert all(e.whatsapp is None for e in (*staff.employees, *staff.desk_officers)), office.slug
        assert all("Contoh" in e.name for e in staff.employees), office.slug
        units = {u.slug for u in office.units}
        assert {e.unit for e in staff.employees if e.unit} <= units, office.slug
    setda = load_staff(CONFIG_DIR, OFFICES.get("setda-klungkung"))
    assert sum(e.title.startswith("Kepala Bagian") for e in setda.employees) == 9
    assert load_staff(CONFIG_DIR, OFFICES.get("kejari-alor")).id_types == ("ktp", "kk", "sim")
    assert EMPLOYEES["employees"][0]["whatsapp"]  # the tests' own file has numbers


def test_templates_are_empty_in_the_committed_file_and_filled_from_a_test_file(tmp_path):
    assert template_for(CONFIG_DIR, "host_notice", {"guest": "X"}) == (None, None)
    config_dir = make_config_dir(tmp_path / "config", templates={
        "host_notice": {"content_sid": "HX" + "1" * 32, "variables": {"1": "office", "2": "guest"}}})
    assert template_for(config_dir, "host_notice", {"office": "Kejari", "guest": "Ketut"}) == (
        "HX" + "1" * 32, {"1": "Kejari", "2": "Ketut"})


def test_id_hash_is_keyed_and_stable():
    a = security.id_hash(b"k1", "ktp", "5171010101900001")
    assert a == security.id_hash(b"k1", "ktp", "5171010101900001")
    assert a != security.id_hash(b"k2", "ktp", "5171010101900001")
    assert "5171010101900001" not in a and len(a) == 64


def test_qr_tokens_are_signed_and_carry_only_the_code():
    token = security.qr_token(b"key", "kejari-klungkung", "QDDVTQ")
    assert security.read_qr_token(b"key", token) == ("kejari-klungkung", "QDDVTQ")
    assert security.read_qr_token(b"other", token) is None
    assert security.read_qr_token(b"key", token.replace("QDDVTQ", "QDDVTR")) is None
    assert security.read_qr_token(b"key", "garbage") is None


def test_codes_use_the_unambiguous_alphabet():
    codes = {security.new_code() for _ in range(200)}
    assert len(codes) == 200
    assert all(len(c) == 6 and not set(c) & set("0O1IL5S2Z8B") for c in codes)


def test_nyepi_is_not_an_office_day():
    """Hari Suci Nyepi (the holidays package calls it "Day of Silence"): 8 March 2027."""
    before = datetime(2027, 2, 22, 2, 0, tzinfo=UTC)
    moment = parsing.parse_when("8 maret 2027 jam 10", before, KLUNGKUNG)
    with pytest.raises(parsing.Invalid) as caught:
        parsing.check_when(moment, before, KLUNGKUNG, 60)
    assert caught.value.reason == "when_holiday"
    parsing.check_when(parsing.parse_when("9 maret 2027 jam 10", before, KLUNGKUNG), before, KLUNGKUNG, 60)


@pytest.mark.parametrize(("open_on", "said"), [
    (("mon", "tue", "wed", "thu", "fri"), "Senin–Jumat"),
    (("mon", "tue", "wed", "thu", "fri", "sat"), "Senin–Sabtu"),  # an office that opens on Saturday says so
    (("mon", "wed", "fri"), "Senin, Rabu, Jumat"),
    (("mon", "tue"), "Senin, Selasa"),
])
def test_a_closed_day_is_refused_with_the_days_the_office_does_open(open_on, said):
    from dataclasses import replace
    from datetime import time

    from bot.i18n import Messages
    from bot.visits.notices import when_correction

    span = ((time(8), time(15)),)
    office = replace(KLUNGKUNG, opening_hours={day: span for day in open_on})
    sunday = datetime(2026, 11, 29, 2, 0, tzinfo=UTC)  # 10.00 WITA
    with pytest.raises(parsing.Invalid) as refused:
        parsing.check_when(sunday, datetime(2026, 11, 26, tzinfo=UTC), office, 60)
    messages = Messages(CONFIG_DIR)
    text = when_correction(lambda key, **v: messages.text("id", key, **v), office, refused.value.reason,
                           refused.value.values)
    assert refused.value.reason == "when_closed_day" and f"pada hari {said}, kecuali hari libur" in text
