"""Edges of the dashboard's access checks (handlers/dashboard/access.py) that the mutation run
(bench/mutation.py access --modules handlers/dashboard/access.py) showed no test decided: what a
visitor who is not signed in is told, and where the login page sends them back to (never past a
control character, a backslash or a leading "//"); what an audit row records of what it was given; the
page's language; the parts of Today each role is shown; the office staff see named, or none when
theirs is no longer served. Real Flask requests on the real app."""

from __future__ import annotations

import re

import pytest
from flask_login import login_user
from sqlalchemy import select

from bot.dashboard import audit as audit_log
from bot.dashboard.roles import Role
from bot.models.staff import AuditEvent, StaffUser
from handlers.dashboard import access
from tests.support.dashboard import OFFICE, PASSWORD, Staff, make_user, signed_in

REQUIRED = '<p class="flash flash-info" role="status">{}</p>'


def _events(runtime, action: str) -> list[AuditEvent]:
    with runtime.db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.mark.parametrize(("path", "back_to"), [
    ("/dashboard/transcripts", "/dashboard/transcripts"),  # no "?" left dangling
    ("/dashboard/transcripts?q=MAX", "/dashboard/transcripts?q%3DMAX"),  # the whole query, to its last letter
])
def test_a_visitor_not_signed_in_is_asked_to_sign_in_and_sent_back_afterwards(client, runtime, path, back_to):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"] == f"/dashboard/login?next={back_to}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    told = runtime.messages.text("id", "dashboard.login.required")
    assert REQUIRED.format(told) in page and page.count("flash-info") == 1


def test_an_audit_row_holds_its_subject_office_address_and_detail(app, runtime):
    desk = signed_in(app, runtime, "desk1", "desk")
    admin = signed_in(app, runtime, "admin1", "admin", office=None)
    assert admin.get("/dashboard/audit?subject_type=staff_user&subject_id=7").status_code == 200
    desk_id = _events(runtime, "login")[0].actor_id
    assert desk.post("/dashboard/logout").status_code == 302
    viewed = [e for e in _events(runtime, audit_log.VIEW) if e.subject_type == "audit_log"][-1]
    assert (viewed.actor_username, viewed.ip, viewed.office) == ("admin1", "127.0.0.1", None)
    assert viewed.detail == {"subject_type": "staff_user", "subject_id": "7"}
    [signed_out] = _events(runtime, audit_log.LOGOUT)
    assert (signed_out.subject_id, signed_out.office, signed_out.ip) == (str(desk_id), OFFICE, "127.0.0.1")


def test_only_a_signed_in_complaint_handler_counts_as_one(app, runtime):
    """The transcripts show a confidential complaint's conversation to this role alone, admins included."""
    with app.test_request_context("/dashboard/"):
        assert access.is_complaint_handler() is False  # nobody signed in
    for role in Role:
        user = make_user(runtime, f"{role}1", role)
        with app.test_request_context("/dashboard/"):
            login_user(user)
            assert access.is_complaint_handler() is (role == Role.HANDLER)


def test_a_session_ends_at_the_very_second_its_lifetime_is_over(app, runtime, monkeypatch):
    signed_in_at = 1_800_000_000
    monkeypatch.setattr(access, "wall_clock", lambda: signed_in_at)
    member = signed_in(app, runtime, "desk.day", "desk")
    lifetime = app.config["DASHBOARD_SESSION_LIFETIME"].total_seconds()
    monkeypatch.setattr(access, "wall_clock", lambda: signed_in_at + lifetime - 1)
    assert member.get("/dashboard/").status_code == 200
    monkeypatch.setattr(access, "wall_clock", lambda: signed_in_at + lifetime)
    assert member.get("/dashboard/").status_code == 302


def test_a_session_without_its_sign_in_time_is_not_signed_in(app, runtime):
    member = signed_in(app, runtime, "desk.old", "desk")
    assert member.get("/dashboard/").status_code == 200
    with member.client.session_transaction() as cookie:  # e.g. a cookie from before the lifetime existed
        del cookie[access.SIGNED_IN_KEY]
    assert member.get("/dashboard/").status_code == 302


def test_a_session_naming_only_an_id_or_an_inactive_account_is_not_signed_in(app, runtime):
    member = signed_in(app, runtime, "desk.two", "desk")
    with runtime.db.session() as s:
        user = s.scalar(select(StaffUser).where(StaffUser.username == "desk.two"))
    with member.client.session_transaction() as cookie:  # a session from before the auth versions
        cookie["_user_id"] = str(user.id)
    assert member.get("/dashboard/").status_code == 302
    again = signed_in(app, runtime, "desk.three", "desk")
    with runtime.db.session() as s:  # switched off in the database, its version untouched
        s.scalar(select(StaffUser).where(StaffUser.username == "desk.three")).active = False
        s.commit()
    assert again.get("/dashboard/").status_code == 302


