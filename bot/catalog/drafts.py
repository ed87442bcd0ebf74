"""An imported Standar Pelayanan becomes the office's draft: never published, always for review.

The draft starts from what the office has now (its open draft, else the published version, else the
seed file), so importing the SK of one Bagian replaces that Bagian's services and keeps the others.
A service whose document lacks a required component is reported and left out: the catalog could
not answer a citizen from it (bot/catalog/versions.py refuses such a body).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy.orm import Session

from bot.catalog import CatalogError, read_catalog_file, versions
from bot.catalog.standar import FoundService, Merged, Standar, catalog_body, merge
from bot.models.catalog import CatalogVersion
from bot.offices import Office


@dataclass
class Imported:
    version: CatalogVersion
    merged: Merged
    left_out: list[FoundService]


class NothingToDraft(ValueError):
    """No service in the document is complete enough to go into a draft."""


def current_body(session: Session, office: Office, config_dir: Path) -> tuple[dict, bool]:
    """(the body a new draft starts from, whether it is the seed file's)."""
    version = versions.draft(session, office.slug) or versions.published(session, office.slug)
    if version is not None:
        return version.data, False
    path = config_dir / (office.catalog_file or f"catalog/{office.slug}.yaml")
    if path.exists():
        return read_catalog_file(path), True
    units = [{"slug": u.slug, "name": u.name} for u in office.units]
    return {"office": office.slug, "name": office.name, "sources": [], "units": units, "services": []}, False


def import_draft(session: Session, office: Office, doc: Standar, *, config_dir: Path, source: str,
                 unit: str | None = None, author: int | None = None, ip: str | None = None) -> Imported:
    """Save the document's complete services into the office's draft (flushed and audited by
    versions.save_draft; the caller commits). Raises NothingToDraft, CatalogError."""
    base, from_seed = current_body(session, office, config_dir)
    units = base.get("units") or []
    if not units:
        raise ValueError(f"{office.slug} has no units to put services in")
    if unit is not None and unit not in {u["slug"] for u in units}:
        raise ValueError(f"unknown unit {unit!r}; the office has {sorted(u['slug'] for u in units)}")
    complete = [s for s in doc.services if not s.missing]
    if not complete:
        raise NothingToDraft(source)
    imported = catalog_body(Standar(complete, doc.sk_number, doc.sk_date), office=office.slug, name=office.name,
                            units=units, unit=unit or units[0]["slug"], source=source,
                            existing=base.get("services", []), sk_number=doc.sk_number)
    merged = merge(base, imported)
    if from_seed:  # the seed stays in the history as version 1, so the first diff and a roll-back work
        versions.record_seed(session, office.slug, base, origin=config_dir.name + "/" + (
            office.catalog_file or f"catalog/{office.slug}.yaml"))
    version = versions.save_draft(session, office.slug, merged.body, source=f"import: {source}",
                                  sk_number=doc.sk_number, sk_date=doc.sk_date, author=author, ip=ip)
    return Imported(version, merged, [s for s in doc.services if s.missing])


# Why a document gave no draft (Report.refused); each caller words it for its reader.
NO_SERVICE, NO_SK, INCOMPLETE, BAD_UNIT, INVALID = "no_service", "no_sk", "incomplete", "unit", "catalog"


@dataclass
class Report:
    """What one document gave: `doc` as read (its own SK, before any typed one), then the draft
    saved (`imported`) or why none was (`refused`, with the checker's `detail`)."""

    source: str
    doc: Standar
    imported: Imported | None = None
    refused: str | None = None
    detail: str = ""


def draft_document(session: Session, office: Office, doc: Standar, *, config_dir: Path, source: str,
                   unit: str | None = None, sk_number: str | None = None, sk_date: date | None = None,
                   author: int | None = None, ip: str | None = None) -> Report:
    """The one path from a read document to the office's draft, for the CLI and the dashboard alike:
    an SK typed by the admin wins over the document's; without any SK, any service or any complete
    service nothing is saved. Never raises for the document's faults; on a refusal after a flush
    (INVALID) the caller rolls back, on success it commits."""
    report = Report(source, doc)
    if not doc.services:
        report.refused = NO_SERVICE
        return report
    chosen = Standar(doc.services, sk_number or doc.sk_number, sk_date or doc.sk_date)
    if not chosen.sk_number:
        report.refused = NO_SK
        return report
    try:
        report.imported = import_draft(session, office, chosen, config_dir=config_dir, source=source, unit=unit,
                                       author=author, ip=ip)
    except NothingToDraft:
        report.refused = INCOMPLETE
    except CatalogError as exc:
        report.refused, report.detail = INVALID, str(exc)
    except ValueError as exc:
        report.refused, report.detail = BAD_UNIT, str(exc)
    return report
