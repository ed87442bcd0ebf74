"""How one outbound message can reach its person, decided when it is sent (and foreseen for the desk).

Inside WhatsApp's 24-hour window (bot/window.py) the full text goes. Outside it only an approved
template goes: the office's own (`content_sid` recorded with the row, from config/templates.yaml),
else Loket's template of the row's kind in the reader's language (bot/whatsapp/resolver.py), filled
from the row's named values. Without one the row is held with the precise reason, and released
when the person writes or the template is approved (bot/outbox.py `releasable`).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.orm import Session

from bot import statuses
from bot.clock import as_utc
from bot.i18n import DEFAULT_LANGUAGE
from bot.whatsapp.resolver import resolve
from bot.window import window_of

HOLD_MESSAGES = {
    statuses.OUTSIDE_WINDOW: "outside WhatsApp's 24-hour window and no template configured for this kind",
    statuses.TEMPLATE_PENDING: "outside the 24-hour window; the template of this kind awaits WhatsApp's approval",
    statuses.TEMPLATE_REJECTED: "outside the 24-hour window; WhatsApp rejected the template of this kind",
    statuses.NO_TEMPLATE: "outside the 24-hour window; no template of this kind was synced (templates sync)",
}


@dataclass(frozen=True)
class Plan:
    """Send as text, send as a template (content_sid + variables), hold (reason) or drop (expired)."""

    content_sid: str | None = None
    variables: dict[str, str] | None = None
    hold: str | None = None  # a statuses.HOLD_REASONS code
    expired: bool = False

    @property
    def sends(self) -> bool:
        return self.hold is None and not self.expired

    @property
    def hold_message(self) -> str:
        return HOLD_MESSAGES.get(self.hold or "", "")


def plan(session: Session, config, *, office: str, to: str, kind: str, body: str, lang: str | None,
         template_values: dict | None, content_sid: str | None = None,
         content_variables: dict | None = None, expires_at: datetime | None = None, now: datetime) -> Plan:
    if expires_at is not None and as_utc(expires_at) <= now:
        return Plan(expired=True)
    window_open = window_of(session, office, to, now).open
    if window_open and (body or not content_sid):
        return Plan()
    if content_sid:
        return Plan(content_sid, content_variables)
    if template_values is None:  # not a notice Loket has a template for (e.g. a chat reply)
        return Plan(hold=statuses.OUTSIDE_WINDOW)
    resolution = resolve(session, kind, lang or DEFAULT_LANGUAGE, config=config)
    if resolution.approved:
        return Plan(resolution.content_sid, resolution.variables(template_values))
    return Plan(hold=resolution.state)


def plan_row(session: Session, config, row, now: datetime) -> Plan:
    """The plan for a recorded outbox row: what the sender will do with it (the desk shows it ahead)."""
    return plan(session, config, office=row.office, to=row.to_number, kind=row.kind, body=row.body, lang=row.lang,
                template_values=row.template_values, content_sid=row.content_sid,
                content_variables=row.content_variables, expires_at=row.expires_at, now=now)
