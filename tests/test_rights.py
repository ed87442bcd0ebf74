"""The citizen's rights over their data (UU 27/2022) end to end through signed webhooks: "data saya",
"hapus data saya" with its confirmation, "tarik persetujuan"; then a scan of every table."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from bot.db import Base
from bot.models import OutboundMessage
from bot.models.complaints import Complaint, ComplaintAttachment
from bot.models.rights import RightsRequest
from bot.models.visits import Consent, Visit
from tests.support.visits import CITIZEN, KASI_INTEL, NIK, NIK_MASKED, make_config_dir, outbox_to, register, visits

OTHER = "+6281234500999"
OTHER_NAME = "Wayan Sukerta"
NAME = "Ketut Arsana"
USER_ID = "ID.1502576394655843"


@pytest.fixture
def config(config, tmp_path):
    config.CONFIG_DIR = make_config_dir(tmp_path / "config")
    config.MEDIA_DIR = str(tmp_path / "media")
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def menu_number(runtime, label_key: str) -> str:
    keys = [e.label_key for e in runtime.registry.menu_entries()]
    return str(keys.index(label_key) + 1)


def file_complaint(whatsapp, runtime, from_: str, name: str, description: str) -> str:
    """A service complaint with the reporter's name; returns its ticket."""
    whatsapp.send("menu", from_=from_)
    for sent in (menu_number(runtime, "complaint.menu_label"), "1", "1", "1", description, "lanjut", "1", name):
        whatsapp.send(sent, from_=from_)
    answer = whatsapp.send("1", from_=from_)
    assert answer.status == 200
    with runtime.db.session() as s:
        return s.scalars(select(Complaint.ticket).where(Complaint.phone == from_).order_by(Complaint.id.desc())).first()


def two_citizens(whatsapp, runtime, standin, citizen: str = CITIZEN) -> dict:
    register(whatsapp, runtime, standin, from_=citizen, name=NAME)
    ticket = file_complaint(whatsapp, runtime, citizen, NAME, "Antrean di loket PTSP lama sekali tanpa nomor antrean.")
    register(whatsapp, runtime, standin, from_=OTHER, name=OTHER_NAME, host="kajari")
    other_ticket = file_complaint(whatsapp, runtime, OTHER, OTHER_NAME, "Petugas parkir meminta uang tanpa karcis.")
    by_phone = {v.citizen_phone: v for v in visits(runtime)}
    return {"code": by_phone[citizen].code, "ticket": ticket, "other_code": by_phone[OTHER].code,
            "other_ticket": other_ticket}


def scan(runtime, *needles: str) -> list[tuple[str, str]]:
    """Every (table, row) of the database whose text holds one of the needles."""
    hits = []
    with runtime.db.session() as s:
        for table in Base.metadata.sorted_tables:
            for row in s.execute(table.select()).mappings():
                text = json.dumps({k: str(v) for k, v in row.items()}, ensure_ascii=False)
                if any(n.lower() in text.lower() for n in needles):
                    hits.append((table.name, text))
    return hits


def test_my_data_lists_only_this_citizens_records(whatsapp, runtime, standin):
    held = two_citizens(whatsapp, runtime, standin)
    answer = whatsapp.send("data saya")
    assert answer.status == 200
    text = answer.text
    assert "*Data Anda di Kejaksaan Negeri Klungkung*" in text
    assert held["code"] in text and held["ticket"] in text and NAME in text
    assert "Kunjungan* (1)" in text and "Pengaduan* (1)" in text and "menunggu jawaban pegawai" in text
    assert "*Foto*: ada" in text and "365 hari" in text and "1825 hari setelah ditutup" in text
    assert "Kunjungan (buku tamu): diberikan" in text
    assert NIK not in text and NIK_MASKED in text
    assert held["other_code"] not in text and held["other_ticket"] not in text and OTHER_NAME not in text
    assert "Ref: PDP-" in text
    with runtime.db.session() as s:
        assert [r.kind for r in s.scalars(select(RightsRequest))] == ["access"]
    # The other citizen asks in English and sees only theirs.
    whatsapp.send("english", from_=OTHER)
    other = whatsapp.send("my data", from_=OTHER).text
    assert "*Your data at" in other and held["other_code"] in other and held["code"] not in other
    assert NAME not in other


