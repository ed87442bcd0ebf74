"""Edges of the inbox (bot/inbox.py) that the mutation run (bench/mutation.py delivery --modules
bot/inbox.py) showed no test decided: the "busy" answer to a message that could not be processed now
is the office's notice, not the message's reply; what the inbound row records (a location pin as its
place, media, the sender's name masked, the moment); the lock a message waits for (its own
conversation's, no other, the number's for a user ID linked to it); what is logged when the flows
are not run or fail; one conversation per person and office, whether they write with their number,
their WhatsApp user ID or both, a linked user ID kept; `record`'s (id, added) for a repeat, and an
error that is not a repeat; what the engine is given (a location pin, the conversation a waiting
citizen's request is found by); `receive` finding the office itself; the apology in the citizen's
language; a message releasing only what its own office held for its own sender. Real Redis, real
SQL, real webhook requests (the sample flow of tests/support for a flow's bug, the product's flows
where `runtime` is "all flows")."""

from __future__ import annotations

import logging
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot import defaults, keys, statuses
from bot import runtime as runtime_module
from bot.clock import now
from bot.exceptions import ConversationBusy
from bot.inbound import Inbound
from bot.masking import mask_nik, mask_phone
from bot.models import Conversation, InboundMessage, OutboundMessage
from flows import menu, office_info
from flows.registry import FlowRegistry
from tests.support import sample_flow
from tests.support.whatsapp import CITIZEN, new_sid

OFFICE = "kejari-klungkung"


@pytest.fixture
def runtime(config, clean_state, frozen_clock, request):
    """The sample flow's registry; the product's own flows with `indirect` "all flows"."""
    everything = getattr(request, "param", None) == "all flows"
    registry = None if everything else FlowRegistry([menu.flow, sample_flow.flow, office_info.flow])
    rt = runtime_module.build(config, registry=registry)
    yield rt
    rt.db.dispose()


def _same(moment, expected) -> bool:
    """SQLite gives back naive UTC."""
    return moment.replace(tzinfo=None) == expected.replace(tzinfo=None)


def _rows(runtime, model, *where):
    with runtime.db.session() as session:
        return list(session.scalars(select(model).where(*where).order_by(model.id)))


def _busy(*args, **kwargs):
    raise ConversationBusy("another message of this conversation is being processed")


def test_the_busy_answer_is_the_offices_notice_not_the_messages_reply(whatsapp, runtime, monkeypatch):
    monkeypatch.setattr(runtime.store, "lock", _busy)
    answer = whatsapp.send("halo")
    assert answer.messages == [runtime.messages.text("id", "system.busy")]
    [inbound] = _rows(runtime, InboundMessage)
    [row] = _rows(runtime, OutboundMessage)
    office = runtime.offices.get(OFFICE)
    assert (row.office, row.from_number, row.to_number) == (OFFICE, office.whatsapp, CITIZEN)
    # Not the answer to this message (that comes once it is processed): a notice, so that a redelivered
    # MessageSid is answered with the real replies, and the desk lists it as a notice.
    assert row.kind == "notice" and row.in_reply_to_id == inbound.id and inbound.processed_at is None


def test_a_location_pin_is_recorded_as_its_place_with_a_nik_in_its_label_masked(whatsapp, runtime):
    nik = "5171012345678901"
    form = whatsapp.form("")
    form.update(Latitude="-8.5361", Longitude="115.4042", Label=f"Rumah NIK {nik}", Address="Jl. Puputan")
    assert whatsapp.send_form(form).status == 200
    [row] = _rows(runtime, InboundMessage)
    assert row.body == f"📍 Rumah NIK {mask_nik(nik)}, Jl. Puputan (-8.536100, 115.404200)"
    assert nik not in row.body and mask_nik(nik) != nik
    assert (row.location["latitude"], row.location["longitude"]) == (-8.5361, 115.4042)
    assert row.location["address"] == "Jl. Puputan"
    assert row.location["label"] == f"Rumah NIK {mask_nik(nik)}"  # the pin's own fields too


