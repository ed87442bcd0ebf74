"""Sweeps of every route in `app.url_map` instead of hand-made lists, so that a new page or form can never
be forgotten (issue 19):

- every POST route answers 400 without a CSRF token, signed in or not, and changes nothing: no row in
  any table, no Redis key, nothing in the signed session (the Twilio webhooks are exempt because
  Twilio signs them; they answer 403 unsigned);
- every dashboard GET route is opened by an admin, a desk officer, a complaint handler and a viewer of
  the record's office, by the same roles of another office, and by nobody signed in, with real ids of
  rows made here: 200, 403 (role) or 404 (another office's record) as the access rules say, and no list
  or export of another office shows this office's rows.

A route missing from the tables below fails the test: add it with its rule.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

import pytest
from flask import url_for
from openpyxl import load_workbook
from sqlalchemy import select

from bot.complaints import service as complaints
from bot.db import Base
from bot.models import OutboundMessage
from bot.models.complaints import Complaint
from bot.models.handoff import Handoff
from bot.models.visits import Employee, Visit
from tests.support.dashboard import OFFICE, OTHER_OFFICE, PASSWORD, Staff, make_user, signed_in
from tests.support.visits import CITIZEN, guestbook_config, register, visits

ASKER = "+6281298700002"  # a citizen who asked for an officer (the handoff)
REPORTER = "+6281298700003"  # a citizen who filed a complaint
DAY = "2026-11-23"

ADMIN, DESK, HANDLER, VIEWER = "admin", "desk", "handler", "viewer"
EVERY_ROLE = frozenset({ADMIN, DESK, HANDLER, VIEWER})
PUBLIC = "public"  # no sign-in needed


@dataclass(frozen=True)
class Page:
    roles: frozenset[str] | str  # who may open it (admins always), or PUBLIC
    args: object = None  # world -> url_for values (ids of the rows made below, query strings)
    scoped: bool = False  # shows one record of OFFICE: another office's staff get 404
    one_office: bool = False  # works in one office: an admin who chose none is sent to choose (302)


def _roles(*names: str) -> frozenset[str]:
    return frozenset({ADMIN, *names})


# The access rules of every dashboard GET route (from the views' `access.require` and office checks).
PAGES: dict[str, Page] = {
    "dashboard_root.index": Page(PUBLIC),
    "dashboard.login": Page(PUBLIC),
    "dashboard.static": Page(PUBLIC, lambda w: {"filename": "dashboard.css"}),
    "dashboard.home": Page(EVERY_ROLE),
    "dashboard.audit_log_page": Page(_roles()),
    "dashboard.catalog": Page(EVERY_ROLE),
    "dashboard.catalog_service": Page(EVERY_ROLE, lambda w: {"office": OFFICE, "service_id": "penerimaan-tamu"},
                                      scoped=True),
    "dashboard.catalog_editor": Page(_roles(), one_office=True),
    "dashboard.catalog_edit_service": Page(_roles(), lambda w: {"service_id": "penerimaan-tamu"}, one_office=True),
    "dashboard.catalog_preview": Page(_roles(), lambda w: {"service_id": "penerimaan-tamu"}, one_office=True),
    "dashboard.catalog_history": Page(_roles(), one_office=True),
    "dashboard.catalog_diff": Page(_roles(), one_office=True),
    "dashboard.complaints": Page(_roles(DESK, HANDLER)),
    "dashboard.complaints_export": Page(_roles(DESK, HANDLER)),
    "dashboard.complaints_export_xlsx": Page(_roles(DESK, HANDLER)),
    "dashboard.complaint_detail": Page(_roles(DESK, HANDLER), lambda w: {"complaint_id": w.complaint}, scoped=True),
    "dashboard.days_off": Page(_roles(), one_office=True),
    "dashboard.days_off_copy": Page(_roles(), lambda w: {"year": 2027}, one_office=True),
    "dashboard.employees": Page(_roles(DESK)),
    "dashboard.employee_new": Page(_roles()),
    "dashboard.employee_edit": Page(_roles(), lambda w: {"employee_id": w.employee}, scoped=True),
    "dashboard.guestbook": Page(_roles(DESK)),
    "dashboard.guestbook_export": Page(_roles(DESK), lambda w: {"date_from": DAY, "date_to": DAY}),
    "dashboard.guestbook_visit": Page(_roles(DESK), lambda w: {"visit_id": w.visit}, scoped=True),
    "dashboard.guestbook_photo": Page(_roles(DESK), lambda w: {"visit_id": w.visit}, scoped=True),
    "dashboard.guestbook_slip": Page(_roles(DESK), lambda w: {"visit_id": w.visit}, scoped=True),
    "dashboard.guestbook_search": Page(_roles(DESK), lambda w: {"q": "Ketut"}),
    "dashboard.guestbook_walk_in": Page(_roles(DESK), one_office=True),
    "dashboard.inbox": Page(_roles(DESK, HANDLER)),
    "dashboard.inbox_request": Page(_roles(DESK, HANDLER), lambda w: {"handoff_id": w.handoff}, scoped=True),
    "dashboard.live": Page(EVERY_ROLE, lambda w: {"view": "inbox"}),  # the poll: counts of the user's own offices
    "dashboard.messages": Page(_roles(DESK, HANDLER)),
    "dashboard.office_profile": Page(_roles(), one_office=True),
    "dashboard.rights": Page(_roles()),
    "dashboard.simulator_page": Page(_roles(DESK), one_office=True),
    "dashboard.simulator_chat": Page(_roles(DESK), one_office=True),
    "dashboard.survey_report": Page(EVERY_ROLE),
    "dashboard.survey_export": Page(EVERY_ROLE, lambda w: {"date_from": DAY, "date_to": DAY}),
    "dashboard.whatsapp_templates": Page(_roles()),
    "dashboard.transcripts": Page(_roles(DESK, HANDLER)),
    "dashboard.transcript": Page(_roles(DESK, HANDLER), lambda w: {"conversation_id": w.conversation}, scoped=True),
    # The visit-times report is the guest book's: its desk and admins; another office's desk asking for it: 404.
    "dashboard.visit_times": Page(_roles(DESK), lambda w: {"office": OFFICE, "month": DAY[:7]}, scoped=True),
    "dashboard.visit_times_export": Page(_roles(DESK), lambda w: {"office": OFFICE, "month": DAY[:7]}, scoped=True),
    "dashboard.users": Page(_roles()),
    "dashboard.user_edit": Page(_roles(), lambda w: {"user_id": w.user}),
}

# Every POST route with a form that would do something real, were its CSRF token there.
FORMS: dict[str, tuple[object, dict]] = {
    "dashboard.login": (None, {"username": "admin1", "password": PASSWORD}),
    "dashboard.logout": (None, {}),
    "dashboard.language": (None, {"lang": "en", "next": "/dashboard/"}),
    "dashboard.switch_office": (None, {"office": OTHER_OFFICE, "next": "/dashboard/"}),
    "dashboard.complaint_transition": (lambda w: {"complaint_id": w.complaint},
                                       {"to_status": "in_progress", "note": "ditangani"}),
    "dashboard.complaint_note": (lambda w: {"complaint_id": w.complaint}, {"note": "catatan", "public": "y"}),
    "dashboard.complaint_lapor": (lambda w: {"complaint_id": w.complaint}, {"lapor_ref": "LAPOR-123"}),
    "dashboard.catalog_edit_service": (lambda w: {"service_id": "penerimaan-tamu"},
                                       {"name": "Layanan", "unit": "ptsp", "sk_number": "KEP-1/2026",
                                        "persyaratan": "KTP", "prosedur": "Datang", "waktu": "10 menit",
                                        "biaya": "Gratis", "produk": "Layanan"}),
    "dashboard.catalog_publish": (None, {"sk_number": "KEP-1/2026", "note": "baru"}),
    "dashboard.catalog_discard": (None, {}),
    "dashboard.catalog_import": (None, {"unit": "ptsp", "sk_number": "KEP-1/2026"}),
    "dashboard.catalog_rollback": (None, {"number": "1", "note": "kembali"}),
    "dashboard.days_off_add": (None, {"day": "2026-12-24", "name": "Cuti Bersama Natal", "kind": "cuti_bersama"}),
    "dashboard.days_off_delete": (lambda w: {"day_off_id": 1}, {}),
    "dashboard.days_off_copy": (None, {"year": "2027", "rows-0-source": "2026-12-24", "rows-0-day": "2027-12-24",
                                       "rows-0-name": "Cuti Bersama Natal", "rows-0-confirm": "y"}),
    "dashboard.employee_new": (None, {"office": OFFICE, "name": "Pegawai Baru", "role": "host", "active": "y"}),
    "dashboard.employee_edit": (lambda w: {"employee_id": w.employee},
                                {"office": OFFICE, "name": "Nama Diganti", "role": "host", "active": "y"}),
    "dashboard.guestbook_find": (None, {"code": "ABC123"}),
    "dashboard.guestbook_check_in": (lambda w: {"visit_id": w.visit},
                                     {"badge": "T-07", "locker": "L12", "id_type": "ktp", "id_last4": "0001"}),
    "dashboard.guestbook_check_out": (lambda w: {"visit_id": w.visit}, {"returned": ["badge", "locker", "id_card"]}),
    "dashboard.guestbook_remind": (lambda w: {"visit_id": w.visit}, {}),
    "dashboard.guestbook_host_met": (lambda w: {"visit_id": w.visit}, {}),
    "dashboard.guestbook_host_answer": (lambda w: {"visit_id": w.visit}, {"answer": "decline", "reason": "rapat"}),
    "dashboard.guestbook_walk_in": (None, {"consent": "y", "name": "Ni Made Sari", "id_type": "ktp",
                                           "id_number": "5171014505850002", "purpose": "Konsultasi",
                                           "host": "kasi-intel"}),
    "dashboard.inbox_take": (lambda w: {"handoff_id": w.handoff}, {}),
    "dashboard.inbox_release": (lambda w: {"handoff_id": w.handoff}, {}),
    "dashboard.inbox_reply": (lambda w: {"handoff_id": w.handoff}, {"body": "Selamat siang"}),
    "dashboard.inbox_follow_up": (lambda w: {"handoff_id": w.handoff}, {}),
    "dashboard.messages_retry": (lambda w: {"outbox_id": w.outbox}, {}),
    "dashboard.messages_handled": (lambda w: {"outbox_id": w.outbox}, {}),
    "dashboard.office_profile_save": (None, {"name": "Kantor Diganti", "address": "Jl. Baru No. 1",
                                             "hotline": "0366 21085", "whatsapp": "+6281339151776",
                                             "timezone": "Asia/Makassar", "hours_mon": "08.00–16.00",
                                             "confirm_hours": "y"}),
    "dashboard.rights": (None, {"office": OFFICE, "address": CITIZEN}),
    "dashboard.rights_export": (None, {"office": OFFICE, "address": CITIZEN, "format": "json"}),
    "dashboard.rights_erase": (None, {"office": OFFICE, "address": CITIZEN, "confirm": CITIZEN}),
    "dashboard.simulator_send": (None, {"who": "citizen", "text": "halo"}),
    "dashboard.simulator_new": (None, {}),
    "dashboard.whatsapp_templates_sync": (None, {}),
    "dashboard.transcripts_search": (None, {"q": "halo"}),
    "dashboard.users": (None, {"username": "baru1", "display_name": "Baru", "role": "admin", "office": "",
                               "password": "sandi-baru-12345"}),
    "dashboard.user_edit": (lambda w: {"user_id": w.user},
                            {"display_name": "Diganti", "role": "admin", "office": "", "active": "y"}),
    "dashboard.user_password": (lambda w: {"user_id": w.user}, {"password": "sandi-baru-12345"}),
}
SIGNED_WEBHOOKS = {"twilio.whatsapp", "twilio.status"}  # Twilio signs these (handlers/signature.py)


@pytest.fixture
def config(config, tmp_path, standin):
    guestbook_config(config, tmp_path)
    config.TWILIO_CONTENT_API_URL = standin.url
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


@dataclass
class World:
    visit: int
    visit_code: str
    conversation: int
    complaint: int
    ticket: str
    handoff: int
    employee: int
    user: int
    outbox: int

    def markers(self) -> list[str]:
        """What only this office's records show: never on a page of another office."""
        return [self.visit_code, "Ketut Arsana", self.ticket, "Budi Santoso"]


