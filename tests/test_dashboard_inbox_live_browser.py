"""The inbox's conversation page in Debian's chromium follows the conversation without a reload (issue 20 §2):
the desk officer has taken a citizen and starts typing an answer; the citizen writes again through the signed
webhook; the page's next poll (every 0.3 s here, DASHBOARD_LIVE_SECONDS; the test only waits for Playwright's
selectors and responses) brings the new message into the transcript, marked new, while the officer's draft
stays as typed."""

from __future__ import annotations

import pytest

from tests.support import browser
from tests.support.dashboard import PASSWORD, make_user

pytestmark = pytest.mark.browser
server, browser_page = browser.server, browser.browser_page  # the shared fixtures

CITIZEN = "+6281234500081"
DRAFT = "Baik Bapak, kami periksa dulu"
NEW = "Nomor perkara saya 12/Pid.Sus/2026"


@pytest.fixture
def config(config):
    config.DASHBOARD_LIVE_SECONDS = 0.3
    return config


def test_a_citizens_new_message_appears_on_the_open_conversation(server, browser_page, runtime, whatsapp):
    assert whatsapp.send("petugas", from_=CITIZEN, profile="Budi Santoso").status == 200
    make_user(runtime, "desk.ayu", "desk")
    page = browser_page
    page.goto(f"{server}/dashboard/login")
    page.fill("#username", "desk.ayu")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{server}/dashboard/")
    page.goto(f"{server}/dashboard/inbox")
    page.click("#inbox-waiting >> text=Budi Santoso")
    page.wait_for_url("**/dashboard/inbox/*")
    page.click("#take")
    page.wait_for_url("**/dashboard/inbox/*")
    assert "Dilayani oleh desk.ayu" in page.inner_text("#handoff-state")
    assert "view=handoff" in page.get_attribute("body", "data-live-url")
    before = page.locator("#transcript li.msg-in").count()

    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    page.fill("#reply-body", DRAFT)
    # Polls with nothing new are bodiless 304s and leave the page as it is.
    with page.expect_response(lambda r: "view=handoff" in r.url and r.status == 304, timeout=10_000):
        pass
    assert page.locator(f"#transcript >> text={NEW}").count() == 0

    assert whatsapp.send(NEW, from_=CITIZEN, profile="Budi Santoso").status == 200
    arrived = page.wait_for_selector(f"#transcript li.msg-in.live-new >> text={NEW}", timeout=10_000)
    assert arrived is not None
    assert page.locator("#transcript li.msg-in").count() == before + 1
    assert page.evaluate("window.__sameDocument") is True  # no reload
    assert page.input_value("#reply-body") == DRAFT  # the officer's draft is untouched
    stats = page.evaluate("Object.assign({}, window.loketLive)")
    assert stats["refreshed"] >= 1 and stats["polls"] >= 2 and stats["notModified"] >= 1
    assert CITIZEN not in page.content()
