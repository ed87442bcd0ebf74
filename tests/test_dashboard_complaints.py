"""Complaints on the dashboard: the role matrix, office scoping (another office's complaint is a 404),
the queue's filters with working-day ages and overdue flags, the reporter's identity per role, every
handling step through real requests with the citizen's notice in the outbox, notes, the SP4N-LAPOR!
route, the audit trail and CSRF."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.complaints import service
from bot.models import OutboundMessage
from bot.models.complaints import Complaint, ComplaintAttachment, ComplaintEvent
from bot.models.staff import AuditEvent
from tests.support.dashboard import OFFICE, OTHER_OFFICE, signed_in
from tests.support.whatsapp import CITIZEN
from tests.test_complaint_flow import file_service_complaint

ROLES = [("admin", None), ("desk", OFFICE), ("handler", OFFICE), ("viewer", OFFICE)]
MEDIA = "https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM9/Media/ME9"


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime  # sends go to the local Twilio stand-in


def file(runtime, office: str = OFFICE, category: str = "service", phone: str = CITIZEN, **draft) -> int:
    draft.setdefault("description", "Antrean di loket PTSP sangat lama.")
    with runtime.db.session() as s:
        done = service.file_complaint(s, runtime.outbox, runtime.offices.get(office),
                                      service.Draft(category=category, **draft), phone=phone, conversation_id=None,
                                      msgs=runtime.messages, config=runtime.config)
        s.commit()
        return done.complaint.id


def get(runtime, complaint_id: int) -> Complaint:
    with runtime.db.session() as s:
        return s.get(Complaint, complaint_id)


def events(runtime, complaint_id: int) -> list[ComplaintEvent]:
    with runtime.db.session() as s:
        return list(s.scalars(select(ComplaintEvent).where(ComplaintEvent.complaint_id == complaint_id)
                              .order_by(ComplaintEvent.id)))


def notices(runtime) -> list[OutboundMessage]:
    with runtime.db.session() as s:
        return list(s.scalars(select(OutboundMessage).where(OutboundMessage.kind == "complaint_update")
                              .order_by(OutboundMessage.id)))


def audits(runtime, action: str) -> list[AuditEvent]:
    with runtime.db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


@pytest.mark.parametrize(("role", "office", "status"), [("admin", None, 200), ("desk", OFFICE, 200),
                                                        ("handler", OFFICE, 200), ("viewer", OFFICE, 403)])
def test_role_matrix_for_reading(app, runtime, role, office, status):
    complaint_id = file(runtime)
    member = signed_in(app, runtime, f"{role}1", role, office)
    assert member.get("/dashboard/complaints").status_code == status
    assert member.get(f"/dashboard/complaints/{complaint_id}").status_code == status
    home = member.get("/dashboard/").get_data(as_text=True)
    assert ('href="/dashboard/complaints"' in home) is (status == 200)


@pytest.mark.parametrize(("role", "office", "allowed"), [("admin", None, True), ("desk", OFFICE, False),
                                                         ("handler", OFFICE, True), ("viewer", OFFICE, False)])
def test_role_matrix_for_acting(app, runtime, role, office, allowed):
    complaint_id = file(runtime)
    member = signed_in(app, runtime, f"{role}1", role, office)
    for path, data in [("transition", {"to_status": "verified"}), ("note", {"note": "Cek CCTV loket."}),
                       ("lapor", {"lapor_ref": ""})]:
        response = member.post(f"/dashboard/complaints/{complaint_id}/{path}", data)
        assert response.status_code == (302 if allowed else 403), path
    assert get(runtime, complaint_id).status == ("verified" if allowed else "received")
    assert [e.kind for e in events(runtime, complaint_id)][1:] == (["status", "note", "lapor"] if allowed else [])
    if role != "viewer":
        page = member.get(f"/dashboard/complaints/{complaint_id}").get_data(as_text=True)
        assert ('id="complaint-actions"' in page) is allowed


@pytest.mark.parametrize("path", ["/dashboard/complaints", "/dashboard/complaints/1"])
def test_signed_out_goes_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and response.headers["Location"].startswith("/dashboard/login")


def test_another_offices_complaint_is_not_found_and_not_listed(app, runtime):
    own = file(runtime)
    foreign = file(runtime, office=OTHER_OFFICE, phone="+6281355500003")
    member = signed_in(app, runtime, "handler1", "handler", OFFICE)
    queue = member.get("/dashboard/complaints").get_data(as_text=True)
    assert get(runtime, own).ticket in queue and get(runtime, foreign).ticket not in queue
    assert member.get(f"/dashboard/complaints/{foreign}").status_code == 404
    assert member.get("/dashboard/complaints/999999").status_code == 404
    for path, data in [("transition", {"to_status": "verified"}), ("note", {"note": "x"}), ("lapor", {})]:
        assert member.post(f"/dashboard/complaints/{foreign}/{path}", data).status_code == 404
    assert get(runtime, foreign).status == "received" and len(events(runtime, foreign)) == 1
    admin = signed_in(app, runtime, "admin1", "admin", None)
    assert get(runtime, foreign).ticket in admin.get("/dashboard/complaints").get_data(as_text=True)
    assert admin.get(f"/dashboard/complaints/{foreign}").status_code == 200


def test_queue_filters_ages_in_working_days_and_overdue_flags(app, runtime, frozen_clock):
    old = file(runtime)  # Monday 23 November 2026, 10:00 WITA
    frozen_clock.advance(days=7)  # Monday 30 November: five working days later
    fresh = file(runtime, category="pungli", description="Diminta uang oleh oknum.")
    member = signed_in(app, runtime, "handler1", "handler", OFFICE)
    page = member.get("/dashboard/complaints").get_data(as_text=True)
    old_ticket, fresh_ticket = get(runtime, old).ticket, get(runtime, fresh).ticket
    assert page.index(old_ticket) < page.index(fresh_ticket)  # oldest first
    assert f'data-ticket="{old_ticket}" data-overdue="dispose"' in page
    assert f'data-ticket="{fresh_ticket}" data-overdue=""' in page
    assert "5 hari kerja" in page and "0 hari kerja" in page
    overdue = member.get("/dashboard/complaints?overdue=1").get_data(as_text=True)
    assert old_ticket in overdue and fresh_ticket not in overdue
    pungli = member.get("/dashboard/complaints?category=pungli").get_data(as_text=True)
    assert fresh_ticket in pungli and old_ticket not in pungli
    assert member.post(f"/dashboard/complaints/{old}/transition", {"to_status": "verified"}).status_code == 302
    received = member.get("/dashboard/complaints?status=received").get_data(as_text=True)
    assert f'data-ticket="{fresh_ticket}"' in received and f'data-ticket="{old_ticket}"' not in received
    verified = member.get("/dashboard/complaints?status=verified").get_data(as_text=True)
    assert f'data-ticket="{old_ticket}"' in verified and f'data-ticket="{fresh_ticket}"' not in verified
    [entry] = audits(runtime, "view")[-1:]
    assert entry.subject_type == "complaint_queue" and entry.detail["status"] == "verified"


def test_reporter_identity_per_role(app, runtime):
    confidential = file(runtime, reporter_name="Ni Made Ayu", confidential=True)
    anonymous = file(runtime, phone="+6281234500002", anonymous=True)
    open_ = file(runtime, phone="+6281234500003", reporter_name="Wayan Sudra")
    handler = signed_in(app, runtime, "handler1", "handler", OFFICE)
    desk = signed_in(app, runtime, "desk1", "desk", OFFICE)

    page = handler.get(f"/dashboard/complaints/{confidential}").get_data(as_text=True)
    assert "Ni Made Ayu" in page and CITIZEN in page and 'data-identity="confidential"' in page
    page = desk.get(f"/dashboard/complaints/{confidential}").get_data(as_text=True)
    assert "Ni Made Ayu" not in page and CITIZEN not in page and 'data-identity="confidential"' in page

    for member in (handler, desk):
        page = member.get(f"/dashboard/complaints/{anonymous}").get_data(as_text=True)
        assert "+6281234500002" not in page and 'data-identity="anonymous"' in page and "0002" in page

    page = handler.get(f"/dashboard/complaints/{open_}").get_data(as_text=True)
    assert "Wayan Sudra" in page and "+6281234500003" in page
    page = desk.get(f"/dashboard/complaints/{open_}").get_data(as_text=True)
    assert "Wayan Sudra" not in page and "+6281234500003" not in page and 'data-identity="withheld"' in page
    views = [a for a in audits(runtime, "view") if a.subject_type == "complaint"]
    assert [(a.actor_username, a.detail["identity_shown"]) for a in views] == [
        ("handler1", True), ("desk1", False), ("handler1", True), ("desk1", True), ("handler1", True),
        ("desk1", False)]


def test_a_handler_moves_a_complaint_through_every_step_and_the_citizen_is_told(app, runtime, whatsapp, work,
                                                                                standin):
    file_service_complaint(whatsapp, runtime)  # through the signed webhook: the 24-hour window is open
    with runtime.db.session() as s:
        complaint_id, ticket = s.execute(select(Complaint.id, Complaint.ticket)).one()
    member = signed_in(app, runtime, "handler1", "handler", OFFICE, )
    unit = runtime.offices.get(OFFICE).units[0]
    queued = runtime.outbox.queue.count
    steps = [("verified", {}), ("assigned", {"unit": unit.slug}),
             ("in_progress", {"public_note": "Sedang kami periksa bersama petugas PTSP.", "note": "Hubungi Kasi."}),
             ("resolved", {"public_note": "Nomor antrean kini tersedia di loket."}), ("closed", {})]
    for to, extra in steps:
        response = member.post(f"/dashboard/complaints/{complaint_id}/transition", {"to_status": to, **extra})
        assert response.status_code == 302
        assert get(runtime, complaint_id).status == to
    record = get(runtime, complaint_id)
    assert record.assigned_unit == unit.slug and record.public_note == "Nomor antrean kini tersedia di loket."
    steps_done = [(e.from_status, e.to_status, e.actor) for e in events(runtime, complaint_id)[1:]]
    assert steps_done == [("received", "verified", "Handler1 (handler1)"),
                          ("verified", "assigned", "Handler1 (handler1)"),
                          ("assigned", "in_progress", "Handler1 (handler1)"),
                          ("in_progress", "resolved", "Handler1 (handler1)"),
                          ("resolved", "closed", "Handler1 (handler1)")]
    sent = notices(runtime)
    assert len(sent) == 5 and all(ticket in n.body and n.to_number.endswith(CITIZEN[1:]) for n in sent)
    assert unit.name in sent[1].body and "Sedang kami periksa" in sent[2].body
    assert runtime.outbox.queue.count > queued  # dispatched after the commit
    work()
    delivered = [m.body for m in standin.messages]
    assert all(n.body in delivered for n in sent)  # the worker sent each notice to the citizen
    assert any("survei" in b.lower() for b in delivered)  # closing offered the SKM survey
    page = member.get(f"/dashboard/complaints/{complaint_id}").get_data(as_text=True)
    assert "Hubungi Kasi." in page and 'id="complaint-timeline"' in page and "Handler1 (handler1)" in page
    assert [a.detail["to"] for a in audits(runtime, "complaint_transition")] == [s for s, _ in steps]


def test_rejection_needs_a_reason_and_assignment_a_unit(app, runtime):
    complaint_id = file(runtime)
    member = signed_in(app, runtime, "handler1", "handler", OFFICE)
    path = f"/dashboard/complaints/{complaint_id}/transition"
    member.post(path, {"to_status": "rejected", "reason": "   "})
    assert get(runtime, complaint_id).status == "received"
    assert "Alasan wajib diisi" in member.get(f"/dashboard/complaints/{complaint_id}").get_data(as_text=True)
    member.post(path, {"to_status": "closed"})  # not a step from "received"
    assert get(runtime, complaint_id).status == "received"
    member.post(path, {"to_status": "verified"})
    member.post(path, {"to_status": "assigned", "unit": "no-such-unit"})
    assert get(runtime, complaint_id).status == "verified"
    member.post(path, {"to_status": "rejected", "reason": "Bukan kewenangan Kejaksaan."})
    record = get(runtime, complaint_id)
    assert record.status == "rejected" and record.reject_reason == "Bukan kewenangan Kejaksaan."
    assert "Bukan kewenangan Kejaksaan." in notices(runtime)[-1].body
    assert len(notices(runtime)) == 2


def test_notes_and_the_lapor_route(app, runtime):
    complaint_id = file(runtime)
    ticket = get(runtime, complaint_id).ticket
    member = signed_in(app, runtime, "handler1", "handler", OFFICE)
    member.post(f"/dashboard/complaints/{complaint_id}/note", {"note": "Catatan internal saja."})
    assert notices(runtime) == []
    member.post(f"/dashboard/complaints/{complaint_id}/note", {"note": "Kami sedang menelusuri.", "public": "y"})
    assert "Kami sedang menelusuri." in notices(runtime)[-1].body
    assert get(runtime, complaint_id).public_note == "Kami sedang menelusuri."
    member.post(f"/dashboard/complaints/{complaint_id}/lapor", {"lapor_ref": "LAPOR-123"})
    lapor = notices(runtime)[-1]
    assert ticket in lapor.body and "LAPOR-123" in lapor.body
    kinds = [(e.kind, e.public) for e in events(runtime, complaint_id)[1:]]
    assert kinds == [("note", False), ("note", True), ("lapor", True)]
    assert [a.detail["public"] for a in audits(runtime, "complaint_note")] == [False, True]
    assert audits(runtime, "complaint_lapor")[0].detail["lapor_ref"] == "LAPOR-123"


def test_forms_without_the_csrf_token_are_refused(app, runtime):
    complaint_id = file(runtime)
    member = signed_in(app, runtime, "handler1", "handler", OFFICE)
    for path, data in [("transition", {"to_status": "verified"}), ("note", {"note": "x", "public": "y"}),
                       ("lapor", {})]:
        response = member.post(f"/dashboard/complaints/{complaint_id}/{path}", data, token=False)
        assert response.status_code == 400, path
    assert get(runtime, complaint_id).status == "received" and len(events(runtime, complaint_id)) == 1
    assert notices(runtime) == []


def test_attachments_are_links_on_the_signed_in_page_only(app, runtime, whatsapp, client):
    complaint_id = file(runtime)
    with runtime.db.session() as s:
        whatsapp.send("halo")
        from bot.models import InboundMessage

        inbound = s.scalars(select(InboundMessage)).first()
        s.add(ComplaintAttachment(complaint_id=complaint_id, conversation_id=inbound.conversation_id,
                                  inbound_id=inbound.id, url=MEDIA, content_type="image/jpeg"))
        s.commit()
    assert MEDIA not in client.get(f"/dashboard/complaints/{complaint_id}").get_data(as_text=True)
    member = signed_in(app, runtime, "handler1", "handler", OFFICE)
    page = member.get(f"/dashboard/complaints/{complaint_id}").get_data(as_text=True)
    assert f'href="{MEDIA}" rel="noopener noreferrer"' in page and "image/jpeg" in page


def test_a_confidential_reporter_is_hidden_even_from_admins(app, runtime):
    confidential = file(runtime, reporter_name="Ni Made Ayu", confidential=True)
    open_ = file(runtime, phone="+6281234500003", reporter_name="Wayan Sudra")
    admin = signed_in(app, runtime, "admin1", "admin", None)
    page = admin.get(f"/dashboard/complaints/{confidential}").get_data(as_text=True)
    assert "Ni Made Ayu" not in page and CITIZEN not in page and 'data-identity="confidential"' in page
    assert "Wayan Sudra" in admin.get(f"/dashboard/complaints/{open_}").get_data(as_text=True)


def test_pages_in_english(app, runtime):
    complaint_id = file(runtime, reporter_name="Ni Made Ayu", confidential=True)
    member = signed_in(app, runtime, "handler1", "handler", OFFICE)
    assert member.post("/dashboard/lang", {"lang": "en", "next": "/dashboard/complaints"}).status_code == 302
    queue = member.get("/dashboard/complaints").get_data(as_text=True)
    assert "Public complaints" in queue and "0 working days" in queue and "Quality of service" in queue
    page = member.get(f"/dashboard/complaints/{complaint_id}").get_data(as_text=True)
    assert "only complaint handlers can see it" in page and "Change the status to: Verified" in page


def test_citizen_text_is_escaped(app, runtime):
    complaint_id = file(runtime, description='<script>alert(1)</script> NIK 5171010101010001',
                        subject_text="<b>loket</b>")
    member = signed_in(app, runtime, "handler1", "handler", OFFICE)
    page = member.get(f"/dashboard/complaints/{complaint_id}").get_data(as_text=True)
    assert "<script>alert(1)" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "5171********0001" in page and "5171010101010001" not in page
    queue = member.get("/dashboard/complaints").get_data(as_text=True)
    assert "<b>loket</b>" not in queue and "&lt;b&gt;loket&lt;/b&gt;" in queue
