"""The employee directory: seeded from the employees file, kept in step with it, edited on the dashboard
(whose edit then wins), never deleted; and the guest book on WhatsApp reads it."""

from __future__ import annotations

import os

import pytest
import yaml
from sqlalchemy import select

from bot.dashboard import employees as edits
from bot.models.visits import Employee
from bot.visits import jobs
from tests.support.visits import CITIZEN, EMPLOYEES, KASI_INTEL, make_config_dir, outbox_to, register

NEW_HOST = "+6281100000077"


@pytest.fixture
def config(config, tmp_path):
    config.CONFIG_DIR = make_config_dir(tmp_path / "config")
    config.MEDIA_DIR = str(tmp_path / "media")
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime  # installed, as the worker's jobs need


@pytest.fixture
def office(runtime):
    return runtime.offices.get("kejari-klungkung")


@pytest.fixture
def directory(runtime):
    return runtime.deps.directory


def rewrite_file(config, change) -> None:
    """Edit the office's employees file as an operator would, and make sure its mtime moves."""
    path = config.CONFIG_DIR / "employees" / "kejari-klungkung.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    change(data)
    before = path.stat().st_mtime
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    os.utime(path, (before + 5, before + 5))


def rows(runtime) -> dict[str, Employee]:
    with runtime.db.session() as s:
        return {row.key: row for row in s.scalars(select(Employee).where(Employee.office == "kejari-klungkung"))}


def test_start_up_seeds_the_table_from_the_file(runtime, directory, office):
    staff = directory.staff(office)
    assert [e.key for e in staff.employees] == [e["key"] for e in EMPLOYEES["employees"]]
    assert staff.get("kasi-intel").aliases == ("kasi intel", "intel") and staff.get("ptsp-1") is not None
    seeded = rows(runtime)
    assert len(seeded) == 6 and {r.managed_by for r in seeded.values()} == {"file"}
    assert directory.sync(office) == 0 and len(rows(runtime)) == 6  # idempotent


def test_an_edited_file_is_picked_up_but_never_overrides_the_dashboard(runtime, config, directory, office):
    directory.staff(office)
    with runtime.db.session() as s:
        row = s.scalar(select(Employee).where(Employee.office == office.slug, Employee.key == "kasi-pidum"))
        edits.update(s, office, row, edits.Entry(name="Komang Wirawan, S.H.", title=row.title, unit="pidum",
                                                 whatsapp="0811 0000 0033", role="host", aliases="pidum"))
        s.commit()

    def change(data):
        for person in data["employees"]:
            if person["key"] == "kasi-datun":
                person["whatsapp"] = "081100000055"
            if person["key"] == "kasi-pidum":
                person["whatsapp"] = "081100000066"
        data["employees"] = [p for p in data["employees"] if p["key"] != "kasi-pidsus"]

    rewrite_file(config, change)
    assert directory.staff(office).get("kasi-datun").whatsapp is None  # reading never writes
    jobs.sync_employees()  # the worker's cron, every minute
    staff = directory.staff(office)
    assert staff.get("kasi-datun").whatsapp == "+6281100000055"             # the file's row follows the file
    assert staff.get("kasi-pidum").whatsapp == "+6281100000033"             # the dashboard's edit stands
    assert staff.get("kasi-pidum").name == "Komang Wirawan, S.H."
    assert staff.get("kasi-pidsus") is None and not rows(runtime)["kasi-pidsus"].active  # kept, switched off


def test_an_inactive_host_is_no_longer_offered(runtime, directory, office):
    from bot.employees import match

    directory.staff(office)
    with runtime.db.session() as s:
        row = s.scalar(select(Employee).where(Employee.office == office.slug, Employee.key == "kasi-intel"))
        edits.update(s, office, row, edits.Entry(name=row.name, title=row.title, unit=row.unit or "",
                                                 whatsapp=row.whatsapp or "", active=False))
        s.commit()
    assert [e.key for e, _ in match(directory.staff(office), "kasi intel")] == []


