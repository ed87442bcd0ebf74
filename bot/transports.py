"""Ways to hand a message to WhatsApp: Twilio's REST API, or the console when no credentials are set."""

from __future__ import annotations

import json
import logging
import sys
import uuid
from dataclasses import dataclass, field
from typing import Protocol, TextIO

import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from bot import phone
from bot.exceptions import PermanentSendError, TransientSendError

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class OutgoingMessage:
    to: str  # E.164
    from_: str  # E.164
    body: str
    media_urls: list[str] = field(default_factory=list)
    content_sid: str | None = None
    content_variables: dict[str, str] | None = None
    status_callback: str | None = None


@dataclass(frozen=True)
class Receipt:
    sid: str
    status: str


class Transport(Protocol):
    name: str

    def send(self, message: OutgoingMessage) -> Receipt: ...


class ConsoleTransport:
    """Prints each message; used when TWILIO_ACCOUNT_SID/TWILIO_AUTH_TOKEN are unset."""

    name = "console"

    def __init__(self, stream: TextIO | None = None):
        self.stream = stream or sys.stdout

    def send(self, message: OutgoingMessage) -> Receipt:
        sid = "CO" + uuid.uuid4().hex
        what = message.body or f"[template {message.content_sid} {message.content_variables}]"
        media = "".join(f"\n  [media] {url}" for url in message.media_urls)
        print(f"--- WhatsApp {message.from_} -> {message.to} ({sid})\n{what}{media}\n---", file=self.stream, flush=True)
        return Receipt(sid=sid, status="sent")


TWILIO_API = "https://api.twilio.com"


class TwilioTransport:
    """Twilio's Messages API; `api_url` points it at a stand-in in tests (TWILIO_API_URL)."""

    name = "twilio"

    def __init__(self, account_sid: str, auth_token: str, api_url: str, timeout: int):
        self.client = Client(account_sid, auth_token, http_client=TwilioHttpClient(timeout=timeout))
        self.client.api.base_url = api_url.rstrip("/")
        if self.client.api.base_url != TWILIO_API:
            # TWILIO_REGION/TWILIO_EDGE would rewrite our host ("127.au1.0.1"): they mean Twilio's own.
            self.client.region = None
            self.client.edge = None

    def send(self, message: OutgoingMessage) -> Receipt:
        params: dict = {"to": phone.whatsapp(message.to), "from_": phone.whatsapp(message.from_)}
        if message.content_sid:
            params["content_sid"] = message.content_sid
            if message.content_variables:
                params["content_variables"] = json.dumps(message.content_variables, ensure_ascii=False)
        else:
            params["body"] = message.body
        if message.media_urls:
            params["media_url"] = list(message.media_urls)
        if message.status_callback:
            params["status_callback"] = message.status_callback
        try:
            created = self.client.messages.create(**params)
        except TwilioRestException as exc:
            if exc.status == 429 or exc.status >= 500:
                raise TransientSendError(f"Twilio HTTP {exc.status} ({exc.code})") from exc
            raise PermanentSendError(str(exc.code or exc.status), exc.msg or "rejected") from exc
        except requests.RequestException as exc:
            raise TransientSendError(f"network: {type(exc).__name__}") from exc
        return Receipt(sid=created.sid, status=created.status or "queued")
