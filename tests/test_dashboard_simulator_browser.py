"""The WhatsApp simulator's round trip in Debian's chromium (issue 20 §8): a desk officer registers a
visit as a made-up citizen by typing and tapping, switches to the host, whose notice has arrived, accepts
with a tap, and, back as the citizen, sees the answer appear without reloading. Twilio hears nothing."""

from __future__ import annotations

import pytest

from tests.support import browser
from tests.support.dashboard import PASSWORD, make_user
from tests.support.visits import guestbook_config, menu_number

pytestmark = pytest.mark.browser
server, browser_page = browser.server, browser.browser_page  # the shared fixtures


@pytest.fixture
def config(config, tmp_path):
    return guestbook_config(config, tmp_path)


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def _send(page, text: str) -> None:
    page.fill("#simulator-text", text)
    page.click("#simulator-send")
    page.wait_for_load_state("load")


def test_simulator_round_trip(server, browser_page, runtime, standin, work):
    make_user(runtime, "desk1", "desk")
    page = browser_page
    page.goto(f"{server}/dashboard/simulator")
    page.fill("#username", "desk1")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{server}/dashboard/simulator")

    _send(page, "halo")
    # The menu's numbered options are buttons: tap the visit entry.
    page.locator(".sim-choice").nth(int(menu_number(runtime)) - 1).click()
    page.wait_for_load_state("load")
    page.locator(".sim-choice").last.wait_for()
    page.locator(".sim-choice", has_text="setuju").first.click()  # consent
    page.wait_for_load_state("load")
    for text in ("Ketut Simulasi", "1", "5171010101900001"):
        _send(page, text)
    page.click(".sim-photo >> nth=0")
    page.wait_for_load_state("load")
    for text in ("Konsultasi laporan pengaduan", "kasi intel", "hari ini jam 14", "1"):
        _send(page, text)
    assert page.locator(".sim-mine .sim-media").count() == 1

    work()  # the worker delivers the host notice into the simulator
    page.select_option("#simulator-as", "kasi-intel")
    page.click("#simulator-who button[type=submit]")
    page.wait_for_url("**who=kasi-intel**")
    page.locator(".sim-bubble[data-kind=host_notice]").wait_for()
    _send(page, "1")  # accept

    page.select_option("#simulator-as", "citizen")
    page.click("#simulator-who button[type=submit]")
    page.wait_for_url("**who=citizen**")
    work()  # the outcome is delivered while the page is open: its polling shows it
    page.locator(".sim-bubble[data-kind=visit_outcome]").wait_for(timeout=15000)
    assert "diterima oleh Ni Luh Putu Ayu Lestari" in page.inner_text("#simulator-chat")
    assert standin.messages == []
