"""The bench's floor (bench/floor_app.py) claims to keep Loket's guarantees: if it kept fewer, its rate
would overstate what any implementation could reach, and the webhook's figures would be judged against
a ceiling that is too high. These check that it does the work it claims, on both databases."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bench import floor_app
from bot import keys, redis_conn
from bot.db import make_engine
from bot.models import Conversation, InboundMessage, OutboundMessage

TOKEN = "floor-token"
BASE = "https://floor.test"


@pytest.fixture
def floor(monkeypatch, redis_server, database_url, clean_state):
    monkeypatch.setenv("DATABASE_URL", database_url)
    monkeypatch.setenv("REDIS_URL", redis_conn.url_of(redis_server))
    monkeypatch.setenv("TWILIO_AUTH_TOKEN", TOKEN)
    monkeypatch.setenv("PUBLIC_BASE_URL", BASE)
    return floor_app.create_app().test_client()


def post(client, sid: str, body: str, signature: str | None = None):
    form = {"MessageSid": sid, "From": "whatsapp:+6281234567890", "To": "whatsapp:+6236621085", "Body": body}
    signature = signature or RequestValidator(TOKEN).compute_signature(BASE + "/twilio/whatsapp", form)
    return client.post("/twilio/whatsapp", data=form, headers={"X-Twilio-Signature": signature})


def test_the_floor_records_processes_and_answers_each_message(floor, database_url, redis_server):
    for n, body in enumerate(["halo", "1"]):
        answer = post(floor, f"SM{n:032d}", body)
        assert answer.status_code == 200 and floor_app.REPLY in answer.text
    with make_engine(database_url).connect() as conn:
        inbound = conn.execute(select(InboundMessage.body, InboundMessage.processed_at, InboundMessage.conversation_id)
                               .order_by(InboundMessage.id)).all()
        replies = conn.execute(select(OutboundMessage.in_reply_to_id, OutboundMessage.body)).all()
        conversation = conn.execute(select(Conversation.id, Conversation.version)).one()
    assert [row.body for row in inbound] == ["halo", "1"]
    assert all(row.processed_at is not None and row.conversation_id == conversation.id for row in inbound)
    assert len(replies) == 2 and {r.body for r in replies} == {floor_app.REPLY}
    assert conversation.version == 2  # one conversation, its state written once per message
    state = redis_server.get(keys.conversation(floor_app.OFFICE, "+6281234567890"))
    assert state is not None and b'"version": 2' in state
    assert redis_server.get(keys.conversation_lock(floor_app.OFFICE, "+6281234567890")) is None  # released


def test_the_floor_refuses_a_message_not_signed_by_twilio(floor, database_url):
    assert post(floor, "SM" + "9" * 32, "halo", signature="forged").status_code == 403
    with make_engine(database_url).connect() as conn:
        assert conn.execute(select(InboundMessage.id)).first() is None
