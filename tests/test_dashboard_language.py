"""Indonesian everywhere (issue 20 §5), through real requests: every time in an office's zone with its label,
never UTC; deadlines as the last day ("s.d. 25-11-2026"), not "00:00 WITA"; the audit log, the visit history
and the guest book CSV in words of the dashboard's language, not codes or Python lists; decimal commas in
Indonesian; styled 404 and 500 pages in both languages."""

from __future__ import annotations

import csv
import io
import re

import pytest
from sqlalchemy import select

from bot.dashboard import today
from bot.models.staff import AuditEvent, StaffUser
from bot.models.visits import Visit
from tests.support.dashboard import OFFICE, signed_in
from tests.support.visits import KASI_INTEL, make_config_dir, register, visits
from tests.test_dashboard_complaints import file

EXPORT = "/dashboard/guestbook/export.csv?date_from=2026-11-23&date_to=2026-11-23"
UTC_STAMP = re.compile(r"\d\d:\d\d UTC")


@pytest.fixture
def config(config, tmp_path):
    config.CONFIG_DIR = make_config_dir(tmp_path / "config")
    config.MEDIA_DIR = str(tmp_path / "media")
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


@pytest.fixture
def visit(runtime, whatsapp, standin, work) -> Visit:
    """A citizen registered on WhatsApp for today 14.00 WITA to meet the Kasi Intel, who accepted."""
    register(whatsapp, runtime, standin, when="hari ini jam 14")
    work()
    whatsapp.send("1", from_=KASI_INTEL)
    work()
    [row] = visits(runtime)
    return row


def _english(member, back: str = "/dashboard/") -> None:
    assert member.post("/dashboard/lang", {"lang": "en", "next": back}).status_code == 302


def _rows(response) -> list[dict[str, str]]:
    assert response.status_code == 200
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


# -- times -------------------------------------------------------------------------------------------
def test_an_admins_last_sign_in_and_the_audit_log_are_in_an_office_zone_never_utc(app, runtime):
    """An admin belongs to no office: their sign-in used to show in UTC beside the WITA of office records."""
    admin = signed_in(app, runtime, "admin1", "admin", None)
    users = admin.get("/dashboard/users").get_data(as_text=True)
    log = admin.get("/dashboard/audit").get_data(as_text=True)
    for page in (users, log):
        assert not UTC_STAMP.search(page), UTC_STAMP.search(page)
    row = users[users.index(">admin1<"):]
    assert re.search(r"\d\d-\d\d-\d{4} \d\d:\d\d WITA", row[:row.index("</tr>")])
    # An admin who chose Kapuas reads times without an office of their own on Kapuas's clock.
    admin.post("/dashboard/office", {"office": "kejari-kapuas"})
    log = admin.get("/dashboard/audit").get_data(as_text=True)
    assert re.search(r"\d\d:\d\d WIB", log) and not UTC_STAMP.search(log)


def test_complaint_deadlines_are_the_last_day_not_midnight(app, runtime, frozen_clock):
    complaint_id = file(runtime)
    member = signed_in(app, runtime, "handler1", "handler")
    page = member.get(f"/dashboard/complaints/{complaint_id}").get_data(as_text=True)
    assert "00:00 WITA" not in page
    assert re.search(r"s\.d\. \d\d-\d\d-\d{4}<", page)
    _english(member)
    page = member.get(f"/dashboard/complaints/{complaint_id}").get_data(as_text=True)
    assert re.search(r"until \d\d-\d\d-\d{4}<", page) and "s.d." not in page


# -- words, not codes ----------------------------------------------------------------------------------
def test_visit_history_names_who_acted(app, runtime, visit):
    member = signed_in(app, runtime, "desk1", "desk")
    member.post(f"/dashboard/guestbook/visit/{visit.id}/check-in",
                {"badge": "T-07", "locker": "", "id_type": "ktp", "id_last4": "0001"})
    page = member.get(f"/dashboard/guestbook/visit/{visit.id}").get_data(as_text=True)
    history = page[page.index(">Riwayat<"):]
    actors = re.findall(r'<span class="actor">([^<]*)</span>', history)
    assert "warga" in actors and "petugas PTSP: desk1" in actors
    assert any(a.startswith("pegawai: ") and a != "pegawai: kasi-intel" for a in actors), actors
    assert not {"citizen", "system"} & set(actors) and "host:" not in history and "desk:" not in history
    _english(member)
    page = member.get(f"/dashboard/guestbook/visit/{visit.id}").get_data(as_text=True)
    assert '<span class="actor">citizen</span>' in page and '<span class="actor">PTSP desk: desk1</span>' in page


