"""Edges of the outbox (bot/outbox.py) that the mutation run (bench/mutation.py delivery --modules
bot/outbox.py) showed no test decided. Notices: a long one split with its media, template, values and
choices on the first part only and its conversation and language on every part, an empty one kept
empty. Replies: choices kept only for buttons and lists and only when one message, a picture alone,
the office's own number as the sender. The jobs effects ask for and the job RQ is given for a row
(id, timeout, retries, failure record, due now or scheduled). What may be released and `release`; a
status that moves only forward and says whether it moved; a callback that beat the send's response.
Real Redis and RQ queues, real SQL."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from bot import statuses
from bot.clock import now
from bot.effects import Job
from bot.jobs import on_send_failure
from bot.models import Conversation, InboundMessage, OutboundMessage, StatusEvent
from flows.base import Option, Reply
from tests.support.whatsapp import CITIZEN, new_sid

OFFICE = "kejari-klungkung"
HOST = "+6281299990000"


def _notice(runtime, **values) -> list[int]:
    office = runtime.offices.get(OFFICE)
    with runtime.db.session() as session:
        rows = runtime.outbox.record_notice(session, office=office, to=HOST, kind="visit_notice", **values)
        session.commit()
        return [row.id for row in rows]


def _held(runtime, *, to: str = CITIZEN, office: str = OFFICE, kind: str = "visit_notice",
          reason: str | None = statuses.OUTSIDE_WINDOW, status: str = statuses.HELD, **values) -> int:
    """A notice's row, held by default (the person's window was closed), with `values` besides."""
    with runtime.db.session() as session:
        row = OutboundMessage(office=office, to_number=to, from_number="+62366000000", kind=kind, channel="rest",
                              body="Kunjungan", status=status, error_code=reason, next_attempt_at=now(), **values)
        session.add(row)
        session.commit()
        return row.id


def _get(runtime, outbox_id: int) -> OutboundMessage:
    with runtime.db.session() as session:
        return session.get(OutboundMessage, outbox_id)


def test_a_long_notice_carries_its_media_template_and_values_on_its_first_part_only(runtime):
    paragraphs = "\n\n".join(f"Paragraf {n}: " + "isi pemberitahuan " * 20 for n in range(12))
    assert len(paragraphs) > 1600
    ids = _notice(runtime, body=paragraphs, media_urls=["https://media.example/denah.png"],
                  content_sid="HX" + "1" * 32, content_variables={"1": "Budi"}, template_values={"name": "Budi"},
                  interactive={"lead": "Terima?", "button": "Pilih", "choices": [{"id": "1", "title": "Ya"}]})
    first, *rest = [_get(runtime, i) for i in ids]
    assert rest, "the notice is split in parts of at most 1600 characters"
    assert (first.media_urls, first.content_sid, first.content_variables, first.template_values) == (
        ["https://media.example/denah.png"], "HX" + "1" * 32, {"1": "Budi"}, {"name": "Budi"})
    for part in rest:  # sent once, with the first part: not once per part
        assert (part.media_urls, part.content_sid, part.content_variables, part.template_values) == (
            [], None, None, None)
    # Choices cannot follow a text WhatsApp shows in several messages: the parts go as plain text.
    assert [row.interactive for row in (first, *rest)] == [None] * len(ids)


def test_a_notice_with_only_a_template_is_one_row_with_an_empty_body(runtime):
    [outbox_id] = _notice(runtime, body="", content_sid="HX" + "2" * 32)
    assert _get(runtime, outbox_id).body == ""


def test_a_short_notice_keeps_its_choices(runtime):
    choices = {"lead": "Terima?", "button": "Pilih", "choices": [{"id": "1", "title": "Ya"}]}
    [outbox_id] = _notice(runtime, body="Ada tamu untuk Bapak.", interactive=choices)
    assert _get(runtime, outbox_id).interactive == choices


def test_jobs_due_now_go_to_the_queue_and_later_ones_to_the_scheduler_with_their_arguments(runtime, frozen_clock):
    queue = runtime.outbox.queue
    later = now() + timedelta(hours=2)
    runtime.outbox.schedule([Job("bot.survey.jobs.offer", (OFFICE, CITIZEN, "checkout", "VIS-1")),
                             Job("bot.survey.jobs.offer", (OFFICE, HOST, "checkout", "VIS-2"), at=now()),
                             Job("bot.visits.jobs.remind", ("VIS-3",), at=later)])
    queued = [queue.fetch_job(job_id) for job_id in queue.job_ids]
    assert [(job.func_name, job.args) for job in queued] == [
        ("bot.survey.jobs.offer", (OFFICE, CITIZEN, "checkout", "VIS-1")),
        ("bot.survey.jobs.offer", (OFFICE, HOST, "checkout", "VIS-2"))]  # due this instant: not "later"
    [scheduled_id] = queue.scheduled_job_registry.get_job_ids()
    scheduled = queue.fetch_job(scheduled_id)
    assert (scheduled.func_name, scheduled.args) == ("bot.visits.jobs.remind", ("VIS-3",))
    assert queue.scheduled_job_registry.get_scheduled_time(scheduled).timestamp() == later.timestamp()


def test_what_is_held_for_one_address_is_found_by_that_address_given_as_a_string(runtime):
    held = _held(runtime)
    with runtime.db.session() as session:
        assert runtime.outbox.releasable(session, office=OFFICE, to=CITIZEN) == [held]
        assert runtime.outbox.releasable(session, office=OFFICE, to=HOST) == []


def test_a_status_moves_forward_only_says_whether_it_moved_and_keeps_the_errors_text(runtime):
    outbox_id = _held(runtime, status="sent", reason=None)
    with runtime.db.session() as session:
        assert runtime.outbox.advance(session, outbox_id, "undelivered", "63016", "outside the 24-hour window")
        assert not runtime.outbox.advance(session, outbox_id, "sent")  # a late "sent": no way back
        assert not runtime.outbox.advance(session, outbox_id, "failed", "30008")  # same rank: no sideways move
        session.commit()
    row = _get(runtime, outbox_id)
    assert (row.status, row.error_code, row.error_message) == ("undelivered", "63016", "outside the 24-hour window")
    # A later status without a text of its own leaves the earlier text as it was.
    other = _held(runtime, status="queued", reason=None)
    with runtime.db.session() as session:
        assert runtime.outbox.advance(session, other, "failed", "63016", "outside the 24-hour window")
        session.commit()
    with runtime.db.session() as session:
        session.get(OutboundMessage, other).status = "sent"  # as if a slower writer had read it earlier
        session.commit()
        assert runtime.outbox.advance(session, other, "failed", "63016")
        session.commit()
    assert _get(runtime, other).error_message == "outside the 24-hour window"


def test_a_callback_that_beat_the_sends_response_is_applied_once_the_sid_is_known(runtime, whatsapp):
    outbox_id = _held(runtime, status=statuses.SUBMITTING, reason=None)
    sid, stranger = "SM" + "a" * 32, "SM" + "b" * 32
    # Twilio's callbacks (no ?o= of ours) arrive before the REST response that tells us the SID.
    runtime.outbox.apply_status(sid, "failed", "63016", None)
    runtime.outbox.apply_status(stranger, "delivered", None, None)
    with runtime.db.session() as session:
        runtime.outbox.attach_sid(session, outbox_id, sid)
        session.commit()
        events = {e.twilio_sid: e.outbound_id for e in session.scalars(select(StatusEvent))}
    row = _get(runtime, outbox_id)
    assert (row.twilio_sid, row.status, row.error_code) == (sid, "failed", "63016")
    assert events == {sid: outbox_id, stranger: None}  # another message's callback waits for its own row


def test_a_row_keeps_the_first_sid_it_was_given(runtime):
    first = "SM" + "c" * 32
    outbox_id = _held(runtime, status="sent", reason=None, twilio_sid=first)
    with runtime.db.session() as session:
        runtime.outbox.attach_sid(session, outbox_id, "SM" + "d" * 32)  # a late response for an earlier attempt
        session.commit()
    assert _get(runtime, outbox_id).twilio_sid == first


def _releasable(runtime, **asked) -> list[int]:
    with runtime.db.session() as session:
        return runtime.outbox.releasable(session, **asked)


def test_what_may_be_released_is_a_held_notice_still_worth_sending(runtime, frozen_clock):
    later, earlier = now() + timedelta(hours=1), now() - timedelta(minutes=1)
    mine = [_held(runtime), _held(runtime, reason=statuses.TEMPLATE_PENDING, kind="visit_reminder"),
            _held(runtime, expires_at=later)]
    not_mine = [
        _held(runtime, kind="reply"), _held(runtime, kind="officer_reply"),  # yesterday's conversation
        _held(runtime, handled_at=now()),  # an officer took care of it
        _held(runtime, expires_at=earlier), _held(runtime, expires_at=now()),  # its moment has passed
        _held(runtime, status="failed"), _held(runtime, status=statuses.PENDING)]
    expired = _held(runtime, reason=statuses.EXPIRED)  # not a reason to hold: the sweeper gave it up
    assert not_mine and _releasable(runtime, office=OFFICE, to=CITIZEN) == mine
    assert _releasable(runtime) == mine  # any office, any address
    assert _releasable(runtime, reasons=[*statuses.HOLD_REASONS, statuses.EXPIRED]) == [*mine, expired]
    assert _releasable(runtime, kinds=["visit_reminder"]) == [mine[1]]
    assert _releasable(runtime, reasons=[statuses.TEMPLATE_PENDING]) == [mine[1]]
    assert _releasable(runtime, reasons=[]) == [] and _releasable(runtime, to=[]) == []


def test_held_notices_are_found_by_any_number_of_addresses_oldest_first(runtime):
    people = [f"+62812345001{n:02d}" for n in range(7)]
    held = {person: _held(runtime, to=person) for person in reversed(people)}  # the last person's is the oldest
    _held(runtime, to=people[0], office="setda-klungkung")
    for count in (1, 2, 4, 5, 7):  # up to 4 as plain parameters, more as one list
        asked = people[:count]
        assert _releasable(runtime, office=OFFICE, to=asked) == sorted(held[p] for p in asked)
    assert _releasable(runtime, office=OFFICE, to=(people[1], people[1])) == [held[people[1]]]


def test_release_makes_held_rows_pending_again_and_failed_ones_only_when_asked(runtime, frozen_clock):
    held = _held(runtime, error_message="outside the window")
    failed = _held(runtime, status="failed", reason="63016", error_message="refused")
    undelivered = _held(runtime, status="undelivered", reason="63024")
    sent, canceled = _held(runtime, status="sent", reason=None), _held(runtime, status="canceled", reason=None)
    unasked = _held(runtime, to="+6281234500077")
    frozen_clock.advance(minutes=5)
    with runtime.db.session() as session:
        assert runtime.outbox.release(session, []) == []
        assert runtime.outbox.release(session, [held, failed, undelivered, sent, canceled]) == [held]
        session.commit()
    row = _get(runtime, held)
    assert (row.status, row.error_code, row.error_message) == (statuses.PENDING, None, None)
    assert row.next_attempt_at.replace(tzinfo=None) == now().replace(tzinfo=None)
    assert _get(runtime, failed).status == "failed"  # not without an officer asking
    assert _get(runtime, unasked).status == statuses.HELD  # only the rows asked for
    with runtime.db.session() as session:  # an officer's "send again"
        again = runtime.outbox.release(session, [failed, undelivered, sent, canceled], also_failed=True)
        session.commit()
    assert sorted(again) == [failed, undelivered]
    assert [(_get(runtime, i).status, _get(runtime, i).error_code) for i in (failed, undelivered, sent, canceled)] == [
        (statuses.PENDING, None), (statuses.PENDING, None), ("sent", None), ("canceled", None)]


def _replies(runtime, replies, channel: str, *, office: str | None = OFFICE, to: str | None = None,
             **options) -> tuple[list[OutboundMessage], list]:
    """Record `replies` to a citizen's message, as the inbox does, and detach them as the webhook does."""
    known = runtime.offices.get(office) if office else None
    with runtime.db.session() as session:
        inbound = InboundMessage(message_sid=new_sid(), office=office, from_number=CITIZEN,
                                 to_number=to or known.whatsapp, body="halo")
        session.add(inbound)
        session.flush()
        rows = runtime.outbox.record_replies(session, known, inbound, replies, channel, **options)
        session.commit()
        return [session.get(OutboundMessage, row.id) for row in rows], runtime.outbox.detach(rows)


