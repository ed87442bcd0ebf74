"""Phone numbers: one canonical E.164 form for `0813…`, `+62 813…` and `whatsapp:+62813…`."""

from __future__ import annotations

import phonenumbers

WHATSAPP_PREFIX = "whatsapp:"


class InvalidNumber(ValueError):
    pass


def normalize(raw: str, region: str = "ID", strict: bool = False) -> str:
    """Return E.164 (`+6281339151776`) or raise InvalidNumber. Lenient by default (whatever Twilio sends
    us is a number); `strict` for a number staff type in, which must exist in the numbering plan."""
    text = (raw or "").strip()
    if text.lower().startswith(WHATSAPP_PREFIX):
        text = text[len(WHATSAPP_PREFIX):]
    try:
        parsed = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException as exc:
        raise InvalidNumber(str(exc)) from exc
    if not phonenumbers.is_possible_number(parsed):
        raise InvalidNumber("not a possible number")
    if strict and not phonenumbers.is_valid_number(parsed):
        raise InvalidNumber("not a valid number")
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def whatsapp(e164: str) -> str:
    return f"{WHATSAPP_PREFIX}{e164}"


def mask(e164: str) -> str:
    """For logs: keep the country code and last 3 digits (`+62*******776`)."""
    if len(e164) <= 6:
        return "*" * len(e164)
    return e164[:3] + "*" * (len(e164) - 6) + e164[-3:]
