"""Finding and exporting complaints (issue 20, item 4): search by ticket, reporter's number or words,
and the CSV export of the queue as filtered, in the dashboard's language, masked as on screen, with a
confidential reporter hidden from everyone but the complaint handlers and an anonymous one from all."""

from __future__ import annotations

import csv
import io

import pytest
from sqlalchemy import select

from bot.models.complaints import Complaint
from bot.models.staff import AuditEvent
from tests.support.dashboard import OFFICE, OTHER_OFFICE, signed_in
from tests.support.whatsapp import CITIZEN
from tests.test_dashboard_complaints import file

NIK = "5171010101900001"
ANONYMOUS = "+6281234500002"
OPEN = "+6281234500003"


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


@pytest.fixture
def filed(runtime) -> dict[str, int]:
    """Three complaints of OFFICE (confidential, anonymous, open) and one of another office."""
    ids = {
        "confidential": file(runtime, reporter_name="Ni Made Ayu", confidential=True,
                             description="Petugas meminta uang parkir."),
        "anonymous": file(runtime, phone=ANONYMOUS, anonymous=True, description="Loket tutup jam 11."),
        "open": file(runtime, phone=OPEN, reporter_name="Wayan Sudra",
                     description=f"=HYPERLINK(\"x\") NIK saya {NIK}, antrean lama."),
        "other": file(runtime, office=OTHER_OFFICE, phone="+6281234500004", description="Antrean lama di Alor."),
    }
    return ids


def _ticket(runtime, complaint_id: int) -> str:
    with runtime.db.session() as s:
        return s.get(Complaint, complaint_id).ticket


def _queue(member, query: str) -> str:
    page = member.get("/dashboard/complaints", query_string={"q": query}).get_data(as_text=True)
    return page.split('id="complaint-queue"')[1].split("</table>")[0] if 'id="complaint-queue"' in page else ""


def _export(member, **args) -> list[dict[str, str]]:
    response = member.get("/dashboard/complaints/export.csv", query_string=args)
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def test_search_by_ticket_words_or_number_within_the_office(app, runtime, filed):
    handler = signed_in(app, runtime, "handler1", "handler")
    open_ticket = _ticket(runtime, filed["open"])
    assert open_ticket in _queue(handler, open_ticket.lower())
    assert _queue(handler, open_ticket.lower()).count("data-ticket=") == 1
    found = _queue(handler, "PARKIR")
    assert _ticket(runtime, filed["confidential"]) in found and open_ticket not in found
    assert open_ticket in _queue(handler, "0812-3450-0003")  # the number as typed, any separators
    assert _ticket(runtime, filed["other"]) not in _queue(handler, "antrean lama")
    assert _queue(handler, "tidak ada yang begini") == ""
    # A closed complaint is still found by its ticket: a search looks through every status.
    with runtime.db.session() as s:
        s.get(Complaint, filed["open"]).status = "closed"
        s.commit()
    assert open_ticket in _queue(handler, open_ticket)
    page = handler.get("/dashboard/complaints", query_string={"q": open_ticket, "status": "open"}).get_data(
        as_text=True)
    assert 'id="complaint-queue-empty"' in page
    audits = _audits(runtime, "view", "complaint_queue")
    assert audits and all("PARKIR" not in str(a.detail) and "0003" not in str(a.detail) for a in audits)
    assert audits[-1].detail["search"] is True


@pytest.mark.parametrize(("role", "office", "sees_confidential"), [("handler", OFFICE, True),
                                                                   ("admin", None, False), ("desk", OFFICE, False)])
def test_a_reporter_is_found_by_name_or_number_only_by_who_may_see_them(app, runtime, filed, role, office,
                                                                        sees_confidential):
    member = signed_in(app, runtime, f"{role}1", role, office)
    confidential = _ticket(runtime, filed["confidential"])
    assert (confidential in _queue(member, "Made Ayu")) is sees_confidential
    assert (confidential in _queue(member, CITIZEN)) is sees_confidential
    assert _ticket(runtime, filed["anonymous"]) not in _queue(member, ANONYMOUS)  # anonymous: never by number
    assert (_ticket(runtime, filed["open"]) in _queue(member, "Wayan")) is (role != "desk")
    assert NIK not in _queue(member, NIK[:8])  # found by what the screen shows, the NIK masked


