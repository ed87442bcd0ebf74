"""Loket's WhatsApp templates against the Twilio stand-in's Content API: a sync creates and submits each
template once, changes only what changed, finds again what an interrupted sync made; the poll follows
WhatsApp's decisions; resolve says what a message may go out as; the CLI commands and the worker's job."""

from __future__ import annotations

import os
import shutil
import threading

import pytest
import yaml
from sqlalchemy import select

from bot import runtime as runtime_module
from bot.i18n import LANGUAGES
from bot.models.templates import WhatsAppTemplate
from bot.whatsapp import jobs, resolver, templates
from bot.whatsapp.content_api import ContentApiError, ContentClient
from bot.whatsapp.resolver import NO_TEMPLATE, TEMPLATE_PENDING, TEMPLATE_REJECTED, resolve
from bot.whatsapp.sync import poll, sync, template_name
from config.settings import CONFIG_DIR

TEMPLATE_COUNT = len(templates.KINDS) * len(LANGUAGES)
OFFICE_SID = "HX" + "a" * 32


@pytest.fixture
def config(config, standin, tmp_path):
    config.TWILIO_CONTENT_API_URL = standin.url
    config.CONFIG_DIR = tmp_path / "config"
    shutil.copytree(CONFIG_DIR, config.CONFIG_DIR)
    return config


@pytest.fixture
def client(runtime) -> ContentClient:
    return ContentClient.from_config(runtime.config)


def definitions(runtime) -> dict[str, templates.Definition]:
    return templates.definitions(runtime.config.CONFIG_DIR)


def rows(runtime, **where) -> list[WhatsAppTemplate]:
    with runtime.db.session() as s:
        query = select(WhatsAppTemplate).order_by(WhatsAppTemplate.id)
        for name, value in where.items():
            query = query.where(getattr(WhatsAppTemplate, name) == value)
        return list(s.scalars(query))


def row(runtime, kind: str, lang: str) -> WhatsAppTemplate:
    return rows(runtime, kind=kind, lang=lang, current=True)[0]


def run_sync(runtime, client):
    with runtime.db.session() as s:
        return sync(s, client, definitions(runtime))


def run_poll(runtime, client):
    with runtime.db.session() as s:
        return poll(s, client)


def resolved(runtime, kind: str, lang: str) -> resolver.Resolution:
    with runtime.db.session() as s:
        return resolve(s, kind, lang, config=runtime.config)


def edit_definitions(runtime, change) -> None:
    """Change config/whatsapp_templates.yaml as an editor would, and make sure its mtime moves."""
    path = runtime.config.CONFIG_DIR / templates.FILENAME
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data["templates"])
    stat = path.stat()
    path.write_text(yaml.safe_dump(data, allow_unicode=True, sort_keys=False), encoding="utf-8")
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 10**9))


def test_sync_creates_each_template_once_and_submits_it(runtime, client, standin):
    report = run_sync(runtime, client)
    assert report.ok and len(report.created) == len(report.submitted) == TEMPLATE_COUNT
    assert standin.count_content("create") == standin.count_content("submit") == TEMPLATE_COUNT
    recorded = rows(runtime)
    assert len(recorded) == TEMPLATE_COUNT and all(r.current and r.status == "received" for r in recorded)
    for record in recorded:
        definition = definitions(runtime)[record.kind]
        content = standin.content(record.content_sid)
        assert record.name == template_name(definition, record.lang) == content.friendly_name
        assert content.language == record.lang and content.approval.name == record.name
        assert content.approval.category == "UTILITY"
        assert content.types == definition.content(record.lang)["types"]
        assert content.variables == definition.content(record.lang)["variables"]
        assert record.variables == list(definition.variables) and record.submitted_at is not None
    notice = standin.content(row(runtime, "host_notice", "id").content_sid)
    assert [(a["id"], a["title"]) for a in notice.types["twilio/quick-reply"]["actions"]] == [
        ("accept", "Terima"), ("decline", "Tolak"), ("propose", "Usul waktu lain")]


