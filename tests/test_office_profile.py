"""The office profile edited on the dashboard (issue 17 §1, §4, §5): only the office's admin edits it, every
field is checked, every change is audited with before and after, and the bot uses it at once, in this
process and in any other (a second runtime on the same Redis and database, and a real second process).
Hours not confirmed by the office are said to be an estimate; a landline WhatsApp sender is flagged."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import urllib.error
import urllib.parse
import urllib.request
from datetime import datetime, time

import pytest
from rq import Queue
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from app import create_app
from bot import runtime as runtime_module
from bot.clock import as_utc
from bot.dashboard import office_profile as edits
from bot.exceptions import ConfigError
from bot.models.office_profile import OfficeProfile
from bot.models.staff import AuditEvent
from bot.offices import HOURS, WHATSAPP, apply_profile, load_offices, parse_hours
from config.settings import CONFIG_DIR
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL
from tests.support.cluster import REPO, free_port, wait_for
from tests.support.dashboard import OFFICE, OTHER_OFFICE, Staff, signed_in
from tests.support.visits import NIK, guestbook_config, menu_number
from tests.support.whatsapp import WhatsApp, new_sid, parse_twiml

KAPUAS = "kejari-kapuas"  # its WhatsApp sender is the landline of the seed
FRIDAY_PRAYERS = "08.00–11.30, 13.30–16.30"
PERKIRAAN = "masih *perkiraan*, mohon konfirmasi ke 081339151776"


@pytest.fixture
def config(config, tmp_path):
    return guestbook_config(config, tmp_path)


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def office_admin(app, runtime, office: str = OFFICE, username: str = "admin1") -> Staff:
    """An admin who chose `office` in the dashboard's office picker."""
    admin = signed_in(app, runtime, username, "admin", office=None)
    assert admin.post("/dashboard/office", {"office": office, "next": "/dashboard/"}).status_code == 302
    return admin


def form_of(runtime, office: str = OFFICE, **changes: str) -> dict:
    """The profile form as the page fills it for `office`, with `changes` (hours_fri="…", confirm_hours="y")."""
    current = edits.form_of(runtime.offices.get(office))
    data = {name: getattr(current, name) for name in ("name", "address", "location", "hotline", "email", "website",
                                                       "whatsapp", "timezone", "visitor_rules", "accessibility",
                                                       "complaint_channels")}
    data.update({f"hours_{day}": text for day, text in current.hours.items()})
    data.update({name: "y" for name in ("confirm_hours", "confirm_whatsapp") if getattr(current, name)})
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value
    return data


def save(admin: Staff, runtime, office: str = OFFICE, **changes):
    return admin.post("/dashboard/office-profile", form_of(runtime, office, **changes))


def audits(runtime) -> list[AuditEvent]:
    with runtime.db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.subject_type == "office_profile")
                              .order_by(AuditEvent.id)))


# -- the office's hours, with a break ----------------------------------------------------------------
def test_the_yaml_takes_one_span_a_day_or_a_list_of_spans():
    hours = parse_hours({"mon": ["08:00", "16:00"], "fri": [["08:00", "11:30"], ["13:30", "16:30"]], "sat": []})
    assert hours == {"mon": ((time(8), time(16)),), "fri": ((time(8), time(11, 30)), (time(13, 30), time(16, 30)))}
    for wrong in ({"fri": [["08:00", "12:00"], ["11:30", "16:30"]]}, {"fri": ["16:00", "08:00"]},
                  {"fri": [["08:00"]]}, {"caturday": ["08:00", "16:00"]}, {"fri": ["8 pagi", "16:00"]}):
        with pytest.raises(ConfigError):
            parse_hours(wrong)


def test_a_break_closes_the_office_in_is_open_at():
    base = load_offices(CONFIG_DIR, environ={}).get(OFFICE)
    office = apply_profile(base, {"opening_hours": {"fri": [["08:00", "11:30"], ["13:30", "16:30"]]}})
    wita = office.zone
    friday = datetime(2026, 11, 27, tzinfo=wita)
    assert office.is_open_at(friday.replace(hour=11, minute=29))
    assert office.is_open_at(friday.replace(hour=13, minute=30))
    assert not office.is_open_at(friday.replace(hour=12))
    assert not office.is_open_at(friday.replace(hour=11, minute=30))
    assert base.is_open_at(friday.replace(hour=12))  # the YAML's Friday has no break
    assert not office.is_open_at(datetime(2026, 11, 26, 10, tzinfo=wita))  # the profile names Friday only


