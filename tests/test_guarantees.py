"""Fast tests of guarantees that deliberately planted bugs once slipped past (issue 19): the guest-book
CSV stays inside the reader's offices, a conversation's Redis copy always expires, a host whose window
closed between 24 and 48 hours ago still gets the template, the IKM chart's colours follow the bands,
and the sweeper requeues rows in `retrying` as well as `pending`. (CSRF on every POST route and the
role matrix of every dashboard page are swept in tests/test_dashboard_sweep.py.)"""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction

import pytest
from sqlalchemy import select

from bot import delivery, jobs, keys, statuses
from bot.dashboard import survey_chart
from bot.masking import has_nik, is_masked_nik, mask_id, mask_nik, mask_phone
from bot.models import Conversation, OutboundMessage
from bot.models.staff import AuditEvent
from bot.models.templates import WhatsAppTemplate
from bot.models.visits import Visit
from bot.survey import ikm
from bot.whatsapp import service
from bot.window import LENGTH, Window, window_after, window_of
from tests.support.dashboard import OTHER_OFFICE, signed_in
from tests.support.visits import KASI_INTEL, OFFICE, guestbook_config, register, visits
from tests.support.whatsapp import CITIZEN as CHAT_CITIZEN

DAY = "2026-11-23"


@pytest.fixture
def config(config, tmp_path, standin):
    guestbook_config(config, tmp_path)
    config.TWILIO_CONTENT_API_URL = standin.url
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


# -- 1. the guest-book CSV never crosses offices ----------------------------------------------------
def _other_office_visit(runtime, source: Visit) -> Visit:
    """A copy of `source` booked at the other office, same day: what its desk would have registered."""
    with runtime.db.session() as s:
        columns = {c.key: getattr(s.get(Visit, source.id), c.key) for c in Visit.__table__.columns
                   if c.key not in ("id", "photo_id", "consent_id", "conversation_id", "host_employee_id")}
        copy = Visit(**{**columns, "office": OTHER_OFFICE, "code": "ALOR42", "name": "Tamu Alor"})
        s.add(copy)
        s.commit()
        s.refresh(copy)
        return copy


def _export(member) -> tuple[int, list[dict]]:
    """The guest book CSV's rows as {"office": office name, "code": visit code} (the headers are Indonesian)."""
    response = member.get(f"/dashboard/guestbook/export.csv?date_from={DAY}&date_to={DAY}")
    if response.status_code != 200:
        return response.status_code, []
    rows = csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff")))
    return 200, [{"office": r["Kantor"], "code": r["Kode kunjungan"]} for r in rows]


def _export_audits(runtime) -> list[AuditEvent]:
    with runtime.db.session() as s:
        return list(s.scalars(select(AuditEvent).where(AuditEvent.action == "export",
                                                       AuditEvent.subject_type == "guestbook")
                              .order_by(AuditEvent.id)))


def test_guestbook_export_holds_only_the_readers_offices_and_audits_the_office(app, runtime, whatsapp,
                                                                               standin, work):
    register(whatsapp, runtime, standin, when="hari ini jam 14")
    work()
    [ours] = visits(runtime)
    theirs = _other_office_visit(runtime, ours)

    name_of = {o.slug: o.name for o in runtime.offices}
    status, rows = _export(signed_in(app, runtime, "desk-klk", "desk"))
    assert status == 200 and [(r["office"], r["code"]) for r in rows] == [(name_of[OFFICE], ours.code)]
    status, rows = _export(signed_in(app, runtime, "desk-alor", "desk", office=OTHER_OFFICE))
    assert status == 200 and [(r["office"], r["code"]) for r in rows] == [(name_of[OTHER_OFFICE], theirs.code)]
    admin = signed_in(app, runtime, "admin1", "admin", office=None)
    status, rows = _export(admin)
    assert status == 200 and sorted(r["code"] for r in rows) == sorted([ours.code, theirs.code])
    assert admin.post("/dashboard/office", {"office": OTHER_OFFICE}).status_code == 302
    status, rows = _export(admin)
    assert status == 200 and [r["code"] for r in rows] == [theirs.code]
    # Roles without the guest book get nothing at all.
    for role in ("handler", "viewer"):
        assert _export(signed_in(app, runtime, f"{role}-klk", role))[0] == 403

    audits = _export_audits(runtime)
    assert [(a.actor_username, a.office, a.detail["rows"]) for a in audits] == [
        ("desk-klk", OFFICE, 1), ("desk-alor", OTHER_OFFICE, 1), ("admin1", None, 2), ("admin1", OTHER_OFFICE, 1)]


