"""Complaints in Debian's chromium: a citizen files a complaint through the signed webhook, a complaint
handler signs in, finds it in the queue, reads it (with the confidential reporter's name, which a
handler may see), verifies it, assigns it to a unit; the citizen's notices are in the outbox."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.models import OutboundMessage
from bot.models.complaints import Complaint
from tests.support import browser
from tests.support.dashboard import PASSWORD, make_user
from tests.test_complaint_flow import PHOTO, file_service_complaint

pytestmark = pytest.mark.browser
server, browser_page = browser.server, browser.browser_page  # the shared fixtures


def test_a_handler_verifies_a_complaint_filed_on_whatsapp(server, browser_page, runtime, whatsapp):
    file_service_complaint(whatsapp, runtime)
    with runtime.db.session() as s:
        complaint = s.scalars(select(Complaint)).one()
    make_user(runtime, "handler.wayan", "handler", display_name="Wayan Handler")
    page = browser_page

    page.goto(f"{server}/dashboard/complaints")
    assert "/dashboard/login" in page.url
    page.fill("#username", "handler.wayan")
    page.fill("#password", PASSWORD)
    page.click("#login-form button[type=submit]")
    page.wait_for_url(f"{server}/dashboard/complaints")
    row = page.locator(f'#complaint-queue tr[data-ticket="{complaint.ticket}"]')
    assert row.count() == 1 and "0 hari kerja" in row.inner_text()

    row.locator("a").first.click()
    page.wait_for_url(f"**/dashboard/complaints/{complaint.id}")
    assert page.inner_text("#complaint-status") == "Diterima"
    assert "Ni Made Ayu" in page.inner_text("#complaint-reporter")  # confidential, but a handler may see it
    assert "Antrean di loket PTSP" in page.inner_text("#complaint-description")
    assert page.locator("#complaint-attachments a").first.get_attribute("href") == PHOTO[0]

    page.fill("#public-verified", "Pengaduan Anda sudah kami verifikasi.")
    page.click("#do-verified")
    page.wait_for_url(f"**/dashboard/complaints/{complaint.id}")
    assert page.inner_text("#complaint-status") == "Diverifikasi"
    assert "Wayan Handler (handler.wayan)" in page.inner_text("#complaint-timeline")

    page.select_option("#unit-assigned", "ptsp")
    page.click("#do-assigned")
    page.wait_for_url(f"**/dashboard/complaints/{complaint.id}")
    assert page.inner_text("#complaint-status") == "Diteruskan ke unit"

    with runtime.db.session() as s:
        notices = list(s.scalars(select(OutboundMessage).where(OutboundMessage.kind == "complaint_update")
                                 .order_by(OutboundMessage.id)))
    assert len(notices) == 2
    assert all(complaint.ticket in n.body and n.to_number.endswith(complaint.phone[1:]) for n in notices)
    assert "Pengaduan Anda sudah kami verifikasi." in notices[0].body
    assert "Pelayanan Terpadu Satu Pintu" in notices[1].body
