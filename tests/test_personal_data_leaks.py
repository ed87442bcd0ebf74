"""Issue 15, "Leaks": each leak the review found, reproduced as a test that failed before its fix.

Confidential and anonymous reporters through transcripts, search and the inbox (a role matrix);
NIK masks for every separator; logout, password and role changes that end sessions server-side and
an absolute session lifetime; the NIK hash key; the smaller ones (search out of the URL, file modes,
CR/LF in `next`, an out-of-range `?o=`, MediaUrl hosts, a per-IP login ceiling, common passwords).
"""

from __future__ import annotations

import os
import re
import stat

import pytest
from sqlalchemy import select

from bot import runtime as runtime_module
from bot.complaints import service as complaints
from bot.dashboard import passwords, staff
from bot.dashboard.throttle import LoginThrottle
from bot.exceptions import ConfigError
from bot.inbound import Inbound, media_url_allowed
from bot.masking import has_nik, mask_nik
from bot.models import Conversation, InboundMessage, OutboundMessage
from bot.models.handoff import Handoff
from bot.models.staff import StaffUser
from bot.visits import parsing, security
from handlers.dashboard import access
from handlers.twilio_webhooks import _outbox_id
from tests.support.dashboard import OFFICE, OTHER_OFFICE, PASSWORD, Staff, make_user, signed_in

CONFIDENTIAL, ANONYMOUS, OPEN = "+6281234500041", "+6281234500042", "+6281234500043"
REPORT = "Petugas loket PTSP meminta uang 200 ribu agar berkas saya cepat selesai."
ANON_REPORT = "Ada pungutan di parkiran kantor tanpa karcis resmi setiap hari Senin."


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def _file(runtime, phone: str, description: str, **draft) -> str:
    with runtime.db.session() as s:
        conversation_id = s.scalar(select(Conversation.id).where(Conversation.phone == phone))
        done = complaints.file_complaint(s, runtime.outbox, runtime.offices.get(OFFICE),
                                         complaints.Draft(category="service", description=description, **draft),
                                         phone=phone, conversation_id=conversation_id, msgs=runtime.messages,
                                         config=runtime.config)
        s.commit()
        return done.complaint.ticket


@pytest.fixture
def reports(runtime, whatsapp):
    """A confidential report, an anonymous one and an open conversation, all at Klungkung."""
    whatsapp.send(REPORT, from_=CONFIDENTIAL, profile="Made Rahasia")
    whatsapp.send(ANON_REPORT, from_=ANONYMOUS, profile="Nyoman Anonim")
    whatsapp.send("Jam buka PTSP hari Sabtu?", from_=OPEN, profile="Wayan Terbuka")
    tickets = {"confidential": _file(runtime, CONFIDENTIAL, REPORT, reporter_name="Made Rahasia", confidential=True),
               "anonymous": _file(runtime, ANONYMOUS, ANON_REPORT, anonymous=True)}
    with runtime.db.session() as s:
        ids = {phone: cid for cid, phone in s.execute(select(Conversation.id, Conversation.phone))}
    return {"ids": ids, "tickets": tickets}


def _page(member, path: str) -> tuple[int, str]:
    response = member.get(path, follow_redirects=True)
    return response.status_code, response.get_data(as_text=True)


# -- 1. confidential and anonymous reporters ---------------------------------------------------------
@pytest.mark.parametrize(("role", "office", "reads_protected"), [
    ("handler", OFFICE, True),
    ("desk", OFFICE, False),
    ("admin", None, False),
])
def test_transcript_role_matrix_for_protected_conversations(app, runtime, reports, role, office, reads_protected):
    member = signed_in(app, runtime, f"{role}.matrix", role, office)
    ids = reports["ids"]
    status, listing = _page(member, "/dashboard/transcripts")
    assert status == 200
    assert "Wayan Terbuka" in listing and OPEN in listing  # an ordinary conversation reads as before
    status, conf = _page(member, f"/dashboard/transcripts/{ids[CONFIDENTIAL]}")
    status_anon, anon = _page(member, f"/dashboard/transcripts/{ids[ANONYMOUS]}")
    assert status == status_anon == 200
    # Nobody sees the anonymous reporter's number or WhatsApp name, handlers included.
    assert ANONYMOUS not in anon and "Nyoman Anonim" not in anon and ANONYMOUS not in listing
    assert "Nyoman Anonim" not in listing
    if reads_protected:
        assert "Made Rahasia" in listing and CONFIDENTIAL in listing
        assert REPORT in conf and CONFIDENTIAL in conf and "Made Rahasia" in conf
        assert ANON_REPORT in anon
        found = _page(member, f"/dashboard/transcripts?q={CONFIDENTIAL[1:]}")[1]
        assert "Made Rahasia" in found
    else:
        assert "Made Rahasia" not in listing and CONFIDENTIAL not in listing
        assert listing.count("Percakapan rahasia") == 2  # it exists, nothing more
        for page, text in ((conf, REPORT), (anon, ANON_REPORT)):
            assert text not in page and 'id="protected-notice"' in page
        assert CONFIDENTIAL not in conf and "Made Rahasia" not in conf
        assert reports["tickets"]["confidential"] not in conf
        for query in (CONFIDENTIAL[1:], "0" + CONFIDENTIAL[3:], "Made", "Rahasia"):
            found = _page(member, f"/dashboard/transcripts?q={query}")[1]
            assert "Percakapan rahasia" not in found and "Made Rahasia" not in found, query


