"""Login throttling: after LIMIT failed sign-ins for one username from one IP address, that pair is
locked for LOCK_SECONDS. Counted in Redis; the lock's end is a time from bot.clock, so tests drive it
with the frozen clock. A success clears the count."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import redis

from bot import clock, keys

LIMIT = 5
# Failures older than this (seconds, since the first of the series) no longer count.
WINDOW_SECONDS = 15 * 60
LOCK_SECONDS = 15 * 60


def _subject(username: str, ip: str) -> str:
    """Hashed so the key names carry neither the username nor the address."""
    raw = f"{username.strip().lower()}|{ip}".encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def failures_key(username: str, ip: str) -> str:
    return f"{keys.PREFIX}:login:fail:{_subject(username, ip)}"


def lock_key(username: str, ip: str) -> str:
    return f"{keys.PREFIX}:login:lock:{_subject(username, ip)}"


class LoginThrottle:
    def __init__(self, connection: redis.Redis, limit: int = LIMIT, window_seconds: int = WINDOW_SECONDS,
                 lock_seconds: int = LOCK_SECONDS):
        self.redis = connection
        self.limit = limit
        self.window = window_seconds
        self.lock_seconds = lock_seconds

    def locked_until(self, username: str, ip: str) -> datetime | None:
        """When the lock ends, or None when this username+IP may try now."""
        raw = self.redis.get(lock_key(username, ip))
        if raw is None:
            return None
        until = datetime.fromisoformat(raw.decode() if isinstance(raw, bytes) else raw)
        if clock.now() >= until:
            self.redis.delete(lock_key(username, ip))
            return None
        return until

    def failed(self, username: str, ip: str) -> datetime | None:
        """Count one failure; returns the lock's end when this failure locked the pair."""
        key = failures_key(username, ip)
        count = self.redis.incr(key)
        if count == 1:  # the window runs from the first failure (EXPIRE NX needs Redis 7)
            self.redis.expire(key, self.window)
        if count < self.limit:
            return None
        until = clock.now() + timedelta(seconds=self.lock_seconds)
        # Redis' own expiry only cleans up; the clock decides when the lock ends.
        self.redis.set(lock_key(username, ip), until.isoformat(), ex=self.lock_seconds + 60)
        self.redis.delete(key)
        return until

    def succeeded(self, username: str, ip: str) -> None:
        self.redis.delete(failures_key(username, ip), lock_key(username, ip))
