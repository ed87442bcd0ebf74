"""The audit log: every page that shows or changes personal data records who, what, when, from where.

`record` adds the row to the caller's session, so a change and its audit entry commit together.
The web layer's helper (handlers.dashboard.access.audit) fills in the signed-in user and the IP.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from bot.masking import mask_nik
from bot.models.staff import AuditEvent, StaffUser

VIEW = "view"
SEARCH = "search"
CREATE = "create"
UPDATE = "update"
CREDENTIALS_RESET = "credentials_reset"  # an admin set a new password
LOGIN = "login"
LOGIN_FAILED = "login_failed"
LOGIN_LOCKED = "login_locked"
LOGOUT = "logout"
EXPORT = "export"  # a citizen's data handed over as a file (UU 27/2022 Pasal 7)
ERASE = "erase"  # a citizen's data erased at their request (Pasal 8, 43)
DELETE = "delete"


def _clean(detail: dict[str, Any] | None) -> dict[str, Any]:
    """Strings in the detail lose any NIK they might carry (a search box can hold one)."""
    return {k: mask_nik(v) if isinstance(v, str) else v for k, v in (detail or {}).items()}


def record(session: Session, *, actor: StaffUser | None, action: str, subject_type: str,
           subject_id: object = None, office: str | None = None, ip: str | None = None,
           detail: dict[str, Any] | None = None, actor_username: str | None = None) -> AuditEvent:
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None,
        actor_username=(actor.username if actor is not None else actor_username or "-")[:64],
        action=action, subject_type=subject_type,
        subject_id=None if subject_id is None else str(subject_id)[:64],
        office=office, ip=(ip or None) and ip[:64], detail=_clean(detail),
    )
    session.add(event)
    return event
