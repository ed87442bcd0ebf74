"""Every notice reaches its person the way WhatsApp allows, or says plainly why not: a host who never wrote
gets Loket's approved host-notice template and answers by a tap; each tap decides its own visit; a notice
waiting for a template is held with the precise reason and goes once the template is approved (or the
person writes), unless its moment has passed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import statuses
from bot.models import OutboundMessage
from bot.models.templates import WhatsAppTemplate
from bot.whatsapp import jobs, service
from tests.support.visits import CITIZEN, KAJARI, KASI_INTEL, guestbook_config, outbox_to, register, visits


@pytest.fixture
def config(config, tmp_path, standin):
    guestbook_config(config, tmp_path)
    config.TWILIO_CONTENT_API_URL = standin.url
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def sync_templates(runtime, standin, *, approve: bool) -> None:
    standin.auto_approve = approve
    report = service.run_sync(runtime)
    assert report.ok, report.as_dict()
    service.run_poll(runtime)


def approved_sid(runtime, kind: str, lang: str = "id") -> str:
    with runtime.db.session() as session:
        return session.scalar(select(WhatsAppTemplate.content_sid).where(
            WhatsAppTemplate.kind == kind, WhatsAppTemplate.lang == lang, WhatsAppTemplate.current.is_(True)))


def sent_to(standin, number: str):
    return [m for m in standin.messages if m.to == "whatsapp:" + number]


def row(runtime, outbox_id: int) -> OutboundMessage:
    with runtime.db.session() as session:
        return session.get(OutboundMessage, outbox_id)


def test_a_host_who_never_wrote_gets_the_template_taps_decline_gives_a_reason(whatsapp, runtime, standin, work):
    sync_templates(runtime, standin, approve=True)
    standin.close_window(KASI_INTEL)  # the Kasi Intel never wrote to the office number
    register(whatsapp, runtime, standin)
    work()
    [notice] = sent_to(standin, KASI_INTEL)
    assert notice.content_sid == approved_sid(runtime, "host_notice") and not notice.refused
    assert [b.title for b in notice.buttons] == ["Terima", "Tolak", "Usul waktu lain"]
    assert "Ketut Arsana" in notice.body and "Konsultasi laporan pengaduan" in notice.body

    answer = whatsapp.send_form(standin.tap_form(notice.sid, "decline"))
    assert "alasan singkat penolakan" in answer.text
    answer = whatsapp.send("Sedang sidang di pengadilan", from_=KASI_INTEL)
    [visit] = visits(runtime)
    assert visit.status == "declined" and visit.host_reason == "Sedang sidang di pengadilan"
    work()
    told = sent_to(standin, CITIZEN)[-1]
    assert "belum dapat diterima" in told.body and "Sedang sidang di pengadilan" in told.body


def test_each_tap_decides_its_own_visit_when_a_host_has_two_pending(whatsapp, runtime, standin, work):
    sync_templates(runtime, standin, approve=True)
    standin.close_window(KASI_INTEL)
    register(whatsapp, runtime, standin)
    register(whatsapp, runtime, standin, from_="+6281234500002", name="Made Wirawan", when="lusa jam 10")
    work()
    first, second = sent_to(standin, KASI_INTEL)
    assert "Made Wirawan" in second.body
    whatsapp.send_form(standin.tap_form(second.sid, "accept"))  # the later notice, tapped first
    one, two = visits(runtime)
    assert (one.status, two.status) == ("awaiting_host", "accepted")
    whatsapp.send_form(standin.tap_form(first.sid, "accept"))
    assert [v.status for v in visits(runtime)] == ["accepted", "accepted"]
    # A second tap on a notice already answered changes nothing and says so.
    answer = whatsapp.send_form(standin.tap_form(first.sid, "decline"))
    assert "sudah" in answer.text.lower() and [v.status for v in visits(runtime)] == ["accepted", "accepted"]


def test_a_tap_from_another_number_does_not_answer_the_visit(whatsapp, runtime, standin, work):
    sync_templates(runtime, standin, approve=True)
    register(whatsapp, runtime, standin)
    work()
    [notice] = sent_to(standin, KASI_INTEL)
    whatsapp.send_form(standin.tap_form(notice.sid, "accept", from_=KAJARI))
    assert visits(runtime)[0].status == "awaiting_host"


def test_held_for_a_pending_template_then_released_on_approval_but_not_a_past_reminder(
        whatsapp, runtime, standin, work, frozen_clock):
    sync_templates(runtime, standin, approve=False)
    register(whatsapp, runtime, standin, when="lusa jam 10")
    work()
    [notice] = outbox_to(runtime, KASI_INTEL, "host_notice")
    notice = row(runtime, notice.id)
    assert (notice.status, notice.error_code) == (statuses.HELD, statuses.TEMPLATE_PENDING)
    assert sent_to(standin, KASI_INTEL) == []
    # The day-before reminder is due later; by then the citizen's window has closed: held too.
    reminders = outbox_to(runtime, CITIZEN, "visit_reminder")
    frozen_clock.advance(hours=25)
    for reminder in reminders:
        runtime.sender.send(reminder.id)
    held = [row(runtime, r.id) for r in reminders]
    assert {(r.status, r.error_code) for r in held} == {(statuses.HELD, statuses.TEMPLATE_PENDING)}
    # The visit's time passes, then WhatsApp approves everything: the reminders are no use any more.
    frozen_clock.advance(hours=40)
    for content in standin.contents:
        standin.approve(content.sid)
    result = jobs.poll_approvals()
    work()
    assert all(row(runtime, r.id).status == statuses.HELD for r in reminders)
    assert not [m for m in sent_to(standin, CITIZEN) if m.content_sid]  # no reminder template went
    assert result["released"] == 0  # and the host notice's day is over too


def test_a_held_notice_goes_when_its_template_is_approved(whatsapp, runtime, standin, work):
    sync_templates(runtime, standin, approve=False)
    register(whatsapp, runtime, standin)
    work()
    [notice] = outbox_to(runtime, KASI_INTEL, "host_notice")
    assert row(runtime, notice.id).error_code == statuses.TEMPLATE_PENDING
    sid = approved_sid(runtime, "host_notice")
    standin.approve(sid)
    result = jobs.poll_approvals()
    work()
    assert result["released"] == 1
    [sent] = sent_to(standin, KASI_INTEL)
    assert sent.content_sid == sid and row(runtime, notice.id).status not in (statuses.HELD, statuses.FAILED)


def test_a_held_notice_goes_as_text_when_the_host_writes(whatsapp, runtime, standin, work):
    register(whatsapp, runtime, standin)  # no template was ever synced
    work()
    [notice] = outbox_to(runtime, KASI_INTEL, "host_notice")
    assert row(runtime, notice.id).error_code == statuses.NO_TEMPLATE
    whatsapp.send("halo", from_=KASI_INTEL)  # a host who writes "halo" after the notice was held
    work()
    [sent] = sent_to(standin, KASI_INTEL)
    assert sent.content_sid is None and "1. Terima" in sent.body


def test_a_rejected_template_holds_with_its_reason(whatsapp, runtime, standin, work):
    sync_templates(runtime, standin, approve=False)
    standin.reject(approved_sid(runtime, "host_notice"), "INVALID_FORMAT")
    service.run_poll(runtime)
    register(whatsapp, runtime, standin)
    work()
    [notice] = outbox_to(runtime, KASI_INTEL, "host_notice")
    assert row(runtime, notice.id).error_code == statuses.TEMPLATE_REJECTED


def test_an_english_reader_gets_the_indonesian_template_when_english_is_not_approved(runtime, standin, work):
    sync_templates(runtime, standin, approve=False)
    standin.approve(approved_sid(runtime, "visit_reminder", "id"))
    service.run_poll(runtime)
    office = runtime.offices.get("kejari-klungkung")
    with runtime.db.session() as session:
        [notice] = runtime.outbox.record_notice(
            session, office=office, to=CITIZEN, body="Reminder", kind="visit_reminder", lang="en",
            template_values={"office": office.name, "when": "Monday", "code": "K7PX4M"})
        session.commit()
        outbox_id = notice.id
    runtime.outbox.enqueue([outbox_id])
    work()
    [sent] = sent_to(standin, CITIZEN)
    assert sent.content_sid == approved_sid(runtime, "visit_reminder", "id") and "K7PX4M" in sent.body


def test_an_expired_notice_is_dropped_not_sent(runtime, standin, work, frozen_clock):
    office = runtime.offices.get("kejari-klungkung")
    with runtime.db.session() as session:
        [notice] = runtime.outbox.record_notice(
            session, office=office, to=CITIZEN, body="Besok", kind="visit_reminder", lang="id",
            template_values={"code": "K7PX4M"}, expires_at=frozen_clock.now() + timedelta(minutes=5))
        session.commit()
        outbox_id = notice.id
    frozen_clock.advance(minutes=10)
    assert runtime.sender.send(outbox_id) == "canceled"
    assert row(runtime, outbox_id).error_code == statuses.EXPIRED and sent_to(standin, CITIZEN) == []
