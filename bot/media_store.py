"""Stored media (visitors' photos): the one owner of where their bytes live.

- `LocalStore`: files under MEDIA_DIR (0600 in 0700 folders), the embedded default for one machine.
- `S3Store`: an S3-compatible bucket (AWS S3, MinIO, Ceph, ...) when MEDIA_STORE_URL is
  `s3://bucket/prefix`, so that a worker on one machine stores what a web process on another shows.

Keys are the relative paths the database keeps (`office/2026/11/<random>.jpg`), the same in both
stores, so rows written before a move to a bucket keep their key (copy the folder into the bucket).
Media is only ever read back through the app, after the dashboard's access check: the bucket needs
no public access and no URL to it is ever handed out.
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path, PurePosixPath
from typing import Protocol
from urllib.parse import urlsplit

logger = logging.getLogger(__name__)


class MediaStoreError(Exception):
    """The store could not be reached or refused the operation: try again later (never a missing key)."""


class MediaStore(Protocol):
    def put(self, key: str, content: bytes, content_type: str) -> None: ...

    def get(self, key: str) -> bytes | None:
        """The stored bytes, None when there is no such key."""

    def delete(self, key: str) -> None:
        """Idempotent: deleting a missing key is no error."""

    def exists(self, key: str) -> bool: ...


def check_key(key: str) -> str:
    """A relative path without `..`: a key from the database can never reach outside the store."""
    path = PurePosixPath(key)
    if not key or path.is_absolute() or ".." in path.parts or "\\" in key:
        raise ValueError("media key must be a relative path inside the store")
    return path.as_posix()


class LocalStore:
    """Files under one folder; readable by this user only (visitors' faces are personal data)."""

    def __init__(self, root: Path | str):
        self.root = Path(root)

    def __repr__(self) -> str:
        return f"<LocalStore {self.root}>"

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def put(self, key: str, content: bytes, content_type: str) -> None:
        target = self._path(key)
        try:
            target.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
            # Created 0600 (not chmod-ed after writing), so the bytes are never readable by others.
            fd = os.open(target, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
            target.chmod(0o600)  # a file that existed before with a wider mode
        except OSError as exc:
            raise MediaStoreError(f"local store: {type(exc).__name__}") from exc

    def get(self, key: str) -> bytes | None:
        root = self.root.resolve()
        target = self._path(key).resolve()
        if root not in target.parents or not target.is_file():  # a symlink out of the folder too
            return None
        try:
            return target.read_bytes()
        except OSError as exc:
            raise MediaStoreError(f"local store: {type(exc).__name__}") from exc

    def delete(self, key: str) -> None:
        try:
            self._path(key).unlink(missing_ok=True)
        except OSError as exc:
            raise MediaStoreError(f"local store: {type(exc).__name__}") from exc

    def exists(self, key: str) -> bool:
        return self._path(key).is_file()


class S3Store:
    """One bucket, keys under a prefix. Credentials come from boto3's usual chain (AWS_ACCESS_KEY_ID,
    AWS_SECRET_ACCESS_KEY, AWS_DEFAULT_REGION, an instance role); `endpoint_url` for S3-compatible services."""

    def __init__(self, bucket: str, prefix: str = "", *, endpoint_url: str | None = None, region: str | None = None,
                 credentials: tuple[str, str] | None = None):
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""
        self.client = _client(endpoint_url, region, credentials)

    def __repr__(self) -> str:
        return f"<S3Store s3://{self.bucket}/{self.prefix}>"

    def _key(self, key: str) -> str:
        return self.prefix + check_key(key)

    def put(self, key: str, content: bytes, content_type: str) -> None:
        with _errors():
            self.client.put_object(Bucket=self.bucket, Key=self._key(key), Body=content, ContentType=content_type)

    def get(self, key: str) -> bytes | None:
        from botocore.exceptions import ClientError

        with _errors():
            try:
                response = self.client.get_object(Bucket=self.bucket, Key=self._key(key))
            except ClientError as exc:
                if _missing(exc):
                    return None
                raise
            with response["Body"] as body:
                return body.read()

    def delete(self, key: str) -> None:
        with _errors():
            self.client.delete_object(Bucket=self.bucket, Key=self._key(key))

    def exists(self, key: str) -> bool:
        from botocore.exceptions import ClientError

        with _errors():
            try:
                self.client.head_object(Bucket=self.bucket, Key=self._key(key))
            except ClientError as exc:
                if _missing(exc):
                    return False
                raise
            return True


def _client(endpoint_url: str | None, region: str | None, credentials: tuple[str, str] | None):
    import boto3  # only needed when a bucket is configured
    from botocore.config import Config as BotoConfig

    # A session per store: boto3's default session is not thread-safe, and gunicorn runs threads.
    key_id, secret = credentials or (None, None)
    session = boto3.session.Session(aws_access_key_id=key_id or None, aws_secret_access_key=secret or None)
    return session.client("s3", endpoint_url=endpoint_url or None, region_name=region or None,
                          config=BotoConfig(connect_timeout=5, read_timeout=20, retries={"max_attempts": 3,
                                                                                        "mode": "standard"}))


def _missing(exc) -> bool:
    error = exc.response.get("Error", {})
    return error.get("Code") in ("NoSuchKey", "404", "NotFound")


class _errors:
    """botocore's failures (network, credentials, a refusal) as MediaStoreError, for the callers' retry."""

    def __enter__(self):
        return self

    def __exit__(self, kind, exc, tb):
        if exc is None:
            return False
        from botocore.exceptions import BotoCoreError, ClientError

        if isinstance(exc, BotoCoreError | ClientError):
            raise MediaStoreError(f"object store: {type(exc).__name__}") from exc
        return False


def from_settings(url: str, media_dir: Path | str, *, endpoint_url: str = "", region: str = "",
                  credentials: tuple[str, str] | None = None) -> MediaStore:
    """`s3://bucket[/prefix]` → S3Store; empty → LocalStore(MEDIA_DIR). Anything else is refused."""
    if not url:
        return LocalStore(media_dir)
    parts = urlsplit(url)
    if parts.scheme != "s3" or not parts.netloc:
        raise ValueError("MEDIA_STORE_URL must look like s3://bucket/prefix")
    return S3Store(parts.netloc, parts.path, endpoint_url=endpoint_url or None, region=region or None,
                   credentials=credentials)


_cache: dict[tuple, MediaStore] = {}
_cache_lock = threading.Lock()


def for_config(config) -> MediaStore:
    """The store the settings name, built once per process: a forked worker gets its own client
    (the pid is in the key), since a client's sockets must not be shared across a fork."""
    url = getattr(config, "MEDIA_STORE_URL", "") or ""
    if not url:
        return LocalStore(config.MEDIA_DIR)
    endpoint = getattr(config, "MEDIA_S3_ENDPOINT_URL", "") or ""
    region = getattr(config, "AWS_DEFAULT_REGION", "") or ""
    credentials = (getattr(config, "AWS_ACCESS_KEY_ID", "") or "", getattr(config, "AWS_SECRET_ACCESS_KEY", "") or "")
    key = (os.getpid(), url, endpoint, region, credentials)
    with _cache_lock:
        store = _cache.get(key)
        if store is None:
            store = _cache[key] = from_settings(url, config.MEDIA_DIR, endpoint_url=endpoint, region=region,
                                                credentials=credentials if all(credentials) else None)
            logger.info("media store: %r", store)
        return store