MENU = Reply("Silakan pilih:\n1. Layanan\n2. Kunjungan", options=(Option("1", "Layanan"), Option("2", "Kunjungan")),
             lead="Silakan pilih:", button="Menu")


def test_a_replys_choices_are_kept_only_for_buttons_and_lists_and_only_when_it_is_one_message(runtime):
    [numbered], _ = _replies(runtime, [MENU], "twiml")  # TwiML cannot carry them: the numbered text
    assert numbered.interactive is None and numbered.status == statuses.ANSWERED
    long = Reply("\n\n".join("Paragraf " + "isi " * 100 for _ in range(6)), options=MENU.options, lead="Pilih:")
    [menu, *parts], _ = _replies(runtime, [MENU, long], "rest", interactive=True, lang="en")
    assert menu.interactive == {"lead": "Silakan pilih:", "button": "Menu",
                                "choices": [{"id": "1", "title": "Layanan"}, {"id": "2", "title": "Kunjungan"}]}
    assert len(parts) > 1 and [part.interactive for part in parts] == [None] * len(parts)
    assert {row.lang for row in (menu, *parts)} == {"en"} and menu.status == statuses.PENDING


def test_a_reply_of_only_a_picture_is_one_message_answered_with_its_media(runtime):
    rows, sent = _replies(runtime, [Reply("", media_url="https://media.example/denah.png")], "twiml")
    assert [(row.body, row.media_urls) for row in rows] == [("", ["https://media.example/denah.png"])]
    assert [(s.id, s.body, s.media_urls) for s in sent] == [(rows[0].id, "", ("https://media.example/denah.png",))]
    _, [plain] = _replies(runtime, [Reply("Terima kasih.")], "twiml")
    assert plain.media_urls == ()