@pytest.fixture
def world(app, runtime, whatsapp, standin, work) -> World:
    """One row of each kind in OFFICE: a visit with its photo, its conversation and its host notice, a
    complaint, a handoff, an employee and a staff user."""
    register(whatsapp, runtime, standin, when="hari ini jam 14")
    work()
    [visit] = visits(runtime)
    whatsapp.send("petugas", from_=ASKER, office=OFFICE, profile="Budi Santoso")
    with runtime.db.session() as s:
        done = complaints.file_complaint(s, runtime.outbox, runtime.offices.get(OFFICE),
                                         complaints.Draft(category="service", description="Antrean lama."),
                                         phone=REPORTER, conversation_id=None, msgs=runtime.messages,
                                         config=runtime.config)
        s.commit()
        complaint = s.get(Complaint, done.complaint.id)
        handoff = s.scalar(select(Handoff.id).where(Handoff.office == OFFICE, Handoff.phone == ASKER))
        employee = s.scalar(select(Employee.id).where(Employee.office == OFFICE).order_by(Employee.id))
        outbox = s.scalar(select(OutboundMessage.id).where(OutboundMessage.office == OFFICE,
                                                           OutboundMessage.kind == "host_notice"))
        stored = s.get(Visit, visit.id)
        assert stored.photo is not None and stored.photo.status == "stored"
        found = World(visit.id, visit.code, visit.conversation_id, complaint.id, complaint.ticket, handoff, employee,
                      0, outbox)
    found.user = make_user(runtime, "subject1", "desk", OFFICE).id
    assert all(value for value in vars(found).values()), found
    return found


