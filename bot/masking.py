"""What of a citizen's phone number or identity number may be shown: the one format of each.

Every page, file, audit entry and log line masks with these, so a number reads the same everywhere.

- `mask_phone`: a WhatsApp address in a list, a CSV, a log line: `+62*****1234`. The first three
  characters (`+` and the country code), always five stars (never the length), the last four.
  A WhatsApp BSUID (`ID.1502576394655843`, a user who hides their number) keeps its country prefix:
  `ID.*****5843`.
- `mask_nik`: free text with every NIK-like number masked to `5171********0001`: 16 digits in a row,
  or digits grouped by any separators people type (spaces, dots, dashes, slashes, underscores, any
  mix: `5105 - 0145 - 0190 - 0001`) that add up to 16 or more. A NIK's digits encode region and
  birth date (DESIGN), so at most the first four and the last four stay. The NIK parser
  (`bot/visits/parsing.py`) reads numbers with the same separators (`SEPARATOR`, `strip_separators`),
  so whatever the parser would accept as a NIK, the mask hides.
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
NIK_DIGITS = 16
# What people put between a number's digit groups: any whitespace, dots, dashes (also the typographic
# ones a phone's keyboard substitutes), slashes, underscores.
SEPARATOR = re.compile(r"[\s.\-/_\u2010-\u2015\u2212]")
# A number as typed: digit groups joined by separators ("5105 - 0145 - 0190 - 0001").
_NUMBER_RUN = re.compile(r"\d+(?:[\s.\-/_\u2010-\u2015\u2212]+\d+)*")


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


def strip_separators(text: str) -> str:
    """`text` without the separators people type between digit groups (the parser's reading)."""
    return SEPARATOR.sub("", text)


def _nik_like(run: str) -> str | None:
    """The digits of a number as typed when it may carry a NIK: exactly 16 in a row, or 16 or more
    in separated groups (a NIK with more typed after it is still a NIK). Else None."""
    digits = strip_separators(run)
    if digits == run:  # no separators: only a 16-digit number is NIK-like (17 digits stay)
        return digits if len(digits) == NIK_DIGITS else None
    return digits if len(digits) >= NIK_DIGITS else None


def has_nik(text: str | None) -> bool:
    """True when `text` holds a NIK-like number that `mask_nik` would hide."""
    return any(_nik_like(match.group(0)) for match in _NUMBER_RUN.finditer(text or ""))


_MASKED = re.compile(r"\d{4}\*{4,}\d{4}")


def is_masked_nik(text: str | None) -> bool:
    """True when `text` holds a number `mask_nik` (or `mask_id`) masked: its digits are gone."""
    return bool(_MASKED.search(text or ""))


def mask_nik(text: str | None) -> str:
    """`text` with every NIK-like number masked (`NIK 5171 0101 0101 0001` → `NIK 5171********0001`,
    `5105/0145/0190/0001` → `5105********0001`); a bare NIK is masked the same way. Other numbers
    (a 12-digit phone, 17 digits in a row) stay as they are."""
    if not text:
        return ""

    def masked(match: re.Match[str]) -> str:
        digits = _nik_like(match.group(0))
        return _keep_ends(digits) if digits else match.group(0)

    return _NUMBER_RUN.sub(masked, text)


def mask_id(number: str | None) -> str:
    """One identity document's number (digits as typed): at most the first and last four of a NIK
    (`5171********0001`), only the last four of a shorter one (`********9012`)."""
    text = (number or "").strip()
    if len(text) >= NIK_DIGITS:
        return _keep_ends(text)
    if len(text) < 8:  # too short to show any of it (no document number is this short)
        return "*" * len(text)
    return "*" * (len(text) - 4) + text[-4:]
