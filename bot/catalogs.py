"""Each office's service catalog (config/catalog/<slug>.yaml) and its search index, loaded once."""

from __future__ import annotations

import logging
from pathlib import Path

from bot.catalog import Catalog, load_catalog
from bot.offices import Office
from bot.search import Document, ServiceSearch, Vocabulary

logger = logging.getLogger(__name__)


class Catalogs:
    def __init__(self, config_dir: Path):
        self.config_dir = config_dir
        self.vocabulary = Vocabulary(config_dir / "search.yaml")
        self._catalogs: dict[str, Catalog | None] = {}
        self._searches: dict[str, ServiceSearch | None] = {}

    def catalog(self, office: Office) -> Catalog | None:
        if office.slug not in self._catalogs:
            path = self.config_dir / (office.catalog_file or f"catalog/{office.slug}.yaml")
            if path.exists():
                self._catalogs[office.slug] = load_catalog(office.slug, path.parent)
            else:
                logger.error("no service catalog for %s at %s", office.slug, path)
                self._catalogs[office.slug] = None
        return self._catalogs[office.slug]

    def search(self, office: Office) -> ServiceSearch | None:
        if office.slug not in self._searches:
            self._searches[office.slug] = self._build_search(office)
        return self._searches[office.slug]

    def _build_search(self, office: Office) -> ServiceSearch | None:
        catalog = self.catalog(office)
        if catalog is None:
            return None
        units = {u.slug: " ".join([u.name, *u.aliases]) for u in catalog.units}
        documents = [Document(s.id, s.name, " ".join([units[s.unit], *s.produk])) for s in catalog.services]
        return ServiceSearch(documents, self.vocabulary)
