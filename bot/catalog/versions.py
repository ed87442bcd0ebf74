"""The Standar Pelayanan as versioned data the office owns: drafts, publication, history, roll-back, diff.

The one owner of these rules; the dashboard's editor and `flask catalog import` both call it.

- An office has at most one open draft. `save_draft` creates it (the next number) or replaces its
  body: an edit on the dashboard and an imported document land in the same draft, and the audit
  entry of each save records what it changed.
- `publish` makes a draft the version the bot answers from; the one published before is retired.
  Every published version is kept (never edited again), so the history reads which SK was in force
  when.
- `roll_back` publishes an older version's body again as a NEW version ("rollback: #2"), rather than
  re-marking the old row: the history stays append-only and in order of publication, so "what did the
  bot answer on 3 March" is the version published last before that date, and the roll-back itself is
  a visible row with who did it and why. An open draft is left alone (the admin's work is not lost).
- With no published version the office answers from its seed file (config/catalog/<slug>.yaml).
  `record_seed` keeps that file's body as version 1 (source "seed", retired) before the first draft,
  so the first diff and a roll-back to the seed are possible.

Every function adds to the caller's session and flushes; the caller commits. A publish or roll-back
marks the office changed (bot/revisions.py `note_change`): once that session commits, every web
process and worker reloads the office's catalog at its next refresh (bot/catalogs.py).
"""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from bot.catalog import Catalog, catalog_from_dict
from bot.clock import now
from bot.dashboard import audit as audit_log
from bot.models.catalog import DRAFT, PUBLISHED, RETIRED, CatalogVersion
from bot.models.staff import StaffUser
from bot.revisions import note_change

SUBJECT = "catalog_version"  # the audit log's subject type
PUBLISH = "publish"  # audit actions besides create/update
ROLL_BACK = "rollback"
DISCARD = "discard"
SEED = "seed"
SOURCE_MAX, SK_MAX, NOTE_MAX = 200, 120, 500


class VersionError(ValueError):
    """A refused change; `key` names the dashboard message that explains it."""

    key = "catalog_editor.error.invalid"

    def __init__(self, **values: object):
        super().__init__(self.key)
        self.values = values


class NotADraft(VersionError):
    key = "catalog_editor.error.not_draft"


class NotRetired(VersionError):
    """Only a version that was in force before (retired) can be brought back; a draft is published."""

    key = "catalog_editor.error.not_retired"


class WrongOffice(VersionError):
    key = "catalog_editor.error.invalid"


# -- reading -------------------------------------------------------------------------------------------
def body_text(body: dict[str, Any]) -> str:
    """The JSON text stored for a body: dates as ISO text (YAML reads them as dates), Unicode kept."""
    return json.dumps(body, ensure_ascii=False, default=_iso)


