"""Worker sends through the outbox, against the local Twilio stand-in: exactly once, or failed with a reason."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from sqlalchemy import select, text

from app import create_app
from bot import jobs
from bot.models import OutboundMessage
from tests.support.whatsapp import CITIZEN

OFFICE = "kejari-klungkung"


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


@pytest.fixture
def routed_callbacks(standin, client):
    """Status callbacks from the stand-in go into our app, signed, through the test client."""

    def sink(url, params, headers):
        parts = urlsplit(url)
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        return client.post(path, data=params, headers=headers)

    standin.callback_sink = sink
    return standin


def notice(runtime, to=CITIZEN, body="Kunjungan Anda telah dijadwalkan.", **kwargs) -> int:
    with runtime.db.session() as session:
        rows = runtime.outbox.record_notice(session, office=runtime.offices.get(OFFICE), to=to, body=body,
                                            kind="test", **kwargs)
        session.commit()
        ids = [r.id for r in rows]
    runtime.outbox.enqueue(ids)
    return ids[0]


def row(runtime, outbox_id) -> OutboundMessage:
    with runtime.db.session() as session:
        return session.get(OutboundMessage, outbox_id)


@pytest.fixture
def citizen_wrote(whatsapp):
    """The citizen messaged us, so WhatsApp's 24-hour window is open."""
    whatsapp.send("halo")


def test_notice_is_sent_once_with_status_callback_then_statuses_arrive(runtime, standin, routed_callbacks, work,
                                                                      citizen_wrote):
    outbox_id = notice(runtime)
    work()
    assert len(standin.messages) == 1
    sent = standin.messages[0]
    assert (sent.to, sent.from_, sent.body) == ("whatsapp:" + CITIZEN, "whatsapp:+6281339151776",
                                                "Kunjungan Anda telah dijadwalkan.")
    assert sent.status_callback == f"https://loket.test/twilio/status?o={outbox_id}"
    stored = row(runtime, outbox_id)
    assert (stored.status, stored.twilio_sid, stored.attempts) == ("queued", sent.sid, 1)
    for status in ("sent", "delivered", "read"):
        standin.send_status(sent.sid, status)
    assert row(runtime, outbox_id).status == "read"


@pytest.mark.parametrize("fault", ["500", "429"])
def test_transient_error_is_retried_and_sent_exactly_once(runtime, standin, work, citizen_wrote, fault):
    if fault == "500":
        standin.fail_next(1, status=500)
    else:
        standin.rate_limit_next(1)
    outbox_id = notice(runtime)
    work()
    assert standin.count_to(CITIZEN) == 1
    assert len(standin.attempts) == 2
    stored = row(runtime, outbox_id)
    assert stored.status == "queued" and stored.attempts == 2 and stored.twilio_sid == standin.messages[0].sid


def test_retries_exhausted_marks_the_row_failed_with_the_reason(runtime, standin, work, citizen_wrote):
    standin.fail_next(10, status=503, code=20503)
    outbox_id = notice(runtime)
    work()
    stored = row(runtime, outbox_id)
    assert (stored.status, stored.error_code) == ("failed", "retries_exhausted")
    assert "503" in stored.error_message
    assert len(standin.attempts) == 4 and standin.messages == []  # 1 try + 3 retries, nothing sent


def test_permanent_error_is_not_retried(runtime, standin, work, citizen_wrote):
    standin.fail_next(1, status=400, code=21211)
    outbox_id = notice(runtime)
    work()
    stored = row(runtime, outbox_id)
    assert (stored.status, stored.error_code) == ("failed", "21211")
    assert len(standin.attempts) == 1


def test_outside_the_24_hour_window_a_freeform_notice_is_held(runtime, standin, work, whatsapp, frozen_clock):
    whatsapp.send("halo")
    frozen_clock.advance(hours=25)
    outbox_id = notice(runtime)
    work()
    stored = row(runtime, outbox_id)
    assert (stored.status, stored.error_code) == ("held", "outside_24h_window")
    assert standin.attempts == []


def test_outside_the_window_a_template_is_sent(runtime, standin, work, frozen_clock):
    outbox_id = notice(runtime, body="", content_sid="HX" + "1" * 32, content_variables={"1": "Rabu 10.00"})
    work()
    assert standin.messages[0].content_sid == "HX" + "1" * 32
    assert standin.messages[0].content_variables == {"1": "Rabu 10.00"}
    assert row(runtime, outbox_id).status == "queued"


def test_freeform_rejected_by_whatsapp_later_is_recorded_failed_63016(runtime, standin, routed_callbacks, work,
                                                                       citizen_wrote):
    standin.close_window(CITIZEN)  # WhatsApp disagrees with our record of the window
    outbox_id = notice(runtime)
    work()
    standin.flush_callbacks()
    stored = row(runtime, outbox_id)
    assert (stored.status, stored.error_code) == ("failed", "63016")


