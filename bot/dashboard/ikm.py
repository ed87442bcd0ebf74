"""The IKM report for the dashboard: completed SKM responses of one office and period, optionally
narrowed to the unit or the service they concern, with the figures of bot.skm.

What a response concerns comes from its invitation's event: a closed complaint (the unit it was
assigned to, else the unit the citizen named), a visit's check-out (the visited unit), or a service
inquiry (event_ref "<phone>:<service id>:<day>": the service and its unit in the office's catalog).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import skm
from bot.catalog import Catalog
from bot.models.complaints import Complaint
from bot.models.survey import SurveyInvitation, SurveyResponse
from bot.models.visits import Visit
from bot.survey.service import IkmReport


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
    summary: IkmReport
    respondents: list[Respondent]
    unit: str | None = None
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
    """NRR per element, IKM and band over responses completed in [start, end), narrowed as asked."""
    rows = list(session.execute(select(SurveyResponse, SurveyInvitation).join(
        SurveyInvitation, SurveyInvitation.id == SurveyResponse.invitation_id).where(
        SurveyResponse.office == office, SurveyResponse.completed_at.is_not(None),
        SurveyResponse.completed_at >= start, SurveyResponse.completed_at < end).order_by(
        SurveyResponse.completed_at, SurveyResponse.id)).all())
    units = _units(session, office, [inv for _, inv in rows], catalog)
    respondents: list[Respondent] = []
    for response, invitation in rows:
        its_unit, its_service = units.get(invitation.id), _service_of(invitation)
        if (unit and its_unit != unit) or (service and its_service != service) \
                or (event_kind and invitation.event_kind != event_kind):
            continue
        if not skm.is_complete(response.answers or {}):
            continue
        respondents.append(Respondent(
            len(respondents) + 1, response.completed_at, invitation.event_kind, its_unit, its_service,
            {e: int(response.answers[e]) for e in skm.ELEMENTS}, response.suggestion,
            {"gender": response.gender, "age_band": response.age_band, "education": response.education,
             "occupation": response.occupation}))
    result = skm.ikm([r.answers for r in respondents])
    by_event: dict[str, int] = {}
    profile: dict[str, dict[str, int]] = {}
    for r in respondents:
        by_event[r.event_kind] = by_event.get(r.event_kind, 0) + 1
        for name, value in r.profile.items():
            counts = profile.setdefault(name, {})
            counts[value or "-"] = counts.get(value or "-", 0) + 1
    summary = IkmReport(office, start, end, result, by_event, profile,
                        [r.suggestion for r in respondents if r.suggestion])
    return Report(summary, respondents, unit, service, event_kind)
