"""The guest book's rules (SOP 000 and seeds 001-003): every change of a visit and every message it causes.

A visit is registered on WhatsApp or entered at the desk as a walk-in; its host is told and answers
(accept, decline with a reason, propose another time, hand over to a colleague); a host who does not
answer is reminded, then the desk officers are alerted; the citizen may move or cancel the visit and
answers a proposed time; the desk checks the guest in and out, and the survey follows.

This module is the only code that writes `Visit.status` (through `model.TRANSITIONS`) and the only
one that renders the visit's notices (bot/visits/notices.py). Each method writes with the caller's
session and returns a `Done`; nothing here commits. After the commit, `dispatch(outbox, done)`
enqueues the notices and schedules the jobs (the host follow-up, the photo download).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot import simulator
from bot.clock import as_utc
from bot.directory import Directory
from bot.effects import Job
from bot.employees import Employee as Person
from bot.masking import mask_phone
from bot.models.visits import Consent, Employee, Visit, VisitEvent, VisitPhoto
from bot.offices import Office
from bot.outbox import Outbox
from bot.survey.service import offer_survey
from bot.visits import desk, model, queries, settings
from bot.visits.model import InvalidTransition
from bot.visits.notices import HOST_LANG, Notices
from bot.visits.settings import to_utc
from bot.whatsapp.office_templates import template_for

logger = logging.getLogger(__name__)

DOWNLOAD_JOB = "bot.visits.jobs.download_photo"
FOLLOWUP_JOB = "bot.visits.jobs.host_followup"
ARRIVAL_KIND = "guest_arrived"  # outbox kind and config/templates.yaml entry of the arrival notice
SURVEY_EVENT = "checkout"
SYSTEM, CITIZEN = "system", "citizen"


def desk_actor(username: str) -> str:
    """How a desk officer's action is recorded in the visit's events."""
    return f"desk:{username}"


@dataclass(frozen=True)
class Draft:
    """A registration the citizen confirmed on WhatsApp (the identity number only masked and hashed)."""

    code: str
    name: str
    id_type: str
    id_masked: str
    id_hash: str
    purpose: str
    scheduled_at: datetime
    lang: str
    host_key: str | None = None
    host_name: str | None = None
    host_phone: str | None = None
    unit: str | None = None


@dataclass(frozen=True)
class WalkInRecord:
    """A guest entered at the desk, already validated by the desk (bot/dashboard/guestbook.py)."""

    name: str
    id_type: str
    id_masked: str
    id_hash: str
    purpose: str
    host: Person
    handed: desk.Handed  # the office's items (bot/visits/desk.py), the card being the walk-in's document
    phone: str
    lang: str
    consent_version: str
    photo_path: str
    photo_size: int
    photo_type: str


@dataclass(frozen=True)
class HostReply:
    """What a host answered: "accept", "decline" (reason), "propose" (proposed_at) or "redirect" (to)."""

    answer: str
    reason: str = ""
    proposed_at: datetime | None = None
    redirect_to: Person | None = None
    host_key: str | None = None


@dataclass
class Done:
    """What one change wrote: the visit, and the outbox rows and jobs for after the commit."""

    visit: Visit | None = None
    outbox_ids: list[int] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)
    outcome: str = ""


def dispatch(outbox: Outbox, done: Done) -> None:
    """After the caller's commit: send the notices, schedule the jobs."""
    outbox.enqueue(done.outbox_ids)
    outbox.schedule(done.jobs)


