"""The office's own days off (issue 17, item 2): cuti bersama and local closures, added on the dashboard's
Days off page by the office's admin and honoured at once by the bot: a visit on such a day is refused by
its name, "besok buka?" says the office is closed and why, and the complaint clocks skip the day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from rq import Queue
from sqlalchemy import select

from bot import runtime as runtime_module
from bot.complaints import deadlines, service
from bot.complaints.deadlines import Targets
from bot.models.complaints import Complaint
from bot.models.days_off import OfficeDayOff
from bot.models.staff import AuditEvent
from bot.workdays import Calendar, DayOff
from tests.support.dashboard import OFFICE, OTHER_OFFICE, Staff, csrf_token, signed_in
from tests.support.visits import NIK, guestbook_config, menu_number

MONDAY_10_WITA = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # the frozen clock's start


@pytest.fixture
def config(config, tmp_path):
    return guestbook_config(config, tmp_path)


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def office_admin(app, runtime, username: str = "admin1") -> Staff:
    """An admin who chose OFFICE in the dashboard's office picker."""
    admin = signed_in(app, runtime, username, "admin", office=None)
    assert admin.post("/dashboard/office", {"office": OFFICE, "next": "/dashboard/"}).status_code == 302
    return admin


def add_day_off(admin: Staff, day: str, name: str, kind: str):
    return admin.post("/dashboard/days-off", {"day": day, "name": name, "kind": kind, "year": day[:4]})


def rows(runtime) -> list[tuple[str, date, str, str]]:
    with runtime.db.session() as s:
        return [(r.office, r.day, r.name, r.kind) for r in s.scalars(select(OfficeDayOff).order_by(OfficeDayOff.day))]


# -- the citizen ------------------------------------------------------------------------------------
def test_a_visit_on_a_cuti_bersama_day_is_refused_by_its_name(app, runtime, whatsapp):
    admin = office_admin(app, runtime)
    assert add_day_off(admin, "2026-12-24", "Cuti Bersama Hari Raya Natal", "cuti_bersama").status_code == 302
    for sent in ("halo", menu_number(runtime), "1", "Ketut Arsana", "1", NIK):
        whatsapp.send(sent)
    whatsapp.send("", media=(("https://api.twilio.com/x", "image/jpeg"),))
    whatsapp.send("Konsultasi laporan pengaduan")
    assert "tanggal dan jam" in whatsapp.send("kasi intel").text
    answer = whatsapp.send("24 desember jam 10")
    assert "kantor libur" in answer.text and "(Cuti Bersama Hari Raya Natal)" in answer.text, answer.text
    assert "Mohon periksa data" not in answer.text
    # The day after is an ordinary Friday: the same question goes on to the summary.
    assert "Mohon periksa data" in whatsapp.send("23 desember jam 10").text


def test_besok_buka_on_the_eve_of_a_local_closure_says_closed_and_why(app, runtime, whatsapp):
    before = whatsapp.send("besok buka?").text
    assert "*tutup*" not in before and "08.00" in before  # Tuesday 24 November: an ordinary day
    admin = office_admin(app, runtime)
    assert add_day_off(admin, "2026-11-24", "Hari Raya Galungan", "local").status_code == 302
    answer = whatsapp.send("besok buka?", from_="+6281234500077").text
    assert "Selasa, 24/11/2026" in answer and "*tutup*" in answer
    assert "(Hari Raya Galungan (libur kantor))" in answer, answer
    # Another office's day off is not this one's: Alor opens as usual.
    assert "*tutup*" not in whatsapp.send("besok buka?", office=OTHER_OFFICE, from_="+6281234500078").text


# -- the complaint clocks ---------------------------------------------------------------------------
def file(runtime, office) -> str:
    with runtime.db.session() as session:
        done = service.file_complaint(
            session, runtime.outbox, office, service.Draft(category="service", description="Antrean lama."),
            phone="+6281234500055", conversation_id=None, msgs=runtime.messages, config=runtime.config)
        session.commit()
    return done.complaint.ticket


def step(runtime, office, ticket, to, **kwargs) -> None:
    with runtime.db.session() as session:
        complaint = session.scalars(select(Complaint).where(Complaint.ticket == ticket)).one()
        done = service.transition(session, runtime.outbox, office, complaint, to, msgs=runtime.messages,
                                  config=runtime.config, **kwargs)
        session.commit()
    service.dispatch(runtime.outbox, done)


