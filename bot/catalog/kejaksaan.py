"""Seeds 000–003: Standar Pelayanan pages of the Kejaksaan Negeri.

Markdown-ish text saved from the public pages: each "page" repeats the office header (name, address,
link, breadcrumb "Kejaksaan Agung / …"), which is dropped. Seed 001 (Alor) has no markdown and gives
its procedure as a tab-separated table whose "Kegiatan" column holds the steps.
"""

from __future__ import annotations

import re
from difflib import SequenceMatcher
from pathlib import Path

from bot.catalog.fields import parse_waktu
from bot.catalog.rows import LABELS, REQUIRED, field_for, field_value
from bot.catalog.text import HARD, clean, split_items

_SK = re.compile(r"^No\.\s*SK\s*:\s*(.+)$")
_TABLE_ROW = re.compile(r"^\d+\t")


def _heading(line: str) -> str:
    return line.strip().lstrip("#").strip()


def _without_headers(lines: list[str], office: str) -> list[str]:
    """Drop every office header block: from the office name to the breadcrumb (and its wrapped
    tail), or to the next markdown heading when a block has no breadcrumb."""
    out: list[str] = []
    i = 0
    while i < len(lines):
        if _heading(lines[i]) != office:
            out.append(lines[i])
            i += 1
            continue
        i += 1
        while i < len(lines) and not lines[i].startswith("#"):
            crumb = lines[i].strip().startswith("Kejaksaan Agung /")
            i += 1
            if crumb:
                nxt = next((j for j in range(i, len(lines)) if lines[j].strip()), None)
                if nxt is not None and office.endswith(lines[nxt].strip()):
                    i = nxt + 1
                break
    return out


def _section(line: str) -> str | None:
    title = _heading(line)
    if not title or title[0].isdigit() or len(title.split()) > 6 or "\t" in line:
        return None
    return field_for(title)


def _norm(text: str) -> str:
    return re.sub(r"[^a-z0-9]", "", text.lower())


def _table_steps(lines: list[str], notes: list[str]) -> list[dict]:
    """Rows "No, Kegiatan, (Pelaksana columns, empty), Kelengkapan, Waktu, Output"."""
    steps = []
    for line in lines:
        if not _TABLE_ROW.match(line):
            if line.strip() and "\t" not in line:
                notes.append(f"prosedur: line after the procedure table kept out of the steps: {clean(line)!r}")
            continue
        cells = [clean(c) for c in line.split("\t")]
        rest = [c for c in cells[2:] if c]
        timed = next(i for i, c in enumerate(rest) if parse_waktu([c])["value"] is not None)
        step: dict = {"step": cells[1], "waktu": parse_waktu([rest[timed]])}
        for key, cell in (("kelengkapan", rest[:timed]), ("output", rest[timed + 1:])):
            if cell:
                step[key] = [item for c in cell for item in split_items(c).items]
        steps.append(step)
    return steps


def _step_texts(prosedur: list) -> list[str]:
    return [s["step"] if isinstance(s, dict) else s for s in prosedur]


def build(path: Path, office: str, unit: str) -> dict:
    """One service from one seed."""
    lines = _without_headers(path.read_text(encoding="utf-8").splitlines(), office)
    body = [line for line in lines if line.strip()]
    title = _heading(body[0])
    sk = next(m.group(1).strip() for line in body if (m := _SK.match(line)))
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in body[1:]:
        if _SK.match(line):
            continue
        if (name := _section(line)) is not None:
            if name in sections:
                raise ValueError(f"{path.name}: section {name} appears twice")
            current = sections[name] = []
        elif current is None:
            raise ValueError(f"{path.name}: text before the first section: {line!r}")
        else:
            current.append(line)
    missing = [f for f in REQUIRED if f not in sections]
    if missing:
        raise ValueError(f"{path.name}: missing sections {missing}")

    notes: list[str] = []
    service: dict = {"name": re.sub(r"^Standar Pelayanan\s+", "", clean(title)), "unit": unit, "sk_number": sk}
    for fname, _ in LABELS:
        if fname not in sections:
            continue
        if fname == "prosedur" and any("\t" in line for line in sections[fname]):
            service[fname] = _table_steps(sections[fname], notes)
        else:
            service[fname] = field_value(fname, sections[fname], notes, line_break=HARD)
    _drop_repeated_procedure(service, notes)
    service["notes"] = notes
    return service


def _drop_repeated_procedure(service: dict, notes: list[str]) -> None:
    """The saved pages repeat the procedure list under other headings; keep it once."""
    steps = {_norm(s) for s in _step_texts(service["prosedur"])}
    waktu = service["waktu"]
    detail = waktu.get("detail", [])
    kept = [d for d in detail if _norm(d) not in steps]
    if len(kept) != len(detail):
        notes.append("waktu: the source repeats the procedure steps under this heading; left out")
        if kept:
            waktu["detail"] = kept
        else:
            del waktu["detail"]
    procedure = _norm(" ".join(_step_texts(service["prosedur"])))
    items = service["pengaduan"]["items"]
    if SequenceMatcher(None, _norm(" ".join(items)), procedure).ratio() >= 0.9:
        notes.append("pengaduan: the source's 'Pengaduan Layanan' section repeats the procedure steps "
                     "(with small variants) instead of naming complaint channels; left empty")
        service["pengaduan"] = {"items": [], "email": [], "phone": [], "web": [], "apps": []}
