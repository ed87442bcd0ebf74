"""Citizen-facing complaint text, rendered from the catalogs in the complaint's language."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from bot.i18n import Messages
from bot.offices import Office


@lru_cache(maxsize=4)
def _catalog(config_dir: str) -> Messages:
    return Messages(Path(config_dir))


def messages() -> Messages:
    """The running process's catalogs (web or worker), or the configured ones when none is installed."""
    from bot import runtime

    try:
        return runtime.current().messages
    except RuntimeError:
        from config.settings import Config

        return _catalog(str(Config.CONFIG_DIR))


def render(msgs: Messages, lang: str, office: Office, key: str, **values: object) -> str:
    return msgs.text(lang, key, **{"office": office.name, **values})


def channels(office: Office) -> str:
    """The office's other complaint channels from its Standar Pelayanan, one bullet each."""
    lines = [f"• {c}" for c in office.complaint_channels]
    if office.email and not any(office.email in c for c in office.complaint_channels):
        lines.append(f"• Email: {office.email}")
    if not any("lapor" in c.lower() for c in office.complaint_channels):
        lines.append("• SP4N-LAPOR! (www.lapor.go.id)")
    return "\n".join(lines)


def unit_name(office: Office, slug: str | None) -> str | None:
    return office.unit_name(slug)