def _url(app, endpoint: str, values: dict) -> str:
    with app.test_request_context():
        return url_for(endpoint, **values)


def _routes(app, method: str) -> set[str]:
    return {rule.endpoint for rule in app.url_map.iter_rules() if method in rule.methods}


# -- CSRF on every POST ----------------------------------------------------------------------------
def test_the_sweep_knows_every_post_route(app):
    unknown = _routes(app, "POST") - set(FORMS) - SIGNED_WEBHOOKS
    assert not unknown, f"POST routes without a CSRF case in tests/test_dashboard_sweep.py: {sorted(unknown)}"
    gone = set(FORMS) - _routes(app, "POST")
    assert not gone, f"cases for routes that no longer exist: {sorted(gone)}"


def _snapshot(runtime) -> tuple[dict, set]:
    rows = {}
    with runtime.db.engine.connect() as conn:
        for table in Base.metadata.sorted_tables:
            rows[table.name] = sorted(map(repr, conn.execute(table.select()).all()))
    return rows, set(runtime.redis.keys("*"))


def _session(member: Staff) -> dict:
    with member.client.session_transaction() as session:
        return {k: v for k, v in session.items() if k not in ("csrf_token", "_fresh")}


def test_every_post_route_refuses_a_form_without_its_csrf_token_and_changes_nothing(app, runtime, world):
    admin = signed_in(app, runtime, "admin1", ADMIN, office=None)
    handler = signed_in(app, runtime, "handler1", HANDLER)
    admin.token()  # a token in the session, as a real browser would have: only the form lacks it
    handler.token()
    anonymous = Staff(app)
    anonymous.token()
    before = _snapshot(runtime)
    sessions = {name: _session(m) for name, m in (("admin", admin), ("handler", handler), ("anonymous", anonymous))}
    wrong = []
    for endpoint, (args, data) in sorted(FORMS.items()):
        url = _url(app, endpoint, args(world) if args else {})
        for name, member in (("admin", admin), ("handler", handler), ("anonymous", anonymous)):
            for form in (data, {**data, "csrf_token": "forged-token"}):
                response = member.post(url, form, token=False)
                if response.status_code != 400:
                    wrong.append(f"{name} POST {url} {'forged' if 'csrf_token' in form else 'no'} token: "
                                 f"{response.status_code}")
    assert not wrong, "\n".join(wrong)
    after = _snapshot(runtime)
    changed = [t for t in before[0] if before[0][t] != after[0][t]]
    assert not changed, f"tables changed by token-less posts: {changed}"
    assert before[1] == after[1], f"Redis keys changed: {sorted(before[1] ^ after[1])}"
    for name, member in (("admin", admin), ("handler", handler), ("anonymous", anonymous)):
        assert _session(member) == sessions[name], f"{name}'s session changed"
    # Still signed in, in Indonesian, with no office chosen; the password unchanged.
    assert admin.get("/dashboard/").status_code == 200
    assert "Masuk ke dasbor" in Staff(app).get("/dashboard/login").get_data(as_text=True)
    assert Staff(app).login("subject1").status_code == 302


