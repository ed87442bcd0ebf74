"""Waktu layanan tamu: each office's visits of one month against its own Standar Pelayanan (issue 20 §6).

The share of visits within the standard, the median and the 90th percentile, for arrival → meeting or
refusal and arrival → check-out, for the office, by host and by unit; two server-drawn charts; and the
XLSX. The rules (what is measured, from which timestamps) live in bot/visits/standard.py; this module
picks the office and month, formats and audits. Who may open the guest book may open this (the desk and
admins), for the offices they see: another office's is 404, as the guest book's records are.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from flask import Response, abort, render_template, request
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from bot import clock
from bot.clock import as_utc
from bot.dashboard import audit as audit_log
from bot.dashboard import table_xlsx, visit_times_chart
from bot.offices import Office
from bot.visits import standard
from handlers.dashboard import NAV, NavItem, access, bp
from handlers.dashboard.formats import number
from handlers.dashboard.views import guestbook as guestbook_pages

PERMISSION = guestbook_pages.PERMISSION  # who sees the guest book sees how long its guests waited
NAV.append(NavItem("dashboard.visit_times", "nav.visit_times", PERMISSION, order=16))


def vx(key: str, **values: Any) -> str:
    """A visit-times string in the current language (config/messages/dashboard_visit_times/<lang>.yaml)."""
    return access.runtime().messages.text(access.lang(), f"visit_times.{key}", **values)


def month_label(month: date) -> str:
    names = vx("month_names").split(",")
    return vx("month", name=names[month.month - 1], year=month.year)


def minutes(value: float | None) -> str:
    """`12,5 menit`; "-" when nothing was measured."""
    return vx("no_value") if value is None else vx("minutes", minutes=number(value, 1))


def share(stats: standard.Stats) -> str:
    """`83,3 %`; "-" without a standard or without measured visits."""
    found = stats.share
    return vx("no_value") if found is None else vx("share", share=number(float(found) * 100, 1))


YEARS = range(2000, 2101)  # a month picker's plausible years (9999-12 would overflow the month's end)


def _month(raw: str | None, today: date) -> date:
    """`2026-11` → its first day; anything else is the office's current month."""
    try:
        year, month = (int(part) for part in (raw or "").split("-"))
        if year in YEARS:
            return date(year, month, 1)
    except ValueError:
        pass
    return today.replace(day=1)


def _office() -> Office:
    slugs = access.office_slugs()
    slug = request.args.get("office") or (slugs[0] if slugs else "")
    if slug not in slugs:
        abort(404)
    office = access.runtime().offices.get(slug)
    if office is None:
        abort(404)
    return office


def _report() -> standard.MonthReport:
    office = _office()
    month = _month(request.args.get("month"), office.local(clock.now()).date())
    with access.runtime().db.session() as s:
        return standard.month_report(s, office, month, nobody=vx("nobody"))


def _args(report: standard.MonthReport) -> dict[str, str]:
    return {"office": report.office.slug, "month": report.month.strftime("%Y-%m")}


@bp.get("/visit-times")
@access.require(PERMISSION)
def visit_times():
    report = _report()
    total = report.total
    waits = [r.measure.wait for r in report.rows if r.measure.wait is not None]
    stays = [r.measure.stay for r in report.rows if r.measure.stay is not None]
    limit = report.standard.minutes if report.standard else None
    access.audit(audit_log.VIEW, "visit_times", None, report.office.slug,
                 detail={**_args(report), "visits": total.visits})
    return render_template(
        "dashboard/visit_times.html", vx=vx, report=report, total=total, args=_args(report),
        month_label=month_label(report.month), minutes=minutes, share=share,
        wait_chart=visit_times_chart.histogram(waits, limit), stay_chart=visit_times_chart.histogram(stays, limit),
        office_choices=[o for o in (access.runtime().offices.get(s) for s in access.office_slugs()) if o])


# -- the XLSX ----------------------------------------------------------------------------------------
def _figures(stats: standard.Stats) -> list[object]:
    """Numbers as numbers (the spreadsheet shows its own decimal separator); a blank where none."""
    found = stats.share
    return [stats.measured, stats.within, None if found is None else round(float(found) * 100, 1),
            None if stats.median is None else round(stats.median, 1),
            None if stats.p90 is None else round(stats.p90, 1)]


def _local(office: Office, moment: datetime | None) -> str:
    """`23-11-2026 10:05 WITA`: the office's clock, as the guest book's export writes it."""
    return f"{office.local(as_utc(moment)).strftime('%d-%m-%Y %H:%M')} {office.zone_abbr}" if moment else ""


