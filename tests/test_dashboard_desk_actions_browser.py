"""The desk's daily actions in Debian's chromium (issue 20, item 4): two guests at the desk; the host of one
answers by phone and the officer records it (the guest moves to "with the host" and is told on WhatsApp);
the other is found by badge and checked out from the list; the visitor slip prints on one A6 page and on
one page of an 80 mm receipt roll."""

from __future__ import annotations

import re

import pytest

from bot.models.visits import Visit
from tests.support import browser
from tests.support.dashboard import PASSWORD, make_user
from tests.support.visits import CITIZEN, OFFICE, guestbook_config, outbox_to, register, visits

pytestmark = pytest.mark.browser
server, browser_page = browser.server, browser.browser_page  # the shared fixtures
SECOND = "+6281234500077"
_PAGE = re.compile(rb"/Type\s*/Page(?!s)")
_MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]")
MM = 72 / 25.4  # PDF points per millimetre


@pytest.fixture
def config(config, tmp_path):
    return guestbook_config(config, tmp_path)


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def _visit(runtime, visit_id: int) -> Visit:
    with runtime.db.session() as s:
        return s.get(Visit, visit_id)


def _sign_in(page, base: str, username: str) -> None:
    page.goto(f"{base}/dashboard/guestbook")
    page.fill("#username", username)
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/dashboard/guestbook")


def _check_in(page, base: str, visit: Visit, badge: str) -> None:
    page.goto(f"{base}/dashboard/guestbook/visit/{visit.id}")
    page.fill("#badge", badge)
    page.fill("#id_last4", "0001")
    page.click("#checkin-submit")
    page.wait_for_url(f"{base}/dashboard/guestbook/visit/{visit.id}")


def _pages(pdf: bytes) -> tuple[int, list[tuple[float, float]]]:
    sizes = [(float(w) / MM, float(h) / MM) for w, h in _MEDIA_BOX.findall(pdf)]
    return len(_PAGE.findall(pdf)), sizes


def test_a_phone_answer_and_a_check_out_from_the_list(server, browser_page, runtime, whatsapp, standin, work):
    register(whatsapp, runtime, standin, when="hari ini jam 14")
    register(whatsapp, runtime, standin, when="hari ini jam 15", from_=SECOND, name="Made Wirawan")
    work()
    first, second = visits(runtime)
    make_user(runtime, "desk.ayu", "desk")
    page = browser_page
    page.set_viewport_size({"width": 1366, "height": 768})
    _sign_in(page, server, "desk.ayu")
    _check_in(page, server, first, "T-07")
    _check_in(page, server, second, "T-08")

    # The officer rang the host, who is coming out: recorded from the waiting row's link.
    page.goto(f"{server}/dashboard/guestbook")
    waiting = page.locator(f"#group-waiting-{OFFICE} tr[data-visit='{first.id}']")
    waiting.locator("a.phone-answer-link").click()
    page.wait_for_url(re.compile(rf".*/guestbook/visit/{first.id}#phone-answer$"))
    page.click("#phone-accept")
    page.wait_for_url(f"{server}/dashboard/guestbook/visit/{first.id}")
    assert "pegawai menemui tamu" in page.inner_text(".flash-success")
    assert "Diterima" in page.inner_text("#visit-answer")
    assert "lewat telepon" in page.inner_text("#visit-history")
    assert page.locator("#phone-answer").count() == 0
    [told] = outbox_to(runtime, CITIZEN, "visit_outcome")
    assert first.code in told.body
    page.goto(f"{server}/dashboard/guestbook")
    assert first.code in page.inner_text(f"#group-with_host-{OFFICE}")

    # The second guest hands the badge back: found by it, checked out from the list, card ticked.
    page.fill("#guest-q", "t-08")
    page.click("#guest-search-submit")
    page.wait_for_url(re.compile(r".*/guestbook/search\?q=t-08$"))
    row = page.locator(f"#search-results tr[data-visit='{second.id}']")
    assert "Made Wirawan" in row.inner_text()
    page.goto(f"{server}/dashboard/guestbook")
    row = page.locator(f"#group-waiting-{OFFICE} tr[data-visit='{second.id}']")
    assert row.locator("input[name=returned][value=id_card]").evaluate("e => e.validity.valueMissing")
    row.locator("button.checkout").click()  # the checklist not ticked: the browser asks for it first
    assert _visit(runtime, second.id).checked_out_at is None
    row.locator("input[name=returned][value=badge]").check()  # Klungkung: the badge taken back too
    row.locator("input[name=returned][value=id_card]").check()
    row.locator("button.checkout").click()
    page.wait_for_url(f"{server}/dashboard/guestbook")
    assert second.code in page.inner_text(".flash-success")
    assert second.code in page.inner_text(f"#group-done-{OFFICE}")
    assert _visit(runtime, second.id).checked_out_at is not None
    assert _visit(runtime, first.id).checked_out_at is None

    # A declined host, by phone, on a phone-sized screen: the reason is asked for and sent.
    register(whatsapp, runtime, standin, when="besok jam 10", from_="+6281234500078", name="Luh Sari")
    third = visits(runtime)[-1]
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"{server}/dashboard/guestbook")
    page.click("#day-tomorrow")
    page.wait_for_url(f"{server}/dashboard/guestbook?day=2026-11-24")
    assert third.code in page.inner_text(f"#group-expected-{OFFICE}")
    page.goto(f"{server}/dashboard/guestbook/visit/{third.id}")
    page.fill("#phone-reason", "sedang dinas luar kota")
    page.click("#phone-decline")
    page.wait_for_url(f"{server}/dashboard/guestbook/visit/{third.id}")
    assert _visit(runtime, third.id).status == "declined"
    assert "sedang dinas luar kota" in outbox_to(runtime, "+6281234500078", "visit_outcome")[0].body
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")


def test_the_visitor_slip_prints_on_one_a6_page_and_one_receipt(server, browser_page, runtime, whatsapp, standin,
                                                                 work):
    register(whatsapp, runtime, standin, when="hari ini jam 14",
             name="Anak Agung Istri Mas Ratih Pramesti Wulandari Kusuma")
    work()
    [visit] = visits(runtime)
    make_user(runtime, "desk.ayu", "desk")
    page = browser_page
    _sign_in(page, server, "desk.ayu")
    _check_in(page, server, visit, "TAMU-0123")
    page.click("#slip-link")
    page.wait_for_url(f"{server}/dashboard/guestbook/visit/{visit.id}/slip")
    assert page.inner_text("#slip-badge strong") == "TAMU-0123"
    assert page.inner_text("#slip-code") == visit.code
    assert page.locator("#slip-qr svg").count() == 1
    assert page.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")

    page.emulate_media(media="print")
    assert page.locator(".slip-tools").is_hidden()
    count, sizes = _pages(page.pdf(prefer_css_page_size=True, print_background=True))
    assert count == 1 and sizes and all(abs(w - 105) < 1 and abs(h - 148) < 1 for w, h in sizes), sizes
    count, _ = _pages(page.pdf(format="A6", print_background=True))
    assert count == 1

    page.goto(f"{server}/dashboard/guestbook/visit/{visit.id}/slip?paper=roll")
    page.emulate_media(media="print")
    count, sizes = _pages(page.pdf(prefer_css_page_size=True))
    assert count == 1 and all(abs(w - 80) < 1 for w, _ in sizes), sizes
    slip_width = page.evaluate("document.getElementById('slip').getBoundingClientRect().width")
    assert slip_width <= 72 * 96 / 25.4 + 1  # 72 mm printable on an 80 mm roll
