"""The desk sees what really became of each host notice (issue 21 §2): the guest book shows a held notice
as held with its reason and the host's number, check-in, walk-in and "remind" say whether WhatsApp will
carry the message, and /dashboard/messages lists the office's held and failed messages with "send again"
and "handled by phone", office-scoped, complaint messages for complaint handlers only, CSRF, audited."""

from __future__ import annotations

import io
import re

import pytest
from sqlalchemy import select

from bot import statuses
from bot.models import Conversation, OutboundMessage
from bot.models.staff import AuditEvent
from bot.models.visits import Employee, Visit
from bot.visits import jobs
from bot.whatsapp import service
from tests.support.dashboard import OTHER_OFFICE, signed_in
from tests.support.visits import KASI_INTEL, OFFICE, guestbook_config, outbox_to, register, visits

REPORTER = "+6281234500077"


@pytest.fixture
def config(config, tmp_path, standin):
    guestbook_config(config, tmp_path)
    config.TWILIO_CONTENT_API_URL = standin.url
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


@pytest.fixture
def visit(runtime, whatsapp, standin, work) -> Visit:
    """Registered for today 14.00 WITA; the Kasi Intel never wrote to the office and no template was
    synced, so the host notice is held as `no_template`."""
    register(whatsapp, runtime, standin, when="hari ini jam 14")
    work()
    [row] = visits(runtime)
    assert _row(runtime, row.host_notice_outbox_id).error_code == statuses.NO_TEMPLATE
    return row


def _row(runtime, outbox_id: int) -> OutboundMessage:
    with runtime.db.session() as s:
        return s.get(OutboundMessage, outbox_id)


def _visit(runtime, visit_id: int) -> Visit:
    with runtime.db.session() as s:
        return s.get(Visit, visit_id)


def _audits(runtime, action: str) -> list[AuditEvent]:
    with runtime.db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def _open_window(runtime, number: str) -> None:
    """The person wrote to the office a moment ago (without the inbound's own release of held rows)."""
    from bot.clock import now

    with runtime.db.session() as s:
        s.add(Conversation(office=OFFICE, phone=number, lang="id", state={}, version=0, last_inbound_at=now()))
        s.commit()


def _flashes(html: str) -> list[tuple[str, str]]:
    return re.findall(r'<p class="flash flash-(\w+)" role="status">(.*?)</p>', html, re.S)


def _row_html(page: str, outbox_id: int) -> str:
    return page.split(f'data-message="{outbox_id}"')[1].split("</tr>")[0]


def _check_in(member, visit_id: int):
    return member.post(f"/dashboard/guestbook/visit/{visit_id}/check-in",
                       {"badge": "T-07", "locker": "", "id_type": "ktp", "id_last4": "0001"})


# -- the guest book --------------------------------------------------------------------------------
def test_guest_book_shows_a_notice_pending_approval_as_held_with_the_hosts_number(app, runtime, whatsapp,
                                                                                   standin, work):
    standin.auto_approve = False
    assert service.run_sync(runtime).ok  # templates submitted, WhatsApp has not approved them yet
    register(whatsapp, runtime, standin, when="hari ini jam 14")
    work()
    [visit] = visits(runtime)
    assert _row(runtime, visit.host_notice_outbox_id).error_code == statuses.TEMPLATE_PENDING
    member = signed_in(app, runtime, "desk1", "desk")
    page = member.get("/dashboard/guestbook").get_data(as_text=True)
    expected = page.split('id="group-expected-kejari-klungkung"')[1].split("</table>")[0]
    assert "Tertahan: template WhatsApp belum disetujui" in expected and "Belum menjawab" not in expected
    assert f'href="tel:{KASI_INTEL}"' in expected and 'href="/dashboard/messages"' in expected
    # The escalation list and the visit page say the same.
    assert jobs.host_followup(visit.id, 1, "escalate") == "escalated"
    page = member.get("/dashboard/guestbook").get_data(as_text=True)
    assert "template WhatsApp belum disetujui" in page.split('id="escalation-list"')[1].split("</table>")[0]
    detail = member.get(f"/dashboard/guestbook/visit/{visit.id}").get_data(as_text=True)
    answer = detail.split('id="visit-answer"')[1].split("</dd>")[0]
    assert "Tertahan: template WhatsApp belum disetujui" in answer and "Belum menjawab" not in answer
    assert 'data-reach="held"' in detail.split('id="host-messages"')[1].split("</ul>")[0]


