"""Redis round trips per message (#18): the lock carries the state both ways.

Not a timing test: it counts what goes over the socket, which is what each message costs on a busy
machine (every round trip waits for the Redis process to be scheduled)."""

from __future__ import annotations

import redis

from bot import keys


def _count_round_trips(monkeypatch) -> list[str]:
    trips: list[str] = []
    single, pipelined = redis.Redis.execute_command, redis.client.Pipeline.execute

    def one(self, *args, **options):
        trips.append(str(args[0]))
        return single(self, *args, **options)

    def many(self, *args, **options):
        trips.append("pipeline:" + ",".join(str(c[0][0]) for c in self.command_stack))
        return pipelined(self, *args, **options)

    monkeypatch.setattr(redis.Redis, "execute_command", one)
    monkeypatch.setattr(redis.client.Pipeline, "execute", many)
    return trips


def test_a_message_costs_three_round_trips_and_keeps_its_state(whatsapp, runtime, monkeypatch):
    whatsapp.send("halo")
    trips = _count_round_trips(monkeypatch)
    assert whatsapp.send("1").status == 200
    assert trips == ["HGETALL", "pipeline:SET,GET", "pipeline:SET,EVALSHA"], trips
    office = runtime.offices.get("kejari-klungkung")
    state = runtime.store.load(office.slug, "+6281234500001", None)
    assert state.step != "menu:main" and state.version >= 2
    lock = keys.conversation_lock(office.slug, "+6281234500001")
    assert runtime.redis.exists(lock) == 0 and runtime.redis.ttl(keys.conversation(office.slug, state.phone)) > 0


def test_a_lock_taken_over_after_expiry_is_left_to_its_new_holder(runtime):
    """A message that outlived its lock (20 s) must not delete the next message's lock, yet its state
    is written: SQL has the same committed copy, and `load` takes the newer version."""
    store = runtime.store
    lock = keys.conversation_lock("kejari-klungkung", "+62811")
    with store.lock("kejari-klungkung", "+62811"):
        conv = store.load("kejari-klungkung", "+62811", None)
        conv.version = 7
        store.save(conv)
        runtime.redis.set(lock, "the next holder")  # ours expired and another message took it
        assert runtime.redis.get(keys.conversation("kejari-klungkung", "+62811")) is None  # not yet written
    assert runtime.redis.get(lock) == b"the next holder"
    assert store.load("kejari-klungkung", "+62811", None).version == 7
