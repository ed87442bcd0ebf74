"""Tap instead of type: numbered choices go to WhatsApp as a list picker or quick-reply buttons (through the
outbox, since TwiML cannot carry them), a tap means what typing its number means, a conversation's replies
keep their order whatever the workers do, and the console keeps the numbered text."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import select

from bot import runtime as runtime_module
from bot.models import OutboundMessage
from bot.whatsapp import interactive
from bot.whatsapp.interactive import Choice
from tests.support.visits import KASI_INTEL, guestbook_config, register, visits
from tests.support.whatsapp import CITIZEN

OTHER = "+6281234500088"


@pytest.fixture
def config(config, standin, tmp_path):
    config.WHATSAPP_INTERACTIVE = True
    config.TWILIO_CONTENT_API_URL = standin.url
    guestbook_config(config, tmp_path)  # employees with WhatsApp numbers
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def sent_to(standin, number: str):
    return [m for m in standin.messages if m.to == f"whatsapp:{number}"]


def rest_replies(runtime) -> list[OutboundMessage]:
    with runtime.db.session() as session:
        return list(session.scalars(select(OutboundMessage).where(
            OutboundMessage.kind == "reply", OutboundMessage.channel == "rest").order_by(OutboundMessage.id)))


def test_the_menu_is_a_list_and_tapping_an_item_is_typing_its_number(whatsapp, runtime, standin, work):
    answer = whatsapp.send("halo")
    assert "Selamat datang" in answer.text and "*Menu utama*" not in answer.text  # the list follows
    work()
    [menu] = sent_to(standin, CITIZEN)
    assert menu.content_type == "twilio/list-picker" and "*Menu utama*" in menu.body
    labels = [item.item for item in menu.items]
    assert labels[0].startswith("Layanan") and len(labels) == len(runtime.registry.menu_entries())
    assert all(len(item.item) <= 24 for item in menu.items)
    # One citizen taps the first item; another types "1": the same answer.
    tapped = whatsapp.send_form(standin.pick_form(menu.sid, menu.items[0].id))
    whatsapp.send("halo", from_=OTHER)
    typed = whatsapp.send("1", from_=OTHER)
    work()
    after_tap = tapped.messages + [m.body for m in sent_to(standin, CITIZEN)[1:]]
    after_typing = typed.messages + [m.body for m in sent_to(standin, OTHER)[1:]]
    assert tapped.status == typed.status == 200 and after_tap == after_typing
    assert "Waktu" in after_tap[0]  # Klungkung's first service card: the same for both


def test_a_tap_on_an_old_list_is_read_as_its_words_not_as_a_number(whatsapp, runtime, standin, work):
    whatsapp.send("halo")
    work()
    [menu] = sent_to(standin, CITIZEN)
    whatsapp.send("1")  # the units list of the services now
    work()
    # The citizen scrolls up and taps the menu's fourth item while the units list is open.
    answer = whatsapp.send_form(standin.pick_form(menu.sid, menu.items[3].id))
    assert answer.status == 200
    conversation_step = runtime.store.load("kejari-klungkung", CITIZEN, None).step
    assert not conversation_step.startswith("services:list")  # "4" was not taken as the 4th unit


def test_the_survey_answers_are_a_list_of_four(whatsapp, runtime, standin, work):
    runtime.queue().enqueue("bot.survey.jobs.offer", "kejari-klungkung", CITIZEN, "checkout", "VIS-1")
    work()
    whatsapp.send("survei")
    work()
    question = sent_to(standin, CITIZEN)[-1]
    assert question.content_type == "twilio/list-picker" and len(question.items) == 4
    answer = whatsapp.send_form(standin.pick_form(question.sid, question.items[3].id))
    assert answer.status == 200
    work()
    assert "Pertanyaan 2 dari 9" in sent_to(standin, CITIZEN)[-1].body


def test_a_conversations_replies_go_in_order_even_when_the_later_job_runs_first(whatsapp, runtime, standin):
    whatsapp.send("halo")
    whatsapp.send("menu")
    first, second = rest_replies(runtime)
    runtime.sender.send(second.id)  # a second worker picked the later job first
    assert [m.sid for m in sent_to(standin, CITIZEN)] == [r.twilio_sid for r in rest_replies(runtime)]
    assert len(sent_to(standin, CITIZEN)) == 2
    assert runtime.sender.send(first.id) == "skipped"  # its own job finds it sent


def test_two_workers_at_once_keep_the_order(whatsapp, runtime, standin):
    for text in ("halo", "menu", "bantuan", "menu"):
        whatsapp.send(text)
    rows = rest_replies(runtime)
    assert len(rows) >= 3
    threads = [threading.Thread(target=runtime.sender.send, args=(row.id,)) for row in reversed(rows)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert [m.sid for m in sent_to(standin, CITIZEN)] == [row.twilio_sid for row in rest_replies(runtime)]
    assert len(sent_to(standin, CITIZEN)) == len(rows)


def test_the_console_keeps_the_numbered_text(config, clean_state):
    config.TWILIO_ACCOUNT_SID = config.TWILIO_AUTH_TOKEN = ""
    rt = runtime_module.build(config)
    try:
        assert rt.inbox.interactive is False and rt.sender.content is None
    finally:
        rt.db.dispose()


def test_a_failing_content_api_sends_the_numbered_text(whatsapp, runtime, standin, work):
    standin.fail_content_next(5, status=500)
    whatsapp.send("halo")
    work()
    [menu] = sent_to(standin, CITIZEN)
    assert menu.content_sid is None and "1. " in menu.body and "*Menu utama*" in menu.body


@pytest.mark.parametrize(("titles", "kind"), [
    (["Ya", "Tidak"], interactive.QUICK_REPLY),
    (["Ya, saya setuju", "Tidak", "Nanti saja"], interactive.QUICK_REPLY),
    (["Ya", "Tidak", "Nanti", "Batal"], interactive.LIST_PICKER),  # four: a list
    (["Pelayanan Terpadu Satu Pintu", "Tidak"], interactive.LIST_PICKER),  # a title too long for a button
    ([str(i) for i in range(11)], None),  # eleven: the numbered text
    (["Satu"], None),  # one choice is no choice
])
def test_layout_follows_whatsapps_limits(titles, kind):
    shape = interactive.layout([Choice(f"s#{i}", t) for i, t in enumerate(titles, 1)], "Pilih salah satu", "Pilih")
    assert (shape.content_type if shape else None) == kind
    if shape is not None and kind == interactive.LIST_PICKER:
        items = shape.types[kind]["items"]
        assert all(len(i["item"]) <= 24 and len(i.get("description", "")) <= 72 for i in items)
        assert items[0].get("description", "") in ("", "Pelayanan Terpadu Satu Pintu")


def test_a_body_over_1024_characters_is_sent_as_text():
    assert interactive.layout([Choice("a", "Ya"), Choice("b", "Tidak")], "x" * 1025, "Pilih") is None


def test_a_host_who_wrote_today_gets_the_notice_as_a_list_and_taps_an_answer(whatsapp, runtime, standin, work):
    whatsapp.send("selamat pagi", from_=KASI_INTEL)  # the Kasi Intel's window is open
    register(whatsapp, runtime, standin)
    work()
    notice = [m for m in sent_to(standin, KASI_INTEL) if "Ketut Arsana" in (m.body or "")][-1]
    assert notice.content_type == "twilio/list-picker" and not notice.as_template
    assert [i.item for i in notice.items] == ["Terima", "Tolak", "Usulkan waktu lain", "Alihkan ke pegawai lain"]
    answer = whatsapp.send_form(standin.pick_form(notice.sid, "propose"))
    assert "tanggal dan jam" in answer.text
    whatsapp.send("kamis pukul 09.30", from_=KASI_INTEL)
    assert visits(runtime)[0].status == "proposed"


def test_a_console_conversation_reads_the_numbered_menu(config, clean_state, tmp_path):
    """Console mode (no Twilio credentials): the menu is numbered text in the webhook's answer."""
    from app import create_app
    from tests.support.whatsapp import WhatsApp

    config.TWILIO_ACCOUNT_SID = config.TWILIO_AUTH_TOKEN = ""
    app = create_app(config)
    rt = app.extensions["loket"]
    try:
        whatsapp = WhatsApp(app.test_client(), "", config.PUBLIC_BASE_URL, rt.offices)
        answer = whatsapp.send("halo")  # console mode checks no signature
        assert "*Menu utama*" in answer.text and "1. Layanan" in answer.text
        assert rest_replies(rt) == []
    finally:
        rt.db.dispose()


def test_a_citizen_who_reads_english_gets_the_choices_made_in_english(whatsapp, runtime, standin, work):
    whatsapp.send("english")
    work()
    lists = [row for row in rest_replies(runtime) if row.interactive]
    assert lists and {row.lang for row in lists} == {"en"}
    assert sent_to(standin, CITIZEN)[-1].content_type == "twilio/list-picker"
    # The list's content is made in the citizen's language (Twilio's Content API asks for one).
    assert [content.language for content in standin.contents] == ["en"]
