"""Conversation state in Redis: JSON with a version, an idle TTL, and a per-conversation lock.

SQL keeps the committed copy (conversations.state); Redis is the fast path. `load` takes whichever
is newer, so a Redis restart or a crash between the SQL commit and the Redis write loses nothing.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import redis

from bot import defaults, keys
from bot.conversation import Conversation
from bot.exceptions import ConversationBusy

LOCK_RETRY_SECONDS = 0.1  # between attempts at a held lock (redis-py's Lock waits the same)

# Delete the lock only if it is still ours: it may have expired while we worked and been taken by
# the next message (redis-py's Lock release, inlined so that it can share a round trip).
_RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


@dataclass
class _Held:
    """A lock this thread holds: the state read with it, and the state to write when it is released."""

    token: str
    read: bytes | None
    pending: str | None = None


class ConversationStore:
    """Each message costs two round trips to Redis: taking the lock reads the state with it (one
    MULTI), and releasing it writes the new state with it (one pipeline). `load` and `save` inside
    `lock` use those; outside it they go to Redis on their own."""

    def __init__(self, connection: redis.Redis, ttl_seconds: int = defaults.STATE_TTL_SECONDS):
        self.redis = connection
        self.ttl = ttl_seconds
        self._release = connection.register_script(_RELEASE)
        self._local = threading.local()

    def _holding(self) -> dict[str, _Held]:
        if not hasattr(self._local, "held"):
            self._local.held = {}
        return self._local.held

    def load(self, office: str, phone: str, committed: dict | None) -> Conversation:
        """The newer of Redis' copy and the committed SQL copy, or a new conversation."""
        held = self._holding().get(keys.conversation(office, phone))
        if held is None:
            raw = self.redis.get(keys.conversation(office, phone))
        else:
            raw = held.pending if held.pending is not None else held.read
        cached = Conversation.from_dict(json.loads(raw)) if raw else None
        stored = Conversation.from_dict(committed) if committed else None
        candidates = [c for c in (cached, stored) if c is not None]
        if not candidates:
            return Conversation(office=office, phone=phone)
        return max(candidates, key=lambda c: c.version)

    def save(self, conversation: Conversation, state: dict | None = None) -> None:
        """Written at once, or with the lock's release when this thread holds the conversation's lock
        (SQL has the committed copy already, so a crash in between loses nothing: `load` takes it).
        `state` is `conversation.to_dict()` when the caller made it already."""
        key = keys.conversation(conversation.office, conversation.phone)
        value = json.dumps(state if state is not None else conversation.to_dict(), ensure_ascii=False)
        held = self._holding().get(key)
        if held is not None:
            held.pending = value
        else:
            self.redis.set(key, value, ex=self.ttl)

    @contextmanager
    def lock(self, office: str, phone: str) -> Iterator[None]:
        """One message of a conversation at a time; raises ConversationBusy after the wait."""
        state_key, lock_key = keys.conversation(office, phone), keys.conversation_lock(office, phone)
        held = self._acquire(lock_key, state_key)
        holding = self._holding()
        holding[state_key] = held
        try:
            yield
        finally:
            del holding[state_key]
            pipe = self.redis.pipeline(transaction=False)
            if held.pending is not None:
                pipe.set(state_key, held.pending, ex=self.ttl)
            self._release(keys=[lock_key], args=[held.token], client=pipe)
            pipe.execute()

    def _acquire(self, lock_key: str, state_key: str) -> _Held:
        token = uuid.uuid4().hex
        deadline = time.monotonic() + defaults.CONVERSATION_LOCK_WAIT
        while True:
            pipe = self.redis.pipeline(transaction=True)
            pipe.set(lock_key, token, nx=True, px=defaults.CONVERSATION_LOCK_TIMEOUT * 1000)
            pipe.get(state_key)
            taken, read = pipe.execute()
            if taken:
                return _Held(token, read)
            if time.monotonic() >= deadline:
                raise ConversationBusy(f"{lock_key}: conversation lock not acquired")
            time.sleep(LOCK_RETRY_SECONDS)  # another message of this conversation is being processed