def test_a_notice_that_reached_the_host_still_reads_not_answered_with_its_state(app, runtime, whatsapp, standin,
                                                                                 work):
    _open_window(runtime, KASI_INTEL)
    register(whatsapp, runtime, standin, when="hari ini jam 14")
    work()
    [visit] = visits(runtime)
    member = signed_in(app, runtime, "desk1", "desk")
    page = member.get("/dashboard/guestbook").get_data(as_text=True)
    expected = page.split('id="group-expected-kejari-klungkung"')[1].split("</table>")[0]
    assert "Belum menjawab" in expected and "Tertahan" not in expected
    assert 'data-reach="sent"' in expected or 'data-reach="sending"' in expected
    runtime.outbox.apply_status(_row(runtime, visit.host_notice_outbox_id).twilio_sid, "read", None, None)
    page = member.get("/dashboard/guestbook").get_data(as_text=True)
    assert "Belum menjawab · " in page and "Sudah dibaca" in page
    # The host's answer shows when there is one.
    whatsapp.send("1", from_=KASI_INTEL)
    page = member.get("/dashboard/guestbook").get_data(as_text=True)
    expected = page.split('id="group-expected-kejari-klungkung"')[1].split("</table>")[0]
    assert "Diterima" in expected and "Sudah dibaca" not in expected


def test_check_in_warns_with_the_reason_and_the_number_when_the_notice_will_be_held(app, runtime, visit):
    member = signed_in(app, runtime, "desk1", "desk")
    _check_in(member, visit.id)
    [arrived] = outbox_to(runtime, KASI_INTEL, "guest_arrived")
    assert arrived.status == statuses.PENDING  # not sent yet: foreseen at the moment of the check-in
    flashes = _flashes(member.get(f"/dashboard/guestbook/visit/{visit.id}").get_data(as_text=True))
    assert flashes[0][0] == "success" and "sudah check-in" in flashes[0][1]
    assert "sedang dikirim" not in " ".join(text for _, text in flashes)
    [(category, warning)] = flashes[1:]
    assert category == "warning" and "tertahan: template WhatsApp belum dibuat" in warning
    assert "Ni Luh Putu Ayu Lestari" in warning and KASI_INTEL in warning
    [audit] = _audits(runtime, "check_in")
    assert audit.detail["notice"] == "held"


def test_check_in_says_sent_only_when_whatsapp_will_carry_it(app, runtime, visit):
    _open_window(runtime, KASI_INTEL)
    member = signed_in(app, runtime, "desk1", "desk")
    _check_in(member, visit.id)
    flashes = _flashes(member.get(f"/dashboard/guestbook/visit/{visit.id}").get_data(as_text=True))
    assert flashes == [("success", f"Tamu {visit.code} sudah check-in. Pemberitahuan kepada pegawai sedang "
                                   "dikirim lewat WhatsApp.")]


def test_remind_and_walk_in_warn_too(app, runtime, visit):
    assert jobs.host_followup(visit.id, 1, "escalate") == "escalated"
    member = signed_in(app, runtime, "desk1", "desk")
    member.post(f"/dashboard/guestbook/visit/{visit.id}/remind", {"back": "list"})
    flashes = _flashes(member.get("/dashboard/guestbook").get_data(as_text=True))
    assert [c for c, _ in flashes] == ["success", "warning"] and "dicatat" in flashes[0][1]
    assert "Pengingat" in flashes[0][1] and "template WhatsApp belum dibuat" in flashes[1][1]
    assert "sedang dikirim" not in flashes[0][1]

    form = {"consent": "y", "name": "Ni Made Sari", "id_type": "ktp", "id_number": "5171014505850002",
            "phone": "", "purpose": "Mengambil barang bukti", "host": "kasi-intel", "badge": "T-09",
            "csrf_token": member.token("/dashboard/guestbook/walk-in"),
            "photo": (io.BytesIO(b"\xff\xd8\xff\xe0" + b"photo" * 20), "sari.jpg", "image/jpeg")}
    response = member.client.post("/dashboard/guestbook/walk-in", data=form, content_type="multipart/form-data")
    assert response.status_code == 302
    flashes = _flashes(member.get(response.headers["Location"]).get_data(as_text=True))
    assert [c for c, _ in flashes] == ["success", "warning"] and "tertahan" in flashes[1][1]


