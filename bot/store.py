"""Conversation state in Redis: JSON with a version, an idle TTL, and a per-conversation lock.

SQL keeps the committed copy (conversations.state); Redis is the fast path. `load` takes whichever
is newer, so a Redis restart or a crash between the SQL commit and the Redis write loses nothing.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager, suppress

import redis
from redis.exceptions import LockError

from bot import defaults, keys
from bot.conversation import Conversation
from bot.exceptions import ConversationBusy


class ConversationStore:
    def __init__(self, connection: redis.Redis, ttl_seconds: int = defaults.STATE_TTL_SECONDS):
        self.redis = connection
        self.ttl = ttl_seconds

    def load(self, office: str, phone: str, committed: dict | None) -> Conversation:
        """The newer of Redis' copy and the committed SQL copy, or a new conversation."""
        raw = self.redis.get(keys.conversation(office, phone))
        cached = Conversation.from_dict(json.loads(raw)) if raw else None
        stored = Conversation.from_dict(committed) if committed else None
        candidates = [c for c in (cached, stored) if c is not None]
        if not candidates:
            return Conversation(office=office, phone=phone)
        return max(candidates, key=lambda c: c.version)

    def save(self, conversation: Conversation) -> None:
        key = keys.conversation(conversation.office, conversation.phone)
        self.redis.set(key, json.dumps(conversation.to_dict(), ensure_ascii=False), ex=self.ttl)

    @contextmanager
    def lock(self, office: str, phone: str) -> Iterator[None]:
        """One message of a conversation at a time; raises ConversationBusy after the wait."""
        lock = self.redis.lock(
            keys.conversation_lock(office, phone),
            timeout=defaults.CONVERSATION_LOCK_TIMEOUT,
            blocking_timeout=defaults.CONVERSATION_LOCK_WAIT,
        )
        if not lock.acquire():
            raise ConversationBusy(f"{office}: conversation lock not acquired")
        try:
            yield
        finally:
            # Released already if it expired while we worked and the next holder took it.
            with suppress(LockError):
                lock.release()