@pytest.mark.parametrize(("entry", "error"), [
    (edits.Entry(name="  "), edits.NameRequired),
    (edits.Entry(name="Ani", whatsapp="12345"), edits.InvalidNumber),
    (edits.Entry(name="Ani", whatsapp="0811-0000-0002"), edits.NumberTaken),  # the Kasi Intel's number
    (edits.Entry(name="Ani", unit="no-such-unit"), edits.UnknownUnit),
    (edits.Entry(name="Ani", role="boss"), edits.InvalidRole),
    (edits.Entry(name="Ani", aliases=",".join(f"a{i}" for i in range(21))), edits.InvalidAliases),
])
def test_bad_entries_are_refused_with_a_reason(runtime, directory, office, entry, error):
    directory.staff(office)
    with runtime.db.session() as s, pytest.raises(error):
        edits.create(s, office, entry)


def test_added_on_the_dashboard_a_host_is_asked_for_on_whatsapp(whatsapp, runtime, standin, directory, office):
    directory.staff(office)
    with runtime.db.session() as s:
        row = edits.create(s, office, edits.Entry(name="Dewa Ayu Sri Wahyuni", title="Kepala Seksi Barang Bukti",
                                                  unit="pb3r", whatsapp="0811-0000-0077",
                                                  aliases="kasi bb, barang bukti"))
        s.commit()
    assert row.key == "dewa-ayu-sri-wahyuni" and row.managed_by == "dashboard" and row.whatsapp == NEW_HOST
    answer = register(whatsapp, runtime, standin, host="kasi bb")
    assert "Kunjungan Anda sudah terdaftar" in answer.text and "Dewa Ayu Sri Wahyuni" in answer.text
    [notice] = outbox_to(runtime, NEW_HOST, "host_notice")
    assert "Ketut Arsana" in notice.body
    assert outbox_to(runtime, KASI_INTEL, "host_notice") == []
    reply = whatsapp.send("terima", from_=NEW_HOST)  # the new host's reply is recognised as a host's
    assert "akan kami beri tahu bahwa kunjungannya diterima" in reply.text
    [told] = outbox_to(runtime, CITIZEN, "visit_outcome")
    assert "diterima oleh Dewa Ayu Sri Wahyuni" in told.body


def _statements(runtime):
    """Counts the SQL statements the runtime's engine runs (a list that grows)."""
    from sqlalchemy import event

    seen: list[str] = []
    event.listen(runtime.db.engine, "before_cursor_execute", lambda *args: seen.append(args[2]))
    return seen


def test_the_staff_is_read_once_until_a_committed_change(runtime, directory, office):
    """The hot path (is this sender an employee?) costs no query; a committed edit is seen at once,
    a rolled-back one never bumps anything."""
    directory.staff(office)
    seen = _statements(runtime)
    assert directory.staff(office).get("kasi-intel") is not None and seen == []
    with runtime.db.session() as s:
        row = s.scalar(select(Employee).where(Employee.office == office.slug, Employee.key == "kasi-intel"))
        row.name = "Dewa Putu Baru, S.H."
        s.rollback()
    assert directory.staff(office).get("kasi-intel").name != "Dewa Putu Baru, S.H."
    with runtime.db.session() as s:
        row = s.scalar(select(Employee).where(Employee.office == office.slug, Employee.key == "kasi-intel"))
        edits.update(s, office, row, edits.Entry(name="Dewa Putu Baru, S.H.", title=row.title, unit=row.unit or "",
                                                 whatsapp=row.whatsapp or "", role="host", aliases="kasi intel"))
        s.commit()
    assert directory.staff(office).get("kasi-intel").name == "Dewa Putu Baru, S.H."


def test_another_process_sees_an_edit_at_its_next_message(runtime, config, office):
    """A second runtime (another web process or the worker) keeps its cache until the settings token
    moves, which it reads once per message: the new host number answers there at once."""
    from bot import runtime as runtime_module

    other = runtime_module.build(config)
    try:
        other_office = other.offices.get(office.slug)
        assert other.deps.directory.staff(other_office).by_phone(NEW_HOST) is None
        with runtime.db.session() as s:
            row = s.scalar(select(Employee).where(Employee.office == office.slug, Employee.key == "kasi-intel"))
            edits.update(s, office, row, edits.Entry(name=row.name, title=row.title, unit=row.unit or "",
                                                     whatsapp=NEW_HOST, role="host", aliases="kasi intel"))
            s.commit()
        assert other.deps.directory.staff(other_office).by_phone(NEW_HOST) is None  # not refreshed yet
        other.revisions.refresh()  # what its next message does first
        assert other.deps.directory.staff(other_office).by_phone(NEW_HOST).key == "kasi-intel"
    finally:
        other.db.dispose()
