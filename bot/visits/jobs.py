"""RQ jobs of the guest book: plain functions of ids, each safe to run twice.

- download_photo: fetch a guest's WhatsApp photo (HTTP Basic auth, Twilio's redirect to its CDN,
  a 404 for a moment after the webhook is retried later), check type and size, store it in the
  media store (bot/media_store.py; a store that fails for a moment is retried the same way).
- host_followup: SOP 000 step 6, the desk makes sure the host read the notice: a reminder to the
  host, then an escalation to the desk officers, unless the host answered meanwhile.
- purge_expired: the retention the consent notice promises.
"""

from __future__ import annotations

import logging
import secrets
from datetime import timedelta
from pathlib import PurePosixPath
from urllib.parse import urlsplit

import requests
from sqlalchemy import delete, select, update

from bot import media_store
from bot import runtime as runtime_module
from bot.clock import now
from bot.models.visits import Consent, Visit, VisitEvent, VisitPhoto
from bot.visits import settings
from bot.visits.service import dispatch

logger = logging.getLogger(__name__)


class MediaNotReady(Exception):
    """Twilio answered 404 (or 5xx) for media that should exist: try again later."""


def _twilio_host(config) -> str:
    return urlsplit(getattr(config, "TWILIO_API_URL", "") or "https://api.twilio.com").netloc


def _fetch(config, url: str) -> requests.Response:
    """GET with Basic auth (account SID + token), following Twilio's redirect to the CDN.

    Credentials go only to Twilio's API host: requests drops them when a redirect changes host."""
    if urlsplit(url).netloc != _twilio_host(config):
        raise PermissionError("media URL is not on Twilio's API host")
    auth = (config.TWILIO_ACCOUNT_SID, config.TWILIO_AUTH_TOKEN) if config.TWILIO_ACCOUNT_SID else None
    response = requests.get(url, auth=auth, timeout=settings.MEDIA_HTTP_TIMEOUT, allow_redirects=True, stream=True)
    if response.status_code == 404 or response.status_code >= 500:
        raise MediaNotReady(str(response.status_code))
    response.raise_for_status()
    return response


def _read_limited(response: requests.Response, limit: int) -> bytes | None:
    chunks, size = [], 0
    for chunk in response.iter_content(64 * 1024):
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def _finish_photo(rt, photo_id: int, **values) -> None:
    with rt.db.session() as session:
        session.execute(update(VisitPhoto).where(VisitPhoto.id == photo_id).values(updated_at=now(), **values))
        session.commit()


def _retry_later(rt, photo_id: int, attempt: int, error: str, final_error: str) -> str:
    """The next attempt after MEDIA_RETRY_DELAYS[attempt] seconds; "failed" once they are used up."""
    delays = settings.media_retry_delays(rt.config)
    if attempt < len(delays):
        _finish_photo(rt, photo_id, attempts=attempt + 1, error=error)
        queue = rt.queue()
        if delays[attempt] > 0:
            queue.enqueue_in(timedelta(seconds=delays[attempt]), download_photo, photo_id, attempt + 1)
        else:
            queue.enqueue(download_photo, photo_id, attempt + 1)
        return "retrying"
    _finish_photo(rt, photo_id, status="failed", attempts=attempt + 1, error=final_error)
    return "failed"


