"""Indonesian chat as citizens type it, read as the words they mean: "sy mau ketemu pak kasi pidum bsk
jam 10" → "saya mau bertemu pak kasi pidum besok jam 10".

The table is config/chat.yaml (reviewed by hand, not code). The result is only ever a *reading* of
the message, used to match options, yes/no, dates and intents: the message as written is what is
recorded and what a free-text answer keeps. Stemming is deliberately absent: PySastrawi's stemmer
would turn "pengaduan" into "adu" and "kunjungan" into "kunjung", which helps a search engine but
hurts exact phrases ("syarat berkunjung" vs "kunjungan saya"); the phrases in config/intents.yaml
list the forms people use instead.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from bot import yamlload

# "makasihhh", "okeee", "siaaap": three or more of the same letter are one. Two stay ("maaf", "saat").
_STRETCHED = re.compile(r"([a-z])\1{2,}")
_WORD = re.compile(r"[a-z0-9']+")
# "jamnya", "syaratnya", "parkirnya": the possessive suffix carries no meaning for matching. Short words
# keep it ("tanya", "punya", "hanya" are words of their own).
_NYA = re.compile(r"\b([a-z]{3,})nya\b")


class ChatReader:
    def __init__(self, path: Path):
        raw = yamlload.safe_load(path.read_text("utf-8"))
        self.words: dict[str, str] = {str(k).lower(): str(v) for k, v in raw.get("words", {}).items()}
        self.emoji: dict[str, str] = {str(k): str(v) for k, v in raw.get("emoji", {}).items()}
        phrases = {str(k).lower(): str(v) for k, v in raw.get("phrases", {}).items()}
        self._phrases = [(re.compile(rf"(?<![a-z0-9']){re.escape(k)}(?![a-z0-9'])"), v)
                         for k, v in sorted(phrases.items(), key=lambda item: -len(item[0]))]
        # Longest emoji first, so "🙏🏻" is read whole before "🙏".
        self._emoji = sorted(self.emoji.items(), key=lambda item: -len(item[0]))

    def read(self, text: str) -> str:
        """The message as the words it means: lower case, stretched letters shortened, emoji that answer
        read as words, abbreviations spelled out. Digits and punctuation stay ("2.", "10.30")."""
        lowered = unicodedata.normalize("NFC", text or "").lower().replace("\u2019", "'")
        for mark, meaning in self._emoji:
            lowered = lowered.replace(mark, f" {meaning} ")
        lowered = _STRETCHED.sub(r"\1", lowered)
        for pattern, meaning in self._phrases:
            lowered = pattern.sub(meaning, lowered)
        lowered = _WORD.sub(lambda m: self.words.get(m.group(0), m.group(0)), lowered)
        lowered = _NYA.sub(r"\1", lowered)
        return " ".join(lowered.split())
