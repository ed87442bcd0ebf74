"""Live updates in Debian's chromium (issue 20 §2): the desk officer keeps the inbox open, a citizen asks for
an officer through the signed webhook, and without a reload the row appears, the title and the menu show
the count, the browser notifies (allowed by the officer's own click) and chimes (until muted); the wait
ticks; Today's count follows. The poll runs every 0.3 s here (DASHBOARD_LIVE_SECONDS)."""

from __future__ import annotations

import os
import time

import pytest

from tests.support import browser
from tests.support.dashboard import OFFICE, PASSWORD, make_user

pytestmark = pytest.mark.browser
server, browser_page = browser.server, browser.browser_page  # the shared fixtures

SHOTS = os.environ.get("LOKET_SCREENSHOTS", "")  # a folder to keep the screenshots in, when set
FIRST, SECOND, THIRD = "+6281234500071", "+6281234500072", "+6281234500073"

# A stand-in Notification: records what would be shown; permission "default" until the officer clicks.
FAKE_NOTIFICATION = """
window.__notes = [];
window.__permission = "default";
window.Notification = function (title, options) { window.__notes.push([title, (options || {}).body]); };
Object.defineProperty(window.Notification, "permission", {get: function () { return window.__permission; }});
window.Notification.requestPermission = function () {
  window.__asked = (window.__asked || 0) + 1;
  window.__permission = "granted";
  return Promise.resolve("granted");
};
"""


@pytest.fixture
def config(config):
    config.DASHBOARD_LIVE_SECONDS = 0.3
    return config


def _shot(page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"live-{name}.png"), full_page=True)


def _until(page, expression: str, timeout: float = 10.0) -> None:
    """Poll `expression` from Python: the dashboard's CSP forbids the eval that wait_for_function uses."""
    deadline = time.monotonic() + timeout
    while not page.evaluate(f"() => Boolean({expression})"):
        assert time.monotonic() < deadline, f"still false after {timeout} s: {expression}"
        time.sleep(0.05)


def _stats(page) -> dict:
    return page.evaluate("Object.assign({}, window.loketLive)")


def test_a_citizen_asking_for_an_officer_appears_without_reload(server, browser_page, runtime, whatsapp):
    make_user(runtime, "desk.ayu", "desk")
    page = browser_page
    page.add_init_script(FAKE_NOTIFICATION)
    page.clock.install()
    page.goto(f"{server}/dashboard/inbox")
    page.fill("#username", "desk.ayu")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{server}/dashboard/inbox")
    assert page.title() == "Warga menunggu petugas · Loket"
    assert page.locator("#inbox-waiting-empty").is_visible()

    # Notifications are asked for on the officer's click only, never on load.
    assert page.evaluate("window.__asked || 0") == 0
    page.click("#live-notify")
    _until(page, "window.__permission === 'granted'")
    assert page.locator("#live-notify").is_hidden() and page.evaluate("window.__asked") == 1
    assert page.inner_text("#live-sound") == "Suara: aktif"
    page.evaluate("window.__sameDocument = true")  # gone if the page reloads
    _until(page, "(window.loketLive || {}).notModified >= 1")  # polling, and nothing changed yet: 304

    assert whatsapp.send("petugas", from_=FIRST, profile="Budi Santoso").status == 200
    page.wait_for_selector("#inbox-waiting tbody tr[data-handoff]", timeout=10_000)
    _until(page, "document.title.startsWith('(1) ')")
    assert page.evaluate("window.__sameDocument") is True
    assert page.title() == "(1) Warga menunggu petugas · Loket"
    assert page.inner_text(".nav a[aria-current=page]") == "Kotak masuk (1)"
    row = page.locator("#inbox-waiting tbody tr")
    assert "Budi Santoso" in row.inner_text() and "+62*****0071" in row.inner_text()
    assert "live-new" in row.get_attribute("class")
    _until(page, "window.__notes.length === 1")
    assert page.evaluate("window.__notes") == [["Warga menunggu petugas (1)", "Buka kotak masuk untuk melayani."]]
    stats = _stats(page)
    assert stats["announced"] == 1 and stats["chimes"] == 1
    _shot(page, "inbox-new-citizen")

    # The wait ticks without a reload: four minutes later the row says so.
    assert page.inner_text("#inbox-waiting tbody tr td[data-since]") == "0 menit"
    page.clock.fast_forward("04:05")
    _until(page, "document.querySelector('#inbox-waiting tbody tr td[data-since]').textContent === '4 menit'")

    # Muted: the next citizen is announced by the title and a notification, without the chime.
    page.click("#live-sound")
    assert page.inner_text("#live-sound") == "Suara: mati"
    assert page.evaluate("localStorage.getItem('loket.live.sound')") == "off"
    assert whatsapp.send("petugas", from_=SECOND, profile="Sari").status == 200
    _until(page, "document.title.startsWith('(2) ')")
    _until(page, "window.__notes.length === 2")
    _until(page, "document.querySelectorAll('#inbox-waiting tbody tr').length === 2")  # the list follows the title
    assert _stats(page)["chimes"] == 1 and _stats(page)["announced"] == 2
    assert page.evaluate("window.__sameDocument") is True

    # Today: the count of waiting citizens follows too, and the announcement is not repeated there.
    page.goto(f"{server}/dashboard/")
    tile = f"#today-citizens-waiting-{OFFICE}"
    assert page.get_attribute(tile, "data-count") == "2" and page.title().startswith("(2) ")
    page.evaluate("window.__sameDocument = true")
    assert whatsapp.send("petugas", from_=THIRD, profile="Wayan").status == 200
    _until(page, f"document.querySelector('{tile}').dataset.count === '3'")
    assert page.evaluate("window.__sameDocument") is True and page.title().startswith("(3) ")
    assert "terlama" in page.inner_text(tile)
    assert _stats(page)["announced"] == 1  # only the third citizen is new to this browser
    _shot(page, "today-three-waiting")

    # At phone size the toggles wrap inside the header: nothing scrolls sideways.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server}/dashboard/inbox")
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    _shot(page, "inbox-phone")


def test_the_lists_wait_while_the_officer_types_in_them(server, browser_page, runtime, whatsapp):
    """A region with a field being filled in is not replaced; it is once the field is left as it was."""
    make_user(runtime, "desk.ayu", "desk")
    page = browser_page
    page.goto(f"{server}/dashboard/login")
    page.fill("#username", "desk.ayu")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{server}/dashboard/")
    page.goto(f"{server}/dashboard/inbox")
    page.evaluate("""() => {  // a field inside the live region, as a list with a form in each row has
        const input = document.createElement('input'); input.id = 'typing';
        document.querySelector('[data-live=inbox-waiting]').appendChild(input); }""")
    page.fill("#typing", "sedang mengetik")
    assert whatsapp.send("petugas", from_=FIRST, profile="Budi Santoso").status == 200
    _until(page, "document.title.startsWith('(1) ')")
    page.wait_for_timeout(1000)
    assert page.locator("#inbox-waiting tbody tr[data-handoff]").count() == 0
    assert page.input_value("#typing") == "sedang mengetik"
    page.fill("#typing", "")
    page.locator("h1").click()
    page.wait_for_selector("#inbox-waiting tbody tr[data-handoff]", timeout=10_000)