def test_a_reply_through_the_outbox_whose_job_was_lost_is_found_stale(runtime, frozen_clock):
    """The sweeper finds lost jobs by their row's due moment: a reply's is the moment it was recorded."""
    [reply], _ = _replies(runtime, [MENU], "rest", interactive=True)
    assert reply.next_attempt_at.replace(tzinfo=None) == now().replace(tzinfo=None)
    frozen_clock.advance(minutes=3)
    with runtime.db.session() as session:
        assert runtime.outbox.stale(session, timedelta(minutes=2)) == [reply.id]
        assert runtime.outbox.stale(session, timedelta(minutes=4)) == []


def test_a_row_is_handed_to_rq_by_its_own_job_id_with_its_timeout_retries_and_failure_record(runtime, frozen_clock):
    [due] = _notice(runtime, body="Ada tamu untuk Bapak.")
    send_at = now() + timedelta(hours=3)
    [reminder] = _notice(runtime, body="Pengingat kunjungan besok.", send_at=send_at)
    runtime.outbox.enqueue([due, reminder])
    queue = runtime.outbox.queue
    job = queue.fetch_job(f"outbox-{due}")  # the sweeper's repair finds and replaces it by this id
    assert queue.job_ids == [job.id]
    assert (job.func_name, job.args, job.timeout, job.failure_ttl) == (
        "bot.jobs.send_outbound", (due,), 60, 7 * 24 * 3600)
    intervals = runtime.outbox.retry_intervals
    assert intervals and (job.retries_left, job.retry_intervals) == (len(intervals), intervals)
    assert job.failure_callback is on_send_failure  # gives the row up once RQ's retries are spent
    [later] = queue.scheduled_job_registry.get_job_ids()
    assert later == f"outbox-{reminder}" and queue.fetch_job(later).args == (reminder,)
    assert queue.scheduled_job_registry.get_scheduled_time(later).timestamp() == send_at.timestamp()