def test_guestbook_csv_speaks_the_dashboards_language(app, runtime, visit):
    member = signed_in(app, runtime, "desk1", "desk")
    response = member.get(EXPORT)
    text = response.get_data(as_text=True)
    [row] = _rows(response)
    office = runtime.offices.get(OFFICE)
    assert row["Kantor"] == office.name and row["Kode kunjungan"] == visit.code
    assert row["Jawaban pegawai"] == "Diterima" and row["Status"] == "Diterima pegawai"
    assert row["Jenis identitas"] == "KTP (NIK)" and row["Tanpa daftar (walk-in)"] == "tidak"
    assert row["Jadwal"] == "23-11-2026 14:00 WITA"
    for code in ("accept", "accepted", "awaiting_host", OFFICE, ",no,", "ktp,"):
        assert code not in text, code
    _english(member)
    [row] = _rows(member.get(EXPORT))
    assert (row["Office"], row["Visit code"], row["Host's answer"], row["Status"], row["Walk-in"]) == (
        office.name, visit.code, "Accepted", "Accepted by the host", "no")


def test_the_audit_log_reads_in_words_without_python_lists(app, runtime):
    admin = signed_in(app, runtime, "admin1", "admin", None)
    signed_in(app, runtime, "desk1", "desk")
    with runtime.db.session() as s:
        desk_id = s.scalar(select(StaffUser.id).where(StaffUser.username == "desk1"))
    admin.post(f"/dashboard/users/{desk_id}", {"display_name": "Made Desk", "role": "desk", "office": OFFICE,
                                              "active": "y"})
    with runtime.db.session() as s:
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "update")).detail["fields"]
    page = admin.get("/dashboard/audit").get_data(as_text=True)
    log = page[page.index('id="audit-list"'):]
    assert "Mengubah" in log and "Masuk" in log and "Isian diubah: Nama tampilan" in log
    assert "Pengguna dasbor" in log
    assert "['" not in log and "fields=" not in log and ">update<" not in log and ">login<" not in log
    _english(admin, "/dashboard/audit")
    log = admin.get("/dashboard/audit").get_data(as_text=True)
    assert "Changed" in log and "Signed in" in log and "Fields changed: Display name" in log


# -- error pages ---------------------------------------------------------------------------------------
def test_an_unknown_dashboard_address_gets_the_styled_page_in_the_officers_language(app, runtime):
    member = signed_in(app, runtime, "desk1", "desk")
    response = member.get("/dashboard/tidak-ada")
    page = response.get_data(as_text=True)
    assert response.status_code == 404 and 'id="error-page"' in page and "Tidak ditemukan" in page
    assert "Not Found" not in page and 'href="/dashboard/guestbook"' in page  # the menu is there
    _english(member)
    page = member.get("/dashboard/tidak-ada").get_data(as_text=True)
    assert 'id="error-page"' in page and "Not found" in page and "Tidak ditemukan" not in page
    # Signed out too; outside the dashboard Werkzeug's own page stays.
    anonymous = app.test_client().get("/dashboard/tidak-ada/lagi")
    assert anonymous.status_code == 404 and b'id="error-page"' in anonymous.data
    assert b'id="error-page"' not in app.test_client().get("/tidak-ada").data


def test_a_fault_in_a_page_gets_the_styled_500_page(app, runtime, monkeypatch):
    def broken(*_args, **_kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(today, "guests", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    member = signed_in(app, runtime, "desk1", "desk")
    response = member.get("/dashboard/")
    page = response.get_data(as_text=True)
    assert response.status_code == 500 and 'id="error-page"' in page and "Terjadi gangguan" in page
    assert "boom" not in page and "Traceback" not in page
    _english(member, "/dashboard/users")
    page = member.get("/dashboard/").get_data(as_text=True)
    assert "Something went wrong" in page and "boom" not in page
