"""The Twilio stand-in, driven by the real `twilio.rest.Client` the app uses.

Callbacks go to a real HTTP receiver (or a recording sink) and are awaited through queues and
events, never sleeps.
"""

from __future__ import annotations

import json
import queue
import re
import threading
import urllib.parse
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.request_validator import RequestValidator
from twilio.rest import Client

from tests.support.twilio_standin import Callback, TwilioStandIn

ACCOUNT_SID = "AC" + "0123456789abcdef" * 2
AUTH_TOKEN = "standin-auth-token"
SENDER = "whatsapp:+14155238886"
CITIZEN = "whatsapp:+6281339151776"
TEMPLATE_SID = "HX" + "ab" * 16


@dataclass
class Received:
    path: str
    params: dict[str, str]
    signature: str | None
    content_type: str | None


class CallbackReceiver:
    """A real HTTP endpoint standing in for the app's status-callback route."""

    def __init__(self) -> None:
        self.received: queue.Queue[Received] = queue.Queue()
        inbox = self.received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                raw = self.rfile.read(int(self.headers["Content-Length"])).decode()
                params = {key: values[0] for key, values in urllib.parse.parse_qs(raw).items()}
                inbox.put(
                    Received(
                        self.path, params, self.headers.get("X-Twilio-Signature"), self.headers.get("Content-Type")
                    )
                )
                self.send_response(204)
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self._thread.start()

    def next(self) -> Received:
        return self.received.get(timeout=5)

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


@pytest.fixture(autouse=True)
def _no_twilio_region(monkeypatch: pytest.MonkeyPatch) -> None:
    # With TWILIO_REGION/TWILIO_EDGE set, the client rewrites the host of every URL, base_url included.
    monkeypatch.delenv("TWILIO_REGION", raising=False)
    monkeypatch.delenv("TWILIO_EDGE", raising=False)


@pytest.fixture
def twilio() -> Iterator[TwilioStandIn]:
    with TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN) as standin:
        yield standin


@pytest.fixture
def receiver() -> Iterator[CallbackReceiver]:
    endpoint = CallbackReceiver()
    yield endpoint
    endpoint.close()


def make_client(standin: TwilioStandIn, token: str = AUTH_TOKEN, timeout: float | None = None, **kwargs: str) -> Client:
    # Exactly what the app's transport does: a stock client, re-pointed through api.base_url.
    client = Client(ACCOUNT_SID, token, http_client=TwilioHttpClient(timeout=timeout), **kwargs)
    client.api.base_url = standin.url
    return client


def plain_session() -> requests.Session:
    session = requests.Session()
    session.trust_env = False  # no proxies from the environment for 127.0.0.1
    return session


def assert_signed(received: Received, base_url: str) -> None:
    validator = RequestValidator(AUTH_TOKEN)
    assert received.signature
    assert validator.validate(base_url + received.path, received.params, received.signature)


# ------------------------------------------------------------------ sending


def test_send_answers_like_twilio_and_is_recorded(twilio: TwilioStandIn) -> None:
    client = make_client(twilio)

    sent = client.messages.create(
        to=CITIZEN,
        from_=SENDER,
        body="Halo, antrean Anda nomor 12.",
        media_url=["https://example.org/a.pdf", "https://example.org/b.png"],
        status_callback="https://loket.example.go.id/twilio/status",
    )

    assert re.fullmatch(r"SM[0-9a-f]{32}", sent.sid)
    assert sent.account_sid == ACCOUNT_SID
    assert (sent.to, sent.from_, sent.body) == (CITIZEN, SENDER, "Halo, antrean Anda nomor 12.")
    assert sent.status == "queued"
    assert sent.direction == "outbound-api"
    assert (sent.num_media, sent.num_segments) == ("2", "1")
    assert isinstance(sent.date_created, datetime)  # the client parsed our RFC 2822 date
    assert sent.error_code is None
    assert sent.api_version == "2010-04-01"
    assert sent.uri == f"/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/{sent.sid}.json"

    [recorded] = twilio.messages
    assert recorded.sid == sent.sid
    assert recorded.media_urls == ("https://example.org/a.pdf", "https://example.org/b.png")
    assert recorded.status_callback == "https://loket.example.go.id/twilio/status"
    assert recorded.freeform
    assert twilio.count_to(CITIZEN) == twilio.count_to("+6281339151776") == 1
    assert [attempt.outcome for attempt in twilio.attempts] == ["accepted"]


