"""Message catalogs (config/messages/<lang>.yaml) and the command words (config/commands.yaml)."""

from __future__ import annotations

import re
import string
from collections.abc import Mapping
from pathlib import Path

import yaml

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
            part = _flatten(yaml.safe_load(path.read_text("utf-8")) or {})
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


class Commands:
    """Maps a whole message ("Batal", "menu utama") to a command name, in either language."""

    def __init__(self, config_dir: Path):
        raw = yaml.safe_load((config_dir / "commands.yaml").read_text("utf-8"))
        self._words: dict[str, str] = {}
        for command, words in raw.items():
            for word in words:
                self._words[normalize_command_text(str(word))] = command

    def match(self, text: str) -> str | None:
        return self._words.get(normalize_command_text(text))
