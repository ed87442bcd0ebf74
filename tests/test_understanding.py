"""Citizens understood as a front-desk officer would (#16): their abbreviations and slang, one sentence
for a whole request, a question about the office from the middle of a form, a location pin, a sticker.
All through signed webhooks; the clock is Monday 23 November 2026, 10.00 WITA."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot.chat import ChatReader
from bot.models import InboundMessage
from bot.models.handoff import Handoff
from config.settings import CONFIG_DIR
from tests.support.visits import NIK, menu_number, register, visits

READER = ChatReader(CONFIG_DIR / "chat.yaml")
JPEG = b"\xff\xd8\xff\xe0x"


def to_the_purpose(whatsapp, runtime, standin) -> None:
    """A visit's registration up to the purpose step (up to the photo step without `standin`)."""
    whatsapp.send("halo")
    whatsapp.send(menu_number(runtime))
    for text in ("1", "Ketut Arsana", "1", NIK):
        whatsapp.send(text)
    if standin is not None:
        whatsapp.send("", media=((standin.add_media(JPEG, "image/jpeg"), "image/jpeg"),))


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime  # media from the stand-in, as Twilio serves it


@pytest.mark.parametrize(("typed", "read"), [
    ("sy mau ketemu pak kasi pidum bsk jam 10", "saya mau bertemu pak kasi pidum besok jam 10"),
    ("no telp kejari alor brp", "nomor telepon kejari alor berapa"),
    ("Makasihhh 🙏", "makasih terima kasih"),
    ("Okeee", "ok"), ("siaaap 👍🏻", "siap ok"), ("gak tau", "tidak tahu"), ("sabtu buka gak?", "sabtu buka tidak?"),
    ("2.", "2."), ("jam 10.30", "jam 10.30"),  # digits and punctuation stay: "2." is still option 2
    ("maaf, saat ini", "maaf, saat ini"),  # two of a letter are spelling, not stretching
])
def test_chat_is_read_as_the_words_it_means(typed, read):
    assert READER.read(typed) == read


# -- one sentence, the whole request --------------------------------------------------------------
def test_one_sentence_starts_a_visit_with_the_host_and_time_it_names(whatsapp, runtime, standin):
    answer = whatsapp.send("sy mau ketemu pak kasi pidum bsk jam 10")
    assert "Pegawai yang dituju" in answer.text and "Selasa, 24 November 2026 pukul 10.00 WITA" in answer.text
    assert "Apakah Anda setuju?" in answer.text  # consent still comes first (UU 27/2022)
    for text in ("ya", "Ketut Arsana", "1", NIK):
        whatsapp.send(text)
    whatsapp.send("", media=((standin.add_media(b"\xff\xd8\xff\xe0x", "image/jpeg"), "image/jpeg"),))
    confirm = whatsapp.send("Konsultasi perkara")  # the purpose; host and time are not asked again
    assert "Tindak Pidana Umum" in confirm.text and "10.00 WITA" in confirm.text
    whatsapp.send("1")
    [visit] = visits(runtime)
    assert visit.unit == "pidum" and visit.purpose == "Konsultasi perkara"
    assert visit.scheduled_at.replace(tzinfo=UTC) == datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def test_a_time_the_office_is_closed_is_asked_again_not_taken(whatsapp, runtime, standin):
    answer = whatsapp.send("mau bertemu kasi intel hari minggu jam 10")
    assert "• Waktu" not in answer.text and "Intelijen" in answer.text  # the host, not the Sunday
    for text in ("ya", "Ketut Arsana", "1", NIK):
        whatsapp.send(text)
    whatsapp.send("", media=((standin.add_media(b"\xff\xd8\xff\xe0x", "image/jpeg"), "image/jpeg"),))
    assert "tanggal dan jam" in whatsapp.send("Konsultasi perkara").text


def test_the_time_step_reads_abbreviations(whatsapp, runtime, standin):
    register(whatsapp, runtime, standin, when="bsk jm 10")
    [visit] = visits(runtime)
    assert visit.scheduled_at.replace(tzinfo=UTC) == datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def test_change_my_visit_in_words(whatsapp, runtime, standin):
    register(whatsapp, runtime, standin)
    answer = whatsapp.send("mau ganti jam kunjungan sy")
    assert "Kunjungan Anda" in answer.text and visits(runtime)[0].code in answer.text


