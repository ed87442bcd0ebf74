"""The guest book desk (Buku Tamu) on the dashboard: today's list, check-in by code with badge, locker
and the identity card, the host told through the outbox, walk-in guests, check-out with the survey,
escalations with "remind host", the photo behind login and office, the CSV export, roles and CSRF."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import yaml
from sqlalchemy import select

from bot.models import OutboundMessage
from bot.models.staff import AuditEvent
from bot.models.survey import SurveyInvitation
from bot.models.visits import Consent, Visit, VisitPhoto
from bot.visits import jobs, security
from tests.support.dashboard import OTHER_OFFICE, signed_in
from tests.support.visits import (
    CITIZEN,
    KASI_INTEL,
    NIK,
    NIK_MASKED,
    OFFICE,
    make_config_dir,
    outbox_to,
    register,
    visits,
)

JPEG = b"\xff\xd8\xff\xe0" + b"walk-in photo" * 10
WALKIN_NIK = "5171014505850002"  # a woman born 5 May 1985


@pytest.fixture
def config(config, tmp_path):
    config.CONFIG_DIR = make_config_dir(tmp_path / "config")
    config.MEDIA_DIR = str(tmp_path / "media")
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


@pytest.fixture
def visit(runtime, whatsapp, standin, work) -> Visit:
    """A citizen registered on WhatsApp for today 14.00 WITA to meet the Kasi Intel (photo stored)."""
    answer = register(whatsapp, runtime, standin, when="hari ini jam 14")
    assert "kode" in answer.text.lower()
    work()
    [row] = visits(runtime)
    assert row.photo is not None and row.photo.status == "stored"
    return row


def _visit(runtime, visit_id: int) -> Visit:
    with runtime.db.session() as s:
        return s.get(Visit, visit_id)


def _audits(runtime, action: str, subject_type: str | None = None) -> list[AuditEvent]:
    with runtime.db.session() as s:
        query = select(AuditEvent).where(AuditEvent.action == action)
        if subject_type:
            query = query.where(AuditEvent.subject_type == subject_type)
        return list(s.scalars(query.order_by(AuditEvent.id)))


# Klungkung's check-out checklist (seed 000 steps 4 and 8): badge and locker key back, the card returned.
ALL_BACK = {"returned": ["badge", "locker", "id_card"]}


def _check_in(member, visit_id: int, **overrides):
    data = {"badge": "T-07", "locker": "L12", "id_type": "ktp", "id_last4": "0001", **overrides}
    return member.post(f"/dashboard/guestbook/visit/{visit_id}/check-in", data)


def _walk_in(member, **overrides):
    data = {"consent": "y", "name": "Ni Made Sari", "id_type": "ktp", "id_number": WALKIN_NIK,
            "phone": "0812 3450 0099", "purpose": "Mengambil barang bukti", "host": "kasi-intel", "badge": "T-09",
            "locker": "", **overrides}
    photo = data.pop("photo", (JPEG, "image/jpeg"))
    form = dict(data)
    form["csrf_token"] = member.token("/dashboard/guestbook/walk-in")
    if photo is not None:
        form["photo"] = (io.BytesIO(photo[0]), "sari.jpg", photo[1])
    return member.client.post("/dashboard/guestbook/walk-in", data=form, content_type="multipart/form-data")


# -- access ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(("role", "office", "status"), [("admin", None, 200), ("desk", OFFICE, 200),
                                                        ("handler", OFFICE, 403), ("viewer", OFFICE, 403)])
def test_role_matrix(app, runtime, visit, role, office, status):
    member = signed_in(app, runtime, f"{role}1", role, office)
    assert member.get("/dashboard/guestbook").status_code == status
    assert member.get(f"/dashboard/guestbook/visit/{visit.id}").status_code == status
    assert member.get(f"/dashboard/guestbook/visit/{visit.id}/photo").status_code == status
    assert member.get("/dashboard/guestbook/export.csv?date_from=2026-11-23&date_to=2026-11-23").status_code \
        == status
    posted = _check_in(member, visit.id)
    assert posted.status_code == (302 if status == 200 else 403)
    assert (_visit(runtime, visit.id).checked_in_at is not None) is (status == 200)
    home = member.get("/dashboard/").get_data(as_text=True)
    assert ('href="/dashboard/guestbook"' in home) is (status == 200)


@pytest.mark.parametrize("path", ["/dashboard/guestbook", "/dashboard/guestbook/visit/1",
                                  "/dashboard/guestbook/visit/1/photo", "/dashboard/guestbook/walk-in",
                                  "/dashboard/guestbook/export.csv?date_from=2026-11-23&date_to=2026-11-23"])
def test_signed_out_goes_to_login(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/dashboard/login" in response.headers["Location"]


def test_other_offices_desk_gets_404_and_changes_nothing(app, runtime, visit):
    member = signed_in(app, runtime, "desk.alor", "desk", OTHER_OFFICE)
    assert member.get(f"/dashboard/guestbook/visit/{visit.id}").status_code == 404
    assert member.get(f"/dashboard/guestbook/visit/{visit.id}/photo").status_code == 404
    assert _check_in(member, visit.id).status_code == 404
    assert member.post(f"/dashboard/guestbook/visit/{visit.id}/check-out", ALL_BACK).status_code == 404
    assert member.post(f"/dashboard/guestbook/visit/{visit.id}/remind").status_code == 404
    found = member.post("/dashboard/guestbook/find", {"code": visit.code})
    assert found.headers["Location"].endswith("/dashboard/guestbook")  # not found in their office
    page = member.get("/dashboard/guestbook").get_data(as_text=True)
    assert visit.code not in page
    assert _visit(runtime, visit.id).checked_in_at is None


def test_posts_without_csrf_token_are_rejected(app, runtime, visit):
    member = signed_in(app, runtime, "desk1", "desk")
    for path in (f"/dashboard/guestbook/visit/{visit.id}/check-in", f"/dashboard/guestbook/visit/{visit.id}/remind",
                 "/dashboard/guestbook/find", "/dashboard/guestbook/walk-in"):
        response = member.post(path, {"badge": "T-1", "id_type": "ktp", "id_last4": "0001", "code": visit.code},
                               token=False)
        assert response.status_code == 400, path
    assert _visit(runtime, visit.id).checked_in_at is None
    assert len(visits(runtime)) == 1


# -- today's list and check-in ---------------------------------------------------------------------
def test_today_lists_the_expected_guest_masked_with_photo_and_is_audited(app, runtime, visit):
    member = signed_in(app, runtime, "desk1", "desk")
    page = member.get("/dashboard/guestbook").get_data(as_text=True)
    expected = page.split('id="group-expected-kejari-klungkung"')[1].split("</table>")[0]
    assert visit.code in expected and "Ketut Arsana" in expected and NIK_MASKED in expected
    # The host never wrote to the office and no template was synced: the notice is held, and the desk
    # is told so with the number to call, not "Belum menjawab".
    assert "Ni Luh Putu Ayu Lestari" in expected and "Belum menjawab" not in expected
    assert "Tertahan: template WhatsApp belum dibuat" in expected and f'href="tel:{KASI_INTEL}"' in expected
    assert 'href="/dashboard/messages"' in expected
    assert f"/dashboard/guestbook/visit/{visit.id}/photo" in expected
    assert NIK not in page and CITIZEN not in page
    assert "14:00 WITA" in expected and "23-11-2026" not in expected  # today's list: the day is in its heading
    [audit] = _audits(runtime, "view", "guestbook")
    assert audit.actor_username == "desk1" and audit.detail["results"] == 1


def test_check_in_by_scanned_code_records_badge_locker_card_and_tells_the_host(app, runtime, visit):
    member = signed_in(app, runtime, "desk1", "desk")
    reminders_before = list(_visit(runtime, visit.id).reminder_outbox_ids)
    assert reminders_before  # the hour-before reminder at 13.00 WITA is still ahead

    found = member.post("/dashboard/guestbook/find", {"code": f" {visit.code.lower()}\n"})
    assert found.status_code == 302 and found.headers["Location"].endswith(f"/dashboard/guestbook/visit/{visit.id}")
    detail = member.get(f"/dashboard/guestbook/visit/{visit.id}").get_data(as_text=True)
    assert 'id="checkin-form"' in detail and NIK_MASKED in detail and NIK not in detail

    response = _check_in(member, visit.id)
    assert response.status_code == 302
    row = _visit(runtime, visit.id)
    assert row.checked_in_at is not None and row.checked_in_by == "desk1"
    assert (row.badge_number, row.locker_key, row.id_held_type, row.id_held_last4) == ("T-07", "L12", "ktp", "0001")
    assert row.status == "awaiting_host"  # the host's answer is still theirs to give
    [arrived] = outbox_to(runtime, KASI_INTEL, "guest_arrived")
    assert "Tamu sudah tiba" in arrived.body and visit.code in arrived.body and "Mohon balas" in arrived.body
    assert NIK not in arrived.body and NIK_MASKED in arrived.body
    with runtime.db.session() as s:
        statuses = set(s.scalars(select(OutboundMessage.status).where(OutboundMessage.id.in_(reminders_before))))
    assert statuses == {"canceled"}
    assert row.reminder_outbox_ids == []
    [audit] = _audits(runtime, "check_in")
    assert audit.subject_id == str(visit.id) and audit.office == OFFICE
    page = member.get("/dashboard/guestbook").get_data(as_text=True)
    waiting = page.split('id="group-waiting-kejari-klungkung"')[1].split("</table>")[0]
    assert visit.code in waiting and "T-07" in waiting
    # Checked in twice: refused.
    _check_in(member, visit.id, badge="T-99")
    assert _visit(runtime, visit.id).badge_number == "T-07"


def test_a_card_whose_last_digits_differ_is_refused(app, runtime, visit):
    member = signed_in(app, runtime, "desk1", "desk")
    refused = _check_in(member, visit.id, id_last4="9999")
    page = refused.get_data(as_text=True)
    # The page again, with the reason and everything the desk typed: only the wrong digits to correct.
    assert refused.status_code == 422 and "tidak cocok" in page
    assert 'value="T-07"' in page and 'value="L12"' in page and 'value="9999"' in page
    assert _visit(runtime, visit.id).checked_in_at is None
    assert outbox_to(runtime, KASI_INTEL, "guest_arrived") == []
    # Another document (a SIM) is recorded as handed in; no comparison is possible.
    _check_in(member, visit.id, id_type="sim", id_last4="4321")
    row = _visit(runtime, visit.id)
    assert (row.id_held_type, row.id_held_last4) == ("sim", "4321")


def test_unknown_or_malformed_codes_are_explained(app, runtime, visit):
    member = signed_in(app, runtime, "desk1", "desk")
    member.post("/dashboard/guestbook/find", {"code": "ABC"})
    assert "6 huruf/angka" in member.get("/dashboard/guestbook").get_data(as_text=True)
    member.post("/dashboard/guestbook/find", {"code": "AAAAAA" if visit.code != "AAAAAA" else "CCCCCC"})
    assert "tidak ditemukan" in member.get("/dashboard/guestbook").get_data(as_text=True)


def test_host_answer_after_check_in_moves_the_guest_to_with_host(app, runtime, visit, whatsapp):
    member = signed_in(app, runtime, "desk1", "desk")
    _check_in(member, visit.id)
    assert whatsapp.send("1", from_=KASI_INTEL).status == 200
    assert _visit(runtime, visit.id).status == "accepted"
    page = member.get("/dashboard/guestbook").get_data(as_text=True)
    with_host = page.split('id="group-with_host-kejari-klungkung"')[1].split("</table>")[0]
    assert visit.code in with_host and "Diterima" in with_host


def test_the_desk_records_when_a_host_who_agreed_beforehand_comes_out(frozen_clock, app, runtime, visit,
                                                                      whatsapp):
    member = signed_in(app, runtime, "desk1", "desk")
    met = f"/dashboard/guestbook/visit/{visit.id}/met"
    # Not yet accepted: nothing to record, and the page offers no such button.
    assert 'id="host-met-form"' not in member.get(f"/dashboard/guestbook/visit/{visit.id}").get_data(as_text=True)
    assert whatsapp.send("1", from_=KASI_INTEL).status == 200  # the host agrees before the guest arrives
    assert member.post(met, {}).status_code == 302 and _visit(runtime, visit.id).met_at is None  # not checked in
    _check_in(member, visit.id)
    page = member.get(f"/dashboard/guestbook/visit/{visit.id}").get_data(as_text=True)
    assert 'id="host-met-form"' in page
    frozen_clock.advance(minutes=8)
    assert member.post(met, {}).status_code == 302
    row = _visit(runtime, visit.id)
    assert row.met_at is not None and row.met_at - row.checked_in_at == timedelta(minutes=8)
    page = member.get(f"/dashboard/guestbook/visit/{visit.id}").get_data(as_text=True)
    assert 'id="host-met-form"' not in page and "Pegawai menemui tamu" in page  # in the visit's history
    # Twice: refused, the first moment kept; and audited once.
    frozen_clock.advance(minutes=5)
    member.post(met, {})
    assert _visit(runtime, visit.id).met_at == row.met_at
    with runtime.db.session() as s:
        audits = s.scalars(select(AuditEvent).where(AuditEvent.action == "host_met")).all()
    assert [(a.subject_id, a.office) for a in audits] == [(str(visit.id), visit.office)]


# -- check-out -------------------------------------------------------------------------------------
def test_check_out_needs_the_card_back_then_offers_the_survey(app, runtime, visit):
    member = signed_in(app, runtime, "desk1", "desk")
    before = member.post(f"/dashboard/guestbook/visit/{visit.id}/check-out", ALL_BACK)
    assert before.status_code == 302 and _visit(runtime, visit.id).checked_out_at is None  # not checked in
    _check_in(member, visit.id)
    member.post(f"/dashboard/guestbook/visit/{visit.id}/check-out", {})
    assert _visit(runtime, visit.id).checked_out_at is None
    assert "Centang dulu: Tanda pengenal tamu, Kunci loker, Kartu identitas" in \
        member.get(f"/dashboard/guestbook/visit/{visit.id}").get_data(as_text=True)

    response = member.post(f"/dashboard/guestbook/visit/{visit.id}/check-out", ALL_BACK)
    assert response.status_code == 302
    row = _visit(runtime, visit.id)
    assert row.checked_out_at is not None and row.id_returned_at is not None and row.checked_out_by == "desk1"
    with runtime.db.session() as s:
        [invitation] = list(s.scalars(select(SurveyInvitation)))
    assert (invitation.event_kind, invitation.event_ref, invitation.phone) == ("checkout", str(visit.id), CITIZEN)
    [invite] = outbox_to(runtime, CITIZEN, "survey_invite")
    assert invitation.notice_ids == [invite.id]
    assert [a.subject_id for a in _audits(runtime, "check_out")] == [str(visit.id)]
    page = member.get("/dashboard/guestbook").get_data(as_text=True)
    done = page.split('id="group-done-kejari-klungkung"')[1].split("</table>")[0]
    assert visit.code in done
    # A second check-out neither ends it again nor invites twice.
    member.post(f"/dashboard/guestbook/visit/{visit.id}/check-out", ALL_BACK)
    assert len(outbox_to(runtime, CITIZEN, "survey_invite")) == 1


# -- walk-in ---------------------------------------------------------------------------------------
def test_walk_in_is_stored_masked_with_consent_and_photo_checked_in_and_host_told(app, runtime, config):
    member = signed_in(app, runtime, "desk1", "desk")
    form = member.get("/dashboard/guestbook/walk-in").get_data(as_text=True)
    assert "Kasi" not in form or "Ni Luh Putu Ayu Lestari" in form
    assert "UU No. 27 Tahun 2022" in form and "tidak dipungut biaya" in form
    response = _walk_in(member)
    assert response.status_code == 302, response.get_data(as_text=True)
    [row] = visits(runtime)
    assert row.walk_in and row.checked_in_at is not None and row.checked_in_by == "desk1"
    assert row.id_masked == "5171********0002" and row.id_held_last4 == "0002"
    assert row.id_hash == security.id_hash(security.nik_hash_key(config), "ktp", WALKIN_NIK)
    assert row.citizen_phone == "+6281234500099" and row.host_phone == KASI_INTEL and row.badge_number == "T-09"
    assert row.status == "awaiting_host" and row.notice_round == 1
    assert response.headers["Location"].endswith(f"/dashboard/guestbook/visit/{row.id}")
    with runtime.db.session() as s:
        consent = s.get(Consent, row.consent_id)
        photo = s.get(VisitPhoto, row.photo_id)
    assert consent.accepted and consent.text_version == "desk-visit-2026-11" and consent.phone == row.citizen_phone
    stored = Path(config.MEDIA_DIR) / photo.path
    assert stored.read_bytes() == JPEG and photo.status == "stored" and photo.path.startswith(OFFICE)
    registry = runtime.outbox.queue.scheduled_job_registry
    followups = {}
    for job_id in registry.get_job_ids():
        job = runtime.outbox.queue.fetch_job(job_id)
        if job.func_name == "bot.visits.jobs.host_followup":
            followups[job.args[2]] = (job.args, registry.get_scheduled_time(job))
    start = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # the frozen clock
    assert followups == {"remind": ((row.id, 1, "remind"), start + timedelta(minutes=10)),
                         "escalate": ((row.id, 1, "escalate"), start + timedelta(minutes=20))}
    [arrived] = outbox_to(runtime, KASI_INTEL, "guest_arrived")
    assert "Ni Made Sari" in arrived.body and row.code in arrived.body and row.host_notice_outbox_id == arrived.id
    for value in (row.name, row.id_masked, row.id_hash, row.purpose, row.badge_number):
        assert WALKIN_NIK not in value
    assert [a.detail for a in _audits(runtime, "create", "visit")] == [{"walk_in": True}]


@pytest.mark.parametrize(("overrides", "message"), [
    ({"consent": ""}, "Tanpa persetujuan tamu"),
    ({"id_number": "5171010101900000"}, "Nomor urut pada NIK"),
    ({"id_number": "12345"}, "NIK harus 16 angka (tertulis 5 angka)"),
    ({"name": "S4ri"}, "hanya berisi huruf"),
    ({"phone": "12"}, "WhatsApp tidak valid"),
    ({"host": ""}, "Pilih pegawai yang dituju"),
    ({"badge": ""}, "Mohon lengkapi"),
    ({"photo": None}, "Unggah foto tamu"),
    ({"photo": (b"<html>not an image</html>", "image/jpeg")}, "JPEG, PNG atau WebP"),
    ({"photo": (b"\xff\xd8\xff" + b"0" * (5 * 1024 * 1024), "image/jpeg")}, "paling besar 5 MB"),
])
def test_walk_in_refuses_bad_input_without_recording_or_echoing_the_number(app, runtime, config, overrides,
                                                                           message):
    member = signed_in(app, runtime, "desk1", "desk")
    response = _walk_in(member, **overrides)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert message in page
    assert WALKIN_NIK not in page
    assert visits(runtime) == []
    assert outbox_to(runtime, KASI_INTEL) == []
    assert not list(Path(config.MEDIA_DIR).rglob("*.jpg")) if Path(config.MEDIA_DIR).exists() else True


def test_walk_in_without_a_whatsapp_number_checks_out_without_survey(app, runtime):
    member = signed_in(app, runtime, "desk1", "desk")
    _walk_in(member, phone="")
    [row] = visits(runtime)
    assert row.citizen_phone == ""
    member.post(f"/dashboard/guestbook/visit/{row.id}/check-out", {"returned": ["badge", "id_card"]})
    assert _visit(runtime, row.id).checked_out_at is not None
    with runtime.db.session() as s:
        assert list(s.scalars(select(SurveyInvitation))) == []


def test_an_admin_must_pick_an_office_before_a_walk_in(app, runtime):
    member = signed_in(app, runtime, "admin1", "admin", None)
    response = member.get("/dashboard/guestbook/walk-in")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard/guestbook")


# -- photo -----------------------------------------------------------------------------------------
def test_photo_is_served_to_the_offices_desk_and_each_view_is_audited(app, runtime, visit, config):
    member = signed_in(app, runtime, "desk1", "desk")
    response = member.get(f"/dashboard/guestbook/visit/{visit.id}/photo")
    assert response.status_code == 200 and response.mimetype == "image/jpeg"
    assert response.data == (Path(config.MEDIA_DIR) / visit.photo.path).read_bytes()
    assert response.headers["Cache-Control"] == "no-store"
    member.get(f"/dashboard/guestbook/visit/{visit.id}/photo")
    assert [a.subject_id for a in _audits(runtime, "view", "visit_photo")] == [str(visit.id)] * 2


def test_photo_outside_media_dir_is_never_read(app, runtime, visit):
    with runtime.db.session() as s:
        s.get(VisitPhoto, visit.photo_id).path = "../../etc/passwd"
        s.commit()
    member = signed_in(app, runtime, "desk1", "desk")
    assert member.get(f"/dashboard/guestbook/visit/{visit.id}/photo").status_code == 404


# -- escalations -----------------------------------------------------------------------------------
def test_escalated_visit_is_listed_with_the_hosts_phone_and_a_reminder_goes_out(app, runtime, visit):
    assert jobs.host_followup(visit.id, 1, "escalate") == "escalated"
    member = signed_in(app, runtime, "desk1", "desk")
    page = member.get("/dashboard/guestbook").get_data(as_text=True)
    listed = page.split('id="escalation-list"')[1].split("</table>")[0]
    assert visit.code in listed and f'href="tel:{KASI_INTEL}"' in listed
    before = len(outbox_to(runtime, KASI_INTEL, "host_reminder"))
    response = member.post(f"/dashboard/guestbook/visit/{visit.id}/remind", {"back": "list"})
    assert response.headers["Location"].endswith("/dashboard/guestbook")
    reminders = outbox_to(runtime, KASI_INTEL, "host_reminder")
    assert len(reminders) == before + 1 and visit.code in reminders[-1].body
    assert [a.subject_id for a in _audits(runtime, "remind_host")] == [str(visit.id)]


def test_no_reminder_once_the_host_answered(app, runtime, visit, whatsapp):
    whatsapp.send("1", from_=KASI_INTEL)
    member = signed_in(app, runtime, "desk1", "desk")
    member.post(f"/dashboard/guestbook/visit/{visit.id}/remind")
    assert outbox_to(runtime, KASI_INTEL, "host_reminder") == []
    assert "sudah menjawab" in member.get(f"/dashboard/guestbook/visit/{visit.id}").get_data(as_text=True)


# -- export ----------------------------------------------------------------------------------------
def test_csv_export_has_masked_identity_only_and_is_audited(app, runtime, visit):
    member = signed_in(app, runtime, "desk1", "desk")
    _check_in(member, visit.id)
    _walk_in(member, purpose="=HYPERLINK(\"http://x\")  datang")
    response = member.get("/dashboard/guestbook/export.csv?date_from=2026-11-23&date_to=2026-11-23")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text)))
    walk_in = visits(runtime)[1]
    assert [r["Kode kunjungan"] for r in rows] == [walk_in.code, visit.code]  # by time: the walk-in came at 10.00
    second, first = rows
    assert (first["Nama tamu"], first["Nomor identitas (tersamar)"], first["WhatsApp tamu"]) == (
        "Ketut Arsana", NIK_MASKED, "+62*****0001")
    assert (first["Tanda pengenal"], first["Kunci loker"], first["Kartu dititipkan"],
            first["Tanpa daftar (walk-in)"]) == ("T-07", "L12", "KTP ****0001", "tidak")
    assert first["Jadwal"] == "23-11-2026 14:00 WITA" and first["Check-in oleh"] == "desk1"
    assert second["Tanpa daftar (walk-in)"] == "ya" and second["Keperluan"].startswith("'=HYPERLINK")
    assert NIK not in text and WALKIN_NIK not in text and CITIZEN not in text
    [audit] = _audits(runtime, "export", "guestbook")
    assert audit.detail == {"from": "2026-11-23", "to": "2026-11-23", "rows": 2}
    # Another day: nothing; a reversed range: refused.
    other = member.get("/dashboard/guestbook/export.csv?date_from=2026-11-24&date_to=2026-11-30")
    assert len(list(csv.reader(io.StringIO(other.get_data(as_text=True))))) == 1
    bad = member.get("/dashboard/guestbook/export.csv?date_from=2026-11-24&date_to=2026-11-20")
    assert bad.status_code == 302


def test_english_labels(app, runtime, visit):
    member = signed_in(app, runtime, "desk1", "desk")
    member.post("/dashboard/lang", {"lang": "en", "next": "/dashboard/guestbook"})
    page = member.get("/dashboard/guestbook").get_data(as_text=True)
    assert "Today&#39;s guest book" in page or "Today's guest book" in page
    assert "Check in by visit code" in page and "Expected (1)" in page


def test_a_declined_visit_cannot_be_checked_in_and_shows_under_done(app, runtime, visit):
    with runtime.db.session() as s:
        s.get(Visit, visit.id).status = "declined"
        s.commit()
    member = signed_in(app, runtime, "desk1", "desk")
    refused = _check_in(member, visit.id)
    assert refused.status_code == 422 and "ditolak atau dibatalkan" in refused.get_data(as_text=True)
    assert _visit(runtime, visit.id).checked_in_at is None
    detail = member.get(f"/dashboard/guestbook/visit/{visit.id}").get_data(as_text=True)
    assert 'id="checkin-form"' not in detail
    page = member.get("/dashboard/guestbook").get_data(as_text=True)
    assert visit.code in page.split('id="group-done-kejari-klungkung"')[1].split("</table>")[0]


def test_an_admin_sees_every_office_and_finds_a_code_anywhere(app, runtime, visit):
    member = signed_in(app, runtime, "admin1", "admin", None)
    page = member.get("/dashboard/guestbook").get_data(as_text=True)
    assert 'data-office="kejari-alor"' in page and visit.code in page
    found = member.post("/dashboard/guestbook/find", {"code": visit.code})
    assert found.headers["Location"].endswith(f"/dashboard/guestbook/visit/{visit.id}")


@pytest.mark.parametrize(("templates", "sid"), [
    ({}, None),
    ({"host_notice": {"content_sid": "HXhost", "variables": {"1": "office", "2": "guest"}}}, "HXhost"),
    ({"host_notice": {"content_sid": "HXhost", "variables": {"1": "office"}},
      "guest_arrived": {"content_sid": "HXarrived", "variables": {"1": "guest", "2": "badge"}}}, "HXarrived"),
])
def test_arrival_notice_outside_the_window_uses_a_template(app, runtime, visit, config, templates, sid):
    (Path(config.CONFIG_DIR) / "templates.yaml").write_text(yaml.safe_dump(templates), encoding="utf-8")
    member = signed_in(app, runtime, "desk1", "desk")
    _check_in(member, visit.id)
    [arrived] = outbox_to(runtime, KASI_INTEL, "guest_arrived")
    assert arrived.content_sid == sid
    if sid == "HXarrived":
        assert arrived.content_variables == {"1": "Ketut Arsana", "2": "T-07"}


def test_visit_page_shows_whether_the_host_got_the_messages(app, runtime, visit, work):
    member = signed_in(app, runtime, "desk1", "desk")
    _check_in(member, visit.id)
    work()  # the host never wrote to the office: no template approved, so the sender holds the messages
    page = member.get(f"/dashboard/guestbook/visit/{visit.id}").get_data(as_text=True)
    listed = page.split('id="host-messages"')[1].split("</ul>")[0]
    assert 'data-kind="host_notice"' in listed and 'data-kind="guest_arrived"' in listed
    assert listed.count("mohon telepon pegawai") == 2
