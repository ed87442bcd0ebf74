"""Keys and tokens: the identity number's keyed hash, visit codes, signed QR-image URLs.

Data minimisation: the full identity number is never stored. The desk checks the physical card at
check-in, so Loket keeps only the masked number (first 4 and last 4 digits of a NIK) and an
HMAC-SHA256 of it keyed with NIK_HASH_KEY (never SECRET_KEY: a masked NIK leaves 8 digits, about
10^8 candidates, so whoever holds the key and a row recovers the number at once): enough to
recognise the same document again (a repeat guest, a check-in against the card) without a database
that leaks NIKs if it is ever copied. Twilio mode refuses to start without NIK_HASH_KEY; console mode
generates one into instance/nik_hash_key (0600).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets

from bot.exceptions import ConfigError
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


def _twilio_mode(config) -> bool:
    return bool(getattr(config, "TWILIO_ACCOUNT_SID", "") and getattr(config, "TWILIO_AUTH_TOKEN", ""))


def check_nik_hash_key(config) -> None:
    """Start-up check: Twilio mode (real citizens' numbers) needs its own NIK_HASH_KEY."""
    if _twilio_mode(config) and not (getattr(config, "NIK_HASH_KEY", "") or "").strip():
        raise ConfigError("NIK_HASH_KEY is not set: Twilio mode needs a key of its own for the identity "
                          "number's hash (not SECRET_KEY); e.g. NIK_HASH_KEY=$(openssl rand -hex 32)")


def nik_hash_key(config) -> bytes:
    """NIK_HASH_KEY; in console mode, one generated once into instance/nik_hash_key (shared by all local
    processes, O_EXCL so two starting together agree)."""
    key = (getattr(config, "NIK_HASH_KEY", "") or "").strip()
    if key:
        return key.encode()
    check_nik_hash_key(config)
    path = INSTANCE_DIR / "nik_hash_key"
    INSTANCE_DIR.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip().encode()
    with os.fdopen(fd, "w") as handle:
        handle.write(secrets.token_hex(32))
    return path.read_text().strip().encode()


def id_hash(key: bytes, id_type: str, number: str) -> str:
    """The keyed hash of an identity number; `key` is `nik_hash_key(config)`."""
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
