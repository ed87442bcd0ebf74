"""From a field's raw source lines to catalog values: shared by both seed formats."""

from __future__ import annotations

import re

from bot.catalog.fields import parse_pengaduan, parse_waktu, text_or_list, waktu_note
from bot.catalog.text import SOFT, glued_mode, split_items, stream

# Row labels of the Standar Pelayanan tables, in catalog order.
LABELS = (
    ("persyaratan", r"persyaratan"),
    ("prosedur", r"(sistem, mekanisme,? (dan )?)?prosedur"),
    ("waktu", r"waktu (pelayanan|penyelesaian|penyelenggaraan)"),
    ("biaya", r"biaya"),
    ("produk", r"produk"),
    ("pengaduan", r"((pengelolaan|penanganan) )?pengaduan"),
    ("dasar_hukum", r"dasar hukum"),
    ("sarana_prasarana", r"sarana"),
    ("kompetensi_pelaksana", r"kompetensi"),
    ("pengawasan_internal", r"pengawas"),
    ("jumlah_pelaksana", r"jumlah pelaksana"),
    ("jaminan_pelayanan", r"jaminan pelayanan"),
    ("jaminan_keamanan", r"jaminan keamanan"),
    ("evaluasi_kinerja", r"evaluasi kinerja"),
)
REQUIRED = ("persyaratan", "prosedur", "waktu", "biaya", "produk", "pengaduan")
_ALWAYS_LIST = ("persyaratan", "prosedur", "produk", "dasar_hukum")


def field_for(label: str) -> str | None:
    label = " ".join(label.replace("#", " ").lower().split())
    for name, pattern in LABELS:
        if re.match(pattern + r"\b", label):
            return name
    return None


def field_value(name: str, lines: list[str], notes: list[str], line_break: str = SOFT):
    """The catalog value of one field; numbering irregularities go to `notes`."""
    result = split_items(stream(lines, line_break), glued_mode=glued_mode("\n".join(lines)))
    notes.extend(f"{name}: {note}" for note in result.notes)
    items = result.items
    if not items:
        raise ValueError(f"{name}: empty in the source")
    if name == "waktu":
        waktu = parse_waktu(items)
        if note := waktu_note(items, waktu):
            notes.append(note)
        return waktu
    if name == "biaya":
        return " ".join(items)
    if name == "pengaduan":
        return parse_pengaduan(items)
    if name == "persyaratan":  # sub-items stay under their requirement: one thing for a citizen to bring
        return [{"text": text, "items": sub} if sub else text for text, sub in result.tree]
    return items if name in _ALWAYS_LIST else text_or_list(items)