def test_viewers_and_other_offices_read_no_protected_transcript(app, runtime, reports):
    viewer = signed_in(app, runtime, "viewer1", "viewer", OFFICE)
    assert viewer.get("/dashboard/transcripts").status_code == 403
    assert viewer.get(f"/dashboard/transcripts/{reports['ids'][CONFIDENTIAL]}").status_code == 403
    stranger = signed_in(app, runtime, "handler.alor", "handler", OTHER_OFFICE)
    assert stranger.get(f"/dashboard/transcripts/{reports['ids'][CONFIDENTIAL]}").status_code == 404
    listing = stranger.get("/dashboard/transcripts").get_data(as_text=True)
    assert "Made Rahasia" not in listing and CONFIDENTIAL not in listing


def test_inbox_shows_a_desk_officer_only_the_request_not_the_report(app, runtime, whatsapp, reports, frozen_clock):
    frozen_clock.advance(minutes=5)
    whatsapp.send("petugas", from_=CONFIDENTIAL, profile="Made Rahasia")
    frozen_clock.advance(minutes=1)
    whatsapp.send("Saya ingin menanyakan jam buka loket.", from_=CONFIDENTIAL, profile="Made Rahasia")
    with runtime.db.session() as s:
        request_ = s.scalars(select(Handoff).where(Handoff.phone == CONFIDENTIAL)).one()
    desk = signed_in(app, runtime, "desk.inbox", "desk", OFFICE)
    listing = desk.get("/dashboard/inbox").get_data(as_text=True)
    assert "Made Rahasia" not in listing and CONFIDENTIAL not in listing
    page = desk.get(f"/dashboard/inbox/{request_.id}").get_data(as_text=True)
    assert "jam buka loket" in page and REPORT not in page and "Made Rahasia" not in page
    assert 'id="protected-notice"' in page
    handler = signed_in(app, runtime, "handler.inbox", "handler", OFFICE)
    full = handler.get(f"/dashboard/inbox/{request_.id}").get_data(as_text=True)
    assert REPORT in full and "jam buka loket" in full


# -- 2./3. one NIK mask for every separator ----------------------------------------------------------
@pytest.mark.parametrize("typed", [
    "5105/0145/0190/0001", "5105 - 0145 - 0190 - 0001", "5105.0145-0190/0001", "5105_0145_0190_0001",
    "5 1 0 5 0 1 4 5 0 1 9 0 0 0 0 1", "5105\n0145\n0190\n0001", "5105–0145–0190–0001", "5105 0145 0190 0001 99",
])
def test_every_separator_form_is_masked_and_read_by_the_parser_alike(typed):
    masked = mask_nik(f"NIK saya {typed} ya")
    assert "0145" not in masked and "5105" in masked and has_nik(typed)
    assert re.sub(r"\D", "", masked).count("0190") == 0
    if len(re.sub(r"\D", "", typed)) == 16:
        assert parsing.digits_of(typed) == "5105014501900001"


def test_transcript_and_inbox_mask_a_nik_typed_with_slashes_or_spaced_dashes(app, runtime, whatsapp):
    whatsapp.send("NIK 5105/0145/0190/0001 dan 5105 - 0145 - 0190 - 0002", profile="Budi")
    desk = signed_in(app, runtime, "desk.nik", "desk", OFFICE)
    with runtime.db.session() as s:
        cid = s.scalar(select(Conversation.id))
    page = desk.get(f"/dashboard/transcripts/{cid}").get_data(as_text=True)
    assert "0145" not in page and "5105********0001" in page and "5105********0002" in page


def test_an_officers_reply_is_stored_and_sent_with_the_nik_masked(app, runtime, whatsapp):
    whatsapp.send("petugas", from_=OPEN, profile="Wayan Terbuka")
    with runtime.db.session() as s:
        request_ = s.scalars(select(Handoff).where(Handoff.phone == OPEN)).one()
    desk = signed_in(app, runtime, "desk.reply", "desk", OFFICE)
    assert desk.post(f"/dashboard/inbox/{request_.id}/take").status_code == 302
    desk.post(f"/dashboard/inbox/{request_.id}/reply", {"body": "NIK Bapak 5171/0101/0190/0001 sudah kami cek."})
    with runtime.db.session() as s:
        [body] = s.scalars(select(OutboundMessage.body).where(OutboundMessage.kind == "officer_reply")).all()
    assert body == "NIK Bapak 5171********0001 sudah kami cek."


