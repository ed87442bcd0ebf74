"""Complaint handling as the dashboard will call it: tickets, steps with who and when, notices,
SP4N-LAPOR! clocks in working days, and the automatic close through a real RQ worker."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

import pytest
from rq import Queue
from sqlalchemy import select

from bot import runtime as runtime_module
from bot.complaints import InvalidTransition, deadlines, service
from bot.complaints.deadlines import Targets
from bot.db import Database
from bot.models import OutboundMessage
from bot.models.complaints import Complaint, ComplaintEvent
from bot.models.survey import SurveyInvitation
from tests.support.whatsapp import CITIZEN

OFFICE = "kejari-klungkung"
MONDAY_10_WITA = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


@pytest.fixture
def office(runtime):
    return runtime.offices.get(OFFICE)


def file(runtime, office, category="service", **draft) -> Complaint:
    with runtime.db.session() as session:
        done = service.file_complaint(
            session, runtime.outbox, office, service.Draft(category=category, description="Antrean lama.", **draft),
            phone=CITIZEN, conversation_id=None, msgs=runtime.messages, config=runtime.config)
        session.commit()
    return done.complaint


def step(runtime, office, ticket, to, **kwargs) -> service.Done:
    with runtime.db.session() as session:
        complaint = session.scalars(select(Complaint).where(Complaint.ticket == ticket)).one()
        done = service.transition(session, runtime.outbox, office, complaint, to, msgs=runtime.messages,
                                  config=runtime.config, **kwargs)
        session.commit()
    return done


def notices(runtime, kind="complaint_update") -> list[OutboundMessage]:
    with runtime.db.session() as session:
        return list(session.scalars(select(OutboundMessage).where(OutboundMessage.kind == kind)
                                    .order_by(OutboundMessage.id)))


def test_tickets_count_per_office_and_year(runtime, office, frozen_clock):
    assert [file(runtime, office).ticket for _ in range(3)] == [
        "KLK-2026-000001", "KLK-2026-000002", "KLK-2026-000003"]
    assert file(runtime, runtime.offices.get("kejari-alor")).ticket == "ALR-2026-000001"
    # 31 Dec 2026 17.00 UTC is already 1 Jan 2027 in WITA: the office's year starts again.
    frozen_clock.set(datetime(2026, 12, 31, 17, 0, tzinfo=UTC))
    assert file(runtime, office).ticket == "KLK-2027-000001"


def test_tickets_are_distinct_and_consecutive_under_concurrency(runtime, config):
    from bot.complaints.tickets import next_number

    threads, per_thread, numbers, errors = 8, 5, [], []
    barrier = threading.Barrier(threads)

    def worker():
        db = Database(config.DATABASE_URL)
        try:
            barrier.wait()
            for _ in range(per_thread):
                with db.session() as session:
                    numbers.append(next_number(session, OFFICE, 2026))
                    session.commit()
        except Exception as exc:  # reported below
            errors.append(exc)
        finally:
            db.dispose()

    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    assert errors == []
    assert sorted(numbers) == list(range(1, threads * per_thread + 1))


def test_each_step_is_an_event_with_who_and_when_and_the_citizen_is_told(runtime, office, frozen_clock):
    ticket = file(runtime, office).ticket
    frozen_clock.advance(hours=1)
    step(runtime, office, ticket, "verified", actor="petugas.ptsp")
    frozen_clock.advance(hours=1)
    step(runtime, office, ticket, "assigned", actor="petugas.ptsp", unit="pembinaan")
    step(runtime, office, ticket, "in_progress", actor="kasubbag.pembinaan", note="internal: cek CCTV")
    step(runtime, office, ticket, "resolved", actor="kasubbag.pembinaan",
         public_note="Nomor antrean elektronik dipasang mulai 1 Desember.")
    with runtime.db.session() as session:
        complaint = session.scalars(select(Complaint).where(Complaint.ticket == ticket)).one()
        events = list(session.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint.id)
                                      .order_by(ComplaintEvent.id)))
    assert [(e.from_status, e.to_status, e.actor) for e in events] == [
        (None, "received", "citizen"), ("received", "verified", "petugas.ptsp"),
        ("verified", "assigned", "petugas.ptsp"), ("assigned", "in_progress", "kasubbag.pembinaan"),
        ("in_progress", "resolved", "kasubbag.pembinaan")]
    assert events[1].at.replace(tzinfo=UTC) == datetime(2026, 11, 23, 3, 0, tzinfo=UTC)
    assert complaint.assigned_unit == "pembinaan" and complaint.answered_at is not None
    assert complaint.public_note == "Nomor antrean elektronik dipasang mulai 1 Desember."
    sent = notices(runtime)
    assert len(sent) == 4 and all(n.to_number == CITIZEN for n in sent)
    assert "Status: *Diverifikasi*" in sent[0].body
    assert "Sub Bagian Pembinaan" in sent[1].body
    assert "cek CCTV" not in sent[2].body  # internal notes stay internal
    assert "Nomor antrean elektronik" in sent[3].body and f"tidak puas {ticket}" in sent[3].body
    assert [n.id for n in sent] == [i for e in events[1:] for i in e.notice_ids]


@pytest.mark.parametrize(("path", "to", "kwargs"), [
    ([], "resolved", {}),                                  # not verified or assigned yet
    ([], "assigned", {"unit": "pembinaan"}),               # must be verified first
    (["verified"], "assigned", {"unit": "dapur"}),         # not a unit of the office
    ([], "rejected", {"reason": "  "}),                    # a rejection needs a reason
    (["rejected:Di luar kewenangan"], "verified", {}),     # rejected can only be closed
])
def test_invalid_steps_are_refused(runtime, office, path, to, kwargs):
    ticket = file(runtime, office).ticket
    for earlier in path:
        status, _, reason = earlier.partition(":")
        step(runtime, office, ticket, status, actor="petugas", reason=reason or None)
    with pytest.raises(InvalidTransition):
        step(runtime, office, ticket, to, actor="petugas", **kwargs)


def test_rejection_tells_the_reason_and_the_status_shows_it(runtime, office, whatsapp):
    whatsapp.send("halo")
    ticket = file(runtime, office).ticket
    step(runtime, office, ticket, "rejected", actor="petugas", reason="Bukan kewenangan Kejaksaan.")
    assert "Alasan: Bukan kewenangan Kejaksaan." in notices(runtime)[0].body
    answer = whatsapp.send(f"status {ticket}")
    assert "Tidak dapat ditindaklanjuti" in answer.text and "Bukan kewenangan Kejaksaan." in answer.text


def test_public_note_is_the_latest_note_the_citizen_reads(runtime, office, whatsapp):
    ticket = file(runtime, office).ticket
    with runtime.db.session() as session:
        complaint = session.scalars(select(Complaint)).one()
        service.add_note(session, runtime.outbox, office, complaint, actor="petugas", note="rahasia", public=False,
                         config=runtime.config)
        service.add_note(session, runtime.outbox, office, complaint, actor="petugas",
                         note="Kami sedang meminta keterangan petugas loket.", public=True, config=runtime.config)
        session.commit()
    answer = whatsapp.send(f"status {ticket}")
    assert "Kami sedang meminta keterangan petugas loket." in answer.text and "rahasia" not in answer.text
    assert len(notices(runtime)) == 1


def test_lapor_route_quotes_the_ticket(runtime, office):
    ticket = file(runtime, office).ticket
    with runtime.db.session() as session:
        complaint = session.scalars(select(Complaint)).one()
        service.refer_to_lapor(session, runtime.outbox, office, complaint, actor="petugas", lapor_ref="LAP-998877",
                               config=runtime.config)
        session.commit()
    [notice] = notices(runtime)
    assert "www.lapor.go.id" in notice.body and "LAP-998877" in notice.body and ticket in notice.body


def test_reporter_identity_per_viewer(runtime, office):
    open_ = file(runtime, office, reporter_name="Ayu")
    confidential = file(runtime, office, reporter_name="Ayu", confidential=True)
    anonymous = file(runtime, office, reporter_name="Ayu", anonymous=True, confidential=True)
    pungli = file(runtime, office, category="pungli", reporter_name="Ayu")
    assert service.reporter_view(open_, may_see_identity=False)["name"] == "Ayu"
    assert service.reporter_view(confidential, may_see_identity=False) == {
        "name": None, "phone": None, "identity": "confidential"}
    assert service.reporter_view(confidential, may_see_identity=True)["phone"] == CITIZEN
    assert service.reporter_view(anonymous, may_see_identity=True)["name"] is None
    assert CITIZEN not in service.reporter_view(anonymous, may_see_identity=True)["phone"]
    assert pungli.confidential and service.reporter_view(pungli, may_see_identity=False)["name"] is None


def test_overdue_against_working_day_targets(runtime, office, frozen_clock, config):
    frozen_clock.set(MONDAY_10_WITA)
    ticket = file(runtime, office).ticket
    targets = Targets.from_config(config)
    assert targets == Targets(3, 5, 10)

    def flags(at):
        with runtime.db.session() as session:
            return {c.ticket: f for c, f in deadlines.overdue_complaints(session, runtime.offices, at, targets)}

    # Disposition due by the end of Thursday 26 Nov (WITA) = 16.00 UTC.
    assert flags(datetime(2026, 11, 26, 15, 59, tzinfo=UTC)) == {}
    assert flags(datetime(2026, 11, 26, 16, 0, tzinfo=UTC)) == {ticket: ("dispose",)}
    # Answer due 3 + 5 working days after receipt: Thursday 3 Dec.
    assert flags(datetime(2026, 12, 3, 16, 0, tzinfo=UTC)) == {ticket: ("dispose", "answer")}
    # Assigned on Friday 27 Nov: the answer clock runs from then (5 working days → Friday 4 Dec).
    frozen_clock.set(datetime(2026, 11, 27, 2, 0, tzinfo=UTC))
    step(runtime, office, ticket, "verified", actor="petugas")
    step(runtime, office, ticket, "assigned", actor="petugas", unit="ptsp")
    assert flags(datetime(2026, 12, 4, 15, 59, tzinfo=UTC)) == {}
    assert flags(datetime(2026, 12, 4, 16, 0, tzinfo=UTC)) == {ticket: ("answer",)}
    config.COMPLAINT_TARGET_ANSWER_DAYS = 2
    tighter = Targets.from_config(config)
    with runtime.db.session() as session:
        complaint = session.scalars(select(Complaint)).one()
        assert deadlines.deadlines(complaint, office, tighter).answer_due == datetime(2026, 12, 1, 16, 0, tzinfo=UTC)


@pytest.fixture
def worker_runtime(twilio_runtime):
    return twilio_runtime


class TestAutoClose:
    @pytest.fixture
    def runtime(self, worker_runtime):
        return worker_runtime

    def run_autoclose(self, runtime, work):
        Queue(runtime_module.DEFAULT_QUEUE, connection=runtime.redis).enqueue("bot.complaints.jobs.autoclose")
        work()

    def resolved(self, runtime, office, frozen_clock) -> str:
        frozen_clock.set(MONDAY_10_WITA)
        ticket = file(runtime, office).ticket
        for status, extra in (("verified", {}), ("assigned", {"unit": "ptsp"}), ("resolved", {})):
            step(runtime, office, ticket, status, actor="petugas", **extra)
        return ticket

    def test_closed_after_ten_silent_working_days_with_template_and_survey(self, runtime, office, frozen_clock,
                                                                            work, standin, config):
        config.COMPLAINT_UPDATE_CONTENT_SID = "HX" + "1" * 32
        config.SURVEY_INVITE_CONTENT_SID = "HX" + "2" * 32
        ticket = self.resolved(runtime, office, frozen_clock)
        frozen_clock.set(datetime(2026, 12, 7, 15, 59, tzinfo=UTC))  # 10th working day, 23.59 WITA
        self.run_autoclose(runtime, work)
        with runtime.db.session() as session:
            assert session.scalars(select(Complaint)).one().status == "resolved"
        standin.reset()
        frozen_clock.set(datetime(2026, 12, 7, 16, 0, tzinfo=UTC))
        self.run_autoclose(runtime, work)
        self.run_autoclose(runtime, work)  # a second run changes nothing
        with runtime.db.session() as session:
            complaint = session.scalars(select(Complaint)).one()
            last = session.scalars(select(ComplaintEvent).order_by(ComplaintEvent.id.desc())).first()
            invitation = session.scalars(select(SurveyInvitation)).one()
        assert complaint.status == "closed" and last.actor == "system" and last.to_status == "closed"
        assert invitation.event_kind == "complaint" and invitation.event_ref == ticket
        # Outside the 24-hour window: both go out as approved templates.
        sent = {m.content_sid: m for m in standin.messages}
        assert set(sent) == {config.COMPLAINT_UPDATE_CONTENT_SID, config.SURVEY_INVITE_CONTENT_SID}
        assert sent[config.COMPLAINT_UPDATE_CONTENT_SID].content_variables["1"] == ticket

    def test_a_citizen_reply_keeps_it_open_and_without_template_a_notice_is_held(self, runtime, office,
                                                                                 frozen_clock, work, whatsapp):
        ticket = self.resolved(runtime, office, frozen_clock)
        frozen_clock.advance(days=1)
        answer = whatsapp.send(f"tidak puas {ticket} antrean masih lama")
        assert "sudah kami catat" in answer.text
        other = self.resolved(runtime, office, frozen_clock)
        frozen_clock.set(datetime(2026, 12, 20, 2, 0, tzinfo=UTC))
        self.run_autoclose(runtime, work)
        with runtime.db.session() as session:
            status = dict(session.execute(select(Complaint.ticket, Complaint.status)).all())
            closing = session.scalars(select(OutboundMessage).where(OutboundMessage.kind == "complaint_update")
                                      .order_by(OutboundMessage.id.desc())).first()
        assert status == {ticket: "resolved", other: "closed"}
        # Loket's complaint_update template was never synced here: held, saying so (not a generic code).
        assert closing.status == "held" and closing.error_code == "no_template"

    def test_answering_schedules_the_close_for_the_end_of_the_silent_period(self, runtime, office, frozen_clock,
                                                                          work):
        ticket = self.resolved(runtime, office, frozen_clock)
        step(runtime, office, ticket, "in_progress", actor="petugas")  # reopened, then answered again
        frozen_clock.set(datetime(2026, 11, 24, 2, 0, tzinfo=UTC))
        with runtime.db.session() as session:
            complaint = session.scalars(select(Complaint)).one()
            done = service.transition(session, runtime.outbox, office, complaint, "resolved", actor="petugas",
                                      msgs=runtime.messages, config=runtime.config)
            session.commit()
        service.dispatch(runtime.outbox, done)
        registry = runtime.outbox.queue.scheduled_job_registry
        [job_id] = registry.get_job_ids()
        job = runtime.outbox.queue.fetch_job(job_id)
        assert job.func_name == "bot.complaints.jobs.autoclose_one" and job.args == (complaint.id,)
        # Answered Tuesday 24 Nov: 10 working days end with Tuesday 8 Dec (WITA).
        assert registry.get_scheduled_time(job) == datetime(2026, 12, 8, 16, 0, tzinfo=UTC)
        queue = Queue(runtime_module.DEFAULT_QUEUE, connection=runtime.redis)
        frozen_clock.set(datetime(2026, 12, 8, 15, 0, tzinfo=UTC))
        early = queue.enqueue("bot.complaints.jobs.autoclose_one", complaint.id)
        work()
        assert early.return_value() is None
        frozen_clock.set(datetime(2026, 12, 8, 16, 0, tzinfo=UTC))
        due = queue.enqueue("bot.complaints.jobs.autoclose_one", complaint.id)
        again = queue.enqueue("bot.complaints.jobs.autoclose_one", complaint.id)
        work()
        assert due.return_value() == ticket and again.return_value() is None
