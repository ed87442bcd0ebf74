"""Effects a flow asks for, committed in the same transaction as the conversation.

An effect is a typed value: a frozen dataclass subclassing `flows.base.Effect`, declared by the
domain that owns its records, next to its handler (e.g. `bot/visits/effects.py` declares
`RegisterVisit`). Each domain lists its handlers in a `HANDLERS` table; `default_handlers()` joins
the tables when the runtime is built, and `check()` makes start-up fail when a flow may return a
kind that nobody handles. A handler writes rows with the session it is given and may add outbox ids
to enqueue and jobs to schedule; both happen only after the commit.

Two kinds belong to no domain: `Notify` (a worker-sent WhatsApp message) and `ScheduleJob`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from bot.exceptions import ConfigError
from bot.models import Conversation
from bot.offices import Office
from bot.outbox import Outbox
from flows.base import Effect, Flow


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

    def add(self, outbox_ids: Iterable[int] = (), jobs: Iterable[Job] = ()) -> None:
        self.outbox_ids += list(outbox_ids)
        self.jobs += list(jobs)


@dataclass
class EffectContext:
    """Where an effect is recorded: the conversation's transaction and what it commits."""

    session: Session
    outbox: Outbox
    office: Office
    conversation: Conversation
    committed: Committed
    config: Any = None  # the process's Config


EffectHandler = Callable[[Any, EffectContext], None]


# -- the two kinds every flow may use ---------------------------------------------------------------
@dataclass(frozen=True)
class Notify(Effect):
    """A worker-sent WhatsApp message; `send_at` sends it then, through RQ's scheduler."""

    to: str
    body: str
    kind: str = "notice"
    content_sid: str | None = None
    content_variables: dict[str, str] | None = None
    send_at: datetime | None = None


@dataclass(frozen=True)
class ScheduleJob(Effect):
    """An RQ job by its dotted name, run after the commit (at `at`, or now)."""

    func: str
    args: tuple = ()
    at: datetime | None = None


def _notify(effect: Notify, ctx: EffectContext) -> None:
    rows = ctx.outbox.record_notice(
        ctx.session, office=ctx.office, to=effect.to, body=effect.body, kind=effect.kind,
        conversation_id=ctx.conversation.id if effect.to == ctx.conversation.phone else None,
        content_sid=effect.content_sid, content_variables=effect.content_variables, send_at=effect.send_at)
    ctx.committed.add(outbox_ids=[r.id for r in rows])


def _schedule(effect: ScheduleJob, ctx: EffectContext) -> None:
    ctx.committed.add(jobs=[Job(func=effect.func, args=tuple(effect.args), at=effect.at)])


HANDLERS: Mapping[type[Effect], EffectHandler] = {Notify: _notify, ScheduleJob: _schedule}


class EffectHandlers:
    """The handler of each effect kind, joined from the domains' tables."""

    def __init__(self, *tables: Mapping[type[Effect], EffectHandler], config: Any = None):
        self.config = config
        self._handlers: dict[type[Effect], EffectHandler] = {}
        for table in tables:
            for kind, handler in table.items():
                if kind in self._handlers:
                    raise ConfigError(f"effect {kind.__name__} has two handlers")
                self._handlers[kind] = handler

    def __contains__(self, kind: type[Effect]) -> bool:
        return kind in self._handlers

    def check(self, flows: Iterable[Flow], also: Iterable[type[Effect]] = ()) -> None:
        """Fail at start-up, not when a citizen reaches the step: every kind a flow (or the engine,
        `also`) may return needs a handler."""
        for flow in flows:
            for kind in flow.emits:
                if kind not in self._handlers:
                    raise ConfigError(f"flow {flow.name} may emit {kind.__name__}, which has no handler")
        for kind in also:
            if kind not in self._handlers:
                raise ConfigError(f"the engine may emit {kind.__name__}, which has no handler")

    def record(self, session: Session, outbox: Outbox, effects: Iterable[Effect], office: Office,
               conversation: Conversation) -> Committed:
        committed = Committed()
        ctx = EffectContext(session, outbox, office, conversation, committed, self.config)
        for effect in effects:
            handler = self._handlers.get(type(effect))
            if handler is None:
                raise ConfigError(f"no handler for effect {type(effect).__name__}")
            handler(effect, ctx)
        return committed


def default_handlers(config, visit_service) -> EffectHandlers:
    """Every domain's effects, named here once (nothing registers itself on import)."""
    from bot import handoff
    from bot.complaints import effects as complaints
    from bot.rights import effects as rights
    from bot.survey import effects as survey
    from bot.visits import effects as visits

    return EffectHandlers(HANDLERS, visits.handlers(visit_service), complaints.HANDLERS, survey.HANDLERS,
                          handoff.HANDLERS, rights.handlers(visit_service), config=config)
