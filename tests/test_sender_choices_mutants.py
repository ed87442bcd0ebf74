"""A row's choices at the sender (bot/sender.py `Sender._choices`), where the mutation run
(bench/mutation.py delivery) showed no test decided: without the Content API client (interactive
off) the row goes as its numbered text whatever Redis holds; choices without the text above them or
without a button label go as text too (WhatsApp's list needs both); a row with no language still
gets its list; a failing Content API leaves a warning naming the row and the error. Real Redis, real
SQL, the Twilio stand-in with its Content API."""

from __future__ import annotations

import logging

import pytest

from bot.clock import now
from bot.models import Conversation, OutboundMessage
from tests.support.twilio_content import LIST_PICKER

OFFICE = "kejari-klungkung"
HOST = "+6281234500077"
BODY = "Ada tamu untuk Bapak.\n\n1. Terima\n2. Tolak\n3. Usulkan waktu lain"
CHOICES = [{"id": "accept", "title": "Terima"}, {"id": "decline", "title": "Tolak"},
           {"id": "propose", "title": "Usulkan waktu lain"}, {"id": "forward", "title": "Alihkan ke pegawai lain"}]
SPEC = {"lead": "Ada tamu untuk Bapak.", "button": "Pilih", "choices": CHOICES}


@pytest.fixture
def config(config, standin, request):
    config.WHATSAPP_INTERACTIVE = getattr(request, "param", True)
    config.TWILIO_CONTENT_API_URL = standin.url
    return config


@pytest.fixture
def runtime(twilio_runtime):
    with twilio_runtime.db.session() as session:  # the host wrote a moment ago: the window is open
        session.add(Conversation(office=OFFICE, phone=HOST, state={}, version=0, lang="id", last_inbound_at=now()))
        session.commit()
    return twilio_runtime


def _notice(runtime, interactive: dict, lang: str | None = "id") -> int:
    with runtime.db.session() as session:
        [row] = runtime.outbox.record_notice(session, office=runtime.offices.get(OFFICE), to=HOST, body=BODY,
                                             kind="host_notice", lang=lang, interactive=interactive)
        session.commit()
        return row.id


def _status(runtime, outbox_id: int) -> str:
    with runtime.db.session() as session:
        return session.get(OutboundMessage, outbox_id).status


@pytest.mark.parametrize("config", [False], indirect=True)
def test_without_the_content_api_a_rows_choices_go_as_its_numbered_text(runtime, standin):
    assert runtime.sender.content is None and runtime.sender.redis is not None  # interactive off, Redis on
    outbox_id = _notice(runtime, SPEC)
    assert runtime.sender.send(outbox_id) == "queued"
    [message] = standin.messages
    assert message.content_sid is None and message.body == BODY
    assert standin.content_requests == [] and _status(runtime, outbox_id) == "queued"


@pytest.mark.parametrize("missing", ["lead", "button"])
@pytest.mark.parametrize("choices", [CHOICES[:2], CHOICES], ids=["buttons", "list"])
def test_choices_without_their_lead_or_button_label_go_as_the_numbered_text(runtime, standin, missing, choices):
    outbox_id = _notice(runtime, {**SPEC, "choices": choices, missing: ""})
    assert runtime.sender.send(outbox_id) == "queued"
    [message] = standin.messages
    assert message.content_sid is None and message.body == BODY
    assert standin.content_requests == []


def test_a_row_without_a_language_gets_its_list_in_the_default_language(runtime, standin):
    outbox_id = _notice(runtime, SPEC, lang=None)
    assert runtime.sender.send(outbox_id) == "queued"
    [message] = standin.messages
    assert message.content_type == LIST_PICKER and [i.id for i in message.items] == [c["id"] for c in CHOICES]
    assert message.body == SPEC["lead"]
    [content] = standin.contents
    assert content.language == "id"


def test_a_row_in_english_creates_its_content_in_english(runtime, standin):
    runtime.sender.send(_notice(runtime, SPEC, lang="en"))
    [content] = standin.contents
    assert content.language == "en" and standin.messages[0].content_sid == content.sid


def test_a_failing_content_api_is_logged_with_the_row_and_the_error(runtime, standin, caplog):
    standin.fail_content_next(1, status=500)
    outbox_id = _notice(runtime, SPEC)
    with caplog.at_level(logging.WARNING, logger="bot.sender"):
        assert runtime.sender.send(outbox_id) == "queued"
    assert standin.messages[0].content_sid is None and standin.messages[0].body == BODY
    error = "Twilio Content API 500 (20500): Injected failure"
    assert [r.getMessage() for r in caplog.records if r.name == "bot.sender"] == [
        f"outbox {outbox_id}: choices as text, the Content API failed: {error}"]
