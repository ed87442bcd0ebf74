"""A DOCX Standar Pelayanan as the lines the text parser reads (python-docx).

Word keeps list numbers and heading levels in styles, not in the text, so they are written back
in: "Heading 1"/"Title" become "# …", numbered list paragraphs "1." / "a.", bullets "•". Tables
come out as tab-separated rows, like the tables saved in the seeds: a row whose label cell names a
component ("2 | Persyaratan | …") keeps its cell paragraphs apart with <p> (the parser's paragraph
mark); other rows (a procedure table with No / Kegiatan / … / Waktu / Output) become one line each.
"""

from __future__ import annotations

from pathlib import Path

from docx import Document
from docx.table import Table
from docx.text.paragraph import Paragraph

from bot.catalog.standar import label_field

_HEADING_LEVELS = {"Title": 1, "Heading 1": 1, "Heading 2": 2, "Heading 3": 3}


class _Lists:
    """Running numbers of Word's automatic lists, reset by any paragraph outside a list."""

    def __init__(self):
        self.counts = [0, 0]

    def marker(self, paragraph: Paragraph) -> str:
        style = paragraph.style.name if paragraph.style is not None else ""
        num_pr = paragraph._p.pPr.numPr if paragraph._p.pPr is not None else None
        if not style.startswith("List") and num_pr is None:
            self.counts = [0, 0]
            return ""
        level = 1 if style.endswith((" 2", " 3")) else 0
        if num_pr is not None and num_pr.ilvl is not None and num_pr.ilvl.val:
            level = 1
        if "Bullet" in style:  # two kinds of marks, so that sub-items nest under their item
            return "-" if level else "•"
        if level == 0:
            self.counts = [self.counts[0] + 1, 0]
            return f"{self.counts[0]}."
        self.counts[1] += 1
        return f"{chr(96 + min(self.counts[1], 26))}."


def _paragraph_line(paragraph: Paragraph, lists: _Lists) -> str:
    text = " ".join(paragraph.text.split())
    style = paragraph.style.name if paragraph.style is not None else ""
    if style in _HEADING_LEVELS:
        lists.counts = [0, 0]
        return f"{'#' * _HEADING_LEVELS[style]} {text}" if text else ""
    marker = lists.marker(paragraph)
    return f"{marker} {text}" if marker and text else text


def _cell_paragraphs(cell) -> list[str]:
    lists = _Lists()
    return [line for p in cell.paragraphs if (line := _paragraph_line(p, lists))]


def _unique_cells(row) -> list:
    # Merged cells repeat in python-docx's row.cells; keep each once.
    out, seen = [], set()
    for cell in row.cells:
        if id(cell._tc) not in seen:
            seen.add(id(cell._tc))
            out.append(cell)
    return out


def _table_lines(table: Table) -> list[str]:
    lines = []
    for row in table.rows:
        cells = [_cell_paragraphs(c) for c in _unique_cells(row)]
        texts = [" ".join(c) for c in cells]
        label_at = next((i for i, t in enumerate(texts[:2]) if t and not t.rstrip(".").isdigit()), None)
        if label_at is not None and label_field(texts[label_at]) and len(texts[label_at].split()) <= 8:
            value = "".join(f"<p>{p}</p>" for c in cells[label_at + 1:] for p in c)
            lines.append("\t".join([*texts[:label_at + 1], value]))
        elif any(texts):
            lines.append("\t".join(texts))
    return lines


def docx_lines(path: Path) -> list[str]:
    """Paragraphs and tables in document order."""
    document = Document(str(path))
    lines: list[str] = []
    lists = _Lists()
    for block in document.iter_inner_content():
        if isinstance(block, Table):
            lines.extend(_table_lines(block))
            lists = _Lists()
        else:
            lines.append(_paragraph_line(block, lists))
    return lines