# -- 4. sessions end server-side ----------------------------------------------------------------------
def _signed_in_copy(app, runtime, username: str, role: str = "desk") -> tuple[Staff, Staff]:
    member = signed_in(app, runtime, username, role)
    thief = Staff(app)
    for cookie in member.client._cookies.values():
        thief.client.set_cookie(cookie.key, cookie.value, domain=cookie.domain, path=cookie.path)
    assert thief.get("/dashboard/").status_code == 200
    return member, thief


def test_logout_ends_a_copied_session(app, runtime):
    member, thief = _signed_in_copy(app, runtime, "desk.logout")
    assert member.post("/dashboard/logout").status_code == 302
    assert thief.get("/dashboard/").status_code == 302  # to the login page


def test_password_and_role_changes_end_sessions(app, runtime):
    _, thief = _signed_in_copy(app, runtime, "desk.pw")
    with runtime.db.session() as s:
        staff.set_password(staff.by_username(s, "desk.pw"), "meja-depan-pagi-9")
        s.commit()
    assert thief.get("/dashboard/").status_code == 302
    _, thief = _signed_in_copy(app, runtime, "desk.role")
    with runtime.db.session() as s:
        staff.update(s, staff.by_username(s, "desk.role"), display_name="Desk", role="handler", office=OFFICE,
                     active=True, offices={o.slug for o in runtime.offices})
        s.commit()
    assert thief.get("/dashboard/").status_code == 302


def test_a_session_has_an_absolute_lifetime(app, runtime, monkeypatch):
    assert app.config["DASHBOARD_SESSION_LIFETIME"].total_seconds() == 12 * 3600  # the default
    member = signed_in(app, runtime, "desk.long", "desk")
    start = access.wall_clock()
    monkeypatch.setattr(access, "wall_clock", lambda: start + 11 * 3600)
    assert member.get("/dashboard/").status_code == 200  # active all day: still in
    monkeypatch.setattr(access, "wall_clock", lambda: start + 12 * 3600 + 1)
    assert member.get("/dashboard/").status_code == 302  # however active, not past the lifetime


# -- 5. the NIK hash key ------------------------------------------------------------------------------
def test_twilio_mode_refuses_to_start_without_nik_hash_key(config, clean_state):
    config.NIK_HASH_KEY = ""
    with pytest.raises(ConfigError, match="NIK_HASH_KEY"):
        runtime_module.build(config)


def test_the_nik_hash_is_keyed_with_its_own_key(config):
    number = "5171010101900001"
    hashed = security.id_hash(security.nik_hash_key(config), "ktp", number)
    assert hashed != security.id_hash(security.secret_key(config), "ktp", number)
    assert security.nik_hash_key(config) == config.NIK_HASH_KEY.encode()


# -- 6. the smaller ones ------------------------------------------------------------------------------
def test_the_search_box_posts_and_the_url_carries_no_nik(app, runtime):
    desk = signed_in(app, runtime, "desk.search", "desk")
    page = desk.get("/dashboard/transcripts").get_data(as_text=True)
    assert re.search(r'<form method="post"[^>]*id="transcript-search"', page)
    response = desk.post("/dashboard/transcripts", {"q": "5171 0101 0190 0001", "date_from": ""})
    assert response.status_code == 303 and "0101" not in response.location and "q=5171" in response.location
    typed = desk.get("/dashboard/transcripts?q=5171-0101-0190-0001")
    assert typed.status_code == 303 and "0101" not in typed.location
    assert desk.post("/dashboard/transcripts", {"q": "budi"}, token=False).status_code == 400


def test_database_and_redis_dump_are_private(tmp_path):
    from bot import redis_conn
    from bot.db import Database

    db = Database(f"sqlite:///{tmp_path / 'loket.db'}")
    with db.engine.begin() as conn:
        conn.exec_driver_sql("CREATE TABLE t (x TEXT)")
        conn.exec_driver_sql("INSERT INTO t VALUES ('y')")
    server = redis_conn.connect("", str(tmp_path / "redis.db"))
    try:
        server.set("k", "v")
        server.save()
        files = [p for p in tmp_path.iterdir() if p.name.startswith(("loket.db", "redis.db")) and p.is_file()]
        assert {p.name for p in files} >= {"loket.db", "loket.db-wal", "redis.db"}
        for path in files:
            assert stat.S_IMODE(os.stat(path).st_mode) == 0o600, path.name
    finally:
        server.shutdown(nosave=True)
        db.dispose()


