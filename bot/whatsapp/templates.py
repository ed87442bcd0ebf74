"""The definitions of Loket's WhatsApp templates (config/whatsapp_templates.yaml), checked at load.

Meta rejects a template, or Twilio refuses a send, for rules that are easy to check here and slow to
learn from a rejection a day later: a body must not start or end with a variable, two variables need
a word between them, variables are numbered from 1 without gaps, a body has enough words for its
variables, and a variable's value is never empty and has no line break. A broken file raises
ConfigError when it is loaded, so that the process refuses to start.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import Any

import yaml

from bot import yamlload
from bot.exceptions import ConfigError
from bot.i18n import LANGUAGES

logger = logging.getLogger(__name__)

FILENAME = "whatsapp_templates.yaml"
# Every message Loket sends on its own initiative; the file must define each one, and no other.
KINDS = ("host_notice", "host_reminder", "desk_escalation", "visit_reminder", "visit_outcome", "visit_cancelled",
         "guest_arrived", "officer_followup", "complaint_receipt", "complaint_update", "survey_invite")
TEXT, QUICK_REPLY = "twilio/text", "twilio/quick-reply"
TYPES = (TEXT, QUICK_REPLY)
# Notices about the citizen's own visit or complaint. MARKETING would cost more and let people opt
# out of it; AUTHENTICATION is for one-time codes only.
CATEGORIES = ("UTILITY",)

BODY_LIMIT = 1024  # characters in a template body, with its variables filled (Meta)
BUTTON_TITLE_LIMIT = 20  # characters in a quick-reply button's title (Twilio)
BUTTON_ID_LIMIT = 200
MAX_BUTTONS = 3  # WhatsApp shows more than three quick replies as a list behind one more tap
NAME_LIMIT = 480  # Meta allows 512; Loket appends _<lang>_<hash> (bot/whatsapp/sync.py)
EMPTY_VALUE = "-"  # Twilio refuses an empty variable (21656); Meta refuses a blank parameter
VALUE_LIMIT = 250  # characters per variable value: Twilio advises staying under 250 (older limit 255)

PLACEHOLDER = re.compile(r"\{\{(\d+)\}\}")
_NAME = re.compile(r"[a-z][a-z0-9_]*")
_VARIABLE_NAME = re.compile(r"[a-z][a-z0-9_]{0,31}")
_WORD = re.compile(r"[^\W_]")  # a letter or a digit: what Meta counts as text between variables
_BREAKS = re.compile(r"[\r\n\t]+")
_SPACES = re.compile(r" {2,}")


@dataclass(frozen=True)
class Button:
    id: str  # comes back as the inbound ButtonPayload
    titles: dict[str, str]  # per language


@dataclass(frozen=True)
class Definition:
    kind: str
    name: str  # the WhatsApp template name, before Loket's _<lang>_<hash> suffix
    category: str
    type: str
    variables: tuple[str, ...]  # value names in the order {{1}}, {{2}}, …
    samples: dict[str, dict[str, str]]  # lang -> variable name -> sample value
    bodies: dict[str, str]  # lang -> body with {{n}} placeholders
    buttons: tuple[Button, ...] = ()
    audience: str = ""
    sent: dict[str, str] | None = None  # lang -> when it is sent (README, dashboard)

    def content(self, lang: str) -> dict[str, Any]:
        """The Content API's create body for this language, without friendly_name (see sync.py)."""
        spec: dict[str, Any] = {"body": self.bodies[lang]}
        if self.type == QUICK_REPLY:
            spec["actions"] = [{"id": b.id, "title": b.titles[lang]} for b in self.buttons]
        samples = self.samples[lang]
        return {"language": lang, "variables": {str(i): samples[name] for i, name in enumerate(self.variables, 1)},
                "types": {self.type: spec}}

    def body_hash(self, lang: str) -> str:
        """SHA-256 of everything sent to Twilio for this template: any change makes a new template."""
        sent = {"name": self.name, "category": self.category, "content": self.content(lang)}
        canonical = json.dumps(sent, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

    def fixed_length(self) -> int:
        """Characters of the longest body without its placeholders: what the values must fit beside."""
        return max(len(PLACEHOLDER.sub("", body)) for body in self.bodies.values())

    def budget(self) -> int:
        """Characters the values may take together so that every language's body stays within 1,024."""
        return BODY_LIMIT - self.fixed_length()

    def variables_for(self, values: Mapping[str, object]) -> dict[str, str]:
        """Twilio's ContentVariables ({"1": …}) from named values (see fill)."""
        return dict(zip((str(i) for i in range(1, len(self.variables) + 1)),
                        fill(self.variables, values, self.budget()), strict=True))

    def render(self, lang: str, variables: Mapping[str, str] | None = None) -> str:
        """The body as the recipient reads it (the samples when no variables are given)."""
        filled = variables or self.content(lang)["variables"]
        return PLACEHOLDER.sub(lambda m: filled[m.group(1)], self.bodies[lang])


def clean_value(value: object) -> str:
    """One line, single spaces, never empty: Meta refuses line breaks, tabs and runs of spaces in a
    parameter, Twilio refuses an empty one."""
    text = _SPACES.sub(" ", _BREAKS.sub(" ", "" if value is None else str(value))).strip()
    return text or EMPTY_VALUE


def fill(names: Sequence[str], values: Mapping[str, object], budget: int | None = None) -> list[str]:
    """The values of `names` in order: each cleaned (clean_value), at most VALUE_LIMIT characters,
    and together at most `budget` characters when it is known."""
    cleaned = [_cut(clean_value(values.get(name)), VALUE_LIMIT) for name in names]
    if budget is None:
        return cleaned
    limits = _share(budget, [len(v) for v in cleaned])
    return [_cut(value, limit) for value, limit in zip(cleaned, limits, strict=True)]


def _share(budget: int, lengths: list[int]) -> list[int]:
    """Per-value limits within `budget` characters: short values keep their length and leave the rest
    to the longer ones (a long purpose may use what a short code does not)."""
    limits = [0] * len(lengths)
    left, remaining = max(budget, len(lengths)), len(lengths)
    for index in sorted(range(len(lengths)), key=lambda i: lengths[i]):
        limits[index] = min(lengths[index], max(left // remaining, 1))
        left -= limits[index]
        remaining -= 1
    return limits


def _cut(value: str, limit: int) -> str:
    return value if len(value) <= limit else value[:max(limit - 1, 0)].rstrip() + "…"


# -- WhatsApp's rules for a body -------------------------------------------------------------------
def body_problems(body: str, variables: int) -> list[str]:
    """What WhatsApp would reject in a template body with `variables` variables ([] when none)."""
    problems: list[str] = []
    if not body.strip():
        return ["the body is empty"]
    if len(body) > BODY_LIMIT:
        problems.append(f"the body has {len(body)} characters, more than {BODY_LIMIT}")
    if body != body.strip():
        problems.append("the body starts or ends with white space")
    stray = PLACEHOLDER.sub("", body)
    if "{{" in stray or "}}" in stray:
        problems.append("a placeholder is not of the form {{n}}")
    found = [(int(m.group(1)), m.start(), m.end()) for m in PLACEHOLDER.finditer(body)]
    numbers = [n for n, _, _ in found]
    if sorted(numbers) != list(range(1, variables + 1)):
        problems.append(f"placeholders {sorted(numbers)} are not {{{{1}}}}…{{{{{variables}}}}}, each once")
    if not found:
        return problems
    if not _WORD.search(body[:found[0][1]]):
        problems.append("the body starts with a variable")
    if not _WORD.search(body[found[-1][2]:]):
        problems.append("the body ends with a variable")
    for (left, _, end), (right, start, _) in pairwise(found):
        if not _WORD.search(body[end:start]):
            problems.append(f"{{{{{left}}}}} and {{{{{right}}}}} have no word between them")
    words = [w for w in PLACEHOLDER.sub(" ", body).split() if _WORD.search(w)]
    if len(words) < 2 * len(found) + 1:
        problems.append(f"{len(words)} words for {len(found)} variables; WhatsApp wants at least "
                        f"{2 * len(found) + 1}")
    return problems


def sample_problems(sample: object) -> list[str]:
    if not isinstance(sample, str) or not sample.strip():
        return ["an empty sample"]
    if sample != clean_value(sample):
        return ["a sample with a line break, a tab or repeated spaces"]
    return []


# -- loading ---------------------------------------------------------------------------------------
def _per_language(value: object, where: str) -> dict[str, str]:
    """A value for both languages, or a mapping with one per language."""
    if isinstance(value, Mapping):
        if set(value) != set(LANGUAGES):
            raise ConfigError(f"{where}: needs exactly the languages {', '.join(LANGUAGES)}")
        return {lang: str(value[lang]) if value[lang] is not None else "" for lang in LANGUAGES}
    return {lang: "" if value is None else str(value) for lang in LANGUAGES}


def _buttons(kind: str, spec: Mapping[str, Any], type_: str) -> tuple[Button, ...]:
    raw = spec.get("buttons") or []
    if type_ != QUICK_REPLY:
        if raw:
            raise ConfigError(f"{kind}: buttons need type {QUICK_REPLY}")
        return ()
    if not isinstance(raw, list) or not 1 <= len(raw) <= MAX_BUTTONS:
        raise ConfigError(f"{kind}: a quick reply needs 1 to {MAX_BUTTONS} buttons")
    buttons = []
    for item in raw:
        button_id = str((item or {}).get("id") or "")
        titles = _per_language((item or {}).get("title"), f"{kind}: button {button_id}")
        if not button_id or len(button_id) > BUTTON_ID_LIMIT:
            raise ConfigError(f"{kind}: a button needs an id of 1 to {BUTTON_ID_LIMIT} characters")
        for lang, title in titles.items():
            if not title.strip() or len(title) > BUTTON_TITLE_LIMIT:
                raise ConfigError(f"{kind}: button {button_id} ({lang}) needs a title of 1 to "
                                  f"{BUTTON_TITLE_LIMIT} characters")
        buttons.append(Button(button_id, titles))
    if len({b.id for b in buttons}) != len(buttons):
        raise ConfigError(f"{kind}: two buttons share an id")
    return tuple(buttons)


def parse_definition(kind: str, spec: object) -> Definition:
    """One kind's entry, checked; ConfigError names the kind and the broken rule."""
    if not isinstance(spec, Mapping):
        raise ConfigError(f"{kind}: expected a mapping")
    name, category, type_ = str(spec.get("name") or ""), str(spec.get("category") or ""), str(spec.get("type") or "")
    if not _NAME.fullmatch(name) or len(name) > NAME_LIMIT:
        raise ConfigError(f"{kind}: name {name!r} must be lowercase letters, digits and _ (at most {NAME_LIMIT})")
    if category not in CATEGORIES:
        raise ConfigError(f"{kind}: category {category!r} is not one of {', '.join(CATEGORIES)}")
    if type_ not in TYPES:
        raise ConfigError(f"{kind}: type {type_!r} is not one of {', '.join(TYPES)}")
    raw_variables = spec.get("variables") or {}
    if not isinstance(raw_variables, Mapping):
        raise ConfigError(f"{kind}: variables must map each value's name to a sample")
    samples: dict[str, dict[str, str]] = {lang: {} for lang in LANGUAGES}
    for variable, sample in raw_variables.items():
        if not _VARIABLE_NAME.fullmatch(str(variable)):
            raise ConfigError(f"{kind}: variable name {variable!r} must be lowercase letters, digits and _")
        for lang, text in _per_language(sample, f"{kind}: variable {variable}").items():
            if problems := sample_problems(text):
                raise ConfigError(f"{kind}: variable {variable} ({lang}): {problems[0]}")
            samples[lang][str(variable)] = text
    variables = tuple(str(v) for v in raw_variables)
    bodies = spec.get("body")
    if not isinstance(bodies, Mapping) or set(bodies) != set(LANGUAGES):
        raise ConfigError(f"{kind}: body needs exactly the languages {', '.join(LANGUAGES)}")
    for lang in LANGUAGES:
        if problems := body_problems(str(bodies[lang] or ""), len(variables)):
            raise ConfigError(f"{kind}: body ({lang}): {'; '.join(problems)}")
    definition = Definition(
        kind=kind, name=name, category=category, type=type_, variables=variables, samples=samples,
        bodies={lang: str(bodies[lang]) for lang in LANGUAGES}, buttons=_buttons(kind, spec, type_),
        audience=str(spec.get("audience") or ""), sent=_per_language(spec.get("sent"), f"{kind}: sent"))
    for lang in LANGUAGES:  # with the samples filled in, as Meta's reviewers read it
        if len(definition.render(lang)) > BODY_LIMIT:
            raise ConfigError(f"{kind}: body ({lang}) with its samples is longer than {BODY_LIMIT} characters")
    return definition


def parse(data: object, where: str = FILENAME) -> dict[str, Definition]:
    """Every kind's definition from the file's data; ConfigError on a missing kind or a broken rule."""
    templates = data.get("templates") if isinstance(data, Mapping) else None
    if not isinstance(templates, Mapping):
        raise ConfigError(f"{where}: expected a `templates:` mapping")
    missing, unknown = set(KINDS) - set(templates), set(templates) - set(KINDS)
    if missing or unknown:
        raise ConfigError(f"{where}: kinds missing {sorted(missing)}, unknown {sorted(unknown)}")
    try:
        definitions = {kind: parse_definition(kind, templates[kind]) for kind in KINDS}
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from exc
    names = [d.name for d in definitions.values()]
    if len(set(names)) != len(names):
        raise ConfigError(f"{where}: two kinds share a template name")
    return definitions


@lru_cache(maxsize=8)
def _load(path: Path, _mtime_ns: int, _size: int) -> dict[str, Definition]:
    try:
        data = yamlload.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ConfigError(f"{path}: {exc}") from exc
    return parse(data, str(path))


def definitions(config_dir: Path | str) -> dict[str, Definition]:
    """Every kind's definition from <config_dir>/whatsapp_templates.yaml (read again when it changes)."""
    path = Path(config_dir) / FILENAME
    if not path.exists():
        raise ConfigError(f"{path} is missing: Loket's WhatsApp templates are defined there")
    stat = path.stat()
    return _load(path, stat.st_mtime_ns, stat.st_size)


def current_config_dir(config_dir: Path | str | None = None) -> Path:
    """The running process's config directory unless one is given."""
    if config_dir is not None:
        return Path(config_dir)
    from bot import runtime

    try:
        return Path(runtime.current().config.CONFIG_DIR)
    except RuntimeError:
        from config.settings import CONFIG_DIR

        return CONFIG_DIR


def definition(kind: str, *, config_dir: Path | str | None = None) -> Definition:
    try:
        return definitions(current_config_dir(config_dir))[kind]
    except KeyError:
        raise KeyError(f"no WhatsApp template is defined for {kind!r}") from None


def variables_for(kind: str, values: Mapping[str, object], *, config_dir: Path | str | None = None) -> dict[str, str]:
    """Twilio's numbered ContentVariables for a message of `kind` from its named values (office,
    guest, code, …): every variable present, none empty (a missing value becomes "-")."""
    return definition(kind, config_dir=config_dir).variables_for(values)


def body_hash(kind: str, lang: str, *, config_dir: Path | str | None = None) -> str:
    return definition(kind, config_dir=config_dir).body_hash(lang)