def test_the_bot_says_the_new_hours_at_once_as_an_estimate_until_the_admin_confirms(app, runtime, whatsapp):
    before = whatsapp.send("jam buka?").text
    assert "Jumat: 08.00–16.30" in before and PERKIRAAN in before
    admin = office_admin(app, runtime)
    assert save(admin, runtime, hours_fri=FRIDAY_PRAYERS).status_code == 302
    answer = whatsapp.send("jam buka?", from_="+6281234500077").text
    assert "Jumat: 08.00–16.30 (istirahat 11.30–13.30)" in answer and PERKIRAAN in answer, answer
    friday = whatsapp.send("jumat buka gak?", from_="+6281234500078").text
    assert "*buka* pukul 08.00–16.30 WITA, dengan istirahat 11.30–13.30" in friday, friday

    assert save(admin, runtime, confirm_hours="y").status_code == 302
    confirmed = whatsapp.send("jam buka?", from_="+6281234500079").text
    assert "Jumat: 08.00–16.30 (istirahat 11.30–13.30)" in confirmed and "perkiraan" not in confirmed
    # The same Office object serves the dashboard and the bot of this process.
    assert runtime.offices.get(OFFICE) is runtime.inbox.offices.get(OFFICE)
    assert HOURS in runtime.offices.get(OFFICE).confirmed


def test_the_estimate_is_said_in_english_too(app, runtime, whatsapp):
    whatsapp.send("english")
    answer = whatsapp.send("opening hours?").text
    assert "These opening hours are an *estimate*; please confirm with 081339151776." in answer, answer


def test_a_visit_during_friday_prayers_is_refused_and_an_hour_later_accepted(app, runtime, whatsapp):
    admin = office_admin(app, runtime)
    assert save(admin, runtime, hours_fri=FRIDAY_PRAYERS).status_code == 302
    for sent in ("halo", menu_number(runtime), "1", "Ketut Arsana", "1", NIK):
        whatsapp.send(sent)
    whatsapp.send("", media=(("https://api.twilio.com/x", "image/jpeg"),))
    whatsapp.send("Konsultasi laporan pengaduan")
    assert "tanggal dan jam" in whatsapp.send("kasi intel").text
    refused = whatsapp.send("jumat jam 12").text
    assert "sedang istirahat (11.30–13.30)" in refused, refused
    assert "Mohon periksa data" in whatsapp.send("jumat jam 14").text


# -- the second process ------------------------------------------------------------------------------
def test_an_edit_in_one_runtime_reaches_a_second_runtime_on_its_next_message(app, runtime, config, whatsapp):
    second = runtime_module.build(config)  # what another web process or worker holds
    try:
        other = WhatsApp(create_app(config, runtime=second).test_client(), AUTH_TOKEN, PUBLIC_BASE_URL,
                         second.offices)
        assert "*tutup*" in other.send("sabtu buka gak?").text
        held = second.offices.get(OFFICE)
        admin = office_admin(app, runtime)
        assert save(admin, runtime, hours_sat="08.00–12.00").status_code == 302
        assert second.offices.get(OFFICE) is held  # nothing is read between messages
        answer = other.send("sabtu buka gak?", from_="+6281234500077").text
        assert "*buka* pukul 08.00–12.00 WITA" in answer, answer
        week = other.send("jam buka?", from_="+6281234500078").text
        assert "Sabtu: 08.00–12.00" in week and "Minggu dan hari libur nasional tutup." in week, week
        assert second.offices.get(OFFICE) is not held and second.offices.get(OTHER_OFFICE).opening_hours \
            == runtime.offices.get(OTHER_OFFICE).opening_hours
    finally:
        second.db.dispose()


def office_name_seen() -> str:
    """An RQ job (run by the worker below): the name of OFFICE as the worker's runtime has it."""
    return runtime_module.current().offices.get(OFFICE).name


