"""Free-text service search: "syarat bantuan hukum", "biaya helpdesk lpse", with typos.

rapidfuzz does the fuzzy matching; this module only prepares the words (Indonesian synonyms and
stopwords from config/search.yaml) and decides between one sure answer and a short list.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from rapidfuzz import fuzz, process, utils

from bot import yamlload

# A best score at or above SURE, ahead of the next by MARGIN, is answered directly; from MAYBE up
# the citizen picks from the top choices; below MAYBE nothing matched.
SURE = 82
MARGIN = 8
MAYBE = 55
CHOICES = 3


# Matching the wider text (unit, product, aliases) counts a little less than matching the name.
EXTRA_WEIGHT = 0.85


@dataclass(frozen=True)
class Document:
    key: str  # service id
    name: str
    extra: str = ""  # what else a citizen might call it: unit, product, aliases


@dataclass(frozen=True)
class Hit:
    key: str
    score: float


@dataclass(frozen=True)
class Match:
    intent: str | None  # "biaya", "waktu", … when the question asks for one thing
    hits: tuple[Hit, ...]  # best first
    sure: bool


class Vocabulary:
    def __init__(self, path: Path):
        raw = yamlload.safe_load(path.read_text("utf-8"))
        self.intents = {intent: sorted(words, key=len, reverse=True) for intent, words in raw["intents"].items()}
        self.synonyms = raw["synonyms"]
        self.stopwords = set(raw["stopwords"])
        self.office_info = [re.compile(rf"\b{re.escape(p)}\b") for p in raw.get("office_info", [])]

    def about_the_office(self, text: str) -> bool:
        """"alamat kantor di mana?", "jam buka": a question about the office, not a service."""
        lowered = utils.default_process(text[:300])
        return any(pattern.search(lowered) for pattern in self.office_info)

    def intent_of(self, text: str) -> tuple[str | None, str]:
        """The first intent phrase found, and the text without it."""
        for intent, phrases in self.intents.items():
            for phrase in phrases:
                pattern = rf"\b{re.escape(phrase)}\b"
                if re.search(pattern, text):
                    return intent, re.sub(pattern, " ", text)
        return None, text

    def normalize(self, text: str) -> str:
        words = [self.synonyms.get(w, w) for w in utils.default_process(text).split()]
        return " ".join(w for w in words if w not in self.stopwords)


class ServiceSearch:
    def __init__(self, documents: Iterable[Document], vocabulary: Vocabulary):
        self.vocabulary = vocabulary
        self.documents = list(documents)
        self._names = {d.key: vocabulary.normalize(d.name) for d in self.documents}
        self._wider = {d.key: vocabulary.normalize(f"{d.name} {d.extra}") for d in self.documents}

    def search(self, query: str) -> Match:
        lowered = utils.default_process(query[:300])
        intent, rest = self.vocabulary.intent_of(lowered)
        words = self.vocabulary.normalize(rest)
        if not words:
            return Match(intent, (), False)
        limit = CHOICES + 1
        scores = {key: score for _, score, key in process.extract(words, self._names, scorer=_score, limit=limit)}
        for _, score, key in process.extract(words, self._wider, scorer=_score, limit=limit):
            scores[key] = max(scores.get(key, 0.0), score * EXTRA_WEIGHT)
        ranked = sorted(scores.items(), key=lambda item: -item[1])
        hits = tuple(Hit(key, score) for key, score in ranked if score >= MAYBE)[:CHOICES]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        sure = bool(hits) and hits[0].score >= SURE and hits[0].score - runner_up >= MARGIN
        return Match(intent, hits, sure)


def _coverage(query: str, choice: str) -> float:
    """How much of the query the choice covers: each query word's best fuzzy match among its words.
    token_set_ratio alone is symmetric, so "bantuan hukum perdata" would fully match "bantuan hukum"."""
    words = choice.split()
    if not words:
        return 0.0
    found = [process.extractOne(word, words, scorer=fuzz.ratio)[1] for word in query.split()]
    return sum(found) / len(found)


def _score(query: str, choice: str, **kwargs) -> float:
    """The query's words are in the name (token_set, coverage), typos forgiven (partial), and a name
    that is mostly the query wins over a longer one that merely contains it (token_sort)."""
    return (0.40 * fuzz.token_set_ratio(query, choice) + 0.20 * fuzz.partial_token_sort_ratio(query, choice)
            + 0.15 * fuzz.token_sort_ratio(query, choice) + 0.25 * _coverage(query, choice))
