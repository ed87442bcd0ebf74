"""Visitors' photos in an S3-compatible bucket (bot/media_store.py) against a real S3 protocol server
(moto in server mode): stored by a real RQ worker, shown only through the dashboard's access check,
deleted by the erasure and the retention purge, a store failure retried like a media 404.
The same interface on the local folder keeps today's behaviour (0600 files, no escape)."""

from __future__ import annotations

import ast
import os
import secrets
from pathlib import Path

import pytest
from sqlalchemy import select

from bot import media_store
from bot.models.visits import VisitPhoto
from bot.visits import jobs
from tests.support.dashboard import OTHER_OFFICE, signed_in
from tests.support.s3 import moto_server
from tests.support.visits import OFFICE, make_config_dir, register, visits

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 2048


@pytest.fixture(scope="session")
def s3():
    with moto_server() as server:
        yield server


@pytest.fixture
def config(config, tmp_path, s3):
    config.CONFIG_DIR = make_config_dir(tmp_path / "config")
    config.MEDIA_DIR = str(tmp_path / "media")  # must stay empty: the bucket is the store
    config.MEDIA_RETRY_DELAYS = (0, 0)
    config.s3_prefix = s3.configure(config)
    return config


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def photos(runtime) -> list[VisitPhoto]:
    with runtime.db.session() as session:
        return list(session.scalars(select(VisitPhoto).order_by(VisitPhoto.id)))


def nothing_on_disk(config) -> bool:
    media = Path(config.MEDIA_DIR)
    return not media.exists() or not any(p.is_file() for p in media.rglob("*"))


# -- the interface, on both stores ---------------------------------------------------------------------
@pytest.fixture(params=["local", "s3"])
def store(request, tmp_path, s3):
    if request.param == "local":
        return media_store.LocalStore(tmp_path / "media")

    class Settings:
        MEDIA_DIR = tmp_path / "unused"

    s3.configure(Settings)
    return media_store.for_config(Settings)


def test_put_get_exists_delete_on_both_stores(store):
    assert store.get("office/2026/11/a.jpg") is None and not store.exists("office/2026/11/a.jpg")
    store.put("office/2026/11/a.jpg", JPEG, "image/jpeg")
    assert store.get("office/2026/11/a.jpg") == JPEG and store.exists("office/2026/11/a.jpg")
    store.delete("office/2026/11/a.jpg")
    store.delete("office/2026/11/a.jpg")  # idempotent: the purge and the erasure may both run
    assert store.get("office/2026/11/a.jpg") is None and not store.exists("office/2026/11/a.jpg")


@pytest.mark.parametrize("key", ["../outside.jpg", "/etc/passwd", "a/../../b.jpg", "", "a\\..\\b.jpg"])
def test_a_key_never_leaves_the_store(store, key):
    with pytest.raises(ValueError):
        store.put(key, JPEG, "image/jpeg")
    with pytest.raises(ValueError):
        store.get(key)


def test_local_files_are_readable_by_this_user_only(tmp_path):
    store = media_store.LocalStore(tmp_path / "media")
    store.put("office/2026/11/a.jpg", JPEG, "image/jpeg")
    stored = tmp_path / "media" / "office/2026/11/a.jpg"
    assert oct(stored.stat().st_mode & 0o777) == "0o600"
    assert oct(stored.parent.stat().st_mode & 0o777) == "0o700"
    (tmp_path / "secret").write_bytes(b"not media")
    os.symlink(tmp_path / "secret", tmp_path / "media" / "office" / "link.jpg")
    assert store.get("office/link.jpg") is None  # a link out of the folder is not followed


def test_settings_choose_the_store(tmp_path):
    assert isinstance(media_store.from_settings("", tmp_path), media_store.LocalStore)
    s3_store = media_store.from_settings("s3://bucket/some/prefix/", tmp_path, endpoint_url="http://127.0.0.1:1",
                                         region="ap-southeast-3", credentials=("k", "s"))
    assert (s3_store.bucket, s3_store.prefix) == ("bucket", "some/prefix/")
    for wrong in ("https://bucket.example/x", "s3:///prefix", "/var/media"):
        with pytest.raises(ValueError):
            media_store.from_settings(wrong, tmp_path)


# -- the guest book on the bucket ----------------------------------------------------------------------
def test_a_photo_downloaded_by_the_worker_lands_in_the_bucket_not_on_disk(whatsapp, runtime, standin, work, config,
                                                                          s3):
    register(whatsapp, runtime, standin)
    work()  # a real RQ worker (burst) runs the download job
    [photo] = photos(runtime)
    assert photo.status == "stored" and photo.path.startswith(f"{OFFICE}/")
    assert s3.keys(config.s3_prefix) == {photo.path: b"\xff\xd8\xff\xe0fakejpeg"}  # what the citizen sent
    assert nothing_on_disk(config)


