"""Issue 15, leak 1 in Debian's chromium: a desk officer's transcript pages do not show a confidential
reporter (name, number, report, ticket), while a complaint handler's do."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.complaints import service as complaints
from bot.models import Conversation
from tests.support import browser
from tests.support.dashboard import OFFICE, PASSWORD, make_user

pytestmark = pytest.mark.browser
server, browser_page = browser.server, browser.browser_page  # the shared fixtures

REPORTER = "+6281234500061"
REPORT = "Petugas loket PTSP meminta uang 200 ribu agar berkas saya cepat selesai."
SCREENSHOTS = Path(os.environ.get("LOKET_SCREENSHOTS", "/tmp/loket-screenshots"))


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/dashboard/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/dashboard/**")


def test_desk_officer_transcript_view_hides_a_confidential_reporter(server, browser_page, runtime, whatsapp):
    whatsapp.send(REPORT, from_=REPORTER, profile="Made Rahasia")
    whatsapp.send("Jam buka PTSP hari Sabtu?", from_="+6281234500062", profile="Wayan Terbuka")
    with runtime.db.session() as s:
        cid = s.scalar(select(Conversation.id).where(Conversation.phone == REPORTER))
        done = complaints.file_complaint(s, runtime.outbox, runtime.offices.get(OFFICE),
                                         complaints.Draft(category="service", description=REPORT,
                                                          reporter_name="Made Rahasia", confidential=True),
                                         phone=REPORTER, conversation_id=cid, msgs=runtime.messages,
                                         config=runtime.config)
        s.commit()
        ticket = done.complaint.ticket
    make_user(runtime, "desk1", "desk")
    make_user(runtime, "handler1", "handler")
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    page = browser_page
    _sign_in(page, server, "desk1")
    page.goto(f"{server}/dashboard/transcripts")
    listing = page.inner_text("#transcript-list")
    assert "Wayan Terbuka" in listing and "Made Rahasia" not in listing and REPORTER not in listing
    assert "Percakapan rahasia" in listing
    page.screenshot(path=str(SCREENSHOTS / "desk-transcripts.png"), full_page=True)
    page.click("text=Percakapan rahasia")
    page.wait_for_url(f"{server}/dashboard/transcripts/{cid}")
    shown = page.inner_text("main") if page.locator("main").count() else page.inner_text("body")
    page.screenshot(path=str(SCREENSHOTS / "desk-transcript-confidential.png"), full_page=True)
    assert page.locator("#protected-notice").is_visible()
    assert page.locator("#transcript").count() == 0
    for secret in ("Made Rahasia", REPORTER, REPORTER[3:], "200 ribu", ticket):
        assert secret not in shown, secret

    page.click("#logout")
    page.wait_for_url(f"{server}/dashboard/login")
    _sign_in(page, server, "handler1")
    page.goto(f"{server}/dashboard/transcripts/{cid}")
    full = page.inner_text("body")
    page.screenshot(path=str(SCREENSHOTS / "handler-transcript-confidential.png"), full_page=True)
    assert "Made Rahasia" in full and REPORTER in full and "200 ribu" in full
