"""Whole conversations as transcripts: menu, language, global commands, bad input, session expiry."""

from __future__ import annotations

import pytest

from bot import runtime as runtime_module
from bot.i18n import Messages
from config.settings import CONFIG_DIR
from flows import menu, office_info
from flows.registry import FlowRegistry
from tests.support import sample_flow

M = Messages(CONFIG_DIR)


def t(key: str, lang: str = "id", **values) -> str:
    return M.text(lang, key, office="Kejaksaan Negeri Klungkung", **values)


@pytest.fixture
def runtime(config, clean_state, frozen_clock):
    """The product's flows plus a sample multi-step flow (menu item 1) to exercise the engine."""
    rt = runtime_module.build(config, registry=FlowRegistry([menu.flow, sample_flow.flow, office_info.flow]))
    yield rt
    rt.db.dispose()


def converse(whatsapp, script, **kwargs):
    """Send each message; the answer must contain every expected fragment (and none of the absent ones)."""
    for sent, expected, *absent in script:
        answer = whatsapp.send(sent, **kwargs)
        assert answer.status == 200, sent
        for fragment in expected:
            assert fragment in answer.text, f"{sent!r}: {fragment!r} not in {answer.text!r}"
        for fragment in absent[0] if absent else []:
            assert fragment not in answer.text, f"{sent!r}: {fragment!r} unexpectedly in answer"


def test_menu_then_office_info_then_back_to_menu(whatsapp):
    converse(whatsapp, [
        ("Selamat pagi", ["Selamat datang", "*Menu utama*", "2. Informasi kantor"]),
        ("2", ["Jl. Gajah Mada No. 56", "maps/search/?api=1&query=Kejaksaan+Negeri+Klungkung",
               "WITA", "Senin–Kamis: 08.00–16.00", "081339151776",
               "parkir khusus dan jalur disabilitas", "Membuka topi dan kacamata hitam", "*tidak dipungut biaya*"]),
        ("2", ["Jl. Gajah Mada No. 56"]),  # after the info the citizen is at the main menu
        ("xyz", [t("common.not_understood"), "*Menu utama*"], ["Jl. Gajah Mada"]),
        ("menu", ["*Menu utama*"], ["Selamat datang"]),
    ])


def test_office_zone_follows_the_office(whatsapp):
    whatsapp.send("halo", office="kejari-kapuas")
    assert "WIB" in whatsapp.send("2", office="kejari-kapuas").text


def test_first_message_that_is_a_menu_choice_is_answered_directly(whatsapp):
    answer = whatsapp.send("2")
    assert "Jl. Gajah Mada" in answer.text and "Selamat datang" not in answer.text


def test_a_flow_walks_its_steps_and_commits_its_effect(whatsapp, runtime):
    converse(whatsapp, [
        ("halo", ["*Menu utama*"]),
        ("1", ["SAMPLE: nama Anda?"]),
        ("Ni Made Ayu", ["SAMPLE: kota Anda, Ni Made Ayu?"]),
        ("Semarapura", ["Ni Made Ayu dari Semarapura"]),
        ("1", ["SAMPLE: terkirim.", "*Menu utama*"]),
    ])
    with runtime.db.session() as session:
        from sqlalchemy import select

        from bot.models import OutboundMessage

        notice = session.scalars(select(OutboundMessage).where(OutboundMessage.kind == "sample_notice")).one()
    assert notice.to_number == "+6281299990000" and notice.status == "pending" and notice.channel == "rest"
    assert runtime.outbox.queue.count == 1  # enqueued after the commit


def test_not_understood_gets_apology_and_the_same_step_again(whatsapp):
    converse(whatsapp, [
        ("halo", ["*Menu utama*"]),
        ("asdfgh", [t("common.not_understood"), "*Menu utama*"]),
        # A second miss in a row offers the ways out (other words, the menu, an officer): never a handoff.
        ("99", [t("common.still_not_understood"), "*Menu utama*"]),
        ("", [t("common.still_not_understood")]),
        ("1", ["SAMPLE: nama Anda?"]),
        ("x", [t("common.not_understood"), "SAMPLE: nama Anda?"]),
    ])


