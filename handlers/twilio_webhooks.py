"""Twilio's webhooks: inbound WhatsApp messages and outbound status callbacks. Thin on purpose."""

from __future__ import annotations

import logging
from urllib.parse import urlsplit

from flask import Blueprint, Response, current_app, request
from twilio.twiml.messaging_response import MessagingResponse

from bot import logs, metrics
from bot.inbound import Inbound, InvalidInbound
from bot.outbox import Sent
from handlers.signature import signed_url, twilio_signed

logger = logging.getLogger(__name__)

bp = Blueprint("twilio", __name__, url_prefix="/twilio")


def _status_url(outbox_id: int) -> str:
    """The reply's status callback goes to our status endpoint, tagged with its outbox row."""
    base = current_app.config.get("PUBLIC_BASE_URL") or request.host_url.rstrip("/")
    return f"{base}/twilio/status?o={outbox_id}"


def twiml(sent: list[Sent]) -> Response:
    response = MessagingResponse()
    for message in sent:
        element = response.message(message.body or None, action=_status_url(message.id), method="POST")
        for url in message.media_urls:
            element.media(url)
    return Response(str(response), mimetype="application/xml")


def _media_origins(config) -> tuple[str, ...]:
    """The configured Twilio API's origin (a regional edge, or the tests' stand-in) also serves media."""
    api = urlsplit(getattr(config, "TWILIO_API_URL", "") or "")
    return (f"{api.scheme}://{api.netloc}",) if api.scheme and api.netloc else ()


@bp.post("/whatsapp")
@twilio_signed
def whatsapp() -> Response:
    with metrics.WEBHOOK_SECONDS.time():
        return _whatsapp(current_app.extensions["loket"])


def _whatsapp(runtime) -> Response:
    try:
        inbound = Inbound.from_form(request.form, media_origins=_media_origins(runtime.config))
    except InvalidInbound as exc:
        logger.warning("unusable inbound webhook at %s: %s", signed_url(), exc)
        return Response(str(MessagingResponse()), status=400, mimetype="application/xml")
    office = runtime.inbox.office_for(inbound)
    metrics.INBOUND.labels(office=office.slug if office else metrics.NO_OFFICE).inc()
    with logs.bound(message_sid=inbound.message_sid, office=office.slug if office else None):
        return _answer(runtime, inbound, office)


def _answer(runtime, inbound: Inbound, office) -> Response:
    try:
        return twiml(runtime.inbox.receive(inbound, office=office))
    except Exception:
        # Not a flow's bug (the inbox answers those): the database or Redis failed us. Twilio does
        # not deliver the body of a 5xx, so answer politely; a recorded message is swept up later.
        logger.exception("inbound %s failed", inbound.message_sid)
        text = runtime.messages.text("id", "system.error", hotline=office.hotline if office else "")
        response = MessagingResponse()
        response.message(text)
        return Response(str(response), mimetype="application/xml")


MAX_ROW_ID = 2**31 - 1  # an INTEGER primary key; a larger ?o= is nobody's row


def _outbox_id(raw: str) -> int | None:
    """The outbox row a callback names (`?o=`), or None for anything that cannot be one of ours
    (too large for the column, not plain ASCII digits): then the SID alone finds the row."""
    if not raw or len(raw) > 10 or not (raw.isascii() and raw.isdigit()):
        return None
    value = int(raw)
    return value if 0 < value <= MAX_ROW_ID else None


@bp.post("/status")
@twilio_signed
def status() -> tuple[str, int]:
    runtime = current_app.extensions["loket"]
    sid = request.form.get("MessageSid") or request.form.get("SmsSid")
    state = request.form.get("MessageStatus") or request.form.get("SmsStatus")
    if not sid or not state:
        return "", 400
    outbox_id = _outbox_id(request.args.get("o", ""))
    with logs.bound(message_sid=sid, outbox_id=outbox_id):
        runtime.outbox.apply_status(sid, state, request.form.get("ErrorCode"), outbox_id)
    return "", 204
