"""A local stand-in for Twilio's REST Messages API (2010-04-01) and Content API (v1), for the test suite.

It speaks the wire protocol the `twilio` helper library speaks, so the app's real transport can
be pointed at it: form-encoded POSTs with HTTP Basic auth, JSON bodies shaped like Twilio's,
Twilio's error JSON (`{"code", "message", "more_info", "status"}`), status callbacks signed with
`X-Twilio-Signature`, and inbound media behind Basic auth that redirects to a CDN URL.

The Content API (templates, WhatsApp approval; tests/support/twilio_content.py) answers on the same
port, so `standin.url` serves as both base URLs. ContentSid sends of content created here are
checked and rendered as Twilio and WhatsApp would; `tap_form()`/`pick_form()` build the inbound form
Twilio posts when the person taps a button or picks a list item of such a message. Recipients may
be phone numbers or WhatsApp business-scoped user IDs (`whatsapp:ID.1502576394655843`).

    with TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN) as twilio:
        client = Client(ACCOUNT_SID, AUTH_TOKEN)
        client.api.base_url = twilio.url
        client.content.base_url = twilio.url  # the Content API answers on the same port
        client.messages.create(to="whatsapp:+6281...", from_="whatsapp:+1415...", body="Halo")
        assert twilio.count_to("+6281...") == 1

Status callbacks are queued per message when it is accepted. By default nothing is delivered
until a test asks (`flush_callbacks()`, `send_status()`), so tests never depend on timing; with
`auto_callbacks=True` a background thread delivers them in order (`wait_for_callbacks()`).
"""

from __future__ import annotations

import base64
import email.utils
import hmac
import itertools
import json
import random
import re
import secrets
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from twilio.request_validator import RequestValidator

from tests.support import twilio_content as content_api
from tests.support.twilio_content import Button, Content, ContentApi, ContentError, ContentRequest, ListItem, Rendered

API_VERSION = "2010-04-01"
WHATSAPP_PREFIX = "whatsapp:"
# Twilio's limit on Body. Twilio counts some characters (emoji) as more than one; we count UTF-16
# code units, so an emoji costs 2 as it would in a Java-style string length.
BODY_LIMIT = 1600

# Behind the channel prefix, E.164 ("+", no leading zero, at most 15 digits) or, for people with a
# WhatsApp username, a business-scoped user ID: two-letter country code, a dot, 1-128 alphanumerics.
_WHATSAPP_ADDRESS = re.compile(r"whatsapp:(\+[1-9]\d{1,14}|[A-Z]{2}\.[A-Za-z0-9]{1,128})")
_MESSAGES_PATH = re.compile(r"/2010-04-01/Accounts/([^/]+)/Messages\.json")
_MEDIA_PATH = re.compile(r"/2010-04-01/Accounts/([^/]+)/Messages/(MM[0-9a-f]{32})/Media/(ME[0-9a-f]{32})")

# Every status Twilio documents for a Message; send_status() refuses anything else.
MESSAGE_STATUSES = frozenset(
    {
        "queued",
        "sending",
        "sent",
        "failed",
        "delivered",
        "undelivered",
        "receiving",
        "received",
        "accepted",
        "scheduled",
        "read",
        "partially_delivered",
        "canceled",
    }
)
FAILED_STATUSES = frozenset({"failed", "undelivered"})

# ErrorMessage texts for the asynchronous (status callback) errors tests are likely to use.
ASYNC_ERROR_MESSAGES = {
    30008: "Unknown error",
    63016: (
        "Failed to send freeform message because you are outside the allowed window. "
        "If you are using WhatsApp, please use a Message Template."
    ),
    63018: "Rate limit exceeded for Channel",
    63021: "Channel invalid content error",
}

CallbackSink = Callable[[str, dict[str, str], dict[str, str]], Any]


def _sid(prefix: str) -> str:
    return prefix + secrets.token_hex(16)


def _rfc2822_now() -> str:
    # Twilio's format: "Tue, 27 Nov 2018 16:14:39 +0000".
    return email.utils.format_datetime(datetime.now(UTC).replace(microsecond=0))


def _utf16_units(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def _whatsapp_address(number: str) -> str:
    """`+62812…` or `whatsapp:+62812…` → `whatsapp:+62812…`, so helpers accept either form."""
    number = number.strip()
    return number if number.startswith(WHATSAPP_PREFIX) else WHATSAPP_PREFIX + number


def _is_http_url(value: str) -> bool:
    parsed = urllib.parse.urlsplit(value)
    return parsed.scheme in ("http", "https") and bool(parsed.netloc)


def error_body(code: int, message: str, status: int) -> dict[str, Any]:
    """Twilio's legacy error JSON, which the helper library turns into TwilioRestException."""
    return {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }


def post_form(url: str, params: Mapping[str, str], headers: Mapping[str, str]) -> int:
    """Default callback sink: a real form POST, like Twilio's. Returns the receiver's HTTP status."""
    request = urllib.request.Request(
        url, data=urllib.parse.urlencode(params).encode(), headers=dict(headers), method="POST"
    )
    # No proxies: an HTTP_PROXY in the environment must not swallow callbacks to 127.0.0.1.
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=10) as response:
            return response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        return exc.code


