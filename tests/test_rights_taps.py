"""The rights flow's yes/no as WhatsApp quick-reply buttons: a tap on "Ya, lanjutkan" erases."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.models.rights import RightsRequest
from tests.support.visits import CITIZEN, guestbook_config


@pytest.fixture
def config(config, standin, tmp_path):
    config.WHATSAPP_INTERACTIVE = True
    config.TWILIO_CONTENT_API_URL = standin.url
    guestbook_config(config, tmp_path)
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def test_the_confirmation_is_two_buttons_and_a_tap_on_yes_erases(whatsapp, runtime, standin, work):
    whatsapp.send("halo")
    work()
    whatsapp.send("hapus data saya")
    work()
    question = [m for m in standin.messages if m.to == f"whatsapp:{CITIZEN}"][-1]
    assert question.content_type == "twilio/quick-reply" and "*dihapus*" in question.body
    assert [b.title for b in question.buttons] == ["Ya, lanjutkan", "Tidak, batalkan"]
    receipt = whatsapp.send_form(standin.tap_form(question.sid, question.buttons[0].id))
    assert "*telah dihapus*" in receipt.text
    with runtime.db.session() as s:
        assert s.scalars(select(RightsRequest.kind)).all() == ["erasure"]
