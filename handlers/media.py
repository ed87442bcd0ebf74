"""GET /media/qr/<token>.png: a visit code's QR image, at an unguessable signed URL.

The token is `<office>.<code>.<HMAC>` (bot/visits/security.py): the image carries nothing but the
visit code, and only a URL Loket signed answers. Guests' photos are never served here.
"""

from __future__ import annotations

import io

import qrcode
from flask import Blueprint, Response, abort, current_app

from bot.visits.security import read_qr_token, secret_key

bp = Blueprint("media", __name__, url_prefix="/media")


@bp.get("/qr/<token>.png")
def qr(token: str) -> Response:
    runtime = current_app.extensions["loket"]
    found = read_qr_token(secret_key(runtime.config), token)
    if found is None:
        abort(404)
    _office, code = found
    image = qrcode.make(code, box_size=10, border=4)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    response = Response(buffer.getvalue(), mimetype="image/png")
    response.headers["Cache-Control"] = "private, max-age=86400"
    return response
