"""Guest-book settings: read from the Config object first (tests set attributes), then the environment.

Units are in the names: minutes, bytes, seconds, days.
"""

from __future__ import annotations

import os
from pathlib import Path

from config.settings import INSTANCE_DIR

# Minutes after the host notice without an answer before the host is reminded, then the desk alerted.
HOST_REMIND_MINUTES = 10
HOST_ESCALATE_MINUTES = 20
# Citizen reminders: this long before the visit (minutes).
REMINDER_OFFSETS_MINUTES = (24 * 60, 60)
# Inbound photo: accepted types and the largest size (bytes).
PHOTO_TYPES = {"image/jpeg": ".jpg", "image/png": ".png", "image/webp": ".webp"}
PHOTO_MAX_BYTES = 5 * 1024 * 1024
# Twilio's media URL can 404 for a moment after the webhook: seconds between download attempts.
MEDIA_RETRY_DELAYS = (2, 5, 15, 60)
MEDIA_HTTP_TIMEOUT = 20
# Visits, photos and consent records are kept this long (days) after the visit, then purged.
RETENTION_DAYS = 365
# Visits can be booked at most this far ahead (days).
MAX_DAYS_AHEAD = 60


def _value(config, name: str, default):
    value = getattr(config, name, None)
    if value not in (None, ""):
        return value
    raw = os.environ.get(name, "").strip()
    if not raw:
        return default
    if isinstance(default, tuple):
        return tuple(int(x) for x in raw.split(","))
    return type(default)(raw)


def host_remind_minutes(config) -> int:
    return int(_value(config, "HOST_REMIND_MINUTES", HOST_REMIND_MINUTES))


def host_escalate_minutes(config) -> int:
    return int(_value(config, "HOST_ESCALATE_MINUTES", HOST_ESCALATE_MINUTES))


def media_retry_delays(config) -> tuple[int, ...]:
    return tuple(_value(config, "MEDIA_RETRY_DELAYS", MEDIA_RETRY_DELAYS))


def retention_days(config) -> int:
    return int(_value(config, "VISIT_RETENTION_DAYS", RETENTION_DAYS))


def media_dir(config) -> Path:
    return Path(_value(config, "MEDIA_DIR", str(INSTANCE_DIR / "media")))


def config_dir(config) -> Path:
    return Path(config.CONFIG_DIR)


def to_utc(value):
    """Aware UTC for storing: SQLite keeps a datetime's wall time and drops its offset."""
    from datetime import UTC

    return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
