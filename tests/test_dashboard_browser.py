"""The dashboard in Debian's chromium (Playwright), served by a real werkzeug server: sign in, search
transcripts, and a citizen's XSS attempt shown as text, never run."""

from __future__ import annotations

import pytest

from tests.support import browser
from tests.support.dashboard import PASSWORD, make_user

pytestmark = pytest.mark.browser
server, browser_page = browser.server, browser.browser_page  # the shared fixtures

XSS = '<script>window.__xss=1</script><img src=x onerror="window.__xss=2">'


def _sign_in(page, base: str, username: str, password: str = PASSWORD) -> None:
    page.goto(f"{base}/dashboard/transcripts")
    assert "/dashboard/login" in page.url
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/dashboard/transcripts")


def test_desk_officer_signs_in_and_searches_transcripts(server, browser_page, runtime, whatsapp):
    whatsapp.send("halo", from_="+6281234500001", profile="Budi Santoso")
    whatsapp.send("NIK 5171010101010001", from_="+6281234500001", profile="Budi Santoso")
    whatsapp.send("halo", from_="+6281298700002", profile="Siti Aminah")
    make_user(runtime, "desk1", "desk")
    page = browser_page
    page.goto(f"{server}/dashboard/login")
    page.fill("#username", "desk1")
    page.fill("#password", "salah-sandi-123")
    page.click("#login-form button[type=submit]")
    assert "salah" in page.inner_text("#login-error")
    _sign_in(page, server, "desk1")
    assert page.locator("#transcript-list tbody tr").count() == 2
    page.fill("#q", "siti")
    page.click("#transcript-search button[type=submit]")
    page.wait_for_url("**/dashboard/transcripts?q=siti*")
    rows = page.locator("#transcript-list tbody tr")
    assert rows.count() == 1 and "Siti Aminah" in rows.inner_text()
    page.fill("#q", "0812 3450 0001")
    page.click("#transcript-search button[type=submit]")
    page.wait_for_url("**q=0812*")
    page.click("text=Budi Santoso")
    page.wait_for_url("**/dashboard/transcripts/*")
    transcript = page.inner_text("#transcript")
    assert "5171********0001" in transcript and "5171010101010001" not in transcript
    # The language switch submits on change (the little script) and keeps the page.
    with page.expect_navigation(url="**/dashboard/transcripts/*"):
        page.select_option("#lang-select", "en")
    assert "All conversations" in page.inner_text("main")
    page.click("#logout")
    page.wait_for_url("**/dashboard/login")
    page.goto(f"{server}/dashboard/transcripts")
    assert "/dashboard/login" in page.url


def test_a_citizens_script_is_shown_as_text_not_run(server, browser_page, runtime, whatsapp):
    answer = whatsapp.send(XSS, from_="+6281234500009", profile="Tamu")
    assert answer.status == 200  # through the signed webhook
    make_user(runtime, "admin1", "admin", None)
    page = browser_page
    _sign_in(page, server, "admin1")
    page.click("#transcript-list >> text=Tamu")  # the list's row, not the menu's "Waktu layanan tamu"
    page.wait_for_url("**/dashboard/transcripts/*")
    assert page.evaluate("typeof window.__xss") == "undefined"
    body = page.locator("#transcript .msg-in .body").first
    assert body.inner_text() == XSS
    assert page.locator("#transcript script").count() == 0
    assert page.locator("#transcript img").count() == 0
