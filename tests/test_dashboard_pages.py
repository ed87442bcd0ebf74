"""Dashboard pages: transcripts (search, both directions, status, masking, escaping), users and
roles, the audit log of views and changes, the home page's counts and the language switch."""

from __future__ import annotations

from sqlalchemy import select

from bot.models import Conversation, OutboundMessage
from bot.models.staff import AuditEvent, StaffUser
from tests.support.dashboard import OFFICE, OTHER_OFFICE, PASSWORD, signed_in

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'


def _conversation_id(runtime, number: str, office: str = OFFICE) -> int:
    with runtime.db.session() as s:
        return s.scalar(select(Conversation.id).where(Conversation.office == office, Conversation.phone == number))


def _audit(runtime, **where) -> list[AuditEvent]:
    with runtime.db.session() as s:
        stmt = select(AuditEvent).order_by(AuditEvent.id)
        for key, value in where.items():
            stmt = stmt.where(getattr(AuditEvent, key) == value)
        return list(s.scalars(stmt))


def test_transcript_shows_both_directions_with_status_and_masks_niks(app, runtime, whatsapp):
    whatsapp.send("halo", from_="+6281234500001", profile="Budi Santoso")
    whatsapp.send("NIK saya 5171010101010001", from_="+6281234500001", profile="Budi Santoso")
    cid = _conversation_id(runtime, "+6281234500001")
    with runtime.db.session() as s:
        reply = s.scalars(select(OutboundMessage).where(OutboundMessage.conversation_id == cid)).first()
        reply.status, reply.error_code = "failed", "63016"
        s.commit()
    desk = signed_in(app, runtime, "desk1", "desk")
    page = desk.get(f"/dashboard/transcripts/{cid}")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Budi Santoso" in html and "+6281234500001" in html
    assert "5171********0001" in html and "5171010101010001" not in html
    assert html.count('class="msg msg-in"') == 2
    assert html.count('class="msg msg-out"') >= 2
    assert "Kejaksaan Negeri Klungkung" in html  # the bot's welcome, as sent
    assert "gagal (63016)" in html
    assert html.index("halo") < html.index("5171********0001")  # oldest first
    views = _audit(runtime, action="view", subject_type="conversation")
    assert [(e.actor_username, e.subject_id, e.office) for e in views] == [("desk1", str(cid), OFFICE)]
    assert views[0].ip == "127.0.0.1"


def test_user_text_is_escaped_everywhere(app, runtime, whatsapp):
    whatsapp.send(XSS, from_="+6281234500001", profile='<b onmouseover="x()">Eve</b>')
    cid = _conversation_id(runtime, "+6281234500001")
    admin = signed_in(app, runtime, "admin1", "admin", None)
    for path in (f"/dashboard/transcripts/{cid}", "/dashboard/transcripts?q=Eve"):
        html = admin.get(path).get_data(as_text=True)
        assert "<script>window.__xss" not in html and "<img src=x" not in html and "<b onmouseover" not in html
        assert "&lt;b onmouseover=&#34;x()&#34;&gt;Eve&lt;/b&gt;" in html
    html = admin.get(f"/dashboard/transcripts/{cid}").get_data(as_text=True)
    assert "&lt;script&gt;window.__xss=1&lt;/script&gt;" in html


def test_search_by_number_name_and_date(app, runtime, whatsapp, frozen_clock):
    whatsapp.send("halo", from_="+6281234500001", profile="Budi Santoso")
    frozen_clock.advance(days=2)
    whatsapp.send("halo", from_="+6281298700002", profile="Siti 100%")
    whatsapp.send("halo", from_="+6281234500003", office=OTHER_OFFICE, profile="Budi Alor")
    desk = signed_in(app, runtime, "desk1", "desk")

    def found(query: str) -> set[str]:
        html = desk.get(f"/dashboard/transcripts?{query}").get_data(as_text=True)
        return {n for n in ("+6281234500001", "+6281298700002", "+6281234500003") if n in html}

    assert found("") == {"+6281234500001", "+6281298700002"}
    assert found("q=0812-3450-0001") == {"+6281234500001"}
    assert found("q=%2B62812987") == {"+6281298700002"}
    assert found("q=budi") == {"+6281234500001"}  # Budi Alor is another office's
    assert found("q=100%25") == {"+6281298700002"}  # % is a character, not a wildcard
    assert found("q=_") == set()
    # Frozen clock starts 2026-11-23 02:00 UTC = 10:00 WITA; the second message is on 25 November.
    assert found("date_from=2026-11-23&date_to=2026-11-23") == {"+6281234500001"}
    assert found("date_from=2026-11-24") == {"+6281298700002"}
    assert found("date_to=2026-11-22") == set()
    assert found("q=siti&date_from=2026-11-25&date_to=2026-11-25") == {"+6281298700002"}
    html = desk.get("/dashboard/transcripts?date_from=bukan-tanggal").get_data(as_text=True)
    assert "tidak valid" in html
    searches = _audit(runtime, action="search")
    assert searches[1].detail["q"] == "0812-3450-0001" and searches[1].detail["results"] == 1


def test_nik_typed_into_the_search_box_is_masked_in_the_audit_log(app, runtime):
    desk = signed_in(app, runtime, "desk1", "desk")
    desk.get("/dashboard/transcripts?q=5171010101010001", follow_redirects=True)
    assert _audit(runtime, action="search")[0].detail["q"] == "5171********0001"


