"""The WhatsApp templates page: admins see each template's approval and sync them with Twilio (a job,
audited, CSRF required); other roles get 403."""

from __future__ import annotations

import re
import shutil

import pytest
from sqlalchemy import select

from bot.i18n import LANGUAGES
from bot.models.staff import AuditEvent
from bot.models.templates import WhatsAppTemplate
from bot.whatsapp import templates
from config.settings import CONFIG_DIR
from tests.support.dashboard import OFFICE, signed_in

PAGE, SYNC = "/dashboard/templates", "/dashboard/templates/sync"
TEMPLATE_COUNT = len(templates.KINDS) * len(LANGUAGES)


@pytest.fixture
def config(config, standin, tmp_path):
    config.TWILIO_CONTENT_API_URL = standin.url
    config.CONFIG_DIR = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config.CONFIG_DIR)
    return config


def recorded(runtime) -> list[WhatsAppTemplate]:
    with runtime.db.session() as s:
        return list(s.scalars(select(WhatsAppTemplate).order_by(WhatsAppTemplate.id)))


def row_of(page: str, kind: str, lang: str) -> str:
    start = page.index(f'<tr data-kind="{kind}" data-lang="{lang}"')
    return page[start:page.index("</tr>", start)]


def audits(runtime) -> list[AuditEvent]:
    with runtime.db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.subject_type == "whatsapp_templates")))


def test_admin_sees_every_template_and_syncs_them(app, runtime, standin, work):
    admin = signed_in(app, runtime, "admin1", "admin", None)
    page = admin.get(PAGE).get_data(as_text=True)
    assert page.count('<tr data-kind="') == TEMPLATE_COUNT
    assert 'data-kind="host_notice" data-lang="id" data-status="not_synced"' in page
    assert "Belum disinkronkan" in page and "Ditahan: belum ada templat" in page and "Sinkronkan" in page
    assert f'href="{PAGE}"' in page  # in the menu
    response = admin.post(SYNC)
    assert response.status_code == 302 and response.headers["Location"].endswith(PAGE)
    assert "Sinkronisasi dimulai" in admin.get(PAGE).get_data(as_text=True)
    work()  # the sync job
    assert len(standin.contents) == len(recorded(runtime)) == TEMPLATE_COUNT
    assert [(a.action, a.actor_username) for a in audits(runtime)] == [("sync", "admin1")]
    notice = next(r for r in recorded(runtime) if (r.kind, r.lang) == ("host_notice", "id"))
    standin.approve(notice.content_sid)
    rejected = next(r for r in recorded(runtime) if (r.kind, r.lang) == ("visit_outcome", "en"))
    standin.reject(rejected.content_sid, "TAG_CONTENT_MISMATCH")
    from bot.whatsapp import jobs

    jobs.poll_approvals()
    page = admin.get(PAGE).get_data(as_text=True)
    assert f"{TEMPLATE_COUNT} dibuat, {TEMPLATE_COUNT} diajukan" in page and "oleh admin1" in page
    # The admin has no office: the sync's time is on the offices' clock with its label, as every time is.
    assert re.search(r'id="last-sync">Sinkronisasi terakhir \d\d-\d\d-\d{4} \d\d:\d\d WITA oleh admin1', page)
    assert " UTC" not in page
    assert 'data-kind="host_notice" data-lang="id" data-status="approved"' in page
    assert notice.content_sid in page and notice.name in page
    assert 'data-kind="visit_outcome" data-lang="en" data-status="rejected"' in page and "TAG_CONTENT_MISMATCH" in page
    assert "Dikirim dengan templat ini" in row_of(page, "host_notice", "id")
    assert "Dikirim dengan templat bahasa Indonesia" in row_of(page, "host_notice", "en")  # en still pending
    assert "Ditahan: menunggu persetujuan" in row_of(page, "visit_reminder", "id")


@pytest.mark.parametrize("role", ["desk", "handler", "viewer"])
def test_other_roles_get_403(app, runtime, standin, work, role):
    member = signed_in(app, runtime, f"{role}1", role, OFFICE)
    assert member.get(PAGE).status_code == 403
    assert member.post(SYNC).status_code == 403
    assert f'href="{PAGE}"' not in member.get("/dashboard/").get_data(as_text=True)
    work()
    assert standin.content_requests == [] and audits(runtime) == []


def test_signed_out_goes_to_login(client):
    response = client.get(PAGE)
    assert response.status_code == 302 and response.headers["Location"].startswith("/dashboard/login")


def test_a_sync_without_the_csrf_token_is_refused(app, runtime, standin, work):
    admin = signed_in(app, runtime, "admin1", "admin", None)
    assert admin.post(SYNC, token=False).status_code == 400
    work()
    assert standin.content_requests == [] and audits(runtime) == []


def test_without_twilio_credentials_the_page_says_so_and_nothing_is_queued(app, runtime, standin, work):
    runtime.config.TWILIO_ACCOUNT_SID = runtime.config.TWILIO_AUTH_TOKEN = ""
    admin = signed_in(app, runtime, "admin1", "admin", None)
    page = admin.get(PAGE).get_data(as_text=True)
    assert "Twilio belum dikonfigurasi" in page and 'id="sync-templates"' not in page
    response = admin.post(SYNC)
    assert response.status_code == 302
    assert "Twilio belum dikonfigurasi" in admin.get(PAGE).get_data(as_text=True)
    work()
    assert standin.content_requests == [] and audits(runtime) == []


def test_the_page_speaks_english_too(app, runtime, standin):
    admin = signed_in(app, runtime, "admin1", "admin", None)
    assert admin.post("/dashboard/lang", {"lang": "en", "next": PAGE}).status_code == 302
    page = admin.get(PAGE).get_data(as_text=True)
    assert "WhatsApp templates" in page and "Guest notice" in page and "Held: no template yet" in page