# -- 3. the conversation's Redis copy always has a TTL ----------------------------------------------
def test_conversation_state_in_redis_expires_after_the_idle_time_and_each_message_renews_it(
        whatsapp, runtime, frozen_clock):
    key = keys.conversation(OFFICE, CHAT_CITIZEN)
    whatsapp.send("halo", from_=CHAT_CITIZEN, office=OFFICE)
    assert runtime.redis.exists(key), "the conversation was not saved in Redis"
    idle = runtime.config.SESSION_IDLE_SECONDS
    first = runtime.redis.ttl(key)
    assert 0 < first <= max(idle, 60), f"TTL {first}: Redis would keep the conversation forever"
    runtime.redis.expire(key, 5)  # as if most of the idle time had passed
    whatsapp.send("1", from_=CHAT_CITIZEN, office=OFFICE)
    assert runtime.redis.ttl(key) > 5, "a new message must renew the TTL"


# -- 4. the 24-hour window of a host's notice -------------------------------------------------------
def test_the_window_closes_exactly_24_hours_after_the_last_message():
    wrote = datetime(2026, 11, 20, 8, 0, tzinfo=UTC)
    assert timedelta(hours=24) == LENGTH
    assert window_after(wrote, wrote + timedelta(hours=23, minutes=59, seconds=59)).open
    assert not window_after(wrote, wrote + timedelta(hours=24)).open
    assert not window_after(wrote, wrote + timedelta(hours=30)).open
    assert window_after(wrote, wrote + timedelta(hours=30)).closes_at == wrote + timedelta(hours=24)
    assert window_after(None, wrote) == window_after(None, wrote + timedelta(days=9))
    assert not window_after(None, wrote).open and window_after(None, wrote).closes_at is None


def _host_notices(runtime) -> list[OutboundMessage]:
    with runtime.db.session() as s:
        return list(s.scalars(select(OutboundMessage).where(OutboundMessage.to_number == KASI_INTEL,
                                                            OutboundMessage.channel == "rest")
                              .order_by(OutboundMessage.id)))


@pytest.mark.parametrize(("hours_ago", "as_template"), [(30, True), (23, False)])
def test_a_host_notice_goes_as_a_template_once_the_hosts_window_closed(whatsapp, runtime, standin, work,
                                                                      frozen_clock, hours_ago, as_template):
    standin.auto_approve = True
    assert service.run_sync(runtime).ok
    service.run_poll(runtime)
    whatsapp.send("halo", from_=KASI_INTEL)  # the host wrote to the office number...
    work()
    frozen_clock.advance(hours=hours_ago)  # ...this long before a citizen asks to meet them
    if as_template:
        standin.close_window(KASI_INTEL)  # WhatsApp refuses free text now
    before = len([m for m in standin.messages if m.to == "whatsapp:" + KASI_INTEL])
    register(whatsapp, runtime, standin, when="besok jam 10")
    work()
    sent = [m for m in standin.messages if m.to == "whatsapp:" + KASI_INTEL][before:]
    with runtime.db.session() as s:
        template = s.scalar(select(WhatsAppTemplate.content_sid).where(
            WhatsAppTemplate.kind == "host_notice", WhatsAppTemplate.lang == "id", WhatsAppTemplate.current.is_(True)))
    assert len(sent) == 1, [m.body for m in sent]
    [notice] = sent
    assert not notice.refused
    if as_template:
        assert notice.content_sid == template, "outside the window only the approved template may go"
    else:
        assert notice.content_sid is None and "Ketut Arsana" in notice.body, "inside the window the text goes"
    [row] = [r for r in _host_notices(runtime) if r.kind == "host_notice"]
    assert row.status not in statuses.FAILURES


# -- 5. the IKM chart's colours follow the regulation's bands ---------------------------------------
@pytest.mark.parametrize(("nrr", "grade"), [
    (Fraction(4), "A"), (ikm.nrr_at("A"), "A"), (ikm.nrr_at("A") - Fraction(1, 100), "B"),
    (Fraction(7, 2), "B"), (ikm.nrr_at("B"), "B"), (Fraction(3), "C"), (ikm.nrr_at("C"), "C"),
    (ikm.nrr_at("C") - Fraction(1, 100), "D"), (Fraction(2), "D"), (Fraction(1), "D"),
])
def test_each_bar_is_coloured_by_the_band_its_nrr_gives(nrr, grade):
    assert ikm.band_of_nrr(nrr).grade == grade
    chart = survey_chart.nrr_chart({e: nrr for e in ikm.ELEMENTS})
    assert {bar.colour for bar in chart.bars} == {survey_chart.COLOURS[grade]}
    assert all(bar.value == ikm.round2(nrr) for bar in chart.bars)


