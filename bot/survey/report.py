"""The IKM report, built once here for the dashboard's page, its XLSX export and the tests: the
completed SKM responses of one office and period, optionally narrowed to the unit, the service or
the kind of event they concern, with the figures of bot.survey.ikm.

What a response concerns comes from its invitation's event: a closed complaint (the unit it was
assigned to, else the unit the citizen named), a visit's check-out (the visited unit), or a service
inquiry (event_ref "<phone>:<service id>:<day>": the service and its unit in the office's catalog).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import simulator
from bot.catalog import Catalog
from bot.models.complaints import Complaint
from bot.models.survey import SurveyInvitation, SurveyResponse
from bot.models.visits import Visit
from bot.survey import ikm
from bot.survey.service import PROFILE_FIELDS


@dataclass(frozen=True)
class Respondent:
    """One completed response as the tabulation lists it (no phone number, no event reference)."""

    number: int  # 1.. in completion order
    completed_at: datetime
    event_kind: str
    unit: str | None
    service: str | None
    answers: dict[str, int]
    suggestion: str | None
    profile: dict[str, str | None]


@dataclass
class Report:
    """NRR per element, IKM and band (`result`) over `respondents`, with how they are spread."""

    office: str
    start: datetime
    end: datetime  # exclusive
    result: ikm.IkmResult
    respondents: list[Respondent] = field(default_factory=list)
    by_event: dict[str, int] = field(default_factory=dict)  # event kind → respondents
    profile: dict[str, dict[str, int]] = field(default_factory=dict)  # field → answer ("-": none) → respondents
    suggestions: list[str] = field(default_factory=list)  # in completion order
    unit: str | None = None  # the filters applied
    service: str | None = None
    event_kind: str | None = None


def _service_of(invitation: SurveyInvitation) -> str | None:
    if invitation.event_kind != "inquiry":
        return None
    parts = invitation.event_ref.split(":")
    return parts[1] if len(parts) >= 3 and parts[1] else None


def _units(session: Session, office: str, invitations: list[SurveyInvitation],
           catalog: Catalog | None) -> dict[int, str | None]:
    """Invitation id → the unit slug its event concerns (None when unknown)."""
    tickets = {i.event_ref for i in invitations if i.event_kind == "complaint"}
    codes = {i.event_ref for i in invitations if i.event_kind == "checkout"}
    complaint_units: dict[str, str | None] = {}
    if tickets:
        for ticket, assigned, subject in session.execute(select(
                Complaint.ticket, Complaint.assigned_unit, Complaint.subject_unit).where(
                Complaint.office == office, Complaint.ticket.in_(tickets))):
            complaint_units[ticket] = assigned or subject
    visit_units: dict[str, str | None] = {}
    if codes:
        visit_units = dict(session.execute(select(Visit.code, Visit.unit).where(
            Visit.office == office, Visit.code.in_(codes))).all())
    services = {s.id: s.unit for s in catalog.services} if catalog is not None else {}
    found: dict[int, str | None] = {}
    for invitation in invitations:
        if invitation.event_kind == "complaint":
            found[invitation.id] = complaint_units.get(invitation.event_ref)
        elif invitation.event_kind == "checkout":
            found[invitation.id] = visit_units.get(invitation.event_ref)
        else:
            found[invitation.id] = services.get(_service_of(invitation) or "")
    return found


def build(session: Session, office: str, start: datetime, end: datetime, *, unit: str | None = None,
          service: str | None = None, event_kind: str | None = None, catalog: Catalog | None = None) -> Report:
    """The report over responses completed in [start, end), narrowed as asked. Unit filters need the
    office's `catalog` for inquiries (a service's unit); without it an inquiry's unit is unknown."""
    rows = list(session.execute(select(SurveyResponse, SurveyInvitation).join(
        SurveyInvitation, SurveyInvitation.id == SurveyResponse.invitation_id).where(
        SurveyResponse.office == office, SurveyResponse.completed_at.is_not(None),
        simulator.real(SurveyInvitation.phone),
        SurveyResponse.completed_at >= start, SurveyResponse.completed_at < end).order_by(
        SurveyResponse.completed_at, SurveyResponse.id)).all())
    units = _units(session, office, [inv for _, inv in rows], catalog)
    respondents: list[Respondent] = []
    for response, invitation in rows:
        its_unit, its_service = units.get(invitation.id), _service_of(invitation)
        if (unit and its_unit != unit) or (service and its_service != service) \
                or (event_kind and invitation.event_kind != event_kind):
            continue
        if not ikm.is_complete(response.answers or {}):
            continue
        respondents.append(Respondent(
            len(respondents) + 1, response.completed_at, invitation.event_kind, its_unit, its_service,
            {e: int(response.answers[e]) for e in ikm.ELEMENTS}, response.suggestion,
            {name: getattr(response, name) for name in PROFILE_FIELDS}))
    return Report(
        office, start, end, ikm.compute([r.answers for r in respondents]), respondents,
        by_event=dict(Counter(r.event_kind for r in respondents)),
        profile={name: dict(Counter(r.profile[name] or "-" for r in respondents)) for name in PROFILE_FIELDS},
        suggestions=[r.suggestion for r in respondents if r.suggestion],
        unit=unit, service=service, event_kind=event_kind)