def _ok(duration, report: standard.MonthReport) -> str:
    if duration is None or report.standard is None:
        return ""
    return vx("xlsx.answer_yes") if standard.within(duration, report.standard) else vx("xlsx.answer_no")


def _table(sheet, header: list[str], rows: list[list[object]]) -> None:
    """A boxed table with a bold header in table_xlsx's house style, on a second sheet of the same book."""
    sheet.append(header)
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font, cell.border, cell.alignment = table_xlsx.BOLD, table_xlsx.BOX, Alignment(wrap_text=True)
    for values in rows:
        sheet.append(values)
        for cell in sheet[sheet.max_row]:
            cell.border = table_xlsx.BOX
            if isinstance(cell.value, str):
                cell.data_type = "s"  # a name typed on the dashboard stays text, never a formula
            elif isinstance(cell.value, float):
                cell.number_format = "0.0"
    for column, name in enumerate(header, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = max(10, min(30, len(name) + 2))
    sheet.freeze_panes = sheet.cell(header_row + 1, 1)


def workbook(report: standard.MonthReport):
    """Sheet 1 the figures (office, hosts, units); sheet 2 one row per measured visit (no guest's name:
    the visit code finds it in the guest book)."""
    office = report.office
    heading = [(vx("xlsx.office"), office.name), (vx("xlsx.month"), month_label(report.month)),
               (vx("xlsx.zone"), office.zone_abbr),
               (vx("xlsx.standard"), report.standard.minutes if report.standard else vx("xlsx.no_standard")),
               (vx("xlsx.source"), report.standard.source if report.standard else vx("xlsx.no_standard")),
               (vx("xlsx.arrived"), report.total.visits), (vx("xlsx.never_arrived"), report.never_arrived)]
    header = [vx("xlsx.kind"), vx("xlsx.name"), vx("col.visits"),
              *(vx(f"xlsx.{m}_{c}") for m in ("wait", "stay") for c in ("measured", "within", "share", "median",
                                                                          "p90"))]
    groups = [(vx("xlsx.total"), report.total)] + [(vx("xlsx.host"), g) for g in report.by_host] \
        + [(vx("xlsx.unit"), g) for g in report.by_unit]
    rows = [[kind, g.label, g.visits, *_figures(g.wait), *_figures(g.stay)] for kind, g in groups]
    book = table_xlsx.workbook(sheet=vx("xlsx.sheet"), title=vx("xlsx.title"), heading=heading, header=header,
                               rows=rows)
    summary = book.active
    first = summary.max_row - len(rows) + 1
    for row in summary.iter_rows(min_row=first, min_col=4):
        for cell in row:
            if isinstance(cell.value, float):
                cell.number_format = "0.0"
    sheet = book.create_sheet(vx("xlsx.visits_sheet")[:table_xlsx.SHEET_TITLE_MAX])
    sheet.append([vx("xlsx.title")])
    sheet["A1"].font = Font(bold=True, size=13)
    for caption, value in heading[:3]:
        sheet.append([caption, value])
        sheet.cell(sheet.max_row, 1).font = table_xlsx.BOLD
    sheet.append([])
    _table(sheet, [vx("xlsx.code"), vx("xlsx.host"), vx("xlsx.unit"), vx("xlsx.arrived_at"), vx("xlsx.answered_at"),
                   vx("xlsx.outcome"), vx("xlsx.wait_minutes"), vx("xlsx.wait_ok"), vx("xlsx.left_at"),
                   vx("xlsx.stay_minutes"), vx("xlsx.stay_ok")],
           [[r.visit.code, r.visit.host_name or "", office.unit_name(r.visit.unit) or r.visit.unit or "",
             _local(office, r.measure.arrived_at), _local(office, r.measure.wait_end),
             vx(f"outcomes.{r.measure.outcome}"),
             None if r.measure.wait is None else round(r.measure.wait.total_seconds() / 60, 1),
             _ok(r.measure.wait, report), _local(office, r.measure.left_at),
             None if r.measure.stay is None else round(r.measure.stay.total_seconds() / 60, 1),
             _ok(r.measure.stay, report)] for r in report.rows])
    return book


@bp.get("/visit-times.xlsx")
@access.require(PERMISSION)
def visit_times_export():
    report = _report()
    book = workbook(report)
    access.audit("export", "visit_times", None, report.office.slug,
                 detail={**_args(report), "visits": report.total.visits, "format": "xlsx"})
    name = f"waktu-layanan-{report.office.slug}-{report.month.strftime('%Y-%m')}.xlsx"
    return Response(table_xlsx.to_bytes(book), mimetype=table_xlsx.MIMETYPE,
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
