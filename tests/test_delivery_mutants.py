"""Edges of delivery that the mutation run (bench/mutation.py delivery) showed no test decided:
the sweeper's own lock, the boundaries of "stuck" and "stale", the batch it takes, the jobs and
the record it leaves; a recorded message processed later only under its conversation's lock; a
status callback of the same rank never moving a row sideways; a conversation's replies sent in order
(and only its replies); a row given up after its retries, alone; a callback found by its SID alone
and recorded as it came; cancelling only what was not sent; the outbox's stale rows. Real Redis,
real SQL, real callbacks, the Twilio stand-in."""

from __future__ import annotations

import io
import json
import logging
import time
from datetime import timedelta

import pytest
from prometheus_client import REGISTRY
from sqlalchemy import select

from bot import keys, logs, sweeper
from bot.clock import now
from bot.exceptions import TransientSendError
from bot.models import Conversation, InboundMessage, OutboundMessage, StatusEvent
from flows.base import Reply
from tests.support.whatsapp import CITIZEN

OFFICE = "kejari-klungkung"
UNKNOWN_MESSAGE = "the worker stopped during the send; not retried to avoid a duplicate"
USER_ID = "ID.k7Q2citizen"  # a WhatsApp user ID (BSUID)


def _outbound(runtime, status: str, **values) -> int:
    with runtime.db.session() as s:
        row = OutboundMessage(office=OFFICE, to_number=CITIZEN, from_number="+62366000000", kind="reply",
                              channel="rest", status=status, **values)
        s.add(row)
        s.commit()
        return row.id


def _row(runtime, outbox_id: int) -> OutboundMessage:
    with runtime.db.session() as s:
        return s.get(OutboundMessage, outbox_id)


def _inbound(runtime, n: int, *, sender: str = CITIZEN, office: str | None = OFFICE, external: str | None = None,
             body: str = "halo", processed: bool = False) -> int:
    with runtime.db.session() as s:
        row = InboundMessage(message_sid=f"SM{n:032d}", office=office, from_number=sender, to_number="+62366000000",
                             external_user_id=external, body=body, processed_at=now() if processed else None)
        s.add(row)
        s.commit()
        return row.id


def _same(moment, expected) -> bool:
    """SQLite gives back naive UTC."""
    return moment.replace(tzinfo=None) == expected.replace(tzinfo=None)


def _repairs(kind: str) -> float:
    return REGISTRY.get_sample_value("loket_sweeper_repairs_total", {"kind": kind}) or 0.0


# -- the sweeper's lock ----------------------------------------------------------------------------
def test_a_sweep_while_another_sweeper_holds_the_lock_is_skipped_at_once(runtime, frozen_clock):
    stale = _outbound(runtime, "pending", next_attempt_at=now())
    frozen_clock.advance(minutes=5)
    other = runtime.redis.lock(keys.sweeper_lock(), timeout=60)
    assert other.acquire(blocking=False)
    started = time.monotonic()
    assert sweeper.sweep(runtime) == {"skipped": 1}
    assert time.monotonic() - started < 0.9  # never waits for the other sweeper (it would wait 1 s or forever)
    assert other.owned()  # the other sweeper's lock is untouched
    assert runtime.queue().job_ids == [] and _row(runtime, stale).status == "pending"
    other.release()
    assert sweeper.sweep(runtime)["requeued"] == 1


def test_the_sweepers_lock_expires_after_two_intervals_should_it_die(runtime, monkeypatch):
    seen = []
    stale = runtime.outbox.stale

    def spy(session, older_than):
        seen.append(runtime.redis.pttl(keys.sweeper_lock()))
        return stale(session, older_than)

    monkeypatch.setattr(runtime.outbox, "stale", spy)
    assert sweeper.sweep(runtime) == {"requeued": 0, "unknown": 0, "inbound": 0}
    limit = runtime.config.SWEEP_INTERVAL * 2 * 1000
    assert len(seen) == 1 and limit - 5000 < seen[0] <= limit
    assert runtime.redis.exists(keys.sweeper_lock()) == 0  # released when done


# -- rows stuck in "submitting" -------------------------------------------------------------------
def test_only_rows_submitting_longer_than_the_limit_are_marked_outcome_unknown(runtime, frozen_clock):
    old = _outbound(runtime, "submitting")
    frozen_clock.advance(minutes=5)
    recent = _outbound(runtime, "submitting")
    queued = _outbound(runtime, "queued")
    frozen_clock.advance(seconds=runtime.config.SWEEP_UNKNOWN - 5 * 60)
    assert sweeper.sweep(runtime)["unknown"] == 0  # exactly at the limit: not yet
    frozen_clock.advance(seconds=1)
    assert sweeper.sweep(runtime)["unknown"] == 1
    stuck = _row(runtime, old)
    assert (stuck.status, stuck.error_code, stuck.error_message) == ("failed", "outcome_unknown", UNKNOWN_MESSAGE)
    assert _same(stuck.updated_at, now())  # when it was given up, for the dashboard
    assert _row(runtime, recent).status == "submitting" and _row(runtime, queued).status == "queued"


