"""The shape of every flow: a table of named steps, each with a prompt and a handler.

A handler gets a `Context` and returns a `Result`: what to say, which step comes next, and the
effects to commit (outbound notices, jobs). Flows import neither Flask nor Redis, so each one is a
plain function of its input and reads like the SOP it implements.

A flow reads the records it needs through `ctx.session`, the inbox's own transaction (it never
opens one), and changes them only by returning effects: typed values (one frozen dataclass per
kind, declared by the domain that handles it) listed in the flow's `emits`, so that start-up can
check that every effect a flow may return has a handler (bot/effects.py).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from functools import cached_property
from typing import TYPE_CHECKING, Any

from rapidfuzz import fuzz

from bot import simulator
from bot.conversation import Conversation
from bot.exceptions import ConfigError
from bot.offices import Office
from bot.workdays import Calendar, office_calendar

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

    from bot.catalogs import Catalogs
    from bot.chat import ChatReader
    from bot.directory import Directory
    from bot.employees import Staff
    from bot.intents import IntentReader
    from config.settings import Config


@dataclass(frozen=True)
class Option:
    """A choice the person may tap instead of typing its number: `id` comes back as the tap's payload."""

    id: str
    title: str


@dataclass(frozen=True)
class Reply:
    text: str
    media_url: str | None = None
    # Numbered choices in `text` that WhatsApp may show as buttons or a list (bot/whatsapp/interactive.py),
    # with `lead`, the text to show above them instead of the numbered lines.
    options: tuple[Option, ...] = ()
    lead: str = ""
    button: str = ""  # the label of the button that opens the list


class Effect:
    """Something to do in the conversation's transaction. Each kind is a frozen dataclass that
    subclasses this, declared next to its handler by the domain that owns the records."""

    __slots__ = ()


@dataclass
class Result:
    say: list[Reply] = field(default_factory=list)
    goto: StrEnum | str | None = None  # None: stay on this step without repeating its prompt
    effects: list[Effect] = field(default_factory=list)
    # False: the engine tries what the citizen may want instead (flows/intents.py), else apologises (with
    # `say`, the step's own correction, when given) and repeats the step's prompt.
    understood: bool = True
    prompt: bool = True  # whether the next step's prompt follows what we say


@dataclass(frozen=True)
class Tap:
    """The person tapped a button (or list item) of one of our messages instead of typing."""

    payload: str  # the button's id, e.g. "accept"
    replied_sid: str | None = None  # the Twilio SID of the message whose button was tapped


@dataclass(frozen=True)
class Deps:
    """What flows may use besides the message: read-only lookups, built once per process."""

    config: Config
    catalogs: Catalogs
    directory: Directory
    menu_entries: tuple[MenuEntry, ...] = ()
    flow_names: frozenset[str] = frozenset()
    chat: ChatReader | None = None  # reads "sy mau ketemu bsk" as "saya mau bertemu besok"
    intents: IntentReader | None = None  # what a citizen wants, from anywhere (config/intents.yaml)


@dataclass
class Context:
    """What a step may look at. `t` renders catalog text in the conversation's language; `session`
    is the inbox's transaction (reads only: changes are effects)."""

    text: str
    conv: Conversation
    office: Office
    now: datetime
    t: Callable[..., str]
    deps: Deps
    session: Session
    has_media: bool = False
    is_greeting: bool = False
    is_thanks: bool = False  # "makasih", "ok", "🙏": an answer where a step asks, else a polite closing
    conversation_id: int | None = None
    tap: Tap | None = None
    # The message as typed, identity numbers in full: in memory only, never stored or logged. `text`
    # is what was recorded (NIK masked); only the identity-number step reads this. None when the
    # message is processed later from its record (then the step asks for the number again).
    raw_text: str | None = field(default=None, repr=False)
    # The message as read (bot/chat.py): lower case, slang and abbreviations spelled out, emoji that
    # answer as words. Match options, yes/no, dates and intents against this; store `text`.
    words: str = ""
    # The message's attachments as recorded: ({"url": …, "content_type": …}, …).
    media: tuple[dict[str, str], ...] = ()

    def __post_init__(self):
        if not self.words:  # built without a reader (tests, tools): at least the lower-case text
            self.words = (self.text or "").lower()

    @property
    def data(self) -> dict[str, Any]:
        return self.conv.data

    @property
    def lang(self) -> str:
        return self.conv.lang

    @property
    def config(self) -> Config:
        return self.deps.config

    @cached_property
    def calendar(self) -> Calendar:
        """The office's days: open weekdays, national holidays and its own days off (read once per message)."""
        return office_calendar(self.session, self.office)

    @property
    def staff(self) -> Staff:
        """The office's employee directory (desk officers, hosts, identity documents); a simulated
        conversation sees every employee at their simulated address (bot/simulator.py)."""
        staff = self.deps.directory.staff(self.office)
        return simulator.staff_view(staff) if simulator.is_simulated(self.conv.phone) else staff


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
    def __init__(self, name: str, steps: type[StrEnum], menu: MenuEntry | None = None, expires: bool = True,
                 emits: tuple[type[Effect], ...] = ()):
        self.name = name
        self.steps = steps
        self.menu = menu
        # Every effect kind this flow may return: start-up checks each has a handler, and the engine
        # refuses one not listed here.
        self.emits = frozenset(emits)
        # False: a silent citizen stays in this flow however long (a handoff waits for its officer)
        # instead of starting again at the menu after the idle timeout.
        self.expires = expires
        self.prompts: dict[StrEnum, Prompt] = {}
        self.handlers: dict[StrEnum, Handler] = {}
        self.interceptors: list[Callable[[Context], Result | None]] = []
        self.fallbacks: list[Callable[[Context], Result | None]] = []

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

    def fallback(self, func: Callable[[Context], Result | None]) -> Callable[[Context], Result | None]:
        """Runs when the current step did not understand the message (e.g. "sy mau lapor" while a
        survey question waits): a Result takes it instead of "not understood", None declines."""
        self.fallbacks.append(func)
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