def test_a_job_run_twice_sends_once(runtime, standin, work, citizen_wrote):
    outbox_id = notice(runtime)
    runtime.outbox.enqueue([outbox_id])  # the sweeper or a redelivery enqueues it again
    work()
    assert standin.count_to(CITIZEN) == 1


def test_sweeper_requeues_a_row_whose_job_redis_lost(runtime, standin, work, citizen_wrote, frozen_clock):
    outbox_id = notice(runtime)
    runtime.redis.flushall()  # Redis restarted: the RQ job is gone, the SQL row is not
    work()
    assert standin.messages == []
    frozen_clock.advance(minutes=5)
    assert jobs.sweep()["requeued"] == 1
    work()
    assert standin.count_to(CITIZEN) == 1 and row(runtime, outbox_id).status == "queued"
    assert jobs.sweep()["requeued"] == 0


def test_worker_killed_mid_send_is_failed_not_resent_and_a_late_callback_still_counts(runtime, standin, work,
                                                                                      whatsapp, frozen_clock,
                                                                                      citizen_wrote):
    outbox_id = notice(runtime)
    runtime.redis.flushall()
    with runtime.db.session() as session:  # what a SIGKILL right after the claim leaves behind
        session.get(OutboundMessage, outbox_id).status = "submitting"
        session.commit()
    frozen_clock.advance(minutes=20)
    assert jobs.sweep()["unknown"] == 1
    work()
    stored = row(runtime, outbox_id)
    assert (stored.status, stored.error_code) == ("failed", "outcome_unknown")
    assert standin.messages == []
    # Had Twilio accepted it before the kill, its callback (tagged with ?o=) still lands:
    whatsapp.status("SM" + "f" * 32, "delivered", outbox_id=outbox_id)
    assert row(runtime, outbox_id).status == "delivered"


def test_sweeper_skips_a_row_another_transaction_holds_instead_of_waiting_for_it(runtime, standin, work,
                                                                                  frozen_clock, citizen_wrote):
    if not runtime.db.url.startswith("postgresql"):
        pytest.skip("row locks are PostgreSQL's; SQLite has a single writer")
    held, free = notice(runtime), notice(runtime)
    runtime.redis.flushall()
    with runtime.db.session() as session:  # two sends cut off by a SIGKILL
        for outbox_id in (held, free):
            session.get(OutboundMessage, outbox_id).status = "submitting"
        session.commit()
    frozen_clock.advance(minutes=20)
    with runtime.db.engine.connect() as other:  # e.g. a dead worker's transaction that no one ended yet
        other.execute(select(OutboundMessage.id).where(OutboundMessage.id == held).with_for_update())
        assert jobs.sweep()["unknown"] == 1  # had it waited for the lock, the test's timeout would end it
        assert (row(runtime, held).status, row(runtime, free).status) == ("submitting", "failed")
        other.rollback()
    assert jobs.sweep()["unknown"] == 1
    assert row(runtime, held).error_code == "outcome_unknown"


def test_postgres_sessions_left_idle_in_a_transaction_are_ended_by_the_server(runtime):
    if not runtime.db.url.startswith("postgresql"):
        pytest.skip("a PostgreSQL setting")
    with runtime.db.session() as session:
        session.rollback()  # the pool's reset must not undo the setting
        assert session.execute(text("SHOW idle_in_transaction_session_timeout")).scalar() == "1min"


def test_send_test_command_queues_a_message_for_the_worker(runtime, standin, work, citizen_wrote):
    app = create_app(runtime.config, runtime=runtime)
    result = app.test_cli_runner().invoke(args=["send-test", "--office", OFFICE, "--to", "0812-3450-0001"])
    assert result.exit_code == 0, result.output
    assert "+62*****0001" in result.output and CITIZEN not in result.output
    work()
    assert standin.count_to(CITIZEN) == 1
    assert "Pesan uji dari Loket" in standin.messages[0].body



def test_a_notice_with_a_template_sends_its_full_text_inside_the_window(runtime, standin, work, whatsapp,
                                                                        frozen_clock):
    whatsapp.send("halo")
    inside = notice(runtime, body="Jadwal Anda: Rabu 10.00 WITA.", content_sid="HX" + "2" * 32,
                    content_variables={"1": "Rabu 10.00"})
    work()
    assert (standin.messages[-1].body, standin.messages[-1].content_sid) == ("Jadwal Anda: Rabu 10.00 WITA.", None)
    frozen_clock.advance(hours=25)
    notice(runtime, body="Jadwal Anda: Rabu 10.00 WITA.", content_sid="HX" + "2" * 32,
           content_variables={"1": "Rabu 10.00"})
    work()
    assert standin.messages[-1].content_sid == "HX" + "2" * 32
    assert row(runtime, inside).status == "queued"
