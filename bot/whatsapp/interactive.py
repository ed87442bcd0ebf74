"""Choices a person taps instead of types: WhatsApp quick-reply buttons and list pickers, in session.

A prompt that offers numbered choices returns them as `Reply.options` beside its numbered text. Within
WhatsApp's rules (Twilio's Content API, in session):
- 2-3 choices whose titles fit a button (20 characters): a `twilio/quick-reply`;
- otherwise up to 10 choices: a `twilio/list-picker` (item 24 characters, description 72, id 200);
- more than 10, or a body over 1,024 characters: the numbered text, as in console mode.
Each distinct set of choices is one Content resource, its body the variable {{1}} filled with the text
above the choices at send time; its SID is kept in Redis, so a set is created once (a lost key only
makes one more). A tap comes back with the choice's id, which the engine reads as its number.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

import redis

from bot import keys
from bot.whatsapp.content_api import ContentClient

logger = logging.getLogger(__name__)

QUICK_REPLY, LIST_PICKER = "twilio/quick-reply", "twilio/list-picker"
SESSION_BUTTONS = 3  # quick-reply buttons in session (10 only in an approved template)
BUTTON_TITLE = 20
LIST_ITEMS, ITEM_TITLE, ITEM_DESCRIPTION, ITEM_ID = 10, 24, 72, 200
BODY_LIMIT = 1024


@dataclass(frozen=True)
class Choice:
    id: str
    title: str
    description: str = ""


@dataclass(frozen=True)
class Layout:
    """How one reply's choices are shown: the content type and its JSON for the Content API."""

    content_type: str
    types: dict

    @property
    def key(self) -> str:
        blob = json.dumps({"type": self.content_type, "types": self.types}, sort_keys=True, ensure_ascii=False)
        return hashlib.sha256(blob.encode()).hexdigest()[:32]


def _cut(text: str, limit: int) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def layout(choices: list[Choice], lead: str, button: str) -> Layout | None:
    """The interactive form of these choices under `lead`, or None: the numbered text goes instead."""
    if not 2 <= len(choices) <= LIST_ITEMS or not lead.strip() or len(lead) > BODY_LIMIT or not button.strip():
        return None
    if any(len(c.id) > ITEM_ID for c in choices):
        return None
    if len(choices) <= SESSION_BUTTONS and all(len(c.title) <= BUTTON_TITLE for c in choices):
        actions = [{"title": c.title, "id": c.id} for c in choices]
        return Layout(QUICK_REPLY, {QUICK_REPLY: {"body": "{{1}}", "actions": actions}})
    items = []
    for choice in choices:
        title = _cut(choice.title, ITEM_TITLE)
        # A title cut to fit keeps its whole wording in the description.
        description = choice.description or (choice.title if title != " ".join(choice.title.split()) else "")
        item = {"item": title, "id": choice.id}
        if description:
            item["description"] = _cut(description, ITEM_DESCRIPTION)
        items.append(item)
    return Layout(LIST_PICKER, {LIST_PICKER: {"body": "{{1}}", "button": _cut(button, BUTTON_TITLE), "items": items}})


def content_sid(connection: redis.Redis, client: ContentClient, shape: Layout, lang: str) -> str:
    """The Content SID of this set of choices, created on first use. Raises ContentApiError."""
    key = keys.interactive_content(shape.key)
    known = connection.get(key)
    if known:
        return known.decode() if isinstance(known, bytes) else str(known)
    created = client.create(f"loket_choices_{shape.key[:12]}",
                            {"language": lang, "variables": {"1": "Menu"}, "types": shape.types})
    sid = created["sid"]
    connection.set(key, sid)
    logger.info("interactive content %s created (%s)", sid, shape.content_type)
    return sid
