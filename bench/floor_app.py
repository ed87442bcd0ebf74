"""The floor under bench/webhook.py: what Loket's guarantees alone cost, with nothing else.

One signed message, kept exactly as Loket keeps it, and answered with a fixed reply:
- the signature checked (twilio's RequestValidator);
- the inbound row committed before anything else (Loket's own statement, in autocommit);
- the conversation's lock taken with its state read (Loket's ConversationStore, one round trip);
- one transaction: the conversation row found or made and given its new state, the inbound row
  marked processed, the reply recorded in the outbox;
- the state written with the lock's release (one round trip); the TwiML answer.

No flow, no ORM session, no office settings, no catalog: statements built once, in SQLAlchemy Core,
on the same engine settings as Loket's (bot/db.py: SQLite's writer turns, PostgreSQL's pool). Any
implementation that keeps these guarantees in Python on this machine does at least this much, so
its rate is the ceiling of Loket's, and the ratio floor / bare is the best a rewrite could reach.
"""

from __future__ import annotations

import os

import redis
from flask import Flask, Response, abort, request
from sqlalchemy import bindparam, insert, select, update
from twilio.request_validator import RequestValidator

from bench.bare_app import TWIML
from bot.clock import now
from bot.db import make_engine
from bot.inbox import RECORD_INBOUND
from bot.models import Conversation as ConversationRow
from bot.models import InboundMessage, OutboundMessage
from bot.store import ConversationStore

OFFICE = "bench"
REPLY = "Selamat datang di layanan WhatsApp"  # what the answer says: the bare endpoint's own TwiML


def _statements():
    find = select(ConversationRow.id, ConversationRow.version).where(
        ConversationRow.office == bindparam("office"), ConversationRow.phone == bindparam("phone"))
    make = insert(ConversationRow).returning(ConversationRow.id)
    keep = update(ConversationRow).where(ConversationRow.id == bindparam("cid")).values(
        state=bindparam("state"), version=bindparam("version"), last_inbound_at=bindparam("at"),
        updated_at=bindparam("at"))
    mark = update(InboundMessage).where(InboundMessage.id == bindparam("iid"), InboundMessage.processed_at.is_(None)
                                        ).values(processed_at=bindparam("at"), conversation_id=bindparam("cid"))
    reply = insert(OutboundMessage).returning(OutboundMessage.id)
    return find, make, keep, mark, reply


def create_app() -> Flask:
    app = Flask(__name__)
    engine = make_engine(os.environ["DATABASE_URL"])
    store = ConversationStore(redis.Redis.from_url(os.environ["REDIS_URL"]))
    validator = RequestValidator(os.environ["TWILIO_AUTH_TOKEN"])
    public = os.environ["PUBLIC_BASE_URL"].rstrip("/")
    find, make, keep, mark, reply = _statements()

    @app.post("/twilio/whatsapp")
    def whatsapp() -> Response:
        form = request.form
        if not validator.validate(public + request.path, form,
                                  request.headers.get("X-Twilio-Signature", "")):
            abort(403)
        sender, received = form["From"].removeprefix("whatsapp:"), now()
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            inbound_id = conn.execute(RECORD_INBOUND, dict(
                message_sid=form["MessageSid"], office=OFFICE, from_number=sender,
                to_number=form["To"].removeprefix("whatsapp:"), body=form.get("Body", ""), num_media=0, media=[],
                received_at=received)).scalar_one()
        with store.lock(OFFICE, sender):
            conversation = store.load(OFFICE, sender, None)
            with engine.begin() as conn:
                found = conn.execute(find, {"office": OFFICE, "phone": sender}).first()
                if found is None:
                    cid = conn.execute(make, dict(office=OFFICE, phone=sender, state={}, version=0,
                                                  lang="id")).scalar_one()
                    version = 0
                else:
                    cid, version = found
                conversation.version = max(conversation.version, version) + 1
                state = conversation.to_dict()
                conn.execute(keep, {"cid": cid, "state": state, "version": conversation.version, "at": received})
                conn.execute(mark, {"iid": inbound_id, "cid": cid, "at": now()})
                conn.execute(reply, dict(office=OFFICE, conversation_id=cid, in_reply_to_id=inbound_id,
                                         to_number=sender, from_number=form["To"], kind="reply", channel="twiml",
                                         body=REPLY, media_urls=[], status="answered", next_attempt_at=received))
            store.save(conversation, state)
        return Response(TWIML, mimetype="application/xml")

    return app

