"""The words of every visit message, rendered from the catalogs into ready-to-record specs.

Flows and jobs build specs here; effect handlers only record them (bot/visits/effects.py). A spec
is {"to", "body", "kind", "content_sid", "content_variables", "send_at"}: the template fields are
filled from config/templates.yaml when the recipient is outside WhatsApp's 24-hour window (or for a
message sent later, when nobody can know whether the window will be open).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select

from bot import defaults
from bot.clock import as_utc
from bot.i18n import Messages
from bot.models import Conversation
from bot.offices import WEEKDAYS, Office
from bot.visits import settings
from bot.visits.employees import Staff
from bot.visits.settings import to_utc
from bot.visits.templates import template_for

HOST_LANG = "id"  # employees read notices in Indonesian
OUTCOME_STATUS = {"accept": "accepted", "decline": "declined", "propose": "proposed", "redirect": "redirected"}


@lru_cache(maxsize=4)
def catalog(config_dir: Path) -> Messages:
    return Messages(Path(config_dir))


class Notices:
    def __init__(self, config, office: Office, now: datetime, db=None):
        self.config = config
        self.office = office
        self.now = now
        self.db = db
        self.messages = catalog(settings.config_dir(config))

    def t(self, lang: str, key: str, **values: object) -> str:
        return self.messages.text(lang, key, **{"office": self.office.name, **values})

    def when(self, moment: datetime, lang: str) -> str:
        local = as_utc(moment).astimezone(self.office.zone)
        return self.t(lang, "visit.when_format", day=self.t(lang, f"days.{WEEKDAYS[local.weekday()]}"),
                      date=local.day, month=self.t(lang, f"visit.months.m{local.month}"), year=local.year,
                      time=local.strftime("%H.%M"), zone=self.office.zone_abbr)

    def window_open(self, number: str) -> bool:
        if self.db is None:
            return False
        with self.db.session() as session:
            last = session.scalar(select(Conversation.last_inbound_at).where(
                Conversation.office == self.office.slug, Conversation.phone == number))
        return last is not None and self.now - as_utc(last) < timedelta(seconds=defaults.WHATSAPP_WINDOW_SECONDS)

    def spec(self, to: str, body: str, kind: str, values: dict[str, object], send_at: datetime | None = None,
             template: str | None = None) -> dict:
        """A message to record; a template is attached when the window is closed now or it is sent later."""
        sid, variables = None, None
        if send_at is not None or not self.window_open(to):
            sid, variables = template_for(settings.config_dir(self.config), template or kind,
                                          {"office": self.office.name, **values})
        return {"to": to, "body": body, "kind": kind, "content_sid": sid, "content_variables": variables,
                "send_at": send_at}

    # -- to the host -------------------------------------------------------------------------------
    def _guest_values(self, visit: dict) -> dict[str, object]:
        return {"guest": visit["name"], "purpose": visit["purpose"], "code": visit["code"],
                "identity": f"{visit['id_type'].upper()} {visit['id_masked']}",
                "when": self.when(visit["scheduled_at"], HOST_LANG), "host": visit.get("host_name") or ""}

    def host_notice(self, visit: dict, to: str) -> dict:
        values = self._guest_values(visit)
        return self.spec(to, self.t(HOST_LANG, "host.notice", **values), "host_notice", values)

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
        return self.spec(to, self.t(HOST_LANG, key, **values), "host_notice", values)

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
            specs.append(self.spec(to, self.t(lang, key, **values), "visit_reminder", values, send_at=send_at))
        return specs

    def outcome(self, visit: dict, to: str, lang: str, answer: str, reason: str = "",
                proposed_at: datetime | None = None, host_name: str = "") -> dict:
        """The host's answer, told politely (SOP 000 step 7)."""
        when = self.when(proposed_at or visit["scheduled_at"], lang)
        values = {"code": visit["code"], "when": when, "reason": reason, "host": host_name,
                  "status": self.t(lang, f"visit.status.{OUTCOME_STATUS[answer]}")}
        key = f"visit.outcome_{answer}" + ("_reason" if answer == "decline" and reason else "")
        return self.spec(to, self.t(lang, key, **values), "visit_outcome", values)