def test_a_message_is_recorded_with_its_media_sender_and_moment_before_it_is_processed(whatsapp, runtime,
                                                                                          frozen_clock):
    nik = "5171012345678901"
    photo = "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1"
    assert whatsapp.send("halo", media=((photo, "image/jpeg"),), profile=f"Budi {nik}").status == 200
    frozen_clock.advance(minutes=1)
    assert whatsapp.send("menu", profile="").status == 200  # WhatsApp sent no name this time
    assert whatsapp.send("", media=((photo, "image/webp"),), profile="").status == 200  # a sticker: no text
    first, second, sticker = _rows(runtime, InboundMessage)
    assert sticker.body == "" and first.body == "halo" and sticker.location is None
    assert (first.num_media, first.media) == (1, [{"url": photo, "content_type": "image/jpeg"}])
    assert (second.num_media, second.media) == (0, [])
    assert first.profile_name == f"Budi {mask_nik(nik)}" and second.profile_name is None
    assert first.wa_id == CITIZEN.lstrip("+") and first.office == OFFICE
    assert first.to_number == "whatsapp:" + runtime.offices.get(OFFICE).whatsapp and first.from_number == CITIZEN
    assert _same(second.received_at, now()) and _same(first.received_at, now() - timedelta(minutes=1))
    [conversation] = _rows(runtime, Conversation)
    # The name the person gave stays on the conversation when a later message comes without one.
    assert conversation.profile_name == f"Budi {mask_nik(nik)}" and _same(conversation.last_inbound_at, now())


def test_what_the_inbox_logs_when_it_answers_without_the_flows(whatsapp, runtime, monkeypatch, caplog):
    stranger = "whatsapp:+6285000000000"  # a number that is no office's
    form = whatsapp.form("halo", to=stranger)
    with caplog.at_level(logging.INFO, logger="bot.inbox"):
        first, again = whatsapp.send_form(form), whatsapp.send_form(form)
        monkeypatch.setattr(runtime.store, "lock", _busy)
        whatsapp.send("halo")
    assert first.messages == again.messages == [runtime.messages.text("id", "system.unknown_office")]
    _stray, busy = _rows(runtime, InboundMessage)
    sid = form["MessageSid"]
    assert [r.getMessage() for r in caplog.records if r.name == "bot.inbox"] == [
        f"message {sid} to unknown number {stranger}",
        f"duplicate MessageSid {sid}: answering from the record",
        f"message {sid} to unknown number {stranger}",
        f"inbound {busy.id} not processed now: ConversationBusy"]


def test_a_bug_in_a_flow_is_recorded_on_its_message_and_logged_with_the_number_masked(whatsapp, runtime, caplog):
    whatsapp.send("1")
    whatsapp.send("Nyoman")
    caplog.clear()
    with caplog.at_level(logging.INFO, logger="bot.inbox"):
        answer = whatsapp.send("crash")  # the sample flow's bug
    office = runtime.offices.get(OFFICE)
    assert answer.messages == [runtime.messages.text("id", "system.error", hotline=office.hotline)]
    crashed = _rows(runtime, InboundMessage)[-1]
    assert crashed.error == "engine error" and crashed.processed_at is not None
    [failed, answered] = [r for r in caplog.records if r.name == "bot.inbox"]
    assert failed.levelno == logging.ERROR and failed.exc_info is not None
    assert failed.getMessage() == f"engine failed on inbound {crashed.id} ({mask_phone(CITIZEN)})"
    assert answered.getMessage() == "answered at sample:city: 1 in the reply, 0 through the outbox"
    # The conversation stays where it was, with what it held, and its version still grows.
    [conversation] = _rows(runtime, Conversation)
    assert conversation.version == 3 and conversation.state["step"] == "sample:city"
    assert "Nyoman dari Gianyar" in whatsapp.send("Gianyar").text


def test_a_message_waits_for_its_own_conversations_lock_and_no_other(whatsapp, runtime, monkeypatch):
    monkeypatch.setattr(defaults, "CONVERSATION_LOCK_WAIT", 0)  # busy at once instead of after 10 s
    other_worker = runtime.redis.lock(keys.conversation_lock(OFFICE, CITIZEN), timeout=60)
    assert other_worker.acquire(blocking=False)  # another worker is processing this conversation
    assert whatsapp.send("halo").messages == [runtime.messages.text("id", "system.busy")]
    # The same person writing to another office, and another person here, are not held up by it.
    assert "*Menu utama*" in whatsapp.send("halo", office="kejari-alor").text
    assert "*Menu utama*" in whatsapp.send("halo", from_="+6281234500002").text
    other_worker.release()
    assert "*Menu utama*" in whatsapp.send("halo").text


