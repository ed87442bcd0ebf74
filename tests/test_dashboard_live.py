"""Live updates (issue 20 §2) through real Flask requests: the poll's weak ETag and its 304, what moves the
tag (a citizen asking for an officer, a take, a release, a check-in, Today's clock) and what does not
(another office, a topic the role may not open), the page's own tag and title badge, and the answer's
contents: counts and an id, never a name or a number."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.dashboard import live as versions
from bot.models.handoff import Handoff
from tests.support.dashboard import OFFICE, OTHER_OFFICE, signed_in
from tests.support.visits import make_config_dir, register, visits

ASKER = "+6281298700011"
LIVE = "/dashboard/live"


@pytest.fixture
def config(config, tmp_path):
    config.CONFIG_DIR = make_config_dir(tmp_path / "config")
    config.MEDIA_DIR = str(tmp_path / "media")
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def _poll(member, view: str = "inbox", tag: str | None = None):
    headers = {"If-None-Match": f'W/"{tag}"'} if tag else {}
    return member.get(f"{LIVE}?view={view}" if view else LIVE, headers=headers)


def _tag(response) -> str:
    etag, weak = response.get_etag()
    assert weak and etag
    return etag


def _ask(runtime, whatsapp, from_: str = ASKER, office: str = OFFICE) -> Handoff:
    whatsapp.send("petugas", from_=from_, office=office, profile="Budi Santoso")
    with runtime.db.session() as s:
        return s.scalars(select(Handoff).where(Handoff.phone == from_).order_by(Handoff.id.desc())).first()


def test_nothing_changed_is_a_bodiless_304_and_a_new_waiting_citizen_moves_the_tag(app, runtime, whatsapp):
    desk = signed_in(app, runtime, "desk1", "desk")
    first = _poll(desk)
    assert first.status_code == 200 and first.mimetype == "application/json"
    assert first.json == {"version": _tag(first), "now": first.json["now"], "interval": 5000,
                          "waiting": 0, "newest": 0}
    tag = _tag(first)
    again = _poll(desk, tag=tag)
    assert again.status_code == 304 and again.get_data() == b"" and _tag(again) == tag
    assert again.headers["Cache-Control"] == "no-store"  # never kept by a proxy or the browser's cache

    handoff = _ask(runtime, whatsapp)
    moved = _poll(desk, tag=tag)
    assert moved.status_code == 200 and _tag(moved) != tag
    assert (moved.json["waiting"], moved.json["newest"]) == (1, handoff.id)
    # The answer holds counts and an id only: no name, no number, nothing the title badge does not show.
    text = moved.get_data(as_text=True)
    assert "Budi" not in text and ASKER[-4:] not in text and set(moved.json) == {"version", "now", "interval",
                                                                                "waiting", "newest"}
    assert _poll(desk, tag=_tag(moved)).status_code == 304


def test_take_and_release_move_the_inbox_tag_with_a_frozen_clock(app, runtime, whatsapp):
    desk = signed_in(app, runtime, "desk1", "desk")
    handoff = _ask(runtime, whatsapp)
    tags = [_tag(_poll(desk))]
    assert desk.post(f"/dashboard/inbox/{handoff.id}/take").status_code == 302
    taken = _poll(desk, tag=tags[-1])
    assert taken.status_code == 200 and (taken.json["waiting"], taken.json["newest"]) == (0, 0)
    tags.append(_tag(taken))
    assert desk.post(f"/dashboard/inbox/{handoff.id}/release").status_code == 302
    released = _poll(desk, tag=tags[-1])
    assert released.status_code == 200
    tags.append(_tag(released))
    assert len(set(tags)) == 3


def test_another_offices_request_changes_nothing_for_this_desk(app, runtime, whatsapp):
    theirs = signed_in(app, runtime, "desk2", "desk", office=OTHER_OFFICE)
    admin = signed_in(app, runtime, "admin1", "admin", office=None)
    tag, admin_tag = _tag(_poll(theirs)), _tag(_poll(admin))
    _ask(runtime, whatsapp, office=OFFICE)
    assert _poll(theirs, tag=tag).status_code == 304
    seen = _poll(admin, tag=admin_tag)  # an admin of every office sees it
    assert seen.status_code == 200 and seen.json["waiting"] == 1


def test_roles_without_the_inbox_get_no_waiting_count(app, runtime, whatsapp):
    viewer = signed_in(app, runtime, "viewer1", "viewer")
    _ask(runtime, whatsapp)
    answer = _poll(viewer, view="home")
    assert answer.status_code == 200 and set(answer.json) == {"version", "now", "interval"}
    tag = _tag(answer)
    _ask(runtime, whatsapp, from_="+6281298700012")
    assert _poll(viewer, view="home", tag=tag).status_code == 304  # not even "something changed"
    handler = signed_in(app, runtime, "handler1", "handler")
    assert _poll(handler, view="").json["waiting"] == 2  # complaint handlers read the inbox: they are told


def test_unknown_view_is_404_and_signed_out_goes_to_login(app, runtime, client):
    desk = signed_in(app, runtime, "desk1", "desk")
    assert _poll(desk, view="transcripts").status_code == 404
    response = client.get(f"{LIVE}?view=inbox")
    assert response.status_code == 302 and response.headers["Location"].startswith("/dashboard/login")


def test_a_check_in_moves_the_guestbook_tag_but_not_the_inbox_tag(app, runtime, whatsapp, standin, work):
    register(whatsapp, runtime, standin, when="hari ini jam 14")
    work()
    [visit] = visits(runtime)
    desk = signed_in(app, runtime, "desk1", "desk")
    book, inbox = _tag(_poll(desk, "guestbook")), _tag(_poll(desk, "inbox"))
    posted = desk.post(f"/dashboard/guestbook/visit/{visit.id}/check-in",
                       {"badge": "T-07", "locker": "L12", "id_type": "ktp", "id_last4": "0001"})
    assert posted.status_code == 302
    assert _poll(desk, "guestbook", tag=book).status_code == 200
    assert _poll(desk, "inbox", tag=inbox).status_code == 304


def test_todays_tag_follows_the_clock_in_buckets(app, runtime, frozen_clock):
    desk = signed_in(app, runtime, "desk1", "desk")
    home, inbox = _tag(_poll(desk, "home")), _tag(_poll(desk, "inbox"))
    frozen_clock.advance(seconds=versions.CLOCK_BUCKET)
    assert _poll(desk, "home", tag=home).status_code == 200  # deadlines and the 24 hours move with time
    assert _poll(desk, "inbox", tag=inbox).status_code == 304  # the inbox's waits tick in the browser


@pytest.mark.parametrize(("path", "view"), [("/dashboard/inbox", "inbox"), ("/dashboard/", "home"),
                                            ("/dashboard/guestbook", "guestbook"), ("/dashboard/transcripts", "")])
def test_a_page_carries_its_tag_so_the_first_poll_is_304(app, runtime, whatsapp, path, view):
    desk = signed_in(app, runtime, "desk1", "desk")
    _ask(runtime, whatsapp)
    html = desk.get(path).get_data(as_text=True)
    tag = html.split('data-live-version="', 1)[1].split('"', 1)[0]
    assert _poll(desk, view, tag=tag).status_code == 304
    assert "<title>(1) " in html  # the title badge, before any script runs
    assert 'data-live-count="Kotak masuk ({count})"' in html


def test_the_inbox_ticks_and_today_shows_the_longest_wait_ticking(app, runtime, whatsapp, frozen_clock):
    desk = signed_in(app, runtime, "desk1", "desk")
    handoff = _ask(runtime, whatsapp)
    since = int(handoff.requested_at.timestamp() * 1000)
    frozen_clock.advance(minutes=4)
    inbox = desk.get("/dashboard/inbox").get_data(as_text=True)
    assert f'data-since="{since}">4 menit</td>' in inbox and 'data-live="inbox-waiting"' in inbox
    home = desk.get("/dashboard/").get_data(as_text=True)
    assert f'data-since="{since}" data-template="terlama {{wait}}">terlama 4 menit</small>' in home


def test_a_viewer_and_a_desk_page_with_live_updates_off(app, runtime, config):
    config.DASHBOARD_LIVE_SECONDS = 0
    app.config["DASHBOARD_LIVE_SECONDS"] = 0
    desk = signed_in(app, runtime, "desk1", "desk")
    html = desk.get("/dashboard/inbox").get_data(as_text=True)
    assert "data-live-url" not in html and "live.js" not in html


def test_the_background_fetch_leaves_the_flash_to_the_page_the_officer_opens(app, runtime, whatsapp):
    desk = signed_in(app, runtime, "desk1", "desk")
    handoff = _ask(runtime, whatsapp)
    assert desk.post(f"/dashboard/inbox/{handoff.id}/take").status_code == 302
    background = desk.get("/dashboard/inbox", headers={"X-Loket-Live": "1"}).get_data(as_text=True)
    assert 'class="flash flash-success"' not in background
    assert "Percakapan ini sekarang Anda layani." in desk.get(f"/dashboard/inbox/{handoff.id}").get_data(as_text=True)
