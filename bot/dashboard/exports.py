"""What every CSV the dashboard hands out shares: typed text a spreadsheet will not run as a formula (CSV
injection), a NIK in it masked, and the byte-order mark Excel needs to read UTF-8."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence

from flask import Response

from bot.masking import mask_nik

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def cell(value: object) -> str:
    """Text someone typed, safe in a spreadsheet: never a formula, any NIK in it masked."""
    text = "" if value is None else mask_nik(str(value))
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_response(header: Sequence[str], rows: Iterable[Sequence[object]], filename: str) -> Response:
    """A CSV download (UTF-8 with BOM) of `rows` under `header`; the cells are written as given."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    response = Response("\ufeff" + out.getvalue(), mimetype="text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
