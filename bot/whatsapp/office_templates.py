"""Approved WhatsApp templates (Twilio Content API) per message kind, from config/templates.yaml.

Outside the 24-hour window a business-initiated message must be a template: the notice is recorded
with its `content_sid` and `content_variables`; an empty SID means none is approved yet, and the
sender then holds the message (reason outside_24h_window).
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot import yamlload
from bot.exceptions import ConfigError


@lru_cache(maxsize=8)
def _load(path: Path, _mtime: float) -> dict[str, dict]:
    data = yamlload.safe_load(path.read_text(encoding="utf-8")) or {}
    for kind, spec in data.items():
        if not isinstance(spec, dict) or not isinstance(spec.get("variables") or {}, dict):
            raise ConfigError(f"{path}: template {kind} needs content_sid and a variables mapping")
    return data


def templates(config_dir: Path) -> dict[str, dict]:
    path = Path(config_dir) / "templates.yaml"
    if not path.exists():
        return {}
    return _load(path, path.stat().st_mtime)


def template_for(config_dir: Path, kind: str, values: dict[str, object]) -> tuple[str | None, dict[str, str] | None]:
    """(content_sid, content_variables) for a kind, or (None, None) when no template is configured."""
    spec = templates(config_dir).get(kind) or {}
    sid = (spec.get("content_sid") or "").strip()
    if not sid:
        return None, None
    mapping = spec.get("variables") or {}
    variables = {str(number): str(values.get(name, ""))[:1000] for number, name in mapping.items()}
    return sid, variables
