"""The guest book desk in Debian's chromium: a citizen registers a visit through the signed webhook, the
desk officer signs in, checks the guest in by the scanned code (the scanner types the code and Enter),
the host's "guest arrived" notice is in the outbox; then checks the guest out and the survey invitation
is recorded."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.models.survey import SurveyInvitation
from tests.support import browser
from tests.support.dashboard import PASSWORD, make_user
from tests.support.visits import CITIZEN, KASI_INTEL, NIK, NIK_MASKED, make_config_dir, outbox_to, register, visits

pytestmark = pytest.mark.browser
server, browser_page = browser.server, browser.browser_page  # the shared fixtures


@pytest.fixture
def config(config, tmp_path):
    config.CONFIG_DIR = make_config_dir(tmp_path / "config")
    config.MEDIA_DIR = str(tmp_path / "media")
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def test_officer_checks_a_registered_guest_in_by_code_and_out(server, browser_page, runtime, whatsapp, standin,
                                                              work):
    register(whatsapp, runtime, standin, when="hari ini jam 14")
    work()  # the photo is fetched
    [visit] = visits(runtime)
    make_user(runtime, "desk.ayu", "desk")
    page = browser_page

    page.goto(f"{server}/dashboard/guestbook")
    assert "/dashboard/login" in page.url
    page.fill("#username", "desk.ayu")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{server}/dashboard/guestbook")
    expected = page.locator("#group-expected-kejari-klungkung tbody tr")
    assert expected.count() == 1
    assert visit.code in expected.inner_text() and NIK_MASKED in expected.inner_text()
    assert NIK not in page.content()

    # The QR scanner types the code into the focused field and presses Enter.
    page.focus("#code")
    page.keyboard.type(visit.code.lower())
    page.keyboard.press("Enter")
    page.wait_for_url(f"{server}/dashboard/guestbook/visit/{visit.id}")
    assert page.inner_text("#visit-identity") == f"KTP {NIK_MASKED}"
    photo = page.evaluate("fetch(document.getElementById('visit-photo').src)"
                          ".then(r => [r.status, r.headers.get('content-type')])")
    assert photo == [200, "image/jpeg"]  # served behind the officer's login
    page.fill("#badge", "T-07")
    page.fill("#locker", "L12")
    page.select_option("#id_type", "ktp")
    page.fill("#id_last4", "0001")
    page.click("#checkin-submit")
    page.wait_for_url(f"{server}/dashboard/guestbook/visit/{visit.id}")
    assert "sudah check-in" in page.inner_text(".flash")
    assert page.inner_text("#visit-badge") == "T-07"
    [arrived] = outbox_to(runtime, KASI_INTEL, "guest_arrived")
    assert visit.code in arrived.body and "Tamu sudah tiba" in arrived.body

    for item in ("badge", "locker", "id_card"):  # Klungkung's checklist (seed 000 steps 4 and 8)
        page.check(f"#returned-{item}")
    page.click("#checkout-submit")
    page.wait_for_url(f"{server}/dashboard/guestbook")
    assert "survei" in page.inner_text(".flash")
    assert visit.code in page.inner_text("#group-done-kejari-klungkung")
    [invite] = outbox_to(runtime, CITIZEN, "survey_invite")
    with runtime.db.session() as s:
        [invitation] = list(s.scalars(select(SurveyInvitation)))
    assert (invitation.event_kind, invitation.event_ref, invitation.notice_ids) == ("checkout", str(visit.id),
                                                                                   [invite.id])
