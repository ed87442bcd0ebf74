"""The citizen's rights over their data (UU 27/2022), from any step:

- "data saya" / "my data": what this office holds about this address, then the step they were at;
- "hapus data saya" / "delete my data": what will be erased and what is kept, a yes/no confirmation,
  then erasure at once and a receipt with its reference;
- "tarik persetujuan" / "withdraw consent": what stops, a yes/no confirmation, then the withdrawal.

The records are the rights service's (bot/rights/service.py); this flow reads and asks for effects.
The conversation's key (`ctx.conv.phone`) is the address: a phone number or a WhatsApp user ID.
"""

from __future__ import annotations

import re
from enum import StrEnum

from bot.rights import service, text
from bot.rights.effects import EraseData, RecordAccess, WithdrawConsent
from bot.visits import parsing
from flows import menu
from flows.base import Context, Flow, Reply, Result, numbered, say


class Step(StrEnum):
    ERASE = "erase"
    WITHDRAW = "withdraw"


flow = Flow("rights", Step, emits=(RecordAccess, EraseData, WithdrawConsent))


def _words(*phrases: str) -> frozenset[str]:
    return frozenset(phrases)


ACCESS_WORDS = _words("data saya", "lihat data saya", "data pribadi saya", "cek data saya", "my data",
                      "my personal data", "show my data")
ERASE_WORDS = _words("hapus data saya", "hapus data pribadi saya", "hapus data", "delete my data", "erase my data",
                     "delete my personal data")
WITHDRAW_WORDS = _words("tarik persetujuan", "cabut persetujuan", "tarik persetujuan saya", "batalkan persetujuan",
                        "withdraw consent", "withdraw my consent", "revoke consent")


# Politeness around a request: "tolong hapus data sy ya pak" asks for the same as "hapus data saya".
_POLITE_START = re.compile(r"^((tolong|mohon|minta|saya|mau|ingin|bisa|boleh|please|i want to|can you)\s+)+")
_POLITE_END = re.compile(r"(\s+(ya|pak|bu|kak|min|dong|saja|aja|sekarang|please|now))+$")


def _normal(value: str) -> str:
    return " ".join((value or "").lower().replace("*", "").split()).rstrip(".!?")


def _request(ctx: Context) -> str:
    """The request as typed, or as read (bot/chat.py) without the politeness around it."""
    words = _normal(ctx.text)
    if words in ACCESS_WORDS | ERASE_WORDS | WITHDRAW_WORDS:
        return words
    read = _POLITE_END.sub("", _normal(ctx.words))
    stripped = _POLITE_START.sub("", read)
    for candidate in (read, stripped, f"{stripped} saya"):
        if candidate in ACCESS_WORDS | ERASE_WORDS | WITHDRAW_WORDS:
            return candidate
    return words


def _confirm(ctx: Context, lead_key: str) -> list[Reply]:
    return [numbered(ctx, ctx.t(lead_key), [ctx.t("rights.confirm_yes"), ctx.t("rights.confirm_no")])]


def _answer(ctx: Context) -> bool | None:
    return parsing.yes_no(ctx.words)


def _decided(ctx: Context, done_key: str, effect_of) -> Result:
    """Yes: the effect, with its receipt's reference; no: nothing changes; else the question again."""
    answer = _answer(ctx)
    if answer is None:
        return Result(understood=False)
    if not answer:
        return Result(say=say(ctx.t("rights.kept"), ctx.t("rights.next")), goto=menu.Step.MAIN, prompt=False)
    reference = service.new_reference()
    return Result(say=say(ctx.t(done_key, reference=reference), ctx.t("rights.next")), goto=menu.Step.MAIN,
                  effects=[effect_of(reference)], prompt=False)


@flow.prompt(Step.ERASE)
def ask_erase(ctx: Context) -> list[Reply]:
    return _confirm(ctx, "rights.erase_explain")


@flow.handler(Step.ERASE)
def erase(ctx: Context) -> Result:
    """Yes: erase now (visits ahead cancelled, hosts told; complaints anonymised), the receipt; no: nothing."""
    return _decided(ctx, "rights.erased", EraseData)


@flow.prompt(Step.WITHDRAW)
def ask_withdraw(ctx: Context) -> list[Reply]:
    return _confirm(ctx, "rights.withdraw_explain")


@flow.handler(Step.WITHDRAW)
def withdraw(ctx: Context) -> Result:
    """Yes: consents withdrawn (visits ahead cancelled, complaints without identity), a confirmation."""
    return _decided(ctx, "rights.withdrawn", lambda reference: WithdrawConsent(reference, ctx.lang))


@flow.interceptor
def rights_anywhere(ctx: Context) -> Result | None:
    """The three requests, from any step. "data saya" answers and leaves the citizen where they were."""
    words = _request(ctx)
    if words in ACCESS_WORDS:
        reference = service.new_reference()
        data = service.export(ctx.session, ctx.office, ctx.conv.phone, ctx.config, ctx.now)
        answer = say(text.render(data, ctx.office, ctx.t, reference=reference))
        effects = [RecordAccess(reference)]
        if ctx.conv.at_home:
            return Result(say=answer, effects=effects)
        return Result(say=answer, goto=ctx.conv.step, effects=effects)
    if words in ERASE_WORDS:
        return Result(goto=Step.ERASE)
    if words in WITHDRAW_WORDS:
        return Result(goto=Step.WITHDRAW)
    return None
