"""The host's side, as transcripts: the notice, the numbered or worded answer (typos too), several
pending visits, a host who is also a citizen, the outcome told to the citizen, a proposed time
accepted or refused, redirecting to the Kajari, templates outside the window, reminder and escalation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select

from bot.models import OutboundMessage
from bot.models.visits import VisitEvent
from bot.visits import jobs
from tests.support.visits import (
    CITIZEN,
    DESK,
    KAJARI,
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

TEMPLATE_SID = "HX" + "a" * 32


@pytest.fixture
def config(config, tmp_path):
    config.CONFIG_DIR = make_config_dir(tmp_path / "config", templates={
        "host_notice": {"content_sid": TEMPLATE_SID, "variables": {"1": "office", "2": "guest", "3": "when",
                                                                    "4": "identity", "5": "code"}},
        "visit_outcome": {"content_sid": "", "variables": {"1": "code"}}})
    config.MEDIA_DIR = str(tmp_path / "media")
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


@pytest.fixture
def routed_callbacks(standin, client):
    """Status callbacks from the stand-in go into our app, signed, through the test client."""

    def sink(url, params, headers):
        parts = urlsplit(url)
        return client.post(parts.path + (f"?{parts.query}" if parts.query else ""), data=params, headers=headers)

    standin.callback_sink = sink
    return standin


def events(runtime, visit_id) -> list[tuple[str, str]]:
    with runtime.db.session() as session:
        return [(e.kind, e.actor) for e in session.scalars(
            select(VisitEvent).where(VisitEvent.visit_id == visit_id).order_by(VisitEvent.id))]


def citizen_notices(runtime) -> list[OutboundMessage]:
    return outbox_to(runtime, CITIZEN, "visit_outcome")


def test_host_accepts_with_a_number_and_the_citizen_is_told(whatsapp, runtime, standin):
    register(whatsapp, runtime, standin)
    answer = whatsapp.send("1", from_=KASI_INTEL)
    assert "Terima kasih" in answer.text and "ruang penerimaan tamu" in answer.text
    [visit] = visits(runtime)
    assert (visit.status, visit.host_answer) == ("accepted", "accept")
    assert events(runtime, visit.id)[-1] == ("accept", "host:kasi-intel")
    [told] = citizen_notices(runtime)
    assert visit.code in told.body and "diterima oleh Ni Luh Putu Ayu Lestari" in told.body
    # Answered: the reminder and the escalation find nothing to do.
    assert jobs.host_followup(visit.id, visit.notice_round, "remind") == "answered"
    assert jobs.host_followup(visit.id, visit.notice_round, "escalate") == "answered"


@pytest.mark.parametrize(("reply", "reason"), [
    ("tolak, sedang sidang", "sedang sidang"),
    ("Tidak bisa, ada rapat dengan Bupati", "ada rapat dengan Bupati"),
])
def test_host_declines_in_words_with_the_reason(whatsapp, runtime, standin, reply, reason):
    register(whatsapp, runtime, standin, when="lusa jam 10")
    answer = whatsapp.send(reply, from_=KASI_INTEL)
    assert "secara santun" in answer.text
    [visit] = visits(runtime)
    assert (visit.status, visit.host_reason, visit.reminder_outbox_ids) == ("declined", reason, [])
    [told] = citizen_notices(runtime)
    assert f"({reason})" in told.body and "Mohon maaf" in told.body
    with runtime.db.session() as session:
        reminders = session.scalars(select(OutboundMessage.status).where(
            OutboundMessage.kind == "visit_reminder")).all()
    assert set(reminders) == {"canceled"}


def test_host_declines_then_gives_the_reason(whatsapp, runtime, standin):
    register(whatsapp, runtime, standin)
    converse(whatsapp, [
        ("2", ["alasan singkat"]),
        ("sedang dinas luar kota", ["secara santun"]),
    ], from_=KASI_INTEL)
    [visit] = visits(runtime)
    assert (visit.status, visit.host_reason) == ("declined", "sedang dinas luar kota")


def test_host_proposes_a_time_and_the_citizen_accepts(whatsapp, runtime, standin):
    register(whatsapp, runtime, standin)
    answer = whatsapp.send("lusa jam 11 saja", from_=KASI_INTEL)
    assert "Rabu, 25 November 2026 pukul 11.00 WITA" in answer.text
    [visit] = visits(runtime)
    assert visit.status == "proposed"
    assert visit.proposed_at.replace(tzinfo=UTC) == datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    [told] = citizen_notices(runtime)
    assert "mengusulkan waktu lain" in told.body and "1. Ya, setuju" in told.body
    answer = whatsapp.send("1")  # the citizen, at the menu
    assert "kini dijadwalkan pada Rabu, 25 November 2026 pukul 11.00 WITA" in answer.text
    [visit] = visits(runtime)
    assert visit.status == "accepted"
    assert visit.scheduled_at.replace(tzinfo=UTC) == datetime(2026, 11, 25, 3, 0, tzinfo=UTC)
    assert len(visit.reminder_outbox_ids) == 2
    assert "menyetujui waktu usulan" in outbox_to(runtime, KASI_INTEL, "host_proposal_answer")[-1].body
    assert events(runtime, visit.id)[-1] == ("proposal_accepted", "citizen")


def test_host_proposes_after_option_3_and_the_citizen_refuses_from_my_visits(whatsapp, runtime, standin,
                                                                            frozen_clock):
    register(whatsapp, runtime, standin)
    converse(whatsapp, [
        ("3", ["tanggal dan jam yang Bapak/Ibu usulkan"]),
        ("minggu jam 10", ["tidak melayani tamu pada hari tersebut", "tanggal dan jam"]),
        ("kamis pukul 09.30", ["Kamis, 26 November 2026 pukul 09.30 WITA"]),
    ], from_=KASI_INTEL)
    frozen_clock.advance(minutes=2)
    whatsapp.send("menu")  # after this, a bare number is a menu choice again, not an answer to the proposal
    frozen_clock.advance(minutes=1)
    whatsapp.send(menu_number(runtime))
    answer = whatsapp.send("2")
    assert "pegawai mengusulkan waktu lain" in answer.text and "Kamis, 26 November" in answer.text
    answer = whatsapp.send("1")
    assert "1. Setujui waktu yang diusulkan" in answer.text
    answer = whatsapp.send("2")
    assert "tidak kami lanjutkan" in answer.text
    [visit] = visits(runtime)
    assert visit.status == "cancelled"
    assert "tidak dapat hadir" in outbox_to(runtime, KASI_INTEL, "host_proposal_answer")[-1].body


@pytest.mark.parametrize("reply", ["siap", "ok", "Siaaap 👍", "oke pak", "👍"])
def test_host_accepts_in_the_words_hosts_use(whatsapp, runtime, standin, reply):
    register(whatsapp, runtime, standin)
    assert "Terima kasih" in whatsapp.send(reply, from_=KASI_INTEL).text
    [visit] = visits(runtime)
    assert (visit.status, visit.host_answer) == ("accepted", "accept")


def test_kasi_intel_hands_the_guest_to_the_kajari_who_accepts(whatsapp, runtime, standin):
    """Seed 003: the Kasi Intel decides whether the Kajari receives the guest."""
    register(whatsapp, runtime, standin)
    converse(whatsapp, [
        ("4", ["Kepada siapa"]),
        ("Pak Kajari", ["kami alihkan kepada I Made Sudarsana"]),
    ], from_=KASI_INTEL)
    [visit] = visits(runtime)
    assert (visit.status, visit.host_phone, visit.host_name, visit.notice_round) == (
        "awaiting_host", KAJARI, "I Made Sudarsana", 2)
    [notice] = outbox_to(runtime, KAJARI, "host_notice")
    assert visit.code in notice.body and NIK_MASKED in notice.body
    assert "akan diterima oleh I Made Sudarsana" in citizen_notices(runtime)[0].body
    whatsapp.send("oke", from_=KAJARI)
    [visit] = visits(runtime)
    assert visit.status == "accepted"
    assert [k for k, _ in events(runtime, visit.id)] == [
        "created", "host_notified", "redirect", "host_notified", "accept"]


def test_host_with_several_pending_visits_is_asked_which(whatsapp, runtime, standin):
    register(whatsapp, runtime, standin)
    register(whatsapp, runtime, standin, from_="+6281234500002", name="Wayan Sukerta", when="lusa jam 10")
    first, second = visits(runtime)
    answer = whatsapp.send("terima", from_=KASI_INTEL)
    assert "beberapa tamu" in answer.text and first.code in answer.text and second.code in answer.text
    assert "Wayan Sukerta" in answer.text
    whatsapp.send("2", from_=KASI_INTEL)
    first, second = visits(runtime)
    assert (first.status, second.status) == ("awaiting_host", "accepted")
    # Naming the code picks the visit at once.
    whatsapp.send(f"tolak {first.code} sedang cuti", from_=KASI_INTEL)
    first, _ = visits(runtime)
    assert (first.status, first.host_reason) == ("declined", "sedang cuti")


def test_a_host_who_is_also_a_citizen_keeps_both_conversations(whatsapp, runtime, standin):
    whatsapp.send("halo", from_=KASI_INTEL)
    whatsapp.send(menu_number(runtime), from_=KASI_INTEL)
    assert "nama lengkap" in whatsapp.send("1", from_=KASI_INTEL).text  # consent given, at NAME
    register(whatsapp, runtime, standin)  # a citizen registers to meet the Kasi Intel
    answer = whatsapp.send("trima", from_=KASI_INTEL)  # a typo, still an answer to the notice
    assert "ruang penerimaan tamu" in answer.text
    [visit] = visits(runtime)
    assert visit.status == "accepted"
    # Back where the Kasi Intel's own registration was: the next message is their name.
    answer = whatsapp.send("Ni Luh Putu Ayu Lestari", from_=KASI_INTEL)
    assert "Kartu identitas apa" in answer.text


def test_messages_that_are_not_answers_go_to_the_hosts_own_conversation(whatsapp, runtime, standin):
    register(whatsapp, runtime, standin)
    answer = whatsapp.send("selamat pagi", from_=KASI_INTEL)
    assert "*Menu utama*" in answer.text
    assert visits(runtime)[0].status == "awaiting_host"


def test_host_notice_is_a_template_outside_the_window_and_freeform_inside(whatsapp, runtime, standin, work):
    register(whatsapp, runtime, standin)
    [notice] = outbox_to(runtime, KASI_INTEL, "host_notice")
    assert notice.content_sid == TEMPLATE_SID
    assert notice.content_variables["2"] == "Ketut Arsana" and notice.content_variables["4"] == f"KTP {NIK_MASKED}"
    work()
    sent = [m for m in standin.messages if m.to == "whatsapp:" + KASI_INTEL]
    assert len(sent) == 1 and sent[0].content_sid == TEMPLATE_SID
    assert all(NIK not in (m.body or "") and NIK not in str(m.content_variables) for m in standin.messages)
    # The host writes to the office: the window opens, the next notice goes freeform. The row carries
    # its template all the same: whether the window is open is decided when it is sent.
    whatsapp.send("selamat pagi", from_=KASI_INTEL)
    register(whatsapp, runtime, standin, from_="+6281234500002", when="lusa jam 10")
    work()
    latest = [m for m in standin.messages if m.to == "whatsapp:" + KASI_INTEL][-1]
    assert latest.content_sid is None and "1. Terima" in latest.body


def test_followups_are_scheduled_at_the_configured_minutes(whatsapp, runtime, standin, config):
    config.HOST_REMIND_MINUTES = 5
    config.HOST_ESCALATE_MINUTES = 15
    register(whatsapp, runtime, standin)
    [visit] = visits(runtime)
    registry = runtime.outbox.queue.scheduled_job_registry
    followups = {}
    for job_id in registry.get_job_ids():
        job = runtime.outbox.queue.fetch_job(job_id)
        if job.func_name == "bot.visits.jobs.host_followup":
            followups[job.args[2]] = (job.args, registry.get_scheduled_time(job))
    start = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    assert followups["remind"] == ((visit.id, 1, "remind"), start + timedelta(minutes=5))
    assert followups["escalate"] == ((visit.id, 1, "escalate"), start + timedelta(minutes=15))


def test_unread_notice_gets_a_reminder_then_the_desk_is_alerted(whatsapp, runtime, standin, work, routed_callbacks,
                                                                frozen_clock):
    register(whatsapp, runtime, standin)
    work()
    [visit] = visits(runtime)
    frozen_clock.advance(minutes=10)
    assert jobs.host_followup(visit.id, 1, "remind") == "host_reminded"
    [reminder] = outbox_to(runtime, KASI_INTEL, "host_reminder")
    assert "belum dibaca" in reminder.body and visit.code in reminder.body
    # The host reads the notice (status callbacks) but does not answer.
    [sent] = [m for m in standin.messages if m.to == "whatsapp:" + KASI_INTEL]
    for status in ("sent", "delivered", "read"):
        standin.send_status(sent.sid, status)
    frozen_clock.advance(minutes=10)
    assert jobs.host_followup(visit.id, 1, "escalate") == "escalated"
    [alert] = outbox_to(runtime, DESK, "desk_escalation")
    assert "sudah dibaca, belum dijawab" in alert.body and "Ni Luh Putu Ayu Lestari" in alert.body
    assert NIK_MASKED in alert.body and NIK not in alert.body
    [visit] = visits(runtime)
    assert visit.escalated_at is not None
    assert [k for k, _ in events(runtime, visit.id)][-2:] == ["host_reminded", "escalated"]
    # A stale round (the visit was re-notified since) does nothing.
    assert jobs.host_followup(visit.id, 0, "remind") == "answered"


def test_read_notice_reminder_says_it_waits_for_an_answer(whatsapp, runtime, standin):
    register(whatsapp, runtime, standin)
    [visit] = visits(runtime)
    with runtime.db.session() as session:
        runtime.outbox.advance(session, visit.host_notice_outbox_id, "read")
        session.commit()
    jobs.host_followup(visit.id, 1, "remind")
    assert "masih menunggu jawaban" in outbox_to(runtime, KASI_INTEL, "host_reminder")[0].body


def test_outcome_is_told_in_the_citizens_language(whatsapp, runtime, standin):
    whatsapp.send("english")
    whatsapp.send(menu_number(runtime))
    for sent in ("yes", "Ketut Arsana", "1", NIK):
        whatsapp.send(sent)
    whatsapp.send("", media=((standin.add_media(b"x", "image/jpeg"), "image/jpeg"),))
    for sent in ("Legal consultation", "kasi intel", "tomorrow at 10"):
        whatsapp.send(sent)
    answer = whatsapp.send("1")
    assert "Your visit is registered" in answer.text and "Tuesday, 24 November 2026 at 10.00 WITA" in answer.text
    whatsapp.send("tolak, sedang sidang", from_=KASI_INTEL)
    [told] = citizen_notices(runtime)
    assert "We are sorry" in told.body and "(sedang sidang)" in told.body


def test_employee_rows_are_synced_from_the_file(runtime):
    from bot.models.visits import Employee

    office = runtime.offices.get("kejari-klungkung")
    staff = runtime.deps.directory.staff(office)
    assert [e.key for e in staff.desk_officers] == ["ptsp-1"] and staff.get("kajari").whatsapp == KAJARI
    with runtime.db.session() as session:
        rows = {e.key: e for e in session.scalars(select(Employee).where(Employee.office == office.slug))}
    assert len(rows) == 6 and rows["ptsp-1"].role == "desk" and rows["kajari"].whatsapp == KAJARI
    assert all(row.managed_by == "file" and row.active for row in rows.values())