def download_photo(photo_id: int, attempt: int = 0) -> str:
    """Returns the photo's status; a transient failure (Twilio's media not ready yet, the media store
    unreachable) schedules the next attempt (MEDIA_RETRY_DELAYS)."""
    rt = runtime_module.current()
    config = rt.config
    with rt.db.session() as session:
        photo = session.get(VisitPhoto, photo_id)
        if photo is None or photo.status != "pending":
            return photo.status if photo else "missing"
        url, office = photo.source_url, photo.office
    try:
        response = _fetch(config, url)
    except MediaNotReady as exc:
        return _retry_later(rt, photo_id, attempt, f"not ready ({exc})", "media never became available")
    except (requests.RequestException, PermissionError) as exc:
        logger.warning("photo %s: download failed: %s", photo_id, type(exc).__name__)
        _finish_photo(rt, photo_id, status="failed", attempts=attempt + 1, error=type(exc).__name__)
        return "failed"
    content_type = (response.headers.get("Content-Type") or "").split(";")[0].strip().lower()
    suffix = settings.PHOTO_TYPES.get(content_type)
    if suffix is None:
        _finish_photo(rt, photo_id, status="rejected", attempts=attempt + 1, error=f"type {content_type[:40]}")
        return "rejected"
    content = _read_limited(response, settings.PHOTO_MAX_BYTES)
    if content is None:
        _finish_photo(rt, photo_id, status="rejected", attempts=attempt + 1, error="larger than 5 MB")
        return "rejected"
    relative = str(PurePosixPath(office) / now().strftime("%Y/%m") / f"{secrets.token_hex(16)}{suffix}")
    try:
        media_store.for_config(config).put(relative, content, content_type)
    except media_store.MediaStoreError as exc:
        logger.warning("photo %s: media store failed: %s", photo_id, exc)
        return _retry_later(rt, photo_id, attempt, "media store unavailable", "media store unavailable")
    _finish_photo(rt, photo_id, status="stored", attempts=attempt + 1, path=relative, size=len(content),
                  content_type=content_type, error=None)
    return "stored"


def host_followup(visit_id: int, notice_round: int, stage: str) -> str:
    """stage "remind": the host has not answered → a reminder; "escalate": still no answer → the desk
    officers are told (SOP 000 step 6). The visit service decides; this job only runs it on time."""
    rt = runtime_module.current()
    with rt.db.session() as session:
        visit = session.get(Visit, visit_id)
        if visit is None:
            return "answered"
        done = rt.visits.follow_up(session, rt.offices.get(visit.office), visit, notice_round, stage, now=now())
        session.commit()
    dispatch(rt.outbox, done)
    return done.outcome


def sync_employees() -> None:
    """An edited employees file reaches the directory within a minute (the worker's cron)."""
    rt = runtime_module.current()
    rt.deps.directory.sync_all(rt.offices)


def purge_expired(days: int | None = None) -> int:
    """Delete visits (and their photos, events) and consent records older than the retention period."""
    rt = runtime_module.current()
    keep = days if days is not None else settings.retention_days(rt.config)
    cutoff = now() - timedelta(days=keep)
    removed = 0
    store = media_store.for_config(rt.config)
    with rt.db.session() as session:
        old = list(session.scalars(select(Visit).where(Visit.scheduled_at < cutoff)))
        for visit in old:
            if visit.photo is not None and visit.photo.path:
                store.delete(visit.photo.path)  # a store error stops the purge: tomorrow's run goes on
            session.execute(delete(VisitEvent).where(VisitEvent.visit_id == visit.id))
            photo_id = visit.photo_id
            session.delete(visit)
            session.flush()
            if photo_id is not None:
                session.execute(delete(VisitPhoto).where(VisitPhoto.id == photo_id))
            removed += 1
        # Photos of registrations never finished are kept one day only.
        abandoned = now() - timedelta(days=1)
        stale_photos = list(session.scalars(select(VisitPhoto).where(VisitPhoto.created_at < abandoned)))
        for photo in stale_photos:
            if session.scalar(select(Visit.id).where(Visit.photo_id == photo.id)) is None:
                if photo.path:
                    store.delete(photo.path)
                session.delete(photo)
        used = select(Visit.consent_id).where(Visit.consent_id.is_not(None))
        session.execute(delete(Consent).where(Consent.at < cutoff, Consent.id.not_in(used)))
        session.commit()
    logger.info("guest book: %s visits older than %s days purged", removed, keep)
    return removed

