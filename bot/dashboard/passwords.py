"""Staff passwords: werkzeug's salted hashes (scrypt by default), a minimal length rule."""

from __future__ import annotations

import functools

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
MAX_LENGTH = 256


@functools.cache
def _dummy_hash() -> str:
    """Checked when a username is unknown, so a wrong username costs as long as a wrong password."""
    return generate_password_hash("loket-dummy-password")


class WeakPassword(ValueError):
    """A password shorter than MIN_LENGTH (or absurdly long)."""


def validate(password: str) -> None:
    if len(password) < MIN_LENGTH or len(password) > MAX_LENGTH:
        raise WeakPassword(f"a password needs {MIN_LENGTH} to {MAX_LENGTH} characters")


def hash_password(password: str) -> str:
    validate(password)
    return generate_password_hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    if password_hash is None:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)
