"""GET /healthz: 200 when Redis answers and the database answers at the code's migration head;
503 naming what is wrong (and, for a database not migrated, the command that fixes it).

Polled by load balancers, so it stays cheap: a ping each, and the database's Alembic revision read at
most every few seconds while it is at head (bot/migrate.py SchemaCheck).

    {"status": "down", "redis": "ok", "database": "not migrated", "down": ["database"],
     "problems": {"database": "database at revision 0010, code expects head 0012: run `flask --app app db-upgrade`"}}
"""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify

logger = logging.getLogger(__name__)

bp = Blueprint("health", __name__)

NOT_MIGRATED = "not migrated"


class SchemaBehind(Exception):
    """The database answers, but its schema is not the one this code needs."""


def _database(runtime) -> None:
    runtime.db.ping()
    problem = runtime.schema.state().problem()
    if problem:
        raise SchemaBehind(problem)


@bp.get("/healthz")
def healthz():
    runtime = current_app.extensions["loket"]
    checks = {"redis": runtime.redis.ping, "database": lambda: _database(runtime)}
    results, problems = {}, {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except SchemaBehind as exc:  # a deployment that skipped its migration step: say what to run
            # (logged once per process by SchemaCheck, not on every poll)
            results[name], problems[name] = NOT_MIGRATED, str(exc)
        except Exception as exc:  # any failure means "down"; the log says why, the answer only its kind
            logger.error("health check %s failed: %s", name, exc)
            results[name], problems[name] = "down", f"unreachable ({exc.__class__.__name__})"
    down = [name for name, state in results.items() if state != "ok"]
    body = {"status": "ok" if not down else "down", **results}
    if down:
        body["down"] = down
        body["problems"] = problems
    return jsonify(body), 503 if down else 200