def test_a_worker_job_sees_an_edit_made_since_its_last_job(app, runtime, config):
    import worker

    second = runtime_module.build(config)  # the worker process's own runtime
    runtime_module.install(second)
    queue = Queue(runtime_module.DEFAULT_QUEUE, connection=runtime.redis)

    def run() -> str:
        job = queue.enqueue(office_name_seen)
        worker.Worker([queue], connection=runtime.redis, stop=threading.Event()).work(burst=True)
        return job.return_value()

    try:
        assert run() == "Kejaksaan Negeri Klungkung"
        assert save(office_admin(app, runtime), runtime, name="Kejari Klungkung").status_code == 302
        assert second.offices.get(OFFICE).name == "Kejaksaan Negeri Klungkung"  # until its next job
        assert run() == "Kejari Klungkung"
    finally:
        runtime_module.install(runtime)
        second.db.dispose()


def _post_signed(base: str, form: dict) -> tuple[int, str]:
    signature = RequestValidator(AUTH_TOKEN).compute_signature(base + "/twilio/whatsapp", form)
    request = urllib.request.Request(base + "/twilio/whatsapp", data=urllib.parse.urlencode(form).encode(),
                                     headers={"X-Twilio-Signature": signature})
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def _healthy(base: str) -> bool:
    try:
        with urllib.request.urlopen(f"{base}/healthz", timeout=2) as response:
            return response.status == 200
    except OSError:
        return False


@pytest.mark.slow
@pytest.mark.timeout(180)
def test_an_hours_change_reaches_a_real_second_process_without_a_restart(app, runtime, config, tmp_path):
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = {**os.environ, "REDIS_URL": config.REDIS_URL, "DATABASE_URL": config.DATABASE_URL,
           "LOKET_CONFIG_DIR": str(config.CONFIG_DIR), "SECRET_KEY": "second-process", "NIK_HASH_KEY": "x",
           "TWILIO_ACCOUNT_SID": "AC" + "0" * 32, "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "TWILIO_API_URL": "http://127.0.0.1:9",
           "PUBLIC_BASE_URL": base, "WHATSAPP_INTERACTIVE": "0", "MEDIA_DIR": str(tmp_path / "media")}
    log = open(tmp_path / "web.log", "w")  # noqa: SIM115
    web = subprocess.Popen([sys.executable, "-m", "gunicorn", "app:create_app()", "--bind", f"127.0.0.1:{port}",
                            "--workers", "1", "--log-level", "warning"], cwd=REPO, env=env, stdout=log,
                           stderr=subprocess.STDOUT)
    try:
        wait_for(lambda: _healthy(base) or web.poll() is not None, 60, "the second process")
        assert web.poll() is None, (tmp_path / "web.log").read_text()
        to = "whatsapp:" + runtime.offices.get(OFFICE).whatsapp

        def ask(sender: str) -> str:
            status, xml = _post_signed(base, {"MessageSid": new_sid(), "From": f"whatsapp:{sender}", "To": to,
                                              "Body": "jam buka?", "NumMedia": "0", "ProfileName": "Warga"})
            assert status == 200, xml
            return "\n".join(parse_twiml(xml)[0])

        assert "istirahat" not in ask("+6281234500091")
        admin = office_admin(app, runtime)
        assert save(admin, runtime, hours_fri=FRIDAY_PRAYERS, confirm_hours="y").status_code == 302
        answer = ask("+6281234500092")
        assert "Jumat: 08.00–16.30 (istirahat 11.30–13.30)" in answer and "perkiraan" not in answer, answer
    finally:
        web.send_signal(signal.SIGTERM)
        try:
            web.wait(timeout=30)
        except subprocess.TimeoutExpired:
            web.kill()
        log.close()