def _audits(runtime, action: str, subject_type: str) -> list[AuditEvent]:
    with runtime.db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action,
                                                       AuditEvent.subject_type == subject_type)
                              .order_by(AuditEvent.id)))


def test_export_is_in_indonesian_masked_and_hides_reporters_as_the_screen_does(app, runtime, filed):
    handler = signed_in(app, runtime, "handler1", "handler")
    rows = {r["Nomor tiket"]: r for r in _export(handler)}
    assert set(rows) == {_ticket(runtime, filed[k]) for k in ("confidential", "anonymous", "open")}
    confidential = rows[_ticket(runtime, filed["confidential"])]
    assert (confidential["Rahasia"], confidential["Identitas pelapor"], confidential["Nama pelapor"]) == (
        "ya", "dirahasiakan", "Ni Made Ayu")
    assert confidential["Nomor WhatsApp pelapor (tersamar)"] == "+62*****0001"
    assert confidential["Status"] == "Diterima" and confidential["Kategori"] != "service"
    assert confidential["Kantor"] == "Kejaksaan Negeri Klungkung" and confidential["Diterima"].endswith("WITA")
    anonymous = rows[_ticket(runtime, filed["anonymous"])]
    assert (anonymous["Identitas pelapor"], anonymous["Nama pelapor"]) == ("anonim", "")
    open_ = rows[_ticket(runtime, filed["open"])]
    assert open_["Uraian pengaduan"].startswith("'=HYPERLINK")  # never a formula in a spreadsheet
    text = handler.get("/dashboard/complaints/export.csv").get_data(as_text=True)
    assert NIK not in text and CITIZEN not in text and ANONYMOUS not in text and OPEN not in text

    for role, office in (("admin", None), ("desk", OFFICE)):
        member = signed_in(app, runtime, f"{role}1", role, office)
        seen = {r["Nomor tiket"]: r for r in _export(member)}
        hidden = seen[_ticket(runtime, filed["confidential"])]
        assert (hidden["Identitas pelapor"], hidden["Nama pelapor"], hidden["Nomor WhatsApp pelapor (tersamar)"]) \
            == ("dirahasiakan", "", ""), role
        body = member.get("/dashboard/complaints/export.csv").get_data(as_text=True)
        assert "Ni Made Ayu" not in body and "+62*****0001" not in body, role
    export_audits = _audits(runtime, "export", "complaints")
    assert [a.actor_username for a in export_audits] == ["handler1", "handler1", "admin1", "admin1", "desk1", "desk1"]


def test_export_follows_the_filters_and_the_search_and_speaks_english(app, runtime, filed):
    handler = signed_in(app, runtime, "handler1", "handler")
    page = handler.get("/dashboard/complaints?q=parkir").get_data(as_text=True)
    assert 'href="/dashboard/complaints/export.csv?status=&amp;q=parkir"' in page or \
        'href="/dashboard/complaints/export.csv?q=parkir"' in page
    assert [r["Nomor tiket"] for r in _export(handler, q="parkir")] == [_ticket(runtime, filed["confidential"])]
    assert _export(handler, status="closed") == []
    handler.post("/dashboard/lang", {"lang": "en", "next": "/dashboard/complaints"})
    [row] = _export(handler, q="parkir")
    assert row["Ticket"] and row["Status"] == "Received" and row["Confidential"] == "yes"


@pytest.mark.parametrize(("role", "office", "status"), [("viewer", OFFICE, 403), ("desk", OTHER_OFFICE, 200)])
def test_export_roles_and_office(app, runtime, filed, role, office, status):
    member = signed_in(app, runtime, f"{role}2", role, office)
    response = member.get("/dashboard/complaints/export.csv")
    assert response.status_code == status
    if status == 200:
        rows = list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
        assert [r["Nomor tiket"] for r in rows] == [_ticket(runtime, filed["other"])]
