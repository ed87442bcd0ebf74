"""POST /twilio/status: statuses move forward only, whatever order Twilio delivers them in."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.models import OutboundMessage, StatusEvent
from bot.statuses import RANK


def reply_row(runtime, whatsapp) -> OutboundMessage:
    whatsapp.send("halo")
    with runtime.db.session() as session:
        return session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).first()


def status_of(runtime, outbox_id: int) -> OutboundMessage:
    with runtime.db.session() as session:
        return session.get(OutboundMessage, outbox_id)


@pytest.mark.parametrize("order, final", [
    (["queued", "sent", "delivered", "read"], "read"),
    (["read", "delivered", "sent", "queued"], "read"),
    (["delivered", "sent"], "delivered"),
    (["sent", "undelivered"], "undelivered"),
    (["delivered", "failed"], "delivered"),
    (["sending", "read", "sent"], "read"),
])
def test_status_never_moves_backwards(whatsapp, runtime, order, final):
    row = reply_row(runtime, whatsapp)
    for status in order:
        assert whatsapp.status("SM" + "a" * 32, status, outbox_id=row.id).status_code == 204
    assert status_of(runtime, row.id).status == final
    with runtime.db.session() as session:
        events = session.scalars(select(StatusEvent).order_by(StatusEvent.id)).all()
    assert [e.status for e in events] == order  # every callback kept as received


def test_failed_callback_keeps_its_error_code(whatsapp, runtime):
    row = reply_row(runtime, whatsapp)
    whatsapp.status("SM" + "b" * 32, "failed", outbox_id=row.id, error_code="63016")
    stored = status_of(runtime, row.id)
    assert (stored.status, stored.error_code, stored.twilio_sid) == ("failed", "63016", "SM" + "b" * 32)


def test_callback_before_the_send_response_is_applied_when_the_sid_arrives(whatsapp, runtime):
    sid = "SM" + "c" * 32
    # Without ?o= (e.g. a callback URL configured on the sender): nothing knows this SID yet.
    whatsapp.status(sid, "delivered")
    with runtime.db.session() as session:
        event = session.scalars(select(StatusEvent)).one()
        assert event.outbound_id is None
        office = runtime.offices.get("kejari-klungkung")
        row = runtime.outbox.record_notice(session, office=office, to="+6281200000009", body="x", kind="test")[0]
        session.commit()
        runtime.outbox.attach_sid(session, row.id, sid)
        runtime.outbox.advance(session, row.id, "queued")  # the send's own (older) answer, arriving late
        session.commit()
    stored = status_of(runtime, row.id)
    assert (stored.status, stored.twilio_sid) == ("delivered", sid)


def test_status_callback_must_be_signed(whatsapp, client, runtime):
    row = reply_row(runtime, whatsapp)
    response = client.post(f"/twilio/status?o={row.id}", data={"MessageSid": "SM1", "MessageStatus": "read"})
    assert response.status_code == 403
    assert status_of(runtime, row.id).status == "answered"


def test_status_signature_covers_the_query_string(whatsapp, runtime):
    row = reply_row(runtime, whatsapp)
    form = {"MessageSid": "SM" + "d" * 32, "MessageStatus": "read"}
    signature = whatsapp.sign(f"/twilio/status?o={row.id}", form)
    other = whatsapp.post("/twilio/status", form, signature=signature, query=f"o={row.id + 1}")
    assert other.status_code == 403


def test_unknown_status_and_missing_fields_are_harmless(whatsapp, runtime):
    row = reply_row(runtime, whatsapp)
    assert whatsapp.status("SM" + "e" * 32, "exploded", outbox_id=row.id).status_code == 204
    assert status_of(runtime, row.id).status == "answered"
    assert whatsapp.post("/twilio/status", {"MessageStatus": "read"}).status_code == 400


def test_rank_table_orders_the_happy_path():
    path = ["pending", "submitting", "queued", "sending", "sent", "delivered", "read"]
    assert [RANK[s] for s in path] == sorted(RANK[s] for s in path)
    assert RANK["failed"] < RANK["delivered"]