def test_the_good_line_sits_at_grade_b_and_bars_differ_by_their_own_band():
    assert Fraction(7661, 2500) == survey_chart.GOOD_LINE  # 76.61 / 25
    values = dict(zip(ikm.ELEMENTS, [Fraction(4), Fraction(7, 2), Fraction(3), Fraction(2), Fraction(4),
                                     Fraction(4), Fraction(4), Fraction(4), Fraction(4)], strict=True))
    chart = survey_chart.nrr_chart(values)
    assert [bar.colour for bar in chart.bars[:4]] == [survey_chart.COLOURS[g] for g in "ABCD"]
    assert [bar.label for bar in chart.bars] == [f"U{i}" for i in range(1, 10)]


# -- 6. the sweeper requeues a retrying row whose job was lost --------------------------------------
@pytest.mark.parametrize("status", [statuses.PENDING, statuses.RETRYING])
def test_sweeper_requeues_a_claimable_row_whose_job_redis_lost(runtime, standin, work, whatsapp, frozen_clock,
                                                               status):
    whatsapp.send("halo", from_=CHAT_CITIZEN, office=OFFICE)  # the citizen's window is open
    with runtime.db.session() as s:
        [row] = runtime.outbox.record_notice(s, office=runtime.offices.get(OFFICE), to=CHAT_CITIZEN,
                                             body="Berkas Anda sudah siap diambil.", kind="test")
        s.commit()
        outbox_id = row.id
    runtime.redis.flushall()  # Redis restarted: the RQ job is gone, the SQL row is not
    with runtime.db.session() as s:  # a transient error had put it in retrying (or it never ran)
        s.get(OutboundMessage, outbox_id).status = status
        s.commit()
    frozen_clock.advance(minutes=5)
    assert jobs.sweep()["requeued"] == 1
    work()
    with runtime.db.session() as s:
        assert s.get(OutboundMessage, outbox_id).status == "queued"
    assert [m.body for m in standin.messages if m.to == "whatsapp:" + CHAT_CITIZEN][-1:] == [
        "Berkas Anda sudah siap diambil."]
    assert jobs.sweep()["requeued"] == 0


def test_sweeper_leaves_rows_that_are_not_due_or_not_claimable(runtime, whatsapp, frozen_clock):
    whatsapp.send("halo", from_=CHAT_CITIZEN, office=OFFICE)
    with runtime.db.session() as s:
        ids = [runtime.outbox.record_notice(s, office=runtime.offices.get(OFFICE), to=CHAT_CITIZEN, body=f"n{i}",
                                            kind="test")[0].id for i in range(3)]
        s.commit()
    runtime.redis.flushall()
    assert jobs.sweep()["requeued"] == 0  # just recorded: its job may still be on its way
    with runtime.db.session() as s:
        s.get(OutboundMessage, ids[0]).status = statuses.HELD
        s.get(OutboundMessage, ids[1]).status = "delivered"
        s.commit()
    frozen_clock.advance(minutes=5)
    assert jobs.sweep()["requeued"] == 1  # only the third, still pending


# -- the window of one person, across their conversations ------------------------------------------
def _conversation(runtime, office: str, phone: str, wrote: datetime | None, bsuid: str | None = None) -> None:
    with runtime.db.session() as s:
        s.add(Conversation(office=office, phone=phone, bsuid=bsuid, last_inbound_at=wrote))
        s.commit()


def test_window_of_reads_this_offices_latest_message_by_number_or_whatsapp_user_id(runtime, frozen_clock):
    moment = frozen_clock.now()
    number, user_id = "+6281234509999", "ID.1502576394655843"
    _conversation(runtime, OTHER_OFFICE, number, moment - timedelta(hours=1))  # wrote to another office
    _conversation(runtime, OFFICE, number, moment - timedelta(hours=30), bsuid=user_id)
    with runtime.db.session() as s:
        assert not window_of(s, OFFICE, number, moment).open  # the other office's message does not count
        assert window_of(s, OFFICE, number, moment).closes_at == moment + timedelta(hours=-6)
        assert window_of(s, OTHER_OFFICE, number, moment).open
        assert not window_of(s, OFFICE, user_id, moment).open
        assert window_of(s, OFFICE, "+6281234508888", moment) == Window(False, None)
    _conversation(runtime, OFFICE, user_id, moment - timedelta(hours=2))  # wrote again, number hidden
    with runtime.db.session() as s:
        assert window_of(s, OFFICE, user_id, moment).open  # the latest of its two conversations
        assert window_of(s, OFFICE, user_id, moment).closes_at == moment + timedelta(hours=22)
        assert not window_of(s, OFFICE, number, moment).open
    _conversation(runtime, OFFICE, "+6281234507777", moment - timedelta(hours=3), bsuid="ID.77")
    with runtime.db.session() as s:
        assert window_of(s, OFFICE, "ID.77", moment).open  # found by the linked user ID
    # The other way round: the user ID's own conversation is the older one, its linked number's the newer.
    _conversation(runtime, OFFICE, "ID.88", moment - timedelta(hours=30))
    _conversation(runtime, OFFICE, "+6281234506666", moment - timedelta(hours=1), bsuid="ID.88")
    with runtime.db.session() as s:
        assert window_of(s, OFFICE, "ID.88", moment).closes_at == moment + timedelta(hours=23)