def test_complaint_deadlines_skip_the_offices_day_off(app, runtime, config, frozen_clock, work):
    """Received Monday 23 Nov: disposition due in 3 working days, the end of Thursday 26 Nov; with Tuesday
    a cuti bersama it moves to the end of Friday 27 Nov. The automatic close after ten silent working days
    (Monday 7 Dec without the day off) waits until the end of Tuesday 8 Dec, in the real worker."""
    office = runtime.offices.get(OFFICE)
    admin = office_admin(app, runtime)
    assert add_day_off(admin, "2026-11-24", "Cuti Bersama Maulid", "cuti_bersama").status_code == 302
    frozen_clock.set(MONDAY_10_WITA)
    ticket = file(runtime, office)
    targets = Targets.from_config(config)

    def overdue(at):
        with runtime.db.session() as session:
            return {c.ticket: f for c, f in deadlines.overdue_complaints(session, runtime.offices, at, targets)}

    assert overdue(datetime(2026, 11, 26, 16, 0, tzinfo=UTC)) == {}
    assert overdue(datetime(2026, 11, 27, 15, 59, tzinfo=UTC)) == {}
    assert overdue(datetime(2026, 11, 27, 16, 0, tzinfo=UTC)) == {ticket: ("dispose",)}

    for status, extra in (("verified", {}), ("assigned", {"unit": "ptsp"}), ("resolved", {})):
        step(runtime, office, ticket, status, actor="petugas", **extra)

    def autoclose_at(moment):
        frozen_clock.set(moment)
        Queue(runtime_module.DEFAULT_QUEUE, connection=runtime.redis).enqueue("bot.complaints.jobs.autoclose")
        work()
        with runtime.db.session() as session:
            return session.scalars(select(Complaint.status).where(Complaint.ticket == ticket)).one()

    assert autoclose_at(datetime(2026, 12, 7, 16, 0, tzinfo=UTC)) == "resolved"
    assert autoclose_at(datetime(2026, 12, 8, 16, 0, tzinfo=UTC)) == "closed"


# -- the dashboard page -----------------------------------------------------------------------------
def test_the_admin_adds_and_deletes_days_off_audited_and_the_national_ones_are_read_only(app, runtime):
    admin = office_admin(app, runtime)
    page = admin.get("/dashboard/days-off?year=2026").get_data(as_text=True)
    assert "Hari libur nasional" in page and "Hari Raya Natal" in page and "Hari Suci Nyepi" in page
    assert 'href="/dashboard/days-off"' in admin.get("/dashboard/").get_data(as_text=True)  # in the menu

    assert add_day_off(admin, "2026-12-24", "Cuti Bersama Natal", "cuti_bersama").status_code == 302
    # Refused, each with its reason: a national holiday, a Saturday, a day already off, no name.
    for day, name, reason in (("2026-12-25", "Natal", "sudah hari libur nasional (Hari Raya Natal)"),
                              ("2026-11-28", "Libur Sabtu", "memang tidak buka"),
                              ("2026-12-24", "Dobel", "sudah tercatat sebagai hari libur (Cuti Bersama Natal)"),
                              ("2026-12-23", "", "Mohon periksa kembali")):
        response = add_day_off(admin, day, name, "local")
        assert response.status_code == 302
        assert reason in admin.get(response.headers["Location"]).get_data(as_text=True), reason
    assert rows(runtime) == [(OFFICE, date(2026, 12, 24), "Cuti Bersama Natal", "cuti_bersama")]
    page = admin.get("/dashboard/days-off?year=2026").get_data(as_text=True)
    assert "Cuti Bersama Natal" in page and "Kamis, 24-12-2026" in page

    with runtime.db.session() as s:
        row_id = s.scalar(select(OfficeDayOff.id))
    # A form without its token changes nothing; with it, the day is gone.
    assert admin.post(f"/dashboard/days-off/{row_id}/delete", {}, token=False).status_code == 400
    assert admin.post(f"/dashboard/days-off/{row_id}/delete").status_code == 302
    assert rows(runtime) == []
    with runtime.db.session() as s:
        events = [(e.action, e.subject_type, e.office, e.detail["day"], e.actor_username) for e in s.scalars(
            select(AuditEvent).where(AuditEvent.subject_type == "day_off").order_by(AuditEvent.id))]
    assert events == [("create", "day_off", OFFICE, "2026-12-24", "admin1"),
                      ("delete", "day_off", OFFICE, "2026-12-24", "admin1")]


def test_only_admins_open_or_change_the_page(app, runtime):
    admin = office_admin(app, runtime)
    assert add_day_off(admin, "2026-12-24", "Cuti Bersama Natal", "cuti_bersama").status_code == 302
    with runtime.db.session() as s:
        row_id = s.scalar(select(OfficeDayOff.id))
    for role in ("desk", "handler", "viewer"):
        member = signed_in(app, runtime, f"{role}1", role)
        assert member.get("/dashboard/days-off").status_code == 403
        assert member.get("/dashboard/days-off/copy?year=2027").status_code == 403
        token = member.token("/dashboard/")
        assert member.post("/dashboard/days-off", {"day": "2026-12-31", "name": "Libur", "kind": "local",
                                                   "csrf_token": token}, token=False).status_code == 403
        assert member.post(f"/dashboard/days-off/{row_id}/delete", {"csrf_token": token},
                           token=False).status_code == 403
        assert 'href="/dashboard/days-off"' not in member.get("/dashboard/").get_data(as_text=True)
    # An admin looking at another office does not reach this office's row.
    other = signed_in(app, runtime, "admin2", "admin", office=None)
    assert other.post("/dashboard/office", {"office": OTHER_OFFICE, "next": "/dashboard/"}).status_code == 302
    assert other.post(f"/dashboard/days-off/{row_id}/delete").status_code == 404
    # One who chose no office is asked to choose one.
    undecided = signed_in(app, runtime, "admin3", "admin", office=None)
    assert undecided.get("/dashboard/days-off").status_code == 302
    assert len(rows(runtime)) == 1


