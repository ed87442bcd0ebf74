"""Staff passwords: werkzeug's salted hashes (scrypt by default); a length rule, and no common or
trivial password (an embedded list of the words such lists start with, Indonesian ones included;
runs like `1234567890` or `qwertyuiop`; one character repeated; digits only, a date or a phone
number; the username itself)."""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable

from werkzeug.security import check_password_hash, generate_password_hash

MIN_LENGTH = 10
MAX_LENGTH = 256


@functools.cache
def _dummy_hash() -> str:
    """Checked when a username is unknown, so a wrong username costs as long as a wrong password."""
    return generate_password_hash("loket-dummy-password")


class WeakPassword(ValueError):
    """A password shorter than MIN_LENGTH (or absurdly long), common or trivial."""


# The words leaked-password lists are full of, alone or with digits and symbols around them
# ("Password123!", "admin@2026", "bismillah1"). Compared without case and with common
# letter-for-symbol swaps undone.
_COMMON = """
password passwort pass word qwerty qwertyuiop asdfgh asdfghjkl zxcvbnm azerty admin administrator
root user guest login welcome letmein iloveyou love monkey dragon master sunshine princess football
baseball superman batman shadow trustno freedom whatever secret changeme default test testing
abc abcdef abcdefg abcdefgh abcdefghij
rahasia katasandi sandi sayang cinta bismillah alhamdulillah indonesia jakarta bandung surabaya
denpasar bali merdeka garuda pancasila bangsa negara kejaksaan kejari kejati jaksa kantor pegawai
petugas loket ptsp pelayanan layanan adhyaksa selamat semangat kalimantan palangkaraya kupang
klungkung alor bogor
"""
COMMON_WORDS = frozenset(_COMMON.split())
_SWAPS = str.maketrans({"@": "a", "4": "a", "3": "e", "1": "i", "!": "i", "0": "o", "$": "s", "5": "s",
                        "7": "t"})
_RUNS = ("01234567890123456789", "abcdefghijklmnopqrstuvwxyz", "qwertyuiopasdfghjklzxcvbnm",
         "1qaz2wsx3edc4rfv5tgb6yhn7ujm", "qazwsxedcrfvtgbyhnujmikolp")


def _is_run(text: str) -> bool:
    """Part of a keyboard or alphabet run, forwards or backwards ("0987654321", "asdfghjkl")."""
    return any(text in run or text in run[::-1] for run in _RUNS)


def _core(text: str) -> str:
    """The letters between the digits and symbols people wrap around a word: "Admin@2026" → "admin"."""
    return re.sub(r"^[^a-z]+|[^a-z]+$", "", text)


def weakness(password: str, avoid: Iterable[str] = ()) -> str | None:
    """Why `password` is refused, or None. `avoid`: words the account itself gives away (its username)."""
    if len(password) < MIN_LENGTH or len(password) > MAX_LENGTH:
        return f"a password needs {MIN_LENGTH} to {MAX_LENGTH} characters"
    lower = password.lower()
    if len(set(lower)) <= 3:
        return "too few different characters"
    if lower.isdigit() or re.fullmatch(r"[\d\s./\-+()]+", lower):
        return "digits only (a date, a phone number or an ID is guessed first)"
    compact = re.sub(r"[\W_]+", "", lower)
    if _is_run(compact) or _is_run(lower):
        return "a keyboard or alphabet run"
    wrapped = _core(lower)
    for core in {wrapped, re.sub(r"^[^a-z@$!]+|[^a-z@$!]+$", "", lower).translate(_SWAPS)}:
        letters = re.sub(r"[^a-z]", "", core)
        if core in COMMON_WORDS or letters in COMMON_WORDS or (len(letters) >= 4 and _is_run(letters)):
            return "a common password"
    for word in avoid:
        word = (word or "").strip().lower()
        if len(word) >= 3 and word in lower:
            return "contains the username"
    return None


def validate(password: str, avoid: Iterable[str] = ()) -> None:
    reason = weakness(password, avoid)
    if reason is not None:
        raise WeakPassword(reason)


def hash_password(password: str, avoid: Iterable[str] = ()) -> str:
    validate(password, avoid)
    return generate_password_hash(password)


def verify(password_hash: str | None, password: str) -> bool:
    if password_hash is None:
        check_password_hash(_dummy_hash(), password)
        return False
    return check_password_hash(password_hash, password)
