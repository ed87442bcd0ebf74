"""Sending pace per sender, shared through Redis by every worker."""

from __future__ import annotations

import time

import pytest

from bot.pacing import HEADROOM, Pacer
from tests.support.whatsapp import CITIZEN


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def test_reservations_space_messages_by_the_rate(redis_server, clean_state):
    pacer = Pacer(redis_server, text_per_second=10, media_per_second=1.5)
    gap = 1 / (10 * HEADROOM)
    waits = [pacer.reserve("+6281339151776", media=False) for _ in range(5)]
    for k, wait in enumerate(waits):
        assert k * gap - 0.05 <= wait <= k * gap + 0.001, waits
    media_wait = pacer.reserve("+6281339151776", media=True)
    after_media = pacer.reserve("+6281339151776", media=False)
    assert after_media - media_wait == pytest.approx(1 / (1.5 * HEADROOM), abs=0.05)  # media takes longer
    assert pacer.reserve("+6236621085", media=False) <= 0.001  # another sender has its own pace


def test_pacing_off_never_waits(redis_server, clean_state):
    pacer = Pacer(redis_server, text_per_second=0, media_per_second=0)
    assert [pacer.reserve("+62811", media=m) for m in (False, True, False)] == [0.0, 0.0, 0.0]


def test_a_burst_drains_in_order_within_the_rate(runtime, standin, whatsapp, work, monkeypatch):
    rate = 20
    runtime.sender.pacer = Pacer(runtime.redis, text_per_second=rate, media_per_second=1.5)
    whatsapp.send("halo")  # the citizen's window is open
    sent_at: list[float] = []
    real_send = runtime.transport.send

    def timed_send(message):
        sent_at.append(time.monotonic())
        return real_send(message)

    monkeypatch.setattr(runtime.transport, "send", timed_send)
    office = runtime.offices.get("kejari-klungkung")
    with runtime.db.session() as session:
        ids = [r.id for i in range(40) for r in runtime.outbox.record_notice(
            session, office=office, to=CITIZEN, body=f"Pemberitahuan {i:02d}", kind="test")]
        session.commit()
    runtime.outbox.enqueue(ids)
    work()
    assert [m.body for m in standin.messages] == [f"Pemberitahuan {i:02d}" for i in range(40)]
    # No second holds more than `rate` sends: any rate+1 consecutive sends span at least a second.
    spans = [sent_at[i + rate] - sent_at[i] for i in range(len(sent_at) - rate)]
    assert min(spans) >= 0.95, min(spans)
    assert all(a.http_status == 201 for a in standin.attempts)


def _burst(runtime, count: int, prefix: str) -> list[int]:
    office = runtime.offices.get("kejari-klungkung")
    with runtime.db.session() as session:
        ids = [r.id for i in range(count) for r in runtime.outbox.record_notice(
            session, office=office, to=CITIZEN, body=f"{prefix} {i:04d}", kind="test")]
        session.commit()
    runtime.outbox.enqueue(ids)
    return ids


@pytest.mark.timeout(300)
def test_a_burst_of_1000_notices_drains_in_order_without_rate_limit_errors(runtime, standin, whatsapp, work):
    rate = 50  # the sender's throughput at the stand-in, and our pace (Twilio's default is 10/s)
    whatsapp.send("halo")
    # Unpaced, a burst trips WhatsApp's limit: the stand-in fails sends with 63018. (Checked against
    # Twilio's default 10/s, which an unpaced worker exceeds on any machine, however loaded.)
    standin.sender_rate_limit(10)
    _burst(runtime, 150, "Tanpa jeda")
    work()
    assert standin.rate_limited() > 0
    standin.reset()
    standin.sender_rate_limit(rate)
    runtime.sender.pacer = Pacer(runtime.redis, text_per_second=rate, media_per_second=1.5)
    _burst(runtime, 1000, "Pemberitahuan")
    work()
    assert [m.body for m in standin.messages] == [f"Pemberitahuan {i:04d}" for i in range(1000)]
    assert standin.rate_limited() == 0