def test_copy_last_years_cuti_bersama_proposes_and_adds_only_what_the_admin_confirms(app, runtime):
    admin = office_admin(app, runtime)
    for day, name in (("2026-03-20", "Cuti Bersama Idulfitri"), ("2026-03-23", "Cuti Bersama Idulfitri (2)"),
                      ("2026-12-24", "Cuti Bersama Natal")):
        assert add_day_off(admin, day, name, "cuti_bersama").status_code == 302
    assert add_day_off(admin, "2026-11-25", "Hari Raya Kuningan", "local").status_code == 302
    page = admin.get("/dashboard/days-off/copy?year=2027").get_data(as_text=True)
    # Idulfitri 2026 was 21 March, in 2027 (estimated) 10 March: its cuti bersama move with it; Christmas stays.
    assert 'value="2027-03-09"' in page and 'value="2027-03-12"' in page and 'value="2027-12-24"' in page
    assert "Hari Raya Idul Fitri (perkiraan)" in page and 'value="Hari Raya Kuningan"' not in page
    assert "checked" not in page  # nothing confirmed for the admin
    form = {"csrf_token": csrf_token(page), "year": "2027",
            "rows-0-source": "2026-03-20", "rows-0-day": "2027-03-09", "rows-0-name": "Cuti Bersama Idulfitri",
            "rows-0-confirm": "y",
            "rows-1-source": "2026-03-23", "rows-1-day": "2027-03-12", "rows-1-name": "Cuti Bersama Idulfitri (2)",
            "rows-2-source": "2026-12-24", "rows-2-day": "2027-12-23", "rows-2-name": "Cuti Bersama Natal",
            "rows-2-confirm": "y"}
    response = admin.post("/dashboard/days-off/copy", form, token=False)
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard/days-off?year=2027")
    shown = admin.get(response.headers["Location"]).get_data(as_text=True)
    assert "2 hari cuti bersama sudah ditambahkan" in shown and "1 usulan tidak dicentang" in shown
    assert [r for r in rows(runtime) if r[1].year == 2027] == [
        (OFFICE, date(2027, 3, 9), "Cuti Bersama Idulfitri", "cuti_bersama"),
        (OFFICE, date(2027, 12, 23), "Cuti Bersama Natal", "cuti_bersama")]  # the date as the admin edited it
    with runtime.db.session() as s:
        copied = [e.detail.get("copied_from") for e in s.scalars(select(AuditEvent).where(
            AuditEvent.subject_type == "day_off", AuditEvent.detail["day"].as_string().like("2027%")))]
    assert sorted(copied) == ["2026-03-20", "2026-12-24"]
    # Asked again, only the unconfirmed one is proposed.
    again = admin.get("/dashboard/days-off/copy?year=2027").get_data(as_text=True)
    assert "Cuti Bersama Idulfitri (2)" in again and "Cuti Bersama Natal" not in again


# -- the one owner of "closed on this day, and why" --------------------------------------------------
@pytest.mark.parametrize(("day", "name", "kind", "lang", "label"), [
    (date(2026, 12, 24), "Cuti Bersama Natal", "cuti_bersama", "id", "Cuti Bersama Natal"),
    (date(2026, 12, 24), "Natal", "cuti_bersama", "id", "Cuti Bersama Natal"),
    (date(2026, 11, 24), "Hari Raya Galungan", "local", "id", "Hari Raya Galungan (libur kantor)"),
    (date(2026, 11, 24), "Hari Raya Galungan", "local", "en", "Hari Raya Galungan (office closed)"),
])
def test_an_offices_own_day_off_reads_with_its_kind(runtime, day, name, kind, lang, label):
    calendar = Calendar.for_office(runtime.offices.get(OFFICE), [DayOff(day, name, kind)])
    assert calendar.holiday(day, lang) == label and not calendar.is_workday(day)
    assert calendar.holiday(date(2026, 12, 25)) == "Hari Raya Natal"  # national holidays keep their own name
    assert calendar.holiday(date(2026, 12, 23)) is None and calendar.is_workday(date(2026, 12, 23))
