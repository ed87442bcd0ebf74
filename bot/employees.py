"""The office's employees file and fuzzy matching of "whom to meet" against it (rapidfuzz).

One file per office, `config/employees/<office>.yaml` (the office file's `employees:` entry names
it). Loaded once per file version (its modification time), so an edited file is picked up.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from functools import lru_cache
from pathlib import Path

from rapidfuzz import fuzz

from bot import phone, yamlload
from bot.exceptions import ConfigError
from bot.offices import Office

logger = logging.getLogger(__name__)

ID_TYPES = ("ktp", "sim", "npwp", "bpjs", "kk")
# A match must score at least this (0-100); a second one within AMBIGUOUS_GAP of the best is ambiguous.
MATCH_THRESHOLD = 80
AMBIGUOUS_GAP = 6


@dataclass(frozen=True)
class Employee:
    key: str
    name: str
    title: str
    unit: str | None = None
    aliases: tuple[str, ...] = ()
    whatsapp: str | None = None  # E.164
    placeholder: bool = False  # the name is an example the office has not replaced yet (see is_placeholder_name)


@dataclass(frozen=True)
class Staff:
    office: str
    employees: tuple[Employee, ...]
    desk_officers: tuple[Employee, ...]
    id_types: tuple[str, ...] = ID_TYPES
    placeholder: bool = False

    def get(self, key: str | None) -> Employee | None:
        return next((e for e in (*self.employees, *self.desk_officers) if e.key == key), None)

    def by_phone(self, number: str) -> Employee | None:
        return next((e for e in self.employees if e.whatsapp == number), None)


# An example name the office has not replaced: the committed files write "Contoh Nama Kasi PB3R".
_PLACEHOLDER = re.compile(r"^\s*(?:contoh\b|$)", re.I)


def is_placeholder_name(name: str | None) -> bool:
    """True for an empty name or one starting with "Contoh" (the example names of config/employees)."""
    return name is None or bool(_PLACEHOLDER.match(name))


def stand_in_name(employee: Employee, office: Office) -> str:
    """What citizens read instead of a placeholder name: the role, never the example name. A name,
    not a sentence (it is stored on the visit and read by the desk too), so in the office's language."""
    what = office.unit_name(employee.unit) or employee.title
    return f"Petugas yang membidangi {what}" if what else "Petugas"


def for_citizens(staff: Staff, office: Office) -> Staff:
    """The staff as conversations show them: each placeholder name replaced by its stand-in."""
    def shown(people: tuple[Employee, ...]) -> tuple[Employee, ...]:
        return tuple(replace(e, name=stand_in_name(e, office), placeholder=True)
                     if e.placeholder or is_placeholder_name(e.name) else e for e in people)
    return replace(staff, employees=shown(staff.employees), desk_officers=shown(staff.desk_officers))


def _number(raw, source: Path) -> str | None:
    if raw in (None, ""):
        return None
    try:
        return phone.normalize(str(raw))
    except phone.InvalidNumber as exc:
        raise ConfigError(f"{source}: bad WhatsApp number for an employee: {exc}") from exc


def _employee(raw: dict, source: Path) -> Employee:
    try:
        name = str(raw["name"])
        return Employee(key=str(raw["key"]), name=name, title=str(raw.get("title") or ""),
                        unit=raw.get("unit"), aliases=tuple(str(a) for a in raw.get("aliases") or ()),
                        whatsapp=_number(raw.get("whatsapp"), source),
                        placeholder=is_placeholder_name(name))
    except KeyError as exc:
        raise ConfigError(f"{source}: an employee lacks {exc.args[0]!r}") from exc


@lru_cache(maxsize=32)
def _load(path: Path, _mtime: float) -> Staff:
    data = yamlload.safe_load(path.read_text(encoding="utf-8")) or {}
    id_types = tuple(str(t).lower() for t in data.get("id_types") or ID_TYPES)
    unknown = set(id_types) - set(ID_TYPES)
    if unknown:
        raise ConfigError(f"{path}: unknown id_types {sorted(unknown)}")
    staff = Staff(office=str(data.get("office") or path.stem),
                  employees=tuple(_employee(e, path) for e in data.get("employees") or ()),
                  desk_officers=tuple(_employee(e, path) for e in data.get("desk_officers") or ()),
                  id_types=id_types, placeholder=bool(data.get("placeholder")))
    keys = [e.key for e in (*staff.employees, *staff.desk_officers)]
    if len(keys) != len(set(keys)):
        raise ConfigError(f"{path}: employee keys must be unique")
    if staff.placeholder:
        logger.warning("%s holds example employees: replace the names and numbers", path.name)
    return staff


def load_staff(config_dir: Path, office: Office) -> Staff:
    """The office's employees; an office without a file has none (visits then go to a unit)."""
    if not office.employees_file:
        return Staff(office=office.slug, employees=(), desk_officers=())
    path = Path(config_dir) / office.employees_file
    if not path.exists():
        logger.warning("employees file %s missing", path)
        return Staff(office=office.slug, employees=(), desk_officers=())
    return _load(path, path.stat().st_mtime)


def _normal(text: str) -> str:
    text = re.sub(r"\b(bapak|pak|bpk|ibu|bu|sdr|saudara|dengan|ketemu|bertemu|menemui|mau|ingin)\b", " ",
                  text.lower())
    return re.sub(r"[^\w]+", " ", text).strip()


def match(staff: Staff, text: str) -> list[tuple[Employee, float]]:
    """Employees matching what the citizen typed (a name or a title), best first.

    One entry: a clear match. Several: ambiguous, ask which. None: no one scored MATCH_THRESHOLD."""
    query = _normal(text)
    if len(query) < 3:
        return []
    scored = []
    for employee in staff.employees:
        # A placeholder name is no one's name: only the title and the aliases can match.
        names = [*([] if employee.placeholder else [employee.name]), employee.title, *employee.aliases]
        best = max(max(fuzz.WRatio(query, _normal(n)), fuzz.ratio(query, _normal(n))) for n in names)
        if best >= MATCH_THRESHOLD:
            scored.append((employee, best))
    scored.sort(key=lambda pair: -pair[1])
    if len(scored) > 1 and scored[0][1] - scored[1][1] >= AMBIGUOUS_GAP:
        return scored[:1]
    return [pair for pair in scored if scored[0][1] - pair[1] < AMBIGUOUS_GAP][:5]
