"""One service of a catalog body as the dashboard's editor shows it (plain text fields, one item a line)
and back: the rules of that text, kept here so the form and its tests agree.

- Requirements: one a line; a line indented (spaces, a tab, or "-", "•") is a sub-item of the one above
  ("Surat permohonan yang memuat:" then "  a. Agenda kegiatan"). Numbers and letters typed before an
  item ("1.", "a)") are dropped: the bot numbers them itself.
- Procedure: one step a line. A step keeps its own time, documents and output (from the seed table)
  while its text is unchanged, or, when the number of steps is unchanged, at the same position.
- Time: the first line as the citizen reads it, further lines its cases; the value and unit are read
  from the text as the importer does (bot/catalog/fields.py).
- Complaint channels: one a line; the e-mail addresses, numbers and sites in them are found again.
"""

from __future__ import annotations

import copy
import re
from datetime import date
from typing import Any

from bot.catalog.fields import parse_pengaduan, parse_waktu

# A marker typed before an item: "1.", "2)", "a.", "b)", "-", "•", "*".
_MARKER = re.compile(r"^\s*(?:(?:\d{1,2}|[a-zA-Z])[.)]|[-•*])\s+")
_INDENT = re.compile(r"^(?:\s+|\s*[-•*]\s)")
TEXT_FIELDS = ("name", "unit", "sk_number", "sk_date", "persyaratan", "prosedur", "waktu", "biaya", "produk",
               "pengaduan")


def _item(line: str) -> str:
    return " ".join(_MARKER.sub("", line).split())


def _lines(text: str) -> list[str]:
    return [line for line in (text or "").replace("\r\n", "\n").split("\n") if line.strip()]


# -- body -> form --------------------------------------------------------------------------------------
def requirements_text(persyaratan: list) -> str:
    out = []
    for requirement in persyaratan:
        if isinstance(requirement, str):
            out.append(requirement)
        else:
            out += [requirement["text"], *(f"    {item}" for item in requirement["items"])]
    return "\n".join(out)


def _step_text(step: str | dict) -> str:
    return step if isinstance(step, str) else step["step"]


def form_fields(service: dict[str, Any]) -> dict[str, str]:
    """The editor's text for each field of a service (a body's service dict)."""
    waktu = service["waktu"]
    return {
        "name": service["name"], "unit": service["unit"], "sk_number": service.get("sk_number", ""),
        "sk_date": str(service.get("sk_date") or ""),
        "persyaratan": requirements_text(service["persyaratan"]),
        "prosedur": "\n".join(_step_text(step) for step in service["prosedur"]),
        "waktu": "\n".join([waktu["text"], *waktu.get("detail", [])]),
        "biaya": service["biaya"], "produk": "\n".join(service["produk"]),
        "pengaduan": "\n".join(service["pengaduan"]["items"]),
    }


# -- form -> body --------------------------------------------------------------------------------------
def parse_requirements(text: str) -> list:
    """Requirements as the body holds them: text, or {text, items} when sub-items follow."""
    out: list = []
    for line in _lines(text):
        item = _item(line)
        if not item:
            continue
        if _INDENT.match(line) and out:
            last = out[-1]
            out[-1] = {"text": last, "items": [item]} if isinstance(last, str) else \
                {**last, "items": [*last["items"], item]}
        else:
            out.append(item)
    return out


def parse_steps(text: str, old: list) -> list:
    """Steps from the lines; each keeps the fields of the old step it still is (same text, else same place)."""
    lines = [item for item in (_item(line) for line in _lines(text)) if item]
    by_text = {_step_text(step): step for step in old if isinstance(step, dict)}
    same_count = len(lines) == len(old)
    steps: list = []
    for i, line in enumerate(lines):
        kept = by_text.get(line) or (old[i] if same_count and isinstance(old[i], dict) else None)
        steps.append({**kept, "step": line} if kept else line)
    return steps


def apply(service: dict[str, Any], fields: dict[str, Any]) -> dict[str, Any]:
    """A copy of `service` with the editor's fields. `sk_date` is a date or None; the rest text."""
    out = copy.deepcopy(service)
    out["name"] = " ".join(fields["name"].split())
    out["unit"] = fields["unit"]
    out["sk_number"] = " ".join(fields["sk_number"].split())
    sk_date: date | None = fields.get("sk_date")
    if sk_date:
        out["sk_date"] = sk_date.isoformat()
    else:
        out.pop("sk_date", None)
    out["persyaratan"] = parse_requirements(fields["persyaratan"])
    out["prosedur"] = parse_steps(fields["prosedur"], service["prosedur"])
    waktu = [" ".join(line.split()) for line in _lines(fields["waktu"])]
    out["waktu"] = parse_waktu(waktu) if waktu else {"text": "", "value": None, "unit": None}
    out["biaya"] = " ".join(fields["biaya"].split())
    out["produk"] = [item for item in (_item(line) for line in _lines(fields["produk"])) if item]
    out["pengaduan"] = parse_pengaduan([" ".join(line.split()) for line in _lines(fields["pengaduan"])])
    return out


def replace_service(body: dict[str, Any], service: dict[str, Any]) -> dict[str, Any]:
    """A copy of the body with the service of the same id replaced."""
    out = copy.deepcopy(body)
    out["services"] = [service if s["id"] == service["id"] else s for s in out["services"]]
    return out
