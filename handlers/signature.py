"""X-Twilio-Signature: Twilio signs the URL it called plus every POST parameter."""

from __future__ import annotations

import functools
import logging

from flask import abort, current_app, request
from twilio.request_validator import RequestValidator

logger = logging.getLogger(__name__)


def signed_url() -> str:
    """The URL as Twilio saw it: behind a TLS-ending proxy request.url says http, so prefer config."""
    base = current_app.config.get("PUBLIC_BASE_URL")
    if not base:
        return request.url
    query = request.query_string.decode("latin-1")
    return f"{base}{request.path}" + (f"?{query}" if query else "")


def twilio_signed(view):
    """403 (and nothing recorded) unless the request carries a valid signature; off in console mode."""

    @functools.wraps(view)
    def wrapper(*args, **kwargs):
        token = current_app.config.get("TWILIO_AUTH_TOKEN")
        if token:
            signature = request.headers.get("X-Twilio-Signature", "")
            if not RequestValidator(token).validate(signed_url(), request.form, signature):
                logger.warning("rejected %s: bad or missing X-Twilio-Signature", request.path)
                abort(403)
        return view(*args, **kwargs)

    return wrapper
