"""Which approved WhatsApp template a message of a kind may go out as, outside the 24-hour window.

In order: a `content_sid` in config/templates.yaml (an office that had its own template approved),
then the `<KIND>_CONTENT_SID` setting of complaint and survey notices (the same, from before Loket
made its own), then Loket's synced template for the recipient's language. Without an approved one
the state says why, so that the sender can hold the message with a precise reason.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session

from bot.exceptions import ConfigError
from bot.models.templates import APPROVED, REFUSED, WAITING, WhatsAppTemplate
from bot.whatsapp import templates
from bot.whatsapp.office_templates import templates as office_templates

logger = logging.getLogger(__name__)

# Resolution.state
TEMPLATE_PENDING, TEMPLATE_REJECTED, NO_TEMPLATE = "template_pending", "template_rejected", "no_template"
STATES = (APPROVED, TEMPLATE_PENDING, TEMPLATE_REJECTED, NO_TEMPLATE)
# Resolution.source
CONFIG, SETTING, LOKET = "config", "setting", "loket"
# Kinds with a <KIND>_CONTENT_SID setting on Config (README, Configuration), from before Loket made its own.
SETTING_KINDS = ("complaint_receipt", "complaint_update", "survey_invite")

# The other language a recipient may be sent when theirs has no approved template. English readers
# get the Indonesian one: the office's own language, which anyone writing to an Indonesian public
# office can be served in, and a held visit reminder helps nobody. Never the reverse: many
# Indonesian citizens and employees read no English, and a notice they cannot read is no notice.
FALLBACK = {"en": "id"}
# Without an approved template, the most hopeful state of the languages tried: pending will be
# approved (and the held message released), rejected needs a new body, none needs a sync.
_HOPE = (TEMPLATE_PENDING, TEMPLATE_REJECTED, NO_TEMPLATE)


@dataclass(frozen=True)
class Resolution:
    content_sid: str | None
    state: str  # approved, template_pending, template_rejected, no_template
    lang: str | None = None  # the template's language, which may be the fallback's (FALLBACK)
    source: str | None = None  # config, setting or loket
    numbering: tuple[tuple[str, str], ...] = ()  # (ContentVariables key, value name), e.g. ("1", "office")
    budget: int | None = None  # characters the values may take together, when known

    @property
    def approved(self) -> bool:
        return self.content_sid is not None

    def variables(self, values: Mapping[str, object]) -> dict[str, str] | None:
        """ContentVariables for this template from the message's named values (None without one):
        numbered as this template expects, never empty, cut to fit (templates.fill)."""
        if self.content_sid is None:
            return None
        filled = templates.fill([name for _, name in self.numbering], values, self.budget)
        return dict(zip((key for key, _ in self.numbering), filled, strict=True))


def _config_dir(config: object | None) -> Path:
    directory = getattr(config, "CONFIG_DIR", None) if config is not None else None
    return templates.current_config_dir(directory)


def _definition(config_dir: Path, kind: str) -> templates.Definition | None:
    try:
        return templates.definitions(config_dir).get(kind)
    except ConfigError:  # checked at start; a file broken since must not stop a send
        logger.exception("WhatsApp template definitions unreadable")
        return None


def _office_template(config_dir: Path, kind: str) -> Resolution | None:
    spec = office_templates(config_dir).get(kind) or {}
    sid = str(spec.get("content_sid") or "").strip()
    if not sid:
        return None
    numbering = tuple(sorted(((str(k), str(v)) for k, v in (spec.get("variables") or {}).items()),
                             key=lambda pair: (len(pair[0]), pair[0])))
    return Resolution(sid, APPROVED, None, CONFIG, numbering)


def _setting_template(config: object | None, definition: templates.Definition | None, kind: str) -> Resolution | None:
    sid = str(getattr(config, f"{kind.upper()}_CONTENT_SID", "") or "").strip() if kind in SETTING_KINDS else ""
    if not sid or definition is None:
        return None
    numbering = tuple((str(i), name) for i, name in enumerate(definition.variables, 1))
    return Resolution(sid, APPROVED, None, SETTING, numbering)


def _approved(session: Session, kind: str, lang: str) -> WhatsAppTemplate | None:
    """The current version if approved, else the newest older approved one: a changed body waiting
    for approval does not silence a kind whose previous wording WhatsApp still accepts."""
    return session.scalar(select(WhatsAppTemplate).where(
        WhatsAppTemplate.kind == kind, WhatsAppTemplate.lang == lang, WhatsAppTemplate.status == APPROVED)
        .order_by(WhatsAppTemplate.current.desc(), WhatsAppTemplate.id.desc()).limit(1))


def _state(session: Session, kind: str, lang: str) -> str:
    status = session.scalar(select(WhatsAppTemplate.status).where(
        WhatsAppTemplate.kind == kind, WhatsAppTemplate.lang == lang, WhatsAppTemplate.current.is_(True))
        .order_by(WhatsAppTemplate.id.desc()).limit(1))
    if status in WAITING:
        return TEMPLATE_PENDING
    if status in REFUSED:
        return TEMPLATE_REJECTED
    return NO_TEMPLATE  # never synced, or deleted in Twilio


def resolve(session: Session, kind: str, lang: str, *, config: object) -> Resolution:
    """The approved template for a message of `kind` to a recipient reading `lang`, or why there is none."""
    config_dir = _config_dir(config)
    own = _office_template(config_dir, kind)
    if own is not None:
        return own
    definition = _definition(config_dir, kind)
    configured = _setting_template(config, definition, kind)
    if configured is not None:
        return configured
    languages = [lang] + ([FALLBACK[lang]] if lang in FALLBACK else [])
    for candidate in languages:
        row = _approved(session, kind, candidate)
        if row is not None:
            budget = definition.budget() if definition is not None and row.body_hash == \
                definition.body_hash(candidate) else None
            numbering = tuple((str(i), name) for i, name in enumerate(row.variables or (), 1))
            return Resolution(row.content_sid, APPROVED, candidate, LOKET, numbering, budget)
    state = min((_state(session, kind, candidate) for candidate in languages), key=_HOPE.index)
    return Resolution(None, state, lang)