# -- who may edit -------------------------------------------------------------------------------------
def test_only_the_offices_admin_opens_or_changes_the_profile(app, runtime):
    for role in ("desk", "handler", "viewer"):
        member = signed_in(app, runtime, f"{role}1", role)
        assert member.get("/dashboard/office-profile").status_code == 403
        token = member.token("/dashboard/")
        assert member.post("/dashboard/office-profile", {**form_of(runtime, name="Diganti"), "csrf_token": token},
                           token=False).status_code == 403
        assert 'href="/dashboard/office-profile"' not in member.get("/dashboard/").get_data(as_text=True)
    undecided = signed_in(app, runtime, "admin3", "admin", office=None)
    assert undecided.get("/dashboard/office-profile").status_code == 302  # to choose an office first
    assert undecided.get("/dashboard/office-profile?office=no-such-office").status_code == 404
    # The admin of another office edits that office, never this one.
    other = office_admin(app, runtime, OTHER_OFFICE, "admin2")
    page = other.get("/dashboard/office-profile").get_data(as_text=True)
    assert 'value="Kejaksaan Negeri Alor"' in page and 'value="Kejaksaan Negeri Klungkung"' not in page
    assert save(other, runtime, OTHER_OFFICE, name="Kejaksaan Negeri Alor (Kalabahi)").status_code == 302
    assert runtime.offices.get(OFFICE).name == "Kejaksaan Negeri Klungkung"
    assert runtime.offices.get(OTHER_OFFICE).name == "Kejaksaan Negeri Alor (Kalabahi)"
    with runtime.db.session() as s:
        assert s.scalars(select(OfficeProfile.office)).all() == [OTHER_OFFICE]


@pytest.mark.parametrize(("changes", "message"), [
    ({"hotline": "12"}, "Nomor telepon tidak valid"),
    ({"whatsapp": "0813"}, "Nomor WhatsApp tidak valid"),
    ({"whatsapp": "+6281138201010"}, "Nomor WhatsApp ini sudah dipakai Kejaksaan Negeri Alor"),
    ({"timezone": "Asia/Bali"}, "Zona waktu &#34;Asia/Bali&#34; tidak dikenal"),
    ({"hours_mon": "8 pagi sampai sore"}, "Senin: &#34;8 pagi sampai sore&#34; tidak dapat dibaca"),
    ({"hours_tue": "16.00–08.00"}, "Selasa: pada &#34;16.00–08.00&#34; jam tutup lebih awal"),
    ({"hours_fri": "08.00–12.00, 11.30–16.30"}, "Jumat: rentang jam harus berurutan"),
    ({f"hours_{d}": "" for d in ("mon", "tue", "wed", "thu", "fri")}, "Isi jam buka sedikitnya untuk satu hari"),
    ({"location": "di depan pasar"}, "Koordinat tidak dapat dibaca"),
    ({"location": "95, 115.4"}, "Koordinat tidak dapat dibaca"),
    ({"email": "kejari at kejaksaan"}, "Alamat email tidak valid"),
    ({"name": "K"}, "Nama kantor wajib diisi"),
])
def test_a_wrong_value_is_refused_beside_its_field_and_nothing_changes(app, runtime, changes, message):
    admin = office_admin(app, runtime)
    before = runtime.offices.get(OFFICE)
    response = save(admin, runtime, **changes)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and message in page, page
    assert 'class="error"' in page and "perlu diperbaiki" in page
    assert runtime.offices.get(OFFICE) is before and audits(runtime) == []


def test_coordinates_and_numbers_are_read_as_people_write_them(app, runtime, whatsapp):
    admin = office_admin(app, runtime)
    assert save(admin, runtime, location="-8,5345; 115,4021", hotline="(0366) 21085", website="kejari.example.go.id",
                whatsapp="0813 3915 1776").status_code == 302
    office = runtime.offices.get(OFFICE)
    assert (office.latitude, office.longitude) == (-8.5345, 115.4021)
    assert office.hotline == "(0366) 21085" and office.website == "https://kejari.example.go.id"
    assert office.whatsapp == "+6281339151776"
    assert "query=-8.5345,115.4021" in whatsapp.send("alamat kantor di mana?").text


