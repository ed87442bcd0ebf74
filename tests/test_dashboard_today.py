"""Beranda as the desk's Today (issue 20 §1), through real Flask requests: per office, the guests by stage,
the citizens waiting for an officer with the longest wait, the complaints overdue and due today, the
messages held or failed with a line saying what they are; each count a link to its list, and the list it
opens shows as many rows as the count says. A role sees only the counts of the lists it may open."""

from __future__ import annotations

import re

import pytest

from tests.support.busy_day import seed
from tests.support.dashboard import OFFICE, OTHER_OFFICE, signed_in
from tests.support.visits import guestbook_config

_TILE = re.compile(r'<a class="stat[^"]*" href="([^"]+)" id="([^"]+)" data-count="(\d+)">')


@pytest.fixture
def config(config, tmp_path, standin):
    guestbook_config(config, tmp_path)
    config.TWILIO_CONTENT_API_URL = standin.url
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


@pytest.fixture
def day(runtime, whatsapp, standin, work, frozen_clock):
    return seed(runtime, whatsapp, standin, work, frozen_clock)


def _tiles(html: str) -> dict[str, tuple[str, int]]:
    """id → (link, count) of every count on Today."""
    return {tile: (href.replace("&amp;", "&"), int(count)) for href, tile, count in _TILE.findall(html)}


def _rows(html: str, list_id: str, marker: str) -> int:
    """The rows of one list of a page (from its table to the table's end), counted by an attribute they carry."""
    if f'id="{list_id}-empty"' in html:
        return 0
    return html.split(f'id="{list_id}"', 1)[1].split("</table>", 1)[0].count(marker)


def test_the_desks_today_counts_what_its_lists_show(app, runtime, day):
    desk = signed_in(app, runtime, "desk1", "desk")
    html = desk.get("/dashboard/").get_data(as_text=True)
    tiles = _tiles(html)
    counts = {name.removesuffix(f"-{OFFICE}"): count for name, (_, count) in tiles.items()}
    # The busy day: 9 expected (the WhatsApp registration and 8 more), 6 waiting for their host, 6 with their
    # host, 8 checked out and 2 declined; 7 citizens asked for an officer and 2 of them are being served;
    # complaints from 10 and 6 working days ago are past the 3-day target, the one from Wednesday is due today.
    assert counts == {"today-guests-expected": 9, "today-guests-waiting": 6, "today-guests-with_host": 6,
                      "today-guests-done": 10, "today-citizens-waiting": 5, "today-citizens-served": 2,
                      "today-complaints-overdue": 3, "today-complaints-due": 1,
                      "today-messages-held": counts["today-messages-held"],
                      "today-messages-failed": counts["today-messages-failed"]}
    assert counts["today-messages-held"] >= 1 and counts["today-messages-failed"] >= 3
    assert "Hari ini, 23-11-2026 (WITA)" in html

    # Each count opens its list, and the list holds that many rows.
    book = desk.get("/dashboard/guestbook").get_data(as_text=True)
    for stage in ("expected", "waiting", "with_host", "done"):
        link, count = tiles[f"today-guests-{stage}-{OFFICE}"]
        assert link == f"/dashboard/guestbook#group-{stage}-{OFFICE}"
        assert _rows(book, f"group-{stage}-{OFFICE}", "data-visit=") == count
    assert 'href="/dashboard/guestbook#escalations"' in html and "1 tamu menunggu jawaban pegawai" in html

    inbox = desk.get("/dashboard/inbox").get_data(as_text=True)
    for tile, list_id in (("waiting", "inbox-waiting"), ("served", "inbox-taken")):
        link, count = tiles[f"today-citizens-{tile}-{OFFICE}"]
        assert link == f"/dashboard/inbox#{list_id}" and _rows(inbox, list_id, "data-handoff=") == count

    for tile in ("overdue", "due"):
        link, count = tiles[f"today-complaints-{tile}-{OFFICE}"]
        listed = desk.get(link).get_data(as_text=True)
        assert _rows(listed, "complaint-queue", "data-ticket=") == count, link
    assert tiles[f"today-complaints-due-{OFFICE}"][0] == "/dashboard/complaints?due=today"

    link, held = tiles[f"today-messages-held-{OFFICE}"]
    failed = tiles[f"today-messages-failed-{OFFICE}"][1]
    assert link == "/dashboard/messages" and tiles[f"today-messages-failed-{OFFICE}"][0] == link
    listed = desk.get(link).get_data(as_text=True)
    assert _rows(listed, "message-list", "data-message=") == held + failed
    assert listed.count('class="status-held"') == held
    note = html.split(f'id="today-messages-note-{OFFICE}">', 1)[1].split("</p>", 1)[0]
    assert "7 hari terakhir yang belum sampai ke penerimanya" in note and "tandai sudah ditangani" in note