@dataclass(frozen=True)
class StatusEvent:
    """One status change of a message, as a status callback would report it."""

    sid: str
    status: str
    error_code: int | None = None


@dataclass(frozen=True)
class SentMessage:
    """A message the stand-in accepted (answered 201, or created despite an injected error)."""

    order: int
    sid: str
    to: str
    from_: str | None
    body: str | None
    media_urls: tuple[str, ...]
    content_sid: str | None
    content_variables: dict[str, Any] | None
    status_callback: str | None
    messaging_service_sid: str | None
    date_created: str
    # What happens to it after the REST answer: sent/delivered/read, or failed with an ErrorCode.
    lifecycle: tuple[StatusEvent, ...]
    # For content created here: what the person saw (`body` is then its text too). None otherwise.
    rendered: Rendered | None = None
    # Went as an approved WhatsApp template (not a session message): taps then come back as "button".
    as_template: bool = False

    @property
    def freeform(self) -> bool:
        """Freeform messages (no ContentSid) only go through inside WhatsApp's 24-hour window."""
        return self.content_sid is None

    @property
    def content_type(self) -> str | None:
        return self.rendered.content_type if self.rendered else None

    @property
    def buttons(self) -> tuple[Button, ...]:
        return self.rendered.buttons if self.rendered else ()

    @property
    def items(self) -> tuple[ListItem, ...]:
        return self.rendered.items if self.rendered else ()

    @property
    def refused(self) -> bool:
        """WhatsApp refused it after the REST answer: the person never saw it."""
        return any(event.status in FAILED_STATUSES for event in self.lifecycle)


@dataclass(frozen=True)
class Attempt:
    """Every POST to Messages.json, whatever became of it."""

    order: int
    params: dict[str, list[str]]
    http_status: int
    error_code: int | None
    # accepted | invalid | unauthorized | not_found | injected | rate_limited
    outcome: str
    sid: str | None = None
    delay: float = 0.0


@dataclass(frozen=True)
class Callback:
    """A status callback the stand-in delivered through its sink."""

    sid: str
    url: str
    params: dict[str, str]
    headers: dict[str, str]
    result: Any = None
    error: str | None = None


@dataclass(frozen=True)
class MediaRequest:
    path: str
    http_status: int


@dataclass(frozen=True)
class _Fault:
    status: int
    code: int
    message: str
    retry_after: int | None = None
    message_created: bool = False


@dataclass
class _Media:
    content: bytes
    content_type: str
    cdn_token: str
    not_ready: int = 0


class _ApiError(Exception):
    def __init__(self, status: int, code: int, message: str, outcome: str = "invalid") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.outcome = status, code, message, outcome


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    standin: TwilioStandIn


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_GET(self) -> None:
        self.server.standin._dispatch(self, "GET")

    def do_POST(self) -> None:
        self.server.standin._dispatch(self, "POST")

    def do_DELETE(self) -> None:
        self.server.standin._dispatch(self, "DELETE")

    def log_message(self, format: str, *args: Any) -> None:
        # Keep pytest output quiet; tests read .attempts instead of access logs.
        pass