def test_a_second_sync_creates_nothing(runtime, client, standin):
    run_sync(runtime, client)
    requests = len(standin.content_requests)
    again = run_sync(runtime, client)
    assert again.ok and again.created == again.submitted == again.adopted == []
    assert len(again.unchanged) == TEMPLATE_COUNT
    assert len(standin.content_requests) == requests  # not even a look at Twilio
    assert len(rows(runtime)) == TEMPLATE_COUNT


def test_a_changed_body_makes_a_new_content_that_replaces_the_old_one(runtime, client, standin):
    run_sync(runtime, client)
    old = row(runtime, "visit_reminder", "id")
    standin.approve(old.content_sid)
    run_poll(runtime, client)
    edit_definitions(runtime, lambda t: t["visit_reminder"]["body"].update(
        id=t["visit_reminder"]["body"]["id"].replace("Sampai jumpa.", "Sampai jumpa di PTSP.")))
    report = run_sync(runtime, client)
    assert report.created == report.submitted == ["visit_reminder/id"]
    assert len(report.unchanged) == TEMPLATE_COUNT - 1
    new = row(runtime, "visit_reminder", "id")
    assert new.id != old.id and new.content_sid != old.content_sid and new.name != old.name
    assert "Sampai jumpa di PTSP." in standin.content(new.content_sid).types["twilio/text"]["body"]
    assert [r.current for r in rows(runtime, kind="visit_reminder", lang="id")] == [False, True]
    # While the new wording waits for WhatsApp, the old approved one still goes out.
    assert resolved(runtime, "visit_reminder", "id").content_sid == old.content_sid
    standin.approve(new.content_sid)
    run_poll(runtime, client)
    assert resolved(runtime, "visit_reminder", "id").content_sid == new.content_sid
    # Back to the old wording: its row becomes current again, nothing is created.
    edit_definitions(runtime, lambda t: t["visit_reminder"]["body"].update(
        id=t["visit_reminder"]["body"]["id"].replace("Sampai jumpa di PTSP.", "Sampai jumpa.")))
    creates = standin.count_content("create")
    run_sync(runtime, client)
    assert standin.count_content("create") == creates and row(runtime, "visit_reminder", "id").id == old.id


def test_poll_picks_up_approval_and_rejection_with_its_reason(runtime, client, standin, frozen_clock):
    run_sync(runtime, client)
    notice, followup = row(runtime, "host_notice", "id"), row(runtime, "officer_followup", "en")
    standin.approve(notice.content_sid)
    standin.reject(followup.content_sid, "INVALID_FORMAT: the sample does not match the body")
    report = run_poll(runtime, client)
    assert report.checked == TEMPLATE_COUNT and not report.errors
    assert "host_notice/id: received → approved" in report.changed
    assert row(runtime, "host_notice", "id").status == "approved"
    rejected = row(runtime, "officer_followup", "en")
    assert rejected.status == "rejected"
    assert rejected.rejection_reason == "INVALID_FORMAT: the sample does not match the body"
    assert row(runtime, "survey_invite", "id").status == "pending"  # WhatsApp still reviewing
    assert all(r.checked_at is not None for r in rows(runtime))
    # A rejected template is not asked about again; approved ones are (Meta may pause them).
    asked = standin.count_content("approval_fetch")
    run_poll(runtime, client)
    assert standin.count_content("approval_fetch") == asked + TEMPLATE_COUNT - 1