def test_a_corruption_report_goes_to_intelligence_in_writing_at_a_kejaksaan(whatsapp):
    answer = whatsapp.send("sy mau lapor dugaan korupsi dana desa")
    assert "wajib disampaikan secara tertulis" in answer.text


def test_a_corruption_report_at_the_setda_is_a_complaint(whatsapp):
    answer = whatsapp.send("sy mau lapor dugaan korupsi dana desa", office="setda-klungkung")
    assert "Pengaduan Anda terkait apa?" in answer.text


@pytest.mark.parametrize("text", ["mau bicara dengan orang", "admin", "Sy mau bicara sama petugas aja"])
def test_asking_for_a_person_in_words_reaches_an_officer(whatsapp, runtime, text):
    assert "teruskan kepada petugas" in whatsapp.send(text).text
    with runtime.db.session() as session:
        assert session.scalars(select(Handoff)).one().reason == "asked"


def test_min_is_a_way_to_address_the_bot_not_a_request_for_a_person(whatsapp, runtime):
    answer = whatsapp.send("min, syarat hibah apa ya", office="setda-klungkung")
    assert "teruskan kepada petugas" not in answer.text and "Hibah" in answer.text


# -- questions about the office, answered where they are asked -------------------------------------
def test_open_on_saturday(whatsapp):
    answer = whatsapp.send("sabtu buka gak?")
    assert "Pada hari Sabtu, 28/11/2026, kantor kami *tutup*" in answer.text


def test_open_today(whatsapp):
    answer = whatsapp.send("hari ini buka ga kak")
    assert "Senin, 23/11/2026, kantor kami *buka* pukul 08.00–16.00 WITA" in answer.text


def test_the_phone_number_of_the_office_asked(whatsapp):
    answer = whatsapp.send("no telp kejari alor brp", office="kejari-alor")
    assert "081138201010" in answer.text and "Jam layanan" not in answer.text


@pytest.mark.parametrize("text", ["syarat datang ke kantor kejaksaan", "bawa apa", "harus bawa apa aja?"])
def test_visitor_rules_come_from_the_offices_own_sop(whatsapp, text):
    answer = whatsapp.send(text)
    assert "Membuka topi dan kacamata hitam" in answer.text  # seed 000, Klungkung's rules


def test_a_forbidden_item_is_named_by_its_rule(whatsapp):
    answer = whatsapp.send("boleh bawa pisau?", office="kejari-kapuas")
    assert "aturan kami: *Tidak diperbolehkan membawa senjata api, senjata tajam" in answer.text


def test_an_item_no_rule_covers_is_not_guessed(whatsapp):
    answer = whatsapp.send("boleh bawa pisau?")  # Klungkung's SOP says nothing about weapons
    assert "tidak tercantum dalam aturan kami" in answer.text and "081339151776" in answer.text


def test_an_english_question_is_answered_not_handed_off(whatsapp, runtime):
    answer = whatsapp.send("what are your opening hours?")
    assert "08.00" in answer.text and "teruskan kepada petugas" not in answer.text


def test_a_question_inside_a_form_is_answered_and_the_form_goes_on(whatsapp):
    whatsapp.send("halo")
    whatsapp.send("pengaduan")
    answer = whatsapp.send("jam buka kantor jam brp?")
    assert "Jam layanan" in answer.text and answer.text.rstrip().endswith("5. Lainnya")  # the question again
    assert "Persetujuan" in whatsapp.send("1").text or "setuju" in whatsapp.send("1").text.lower()


def test_a_journey_asked_for_inside_another_starts(whatsapp, runtime):
    whatsapp.send("halo")
    whatsapp.send(menu_number(runtime))  # the visit's consent
    answer = whatsapp.send("sy mau lapor aja")
    assert "Pengaduan Anda terkait apa?" in answer.text


