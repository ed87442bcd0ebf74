"""Every statement a citizen's message runs finds its rows through an index, never by reading a table that
grows with each message (SQLite's EXPLAIN QUERY PLAN; PostgreSQL plans from its statistics instead).

This caught `Outbox.releasable` reading the office's whole outbox on every message: with an ORDER BY,
SQLite preferred the office's index to the (office, to_number, status) one, a cost that grew with
every message the office had ever sent."""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import contextmanager
from urllib.parse import urlsplit

import pytest
from sqlalchemy import event

from tests.support.dashboard import signed_in
from tests.support.visits import KASI_INTEL, make_config_dir, register

# Tables that grow with the messages, visits and complaints: reading one whole, or all of an office's
# rows, costs more each day. Small per-office tables (employees, catalog versions) may be read whole.
GROWING = {"inbound_messages", "outbound_messages", "status_events", "conversations", "visits", "complaints",
           "complaint_events", "survey_invitations", "survey_responses", "audit_log", "handoffs"}
# The tables that grow at the pace of messages (hundreds a day per office), not of visits and complaints.
MESSAGE_PACE = {"inbound_messages", "outbound_messages", "status_events", "conversations"}
WHOLE_TABLE = re.compile(r"^SCAN (\w+)")
WHOLE_OFFICE = re.compile(r"^SEARCH (\w+) USING (?:COVERING )?INDEX \w+ \(office=\?\)$")

BSUID = "ID.1502576394655843"
CONVERSATIONS = [
    ["halo", "1", "3", "1", "syarat bantuan hukum", "menu"],  # the services, as bench/webhook.py's script
    ["2", "menu", "3", "menu", "4", "menu", "5", "menu", "6", "menu"],  # each item of the main menu
]
# A person who wrote with their number and WhatsApp user ID, then with the user ID alone: what is held
# for them is asked for by both addresses.
BY_USER_ID = [dict(body="halo", external_user_id=BSUID), dict(body="menu", from_=BSUID)]


@pytest.fixture
def config(config, tmp_path):
    config.CONFIG_DIR = make_config_dir(tmp_path / "config")  # employees with WhatsApp numbers
    config.MEDIA_DIR = str(tmp_path / "media")
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


@contextmanager
def statements(runtime):
    """Each distinct statement run meanwhile (reads, updates, deletes), with its first parameters."""
    seen: dict[str, object] = {}

    def keep(_conn, _cursor, statement, parameters, _context, executemany) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")) and not executemany:
            seen.setdefault(statement, parameters)

    event.listen(runtime.db.engine, "before_cursor_execute", keep)
    try:
        yield seen
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", keep)


def wasteful_statements(runtime, seen: dict[str, object], tables: set[str] = GROWING) -> dict[str, list[str]]:
    problems = {}
    with runtime.db.engine.connect() as conn:
        for statement, parameters in seen.items():
            plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
            if wasteful(plan, tables):
                problems[" ".join(statement.split())[-300:]] = plan
    return problems


def sqlite_only(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")


def wasteful(plan: list[str], tables: set[str] = GROWING) -> list[str]:
    def growing(line: str) -> bool:
        return any(m and m.group(1) in tables for m in (WHOLE_TABLE.match(line), WHOLE_OFFICE.match(line)))

    return [line for line in plan if growing(line)]


def test_a_citizens_messages_never_read_a_growing_table_whole(whatsapp, runtime, database_url):
    sqlite_only(database_url)
    with statements(runtime) as seen:
        for script in CONVERSATIONS:
            for body in script:
                assert whatsapp.send(body).status == 200
        for message in BY_USER_ID:
            assert whatsapp.send(**message).status == 200
    assert any("outbound_messages.to_number IN (?, ?)" in statement for statement in seen)  # both addresses
    assert len(seen) >= 8  # the capture saw the message path, not only a start-up read
    problems = wasteful_statements(runtime, seen)
    assert not problems, "\n".join(f"{k} {v}" for k, v in problems.items())


def test_a_visit_its_notices_and_their_statuses_never_read_a_growing_table_whole(
        whatsapp, runtime, standin, client, work: Callable[[], None], database_url):
    """The worker's side too: the host's notice and the reminders sent, Twilio's status callbacks, the
    host's answer and the citizen told."""
    sqlite_only(database_url)

    def into_the_app(url, params, headers):
        parts = urlsplit(url)
        return client.post(parts.path + (f"?{parts.query}" if parts.query else ""), data=params, headers=headers)

    standin.callback_sink = into_the_app
    with statements(runtime) as seen:
        assert "Kunjungan Anda sudah terdaftar" in register(whatsapp, runtime, standin).text
        work()
        standin.flush_callbacks()
        assert whatsapp.send("1", from_=KASI_INTEL).status == 200  # the host accepts
        work()
        standin.flush_callbacks()
    assert any(message.to == "whatsapp:" + KASI_INTEL for message in standin.messages)  # the notice went
    assert any("status_events" in statement for statement in seen)  # and its callbacks were applied
    problems = wasteful_statements(runtime, seen)
    assert not problems, "\n".join(f"{k} {v}" for k, v in problems.items())


def test_the_check_flags_a_whole_office_read():
    assert wasteful(["SEARCH outbound_messages USING INDEX ix_outbound_messages_office (office=?)"])
    assert wasteful(["SCAN inbound_messages"])
    assert not wasteful(
        ["SEARCH outbound_messages USING INDEX ix_outbound_held_for (office=? AND to_number=? AND status=?)"])
    assert not wasteful(["SEARCH employees USING INDEX sqlite_autoindex_employees_1 (office=?)"])


def test_the_desks_pages_and_their_live_polls_never_read_a_growing_table_whole(whatsapp, runtime, standin, app,
                                                                                 work: Callable[[], None],
                                                                                 database_url):
    """An office's desk keeps Beranda, the guest book and the inbox open all day, each polling every few
    seconds and reloading on a change: what they read must not grow with the office's messages. (Their
    reads of visits, complaints and handoffs, which grow at a human pace, are not held to this yet.)"""
    sqlite_only(database_url)
    register(whatsapp, runtime, standin)
    whatsapp.send("menu", from_="+6281234500077")
    work()
    desk = signed_in(app, runtime, "meja", "admin")
    pages = ["/dashboard/", "/dashboard/guestbook", "/dashboard/inbox"]  # reloaded when the poll sees a change
    with statements(runtime) as seen:
        for page in pages:
            assert desk.get(page).status_code == 200, page
        for view in ("home", "guestbook", "inbox"):
            assert desk.get(f"/dashboard/live?view={view}").status_code == 200, view
    assert len(seen) >= 20
    problems = wasteful_statements(runtime, seen, MESSAGE_PACE)
    assert not problems, "\n".join(f"{k} {v}" for k, v in problems.items())
