"""Effects a flow asks for, committed in the same transaction as the conversation.

Kinds:
- "notify": a worker-sent WhatsApp message: {"to": E.164, "body": text, "kind": str,
  optional "content_sid", "content_variables", "send_at" (aware datetime)}.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy.orm import Session

from bot.exceptions import ConfigError
from bot.models import Conversation
from bot.offices import Office
from bot.outbox import Outbox
from flows.base import Effect


def record(session: Session, outbox: Outbox, effects: Iterable[Effect], office: Office,
           conversation: Conversation) -> list[int]:
    """Returns the outbox ids to enqueue once the transaction is committed."""
    ids: list[int] = []
    for effect in effects:
        if effect.kind != "notify":
            raise ConfigError(f"unknown effect kind {effect.kind!r}")
        p = effect.payload
        rows = outbox.record_notice(
            session, office=office, to=p["to"], body=p.get("body", ""), kind=p.get("kind", "notice"),
            conversation_id=conversation.id if p["to"] == conversation.phone else None,
            content_sid=p.get("content_sid"), content_variables=p.get("content_variables"),
            send_at=p.get("send_at"))
        ids += [r.id for r in rows]
    return ids