def test_the_dashboard_shows_the_photo_to_the_offices_desk_only(app, whatsapp, runtime, standin, work, config, s3):
    register(whatsapp, runtime, standin)
    work()
    [visit] = visits(runtime)
    [stored] = s3.keys(config.s3_prefix).values()
    desk = signed_in(app, runtime, "desk1", "desk")
    response = desk.get(f"/dashboard/guestbook/visit/{visit.id}/photo")
    assert response.status_code == 200 and response.mimetype == "image/jpeg" and response.data == stored
    assert response.headers["Cache-Control"] == "no-store"
    assert "Location" not in response.headers  # proxied by the app, never a redirect to the bucket
    other = signed_in(app, runtime, "desk2", "desk", OTHER_OFFICE)
    assert other.get(f"/dashboard/guestbook/visit/{visit.id}/photo").status_code == 404
    media_store.for_config(config).delete(visit.photo_path)
    assert desk.get(f"/dashboard/guestbook/visit/{visit.id}/photo").status_code == 404  # gone from the store


def test_erasure_deletes_the_object(whatsapp, runtime, standin, work, config, s3):
    register(whatsapp, runtime, standin)
    work()
    assert len(s3.keys(config.s3_prefix)) == 1
    explain = whatsapp.send("hapus data saya").text
    assert "1. Ya, lanjutkan" in explain
    assert "*telah dihapus*" in whatsapp.send("1").text
    assert s3.keys(config.s3_prefix) == {} and photos(runtime) == []


def test_retention_purge_deletes_the_object(whatsapp, runtime, standin, work, frozen_clock, config, s3):
    register(whatsapp, runtime, standin)
    work()
    assert len(s3.keys(config.s3_prefix)) == 1
    frozen_clock.advance(days=300)
    assert jobs.purge_expired(days=365) == 0
    assert len(s3.keys(config.s3_prefix)) == 1
    frozen_clock.advance(days=100)
    assert jobs.purge_expired(days=365) == 1
    assert s3.keys(config.s3_prefix) == {} and photos(runtime) == []


def _pending_photo(runtime, standin) -> int:
    with runtime.db.session() as session:
        row = VisitPhoto(office=OFFICE, source_url=standin.add_media(JPEG, "image/jpeg"), content_type="image/jpeg",
                         status="pending")
        session.add(row)
        session.commit()
        return row.id


def test_a_store_failure_is_retried_like_media_not_ready(runtime, standin, work, config, s3):
    bucket = f"loket-media-late-{secrets.token_hex(4)}"  # not there yet
    config.MEDIA_STORE_URL = f"s3://{bucket}/{config.s3_prefix}"
    photo_id = _pending_photo(runtime, standin)
    assert jobs.download_photo(photo_id) == "retrying"
    [photo] = photos(runtime)
    assert (photo.status, photo.attempts, photo.error) == ("pending", 1, "media store unavailable")
    s3.client().create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": "ap-southeast-3"})
    work()  # the retry the job scheduled
    [photo] = photos(runtime)
    assert (photo.status, photo.attempts, photo.error) == ("stored", 2, None)
    assert media_store.for_config(config).get(photo.path) == JPEG
    assert nothing_on_disk(config)


def test_a_store_that_never_comes_back_fails_the_photo_after_the_retries(runtime, standin, work, config):
    config.MEDIA_STORE_URL = f"s3://loket-media-missing/{config.s3_prefix}"
    photo_id = _pending_photo(runtime, standin)
    jobs.download_photo(photo_id)
    work()
    [photo] = photos(runtime)
    assert (photo.status, photo.attempts, photo.error) == ("failed", 3, "media store unavailable")
    assert [r.http_status for r in standin.media_requests] == [307] * 3  # each attempt downloaded again


def test_the_media_store_is_the_only_owner_of_stored_media():
    """No module but bot/media_store.py reads MEDIA_DIR or talks to the bucket: a photo written
    beside the store would be missing on the next machine."""
    root = Path(__file__).resolve().parent.parent

    def touches_media(tree: ast.AST) -> bool:
        for node in ast.walk(tree):
            if isinstance(node, ast.Attribute) and node.attr == "MEDIA_DIR":
                return True
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else (
                [node.module or ""] if isinstance(node, ast.ImportFrom) else [])
            if any(name.split(".")[0] in ("boto3", "botocore") for name in names):
                return True
        return False

    paths = [p for folder in ("bot", "flows", "handlers") for p in (root / folder).rglob("*.py")]
    strays = [str(p.relative_to(root)) for p in paths if touches_media(ast.parse(p.read_text(encoding="utf-8")))]
    assert strays == ["bot/media_store.py"]