# -- audit --------------------------------------------------------------------------------------------
def test_every_change_is_audited_with_who_when_before_and_after(app, runtime, frozen_clock):
    admin = office_admin(app, runtime)
    assert save(admin, runtime, name="Kejari Klungkung", hours_fri=FRIDAY_PRAYERS).status_code == 302
    assert save(admin, runtime).status_code == 302  # nothing changed: nothing written
    [event] = audits(runtime)
    assert (event.action, event.office, event.subject_id, event.actor_username) == ("update", OFFICE, OFFICE,
                                                                                     "admin1")
    assert as_utc(event.at) == frozen_clock.now()
    assert event.detail["fields"] == ["name", "opening_hours"]
    assert event.detail["from"]["name"] == "Kejaksaan Negeri Klungkung"
    assert event.detail["to"]["name"] == "Kejari Klungkung"
    assert "fri 08:00-16:30" in event.detail["from"]["opening_hours"]
    assert "fri 08:00-11:30, 13:30-16:30" in event.detail["to"]["opening_hours"]
    # The audit log names the fields as the form does, not by their codes.
    page = admin.get("/dashboard/audit").get_data(as_text=True)
    log = page[page.index('id="audit-list"'):]
    assert "Isian diubah: Nama, Jam layanan" in log and "Menjadi: Nama Kejari Klungkung" in log
    assert "opening_hours" not in log
    with runtime.db.session() as s:
        row = s.get(OfficeProfile, OFFICE)
        assert row.updated_by == "admin1" and row.hours_confirmed_at is None
    page = admin.get("/dashboard/audit?subject_type=office_profile").get_data(as_text=True)
    assert "Profil kantor" in page and "Kejari Klungkung" in page and "Jam layanan" in page


# -- what is not confirmed yet ------------------------------------------------------------------------
def test_the_today_page_lists_what_the_office_has_not_confirmed_until_it_does(app, runtime):
    admin = office_admin(app, runtime, KAPUAS)
    home = admin.get("/dashboard/").get_data(as_text=True)
    assert 'id="today-unconfirmed-kejari-kapuas"' in home
    assert "Jam layanan masih perkiraan" in home and "+6251321520 adalah telepon kabel" in home
    assert 'href="/dashboard/office-profile?office=kejari-kapuas"' in home
    assert set(runtime.offices.get(KAPUAS).unconfirmed) == {HOURS, WHATSAPP}
    assert runtime.offices.get(OFFICE).unconfirmed == (HOURS,)  # Klungkung's number is a mobile

    page = admin.get("/dashboard/office-profile?office=kejari-kapuas").get_data(as_text=True)
    assert 'id="profile-landline"' in page and 'name="confirm_whatsapp"' in page
    assert save(admin, runtime, KAPUAS, confirm_hours="y").status_code == 302
    home = admin.get("/dashboard/").get_data(as_text=True)
    assert "Jam layanan masih perkiraan" not in home and "+6251321520 adalah telepon kabel" in home
    assert save(admin, runtime, KAPUAS, confirm_whatsapp="y").status_code == 302
    assert 'id="today-unconfirmed-kejari-kapuas"' not in admin.get("/dashboard/").get_data(as_text=True)
    assert runtime.offices.get(KAPUAS).unconfirmed == ()
    # Unticking the hours makes them an estimate again.
    assert save(admin, runtime, KAPUAS, confirm_hours=None).status_code == 302
    assert runtime.offices.get(KAPUAS).unconfirmed == (HOURS,)
    # The desk does not manage the profile: its Today shows no such list.
    desk = signed_in(app, runtime, "desk1", "desk", office=KAPUAS)
    assert "today-unconfirmed" not in desk.get("/dashboard/").get_data(as_text=True)


def test_a_process_whose_database_is_not_migrated_keeps_the_yaml(runtime, monkeypatch):
    """The profiles are read from SQL; when that fails the office stays as it was, and it is asked again later."""
    from bot import offices as offices_module

    def broken(*_args, **_kwargs):
        raise offices_module.SQLAlchemyError("no such table: office_profiles")

    directory = offices_module.load_offices(runtime.config.CONFIG_DIR, db=runtime.db, revisions=runtime.revisions)
    monkeypatch.setattr(offices_module, "read_profiles", broken)
    assert directory.get(OFFICE).name == "Kejaksaan Negeri Klungkung"
    assert directory._retry_at > 0  # asked again after RETRY_SECONDS, not on every look
