"""Effects a flow asks for, committed in the same transaction as the conversation.

Each kind has a handler, registered with `@handles("kind")` by the module that owns the records
(e.g. a visits module registers "visit.create"). A handler writes rows with the session it is given
and may return outbox ids to enqueue and jobs to schedule; both happen only after the commit.

Built-in kinds:
- "notify": a worker-sent WhatsApp message: {"to": E.164, "body": text, "kind": str, optional
  "content_sid", "content_variables", "send_at" (aware datetime: sent then, through RQ's scheduler)}.
- "job": {"func": "module.function", "args": [...], optional "at": aware datetime}.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.exceptions import ConfigError
from bot.models import Conversation
from bot.offices import Office
from bot.outbox import Outbox
from flows.base import Effect


@dataclass(frozen=True)
class Job:
    func: str
    args: tuple = ()
    at: datetime | None = None


@dataclass
class Committed:
    """What to hand to RQ once the transaction is committed."""

    outbox_ids: list[int] = field(default_factory=list)
    jobs: list[Job] = field(default_factory=list)


@dataclass
class EffectContext:
    session: Session
    outbox: Outbox
    office: Office
    conversation: Conversation
    payload: dict[str, Any]
    committed: Committed


EffectHandler = Callable[[EffectContext], None]
_handlers: dict[str, EffectHandler] = {}


def handles(kind: str) -> Callable[[EffectHandler], EffectHandler]:
    def register(handler: EffectHandler) -> EffectHandler:
        if kind in _handlers and _handlers[kind] is not handler:
            raise ConfigError(f"effect kind {kind!r} registered twice")
        _handlers[kind] = handler
        return handler

    return register


@handles("notify")
def notify(ctx: EffectContext) -> None:
    p = ctx.payload
    rows = ctx.outbox.record_notice(
        ctx.session, office=ctx.office, to=p["to"], body=p.get("body", ""), kind=p.get("kind", "notice"),
        conversation_id=ctx.conversation.id if p["to"] == ctx.conversation.phone else None,
        content_sid=p.get("content_sid"), content_variables=p.get("content_variables"), send_at=p.get("send_at"))
    ctx.committed.outbox_ids += [r.id for r in rows]


@handles("job")
def job(ctx: EffectContext) -> None:
    p = ctx.payload
    ctx.committed.jobs.append(Job(func=p["func"], args=tuple(p.get("args", ())), at=p.get("at")))


def record(session: Session, outbox: Outbox, effects: Iterable[Effect], office: Office,
           conversation: Conversation) -> Committed:
    committed = Committed()
    for effect in effects:
        handler = _handlers.get(effect.kind)
        if handler is None:
            raise ConfigError(f"unknown effect kind {effect.kind!r}")
        handler(EffectContext(session, outbox, office, conversation, effect.payload, committed))
    return committed
