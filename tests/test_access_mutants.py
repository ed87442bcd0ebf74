"""Edges of the dashboard's access checks (handlers/dashboard/access.py) that the mutation run
(bench/mutation.py access --modules handlers/dashboard/access.py) showed no test decided: what a
visitor who is not signed in is told, and where the login page sends them back to; what an audit row
records of what it was given. Real Flask requests on the real app."""

from __future__ import annotations

import pytest
from flask_login import login_user
from sqlalchemy import select

from bot.dashboard import audit as audit_log
from bot.dashboard.roles import Role
from bot.models.staff import AuditEvent, StaffUser
from handlers.dashboard import access
from tests.support.dashboard import OFFICE, make_user, signed_in

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