def test_template_send_records_content_variables(twilio: TwilioStandIn) -> None:
    client = make_client(twilio)

    client.messages.create(
        to=CITIZEN,
        from_=SENDER,
        content_sid=TEMPLATE_SID,
        content_variables=json.dumps({"1": "Budi", "2": "Senin 09.00"}),
    )

    [recorded] = twilio.messages
    assert recorded.content_sid == TEMPLATE_SID
    assert recorded.content_variables == {"1": "Budi", "2": "Senin 09.00"}
    assert not recorded.freeform


def test_messaging_service_send_starts_accepted(twilio: TwilioStandIn) -> None:
    sent = make_client(twilio).messages.create(to=CITIZEN, messaging_service_sid="MG" + "0" * 32, body="Halo")
    assert (sent.status, sent.from_, sent.num_segments) == ("accepted", None, "0")


def test_wrong_auth_token_is_refused_with_20003(twilio: TwilioStandIn) -> None:
    client = make_client(twilio, token="not-the-token")

    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to=CITIZEN, from_=SENDER, body="Halo")

    assert (caught.value.status, caught.value.code) == (401, 20003)
    assert twilio.messages == []
    assert [attempt.outcome for attempt in twilio.attempts] == ["unauthorized"]


def test_other_account_in_the_path_is_not_found(twilio: TwilioStandIn) -> None:
    client = make_client(twilio, account_sid="AC" + "f" * 32)

    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to=CITIZEN, from_=SENDER, body="Halo")

    assert (caught.value.status, caught.value.code) == (404, 20404)


def test_body_over_1600_characters_is_21617(twilio: TwilioStandIn) -> None:
    client = make_client(twilio)

    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to=CITIZEN, from_=SENDER, body="x" * 1601)
    assert (caught.value.status, caught.value.code) == (400, 21617)

    client.messages.create(to=CITIZEN, from_=SENDER, body="x" * 1600)
    # An emoji counts twice, so this is 1601 as well.
    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to=CITIZEN, from_=SENDER, body="x" * 1599 + "🙂")
    assert caught.value.code == 21617
    assert twilio.count_to(CITIZEN) == 1


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"to": "", "from_": SENDER, "body": "Halo"}, 21604),
        ({"to": CITIZEN, "body": "Halo"}, 21603),
        ({"to": CITIZEN, "from_": SENDER}, 21602),
        ({"to": CITIZEN, "messaging_service_sid": "MG" + "0" * 32}, 21619),
        ({"to": "+6281339151776", "from_": SENDER, "body": "Halo"}, 21211),
        ({"to": "whatsapp:081339151776", "from_": SENDER, "body": "Halo"}, 21211),
        ({"to": CITIZEN, "from_": "+14155238886", "body": "Halo"}, 21910),
        ({"to": CITIZEN, "from_": SENDER, "media_url": ["file:///etc/passwd"]}, 21620),
        ({"to": CITIZEN, "from_": SENDER, "body": "Halo", "content_variables": "{}"}, 21654),
        ({"to": CITIZEN, "from_": SENDER, "content_sid": TEMPLATE_SID, "content_variables": "{1: x}"}, 21656),
        ({"to": CITIZEN, "from_": SENDER, "content_sid": TEMPLATE_SID, "content_variables": '{"1": ""}'}, 21656),
        ({"to": CITIZEN, "from_": SENDER, "body": "Halo", "status_callback": "not a url"}, 21609),
    ],
)
def test_invalid_requests_get_twilio_400s(twilio: TwilioStandIn, fields: dict, code: int) -> None:
    with pytest.raises(TwilioRestException) as caught:
        make_client(twilio).messages.create(**fields)

    assert (caught.value.status, caught.value.code) == (400, code)
    assert twilio.messages == []
    [attempt] = twilio.attempts
    assert (attempt.outcome, attempt.error_code) == ("invalid", code)


