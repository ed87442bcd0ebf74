"""Citizens who hide their number behind a WhatsApp username (2026): Twilio sends `From=whatsapp:<BSUID>`
with no phone. They get answers, register a visit and file a complaint end to end, and every notice goes
back to the address they wrote from; a person known by number and by user ID stays one conversation."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from bot.masking import mask_phone
from bot.models import Conversation, InboundMessage
from bot.models.complaints import Complaint
from tests.support.visits import KASI_INTEL, guestbook_config, menu_number, register, visits

BSUID = "ID.1502576394655843"
PHONE = "+6281234500077"


@pytest.fixture
def config(config, tmp_path):
    guestbook_config(config, tmp_path)
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def conversations(runtime) -> list[Conversation]:
    with runtime.db.session() as session:
        return list(session.scalars(select(Conversation).order_by(Conversation.id)))


def test_a_username_only_citizen_is_answered_not_refused(whatsapp, runtime):
    answer = whatsapp.send("halo", from_=BSUID)
    assert answer.status == 200 and "*Menu utama*" in answer.text
    [conversation] = conversations(runtime)
    assert conversation.phone == BSUID


def test_a_malformed_user_id_is_still_refused(whatsapp):
    assert whatsapp.send("halo", from_="ID.not-an-id!").status == 400


def test_a_username_only_citizen_registers_a_visit_and_gets_every_notice(whatsapp, runtime, standin, work):
    answer = register(whatsapp, runtime, standin, from_=BSUID)
    assert "kode kunjungan" in answer.text.lower()
    [visit] = visits(runtime)
    assert visit.citizen_phone == BSUID
    whatsapp.send("terima", from_=KASI_INTEL)  # the host accepts: the citizen is told
    work()
    told = [m for m in standin.messages if m.to == f"whatsapp:{BSUID}"]
    assert told and "diterima" in told[-1].body and not told[-1].refused


def test_a_username_only_citizen_files_a_complaint_and_gets_the_receipt(whatsapp, runtime, standin, work):
    for text in ("halo", menu_number(runtime, "complaint.menu_label"), "1", "1", "1",
                 "Antrean di loket PTSP sangat lama dan tidak ada nomor antrean.", "lanjut", "1", "Ni Made Ayu",
                 "1"):
        assert whatsapp.send(text, from_=BSUID).status == 200
    with runtime.db.session() as session:
        complaint = session.scalars(select(Complaint)).one()
    assert complaint.phone == BSUID
    work()
    [receipt] = [m for m in standin.messages if m.to == f"whatsapp:{BSUID}"]
    assert complaint.ticket in receipt.body
    assert whatsapp.send(f"status {complaint.ticket}", from_=BSUID).status == 200


def test_number_and_user_id_of_one_person_stay_one_conversation(whatsapp, runtime):
    whatsapp.send("halo", from_=PHONE, external_user_id=BSUID)  # both known: linked
    whatsapp.send(menu_number(runtime), from_=PHONE)
    answer = whatsapp.send("2", from_=BSUID)  # later, the number hidden: the same conversation goes on
    assert answer.status == 200
    [conversation] = conversations(runtime)
    assert (conversation.phone, conversation.bsuid) == (PHONE, BSUID)
    with runtime.db.session() as session:
        joined = session.scalar(select(func.count()).select_from(InboundMessage).where(
            InboundMessage.conversation_id == conversation.id))
    assert joined == 3


def test_a_user_id_first_then_the_number_stays_one_conversation(whatsapp, runtime):
    whatsapp.send("halo", from_=BSUID)
    whatsapp.send("menu", from_=PHONE, external_user_id=BSUID)
    [conversation] = conversations(runtime)
    assert conversation.phone == BSUID


def test_a_user_id_is_masked_like_a_number():
    assert mask_phone(BSUID) == "ID.*****5843" and BSUID not in mask_phone(BSUID)
