"""The role table's `grant` (bot/dashboard/roles.py), where the mutation run (bench/mutation.py access
--modules bot/dashboard/roles.py) showed no test decided: a permission granted again, or a built-in
one granted to more roles, keeps the roles it had. Each pages module grants its own permissions when
it loads, so two of them naming the same permission must add up, never replace each other."""

from __future__ import annotations

import pytest

from bot.dashboard import roles
from bot.dashboard.roles import Role


@pytest.fixture
def table(monkeypatch):
    monkeypatch.setattr(roles, "PERMISSIONS", dict(roles.PERMISSIONS))  # the real table stays as it is


def test_a_second_grant_adds_its_roles_to_the_first(table):
    roles.grant("reports", Role.DESK)
    roles.grant("reports", Role.VIEWER)
    assert [r for r in Role if roles.allows(r, "reports")] == [Role.ADMIN, Role.DESK, Role.VIEWER]


def test_granting_a_built_in_permission_keeps_the_roles_it_had(table):
    roles.grant("transcripts", Role.VIEWER)
    assert all(roles.allows(r, "transcripts") for r in Role)
    roles.grant("users")  # admins only, again
    assert [r for r in Role if roles.allows(r, "users")] == [Role.ADMIN]
