"""What the desk hands out and holds for a guest, per office, as its SOP says (issue 20 item 7).

Klungkung's PTSP gives a guest badge and a locker key and keeps the identity card (seed 000 steps 3-4,
8); Alor's desk gives a gate pass against the KTP (seed 001 steps 1-4); Kapuas keeps the identity card
*and* the guest's phone ("alat komunikasi") and takes the badge back at departure (seeds 002/003 step 8).
Each office says so in its YAML under `desk:` (`hand_out:` and `hold:`, item keys of ITEMS below);
without it, the plain default: the identity card held, a badge handed out.

This module is the one owner of those rules: what the check-in form asks (`fields`), how what the
officer typed is read and checked (`read`), what a visit holds (`held_items`) and so what the check-out
checklist must confirm (`missing`), and the catalog keys of each item's words (`guestbook.desk.<key>.*`).

Storage (migration 0018): the badge or gate pass, the locker key and the identity card keep their own
columns (search by badge, the slip, the host's arrival notice and the counts read them); `desk_items`
records every item of the visit at check-in ({key: note}: the number handed out, the phone's
description, "" when there is nothing to write), so the checklist follows what the desk really took in
even if the office's YAML changes later; `desk_returned` lists the items confirmed at check-out.
Rows checked in before 0018 have no `desk_items`: their items are read from the columns.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.exceptions import ConfigError
from bot.visits.model import InvalidTransition

if TYPE_CHECKING:
    from bot.models.visits import Visit

GIVEN, HELD = "given", "held"  # handed out and taken back / kept and given back
TOKEN_MAX = 32                 # a badge, gate pass or locker number; a phone's description
PASS_KEYS = ("badge", "gate_pass")  # the pass a guest wears: one per office, kept in Visit.badge_number


@dataclass(frozen=True)
class Item:
    """One thing the desk hands out or holds. `numbered`: the officer writes its number at check-in;
    `required`: check-in is refused without it (a locker is only for a guest with belongings, a phone
    only for a guest who brought one)."""

    key: str
    kind: str
    numbered: bool
    required: bool


ITEMS: dict[str, Item] = {i.key: i for i in (
    Item("badge", GIVEN, numbered=True, required=True),      # tanda pengenal tamu (seeds 000, 002, 003)
    Item("gate_pass", GIVEN, numbered=True, required=True),  # gate pass (seed 001 step 4)
    Item("locker", GIVEN, numbered=True, required=False),    # kunci loker (seed 000 step 4)
    Item("id_card", HELD, numbered=False, required=True),    # kartu identitas: type + last 4 digits
    Item("phone", HELD, numbered=False, required=False),     # alat komunikasi (seeds 002/003 step 8)
)}


@dataclass(frozen=True)
class DeskSetup:
    """An office's desk: the items handed out and those held, in the SOP's order."""

    hand_out: tuple[str, ...] = ("badge",)
    hold: tuple[str, ...] = ("id_card",)

    @property
    def keys(self) -> tuple[str, ...]:
        return self.hand_out + self.hold

    @property
    def items(self) -> tuple[Item, ...]:
        return tuple(ITEMS[k] for k in self.keys)

    def asks(self, key: str) -> bool:
        return key in self.keys

    @property
    def pass_key(self) -> str | None:
        """"badge" or "gate_pass": what Visit.badge_number holds at this office (None: no pass)."""
        return next((k for k in self.hand_out if k in PASS_KEYS), None)


DEFAULT = DeskSetup()


def parse(raw: object, source: object) -> DeskSetup:
    """An office's `desk:` from its YAML (missing: DEFAULT). Raises ConfigError naming `source` on an
    unknown item, an item on the wrong side, a repeat, or two passes."""
    if raw is None:
        return DEFAULT
    if not isinstance(raw, Mapping) or set(raw) - {"hand_out", "hold"}:
        raise ConfigError(f"{source}: desk takes hand_out and hold, lists of {', '.join(ITEMS)}")
    sides: dict[str, tuple[str, ...]] = {}
    for side, kind in (("hand_out", GIVEN), ("hold", HELD)):
        keys = tuple(str(k) for k in raw.get(side) or ())
        for key in keys:
            if key not in ITEMS:
                raise ConfigError(f"{source}: desk {side}: unknown item {key!r} (known: {', '.join(ITEMS)})")
            if ITEMS[key].kind != kind:
                raise ConfigError(f"{source}: desk: {key} belongs in {'hold' if kind == GIVEN else 'hand_out'}")
        if len(set(keys)) != len(keys):
            raise ConfigError(f"{source}: desk {side} names an item twice")
        sides[side] = keys
    if sum(k in PASS_KEYS for k in sides["hand_out"]) > 1:
        raise ConfigError(f"{source}: desk hands out one pass (badge or gate_pass), not both")
    return DeskSetup(sides["hand_out"], sides["hold"])


# -- check-in ----------------------------------------------------------------------------------------
class Invalid(ValueError):
    """What the officer typed cannot be accepted; `reason` names the correction (guestbook.errors.*)."""

    def __init__(self, reason: str, **values: object):
        super().__init__(reason)
        self.reason = reason
        self.values = values


# The check-in form's field names per item (the walk-in form shares them, minus the identity card,
# which the walk-in's own identity fields give).
FIELDS: dict[str, tuple[str, ...]] = {"badge": ("badge",), "gate_pass": ("gate_pass",), "locker": ("locker",),
                                      "id_card": ("id_type", "id_last4"), "phone": ("phone_held", "phone_note")}


def fields(setup: DeskSetup, *, walk_in: bool = False) -> tuple[str, ...]:
    """The form fields the office's check-in asks for."""
    return tuple(name for key in setup.keys if not (walk_in and key == "id_card") for name in FIELDS[key])


