"""Offices: one YAML file each under config/offices/, with the profile its admin edited on the dashboard
laid over it (bot/models/office_profile.py). The inbound `To` number picks the office.

Every process holds the offices in memory (they are read on every message). A dashboard edit commits the
profile and bumps the office's revision token (bot/revisions.py); each process reads the tokens once per
message, job or dashboard request (`RevisionWatch.refresh`), and the directory rebuilds, from SQL, the
offices whose token moved the next time it is asked for one. So the bot and the dashboard of one process
share the same `Office` objects, and every process sees an edit from its next message on, without a restart.
"""

from __future__ import annotations

import logging
import os
import threading
import time as monotonic_clock
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import phonenumbers
from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError

from bot import phone, yamlload
from bot.exceptions import ConfigError
from bot.visits.desk import DeskSetup
from bot.visits.desk import parse as parse_desk

if TYPE_CHECKING:
    from bot.db import Database
    from bot.revisions import RevisionWatch

logger = logging.getLogger(__name__)

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
ZONE_ABBREVIATIONS = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA",
                      "Asia/Jayapura": "WIT"}
# What an admin confirms on the profile page; until then the bot and the Today page say so (issue 17 §4).
HOURS = "hours"
WHATSAPP = "whatsapp"
CONFIRMABLE = (HOURS, WHATSAPP)
# After SQL failed to give the profiles, how long a process keeps what it has before asking again (seconds).
RETRY_SECONDS = 30.0

Span = tuple[time, time]  # open from the first time, closed from the second


@dataclass(frozen=True)
class Unit:
    slug: str
    name: str


@dataclass(frozen=True)
class GuestStandard:
    """The time the office's own Standar Pelayanan for receiving guests promises (issue 20 §6), as published:
    `minutes` is what a visit is measured against (bot/visits/standard.py); Alor's SOP also splits it into
    data entry and waiting, shown beside it. `source` cites the SK the figure comes from."""

    minutes: int
    source: str
    data_entry_minutes: int | None = None
    waiting_minutes: tuple[int, int] | None = None  # a range, "15-30 menit menunggu"


def parse_guest_standard(raw: Mapping | None, source: object) -> GuestStandard | None:
    """`guest_standard: {minutes: 10, source: "SOP ... KEP-22/..."}`; None when the office publishes none."""
    if not raw:
        return None
    try:
        minutes = int(raw["minutes"])
        cited = str(raw["source"]).strip()
        entry = raw.get("data_entry_minutes")
        waiting = raw.get("waiting_minutes")
        standard = GuestStandard(minutes, cited, None if entry is None else int(entry),
                                 None if waiting is None else (int(waiting[0]), int(waiting[1])))
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ConfigError(f"{source}: guest_standard needs whole minutes and its source ({exc})") from exc
    if minutes <= 0 or not cited:
        raise ConfigError(f"{source}: guest_standard needs minutes above 0 and the SK it comes from")
    return standard


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
    # weekday -> the spans it is open, in order: two spans are a day with a break (Friday prayers).
    # A day the office does not open has no key.
    opening_hours: Mapping[str, tuple[Span, ...]]
    units: tuple[Unit, ...]
    visitor_rules: tuple[str, ...]
    accessibility: tuple[str, ...]
    complaint_channels: tuple[str, ...]
    email: str | None = None
    website: str | None = None
    employees_file: str | None = None
    catalog_file: str | None = None
    latitude: float | None = None
    longitude: float | None = None
    confirmed: frozenset[str] = field(default_factory=frozenset)  # of CONFIRMABLE
    desk: DeskSetup = field(default_factory=DeskSetup)  # what the desk hands out and holds (bot/visits/desk.py)
    guest_standard: GuestStandard | None = None  # None: the office publishes no time for receiving guests

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

    def spans(self, day) -> tuple[Span, ...]:
        """The spans the office is open on `day` (a date or a WEEKDAYS key); () when it does not open."""
        key = day if isinstance(day, str) else WEEKDAYS[day.weekday()]
        return tuple(self.opening_hours.get(key) or ())

    def is_open_at(self, moment: datetime) -> bool:
        """True within opening hours and outside their breaks (holidays are the caller's business)."""
        local = self.local(moment)
        return any(start <= local.time() < end for start, end in self.spans(local.date()))

    @property
    def hours_estimated(self) -> bool:
        """The hours were assumed (the seeds give none) and the office has not confirmed them yet."""
        return HOURS not in self.confirmed

    @property
    def whatsapp_is_landline(self) -> bool:
        return is_landline(self.whatsapp)

    @property
    def unconfirmed(self) -> tuple[str, ...]:
        """What the office still has to confirm: its hours; its WhatsApp sender when that is a landline."""
        found = [HOURS] if self.hours_estimated else []
        if self.whatsapp_is_landline and WHATSAPP not in self.confirmed:
            found.append(WHATSAPP)
        return tuple(found)


