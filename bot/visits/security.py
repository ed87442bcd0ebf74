"""Keys and tokens: the identity number's keyed hash, visit codes, signed QR-image URLs.

Data minimisation: the full identity number is never stored. The desk checks the physical card at
check-in, so Loket keeps only the masked number (first 4 and last 4 digits of a NIK) and an
HMAC-SHA256 of it keyed with SECRET_KEY: enough to recognise the same document again (a repeat
guest, a check-in against the card) without a database that leaks NIKs if it is ever copied.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

from config.settings import INSTANCE_DIR

# No 0/O, 1/I/L, 5/S, 2/Z, 8/B: a code read aloud or typed from a screenshot stays unambiguous.
CODE_ALPHABET = "ACDEFGHJKMNPQRTUVWXY34679"
CODE_LENGTH = 6


def secret_key(config) -> bytes:
    """SECRET_KEY, or the key app.py generated once into instance/secret_key (shared by all processes)."""
    key = getattr(config, "SECRET_KEY", "") or ""
    if not key:
        path = INSTANCE_DIR / "secret_key"
        if not path.exists():
            INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
            path.write_text(secrets.token_hex(32))
            path.chmod(0o600)
        key = path.read_text().strip()
    return key.encode()


def id_hash(key: bytes, id_type: str, number: str) -> str:
    return hmac.new(key, f"id:{id_type}:{number}".encode(), hashlib.sha256).hexdigest()


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def _signature(key: bytes, office: str, code: str) -> str:
    digest = hmac.new(key, f"qr:{office}:{code}".encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:18]).decode()


def qr_token(key: bytes, office: str, code: str) -> str:
    """`<office>.<code>.<signature>`: unguessable, and carries nothing but the visit code."""
    return f"{office}.{code}.{_signature(key, office, code)}"


def read_qr_token(key: bytes, token: str) -> tuple[str, str] | None:
    """(office, code) for a token we signed, else None."""
    parts = token.split(".")
    if len(parts) != 3:
        return None
    office, code, signature = parts
    if not hmac.compare_digest(signature, _signature(key, office, code)):
        return None
    return office, code


def qr_url(config, office: str, code: str) -> str | None:
    base = getattr(config, "PUBLIC_BASE_URL", "") or ""
    if not base:
        return None
    return f"{base}/media/qr/{qr_token(secret_key(config), office, code)}.png"