def test_resolve_says_what_a_message_may_go_out_as(runtime, client, standin):
    assert resolved(runtime, "host_notice", "id") == resolver.Resolution(None, NO_TEMPLATE, "id")
    run_sync(runtime, client)
    assert resolved(runtime, "host_notice", "id").state == TEMPLATE_PENDING
    standin.approve(row(runtime, "host_notice", "id").content_sid)
    standin.reject(row(runtime, "visit_outcome", "id").content_sid, "TAG_CONTENT_MISMATCH")
    run_poll(runtime, client)
    approved = resolved(runtime, "host_notice", "id")
    assert approved.state == "approved" and approved.content_sid == row(runtime, "host_notice", "id").content_sid
    assert approved.lang == "id" and approved.source == "loket"
    values = {"office": "Kejaksaan Negeri Klungkung", "guest": "Budi", "purpose": "", "when": "Senin",
              "identity": "KTP 5171********0001", "code": "K7PX4M"}
    assert approved.variables(values) == templates.variables_for("host_notice", values)
    assert approved.variables(values)["3"] == "-"
    assert resolved(runtime, "visit_outcome", "id").state == TEMPLATE_REJECTED
    assert resolved(runtime, "visit_outcome", "id").variables({}) is None


def test_an_english_reader_gets_the_indonesian_template_but_not_the_reverse(runtime, client, standin):
    run_sync(runtime, client)
    standin.approve(row(runtime, "visit_reminder", "id").content_sid)
    standin.approve(row(runtime, "complaint_update", "en").content_sid)
    run_poll(runtime, client)
    english = resolved(runtime, "visit_reminder", "en")
    assert english.state == "approved" and english.lang == "id"
    assert english.content_sid == row(runtime, "visit_reminder", "id").content_sid
    indonesian = resolved(runtime, "complaint_update", "id")
    assert indonesian.content_sid is None and indonesian.state == TEMPLATE_PENDING


def test_a_content_sid_in_config_templates_yaml_still_wins(runtime, client, standin):
    (runtime.config.CONFIG_DIR / "templates.yaml").write_text(yaml.safe_dump({
        "host_notice": {"content_sid": OFFICE_SID, "variables": {"1": "guest", "2": "code"}}}), encoding="utf-8")
    run_sync(runtime, client)
    standin.approve(row(runtime, "host_notice", "id").content_sid)
    run_poll(runtime, client)
    own = resolved(runtime, "host_notice", "id")
    assert (own.content_sid, own.state, own.source) == (OFFICE_SID, "approved", "config")
    assert own.variables({"guest": "Budi\nSantoso", "code": "K7PX4M"}) == {"1": "Budi Santoso", "2": "K7PX4M"}
    assert resolved(runtime, "host_notice", "en").content_sid == OFFICE_SID  # for every language
    assert resolved(runtime, "host_reminder", "id").state == TEMPLATE_PENDING  # other kinds: Loket's


def test_a_content_sid_setting_for_complaint_notices_still_wins(runtime):
    runtime.config.COMPLAINT_RECEIPT_CONTENT_SID = OFFICE_SID
    own = resolved(runtime, "complaint_receipt", "en")
    assert (own.content_sid, own.source) == (OFFICE_SID, "setting")
    assert own.variables({"ticket": "KLK-2026-000123", "office": "Kejari"}) == {"1": "KLK-2026-000123", "2": "Kejari"}
    assert resolved(runtime, "complaint_update", "en").state == NO_TEMPLATE


def test_an_interrupted_sync_finds_its_content_again_instead_of_making_it_twice(runtime, client, standin):
    definition = definitions(runtime)["guest_arrived"]
    made = client.create(template_name(definition, "en"), definition.content("en"))  # then the process died
    report = run_sync(runtime, client)
    assert report.adopted == ["guest_arrived/en"] and "guest_arrived/en" in report.submitted
    assert standin.count_content("create") == TEMPLATE_COUNT  # the one made before, and 21 now
    assert row(runtime, "guest_arrived", "en").content_sid == made["sid"]
    assert len(standin.contents) == TEMPLATE_COUNT


def test_a_submission_answer_lost_on_the_way_is_not_submitted_twice(runtime, client, standin):
    run_sync(runtime, client)
    with runtime.db.session() as s:  # as if Twilio's answer to the submission never arrived
        record = s.scalars(select(WhatsAppTemplate).where(WhatsAppTemplate.kind == "desk_escalation",
                                                          WhatsAppTemplate.lang == "id")).one()
        record.status = "unsubmitted"
        s.commit()
    report = run_sync(runtime, client)
    assert report.ok and report.submitted == []
    assert row(runtime, "desk_escalation", "id").status == "pending"


