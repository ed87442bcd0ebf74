"""Guest-book rules that are not settings, and the settings' readers (the values are `Config`'s,
config/settings.py, read from the environment once).

Units are in the names: minutes, bytes, seconds, days.
"""

from __future__ import annotations

from pathlib import Path

# Citizen reminders: this long before the visit (minutes).
REMINDER_OFFSETS_MINUTES = (24 * 60, 60)
# Inbound photo: accepted types and the largest size (bytes).
PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
# WhatsApp delivers a sticker as image/webp, while the camera and the gallery send photos as JPEG:
# a visitor's photo in WEBP is a sticker (a webcam photo at the desk may still be WEBP).
STICKER_TYPES = frozenset({"image/webp"})
PHOTO_MAX_BYTES = 5 * 1024 * 1024
MEDIA_HTTP_TIMEOUT = 20
# Visits can be booked at most this far ahead (days).
MAX_DAYS_AHEAD = 60


def host_remind_minutes(config) -> int:
    return int(config.HOST_REMIND_MINUTES)


def host_escalate_minutes(config) -> int:
    return int(config.HOST_ESCALATE_MINUTES)


def media_retry_delays(config) -> tuple[int, ...]:
    return tuple(config.MEDIA_RETRY_DELAYS)


def retention_days(config) -> int:
    return int(config.VISIT_RETENTION_DAYS)


def config_dir(config) -> Path:
    return Path(config.CONFIG_DIR)


def to_utc(value):
    """Aware UTC for storing: SQLite keeps a datetime's wall time and drops its offset."""
    from datetime import UTC

    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
