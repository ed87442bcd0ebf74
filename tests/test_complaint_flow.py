"""Complaints on WhatsApp, as transcripts: filing with media, the ticket, status, free text, intel, pungli."""

from __future__ import annotations

import re

from sqlalchemy import select

from bot.i18n import Messages
from bot.models import OutboundMessage
from bot.models.complaints import Complaint, ComplaintAttachment, ComplaintEvent
from config.settings import CONFIG_DIR

M = Messages(CONFIG_DIR)
OTHER = "+6281234500999"


def t(key: str, lang: str = "id", **values) -> str:
    return M.text(lang, key, office="Kejaksaan Negeri Klungkung", **values)


def converse(whatsapp, script, **kwargs):
    for sent, expected, *absent in script:
        media = ()
        if isinstance(sent, tuple):
            sent, media = sent
        answer = whatsapp.send(sent, media=media, **kwargs)
        assert answer.status == 200, sent
        for fragment in expected:
            assert fragment in answer.text, f"{sent!r}: {fragment!r} not in {answer.text!r}"
        for fragment in absent[0] if absent else []:
            assert fragment not in answer.text, f"{sent!r}: {fragment!r} unexpectedly in answer"


def menu_number(runtime, label_key: str) -> str:
    keys = [e.label_key for e in runtime.registry.menu_entries()]
    return str(keys.index(label_key) + 1)


def receipts(runtime) -> list[OutboundMessage]:
    with runtime.db.session() as s:
        return list(s.scalars(select(OutboundMessage).where(OutboundMessage.kind == "complaint_receipt")))


PHOTO = ("https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM1/Media/ME1", "image/jpeg")
PDF = ("https://api.twilio.com/2010-04-01/Accounts/AC0/Messages/MM2/Media/ME2", "application/pdf")


def file_service_complaint(whatsapp, runtime):
    converse(whatsapp, [
        ("halo", ["*Menu utama*", t("complaint.menu_label")]),
        (menu_number(runtime, "complaint.menu_label"), ["*tidak dipungut biaya*", "1. Kualitas pelayanan",
                                                        "3. Laporan untuk Seksi Intelijen"]),
        ("1", ["*Persetujuan data pribadi*"]),
        ("1", ["Layanan atau unit mana", "1. Pelayanan Terpadu Satu Pintu (PTSP)"]),
        ("1", ["*uraian pengaduan*"]),
        (("", (PHOTO,)), [t("complaint.media_then_text")]),
        ("Antrean di loket PTSP sangat lama dan tidak ada nomor antrean pada 20 November.",
         ["*lanjut*", "(1 lampiran)"]),
        (("", (PDF,)), ["(2 lampiran)"]),
        ("lanjut", ["Bagaimana identitas Anda", "3. Boleh diketahui"]),
        ("1", ["*nama lengkap*"]),
        ("Ni Made Ayu", ["*Ringkasan pengaduan*", "Pelayanan Terpadu Satu Pintu", "Lampiran: 2", "Ni Made Ayu"]),
        ("1", [t("complaint.filed").split("*")[0]]),
    ])


def test_file_a_complaint_with_media_gets_a_ticket_through_the_outbox(whatsapp, runtime, frozen_clock):
    file_service_complaint(whatsapp, runtime)
    with runtime.db.session() as s:
        complaint = s.scalars(select(Complaint)).one()
        media = [a.url for a in s.scalars(select(ComplaintAttachment).where(
            ComplaintAttachment.complaint_id == complaint.id).order_by(ComplaintAttachment.id))]
        events = list(s.scalars(select(ComplaintEvent)))
    assert complaint.ticket == "KLK-2026-000001"
    assert complaint.category == "service" and complaint.subject_unit == "ptsp"
    assert complaint.confidential and not complaint.anonymous and complaint.reporter_name == "Ni Made Ayu"
    assert complaint.consent_at is not None and complaint.phone == "+6281234500001"
    assert "Antrean di loket PTSP" in complaint.description
    assert media == [PHOTO[0], PDF[0]]
    assert [(e.kind, e.to_status, e.actor) for e in events] == [("status", "received", "citizen")]
    [receipt] = receipts(runtime)
    assert "KLK-2026-000001" in receipt.body and "status KLK-2026-000001" in receipt.body
    assert "lapor.go.id" in receipt.body and "kejari.klungkung@kejaksaan.go.id" in receipt.body
    assert "*tidak dipungut biaya*" in receipt.body
    assert receipt.channel == "rest" and receipt.status == "pending"
    assert runtime.outbox.queue.count == 1


def test_status_from_any_step_only_for_the_filing_number(whatsapp, runtime):
    file_service_complaint(whatsapp, runtime)
    converse(whatsapp, [
        ("status klk-2026-000001", ["*Pengaduan KLK-2026-000001*", "Status: *Diterima*", "WITA",
                                    "Kualitas pelayanan"]),
        ("mau lapor", ["Pengaduan Anda terkait apa?"]),
        ("2", ["*Persetujuan data pribadi*"]),
        # from inside the complaint flow: the status, then the same step again
        ("status KLK-2026-000001", ["Status: *Diterima*", "*Persetujuan data pribadi*"]),
        ("menu", ["*Menu utama*"]),
        (menu_number(runtime, "complaint.status_menu_label"), ["*nomor tiket*", "• KLK-2026-000001: Diterima"]),
        ("KLK-2026-000001", ["Status: *Diterima*", "Ketik *menu*"]),
    ])
    other = whatsapp.send("status KLK-2026-000001", from_=OTHER)
    assert "tidak kami temukan" in other.text and "Diterima" not in other.text
    unknown = whatsapp.send("status KLK-2026-000999")
    assert "tidak kami temukan" in unknown.text