# -- the messages page -----------------------------------------------------------------------------
@pytest.mark.parametrize(("role", "status"), [("admin", 200), ("desk", 200), ("handler", 200), ("viewer", 403)])
def test_role_matrix(app, runtime, role, status):
    member = signed_in(app, runtime, f"{role}1", role, None if role == "admin" else OFFICE)
    assert member.get("/dashboard/messages").status_code == status
    home = member.get("/dashboard/").get_data(as_text=True)
    assert ('href="/dashboard/messages"' in home) is (status == 200)


def test_signed_out_goes_to_login(client):
    response = client.get("/dashboard/messages")
    assert response.status_code == 302 and "/dashboard/login" in response.headers["Location"]


def test_lists_the_offices_held_notice_with_reason_and_the_employees_number(app, runtime, visit):
    notice = visit.host_notice_outbox_id
    member = signed_in(app, runtime, "desk1", "desk")
    page = member.get("/dashboard/messages").get_data(as_text=True)
    row = _row_html(page, notice)
    assert "Pemberitahuan tamu kepada pegawai" in row and "Ni Luh Putu Ayu Lestari" in row
    assert f'href="tel:{KASI_INTEL}"' in row  # an employee: the desk calls them
    assert "Tertahan: template WhatsApp belum dibuat" in row and "23-11-2026 10:00 WITA" in row
    assert f'/dashboard/guestbook/visit/{visit.id}"' in row and visit.code in row
    assert 'class="small retry"' in row and 'class="small handled"' in row
    [audit] = _audits(runtime, "view")[-1:]
    assert audit.subject_type == "outbound_messages" and audit.detail["results"] >= 1
    # Another office's desk officer sees none of it and cannot act on it.
    other = signed_in(app, runtime, "desk.alor", "desk", OTHER_OFFICE)
    page = other.get("/dashboard/messages").get_data(as_text=True)
    assert f'data-message="{notice}"' not in page and 'id="message-empty"' in page
    assert other.post(f"/dashboard/messages/{notice}/retry").status_code == 404
    assert other.post(f"/dashboard/messages/{notice}/handled").status_code == 404
    assert other.post("/dashboard/messages/999999/retry").status_code == 404
    row = _row(runtime, notice)
    assert (row.status, row.handled_at) == (statuses.HELD, None)


