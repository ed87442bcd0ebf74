"""The inbox's conversation page follows the conversation live (issue 20 §2) through real Flask requests: the
page carries the poll's URL for its own request and its tag (so the first poll is a bodiless 304), a new
message from the citizen, a take and an officer's reply move the tag, another request's message does not,
and the poll answers another office with 404 and a role without the inbox with 403, as the page does."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from bot.models.handoff import Handoff
from tests.support.dashboard import OFFICE, OTHER_OFFICE, signed_in

ASKER, OTHER_ASKER = "+6281298700031", "+6281298700032"
LIVE = "/dashboard/live"


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def _ask(runtime, whatsapp, from_: str = ASKER) -> int:
    whatsapp.send("petugas", from_=from_, office=OFFICE, profile="Budi Santoso")
    with runtime.db.session() as s:
        return s.scalars(select(Handoff.id).where(Handoff.phone == from_).order_by(Handoff.id.desc())).first()


def _poll(member, handoff_id: int | str | None, tag: str | None = None):
    headers = {"If-None-Match": f'W/"{tag}"'} if tag else {}
    query = {"view": "handoff"} if handoff_id is None else {"view": "handoff", "id": handoff_id}
    return member.get(LIVE, query_string=query, headers=headers)


def _tag(response) -> str:
    etag, weak = response.get_etag()
    assert weak and etag
    return etag


def test_the_page_polls_for_its_own_request_and_its_first_poll_is_304(app, runtime, whatsapp):
    handoff_id = _ask(runtime, whatsapp)
    desk = signed_in(app, runtime, "desk1", "desk")
    page = desk.get(f"/dashboard/inbox/{handoff_id}").get_data(as_text=True)
    url = re.search(r'data-live-url="([^"]+)"', page).group(1).replace("&amp;", "&")
    assert url == f"{LIVE}?view=handoff&id={handoff_id}"
    version = re.search(r'data-live-version="([^"]+)"', page).group(1)
    assert desk.get(url, headers={"If-None-Match": f'W/"{version}"'}).status_code == 304
    # The regions that follow: the facts, the actions and the transcript; the reply form is not in one.
    for region in ("handoff-facts", "handoff-actions", "handoff-transcript"):
        assert f'data-live="{region}"' in page
    transcript = page.split('data-live="handoff-transcript"')[1].split("</ol>")[0]
    assert 'data-line="in' in transcript and 'id="reply-form"' not in transcript
    assert 'id="handoff-waited" data-since="' in page  # the wait ticks in the browser


def test_a_citizens_new_message_a_take_and_a_reply_move_the_tag(app, runtime, whatsapp):
    handoff_id = _ask(runtime, whatsapp)
    desk = signed_in(app, runtime, "desk1", "desk")
    first = _poll(desk, handoff_id)
    assert first.status_code == 200 and first.json["waiting"] == 1
    tag = _tag(first)
    assert _poll(desk, handoff_id, tag).status_code == 304
    assert _poll(desk, handoff_id, tag).get_data() == b""

    whatsapp.send("Saya mau tanya soal tilang", from_=ASKER, office=OFFICE)
    moved = _poll(desk, handoff_id, tag)
    assert moved.status_code == 200 and _tag(moved) != tag
    assert "tilang" not in moved.get_data(as_text=True)  # the poll holds no words, only a tag and counts
    tag = _tag(moved)
    assert desk.get(f"/dashboard/inbox/{handoff_id}").get_data(as_text=True).count("Saya mau tanya soal tilang") == 1

    assert desk.post(f"/dashboard/inbox/{handoff_id}/take").status_code == 302
    taken = _poll(desk, handoff_id, tag)
    assert taken.status_code == 200 and _tag(taken) != tag
    tag = _tag(taken)
    assert desk.post(f"/dashboard/inbox/{handoff_id}/reply", data={"body": "Baik, kami bantu."}).status_code == 302
    replied = _poll(desk, handoff_id, tag)
    assert replied.status_code == 200 and _tag(replied) != tag
    assert _poll(desk, handoff_id, _tag(replied)).status_code == 304


def test_another_citizens_message_leaves_this_page_alone(app, runtime, whatsapp):
    handoff_id = _ask(runtime, whatsapp)
    other_id = _ask(runtime, whatsapp, OTHER_ASKER)
    desk = signed_in(app, runtime, "desk1", "desk")
    tag = _tag(_poll(desk, handoff_id))
    other_tag = _tag(_poll(desk, other_id))
    whatsapp.send("Halo, masih menunggu", from_=OTHER_ASKER, office=OFFICE)
    assert _poll(desk, handoff_id, tag).status_code == 304
    assert _poll(desk, other_id, other_tag).status_code == 200


@pytest.mark.parametrize(("role", "office", "status"), [("desk", OTHER_OFFICE, 404), ("handler", OTHER_OFFICE, 404),
                                                        ("viewer", OFFICE, 403), ("handler", OFFICE, 200),
                                                        ("admin", None, 200)])
def test_the_poll_answers_as_the_page_does(app, runtime, whatsapp, role, office, status):
    handoff_id = _ask(runtime, whatsapp)
    member = signed_in(app, runtime, f"{role}1", role, office)
    assert member.get(f"/dashboard/inbox/{handoff_id}").status_code == status
    assert _poll(member, handoff_id).status_code == status


def test_a_poll_without_a_request_or_of_none_is_404(app, runtime, whatsapp):
    desk = signed_in(app, runtime, "desk1", "desk")
    assert _poll(desk, None).status_code == 404
    assert _poll(desk, "x").status_code == 404
    assert _poll(desk, 999999).status_code == 404
