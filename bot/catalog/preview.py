"""A service as a citizen will read it on WhatsApp, from a catalog that is not (yet) the published one.

Rendered by the services flow itself (flows/services.py: the card's prompt, then its handler answering
options 1 to 5), with the draft catalog in place of the office's: the preview cannot drift from
what the bot says. Nothing is stored, nothing is sent.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import datetime

from bot.catalog import Catalog
from bot.conversation import Conversation
from bot.i18n import Messages
from bot.offices import Office
from flows import services
from flows.base import Context, Deps

PREVIEW_PHONE = "preview"  # the made-up citizen of a preview (never a number)
# WhatsApp's own emphasis: *bold*, _italic_ (one line each), as the phone shows them.
_EMPHASIS = re.compile(r"\*([^*\n]+)\*|_([^_\n]+)_")


@dataclass(frozen=True)
class Segment:
    text: str
    style: str = ""  # "", "bold" or "italic"


@dataclass(frozen=True)
class Bubble:
    """One WhatsApp message: its text, and the same as styled segments for the page."""

    text: str
    part: str  # "card", a card option ("persyaratan", …) or "hint"

    @property
    def segments(self) -> list[Segment]:
        out, at = [], 0
        for match in _EMPHASIS.finditer(self.text):
            if match.start() > at:
                out.append(Segment(self.text[at:match.start()]))
            out.append(Segment(match.group(1), "bold") if match.group(1) else Segment(match.group(2), "italic"))
            at = match.end()
        if at < len(self.text):
            out.append(Segment(self.text[at:]))
        return out


class _OneCatalog:
    """Stands in for bot.catalogs.Catalogs: every office reads the catalog being previewed."""

    def __init__(self, catalog: Catalog):
        self._catalog = catalog

    def catalog(self, office: Office) -> Catalog:
        return self._catalog

    def search(self, office: Office) -> None:
        return None


def whatsapp_preview(messages: Messages, deps: Deps, office: Office, catalog: Catalog, service_id: str,
                     lang: str, now: datetime) -> list[Bubble]:
    """The card of `service_id`, each part of it as the card's options 1-5 answer, and the hint that
    follows each part (shown once). Raises KeyError for a service the catalog does not have."""
    catalog.service(service_id)
    conv = Conversation(office=office.slug, phone=PREVIEW_PHONE, lang=lang, data={"svc": {"service": service_id}})

    def t(key: str, **values: object) -> str:
        return messages.text(lang, key, **{"office": office.name, **values})

    def context(text: str) -> Context:
        return Context(text=text, conv=conv, office=office, now=now, t=t,
                       deps=replace(deps, catalogs=_OneCatalog(catalog)), session=None)  # type: ignore[arg-type]

    bubbles = [Bubble(reply.text, "card") for reply in services.card_prompt(context(""))]
    hint = None
    for number, part in services.CARD_OPTIONS.items():
        replies = services.card(context(str(number))).say
        *answer, hint = replies  # the flow follows each part with the card's numbers again
        bubbles += [Bubble(reply.text, part) for reply in answer]
    if hint is not None:
        bubbles.append(Bubble(hint.text, "hint"))
    return bubbles