def test_my_data_from_any_step_returns_to_that_step(whatsapp, runtime, standin):
    whatsapp.send("halo")
    whatsapp.send(menu_number(runtime, "complaint.menu_label"))
    answer = whatsapp.send("Data saya")
    assert "Kunjungan* (0)" in answer.text and "Pengaduan* (0)" in answer.text
    assert "*Foto*: tidak ada" in answer.text


def test_a_whatsapp_user_id_sees_its_own_data(whatsapp, runtime, standin):
    held = two_citizens(whatsapp, runtime, standin, citizen=USER_ID)
    text = whatsapp.send("data saya", from_=USER_ID).text
    assert held["code"] in text, text
    assert held["ticket"] in text, text
    assert held["other_code"] not in text and OTHER_NAME not in text


def test_delete_my_data_erases_at_once_and_keeps_the_complaint_anonymised(whatsapp, runtime, standin, work):
    held = two_citizens(whatsapp, runtime, standin)
    before = {table for table, _ in scan(runtime, NAME, CITIZEN[1:])}
    assert {"visits", "complaints", "conversations", "inbound_messages", "outbound_messages", "consents"} <= before
    # In the middle of a new complaint, a photo sent already: the request works from any step.
    whatsapp.send("menu")
    for sent in (menu_number(runtime, "complaint.menu_label"), "1", "1", "1"):
        whatsapp.send(sent)
    whatsapp.send("", media=(("https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM9/Media/ME9", "image/jpeg"),))
    with runtime.db.session() as s:
        assert len(s.scalars(select(ComplaintAttachment).where(ComplaintAttachment.complaint_id.is_(None))).all()) == 1
    explain = whatsapp.send("hapus data saya").text
    assert "*dihapus*" in explain and "*dibatalkan*" in explain and "tanpa identitas" in explain
    assert "1. Ya, lanjutkan" in explain and "2. Tidak, batalkan" in explain
    receipt = whatsapp.send("1").text
    assert "*telah dihapus*" in receipt and "Nomor tanda terima: *PDP-" in receipt
    reference = receipt.split("*PDP-")[1].split("*")[0]

    # The visit ahead was cancelled through the visit service, and its host told (without the name).
    cancelled = outbox_to(runtime, KASI_INTEL, "visit_cancelled")
    assert len(cancelled) == 1 and held["code"] in cancelled[0].body and NAME not in cancelled[0].body
    with runtime.db.session() as s:
        complaint = s.scalars(select(Complaint).where(Complaint.ticket == held["ticket"])).one()
        assert complaint.status == "received" and complaint.anonymous and complaint.reporter_name is None
        assert complaint.phone == "" and "Antrean di loket PTSP" in complaint.description
        request = s.scalars(select(RightsRequest).where(RightsRequest.kind == "erasure")).one()
        assert request.reference == f"PDP-{reference}" and request.channel == "whatsapp"
        assert request.counts["visits_cancelled"] == 1 and request.counts["complaints_anonymised"] == 1
        assert s.scalars(select(Consent).where(Consent.phone == CITIZEN)).all() == []
    assert [v.citizen_phone for v in visits(runtime)] == [OTHER]  # the other citizen's visit stays
    with runtime.db.session() as s:
        assert s.scalars(select(ComplaintAttachment).where(ComplaintAttachment.complaint_id.is_(None))).all() == []
    work()  # the host's notice goes out
    assert outbox_to(runtime, KASI_INTEL, "visit_cancelled")[0].status != "pending"

    # Nothing in any table names the citizen or holds their number, in any of its written forms.
    assert scan(runtime, NAME, CITIZEN[1:], "0" + CITIZEN[3:]) == []
    assert scan(runtime, OTHER_NAME, OTHER[1:])  # the other citizen's records are untouched
    # They may come back: a new conversation, nothing of the old one.
    again = whatsapp.send("data saya").text
    assert "Kunjungan* (0)" in again and "Pengaduan* (0)" in again and held["ticket"] not in again


def test_delete_my_data_answered_no_keeps_everything(whatsapp, runtime, standin):
    held = two_citizens(whatsapp, runtime, standin)
    whatsapp.send("delete my data")
    answer = whatsapp.send("tidak").text
    assert "tidak ada yang diubah" in answer
    assert held["code"] in whatsapp.send("data saya").text
    assert outbox_to(runtime, KASI_INTEL, "visit_cancelled") == []