def test_twilio_refusing_one_template_does_not_stop_the_others(runtime, client, standin):
    standin.fail_content_next(1, status=400, code=400)  # the list of contents, read first
    report = run_sync(runtime, client)
    assert len(report.errors) == 1 and report.errors[0].startswith("host_notice/id: Twilio Content API 400")
    assert report.failure is None and len(report.created) == TEMPLATE_COUNT - 1
    again = run_sync(runtime, client)
    assert again.ok and again.created == ["host_notice/id"]


def test_an_unreachable_twilio_stops_the_sync_and_says_why(runtime, client, standin):
    run_sync(runtime, client)
    edit_definitions(runtime, lambda t: [spec["body"].update(id=spec["body"]["id"] + " Salam.") for spec in t.values()])
    standin.fail_content_next(1, status=503, code=20503)
    report = run_sync(runtime, client)
    assert report.failure and "503" in report.failure and report.created == []
    assert standin.count_content("create") == TEMPLATE_COUNT  # it did not go on hammering Twilio


def test_a_failed_submission_is_kept_visible_and_retried(runtime, client, standin, monkeypatch):
    run_sync(runtime, client)
    edit_definitions(runtime, lambda t: t["host_notice"]["body"].update(en=t["host_notice"]["body"]["en"] + " Bye."))

    def refused(*_args, **_kwargs):
        raise ContentApiError(400, 400, "name is already in use")

    monkeypatch.setattr(client, "submit", refused)
    report = run_sync(runtime, client)
    assert report.errors == ["host_notice/en: Twilio Content API 400 (400): name is already in use"]
    assert report.created == ["host_notice/en"] and report.failure is None
    failed = row(runtime, "host_notice", "en")
    assert (failed.status, failed.error) == ("unsubmitted", "name is already in use")
    assert resolved(runtime, "host_notice", "en").state == TEMPLATE_PENDING
    monkeypatch.undo()
    again = run_sync(runtime, client)
    assert again.ok and again.submitted == ["host_notice/en"] and again.created == []
    assert row(runtime, "host_notice", "en").error is None
    assert row(runtime, "host_notice", "en").status == "received"


def test_a_template_deleted_in_twilio_is_noticed_and_made_again(runtime, client, standin):
    run_sync(runtime, client)
    gone = row(runtime, "survey_invite", "id")
    client.delete(gone.content_sid)
    run_poll(runtime, client)
    assert row(runtime, "survey_invite", "id").status == "deleted"
    assert resolved(runtime, "survey_invite", "id").state == NO_TEMPLATE
    report = run_sync(runtime, client)
    assert report.created == ["survey_invite/id"]
    assert row(runtime, "survey_invite", "id").content_sid != gone.content_sid


def test_the_client_turns_twilios_error_json_into_a_named_exception(runtime, standin):
    wrong = ContentClient(runtime.config.TWILIO_ACCOUNT_SID, "not-the-token", standin.url)
    with pytest.raises(ContentApiError) as raised:
        wrong.fetch("HX" + "0" * 32)
    assert (raised.value.status, raised.value.code, raised.value.message) == (401, 20003, "Authenticate")
    unreachable = ContentClient(runtime.config.TWILIO_ACCOUNT_SID, "t", "http://127.0.0.1:9", timeout=2)
    with pytest.raises(ContentApiError) as raised:
        unreachable.fetch("HX" + "0" * 32)
    assert raised.value.status == 0 and raised.value.transient


