"""The complaint queue as XLSX (issue 20, item 4), opened with openpyxl: the same table as the CSV, in the
dashboard's language, masked as on screen (a confidential reporter only for the complaint handlers, an
anonymous one for nobody, a NIK never), a citizen's "=" text kept as text, the filters followed, and
another office's staff given none of this office's rows."""

from __future__ import annotations

import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from bot.models.staff import AuditEvent
from tests.support.dashboard import OFFICE, OTHER_OFFICE, signed_in
from tests.support.whatsapp import CITIZEN
from tests.test_dashboard_complaint_search import ANONYMOUS, NIK, OPEN, _ticket, filed  # noqa: F401 (fixture)

XLSX = "/dashboard/complaints/export.xlsx"
HEADER = ["Nomor tiket", "Kantor", "Kategori", "Unit", "Status", "Diterima", "Umur (hari kerja)", "Lewat target",
          "Rahasia", "Identitas pelapor", "Nama pelapor", "Nomor WhatsApp pelapor (tersamar)", "Uraian pengaduan",
          "Catatan terakhir untuk pelapor"]


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def _sheet(member, **args):
    response = member.get(XLSX, query_string=args)
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert response.headers["Content-Disposition"].startswith('attachment; filename="pengaduan_')
    book = load_workbook(io.BytesIO(response.get_data()))
    assert len(book.worksheets) == 1
    return book.active, response.get_data()


def _table(sheet) -> tuple[list[str], dict[str, dict[str, object]], list]:
    """The header row (the first row whose first cell is the ticket's label) and the rows under it by ticket."""
    rows = list(sheet.iter_rows(values_only=True))
    at = next(i for i, row in enumerate(rows) if row[0] in ("Nomor tiket", "Ticket"))
    header = list(rows[at])
    # An empty cell reads back as None (openpyxl writes no empty strings).
    table = {row[0]: {h: "" if v is None else v for h, v in zip(header, row, strict=True)} for row in rows[at + 1:]}
    return header, table, rows[:at]


def test_the_handler_sees_every_reporter_as_on_screen_in_indonesian(app, runtime, filed):  # noqa: F811
    handler = signed_in(app, runtime, "handler1", "handler")
    sheet, raw = _sheet(handler)
    assert sheet.title == "Pengaduan"
    header, table, heading = _table(sheet)
    assert header == HEADER
    assert heading[0][0] == "Pengaduan masyarakat"
    captions = {row[0]: row[1] for row in heading[1:] if row and row[0]}
    assert captions["Kantor"] == "Kejaksaan Negeri Klungkung" and captions["Status"] == "Belum selesai"
    assert captions["Jumlah pengaduan"] == 3 and str(captions["Diunduh"]).endswith("WITA")
    assert set(table) == {_ticket(runtime, filed[k]) for k in ("confidential", "anonymous", "open")}

    confidential = table[_ticket(runtime, filed["confidential"])]
    assert (confidential["Rahasia"], confidential["Identitas pelapor"], confidential["Nama pelapor"]) == (
        "ya", "dirahasiakan", "Ni Made Ayu")
    assert confidential["Nomor WhatsApp pelapor (tersamar)"] == "+62*****0001"
    assert confidential["Status"] == "Diterima" and confidential["Diterima"].endswith("WITA")
    assert confidential["Umur (hari kerja)"] == 0  # a number, not text
    anonymous = table[_ticket(runtime, filed["anonymous"])]
    assert (anonymous["Identitas pelapor"], anonymous["Nama pelapor"]) == ("anonim", "")
    open_ = table[_ticket(runtime, filed["open"])]
    assert open_["Identitas pelapor"] == "terbuka" and open_["Nama pelapor"] == "Wayan Sudra"
    # A citizen's "=..." is text in the sheet (no apostrophe needed, no formula), and the NIK is masked.
    assert open_["Uraian pengaduan"].startswith('=HYPERLINK("x") NIK saya 5171')
    cell = next(c for row in sheet.iter_rows() for c in row if c.value == open_["Uraian pengaduan"])
    assert cell.data_type == "s"
    every = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert not any(NIK in v or CITIZEN in v or ANONYMOUS in v or OPEN in v for v in every)
    assert NIK.encode() not in raw

    with runtime.db.session() as s:
        audit = s.scalars(select(AuditEvent).where(AuditEvent.action == "export",
                                                   AuditEvent.subject_type == "complaints")).one()
    assert audit.actor_username == "handler1" and audit.detail["format"] == "xlsx" and audit.detail["results"] == 3


@pytest.mark.parametrize(("role", "office"), [("admin", None), ("desk", OFFICE)])
def test_others_see_no_confidential_reporter_and_desks_no_names_at_all(app, runtime, filed, role, office):  # noqa: F811
    member = signed_in(app, runtime, f"{role}1", role, office)
    sheet, _ = _sheet(member)
    _, table, _ = _table(sheet)
    hidden = table[_ticket(runtime, filed["confidential"])]
    assert (hidden["Identitas pelapor"], hidden["Nama pelapor"], hidden["Nomor WhatsApp pelapor (tersamar)"]) == (
        "dirahasiakan", "", "")
    open_ = table[_ticket(runtime, filed["open"])]
    if role == "desk":  # a desk officer reads the queue without any reporter's identity, as on screen
        assert (open_["Identitas pelapor"], open_["Nama pelapor"]) == ("hanya untuk pengelola pengaduan", "")
    else:
        assert open_["Nama pelapor"] == "Wayan Sudra"
    every = [str(v) for row in sheet.iter_rows(values_only=True) for v in row if v is not None]
    assert not any("Ni Made Ayu" in v or "+62*****0001" in v for v in every)


def test_the_filters_and_the_language_follow_the_page(app, runtime, filed):  # noqa: F811
    handler = signed_in(app, runtime, "handler1", "handler")
    page = handler.get("/dashboard/complaints?q=parkir").get_data(as_text=True)
    assert 'href="/dashboard/complaints/export.xlsx?status=&amp;q=parkir"' in page or \
        'href="/dashboard/complaints/export.xlsx?q=parkir"' in page
    _, table, heading = _table(_sheet(handler, q="parkir")[0])
    assert list(table) == [_ticket(runtime, filed["confidential"])]
    assert ("Pencarian", "parkir") in [tuple(row[:2]) for row in heading if row]
    assert _table(_sheet(handler, status="closed")[0])[1] == {}

    handler.post("/dashboard/lang", {"lang": "en", "next": "/dashboard/complaints"})
    sheet, _ = _sheet(handler, q="parkir")
    assert sheet.title == "Complaints"
    [row] = _table(sheet)[1].values()
    assert row["Ticket"] and row["Status"] == "Received" and row["Confidential"] == "yes"
    assert row["Reporter's identity"] == "confidential"


@pytest.mark.parametrize(("role", "office", "status"), [("viewer", OFFICE, 403), ("desk", OTHER_OFFICE, 200),
                                                        ("handler", OTHER_OFFICE, 200)])
def test_roles_and_another_office(app, runtime, filed, role, office, status):  # noqa: F811
    member = signed_in(app, runtime, f"{role}2", role, office)
    response = member.get(XLSX)
    assert response.status_code == status
    if status == 200:
        _, table, _ = _table(load_workbook(io.BytesIO(response.get_data())).active)
        assert list(table) == [_ticket(runtime, filed["other"])]
