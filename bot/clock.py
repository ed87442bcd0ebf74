"""The one source of "now". Tests swap in a `FrozenClock` instead of sleeping."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta


class Clock:
    def now(self) -> datetime:
        """Aware UTC datetime."""
        return datetime.now(UTC)


class FrozenClock(Clock):
    def __init__(self, start: datetime | None = None):
        self._now = start or datetime(2026, 11, 23, 2, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, **delta: float) -> None:
        self._now += timedelta(**delta)

    def set(self, when: datetime) -> None:
        self._now = when


_clock: Clock = Clock()


def now() -> datetime:
    return _clock.now()


def use(clock: Clock) -> Clock:
    """Install `clock` process-wide; returns the previous one so a test can restore it."""
    global _clock
    previous, _clock = _clock, clock
    return previous


def as_utc(value: datetime) -> datetime:
    """SQLite returns naive datetimes; every stored time is UTC."""
    return value if value.tzinfo else value.replace(tzinfo=UTC)