def is_landline(number: str) -> bool:
    """A fixed line by the numbering plan (Indonesia's area codes): WhatsApp may run on it, but a citizen
    told "WhatsApp this number" may not expect it, so it is flagged until confirmed."""
    try:
        parsed = phonenumbers.parse(number, "ID")
    except phonenumbers.NumberParseException:
        return False
    return phonenumbers.number_type(parsed) == phonenumbers.PhoneNumberType.FIXED_LINE


def _time(value: object) -> time:
    """"08:00", "8.00" or a time (YAML, a stored profile, the dashboard's form)."""
    if isinstance(value, time):
        return value
    hour, _, minute = str(value).strip().replace(".", ":").partition(":")
    if not (hour.isdigit() and minute.isdigit() and len(minute) == 2):
        raise ValueError(f"{value!r} is not a time of day (HH:MM)")
    return time(int(hour), int(minute))


def _spans(value: object) -> list:
    """One span `["08:00", "16:00"]` (the older YAML) or a list of them `[["08:00", "11:30"], [...]]`."""
    if not value:
        return []
    if isinstance(value, list | tuple) and value and not isinstance(value[0], list | tuple):
        return [value]
    return list(value)


def parse_hours(raw: Mapping | None, source: object = "opening_hours") -> dict[str, tuple[Span, ...]]:
    """Opening hours from YAML or a stored profile: each weekday one span or a list of spans, in order and
    apart (the gap between two spans is a break). Raises ConfigError naming `source`."""
    hours: dict[str, tuple[Span, ...]] = {}
    for day, value in (raw or {}).items():
        if day not in WEEKDAYS:
            raise ConfigError(f"{source}: unknown weekday {day!r} in opening_hours")
        spans: list[Span] = []
        for span in _spans(value):
            if len(span) != 2:
                raise ConfigError(f"{source}: opening_hours {day} has a span without its two times")
            try:
                start, end = (_time(t) for t in span)
            except ValueError as exc:
                raise ConfigError(f"{source}: opening_hours {day}: {exc}") from exc
            if start >= end:
                raise ConfigError(f"{source}: opening_hours {day} closes before it opens")
            if spans and start <= spans[-1][1]:
                raise ConfigError(f"{source}: opening_hours {day}: spans overlap or are out of order")
            spans.append((start, end))
        if spans:
            hours[day] = tuple(spans)
    return hours


def hours_data(hours: Mapping[str, tuple[Span, ...]]) -> dict[str, list[list[str]]]:
    """Opening hours as JSON (a stored profile, the audit log): {"fri": [["08:00", "11:30"], ...]}."""
    return {day: [[s.strftime("%H:%M"), e.strftime("%H:%M")] for s, e in hours[day]]
            for day in WEEKDAYS if hours.get(day)}


# The fields of an office the dashboard edits (bot/models/office_profile.py), in the form's order.
PROFILE_FIELDS = ("name", "address", "latitude", "longitude", "hotline", "email", "website", "whatsapp",
                  "timezone", "opening_hours", "visitor_rules", "accessibility", "complaint_channels")
_LISTS = ("visitor_rules", "accessibility", "complaint_channels")


def profile_of(office: Office) -> dict[str, Any]:
    """The editable part of an office as a stored profile holds it (JSON)."""
    data: dict[str, Any] = {name: getattr(office, name) for name in PROFILE_FIELDS}
    data["opening_hours"] = hours_data(office.opening_hours)
    for name in _LISTS:
        data[name] = list(data[name])
    return data


