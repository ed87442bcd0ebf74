"""Seeds 000–003: Standar Pelayanan pages of the Kejaksaan Negeri, read by the general parser.

Markdown-ish text saved from the public pages: each "page" repeats the office header (name, address,
link, breadcrumb "Kejaksaan Agung / …"), which is dropped. Seed 001 (Alor) has no markdown and gives
its procedure as a tab-separated table whose "Kegiatan" column holds the steps. What is particular
to these seeds is only that each holds exactly one complete service with its SK; the reading itself
is bot/catalog/standar.py's.
"""

from __future__ import annotations

from pathlib import Path

from bot.catalog.standar import drop_page_headers, parse_lines


def build(path: Path, office: str, unit: str) -> dict:
    """One service from one seed."""
    lines = drop_page_headers(path.read_text(encoding="utf-8").splitlines(), office)
    doc = parse_lines(lines, strict=True)
    if len(doc.services) != 1:
        raise ValueError(f"{path.name}: expected one service, found {[s.name for s in doc.services]}")
    found = doc.services[0]
    if found.missing:
        raise ValueError(f"{path.name}: missing sections {found.missing}")
    if not found.sk_number:
        raise ValueError(f"{path.name}: no 'No. SK' line")
    return {"name": found.name, "unit": unit, "sk_number": found.sk_number, **found.values, "notes": found.notes}