def test_search_pages_through_many_conversations(app, runtime, whatsapp):
    for i in range(27):
        whatsapp.send("halo", from_=f"+62812345{i:05d}")
    desk = signed_in(app, runtime, "desk1", "desk")
    first = desk.get("/dashboard/transcripts").get_data(as_text=True)
    assert "27 hasil" in first and "Halaman 1 dari 2" in first and first.count('<a href="/dashboard/transcripts/') == 25
    second = desk.get("/dashboard/transcripts?page=2").get_data(as_text=True)
    assert second.count('<a href="/dashboard/transcripts/') == 2 and "Halaman 2 dari 2" in second


def test_admin_creates_edits_and_deactivates_users(app, runtime):
    admin = signed_in(app, runtime, "admin1", "admin", None)
    created = admin.post("/dashboard/users", {"username": "Petugas.Satu", "display_name": "Petugas Satu",
                                              "role": "desk", "office": OTHER_OFFICE, "password": PASSWORD})
    assert created.status_code == 302
    listing = admin.get("/dashboard/users").get_data(as_text=True)
    assert "petugas.satu" in listing and "Petugas PTSP" in listing and "Kejaksaan Negeri Alor" in listing
    with runtime.db.session() as s:
        user = s.scalar(select(StaffUser).where(StaffUser.username == "petugas.satu"))
    assert user.password_hash != PASSWORD and user.office == OTHER_OFFICE

    refused = admin.post("/dashboard/users", {"username": "dua", "display_name": "Dua", "role": "handler",
                                              "office": "", "password": PASSWORD})
    assert refused.status_code == 400 and "harus terikat pada satu kantor" in refused.get_data(as_text=True)
    duplicate = admin.post("/dashboard/users", {"username": "PETUGAS.SATU", "display_name": "X", "role": "desk",
                                                "office": OFFICE, "password": PASSWORD})
    assert duplicate.status_code == 400 and "sudah dipakai" in duplicate.get_data(as_text=True)
    short = admin.post("/dashboard/users", {"username": "tiga", "display_name": "X", "role": "desk",
                                            "office": OFFICE, "password": "pendek"})
    assert short.status_code == 400

    edit = admin.get(f"/dashboard/users/{user.id}").get_data(as_text=True)
    assert '<option selected value="kejari-alor">' in edit
    saved = admin.post(f"/dashboard/users/{user.id}", {"display_name": "Petugas Satu", "role": "handler",
                                                       "office": OFFICE})
    assert saved.status_code == 302
    with runtime.db.session() as s:
        user = s.get(StaffUser, user.id)
    assert (user.role, user.office, user.active) == ("handler", OFFICE, False)
    changes = _audit(runtime, action="update", subject_id=str(user.id))
    assert changes[0].actor_username == "admin1"
    assert sorted(changes[0].detail["fields"]) == ["active", "office", "role"]
    assert [e.action for e in _audit(runtime, action="create")] == ["create"]


def test_admin_cannot_lock_themselves_or_the_last_admin_out(app, runtime):
    admin = signed_in(app, runtime, "admin1", "admin", None)
    with runtime.db.session() as s:
        me = s.scalar(select(StaffUser).where(StaffUser.username == "admin1"))
    response = admin.post(f"/dashboard/users/{me.id}", {"display_name": "A", "role": "admin", "office": ""})
    assert response.status_code == 400 and "akun Anda sendiri" in response.get_data(as_text=True)
    response = admin.post(f"/dashboard/users/{me.id}", {"display_name": "A", "role": "desk", "office": OFFICE,
                                                        "active": "y"})
    assert response.status_code == 400 and "Admin aktif terakhir" in response.get_data(as_text=True)
    with runtime.db.session() as s:
        assert s.get(StaffUser, me.id).role == "admin"
    assert admin.get("/dashboard/").status_code == 200


def test_audit_log_page_lists_views_and_changes(app, runtime, whatsapp):
    whatsapp.send("halo", from_="+6281234500001")
    cid = _conversation_id(runtime, "+6281234500001")
    desk = signed_in(app, runtime, "desk1", "desk")
    desk.get(f"/dashboard/transcripts/{cid}")
    admin = signed_in(app, runtime, "admin1", "admin", None)
    html = admin.get(f"/dashboard/audit?subject_type=conversation&subject_id={cid}").get_data(as_text=True)
    assert "desk1" in html and f"Percakapan #{cid}" in html and "1 hasil" in html  # the record type in words


def test_home_counts_the_last_day_of_the_selected_office(app, runtime, whatsapp, frozen_clock):
    whatsapp.send("halo", from_="+6281234500001")
    whatsapp.send("halo", from_="+6281234500002", office=OTHER_OFFICE)
    desk = signed_in(app, runtime, "desk1", "desk")
    html = desk.get("/dashboard/").get_data(as_text=True)
    assert '<span class="num" id="stat-conversations">1</span>' in html
    assert '<span class="num" id="stat-inbound">1</span>' in html
    admin = signed_in(app, runtime, "admin1", "admin", None)
    assert '<span class="num" id="stat-inbound">2</span>' in admin.get("/dashboard/").get_data(as_text=True)
    frozen_clock.advance(hours=25)
    assert '<span class="num" id="stat-inbound">0</span>' in admin.get("/dashboard/").get_data(as_text=True)


def test_language_switch_keeps_working_after_sign_in(app, runtime):
    desk = signed_in(app, runtime, "desk1", "desk")
    assert "Percakapan" in desk.get("/dashboard/").get_data(as_text=True)
    response = desk.post("/dashboard/lang", {"lang": "en", "next": "/dashboard/transcripts"})
    assert response.headers["Location"] == "/dashboard/transcripts"
    html = desk.get("/dashboard/transcripts").get_data(as_text=True)
    assert "Number or name" in html and 'lang="en"' in html
    assert desk.post("/dashboard/lang", {"lang": "xx"}).status_code == 302
    assert 'lang="en"' in desk.get("/dashboard/").get_data(as_text=True)