def test_media_where_text_is_expected_gets_a_clear_reply(whatsapp):
    whatsapp.send("halo")
    answer = whatsapp.send("", media=(("https://api.twilio.com/media/ME1", "image/jpeg"),))
    assert t("common.media_not_expected") in answer.text and "*Menu utama*" in answer.text


def test_language_switch_both_ways(whatsapp):
    converse(whatsapp, [
        ("halo", ["*Menu utama*"]),
        ("english", [t("common.lang_switched", "en"), "*Main menu*", "2. Office information"]),
        ("2", ["*Opening hours* (WITA)", "Monday–Thursday"]),
        ("qwerty", [t("common.not_understood", "en")]),
        ("1", ["SAMPLE: nama Anda?"]),
        ("bahasa", [t("common.lang_switched"), "SAMPLE: nama Anda?"]),  # the current step again
    ])


@pytest.mark.parametrize("word", ["bantuan", "Bantuan", "help", " BANTUAN! "])
def test_help_from_any_step_then_the_step_again(whatsapp, word):
    whatsapp.send("halo")
    whatsapp.send("1")
    answer = whatsapp.send(word)
    assert t("common.help") in answer.text or t("common.help", "en") in answer.text
    assert answer.messages[-1] == "SAMPLE: nama Anda?"


def test_back_and_cancel_from_the_middle_of_a_flow(whatsapp):
    converse(whatsapp, [
        ("halo", ["*Menu utama*"]),
        ("kembali", [t("common.back_at_start"), "*Menu utama*"]),
        ("batal", [t("common.nothing_to_cancel"), "*Menu utama*"]),
        ("1", ["SAMPLE: nama Anda?"]),
        ("Wayan", ["SAMPLE: kota Anda, Wayan?"]),
        ("kembali", ["SAMPLE: nama Anda?"]),
        ("Ketut", ["SAMPLE: kota Anda, Ketut?"]),
        ("batal", [t("common.cancelled"), "*Menu utama*"]),
        ("1", ["SAMPLE: nama Anda?"]),
        ("menu", ["*Menu utama*"]),
        ("kembali", [t("common.back_at_start")]),
    ])


def test_session_expires_after_idle_time_with_a_polite_notice(whatsapp, frozen_clock):
    whatsapp.send("halo")
    whatsapp.send("1")
    frozen_clock.advance(minutes=29)
    assert "SAMPLE: kota Anda, Made?" in whatsapp.send("Made").text
    frozen_clock.advance(minutes=31)
    answer = whatsapp.send("Denpasar")
    assert t("session.expired", minutes=30) in answer.text
    assert "*Menu utama*" in answer.text and "Made dari Denpasar" not in answer.text


def test_idle_at_the_menu_needs_no_notice(whatsapp, frozen_clock):
    whatsapp.send("halo")
    frozen_clock.advance(hours=3)
    answer = whatsapp.send("2")
    assert t("session.expired", minutes=30) not in answer.text and "Jl. Gajah Mada" in answer.text


def test_language_survives_session_expiry(whatsapp, frozen_clock):
    whatsapp.send("english")
    whatsapp.send("1")
    frozen_clock.advance(hours=2)
    assert "Sorry, your session ended" in whatsapp.send("hello").text


def test_two_citizens_do_not_share_state(whatsapp):
    whatsapp.send("halo", from_="+6281200000001")
    whatsapp.send("english", from_="+6281200000001")
    answer = whatsapp.send("2", from_="+6281200000002")
    assert "*Alamat*" in answer.text  # still Indonesian for the second citizen


def test_a_bug_in_a_flow_gets_a_polite_reply_and_keeps_the_step(whatsapp, runtime):
    converse(whatsapp, [
        ("1", ["SAMPLE: nama Anda?"]),
        ("Nyoman", ["SAMPLE: kota Anda, Nyoman?"]),
        ("crash", [runtime.messages.text("id", "system.error", hotline="081339151776")], ["Traceback"]),
        ("Gianyar", ["Nyoman dari Gianyar"]),  # still at the same step, data intact
    ])
