"""Structured logs (#18): one line per event, the message's ids on every line of its path, masking kept."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot import logs, sweeper
from bot.models import InboundMessage
from tests.support.whatsapp import new_sid

NIK = "5171010101010001"


@pytest.fixture
def lines():
    """Loket's JSON lines written while the test runs, parsed."""
    stream = io.StringIO()
    handler = logs.handler("json", stream)
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    yield lambda: [json.loads(line) for line in stream.getvalue().splitlines()]
    root.removeHandler(handler)
    root.setLevel(previous)


def test_every_line_of_a_webhook_message_carries_its_sid_and_conversation(whatsapp, runtime, lines):
    sid = new_sid()
    answer = whatsapp.send("halo", sid=sid)
    assert answer.status == 200
    mine = [line for line in lines() if line.get("message_sid") == sid]
    answered = [line for line in mine if line["message"].startswith("answered at")]
    assert len(answered) == 1
    with runtime.db.session() as session:
        inbound = session.query(InboundMessage).filter_by(message_sid=sid).one()
    assert answered[0]["conversation_id"] == inbound.conversation_id and answered[0]["office"] == "kejari-klungkung"
    assert answered[0]["inbound_id"] == inbound.id  # the inbox adds it: the webhook knew only the SID
    assert answered[0]["level"] == "INFO" and answered[0]["time"].endswith("+00:00")
    # The duplicate is answered from the record, and says so with the same id.
    whatsapp.send("halo", sid=sid)
    assert any("duplicate MessageSid" in line["message"] for line in lines() if line.get("message_sid") == sid)


def test_ids_do_not_outlive_their_message(whatsapp, lines):
    whatsapp.send("halo")
    logging.getLogger("loket.test").warning("after the request")
    after = [line for line in lines() if line["message"] == "after the request"]
    assert after and "message_sid" not in after[0] and "conversation_id" not in after[0]
    logs.bind(message_sid="SMnot-in-a-block")  # outside any block: nothing to add to
    logging.getLogger("loket.test").warning("still outside")
    assert "message_sid" not in next(line for line in lines() if line["message"] == "still outside")


def test_a_message_answered_later_by_the_worker_keeps_its_sid(whatsapp, runtime, lines, work):
    """Recorded but unprocessed (Redis was busy): the sweeper's job answers it; its lines carry the
    same MessageSid, and the reply's send carries the outbox row and the conversation."""
    sid = new_sid()
    inbound_id, _ = runtime.inbox.record(_inbound(whatsapp, sid))
    assert sweeper.process_inbound(runtime, inbound_id) >= 1
    work()
    mine = [line for line in lines() if line.get("message_sid") == sid]
    assert any(line["message"].startswith("answered at") and line["inbound_id"] == inbound_id for line in mine)
    conversation = next(line["conversation_id"] for line in mine if "conversation_id" in line)
    sends = [line for line in lines() if line["message"].startswith("outbox ") and "job_id" in line]
    assert sends and all(line["conversation_id"] == conversation and line["outbox_id"] for line in sends)


def test_an_identity_number_is_masked_in_both_formats():
    record = logging.LogRecord("loket.test", logging.WARNING, __file__, 1, "citizen typed %s", (NIK,), None)
    with logs.bound(message_sid="SM1"):
        logs._Context().filter(record)
    for kind in ("json", "text"):
        line = logs.formatter(kind).format(record)
        assert NIK not in line and "5171********0001" in line and "SM1" in line


def test_an_unknown_format_is_refused():
    with pytest.raises(ValueError, match="LOG_FORMAT"):
        logs.formatter("xml")


def _inbound(whatsapp, sid):
    from bot.inbound import Inbound

    return Inbound.from_form(whatsapp.form("halo", sid=sid))
