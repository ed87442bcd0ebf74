"""The shape of every flow: a table of named steps, each with a prompt and a handler.

A handler gets a `Context` and returns a `Result`: what to say, which step comes next, and the
effects to commit (outbound notices, jobs). Flows import neither Flask nor Redis, so each one is a
plain function of its input and reads like the SOP it implements.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from bot.conversation import Conversation
from bot.exceptions import ConfigError
from bot.offices import Office


@dataclass(frozen=True)
class Reply:
    text: str
    media_url: str | None = None


@dataclass(frozen=True)
class Effect:
    """Something to do once the conversation is committed, e.g. ("notify", {...})."""

    kind: str
    payload: dict[str, Any]


@dataclass
class Result:
    say: list[Reply] = field(default_factory=list)
    goto: StrEnum | str | None = None  # None: stay on this step without repeating its prompt
    effects: list[Effect] = field(default_factory=list)
    understood: bool = True  # False: the engine apologises and repeats the step's prompt
    prompt: bool = True  # whether the next step's prompt follows what we say


@dataclass
class Context:
    """What a step may look at. `t` renders catalog text in the conversation's language."""

    text: str
    conv: Conversation
    office: Office
    now: datetime
    t: Callable[..., str]
    has_media: bool = False
    services: dict[str, Any] = field(default_factory=dict)

    @property
    def data(self) -> dict[str, Any]:
        return self.conv.data

    @property
    def lang(self) -> str:
        return self.conv.lang


Prompt = Callable[[Context], list[Reply]]
Handler = Callable[[Context], Result]


@dataclass(frozen=True)
class MenuEntry:
    """How a flow appears in the main menu: its label, and either the step it starts at or an
    action that answers at once and leaves the citizen at the menu (e.g. office information)."""

    label_key: str
    order: int
    start: StrEnum | None = None
    action: Handler | None = None

    def __post_init__(self):
        if (self.start is None) == (self.action is None):
            raise ConfigError(f"menu entry {self.label_key}: give exactly one of start or action")


class Flow:
    def __init__(self, name: str, steps: type[StrEnum], menu: MenuEntry | None = None, expires: bool = True):
        self.name = name
        self.steps = steps
        self.menu = menu
        # False: a silent citizen stays in this flow however long (a handoff waits for its officer)
        # instead of starting again at the menu after the idle timeout.
        self.expires = expires
        self.prompts: dict[StrEnum, Prompt] = {}
        self.handlers: dict[StrEnum, Handler] = {}
        self.interceptors: list[Callable[[Context], Result | None]] = []

    def prompt(self, step: StrEnum) -> Callable[[Prompt], Prompt]:
        def register(func: Prompt) -> Prompt:
            self.prompts[step] = func
            return func

        return register

    def handler(self, step: StrEnum) -> Callable[[Handler], Handler]:
        def register(func: Handler) -> Handler:
            self.handlers[step] = func
            return func

        return register

    def interceptor(self, func: Callable[[Context], Result | None]) -> Callable[[Context], Result | None]:
        """Runs before the current step of any flow; a Result takes the message (e.g. a host's reply
        to a visit notice), None lets the current step have it. Global commands come first."""
        self.interceptors.append(func)
        return func

    def ref(self, step: StrEnum) -> str:
        return f"{self.name}:{step.value}"

    def validate(self) -> None:
        """Fail loudly at start-up: every step needs a prompt and a handler."""
        for step in self.steps:
            if step not in self.prompts:
                raise ConfigError(f"flow {self.name}: step {step.value} has no prompt")
            if step not in self.handlers:
                raise ConfigError(f"flow {self.name}: step {step.value} has no handler")


def say(*texts: str) -> list[Reply]:
    return [Reply(t) for t in texts if t]


def not_understood() -> Result:
    return Result(understood=False)


def numbered_choice(text: str, count: int) -> int | None:
    """1-based choice from "2", "2.", " 2 ", or None."""
    cleaned = text.strip().rstrip(".)")
    if cleaned.isdigit() and 1 <= int(cleaned) <= count:
        return int(cleaned)
    return None