# -- messages recorded but never processed ---------------------------------------------------------
def test_unprocessed_messages_are_enqueued_once_stale_by_their_own_job_and_counted(runtime, frozen_clock, caplog):
    first = _inbound(runtime, 1)
    # To a number no office has, and unanswered (its answer failed): as old as the first, never enqueued.
    _inbound(runtime, 4, office=None)
    frozen_clock.advance(seconds=runtime.config.SWEEP_STALE)
    fresh = _inbound(runtime, 2)  # the webhook may still be processing it
    _inbound(runtime, 3, processed=True)
    assert sweeper.sweep(runtime)["inbound"] == 0  # the first is exactly at the limit: not yet
    frozen_clock.advance(seconds=1)
    before = _repairs("inbound")
    with caplog.at_level(logging.WARNING, logger="bot.sweeper"):
        assert sweeper.sweep(runtime) == {"requeued": 0, "unknown": 0, "inbound": 1}
    assert runtime.queue().job_ids == [f"inbound-{first}"]
    assert _repairs("inbound") == before + 1
    assert [r.getMessage() for r in caplog.records if r.name == "bot.sweeper"] == [
        "sweeper repaired {'requeued': 0, 'unknown': 0, 'inbound': 1}"]
    assert fresh not in runtime.queue().job_ids


def test_a_sweep_takes_at_most_200_messages_in_the_order_they_were_recorded(runtime, frozen_clock):
    start = now()
    with runtime.db.session() as s:  # two web processes' clocks may disagree: received_at is not the order
        s.add_all(InboundMessage(message_sid=f"SM{n:032d}", office=OFFICE, from_number=f"+628123{n:07d}",
                                 to_number="+62366000000", body="halo", received_at=start - timedelta(seconds=n))
                  for n in range(201))
        s.commit()
        ids = list(s.scalars(select(InboundMessage.id).order_by(InboundMessage.id)))
    frozen_clock.advance(minutes=10)
    assert sweeper.sweep(runtime)["inbound"] == 200
    assert sorted(runtime.queue().job_ids) == sorted(f"inbound-{i}" for i in ids[:200])


def test_process_inbound_does_nothing_for_a_missing_processed_or_officeless_message(runtime):
    done = _inbound(runtime, 1)
    assert sweeper.process_inbound(runtime, done) >= 1  # the greeting and the menu
    with runtime.db.session() as s:
        replies = s.scalars(select(OutboundMessage.id)).all()
    assert sweeper.process_inbound(runtime, done) == 0  # already processed: its replies are not counted again
    with runtime.db.session() as s:  # a redelivered webhook answers only what went in a webhook answer
        assert runtime.outbox.replies_to(s, done) == []  # these went through the worker
    assert sweeper.process_inbound(runtime, 10_000) == 0
    assert sweeper.process_inbound(runtime, _inbound(runtime, 2, office=None)) == 0
    with runtime.db.session() as s:
        assert s.scalars(select(OutboundMessage.id)).all() == replies


@pytest.mark.parametrize("who", ["number", "user_id", "number_after_user_id"])
def test_process_inbound_holds_the_lock_of_the_conversation_the_message_joins(runtime, monkeypatch, who):
    sender, external, joins = {"number": (CITIZEN, None, CITIZEN), "user_id": (USER_ID, None, USER_ID),
                               "number_after_user_id": (CITIZEN, USER_ID, USER_ID)}[who]
    if who == "number_after_user_id":  # the user ID wrote first, before WhatsApp shared the number
        with runtime.db.session() as s:
            s.add(Conversation(office=OFFICE, phone=USER_ID, bsuid=USER_ID))
            s.commit()
    held = []
    process = runtime.inbox.process

    def spy(inbound_id, office, channel, raw_text=None):
        held.append(runtime.redis.exists(keys.conversation_lock(OFFICE, joins)))
        return process(inbound_id, office, channel, raw_text)

    monkeypatch.setattr(runtime.inbox, "process", spy)
    inbound_id = _inbound(runtime, 1, sender=sender, external=external)
    assert sweeper.process_inbound(runtime, inbound_id) >= 1
    assert held == [1]
    assert runtime.redis.exists(keys.conversation_lock(OFFICE, joins)) == 0  # released
    with runtime.db.session() as s:
        joined = s.get(Conversation, s.get(InboundMessage, inbound_id).conversation_id)
        assert joined.phone == joins


