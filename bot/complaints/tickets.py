"""Ticket numbers per office and year, safe under concurrency on SQLite and PostgreSQL.

One row per (office, year) holds the last number. It is created if missing (INSERT … ON CONFLICT
DO NOTHING) and incremented with a single UPDATE … RETURNING: the UPDATE takes the row's write lock
(PostgreSQL) or the database's write lock (SQLite), so concurrent transactions get consecutive,
distinct numbers; the unique constraints on complaints catch anything else.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from bot.models.complaints import TicketSequence


def next_number(session: Session, office: str, year: int) -> int:
    dialect = session.get_bind().dialect.name
    if dialect in ("postgresql", "sqlite"):
        insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(TicketSequence)
        session.execute(insert.values(office=office, year=year, last=0).on_conflict_do_nothing(
            index_elements=["office", "year"]))
        return session.execute(update(TicketSequence).where(
            TicketSequence.office == office, TicketSequence.year == year).values(
            last=TicketSequence.last + 1).returning(TicketSequence.last)).scalar_one()
    row = session.scalar(select(TicketSequence).where(
        TicketSequence.office == office, TicketSequence.year == year).with_for_update())
    if row is None:
        row = TicketSequence(office=office, year=year, last=0)
        session.add(row)
    row.last += 1
    session.flush()
    return row.last