TAP_SEPARATOR = "#"


def numbered(ctx: Context, lead: str, labels: list[str], *, after: tuple[str, ...] = (), first: int = 1) -> Reply:
    """`lead`, the choices as `1. label` lines, then `after`: the person types a number or taps the choice.
    A tap's id names the step it was offered at, so a tap on an old list is read as its words, not its number."""
    numbered_lines = [f"{i}. {label}" for i, label in enumerate(labels, first)]
    text = "\n".join([lead, *numbered_lines, *after]).strip()
    options = tuple(Option(f"{ctx.conv.step}{TAP_SEPARATOR}{i}", label) for i, label in enumerate(labels, first))
    return Reply(text, options=options, lead="\n".join([lead, *after]).strip(), button=ctx.t("common.list_button"))


def tapped_text(step: str, text: str, tap: Tap | None) -> str:
    """What a tap means: the choice's number when it was offered at this step, else its title as typed."""
    if tap is None or TAP_SEPARATOR not in tap.payload:
        return text
    offered_at, _, number = tap.payload.rpartition(TAP_SEPARATOR)
    return number if offered_at == step and number.isdigit() else text


def not_understood() -> Result:
    return Result(understood=False)


def numbered_choice(text: str, count: int, labels: Sequence[str] = ()) -> int | None:
    """1-based choice from "2", "2.", " 2 ", or from an option's own words when `labels` are given
    ("Pengaduan layanan", "pengaduan", a typo of it), or None."""
    cleaned = text.strip().rstrip(".)")
    if cleaned.isdigit() and 1 <= int(cleaned) <= count:
        return int(cleaned)
    return label_choice(text, labels[:count]) if labels else None


def _words(text: str) -> str:
    """Lower-case words only: no numbering ("1."), punctuation or emoji."""
    text = re.sub(r"^\s*\d+\s*[.)]\s*", "", text.lower())
    return " ".join(re.findall(r"[\w&]+", text))


# How close typed words must be to an option's label (rapidfuzz ratio, 0-100) to choose it.
LABEL_MATCH = 88


# Words that carry no choice: "yg lain" is "lain", "yang pelayanan" is "pelayanan".
_FILLER_WORDS = frozenset({"yang", "yg", "the", "saja", "aja", "deh", "dong", "ya", "pak", "bu", "kak", "nomor", "no"})


def _says_words_of(said: str, name: str) -> bool:
    """Every word said is a word of the label or the beginning of one (4+ letters, or a near spelling):
    "pelayanan" for "Kualitas pelayanan", "lain lain" for "Lainnya"."""
    words = [w for w in said.split() if w not in _FILLER_WORDS]
    label_words = name.split()
    return bool(words) and all(
        any(w == lw or (len(w) >= 4 and lw.startswith(w)) or (len(w) >= 5 and fuzz.ratio(w, lw) >= LABEL_MATCH)
            for lw in label_words) for w in words)


def label_choice(text: str, labels: Sequence[str]) -> int | None:
    """The one option whose label the text says: the label itself, its beginning (at least 4
    letters), or a near spelling of it. None when no option, or more than one, fits."""
    said = _words(text)
    if not said:
        return None
    names = [_words(label) for label in labels]
    for test in (lambda name: name == said, lambda name: len(said) >= 4 and name.startswith(said),
                 lambda name: fuzz.ratio(said, name) >= LABEL_MATCH, lambda name: _says_words_of(said, name)):
        found = [i for i, name in enumerate(names, 1) if name and test(name)]
        if len(found) == 1:
            return found[0]
        if found:
            return None
    return None
