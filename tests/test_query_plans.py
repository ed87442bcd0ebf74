"""Every statement a citizen's message runs finds its rows through an index, never by reading a table that
grows with each message (SQLite's EXPLAIN QUERY PLAN; PostgreSQL plans from its statistics instead).

This caught `Outbox.releasable` reading the office's whole outbox on every message: with an ORDER BY,
SQLite preferred the office's index to the (office, to_number, status) one, a cost that grew with
every message the office had ever sent."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import event

# Tables that grow with the messages, visits and complaints: reading one whole, or all of an office's
# rows, costs more each day. Small per-office tables (employees, catalog versions) may be read whole.
GROWING = {"inbound_messages", "outbound_messages", "status_events", "conversations", "visits", "complaints",
           "complaint_events", "survey_invitations", "survey_responses", "audit_log", "handoffs"}
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


def wasteful(plan: list[str]) -> list[str]:
    def growing(line: str) -> bool:
        return any(m and m.group(1) in GROWING for m in (WHOLE_TABLE.match(line), WHOLE_OFFICE.match(line)))

    return [line for line in plan if growing(line)]


def test_a_citizens_messages_never_read_a_growing_table_whole(whatsapp, runtime, database_url):
    if not database_url.startswith("sqlite"):
        pytest.skip("EXPLAIN QUERY PLAN is SQLite's")
    seen: dict[str, object] = {}

    def keep(_conn, _cursor, statement, parameters, _context, executemany) -> None:
        if statement.lstrip().upper().startswith(("SELECT", "UPDATE", "DELETE")) and not executemany:
            seen.setdefault(statement, parameters)

    event.listen(runtime.db.engine, "before_cursor_execute", keep)
    try:
        for script in CONVERSATIONS:
            for body in script:
                assert whatsapp.send(body).status == 200
        for message in BY_USER_ID:
            assert whatsapp.send(**message).status == 200
    finally:
        event.remove(runtime.db.engine, "before_cursor_execute", keep)
    assert any("outbound_messages.to_number IN (?, ?)" in statement for statement in seen)  # both addresses
    problems = {}
    with runtime.db.engine.connect() as conn:
        for statement, parameters in seen.items():
            plan = [row[3] for row in conn.exec_driver_sql("EXPLAIN QUERY PLAN " + statement, parameters)]
            if wasteful(plan):
                problems[statement.split("WHERE")[0][:120]] = plan
    assert problems == {}
    assert len(seen) >= 8  # the capture saw the message path, not only a start-up read


def test_the_check_flags_a_whole_office_read():
    assert wasteful(["SEARCH outbound_messages USING INDEX ix_outbound_messages_office (office=?)"])
    assert wasteful(["SCAN inbound_messages"])
    assert not wasteful(
        ["SEARCH outbound_messages USING INDEX ix_outbound_held_for (office=? AND to_number=? AND status=?)"])
    assert not wasteful(["SEARCH employees USING INDEX sqlite_autoindex_employees_1 (office=?)"])
