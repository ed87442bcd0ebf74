"""A busy Monday at Kejari Klungkung for the layout tests: long Balinese names, long complaints with an
unbroken link, many rows in every list (guests at each stage, citizens waiting for an officer, complaints
on time and overdue, held and failed notices, survey answers, staff accounts).

The citizen-facing records go through the real parts (the signed webhook, the complaint service, the
survey service, the desk's walk-in); the rest of the guest book is written as rows, as the desk's later
steps would leave them, so that a test gets thirty guests in seconds."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from bot import clock, handoff, statuses
from bot.complaints import service as complaints
from bot.models.handoff import Handoff
from bot.models.visits import Employee, Visit
from bot.survey import ikm
from bot.survey import service as survey
from bot.visits import model, queries
from tests.support.dashboard import OFFICE, make_user
from tests.support.visits import KASI_INTEL, KASI_PIDUM, register, visits

NAMES = ["Ni Luh Putu Ayu Kusumawati Dewi Sukmawati", "I Gusti Ngurah Bagus Wiryawan Mahendra Putra",
         "Anak Agung Istri Mas Ratih Pramesti Wulandari", "Cokorda Gde Oka Sudarsana Wijaya Kusuma",
         "Dewa Ayu Made Sri Wahyuni Kartika Sari", "Komang Adi Wirawan", "Ketut Sudiarta", "Siti Aminah"]
PURPOSES = ["Konsultasi hukum tentang sengketa tanah warisan keluarga di Desa Tihingan yang belum selesai "
            "sejak tahun 2019 dan sudah dilaporkan ke kepolisian",
            "Menyerahkan berkas permohonan informasi publik", "Bertemu kasi intel", "Koordinasi barang bukti"]
LINK = "https://lapor.go.id/laporan/detil/pengaduan-pelayanan-publik-kejaksaan-negeri-klungkung-2026-11-23-000123"
COMPLAINT = ("Saya sudah tiga kali datang ke loket PTSP untuk menanyakan perkembangan perkara ayah saya, tetapi "
             "setiap kali diminta kembali minggu depan tanpa penjelasan yang jelas. Antrean sangat lama, ruang "
             "tunggu panas, dan petugas tidak memberikan nomor antrean. Mohon ditindaklanjuti. Bukti foto dan "
             f"kronologi lengkap sudah saya unggah di {LINK} ") * 2
ASKERS = [f"+62812987000{n:02d}" for n in range(10, 17)]


@dataclass
class Day:
    """The ids a page needs in its URL."""

    visit: int
    conversation: int
    complaint: int
    handoff: int
    employee: int
    user: int
    outbox: int


def _visit(session, base: Visit, n: int, moment, *, stage: str) -> Visit:
    scheduled = moment - timedelta(hours=1) + timedelta(minutes=20 * n)
    visit = Visit(office=OFFICE, code=queries.free_code(session, OFFICE), citizen_phone=f"+6281234501{n:03d}",
                  name=NAMES[n % len(NAMES)], id_type="ktp", id_masked=f"5171********{n:04d}",
                  id_hash=f"{n:064d}", purpose=PURPOSES[n % len(PURPOSES)], host_employee_id=base.host_employee_id,
                  host_name=base.host_name, host_phone=base.host_phone, unit=base.unit, scheduled_at=scheduled,
                  status=model.AWAITING_HOST, walk_in=n % 5 == 0, created_at=moment - timedelta(days=1))
    if stage in ("waiting", "with_host", "done"):
        visit.checked_in_at, visit.checked_in_by = scheduled + timedelta(minutes=3), "desk.ayu"
        visit.badge_number, visit.locker_key = f"TAMU-{100 + n}", f"L-{n}"
        visit.id_held_type, visit.id_held_last4 = "ktp", f"{n:04d}"
    if stage in ("with_host", "done"):
        visit.status, visit.host_answer, visit.answered_at = model.ACCEPTED, "accept", scheduled + timedelta(minutes=5)
    if stage == "done":
        visit.checked_out_at, visit.checked_out_by = scheduled + timedelta(minutes=40), "desk.ayu"
        visit.id_returned_at = visit.checked_out_at
    if stage == "declined":
        visit.status, visit.host_answer = model.DECLINED, "decline"
        visit.host_reason = "Sedang sidang di Pengadilan Negeri Semarapura sampai sore, mohon datang besok pagi"
    session.add(visit)
    return visit


def seed(runtime, whatsapp, standin, work, frozen_clock) -> Day:
    moment = clock.now()
    # One registration through WhatsApp, with the guest's photo fetched by the worker.
    register(whatsapp, runtime, standin, when="hari ini jam 14", name=NAMES[0])
    work()
    [first] = visits(runtime)
    with runtime.db.session() as s:
        base = s.get(Visit, first.id)
        stages = ["expected"] * 8 + ["waiting"] * 6 + ["with_host"] * 6 + ["done"] * 8 + ["declined"] * 2
        for n, stage in enumerate(stages, start=1):
            _visit(s, base, n, moment, stage=stage)
        base.escalated_at = moment - timedelta(minutes=12)  # the host never answered: the desk calls
        s.commit()

    # Citizens asking for an officer, one with a very long WhatsApp name and an unbroken link.
    for n, number in enumerate(ASKERS):
        whatsapp.send(f"Mohon bantuan petugas, tautan laporan saya {LINK}", from_=number,
                      profile=f"{NAMES[n % len(NAMES)]} (Keluarga Besar Puri Agung Klungkung)")
        whatsapp.send("petugas", from_=number, profile=NAMES[n % len(NAMES)])
        frozen_clock.advance(minutes=3)
    with runtime.db.session() as s:
        requests = list(s.scalars(select(Handoff.id).where(Handoff.office == OFFICE).order_by(Handoff.id)))
    for taken in requests[:2]:
        handoff.take(runtime, taken, "desk.ayu")

    # Complaints: a week and a half old (overdue), from last week, and from this morning.
    office = runtime.offices.get(OFFICE)
    filed = []
    for n, (days_ago, category) in enumerate([(10, "service"), (10, "conduct"), (6, "service"), (5, "other"),
                                               (2, "service"), (0, "conduct"), (0, "service"), (0, "other")]):
        frozen_clock.set(moment - timedelta(days=days_ago, hours=n % 3))
        with runtime.db.session() as s:
            done = complaints.file_complaint(
                s, runtime.outbox, office,
                complaints.Draft(category=category, description=COMPLAINT, confidential=n == 3,
                                 subject_text="Pelayanan informasi perkara tindak pidana umum di loket PTSP lantai "
                                              "satu gedung utama" if n % 2 else None,
                                 subject_unit="pidum" if n % 2 == 0 else None, reporter_name=NAMES[n % len(NAMES)]),
                phone=f"+6281234502{n:03d}", conversation_id=None, msgs=runtime.messages, config=runtime.config)
            s.commit()
            filed.append(done.complaint.id)
    frozen_clock.set(moment + timedelta(minutes=3 * len(ASKERS)))

    # Notices that did not reach their person: held for a template, failed with Twilio's codes.
    with runtime.db.session() as s:
        problems = []
        for n, (to, kind, status, code) in enumerate([
                (KASI_INTEL, "host_notice", statuses.HELD, "template_pending"),
                (KASI_PIDUM, "guest_arrived", statuses.FAILED, "63016"),
                ("+6281234500077", "visit_reminder", statuses.FAILED, "63024"),
                ("+6281234500078", "complaint_update", statuses.HELD, "no_template"),
                ("+6281234500079", "survey_invite", "undelivered", "30008")]):
            [row] = runtime.outbox.record_notice(s, office=office, to=to, body=f"Pemberitahuan {n} {LINK}", kind=kind)
            row.status, row.error_code = status, code
            problems.append(row)
        s.commit()
        outbox = problems[0].id

    # Survey answers, one with a long suggestion.
    with runtime.db.session() as s:
        for n in range(6):
            invitation = survey.offer_survey(s, runtime.outbox, office, phone=f"+6281234503{n:03d}",
                                             event_kind="inquiry", event_ref=f"busy:{n}", msgs=runtime.messages,
                                             config=runtime.config)
            survey.save(s, invitation.id, answers=dict.fromkeys(ikm.ELEMENTS, 3 + n % 2),
                        suggestion=COMPLAINT[:400] if n == 0 else None, complete=True)
        s.commit()

    with runtime.db.session() as s:
        employee = s.scalar(select(Employee.id).where(Employee.office == OFFICE).order_by(Employee.id))
    user = make_user(runtime, "petugas.ptsp.klungkung", "desk", OFFICE,
                     display_name="Ni Kadek Ayu Puspita Dewi Maharani (PTSP Kejari Klungkung)").id
    return Day(visit=first.id, conversation=first.conversation_id or 0, complaint=filed[0], handoff=requests[-1],
               employee=employee, user=user, outbox=outbox)