def test_the_lines_of_a_message_processed_later_carry_its_office_and_ids(runtime):
    stream = io.StringIO()
    handler, root = logs.handler("json", stream), logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        inbound_id = _inbound(runtime, 7)
        assert sweeper.process_inbound(runtime, inbound_id) >= 1
    finally:
        root.removeHandler(handler)
        root.setLevel(previous)
    answered = [line for line in map(json.loads, stream.getvalue().splitlines())
                if line["message"].startswith("answered at")]
    assert len(answered) == 1
    assert (answered[0]["office"], answered[0]["inbound_id"], answered[0]["message_sid"]) == (
        OFFICE, inbound_id, f"SM{7:032d}")


# -- statuses never move sideways ------------------------------------------------------------------
@pytest.mark.parametrize(("at", "late", "code"), [
    ("queued", "accepted", None),  # the same rank: Twilio's order within it is not ours to replay
    ("failed", "undelivered", "63024"),  # the first failure's reason stays
    ("sent", "sent", None),
])
def test_a_callback_of_the_same_rank_leaves_the_row_as_it_was(runtime, whatsapp, frozen_clock, at, late, code):
    sid = "SM" + "a" * 32
    outbox_id = _outbound(runtime, at, twilio_sid=sid, error_code="63016" if at == "failed" else None)
    was = _row(runtime, outbox_id).updated_at
    frozen_clock.advance(minutes=1)
    whatsapp.status(sid, late, outbox_id=outbox_id, error_code=code)
    row = _row(runtime, outbox_id)
    assert (row.status, row.error_code, row.updated_at) == (at, "63016" if at == "failed" else None, was)
    whatsapp.status(sid, "read", outbox_id=outbox_id)
    assert _row(runtime, outbox_id).status == "read"  # a higher rank still moves it


# -- a conversation's replies go out in order ------------------------------------------------------
def _conversation_with_inbound(runtime, phone: str) -> InboundMessage:
    with runtime.db.session() as s:
        conversation = Conversation(office=OFFICE, phone=phone, last_inbound_at=now())  # the window is open
        s.add(conversation)
        s.flush()
        inbound = InboundMessage(message_sid=f"SM{phone[1:]:0>32}", office=OFFICE, from_number=phone,
                                 to_number="+62366000000", body="halo", conversation_id=conversation.id,
                                 processed_at=now())
        s.add(inbound)
        s.commit()
        return inbound


def test_a_reply_sent_first_by_its_worker_waits_for_the_earlier_ones_of_its_conversation(twilio_runtime, standin):
    runtime, other = twilio_runtime, "+6281234500099"
    mine, theirs = _conversation_with_inbound(runtime, CITIZEN), _conversation_with_inbound(runtime, other)
    office = runtime.offices.get(OFFICE)
    with runtime.db.session() as s:
        elsewhere = runtime.outbox.record_replies(s, office, theirs, [Reply("Untuk orang lain.")], "rest")[0].id
        notice = runtime.outbox.record_notice(s, office=office, to=CITIZEN, body="Pengingat.", kind="test",
                                              conversation_id=mine.conversation_id)[0].id
        first, second, third = (r.id for r in runtime.outbox.record_replies(
            s, office, mine, [Reply("Pertama."), Reply("Kedua."), Reply("Ketiga.")], "rest"))
        s.commit()
    assert runtime.sender.send(second) == "queued"  # its own send, not a skip after sending itself early
    assert [m.body for m in standin.messages] == ["Pertama.", "Kedua."]  # the earlier reply first, the later waits
    assert [_row(runtime, i).status for i in (first, second, third)] == ["queued", "queued", "pending"]
    # another conversation's reply and this conversation's notice are not its replies to wait for
    assert (_row(runtime, elsewhere).status, _row(runtime, notice).status) == ("pending", "pending")


def test_a_transient_error_sets_the_next_attempt_when_rqs_retry_is_due(twilio_runtime, standin, frozen_clock):
    runtime = twilio_runtime
    inbound = _conversation_with_inbound(runtime, CITIZEN)
    with runtime.db.session() as s:
        [row] = runtime.outbox.record_replies(s, runtime.offices.get(OFFICE), inbound, [Reply("Sebentar.")], "rest")
        s.commit()
    elsewhere = _outbound(runtime, "submitting")  # another worker's send, under way
    standin.fail_next(1, status=503, code=20503)
    with pytest.raises(TransientSendError):
        runtime.sender.send(row.id, retry_in=120)
    stored = _row(runtime, row.id)
    assert stored.status == "retrying" and _same(stored.next_attempt_at, now() + timedelta(seconds=120))
    assert _row(runtime, elsewhere).status == "submitting"  # this outcome is this row's alone
    # so the sweeper leaves it to RQ's retry until it is overdue
    with runtime.db.session() as s:
        assert row.id not in runtime.outbox.stale(s, timedelta(seconds=runtime.config.SWEEP_STALE))