def test_the_same_forms_with_their_token_do_act(app, runtime, world):
    """The control of the sweep above: with a token, a password reset and a language switch work."""
    admin = signed_in(app, runtime, "admin1", ADMIN, office=None)
    url = _url(app, "dashboard.user_password", {"user_id": world.user})
    assert admin.post(url, {"password": "sandi-baru-12345"}).status_code == 302
    assert Staff(app).login("subject1", "sandi-baru-12345").status_code == 302
    assert admin.post("/dashboard/lang", {"lang": "en", "next": "/dashboard/"}).status_code == 302
    assert _session(admin).get("dashboard_lang") == "en"


def test_signed_webhooks_refuse_an_unsigned_post(app, runtime, world):
    before = _snapshot(runtime)
    client = app.test_client()
    for endpoint in sorted(SIGNED_WEBHOOKS):
        response = client.post(_url(app, endpoint, {}), data={"From": "whatsapp:" + CITIZEN, "Body": "halo",
                                                              "MessageSid": "SM" + "1" * 32,
                                                              "MessageStatus": "delivered"})
        assert response.status_code == 403, endpoint
    assert _snapshot(runtime)[0] == before[0]


# -- the role matrix of every dashboard GET ---------------------------------------------------------
def _dashboard_gets(app) -> set[str]:
    return {e for e in _routes(app, "GET") if e.split(".")[0] in ("dashboard", "dashboard_root")}


