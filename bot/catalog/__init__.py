"""Service catalog: what each office offers, per config/catalog/<office>.yaml.

The files are generated from the seed Standar Pelayanan by `python -m bot.catalog.importer`; this
module only reads them. Pure Python (no Flask, no Redis), validated on load so a malformed file
fails at start-up with the file and field named, never mid-conversation. `catalog_from_dict` is the
one validator: the files and the versions an office edits on the dashboard (bot/catalog/versions.py)
both pass through it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import yaml

from bot import yamlload
from bot.catalog.fields import WAKTU_UNITS
from bot.exceptions import ConfigError

DEFAULT_DIR = Path(__file__).resolve().parents[2] / "config" / "catalog"
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_OPTIONAL_TEXTS = ("sarana_prasarana", "kompetensi_pelaksana", "pengawasan_internal", "jumlah_pelaksana",
                   "jaminan_pelayanan", "jaminan_keamanan", "evaluasi_kinerja")

# One sentence, or a list of items, as the source gives it.
Text = str | tuple[str, ...]


class CatalogError(ConfigError, ValueError):
    """A catalog file that is missing or malformed; the message names the file and the field."""


@dataclass(frozen=True)
class Waktu:
    """Time to complete: `text` as written, `value`/`unit` when the text allows one, and
    `detail` for any further lines (cases, breakdowns)."""

    text: str
    value: int | None
    unit: str | None
    detail: tuple[str, ...] = ()


@dataclass(frozen=True)
class Requirement:
    """One requirement, with the sub-items the source lists under it ("Surat permohonan yang memuat:"
    then "a. Agenda kegiatan", "b. Contact person"): one thing to bring, not several."""

    text: str
    items: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """One procedure step; the per-step fields are given only where the source has them."""

    text: str
    waktu: Waktu | None = None
    kelengkapan: tuple[str, ...] = ()
    output: tuple[str, ...] = ()


@dataclass(frozen=True)
class Pengaduan:
    """Complaint channels as written, plus the addresses found in them."""

    items: tuple[str, ...]
    email: tuple[str, ...] = ()
    phone: tuple[str, ...] = ()
    web: tuple[str, ...] = ()
    apps: tuple[str, ...] = ()


@dataclass(frozen=True)
class Unit:
    slug: str
    name: str
    lampiran: str | None = None
    aliases: tuple[str, ...] = ()
    notes: tuple[str, ...] = ()


@dataclass(frozen=True)
class Service:
    id: str
    name: str
    unit: str
    sk_number: str
    persyaratan: tuple[Requirement, ...]
    prosedur: tuple[Step, ...]
    waktu: Waktu
    biaya: str
    produk: tuple[str, ...]
    pengaduan: Pengaduan
    dasar_hukum: tuple[str, ...] = ()
    sarana_prasarana: Text | None = None
    kompetensi_pelaksana: Text | None = None
    pengawasan_internal: Text | None = None
    jumlah_pelaksana: Text | None = None
    jaminan_pelayanan: Text | None = None
    jaminan_keamanan: Text | None = None
    evaluasi_kinerja: Text | None = None
    source: str | None = None
    notes: tuple[str, ...] = ()
    sk_date: str | None = None  # the SK's date, ISO "YYYY-MM-DD", when known


@dataclass(frozen=True)
class Catalog:
    office: str
    units: tuple[Unit, ...]
    services: tuple[Service, ...]
    name: str = ""
    sources: tuple[str, ...] = ()

    def unit(self, slug: str) -> Unit:
        for unit in self.units:
            if unit.slug == slug:
                return unit
        raise KeyError(f"{self.office} has no unit {slug!r}")

    def service(self, id: str) -> Service:
        for service in self.services:
            if service.id == id:
                return service
        raise KeyError(f"{self.office} has no service {id!r}")

    def services_in(self, unit_slug: str) -> tuple[Service, ...]:
        self.unit(unit_slug)
        return tuple(s for s in self.services if s.unit == unit_slug)


class _Reader:
    """Type checks that fail with the origin (a file name, a version) and a dotted field path."""

    def __init__(self, origin: str):
        self.origin = origin

    def fail(self, where: str, problem: str):
        raise CatalogError(f"{self.origin}: {where}: {problem}")

    def mapping(self, value, where: str, required: tuple[str, ...], optional: tuple[str, ...] = ()) -> dict:
        if not isinstance(value, dict):
            self.fail(where, f"expected a mapping, got {type(value).__name__}")
        for key in required:
            if key not in value:
                self.fail(f"{where}.{key}" if where else key, "missing")
        unknown = sorted(set(value) - set(required) - set(optional))
        if unknown:
            self.fail(where or "top level", f"unknown fields {unknown}")
        return value

    def text(self, value, where: str) -> str:
        if not isinstance(value, str) or not value.strip():
            self.fail(where, f"expected non-empty text, got {value!r}")
        return value

    def texts(self, value, where: str, *, allow_empty: bool = True) -> tuple[str, ...]:
        if not isinstance(value, list) or (not value and not allow_empty):
            self.fail(where, f"expected a {'' if allow_empty else 'non-empty '}list of text, got {value!r}")
        return tuple(self.text(item, f"{where}[{i}]") for i, item in enumerate(value))

    def text_or_texts(self, value, where: str) -> Text:
        return self.text(value, where) if isinstance(value, str) else self.texts(value, where, allow_empty=False)

    def day(self, value, where: str) -> str:
        """An ISO date, as text (YAML reads an unquoted 2023-05-02 as a date already)."""
        if isinstance(value, date):
            return value.isoformat()
        try:
            return date.fromisoformat(self.text(value, where)).isoformat()
        except ValueError:
            self.fail(where, f"expected a date YYYY-MM-DD, got {value!r}")

    def slug(self, value, where: str) -> str:
        if not isinstance(value, str) or not _SLUG.match(value):
            self.fail(where, f"expected a slug (a-z, 0-9, hyphens), got {value!r}")
        return value

    def waktu(self, value, where: str) -> Waktu:
        raw = self.mapping(value, where, ("text", "value", "unit"), ("detail",))
        amount, unit = raw["value"], raw["unit"]
        if amount is not None and (isinstance(amount, bool) or not isinstance(amount, int) or amount <= 0):
            self.fail(f"{where}.value", f"expected a positive whole number or null, got {amount!r}")
        if unit is not None and unit not in WAKTU_UNITS:
            self.fail(f"{where}.unit", f"expected one of {list(WAKTU_UNITS)} or null, got {unit!r}")
        if (amount is None) != (unit is None):
            self.fail(where, "value and unit must both be set or both be null")
        return Waktu(self.text(raw["text"], f"{where}.text"), amount, unit,
                     self.texts(raw.get("detail", []), f"{where}.detail"))

    def requirement(self, value, where: str) -> Requirement:
        if isinstance(value, str):
            return Requirement(self.text(value, where))
        raw = self.mapping(value, where, ("text", "items"))
        return Requirement(self.text(raw["text"], f"{where}.text"),
                           self.texts(raw["items"], f"{where}.items", allow_empty=False))

    def requirements(self, value, where: str) -> tuple[Requirement, ...]:
        if not isinstance(value, list) or not value:
            self.fail(where, f"expected a non-empty list of requirements, got {value!r}")
        return tuple(self.requirement(item, f"{where}[{i}]") for i, item in enumerate(value))

    def step(self, value, where: str) -> Step:
        if isinstance(value, str):
            return Step(self.text(value, where))
        raw = self.mapping(value, where, ("step",), ("waktu", "kelengkapan", "output"))
        waktu = self.waktu(raw["waktu"], f"{where}.waktu") if "waktu" in raw else None
        return Step(self.text(raw["step"], f"{where}.step"), waktu,
                    self.texts(raw.get("kelengkapan", []), f"{where}.kelengkapan"),
                    self.texts(raw.get("output", []), f"{where}.output"))

    def pengaduan(self, value, where: str) -> Pengaduan:
        keys = ("items", "email", "phone", "web", "apps")
        raw = self.mapping(value, where, keys)
        fields = {key: self.texts(raw[key], f"{where}.{key}") for key in keys}
        for i, email in enumerate(fields["email"]):
            if "@" not in email:
                self.fail(f"{where}.email[{i}]", f"not an e-mail address: {email!r}")
        return Pengaduan(**fields)


_SERVICE_REQUIRED = ("id", "name", "unit", "sk_number", "persyaratan", "prosedur", "waktu", "biaya", "produk",
                     "pengaduan")


def _service(r: _Reader, raw, where: str, units: set[str]) -> Service:
    r.mapping(raw, where, _SERVICE_REQUIRED, ("dasar_hukum", *_OPTIONAL_TEXTS, "source", "notes", "sk_date"))
    where = f"{where} ({raw['id']})"
    if raw["unit"] not in units:
        r.fail(f"{where}.unit", f"{raw['unit']!r} is not one of the units {sorted(units)}")
    prosedur = raw["prosedur"]
    if not isinstance(prosedur, list) or not prosedur:
        r.fail(f"{where}.prosedur", "expected a non-empty list of steps")
    optional = {key: r.text_or_texts(raw[key], f"{where}.{key}") for key in _OPTIONAL_TEXTS if key in raw}
    return Service(
        id=r.slug(raw["id"], f"{where}.id"), name=r.text(raw["name"], f"{where}.name"), unit=raw["unit"],
        sk_number=r.text(raw["sk_number"], f"{where}.sk_number"),
        persyaratan=r.requirements(raw["persyaratan"], f"{where}.persyaratan"),
        prosedur=tuple(r.step(step, f"{where}.prosedur[{i}]") for i, step in enumerate(prosedur)),
        waktu=r.waktu(raw["waktu"], f"{where}.waktu"), biaya=r.text(raw["biaya"], f"{where}.biaya"),
        produk=r.texts(raw["produk"], f"{where}.produk", allow_empty=False),
        pengaduan=r.pengaduan(raw["pengaduan"], f"{where}.pengaduan"),
        dasar_hukum=r.texts(raw.get("dasar_hukum", []), f"{where}.dasar_hukum"),
        source=r.text(raw["source"], f"{where}.source") if "source" in raw else None,
        notes=r.texts(raw.get("notes", []), f"{where}.notes"),
        sk_date=r.day(raw["sk_date"], f"{where}.sk_date") if raw.get("sk_date") is not None else None, **optional,
    )


def _unit(r: _Reader, raw, where: str) -> Unit:
    r.mapping(raw, where, ("slug", "name"), ("lampiran", "aliases", "notes"))
    lampiran = r.text(raw["lampiran"], f"{where}.lampiran") if "lampiran" in raw else None
    return Unit(r.slug(raw["slug"], f"{where}.slug"), r.text(raw["name"], f"{where}.name"), lampiran,
                r.texts(raw.get("aliases", []), f"{where}.aliases"), r.texts(raw.get("notes", []), f"{where}.notes"))


def _unique(r: _Reader, values: list[str], where: str) -> None:
    seen = set()
    for value in values:
        if value in seen:
            r.fail(where, f"{value!r} appears twice")
        seen.add(value)


def load_catalog(slug: str, catalog_dir: Path | None = None) -> Catalog:
    """The catalog of office `slug`, from `<catalog_dir>/<slug>.yaml` (default config/catalog)."""
    path = (catalog_dir or DEFAULT_DIR) / f"{slug}.yaml"
    return catalog_from_dict(slug, read_catalog_file(path), origin=path.name)


def read_catalog_file(path: Path) -> dict:
    """A catalog file's contents as a dict, unchecked (catalog_from_dict checks)."""
    try:
        return yamlload.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CatalogError(f"{path}: cannot read catalog: {exc.strerror or exc}") from exc
    except yaml.YAMLError as exc:
        raise CatalogError(f"{path.name}: not valid YAML: {exc}") from exc


def catalog_from_dict(slug: str, data, origin: str | None = None) -> Catalog:
    """The catalog of office `slug` from its dict (a file's or a stored version's). Raises CatalogError
    naming `origin` (default the slug) and the field."""
    r = _Reader(origin or slug)
    r.mapping(data, "", ("office", "units", "services"), ("name", "sources"))
    if data["office"] != slug:
        r.fail("office", f"{data['office']!r} does not match the office {slug!r}")
    if not isinstance(data["units"], list) or not data["units"]:
        r.fail("units", "expected a non-empty list")
    if not isinstance(data["services"], list) or not data["services"]:
        r.fail("services", "expected a non-empty list")
    units = tuple(_unit(r, raw, f"units[{i}]") for i, raw in enumerate(data["units"]))
    _unique(r, [u.slug for u in units], "units.slug")
    slugs = {u.slug for u in units}
    services = tuple(_service(r, raw, f"services[{i}]", slugs) for i, raw in enumerate(data["services"]))
    _unique(r, [s.id for s in services], "services.id")
    return Catalog(slug, units, services, name=r.text(data.get("name", slug), "name"),
                   sources=r.texts(data.get("sources", []), "sources"))
