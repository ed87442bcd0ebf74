"""The words of every visit message, rendered from the catalogs into ready-to-record specs.

Only the visit service (bot/visits/service.py) builds notices. A spec is {"to", "body", "kind",
"content_sid", "content_variables", "send_at"}. The template fields come with every notice whose
kind has an approved template: whether WhatsApp's 24-hour window is open is decided when the
message is sent (bot/sender.py), not when it is written, since a notice may wait in the queue.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from bot.clock import as_utc
from bot.employees import Staff
from bot.i18n import Messages
from bot.offices import WEEKDAYS, Office
from bot.visits import settings
from bot.visits.settings import to_utc
from bot.whatsapp.office_templates import template_for

HOST_LANG = "id"  # employees read notices in Indonesian
# The answers a host may tap, in the notice's order; the ids come back as the tap's payload (flows/host.py).
HOST_ANSWERS = ("accept", "decline", "propose", "redirect")
OUTCOME_STATUS = {"accept": "accepted", "decline": "declined", "propose": "proposed", "redirect": "redirected"}


@lru_cache(maxsize=4)
def catalog(config_dir: Path) -> Messages:
    return Messages(Path(config_dir))


def when_text(t: Callable[..., str], office: Office, moment: datetime) -> str:
    """"Senin, 30 November 2026 pukul 10.00 WITA", with `t` rendering catalog keys in one language."""
    local = as_utc(moment).astimezone(office.zone)
    return t("visit.when_format", day=t(f"days.{WEEKDAYS[local.weekday()]}"), date=local.day,
             month=t(f"visit.months.m{local.month}"), year=local.year, time=local.strftime("%H.%M"),
             zone=office.zone_abbr)


def open_days(t: Callable[..., str], office: Office) -> str:
    """The weekdays the office receives guests, from its hours: "Senin–Jumat", or "Senin, Rabu, Jumat"
    when they are not one run of days (an office that opens on Saturday says so too)."""
    days = [day for day in WEEKDAYS if office.spans(day)]
    indexes = [WEEKDAYS.index(day) for day in days]
    if len(days) > 2 and indexes == list(range(indexes[0], indexes[-1] + 1)):
        return t("days.range", first=t(f"days.{days[0]}"), last=t(f"days.{days[-1]}"))
    return ", ".join(t(f"days.{day}") for day in days)


def when_correction(t: Callable[..., str], office: Office, reason: str, values: dict) -> str:
    """The polite correction of a visit time the office does not take (bot/visits/parsing.check_when)."""
    return t(f"visit.errors.{reason}", **values, open_days=open_days(t, office))


class Notices:
    def __init__(self, config, office: Office, now: datetime):
        self.config = config
        self.office = office
        self.now = now
        self.messages = catalog(settings.config_dir(config))

    def t(self, lang: str, key: str, **values: object) -> str:
        return self.messages.text(lang, key, **{"office": self.office.name, **values})

    def when(self, moment: datetime, lang: str) -> str:
        return when_text(lambda key, **values: self.t(lang, key, **values), self.office, moment)

    def spec(self, to: str, body: str, kind: str, values: dict[str, object], send_at: datetime | None = None,
             template: str | None = None, lang: str = HOST_LANG, expires_at: datetime | None = None) -> dict:
        """A message to record. Its named values and language let the sender fill Loket's template of
        this kind when the window is closed; an office's own template (config/templates.yaml) is
        attached now and wins."""
        values = {"office": self.office.name, **values}
        sid, variables = template_for(settings.config_dir(self.config), template or kind, values)
        return {"to": to, "body": body, "kind": kind, "content_sid": sid, "content_variables": variables,
                "send_at": send_at, "values": values, "lang": lang, "expires_at": expires_at}

    # -- to the host -------------------------------------------------------------------------------
    def _guest_values(self, visit: dict) -> dict[str, object]:
        return {"guest": visit["name"], "purpose": visit["purpose"], "code": visit["code"],
                "identity": f"{visit['id_type'].upper()} {visit['id_masked']}",
                "when": self.when(visit["scheduled_at"], HOST_LANG), "host": visit.get("host_name") or ""}

    def host_notice(self, visit: dict, to: str) -> dict:
        """The notice, with its answers as a list the host taps (in session) or its template's buttons."""
        values = self._guest_values(visit)
        spec = self.spec(to, self.t(HOST_LANG, "host.notice", **values), "host_notice", values)
        choices = [{"id": answer, "title": self.t(HOST_LANG, f"host.answer_choices.{answer}")}
                   for answer in HOST_ANSWERS]
        spec["interactive"] = {"lead": self.t(HOST_LANG, "host.notice_lead", **values),
                               "button": self.t(HOST_LANG, "common.list_button"), "choices": choices}
        return spec

    def host_reminder(self, visit: dict, to: str, read: bool) -> dict:
        values = self._guest_values(visit)
        key = "host.reminder_read" if read else "host.reminder_unread"
        return self.spec(to, self.t(HOST_LANG, key, **values), "host_reminder", values)

    def host_cancelled(self, visit: dict, to: str) -> dict:
        values = self._guest_values(visit)
        return self.spec(to, self.t(HOST_LANG, "host.guest_cancelled", **values), "visit_cancelled", values)

    def host_proposal_answer(self, visit: dict, to: str, accepted: bool) -> dict:
        values = self._guest_values(visit)
        key = "host.proposal_accepted" if accepted else "host.proposal_refused"
        # Its own kind: the host_notice template's buttons would answer a visit already settled.
        return self.spec(to, self.t(HOST_LANG, key, **values), "host_proposal_answer", values)

    def desk_notices(self, visit: dict, staff: Staff, reason: str, notice_status: str = "") -> list[dict]:
        """To every desk officer with a number: a host to chase (SOP 000 step 6), or a guest with no host."""
        values = {**self._guest_values(visit), "status": self.t(HOST_LANG, f"host.notice_status.{notice_status}")
                  if notice_status else "", "unit": visit.get("unit_name") or "-"}
        body = self.t(HOST_LANG, f"host.desk_{reason}", **values)
        return [self.spec(officer.whatsapp, body, "desk_escalation", values)
                for officer in staff.desk_officers if officer.whatsapp]

    # -- to the citizen ----------------------------------------------------------------------------
    def reminders(self, visit: dict, to: str, lang: str) -> list[dict]:
        """The day before and one hour before, when those moments are still ahead."""
        specs = []
        scheduled = to_utc(visit["scheduled_at"])
        for minutes in settings.REMINDER_OFFSETS_MINUTES:
            send_at = scheduled - timedelta(minutes=minutes)
            if send_at <= self.now:
                continue
            key = "visit.reminder_day" if minutes >= 24 * 60 else "visit.reminder_hour"
            values = {"when": self.when(scheduled, lang), "code": visit["code"]}
            specs.append(self.spec(to, self.t(lang, key, **values), "visit_reminder", values, send_at=send_at,
                                   lang=lang, expires_at=scheduled))
        return specs

    def outcome(self, visit: dict, to: str, lang: str, answer: str, reason: str = "",
                proposed_at: datetime | None = None, host_name: str = "") -> dict:
        """The host's answer, told politely (SOP 000 step 7)."""
        when = self.when(proposed_at or visit["scheduled_at"], lang)
        values = {"code": visit["code"], "when": when, "reason": reason, "host": host_name,
                  "status": self.t(lang, f"visit.status.{OUTCOME_STATUS[answer]}")}
        key = f"visit.outcome_{answer}" + ("_reason" if answer == "decline" and reason else "")
        return self.spec(to, self.t(lang, key, **values), "visit_outcome", values, lang=lang)