def test_a_number_that_joined_a_user_ids_conversation_waits_for_that_conversations_lock(whatsapp, runtime,
                                                                                         monkeypatch):
    user_id, number = "ID.1502576394655843", "+6281234500077"
    whatsapp.send("halo", from_=user_id)  # the person wrote first with their WhatsApp user ID alone
    monkeypatch.setattr(defaults, "CONVERSATION_LOCK_WAIT", 0)
    other_worker = runtime.redis.lock(keys.conversation_lock(OFFICE, user_id), timeout=60)
    assert other_worker.acquire(blocking=False)
    answer = whatsapp.send("menu", from_=number, external_user_id=user_id)  # now with the number beside it
    assert answer.messages == [runtime.messages.text("id", "system.busy")]
    other_worker.release()


USER_ID, NUMBER = "ID.1502576394655843", "+6281234500077"


def _conversations(runtime) -> set[tuple[str, str, str | None]]:
    return {(c.office, c.phone, c.bsuid) for c in _rows(runtime, Conversation)}


def test_a_person_has_one_conversation_per_office_whatever_they_write_with(whatsapp, runtime):
    whatsapp.send("halo")
    whatsapp.send("halo", office="kejari-alor")  # the same number, another office: another conversation
    whatsapp.send("halo", from_=NUMBER, external_user_id=USER_ID)  # linked here...
    whatsapp.send("halo", from_=USER_ID, office="kejari-alor")  # ...not there: the user ID alone starts one
    other_id, other_number = "ID.1502576394600002", "+6281234500078"
    whatsapp.send("halo", from_=other_id)  # a user ID first here...
    whatsapp.send("halo", from_=other_number, external_user_id=other_id, office="kejari-alor")  # ...not there
    assert _conversations(runtime) == {
        (OFFICE, CITIZEN, None), ("kejari-alor", CITIZEN, None),
        (OFFICE, NUMBER, USER_ID), ("kejari-alor", USER_ID, None),
        (OFFICE, other_id, None), ("kejari-alor", other_number, other_id)}
    by_id = {c.id: c.office for c in _rows(runtime, Conversation)}
    assert [by_id[m.conversation_id] for m in _rows(runtime, InboundMessage)] == [OFFICE, "kejari-alor"] * 3


def test_a_user_id_once_linked_stays_linked_to_its_number(whatsapp, runtime):
    whatsapp.send("halo", from_=NUMBER, external_user_id=USER_ID)
    # The number comes later with another user ID (WhatsApp gave the number to someone else, say): the
    # conversation keeps the ID it was linked to, and that ID alone still joins it.
    whatsapp.send("halo", from_=NUMBER, external_user_id="ID.1502576394600003")
    whatsapp.send("halo", from_=USER_ID)
    [conversation] = _rows(runtime, Conversation)
    assert (conversation.phone, conversation.bsuid) == (NUMBER, USER_ID)
    assert {m.conversation_id for m in _rows(runtime, InboundMessage)} == {conversation.id}


def test_a_user_id_alone_waits_for_the_lock_of_the_number_it_was_linked_to(whatsapp, runtime, monkeypatch):
    whatsapp.send("halo", from_=NUMBER, external_user_id=USER_ID)
    monkeypatch.setattr(defaults, "CONVERSATION_LOCK_WAIT", 0)
    other_worker = runtime.redis.lock(keys.conversation_lock(OFFICE, NUMBER), timeout=60)
    assert other_worker.acquire(blocking=False)
    assert whatsapp.send("menu", from_=USER_ID).messages == [runtime.messages.text("id", "system.busy")]
    other_worker.release()
    assert "*Menu utama*" in whatsapp.send("menu", from_=USER_ID).text


@pytest.mark.parametrize("runtime", ["all flows"], indirect=True)
def test_a_citizen_waiting_for_an_officer_is_reassured_from_their_own_request(whatsapp, runtime, frozen_clock):
    assert "petugas" in whatsapp.send("petugas").text
    assert whatsapp.send("halo? ada orang?").messages == []  # acknowledged a moment ago
    frozen_clock.advance(minutes=11)  # the flow finds the request by the conversation the inbox gives it
    assert "Mohon menunggu" in whatsapp.send("masih menunggu").text


