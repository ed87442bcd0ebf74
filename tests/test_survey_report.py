"""The IKM report (bot.survey.report) over rows written straight into the database, so that each
edge the report decides can be set exactly: the period's two ends, completion order against row
order, a completed row with an answer missing, what each kind of event concerns (a complaint's
assigned unit before the one the citizen named, a visit's unit in this office only, an inquiry's
service and unit from its reference), the simulator's people, and what the report says it was
asked for. The dashboard's own tests (tests/test_dashboard_survey.py) go through the page."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from itertools import count

import pytest

from bot.catalogs import Catalogs
from bot.models.complaints import Complaint
from bot.models.survey import SurveyInvitation, SurveyResponse
from bot.models.visits import Visit
from bot.survey import ikm, report
from tests.support.dashboard import OFFICE, OTHER_OFFICE

START, END = datetime(2026, 11, 1, tzinfo=UTC), datetime(2026, 12, 1, tzinfo=UTC)  # November, end exclusive
SERVICE = "penerimaan-tamu"  # the PTSP unit's service in kejari-klungkung's catalog
ALL_FOUR = (4,) * 9
ALL_THREE = (3,) * 9
PHONE = "+6281234500031"
_phones = count(40)


def _answer(session, *, kind: str, ref: str, completed_at: datetime | None, scores=ALL_FOUR,
            office: str = OFFICE, phone: str | None = None, suggestion: str | None = None,
            profile: dict[str, str] | None = None, answers: dict[str, int] | None = None) -> int:
    """One invitation and its response, as the survey leaves them; returns the response id."""
    invitation = SurveyInvitation(office=office, phone=phone or f"+628123{next(_phones):07d}", event_kind=kind,
                                  event_ref=ref, status="completed",
                                  expires_at=datetime(2027, 1, 1, tzinfo=UTC), notice_ids=[])
    session.add(invitation)
    session.flush()
    response = SurveyResponse(invitation_id=invitation.id, office=office, event_kind=kind,
                              answers=answers if answers is not None else dict(zip(ikm.ELEMENTS, scores, strict=True)),
                              suggestion=suggestion, started_at=datetime(2026, 10, 1, tzinfo=UTC),
                              completed_at=completed_at, **(profile or {}))
    session.add(response)
    session.flush()
    return response.id


def _complaint(session, ticket: str, *, office: str = OFFICE, subject: str | None, assigned: str | None) -> None:
    session.add(Complaint(ticket=ticket, office=office, year=2026, seq=int(ticket[-4:]), phone=PHONE,
                          category="service", description="Lama.", subject_unit=subject, assigned_unit=assigned,
                          status="closed"))


def _visit(session, code: str, *, office: str = OFFICE, unit: str | None) -> None:
    session.add(Visit(office=office, code=code, citizen_phone=PHONE, name="Tamu", id_type="ktp",
                      id_masked="************0001", id_hash="0" * 64, purpose="Bertemu.", unit=unit,
                      scheduled_at=datetime(2026, 11, 10, 2, 0, tzinfo=UTC), status="accepted"))


def _utc(moment: datetime) -> datetime:
    """SQLite gives back naive UTC, PostgreSQL aware datetimes."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def _build(runtime, *, catalog: bool = True, **filters) -> report.Report:
    where = runtime.offices.get(OFFICE)
    with runtime.db.session() as s:
        return report.build(s, OFFICE, START, END,
                            catalog=Catalogs(runtime.config.CONFIG_DIR).catalog(where) if catalog else None,
                            **filters)