def test_the_sweep_knows_every_dashboard_page(app):
    unknown = _dashboard_gets(app) - set(PAGES)
    assert not unknown, f"dashboard pages without an access rule in tests/test_dashboard_sweep.py: {sorted(unknown)}"
    gone = set(PAGES) - _dashboard_gets(app)
    assert not gone, f"rules for pages that no longer exist: {sorted(gone)}"


def _expected(page: Page, role: str | None, own_office: bool, chose_office: bool) -> int:
    if page.roles == PUBLIC:
        return 302 if role is not None and page is PAGES["dashboard.login"] else (
            302 if page is PAGES["dashboard_root.index"] else 200)
    if role is None:
        return 302  # to the login page
    if role not in page.roles:
        return 403
    if page.one_office and not chose_office:
        return 302
    return 404 if page.scoped and not own_office else 200


def _text(response) -> str:
    return response.get_data().decode("utf-8", "replace")


def test_every_dashboard_page_follows_the_role_matrix_and_the_office(app, runtime, world):
    members: list[tuple[str, str | None, bool, Staff]] = [("anonymous", None, True, Staff(app))]
    members.append(("admin of all offices", ADMIN, True, signed_in(app, runtime, "admin1", ADMIN, office=None)))
    chooser = signed_in(app, runtime, "admin2", ADMIN, office=None)
    assert chooser.post("/dashboard/office", {"office": OFFICE, "next": "/dashboard/"}).status_code == 302
    members.append((f"admin who chose {OFFICE}", ADMIN, True, chooser))
    for role in (DESK, HANDLER, VIEWER):
        members.append((f"{role} of {OFFICE}", role, True, signed_in(app, runtime, f"{role}1", role)))
        members.append((f"{role} of {OTHER_OFFICE}", role, False,
                        signed_in(app, runtime, f"{role}2", role, office=OTHER_OFFICE)))
    wrong = []
    seen_markers: set[str] = set()
    for endpoint, page in sorted(PAGES.items()):
        url = _url(app, endpoint, page.args(world) if page.args else {})
        for name, role, own_office, member in members:
            response = member.get(url)
            expected = _expected(page, role, own_office, role != ADMIN or name != "admin of all offices")
            if response.status_code != expected:
                wrong.append(f"{name} GET {url}: {response.status_code}, expected {expected}")
                continue
            if expected == 302 and role is None and page.roles != PUBLIC \
                    and not response.headers["Location"].startswith("/dashboard/login?next="):
                wrong.append(f"{name} GET {url}: redirected to {response.headers['Location']}")
            if expected == 200 and page.roles != PUBLIC:
                body = _text(response)
                shown = {m for m in world.markers() if m in body}
                if own_office:
                    seen_markers |= shown
                elif shown:
                    wrong.append(f"{name} GET {url} shows {OFFICE}'s {sorted(shown)}")
    assert not wrong, "\n".join(wrong)
    # The marker check above is not vacuous: this office's own staff do see each of them somewhere.
    assert seen_markers == set(world.markers()), set(world.markers()) - seen_markers