def test_free_text_starts_a_complaint_only_at_the_main_menu(whatsapp, runtime):
    converse(whatsapp, [
        ("halo", ["*Menu utama*"]),
        ("Saya mau lapor", ["Pengaduan Anda terkait apa?"]),
        ("5", ["*Persetujuan data pribadi*"]),
        ("1", ["Layanan atau unit mana"]),
        # inside the flow, "pengaduan" is an answer, not a new start
        ("pengaduan", ["*uraian pengaduan*"], ["Pengaduan Anda terkait apa?"]),
    ])


def test_lapor_pungli_is_confidential_by_default(whatsapp, runtime):
    converse(whatsapp, [
        ("lapor pungli", ["*pungutan liar atau gratifikasi*", "*tidak dipungut biaya*", "*Persetujuan data pribadi*"]),
        ("1", ["Layanan atau unit mana"]),
        ("Pengambilan barang bukti", ["*uraian pengaduan*"]),
        ("Petugas meminta uang Rp200.000 untuk pengembalian barang bukti.", ["*lanjut*"]),
        ("lanjut", ["1. Dirahasiakan", "2. Anonim", t("complaint.identity.pungli_note")], ["3. Boleh"]),
        ("2", ["*Ringkasan pengaduan*", "Pungutan liar", "Nama: -"]),
        ("1", ["Nomor tiket"]),
    ])
    with runtime.db.session() as s:
        complaint = s.scalars(select(Complaint)).one()
    assert complaint.category == "pungli" and complaint.confidential and complaint.anonymous
    assert complaint.reporter_name is None and complaint.subject_text == "Pengambilan barang bukti"


def test_intelligence_report_must_be_written_and_contact_is_recorded(whatsapp, runtime):
    converse(whatsapp, [
        ("pengaduan", ["Pengaduan Anda terkait apa?"]),
        ("3", ["*wajib disampaikan secara tertulis*", "Jl. Gajah Mada No. 56", "kejari.klungkung@kejaksaan.go.id"]),
        ("1", ["*Persetujuan data pribadi*"]),
        ("1", ["*nama lengkap*"]),
        ("I Wayan Sudana", ["Seksi Intelijen menghubungi Anda", "I Wayan Sudana"]),
        ("1", ["Nomor tiket"]),
    ])
    with runtime.db.session() as s:
        complaint = s.scalars(select(Complaint)).one()
    assert complaint.category == "intelligence" and complaint.subject_unit == "intelijen"
    assert complaint.confidential and complaint.reporter_name == "I Wayan Sudana"
    [receipt] = receipts(runtime)
    assert "*secara tertulis*" in receipt.body and complaint.ticket in receipt.body


def test_declined_consent_records_nothing_and_names_the_channels(whatsapp, runtime):
    converse(whatsapp, [
        ("pengaduan", ["Pengaduan Anda terkait apa?"]),
        ("1", ["*Persetujuan data pribadi*"]),
        ("2", ["tidak mencatat data Anda", "lapor.go.id", "081339151776"]),
    ])
    with runtime.db.session() as s:
        assert s.scalars(select(Complaint)).first() is None


def test_setda_has_no_intelligence_category_and_its_own_ticket_code(whatsapp, runtime):
    answer = whatsapp.send("pengaduan", office="setda-klungkung")
    assert "Seksi Intelijen" not in answer.text and "4. Lainnya" in answer.text
    for text in ("1", "1", "2", "Surat keterangan belum selesai setelah dua minggu.", "lanjut", "3", "Komang"):
        whatsapp.send(text, office="setda-klungkung")
    whatsapp.send("1", office="setda-klungkung")
    [receipt] = receipts(runtime)
    assert re.search(r"\*SKL-2026-000001\*", receipt.body)


def test_english_conversation_gets_english_receipt(whatsapp, runtime):
    whatsapp.send("english")
    converse(whatsapp, [
        ("complaint", ["What is your complaint about?"]),
        ("2", ["*Consent to personal data*"]),
        ("1", ["Which service or unit"]),
        ("The front desk", ["*describe*"]),
        ("The officer at the front desk was rude to me.", ["type *next*"]),
        ("next", ["How should we handle your identity?"]),
        ("2", ["*Your complaint*"]),
        ("1", ["ticket number"]),
    ])
    [receipt] = receipts(runtime)
    assert "*Complaint received*" in receipt.body


def test_long_texts_fit_one_whatsapp_message_for_every_office(runtime):
    from bot.complaints.text import channels

    for office in runtime.offices:
        for lang in ("id", "en"):
            values = {"office": office.name, "channels": channels(office), "ticket": f"{office.code}-2026-000001"}
            for key in ("complaint.notice.receipt", "complaint.notice.intel_receipt", "complaint.consent_declined"):
                assert len(M.text(lang, key, **values)) <= 1600, (office.slug, key)
            info = M.text(lang, "complaint.intel.info", office=office.name, address=office.address, email="")
            units = "\n".join(u.name for u in office.units)
            assert len(info) <= 1600 and len(M.text(lang, "complaint.ask_subject", office="", units=units)) <= 1600