def test_a_citizens_number_is_masked_and_user_text_is_escaped(app, runtime, visit, work):
    with runtime.db.session() as s:
        s.scalar(select(Employee).where(Employee.office == OFFICE, Employee.whatsapp == KASI_INTEL)).name = \
            "<script>alert(1)</script>"
        s.commit()
    office = runtime.offices.get(OFFICE)
    with runtime.db.session() as s:
        [survey] = runtime.outbox.record_notice(s, office=office, to="+6281234509999", body="Survei",
                                                kind="survey_invite", lang="id", template_values={"code": "X"})
        s.commit()
        survey_id = survey.id
    runtime.outbox.enqueue([survey_id])
    work()
    page = signed_in(app, runtime, "desk1", "desk").get("/dashboard/messages").get_data(as_text=True)
    row = _row_html(page, survey_id)
    assert "Warga" in row and "+62*****9999" in row and "+6281234509999" not in page
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_retry_requeues_a_held_notice_and_the_worker_sends_it_once_the_window_is_open(app, runtime, visit,
                                                                                       standin, work):
    notice = visit.host_notice_outbox_id
    member = signed_in(app, runtime, "desk1", "desk")
    # Still no way to reach the host: released, but the desk is told it will be held again.
    member.post(f"/dashboard/messages/{notice}/retry")
    flashes = _flashes(member.get("/dashboard/messages").get_data(as_text=True))
    assert flashes[0][0] == "warning" and "akan tertahan lagi" in flashes[0][1]
    work()
    assert _row(runtime, notice).status == statuses.HELD

    _open_window(runtime, KASI_INTEL)  # the host wrote to the office (the inbound's own release aside)
    response = member.post(f"/dashboard/messages/{notice}/retry")
    assert response.status_code == 302 and response.headers["Location"].endswith("/dashboard/messages")
    row = _row(runtime, notice)
    assert (row.status, row.error_code) == (statuses.PENDING, None)
    page = member.get("/dashboard/messages").get_data(as_text=True)
    assert ("success", "Pesan dikirim ulang lewat WhatsApp.") in _flashes(page)
    assert f'data-message="{notice}"' not in page
    work()
    [sent] = [m for m in standin.messages if m.to == "whatsapp:" + KASI_INTEL]
    assert visit.code in sent.body and _row(runtime, notice).status not in statuses.FAILURES
    audits = _audits(runtime, "message_retry")
    assert [a.subject_id for a in audits] == [str(notice)] * 2 and audits[0].detail["code"] == "no_template"
    # The guest book now reads "not answered yet", no longer held.
    page = member.get("/dashboard/guestbook").get_data(as_text=True)
    assert "Belum menjawab" in page and "Tertahan" not in page


def test_a_failed_notice_shows_twilios_code_and_is_retried(app, runtime, whatsapp, standin, work):
    _open_window(runtime, KASI_INTEL)
    standin.fail_next(1, status=400, code=63003)
    register(whatsapp, runtime, standin, when="hari ini jam 14")
    work()
    [visit] = visits(runtime)
    notice = visit.host_notice_outbox_id
    assert (_row(runtime, notice).status, _row(runtime, notice).error_code) == (statuses.FAILED, "63003")
    member = signed_in(app, runtime, "desk1", "desk")
    page = member.get("/dashboard/guestbook").get_data(as_text=True)
    expected = page.split('id="group-expected-kejari-klungkung"')[1].split("</table>")[0]
    assert "Gagal terkirim: kode Twilio 63003, nomor tidak terdaftar di WhatsApp" in expected
    assert "Belum menjawab" not in expected and f'href="tel:{KASI_INTEL}"' in expected
    row = _row_html(member.get("/dashboard/messages").get_data(as_text=True), notice)
    assert "kode Twilio 63003" in row and 'data-status="failed"' in row
    member.post(f"/dashboard/messages/{notice}/retry")
    assert _row(runtime, notice).status == statuses.PENDING
    work()
    assert _row(runtime, notice).status not in statuses.FAILURES
    [sent] = [m for m in standin.messages if m.to == "whatsapp:" + KASI_INTEL]  # the refused one was not created
    assert visit.code in sent.body


def test_handled_by_phone_leaves_the_list_and_is_never_released(app, runtime, visit, whatsapp, work):
    notice = visit.host_notice_outbox_id
    member = signed_in(app, runtime, "desk1", "desk")
    response = member.post(f"/dashboard/messages/{notice}/handled")
    assert response.status_code == 302
    row = _row(runtime, notice)
    assert row.handled_at is not None and row.handled_by == "desk1" and row.status == statuses.HELD
    page = member.get("/dashboard/messages").get_data(as_text=True)
    assert f'data-message="{notice}"' not in page and "ditangani lewat telepon" in page
    [audit] = _audits(runtime, "message_handled")
    assert audit.subject_id == str(notice) and audit.office == OFFICE
    guestbook = member.get("/dashboard/guestbook").get_data(as_text=True)
    assert "Sudah ditangani lewat telepon (desk1)" in guestbook and "Tertahan" not in guestbook
    # Handled twice, or retried after: refused without change.
    member.post(f"/dashboard/messages/{notice}/retry")
    assert _row(runtime, notice).status == statuses.HELD
    assert len(_audits(runtime, "message_retry")) == 0