def test_window_after_someone_who_never_wrote_is_closed_not_unknown():
    never = window_after(None, datetime(2026, 11, 20, tzinfo=UTC))
    assert never.open is False and never.closes_at is None


def test_delivery_plan_at_the_edges(runtime, frozen_clock):
    moment = frozen_clock.now()
    _conversation(runtime, OFFICE, CHAT_CITIZEN, moment - timedelta(hours=1))
    common = {"office": OFFICE, "to": CHAT_CITIZEN, "kind": "test", "lang": "id", "now": moment}
    with runtime.db.session() as s:
        assert delivery.plan(s, runtime.config, body="x", template_values=None, expires_at=moment, **common).expired
        assert delivery.plan(s, runtime.config, body="x", template_values=None,
                             expires_at=moment + timedelta(seconds=1), **common) == delivery.Plan()
        # Inside the window: the text, unless only the office's own template has something to say.
        assert delivery.plan(s, runtime.config, body="", template_values=None, **common) == delivery.Plan()
        assert delivery.plan(s, runtime.config, body="", template_values=None, content_sid="HX1",
                             content_variables={"1": "a"}, **common) == delivery.Plan("HX1", {"1": "a"})
        assert delivery.plan(s, runtime.config, body="teks", template_values=None, content_sid="HX1",
                             **common) == delivery.Plan()


# -- masking at its length edges --------------------------------------------------------------------
@pytest.mark.parametrize(("address", "masked"), [
    ("+6281234", "+62*****1234"), ("+628123", "*****"), ("ID.123456789", "ID.*****6789"), ("ID.12345678", "ID.*****"),
])
def test_mask_phone_at_its_length_edges(address, masked):
    assert mask_phone(address) == masked


@pytest.mark.parametrize(("number", "masked"), [("12345678", "****5678"), ("1234567", "*******")])
def test_mask_id_at_its_length_edges(number, masked):
    assert mask_id(number) == masked


def test_nik_detection_and_masked_niks():
    assert has_nik("NIK saya 5171 0101 0101 0001 ya") and has_nik("5171010101010001")
    assert not has_nik("telepon 0812-3456-7890") and not has_nik("12345678901234567") and not has_nik(None)
    assert mask_nik("telepon 0812-3456-7890") == "telepon 0812-3456-7890"
    assert is_masked_nik("NIK 5171********0001") and is_masked_nik(mask_id("5171010101010001"))
    assert not is_masked_nik("5171***0001") and not is_masked_nik("5171010101010001") and not is_masked_nik(None)


def _template(runtime, kind: str, lang: str, sid: str, variables: list[str]) -> None:
    with runtime.db.session() as s:
        s.add(WhatsAppTemplate(kind=kind, lang=lang, name=f"{kind}_{lang}_x", body_hash="x", variables=variables,
                               content_sid=sid, status="approved", current=True))
        s.commit()


def test_a_row_outside_the_window_takes_its_readers_language_and_the_settings_template(runtime, frozen_clock):
    moment = frozen_clock.now()
    _conversation(runtime, OFFICE, CHAT_CITIZEN, moment - timedelta(hours=30))
    _template(runtime, "test", "id", "HXid", ["name"])
    _template(runtime, "test", "en", "HXen", ["name"])
    with runtime.db.session() as s:
        rows = [OutboundMessage(office=OFFICE, to_number=CHAT_CITIZEN, kind="test", body="x", lang=lang,
                                template_values={"name": "Ketut"}, channel="rest", status="pending")
                for lang in ("en", "id", None)]
        plans = [delivery.plan_row(s, runtime.config, row, moment) for row in rows]
    assert [p.content_sid for p in plans] == ["HXen", "HXid", "HXid"]
    assert plans[0].variables == {"1": "Ketut"}
    runtime.config.COMPLAINT_UPDATE_CONTENT_SID = "HXsetting"  # an approved template named in the settings
    with runtime.db.session() as s:
        row = OutboundMessage(office=OFFICE, to_number=CHAT_CITIZEN, kind="complaint_update", body="x", lang="id",
                              template_values={}, channel="rest", status="pending")
        assert delivery.plan_row(s, runtime.config, row, moment).content_sid == "HXsetting"


