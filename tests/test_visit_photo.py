"""The guest's photo: recorded by the webhook, downloaded by a real RQ worker from the Twilio stand-in
(HTTP Basic auth, redirect to the CDN, a transient 404), type and size checked, stored under MEDIA_DIR."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from bot.models.visits import VisitPhoto
from bot.visits import jobs, settings
from tests.support.visits import make_config_dir, register, visits

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 2048


@pytest.fixture
def config(config, tmp_path):
    config.CONFIG_DIR = make_config_dir(tmp_path / "config")
    config.MEDIA_DIR = str(tmp_path / "media")
    config.MEDIA_RETRY_DELAYS = (0, 0)
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def photos(runtime) -> list[VisitPhoto]:
    with runtime.db.session() as session:
        return list(session.scalars(select(VisitPhoto).order_by(VisitPhoto.id)))


def test_photo_is_downloaded_after_a_transient_404_and_linked_to_the_visit(whatsapp, runtime, standin, work, config):
    register(whatsapp, runtime, standin)  # the stand-in's media is a tiny JPEG
    [photo] = photos(runtime)
    assert photo.status == "pending"  # the webhook only recorded the URL
    standin.media_not_ready(photo.source_url, 1)
    work()
    [photo] = photos(runtime)
    assert (photo.status, photo.attempts) == ("stored", 2)
    stored = Path(config.MEDIA_DIR) / photo.path
    assert stored.read_bytes().startswith(b"\xff\xd8") and stored.suffix == ".jpg"
    assert oct(stored.stat().st_mode & 0o777) == "0o600"
    assert photo.path.startswith("kejari-klungkung/")
    assert [r.http_status for r in standin.media_requests] == [404, 307]
    [visit] = visits(runtime)
    with runtime.db.session() as session:
        from bot.models.visits import Visit

        assert session.get(Visit, visit.id).photo_path == photo.path


def _photo_row(runtime, url: str, content_type: str = "image/jpeg") -> int:
    with runtime.db.session() as session:
        row = VisitPhoto(office="kejari-klungkung", source_url=url, content_type=content_type, status="pending")
        session.add(row)
        session.commit()
        return row.id


@pytest.mark.parametrize(("content", "content_type", "status", "error"), [
    (JPEG, "image/jpeg", "stored", None),
    (b"\x89PNG" + b"\x00" * 10, "image/png", "stored", None),
    (b"RIFF....WEBP", "image/webp", "stored", None),
    (b"%PDF-1.4", "application/pdf", "rejected", "type application/pdf"),
    (b"\xff\xd8" + b"\x00" * (settings.PHOTO_MAX_BYTES + 1), "image/jpeg", "rejected", "larger than 5 MB"),
])
def test_type_and_size_are_checked(runtime, standin, content, content_type, status, error):
    photo_id = _photo_row(runtime, standin.add_media(content, content_type))
    assert jobs.download_photo(photo_id) == status
    [photo] = photos(runtime)
    assert (photo.status, photo.error) == (status, error)
    assert (photo.path is not None) == (status == "stored")


def test_media_that_never_appears_fails_after_the_retries(runtime, standin, work):
    url = standin.add_media(JPEG, "image/jpeg")
    standin.media_not_ready(url, 10)
    photo_id = _photo_row(runtime, url)
    jobs.download_photo(photo_id)
    work()
    [photo] = photos(runtime)
    assert (photo.status, photo.attempts) == ("failed", 3)
    assert [r.http_status for r in standin.media_requests] == [404, 404, 404]


def test_credentials_are_only_sent_to_twilio(runtime, standin):
    photo_id = _photo_row(runtime, "https://attacker.example/steal")
    assert jobs.download_photo(photo_id) == "failed"
    assert standin.media_requests == []


def test_wrong_credentials_are_refused_by_the_media_endpoint(runtime, standin, config):
    config.TWILIO_AUTH_TOKEN = "wrong"
    photo_id = _photo_row(runtime, standin.add_media(JPEG, "image/jpeg"))
    assert jobs.download_photo(photo_id) == "failed"
    assert [r.http_status for r in standin.media_requests] == [401]


def test_retention_purge_deletes_old_visits_photos_and_consents(whatsapp, runtime, standin, work, frozen_clock,
                                                                config):
    from bot.models.visits import Consent, Visit, VisitEvent

    register(whatsapp, runtime, standin)
    work()
    [photo] = photos(runtime)
    stored = Path(config.MEDIA_DIR) / photo.path
    assert stored.exists()
    frozen_clock.advance(days=300)
    assert jobs.purge_expired(days=365) == 0  # still within the retention period
    assert stored.exists()
    frozen_clock.advance(days=100)
    assert jobs.purge_expired(days=365) == 1
    assert not stored.exists()
    with runtime.db.session() as session:
        for model in (Visit, VisitEvent, VisitPhoto, Consent):
            assert session.scalars(select(model)).all() == [], model.__name__


def test_a_photo_sent_under_a_whatsapp_user_id_is_the_one_recorded(whatsapp, runtime, standin):
    """A person who linked their number and user ID, then writes with the user ID alone: the photo is the
    message's own attachment, not looked up by the conversation's number (which finds none, or an older one)."""
    user_id = "ID.1502576394655843"
    whatsapp.send("halo", external_user_id=user_id)  # number and user ID, one person
    register(whatsapp, runtime, standin, from_=user_id)
    [photo] = photos(runtime)
    assert photo.source_url.startswith(standin.url)
