"""Who may open and post what on the dashboard: sign-in, roles, offices, CSRF, throttling, cookies."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.models import Conversation
from bot.models.staff import AuditEvent, StaffUser
from tests.support.dashboard import OFFICE, OTHER_OFFICE, PASSWORD, Staff, make_user, signed_in

PAGES = ["/dashboard/", "/dashboard/transcripts", "/dashboard/users", "/dashboard/audit"]


def _conversation(runtime, whatsapp, office: str, number: str) -> int:
    whatsapp.send("halo", from_=number, office=office)
    with runtime.db.session() as s:
        return s.scalar(select(Conversation.id).where(Conversation.office == office, Conversation.phone == number))


def _events(runtime, action: str) -> list[AuditEvent]:
    with runtime.db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.mark.parametrize("path", [*PAGES, "/dashboard/transcripts/1", "/dashboard/users/1"])
def test_unauthenticated_requests_go_to_the_login_page(client, path):
    response = client.get(path)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/dashboard/login?next=")


def test_root_redirects_to_the_dashboard(client):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard/"


def test_login_page_renders_in_indonesian_and_english(app, client):
    page = client.get("/dashboard/login")
    assert page.status_code == 200 and "Masuk ke dasbor" in page.get_data(as_text=True)
    member = Staff(app)
    assert member.post("/dashboard/lang", {"lang": "en", "next": "/dashboard/login"}).status_code == 302
    assert "Sign in to the dashboard" in member.get("/dashboard/login").get_data(as_text=True)


def test_sign_in_and_out(app, runtime):
    make_user(runtime, "desk1", "desk")
    member = Staff(app)
    response = member.login("desk1", next="/dashboard/transcripts")
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard/transcripts"
    home = member.get("/dashboard/")
    assert home.status_code == 200 and "Desk1" in home.get_data(as_text=True)
    assert [e.actor_username for e in _events(runtime, "login")] == ["desk1"]
    assert member.post("/dashboard/logout").status_code == 302
    assert member.get("/dashboard/").status_code == 302
    assert [e.actor_username for e in _events(runtime, "logout")] == ["desk1"]


def test_wrong_password_is_refused_and_recorded(app, runtime):
    make_user(runtime, "desk1", "desk")
    member = Staff(app)
    response = member.login("desk1", "salah-sandi-123")
    assert response.status_code == 401
    assert "Nama pengguna atau kata sandi salah." in response.get_data(as_text=True)
    assert member.get("/dashboard/").status_code == 302
    unknown = member.login("rahasia-kantor-123")  # a password typed into the username box
    assert unknown.status_code == 401
    failures = _events(runtime, "login_failed")
    with runtime.db.session() as s:
        desk_id = s.scalar(select(StaffUser.id).where(StaffUser.username == "desk1"))
    assert [(e.actor_id, e.actor_username, e.subject_id) for e in failures] == [(None, "?", str(desk_id)),
                                                                               (None, "?", None)]
    assert all("rahasia" not in f"{e.detail} {e.subject_id} {e.actor_username}" for e in failures)


@pytest.mark.parametrize("target", ["https://evil.example/x", "//evil.example/x", "/\\evil.example", "/healthz"])
def test_login_never_redirects_outside_the_dashboard(app, runtime, target):
    make_user(runtime, "desk1", "desk")
    response = Staff(app).login("desk1", next=target)
    assert response.status_code == 302 and response.headers["Location"] == "/dashboard/"


def test_inactive_user_cannot_sign_in(app, runtime):
    user = make_user(runtime, "desk1", "desk")
    with runtime.db.session() as s:
        s.get(StaffUser, user.id).active = False
        s.commit()
    assert Staff(app).login("desk1").status_code == 401


# --- the role matrix ---------------------------------------------------------------------------

ROLES = ["admin", "desk", "handler", "viewer"]
GET_MATRIX = {
    # path template: roles that get 200 (others 403)
    "/dashboard/": {"admin", "desk", "handler", "viewer"},
    "/dashboard/transcripts": {"admin", "desk", "handler"},
    "/dashboard/transcripts/{own}": {"admin", "desk", "handler"},
    "/dashboard/users": {"admin"},
    "/dashboard/users/{target}": {"admin"},
    "/dashboard/audit": {"admin"},
}


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_for_pages(app, runtime, whatsapp, role):
    own = _conversation(runtime, whatsapp, OFFICE, "+6281234500001")
    other = _conversation(runtime, whatsapp, OTHER_OFFICE, "+6281234500002")
    target = make_user(runtime, "target", "viewer").id
    member = signed_in(app, runtime, "saya", role, None if role == "admin" else OFFICE)
    for template, allowed in GET_MATRIX.items():
        path = template.format(own=own, target=target)
        expected = 200 if role in allowed else 403
        assert member.get(path).status_code == expected, (role, path)
    # Another office's conversation: hidden from staff of other offices, visible to admins.
    expected = {"admin": 200, "viewer": 403}.get(role, 404)
    assert member.get(f"/dashboard/transcripts/{other}").status_code == expected
    assert member.get("/dashboard/transcripts/999999").status_code == (403 if role == "viewer" else 404)


@pytest.mark.parametrize("role", ROLES)
def test_role_matrix_for_forms(app, runtime, role):
    target = make_user(runtime, "target", "viewer").id
    member = signed_in(app, runtime, "saya", role, None if role == "admin" else OFFICE)
    posts = [
        ("/dashboard/users", {"username": "baru", "display_name": "Baru", "role": "desk", "office": OFFICE,
                              "password": PASSWORD}),
        (f"/dashboard/users/{target}", {"display_name": "Target", "role": "desk", "office": OFFICE,
                                        "active": "y"}),
        (f"/dashboard/users/{target}/password", {"password": "kata-sandi-baru-1"}),
        ("/dashboard/office", {"office": OTHER_OFFICE}),
    ]
    for path, data in posts:
        expected = 302 if role == "admin" else 403
        assert member.post(path, data).status_code == expected, (role, path)
    with runtime.db.session() as s:
        created = s.scalar(select(StaffUser).where(StaffUser.username == "baru"))
        changed = s.get(StaffUser, target)
    assert (created is not None) == (role == "admin")
    assert (changed.role == "desk") == (role == "admin")
    # Everyone may choose a language and sign out.
    assert member.post("/dashboard/lang", {"lang": "en"}).status_code == 302
    assert member.post("/dashboard/logout").status_code == 302


def test_staff_list_shows_only_their_office_and_admins_switch(app, runtime, whatsapp):
    _conversation(runtime, whatsapp, OFFICE, "+6281234500001")
    _conversation(runtime, whatsapp, OTHER_OFFICE, "+6281234500002")
    desk = signed_in(app, runtime, "desk1", "desk", OFFICE)
    page = desk.get("/dashboard/transcripts").get_data(as_text=True)
    assert "+6281234500001" in page and "+6281234500002" not in page
    assert 'id="office-switch"' not in page
    admin = signed_in(app, runtime, "admin1", "admin", None)
    page = admin.get("/dashboard/transcripts").get_data(as_text=True)
    assert "+6281234500001" in page and "+6281234500002" in page and 'id="office-switch"' in page
    assert admin.post("/dashboard/office", {"office": OTHER_OFFICE, "next": "/dashboard/transcripts"}) \
        .headers["Location"] == "/dashboard/transcripts"
    page = admin.get("/dashboard/transcripts").get_data(as_text=True)
    assert "+6281234500001" not in page and "+6281234500002" in page
    assert admin.post("/dashboard/office", {"office": "kejari-mars"}).status_code == 400
    admin.post("/dashboard/office", {"office": ""})
    page = admin.get("/dashboard/transcripts").get_data(as_text=True)
    assert "+6281234500001" in page and "+6281234500002" in page


def test_navigation_lists_only_pages_the_role_may_open(app, runtime):
    viewer = signed_in(app, runtime, "viewer1", "viewer")
    page = viewer.get("/dashboard/").get_data(as_text=True)
    assert 'href="/dashboard/transcripts"' not in page and 'href="/dashboard/users"' not in page
    admin = signed_in(app, runtime, "admin1", "admin", None)
    page = admin.get("/dashboard/").get_data(as_text=True)
    for path in ("/dashboard/transcripts", "/dashboard/users", "/dashboard/audit"):
        assert f'href="{path}"' in page


# --- CSRF -------------------------------------------------------------------------------------

def test_posts_without_a_csrf_token_are_rejected(app, runtime):
    make_user(runtime, "desk1", "desk")
    member = Staff(app)
    member.get("/dashboard/login")
    refused = member.client.post("/dashboard/login", data={"username": "desk1", "password": PASSWORD})
    assert refused.status_code == 400
    assert "kedaluwarsa" in refused.get_data(as_text=True)
    assert member.get("/dashboard/").status_code == 302  # not signed in

    admin = signed_in(app, runtime, "admin1", "admin", None)
    form = {"username": "baru", "display_name": "Baru", "role": "desk", "office": OFFICE, "password": PASSWORD}
    assert admin.post("/dashboard/users", form, token=False).status_code == 400
    assert admin.client.post("/dashboard/users", data={**form, "csrf_token": "forged"}).status_code == 400
    with runtime.db.session() as s:
        assert s.scalar(select(StaffUser).where(StaffUser.username == "baru")) is None
    assert admin.post("/dashboard/logout", token=False).status_code == 400
    assert admin.get("/dashboard/").status_code == 200  # still signed in


def test_a_token_from_another_session_is_refused(app, runtime):
    admin = signed_in(app, runtime, "admin1", "admin", None)
    stranger = Staff(app)
    token = stranger.token()
    form = {"username": "baru", "display_name": "Baru", "role": "desk", "office": OFFICE, "password": PASSWORD,
            "csrf_token": token}
    assert admin.client.post("/dashboard/users", data=form).status_code == 400


def test_twilio_webhooks_stay_exempt_from_csrf(app, whatsapp):
    assert app.config.get("WTF_CSRF_ENABLED", True) is True
    answer = whatsapp.send("halo")
    assert answer.status == 200 and answer.messages


# --- throttling -------------------------------------------------------------------------------

def test_five_failures_lock_the_login_for_fifteen_minutes(app, runtime, frozen_clock):
    make_user(runtime, "desk1", "desk")
    member = Staff(app)
    for _ in range(4):
        assert member.login("desk1", "salah-sandi-123").status_code == 401
    locked = member.login("desk1", "salah-sandi-123")
    assert locked.status_code == 429
    assert "coba lagi dalam 15 menit" in locked.get_data(as_text=True)
    # The right password does not help while locked, and says so.
    assert member.login("desk1").status_code == 429
    frozen_clock.advance(minutes=10)
    again = member.login("desk1")
    assert again.status_code == 429 and "dalam 5 menit" in again.get_data(as_text=True)
    # Another address is not locked out by this one.
    other = Staff(app)
    other.client.environ_base["REMOTE_ADDR"] = "10.9.8.7"
    assert other.login("desk1").status_code == 302
    frozen_clock.advance(minutes=5)
    assert member.login("desk1").status_code == 302
    assert len(_events(runtime, "login_locked")) == 2


# --- sessions and cookies ---------------------------------------------------------------------

def test_session_cookie_flags(app, runtime):
    make_user(runtime, "desk1", "desk")
    response = Staff(app).login("desk1")
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "Secure" in cookie
    assert "Expires=" in cookie  # one working day, not forever


def test_no_secure_flag_on_plain_http(config, runtime):
    from app import create_app

    config.PUBLIC_BASE_URL = "http://localhost:5000"
    plain = create_app(config, runtime=runtime)
    assert plain.config["SESSION_COOKIE_SECURE"] is False
    assert plain.config["SESSION_COOKIE_HTTPONLY"] is True and plain.config["SESSION_COOKIE_SAMESITE"] == "Lax"


def test_deactivation_and_password_reset_end_sessions(app, runtime):
    admin = signed_in(app, runtime, "admin1", "admin", None)
    desk = signed_in(app, runtime, "desk1", "desk")
    desk_id = desk.get("/dashboard/") and runtime.db.session
    with runtime.db.session() as s:
        desk_id = s.scalar(select(StaffUser.id).where(StaffUser.username == "desk1"))
    assert admin.post(f"/dashboard/users/{desk_id}/password", {"password": "kata-sandi-baru-1"}).status_code == 302
    assert desk.get("/dashboard/").status_code == 302
    assert desk.login("desk1", "kata-sandi-baru-1").status_code == 302
    assert desk.get("/dashboard/").status_code == 200
    response = admin.post(f"/dashboard/users/{desk_id}", {"display_name": "Desk", "role": "desk", "office": OFFICE})
    assert response.status_code == 302  # "active" unchecked: deactivated
    assert desk.get("/dashboard/").status_code == 302
    assert desk.login("desk1", "kata-sandi-baru-1").status_code == 401


def test_security_headers_on_dashboard_pages(client):
    response = client.get("/dashboard/login")
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Cache-Control"] == "no-store"


# --- create-admin ------------------------------------------------------------------------------

def test_create_admin_reads_the_password_from_stdin(app, runtime):
    result = app.test_cli_runner().invoke(args=["create-admin", "--username", "Kepala", "--name", "Kepala Seksi",
                                                "--password-stdin"], input="sandi-admin-123\n")
    assert result.exit_code == 0, result.output
    assert "sandi-admin-123" not in result.output
    assert Staff(app).login("kepala", "sandi-admin-123").status_code == 302
    with runtime.db.session() as s:
        user = s.scalar(select(StaffUser).where(StaffUser.username == "kepala"))
    assert user.role == "admin" and user.office is None and user.display_name == "Kepala Seksi"
    assert [e.actor_username for e in _events(runtime, "create")] == ["cli"]


def test_create_admin_prompts_twice_and_refuses_weak_or_duplicate(app, runtime):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["create-admin", "--username", "admin"], input="sandi-meja-123\nsandi-meja-123\n")
    assert result.exit_code == 0, result.output
    again = runner.invoke(args=["create-admin", "--username", "admin", "--password-stdin"], input="sandi-lain-1234\n")
    assert again.exit_code != 0 and "DuplicateUsername" in again.output
    weak = runner.invoke(args=["create-admin", "--username", "admin2", "--password-stdin"], input="pendek\n")
    assert weak.exit_code != 0 and "WeakPassword" in weak.output


def test_menu_items_of_pages_that_do_not_exist_yet_stay_hidden(app, runtime, monkeypatch):
    from handlers import dashboard

    monkeypatch.setattr(dashboard, "NAV", [*dashboard.NAV, dashboard.NavItem("visits.today", "nav.home", "home", 5)])
    monkeypatch.setattr("handlers.dashboard.views.common.NAV", dashboard.NAV)
    admin = signed_in(app, runtime, "admin1", "admin", None)
    assert admin.get("/dashboard/").status_code == 200  # no BuildError for the missing endpoint