class VisitService:
    def __init__(self, config, directory: Directory, outbox: Outbox):
        self.config = config
        self.directory = directory
        self.outbox = outbox

    # -- the citizen on WhatsApp ---------------------------------------------------------------
    def record_consent(self, session: Session, office: Office, *, phone_number: str, accepted: bool, version: str,
                       lang: str, now: datetime) -> None:
        """UU 27/2022: the answer to the consent notice, with the notice's version."""
        session.add(Consent(office=office.slug, phone=phone_number, purpose="visit", text_version=version,
                            lang=lang, accepted=accepted, at=now))

    def attach_photo(self, session: Session, office: Office, *, conversation_id: int, url: str,
                     content_type: str | None) -> Done:
        """The citizen's photo: its WhatsApp URL now, the download in a job (the webhook stays fast)."""
        row = VisitPhoto(office=office.slug, conversation_id=conversation_id, source_url=url,
                         content_type=content_type, status="pending")
        session.add(row)
        session.flush()
        return Done(jobs=[Job(DOWNLOAD_JOB, (row.id, 0))])

    def register(self, session: Session, office: Office, draft: Draft, *, conversation_id: int, citizen: str,
                 now: datetime) -> Done:
        """A visit from WhatsApp: the record, the citizen's reminders, the host's notice (SOP 000 step 5)."""
        if queries.code_in_use(session, office.slug, draft.code):
            raise RuntimeError("visit code taken between the check and the commit")
        host = self._employee_row(session, office, draft.host_key)
        consent_id = session.scalar(select(Consent.id).where(
            Consent.office == office.slug, Consent.phone == citizen, Consent.accepted.is_(True))
            .order_by(Consent.id.desc()).limit(1))
        photo_id = session.scalar(select(VisitPhoto.id).where(
            VisitPhoto.conversation_id == conversation_id).order_by(VisitPhoto.id.desc()).limit(1))
        visit = Visit(office=office.slug, code=draft.code, conversation_id=conversation_id, citizen_phone=citizen,
                      citizen_lang=draft.lang, name=draft.name, id_type=draft.id_type, id_masked=draft.id_masked,
                      id_hash=draft.id_hash, photo_id=photo_id, consent_id=consent_id, purpose=draft.purpose,
                      host_employee_id=host.id if host else None, host_name=draft.host_name,
                      host_phone=draft.host_phone, unit=draft.unit, scheduled_at=to_utc(draft.scheduled_at),
                      status=model.AWAITING_HOST, notice_round=0, reminder_outbox_ids=[], created_at=now)
        session.add(visit)
        session.flush()
        self._event(session, visit, "created", CITIZEN, now, scheduled_at=visit.scheduled_at.isoformat())
        done = Done(visit)
        self._schedule_reminders(session, office, visit, done, now)
        self._notify_host(session, office, visit, done, now)
        logger.info("visit %s/%s created for %s", visit.office, visit.code, mask_phone(visit.citizen_phone))
        return done

    def reschedule(self, session: Session, office: Office, visit: Visit, scheduled_at: datetime, *,
                   now: datetime) -> Done:
        """The citizen moved the visit: the host is asked again, the reminders follow the new time."""
        done = Done(visit)
        if visit.status not in model.OPEN:
            return done
        previous = visit.scheduled_at
        self._move(visit, model.AWAITING_HOST)
        visit.scheduled_at, visit.proposed_at = to_utc(scheduled_at), None
        visit.host_answer, visit.host_reason, visit.answered_at = None, None, None
        self._event(session, visit, "rescheduled", CITIZEN, now, previous=previous.isoformat(),
                    scheduled_at=scheduled_at.isoformat())
        self._schedule_reminders(session, office, visit, done, now)
        self._notify_host(session, office, visit, done, now)
        return done

    def cancel(self, session: Session, office: Office, visit: Visit, *, actor: str, now: datetime) -> Done:
        """The visit is called off: no more reminders, the host is told."""
        done = Done(visit)
        if visit.status not in model.OPEN:
            return done
        self._move(visit, model.CANCELLED)
        self._cancel_reminders(session, visit)
        if visit.host_phone:
            notices = self._notices(office, now)
            self._send(session, office, done, notices.host_cancelled(self._data(office, visit), visit.host_phone))
        self._event(session, visit, "cancelled", actor, now)
        return done

    def answer_proposal(self, session: Session, office: Office, visit: Visit, accepted: bool, *,
                        now: datetime) -> Done:
        """The citizen accepts the host's proposed time (the visit moves there) or refuses it (closed)."""
        done = Done(visit)
        if visit.status != model.PROPOSED:
            return done
        proposed = as_utc(visit.proposed_at)
        if accepted:
            self._move(visit, model.ACCEPTED)
            visit.scheduled_at = visit.proposed_at
            self._schedule_reminders(session, office, visit, done, now)
            self._event(session, visit, "proposal_accepted", CITIZEN, now)
        else:
            self._move(visit, model.CANCELLED)
            self._event(session, visit, "proposal_refused", CITIZEN, now)
        if visit.host_phone:
            notices = self._notices(office, now)
            data = {**self._data(office, visit), "scheduled_at": proposed}
            self._send(session, office, done, notices.host_proposal_answer(data, visit.host_phone, accepted))
        return done

    # -- the host ------------------------------------------------------------------------------
    def host_answer(self, session: Session, office: Office, visit: Visit, reply: HostReply, *,
                    now: datetime) -> Done:
        """SOP 000 step 7: the host's answer, and the guest told politely; a redirect notifies the colleague."""
        done = Done(visit)
        if visit.status != model.AWAITING_HOST:
            return done
        self._answer(session, office, visit, reply, done, f"host:{reply.host_key or 'unknown'}", now)
        return done

    def host_answer_by_phone(self, session: Session, office: Office, visit: Visit, answer: str, *, reason: str,
                             username: str, now: datetime) -> Done:
        """The host answered the desk by phone (SOP 000 step 7): "accept" (the host comes to meet the guest)
        or "decline" with the reason the desk was given; recorded as the desk's, the guest told exactly as
        when the host answers on WhatsApp."""
        if answer not in model.PHONE_ANSWERS:
            raise InvalidTransition("answer")
        if visit.checked_out_at is not None:
            raise InvalidTransition("already_checked_out")
        if visit.status != model.AWAITING_HOST:
            raise InvalidTransition("host_answered")
        reason = " ".join((reason or "").split())
        if answer == "decline" and not reason:
            raise InvalidTransition("reason_required")
        if len(reason) > model.REASON_MAX:
            raise InvalidTransition("reason_length")
        done = Done(visit)
        reply = HostReply(answer, reason=reason if answer == "decline" else "")
        self._answer(session, office, visit, reply, done, desk_actor(username), now, via="phone")
        return done

    def host_met(self, session: Session, visit: Visit, *, username: str, now: datetime) -> None:
        """The host who had agreed before the guest arrived has come out to meet them (SOP 000 step 7): the
        desk records the moment, which ends the guest's wait on the office's standard clock. A host who
        answers after the arrival has its answer for that moment already, and a refused guest is not met."""
        if visit.checked_in_at is None:
            raise InvalidTransition("not_checked_in")
        if visit.checked_out_at is not None:
            raise InvalidTransition("already_checked_out")
        if visit.status != model.ACCEPTED:
            raise InvalidTransition("not_accepted")
        if visit.met_at is not None:
            raise InvalidTransition("already_met")
        visit.met_at = now
        self._event(session, visit, "host_met", desk_actor(username), now)

    def _answer(self, session: Session, office: Office, visit: Visit, reply: HostReply, done: Done, actor: str,
                now: datetime, **detail) -> None:
        """The host's answer, however it came: the status moved, the guest told, a redirect's colleague asked."""
        notices = self._notices(office, now)
        data = self._data(office, visit)
        self._move(visit, model.HOST_ANSWERS[reply.answer])
        visit.host_answer, visit.answered_at = reply.answer, now
        if reply.answer == "decline":
            visit.host_reason = reply.reason or None
        if reply.answer == "propose":
            visit.proposed_at = to_utc(reply.proposed_at)
        if reply.answer in ("decline", "propose"):
            self._cancel_reminders(session, visit)
        target = reply.redirect_to
        self._event(session, visit, reply.answer, actor, now, reason=reply.reason or "",
                    proposed_at=reply.proposed_at.isoformat() if reply.proposed_at else None,
                    to=target.key if target else None, **detail)
        host_name = target.name if target else (visit.host_name or "")
        self._send(session, office, done, notices.outcome(
            data, visit.citizen_phone, visit.citizen_lang, reply.answer, reason=reply.reason,
            proposed_at=reply.proposed_at, host_name=host_name))
        if target is not None:
            row = self._employee_row(session, office, target.key)
            visit.host_employee_id = row.id if row else None
            visit.host_name, visit.host_phone = target.name, target.whatsapp
            visit.host_answer, visit.answered_at = None, None
            self._notify_host(session, office, visit, done, now)

    def follow_up(self, session: Session, office: Office, visit: Visit, notice_round: int, stage: str, *,
                  now: datetime) -> Done:
        """SOP 000 step 6, the desk makes sure the host read the notice. Stage "remind": a reminder to
        the host (saying whether the notice was read); "escalate": the desk officers are alerted.
        Nothing happens once the host answered or a newer notice round started (outcome "answered")."""
        done = Done(visit, outcome="answered")
        if visit.status != model.AWAITING_HOST or visit.notice_round != notice_round:
            return done
        notices = self._notices(office, now)
        data = self._data(office, visit)
        status = queries.notice_status(session, visit.host_notice_outbox_id)
        if stage == "remind":
            specs = [notices.host_reminder(data, visit.host_phone, read=status == "read")] if visit.host_phone else []
            done.outcome = "host_reminded"
        else:
            specs = notices.desk_notices(data, self._staff(office, visit), "escalation", status)
            visit.escalated_at = now
            done.outcome = "escalated"
        for spec in specs:
            self._send(session, office, done, spec)
        self._event(session, visit, done.outcome, SYSTEM, now, notice=status, messages=len(specs))
        if not specs:
            logger.warning("visit %s: %s with nobody to send to (no numbers in the employees file)", visit.id, stage)
        return done

    # -- the desk (SOP 000 steps 3-10) ---------------------------------------------------------
    def check_in(self, session: Session, office: Office, visit: Visit, *, username: str, handed: desk.Handed,
                 now: datetime) -> Done:
        """The guest arrived: what the office's SOP has the desk hand out and hold recorded (bot/visits/desk.py),
        reminders stopped, the host told."""
        if visit.checked_in_at is not None:
            raise InvalidTransition("already_checked_in")
        if visit.status not in model.OPEN:
            raise InvalidTransition("not_open")
        visit.checked_in_at, visit.checked_in_by = now, username
        self._hand(visit, handed)
        self._cancel_reminders(session, visit)  # the guest is here: no "see you tomorrow" reminder any more
        done = Done(visit)
        self._arrival_notice(session, office, visit, done, now)
        self._event(session, visit, "checked_in", desk_actor(username), now, host_told=bool(done.outbox_ids),
                    outbox=list(done.outbox_ids), same_document=handed.id_type == visit.id_type,
                    items=list(handed.items))
        return done

    def walk_in(self, session: Session, office: Office, entry: WalkInRecord, *, username: str,
                now: datetime) -> Done:
        """A guest who came without registering: recorded and checked in at once; the host's notice is
        the arrival notice, followed up like any other."""
        consent = Consent(office=office.slug, phone=entry.phone, purpose="visit", text_version=entry.consent_version,
                          lang=entry.lang, accepted=True, at=now)
        photo = VisitPhoto(office=office.slug, content_type=entry.photo_type, status="stored", path=entry.photo_path,
                           size=entry.photo_size, attempts=0)
        session.add_all([consent, photo])
        session.flush()
        host_row = self._employee_row(session, office, entry.host.key)
        visit = Visit(office=office.slug, code=queries.free_code(session, office.slug), citizen_phone=entry.phone,
                      citizen_lang=entry.lang, name=entry.name, id_type=entry.id_type, id_masked=entry.id_masked,
                      id_hash=entry.id_hash, photo_id=photo.id, consent_id=consent.id, purpose=entry.purpose,
                      host_employee_id=host_row.id if host_row else None, host_name=entry.host.name,
                      host_phone=entry.host.whatsapp, unit=entry.host.unit, scheduled_at=now,
                      status=model.AWAITING_HOST, notice_round=0, reminder_outbox_ids=[], walk_in=True,
                      checked_in_at=now, checked_in_by=username, created_at=now)
        self._hand(visit, entry.handed)
        session.add(visit)
        session.flush()
        self._event(session, visit, "walk_in", desk_actor(username), now)
        done = Done(visit)
        self._arrival_notice(session, office, visit, done, now)
        if done.outbox_ids:
            visit.notice_round, visit.host_notice_outbox_id = 1, done.outbox_ids[0]
            self._event(session, visit, "host_notified", SYSTEM, now, round=1)
            self._follow_up_jobs(visit, done, now)
        self._event(session, visit, "checked_in", desk_actor(username), now, host_told=bool(done.outbox_ids),
                    outbox=list(done.outbox_ids), same_document=True, items=list(entry.handed.items))
        logger.info("walk-in visit %s entered at %s", visit.id, office.slug)
        return done

    def check_out(self, session: Session, office: Office, visit: Visit, *, username: str, returned: Iterable[str],
                  now: datetime) -> Done:
        """SOP 000 steps 8-9 (seed 002 step 8): every item the desk handed out or held confirmed back (the
        checklist; `desk.NotReturned` names the rest), the visit ended, the survey offered on WhatsApp."""
        if visit.checked_in_at is None:
            raise InvalidTransition("not_checked_in")
        if visit.checked_out_at is not None:
            raise InvalidTransition("already_checked_out")
        missing = desk.missing(visit, returned)
        if missing:
            raise desk.NotReturned(missing)
        back = list(desk.held_items(visit))
        visit.checked_out_at, visit.checked_out_by = now, username
        visit.desk_returned = back
        if visit.id_held_type:
            visit.id_returned_at = now
        done = Done(visit)
        if visit.citizen_phone:
            invitation = offer_survey(session, self.outbox, office, phone=visit.citizen_phone,
                                      event_kind=SURVEY_EVENT, event_ref=str(visit.id), lang=visit.citizen_lang,
                                      now=now, conversation_id=visit.conversation_id, config=self.config)
            done.outbox_ids += list(invitation.notice_ids) if invitation is not None else []
        self._event(session, visit, "checked_out", desk_actor(username), now, id_returned=bool(visit.id_held_type),
                    returned=back, survey=bool(done.outbox_ids))
        return done

    def remind_host(self, session: Session, office: Office, visit: Visit, *, username: str, now: datetime) -> Done:
        """The desk's one click: one more reminder to a host who has not answered."""
        if visit.status != model.AWAITING_HOST:
            raise InvalidTransition("host_answered")
        if not visit.host_phone:
            raise InvalidTransition("host_without_number")
        notices = self._notices(office, now)
        read = queries.notice_status(session, visit.host_notice_outbox_id) == "read"
        done = Done(visit)
        self._send(session, office, done, notices.host_reminder(self._data(office, visit), visit.host_phone, read=read))
        self._event(session, visit, "host_reminded", desk_actor(username), now, messages=len(done.outbox_ids))
        return done

    # -- the rules every change shares -----------------------------------------------------------
    @staticmethod
    def _hand(visit: Visit, handed: desk.Handed) -> None:
        """What the desk handed out and holds: the pass, locker and card in their columns, all in desk_items."""
        visit.badge_number, visit.locker_key = handed.pass_number, handed.locker
        visit.id_held_type, visit.id_held_last4 = handed.id_type, handed.id_last4
        visit.desk_items = dict(handed.items)

    @staticmethod
    def _move(visit: Visit, to: str) -> None:
        """The one place a visit's status changes."""
        if not model.can_move(visit.status, to):
            raise InvalidTransition(f"visit {visit.code}: {visit.status} → {to} is not allowed")
        visit.status = to

    def _notices(self, office: Office, now: datetime) -> Notices:
        return Notices(self.config, office, now)

    @staticmethod
    def _data(office: Office, visit: Visit) -> dict:
        return queries.as_dict(visit, office.unit_name(visit.unit))

    @staticmethod
    def _event(session: Session, visit: Visit, kind: str, actor: str, now: datetime, **detail) -> None:
        session.add(VisitEvent(visit_id=visit.id, kind=kind, actor=actor, detail=detail, at=now))

    def _staff(self, office: Office, visit: Visit):
        """Whom the desk's notices about this visit go to: a simulated visit's stay in the simulator."""
        staff = self.directory.staff(office)
        return simulator.staff_view(staff) if simulator.is_simulated(visit.citizen_phone) else staff

    @staticmethod
    def _employee_row(session: Session, office: Office, key: str | None) -> Employee | None:
        """The directory's row of a host (the visit keeps its own copy of the name and number, so a host
        edited or switched off since still shows as the citizen saw them)."""
        if not key:
            return None
        return session.scalar(select(Employee).where(Employee.office == office.slug, Employee.key == key))

    def _send(self, session: Session, office: Office, done: Done, spec: dict | None) -> int | None:
        """Record one notice in the outbox; returns its first row's id (None: nobody to send to).

        Held for want of a template, a notice about a visit is still worth sending until the end of
        the visit's day (a reminder, until the visit's time: the notices say so)."""
        if not spec or not spec.get("to"):
            return None
        visit = done.visit
        conversation_id = visit.conversation_id if visit and spec["to"] == visit.citizen_phone else None
        expires_at = spec.get("expires_at") or (self._end_of_visit_day(office, visit) if visit else None)
        rows = self.outbox.record_notice(
            session, office=office, to=spec["to"], body=spec.get("body", ""), kind=spec.get("kind", "notice"),
            conversation_id=conversation_id, media_urls=spec.get("media_urls") or (),
            content_sid=spec.get("content_sid"), content_variables=spec.get("content_variables"),
            send_at=spec.get("send_at"), template_values=spec.get("values"), lang=spec.get("lang"),
            expires_at=expires_at, interactive=spec.get("interactive"))
        done.outbox_ids += [r.id for r in rows]
        return rows[0].id

    @staticmethod
    def _end_of_visit_day(office: Office, visit: Visit) -> datetime:
        local = office.local(as_utc(visit.scheduled_at))
        return to_utc(datetime.combine(local.date() + timedelta(days=1), time(0, 0), tzinfo=office.zone))

    def _cancel_reminders(self, session: Session, visit: Visit) -> None:
        if visit.reminder_outbox_ids:
            self.outbox.cancel(session, visit.reminder_outbox_ids)
        visit.reminder_outbox_ids = []

    def _schedule_reminders(self, session: Session, office: Office, visit: Visit, done: Done, now: datetime) -> None:
        """The citizen's reminders, the day before and an hour before (those still ahead)."""
        self._cancel_reminders(session, visit)
        if not visit.citizen_phone:
            return
        specs = self._notices(office, now).reminders(self._data(office, visit), visit.citizen_phone,
                                                     visit.citizen_lang)
        visit.reminder_outbox_ids = [i for i in (self._send(session, office, done, spec) for spec in specs)
                                     if i is not None]

    def _notify_host(self, session: Session, office: Office, visit: Visit, done: Done, now: datetime) -> None:
        """A (new) notice round: the host's notice, or the desk officers when the host has no number;
        then the reminder and escalation checks, which do nothing once the host has answered."""
        visit.notice_round += 1
        visit.escalated_at = None
        notices = self._notices(office, now)
        data = self._data(office, visit)
        if not visit.host_phone:
            visit.host_notice_outbox_id = None
            for spec in notices.desk_notices(data, self._staff(office, visit), "no_host"):
                self._send(session, office, done, spec)
            self._event(session, visit, "desk_notified", SYSTEM, now, reason="host_without_number")
            return
        visit.host_notice_outbox_id = self._send(session, office, done, notices.host_notice(data, visit.host_phone))
        self._event(session, visit, "host_notified", SYSTEM, now, round=visit.notice_round)
        self._follow_up_jobs(visit, done, now)

    def _follow_up_jobs(self, visit: Visit, done: Done, now: datetime) -> None:
        done.jobs += [
            Job(FOLLOWUP_JOB, (visit.id, visit.notice_round, "remind"),
                now + timedelta(minutes=settings.host_remind_minutes(self.config))),
            Job(FOLLOWUP_JOB, (visit.id, visit.notice_round, "escalate"),
                now + timedelta(minutes=settings.host_escalate_minutes(self.config)))]

    def _arrival_notice(self, session: Session, office: Office, visit: Visit, done: Done, now: datetime) -> None:
        """Tell the host the guest is at the desk; a host who has not answered yet is asked to answer."""
        if not visit.host_phone:
            return
        notices = self._notices(office, now)
        values = {"guest": visit.name, "purpose": visit.purpose, "code": visit.code,
                  "identity": f"{visit.id_type.upper()} {visit.id_masked}", "host": visit.host_name or "",
                  "when": notices.when(as_utc(visit.scheduled_at), HOST_LANG), "badge": visit.badge_number or "-"}
        key = "guestbook.wa.arrived" if visit.status == model.ACCEPTED else "guestbook.wa.arrived_ask"
        # Outside the 24-hour window: the guest_arrived template, else the approved host_notice one
        # ("a guest wishes to meet you": the same facts), so the notice is not held for want of a template.
        own = template_for(settings.config_dir(self.config), ARRIVAL_KIND, values)[0] is not None
        self._send(session, office, done, notices.spec(visit.host_phone, notices.t(HOST_LANG, key, **values),
                                                       ARRIVAL_KIND, values,
                                                       template=ARRIVAL_KIND if own else "host_notice"))
