"""What of a citizen's phone number or identity number may be shown: the one format of each.

Every page, file, audit entry and log line masks with these, so a number reads the same everywhere.

- `mask_phone`: a WhatsApp address in a list, a CSV, a log line: `+62*****1234`. The first three
  characters (`+` and the country code), always five stars (never the length), the last four.
  A WhatsApp BSUID (`ID.1502576394655843`, a user who hides their number) keeps its country prefix:
  `ID.*****5843`.
- `mask_nik`: free text with every NIK-like number (16 digits, optionally grouped by spaces, dots or
  dashes) masked to `5171********0001`. A NIK's digits encode region and birth date (DESIGN), so at
  most the first four and the last four stay.
- `mask_id`: one identity document's number as the guest book keeps it: a NIK (16 digits or more)
  as above, a shorter number (SIM, passport, …) only its last four (`********9012`). This is the
  form stored in `Visit.id_masked`, so its stars keep the number's length.

All three never raise: `None` or empty input gives "".
"""

from __future__ import annotations

import re

from bot.phone import WHATSAPP_PREFIX

STARS = "*****"  # a fixed run: the mask does not tell how long the number is
_BSUID = re.compile(r"([A-Za-z]{2}\.)([A-Za-z0-9]+)")
_NIK_LIKE = re.compile(r"(?<!\d)(?:\d[ .\-]?){15}\d(?!\d)")
NIK_DIGITS = 16


def mask_phone(address: str | None) -> str:
    """`+6281339151776` → `+62*****1776`; `ID.1502576394655843` → `ID.*****5843`; a `whatsapp:`
    prefix is dropped; an address too short to keep anything of (7 characters or fewer) → `*****`."""
    text = (address or "").strip()
    if text.lower().startswith(WHATSAPP_PREFIX):
        text = text[len(WHATSAPP_PREFIX):]
    if not text:
        return ""
    bsuid = _BSUID.fullmatch(text)
    if bsuid:
        prefix, rest = bsuid.groups()
        return prefix.upper() + STARS + (rest[-4:] if len(rest) > 8 else "")
    if len(text) <= 7:
        return STARS
    return text[:3] + STARS + text[-4:]


def _keep_ends(digits: str) -> str:
    """A NIK's first and last four, the digits between them as stars."""
    return digits[:4] + "*" * (len(digits) - 8) + digits[-4:]


def mask_nik(text: str | None) -> str:
    """`text` with every NIK-like number masked (`NIK 5171 0101 0101 0001` → `NIK 5171********0001`);
    a bare NIK is masked the same way. Other numbers (a 12-digit phone, 17 digits) stay as they are."""
    if not text:
        return ""
    return _NIK_LIKE.sub(lambda match: _keep_ends(re.sub(r"\D", "", match.group(0))), text)


def mask_id(number: str | None) -> str:
    """One identity document's number (digits as typed): at most the first and last four of a NIK
    (`5171********0001`), only the last four of a shorter one (`********9012`)."""
    text = (number or "").strip()
    if len(text) >= NIK_DIGITS:
        return _keep_ends(text)
    if len(text) < 8:  # too short to show any of it (no document number is this short)
        return "*" * len(text)
    return "*" * (len(text) - 4) + text[-4:]