def test_posts_without_csrf_are_refused(app, runtime, visit):
    notice = visit.host_notice_outbox_id
    member = signed_in(app, runtime, "desk1", "desk")
    assert member.post(f"/dashboard/messages/{notice}/retry", token=False).status_code == 400
    assert member.post(f"/dashboard/messages/{notice}/handled", token=False).status_code == 400
    row = _row(runtime, notice)
    assert (row.status, row.handled_at) == (statuses.HELD, None)


def test_an_expired_notice_cannot_be_sent_again(app, runtime, visit, frozen_clock):
    notice = visit.host_notice_outbox_id
    frozen_clock.advance(hours=16)  # past midnight WITA: the visit's day is over
    member = signed_in(app, runtime, "desk1", "desk")
    row = _row_html(member.get("/dashboard/messages").get_data(as_text=True), notice)
    assert "Waktunya sudah lewat" in row and 'class="small retry"' not in row and 'class="small handled"' in row
    member.post(f"/dashboard/messages/{notice}/retry")
    assert _row(runtime, notice).status == statuses.HELD
    assert "sudah lewat" in _flashes(member.get("/dashboard/messages").get_data(as_text=True))[0][1]


def test_a_complaint_message_is_shown_only_to_complaint_handlers(app, runtime, visit, work):
    office = runtime.offices.get(OFFICE)
    with runtime.db.session() as s:  # a reporter whose 24 hours are over
        [update] = runtime.outbox.record_notice(s, office=office, to=REPORTER, body="Pengaduan KLK-2026-000001",
                                                kind="complaint_update", lang="id",
                                                template_values={"ticket": "KLK-2026-000001"})
        s.commit()
        complaint_id = update.id
    runtime.outbox.enqueue([complaint_id])
    work()
    assert _row(runtime, complaint_id).status == statuses.HELD
    notice = visit.host_notice_outbox_id

    desk = signed_in(app, runtime, "desk1", "desk")
    page = desk.get("/dashboard/messages").get_data(as_text=True)
    assert f'data-message="{notice}"' in page and f'data-message="{complaint_id}"' not in page
    assert "Pembaruan pengaduan" not in page
    assert desk.post(f"/dashboard/messages/{complaint_id}/retry").status_code == 404
    assert desk.post(f"/dashboard/messages/{complaint_id}/handled").status_code == 404
    assert _row(runtime, complaint_id).handled_at is None

    handler = signed_in(app, runtime, "handler1", "handler")
    page = handler.get("/dashboard/messages").get_data(as_text=True)
    row = _row_html(page, complaint_id)
    assert "Pembaruan pengaduan" in row and "+62*****0077" in row and REPORTER not in page
    assert f'data-message="{notice}"' not in page  # the guest book's messages are the desk's
    assert handler.post(f"/dashboard/messages/{notice}/handled").status_code == 404
    assert handler.post(f"/dashboard/messages/{complaint_id}/handled").status_code == 302
    assert _row(runtime, complaint_id).handled_by == "handler1"

    admin = signed_in(app, runtime, "admin1", "admin", None)
    page = admin.get("/dashboard/messages").get_data(as_text=True)
    assert f'data-message="{notice}"' in page


def test_english_labels(app, runtime, visit):
    member = signed_in(app, runtime, "desk1", "desk")
    member.post("/dashboard/lang", {"lang": "en", "next": "/dashboard/messages"})
    page = member.get("/dashboard/messages").get_data(as_text=True)
    assert "Held: the WhatsApp template has not been created" in page and "Send again" in page
    assert "Handled by phone" in page and "Guest notice to the employee" in page
    guestbook = member.get("/dashboard/guestbook").get_data(as_text=True)
    assert "Held: the WhatsApp template has not been created" in guestbook and "Not answered" not in guestbook