def test_a_row_due_within_a_second_goes_to_the_worker_now_and_later_ones_to_the_scheduler(runtime, frozen_clock):
    [soon] = _notice(runtime, body="Segera.", send_at=now() + timedelta(seconds=1))  # RQ's scheduler polls
    [later] = _notice(runtime, body="Nanti.", send_at=now() + timedelta(seconds=2))
    runtime.outbox.enqueue([soon, later])
    queue = runtime.outbox.queue
    assert queue.job_ids == [f"outbox-{soon}"]
    assert queue.scheduled_job_registry.get_job_ids() == [f"outbox-{later}"]


def test_a_notice_belongs_to_its_conversation_and_keeps_its_language_on_every_part(runtime):
    with runtime.db.session() as session:
        conversation = Conversation(office=OFFICE, phone=HOST, state={}, version=0, lang="en")
        session.add(conversation)
        session.commit()
        conversation_id = conversation.id
    body = "\n\n".join("Paragraph " + "visit details " * 40 for _ in range(6))
    ids = _notice(runtime, body=body, conversation_id=conversation_id, lang="en")
    parts = [_get(runtime, i) for i in ids]
    assert len(parts) > 1 and {(p.conversation_id, p.lang) for p in parts} == {(conversation_id, "en")}


def test_a_reply_is_sent_from_the_offices_own_number_or_from_the_number_written_to(runtime):
    office = runtime.offices.get(OFFICE)
    national = "0" + office.whatsapp.removeprefix("+62")  # the same number, written the local way
    [mine], _ = _replies(runtime, [Reply("Halo.")], "twiml", to=national)
    assert (mine.office, mine.from_number) == (OFFICE, office.whatsapp)
    [stray], _ = _replies(runtime, [Reply("Nomor ini bukan nomor kantor.")], "twiml", office=None, to="+6285000000000")
    assert (stray.office, stray.from_number, stray.to_number) == (None, "+6285000000000", CITIZEN)
