"""One outbox row at the sender (bot/sender.py `Sender._send_row`, `_claim`, `_finish`,
`_deliver_in_simulator`), where the mutation run (bench/mutation.py delivery) showed no test decided:
claiming takes only this row, counts one attempt and binds the row's conversation and office to the
log lines; each outcome (sent, not claimable, expired, held, a transient and a permanent Twilio
error, the simulator) records its status, code and reason on the row and leaves its own log line;
the message carries the row's sender, media and status callback and waits its turn at the pacer;
a conversation's replies (`send`, `_ordered_conversation`) are sent under its own lock, which
expires, is waited for a bounded time, and is never taken for a notice. Real Redis, real SQL, the Twilio stand-in."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest

from bot import keys, logs, sender, sweeper
from bot.clock import now
from bot.exceptions import TransientSendError
from bot.masking import mask_phone
from bot.models import Conversation, InboundMessage, OutboundMessage
from flows.base import Reply
from tests.support.whatsapp import CITIZEN

OFFICE = "kejari-klungkung"
BODY = "Kunjungan Anda telah dijadwalkan."
MEDIA = "https://loket.test/media/denah.jpg"
SIMULATED = "sim:w-warga-coba"


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def _conversation(runtime, *, wrote_hours_ago: float = 0) -> int:
    with runtime.db.session() as session:
        conversation = Conversation(office=OFFICE, phone=CITIZEN, state={}, version=0, lang="id",
                                    last_inbound_at=now() - timedelta(hours=wrote_hours_ago))
        session.add(conversation)
        session.commit()
        return conversation.id


def _notice(runtime, to: str = CITIZEN, **kwargs) -> int:
    with runtime.db.session() as session:
        [row] = runtime.outbox.record_notice(session, office=runtime.offices.get(OFFICE), to=to, body=BODY,
                                             kind="test", **kwargs)
        session.commit()
        return row.id


def _row(runtime, outbox_id: int) -> OutboundMessage:
    with runtime.db.session() as session:
        return session.get(OutboundMessage, outbox_id)


def _same(moment, expected) -> bool:
    """SQLite gives back naive UTC."""
    return moment.replace(tzinfo=None) == expected.replace(tzinfo=None)


def _lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "bot.sender"]


# -- sent -------------------------------------------------------------------------------------------
def test_a_sent_row_carries_its_sender_media_and_callback_and_records_its_sid(runtime, standin, frozen_clock,
                                                                              caplog, monkeypatch):
    conversation_id = _conversation(runtime)
    outbox_id = _notice(runtime, media_urls=[MEDIA], conversation_id=conversation_id)
    turns = []
    wait_turn = runtime.sender.pacer.wait_turn
    monkeypatch.setattr(runtime.sender.pacer, "wait_turn",
                        lambda sender, media: turns.append((sender, media)) or wait_turn(sender, media))
    frozen_clock.advance(minutes=3)
    with caplog.at_level(logging.INFO, logger="bot.sender"), logs.bound(job_id="job-1"):
        assert runtime.sender.send(outbox_id) == "queued"
        bound = logs.current()
    [message] = standin.messages
    from_number = _row(runtime, outbox_id).from_number
    assert (message.to, message.from_, message.body) == ("whatsapp:" + CITIZEN, "whatsapp:" + from_number, BODY)
    assert list(message.media_urls) == [MEDIA] and message.content_sid is None
    assert message.status_callback == f"https://loket.test/twilio/status?o={outbox_id}"
    assert turns == [(from_number, True)]  # the media rate, for this sender
    stored = _row(runtime, outbox_id)
    assert (stored.status, stored.twilio_sid, stored.attempts) == ("queued", message.sid, 1)
    assert _same(stored.updated_at, now())
    assert _lines(caplog) == [f"outbox {outbox_id} sent as {message.sid}: queued"]
    # The row's conversation and office go on every later line of this job.
    assert bound == {"job_id": "job-1", "conversation_id": conversation_id, "office": OFFICE}


def test_a_text_waits_its_turn_at_the_text_rate(runtime, standin, monkeypatch):
    _conversation(runtime)
    outbox_id = _notice(runtime)
    turns = []
    monkeypatch.setattr(runtime.sender.pacer, "wait_turn", lambda sender, media: turns.append(media) or 0.0)
    runtime.sender.send(outbox_id)
    assert turns == [False] and list(standin.messages[0].media_urls) == []


# -- claiming ---------------------------------------------------------------------------------------
def test_claiming_takes_only_this_row_and_counts_one_attempt(runtime, standin, caplog):
    _conversation(runtime)
    first, second = _notice(runtime), _notice(runtime)
    assert runtime.sender.send(second) == "queued"
    assert _row(runtime, first).status == "pending" and _row(runtime, first).attempts == 0
    assert _row(runtime, second).attempts == 1
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="bot.sender"):
        assert runtime.sender.send(second) == "skipped"  # already sent: never twice
    assert _lines(caplog) == [f"outbox {second}: not claimable (already sent or being sent)"]
    assert _row(runtime, second).attempts == 1 and len(standin.messages) == 1
    assert runtime.sender.send(first) == "queued" and _row(runtime, first).attempts == 1


# -- not sent ---------------------------------------------------------------------------------------
def test_a_row_whose_moment_passed_is_canceled_with_its_reason(runtime, standin, frozen_clock, caplog):
    _conversation(runtime)
    outbox_id = _notice(runtime, expires_at=now() + timedelta(minutes=1))
    frozen_clock.advance(minutes=2)
    with caplog.at_level(logging.INFO, logger="bot.sender"):
        assert runtime.sender.send(outbox_id) == "canceled"
    stored = _row(runtime, outbox_id)
    assert (stored.status, stored.error_code, stored.error_message) == (
        "canceled", "expired", "its moment passed before it could be sent")
    assert _same(stored.updated_at, now())
    assert _lines(caplog) == [f"outbox {outbox_id} dropped: expired"]
    assert standin.attempts == []


def test_a_row_outside_the_window_is_held_with_its_reason(runtime, standin, frozen_clock, caplog):
    _conversation(runtime, wrote_hours_ago=25)
    outbox_id = _notice(runtime)
    with caplog.at_level(logging.INFO, logger="bot.sender"):
        assert runtime.sender.send(outbox_id) == "held"
    stored = _row(runtime, outbox_id)
    assert (stored.status, stored.error_code, stored.error_message) == (
        "held", "outside_24h_window",
        "outside WhatsApp's 24-hour window and no template configured for this kind")
    assert _lines(caplog) == [f"outbox {outbox_id} held: outside_24h_window"]
    assert standin.attempts == []


def test_a_simulated_address_is_delivered_in_the_simulator_never_to_twilio(runtime, standin, caplog):
    outbox_id = _notice(runtime, to=SIMULATED)
    with caplog.at_level(logging.INFO, logger="bot.sender"):
        assert runtime.sender.send(outbox_id) == "delivered"  # whatever the window: nobody's WhatsApp
    stored = _row(runtime, outbox_id)
    assert stored.status == "delivered" and stored.twilio_sid.startswith("SIM") and len(stored.twilio_sid) == 35
    assert _lines(caplog) == [f"outbox {outbox_id} delivered in the simulator"]
    assert standin.attempts == []


def test_outside_the_window_the_template_named_in_the_settings_is_sent(runtime, standin):
    _conversation(runtime, wrote_hours_ago=30)
    runtime.config.COMPLAINT_UPDATE_CONTENT_SID = "HX" + "5" * 32  # the sender plans with the runtime's settings
    with runtime.db.session() as session:
        [row] = runtime.outbox.record_notice(session, office=runtime.offices.get(OFFICE), to=CITIZEN, body=BODY,
                                             kind="complaint_update", lang="id",
                                             template_values={"ticket": "PGD-0001", "status": "Selesai", "note": "-"})
        session.commit()
    assert runtime.sender.send(row.id) == "queued"
    assert standin.messages[0].content_sid == "HX" + "5" * 32
    assert standin.messages[0].content_variables == {"1": "PGD-0001", "2": "Selesai", "3": "-"}


# -- Twilio errors ----------------------------------------------------------------------------------
def test_a_transient_error_marks_the_row_retrying_with_its_next_attempt(runtime, standin, frozen_clock, caplog):
    _conversation(runtime)
    outbox_id = _notice(runtime)
    frozen_clock.advance(minutes=5)
    standin.fail_next(1, status=503, code=20503)
    with caplog.at_level(logging.INFO, logger="bot.sender"), pytest.raises(TransientSendError):
        runtime.sender.send(outbox_id, retry_in=30)
    stored = _row(runtime, outbox_id)
    assert (stored.status, stored.error_code, stored.error_message) == ("retrying", None, "Twilio HTTP 503 (20503)")
    assert _same(stored.next_attempt_at, now() + timedelta(seconds=30))
    assert _same(stored.updated_at, now())
    masked = mask_phone(CITIZEN)
    assert masked != CITIZEN and CITIZEN not in " ".join(_lines(caplog))
    assert _lines(caplog) == [f"outbox {outbox_id} to {masked}: Twilio HTTP 503 (20503), will retry"]
    assert runtime.sender.send(outbox_id) == "queued" and _row(runtime, outbox_id).attempts == 2


def test_without_rqs_retry_interval_a_transient_error_is_due_again_at_once(runtime, standin, frozen_clock):
    _conversation(runtime)
    outbox_id = _notice(runtime)
    frozen_clock.advance(minutes=5)
    standin.fail_next(1, status=503, code=20503)
    with pytest.raises(TransientSendError):
        runtime.sender.send(outbox_id)  # a job with no retry left, or a direct call (the CLI's send-test)
    assert _same(_row(runtime, outbox_id).next_attempt_at, now())


def test_a_permanent_error_fails_the_row_with_twilios_code_and_message(runtime, standin, caplog):
    _conversation(runtime)
    outbox_id = _notice(runtime)
    standin.fail_next(1, status=400, code=21211)
    with caplog.at_level(logging.INFO, logger="bot.sender"):
        assert runtime.sender.send(outbox_id) == "failed"
    stored = _row(runtime, outbox_id)
    assert (stored.status, stored.error_code, stored.error_message) == (
        "failed", "21211", "Unable to create record: Bad Request")
    assert _lines(caplog) == [
        f"outbox {outbox_id} to {mask_phone(CITIZEN)} failed for good: 21211: Unable to create record: Bad Request"]
    assert runtime.sender.send(outbox_id) == "skipped" and len(standin.attempts) == 1  # not retried


def test_a_send_the_sweeper_gave_up_as_outcome_unknown_stays_so_when_twilio_answers_late(runtime, standin,
                                                                                         frozen_clock, monkeypatch):
    _conversation(runtime)
    outbox_id = _notice(runtime)
    send = runtime.sender.transport.send

    def hung(message):  # the request hangs until the sweeper has given the row up, then fails
        frozen_clock.advance(seconds=runtime.config.SWEEP_UNKNOWN + 1)
        assert sweeper.sweep(runtime)["unknown"] == 1
        standin.fail_next(1, status=503, code=20503)
        return send(message)

    monkeypatch.setattr(runtime.sender.transport, "send", hung)
    with pytest.raises(TransientSendError):
        runtime.sender.send(outbox_id, retry_in=30)
    stored = _row(runtime, outbox_id)
    assert (stored.status, stored.error_code) == ("failed", "outcome_unknown")  # not made retrying again
    monkeypatch.setattr(runtime.sender.transport, "send", send)
    assert runtime.sender.send(outbox_id) == "skipped" and standin.messages == []


# -- a conversation's replies in order --------------------------------------------------------------
def _replies(runtime, texts: list[str]) -> tuple[int, list[int]]:
    conversation_id = _conversation(runtime)
    with runtime.db.session() as session:
        inbound = InboundMessage(message_sid="SM" + "7" * 32, office=OFFICE, from_number=CITIZEN,
                                 to_number="+62366000000", body="halo", conversation_id=conversation_id,
                                 processed_at=now())
        session.add(inbound)
        session.flush()
        rows = runtime.outbox.record_replies(session, runtime.offices.get(OFFICE), inbound,
                                             [Reply(t) for t in texts], "rest")
        session.commit()
        return conversation_id, [r.id for r in rows]


def test_a_reply_is_sent_under_its_conversations_lock_which_expires_after_a_minute(runtime, standin,
                                                                                    monkeypatch):
    conversation_id, [reply] = _replies(runtime, ["Baik."])
    ttl = []
    earlier = runtime.sender._earlier_replies
    monkeypatch.setattr(runtime.sender, "_earlier_replies", lambda c, o: ttl.append(
        runtime.redis.pttl(keys.reply_order(conversation_id))) or earlier(c, o))
    assert runtime.sender.send(reply) == "queued"
    assert len(ttl) == 1 and 55_000 < ttl[0] <= 60_000  # should the worker die, the next one goes on
    assert runtime.redis.exists(keys.reply_order(conversation_id)) == 0  # released once sent


def test_a_reply_whose_conversation_another_worker_is_sending_waits_then_asks_for_a_retry(runtime, standin,
                                                                                         monkeypatch):
    monkeypatch.setattr(sender, "ORDER_WAIT_SECONDS", 0.2)
    conversation_id, [reply] = _replies(runtime, ["Baik."])
    other = runtime.redis.lock(keys.reply_order(conversation_id), timeout=60)
    assert other.acquire(blocking=False)
    elsewhere = runtime.redis.lock(keys.reply_order(conversation_id + 1), timeout=60)
    assert elsewhere.acquire(blocking=False)  # another conversation's lock is not this one's
    with pytest.raises(TransientSendError, match=r"^another worker is sending this conversation's replies$"):
        runtime.sender.send(reply)
    assert _row(runtime, reply).status == "pending" and standin.attempts == []
    other.release()
    assert runtime.sender.send(reply) == "queued"


def test_an_earlier_reply_failing_for_now_keeps_the_later_one_back(runtime, standin, frozen_clock):
    _, (first, second) = _replies(runtime, ["Pertama.", "Kedua."])
    standin.fail_next(1, status=503, code=20503)
    with pytest.raises(TransientSendError, match=rf"^earlier reply {first} not sent yet: Twilio HTTP 503 \(20503\)$"):
        runtime.sender.send(second, retry_in=60)
    stored = _row(runtime, first)
    assert stored.status == "retrying" and _same(stored.next_attempt_at, now() + timedelta(seconds=60))
    assert _row(runtime, second).status == "pending" and _row(runtime, second).attempts == 0
    assert runtime.sender.send(second) == "queued"
    assert [m.body for m in standin.messages] == ["Pertama.", "Kedua."]


def test_a_notice_of_a_conversation_neither_waits_for_its_replies_nor_takes_its_lock(runtime, standin,
                                                                                     monkeypatch):
    conversation_id, [reply] = _replies(runtime, ["Baik."])
    notice = _notice(runtime, conversation_id=conversation_id)
    locks = []
    lock = runtime.redis.lock
    monkeypatch.setattr(runtime.sender.redis, "lock", lambda name, **kw: locks.append(name) or lock(name, **kw))
    assert runtime.sender.send(notice) == "queued"
    assert [m.body for m in standin.messages] == [BODY] and _row(runtime, reply).status == "pending"
    assert locks == []
    assert runtime.sender.send(reply) == "queued" and locks == [keys.reply_order(conversation_id)]
