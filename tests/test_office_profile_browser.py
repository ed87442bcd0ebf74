"""The office profile page in Debian's chromium: it fits the desk's screen and a phone, with every field's
problem shown beside it, and the admin's edit is saved from the page itself."""

from __future__ import annotations

import pytest

from tests.support import browser
from tests.support.dashboard import OFFICE, PASSWORD, make_user
from tests.support.visits import guestbook_config

pytestmark = pytest.mark.browser
server = browser.server

SIZES = ((1366, 768), (390, 844))
OVERFLOW = """() => {
  const root = document.documentElement;
  const name = e => [e.tagName.toLowerCase(), e.id].filter(Boolean).join(' ');
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1).map(name);
  return {scroll: root.scrollWidth, client: root.clientWidth, wide: wide.slice(0, 5)};
}"""


@pytest.fixture
def config(config, tmp_path):
    return guestbook_config(config, tmp_path)


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def _fits(page) -> None:
    found = page.evaluate(OVERFLOW)
    assert found["scroll"] <= found["client"] and not found["wide"], found


def test_the_profile_page_fits_and_saves_a_friday_break(app, server, runtime):
    from playwright.sync_api import sync_playwright

    make_user(runtime, "admin.profile", "admin", None, display_name="I Gusti Ayu Admin Sukmawati")
    url = f"{server}/dashboard/office-profile?office=kejari-kapuas"
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=browser.CHROMIUM, headless=True,
                                              args=browser.CHROMIUM_ARGS)
        try:
            for width, height in SIZES:
                context = chromium.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                page.goto(f"{server}/dashboard/login")
                page.fill("#username", "admin.profile")
                page.fill("#password", PASSWORD)
                page.click("#login-form button[type=submit]")
                page.wait_for_url(f"{server}/dashboard/")
                page.goto(url)
                assert page.is_visible("#profile-landline") and page.is_visible("#profile-unconfirmed")
                _fits(page)
                # Every problem at once, each beside its field: still no sideways scroll.
                page.fill("#hotline", "12")
                page.fill("#hours_fri", "08.00–12.00, 11.30–16.30 dan seterusnya sampai sore hari")
                page.fill("#timezone", "Asia/Kalimantan_Tengah_Yang_Tidak_Ada")
                page.click("#office-profile-save")
                # The click returns once the answer starts loading: wait for the page it brings.
                page.wait_for_selector("#error-hotline")
                assert page.is_visible("#error-hotline") and page.is_visible("#error-hours_fri")
                assert page.is_visible("#error-timezone")
                _fits(page)
                context.close()
            context = chromium.new_context(viewport={"width": 390, "height": 844})
            page = context.new_page()
            page.goto(f"{server}/dashboard/login")
            page.fill("#username", "admin.profile")
            page.fill("#password", PASSWORD)
            page.click("#login-form button[type=submit]")
            page.wait_for_url(f"{server}/dashboard/")
            page.goto(url)
            page.fill("#hours_fri", "08.00–11.30, 13.30–16.30")
            page.check("#confirm_hours")
            page.click("#office-profile-save")
            assert "Profil kantor sudah disimpan" in page.inner_text(".flash-success")
            context.close()
        finally:
            chromium.close()
    office = runtime.offices.get("kejari-kapuas")
    assert len(office.spans("fri")) == 2 and "hours" in office.confirmed
    assert runtime.offices.get(OFFICE).spans("fri") != office.spans("fri")