def apply_profile(base: Office, profile: Mapping[str, Any], confirmed: Iterable[str] = ()) -> Office:
    """`base` (from its YAML) with the dashboard's profile laid over it; what the profile lacks stays as
    the YAML says. Checked as the YAML is (a stored profile passed the form's own checks when saved)."""
    values: dict[str, Any] = {}
    try:
        for name in PROFILE_FIELDS:
            if name not in profile:
                continue
            value = profile[name]
            if name == "opening_hours":
                value = parse_hours(value, f"profile of {base.slug}")
            elif name in _LISTS:
                value = tuple(str(v) for v in value or ())
            elif name == "whatsapp":
                value = phone.normalize(str(value))
            elif name == "timezone":
                ZoneInfo(str(value))
            elif name in ("latitude", "longitude"):
                value = None if value is None else float(value)
            elif name in ("email", "website"):
                value = str(value) if value else None
            else:
                value = str(value)
            values[name] = value
    except (phone.InvalidNumber, ZoneInfoNotFoundError, ValueError, TypeError) as exc:
        raise ConfigError(f"profile of {base.slug}: {exc}") from exc
    return replace(base, **values, confirmed=frozenset(confirmed) & set(CONFIRMABLE))


@dataclass(frozen=True)
class StoredProfile:
    """An office's row of office_profiles, read out of its session."""

    profile: Mapping[str, Any]
    confirmed: frozenset[str]


def read_profiles(db: Database, slugs: Iterable[str]) -> dict[str, StoredProfile]:
    from bot.models.office_profile import OfficeProfile  # the models import the database layer, not us

    with db.session() as session:
        rows = session.scalars(select(OfficeProfile).where(OfficeProfile.office.in_(list(slugs))))
        return {row.office: StoredProfile(dict(row.profile or {}), frozenset(
            name for name, at in ((HOURS, row.hours_confirmed_at), (WHATSAPP, row.whatsapp_confirmed_at)) if at))
            for row in rows}


def _by_number(offices: Iterable[Office]) -> dict[str, Office]:
    found: dict[str, Office] = {}
    for office in offices:
        if office.whatsapp in found:
            other = found[office.whatsapp].slug
            raise ConfigError(f"offices {other} and {office.slug} share WhatsApp number {office.whatsapp}")
        found[office.whatsapp] = office
    return found


class OfficeDirectory:
    """The offices of this process. Given the database and the revision watch, each office is its YAML
    with its stored profile laid over it, rebuilt when its revision token moves; without them (tools and
    tests of the YAML alone), the YAML only."""

    def __init__(self, offices: list[Office], db: Database | None = None, revisions: RevisionWatch | None = None):
        self._base = {o.slug: o for o in offices}
        self._by_slug = dict(self._base)
        self._by_number = _by_number(offices)
        self._db = db
        self._revisions = revisions
        self._seen: dict[str, str | None] = dict.fromkeys(self._base)  # None: SQL not read yet
        self._lock = threading.Lock()
        self._retry_at = 0.0

    @property
    def revisions(self) -> RevisionWatch | None:
        return self._revisions

    def _stale(self) -> list[str]:
        if self._db is None or self._revisions is None:
            return []
        return [slug for slug, seen in self._seen.items() if seen != self._revisions.token(slug)]

    def _current(self) -> None:
        """Rebuild the offices whose token moved since they were built (a dict lookup each when none did)."""
        if not self._stale() or monotonic_clock.monotonic() < self._retry_at:
            return
        with self._lock:
            stale = self._stale()
            if not stale:
                return
            tokens = {slug: self._revisions.token(slug) for slug in stale}  # type: ignore[union-attr]
            try:
                stored = read_profiles(self._db, stale)  # type: ignore[arg-type]
            except SQLAlchemyError as exc:
                # Keep what we have (the YAML at start, e.g. before the migration ran) and ask again later.
                logger.warning("office profiles could not be read (%s); keeping the offices as they are",
                               type(exc).__name__)
                self._retry_at = monotonic_clock.monotonic() + RETRY_SECONDS
                return
            offices = dict(self._by_slug)
            for slug in stale:
                found = stored.get(slug)
                try:
                    offices[slug] = apply_profile(self._base[slug], found.profile, found.confirmed) \
                        if found else self._base[slug]
                except ConfigError:
                    logger.error("the stored profile of %s is unreadable; using its YAML", slug, exc_info=True)
                    offices[slug] = self._base[slug]
            try:
                numbers = _by_number(offices.values())
            except ConfigError:
                logger.error("stored profiles give two offices one WhatsApp number; keeping the offices as they are",
                             exc_info=True)
            else:
                self._by_slug, self._by_number = offices, numbers
            self._seen.update(tokens)

    def by_number(self, to: str) -> Office | None:
        self._current()
        try:
            return self._by_number.get(phone.normalize(to))
        except phone.InvalidNumber:
            return None

    def get(self, slug: str) -> Office | None:
        self._current()
        return self._by_slug.get(slug)

    def base(self, slug: str) -> Office | None:
        """The office as its YAML alone says (what "undo my edits" would go back to)."""
        return self._base.get(slug)

    def __iter__(self):
        self._current()
        return iter(list(self._by_slug.values()))

    def __len__(self) -> int:
        return len(self._by_slug)


