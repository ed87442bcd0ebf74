"""What a citizen wants, said in their own words: "sy mau lapor dugaan korupsi", "sabtu buka gak?",
"boleh bawa pisau?". The phrases live in config/intents.yaml; this module only finds them in a
message as read by bot/chat.py. flows/intents.py decides what each intent does."""

from __future__ import annotations

import re
from pathlib import Path

from bot import yamlload

INTENTS = ("visit_change", "corruption", "pungli", "status", "complaint", "survey", "handoff", "visitor_rules",
           "office_hours", "office_contact", "office_address", "visit", "services", "fee")
# Tables in the same file that are not intents.
TABLES = ("visitor_items", "complaint_categories")


def _pattern(phrases: list[str]) -> re.Pattern:
    alternatives = "|".join(re.escape(p.lower()) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<![\w])(?:{alternatives})(?![\w])")


class IntentReader:
    def __init__(self, path: Path):
        raw = yamlload.safe_load(path.read_text("utf-8"))
        unknown = [name for name in raw if name not in INTENTS and name not in TABLES]
        if unknown:
            raise ValueError(f"{path.name}: unknown intents {unknown}")
        # The file's order is the priority: the more specific intents come first.
        self._intents = [(name, _pattern(raw[name])) for name in raw if name in INTENTS]
        self._items = {rule: _pattern(words) for rule, words in raw.get("visitor_items", {}).items()}
        self._categories = {name: _pattern(words) for name, words in raw.get("complaint_categories", {}).items()}

    def intent_of(self, words: str) -> str | None:
        """The first intent whose phrase the message says, or None."""
        for name, pattern in self._intents:
            if pattern.search(words):
                return name
        return None

    def says(self, intent: str, words: str) -> bool:
        return any(name == intent and pattern.search(words) for name, pattern in self._intents)

    def items_asked(self, words: str) -> list[str]:
        """The visitor-rule topics an item in the message belongs to: "pisau" → "senjata tajam"."""
        return [rule for rule, pattern in self._items.items() if pattern.search(words)]

    def category_of(self, words: str, offered: tuple[str, ...]) -> str | None:
        """The one complaint category among `offered` whose words the answer uses ("petugasnya gk ramah"
        → conduct), or None when none or several do."""
        found = [name for name in offered if name in self._categories and self._categories[name].search(words)]
        return found[0] if len(found) == 1 else None