# -- retries exhausted -----------------------------------------------------------------------------
def test_giving_up_fails_that_row_alone_with_the_last_error(runtime, frozen_clock):
    retrying, pending = _outbound(runtime, "retrying"), _outbound(runtime, "pending")
    delivered = _outbound(runtime, "delivered", twilio_sid="SM" + "b" * 32)
    frozen_clock.advance(minutes=3)
    runtime.sender.give_up(retrying, "TransientSendError: " + "x" * 600)
    row = _row(runtime, retrying)
    assert (row.status, row.error_code) == ("failed", "retries_exhausted")
    assert row.error_message == ("TransientSendError: " + "x" * 600)[:500] and _same(row.updated_at, now())
    assert _row(runtime, pending).status == "pending"
    runtime.sender.give_up(delivered, "late failure callback")  # a row that went out meanwhile stays as it is
    assert (_row(runtime, delivered).status, _row(runtime, delivered).error_code) == ("delivered", None)


# -- callbacks by SID, recorded as they came -------------------------------------------------------
def test_a_callback_without_our_row_id_finds_its_row_by_sid_and_is_recorded(runtime, whatsapp):
    first = _outbound(runtime, "queued", twilio_sid="SM" + "c" * 32)
    second = _outbound(runtime, "queued", twilio_sid="SM" + "d" * 32)
    whatsapp.status("SM" + "d" * 32, "undelivered", error_code="63024")  # no ?o=: an old callback URL
    assert (_row(runtime, second).status, _row(runtime, second).error_code) == ("undelivered", "63024")
    assert _row(runtime, first).status == "queued"
    whatsapp.status("SM" + "c" * 32, "delivered", outbox_id=first)
    with runtime.db.session() as s:
        events = [(e.twilio_sid[2:3], e.outbound_id, e.status, e.error_code)
                  for e in s.scalars(select(StatusEvent).order_by(StatusEvent.id))]
    assert events == [("d", second, "undelivered", "63024"), ("c", first, "delivered", None)]
    assert _row(runtime, first).status == "delivered"


def test_an_unknown_status_is_logged_and_changes_nothing(runtime, whatsapp, caplog):
    outbox_id = _outbound(runtime, "sent", twilio_sid="SM" + "e" * 32)
    with caplog.at_level(logging.WARNING, logger="bot.outbox"):
        whatsapp.status("SM" + "e" * 32, "teleported", outbox_id=outbox_id)
    assert [r.getMessage() for r in caplog.records if r.name == "bot.outbox"] == [
        f"unknown message status 'teleported' for SM{'e' * 32}"]
    assert _row(runtime, outbox_id).status == "sent"


# -- cancelling -------------------------------------------------------------------------------------
def test_cancel_touches_only_the_given_rows_not_yet_sent(runtime, frozen_clock):
    pending, retrying, sent = _outbound(runtime, "pending"), _outbound(runtime, "retrying"), _outbound(runtime, "sent")
    other = _outbound(runtime, "pending")
    frozen_clock.advance(minutes=1)
    with runtime.db.session() as s:
        assert runtime.outbox.cancel(s, [pending, retrying, sent]) == 2
        s.commit()
    assert [_row(runtime, i).status for i in (pending, retrying, sent, other)] == ["canceled", "canceled", "sent",
                                                                                   "pending"]
    assert _same(_row(runtime, pending).updated_at, now()) and not _same(_row(runtime, other).updated_at, now())


# -- the outbox's stale rows -------------------------------------------------------------------------
def test_stale_rows_are_those_due_before_the_cutoff_at_most_500(runtime, frozen_clock):
    start = now()
    with runtime.db.session() as s:
        s.add_all(OutboundMessage(office=OFFICE, to_number=CITIZEN, from_number="+62366000000", kind="test",
                                  channel="rest", status="pending", next_attempt_at=start) for _ in range(501))
        s.commit()
        ids = list(s.scalars(select(OutboundMessage.id).order_by(OutboundMessage.id)))
    frozen_clock.advance(minutes=2)
    with runtime.db.session() as s:
        assert runtime.outbox.stale(s, timedelta(minutes=2)) == []  # due exactly at the cutoff: not yet stale
        assert runtime.outbox.stale(s, timedelta(minutes=1)) == ids[:500]