def test_a_free_text_answer_is_never_taken_for_an_intent(whatsapp, runtime, standin):
    """At the purpose step "mau lapor kehilangan" is the purpose, not a complaint."""
    to_the_purpose(whatsapp, runtime, standin)
    answer = whatsapp.send("mau lapor kehilangan barang bukti")
    assert "pegawai yang ingin Anda temui" in answer.text


def test_thanks_in_the_middle_of_a_form_get_a_closing_and_the_question(whatsapp, runtime):
    whatsapp.send("halo")
    whatsapp.send("pengaduan")
    answer = whatsapp.send("Makasihhh 🙏")
    assert answer.messages[0].startswith("Sama-sama") and "Pengaduan Anda terkait apa?" in answer.text


# -- a location pin, a sticker ---------------------------------------------------------------------
def _pin(whatsapp, **kwargs):
    form = whatsapp.form("", **kwargs)
    form.update(Latitude="-8.5361", Longitude="115.4042", Label="Pasar Klungkung", Address="Jl. Puputan")
    return whatsapp.send_form(form)


def test_a_location_pin_gets_the_office_address_and_is_kept_in_the_transcript(whatsapp, runtime):
    whatsapp.send("halo")
    answer = _pin(whatsapp)
    assert "lokasi Anda sudah kami terima" in answer.text and "Jl. Gajah Mada No. 56" in answer.text
    with runtime.db.session() as session:
        row = session.scalars(select(InboundMessage).order_by(InboundMessage.id.desc())).first()
    assert row.location == {"latitude": -8.5361, "longitude": 115.4042, "label": "Pasar Klungkung",
                            "address": "Jl. Puputan"}
    assert row.body == "📍 Pasar Klungkung, Jl. Puputan (-8.536100, 115.404200)"


def test_a_location_pin_inside_a_form_repeats_its_question(whatsapp):
    whatsapp.send("halo")
    whatsapp.send("pengaduan")
    answer = _pin(whatsapp)
    assert "lokasi Anda sudah kami terima" in answer.text and "Pengaduan Anda terkait apa?" in answer.text


def test_a_location_pin_while_waiting_for_an_officer_is_kept_for_the_officer(whatsapp, runtime):
    whatsapp.send("petugas")
    answer = _pin(whatsapp)
    assert "lokasi Anda sudah kami terima" not in answer.text  # the officer reads it in the transcript


def test_a_pin_with_bad_coordinates_is_plain_text(whatsapp):
    form = whatsapp.form("")
    form.update(Latitude="abc", Longitude="999")
    answer = whatsapp.send_form(form)
    assert answer.status == 200 and "lokasi Anda" not in answer.text


def test_a_sticker_is_not_a_visitors_photo(whatsapp, runtime, standin):
    to_the_purpose(whatsapp, runtime, standin=None)
    answer = whatsapp.send("", media=((standin.add_media(b"RIFF....WEBP", "image/webp"), "image/webp"),))
    assert "*stiker*" in answer.text
    answer = whatsapp.send("", media=((standin.add_media(b"\xff\xd8\xff\xe0x", "image/jpeg"), "image/jpeg"),))
    assert "foto Anda sudah kami terima" in answer.text


@pytest.mark.parametrize(("text", "expected"), [
    ("tolong hapus data sy ya pak", "Ya, lanjutkan"), ("sy mau tarik persetujuan", "Ya, lanjutkan"),
    ("mau lihat data saya dong", "data"),
])
def test_rights_asked_politely(whatsapp, text, expected):
    answer = whatsapp.send(text)
    assert expected in answer.text and "belum memahami" not in answer.text


def test_not_sure_whom_but_the_unit_named(whatsapp, runtime, standin):
    """ "blm tau siapa, yg penting bagian barang bukti": the unit is taken, not asked again."""
    to_the_purpose(whatsapp, runtime, standin)
    whatsapp.send("Mengambil barang bukti")
    answer = whatsapp.send("blm tau siapa, yg penting bagian barang bukti")
    assert "tanggal dan jam" in answer.text
    whatsapp.send("besok jam 10")
    whatsapp.send("1")
    [visit] = visits(runtime)
    assert visit.unit == "pb3r"
