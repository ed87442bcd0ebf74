"""Message catalogs (config/messages/<lang>.yaml) and the command words (config/commands.yaml)."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from pathlib import Path

from bot import yamlload
from bot.exceptions import ConfigError

LANGUAGES = ("id", "en")
DEFAULT_LANGUAGE = "id"


def _flatten(tree: Mapping, prefix: str = "") -> dict[str, str]:
    flat: dict[str, str] = {}
    for key, value in tree.items():
        name = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, name + "."))
        else:
            flat[name] = str(value)
    return flat


def _placeholders(text: str) -> set[str]:
    return {field for _, field, _, _ in string.Formatter().parse(text) if field}


class Messages:
    """All citizen-facing text. Raises ConfigError at load when the catalogs disagree."""

    def __init__(self, config_dir: Path):
        self.catalogs = {lang: self._load(config_dir / "messages", lang) for lang in LANGUAGES}
        base = self.catalogs[DEFAULT_LANGUAGE]
        for lang, catalog in self.catalogs.items():
            if set(catalog) != set(base):
                raise ConfigError(f"messages/{lang}.yaml keys differ: {sorted(set(catalog) ^ set(base))}")
            for key, text in catalog.items():
                if _placeholders(text) != _placeholders(base[key]):
                    raise ConfigError(f"messages/{lang}.yaml {key}: placeholders differ from id.yaml")

    @staticmethod
    def _load(folder: Path, lang: str) -> dict[str, str]:
        """messages/<lang>.yaml plus each flow's messages/<flow>/<lang>.yaml; top-level keys may not collide."""
        catalog: dict[str, str] = {}
        for path in [folder / f"{lang}.yaml", *sorted(folder.glob(f"*/{lang}.yaml"))]:
            part = _flatten(yamlload.safe_load(path.read_text("utf-8")) or {})
            clash = set(part) & set(catalog)
            if clash:
                raise ConfigError(f"{path}: keys already defined elsewhere: {sorted(clash)[:5]}")
            catalog.update(part)
        return catalog

    def has(self, key: str) -> bool:
        return key in self.catalogs[DEFAULT_LANGUAGE]

    def text(self, lang: str, key: str, **values: object) -> str:
        catalog = self.catalogs.get(lang) or self.catalogs[DEFAULT_LANGUAGE]
        return catalog[key].format_map(values)


def normalize_command_text(text: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"[.!,]+$", "", text.strip().lower()))


def _any_phrase(phrases: list[str]) -> re.Pattern:
    alternatives = "|".join(re.escape(p) for p in sorted(phrases, key=len, reverse=True))
    return re.compile(rf"(?<!\w)(?:{alternatives})(?!\w)")


class Commands:
    """Maps a whole message ("Batal", "menu utama") to a command name, in either language."""

    # Softeners that may surround a greeting or thanks without changing it: "makasih ya pak", "makasih
    # infonya" (read as "info": bot/chat.py drops "-nya").
    FILLERS = frozenset({"ya", "pak", "bu", "kak", "kakak", "mas", "mbak", "dik", "min", "admin", "bapak", "bapa",
                         "ibu", "banyak", "sekali", "deh", "dong", "nggih", "njih", "juga", "semua", "sir", "maam",
                         "and", "atas", "info", "informasi", "bantuan", "jawaban", "penjelasan", "respon"})
    SOFT = ("thanks", "greeting")

    def __init__(self, config_dir: Path):
        raw = yamlload.safe_load((config_dir / "commands.yaml").read_text("utf-8"))
        self._words: dict[str, str] = {}
        soft: dict[str, list[str]] = {name: [] for name in self.SOFT}
        for command, words in raw.items():
            for word in words:
                phrase = normalize_command_text(str(word))
                self._words[phrase] = command
                if command in soft:
                    soft[command].append(phrase)
        self._soft = {name: _any_phrase(phrases) for name, phrases in soft.items() if phrases}

    def match(self, text: str, reading: str | None = None) -> str | None:
        """The command the whole message is: as typed, or as read (bot/chat.py: "mksh bnyk 🙏"), or a
        mix of thanks and greetings with softeners ("ok makasih ya pak", "halo selamat pagi")."""
        found = self._words.get(normalize_command_text(text))
        if found is None and reading:
            found = self._words.get(normalize_command_text(reading)) or self._softened(reading)
        return found

    def _softened(self, reading: str) -> str | None:
        rest = normalize_command_text(reading)
        said = set()
        for name, pattern in self._soft.items():
            rest, count = pattern.subn(" ", rest)
            if count:
                said.add(name)
        left = [w for w in re.findall(r"[\w']+", rest) if w not in self.FILLERS]
        if not said or left:
            return None
        return "thanks" if "thanks" in said else "greeting"
