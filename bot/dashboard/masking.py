"""NIK-like numbers (16 digits, optionally grouped by spaces, dots or dashes) are shown as
`5171********0001`: a NIK's digits encode region and birth date, so only the first and last four stay."""

from __future__ import annotations

import re

_NIK = re.compile(r"(?<!\d)(?:\d[ .\-]?){15}\d(?!\d)")


def _mask(match: re.Match[str]) -> str:
    digits = re.sub(r"\D", "", match.group(0))
    return digits[:4] + "*" * 8 + digits[-4:]


def mask_nik(text: str | None) -> str:
    """`text` with every NIK-like number masked; never raises."""
    if not text:
        return ""
    return _NIK.sub(_mask, text)