@pytest.fixture
def rows(runtime):
    """November's responses at kejari-klungkung, written out of completion order, with the events
    they concern; plus rows that must never count. Returns the response ids by name."""
    ids: dict[str, int] = {}
    with runtime.db.session() as s:
        # what the events concern
        _complaint(s, "KLK-2026-0001", subject="pidum", assigned="pidsus")  # assigned wins
        _complaint(s, "KLK-2026-0002", subject="pidum", assigned=None)
        _complaint(s, "ALR-2026-0003", office=OTHER_OFFICE, subject="datun", assigned="datun")
        _visit(s, "V7K2", unit="intel")
        _visit(s, "V7K2", office=OTHER_OFFICE, unit="datun")  # the same code at another office, written after
        _visit(s, "Q9Z4", office=OTHER_OFFICE, unit="datun")  # a code known only at another office
        # written in this order; completed in another
        ids["late_visit"] = _answer(s, kind="checkout", ref="V7K2", completed_at=datetime(2026, 11, 20, 3, tzinfo=UTC),
                                    suggestion="Parkir sempit.", profile={"gender": "female", "education": "s1"})
        ids["assigned"] = _answer(s, kind="complaint", ref="KLK-2026-0001",
                                  completed_at=datetime(2026, 11, 10, 3, tzinfo=UTC), scores=ALL_THREE)
        ids["first"] = _answer(s, kind="inquiry", ref=f"{PHONE}:{SERVICE}:2026-11-01", completed_at=START,
                               profile={"gender": "male"})  # at the very start: counts
        ids["subject"] = _answer(s, kind="complaint", ref="KLK-2026-0002",
                                 completed_at=datetime(2026, 11, 12, 3, tzinfo=UTC))
        ids["broken"] = _answer(s, kind="inquiry", ref=f"{PHONE}:{SERVICE}:2026-11-13",  # completed, one answer short
                                completed_at=datetime(2026, 11, 13, 3, tzinfo=UTC),
                                answers=dict(zip(ikm.ELEMENTS[:-1], ALL_FOUR, strict=False)))
        ids["after_broken"] = _answer(s, kind="inquiry", ref=f"{PHONE}:{SERVICE}:2026-11-14",
                                      completed_at=datetime(2026, 11, 14, 3, tzinfo=UTC), suggestion="Cepat.")
        ids["two_parts"] = _answer(s, kind="inquiry", ref=f"{PHONE}:{SERVICE}",  # no day: not a service reference
                                   completed_at=datetime(2026, 11, 15, 3, tzinfo=UTC))
        ids["no_service"] = _answer(s, kind="inquiry", ref=f"{PHONE}::2026-11-16",
                                    completed_at=datetime(2026, 11, 16, 3, tzinfo=UTC))
        ids["foreign_ticket"] = _answer(s, kind="complaint", ref="ALR-2026-0003",
                                        completed_at=datetime(2026, 11, 17, 3, tzinfo=UTC))
        ids["foreign_visit"] = _answer(s, kind="checkout", ref="Q9Z4",
                                       completed_at=datetime(2026, 11, 18, 3, tzinfo=UTC))
        # never counted
        _answer(s, kind="inquiry", ref=f"{PHONE}:{SERVICE}:2026-12-01", completed_at=END, scores=(1,) * 9)
        _answer(s, kind="inquiry", ref=f"{PHONE}:{SERVICE}:2026-10-31", completed_at=START - timedelta(seconds=1),
                scores=(1,) * 9)
        _answer(s, kind="inquiry", ref=f"{PHONE}:{SERVICE}:2026-11-19", completed_at=None, scores=(1,) * 9)
        _answer(s, kind="checkout", ref="V7K2", office=OTHER_OFFICE, completed_at=datetime(2026, 11, 19, tzinfo=UTC),
                scores=(1,) * 9)
        _answer(s, kind="inquiry", ref=f"{PHONE}:{SERVICE}:2026-11-21", phone="sim:warga-1",
                completed_at=datetime(2026, 11, 21, tzinfo=UTC), scores=(1,) * 9)
        s.commit()
    return ids


ORDER = ["first", "assigned", "subject", "after_broken", "two_parts", "no_service", "foreign_ticket",
         "foreign_visit", "late_visit"]  # by completion time; "broken" is left out