# ------------------------------------------------------------------ fault injection


def test_fail_next_500_then_success(twilio: TwilioStandIn) -> None:
    client = make_client(twilio)
    twilio.fail_next(1)

    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to=CITIZEN, from_=SENDER, body="Halo")
    assert (caught.value.status, caught.value.code) == (500, 20500)

    sent = client.messages.create(to=CITIZEN, from_=SENDER, body="Halo")
    assert [attempt.outcome for attempt in twilio.attempts] == ["injected", "accepted"]
    assert [message.sid for message in twilio.messages] == [sent.sid]


def test_500_after_creating_the_message_shows_why_retries_duplicate(twilio: TwilioStandIn) -> None:
    client = make_client(twilio)
    twilio.fail_next(1, status=503, code=20503, message_created=True)

    with pytest.raises(TwilioRestException) as caught:
        client.messages.create(to=CITIZEN, from_=SENDER, body="Halo")
    client.messages.create(to=CITIZEN, from_=SENDER, body="Halo")

    assert (caught.value.status, caught.value.code) == (503, 20503)
    assert twilio.count_to(CITIZEN) == 2
    assert twilio.attempts[0].sid == twilio.messages[0].sid


def test_rate_limit_answers_429_with_20429(twilio: TwilioStandIn) -> None:
    client = make_client(twilio)
    twilio.rate_limit_next(2, retry_after=3)

    for _ in range(2):
        with pytest.raises(TwilioRestException) as caught:
            client.messages.create(to=CITIZEN, from_=SENDER, body="Halo")
        assert (caught.value.status, caught.value.code) == (429, 20429)
    assert client.http_client._test_only_last_response.headers["Retry-After"] == "3"

    client.messages.create(to=CITIZEN, from_=SENDER, body="Halo")
    assert [attempt.outcome for attempt in twilio.attempts] == ["rate_limited", "rate_limited", "accepted"]


def test_fail_ratio_is_deterministic_with_a_seed(twilio: TwilioStandIn) -> None:
    client = make_client(twilio)

    def pattern() -> list[bool]:
        outcomes = []
        for _ in range(30):
            try:
                client.messages.create(to=CITIZEN, from_=SENDER, body="Halo")
                outcomes.append(True)
            except TwilioRestException as exc:
                assert exc.status == 502
                outcomes.append(False)
        return outcomes

    twilio.fail_ratio(0.5, status=502, seed=7)
    first = pattern()
    twilio.reset()
    twilio.fail_ratio(0.5, status=502, seed=7)
    assert pattern() == first
    assert True in first and False in first

    twilio.stop_failing()
    assert all(pattern())


def test_delay_next_lets_the_client_time_out_after_the_send(twilio: TwilioStandIn) -> None:
    client = make_client(twilio, timeout=0.3)
    twilio.delay_next(1, 30)

    with pytest.raises(requests.exceptions.Timeout):
        client.messages.create(to=CITIZEN, from_=SENDER, body="Halo")

    # Twilio got it even though the answer never arrived: the case outbox idempotency is for.
    assert twilio.count_to(CITIZEN) == 1
    assert twilio.attempts[0].delay == 30
    client.messages.create(to=CITIZEN, from_=SENDER, body="Halo")
    assert twilio.count_to(CITIZEN) == 2


# ------------------------------------------------------------------ WhatsApp window and callbacks


