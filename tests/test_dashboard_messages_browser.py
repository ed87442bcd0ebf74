"""In Debian's chromium: the desk sees a held host notice as held, with the reason and the host's number,
not as "Belum menjawab"; follows the link to the held messages, marks it handled by phone, and the guest
book says so. Screenshots at a desk PC's 1366×768 and a phone's 390×844 (in $LOKET_SCREENSHOTS when
set, else the test's tmp dir)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot import statuses
from bot.models import OutboundMessage
from bot.whatsapp import service
from tests.support import browser
from tests.support.dashboard import PASSWORD, make_user
from tests.support.visits import KASI_INTEL, guestbook_config, register, visits

pytestmark = pytest.mark.browser
server, browser_page = browser.server, browser.browser_page  # the shared fixtures

SIZES = {"desk": (1366, 768), "phone": (390, 844)}


@pytest.fixture
def config(config, tmp_path, standin):
    guestbook_config(config, tmp_path)
    config.TWILIO_CONTENT_API_URL = standin.url
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def _shots(tmp_path: Path) -> Path:
    folder = Path(os.environ.get("LOKET_SCREENSHOTS") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_desk_sees_a_held_notice_as_held_and_marks_it_handled(server, browser_page, runtime, whatsapp, standin,
                                                              work, tmp_path):
    standin.auto_approve = False
    assert service.run_sync(runtime).ok  # Loket's templates await WhatsApp's approval
    register(whatsapp, runtime, standin, when="hari ini jam 14")
    work()
    [visit] = visits(runtime)
    with runtime.db.session() as s:
        assert s.get(OutboundMessage, visit.host_notice_outbox_id).error_code == statuses.TEMPLATE_PENDING
    make_user(runtime, "desk.ayu", "desk")
    page = browser_page
    shots = _shots(tmp_path)

    page.set_viewport_size({"width": 1366, "height": 768})
    page.goto(f"{server}/dashboard/login")
    page.fill("#username", "desk.ayu")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{server}/dashboard/")
    page.goto(f"{server}/dashboard/guestbook")
    row = page.locator("#group-expected-kejari-klungkung tbody tr")
    assert row.count() == 1
    answer = row.locator("td.answer")
    assert "Tertahan: template WhatsApp belum disetujui" in answer.inner_text()
    assert "Belum menjawab" not in answer.inner_text()
    call = answer.locator("a.call")
    assert call.get_attribute("href") == f"tel:{KASI_INTEL}" and KASI_INTEL in call.inner_text()
    assert answer.locator(".status-held").is_visible()
    for name, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        answer.scroll_into_view_if_needed()
        page.screenshot(path=str(shots / f"guestbook-held-{name}.png"))
        assert answer.locator("a.call").is_visible()

    page.set_viewport_size({"width": 1366, "height": 768})
    page.click(f"text={visit.code}")
    page.wait_for_url(f"{server}/dashboard/guestbook/visit/{visit.id}")
    assert "template WhatsApp belum disetujui" in page.inner_text("#visit-answer")
    assert "mohon telepon pegawai" in page.inner_text("#host-messages")
    for name, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(shots / f"visit-held-{name}.png"), full_page=True)

    page.set_viewport_size({"width": 1366, "height": 768})
    page.go_back()
    answer.locator("a.held-link").click()
    page.wait_for_url(f"{server}/dashboard/messages")
    listed = page.locator(f'#message-list tr[data-message="{visit.host_notice_outbox_id}"]')
    assert "template WhatsApp belum disetujui" in listed.inner_text()
    assert "Ni Luh Putu Ayu Lestari" in listed.inner_text() and visit.code in listed.inner_text()
    for name, (width, height) in SIZES.items():
        page.set_viewport_size({"width": width, "height": height})
        page.screenshot(path=str(shots / f"messages-{name}.png"), full_page=True)
        assert listed.locator("button.handled").is_visible()

    listed.locator("button.handled").click()
    page.wait_for_url(f"{server}/dashboard/messages")
    assert "ditangani lewat telepon" in page.inner_text(".flash")
    assert page.locator("#message-empty").is_visible()
    page.goto(f"{server}/dashboard/guestbook")
    assert "Sudah ditangani lewat telepon (desk.ayu)" in page.inner_text("#group-expected-kejari-klungkung")