def test_respondents_in_completion_order_within_the_period(runtime, rows):
    built = _build(runtime)
    assert [r.number for r in built.respondents] == list(range(1, 10))
    assert [_utc(r.completed_at) for r in built.respondents] == [
        START, *(datetime(2026, 11, day, 3, tzinfo=UTC) for day in (10, 12, 14, 15, 16, 17, 18, 20))]
    assert built.respondents[3].suggestion == "Cepat."
    assert built.suggestions == ["Cepat.", "Parkir sempit."]
    assert built.respondents[1].answers == dict.fromkeys(ikm.ELEMENTS, 3)
    assert built.result.respondents == 9
    # 8 respondents all 4, one all 3: each NRR = 35/9, IKM = 35/9 × 25 = 97.22
    assert built.result.ikm_rounded == ikm.round2(ikm.compute([dict.fromkeys(ikm.ELEMENTS, 4)] * 8
                                                              + [dict.fromkeys(ikm.ELEMENTS, 3)]).ikm)
    assert str(built.result.ikm_rounded) == "97.22"
    assert built.by_event == {"inquiry": 4, "complaint": 3, "checkout": 2}
    assert built.profile["gender"] == {"male": 1, "female": 1, "-": 7}
    assert built.profile["education"] == {"s1": 1, "-": 8}


def test_what_each_response_concerns(runtime, rows):
    built = _build(runtime)
    concerns = [(r.event_kind, r.unit, r.service) for r in built.respondents]
    assert concerns == [
        ("inquiry", "ptsp", SERVICE),  # the service's unit in the catalog
        ("complaint", "pidsus", None),  # the unit it was assigned to, not the one named
        ("complaint", "pidum", None),  # not assigned: the unit the citizen named
        ("inquiry", "ptsp", SERVICE),
        ("inquiry", None, None),  # "<phone>:<service>" without a day is no service reference
        ("inquiry", None, None),  # an empty service
        ("complaint", None, None),  # another office's ticket lends no unit
        ("checkout", None, None),  # a visit code known only at another office
        ("checkout", "intel", None),  # this office's visit, though another office has the same code
    ]


def test_without_the_catalog_an_inquiry_has_a_service_but_no_unit(runtime, rows):
    built = _build(runtime, catalog=False)
    assert [(r.unit, r.service) for r in built.respondents if r.event_kind == "inquiry"] == [
        (None, SERVICE), (None, SERVICE), (None, None), (None, None)]
    assert [r.unit for r in built.respondents if r.event_kind != "inquiry"] == ["pidsus", "pidum", None, None, "intel"]
    assert _build(runtime, catalog=False, unit="ptsp").respondents == []


@pytest.mark.parametrize(("filters", "expected"), [
    ({"unit": "intel"}, ["late_visit"]),
    ({"unit": "pidsus"}, ["assigned"]),
    ({"unit": "pidum"}, ["subject"]),
    ({"unit": "datun"}, []),  # another office's units never leak in
    ({"unit": "ptsp"}, ["first", "after_broken"]),
    ({"service": SERVICE}, ["first", "after_broken"]),
    ({"event_kind": "checkout"}, ["foreign_visit", "late_visit"]),
    ({"event_kind": "complaint", "unit": "pidum"}, ["subject"]),
    ({"service": SERVICE, "event_kind": "complaint"}, []),
])
def test_filters_and_the_report_says_what_it_was_asked(runtime, rows, filters, expected):
    built = _build(runtime, **filters)
    assert [r.number for r in built.respondents] == list(range(1, len(expected) + 1))
    assert len(built.respondents) == built.result.respondents == len(expected)
    everything = {r.completed_at: name for name, r in zip(ORDER, _build(runtime).respondents, strict=True)}
    assert [everything[r.completed_at] for r in built.respondents] == expected
    assert (built.office, built.start, built.end) == (OFFICE, START, END)
    assert (built.unit, built.service, built.event_kind) == (
        filters.get("unit"), filters.get("service"), filters.get("event_kind"))
