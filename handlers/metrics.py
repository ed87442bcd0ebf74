"""GET /metrics: Prometheus' text format (bot/metrics.py), never public.

Answered to a scraper whose address is in METRICS_ALLOW, or that sends `Authorization: Bearer
<METRICS_TOKEN>` (compared in constant time). Otherwise: 401 when a token is configured (the
scraper's credentials are wrong or missing), 404 when none is (the endpoint is off for this caller,
and says nothing more). With neither setting, nobody gets an answer.
"""

from __future__ import annotations

import hmac
import ipaddress
import logging

from flask import Blueprint, Response, current_app, request
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4, generate_latest

from bot import metrics

logger = logging.getLogger(__name__)

bp = Blueprint("metrics", __name__)

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def allowed_networks(raw: str) -> tuple[Network, ...]:
    """METRICS_ALLOW's addresses and networks; a wrong entry stops start-up rather than open or shut silently."""
    return tuple(ipaddress.ip_network(part.strip(), strict=False) for part in raw.split(",") if part.strip())


def _from_allowed(networks: tuple[Network, ...]) -> bool:
    try:
        address = ipaddress.ip_address(request.remote_addr or "")
    except ValueError:
        return False
    return any(address in network for network in networks)


def _bearer_matches(token: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    return bool(token) and scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode())


@bp.get("/metrics")
def scrape() -> Response:
    token = current_app.config.get("METRICS_TOKEN", "")
    if not (_bearer_matches(token) or _from_allowed(current_app.extensions["loket_metrics_allow"])):
        if token:
            return Response("unauthorized\n", status=401, mimetype="text/plain",
                            headers={"WWW-Authenticate": 'Bearer realm="metrics"'})
        return Response("not found\n", status=404, mimetype="text/plain")
    body = generate_latest(current_app.extensions["loket_metrics"])  # the classic text format, version 0.0.4
    return Response(body, content_type=CONTENT_TYPE_PLAIN_0_0_4)


def init_app(app, runtime) -> None:
    app.extensions["loket_metrics_allow"] = allowed_networks(app.config.get("METRICS_ALLOW", ""))
    app.extensions["loket_metrics"] = metrics.registry(runtime)
    app.register_blueprint(bp)
