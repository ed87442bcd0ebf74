"""The dashboard's rules without HTTP: roles, passwords, throttling, staff accounts (masking: test_masking)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from bot.dashboard import passwords, roles, staff
from bot.dashboard.throttle import LoginThrottle, failures_key
from bot.dashboard.transcripts import number_digits
from bot.i18n import Messages
from config.settings import CONFIG_DIR


def test_role_table_grants_only_what_it_names():
    assert roles.allows("admin", "users") and roles.allows("admin", "transcripts")
    assert roles.allows("desk", "transcripts") and roles.allows("handler", "transcripts")
    assert not roles.allows("viewer", "transcripts")
    assert not roles.allows("desk", "users") and not roles.allows("handler", "audit")
    assert all(roles.allows(r.value, "home") for r in roles.Role)
    assert not roles.allows("root", "home")
    assert not roles.allows("admin", "no-such-permission")


def test_passwords_are_salted_hashes_and_need_ten_characters():
    first, second = passwords.hash_password("arsip-lantai-3"), passwords.hash_password("arsip-lantai-3")
    assert first != second and "arsip" not in first
    assert passwords.verify(first, "arsip-lantai-3") and not passwords.verify(first, "arsip-lantai-4")
    assert not passwords.verify(None, "arsip-lantai-3")
    with pytest.raises(passwords.WeakPassword):
        passwords.hash_password("pendek")


def test_throttle_locks_after_five_failures_for_fifteen_minutes(runtime, frozen_clock):
    throttle = LoginThrottle(runtime.redis)
    for _ in range(4):
        assert throttle.failed("budi", "10.0.0.1") is None
    assert throttle.locked_until("budi", "10.0.0.1") is None
    until = throttle.failed("budi", "10.0.0.1")
    assert until is not None and (until - frozen_clock.now()).total_seconds() == 15 * 60
    assert throttle.locked_until("budi", "10.0.0.1") == until
    assert throttle.locked_until("BUDI ", "10.0.0.1") == until  # usernames are case-insensitive
    assert throttle.locked_until("budi", "10.0.0.2") is None  # another address is not locked
    assert throttle.locked_until("siti", "10.0.0.1") is None
    frozen_clock.advance(minutes=14, seconds=59)
    assert throttle.locked_until("budi", "10.0.0.1") == until
    frozen_clock.advance(seconds=1)
    assert throttle.locked_until("budi", "10.0.0.1") is None


def test_throttle_success_clears_the_count_and_keys_hold_no_names(runtime):
    throttle = LoginThrottle(runtime.redis)
    for _ in range(4):
        throttle.failed("budi", "10.0.0.1")
    throttle.succeeded("budi", "10.0.0.1")
    for _ in range(4):
        assert throttle.failed("budi", "10.0.0.1") is None
    key = failures_key("budi", "10.0.0.1")
    assert "budi" not in key and "10.0.0.1" not in key
    assert 0 < runtime.redis.ttl(key) <= 15 * 60


def test_staff_accounts_validate_role_office_and_username(runtime):
    offices = {o.slug for o in runtime.offices}
    with runtime.db.session() as s:
        admin = staff.create(s, username=" Admin ", display_name="", password="arsip-lantai-3", role="admin",
                             office=None, offices=offices)
        assert admin.username == "admin" and admin.display_name == "admin"
        with pytest.raises(staff.DuplicateUsername):
            staff.create(s, username="ADMIN", display_name="x", password="arsip-lantai-3", role="admin",
                         office=None, offices=offices)
        with pytest.raises(staff.OfficeRequired):
            staff.create(s, username="desk1", display_name="x", password="arsip-lantai-3", role="desk",
                         office="", offices=offices)
        with pytest.raises(staff.UnknownOffice):
            staff.create(s, username="desk1", display_name="x", password="arsip-lantai-3", role="desk",
                         office="kejari-mars", offices=offices)
        with pytest.raises(staff.InvalidRole):
            staff.create(s, username="desk1", display_name="x", password="arsip-lantai-3", role="root",
                         office="kejari-alor", offices=offices)
        with pytest.raises(staff.InvalidUsername):
            staff.create(s, username="a b", display_name="x", password="arsip-lantai-3", role="desk",
                         office="kejari-alor", offices=offices)
        with pytest.raises(staff.WeakPassword):
            staff.create(s, username="desk1", display_name="x", password="pendek", role="desk",
                         office="kejari-alor", offices=offices)
        with pytest.raises(staff.LastAdmin):
            staff.update(s, admin, display_name="A", role="admin", office=None, active=False, offices=offices)
        version = admin.auth_version
        assert staff.update(s, admin, display_name="Admin Satu", role="admin", office=None, active=True,
                            offices=offices) == ["display_name"]
        assert admin.auth_version == version  # a new name does not sign anyone out
        staff.set_password(admin, "kata-sandi-baru")
        assert admin.auth_version == version + 1
        assert staff.authenticate(s, "ADMIN", "kata-sandi-baru") is admin
        assert staff.authenticate(s, "admin", "arsip-lantai-3") is None
        assert staff.authenticate(s, "nobody", "arsip-lantai-3") is None


@pytest.mark.parametrize(("text", "digits"), [
    ("0812 3450 0001", "6281234500001"), ("+62 812-345", "62812345"), ("3450001", "3450001"),
    ("Budi", None), ("12", None), ("Budi 0812", None),
])
def test_number_search_reads_local_and_international_forms(text, digits):
    assert number_digits(text) == digits


def test_every_dashboard_text_key_used_exists_in_both_languages():
    messages = Messages(CONFIG_DIR)
    sources = [p.read_text("utf-8") for p in Path("handlers/dashboard").rglob("*") if p.suffix in (".py", ".html")]
    used = {m for text in sources for m in re.findall(r"""\bt\(["']([a-z_]+(?:\.[a-z_]+)+)["']""", text)}
    used |= {f"roles.{r.value}" for r in roles.Role}
    used |= {cls.key for cls in vars(staff).values() if isinstance(cls, type) and issubclass(cls, staff.StaffError)}
    assert len(used) > 60
    missing = sorted(k for k in used if not messages.has(f"dashboard.{k}"))
    assert missing == []


# The one reviewed exception: the `listing` macro's filter writes each cell's column name into the rows it
# was given, which autoescape has already rendered (test_list_cells_are_labelled_and_user_text_stays_escaped).
REVIEWED_MARKUP = "return Markup(_ROW.sub(row, str(rows)))"


def test_templates_never_mark_text_safe():
    """Autoescape does the work; a `|safe` or Markup() in the dashboard would be a hole for user text."""
    files = [p for p in Path("handlers/dashboard").rglob("*") if p.suffix in (".py", ".html")]
    offenders = [str(p) for p in files if re.search(r"\|\s*safe\b|Markup\(|autoescape\s+false",
                                                     p.read_text("utf-8").replace(REVIEWED_MARKUP, ""))]
    assert files and offenders == []


def test_list_cells_are_labelled_and_user_text_stays_escaped(app):
    """On a phone a list row is a card: every cell carries its column's name. What a citizen wrote (even
    "<td" or a quote) is escaped before the filter sees it and stays escaped; a left-out column (None) is
    skipped, so the names stay in step with the cells."""
    template = app.jinja_env.from_string(
        '{% from "dashboard/_macros.html" import listing %}'
        '{% call listing(["Nama", none, "Keperluan \\"x\\"", ""]) %}'
        "{% for name in names %}<tr><td>{{ name }}</td><td class='a'>{{ name }}</td><td></td></tr>{% endfor %}"
        "{% endcall %}")
    with app.test_request_context():
        html = template.render(names=['<td onclick="x()">Budi', "Siti"])
    assert html.count('<td data-label="Nama">') == 2
    assert html.count("<td data-label=\"Keperluan &#34;x&#34;\" class='a'>") == 2
    assert html.count('<td data-label="">') == 2
    assert "&lt;td onclick=&#34;x()&#34;&gt;Budi" in html and '<td onclick' not in html


def test_other_domains_grant_their_own_permissions(monkeypatch):
    monkeypatch.setattr(roles, "PERMISSIONS", dict(roles.PERMISSIONS))
    assert not roles.allows("desk", "visits")
    roles.grant("visits", roles.Role.DESK)
    assert roles.allows("desk", "visits") and roles.allows("admin", "visits")
    assert not roles.allows("handler", "visits") and not roles.allows("viewer", "visits")
