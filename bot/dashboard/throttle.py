"""Login throttling: after LIMIT failed sign-ins for one username from one IP address, that pair is
locked for LOCK_SECONDS; after IP_LIMIT failures from one address across all usernames (password
spraying), the address is locked for every username for LOCK_SECONDS. Counted in Redis; the lock's
end is a time from bot.clock, so tests drive it with the frozen clock. A success clears the pair's
count (not the address's)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

import redis

from bot import clock, keys

LIMIT = 5
# Failures from one address, any usernames, within WINDOW_SECONDS before the address is locked. High
# enough for a shared office NAT where several staff mistype, low enough to stop spraying.
IP_LIMIT = 20
# Failures older than this (seconds, since the first of the series) no longer count.
WINDOW_SECONDS = 15 * 60
LOCK_SECONDS = 15 * 60


def _subject(username: str, ip: str) -> str:
    """Hashed so the key names carry neither the username nor the address."""
    raw = f"{username.strip().lower()}|{ip}".encode()
    return hashlib.sha256(raw).hexdigest()[:32]


def _ip_subject(ip: str) -> str:
    return hashlib.sha256(f"ip|{ip}".encode()).hexdigest()[:32]


def ip_failures_key(ip: str) -> str:
    return f"{keys.PREFIX}:login:ipfail:{_ip_subject(ip)}"


def ip_lock_key(ip: str) -> str:
    return f"{keys.PREFIX}:login:iplock:{_ip_subject(ip)}"


def failures_key(username: str, ip: str) -> str:
    return f"{keys.PREFIX}:login:fail:{_subject(username, ip)}"


def lock_key(username: str, ip: str) -> str:
    return f"{keys.PREFIX}:login:lock:{_subject(username, ip)}"


class LoginThrottle:
    def __init__(self, connection: redis.Redis, limit: int = LIMIT, window_seconds: int = WINDOW_SECONDS,
                 lock_seconds: int = LOCK_SECONDS, ip_limit: int = IP_LIMIT):
        self.redis = connection
        self.limit = limit
        self.ip_limit = ip_limit
        self.window = window_seconds
        self.lock_seconds = lock_seconds

    def _until(self, key: str) -> datetime | None:
        raw = self.redis.get(key)
        if raw is None:
            return None
        until = datetime.fromisoformat(raw.decode() if isinstance(raw, bytes) else raw)
        if clock.now() >= until:
            self.redis.delete(key)
            return None
        return until

    def locked_until(self, username: str, ip: str) -> datetime | None:
        """When the lock ends, or None when this username+IP may try now (the address's own lock,
        across usernames, counts too)."""
        ends = [u for u in (self._until(lock_key(username, ip)), self._until(ip_lock_key(ip))) if u is not None]
        return max(ends) if ends else None

    def _lock(self, key: str) -> datetime:
        until = clock.now() + timedelta(seconds=self.lock_seconds)
        # Redis' own expiry only cleans up; the clock decides when the lock ends.
        self.redis.set(key, until.isoformat(), ex=self.lock_seconds + 60)
        return until

    def _count(self, key: str) -> int:
        count = self.redis.incr(key)
        if count == 1:  # the window runs from the first failure (EXPIRE NX needs Redis 7)
            self.redis.expire(key, self.window)
        return count

    def failed(self, username: str, ip: str) -> datetime | None:
        """Count one failure; returns the lock's end when this failure locked the pair or the address."""
        ip_until = None
        if self._count(ip_failures_key(ip)) >= self.ip_limit:
            ip_until = self._lock(ip_lock_key(ip))
            self.redis.delete(ip_failures_key(ip))
        key = failures_key(username, ip)
        if self._count(key) < self.limit:
            return ip_until
        self.redis.delete(key)
        return self._lock(lock_key(username, ip))

    def succeeded(self, username: str, ip: str) -> None:
        """The pair's count and lock go; the address's count stays (one good password among many
        guesses must not reset a spray)."""
        self.redis.delete(failures_key(username, ip), lock_key(username, ip))