def test_exports_of_another_office_hold_none_of_this_offices_rows(app, runtime, world):
    """The CSV itself, parsed: the other office's desk gets a file with its header only."""
    url = _url(app, "dashboard.guestbook_export", {"date_from": DAY, "date_to": DAY})
    ours = list(csv.DictReader(io.StringIO(_text(signed_in(app, runtime, "desk1", DESK).get(url)).lstrip("\ufeff"))))
    theirs = list(csv.DictReader(io.StringIO(
        _text(signed_in(app, runtime, "desk2", DESK, office=OTHER_OFFICE).get(url)).lstrip("\ufeff"))))
    assert [r["Kode kunjungan"] for r in ours] == [world.visit_code] and theirs == []


def test_the_complaint_xlsx_of_another_office_holds_none_of_this_offices_rows(app, runtime, world):
    """The workbook itself, opened: every cell of the other office's file, none of them this office's ticket."""
    url = _url(app, "dashboard.complaints_export_xlsx", {})
    for role in (DESK, HANDLER):
        ours = load_workbook(io.BytesIO(signed_in(app, runtime, f"{role}1", role).get(url).get_data())).active
        theirs = load_workbook(io.BytesIO(
            signed_in(app, runtime, f"{role}2", role, office=OTHER_OFFICE).get(url).get_data())).active
        assert world.ticket in [c for row in ours.iter_rows(values_only=True) for c in row], role
        cells = [str(c) for row in theirs.iter_rows(values_only=True) for c in row if c is not None]
        assert cells and not any(world.ticket in c or REPORTER[-4:] in c for c in cells), role