def test_withdraw_consent_cancels_visits_ahead_and_records_the_withdrawal(whatsapp, runtime, standin):
    held = two_citizens(whatsapp, runtime, standin)
    explain = whatsapp.send("tarik persetujuan").text
    assert "*Tarik persetujuan" in explain and "1. Ya, lanjutkan" in explain
    done = whatsapp.send("1").text
    assert "*telah ditarik*" in done and "PDP-" in done
    with runtime.db.session() as s:
        withdrawals = s.scalars(select(Consent).where(Consent.phone == CITIZEN, Consent.accepted.is_(False))).all()
        assert sorted(c.purpose for c in withdrawals) == ["complaint", "visit"]
        mine = s.scalars(select(Visit).where(Visit.code == held["code"])).one()
        theirs = s.scalars(select(Visit).where(Visit.code == held["other_code"])).one()
        assert mine.status == "cancelled" and theirs.status == "awaiting_host"
        complaint = s.scalars(select(Complaint).where(Complaint.ticket == held["ticket"])).one()
        assert complaint.reporter_name is None and complaint.anonymous
        assert s.scalars(select(RightsRequest.kind)).all() == ["withdrawal"]
    assert len(outbox_to(runtime, KASI_INTEL, "visit_cancelled")) == 1
    text = whatsapp.send("data saya").text
    assert "Kunjungan (buku tamu): ditarik" in text and "Pengaduan* (0)" in text


def test_a_reply_not_understood_asks_again(whatsapp, runtime):
    whatsapp.send("halo")
    whatsapp.send("hapus data saya")
    answer = whatsapp.send("mungkin").text
    assert "1. Ya, lanjutkan" in answer
    with runtime.db.session() as s:
        assert s.scalars(select(OutboundMessage).where(OutboundMessage.kind == "visit_cancelled")).all() == []


# -- retention ---------------------------------------------------------------------------------------
def test_the_daily_purge_removes_what_is_past_its_period_and_is_idempotent(whatsapp, runtime, frozen_clock):
    from datetime import timedelta

    from bot.models import Conversation, InboundMessage
    from bot.models.survey import SurveyInvitation
    from bot.rights.jobs import purge_personal_data

    start = frozen_clock.now()
    closed = file_complaint(whatsapp, runtime, CITIZEN, NAME, "Antrean di loket PTSP lama sekali tanpa nomor antrean.")
    still_open = file_complaint(whatsapp, runtime, OTHER, OTHER_NAME, "Petugas parkir meminta uang tanpa karcis.")
    with runtime.db.session() as s:
        complaint = s.scalars(select(Complaint).where(Complaint.ticket == closed)).one()
        complaint.status, complaint.closed_at = "closed", start
        s.add_all([  # written before answers were anonymised at once: still holding the address
            SurveyInvitation(office="kejari-klungkung", phone=CITIZEN, event_kind="inquiry",
                             event_ref=f"{CITIZEN}:svc:2026-11-23", status="completed", expires_at=start),
            SurveyInvitation(office="kejari-klungkung", phone=OTHER, event_kind="complaint", event_ref=still_open,
                             status="offered", expires_at=start + timedelta(hours=72))])
        s.commit()
    assert purge_personal_data() == {"survey_invitations_anonymised": 1}  # nothing else is due yet

    frozen_clock.advance(days=366)
    whatsapp.send("halo", from_="+6281234500777")  # a conversation of today stays
    first = purge_personal_data()
    assert first["inbound_deleted"] >= 20 and first["outbound_deleted"] >= 20
    assert first["conversations_deleted"] == 2 and first["survey_invitations_anonymised"] == 1
    assert "complaints_deleted" not in first
    assert purge_personal_data() == {}  # idempotent
    with runtime.db.session() as s:
        assert s.scalars(select(Conversation.phone)).all() == ["+6281234500777"]
        assert {m.from_number for m in s.scalars(select(InboundMessage))} == {"+6281234500777"}
        assert sorted(s.scalars(select(Complaint.ticket))) == sorted([closed, still_open])
        assert s.scalars(select(SurveyInvitation.phone)).all() == ["", ""]
        assert "+62" not in "".join(s.scalars(select(SurveyInvitation.event_ref)))
    # Only the closed complaint (kept five years after closing) still knows the number.
    assert {table for table, _ in scan(runtime, CITIZEN[1:])} == {"complaints"}

    frozen_clock.advance(days=5 * 365)
    assert purge_personal_data()["complaints_deleted"] == 1
    with runtime.db.session() as s:
        assert s.scalars(select(Complaint.ticket)).all() == [still_open]  # not closed: never purged
    assert purge_personal_data() == {}
