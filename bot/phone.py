"""WhatsApp addresses: a phone number in one canonical E.164 form (`0813…`, `+62 813…` and
`whatsapp:+62813…` alike), or a business-scoped user ID (BSUID) for a person who hides their number
behind a WhatsApp username (2026): a two-letter country code, a dot and up to 128 letters and digits,
e.g. `ID.1502576394655843`. Never assume an address is a phone number."""

from __future__ import annotations

import re
from functools import lru_cache

import phonenumbers

WHATSAPP_PREFIX = "whatsapp:"
SIMULATED_PREFIX = "sim:"  # the WhatsApp simulator's made-up people (bot/simulator.py): never a number
BSUID = re.compile(r"[A-Z]{2}\.[A-Za-z0-9]{1,128}")
# Room for the longest address (a BSUID: 2 + 1 + 128 characters) in every column that holds one.
ADDRESS_LENGTH = 140


class InvalidNumber(ValueError):
    pass


def normalize(raw: str, region: str = "ID", strict: bool = False) -> str:
    """Return E.164 (`+6281339151776`) or raise InvalidNumber. Lenient by default (whatever Twilio sends
    us is a number); `strict` for a number staff type in, which must exist in the numbering plan."""
    return _normalize(raw, region, strict)


# phonenumbers' parse is the costliest step of a webhook's bookkeeping (about 0.1 ms a call, several
# calls per message: the sender, the office's number, each lookup by number), and a number's E.164 form
# never changes. A number that raises is not cached (lru_cache keeps only returns), so it raises each time.
@lru_cache(maxsize=8192)
def _normalize(raw: str, region: str, strict: bool) -> str:
    text = (raw or "").strip()
    if text.lower().startswith(WHATSAPP_PREFIX):
        text = text[len(WHATSAPP_PREFIX):]
    if text.lower().startswith(SIMULATED_PREFIX):
        raise InvalidNumber("a simulated address (bot/simulator.py) is nobody's number")
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumber(str(exc)) from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidNumber("not a possible number")
    if strict and not phonenumbers.is_valid_number(parsed):
        raise InvalidNumber("not a valid number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def _bare(raw: str) -> str:
    text = (raw or "").strip()
    return text[len(WHATSAPP_PREFIX):] if text.lower().startswith(WHATSAPP_PREFIX) else text


def is_bsuid(address: str | None) -> bool:
    return bool(address) and BSUID.fullmatch(_bare(address)) is not None


def bsuid(raw: str | None) -> str | None:
    """The BSUID in `whatsapp:ID.1502…` (Twilio's From or ExternalUserId), or None."""
    text = _bare(raw or "")
    return text if BSUID.fullmatch(text) else None


def address(raw: str) -> str:
    """Who wrote: the E.164 number, or the BSUID when WhatsApp gives no number. Raises InvalidNumber."""
    return bsuid(raw) or normalize(raw)


def whatsapp(address: str) -> str:
    return f"{WHATSAPP_PREFIX}{address}"
