"""Transcripts found by a ticket number, but never by one that would unmask a protected reporter."""

from __future__ import annotations

from bot.complaints import service
from bot.models.complaints import Complaint
from tests.support.dashboard import OFFICE, signed_in

OPEN, CONFIDENTIAL = "+6281234500031", "+6281234500032"


def file(runtime, phone: str, **draft) -> str:
    with runtime.db.session() as s:
        done = service.file_complaint(s, runtime.outbox, runtime.offices.get(OFFICE),
                                      service.Draft(category="service", description="Antrean sangat lama.", **draft),
                                      phone=phone, conversation_id=None, msgs=runtime.messages, config=runtime.config)
        s.commit()
        return s.get(Complaint, done.complaint.id).ticket


def test_ticket_finds_the_conversation_unless_the_reporter_is_protected(app, runtime, whatsapp):
    whatsapp.send("halo", from_=OPEN, profile="Wayan Terbuka")
    whatsapp.send("halo", from_=CONFIDENTIAL, profile="Made Rahasia")
    open_ticket = file(runtime, OPEN, reporter_name="Wayan Terbuka")
    hidden_ticket = file(runtime, CONFIDENTIAL, reporter_name="Made Rahasia", confidential=True)
    desk = signed_in(app, runtime, "desk.search", "desk", OFFICE)
    found = desk.get(f"/dashboard/transcripts?q={open_ticket.lower()}").get_data(as_text=True)
    assert "Wayan Terbuka" in found and "Made Rahasia" not in found
    hidden = desk.get(f"/dashboard/transcripts?q={hidden_ticket}").get_data(as_text=True)
    assert "Made Rahasia" not in hidden and "Wayan Terbuka" not in hidden


def test_a_whatsapp_user_id_finds_its_conversation(app, runtime, whatsapp):
    user_id = "ID.1502576394655843"
    whatsapp.send("halo", from_=user_id, profile="Kadek Nama Pengguna")
    whatsapp.send("halo", from_=OPEN, profile="Wayan Terbuka")
    desk = signed_in(app, runtime, "desk.username", "desk", OFFICE)
    found = desk.get(f"/dashboard/transcripts?q={user_id}").get_data(as_text=True)
    assert "Kadek Nama Pengguna" in found and "Wayan Terbuka" not in found
    assert found.count(user_id) >= 2  # the query, and the conversation's address in the list
