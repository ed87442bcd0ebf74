"""The desk's daily actions on the guest book (issue 20, item 4), through real Flask requests: the host's
answer taken by phone (the guest told as when the host answers on WhatsApp), check-out from the list,
finding a guest by code, badge or name, any day's guest book with tomorrow one click away, and the
printable visitor slip. Each is role-scoped, audited, and refused without its CSRF token."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.models.staff import AuditEvent
from bot.models.visits import Visit, VisitEvent
from bot.visits import jobs
from tests.support.dashboard import OTHER_OFFICE, signed_in
from tests.support.visits import CITIZEN, KASI_INTEL, NIK, OFFICE, guestbook_config, outbox_to, register, visits


@pytest.fixture
def config(config, tmp_path):
    return guestbook_config(config, tmp_path)


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


@pytest.fixture
def visit(runtime, whatsapp, standin, work) -> Visit:
    """A citizen registered on WhatsApp for today 14.00 WITA to meet the Kasi Intel."""
    register(whatsapp, runtime, standin, when="hari ini jam 14")
    work()
    [row] = visits(runtime)
    return row


@pytest.fixture
def desk(app, runtime):
    return signed_in(app, runtime, "desk1", "desk")


def _visit(runtime, visit_id: int) -> Visit:
    with runtime.db.session() as s:
        return s.get(Visit, visit_id)


def _audits(runtime, action: str, subject_type: str | None = None) -> list[AuditEvent]:
    with runtime.db.session() as s:
        query = select(AuditEvent).where(AuditEvent.action == action)
        if subject_type:
            query = query.where(AuditEvent.subject_type == subject_type)
        return list(s.scalars(query.order_by(AuditEvent.id)))


def _check_in(member, visit_id: int, badge: str = "T-07"):
    return member.post(f"/dashboard/guestbook/visit/{visit_id}/check-in",
                       {"badge": badge, "locker": "", "id_type": "ktp", "id_last4": "0001"})


def _answer(member, visit_id: int, answer: str, reason: str = "", **extra):
    return member.post(f"/dashboard/guestbook/visit/{visit_id}/host-answer",
                       {"answer": answer, "reason": reason, **extra})


def _section(page: str, marker: str) -> str:
    return page.split(marker)[1].split("</table>")[0]


def _group(page: str, group: str) -> str:
    return _section(page, f'id="group-{group}-{OFFICE}"')


# -- the host's answer by phone --------------------------------------------------------------------
def test_the_host_comes_out_after_a_phone_call_the_guest_moves_and_is_told(app, runtime, visit, desk, whatsapp):
    assert jobs.host_followup(visit.id, 1, "escalate") == "escalated"
    _check_in(desk, visit.id)
    page = desk.get("/dashboard/guestbook").get_data(as_text=True)
    assert visit.code in _group(page, "waiting") and "Catat jawaban telepon" in _group(page, "waiting")
    assert visit.code in _section(page, 'id="escalation-list"')
    detail = desk.get(f"/dashboard/guestbook/visit/{visit.id}").get_data(as_text=True)
    assert 'id="phone-answer"' in detail and "Pegawai menemui tamu" in detail

    response = _answer(desk, visit.id, "accept")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/guestbook/visit/{visit.id}")
    row = _visit(runtime, visit.id)
    assert (row.status, row.host_answer) == ("accepted", "accept")
    [told] = outbox_to(runtime, CITIZEN, "visit_outcome")
    assert visit.code in told.body and "diterima" in told.body  # the words the WhatsApp answer sends
    with runtime.db.session() as s:
        [event] = list(s.scalars(select(VisitEvent).where(VisitEvent.visit_id == visit.id,
                                                          VisitEvent.kind == "accept")))
    assert event.actor == "desk:desk1" and event.detail["via"] == "phone"
    [audit] = _audits(runtime, "host_answer_by_phone")
    assert (audit.subject_id, audit.office, audit.actor_username) == (str(visit.id), OFFICE, "desk1")
    assert audit.detail["answer"] == "accept" and audit.detail["guest_told"] is True

    page = desk.get("/dashboard/guestbook").get_data(as_text=True)
    assert visit.code in _group(page, "with_host") and "Diterima" in _group(page, "with_host")
    assert 'id="escalation-list"' not in page  # answered: no longer the desk's to chase
    detail = desk.get(f"/dashboard/guestbook/visit/{visit.id}").get_data(as_text=True)
    assert 'id="phone-answer"' not in detail and "(lewat telepon)" in detail
    # The host taps "Terima" on WhatsApp afterwards: already answered, the guest is not told twice.
    whatsapp.send("1", from_=KASI_INTEL)
    assert len(outbox_to(runtime, CITIZEN, "visit_outcome")) == 1
    assert _answer(desk, visit.id, "decline", "rapat").status_code == 302
    assert _visit(runtime, visit.id).status == "accepted"
    assert "sudah menjawab" in desk.get(f"/dashboard/guestbook/visit/{visit.id}").get_data(as_text=True)


def test_a_refusal_by_phone_needs_its_reason_which_the_guest_is_told(app, runtime, visit, desk):
    reminders = list(_visit(runtime, visit.id).reminder_outbox_ids)
    assert reminders
    _answer(desk, visit.id, "decline", "   ")
    assert _visit(runtime, visit.id).status == "awaiting_host"
    assert "Tuliskan alasan penolakan" in desk.get(f"/dashboard/guestbook/visit/{visit.id}").get_data(as_text=True)
    _answer(desk, visit.id, "decline", "x" * 301)
    assert _visit(runtime, visit.id).status == "awaiting_host"
    _answer(desk, visit.id, "maybe")
    assert _visit(runtime, visit.id).status == "awaiting_host"

    _answer(desk, visit.id, "decline", "  sedang   sidang di pengadilan ")
    row = _visit(runtime, visit.id)
    assert (row.status, row.host_answer, row.host_reason) == ("declined", "decline", "sedang sidang di pengadilan")
    [told] = outbox_to(runtime, CITIZEN, "visit_outcome")
    assert "sedang sidang di pengadilan" in told.body and "Mohon maaf" in told.body
    assert row.reminder_outbox_ids == []
    page = desk.get("/dashboard/guestbook").get_data(as_text=True)
    assert visit.code in _group(page, "done") and "Ditolak: sedang sidang di pengadilan" in _group(page, "done")


def test_a_walk_in_without_whatsapp_is_answered_and_the_desk_told_to_say_it_in_person(app, runtime, visit, desk):
    with runtime.db.session() as s:
        s.get(Visit, visit.id).citizen_phone = ""
        s.commit()
    _check_in(desk, visit.id)
    _answer(desk, visit.id, "decline", "cuti", back="list")
    page = desk.get("/dashboard/guestbook").get_data(as_text=True)
    assert "sampaikan alasannya langsung" in page
    assert outbox_to(runtime, CITIZEN, "visit_outcome") == []
    # In the building still, refused: the card goes back at check-out, from the list.
    assert 'class="inline list-checkout"' in _group(page, "waiting")


@pytest.mark.parametrize(("role", "office", "status"), [("admin", None, 302), ("handler", OFFICE, 403),
                                                        ("viewer", OFFICE, 403), ("desk", OTHER_OFFICE, 404)])
def test_only_the_offices_desk_and_admins_record_an_answer(app, runtime, visit, role, office, status):
    member = signed_in(app, runtime, f"{role}9", role, office)
    assert _answer(member, visit.id, "accept").status_code == status
    assert (_visit(runtime, visit.id).status == "accepted") is (status == 302)
    assert bool(_audits(runtime, "host_answer_by_phone")) is (status == 302)


def test_without_its_csrf_token_the_answer_changes_nothing(app, runtime, visit, desk):
    response = desk.post(f"/dashboard/guestbook/visit/{visit.id}/host-answer", {"answer": "accept"}, token=False)
    assert response.status_code == 400 and _visit(runtime, visit.id).status == "awaiting_host"


# -- check-out from the list -----------------------------------------------------------------------
def test_check_out_from_the_list_asks_for_the_card_then_ends_the_visit(app, runtime, visit, desk):
    _check_in(desk, visit.id)
    page = desk.get("/dashboard/guestbook").get_data(as_text=True)
    waiting = _group(page, "waiting")
    assert f'/dashboard/guestbook/visit/{visit.id}/check-out' in waiting and "KTP ****0001" in waiting
    assert 'name="returned" value="badge" required> Tanda pengenal<' in waiting  # Klungkung's checklist
    assert 'id="group-expected-kejari-klungkung-empty"' in page  # nobody else: the one guest is waiting

    refused = desk.post(f"/dashboard/guestbook/visit/{visit.id}/check-out", {"back": "list"})
    assert refused.headers["Location"].endswith("/dashboard/guestbook")
    assert _visit(runtime, visit.id).checked_out_at is None
    assert "Centang dulu: Tanda pengenal tamu, Kartu identitas" in \
        desk.get("/dashboard/guestbook").get_data(as_text=True)

    done = desk.post(f"/dashboard/guestbook/visit/{visit.id}/check-out",
                     {"back": "list", "returned": ["badge", "id_card"]})
    assert done.headers["Location"].endswith("/dashboard/guestbook")
    row = _visit(runtime, visit.id)
    assert row.checked_out_at is not None and row.checked_out_by == "desk1"
    page = desk.get("/dashboard/guestbook").get_data(as_text=True)
    assert visit.code in _group(page, "done") and "list-checkout" not in page
    assert [a.subject_id for a in _audits(runtime, "check_out")] == [str(visit.id)]


# -- finding a guest -------------------------------------------------------------------------------
def test_a_guest_is_found_by_code_badge_or_part_of_the_name(app, runtime, visit, desk):
    _check_in(desk, visit.id, badge="Tamu-17")
    by_code = desk.get(f"/dashboard/guestbook/search?q={visit.code.lower()}")
    assert by_code.status_code == 302 and by_code.headers["Location"].endswith(f"/guestbook/visit/{visit.id}")
    for query in ("tamu-17", "arsana", "KETUT ars"):
        page = desk.get(f"/dashboard/guestbook/search?q={query}").get_data(as_text=True)
        found = _section(page, 'id="search-results"')
        assert visit.code in found and "Ketut Arsana" in found, query
        assert "list-checkout" in found  # in the building: check out right from the results
    nothing = desk.get("/dashboard/guestbook/search?q=Wayan").get_data(as_text=True)
    assert 'id="search-empty"' in nothing and visit.code not in nothing
    assert NIK not in nothing
    like_all = desk.get("/dashboard/guestbook/search?q=%25%25").get_data(as_text=True)
    assert visit.code not in like_all  # "%" is a letter typed, not a wildcard
    short = desk.get("/dashboard/guestbook/search?q=a")
    assert short.status_code == 302 and "Ketik 2–100 karakter" in desk.get("/dashboard/guestbook").get_data(
        as_text=True)
    audits = _audits(runtime, "view", "guestbook_search")
    assert len(audits) == 6 and all("arsana" not in str(a.detail).lower() for a in audits)  # no name in the log
    page = desk.get("/dashboard/guestbook").get_data(as_text=True)
    assert 'id="guest-search"' in page and 'action="/dashboard/guestbook/search"' in page


def test_another_offices_desk_finds_nothing_and_roles_apply(app, runtime, visit):
    theirs = signed_in(app, runtime, "desk.alor", "desk", OTHER_OFFICE)
    page = theirs.get("/dashboard/guestbook/search?q=Arsana").get_data(as_text=True)
    assert visit.code not in page and "Ketut" not in page
    assert theirs.get(f"/dashboard/guestbook/search?q={visit.code}").status_code == 200  # not redirected to it
    handler = signed_in(app, runtime, "handler1", "handler")
    assert handler.get("/dashboard/guestbook/search?q=Arsana").status_code == 403


# -- any day's guest book --------------------------------------------------------------------------
def test_tomorrows_guests_are_one_click_away_and_any_day_can_be_browsed(app, runtime, whatsapp, standin, work,
                                                                        desk):
    register(whatsapp, runtime, standin, when="besok jam 10")
    work()
    [tomorrow] = visits(runtime)
    today = desk.get("/dashboard/guestbook").get_data(as_text=True)
    assert tomorrow.code not in today
    assert 'href="/dashboard/guestbook?day=2026-11-24" id="day-tomorrow"' in today
    page = desk.get("/dashboard/guestbook?day=2026-11-24").get_data(as_text=True)
    assert "Buku Tamu besok, 24-11-2026" in page and tomorrow.code in _group(page, "expected")
    assert 'id="day-today"' in page and 'id="escalations"' not in page
    assert 'value="2026-11-24"' in page  # the export form and the date picker follow the day shown
    yesterday = desk.get("/dashboard/guestbook?day=2026-11-22").get_data(as_text=True)
    assert "Buku Tamu 22-11-2026" in yesterday and tomorrow.code not in yesterday
    assert "Buku Tamu hari ini" in desk.get("/dashboard/guestbook?day=kemarin").get_data(as_text=True)
    days = [a.detail.get("day") for a in _audits(runtime, "view", "guestbook")]
    assert days == [None, "2026-11-24", "2026-11-22", None]
    theirs = signed_in(app, runtime, "desk.alor", "desk", OTHER_OFFICE)
    assert tomorrow.code not in theirs.get("/dashboard/guestbook?day=2026-11-24").get_data(as_text=True)


# -- the visitor slip ------------------------------------------------------------------------------
def test_the_slip_shows_name_host_badge_time_and_the_codes_qr(app, runtime, visit, desk):
    _check_in(desk, visit.id)
    detail = desk.get(f"/dashboard/guestbook/visit/{visit.id}").get_data(as_text=True)
    assert f'href="/dashboard/guestbook/visit/{visit.id}/slip"' in detail
    response = desk.get(f"/dashboard/guestbook/visit/{visit.id}/slip")
    assert response.status_code == 200 and response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    for text in ("Ketut Arsana", "Ni Luh Putu Ayu Lestari", "T-07", "10:00 WITA", visit.code, "<svg", "Slip Tamu"):
        assert text in page, text
    assert NIK not in page and CITIZEN not in page and "paper-a6" in page
    assert "paper-roll" in desk.get(f"/dashboard/guestbook/visit/{visit.id}/slip?paper=roll").get_data(as_text=True)
    assert [a.subject_id for a in _audits(runtime, "view", "visit_slip")] == [str(visit.id)] * 2


@pytest.mark.parametrize(("role", "office", "status"), [("handler", OFFICE, 403), ("viewer", OFFICE, 403),
                                                        ("desk", OTHER_OFFICE, 404), ("admin", None, 200)])
def test_the_slip_follows_the_role_and_the_office(app, runtime, visit, role, office, status):
    member = signed_in(app, runtime, f"{role}9", role, office)
    assert member.get(f"/dashboard/guestbook/visit/{visit.id}/slip").status_code == status