@pytest.mark.parametrize("target", ["/dashboard/\r\nSet-Cookie: x=1", "/dashboard/\nx", "/dashboard/%0d%0a", "\r\n"])
def test_language_switch_with_cr_lf_in_next_does_not_fail(app, runtime, target):
    member = Staff(app)
    response = member.post("/dashboard/lang", {"lang": "en", "next": target})
    assert response.status_code == 302 and "\n" not in response.headers["Location"]


@pytest.mark.parametrize("raw", ["99999999999999999999", "2147483648", "0", "-1", "12" * 20])
def test_a_signed_status_callback_with_an_out_of_range_row_does_not_fail(whatsapp, runtime, raw):
    form = {"MessageSid": "SM" + "1" * 32, "MessageStatus": "delivered", "AccountSid": "AC" + "0" * 32}
    response = whatsapp.post("/twilio/status", form, query=f"o={raw}")
    assert response.status_code == 204


def test_the_row_id_of_a_status_callback_is_read_strictly():
    assert [_outbox_id(raw) for raw in ("¹²", "٣", "2147483647", "2147483648", "", "0")] == [
        None, None, 2147483647, None, None, None]


@pytest.mark.parametrize(("url", "allowed"), [
    ("https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1", True),
    ("https://media.twiliocdn.com/abc", True),
    ("https://api.dublin.ie1.twilio.com/2010-04-01/x", True),
    ("http://api.twilio.com/2010-04-01/x", False),
    ("file:///etc/passwd", False),
    ("gopher://api.twilio.com/x", False),
    ("https://api.twilio.com.evil.example/x", False),
    ("https://user:pw@api.twilio.com/x", False),
    ("https://evil.example/api.twilio.com", False),
    ("http://127.0.0.1:9/2010-04-01/x", True),  # the configured TWILIO_API_URL (a stand-in in tests)
    ("http://127.0.0.1:10/2010-04-01/x", False),
])
def test_media_urls_only_on_twilios_hosts(url, allowed):
    assert media_url_allowed(url, ("http://127.0.0.1:9",)) is allowed
    form = {"MessageSid": "SM1", "From": "whatsapp:+6281234500001", "To": "whatsapp:+62361", "NumMedia": "1",
            "MediaUrl0": url, "MediaContentType0": "image/jpeg"}
    assert len(Inbound.from_form(form, media_origins=("http://127.0.0.1:9",)).media) == int(allowed)


def test_a_foreign_media_url_never_reaches_the_record(whatsapp, runtime):
    whatsapp.send("", media=(("file:///etc/passwd", "image/jpeg"),))
    whatsapp.send("", media=(("https://evil.example/x.jpg", "image/jpeg"),))
    with runtime.db.session() as s:
        media = list(s.scalars(select(InboundMessage.media)))
        answered = s.scalar(select(OutboundMessage.id).limit(1))
    assert len(media) == 2 and media == [[], []] and answered is not None


def test_login_throttle_has_a_per_ip_ceiling_across_usernames(app, runtime, frozen_clock):
    throttle = LoginThrottle(runtime.redis)
    ip = "127.0.0.1"  # the test client's address
    for i in range(19):
        assert throttle.failed(f"user{i}", ip) is None  # one try per username: never the pair's limit
    until = throttle.failed("user19", ip)
    assert until is not None and throttle.locked_until("someone-else", ip) == until
    assert throttle.locked_until("someone-else", "10.0.0.10") is None  # another address is not locked
    make_user(runtime, "desk.spray", "desk")
    member = Staff(app)
    response = member.login("desk.spray", PASSWORD)
    assert response.status_code == 429  # even the right password waits out the address's lock
    frozen_clock.advance(minutes=16)
    assert member.login("desk.spray").status_code == 302


@pytest.mark.parametrize("weak", ["password123", "P@ssw0rd2026", "Kejaksaan2026", "rahasia-123", "1234567890",
                                  "qwertyuiop", "aaaaaaaaaaaa", "0812-3456-7890", "abcdefghijk", "Bismillah99!"])
def test_common_and_trivial_passwords_are_refused(weak):
    with pytest.raises(passwords.WeakPassword):
        passwords.validate(weak)


def test_the_username_is_no_password_and_good_ones_pass(runtime):
    with pytest.raises(passwords.WeakPassword):
        passwords.validate("budi.santoso-7", avoid=("budi.santoso",))
    passwords.validate("meja-depan-pagi-9", avoid=("budi",))
    with runtime.db.session() as s:
        with pytest.raises(staff.WeakPassword):
            staff.create(s, username="ketut", display_name="Ketut", password="ketut-12345", role="desk",
                         office=OFFICE, offices={o.slug for o in runtime.offices})
        assert s.scalar(select(StaffUser).where(StaffUser.username == "ketut")) is None
