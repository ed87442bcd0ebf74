"""Seed 004: Keputusan Sekretaris Daerah Kabupaten Klungkung, its diktum list and Lampiran I–IX.

The diktum KEDUA..KESEPULUH name each Lampiran's Bagian and services; each Lampiran body holds one
table per service (rows "N<TAB>Label<TAB>value", values continued on later lines across page breaks).
Services are read from the bodies and matched in order against the diktum list, so a malformed
heading in a body can neither hide a service nor go unnoticed. The decree's structure is checked
here; each service's rows become catalog values through bot/catalog/standar.py, as any document's do.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from bot.catalog.rows import REQUIRED, field_for
from bot.catalog.standar import service_values
from bot.catalog.text import SOFT, clean, is_table_rule

# Unit slugs as in config/offices/setda-klungkung.yaml, by Lampiran.
UNIT_SLUGS = {"I": "pemerintahan", "II": "kesra", "III": "hukum", "IV": "perekonomian-sda", "V": "pbj",
              "VI": "umum", "VII": "organisasi", "VIII": "protokol-kompim", "IX": "adm-pembangunan"}
_SECTIONS = ("A. PENYAMPAIAN PELAYANAN (SERVICE DELIVERY)", "B. PENGELOLAAN PELAYANAN (MANUFACTURING)")

_LAMPIRAN = re.compile(r"^Lampiran ([IVX]+) Keputusan")
_DIKTUM = re.compile(r"^-\s*(KE[A-Z]+)\s*:?\s*Standar Pelayanan pada (Bagian .+?) sebaga\w* tercantum "
                     r"dalam Lampiran ([IVX]+)")
_HEADING = re.compile(r"^\**\s*\d+\.\s+PELAYANAN\b")
_SECTION = re.compile(r"^(?:[AB]\.\s*)?(?:PENYAMPAIAN|PENGELOLAAN) PELAYANAN\b")
_ROW = re.compile(r"^(\d+)\.?\t([^\t]+)\t(.*)$")
_TENTANG = re.compile(r"^Tentang\s*:\s*Penetapan Standar Pelayanan (Bagian .+?) Pada Sekretaria")


@dataclass
class Diktum:
    diktum: str
    bagian: str
    services: list[str] = field(default_factory=list)


@dataclass
class RawService:
    heading: list[str]
    sections: list[str] = field(default_factory=list)
    rows: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Lampiran:
    roman: str
    nomor: str
    bagian: str
    services: list[RawService]


def _decree(lines: list[str]) -> tuple[str, dict[str, Diktum], list[str]]:
    number = next(m.group(1) for line in lines if (m := re.match(r"^NOMOR\s+(\S+)", line)))
    dikta: dict[str, Diktum] = {}
    current: Diktum | None = None
    tembusan: list[str] = []
    in_tembusan = False
    for line in lines:
        if m := _DIKTUM.match(line):
            current = dikta.setdefault(m.group(3), Diktum(m.group(1), clean(m.group(2))))
        elif line.startswith("- "):
            current = None
        elif current and (m := re.match(r"^\s*\d+\.\s+(.+)$", line)):
            current.services.append(clean(m.group(1)))
        in_tembusan = in_tembusan or line.startswith("Tembusan")
        if in_tembusan and (m := re.match(r"^\d+\.\s+(.+)$", line)):
            tembusan.append(clean(m.group(1)))
    return number, dikta, tembusan


def _services(lines: list[str]) -> list[RawService]:
    services: list[RawService] = []
    current: RawService | None = None
    row: list[str] | None = None
    for line in lines:
        if _HEADING.match(line):
            current, row = RawService([line]), None
            services.append(current)
        elif current is None or not line.strip() or is_table_rule(line):
            continue
        elif _SECTION.match(line):
            current.sections.append(line.strip())
        elif m := _ROW.match(line):
            name = field_for(m.group(2))
            if name is None or name in current.rows:
                raise ValueError(f"unexpected row label {m.group(2)!r} under {current.heading[0]!r}")
            row = current.rows[name] = [m.group(3)]
        elif not current.sections:
            current.heading.append(line)  # a heading broken across lines
        elif row is None:
            raise ValueError(f"text before the first row under {current.heading[0]!r}: {line!r}")
        else:
            row.append(line.strip("\t "))
    return services


def _lampiran(roman: str, lines: list[str]) -> Lampiran:
    nomor = next(m.group(1) for line in lines if (m := re.match(r"^Nomor\s*:\s*(\S+)", line)))
    bagian = next(clean(m.group(1)) for line in lines if (m := _TENTANG.match(line)))
    signature = next((i for i, line in enumerate(lines) if line.strip() == "Sekretaris Daerah"), len(lines))
    return Lampiran(roman, nomor, bagian, _services(lines[:signature]))


def parse(path: Path) -> tuple[str, dict[str, Diktum], list[str], list[Lampiran]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    starts = [(i, m.group(1)) for i, line in enumerate(lines) if (m := _LAMPIRAN.match(line))]
    number, dikta, tembusan = _decree(lines[:starts[0][0]])
    ends = [i for i, _ in starts[1:]] + [len(lines)]
    lampirans = [_lampiran(roman, lines[i:end]) for (i, roman), end in zip(starts, ends, strict=True)]
    return number, dikta, tembusan, lampirans


def _unit(lampiran: Lampiran, diktum: Diktum, tembusan: list[str], other_names: set[str]) -> dict:
    unit: dict = {"slug": UNIT_SLUGS[lampiran.roman], "name": lampiran.bagian, "lampiran": lampiran.roman}
    if diktum.bagian.casefold() != lampiran.bagian.casefold():
        agrees = any(f"Kepala {lampiran.bagian} Setda" in t for t in tembusan)
        note = (f"Decree diktum {diktum.diktum} names {diktum.bagian!r} for Lampiran {lampiran.roman}; "
                f"the Lampiran {lampiran.roman} heading says {lampiran.bagian!r}"
                + (", as does the tembusan list." if agrees else "."))
        if diktum.bagian not in other_names:
            unit["aliases"] = [diktum.bagian]
        unit["notes"] = [note]
    return unit


def _heading_notes(raw: RawService, name: str) -> list[str]:
    notes = []
    heading = re.sub(r"^\d+\.\s+", "", clean(" ".join(raw.heading)))
    faults = (["bold markup"] if "**" in "".join(raw.heading) else []) + (
        ["broken across lines"] if len(raw.heading) > 1 else [])
    if faults:
        notes.append(f"Lampiran heading is malformed in the source ({', '.join(faults)}): {heading!r}")
    if heading.casefold() != name.casefold():
        notes.append(f"Lampiran heading reads {heading!r}; the decree's list says {name!r}")
    notes.extend(f"section heading as written: {s!r}" for s in raw.sections if s not in _SECTIONS)
    return notes


def _service(raw: RawService, name: str, unit: str, number: str) -> dict:
    notes = _heading_notes(raw, name)
    missing = [f for f in REQUIRED if f not in raw.rows]
    if missing:
        raise ValueError(f"service {name!r} lacks rows {missing}")
    try:  # rows continue across page breaks: lines join back unless a sentence ended
        values = service_values(raw.rows, notes, line_break=SOFT)
    except ValueError as exc:
        raise ValueError(f"service {name!r}: {exc}") from exc
    return {"name": name, "unit": unit, "sk_number": number, **values, "notes": notes}


def build(path: Path) -> tuple[list[dict], list[dict]]:
    """(units, services) of the Sekretariat Daerah, services in Lampiran order."""
    number, dikta, tembusan, lampirans = parse(path)
    if sorted(dikta) != sorted(lam.roman for lam in lampirans):
        raise ValueError(f"{path.name}: decree lists Lampiran {sorted(dikta)}, body has "
                         f"{[lam.roman for lam in lampirans]}")
    names = {lam.bagian for lam in lampirans}
    units, services = [], []
    for lam in lampirans:
        diktum = dikta[lam.roman]
        if lam.nomor != number:
            raise ValueError(f"{path.name}: Lampiran {lam.roman} Nomor {lam.nomor} differs from {number}")
        if len(diktum.services) != len(lam.services):
            raise ValueError(f"{path.name}: Lampiran {lam.roman} has {len(lam.services)} services, "
                             f"decree diktum {diktum.diktum} lists {len(diktum.services)}")
        unit = _unit(lam, diktum, tembusan, names - {lam.bagian})
        units.append(unit)
        services.extend(_service(raw, name, unit["slug"], number)
                        for raw, name in zip(lam.services, diktum.services, strict=True))
    return units, services
