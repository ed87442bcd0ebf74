"""The IKM report in Debian's chromium: a viewer signs in and reads the IKM computed by hand in the
test, the inline SVG chart is drawn (nine bars), and the XLSX download is offered."""

from __future__ import annotations

import pytest

from tests.support import browser
from tests.support.dashboard import PASSWORD, make_user
from tests.test_dashboard_survey import IKM, R1, R2, R3, respond

pytestmark = pytest.mark.browser
server, browser_page = browser.server, browser.browser_page  # the shared fixtures


def test_the_report_page_shows_the_computed_ikm(server, browser_page, runtime):
    for answers in (R1, R2, R3):
        respond(runtime, answers)
    make_user(runtime, "viewer.ketut", "viewer")
    page = browser_page
    page.goto(f"{server}/dashboard/survey")
    page.fill("#username", "viewer.ketut")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{server}/dashboard/survey")
    assert page.inner_text("#ikm-respondents") == "3"
    assert page.inner_text("#ikm-value") == f"{IKM:.2f}".replace(".", ",")  # Indonesian: a decimal comma
    assert page.inner_text("#ikm-band") == "B"
    assert page.locator("#ikm-chart rect.bar").count() == 9
    assert page.locator("#ikm-chart").bounding_box()["height"] > 100  # drawn, not blocked by the CSP
    href = page.get_attribute("#ikm-export", "href")
    assert href.startswith("/dashboard/survey/export.xlsx?")
    response = page.request.get(f"{server}{href}")
    assert response.status == 200 and response.body()[:2] == b"PK"  # a zip: the XLSX
