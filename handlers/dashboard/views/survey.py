"""The SKM report (IKM, PermenPANRB 14/2017) per office, unit, service and period: respondents,
NRR per element, IKM and its band, a server-drawn SVG chart, the suggestions, and the XLSX
tabulation. Read-only; suggestions are citizens' free text, so the page and the export are audited.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from flask import Response, abort, render_template, request

from bot import clock
from bot.catalog import Catalog
from bot.dashboard import audit as audit_log
from bot.dashboard import survey_chart, survey_profile, survey_xlsx
from bot.dashboard.roles import Role, grant
from bot.offices import Office
from bot.survey import ikm, report
from bot.survey.service import EVENT_KINDS
from handlers.dashboard import NAV, NavItem, access, bp

VIEW = "survey"
SUGGESTIONS = "survey.suggestions"  # the citizens' free text; read-only viewers see only how many there are
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

grant(VIEW, Role.HANDLER, Role.DESK, Role.VIEWER)
grant(SUGGESTIONS, Role.HANDLER, Role.DESK)
NAV.append(NavItem("dashboard.survey_report", "nav.survey", VIEW, order=30))


def tx(key: str, **values: Any) -> str:
    """A survey-report string in the current language (config/messages/dashboard_survey)."""
    return access.runtime().messages.text(access.lang(), f"survey_page.{key}", **values)


@dataclass(frozen=True)
class Query:
    office: Office
    start: date
    end: date  # inclusive
    unit: str | None
    service: str | None
    event_kind: str | None
    catalog: Catalog | None

    def args(self) -> dict[str, str]:
        found = {"office": self.office.slug, "date_from": self.start.isoformat(), "date_to": self.end.isoformat()}
        found.update({k: v for k, v in (("unit", self.unit), ("service", self.service),
                                         ("event", self.event_kind)) if v})
        return found

    def bounds(self) -> tuple[datetime, datetime]:
        """[start, end) in UTC: local midnights of the office."""
        zone = self.office.zone
        start = datetime.combine(self.start, time(0), tzinfo=zone)
        end = datetime.combine(self.end + timedelta(days=1), time(0), tzinfo=zone)
        return clock.as_utc(start), clock.as_utc(end)


def _date(raw: str | None) -> date | None:
    try:
        return date.fromisoformat(raw) if raw else None
    except ValueError:
        return None


def _query() -> Query:
    slugs = access.office_slugs()
    if not slugs:
        abort(404)
    slug = request.args.get("office") or slugs[0]
    if slug not in slugs:
        abort(404)
    office = access.runtime().offices.get(slug)
    if office is None:
        abort(404)
    today = office.local(clock.now()).date()
    start = _date(request.args.get("date_from")) or today.replace(day=1)
    end = _date(request.args.get("date_to")) or today
    if end < start:
        start, end = end, start
    catalog = access.runtime().deps.catalogs.catalog(office)
    units = {u.slug for u in office.units} | ({u.slug for u in catalog.units} if catalog else set())
    unit = request.args.get("unit") or None
    unit = unit if unit in units else None
    service = request.args.get("service") or None
    service_ids = {s.id for s in catalog.services} if catalog else set()
    service = service if service in service_ids else None
    event_kind = request.args.get("event") or None
    event_kind = event_kind if event_kind in EVENT_KINDS else None
    return Query(office, start, end, unit, service, event_kind, catalog)


def _build(q: Query) -> report.Report:
    start, end = q.bounds()
    with access.runtime().db.session() as s:
        return report.build(s, q.office.slug, start, end, unit=q.unit, service=q.service, event_kind=q.event_kind,
                            catalog=q.catalog)


def _unit_name(q: Query, slug: str | None) -> str:
    if not slug:
        return ""
    for unit in q.office.units:
        if unit.slug == slug:
            return unit.name
    if q.catalog:
        for unit in q.catalog.units:
            if unit.slug == slug:
                return unit.name
    return slug


def _service_name(q: Query, service_id: str | None) -> str:
    if not service_id or q.catalog is None:
        return service_id or ""
    return next((s.name for s in q.catalog.services if s.id == service_id), service_id)


def _unit_choices(q: Query) -> list[tuple[str, str]]:
    seen = {u.slug: u.name for u in q.office.units}
    if q.catalog:
        for unit in q.catalog.units:
            seen.setdefault(unit.slug, unit.name)
    return sorted(seen.items(), key=lambda item: item[1])


def _service_choices(q: Query) -> list[tuple[str, str]]:
    if q.catalog is None:
        return []
    services = [s for s in q.catalog.services if not q.unit or s.unit == q.unit]
    return sorted(((s.id, s.name) for s in services), key=lambda item: item[1])


def band_label(grade: str) -> str:
    return tx(f"band.{grade}")


def _profile_label(key: str) -> str:
    """A profile question's title or "not given" (this page's catalog), or an answer as the survey asked it."""
    if key == "none" or key.startswith("field."):
        return tx(f"profile.{key}")
    return access.runtime().messages.text(access.lang(), f"survey.profile.{key}")


@bp.get("/survey")
@access.require(VIEW)
def survey_report():
    q = _query()
    built = _build(q)
    result = built.result
    chart = survey_chart.nrr_chart(result.nrr)
    access.audit(audit_log.VIEW, "survey_report", None, q.office.slug,
                 detail={**q.args(), "respondents": result.respondents})
    return render_template(
        "dashboard/survey_report.html", tx=tx, q=q, report=built, result=result, chart=chart,
        elements=list(enumerate(ikm.ELEMENTS, start=1)), nrr=result.nrr_rounded(), weighted=result.weighted(),
        band=result.band, band_label=band_label, units=_unit_choices(q), services=_service_choices(q),
        event_kinds=EVENT_KINDS, unit_name=_unit_name(q, q.unit), service_name=_service_name(q, q.service),
        office_choices=[access.runtime().offices.get(s) for s in access.office_slugs()],
        may_read=access.can(SUGGESTIONS), profile=survey_profile.profile(built, _profile_label))


@bp.get("/survey/export.xlsx")
@access.require(VIEW)
def survey_export():
    q = _query()
    built = _build(q)
    heading = [(tx("xlsx.office"), q.office.name)]
    if q.unit:
        heading.append((tx("xlsx.unit"), _unit_name(q, q.unit)))
    if q.service:
        heading.append((tx("xlsx.service"), _service_name(q, q.service)))
    if q.event_kind:
        heading.append((tx("xlsx.event"), tx(f"event.{q.event_kind}")))
    heading.append((tx("xlsx.period"), tx("period", start=q.start.strftime("%d-%m-%Y"),
                                          end=q.end.strftime("%d-%m-%Y"))))
    book = survey_xlsx.workbook(built, label=tx, heading=heading, suggestions=access.can(SUGGESTIONS),
                                profile=survey_profile.profile(built, _profile_label))
    access.audit("export", "survey_report", None, q.office.slug,
                 detail={**q.args(), "respondents": built.result.respondents, "format": "xlsx"})
    name = f"ikm-{q.office.slug}-{q.start.isoformat()}-{q.end.isoformat()}.xlsx"
    return Response(survey_xlsx.to_bytes(book), mimetype=XLSX,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
