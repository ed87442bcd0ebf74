"""The handoff inbox in Debian's chromium: a citizen asks for an officer through the signed webhook,
the desk officer signs in, takes the conversation and answers it; the answer is in the outbox and the
citizen's own text is shown as text."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.models import OutboundMessage
from tests.support import browser
from tests.support.dashboard import PASSWORD, make_user

pytestmark = pytest.mark.browser
server, browser_page = browser.server, browser.browser_page  # the shared fixtures

CITIZEN = "+6281234500077"
XSS = '<img src=x onerror="window.__xss=1"><script>window.__xss=2</script> tolong'
REPLY = "Selamat siang, Bapak Budi. Ada yang bisa kami bantu?"


def test_officer_takes_a_waiting_citizen_and_replies(server, browser_page, runtime, whatsapp):
    assert whatsapp.send("halo", from_=CITIZEN, profile="Budi Santoso").status == 200
    answer = whatsapp.send("petugas", from_=CITIZEN, profile="Budi Santoso")
    assert "petugas" in answer.text
    assert whatsapp.send(XSS, from_=CITIZEN, profile="Budi Santoso").status == 200
    make_user(runtime, "desk.ayu", "desk")
    page = browser_page

    page.goto(f"{server}/dashboard/inbox")
    assert "/dashboard/login" in page.url
    page.fill("#username", "desk.ayu")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{server}/dashboard/inbox")
    assert page.inner_text(".nav a[aria-current=page]") == "Kotak masuk (1)"
    row = page.locator("#inbox-waiting tbody tr")
    assert row.count() == 1
    assert "+62*****0077" in row.inner_text() and CITIZEN not in page.content()

    page.click("#inbox-waiting >> text=Budi Santoso")
    page.wait_for_url("**/dashboard/inbox/*")
    assert page.locator("#reply-body").is_disabled()  # not taken yet
    page.click("#take")
    page.wait_for_url("**/dashboard/inbox/*")
    assert "Dilayani oleh desk.ayu" in page.inner_text("#handoff-state")
    assert "terbuka" in page.inner_text("#handoff-window")

    # The citizen's markup is text on the page, never run.
    assert page.evaluate("typeof window.__xss") == "undefined"
    assert XSS in [page.locator("#transcript .msg-in .body").nth(i).inner_text()
                   for i in range(page.locator("#transcript .msg-in .body").count())]
    assert page.locator("#transcript img").count() == 0 and page.locator("#transcript script").count() == 0

    page.fill("#reply-body", REPLY)
    page.click("#reply-send")
    page.wait_for_url("**/dashboard/inbox/*")
    assert REPLY in page.inner_text("#transcript")
    with runtime.db.session() as s:
        rows = list(s.scalars(select(OutboundMessage).where(OutboundMessage.kind == "officer_reply")))
    assert [(r.body, r.to_number) for r in rows] == [(REPLY, CITIZEN)]
    assert rows[0].status in ("pending", "sent")
    assert page.evaluate("typeof window.__xss") == "undefined"