def test_the_longest_wait_is_the_oldest_request_still_waiting(app, runtime, whatsapp, frozen_clock):
    whatsapp.send("petugas", from_="+6281298700011", profile="Made")
    frozen_clock.advance(minutes=4)
    whatsapp.send("petugas", from_="+6281298700012", profile="Nyoman")
    frozen_clock.advance(minutes=10)
    desk = signed_in(app, runtime, "desk1", "desk")
    html = desk.get("/dashboard/").get_data(as_text=True)
    tile = html.split(f'id="today-citizens-waiting-{OFFICE}"', 1)[1].split("</a>", 1)[0]
    assert 'data-count="2"' in tile and "terlama 14 menit" in tile
    nothing = signed_in(app, runtime, "desk2", "desk", office=OTHER_OFFICE).get("/dashboard/").get_data(as_text=True)
    assert f'id="today-citizens-waiting-{OTHER_OFFICE}" data-count="0"' in nothing and "terlama" not in nothing


@pytest.mark.parametrize(("role", "parts"), [
    ("admin", {"guests", "citizens", "complaints", "messages"}),
    ("desk", {"guests", "citizens", "complaints", "messages"}),
    ("handler", {"citizens", "complaints", "messages"}),
    ("viewer", set())])
def test_each_role_sees_only_the_counts_of_the_lists_it_may_open(app, runtime, day, role, parts):
    member = signed_in(app, runtime, f"{role}1", role)
    html = member.get("/dashboard/").get_data(as_text=True)
    shown = {part for part in ("guests", "citizens", "complaints", "messages") if f'id="today-{part}-{OFFICE}"' in html}
    assert shown == parts
    for link, _ in _tiles(html).values():  # every link opens for this role
        assert member.get(link.split("#")[0]).status_code == 200, link
    assert 'id="stat-inbound"' in html  # the WhatsApp activity, counts only, for everybody
    if role == "viewer":
        assert f'id="today-{OFFICE}"' not in html and "Ketut" not in html


def test_a_complaint_handler_counts_a_complaints_messages_only(app, runtime, day):
    """As on the messages page: the desk never sees a complaint's messages, the handler sees only those."""
    counts = {}
    for role in ("desk", "handler"):
        member = signed_in(app, runtime, f"{role}1", role)
        tiles = _tiles(member.get("/dashboard/").get_data(as_text=True))
        counts[role] = tiles[f"today-messages-held-{OFFICE}"][1] + tiles[f"today-messages-failed-{OFFICE}"][1]
        listed = member.get("/dashboard/messages").get_data(as_text=True)
        assert _rows(listed, "message-list", "data-message=") == counts[role]
    assert counts["handler"] >= 1 and counts["desk"] >= 4


def test_an_admin_of_every_office_gets_a_card_per_office_and_can_narrow_to_one(app, runtime, day):
    admin = signed_in(app, runtime, "admin1", "admin", office=None)
    html = admin.get("/dashboard/").get_data(as_text=True)
    cards = re.findall(r'<section class="today card" id="today-([a-z-]+)"', html)
    assert cards == [o.slug for o in runtime.offices] and OTHER_OFFICE in cards
    assert html.count("Tampilkan kantor ini saja") == len(cards) and 'id="today-all-offices"' in html
    assert admin.post("/dashboard/office", {"office": OFFICE, "next": "/dashboard/"}).status_code == 302
    html = admin.get("/dashboard/").get_data(as_text=True)
    assert re.findall(r'<section class="today card" id="today-([a-z-]+)"', html) == [OFFICE]
    assert "Tampilkan kantor ini saja" not in html


def test_today_in_english(app, runtime, day):
    desk = signed_in(app, runtime, "desk1", "desk")
    desk.post("/dashboard/lang", {"lang": "en", "next": "/dashboard/"})
    html = desk.get("/dashboard/").get_data(as_text=True)
    assert "Guests today" in html and "Citizens waiting for an officer" in html and "Due today" in html
    assert "Today, 23-11-2026 (WITA)" in html and "did not arrive" in html
