"""The conversation engine: global commands, session expiry, then the current step's handler.

It reads and changes a `Conversation` and returns what to say and do; flows read records through
the caller's session. Storage, locking, committing and sending are the caller's (bot/inbox.py).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field, replace
from datetime import datetime

from sqlalchemy.orm import Session

from bot.conversation import HOME, Conversation
from bot.exceptions import ConfigError
from bot.handoff import CloseHandoff
from bot.i18n import Commands, Messages
from bot.offices import Office
from flows import handoff
from flows.base import Context, Deps, Effect, Reply, Result, Tap, say, tapped_text
from flows.registry import FlowRegistry

logger = logging.getLogger(__name__)

# Consecutive messages not understood before the citizen is offered other ways (other words, the
# menu, an officer). The bot never hands a citizen to an officer by itself: they choose.
STUCK_AFTER = 2
# Words that are not commands but only soften a step that does not understand them ("ok" or "siap"
# still answer a step that asks): a greeting shows the welcome, thanks get a polite closing.
SOFT_COMMANDS = ("greeting", "thanks")


@dataclass
class Outcome:
    replies: list[Reply] = field(default_factory=list)
    effects: list[Effect] = field(default_factory=list)


# Effects the engine itself returns (not a flow's): start-up checks they have handlers too.
ENGINE_EFFECTS = (CloseHandoff,)


class Engine:
    def __init__(self, registry: FlowRegistry, messages: Messages, commands: Commands, idle_seconds: int,
                 deps: Deps):
        self.registry = registry
        self.messages = messages
        self.commands = commands
        self.idle_seconds = idle_seconds
        self.deps = replace(deps, menu_entries=tuple(registry.menu_entries()), flow_names=frozenset(registry.flows))
        self._emittable = frozenset(ENGINE_EFFECTS).union(*(f.emits for f in registry.flows.values()))

    def handle(self, conv: Conversation, text: str, has_media: bool, office: Office, now: datetime,
               session: Session, conversation_id: int | None = None, tap: Tap | None = None,
               raw_text: str | None = None, location: dict | None = None,
               media: list[dict[str, str]] | None = None) -> Outcome:
        """`text` is the message as recorded (NIK masked); `raw_text`, when the caller still holds it in
        memory, the message as typed: only the identity-number step reads it (`ctx.raw_text`). `media` is
        the message's attachments as recorded (url, content_type)."""
        text = tapped_text(conv.step, (text or "").strip(), tap)
        words = self.deps.chat.read(text) if self.deps.chat else text.lower()
        command = self.commands.match(text, words) if text else None
        ctx = Context(text=text, conv=conv, office=office, now=now, t=self._translator(conv, office), deps=self.deps,
                      session=session, has_media=has_media, is_greeting=command == "greeting",
                      is_thanks=command == "thanks", conversation_id=conversation_id, tap=tap,
                      raw_text=raw_text.strip() if raw_text is not None else None, words=words,
                      media=tuple(media or ()))
        out = Outcome()
        fresh = conv.is_new
        if not fresh and now.timestamp() - conv.updated_at > self.idle_seconds and not conv.at_home \
                and self.registry.expires(conv.step):
            conv.reset()
            out.replies += say(ctx.t("session.expired", minutes=self.idle_seconds // 60))
            fresh = True
        if self._step_missing(conv):
            conv.reset()
        if location is not None and not conv.step.startswith(f"{handoff.flow.name}:"):
            self._location(ctx, out)  # an officer waited for reads it in the transcript instead
        elif command and command not in SOFT_COMMANDS:
            self._command(command, ctx, out)
        elif fresh:
            self._first_message(ctx, out)
        else:
            self._apply(self._intercepted(ctx) or self.registry.handler_of(conv.step)(ctx), ctx, out)
        conv.updated_at = now.timestamp()
        return out

    def _translator(self, conv: Conversation, office: Office):
        def t(key: str, **values: object) -> str:
            # Read conv.lang at call time, so text after "english" comes out in English.
            return self.messages.text(conv.lang, key, **{"office": office.name, **values})

        return t

    def _intercepted(self, ctx: Context) -> Result | None:
        for interceptor in self.registry.interceptors():
            result = interceptor(ctx)
            if result is not None:
                return result
        return None

    def _redirected(self, ctx: Context) -> Result | None:
        """What the citizen says they want, when the step did not understand them (flows/intents.py)."""
        for fallback in self.registry.fallbacks():
            result = fallback(ctx)
            if result is not None:
                return result
        return None

    def _step_missing(self, conv: Conversation) -> bool:
        """A state saved by an older release may name a step that no longer exists."""
        try:
            self.registry.resolve(conv.step)
        except (KeyError, ValueError):
            logger.warning("conversation at unknown step %s: back to the menu", conv.step)
            return True
        return False

    def _first_message(self, ctx: Context, out: Outcome) -> None:
        """A new conversation gets the welcome, unless its first message is already a menu choice."""
        from flows.menu import welcome

        result = self._intercepted(ctx) or self.registry.handler_of(ctx.conv.step)(ctx)
        if result.understood and not ctx.is_greeting:
            self._apply(result, ctx, out)
        else:
            out.replies += welcome(ctx)

    def _location(self, ctx: Context, out: Outcome) -> None:
        """A shared location pin: no step asks for one, so the citizen gets where the office is (most
        pins mean "I am here" or "where are you?"), then the question they were at."""
        from flows.office_info import map_url

        out.replies += say(ctx.t("common.location_received", address=ctx.office.address, url=map_url(ctx.office)))
        if not ctx.conv.at_home:
            out.replies += self._prompt(ctx)

    def _prompt(self, ctx: Context) -> list[Reply]:
        return self.registry.prompt_of(ctx.conv.step)(ctx)

    def _apply(self, result: Result, ctx: Context, out: Outcome) -> None:
        conv = ctx.conv
        if not result.understood and ctx.is_thanks:  # "makasih", "ok", "🙏" where no answer was asked
            out.replies += say(ctx.t("common.thanks_reply"))
            if not conv.at_home:
                out.replies += self._prompt(ctx)
            return
        if not result.understood and not ctx.has_media:
            result = self._redirected(ctx) or result
        if not result.understood:
            conv.misses += 1
            if ctx.has_media:
                sorry = "common.media_not_expected"
            else:
                sorry = "common.still_not_understood" if conv.misses >= STUCK_AFTER else "common.not_understood"
            if result.say and not ctx.has_media:
                out.replies += result.say  # the step's own correction ("answer 1 to 4"), then its question
            else:
                out.replies += say(ctx.t(sorry))
            out.replies += self._prompt(ctx)
            return
        conv.misses = 0
        out.replies += result.say
        for effect in result.effects:
            if type(effect) not in self._emittable:  # a flow returned a kind it did not declare in `emits`
                raise ConfigError(f"{type(effect).__name__} is not declared by any flow's emits")
        out.effects += result.effects
        if result.goto is not None:
            ref = self.registry.ref(result.goto)
            if ref == HOME:
                conv.reset()
            else:
                conv.move_to(ref)
            if result.prompt:
                out.replies += self._prompt(ctx)

    def _can_hand_off(self, conv: Conversation) -> bool:
        return handoff.flow.name in self.registry.flows and not conv.step.startswith(f"{handoff.flow.name}:")

    def _command(self, command: str, ctx: Context, out: Outcome) -> None:
        conv = ctx.conv
        if command in ("menu", "cancel") and conv.step.startswith(f"{handoff.flow.name}:"):
            out.effects.append(CloseHandoff())  # back with the bot: close the request
        if command == "menu":
            conv.reset()
            out.replies += self._prompt(ctx)
        elif command == "cancel":
            had_work = not conv.at_home or bool(conv.data)
            conv.reset()
            out.replies += [*say(ctx.t("common.cancelled" if had_work else "common.nothing_to_cancel")),
                            *self._prompt(ctx)]
        elif command == "back":
            moved = conv.go_back()
            out.replies += [*([] if moved else say(ctx.t("common.back_at_start"))), *self._prompt(ctx)]
        elif command == "help":
            out.replies += [*say(ctx.t("common.help")), *self._prompt(ctx)]
        elif command in ("english", "bahasa"):
            conv.lang = "en" if command == "english" else "id"
            out.replies += [*say(ctx.t("common.lang_switched")), *self._prompt(ctx)]
        elif command == "handoff":
            if self._can_hand_off(conv):
                self._apply(handoff.request(ctx, "asked"), ctx, out)
            else:
                out.replies += self._prompt(ctx)
        else:
            raise ValueError(f"unknown command {command}")