def test_contents_are_read_page_by_page(runtime, client, standin, monkeypatch):
    monkeypatch.setattr("bot.whatsapp.content_api.PAGE_SIZE", 5)
    run_sync(runtime, client)
    before = standin.count_content("list")
    assert len({c["sid"] for c in client.contents()}) == TEMPLATE_COUNT
    assert standin.count_content("list") - before == -(-TEMPLATE_COUNT // 5)


# -- CLI and the worker's job ------------------------------------------------------------------------
def test_cli_sync_then_status(app, runtime, standin):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["templates", "sync"])
    assert result.exit_code == 0, result.output
    assert f"created {TEMPLATE_COUNT}," in result.output
    assert f"submitted for approval {TEMPLATE_COUNT}," in result.output
    assert "loket_host_notice_id_" in result.output
    standin.approve(row(runtime, "host_notice", "id").content_sid)
    standin.reject(row(runtime, "host_notice", "en").content_sid, "INVALID_FORMAT")
    status = runner.invoke(args=["templates", "status", "--refresh"])
    assert status.exit_code == 0, status.output
    lines = {tuple(line.split()[:2]): line for line in status.output.splitlines()}
    assert lines[("kind", "lang")].split()[:6] == ["kind", "lang", "name", "status", "sid", "sending"]
    assert " approved " in lines[("host_notice", "id")]
    assert row(runtime, "host_notice", "id").content_sid in lines[("host_notice", "id")]
    assert "rejected" in lines[("host_notice", "en")] and lines[("host_notice", "en")].endswith("INVALID_FORMAT")
    assert " pending " in lines[("survey_invite", "id")]
    again = runner.invoke(args=["templates", "sync"])
    assert again.exit_code == 0 and "created 0" in again.output and f"unchanged {TEMPLATE_COUNT}" in again.output


def test_cli_sync_without_twilio_credentials_says_so_and_fails(app, runtime, standin):
    runtime.config.TWILIO_ACCOUNT_SID = runtime.config.TWILIO_AUTH_TOKEN = ""
    result = app.test_cli_runner().invoke(args=["templates", "sync"])
    assert result.exit_code != 0
    assert "Twilio is not configured" in result.output and "TWILIO_ACCOUNT_SID" in result.output
    assert standin.content_requests == [] and rows(runtime) == []
    status = app.test_cli_runner().invoke(args=["templates", "status"])
    assert status.exit_code == 0 and "not_synced" in status.output and "no_template" in status.output


def test_cli_sync_fails_when_twilio_is_unreachable(app, runtime, standin):
    standin.fail_content_next(1, status=500, code=20500)
    result = app.test_cli_runner().invoke(args=["templates", "sync"])
    assert result.exit_code != 0 and "stopped early" in result.output


def test_the_workers_job_polls_pending_approvals(app, runtime, client, standin):
    run_sync(runtime, client)
    standin.approve(row(runtime, "guest_arrived", "id").content_sid)
    runtime_module.install(runtime)
    outcome = jobs.poll_approvals()
    assert outcome["checked"] == TEMPLATE_COUNT and "guest_arrived/id: received → approved" in outcome["changed"]
    assert row(runtime, "guest_arrived", "id").status == "approved"
    runtime.config.TWILIO_AUTH_TOKEN = ""
    assert jobs.poll_approvals()["checked"] == 0  # console mode: nothing to ask


def test_the_app_refuses_to_start_with_a_broken_definitions_file(config, runtime):
    from app import create_app
    from bot.exceptions import ConfigError

    edit_definitions(runtime, lambda t: t["survey_invite"]["body"].update(en="Thank you, {{1}}"))
    with pytest.raises(ConfigError, match="survey_invite: body \\(en\\)"):
        create_app(config, runtime=runtime)


def test_the_worker_polls_approvals_every_ten_minutes(runtime, monkeypatch):
    import worker

    made = []

    class Recording(worker.CronScheduler):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            made.append(self)

    monkeypatch.setattr(worker, "CronScheduler", Recording)
    stop = threading.Event()
    stop.set()  # registered, then the loop ends at once
    worker.start_cron(runtime, stop).join(timeout=5)
    assert {job.func_name: job.interval for job in made[0].get_jobs()}["bot.whatsapp.jobs.poll_approvals"] == 600