def _iso(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(f"not JSON: {type(value).__name__}")


def catalog_of(version: CatalogVersion) -> Catalog:
    """A stored version as the catalog the bot reads (checked again: it may predate a schema change)."""
    return catalog_from_dict(version.office, version.data, origin=f"{version.office} #{version.number}")


def published(session: Session, office: str) -> CatalogVersion | None:
    """The version the bot answers from, or None (then the seed file)."""
    return session.scalars(select(CatalogVersion).where(CatalogVersion.office == office,
                                                        CatalogVersion.state == PUBLISHED)
                           .order_by(CatalogVersion.number.desc()).limit(1)).first()


def draft(session: Session, office: str) -> CatalogVersion | None:
    """The office's open draft, or None."""
    return session.scalars(select(CatalogVersion).where(CatalogVersion.office == office,
                                                        CatalogVersion.state == DRAFT)
                           .order_by(CatalogVersion.number.desc()).limit(1)).first()


def history(session: Session, office: str) -> list[CatalogVersion]:
    """Every version of the office, newest first."""
    return list(session.scalars(select(CatalogVersion).where(CatalogVersion.office == office)
                                .order_by(CatalogVersion.number.desc())))


def get(session: Session, office: str, number: int) -> CatalogVersion | None:
    return session.scalars(select(CatalogVersion).where(CatalogVersion.office == office,
                                                        CatalogVersion.number == number)).first()


def _next_number(session: Session, office: str) -> int:
    return (session.scalar(select(func.max(CatalogVersion.number)).where(CatalogVersion.office == office)) or 0) + 1


# -- changing --------------------------------------------------------------------------------------------
def _audit(session: Session, action: str, version: CatalogVersion, author: int | None, ip: str | None,
           **detail: object) -> None:
    actor = session.get(StaffUser, author) if author is not None else None
    audit_log.record(session, actor=actor, actor_username=None if actor else "system", action=action,
                     subject_type=SUBJECT, subject_id=version.number, office=version.office, ip=ip,
                     detail={"version": version.number, **detail})


def _clean_sk(sk_number: str | None) -> str | None:
    text = " ".join((sk_number or "").split())
    return text[:SK_MAX] or None


def record_seed(session: Session, office: str, body: dict[str, Any], *, origin: str) -> CatalogVersion | None:
    """Keep the seed file's body as version 1 (retired) when the office has no version yet; else None."""
    if _next_number(session, office) != 1:
        return None
    catalog_from_dict(office, json.loads(body_text(body)), origin=origin)
    seed = CatalogVersion(office=office, number=1, state=RETIRED, source=SEED, body=body_text(body),
                          note=origin[:NOTE_MAX])
    session.add(seed)
    session.flush()
    return seed


def save_draft(session: Session, office: str, body: dict, *, source: str, sk_number: str | None,
               sk_date: date | None, author: int | None, ip: str | None = None) -> CatalogVersion:
    """The office's draft with `body` (a new one, or the open one replaced). Raises CatalogError when the
    body fails the catalog's checks. Flushed and audited (`ip`: the dashboard's client); the caller commits."""
    body = json.loads(body_text(body))
    catalog_from_dict(office, body, origin=f"{office} (draft)")
    version = draft(session, office)
    before = version.data if version is not None else _published_body(session, office)
    if version is None:
        version = CatalogVersion(office=office, number=_next_number(session, office), state=DRAFT,
                                 created_by=author)
        session.add(version)
        action = audit_log.CREATE
    else:
        action = audit_log.UPDATE
    version.body, version.source = body_text(body), (source or "dashboard")[:SOURCE_MAX]
    version.sk_number, version.sk_date = _clean_sk(sk_number), sk_date
    session.flush()
    _audit(session, action, version, author, ip, source=version.source, sk_number=version.sk_number,
           sk_date=sk_date.isoformat() if sk_date else None, changes=diff(before, body).summary() if before else None)
    return version


def was_in_force(version: CatalogVersion) -> bool:
    """Published once (or the seed the office answered from before): a version a roll-back may bring back."""
    return version.published_at is not None or version.source == SEED


def discard(session: Session, version: CatalogVersion, author: int | None, *, ip: str | None = None) -> None:
    """Set an open draft aside: kept (retired, never published) so that its number and its audit entries
    keep meaning one thing; a roll-back never brings it back. Raises NotADraft."""
    if version.state != DRAFT:
        raise NotADraft(number=version.number)
    version.state = RETIRED
    session.flush()
    _audit(session, DISCARD, version, author, ip, source=version.source)


def _published_body(session: Session, office: str) -> dict | None:
    """What citizens read now, when stored: the published body, else the seed's (recorded as version 1)."""
    current = published(session, office)
    if current is None:
        current = get(session, office, 1)
        current = current if current is not None and current.source == SEED else None
    return current.data if current is not None else None


def _make_published(session: Session, version: CatalogVersion, author: int | None) -> CatalogVersion | None:
    """Retire the published version (returned) and publish `version`."""
    before = published(session, version.office)
    if before is not None:
        before.state = RETIRED
    version.state, version.published_by, version.published_at = PUBLISHED, author, now()
    session.flush()
    note_change(session, version.office)  # what citizens are told changed: every process reloads after commit
    return before


def publish(session: Session, version: CatalogVersion, author: int | None, *, note: str | None = None,
            ip: str | None = None) -> CatalogVersion:
    """The draft becomes the version the bot answers from. Raises NotADraft, CatalogError."""
    if version.state != DRAFT:
        raise NotADraft(number=version.number)
    catalog_of(version)
    if note:
        version.note = " ".join(note.split())[:NOTE_MAX]
    base = _published_body(session, version.office)
    before = _make_published(session, version, author)
    _audit(session, PUBLISH, version, author, ip, **{"from": before.number if before else None, "to": version.number},
           sk_number=version.sk_number, note=version.note,
           changes=diff(base, version.data).summary() if base else None)
    return version


def roll_back(session: Session, office: str, to_version: CatalogVersion | int, author: int | None, *,
              note: str | None = None, ip: str | None = None) -> CatalogVersion:
    """Publish a retired version's body again, as a new version. Raises NotRetired, WrongOffice."""
    target = get(session, office, to_version) if isinstance(to_version, int) else to_version
    if target is None or target.office != office:
        raise WrongOffice()
    if not was_in_force(target) or target.state != RETIRED:
        raise NotRetired(number=target.number)
    catalog_of(target)
    again = CatalogVersion(office=office, number=_next_number(session, office), state=DRAFT, body=target.body,
                           sk_number=target.sk_number, sk_date=target.sk_date, created_by=author,
                           source=f"{ROLL_BACK}: #{target.number}",
                           note=" ".join((note or "").split())[:NOTE_MAX] or None)
    base = _published_body(session, office)
    session.add(again)
    session.flush()
    before = _make_published(session, again, author)
    _audit(session, ROLL_BACK, again, author, ip, **{"from": before.number if before else None,
                                                     "to": target.number}, note=again.note,
           changes=diff(base, again.data).summary() if base else None)
    return again


# -- the differences between two versions ----------------------------------------------------------------
# A service's sections in the order of the Standar Pelayanan; others follow in the body's order.
SECTIONS = ("name", "unit", "sk_number", "sk_date", "persyaratan", "prosedur", "waktu", "biaya", "produk",
            "pengaduan", "dasar_hukum")
ADDED, REMOVED, CHANGED = "added", "removed", "changed"


@dataclass(frozen=True)
class SectionChange:
    """One section that differs: `lines` as difflib reads them, each ("-" | "+" | " ", text)."""

    section: str
    lines: tuple[tuple[str, str], ...]

    @property
    def before(self) -> list[str]:
        return [text for mark, text in self.lines if mark == "-"]

    @property
    def after(self) -> list[str]:
        return [text for mark, text in self.lines if mark == "+"]


@dataclass(frozen=True)
class ServiceChange:
    id: str
    name: str
    kind: str  # ADDED, REMOVED or CHANGED
    sections: tuple[SectionChange, ...] = ()


@dataclass(frozen=True)
class CatalogDiff:
    services: tuple[ServiceChange, ...]
    units: tuple[SectionChange, ...] = ()  # one per unit slug whose entry differs

    def __bool__(self) -> bool:
        return bool(self.services or self.units)

    def summary(self) -> dict[str, Any]:
        """For the audit log: ids added and removed, and per changed service its sections, before and after."""
        out: dict[str, Any] = {}
        for kind in (ADDED, REMOVED):
            ids = [s.id for s in self.services if s.kind == kind]
            if ids:
                out[kind] = ids
        changed = {s.id: {c.section: {"before": c.before, "after": c.after} for c in s.sections}
                   for s in self.services if s.kind == CHANGED}
        if changed:
            out[CHANGED] = changed
        if self.units:
            out["units"] = [c.section for c in self.units]
        return out


# Values derived from the text beside them (waktu's value and unit, the addresses found in the complaint
# channels): a change shows in the text already.
_DERIVED = frozenset({"value", "unit", "email", "phone", "web", "apps"})


def lines_of(value: Any, indent: str = "") -> list[str]:
    """Any body value as readable lines: lists one item a line, a requirement's sub-items and a step's
    own fields indented under it. Text, not JSON, so that a diff reads like the document."""
    if value is None:
        return []
    if isinstance(value, list):
        return [line for item in value for line in lines_of(item, indent)]
    if not isinstance(value, dict):
        return [f"{indent}{value}"]
    head = next((key for key in ("text", "step") if key in value), None)
    lines = [f"{indent}{value[head]}"] if head else []
    inner = indent + "    " if head else indent
    for key, item in value.items():
        if key == head or key in _DERIVED or item in (None, [], ""):
            continue
        if key == "items":  # a requirement's sub-items, the channels: the lines themselves
            lines += lines_of(item, inner)
        elif isinstance(item, list | dict):
            lines += [f"{inner}{key}:", *lines_of(item, inner + "    ")]
        else:
            lines.append(f"{inner}{key}: {item}")
    return lines


def _section_change(section: str, a: Any, b: Any) -> SectionChange | None:
    before, after = lines_of(a), lines_of(b)
    if before == after:
        return None
    lines = []
    for tag, i1, i2, j1, j2 in difflib.SequenceMatcher(a=before, b=after, autojunk=False).get_opcodes():
        if tag == "equal":
            lines += [(" ", text) for text in before[i1:i2]]
            continue
        lines += [("-", text) for text in before[i1:i2]]
        lines += [("+", text) for text in after[j1:j2]]
    return SectionChange(section, tuple(lines))


def _service_sections(a: dict, b: dict) -> tuple[SectionChange, ...]:
    keys = [*SECTIONS, *(k for k in [*a, *b] if k not in SECTIONS and k != "id")]
    changes = (_section_change(key, a.get(key), b.get(key)) for key in dict.fromkeys(keys))
    return tuple(change for change in changes if change is not None)


def _body(value: CatalogVersion | dict) -> dict:
    return value.data if isinstance(value, CatalogVersion) else value


def diff(a: CatalogVersion | dict, b: CatalogVersion | dict) -> CatalogDiff:
    """What changed from `a` to `b`, per service (in b's order, removed ones last) and per unit."""
    a, b = _body(a), _body(b)
    old = {s["id"]: s for s in a.get("services", [])}
    new = {s["id"]: s for s in b.get("services", [])}
    services = []
    for sid, service in new.items():
        if sid not in old:
            services.append(ServiceChange(sid, service.get("name", sid), ADDED, _service_sections({}, service)))
        elif sections := _service_sections(old[sid], service):
            services.append(ServiceChange(sid, service.get("name", sid), CHANGED, sections))
    services += [ServiceChange(sid, s.get("name", sid), REMOVED, _service_sections(s, {}))
                 for sid, s in old.items() if sid not in new]
    old_units = {u["slug"]: u for u in a.get("units", [])}
    new_units = {u["slug"]: u for u in b.get("units", [])}
    units = (_section_change(slug, old_units.get(slug), new_units.get(slug)) for slug in {**old_units, **new_units})
    return CatalogDiff(tuple(services), tuple(u for u in units if u is not None))

