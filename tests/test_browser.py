"""The browser tests' plumbing: Playwright's Python API driving Debian's chromium (no downloads)."""

from __future__ import annotations

import pytest

from tests.support import browser

pytestmark = pytest.mark.browser
server, browser_page = browser.server, browser.browser_page  # the shared fixtures


def test_chromium_renders_the_health_page(server, browser_page):
    browser_page.goto(f"{server}/healthz")
    assert '"status":"ok"' in browser_page.inner_text("body").replace(" ", "")
