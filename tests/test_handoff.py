"""Handing a citizen to a human officer: request, quiet waiting, officer reply, release."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from bot import handoff
from bot.models import OutboundMessage
from bot.models.handoff import Handoff
from tests.support.whatsapp import CITIZEN

OFFICE = "kejari-klungkung"


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def requests(runtime) -> list[Handoff]:
    with runtime.db.session() as session:
        return list(session.scalars(select(Handoff).order_by(Handoff.id)))


def test_petugas_hands_over_and_the_bot_goes_quiet(whatsapp, runtime, frozen_clock):
    whatsapp.send("halo")
    answer = whatsapp.send("bicara dengan petugas")
    assert "teruskan kepada petugas" in answer.text and "*menu*" in answer.text
    assert "di luar jam layanan" not in answer.text  # Monday 10.00 WITA: open
    [request] = requests(runtime)
    assert (request.status, request.reason, request.phone) == ("waiting", "asked", CITIZEN)
    assert whatsapp.send("halo? ada orang?").messages == []  # just reassured; the officer answers
    frozen_clock.advance(minutes=11)
    assert "Mohon menunggu" in whatsapp.send("masih menunggu").text


def test_outside_opening_hours_the_citizen_is_told_when_an_officer_answers(whatsapp, frozen_clock):
    frozen_clock.set(datetime(2026, 11, 28, 3, 0, tzinfo=UTC))  # Saturday 11.00 WITA
    answer = whatsapp.send("petugas")
    assert "di luar jam layanan" in answer.text and "Senin, 30/11/2026 pukul 08.00 WITA" in answer.text


def test_holidays_are_skipped_when_telling_the_next_opening(runtime):
    office = runtime.offices.get(OFFICE)
    christmas_eve_evening = datetime(2026, 12, 24, 10, 0, tzinfo=UTC)  # Thursday 18.00 WITA
    opens = handoff.next_opening(office, christmas_eve_evening)
    assert opens.date().isoformat() == "2026-12-28" and opens.hour == 8  # 25/12 is a holiday, then the weekend


def test_officer_takes_replies_and_releases(whatsapp, runtime, standin, work):
    whatsapp.send("petugas")
    [request] = requests(runtime)
    handoff.take(runtime, request.id, "desk.ayu")
    with pytest.raises(handoff.HandoffError):
        handoff.take(runtime, request.id, "desk.made")  # one officer at a time
    handoff.reply(runtime, request.id, "desk.ayu", "Selamat siang, ada yang bisa kami bantu?")
    work()
    assert standin.messages[-1].body == "Selamat siang, ada yang bisa kami bantu?"
    assert whatsapp.send("Saya mau tanya jadwal sidang").messages == []  # the officer has it
    handoff.release(runtime, request.id, "desk.ayu")
    work()
    assert "dikembalikan ke layanan otomatis" in standin.messages[-1].body
    assert requests(runtime)[0].status == "closed"
    assert "*Menu utama*" in whatsapp.send("xyz").text  # the bot again


def test_reply_before_taking_is_refused(whatsapp, runtime):
    whatsapp.send("petugas")
    [request] = requests(runtime)
    with pytest.raises(handoff.HandoffError):
        handoff.reply(runtime, request.id, "desk.ayu", "halo")


def test_menu_brings_the_citizen_back_and_closes_the_request(whatsapp, runtime):
    whatsapp.send("petugas")
    assert "*Menu utama*" in whatsapp.send("menu").text
    assert requests(runtime)[0].status == "closed"
    assert handoff.waiting(runtime, OFFICE) == []


def test_stuck_twice_brings_in_an_officer(whatsapp, runtime):
    whatsapp.send("halo")
    first = whatsapp.send("qwertyuiop")
    assert first.text.startswith("Mohon maaf, kami belum memahami")
    second = whatsapp.send("asdfghjkl")
    assert "Kami hubungkan Anda dengan petugas" in second.text
    assert [(r.reason, r.status) for r in requests(runtime)] == [("stuck", "waiting")]


def test_officer_reply_outside_the_24_hour_window_is_held_with_its_reason(whatsapp, runtime, standin, work,
                                                                          frozen_clock):
    whatsapp.send("petugas")
    [request] = requests(runtime)
    handoff.take(runtime, request.id, "desk.ayu")
    frozen_clock.advance(hours=25)
    [outbox_id] = handoff.reply(runtime, request.id, "desk.ayu", "Maaf baru sempat membalas.")
    work()
    with runtime.db.session() as session:
        row = session.get(OutboundMessage, outbox_id)
    assert (row.status, row.error_code) == ("held", "outside_24h_window")
    assert standin.messages == []


def test_the_step_bot_handoff_names_is_the_handoff_flows_waiting_step():
    from flows import handoff as handoff_flow

    assert handoff_flow.flow.ref(handoff_flow.Step.WAITING) == handoff.WAITING_STEP
