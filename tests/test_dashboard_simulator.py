"""The WhatsApp simulator (issue 20 §8), through real dashboard requests and a real RQ worker: a made-up
citizen registers a visit, the host notice reaches the employee in the simulator (not their phone), the
employee accepts there, the citizen reads the outcome; nothing reaches Twilio, and the reports, Today,
the guest book and the complaint queue leave it out."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot import clock, simulator
from bot.dashboard import guestbook as desk
from bot.dashboard import today
from bot.inbound import Inbound
from bot.models import Conversation, InboundMessage, OutboundMessage
from bot.models.complaints import Complaint
from bot.models.staff import AuditEvent
from bot.models.visits import Visit
from bot.phone import InvalidNumber, address, bsuid
from tests.support.dashboard import OFFICE, signed_in
from tests.support.visits import KASI_INTEL, guestbook_config, menu_number

KEY = "kasi-intel"


@pytest.fixture
def config(config, tmp_path):
    return guestbook_config(config, tmp_path)


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def say(member, text: str, who: str = "citizen", **extra) -> None:
    response = member.post("/dashboard/simulator", {"who": who, "text": text, **extra})
    assert response.status_code == 302, response.get_data(as_text=True)


def chat(member, who: str = "citizen") -> str:
    response = member.get(f"/dashboard/simulator/chat?who={who}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_simulated_address_is_no_whatsapp_user():
    made = simulator.new_citizen()
    assert simulator.is_simulated(made) and simulator.valid(made)
    assert bsuid(made) is None
    for typed in (made, f"whatsapp:{made}", simulator.employee_address("ptsp-1")):
        with pytest.raises(InvalidNumber):
            address(typed)
    assert simulator.valid(simulator.employee_address("ptsp-1"))
    assert len(simulator.employee_address("k" * 80)) <= simulator.ALIAS_LENGTH


def test_round_trip_of_a_visit_stays_in_the_simulator(app, runtime, standin, work):
    member = signed_in(app, runtime, "desk1", "desk")
    page = member.get("/dashboard/simulator").get_data(as_text=True)
    assert "Simulator WhatsApp" in page and "Ni Luh Putu Ayu Lestari" in page
    say(member, "halo")
    assert "1. " in chat(member)  # the menu, its options shown as buttons
    assert 'class="small secondary sim-choice"' in chat(member)
    say(member, menu_number(runtime))
    say(member, "1")  # consent
    say(member, "Ketut Simulasi")
    say(member, "1")  # KTP
    say(member, "5171010101900001")
    say(member, "", kind="photo", photo="foto-tamu.jpg")
    say(member, "Konsultasi laporan pengaduan")
    say(member, "kasi intel")
    say(member, "hari ini jam 14")
    say(member, "1")  # confirm
    work()

    with runtime.db.session() as s:
        [visit] = s.scalars(select(Visit)).all()
        assert simulator.is_simulated(visit.citizen_phone)
        assert visit.host_phone == simulator.employee_address(KEY)  # never the real number
        code = visit.code
        assert s.scalars(select(OutboundMessage).where(OutboundMessage.to_number == KASI_INTEL)).all() == []
    citizen_view = chat(member)
    assert code in citizen_view and "Ketut Simulasi" in citizen_view

    host_view = chat(member, KEY)
    assert code in host_view and "Pemberitahuan tamu" in host_view  # the host notice, delivered here
    say(member, "1", who=KEY)  # accept
    work()
    with runtime.db.session() as s:
        visit = s.scalar(select(Visit))
        assert (visit.status, visit.host_answer) == ("accepted", "accept")
    assert "diterima oleh Ni Luh Putu Ayu Lestari" in chat(member)

    # Nothing reached Twilio, and every simulated row was delivered by the simulator.
    assert standin.messages == [] and standin.media_requests == []
    with runtime.db.session() as s:
        rest = s.scalars(select(OutboundMessage).where(OutboundMessage.channel == "rest")).all()
        gone = [r for r in rest if r.twilio_sid]  # the rest are reminders due later, or canceled
        assert {r.kind for r in gone} >= {"host_notice", "visit_outcome"}
        assert all(r.twilio_sid.startswith(simulator.SID_PREFIX) and r.status == "delivered" for r in gone)
        assert all(simulator.is_simulated(r.to_number) for r in s.scalars(select(OutboundMessage)))
        assert s.scalar(select(AuditEvent).where(AuditEvent.action == "simulator_send")) is not None

        # Kept out: the guest book's day, its search and Today's counts.
        office = runtime.offices.get(OFFICE)
        book_today = desk.today(s, office, clock.now())
        assert book_today.expected == [] and book_today.waiting == []
        assert (today.guests(s, office, clock.now()).expected, today.guests(s, office, clock.now()).waiting) == (0, 0)
        assert desk.search(s, [OFFICE], "Ketut") == []
    book = member.get("/dashboard/guestbook").get_data(as_text=True)
    assert code not in book


def test_transcripts_flag_a_simulated_conversation(app, runtime, standin, work):
    member = signed_in(app, runtime, "desk2", "desk")
    say(member, "<b>halo</b>")
    assert "&lt;b&gt;halo&lt;/b&gt;" in chat(member) and "<b>halo" not in chat(member)  # escaped
    with runtime.db.session() as s:
        conv = s.scalar(select(Conversation))
    listing = member.get("/dashboard/transcripts").get_data(as_text=True)
    assert "SIMULASI" in listing
    assert "SIMULASI" in member.get(f"/dashboard/transcripts/{conv.id}").get_data(as_text=True)


def test_a_simulated_complaint_stays_out_of_the_queue(app, runtime, standin, work):
    from bot.complaints import service as complaints

    made = simulator.new_citizen()
    with runtime.db.session() as s:
        complaints.file_complaint(s, runtime.outbox, runtime.offices.get(OFFICE),
                                  complaints.Draft(category="service", description="Uji simulasi antrean."),
                                  phone=made, conversation_id=None, msgs=runtime.messages, config=runtime.config)
        s.commit()
        ticket = s.scalar(select(Complaint.ticket))
    handler = signed_in(app, runtime, "handler1", "handler")
    assert ticket not in handler.get("/dashboard/complaints").get_data(as_text=True)
    work()
    assert standin.messages == [] and standin.media_requests == []


def test_simulator_roles_csrf_and_unknown_employee(app, runtime):
    for role, status in (("handler", 403), ("viewer", 403), ("desk", 200)):
        member = signed_in(app, runtime, f"{role}9", role)
        assert member.get("/dashboard/simulator").status_code == status
    assert member.get("/dashboard/simulator?who=nobody").status_code == 404
    response = member.post("/dashboard/simulator", {"who": "citizen", "text": "halo"}, token=False)
    assert response.status_code in (302, 400)
    with runtime.db.session() as s:
        assert s.scalars(select(InboundMessage)).all() == []


def test_the_inbox_records_a_simulated_message_like_any(runtime):
    office = runtime.offices.get(OFFICE)
    made = simulator.new_citizen()
    message = simulator.inbound(office.whatsapp, made, text="halo")
    assert isinstance(message, Inbound) and message.message_sid.startswith("SIM")
    runtime.inbox.receive(message)
    runtime.inbox.receive(message)  # the same SID twice: processed once
    with runtime.db.session() as s:
        assert len(s.scalars(select(InboundMessage)).all()) == 1
        assert s.scalar(select(InboundMessage)).processed_at is not None
