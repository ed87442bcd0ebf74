"""The Standar Pelayanan editor in Debian's chromium: an admin adds a requirement to a service, sees it in the
WhatsApp preview, publishes, and a citizen is answered with it. Every page of the editor fits the desk's
screen and a phone. LOKET_SHOTS=/some/dir keeps a screenshot of each page at each size."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support import browser
from tests.support.dashboard import OFFICE, PASSWORD, make_user
from tests.test_catalog_versions import ask_requirements
from tests.test_dashboard_layout_browser import OVERFLOW, SIZES

pytestmark = pytest.mark.browser
server = browser.server

SERVICE = "penerimaan-tamu"
NEW = "Membawa surat undangan dari pegawai yang dituju"
SUB = "Nomor WhatsApp pegawai"


def _sign_in(page, base: str) -> None:
    page.goto(f"{base}/dashboard/login")
    page.fill("#username", "admin.katalog")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{base}/dashboard/")
    with page.expect_navigation():  # the switch submits itself on a choice (dashboard.js)
        page.select_option("#office-select", OFFICE)  # the admin works in one office
    assert page.input_value("#office-select") == OFFICE


def _check(page, shots: Path | None, size: str, name: str, wrong: list[str]) -> None:
    found = page.evaluate(OVERFLOW)
    if found["scroll"] > found["client"] or found["frames"]:
        wrong.append(f"{size} {page.url}: {found}")
    if shots:
        page.screenshot(path=str(shots / f"catalog-editor-{size}-{name}.png"), full_page=True)


def test_an_admin_edits_requirements_previews_the_whatsapp_text_and_publishes(app, server, runtime, whatsapp):
    from playwright.sync_api import sync_playwright

    make_user(runtime, "admin.katalog", "admin", None, display_name="I Gusti Ayu Admin Sukmawati")
    before = ask_requirements(whatsapp, runtime)
    shots = Path(os.environ["LOKET_SHOTS"]) if os.environ.get("LOKET_SHOTS") else None
    if shots:
        shots.mkdir(parents=True, exist_ok=True)
    wrong: list[str] = []
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=browser.CHROMIUM, headless=True,
                                              args=browser.CHROMIUM_ARGS)
        try:
            for size, (width, height) in SIZES.items():
                context = chromium.new_context(viewport={"width": width, "height": height})
                page = context.new_page()
                _sign_in(page, server)
                page.goto(f"{server}/dashboard/catalog")
                page.click("#catalog-edit-link")
                page.wait_for_url(f"{server}/dashboard/catalog/editor")
                _check(page, shots, size, "home", wrong)
                page.click(f"tr[data-service={SERVICE}] a.edit-link")
                page.wait_for_url(f"**/catalog/editor/service/{SERVICE}")
                _check(page, shots, size, "edit", wrong)
                if size == "desk":  # one edit; the phone then sees the same draft
                    requirements = page.input_value("#persyaratan")
                    assert "Berpakaian rapi" in requirements
                    page.fill("#persyaratan", f"{requirements}\n{NEW}\n  - {SUB}")
                    page.click("#catalog-service-save")
                page.goto(f"{server}/dashboard/catalog/editor/service/{SERVICE}/preview")
                bubble = page.locator(".wa-bubble[data-part=persyaratan]")
                assert NEW in bubble.inner_text() and f"a. {SUB}" in bubble.inner_text()
                assert bubble.locator("strong").count() == 1  # *Persyaratan …* in bold, as WhatsApp shows it
                _check(page, shots, size, "preview", wrong)
                if size == "desk":
                    page.goto(f"{server}/dashboard/catalog/editor")
                    assert page.locator(f"#catalog-draft-changes li[data-service={SERVICE}]").count() == 1
                    _check(page, shots, size, "draft", wrong)
                    page.fill("#sk_number", "KEP-30/N.1.12/Cr.4/11/2026")
                    page.fill("#note", "Persyaratan undangan")
                    page.click("#catalog-publish")
                    page.wait_for_url(f"{server}/dashboard/catalog/history")
                    assert page.locator(".flash-success").count() == 1
                    assert page.locator("#catalog-history tr[data-state=published]").count() == 1
                page.goto(f"{server}/dashboard/catalog/history")
                _check(page, shots, size, "history", wrong)
                page.goto(f"{server}/dashboard/catalog/diff?a=1&b=2")
                assert NEW in page.inner_text(".diff-line.ins")
                _check(page, shots, size, "diff", wrong)
                context.close()
        finally:
            chromium.close()
    assert not wrong, "\n".join(wrong)
    after = ask_requirements(whatsapp, runtime)
    assert after != before and f"6. {NEW}" in after and f"    a. {SUB}" in after
