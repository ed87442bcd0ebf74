"""Offices: one YAML file each under config/offices/. The inbound `To` number picks the office."""

from __future__ import annotations

import logging
import os
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, time
from pathlib import Path
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml

from bot import phone
from bot.exceptions import ConfigError

logger = logging.getLogger(__name__)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ZONE_ABBREVIATIONS = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
                      "Asia/Jayapura": "WIT"}


@dataclass(frozen=True)
class Unit:
    slug: str
    name: str


@dataclass(frozen=True)
class Office:
    slug: str
    code: str
    name: str
    kind: str
    address: str
    hotline: str
    whatsapp: str  # E.164, without the "whatsapp:" prefix
    timezone: str
    opening_hours: Mapping[str, tuple[time, time]]
    units: tuple[Unit, ...]
    visitor_rules: tuple[str, ...]
    accessibility: tuple[str, ...]
    complaint_channels: tuple[str, ...]
    email: str | None = None
    website: str | None = None
    employees_file: str | None = None
    catalog_file: str | None = None

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @property
    def zone_abbr(self) -> str:
        return ZONE_ABBREVIATIONS.get(self.timezone, self.timezone)

    def local(self, moment: datetime) -> datetime:
        return moment.astimezone(self.zone)

    def unit_name(self, slug: str | None) -> str | None:
        """The display name of one of this office's units; None for no unit or an unknown one."""
        return next((u.name for u in self.units if u.slug == slug), None)

    def is_open_at(self, moment: datetime) -> bool:
        """True within opening hours (holidays are the caller's business)."""
        local = self.local(moment)
        hours = self.opening_hours.get(WEEKDAYS[local.weekday()])
        return bool(hours) and hours[0] <= local.time() < hours[1]


class OfficeDirectory:
    def __init__(self, offices: list[Office]):
        self._by_slug = {o.slug: o for o in offices}
        self._by_number: dict[str, Office] = {}
        for office in offices:
            if office.whatsapp in self._by_number:
                other = self._by_number[office.whatsapp].slug
                raise ConfigError(f"offices {other} and {office.slug} share WhatsApp number {office.whatsapp}")
            self._by_number[office.whatsapp] = office

    def by_number(self, to: str) -> Office | None:
        try:
            return self._by_number.get(phone.normalize(to))
        except phone.InvalidNumber:
            return None

    def get(self, slug: str) -> Office | None:
        return self._by_slug.get(slug)

    def __iter__(self):
        return iter(self._by_slug.values())

    def __len__(self) -> int:
        return len(self._by_slug)


def _hours(raw: Mapping, source: Path) -> dict[str, tuple[time, time]]:
    hours = {}
    for day, span in (raw or {}).items():
        if day not in WEEKDAYS:
            raise ConfigError(f"{source}: unknown weekday {day!r} in opening_hours")
        start, end = (time.fromisoformat(str(t)) for t in span)
        if start >= end:
            raise ConfigError(f"{source}: opening_hours {day} closes before it opens")
        hours[day] = (start, end)
    return hours


def env_override_name(slug: str) -> str:
    return "LOKET_WHATSAPP_" + slug.upper().replace("-", "_")


def load_office(path: Path, environ: Mapping[str, str]) -> Office:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    try:
        slug = data["slug"]
        if slug != path.stem:
            raise ConfigError(f"{path}: slug {slug!r} must match the file name")
        number = environ.get(env_override_name(slug)) or data["whatsapp"]
        ZoneInfo(data["timezone"])
        return Office(
            slug=slug, code=data["code"], name=data["name"], kind=data.get("kind", ""),
            address=data["address"], hotline=str(data["hotline"]), whatsapp=phone.normalize(number),
            timezone=data["timezone"], opening_hours=_hours(data.get("opening_hours"), path),
            units=tuple(Unit(u["slug"], u["name"]) for u in data.get("units") or ()),
            visitor_rules=tuple(data.get("visitor_rules") or ()),
            accessibility=tuple(data.get("accessibility") or ()),
            complaint_channels=tuple(data.get("complaint_channels") or ()),
            email=data.get("email"), website=data.get("website"),
            employees_file=data.get("employees"), catalog_file=data.get("catalog"),
        )
    except KeyError as exc:
        raise ConfigError(f"{path}: missing field {exc.args[0]!r}") from exc
    except (phone.InvalidNumber, ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def load_offices(config_dir: Path, environ: Mapping[str, str] | None = None) -> OfficeDirectory:
    files = sorted((config_dir / "offices").glob("*.yaml"))
    if not files:
        raise ConfigError(f"no office files in {config_dir / 'offices'}")
    env = os.environ if environ is None else environ
    return OfficeDirectory([load_office(f, env) for f in files])
