"""A simulated conversation that reaches an officer (issue 20 §8): a desk officer practising in the WhatsApp
simulator asks for an officer; the handoff inbox lists the request with its "SIMULASI" badge (and its page
carries it too), beside a real citizen's request without one; Today shows the practice apart, with the same
badge, and counts only the real citizen as waiting (practice is not a citizen)."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot import simulator
from bot.models.handoff import Handoff
from tests.support.dashboard import OFFICE, signed_in

REAL = "+6281298700041"


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def _simulated_request(runtime, member) -> Handoff:
    assert member.post("/dashboard/simulator", {"who": "citizen", "text": "petugas"}).status_code == 302
    with runtime.db.session() as s:
        return s.scalars(select(Handoff).where(simulator.only_simulated(Handoff.phone))).one()


def _tile(page: str, element_id: str) -> str:
    found = re.search(rf'id="{element_id}"[^>]*data-count="(\d+)"', page)
    assert found, element_id
    return found.group(1)


def test_practice_is_flagged_in_the_inbox_and_apart_on_today(app, runtime, whatsapp):
    desk = signed_in(app, runtime, "desk1", "desk")
    practice = _simulated_request(runtime, desk)
    assert practice.office == OFFICE and practice.status == "waiting"

    # Only the practice waits: Today counts no citizen, and says so apart, with the badge.
    home = desk.get("/dashboard/").get_data(as_text=True)
    assert _tile(home, f"today-citizens-waiting-{OFFICE}") == "0"
    note = home.split(f'id="today-citizens-practice-{OFFICE}"')[1].split("</p>")[0]
    assert 'data-count="1"' in note and "SIMULASI" in note and "latihan, tidak dihitung" in note

    whatsapp.send("petugas", from_=REAL, office=OFFICE, profile="Budi Santoso")
    home = desk.get("/dashboard/").get_data(as_text=True)
    assert _tile(home, f"today-citizens-waiting-{OFFICE}") == "1"  # the real citizen only
    assert 'data-count="1"' in home.split(f'id="today-citizens-practice-{OFFICE}"')[1].split("</p>")[0]

    # The inbox lists both; the practice row carries the badge, the citizen's does not.
    inbox = desk.get("/dashboard/inbox").get_data(as_text=True)
    waiting = inbox.split('id="inbox-waiting"')[1].split("</table>")[0]
    rows = {int(m.group(1)): m.group(2) for m in re.finditer(r'<tr data-handoff="(\d+)">(.*?)</tr>', waiting, re.S)}
    with runtime.db.session() as s:
        real_id = s.scalar(select(Handoff.id).where(Handoff.phone == REAL))
    assert set(rows) == {practice.id, real_id}
    assert 'class="badge simulated" data-simulated="1">SIMULASI<' in rows[practice.id]
    assert "SIMULASI" not in rows[real_id] and "Budi Santoso" in rows[real_id]

    page = desk.get(f"/dashboard/inbox/{practice.id}").get_data(as_text=True)
    assert 'id="handoff-simulated">SIMULASI<' in page
    assert "handoff-simulated" not in desk.get(f"/dashboard/inbox/{real_id}").get_data(as_text=True)

    # Taken for practice, it is still kept out of "being served"; in English the badge says so too.
    assert desk.post(f"/dashboard/inbox/{practice.id}/take").status_code == 302
    home = desk.get("/dashboard/").get_data(as_text=True)
    assert _tile(home, f"today-citizens-served-{OFFICE}") == "0"
    assert _tile(home, f"today-citizens-waiting-{OFFICE}") == "1"
    desk.post("/dashboard/lang", {"lang": "en", "next": "/dashboard/"})
    home = desk.get("/dashboard/").get_data(as_text=True)
    assert "SIMULATED" in home.split(f'id="today-citizens-practice-{OFFICE}"')[1].split("</p>")[0]


def test_without_practice_today_has_no_practice_note(app, runtime, whatsapp):
    whatsapp.send("petugas", from_=REAL, office=OFFICE, profile="Budi Santoso")
    handler = signed_in(app, runtime, "handler1", "handler")  # a complaint handler reads the inbox too
    home = handler.get("/dashboard/").get_data(as_text=True)
    assert _tile(home, f"today-citizens-waiting-{OFFICE}") == "1"
    assert "today-citizens-practice-" not in home
    assert "SIMULASI" not in handler.get("/dashboard/inbox").get_data(as_text=True)