@dataclass(frozen=True)
class Handed:
    """What the desk recorded at check-in: the columns' values and the full record for `desk_items`."""

    pass_number: str | None
    locker: str | None
    id_type: str | None
    id_last4: str | None
    items: dict[str, str]


def _token(value: str | None, reason: str, required: bool) -> str | None:
    text = " ".join((value or "").split())
    if not text:
        if required:
            raise Invalid(reason)
        return None
    if len(text) > TOKEN_MAX:
        raise Invalid(reason)
    return text


def _ticked(value: object) -> bool:
    return str(value or "").strip().lower() in ("y", "yes", "on", "true", "1")


def read(setup: DeskSetup, values: Mapping[str, object], *, id_types: Iterable[str],
         registered: tuple[str, str] | None = None, identity: tuple[str, str] | None = None) -> Handed:
    """The office's items from the form's `values`. `registered`: the visit's (id_type, id_masked), whose
    last 4 digits a card of the same type must match; `identity`: a walk-in's (id_type, last4), which
    stands for the identity card fields. Raises Invalid."""
    text = {k: (None if v is None else str(v)) for k, v in values.items()}
    items: dict[str, str] = {}
    pass_number = locker = id_type = id_last4 = None
    for item in setup.items:
        if item.key in PASS_KEYS:
            pass_number = _token(text.get(item.key), item.key, item.required)
            items[item.key] = pass_number or ""
        elif item.key == "locker":
            locker = _token(text.get("locker"), "locker", item.required)
            if locker:
                items["locker"] = locker
        elif item.key == "id_card":
            id_type, id_last4 = identity if identity is not None else _card(text, id_types, registered)
            items["id_card"] = ""  # type and digits in their own columns
        elif item.key == "phone" and _ticked(values.get("phone_held")):
            items["phone"] = _token(text.get("phone_note"), "phone_note", required=False) or ""
    return Handed(pass_number, locker, id_type, id_last4, items)


def _card(text: Mapping[str, str | None], id_types: Iterable[str], registered: tuple[str, str] | None
          ) -> tuple[str, str]:
    id_type = text.get("id_type") or ""
    if id_type not in tuple(id_types):
        raise Invalid("id_type")
    last4 = (text.get("id_last4") or "").strip()
    if not re.fullmatch(r"\d{4}", last4):
        raise Invalid("id_last4")
    if registered is not None and id_type == registered[0] and registered[1][-4:] != last4:
        raise Invalid("id_mismatch")
    return id_type, last4


# -- check-out ---------------------------------------------------------------------------------------
class NotReturned(InvalidTransition):
    """Check-out refused: these items (keys, in the checklist's order) were not ticked back."""

    def __init__(self, items: tuple[str, ...]):
        super().__init__("not_returned")
        self.items = items


def held_items(visit: Visit) -> dict[str, str]:
    """The items this visit's guest has or left at the desk ({key: note}), in the order recorded; a row
    from before `desk_items` is read from its columns."""
    if visit.desk_items is not None:
        return {k: str(v or "") for k, v in visit.desk_items.items() if k in ITEMS}
    found: dict[str, str] = {}
    if visit.badge_number:
        found["badge"] = visit.badge_number
    if visit.locker_key:
        found["locker"] = visit.locker_key
    if visit.id_held_type:
        found["id_card"] = ""
    return found


def missing(visit: Visit, returned: Iterable[str]) -> tuple[str, ...]:
    """The visit's items the desk did not confirm back (the check-out checklist)."""
    ticked = set(returned)
    return tuple(k for k in held_items(visit) if k not in ticked)


def card_text(visit: Visit) -> str:
    """The held identity card as the desk reads it: "KTP ****0001" (never more digits)."""
    return f"{visit.id_held_type.upper()} ****{visit.id_held_last4}" if visit.id_held_type else ""


def describe(visit: Visit, label) -> list[tuple[str, str, str]]:
    """(key, label, note) of each item the visit holds, `label(key)` giving the dashboard's word: for
    the list, the detail page, the slip and the export."""
    out = []
    for key, note in held_items(visit).items():
        out.append((key, label(key), card_text(visit) if key == "id_card" else note))
    return out
