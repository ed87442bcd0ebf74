"""A dashboard list as an XLSX workbook in the house style of the IKM workbook (bot/dashboard/survey_xlsx.py):
a bold title, (caption, value) heading lines, then one boxed table with a bold header row.

The caller gives the cells as they should read (labels in the dashboard's language, NIKs masked, the
reporter as the viewer may see them); this module only lays them out. Every text cell is typed as text, so a
citizen's words starting with "=" stay words, never a formula (the CSV prefixes an apostrophe instead).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter

MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
THIN = Side(style="thin", color="888888")
BOX = Border(left=THIN, right=THIN, top=THIN, bottom=THIN)
BOLD = Font(bold=True)
SHEET_TITLE_MAX = 31  # Excel's limit on a sheet's name
WIDTH_MAX = 60        # characters: longer texts wrap instead of widening the column


def workbook(*, sheet: str, title: str, heading: Sequence[tuple[str, object]], header: Sequence[str],
             rows: Iterable[Sequence[object]]) -> Workbook:
    """One sheet named `sheet`: `title`, the `heading` lines, a blank line, then `header` over `rows`."""
    book = Workbook()
    table = book.active
    table.title = sheet[:SHEET_TITLE_MAX]
    table.append([title])
    table["A1"].font = Font(bold=True, size=13)
    for caption, value in heading:
        table.append([caption, value])
        table.cell(table.max_row, 1).font = BOLD
    table.append([])
    table.append(list(header))
    header_row = table.max_row
    for cell in table[header_row]:
        cell.font, cell.border = BOLD, BOX
        cell.alignment = Alignment(vertical="top", wrap_text=True)
    widths = [len(str(name)) for name in header]
    for values in rows:
        table.append([None] * len(header))
        for column, value in enumerate(values, start=1):
            cell = table.cell(table.max_row, column)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # text stays text, whatever it starts with
            cell.border = BOX
            cell.alignment = Alignment(vertical="top", wrap_text=True)
            widths[column - 1] = max(widths[column - 1], min(WIDTH_MAX, len(str(value or ""))))
    for column, width in enumerate(widths, start=1):
        table.column_dimensions[get_column_letter(column)].width = max(8, width + 2)
    table.freeze_panes = table.cell(header_row + 1, 1)
    return book


def to_bytes(book: Workbook) -> bytes:
    buffer = BytesIO()
    book.save(buffer)
    return buffer.getvalue()
