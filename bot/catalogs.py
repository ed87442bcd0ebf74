"""Each office's service catalog and its search index, as the bot answers from them.

The catalog is the office's PUBLISHED version (bot/catalog/versions.py, edited on the dashboard) when
it has one, else its seed file (config/catalog/<slug>.yaml): an office that never published behaves
as before. Each office's entry is kept in memory and keyed on its revision token (bot/revisions.py):
when a publish or roll-back in any process bumps the token, this process's next look after its
`refresh()` reloads that office from SQL, without a restart. The seed files are read once.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.exc import SQLAlchemyError

from bot.catalog import Catalog, CatalogError, load_catalog, read_catalog_file, versions
from bot.offices import Office
from bot.search import Document, ServiceSearch, Vocabulary

if TYPE_CHECKING:
    from bot.db import Database
    from bot.revisions import RevisionWatch

logger = logging.getLogger(__name__)

# The token of an entry read while SQL failed: never equal to a real one, so the next look tries again.
_RETRY = "\0retry"


@dataclass
class _Entry:
    token: str
    catalog: Catalog | None
    version: int | None = None  # the published version's number, None for the seed file
    search: ServiceSearch | None = None


class Catalogs:
    def __init__(self, config_dir: Path, db: Database | None = None, revisions: RevisionWatch | None = None):
        self.config_dir = config_dir
        self.vocabulary = Vocabulary(config_dir / "search.yaml")
        self.db = db  # None: the seed files only (tools, tests of the flows)
        self.revisions = revisions  # None: loaded once, as before
        self._seeds: dict[str, Catalog | None] = {}
        self._entries: dict[str, _Entry] = {}
        # One thread loads an office's catalog while the others of its process wait for it, rather
        # than every thread of a cold web process reading the same file at once.
        self._loading = threading.Lock()

    def warm(self, offices: Iterable[Office]) -> None:
        """Load every office's catalog and search index now (a web process before its first request)."""
        for office in offices:
            self.search(office)

    # -- the bot's view --------------------------------------------------------------------------------
    def catalog(self, office: Office) -> Catalog | None:
        return self._entry(office).catalog

    def search(self, office: Office) -> ServiceSearch | None:
        entry = self._entry(office)
        if entry.search is None and entry.catalog is not None:
            with self._loading:
                if entry.search is None:
                    entry.search = self._build_search(entry.catalog)
        return entry.search

    def published_number(self, office: Office) -> int | None:
        """The number of the version the bot answers from; None when it answers from the seed file."""
        return self._entry(office).version

    # -- the seed files ----------------------------------------------------------------------------------
    def seed_path(self, office: Office) -> Path:
        return self.config_dir / (office.catalog_file or f"catalog/{office.slug}.yaml")

    def seed(self, office: Office) -> Catalog | None:
        if office.slug not in self._seeds:
            path = self.seed_path(office)
            if path.exists():
                self._seeds[office.slug] = load_catalog(office.slug, path.parent)
            else:
                logger.error("no service catalog for %s at %s", office.slug, path)
                self._seeds[office.slug] = None
        return self._seeds[office.slug]

    def seed_body(self, office: Office) -> dict | None:
        """The seed file as a dict (the body of a version), or None when the office has none."""
        return read_catalog_file(self.seed_path(office)) if self.seed(office) is not None else None

    # -- loading -----------------------------------------------------------------------------------------
    def _entry(self, office: Office) -> _Entry:
        token = self.revisions.token(office.slug) if self.revisions is not None else ""
        entry = self._entries.get(office.slug)
        if entry is None or entry.token != token:
            with self._loading:
                entry = self._entries.get(office.slug)
                if entry is None or entry.token != token:
                    entry = self._load(office, token, entry)
                    self._entries[office.slug] = entry
        return entry

    def _load(self, office: Office, token: str, previous: _Entry | None) -> _Entry:
        if self.db is None:
            return _Entry(token, self.seed(office))
        try:
            with self.db.session() as session:
                version = versions.published(session, office.slug)
                if version is not None:
                    return _Entry(token, versions.catalog_of(version), version.number)
        except (SQLAlchemyError, CatalogError):
            # Keep answering from what this process has (else the seed) and look again next time.
            logger.exception("cannot read the published catalog of %s", office.slug)
            return _Entry(_RETRY, previous.catalog, previous.version, previous.search) if previous \
                else _Entry(_RETRY, self.seed(office))
        return _Entry(token, self.seed(office))

    def _build_search(self, catalog: Catalog) -> ServiceSearch:
        units = {u.slug: " ".join([u.name, *u.aliases]) for u in catalog.units}
        documents = [Document(s.id, s.name, " ".join([units[s.unit], *s.produk])) for s in catalog.services]
        return ServiceSearch(documents, self.vocabulary)