def test_closed_window_fails_freeform_with_63016_but_templates_pass(
    twilio: TwilioStandIn, receiver: CallbackReceiver
) -> None:
    client = make_client(twilio)
    twilio.close_window("+6281339151776")
    callback_url = receiver.url + "/twilio/status"

    freeform = client.messages.create(to=CITIZEN, from_=SENDER, body="Halo", status_callback=callback_url)
    template = client.messages.create(
        to=CITIZEN,
        from_=SENDER,
        content_sid=TEMPLATE_SID,
        content_variables='{"1": "Budi"}',
        status_callback=callback_url,
    )
    assert freeform.status == template.status == "queued"  # REST accepts both

    twilio.flush_callbacks(freeform.sid)
    failed = receiver.next()
    assert failed.params["MessageSid"] == freeform.sid
    assert failed.params["MessageStatus"] == failed.params["SmsStatus"] == "failed"
    assert failed.params["ErrorCode"] == "63016"
    assert "outside the allowed window" in failed.params["ErrorMessage"]
    assert failed.content_type == "application/x-www-form-urlencoded"
    assert_signed(failed, receiver.url)

    twilio.flush_callbacks()
    statuses = [receiver.next().params for _ in range(3)]
    assert [params["MessageStatus"] for params in statuses] == ["sent", "delivered", "read"]
    assert all(params["MessageSid"] == template.sid and "ErrorCode" not in params for params in statuses)
    assert twilio.pending_callbacks() == []

    twilio.open_window(CITIZEN)
    reopened = client.messages.create(to=CITIZEN, from_=SENDER, body="Halo lagi")
    assert [event.status for event in twilio.message(reopened.sid).lifecycle] == ["sent", "delivered", "read"]


def test_window_default_can_start_closed() -> None:
    with TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN, window_default_open=False) as standin:
        sent = make_client(standin).messages.create(to=CITIZEN, from_=SENDER, body="Halo")
        assert [(e.status, e.error_code) for e in standin.message(sent.sid).lifecycle] == [("failed", 63016)]


def test_manual_callbacks_arrive_out_of_order_and_signed(twilio: TwilioStandIn, receiver: CallbackReceiver) -> None:
    client = make_client(twilio)
    # A query string is part of what Twilio signs.
    callback_url = receiver.url + "/twilio/status?office=dukcapil&v=2"
    sent = client.messages.create(to=CITIZEN, from_=SENDER, body="Halo", status_callback=callback_url)

    for status in ("read", "sent", "delivered"):
        twilio.send_status(sent.sid, status)

    arrived = [receiver.next() for _ in range(3)]
    assert [r.params["MessageStatus"] for r in arrived] == ["read", "sent", "delivered"]
    validator = RequestValidator(AUTH_TOKEN)
    for received in arrived:
        assert received.path == "/twilio/status?office=dukcapil&v=2"
        assert_signed(received, receiver.url)
        assert received.params["AccountSid"] == ACCOUNT_SID
        assert received.params["SmsSid"] == sent.sid
        assert (received.params["From"], received.params["To"]) == (SENDER, CITIZEN)
        assert received.params["ApiVersion"] == "2010-04-01"
        assert received.params["ChannelPrefix"] == "whatsapp"
        tampered = {**received.params, "MessageStatus": "failed"}
        assert not validator.validate(receiver.url + received.path, tampered, received.signature)
        # Signed over the query string too: dropping it breaks the signature.
        assert not validator.validate(receiver.url + "/twilio/status", received.params, received.signature)

    # send_status does not consume the message's own queued lifecycle.
    assert [e.status for e in twilio.pending_callbacks(sent.sid)] == ["sent", "delivered", "read"]

    twilio.send_status(sent.sid, "undelivered", error_code=63018)
    undelivered = receiver.next().params
    assert (undelivered["ErrorCode"], undelivered["ErrorMessage"]) == ("63018", "Rate limit exceeded for Channel")


def test_send_status_needs_a_status_callback_and_a_known_status(twilio: TwilioStandIn) -> None:
    sent = make_client(twilio).messages.create(to=CITIZEN, from_=SENDER, body="Halo")
    with pytest.raises(ValueError, match="StatusCallback"):
        twilio.send_status(sent.sid, "delivered")
    with pytest.raises(ValueError, match="unknown message status"):
        twilio.send_status(sent.sid, "seen")
    assert twilio.pending_callbacks() == []


