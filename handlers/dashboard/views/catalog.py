"""The service catalog, read-only, for every role: each office's services by unit, and one service's
standard (persyaratan, prosedur, waktu, biaya, produk, pengaduan, dasar hukum, notes).

The catalog is public information (no personal data), so these pages write no audit entries.
"""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request

from bot.catalog import Catalog, Service, Unit
from bot.dashboard.roles import Role, grant
from handlers.dashboard import NAV, NavItem, access, bp

PERMISSION = "catalog"
SEARCH_MAX = 100  # characters of a search
# Optional standard fields shown on a service page, in the order of the Standar Pelayanan.
EXTRA_FIELDS = ("sarana_prasarana", "kompetensi_pelaksana", "pengawasan_internal", "jumlah_pelaksana",
                "jaminan_pelayanan", "jaminan_keamanan", "evaluasi_kinerja")

grant(PERMISSION, Role.DESK, Role.HANDLER, Role.VIEWER)
NAV.append(NavItem("dashboard.catalog", "nav.catalog", PERMISSION, order=60))


def tc(key: str, **values: Any) -> str:
    """A catalog page string in the current language (config/messages/dashboard_catalog/<lang>.yaml)."""
    return access.runtime().messages.text(access.lang(), f"catalog_page.{key}", **values)


def _catalogs():
    return access.runtime().deps.catalogs


def _catalog(slug: str) -> Catalog | None:
    office = access.runtime().offices.get(slug)
    return _catalogs().catalog(office) if office else None


def as_items(value: str | tuple[str, ...] | None) -> tuple[str, ...]:
    """A standard field that the source gives as one sentence or as a list, always as a list."""
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _wording(service: Service, unit: Unit) -> str:
    """Everything a desk officer might type to find a service: its name, unit, products, requirements."""
    parts = [service.name, unit.name, *unit.aliases, *service.produk]
    parts += [text for r in service.persyaratan for text in (r.text, *r.items)]
    return " ".join(parts).casefold()


def find_services(slug: str, book: Catalog, query: str) -> list[Service]:
    """The services answering `query`: the bot's own fuzzy search first (typos forgiven, as a citizen's
    question is), then every service whose wording contains each typed word, in the catalog's order."""
    office = access.runtime().offices.get(slug)
    search = _catalogs().search(office) if office else None
    ranked = [hit.key for hit in search.search(query).hits] if search else []
    words = query.casefold().split()
    units = {unit.slug: unit for unit in book.units}
    ranked += [s.id for s in book.services if all(w in _wording(s, units[s.unit]) for w in words)]
    return [book.service(key) for key in dict.fromkeys(ranked)]


@bp.get("/catalog")
@access.require(PERMISSION)
def catalog():
    query = " ".join(request.args.get("q", "").split())[:SEARCH_MAX]
    books = []
    for slug in access.office_slugs():
        book = _catalog(slug)
        units = [(unit, book.services_in(unit.slug)) for unit in book.units] if book else []
        found = find_services(slug, book, query) if book and query else []
        books.append({"slug": slug, "catalog": book, "units": units, "found": found})
    return render_template("dashboard/catalog.html", tc=tc, books=books, q=query,
                           unit_of=lambda book, service: book.unit(service.unit).name)


@bp.get("/catalog/<office>/<service_id>")
@access.require(PERMISSION)
def catalog_service(office: str, service_id: str):
    access.check_office(office)
    book = _catalog(office)
    if book is None:
        abort(404)
    try:
        service = book.service(service_id)
        unit = book.unit(service.unit)
    except KeyError:
        abort(404)
    extras = [(name, as_items(getattr(service, name))) for name in EXTRA_FIELDS if getattr(service, name)]
    return render_template("dashboard/catalog_service.html", tc=tc, office=office, book=book, service=service,
                           unit=unit, extras=extras)
