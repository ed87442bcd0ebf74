"""The office's employee directory: the SQL `employees` table, which the guest book reads.

Rows come from two places. The employees file (`config/employees/<office>.yaml`) seeds them and keeps
its rows in step when it is edited; the dashboard's Employees page edits them. The last word wins: a
row the dashboard has edited is the dashboard's from then on (`managed_by`), and a later change of the
file no longer touches it. Rows are never deleted, because visits point at them: one that leaves the
file, or is switched off on the dashboard, becomes inactive and is no longer offered to citizens.

Reading never writes: conversations read the directory inside the inbox's transaction, and a second
writer there would wait on SQLite's lock.

Every message asks whether its sender is an employee (a host answering a visit notice), so each
process keeps each office's staff in memory, keyed on the office's settings token (bot/revisions.py)
and the employees file's mtime. Any committed change to an employee row, from the dashboard, the file
sync or anywhere else, marks its office (the mapper events below) and bumps the token after the
commit, so every process reloads at its next message. The file is synced when a process starts (runtime.build),
every minute by the worker's cron (so an edited file shows within a minute), and when the dashboard's
Employees page opens.
"""

from __future__ import annotations

import logging
import re
import threading
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import event, select
from sqlalchemy.exc import IntegrityError, SQLAlchemyError
from sqlalchemy.orm import Session, object_session

from bot import revisions
from bot.db import Database
from bot.employees import Employee, Staff, for_citizens, is_placeholder_name, load_staff
from bot.models.visits import Employee as EmployeeRow
from bot.offices import Office

logger = logging.getLogger(__name__)

FILE = "file"
DASHBOARD = "dashboard"
HOST = "host"
DESK = "desk"
ROLES = (HOST, DESK)


@event.listens_for(EmployeeRow, "after_insert")
@event.listens_for(EmployeeRow, "after_update")
@event.listens_for(EmployeeRow, "after_delete")
def _employee_changed(_mapper, _connection, row: EmployeeRow) -> None:
    session = object_session(row)
    if session is not None:
        revisions.note_change(session, row.office)


def as_employee(row: EmployeeRow) -> Employee:
    return Employee(key=row.key, name=row.name, title=row.title or "", unit=row.unit,
                    aliases=tuple(row.aliases or ()), whatsapp=row.whatsapp, placeholder=is_placeholder_name(row.name))


def sync_from_file(session: Session, office: str, staff: Staff) -> int:
    """Brings the file's rows in step with the file (rows the dashboard owns are left alone); a file row
    no longer in the file becomes inactive. Returns the number of rows written. Idempotent."""
    existing = {row.key: row for row in session.scalars(select(EmployeeRow).where(EmployeeRow.office == office))}
    written = 0
    in_file = set()
    for role, people in ((HOST, staff.employees), (DESK, staff.desk_officers)):
        for person in people:
            in_file.add(person.key)
            row = existing.get(person.key)
            if row is None:
                row = EmployeeRow(office=office, key=person.key, managed_by=FILE)
                session.add(row)
            elif row.managed_by != FILE:
                continue
            values = (person.name, person.title, person.unit, person.whatsapp, role, list(person.aliases), True)
            current = (row.name, row.title, row.unit, row.whatsapp, row.role, list(row.aliases or ()), row.active)
            if values != current:
                row.name, row.title, row.unit, row.whatsapp, row.role, row.aliases, row.active = values
                written += 1
    for key, row in existing.items():
        if key not in in_file and row.managed_by == FILE and row.active:
            row.active = False
            written += 1
    session.flush()
    return written


def new_key(session: Session, office: str, name: str) -> str:
    """A stable key for an employee added on the dashboard: the name's slug, made unique in the office."""
    base = re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:48] or "pegawai"
    taken = set(session.scalars(select(EmployeeRow.key).where(EmployeeRow.office == office)))
    key, n = base, 2
    while key in taken:
        key, n = f"{base}-{n}", n + 1
    return key


@dataclass
class Directory:
    """An office's staff from the database; `sync` brings in a changed employees file."""

    db: Database
    config_dir: Path
    revisions: revisions.RevisionWatch | None = None  # None: no cache, every call reads SQL

    def __post_init__(self) -> None:
        self._seen: dict[str, float] = {}  # office -> mtime of the file this process last synced
        self._lock = threading.Lock()
        # office -> ((settings token, file mtime), what staff() answered then)
        self._cache: dict[str, tuple[tuple[str, float], Staff]] = {}

    def _file(self, office: Office) -> Path | None:
        if not office.employees_file:
            return None
        path = Path(self.config_dir) / office.employees_file
        return path if path.exists() else None

    def sync(self, office: Office) -> int:
        """Syncs the office's file if this process has not synced its current version. Returns rows written."""
        path = self._file(office)
        if path is None:
            return 0
        mtime = path.stat().st_mtime
        if self._seen.get(office.slug) == mtime:
            return 0
        with self._lock:
            file_staff = load_staff(self.config_dir, office)
            for attempt in (1, 2):  # two processes seeding at once: the loser reads the winner's rows
                try:
                    with self.db.session() as session:
                        written = sync_from_file(session, office.slug, file_staff)
                        session.commit()
                    break
                except IntegrityError:
                    if attempt == 2:
                        raise
            if written:
                logger.info("employees of %s: %d rows synced from %s", office.slug, written, path.name)
            self._seen[office.slug] = mtime
            return written

    def sync_all(self, offices) -> None:
        """At start-up and from the worker's cron; a database not migrated yet is only a warning."""
        for office in offices:
            try:
                self.sync(office)
            except SQLAlchemyError as exc:
                logger.warning("employees of %s not synced: %s", office.slug, exc.__class__.__name__)
                return

    def staff(self, office: Office) -> Staff:
        """The office's active hosts and desk officers, plus the file's settings (accepted ID types).
        An office never synced yet falls back to its file, read-only. A placeholder name ("Contoh Nama
        Kasi PB3R") never leaves here: it reads "Petugas yang membidangi <unit>" (employees.for_citizens)."""
        if self.revisions is None:
            return self._read(office)
        path = self._file(office)
        key = (self.revisions.token(office.slug), path.stat().st_mtime if path else 0.0)
        cached = self._cache.get(office.slug)
        if cached is not None and cached[0] == key:
            return cached[1]
        staff = self._read(office)
        self._cache[office.slug] = (key, staff)
        return staff

    def _read(self, office: Office) -> Staff:
        file_staff = load_staff(self.config_dir, office)
        with self.db.session() as session:
            rows = list(session.scalars(select(EmployeeRow).where(EmployeeRow.office == office.slug)
                                        .order_by(EmployeeRow.id)))
        if not rows:
            return for_citizens(file_staff, office)
        active = [r for r in rows if r.active]
        staff = Staff(office=office.slug,
                      employees=tuple(as_employee(r) for r in active if r.role == HOST),
                      desk_officers=tuple(as_employee(r) for r in active if r.role == DESK),
                      id_types=file_staff.id_types,
                      placeholder=file_staff.placeholder and all(r.managed_by == FILE for r in rows))
        return for_citizens(staff, office)

    def row(self, session: Session, office: str, key: str | None) -> EmployeeRow | None:
        """The row a visit points at (inactive ones too: an old visit's host may have left)."""
        if not key:
            return None
        return session.scalar(select(EmployeeRow).where(EmployeeRow.office == office, EmployeeRow.key == key))
