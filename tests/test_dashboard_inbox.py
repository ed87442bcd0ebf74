"""The handoff inbox on the dashboard: who may see and act, office scoping, take / reply / release,
WhatsApp's 24-hour window, delivery status with reasons, the audit trail and CSRF."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.models import OutboundMessage
from bot.models.handoff import Handoff
from bot.models.staff import AuditEvent
from tests.support.dashboard import OFFICE, OTHER_OFFICE, signed_in
from tests.support.whatsapp import CITIZEN

OTHER_CITIZEN = "+6281298700002"
ROLES = [("admin", None), ("desk", OFFICE), ("handler", OFFICE), ("viewer", OFFICE)]


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def _ask(runtime, whatsapp, text: str = "petugas", from_: str = CITIZEN, office: str = OFFICE,
         profile: str = "Budi Santoso") -> Handoff:
    whatsapp.send(text, from_=from_, office=office, profile=profile)
    with runtime.db.session() as s:
        return s.scalars(select(Handoff).where(Handoff.phone == from_, Handoff.office == office)
                         .order_by(Handoff.id.desc())).first()


def _get(runtime, handoff_id: int) -> Handoff:
    with runtime.db.session() as s:
        return s.get(Handoff, handoff_id)


def _audits(runtime, action: str) -> list[AuditEvent]:
    with runtime.db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _officer_rows(runtime) -> list[OutboundMessage]:
    with runtime.db.session() as s:
        return list(s.scalars(select(OutboundMessage).where(OutboundMessage.kind == "officer_reply")
                              .order_by(OutboundMessage.id)))


@pytest.mark.parametrize(("role", "office", "status"), [("admin", None, 200), ("desk", OFFICE, 200),
                                                        ("handler", OFFICE, 200), ("viewer", OFFICE, 403)])
def test_role_matrix_for_reading(app, runtime, whatsapp, role, office, status):
    request = _ask(runtime, whatsapp)
    member = signed_in(app, runtime, f"{role}1", role, office)
    assert member.get("/dashboard/inbox").status_code == status
    assert member.get(f"/dashboard/inbox/{request.id}").status_code == status
    home = member.get("/dashboard/").get_data(as_text=True)
    assert ('href="/dashboard/inbox"' in home) is (status == 200)  # the menu entry


@pytest.mark.parametrize(("role", "office", "allowed"), [("admin", None, True), ("desk", OFFICE, True),
                                                         ("handler", OFFICE, False), ("viewer", OFFICE, False)])
def test_role_matrix_for_acting(app, runtime, whatsapp, role, office, allowed):
    request = _ask(runtime, whatsapp)
    member = signed_in(app, runtime, f"{role}1", role, office)
    response = member.post(f"/dashboard/inbox/{request.id}/take")
    assert response.status_code == (302 if allowed else 403)
    assert _get(runtime, request.id).status == ("taken" if allowed else "waiting")
    page = member.get(f"/dashboard/inbox/{request.id}").get_data(as_text=True)
    assert ('id="take-form"' in page or 'id="release-form"' in page) is allowed


@pytest.mark.parametrize("path", ["/dashboard/inbox", "/dashboard/inbox/1"])
def test_signed_out_goes_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/dashboard/login")


def test_list_shows_own_office_oldest_first_with_masked_number_name_reason_and_wait(
        app, runtime, whatsapp, frozen_clock):
    first = _ask(runtime, whatsapp, profile="Budi Santoso")
    frozen_clock.advance(minutes=75)
    _ask(runtime, whatsapp, from_=OTHER_CITIZEN, profile="Siti Aminah")
    _ask(runtime, whatsapp, from_="+6281355500003", office=OTHER_OFFICE, profile="Orang Alor")
    member = signed_in(app, runtime, "desk1", "desk", OFFICE)
    page = member.get("/dashboard/inbox").get_data(as_text=True)
    assert page.index("Budi Santoso") < page.index("Siti Aminah")
    assert "Orang Alor" not in page
    assert "+62*****0001" in page and CITIZEN not in page and OTHER_CITIZEN not in page
    assert "1 jam 15 menit" in page and "Meminta petugas" in page
    assert "Kotak masuk (2)" in page  # the waiting count in the menu
    assert member.get(f"/dashboard/inbox/{first.id}").status_code == 200
    listed, viewed = _audits(runtime, "view")
    assert (listed.subject_type, listed.office, listed.detail["results"]) == ("handoff_inbox", OFFICE, 2)
    assert (viewed.subject_type, viewed.subject_id, viewed.office) == ("handoff", str(first.id), OFFICE)


def test_other_offices_request_is_not_found(app, runtime, whatsapp):
    foreign = _ask(runtime, whatsapp, office=OTHER_OFFICE)
    member = signed_in(app, runtime, "desk1", "desk", OFFICE)
    assert member.get(f"/dashboard/inbox/{foreign.id}").status_code == 404
    for action in ("take", "release", "reply"):
        assert member.post(f"/dashboard/inbox/{foreign.id}/{action}", {"body": "halo"}).status_code == 404
    assert member.get("/dashboard/inbox/99999").status_code == 404
    assert _get(runtime, foreign.id).status == "waiting"
    assert _officer_rows(runtime) == []


def test_admin_sees_every_office(app, runtime, whatsapp):
    _ask(runtime, whatsapp, profile="Budi Santoso")
    foreign = _ask(runtime, whatsapp, from_=OTHER_CITIZEN, office=OTHER_OFFICE, profile="Orang Alor")
    admin = signed_in(app, runtime, "admin1", "admin", None)
    page = admin.get("/dashboard/inbox").get_data(as_text=True)
    assert "Budi Santoso" in page and "Orang Alor" in page
    assert admin.get(f"/dashboard/inbox/{foreign.id}").status_code == 200


def test_take_reply_release_through_the_outbox_with_audit(app, runtime, whatsapp, work, standin):
    request = _ask(runtime, whatsapp)
    member = signed_in(app, runtime, "desk.ayu", "desk", OFFICE)
    detail = member.get(f"/dashboard/inbox/{request.id}").get_data(as_text=True)
    assert 'id="reply-body"' in detail and "disabled" in detail.split('id="reply-body"')[1].split(">")[0]
    # Replying before taking is refused and sends nothing.
    member.post(f"/dashboard/inbox/{request.id}/reply", {"body": "halo"})
    assert _officer_rows(runtime) == []
    assert member.post(f"/dashboard/inbox/{request.id}/take").status_code == 302
    taken = _get(runtime, request.id)
    assert (taken.status, taken.taken_by) == ("taken", "desk.ayu")
    response = member.post(f"/dashboard/inbox/{request.id}/reply", {"body": "Selamat siang, ada yang bisa dibantu?"})
    assert response.status_code == 302
    [row] = _officer_rows(runtime)
    assert (row.body, row.to_number, row.status) == ("Selamat siang, ada yang bisa dibantu?", CITIZEN, "pending")
    work()
    assert [m.body for m in standin.messages][-1] == "Selamat siang, ada yang bisa dibantu?"
    page = member.get(f"/dashboard/inbox/{request.id}").get_data(as_text=True)
    assert "Selamat siang, ada yang bisa dibantu?" in page and "Petugas" in page
    assert member.post(f"/dashboard/inbox/{request.id}/release").status_code == 302
    assert _get(runtime, request.id).status == "closed"
    assert len(_officer_rows(runtime)) == 2  # the citizen is told they are back with the bot
    for action in ("handoff_take", "handoff_reply", "handoff_release"):
        [event] = _audits(runtime, action)
        assert (event.actor_username, event.subject_id, event.office) == ("desk.ayu", str(request.id), OFFICE)
    assert [e.subject_type for e in _audits(runtime, "view")].count("handoff") == 2
    assert "Tidak ada warga yang menunggu" in member.get("/dashboard/inbox").get_data(as_text=True)


def test_a_second_officer_cannot_take_or_release_anothers_conversation(app, runtime, whatsapp):
    request = _ask(runtime, whatsapp)
    ayu = signed_in(app, runtime, "desk.ayu", "desk", OFFICE)
    made = signed_in(app, runtime, "desk.made", "desk", OFFICE)
    ayu.post(f"/dashboard/inbox/{request.id}/take")
    made.post(f"/dashboard/inbox/{request.id}/take")
    made.post(f"/dashboard/inbox/{request.id}/release")
    made.post(f"/dashboard/inbox/{request.id}/reply", {"body": "saya juga"})
    state = _get(runtime, request.id)
    assert (state.status, state.taken_by) == ("taken", "desk.ayu")
    assert _officer_rows(runtime) == []
    page = made.get(f"/dashboard/inbox/{request.id}").get_data(as_text=True)
    assert "Dilayani oleh desk.ayu" in page
    assert "Kotak masuk (0)" in page  # taken requests no longer count as waiting


def test_an_admin_may_hand_back_a_conversation_someone_else_took(app, runtime, whatsapp):
    request = _ask(runtime, whatsapp)
    ayu = signed_in(app, runtime, "desk.ayu", "desk", OFFICE)
    ayu.post(f"/dashboard/inbox/{request.id}/take")
    admin = signed_in(app, runtime, "admin1", "admin", None)
    page = admin.get(f"/dashboard/inbox/{request.id}").get_data(as_text=True)
    assert 'id="take-form"' not in page and 'id="release-form"' in page
    assert admin.post(f"/dashboard/inbox/{request.id}/release").status_code == 302
    assert _get(runtime, request.id).status == "closed"
    [event] = _audits(runtime, "handoff_release")
    assert event.actor_username == "admin1"


def test_reply_too_long_is_refused(app, runtime, whatsapp):
    request = _ask(runtime, whatsapp)
    member = signed_in(app, runtime, "desk1", "desk", OFFICE)
    member.post(f"/dashboard/inbox/{request.id}/take")
    member.post(f"/dashboard/inbox/{request.id}/reply", {"body": "x" * 1601})
    assert _officer_rows(runtime) == []
    member.post(f"/dashboard/inbox/{request.id}/reply", {"body": "x" * 1600})
    assert len(_officer_rows(runtime)) == 1


def test_post_without_csrf_token_is_rejected(app, runtime, whatsapp):
    request = _ask(runtime, whatsapp)
    member = signed_in(app, runtime, "desk1", "desk", OFFICE)
    for action in ("take", "reply", "release"):
        response = member.post(f"/dashboard/inbox/{request.id}/{action}", {"body": "halo"}, token=False)
        assert response.status_code == 400
    assert _get(runtime, request.id).status == "waiting"
    assert _officer_rows(runtime) == []


def test_outside_the_24_hour_window_free_text_is_disabled_and_held_rows_show_their_reason(
        app, runtime, whatsapp, frozen_clock, work, standin):
    request = _ask(runtime, whatsapp)
    member = signed_in(app, runtime, "desk1", "desk", OFFICE)
    member.post(f"/dashboard/inbox/{request.id}/take")
    member.post(f"/dashboard/inbox/{request.id}/reply", {"body": "Sebentar ya."})
    frozen_clock.advance(hours=25)
    work()  # the queued reply is now outside the window: held with its reason
    page = member.get(f"/dashboard/inbox/{request.id}").get_data(as_text=True)
    assert "Jendela 24 jam WhatsApp sudah tertutup" in page and "hanya templat pesan" in page
    textarea = page.split('id="reply-body"')[1].split(">")[0]
    assert "disabled" in textarea
    assert "tertahan" in page and "outside_24h_window" in page and "no template configured" in page
    member.post(f"/dashboard/inbox/{request.id}/reply", {"body": "Masih di sana?"})
    assert [r.body for r in _officer_rows(runtime)] == ["Sebentar ya."]
    assert standin.messages == []
    # The citizen writes again: the window reopens and the form is enabled.
    whatsapp.send("ya, masih")
    page = member.get(f"/dashboard/inbox/{request.id}").get_data(as_text=True)
    assert "Jendela 24 jam WhatsApp terbuka" in page
    assert "disabled" not in page.split('id="reply-body"')[1].split(">")[0]


def test_failed_delivery_shows_its_reason(app, runtime, whatsapp):
    request = _ask(runtime, whatsapp)
    with runtime.db.session() as s:
        row = s.scalars(select(OutboundMessage).where(OutboundMessage.conversation_id == request.conversation_id)
                        .order_by(OutboundMessage.id.desc())).first()
        row.status, row.error_code, row.error_message = "failed", "63016", "freeform outside window"
        s.commit()
    member = signed_in(app, runtime, "handler1", "handler", OFFICE)
    page = member.get(f"/dashboard/inbox/{request.id}").get_data(as_text=True)
    assert "63016: freeform outside window" in page
    assert 'id="reply-form"' not in page  # a handler reads along only


def test_transcript_masks_nik_and_escapes_the_citizens_text(app, runtime, whatsapp):
    whatsapp.send("NIK saya 5171010101010001 <b>tolong</b>")
    request = _ask(runtime, whatsapp)
    member = signed_in(app, runtime, "desk1", "desk", OFFICE)
    page = member.get(f"/dashboard/inbox/{request.id}").get_data(as_text=True)
    assert "5171********0001" in page and "5171010101010001" not in page
    assert "&lt;b&gt;tolong&lt;/b&gt;" in page and "<b>tolong</b>" not in page


def test_english_labels(app, runtime, whatsapp):
    _ask(runtime, whatsapp)
    member = signed_in(app, runtime, "desk1", "desk", OFFICE)
    member.post("/dashboard/lang", {"lang": "en", "next": "/dashboard/inbox"})
    page = member.get("/dashboard/inbox").get_data(as_text=True)
    assert "Citizens waiting for an officer" in page and "Inbox (1)" in page and "Asked for an officer" in page