@pytest.mark.parametrize(("target", "lands_on"), [
    ("/dashboard/transcripts?q=Budi Santoso", "/dashboard/transcripts?q=Budi%20Santoso"),  # a space is no control
    ("///dashboard/x", "/dashboard/"),  # a browser reads it as the host "dashboard"
    ("/dashboard/..\\evil.example", "/dashboard/"),  # a browser reads "\" as "/"
    ("/dashboard/\x7f", "/dashboard/"),  # DEL, the one control character above the space
    ("/dashboard/\x1f", "/dashboard/"),
    ("/dashboard/\r\nSet-Cookie: x=1", "/dashboard/"),  # would split the Location header
    ("/dashboard/transcripts?q=\x80", "/dashboard/transcripts?q=%C2%80"),  # above DEL: an ordinary letter
])
def test_the_login_sends_back_only_to_a_plain_dashboard_path(app, runtime, target, lands_on):
    make_user(runtime, "desk1", "desk")
    response = Staff(app).login("desk1", next=target)
    assert response.status_code == 302 and response.headers["Location"] == lands_on


def test_a_signed_in_member_opening_the_login_page_goes_home_or_where_it_asked(app, runtime):
    member = signed_in(app, runtime, "desk1", "desk")
    assert member.get("/dashboard/login").headers["Location"] == "/dashboard/"  # no "next" at all
    assert member.get("/dashboard/login?next=/dashboard/transcripts").headers["Location"] == "/dashboard/transcripts"


def test_the_page_says_its_language_and_ignores_an_unknown_one(app, runtime):
    member = signed_in(app, runtime, "desk1", "desk")
    assert '<html lang="id">' in member.get("/dashboard/").get_data(as_text=True)
    with member.client.session_transaction() as cookie:
        cookie[access.LANG_KEY] = "fr"  # e.g. a language taken out of the catalogs since
    assert '<html lang="id">' in member.get("/dashboard/").get_data(as_text=True)
    assert member.post("/dashboard/lang", {"lang": "en", "next": "/dashboard/"}).status_code == 302
    assert '<html lang="en">' in member.get("/dashboard/").get_data(as_text=True)


def test_a_request_without_an_address_is_recorded_with_a_dash(app, runtime):
    make_user(runtime, "desk1", "desk")
    member = Staff(app)
    data = {"username": "desk1", "password": PASSWORD, "csrf_token": member.token()}
    response = member.client.post("/dashboard/login", data=data, environ_base={"REMOTE_ADDR": ""})
    assert response.status_code == 302  # e.g. gunicorn on a unix socket behind a proxy without ProxyFix
    assert [e.ip for e in _events(runtime, audit_log.LOGIN)] == ["-"]


def test_staff_see_their_own_office_named_at_the_top_of_each_page(app, runtime):
    member = signed_in(app, runtime, "desk1", "desk")
    page = member.get("/dashboard/transcripts").get_data(as_text=True)
    assert f'<span class="office-name">{runtime.offices.get(OFFICE).name}</span>' in page


def test_staff_of_an_office_no_longer_served_see_no_office_and_no_error(app, runtime, whatsapp):
    """An office taken out of config/offices keeps its staff accounts until an admin changes them."""
    whatsapp.send("halo", from_="+6281234500001", office=OFFICE)
    member = signed_in(app, runtime, "desk1", "desk")
    with runtime.db.session() as s:
        s.scalar(select(StaffUser).where(StaffUser.username == "desk1")).office = "kejari-lama"
        s.commit()
    for path in ["/dashboard/", "/dashboard/transcripts"]:
        response = member.get(path)
        assert response.status_code == 200, path
        page = response.get_data(as_text=True)
        assert 'class="office-name"' not in page and "+6281234500001" not in page


TODAY_GROUPS = {  # role -> the parts of Today its home page shows (each one a list the role may open)
    "admin": ["guests", "waits", "citizens", "complaints", "unconfirmed", "messages"],
    "desk": ["guests", "waits", "citizens", "complaints", "messages"],
    "handler": ["citizens", "complaints", "messages"],
    "viewer": [],
}


@pytest.mark.parametrize("role", sorted(TODAY_GROUPS))
def test_the_home_page_shows_each_role_only_the_parts_of_today_it_may_open(app, runtime, role):
    member = signed_in(app, runtime, f"{role}1", role, None if role == "admin" else OFFICE)
    if role == "admin":
        assert member.post("/dashboard/office", {"office": OFFICE, "next": "/dashboard/"}).status_code == 302
    page = member.get("/dashboard/").get_data(as_text=True)
    assert re.findall(rf'<div class="today-group" id="today-([a-z_]+)-{OFFICE}"', page) == TODAY_GROUPS[role]
    catalog = member.get("/dashboard/catalog").get_data(as_text=True)
    assert ('id="catalog-edit-link"' in catalog) == (role == "admin")