class TwilioStandIn:
    """Twilio's Messages and Content APIs on 127.0.0.1 (serving from construction until shutdown()).

    strict_content=True refuses a ContentSid this stand-in did not create with 21655, as Twilio does.
    The default takes such a SID for an approved template made elsewhere (Twilio's console), which
    suites that configure fixed template SIDs rely on; it is sent without a rendering. A deleted
    content is refused either way. auto_approve=True lets WhatsApp approve every template that passes
    its review on the first poll; otherwise a submission stays pending until approve()/reject().
    """

    def __init__(
        self,
        account_sid: str,
        auth_token: str,
        *,
        window_default_open: bool = True,
        auto_callbacks: bool = False,
        callback_sink: CallbackSink | None = None,
        service_sender: str = "whatsapp:+14155238886",
        strict_content: bool = False,
        auto_approve: bool = False,
    ) -> None:
        self.account_sid = account_sid
        self.auth_token = auth_token
        self.window_default_open = window_default_open
        self.auto_callbacks = auto_callbacks
        self.callback_sink: CallbackSink = callback_sink or post_form
        # The From that callbacks carry for sends through a Messaging Service (no From given).
        self.service_sender = service_sender
        self.strict_content = strict_content
        self._content = ContentApi(account_sid, auto_approve=auto_approve)
        self._validator = RequestValidator(auth_token)
        self._channel_install_sid = _sid("XE")

        self._lock = threading.RLock()
        self._pending_cv = threading.Condition(self._lock)
        self._delivered_cv = threading.Condition(self._lock)
        self._stopping = threading.Event()
        self._counter = itertools.count(1)
        self._clear_state()

        self._server = _Server(("127.0.0.1", 0), _Handler)
        self._server.standin = self
        host, port = self._server.server_address[:2]
        self.url = f"http://{host}:{port}"
        self._content.base_url = self.url
        # A short poll keeps shutdown() quick; serve_forever checks for it only between polls.
        self._serve_thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, name="twilio-standin", daemon=True
        )
        self._serve_thread.start()
        self._callback_thread: threading.Thread | None = None
        if auto_callbacks:
            self._callback_thread = threading.Thread(
                target=self._callback_worker, name="twilio-standin-callbacks", daemon=True
            )
            self._callback_thread.start()

    # ----------------------------------------------------------------- lifecycle

    def __enter__(self) -> TwilioStandIn:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.shutdown()

    def shutdown(self) -> None:
        """Stop serving; wakes delayed answers and the callback thread. Safe to call twice."""
        if self._stopping.is_set():
            return
        self._stopping.set()
        with self._lock:
            self._pending_cv.notify_all()
        self._server.shutdown()
        self._server.server_close()
        self._serve_thread.join(timeout=5)
        if self._callback_thread is not None:
            self._callback_thread.join(timeout=5)

    def reset(self) -> None:
        """Forget messages, attempts, callbacks, faults, window overrides, media and contents."""
        with self._lock:
            self._clear_state()

    def _clear_state(self) -> None:
        self._messages: list[SentMessage] = []
        self._by_sid: dict[str, SentMessage] = {}
        self._attempts: list[Attempt] = []
        self._pending: deque[StatusEvent] = deque()
        self._delivered: list[Callback] = []
        self._faults: deque[_Fault] = deque()
        self._ratio: tuple[float, _Fault, random.Random] | None = None
        self._delays: deque[float] = deque()
        self._delivery_faults: deque[tuple[str, int]] = deque()
        self._sender_rate: float | None = None
        self._sent_times: dict[str, deque[float]] = {}
        self._windows: dict[str, bool] = {}
        self._media: dict[str, _Media] = {}
        self._cdn: dict[str, _Media] = {}
        self._media_requests: list[MediaRequest] = []
        self._content.clear()

    # ----------------------------------------------------------------- records

    @property
    def messages(self) -> list[SentMessage]:
        with self._lock:
            return list(self._messages)

    @property
    def attempts(self) -> list[Attempt]:
        with self._lock:
            return list(self._attempts)

    @property
    def callbacks(self) -> list[Callback]:
        """Status callbacks delivered so far, in delivery order."""
        with self._lock:
            return list(self._delivered)

    @property
    def media_requests(self) -> list[MediaRequest]:
        with self._lock:
            return list(self._media_requests)

    def message(self, sid: str) -> SentMessage:
        with self._lock:
            return self._by_sid[sid]

    def count_to(self, number: str) -> int:
        """Accepted messages to `number` (with or without the `whatsapp:` prefix)."""
        address = _whatsapp_address(number)
        with self._lock:
            return sum(1 for message in self._messages if message.to == address)

    # ----------------------------------------------------------------- fault injection

    def fail_next(self, n: int = 1, status: int = 500, code: int = 20500, *, message_created: bool = False) -> None:
        """The next n POSTs answer `status` with Twilio error `code`.

        With message_created=True the message is still created (and its callbacks queued): the
        case Twilio warns about, where retrying a POST that answered 500 sends twice.
        """
        fault = _Fault(status, code, HTTPStatus(status).phrase, message_created=message_created)
        with self._lock:
            self._faults.extend([fault] * n)

    def rate_limit_next(self, n: int = 1, *, retry_after: int | None = None) -> None:
        """The next n POSTs answer 429 with code 20429 (and Retry-After, if given)."""
        fault = _Fault(429, 20429, "Too Many Requests", retry_after=retry_after)
        with self._lock:
            self._faults.extend([fault] * n)

    def fail_ratio(self, p: float, status: int = 500, seed: int | None = None, code: int = 20500) -> None:
        """Each POST not already failed by fail_next/rate_limit_next fails with probability p."""
        if not 0.0 <= p <= 1.0:
            raise ValueError("p must be between 0 and 1")
        with self._lock:
            self._ratio = (p, _Fault(status, code, HTTPStatus(status).phrase), random.Random(seed))

    def delay_next(self, n: int, seconds: float) -> None:
        """The next n API requests are handled, then answered only after `seconds`.

        The message is recorded before the wait, so a client that times out has still sent it,
        as happens with Twilio.
        """
        with self._lock:
            self._delays.extend([seconds] * n)

    def fail_delivery_next(self, n: int = 1, error_code: int = 63018, status: str = "failed") -> None:
        """The next n accepted messages fail after the REST answer (status callback with ErrorCode)."""
        if status not in FAILED_STATUSES:
            raise ValueError(f"status must be one of {sorted(FAILED_STATUSES)}")
        with self._lock:
            self._delivery_faults.extend([(status, error_code)] * n)

    def sender_rate_limit(self, per_second: float | None) -> None:
        """Like WhatsApp's per-sender throughput: sends beyond `per_second` within any second from one
        sender are accepted by REST, then fail with 63018 in their status callback (None: no limit)."""
        with self._lock:
            self._sender_rate = per_second
            self._sent_times.clear()

    def rate_limited(self) -> int:
        """Messages failed with 63018 so far (by the sender rate limit or fail_delivery_next)."""
        with self._lock:
            return sum(1 for m in self._messages if any(e.error_code == 63018 for e in m.lifecycle))

    def _over_sender_rate(self, sender: str) -> bool:
        if self._sender_rate is None:
            return False
        now = time.monotonic()
        recent = self._sent_times.setdefault(sender, deque())
        while recent and now - recent[0] >= 1.0:
            recent.popleft()
        recent.append(now)
        return len(recent) > self._sender_rate

    def stop_failing(self) -> None:
        """Drop every injected fault and delay still waiting to happen."""
        with self._lock:
            self._faults.clear()
            self._ratio = None
            self._delays.clear()
            self._delivery_faults.clear()

    # ----------------------------------------------------------------- WhatsApp 24-hour window

    def open_window(self, to_number: str) -> None:
        with self._lock:
            self._windows[_whatsapp_address(to_number)] = True

    def close_window(self, to_number: str) -> None:
        with self._lock:
            self._windows[_whatsapp_address(to_number)] = False

    def window_open(self, to_number: str) -> bool:
        with self._lock:
            return self._windows.get(_whatsapp_address(to_number), self.window_default_open)

    # ----------------------------------------------------------------- Content API

    @property
    def contents(self) -> list[Content]:
        """Contents that exist now (not deleted), in creation order."""
        with self._lock:
            return list(self._content.contents.values())

    def content(self, sid: str) -> Content:
        with self._lock:
            return self._content.contents[sid]

    @property
    def content_requests(self) -> list[ContentRequest]:
        with self._lock:
            return list(self._content.requests)

    def count_content(self, action: str) -> int:
        """Content API requests of one kind that succeeded: "create", "list", "fetch", "delete",
        "submit" (approval requests), "approval_fetch" or "list_with_approvals"."""
        with self._lock:
            return sum(1 for r in self._content.requests if r.action == action and 200 <= r.http_status < 300)

    @property
    def auto_approve(self) -> bool:
        return self._content.auto_approve

    @auto_approve.setter
    def auto_approve(self, value: bool) -> None:
        with self._lock:
            self._content.auto_approve = value

    def add_content(
        self,
        types: dict[str, Any],
        *,
        variables: dict[str, str] | None = None,
        friendly_name: str = "",
        language: str = "id",
        sid: str | None = None,
        approved_as: str | None = None,
    ) -> Content:
        """Create content as if through the API (same checks), e.g. one made in Twilio's console;
        approved_as="name" also has WhatsApp approve it as a UTILITY template of that name."""
        payload = {"types": types, "variables": variables or {}, "friendly_name": friendly_name, "language": language}
        try:
            with self._lock:
                if sid in self._content.contents:
                    raise ValueError(f"content {sid} exists already")
                created = content_api.new_content(payload, self.account_sid, sid)
                if approved_as is not None:
                    content_api.submit(created, {"name": approved_as, "category": "UTILITY"})
                    self._approve(created)
                self._content.contents[created.sid] = created
        except ContentError as exc:
            raise ValueError(exc.message) from None
        return created

    def approve(self, sid: str) -> None:
        """WhatsApp approves a submitted template (one its review would not reject)."""
        with self._lock:
            self._approve(self._content.contents[sid])

    def reject(self, sid: str, reason: str = "INVALID_FORMAT") -> None:
        """WhatsApp rejects a submitted template with `reason` (the approval's rejection_reason)."""
        with self._lock:
            content = self._submitted(self._content.contents[sid])
            content.approval.status, content.approval.rejection_reason = "rejected", reason

    def fail_content_next(self, n: int = 1, status: int = 500, code: int = 20500) -> None:
        """The next n Content API requests answer `status` with Twilio error `code` (and do nothing)."""
        with self._lock:
            self._content.faults.extend([(status, code)] * n)

    def _approve(self, content: Content) -> None:
        reason = content_api.review(self._submitted(content))
        if reason is not None:
            raise ValueError(f"WhatsApp would reject {content.sid}: {reason}")
        content.approval.status, content.approval.rejection_reason = "approved", ""

    @staticmethod
    def _submitted(content: Content) -> Content:
        if content.status not in ("received", "pending", "approved"):
            raise ValueError(f"content {content.sid} has no approval request under review ({content.status})")
        return content

    # ----------------------------------------------------------------- taps and picks

    def tap_form(
        self, message_sid: str, button_id: str, *, from_: str | None = None, profile_name: str = "Warga"
    ) -> dict[str, str]:
        """The inbound webhook form Twilio posts when the person taps a quick-reply button of a message
        sent here. Opens the tapper's 24-hour window, as any inbound message does."""
        message = self._seen(message_sid)
        button = next((b for b in message.buttons if b.id == button_id), None)
        if button is None:
            raise ValueError(f"message {message_sid} has no button {button_id!r}: {[b.id for b in message.buttons]}")
        # WhatsApp reports a tap on a template's button as "button", on a session message's as "interactive".
        kind = "button" if message.as_template else "interactive"
        fields = {"Body": button.title, "ButtonText": button.title, "ButtonPayload": button.id, "MessageType": kind}
        return self._reply_form(message, fields, from_, profile_name)

    def pick_form(
        self, message_sid: str, item_id: str, *, from_: str | None = None, profile_name: str = "Warga"
    ) -> dict[str, str]:
        """The inbound webhook form for a list-picker choice; opens the picker's window."""
        message = self._seen(message_sid)
        item = next((i for i in message.items if i.id == item_id), None)
        if item is None:
            raise ValueError(f"message {message_sid} has no list item {item_id!r}: {[i.id for i in message.items]}")
        # Unlike the button fields, ListId/ListTitle were not checked against a captured Twilio request.
        fields = {"Body": item.item, "ListId": item.id, "ListTitle": item.item, "MessageType": "interactive"}
        return self._reply_form(message, fields, from_, profile_name)

    def _seen(self, message_sid: str) -> SentMessage:
        message = self.message(message_sid)
        if message.refused:
            raise ValueError(f"message {message_sid} was refused by WhatsApp: the person never saw it")
        return message

    def _reply_form(
        self, message: SentMessage, fields: dict[str, str], from_: str | None, profile_name: str
    ) -> dict[str, str]:
        user = _whatsapp_address(from_) if from_ else message.to
        form = content_api.reply_form(
            account_sid=self.account_sid,
            user=user,
            business=message.from_ or self.service_sender,
            replied_sid=message.sid,
            profile_name=profile_name,
            fields=fields,
            messaging_service_sid=message.messaging_service_sid,
        )
        self.open_window(user)
        return form

    # ----------------------------------------------------------------- status callbacks

    def pending_callbacks(self, sid: str | None = None) -> list[StatusEvent]:
        """Status changes queued but not yet delivered (all messages, or one)."""
        with self._lock:
            return [event for event in self._pending if sid is None or event.sid == sid]

    def flush_callbacks(self, sid: str | None = None) -> list[Callback]:
        """Deliver queued status callbacks now, in this thread, in order; returns what was sent."""
        with self._lock:
            chosen, kept = [], deque()
            for event in self._pending:
                (chosen if sid is None or event.sid == sid else kept).append(event)
            self._pending = kept
        return [self._deliver(event) for event in chosen]

    def send_status(
        self, sid: str, status: str, error_code: int | None = None, error_message: str | None = None
    ) -> Callback:
        """Deliver one status callback now, whatever the queue holds: for out-of-order tests."""
        if status not in MESSAGE_STATUSES:
            raise ValueError(f"unknown message status {status!r}")
        if status in FAILED_STATUSES and error_code is None:
            error_code = 30008
        return self._deliver(StatusEvent(sid, status, error_code), error_message)

    def wait_for_callbacks(self, count: int, timeout: float = 5.0) -> list[Callback]:
        """Block until `count` callbacks have been delivered in total (for auto_callbacks=True)."""
        with self._lock:
            if not self._delivered_cv.wait_for(lambda: len(self._delivered) >= count, timeout):
                raise TimeoutError(f"{len(self._delivered)} of {count} status callbacks after {timeout}s")
            return list(self._delivered)

    def callback_params(
        self, sid: str, status: str, error_code: int | None = None, error_message: str | None = None
    ) -> dict[str, str]:
        """The form fields of a WhatsApp status callback, as Twilio sends them."""
        message = self.message(sid)
        params = {
            "ApiVersion": API_VERSION,
            "AccountSid": self.account_sid,
            "ChannelInstallSid": self._channel_install_sid,
            "ChannelPrefix": "whatsapp",
            "ChannelToAddress": message.to.removeprefix(WHATSAPP_PREFIX),
            "From": message.from_ or self.service_sender,
            "MessageSid": sid,
            "MessageStatus": status,
            "SmsSid": sid,
            "SmsStatus": status,
            "StructuredMessage": "false",
            "To": message.to,
        }
        if status in ("delivered", "read"):
            params["EventType"] = status.upper()
        if message.messaging_service_sid:
            params["MessagingServiceSid"] = message.messaging_service_sid
        if error_code is not None:
            params["ErrorCode"] = str(error_code)
            params["ErrorMessage"] = error_message or ASYNC_ERROR_MESSAGES.get(error_code, f"Error {error_code}")
        return params

    def _deliver(self, event: StatusEvent, error_message: str | None = None) -> Callback:
        message = self.message(event.sid)
        if not message.status_callback:
            raise ValueError(f"message {event.sid} was sent without a StatusCallback")
        url = message.status_callback
        params = self.callback_params(event.sid, event.status, event.error_code, error_message)
        headers = {
            "Content-Type": "application/x-www-form-urlencoded",
            "User-Agent": "TwilioProxy/1.1",
            # Signed over the exact URL given as StatusCallback, query string included.
            "X-Twilio-Signature": self._validator.compute_signature(url, params),
        }
        result: Any = None
        error: str | None = None
        try:
            result = self.callback_sink(url, dict(params), dict(headers))
        except Exception as exc:
            # Twilio does not retry a failed status callback either; record it and carry on.
            error = f"{type(exc).__name__}: {exc}"
        callback = Callback(event.sid, url, params, headers, result, error)
        with self._lock:
            self._delivered.append(callback)
            self._delivered_cv.notify_all()
        return callback

    def _callback_worker(self) -> None:
        while True:
            with self._lock:
                self._pending_cv.wait_for(lambda: self._pending or self._stopping.is_set())
                if self._stopping.is_set():
                    return
                event = self._pending.popleft()
            self._deliver(event)

    # ----------------------------------------------------------------- inbound media

    def add_media(self, content: bytes, content_type: str, *, message_sid: str | None = None) -> str:
        """Store media as Twilio does for an inbound message; returns its MediaUrl."""
        message_sid = message_sid or _sid("MM")
        path = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{message_sid}/Media/{_sid('ME')}"
        media = _Media(content, content_type, secrets.token_hex(16))
        with self._lock:
            self._media[path] = media
            self._cdn[media.cdn_token] = media
        return self.url + path

    def media_not_ready(self, url: str, n: int = 1) -> None:
        """The next n GETs of this media answer 404, as Twilio's can right after the webhook."""
        path = urllib.parse.urlsplit(url).path
        with self._lock:
            self._media[path].not_ready = n

    # ----------------------------------------------------------------- HTTP

    def _dispatch(self, handler: _Handler, method: str) -> None:
        parts = urllib.parse.urlsplit(handler.path)
        path = parts.path
        delay = 0.0
        if path.startswith(f"/{API_VERSION}/"):
            with self._lock:
                delay = self._delays.popleft() if self._delays else 0.0
        if method == "GET" and path == "/health":
            response = (200, {"status": "ok"}, {})
        elif method == "POST" and (match := _MESSAGES_PATH.fullmatch(path)):
            response = self._create_message(handler, match.group(1), delay)
        elif path.startswith("/v1/"):
            response = self._content_request(handler, method, path, parts.query)
        elif method == "GET" and (match := _MEDIA_PATH.fullmatch(path)):
            response = self._fetch_media(handler, path)
        elif method == "GET" and (media := self._cdn_media(path)) is not None:
            self._write(handler, 200, media.content, {"Content-Type": media.content_type})
            return
        else:
            status = 405 if path == "/health" else 404
            response = (status, error_body(20404, f"The requested resource {path} was not found", status), {})
        if delay and self._stopping.wait(delay):
            return  # shutting down: drop the answer, as a dead server would
        status, payload, headers = response
        body = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
        headers = {"Content-Type": "application/json; charset=utf-8", **headers}
        self._write(handler, status, body, headers)

    def _cdn_media(self, path: str) -> _Media | None:
        if not path.startswith("/cdn/"):
            return None
        with self._lock:
            return self._cdn.get(path.removeprefix("/cdn/"))

    @staticmethod
    def _write(handler: _Handler, status: int, body: bytes, headers: Mapping[str, str]) -> None:
        try:
            handler.send_response(status)
            for name, value in headers.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", str(len(body)))
            handler.end_headers()
            handler.wfile.write(body)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (e.g. its timeout fired during delay_next)

    def _authorized(self, handler: _Handler) -> bool:
        scheme, _, encoded = (handler.headers.get("Authorization") or "").partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            user, sep, password = base64.b64decode(encoded, validate=True).decode().partition(":")
        except (ValueError, UnicodeDecodeError):
            return False
        return bool(sep) and (
            hmac.compare_digest(user.encode(), self.account_sid.encode())
            & hmac.compare_digest(password.encode(), self.auth_token.encode())
        )

    def _unauthorized(self) -> tuple[int, dict[str, Any], dict[str, str]]:
        return 401, error_body(20003, "Authenticate", 401), {"WWW-Authenticate": 'Basic realm="Twilio API"'}

    def _content_request(
        self, handler: _Handler, method: str, path: str, query: str
    ) -> tuple[int, Any, dict[str, str]]:
        body = handler.rfile.read(int(handler.headers.get("Content-Length") or 0))
        params = dict(urllib.parse.parse_qsl(query))
        authorized = self._authorized(handler)
        with self._lock:
            status, payload = self._content.handle(method, path, params, body, authorized)
        if status == 401:
            return self._unauthorized()
        return status, payload, {}

    def _fetch_media(self, handler: _Handler, path: str) -> tuple[int, Any, dict[str, str]]:
        if not self._authorized(handler):
            response: tuple[int, Any, dict[str, str]] = self._unauthorized()
        else:
            with self._lock:
                media = self._media.get(path)
                if media is not None and media.not_ready > 0:
                    media.not_ready -= 1
                    media = None
            if media is None:
                response = (404, error_body(20404, f"The requested resource {path} was not found", 404), {})
            else:
                # Twilio answers with a temporary redirect to a short-lived CDN URL that needs no auth.
                response = (307, b"", {"Location": f"{self.url}/cdn/{media.cdn_token}"})
        with self._lock:
            self._media_requests.append(MediaRequest(path, response[0]))
        return response

    def _create_message(self, handler: _Handler, path_account: str, delay: float) -> tuple[int, Any, dict[str, str]]:
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length).decode("utf-8", errors="replace")
        params = urllib.parse.parse_qs(raw, keep_blank_values=True)
        fault: _Fault | None = None
        with self._lock:
            order = next(self._counter)
            try:
                if not self._authorized(handler):
                    raise _ApiError(401, 20003, "Authenticate", "unauthorized")
                if path_account != self.account_sid:
                    path = f"/{API_VERSION}/Accounts/{path_account}/Messages.json"
                    raise _ApiError(404, 20404, f"The requested resource {path} was not found", "not_found")
                fault = self._next_fault()
                if fault is not None and not fault.message_created:
                    raise self._fault_error(fault)
                message = self._validate(params, order)
            except _ApiError as exc:
                self._attempts.append(Attempt(order, params, exc.status, exc.code, exc.outcome, delay=delay))
                if exc.status == 401:
                    return self._unauthorized()
                headers = {}
                if exc.status == 429 and fault is not None and fault.retry_after is not None:
                    headers["Retry-After"] = str(fault.retry_after)
                return exc.status, error_body(exc.code, exc.message, exc.status), headers

            self._messages.append(message)
            self._by_sid[message.sid] = message
            if message.status_callback:
                self._pending.extend(message.lifecycle)
                self._pending_cv.notify_all()
            if fault is not None:
                # Created, yet the client is told it failed.
                error = self._fault_error(fault)
                self._attempts.append(Attempt(order, params, error.status, error.code, "injected", message.sid, delay))
                return error.status, error_body(error.code, error.message, error.status), {}
            self._attempts.append(Attempt(order, params, 201, None, "accepted", message.sid, delay))
            return 201, self._resource(message), {"Twilio-Request-Id": _sid("RQ")}

    def _next_fault(self) -> _Fault | None:
        if self._faults:
            return self._faults.popleft()
        if self._ratio is not None:
            p, fault, rng = self._ratio
            if rng.random() < p:
                return fault
        return None

    @staticmethod
    def _fault_error(fault: _Fault) -> _ApiError:
        outcome = "rate_limited" if fault.status == 429 else "injected"
        return _ApiError(fault.status, fault.code, fault.message, outcome)

    def _validate(self, params: dict[str, list[str]], order: int) -> SentMessage:
        """Twilio's synchronous checks, each answered 400 with Twilio's code and wording."""

        def first(name: str) -> str | None:
            values = params.get(name)
            return values[0] if values and values[0] != "" else None

        to, from_, service = first("To"), first("From"), first("MessagingServiceSid")
        body, content_sid, raw_variables = first("Body"), first("ContentSid"), first("ContentVariables")
        status_callback = first("StatusCallback")
        media_urls = tuple(url for url in params.get("MediaUrl", []) if url)

        if to is None:
            raise _ApiError(400, 21604, "A 'To' phone number is required.")
        if from_ is None and service is None:
            raise _ApiError(400, 21603, "A 'From' phone number is required.")
        if not _WHATSAPP_ADDRESS.fullmatch(to):
            raise _ApiError(400, 21211, f"The 'To' number {to} is not a valid phone number.")
        if from_ is not None and not from_.startswith(WHATSAPP_PREFIX):
            raise _ApiError(400, 21910, "Invalid 'From' and 'To' pair. 'From' and 'To' should be of the same channel")
        if body is None and not media_urls and content_sid is None:
            if service is not None:
                raise _ApiError(400, 21619, "A text message body, media url or content sid is required.")
            raise _ApiError(400, 21602, "Message body is required.")
        if body is not None and _utf16_units(body) > BODY_LIMIT:
            raise _ApiError(400, 21617, "The concatenated message body exceeds the 1600 character limit.")
        bad_media = [url for url in media_urls if not _is_http_url(url)]
        if bad_media:
            raise _ApiError(
                400, 21620, f"Media urls: {bad_media} are invalid. Please use only valid http and https urls"
            )
        if raw_variables is not None and content_sid is None:
            raise _ApiError(400, 21654, "A ContentSid must be specified if ContentVariables are provided.")
        variables = None
        if raw_variables is not None:
            try:
                variables = json.loads(raw_variables)
            except json.JSONDecodeError:
                variables = None
            # Twilio wants a JSON object whose values are neither null nor empty.
            if not isinstance(variables, dict) or any(value in (None, "") for value in variables.values()):
                raise _ApiError(400, 21656, "The ContentVariables Parameter is invalid.")
        if status_callback is not None and not _is_http_url(status_callback):
            raise _ApiError(400, 21609, f"The StatusCallback URL {status_callback} is not a valid URL.")
        content, rendered = self._content_for(content_sid, variables)
        if rendered is not None:
            body = rendered.body
        # An approved template goes as a template, even inside the window (list-pickers never are: they
        # can't be submitted); a content this stand-in did not create is one made elsewhere (strict_content).
        as_template = content_sid is not None and (content is None or content.approved)

        sid = _sid("SM")
        window_open = self._windows.get(to, self.window_default_open)
        if (refusal := self._whatsapp_refusal(rendered, as_template, window_open)) is not None:
            # Accepted by REST, refused by WhatsApp afterwards: only the callback tells.
            lifecycle: tuple[StatusEvent, ...] = (StatusEvent(sid, "failed", refusal),)
        elif self._delivery_faults:
            status, code = self._delivery_faults.popleft()
            lifecycle = (StatusEvent(sid, status, code),)
        elif self._over_sender_rate(from_):
            lifecycle = (StatusEvent(sid, "failed", 63018),)
        else:
            lifecycle = tuple(StatusEvent(sid, status) for status in ("sent", "delivered", "read"))
        return SentMessage(
            order=order,
            sid=sid,
            to=to,
            from_=from_,
            body=body,
            media_urls=media_urls,
            content_sid=content_sid,
            content_variables=variables,
            status_callback=status_callback,
            messaging_service_sid=service,
            date_created=_rfc2822_now(),
            lifecycle=lifecycle,
            rendered=rendered,
            as_template=as_template,
        )

    def _content_for(
        self, content_sid: str | None, variables: dict[str, Any] | None
    ) -> tuple[Content | None, Rendered | None]:
        """The content a send names and its rendering, or a 21655/21656 where Twilio refuses them."""
        if content_sid is None:
            return None, None
        content = self._content.contents.get(content_sid)
        if content is None:
            if self.strict_content or content_sid in self._content.deleted:
                raise _ApiError(400, 21655, "The ContentSid is Invalid.")
            return None, None
        values = content_api.send_values(content, variables)
        if values is None:
            raise _ApiError(400, 21656, "The ContentVariables Parameter is invalid.")
        return content, content.render(values)

    @staticmethod
    def _whatsapp_refusal(rendered: Rendered | None, as_template: bool, window_open: bool) -> int | None:
        """WhatsApp's rules, applied after REST accepted the message: the ErrorCode its callback carries."""
        if not window_open and not as_template:
            # Freeform, unapproved or session-only content (list-picker) can't open a conversation.
            return 63016
        if rendered is None:
            return None
        if len(rendered.body) > content_api.BODY_LIMIT[rendered.content_type]:
            return 63021  # the variables made the text longer than WhatsApp takes
        if not as_template and len(rendered.buttons) > content_api.SESSION_BUTTON_LIMIT:
            return 63021  # a session (interactive) message carries at most three reply buttons
        return None

    def _resource(self, message: SentMessage) -> dict[str, Any]:
        """The Message resource JSON Twilio answers a create with."""
        base = f"/{API_VERSION}/Accounts/{self.account_sid}/Messages/{message.sid}"
        via_service = message.messaging_service_sid is not None
        return {
            "account_sid": self.account_sid,
            "api_version": API_VERSION,
            "body": message.body or "",
            "date_created": message.date_created,
            "date_sent": None,
            "date_updated": message.date_created,
            "direction": "outbound-api",
            "error_code": None,
            "error_message": None,
            "from": message.from_,
            "messaging_service_sid": message.messaging_service_sid,
            # Through a Messaging Service no sender is chosen yet: status accepted, 0 segments.
            "num_media": str(len(message.media_urls)),
            "num_segments": "0" if via_service else "1",
            "price": None,
            "price_unit": "USD",
            "sid": message.sid,
            "status": "accepted" if via_service else "queued",
            "subresource_uris": {"media": f"{base}/Media.json", "feedback": f"{base}/Feedback.json"},
            "to": message.to,
            "uri": f"{base}.json",
        }
