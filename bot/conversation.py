"""A conversation's state: where the citizen is, what they told us so far. Plain JSON."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from bot.i18n import DEFAULT_LANGUAGE

HOME = "menu:main"
HISTORY_LIMIT = 20


@dataclass
class Conversation:
    office: str
    phone: str
    lang: str = DEFAULT_LANGUAGE
    step: str = HOME  # "<flow>:<step>"
    data: dict[str, Any] = field(default_factory=dict)
    history: list[str] = field(default_factory=list)
    misses: int = 0  # consecutive messages not understood
    version: int = 0
    updated_at: float = 0.0  # epoch seconds of the last processed message (0: never)

    @property
    def is_new(self) -> bool:
        return self.updated_at == 0.0

    @property
    def at_home(self) -> bool:
        return self.step == HOME

    def move_to(self, step: str) -> None:
        if step != self.step:
            self.history = [*self.history, self.step][-HISTORY_LIMIT:]
            self.step = step

    def go_back(self) -> bool:
        if not self.history:
            return False
        self.step = self.history[-1]
        self.history = self.history[:-1]
        return True

    def reset(self) -> None:
        """Back to the main menu, forgetting the flow's data (language is kept)."""
        self.step, self.data, self.history, self.misses = HOME, {}, [], 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, raw: dict[str, Any]) -> Conversation:
        known = {k: raw[k] for k in cls.__dataclass_fields__ if k in raw}
        return cls(**known)
