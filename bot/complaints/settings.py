"""Complaint and survey settings: environment variables, overridable on the Config object."""

from __future__ import annotations

import os
from dataclasses import dataclass

# SP4N-LAPOR!'s clocks, in working days.
DEFAULT_DISPOSE_DAYS = 3  # passed to the unit
DEFAULT_ANSWER_DAYS = 5  # answered by the unit, counted from the disposition
DEFAULT_AUTOCLOSE_DAYS = 10  # closed after the answer when the citizen is silent


def _installed_config() -> object | None:
    from bot import runtime

    try:
        return runtime.current().config
    except RuntimeError:
        return None


def setting(name: str, default: str = "", config: object | None = None) -> str:
    """`name` from the Config object (the running process's when none is given), else the environment."""
    config = config if config is not None else _installed_config()
    value = getattr(config, name, None) if config is not None else None
    if value is None or value == "":
        value = os.environ.get(name, "").strip()
    return str(value) if value not in (None, "") else default


def int_setting(name: str, default: int, config: object | None = None) -> int:
    raw = setting(name, "", config)
    return int(raw) if raw else default


@dataclass(frozen=True)
class Targets:
    dispose_days: int = DEFAULT_DISPOSE_DAYS
    answer_days: int = DEFAULT_ANSWER_DAYS
    autoclose_days: int = DEFAULT_AUTOCLOSE_DAYS

    @classmethod
    def from_settings(cls, config: object | None = None) -> Targets:
        return cls(int_setting("COMPLAINT_TARGET_DISPOSE_DAYS", DEFAULT_DISPOSE_DAYS, config),
                   int_setting("COMPLAINT_TARGET_ANSWER_DAYS", DEFAULT_ANSWER_DAYS, config),
                   int_setting("COMPLAINT_AUTOCLOSE_DAYS", DEFAULT_AUTOCLOSE_DAYS, config))


def content_sid(kind: str, config: object | None = None) -> str | None:
    """An approved WhatsApp template for notices sent outside the 24-hour window, per kind:
    COMPLAINT_UPDATE_CONTENT_SID, COMPLAINT_RECEIPT_CONTENT_SID, SURVEY_INVITE_CONTENT_SID."""
    return setting(f"{kind.upper()}_CONTENT_SID", "", config) or None
