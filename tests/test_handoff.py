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


def test_misunderstood_twice_offers_the_ways_out_and_never_hands_off_by_itself(whatsapp, runtime):
    whatsapp.send("halo")
    first = whatsapp.send("qwertyuiop")
    assert first.text.startswith("Mohon maaf, kami belum memahami")
    second = whatsapp.send("asdfghjkl")
    assert "kata lain" in second.text and "*menu*" in second.text and "*petugas*" in second.text
    assert "*Menu utama*" in second.text  # and the step again
    whatsapp.send("zxcvbnm")
    assert requests(runtime) == []


@pytest.mark.parametrize("closing", ["makasih", "Terima kasih.", "ok", "🙏", "oke makasih", "thanks"])
def test_a_polite_closing_gets_a_polite_closing(whatsapp, runtime, closing):
    whatsapp.send("halo")
    answer = whatsapp.send(closing)
    assert answer.text.startswith("Sama-sama") and "belum memahami" not in answer.text
    assert "Sama-sama" in whatsapp.send(closing).text and requests(runtime) == []


def test_thanks_on_a_service_card_is_not_searched_for(whatsapp, runtime):
    whatsapp.send("halo", office="setda-klungkung")
    whatsapp.send("syarat peliputan", office="setda-klungkung")
    answer = whatsapp.send("🙏", office="setda-klungkung")
    assert answer.text.startswith("Sama-sama") and "belum menemukan layanan" not in answer.text


def test_thanks_in_the_middle_of_a_journey_keeps_the_step(whatsapp, runtime):
    whatsapp.send("halo")
    whatsapp.send("3")  # a complaint: the category is asked
    answer = whatsapp.send("makasih")
    assert answer.text.startswith("Sama-sama") and "Pengaduan Anda terkait apa?" in answer.text


def test_a_waiting_citizen_is_answered_by_the_catalog_and_acknowledged_never_silenced(whatsapp, runtime,
                                                                                   frozen_clock):
    whatsapp.send("petugas")
    answer = whatsapp.send("berapa biaya ptsp")  # Klungkung's catalog has one service, the PTSP desk
    assert "Biaya" in answer.text and "Petugas kami tetap akan membalas" in answer.text
    assert requests(runtime)[0].status == "waiting"  # still in the officer's queue
    frozen_clock.advance(minutes=4)
    assert "Mohon menunggu" in whatsapp.send("tolong dibalas").text
    assert whatsapp.send("halo?").messages == []  # acknowledged a moment ago
    handoff.take(runtime, requests(runtime)[0].id, "desk.ayu")
    frozen_clock.advance(minutes=4)
    assert "sedang menangani" in whatsapp.send("pak?").text


def test_what_was_being_filed_is_kept_and_resumed_after_the_officer(whatsapp, runtime, work, standin):
    whatsapp.send("halo")
    whatsapp.send("3")  # complaint
    whatsapp.send("1")  # service quality
    whatsapp.send("1")  # consent
    answer = whatsapp.send("petugas")
    assert "teruskan kepada petugas" in answer.text
    [request] = requests(runtime)
    handoff.take(runtime, request.id, "desk.ayu")
    handoff.release(runtime, request.id, "desk.ayu")
    work()
    assert "melanjutkan dari langkah terakhir" in standin.messages[-1].body
    answer = whatsapp.send("1")  # the unit: the complaint goes on where it was
    assert "*uraian pengaduan*" in answer.text


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
