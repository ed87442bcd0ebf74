"""Every dashboard page fits the desk's screen and a phone (issue 20 §3), in Debian's chromium.

The pages are found in `app.url_map` (a new page is checked without being listed here), their URL
parameters filled with the records of a busy day (tests/support/busy_day.py: long names, long
complaints with an unbroken link, thirty guests). Each role opens every page it may open, at 1366×768
and at 390×844: the page never scrolls sideways, and no list scrolls inside its frame either (the
columns a desk needs are never cut off). At phone size a list is read as cards, each value under its
column's name.

LOKET_SHOTS=/some/dir keeps a full-page screenshot of every page, named role-size-endpoint.png.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from flask import url_for

from tests.support import browser
from tests.support.busy_day import Day, seed
from tests.support.dashboard import OFFICE, PASSWORD, Staff, make_user
from tests.support.visits import guestbook_config

pytestmark = pytest.mark.browser
server = browser.server

SIZES = {"desk": (1366, 768), "phone": (390, 844)}
ROLES = {"admin": None, "desk": OFFICE, "handler": OFFICE, "viewer": OFFICE}  # the admin sees every office

# What fits is measured in the page itself: the document, and every list's scrolling frame.
OVERFLOW = """() => {
  const root = document.documentElement;
  const name = e => [e.tagName.toLowerCase(), e.id, e.getAttribute('class')].filter(Boolean).join(' ');
  const wide = [...document.querySelectorAll('body *')]
    .filter(e => e.getBoundingClientRect().right > root.clientWidth + 1).map(name);
  const frames = [...document.querySelectorAll('.table-wrap')].filter(w => w.scrollWidth > w.clientWidth + 1)
    .map(w => (w.querySelector('table') || w).id || 'table');
  return {scroll: root.scrollWidth, client: root.clientWidth, wide: wide.slice(0, 5), frames};
}"""


@pytest.fixture
def config(config, tmp_path, standin):
    guestbook_config(config, tmp_path)
    config.TWILIO_CONTENT_API_URL = standin.url
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


# Pages of one office, opened for OFFICE by the admin who sees every office (without it: "choose one first").
QUERIES = {"dashboard.office_profile": {"office": OFFICE}}


def _values(day: Day) -> dict[str, object]:
    """A real record for every URL parameter a dashboard page takes."""
    return {"visit_id": day.visit, "complaint_id": day.complaint, "handoff_id": day.handoff,
            "employee_id": day.employee, "user_id": day.user, "conversation_id": day.conversation,
            "outbox_id": day.outbox, "office": OFFICE, "service_id": "penerimaan-tamu"}


def _page_urls(app, day: Day) -> dict[str, str]:
    """endpoint → URL of every dashboard GET route but the static files."""
    values = _values(day)
    urls = {}
    with app.test_request_context():
        for rule in app.url_map.iter_rules():
            if "GET" not in rule.methods or rule.endpoint.split(".")[0] not in ("dashboard", "dashboard_root") \
                    or rule.endpoint == "dashboard.static":
                continue
            missing = rule.arguments - set(values)
            assert not missing, f"{rule.endpoint}: no record for {sorted(missing)}: add one to _values()"
            urls[rule.endpoint] = url_for(rule.endpoint, **{k: values[k] for k in rule.arguments},
                                          **QUERIES.get(rule.endpoint, {}))
    return urls


def _html_pages(app, username: str | None, urls: dict[str, str]) -> dict[str, str]:
    """The pages this person may open that are web pages (not a file download, a photo or a redirect)."""
    member = Staff(app)
    if username:
        assert member.login(username).status_code == 302
    found = {}
    for endpoint, url in urls.items():
        response = member.get(url)
        if response.status_code == 200 and response.mimetype == "text/html":
            found[endpoint] = url
    return found


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/dashboard/login")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/dashboard/")


def test_every_page_fits_the_desk_and_a_phone_for_every_role(app, server, runtime, whatsapp, standin, work,
                                                             frozen_clock):
    from playwright.sync_api import sync_playwright

    day = seed(runtime, whatsapp, standin, work, frozen_clock)
    for role, office in ROLES.items():
        make_user(runtime, f"{role}.layout", role, office, display_name=f"I Gusti Ayu {role.title()} Sukmawati")
    urls = _page_urls(app, day)
    visitors = {"signed out": _html_pages(app, None, urls)}
    visitors |= {role: _html_pages(app, f"{role}.layout", urls) for role in ROLES}
    assert "dashboard.login" in visitors["signed out"]
    assert {"dashboard.guestbook", "dashboard.complaints", "dashboard.inbox", "dashboard.messages",
            "dashboard.transcript", "dashboard.complaint_detail"} <= set(visitors["desk"])
    assert "dashboard.complaints" not in visitors["viewer"] and "dashboard.home" in visitors["viewer"]
    shots = Path(os.environ["LOKET_SHOTS"]) if os.environ.get("LOKET_SHOTS") else None
    if shots:
        shots.mkdir(parents=True, exist_ok=True)
    wrong = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=browser.CHROMIUM, headless=True,
                                              args=browser.CHROMIUM_ARGS)
        try:
            for who, pages in visitors.items():
                for size, (width, height) in SIZES.items():
                    context = chromium.new_context(viewport={"width": width, "height": height})
                    page = context.new_page()
                    if who != "signed out":
                        _sign_in(page, server, f"{who}.layout")
                    for endpoint, url in sorted(pages.items()):
                        response = page.goto(server + url)
                        assert response is not None and response.status == 200, (who, url)
                        found = page.evaluate(OVERFLOW)
                        if found["scroll"] > found["client"] or found["frames"]:
                            wrong.append(f"{who} at {width}×{height} {url}: {found}")
                        if shots:
                            name = f"{who.replace(' ', '-')}-{size}-{endpoint.split('.')[-1]}.png"
                            page.screenshot(path=str(shots / name), full_page=True)
                    context.close()
        finally:
            chromium.close()
    assert not wrong, "\n".join(wrong)