def env_override_name(slug: str) -> str:
    return "LOKET_WHATSAPP_" + slug.upper().replace("-", "_")


def load_office(path: Path, environ: Mapping[str, str]) -> Office:
    """One office file. Besides the fields of `Office`: `opening_hours` gives each weekday one span
    (`fri: ["08:00", "16:30"]`) or a list of them (`fri: [["08:00", "11:30"], ["13:30", "16:30"]]`);
    optional `location: {latitude: -8.53, longitude: 115.40}` and `confirmed: [hours, whatsapp]`."""
    data = yamlload.safe_load(path.read_text(encoding="utf-8"))
    try:
        slug = data["slug"]
        if slug != path.stem:
            raise ConfigError(f"{path}: slug {slug!r} must match the file name")
        number = environ.get(env_override_name(slug)) or data["whatsapp"]
        ZoneInfo(data["timezone"])
        confirmed = frozenset(data.get("confirmed") or ())
        if confirmed - set(CONFIRMABLE):
            raise ConfigError(f"{path}: confirmed may name only {', '.join(CONFIRMABLE)}")
        location = data.get("location") or {}
        return Office(
            slug=slug, code=data["code"], name=data["name"], kind=data.get("kind", ""),
            address=data["address"], hotline=str(data["hotline"]), whatsapp=phone.normalize(number),
            timezone=data["timezone"], opening_hours=parse_hours(data.get("opening_hours"), path),
            units=tuple(Unit(u["slug"], u["name"]) for u in data.get("units") or ()),
            visitor_rules=tuple(data.get("visitor_rules") or ()),
            accessibility=tuple(data.get("accessibility") or ()),
            complaint_channels=tuple(data.get("complaint_channels") or ()),
            email=data.get("email"), website=data.get("website"),
            employees_file=data.get("employees"), catalog_file=data.get("catalog"),
            latitude=location.get("latitude"), longitude=location.get("longitude"), confirmed=confirmed,
            desk=parse_desk(data.get("desk"), path),
            guest_standard=parse_guest_standard(data.get("guest_standard"), path),
        )
    except KeyError as exc:
        raise ConfigError(f"{path}: missing field {exc.args[0]!r}") from exc
    except (phone.InvalidNumber, ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc


def load_offices(config_dir: Path, environ: Mapping[str, str] | None = None, db: Database | None = None,
                 revisions: RevisionWatch | None = None) -> OfficeDirectory:
    """The YAML offices; with `db` and `revisions`, the dashboard's profiles laid over them (see above)."""
    files = sorted((config_dir / "offices").glob("*.yaml"))
    if not files:
        raise ConfigError(f"no office files in {config_dir / 'offices'}")
    env = os.environ if environ is None else environ
    return OfficeDirectory([load_office(f, env) for f in files], db, revisions)
