"""GET /healthz: 200 when Redis and the database answer, 503 naming what is down."""

from __future__ import annotations

import logging

from flask import Blueprint, current_app, jsonify

logger = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    runtime = current_app.extensions["loket"]
    checks = {"redis": runtime.redis.ping, "database": runtime.db.ping}
    results = {}
    for name, check in checks.items():
        try:
            check()
            results[name] = "ok"
        except Exception as exc:  # any failure means "down"; the log says why
            logger.error("health check %s failed: %s", name, exc)
            results[name] = "down"
    down = [name for name, state in results.items() if state != "ok"]
    body = {"status": "ok" if not down else "down", **results}
    if down:
        body["down"] = down
    return jsonify(body), 503 if down else 200
