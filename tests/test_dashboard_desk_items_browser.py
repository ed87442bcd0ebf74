"""Kapuas's desk in Debian's chromium (issue 20, item 7), at 1366×768 and at 390×844: the officer checks a
guest in holding the identity card *and* the phone (seed 002 step 8), the guest book lists what is held,
and the check-out checklist will not go through until the badge, the card and the phone are each ticked
back; no page scrolls sideways."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot import clock
from bot.models.visits import Visit
from bot.visits import model, queries
from tests.support import browser
from tests.support.dashboard import PASSWORD, make_user
from tests.support.visits import guestbook_config

pytestmark = pytest.mark.browser
server, browser_page = browser.server, browser.browser_page  # the shared fixtures
KAPUAS = "kejari-kapuas"
FITS = "document.documentElement.scrollWidth <= document.documentElement.clientWidth"


@pytest.fixture
def config(config, tmp_path):
    return guestbook_config(config, tmp_path)


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def _new_visit(runtime, name: str) -> int:
    moment = clock.now()
    with runtime.db.session() as s:
        visit = Visit(office=KAPUAS, code=queries.free_code(s, KAPUAS), citizen_phone="", name=name, id_type="ktp",
                      id_masked="6203********0001", id_hash="1" * 64, purpose="Melapor kepada Kasi Intelijen",
                      host_name="Kasi Intelijen", scheduled_at=moment, status=model.AWAITING_HOST, notice_round=0,
                      reminder_outbox_ids=[], created_at=moment)
        s.add(visit)
        s.commit()
        return visit.id


def _shot(page, name: str) -> None:
    """LOKET_SHOTS=DIR keeps a screenshot of each step, to look at (the assertions do not need them)."""
    if os.environ.get("LOKET_SHOTS"):
        page.screenshot(path=str(Path(os.environ["LOKET_SHOTS"]) / f"{name}.png"), full_page=True)


def _row(runtime, visit_id: int) -> Visit:
    with runtime.db.session() as s:
        return s.get(Visit, visit_id)


@pytest.mark.parametrize("size", [{"width": 1366, "height": 768}, {"width": 390, "height": 844}])
def test_kapuas_holds_the_card_and_the_phone_and_checks_them_back(server, browser_page, runtime, size):
    visit_id = _new_visit(runtime, "Dayang Kartika Sari Binti Haji Abdurrahman")
    make_user(runtime, "piket.kps", "desk", KAPUAS)
    page = browser_page
    page.set_viewport_size(size)
    page.goto(f"{server}/dashboard/guestbook/visit/{visit_id}")
    page.fill("#username", "piket.kps")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{server}/dashboard/guestbook/visit/{visit_id}")

    # Check-in: Kapuas asks the badge, the card and the phone; no locker, no gate pass.
    assert page.locator("#checkin-form #phone_held").is_visible()
    assert page.locator("#checkin-form #locker").count() == 0 and page.locator("#gate_pass").count() == 0
    assert page.evaluate(FITS)
    page.fill("#badge", "KPS-04")
    page.select_option("#id_type", "ktp")
    page.fill("#id_last4", "0001")
    page.check("#phone_held")
    page.fill("#phone_note", "Samsung hitam")
    _shot(page, f"kapuas-checkin-{size['width']}")
    page.click("#checkin-submit")
    page.wait_for_url(f"{server}/dashboard/guestbook/visit/{visit_id}")
    assert "sudah check-in" in page.inner_text(".flash")
    assert page.inner_text("#visit-item-phone") == "Samsung hitam"
    assert _row(runtime, visit_id).desk_items == {"badge": "KPS-04", "id_card": "", "phone": "Samsung hitam"}
    assert page.evaluate(FITS)

    # The guest book lists what the desk holds, and fits.
    page.goto(f"{server}/dashboard/guestbook")
    row = page.locator(f"#group-waiting-{KAPUAS} tr[data-visit='{visit_id}']")
    assert "HP Samsung hitam" in row.inner_text() and "KTP ****0001" in row.inner_text()
    assert row.locator("input[name=returned]").count() == 3
    assert page.evaluate(FITS)
    _shot(page, f"kapuas-guestbook-{size['width']}")

    # The checklist: nothing ticked, then the card and badge only: the browser asks for the phone first.
    page.goto(f"{server}/dashboard/guestbook/visit/{visit_id}")
    page.click("#checkout-submit")
    assert _row(runtime, visit_id).checked_out_at is None
    page.check("#returned-badge")
    page.check("#returned-id_card")
    assert page.locator("#returned-phone").evaluate("e => e.validity.valueMissing")
    page.click("#checkout-submit")
    assert _row(runtime, visit_id).checked_out_at is None
    assert page.evaluate(FITS)
    page.check("#returned-phone")
    page.click("#checkout-submit")
    page.wait_for_url(f"{server}/dashboard/guestbook")
    assert "selesai" in page.inner_text(".flash-success")
    row = _row(runtime, visit_id)
    assert row.checked_out_at is not None and row.desk_returned == ["badge", "id_card", "phone"]

    page.goto(f"{server}/dashboard/guestbook/visit/{visit_id}")
    assert page.inner_text("#visit-returned") == "Tanda pengenal tamu, Kartu identitas, Alat komunikasi (HP)"
    assert page.evaluate(FITS)