def test_a_location_pin_is_answered_with_where_the_office_is(whatsapp, runtime):
    whatsapp.send("halo")
    form = whatsapp.form("")
    form.update(Latitude="-8.5361", Longitude="115.4042", Label="Rumah", Address="Jl. Puputan")
    answer = whatsapp.send_form(form)
    office = runtime.offices.get(OFFICE)
    assert answer.messages[0] == runtime.messages.text(
        "id", "common.location_received", address=office.address, url=office_info.map_url(office))


def test_record_commits_a_message_once_and_finds_it_again_by_its_sid(whatsapp, runtime):
    to = whatsapp.office_number(OFFICE)
    earlier = runtime.inbox.record(Inbound(new_sid(), CITIZEN, to, "halo"))
    inbound = Inbound(new_sid(), CITIZEN, to, "menu")
    inbound_id, added = runtime.inbox.record(inbound)  # no office given: found by the number written to
    assert added is True and inbound_id != earlier[0]
    assert runtime.inbox.record(inbound) == (inbound_id, False)  # Twilio's retry: the same row
    assert [(m.id, m.office, m.body) for m in _rows(runtime, InboundMessage)] == [
        (earlier[0], OFFICE, "halo"), (inbound_id, OFFICE, "menu")]


def test_a_message_the_database_refuses_for_another_reason_is_not_taken_for_a_repeat(whatsapp, runtime):
    refused = Inbound(None, CITIZEN, whatsapp.office_number(OFFICE), "halo")  # no MessageSid: NOT NULL
    with pytest.raises(RuntimeError, match=r"^inbound message could not be recorded$"):
        runtime.inbox.record(refused)
    assert _rows(runtime, InboundMessage) == []


def test_receive_without_the_office_finds_it_by_the_number_written_to(whatsapp, runtime):
    """The desk's simulator hands `receive` a message without its office: the flows still answer it."""
    to = whatsapp.office_number(OFFICE)
    [sent] = runtime.inbox.receive(Inbound(new_sid(), CITIZEN, to, "1"), "rest")
    assert _rows(runtime, InboundMessage)[0].office == OFFICE
    [reply] = _rows(runtime, OutboundMessage)
    assert (reply.id, reply.channel, reply.body) == (sent.id, "rest", "SAMPLE: nama Anda?")


def test_a_citizen_who_reads_english_gets_the_apology_in_english(whatsapp, runtime):
    whatsapp.send("english")
    whatsapp.send("1")
    whatsapp.send("Nyoman")
    answer = whatsapp.send("crash")  # the sample flow's bug
    office = runtime.offices.get(OFFICE)
    english = runtime.messages.text("en", "system.error", hotline=office.hotline)
    assert answer.messages == [english] and english != runtime.messages.text("id", "system.error",
                                                                             hotline=office.hotline)


def _held(runtime, office: str, to: str) -> int:
    """A visit notice the sender held: the person's 24-hour window with `office` was closed."""
    with runtime.db.session() as session:
        row = OutboundMessage(office=office, to_number=to, from_number=runtime.offices.get(office).whatsapp,
                              kind="visit_notice", channel="rest", body="Kunjungan", status=statuses.HELD,
                              error_code=statuses.OUTSIDE_WINDOW, next_attempt_at=now())
        session.add(row)
        session.commit()
        return row.id


def test_a_message_releases_only_what_its_own_office_held_for_its_own_sender(whatsapp, runtime):
    """Writing opens the window with this office only: another office's notice for the same person,
    or this office's notice for someone else, would be sent outside its window (Twilio refuses it)."""
    mine = _held(runtime, OFFICE, CITIZEN)
    other_office = _held(runtime, "setda-klungkung", CITIZEN)
    other_person = _held(runtime, OFFICE, "+6281234500099")
    whatsapp.send("halo")
    status = {row.id: row.status for row in _rows(runtime, OutboundMessage, OutboundMessage.kind == "visit_notice")}
    assert status == {mine: statuses.PENDING, other_office: statuses.HELD, other_person: statuses.HELD}