def test_sink_hook_receives_callbacks_and_sink_errors_are_recorded() -> None:
    captured: list[tuple[str, dict[str, str], dict[str, str]]] = []

    def sink(url: str, params: dict[str, str], headers: dict[str, str]) -> int:
        captured.append((url, params, headers))
        if params["MessageStatus"] == "read":
            raise ConnectionError("app is down")
        return 200

    with TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN, callback_sink=sink) as standin:
        sent = make_client(standin).messages.create(
            to=CITIZEN, from_=SENDER, body="Halo", status_callback="https://loket.example/status"
        )
        delivered = standin.flush_callbacks()

    assert [c.params["MessageStatus"] for c in delivered] == ["sent", "delivered", "read"]
    assert [c.result for c in delivered] == [200, 200, None]
    assert delivered[2].error == "ConnectionError: app is down"
    url, params, headers = captured[0]
    assert RequestValidator(AUTH_TOKEN).validate(url, params, headers["X-Twilio-Signature"])
    assert params["MessageSid"] == sent.sid


def test_auto_callbacks_post_the_lifecycle_in_order() -> None:
    seen: queue.Queue[dict[str, str]] = queue.Queue()
    standin = TwilioStandIn(
        ACCOUNT_SID, AUTH_TOKEN, auto_callbacks=True, callback_sink=lambda url, params, headers: seen.put(params)
    )
    with standin:
        client = make_client(standin)
        standin.fail_delivery_next(1, error_code=63018, status="undelivered")
        throttled = client.messages.create(to=CITIZEN, from_=SENDER, body="1", status_callback="https://x.example/s")
        normal = client.messages.create(to=CITIZEN, from_=SENDER, body="2", status_callback="https://x.example/s")

        callbacks: list[Callback] = standin.wait_for_callbacks(4)

    assert [(c.sid, c.params["MessageStatus"]) for c in callbacks] == [
        (throttled.sid, "undelivered"),
        (normal.sid, "sent"),
        (normal.sid, "delivered"),
        (normal.sid, "read"),
    ]
    assert callbacks[0].params["ErrorCode"] == "63018"
    assert seen.qsize() == 4


# ------------------------------------------------------------------ inbound media


def test_media_needs_auth_404s_while_not_ready_then_redirects(twilio: TwilioStandIn) -> None:
    url = twilio.add_media(b"%PDF-1.7 KTP scan", "application/pdf")
    assert re.fullmatch(
        re.escape(f"{twilio.url}/2010-04-01/Accounts/{ACCOUNT_SID}/Messages/") + r"MM[0-9a-f]{32}/Media/ME[0-9a-f]{32}",
        url,
    )
    session = plain_session()

    anonymous = session.get(url, allow_redirects=False)
    assert anonymous.status_code == 401
    assert anonymous.json()["code"] == 20003

    twilio.media_not_ready(url, 2)
    for _ in range(2):
        missing = session.get(url, auth=(ACCOUNT_SID, AUTH_TOKEN), allow_redirects=False)
        assert (missing.status_code, missing.json()["code"]) == (404, 20404)

    redirect = session.get(url, auth=(ACCOUNT_SID, AUTH_TOKEN), allow_redirects=False)
    assert redirect.status_code == 307
    assert redirect.headers["Location"].startswith(twilio.url + "/cdn/")

    # The CDN URL needs no credentials, as Twilio's short-lived media URLs don't.
    media = session.get(redirect.headers["Location"])
    assert (media.status_code, media.content) == (200, b"%PDF-1.7 KTP scan")
    assert media.headers["Content-Type"] == "application/pdf"
    followed = session.get(url, auth=(ACCOUNT_SID, AUTH_TOKEN))
    assert followed.content == b"%PDF-1.7 KTP scan"
    assert [r.http_status for r in twilio.media_requests] == [401, 404, 404, 307, 307]


# ------------------------------------------------------------------ housekeeping


def test_health_reset_and_shutdown() -> None:
    standin = TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN)
    session = plain_session()
    assert session.get(standin.url + "/health").json() == {"status": "ok"}

    make_client(standin).messages.create(to=CITIZEN, from_=SENDER, body="Halo", status_callback="https://x.example/s")
    standin.close_window(CITIZEN)
    standin.reset()
    assert (standin.messages, standin.attempts, standin.pending_callbacks()) == ([], [], [])
    assert standin.window_open(CITIZEN)

    standin.shutdown()
    standin.shutdown()  # idempotent
    with pytest.raises(requests.exceptions.ConnectionError):
        session.get(standin.url + "/health", timeout=2)
