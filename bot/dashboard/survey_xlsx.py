"""The IKM report as an XLSX workbook laid out like PermenPANRB 14/2017's tabulation:
one row per respondent with the answers to U1..U9, then Σ nilai per unsur, NRR per unsur,
NRR tertimbang per unsur (NRR × 1/9), the sum of the weighted NRR, the IKM of the unit
(× 25) and its mutu pelayanan. A second sheet gives the respondents' profile (gender, age band, education,
occupation: count and share, as the regulation's report does); a third lists the suggestions (NIK-like
numbers masked).

Numbers are written as numbers (exact values, shown with two or three decimals), so the sheet can
be recomputed; text comes from the caller's `label` function (the dashboard catalog).
"""

from __future__ import annotations

from collections.abc import Callable
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

from bot.dashboard.survey_profile import ProfileGroup
from bot.masking import mask_nik
from bot.survey import ikm
from bot.survey.report import Report

THIN = Side(style="thin", color="888888")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)


def workbook(report: Report, *, label: Callable[..., str], heading: list[tuple[str, str]],
             suggestions: bool = True, profile: list[ProfileGroup] | None = None) -> Workbook:
    """`heading`: (caption, value) lines above the table (office, unit, service, period);
    `suggestions`: whether the reader may see the citizens' free text (else the sheet is left out);
    `profile`: the respondents' profile (bot/dashboard/survey_profile.py), a sheet of its own when given."""
    book = Workbook()
    sheet = book.active
    sheet.title = label("xlsx.sheet")
    sheet.append([label("xlsx.title")])
    sheet["A1"].font = Font(bold=True, size=13)
    for caption, value in heading:
        sheet.append([caption, value])
    sheet.append([label("xlsx.respondents"), report.result.respondents])
    sheet.append([])
    columns = [f"U{i + 1}" for i in range(len(ikm.ELEMENTS))]
    sheet.append([label("xlsx.respondent_no"), *columns])
    header_row = sheet.max_row
    for cell in sheet[header_row]:
        cell.font, cell.border, cell.alignment = BOLD, BOX, Alignment(horizontal="center")
    for respondent in report.respondents:
        sheet.append([respondent.number, *(respondent.answers[e] for e in ikm.ELEMENTS)])
        for cell in sheet[sheet.max_row]:
            cell.border = BOX
    result = report.result
    n = len(report.respondents)
    totals = [sum(r.answers[e] for r in report.respondents) for e in ikm.ELEMENTS]
    sheet.append([label("xlsx.sum"), *totals])
    sum_row = sheet.max_row
    if n:
        nrr = [float(result.nrr[e]) for e in ikm.ELEMENTS]
        weighted = [float(w) for w in (result.weighted()[e] for e in ikm.ELEMENTS)]
        sheet.append([label("xlsx.nrr"), *nrr])
        nrr_row = sheet.max_row
        sheet.append([label("xlsx.nrr_weighted"), *weighted])
        weighted_row = sheet.max_row
        sheet.append([label("xlsx.nrr_weighted_total"), float(result.weighted_total)])
        total_row = sheet.max_row
        sheet.append([label("xlsx.ikm"), float(result.ikm)])
        ikm_row = sheet.max_row
        band = result.band
        sheet.append([label("xlsx.band"), f"{band.grade} ({label('band.' + band.grade)})"])
        band_row = sheet.max_row
        for row in (nrr_row,):
            for cell in sheet[row][1:]:
                cell.number_format = "0.00"
        for cell in sheet[weighted_row][1:]:
            cell.number_format = "0.000"
        sheet.cell(total_row, 2).number_format = "0.000"
        sheet.cell(ikm_row, 2).number_format = "0.00"
        for row in range(sum_row, band_row + 1):
            sheet.cell(row, 1).font = BOLD
            for cell in sheet[row]:
                cell.border = BOX
    else:
        sheet.append([label("xlsx.empty")])
    sheet.append([])
    sheet.append([label("xlsx.legend")])
    sheet.cell(sheet.max_row, 1).font = BOLD
    for index, element in enumerate(ikm.ELEMENTS):
        sheet.append([f"U{index + 1}", label(f"element.{element}")])
    sheet.append([])
    sheet.append([label("xlsx.bands")])
    sheet.cell(sheet.max_row, 1).font = BOLD
    for band in ikm.BANDS:
        sheet.append([band.grade, label("band." + band.grade), f"{band.lower} – {ikm.upper_of(band)}"])
    sheet.column_dimensions["A"].width = 30
    for index in range(2, len(columns) + 2):
        sheet.column_dimensions[get_column_letter(index)].width = 10

    if profile is not None:
        _profile_sheet(book, profile, label, report.result.respondents)
    if not suggestions:
        return book
    notes = book.create_sheet(label("xlsx.suggestions_sheet"))
    notes.append([label("xlsx.respondent_no"), label("xlsx.suggestion")])
    for cell in notes[1]:
        cell.font = BOLD
    for respondent in report.respondents:
        if respondent.suggestion:
            notes.append([respondent.number, None])
            cell = notes.cell(notes.max_row, 2)
            cell.value = mask_nik(respondent.suggestion)
            cell.data_type = "s"  # a citizen's text starting with "=" stays text, never a formula
    notes.column_dimensions["B"].width = 90
    return book


def _profile_sheet(book: Workbook, profile: list[ProfileGroup], label: Callable[..., str], total: int) -> None:
    """Per question, each answer's respondents and share (a number shown as a percentage)."""
    sheet = book.create_sheet(label("xlsx.profile_sheet"))
    sheet.append([label("xlsx.profile_title")])
    sheet["A1"].font = Font(bold=True, size=13)
    sheet.append([label("xlsx.respondents"), total])
    sheet.append([])
    sheet.append([label("profile.col.field"), label("profile.col.answer"), label("profile.col.count"),
                  label("profile.col.share")])
    for cell in sheet[sheet.max_row]:
        cell.font, cell.border = BOLD, BOX
    for group in profile:
        for index, row in enumerate(group.rows):
            sheet.append([group.title if index == 0 else None, row.label, row.count, float(row.share)])
            sheet.cell(sheet.max_row, 4).number_format = "0.00%"
            for cell in sheet[sheet.max_row]:
                cell.border = BOX
    sheet.column_dimensions["A"].width = 22
    sheet.column_dimensions["B"].width = 28


def to_bytes(book: Workbook) -> bytes:
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