# -- the IKM chart's geometry, the bands' edges, the report's service, the working days -------------
def test_the_chart_geometry_matches_its_axis():
    chart = survey_chart.nrr_chart({ikm.ELEMENTS[0]: Fraction(2), ikm.ELEMENTS[1]: ikm.nrr_at("B")})
    assert [(t.value, t.y) for t in chart.ticks] == [(0, 260.0), (1, 199.0), (2, 138.0), (3, 77.0), (4, 16.0)]
    assert chart.good_y == 73.1 and chart.base == 260 and chart.right == 628
    assert [label for label, _ in chart.slots] == [f"U{i}" for i in range(1, 10)]
    assert [centre for _, centre in chart.slots][:2] == [76.5, 141.3] and chart.slots[-1][1] == 595.6
    first, second = chart.bars  # elements without answers get no bar
    assert (first.x, first.y, first.width, first.height) == (57.0, 138.0, 38.9, 122.0)
    assert (second.x, second.y, second.width, second.height) == (121.9, 73.1, 38.9, 186.9)
    assert second.value == Decimal("3.06") and second.colour == survey_chart.COLOURS["B"]
    empty = survey_chart.nrr_chart({})
    assert empty.bars == [] and len(empty.slots) == 9


def test_band_edges_on_decimals_and_out_of_range():
    assert ikm.band_of(Decimal("88.305")).grade == "A"  # rounded half up, as the regulation's table
    assert ikm.band_of(Decimal("88.304")).grade == "B"
    assert ikm.band_of(Decimal("25")).grade == "D" and ikm.band_of(Decimal("100")).grade == "A"
    with pytest.raises(ValueError, match="outside 25–100"):
        ikm.band_of(Decimal("24.99"))
    with pytest.raises(ValueError, match="outside 25–100"):
        ikm.band_of(Fraction(10001, 100))
    assert ikm.band_of_nrr(Fraction(41, 10)).grade == "A"  # a chart value above 4 is still capped at 100
    assert ikm.band_of_nrr(Fraction(1, 2)).grade == "D"


@pytest.mark.parametrize(("kind", "ref", "service_id"), [
    ("inquiry", "inquiry:bantuan-hukum:42", "bantuan-hukum"), ("inquiry", "inquiry::42", None),
    ("inquiry", "inquiry:bantuan-hukum", None), ("visit", "visit:bantuan-hukum:42", None),
])
def test_an_inquirys_survey_names_its_service(kind, ref, service_id):
    from types import SimpleNamespace

    from bot.survey import report

    found = report._service_of(SimpleNamespace(event_kind=kind, event_ref=ref))
    assert found is None if service_id is None else found == service_id


def test_working_days_edges():
    from types import SimpleNamespace
    from zoneinfo import ZoneInfo

    from bot.workdays import Calendar, holiday_name

    wita = ZoneInfo("Asia/Makassar")
    calendar = Calendar(wita)
    friday = date(2026, 11, 20)
    assert calendar.next_workday(friday) == date(2026, 11, 23)
    with pytest.raises(ValueError, match="days must be >= 0"):
        calendar.add_workdays(friday, -1)
    deadline = calendar.deadline(datetime(2026, 11, 20, 1, 0, tzinfo=UTC), 1)
    assert deadline.tzinfo is UTC and deadline == datetime(2026, 11, 23, 16, 0, tzinfo=UTC)  # Tue 00:00 WITA
    saturday_office = SimpleNamespace(zone=wita, opening_hours={d: () for d in ("mon", "tue", "wed", "thu", "fri",
                                                                             "sat")})
    assert Calendar.for_office(saturday_office).is_workday(date(2026, 11, 21))
    assert not Calendar.for_office(SimpleNamespace(zone=wita, opening_hours={})).is_workday(date(2026, 11, 21))
    assert "Kemerdekaan" in holiday_name(date(2026, 8, 17)) and "Independence" in holiday_name(date(2026, 8, 17), "en")
    assert holiday_name(date(2026, 11, 20)) is None
