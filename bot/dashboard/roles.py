"""Who may do what on the dashboard. One table: pages ask for a permission, never for a role."""

from __future__ import annotations

from enum import StrEnum


class Role(StrEnum):
    ADMIN = "admin"      # every office; users and roles, audit log
    DESK = "desk"        # petugas PTSP: guest book, transcripts of their office
    HANDLER = "handler"  # complaint handler: complaints, transcripts of their office
    VIEWER = "viewer"    # read-only summaries; no personal data


# permission -> roles that have it. Other domains add theirs with `grant` when their pages load.
PERMISSIONS: dict[str, frozenset[Role]] = {
    "home": frozenset(Role),
    "transcripts": frozenset({Role.ADMIN, Role.DESK, Role.HANDLER}),
    "users": frozenset({Role.ADMIN}),
    "audit": frozenset({Role.ADMIN}),
}


def grant(permission: str, *roles: Role) -> None:
    """Give `roles` (admins always) a permission, e.g. `grant("visits", Role.DESK)` in a pages module."""
    PERMISSIONS[permission] = PERMISSIONS.get(permission, frozenset()) | {Role.ADMIN, *roles}


def parse(value: str) -> Role | None:
    try:
        return Role(value)
    except ValueError:
        return None


def allows(role: str, permission: str) -> bool:
    """False for an unknown role or permission: access is granted only by the table."""
    parsed = parse(role)
    return parsed is not None and parsed in PERMISSIONS.get(permission, frozenset())


def sees_all_offices(role: str) -> bool:
    return role == Role.ADMIN
