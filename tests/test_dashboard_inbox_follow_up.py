"""Outside WhatsApp's 24-hour window the handoff inbox offers the one thing WhatsApp allows: the
approved template that asks the citizen to write back. It is sent as a template, the conversation
keeps waiting for the officer (however long the citizen takes), and the answer reopens the window."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.models import Conversation, OutboundMessage
from bot.models.handoff import Handoff
from bot.models.staff import AuditEvent
from tests.support.dashboard import OFFICE, signed_in
from tests.support.visits import make_config_dir
from tests.support.whatsapp import CITIZEN

TEMPLATE = {"officer_followup": {"content_sid": "HX" + "7" * 32, "variables": {"1": "office"}}}


@pytest.fixture
def templates() -> dict:
    return TEMPLATE


@pytest.fixture
def config(config, tmp_path, templates):
    config.CONFIG_DIR = make_config_dir(tmp_path / "config", templates=templates)
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


@pytest.fixture
def taken(app, runtime, whatsapp):
    """A citizen asked for an officer, desk1 took the conversation, then a day passed in silence."""
    whatsapp.send("petugas", profile="Budi Santoso")
    with runtime.db.session() as s:
        request = s.scalars(select(Handoff).where(Handoff.phone == CITIZEN)).one()
    member = signed_in(app, runtime, "desk1", "desk", OFFICE)
    assert member.post(f"/dashboard/inbox/{request.id}/take").status_code == 302
    return member, request


def follow_ups(runtime) -> list[OutboundMessage]:
    with runtime.db.session() as s:
        return list(s.scalars(select(OutboundMessage).where(OutboundMessage.kind == "officer_followup")))


def test_the_template_is_offered_sent_as_a_template_and_the_answer_reaches_the_officer(
        runtime, whatsapp, taken, frozen_clock, work, standin):
    member, request = taken
    page = member.get(f"/dashboard/inbox/{request.id}").get_data(as_text=True)
    assert 'id="follow-up-form"' not in page  # inside the window: free text, no template needed
    frozen_clock.advance(hours=25)
    page = member.get(f"/dashboard/inbox/{request.id}").get_data(as_text=True)
    assert 'id="follow-up-form"' in page
    assert "Petugas kami ingin melanjutkan percakapan Anda" in page  # what the citizen will receive
    assert member.post(f"/dashboard/inbox/{request.id}/follow-up").status_code == 302
    [row] = follow_ups(runtime)
    office = runtime.offices.get(OFFICE)
    assert (row.content_sid, row.content_variables, row.to_number) == (TEMPLATE["officer_followup"]["content_sid"],
                                                                       {"1": office.name}, CITIZEN)
    work()
    sent = standin.messages[-1]
    assert (sent.to, sent.content_sid) == (f"whatsapp:{CITIZEN}", row.content_sid)
    with runtime.db.session() as s:
        [event] = s.scalars(select(AuditEvent).where(AuditEvent.action == "handoff_follow_up")).all()
        assert (event.actor_username, event.subject_id) == ("desk1", str(request.id))
    # Days later the citizen answers: no "session expired" and menu from the bot, the officer has it.
    frozen_clock.advance(days=3)
    answer = whatsapp.send("Iya, saya masih perlu bantuan")
    assert "petugas sedang menangani" in answer.text  # acknowledged, never silence (issue 16)
    assert "*Menu utama*" not in answer.text and "berakhir" not in answer.text
    with runtime.db.session() as s:
        assert s.scalars(select(Conversation).where(Conversation.phone == CITIZEN)).one().state["step"] == \
            "handoff:waiting"
    page = member.get(f"/dashboard/inbox/{request.id}").get_data(as_text=True)
    assert "Iya, saya masih perlu bantuan" in page and "Jendela 24 jam WhatsApp terbuka" in page
    assert "disabled" not in page.split('id="reply-body"')[1].split(">")[0]


@pytest.mark.parametrize("templates", [{}])
def test_without_an_approved_template_the_officer_is_told_and_nothing_is_queued(runtime, taken, frozen_clock):
    member, request = taken
    frozen_clock.advance(hours=25)
    page = member.get(f"/dashboard/inbox/{request.id}").get_data(as_text=True)
    assert 'id="follow-up-form"' not in page and "officer_followup" in page
    member.post(f"/dashboard/inbox/{request.id}/follow-up")
    assert follow_ups(runtime) == []
    assert "Belum ada templat yang disetujui" in member.get(f"/dashboard/inbox/{request.id}").get_data(as_text=True)


def test_inside_the_window_the_template_is_refused(runtime, taken):
    member, request = taken
    member.post(f"/dashboard/inbox/{request.id}/follow-up")
    assert follow_ups(runtime) == []
    assert "kirim balasan bebas saja" in member.get(f"/dashboard/inbox/{request.id}").get_data(as_text=True)


def test_only_the_officer_serving_it_may_send_and_only_with_the_csrf_token(app, runtime, taken, frozen_clock):
    member, request = taken
    frozen_clock.advance(hours=25)
    assert member.post(f"/dashboard/inbox/{request.id}/follow-up", token=False).status_code == 400
    other = signed_in(app, runtime, "desk2", "desk", OFFICE)
    other.post(f"/dashboard/inbox/{request.id}/follow-up")
    handler = signed_in(app, runtime, "handler1", "handler", OFFICE)
    assert handler.post(f"/dashboard/inbox/{request.id}/follow-up").status_code == 403
    assert follow_ups(runtime) == []
