"""Nothing processed twice, nothing lost: repeated MessageSids, Redis losing state, crashes."""

from __future__ import annotations

import io
import threading

import pytest
from redis.exceptions import ConnectionError as RedisConnectionError
from sqlalchemy import func, select

from bot import runtime as runtime_module
from bot.models import Conversation, InboundMessage, OutboundMessage
from bot.transports import ConsoleTransport
from flows import menu, office_info
from flows.registry import FlowRegistry
from tests.support import sample_flow


@pytest.fixture
def console():
    return io.StringIO()


@pytest.fixture
def runtime(config, clean_state, frozen_clock, console):
    rt = runtime_module.build(config, registry=FlowRegistry([menu.flow, sample_flow.flow, office_info.flow]),
                              transport=ConsoleTransport(console))
    yield rt
    rt.db.dispose()


def rows(runtime, model, *where):
    with runtime.db.session() as session:
        return session.scalars(select(model).where(*where).order_by(model.id)).all()


def test_repeated_message_sid_is_answered_from_the_record_not_processed_again(whatsapp, runtime):
    whatsapp.send("halo")
    form = whatsapp.form("1")
    first = whatsapp.send_form(form)
    again = whatsapp.send_form(form)
    assert first.messages == again.messages == ["SAMPLE: nama Anda?"]
    assert first.actions == again.actions  # the same outbox rows, not new ones
    assert len(rows(runtime, InboundMessage)) == 2
    replies = rows(runtime, OutboundMessage, OutboundMessage.in_reply_to_id == rows(runtime, InboundMessage)[1].id)
    assert len(replies) == 1
    # Not processed twice: the conversation moved one step, not two.
    assert "SAMPLE: kota Anda, Wayan?" in whatsapp.send("Wayan").text


def test_same_message_sid_twice_at_once_is_processed_once(app, whatsapp, runtime):
    whatsapp.send("halo")
    whatsapp.send("1")
    form = whatsapp.form("Komang")
    barrier = threading.Barrier(2)
    answers = []

    def deliver():
        client = app.test_client()  # one client each, like two Twilio requests
        barrier.wait()
        answers.append(whatsapp.answer(whatsapp.post("/twilio/whatsapp", form, client=client)))

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)
    assert [a.status for a in answers] == [200, 200]
    assert answers[0].messages == answers[1].messages == ["SAMPLE: kota Anda, Komang?"]
    inbound = rows(runtime, InboundMessage, InboundMessage.message_sid == form["MessageSid"])
    assert len(inbound) == 1
    assert len(rows(runtime, OutboundMessage, OutboundMessage.in_reply_to_id == inbound[0].id)) == 1
    assert "Komang dari Tabanan" in whatsapp.send("Tabanan").text


def test_conversation_survives_redis_losing_everything(whatsapp, runtime):
    whatsapp.send("1")
    whatsapp.send("Putu")
    runtime.redis.flushall()  # a Redis restart without persistence
    assert "Putu dari Bangli" in whatsapp.send("Bangli").text


def test_crash_between_sql_commit_and_redis_write_loses_nothing(whatsapp, runtime, monkeypatch):
    whatsapp.send("1")
    real_save = runtime.store.save

    def crash(conversation, state=None):
        raise RedisConnectionError("Redis went away right after the SQL commit")

    monkeypatch.setattr(runtime.store, "save", crash)
    # The commit happened, so the citizen still gets the real answer (from the record).
    assert whatsapp.send("Gede").messages == ["SAMPLE: kota Anda, Gede?"]
    monkeypatch.setattr(runtime.store, "save", real_save)
    # Redis still holds the state before "Gede"; SQL has the newer one, and wins.
    assert runtime.store.load("kejari-klungkung", "+6281234500001", None).step == "sample:name"
    answer = whatsapp.send("Klungkung")
    assert "Gede dari Klungkung" in answer.text


def test_redis_down_during_a_message_records_it_and_the_sweeper_answers_later(whatsapp, runtime, monkeypatch, work,
                                                                             frozen_clock, console):
    whatsapp.send("1")

    def down(*args, **kwargs):
        raise RedisConnectionError("Redis is restarting")

    monkeypatch.setattr(runtime.store, "lock", down)
    answer = whatsapp.send("Kadek")
    assert answer.messages == [runtime.messages.text("id", "system.busy")]
    inbound = rows(runtime, InboundMessage, InboundMessage.body == "Kadek")[0]
    assert inbound.processed_at is None  # recorded, not lost
    monkeypatch.undo()

    frozen_clock.advance(minutes=3)
    runtime_module.install(runtime)
    from bot import jobs

    assert jobs.sweep()["inbound"] == 1
    work()  # processes the message and sends its reply through the outbox (console transport here)
    inbound = rows(runtime, InboundMessage, InboundMessage.body == "Kadek")[0]
    assert inbound.processed_at is not None
    sent = rows(runtime, OutboundMessage, OutboundMessage.in_reply_to_id == inbound.id,
                OutboundMessage.kind == "reply")
    assert [r.body for r in sent] == ["SAMPLE: kota Anda, Kadek?"] and sent[0].channel == "rest"
    assert sent[0].status == "sent" and sent[0].twilio_sid.startswith("CO")
    assert "SAMPLE: kota Anda, Kadek?" in console.getvalue()  # the console transport printed it
    assert "Kadek dari Buleleng" in whatsapp.send("Buleleng").text


def test_versions_only_grow(whatsapp, runtime):
    for text in ("halo", "1", "Ayu", "kembali", "Ayu"):
        whatsapp.send(text)
    with runtime.db.session() as session:
        version = session.scalar(select(Conversation.version))
        count = session.scalar(select(func.count()).select_from(InboundMessage))
    assert version == count == 5
