"""Visit pre-registration on WhatsApp, as transcripts: consent, each question with its correction,
the confirmation, the code with its QR image, the records (NIK masked everywhere), my visits."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, text

from bot.db import Base
from bot.models import InboundMessage, OutboundMessage
from bot.models.visits import Consent, VisitEvent, VisitPhoto
from flows import visit as visit_flow
from tests.support.visits import (
    CITIZEN,
    DESK,
    KASI_INTEL,
    NIK,
    NIK_MASKED,
    converse,
    make_config_dir,
    menu_number,
    outbox_to,
    register,
    visits,
)


@pytest.fixture
def config(config, tmp_path):
    config.CONFIG_DIR = make_config_dir(tmp_path / "config")
    config.MEDIA_DIR = str(tmp_path / "media")
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def test_the_diagram_shows_exactly_the_flow_steps():
    diagram = (Path(visit_flow.__file__).with_suffix(".mmd")).read_text(encoding="utf-8")
    states = set(re.findall(r"^\s*(\w+) -->", diagram, re.M)) | set(re.findall(r"--> (\w+)", diagram))
    assert states == {step.value for step in visit_flow.Step}


def test_visit_menu_entry_is_listed_at_its_place(runtime):
    labels = [e.label_key for e in runtime.registry.menu_entries()]
    assert "visit.menu" in labels
    assert labels.index("visit.menu") < labels.index("menu.office_info")


def test_full_registration_transcript(whatsapp, runtime, standin, client):
    photo_url = standin.add_media(b"\xff\xd8\xff\xe0jpeg", "image/jpeg")
    converse(whatsapp, [
        ("halo", ["*Menu utama*", "Daftar kunjungan / janji temu"]),
        (menu_number(runtime), ["Persetujuan penggunaan data pribadi", "UU No. 27 Tahun 2022", "365 hari",
                                "foto diri", "1. Ya, saya setuju"]),
        ("iya", ["nama lengkap"]),
        ("K3tut", ["huruf saja"]),
        ("Ketut Arsana", ["Kartu identitas apa", "1. KTP (NIK)", "4. Kartu BPJS"], ["Kartu Keluarga"]),
        ("KTP", ["nomor KTP (NIK)"]),
        ("51710101019000", ["*16 angka*", "14 angka"]),
        ("0071010101900001", ["kode wilayah"]),
        ("5171013501900001", ["tanggal lahir"]),
        ("5171 0101 0190 0001", [NIK_MASKED, "foto diri"], [NIK]),
        ("ini foto saya", ["sebagai gambar"]),
    ])
    answer = whatsapp.send("", media=((photo_url, "image/jpeg"),))
    assert "foto Anda sudah kami terima" in answer.text and "keperluan" in answer.text
    converse(whatsapp, [
        ("abc", ["5–500 karakter"]),
        ("Konsultasi laporan pengaduan", ["pegawai yang ingin Anda temui"]),
        ("kasi intel", ["Ni Luh Putu Ayu Lestari (Kepala Seksi Intelijen)", "tanggal dan jam", "WITA"]),
        ("sabtu jam 10", ["tidak melayani tamu pada hari tersebut", "pada hari Senin–Jumat, kecuali hari libur",
                          "besok jam 10"]),
        ("besok jam 7", ["di luar jam layanan (08.00–16.00)"]),
        ("hari ini jam 9", ["sudah lewat"]),
        ("25 desember jam 10", ["hari libur nasional", "Natal"]),
        ("besok", ["sertakan *jam*"]),
        ("besok jam 10", ["Mohon periksa data", "Ketut Arsana", "KTP (NIK) 5171********0001",
                          "Selasa, 24 November 2026 pukul 10.00 WITA", "Konsultasi laporan pengaduan"]),
    ])
    answer = whatsapp.send("1")
    code = re.search(r"Kode kunjungan: \*([A-Z0-9]{6})\*", answer.text).group(1)
    assert set(code) <= set("ACDEFGHJKMNPQRTUVWXY34679")
    assert "Membuka topi dan kacamata hitam" in answer.text and "*tidak dipungut biaya*" in answer.text
    qr = answer.media[0][0]
    assert qr.startswith("https://loket.test/media/qr/kejari-klungkung." + code + ".")
    image = client.get(qr.removeprefix("https://loket.test"))
    assert image.status_code == 200 and image.mimetype == "image/png" and image.data[:4] == b"\x89PNG"
    forged = qr.removeprefix("https://loket.test").replace(code, "AAAAAA")
    assert client.get(forged).status_code == 404

    [visit] = visits(runtime)
    assert (visit.code, visit.name, visit.id_type, visit.id_masked, visit.status) == (
        code, "Ketut Arsana", "ktp", NIK_MASKED, "awaiting_host")
    assert visit.host_phone == KASI_INTEL and visit.unit == "intelijen"
    assert visit.scheduled_at.replace(tzinfo=UTC) == datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
    assert len(visit.id_hash) == 64 and NIK not in visit.id_hash
    with runtime.db.session() as session:
        assert session.get(Consent, visit.consent_id).accepted is True
        assert session.get(VisitPhoto, visit.photo_id).source_url == photo_url
        kinds = [e.kind for e in session.scalars(select(VisitEvent).where(VisitEvent.visit_id == visit.id))]
    assert kinds == ["created", "host_notified"]
    [notice] = outbox_to(runtime, KASI_INTEL, "host_notice")
    assert "Ketut Arsana" in notice.body and NIK_MASKED in notice.body and "1. Terima" in notice.body
    # The day-before reminder would be now (not sent); the one-hour reminder is scheduled.
    [reminder] = outbox_to(runtime, CITIZEN, "visit_reminder")
    assert reminder.next_attempt_at.replace(tzinfo=UTC) == datetime(2026, 11, 24, 1, 0, tzinfo=UTC)
    assert visit.reminder_outbox_ids == [reminder.id]


def test_the_full_nik_is_stored_nowhere(whatsapp, runtime, standin):
    register(whatsapp, runtime, standin)
    found = []
    with runtime.db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            for row in conn.execute(table.select()):
                if NIK in " ".join(str(v) for v in row):
                    found.append(table.name)
    assert found == []
    with runtime.db.session() as session:
        bodies = list(session.scalars(select(InboundMessage.body)))
    assert NIK_MASKED in bodies
    assert all(NIK not in (key or "") for key in runtime.redis.keys("*") for key in [key.decode()])
    for key in runtime.redis.keys("loket:conv:*"):
        assert NIK not in runtime.redis.get(key).decode()


def test_consent_refused_ends_politely_and_asks_nothing(whatsapp, runtime):
    whatsapp.send("halo")
    whatsapp.send(menu_number(runtime))
    answer = whatsapp.send("tidak")
    assert "Data Anda tidak kami minta" in answer.text and "081339151776" in answer.text
    assert "nama lengkap" not in answer.text
    with runtime.db.session() as session:
        [consent] = session.scalars(select(Consent)).all()
    assert (consent.accepted, consent.text_version, consent.lang) == (False, visit_flow.CONSENT_VERSION, "id")
    assert "*Menu utama*" in whatsapp.send("menu").text


def test_consent_in_english(whatsapp, runtime):
    whatsapp.send("english")
    answer = whatsapp.send(menu_number(runtime))
    assert "Consent to the use of personal data" in answer.text and "Law No. 27 of 2022" in answer.text
    assert "full name" in whatsapp.send("yes").text


@pytest.mark.parametrize(("typed", "expected"), [
    ("Made", "I Made Sudarsana (Kepala Kejaksaan Negeri)"),
    ("pak kajari", "I Made Sudarsana (Kepala Kejaksaan Negeri)"),
    ("Bu Ayu Lestari", "Ni Luh Putu Ayu Lestari"),
    ("kasi pidum", "Komang Wirawan"),
])
def test_host_is_matched_fuzzily(whatsapp, runtime, standin, typed, expected):
    register(whatsapp, runtime, standin, host=typed)
    assert visits(runtime)[0].host_name in expected


def test_ambiguous_name_asks_which_and_unknown_asks_the_unit(whatsapp, runtime, standin):
    whatsapp.send("halo")
    whatsapp.send(menu_number(runtime))
    for sent in ("1", "Ketut Arsana", "1", NIK):
        whatsapp.send(sent)
    whatsapp.send("", media=((standin.add_media(b"x", "image/png"), "image/png"),))
    whatsapp.send("Konsultasi hukum perdata")
    answer = whatsapp.send("Komang")
    assert "beberapa pegawai" in answer.text and "Komang Wirawan" in answer.text and "Komang Wiratama" in answer.text
    answer = whatsapp.send("3")
    assert "bagian/seksi" in answer.text and "Seksi Perdata dan Tata Usaha Negara" in answer.text
    answer = whatsapp.send("6")  # datun: its head has no WhatsApp number
    assert "tanggal dan jam" in answer.text
    whatsapp.send("lusa jam 13.00")
    assert "Kunjungan Anda sudah terdaftar" in whatsapp.send("1").text
    [visit] = visits(runtime)
    assert (visit.unit, visit.host_name, visit.host_phone) == ("datun", "Gede Suparta", None)
    [desk] = outbox_to(runtime, DESK, "desk_escalation")
    assert "belum memiliki nomor WhatsApp" in desk.body and NIK_MASKED in desk.body
    # Both reminders are ahead: the day before and one hour before.
    assert len(outbox_to(runtime, CITIZEN, "visit_reminder")) == 2


def test_dont_know_goes_to_the_unit_list(whatsapp, runtime, standin):
    whatsapp.send("halo")
    whatsapp.send(menu_number(runtime))
    for sent in ("1", "Ketut Arsana", "2", "123456789012"):  # SIM: 12 digits
        whatsapp.send(sent)
    whatsapp.send("", media=((standin.add_media(b"x", "image/jpeg"), "image/jpeg"),))
    whatsapp.send("Mengambil barang bukti")
    answer = whatsapp.send("tidak tahu")
    assert "bagian/seksi" in answer.text
    assert "tanggal dan jam" in whatsapp.send("7").text
    whatsapp.send("lusa jam 10")
    whatsapp.send("1")
    [visit] = visits(runtime)
    assert (visit.id_type, visit.id_masked, visit.unit) == ("sim", "********9012", "pb3r")


def test_a_document_is_not_a_photo(whatsapp, runtime, standin):
    whatsapp.send("halo")
    whatsapp.send(menu_number(runtime))
    for sent in ("1", "Ketut Arsana", "1", NIK):
        whatsapp.send(sent)
    answer = whatsapp.send("", media=((standin.add_media(b"%PDF", "application/pdf"), "application/pdf"),))
    assert "JPG atau PNG" in answer.text
    with runtime.db.session() as session:
        assert session.scalars(select(VisitPhoto)).all() == []


def test_my_visits_change_then_cancel(whatsapp, runtime, standin):
    register(whatsapp, runtime, standin, when="lusa jam 10")
    [visit] = visits(runtime)
    old_reminders = list(visit.reminder_outbox_ids)
    assert len(old_reminders) == 2
    whatsapp.send("menu")
    answer = whatsapp.send(menu_number(runtime))
    assert "1. Daftar kunjungan baru" in answer.text and "2. Kunjungan saya" in answer.text
    answer = whatsapp.send("2")
    assert visit.code in answer.text and "menunggu jawaban pegawai" in answer.text
    answer = whatsapp.send("1")
    assert "1. Ubah waktu kunjungan" in answer.text and "2. Batalkan kunjungan" in answer.text
    whatsapp.send("1")
    answer = whatsapp.send("kamis jam 11")
    assert "Kamis, 26 November 2026 pukul 11.00 WITA" in answer.text
    [visit] = visits(runtime)
    assert visit.scheduled_at.replace(tzinfo=UTC) == datetime(2026, 11, 26, 3, 0, tzinfo=UTC)
    assert visit.notice_round == 2 and visit.status == "awaiting_host"
    with runtime.db.session() as session:
        statuses = dict(session.execute(select(OutboundMessage.id, OutboundMessage.status).where(
            OutboundMessage.id.in_(old_reminders))).all())
    assert set(statuses.values()) == {"canceled"}
    assert len(outbox_to(runtime, KASI_INTEL, "host_notice")) == 2

    whatsapp.send(menu_number(runtime))
    whatsapp.send("2")
    whatsapp.send("1")
    answer = whatsapp.send("2")
    assert "yakin" in answer.text
    answer = whatsapp.send("ya")
    assert f"Kunjungan *{visit.code}* telah dibatalkan" in answer.text
    [visit] = visits(runtime)
    assert visit.status == "cancelled"
    with runtime.db.session() as session:
        pending = session.scalars(select(OutboundMessage.status).where(
            OutboundMessage.id.in_(visit.reminder_outbox_ids or [0]))).all()
        kinds = [e.kind for e in session.scalars(select(VisitEvent).where(VisitEvent.visit_id == visit.id))]
    assert pending == [] or set(pending) == {"canceled"}
    assert kinds[-1] == "cancelled" and "rescheduled" in kinds
    assert "membatalkan kunjungan" in outbox_to(runtime, KASI_INTEL, "visit_cancelled")[0].body
    # With nothing ahead, the menu entry goes straight to the consent.
    assert "Persetujuan" in whatsapp.send(menu_number(runtime)).text


def test_codes_are_unique_per_office(whatsapp, runtime, standin):
    register(whatsapp, runtime, standin)
    register(whatsapp, runtime, standin, from_="+6281234500002")
    codes = [v.code for v in visits(runtime)]
    assert len(codes) == 2 and len(set(codes)) == 2
    with runtime.db.engine.connect() as conn:
        unique = conn.execute(text("SELECT COUNT(DISTINCT office || code) FROM visits")).scalar()
    assert unique == 2


def test_a_visit_for_a_service_starts_from_its_card_and_skips_the_purpose(whatsapp, runtime, standin):
    whatsapp.send("halo")
    whatsapp.send(menu_number(runtime, "services.menu_label"))  # Klungkung: one service, straight to its card
    card = whatsapp.send("7")
    assert "1. Ya, saya setuju" in card.text  # consent first
    for answer in ("1", "Ketut Arsana", "1", NIK):
        whatsapp.send(answer)
    url = standin.add_media(b"\xff\xd8\xff\xe0fakejpeg", "image/jpeg")
    after_photo = whatsapp.send("", media=((url, "image/jpeg"),))
    assert "Apa *keperluan* kunjungan Anda?" not in after_photo.text  # the service is the purpose
    assert "*pegawai yang ingin Anda temui*" in after_photo.text
    whatsapp.send("kasi intel")
    whatsapp.send("besok jam 10")
    whatsapp.send("1")
    [visit] = visits(runtime)
    assert visit.purpose == "Pelayanan Terpadu Satu Pintu (PTSP) Klungkung"


def test_the_nik_never_reaches_a_log_line(whatsapp, runtime, standin, work, caplog):
    import logging

    caplog.set_level(logging.DEBUG)
    register(whatsapp, runtime, standin)
    work()
    assert NIK not in caplog.text
    assert caplog.records  # the run did log, so the assertion above could have failed


def test_the_same_words_mean_each_offices_own_time(whatsapp, runtime, standin):
    """Klungkung is WITA (UTC+8), Kapuas WIB (UTC+7): "besok jam 10" is an hour apart in UTC."""
    register(whatsapp, runtime, standin)  # Klungkung, host by title
    office = "kejari-kapuas"
    for answer in ("halo", menu_number(runtime), "1", "Made Wirawan", "1", NIK):
        whatsapp.send(answer, office=office)
    url = standin.add_media(b"\xff\xd8\xff\xe0fakejpeg", "image/jpeg")
    whatsapp.send("", office=office, media=((url, "image/jpeg"),))
    whatsapp.send("Menanyakan perkembangan laporan", office=office)
    assert "bagian/seksi" in whatsapp.send("tidak tahu", office=office).text  # no name: choose a unit
    assert "(waktu WIB)" in whatsapp.send("3", office=office).text
    whatsapp.send("besok jam 10", office=office)
    assert "Kunjungan Anda sudah terdaftar" in whatsapp.send("1", office=office).text
    klungkung, kapuas = visits(runtime)
    assert (klungkung.office, kapuas.office) == ("kejari-klungkung", "kejari-kapuas")
    assert klungkung.scheduled_at.hour == 2 and kapuas.scheduled_at.hour == 3  # both 10.00 local, stored UTC
