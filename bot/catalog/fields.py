"""Typed values derived from cleaned items: waktu, pengaduan contacts, slugs."""

from __future__ import annotations

import re
import unicodedata

WAKTU_UNITS = ("menit", "jam", "hari", "hari kerja")

# A duration: "5 (lima) hari kerja", "30 Menit", "3 - 5 Hari Kerja". Units outside WAKTU_UNITS are
# matched too, so that "1 (satu) bulan" counts as a second duration and blocks a single value.
_DURATION = re.compile(
    r"(?<![\d-])(\d+)(\s*-\s*\d+)?\s*(?:\([^)]*\)\s*)?(menit|jam|hari\s+kerja|hari|minggu|bulan|tahun)\b", re.I)
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_WEB = re.compile(r"(?:https?://|www\.)[^\s,;()]+|(?<![@\w.-])[a-z0-9-]+(?:\.[a-z0-9-]+)*\.go\.id\b/?", re.I)
_PHONE = re.compile(r"\(0\d{2,3}\)\s?\d{4,6}(?:\s?[-–]\s?\d{4,6})?|(?<!\d)08\d{8,11}(?!\d)")
_APPS = (("SP4N-LAPOR!", re.compile(r"\bSP4N\b|\bLAPOR\b", re.I)),
         ("Klungkung Mesadu", re.compile(r"\bMesadu\b", re.I)))


def _unit(raw: str) -> str | None:
    unit = " ".join(raw.lower().split())
    return unit if unit in WAKTU_UNITS else None


def parse_waktu(items: list[str]) -> dict:
    """{text, value, unit[, detail]}: text is the first line as written, detail the rest.

    A value is given only when the text allows one: the first line is itself a single duration,
    or the whole entry holds exactly one duration, without a range, in a known unit."""
    text, detail = items[0], items[1:]
    durations = [m for item in items for m in _DURATION.finditer(item)]
    pure = _DURATION.fullmatch(text.rstrip(". "))
    chosen = pure if pure else (durations[0] if len(durations) == 1 else None)
    value = unit = None
    if chosen and not chosen.group(2) and _unit(chosen.group(3)):
        value, unit = int(chosen.group(1)), _unit(chosen.group(3))
    waktu: dict = {"text": text, "value": value, "unit": unit}
    if detail:
        waktu["detail"] = detail
    return waktu


def waktu_note(items: list[str], waktu: dict) -> str | None:
    """Why a waktu has no value, for the service's notes."""
    if waktu["value"] is not None:
        return None
    count = sum(len(_DURATION.findall(item)) for item in items)
    if count == 0:
        return "waktu: no value: the text gives no duration in " + "/".join(WAKTU_UNITS)
    return "waktu: no single value: the text gives a range or several durations"


def _unique(values: list[str]) -> list[str]:
    return list(dict.fromkeys(values))


def parse_pengaduan(items: list[str]) -> dict:
    """The channel lines as written, plus the addresses found in them."""
    joined = "\n".join(items)
    emails = [e.rstrip(".") for e in _EMAIL.findall(joined)]
    web = [w.rstrip(".") for w in _WEB.findall(_EMAIL.sub(" ", joined))]
    phones = [" ".join(p.split()) for p in _PHONE.findall(joined)]
    apps = [name for name, pattern in _APPS if pattern.search(joined)]
    return {"items": items, "email": _unique(emails), "phone": _unique(phones), "web": _unique(web),
            "apps": apps}


def slugify(name: str) -> str:
    """An id from a service name: no leading "Pelayanan", no parentheses, ASCII, hyphens."""
    name = re.sub(r"\([^)]*\)", " ", name)
    name = re.sub(r"^\s*pelayanan\s+", "", name, flags=re.I)
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")


def text_or_list(items: list[str]) -> str | list[str]:
    """Fields the source gives either as one sentence or as a list keep that shape."""
    return items[0] if len(items) == 1 else items
