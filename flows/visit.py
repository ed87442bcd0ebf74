"""Visit pre-registration (Buku Tamu), following the guest reception SOPs (seeds 000-003).

Consent first (UU 27/2022), then what the PTSP desk would ask at the counter, one thing at a time:
name, identity document and number, photo, purpose, whom to meet, when. A confirmation, then a
visit code with its QR image and the office's visitor rules. The host is notified through the
outbox (flows/host.py takes the host's reply). From the menu the citizen can also see, change or
cancel a visit, and accept or refuse a time the host proposed. Steps: see flows/visit.mmd.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum
from itertools import pairwise

from bot.clock import as_utc
from bot.employees import Employee, match
from bot.masking import is_masked_nik, mask_id
from bot.models.visits import Visit
from bot.visits import model, parsing, queries, security, settings
from bot.visits.effects import (
    AnswerProposal,
    AttachPhoto,
    CancelVisit,
    RecordConsent,
    RedactInbound,
    RegisterVisit,
    RescheduleVisit,
)
from bot.visits.model import PURPOSE_MAX, PURPOSE_MIN
from bot.visits.notices import when_correction, when_text
from bot.visits.service import Draft
from bot.visits.settings import to_utc
from flows.base import Context, Flow, MenuEntry, Reply, Result, label_choice, numbered, numbered_choice, say
from flows.menu import Step as MenuStep

CONSENT_VERSION = "visit-2026-12"  # the notice names the rights commands (data saya, hapus, tarik)


class Step(StrEnum):
    START = "start"
    CONSENT = "consent"
    NAME = "name"
    ID_TYPE = "id_type"
    ID_NUMBER = "id_number"
    PHOTO = "photo"
    PURPOSE = "purpose"
    HOST = "host"
    HOST_PICK = "host_pick"
    HOST_UNIT = "host_unit"
    WHEN = "when"
    CONFIRM = "confirm"
    MINE = "mine"
    VISIT_ACTION = "visit_action"
    CHANGE_WHEN = "change_when"
    CANCEL_CONFIRM = "cancel_confirm"


def begin(ctx: Context) -> Result:
    """Menu entry: straight to the consent, or first a choice when the citizen has visits ahead."""
    ctx.data.clear()
    if _open_visits(ctx):
        return Result(goto=Step.START)
    return Result(goto=Step.CONSENT)


flow = Flow("visit", Step, menu=MenuEntry("visit.menu", order=20, action=begin),
            emits=(RecordConsent, RedactInbound, AttachPhoto, RegisterVisit, RescheduleVisit, CancelVisit,
                   AnswerProposal))


def begin_for_service(ctx: Context, service_name: str) -> Result:
    """From a service's card: a new registration whose purpose is that service."""
    ctx.data.clear()
    ctx.data["purpose"] = service_name
    return Result(goto=Step.CONSENT)


def begin_with(ctx: Context, host: Employee | None, moment: datetime | None) -> Result:
    """From a sentence that already says whom and when ("sy mau ketemu pak kasi pidum bsk jam 10"): a new
    registration with those filled in, not asked again, and shown at the confirmation to be checked."""
    ctx.data.clear()
    noted = []
    if host is not None:
        ctx.data["host"], ctx.data["unit"] = _employee_dict(host), host.unit
        noted.append(ctx.t("visit.prefilled_host", host=_host_label(ctx, ctx.data["host"], None)))
    if moment is not None:
        ctx.data["when"] = to_utc(moment).isoformat()
        noted.append(ctx.t("visit.prefilled_when", when=_when_text(ctx, moment)))
    lead = say(ctx.t("visit.prefilled", items="\n".join(noted))) if noted else []
    return Result(say=lead, goto=Step.CONSENT)


def change_mine(ctx: Context) -> Result:
    """ "mau ganti jam kunjungan sy": the citizen's visits ahead, to change or cancel one."""
    ctx.data.clear()
    return Result(goto=Step.MINE)


# -- helpers ---------------------------------------------------------------------------------------
def _after_purpose(ctx: Context) -> Step:
    """The host and the time may already be known (from the citizen's first sentence): not asked again."""
    if ctx.data.get("host") or ctx.data.get("unit"):
        return _after_host(ctx)
    return Step.HOST


def _after_host(ctx: Context) -> Step:
    return Step.CONFIRM if ctx.data.get("when") else Step.WHEN


def _when_text(ctx: Context, moment: datetime) -> str:
    return when_text(ctx.t, ctx.office, moment)


def _open_visits(ctx: Context) -> list[Visit]:
    return queries.open_for_citizen(ctx.session, ctx.office.slug, ctx.conv.phone, ctx.now)


def _employee_dict(employee: Employee) -> dict:
    return {"key": employee.key, "name": employee.name, "title": employee.title, "unit": employee.unit,
            "whatsapp": employee.whatsapp}


def _host_label(ctx: Context, host: dict | None, unit: str | None) -> str:
    if host:
        return ctx.t("visit.host_label", name=host["name"], title=host["title"])
    return ctx.office.unit_name(unit) or "-"


def _when(iso: str) -> datetime:
    return datetime.fromisoformat(iso)


def _home(*replies: Reply) -> Result:
    return Result(say=list(replies), goto=MenuStep.MAIN, prompt=False)


def _check_when(ctx: Context) -> datetime | Result:
    """The citizen's date and time, or a Result with the polite correction."""
    try:
        moment = parsing.parse_when(ctx.words, ctx.now, ctx.office)
        parsing.check_when(moment, ctx.now, ctx.office, settings.MAX_DAYS_AHEAD, ctx.calendar)
    except parsing.Invalid as exc:
        return Result(say=say(when_correction(ctx.t, ctx.office, exc.reason, exc.values), ctx.t("visit.when_examples")))
    return moment


# -- START: new visit, or my visits ----------------------------------------------------------------
@flow.prompt(Step.START)
def ask_start(ctx: Context) -> list[Reply]:
    return say(ctx.t("visit.start"))


@flow.handler(Step.START)
def start(ctx: Context) -> Result:
    """Stores nothing; 1 starts a registration (consent first), 2 lists the citizen's visits."""
    choice = numbered_choice(ctx.words, 2)
    if choice == 1:
        return Result(goto=Step.CONSENT)
    if choice == 2:
        return Result(goto=Step.MINE)
    return Result(understood=False)


# -- CONSENT (UU 27/2022) --------------------------------------------------------------------------
@flow.prompt(Step.CONSENT)
def ask_consent(ctx: Context) -> list[Reply]:
    days = settings.retention_days(ctx.config)
    return say(ctx.t("visit.consent", days=days))


@flow.handler(Step.CONSENT)
def consent(ctx: Context) -> Result:
    """Records the answer with the notice's version; yes asks the name, no ends with the desk's alternatives."""
    answer = parsing.yes_no(ctx.words)
    if answer is None:
        return Result(understood=False)
    record = RecordConsent(accepted=answer, version=CONSENT_VERSION, lang=ctx.lang)
    if not answer:
        return Result(say=say(ctx.t("visit.consent_declined", hotline=ctx.office.hotline)), goto=MenuStep.MAIN,
                      effects=[record], prompt=False)
    return Result(goto=Step.NAME, effects=[record])


# -- NAME, ID_TYPE, ID_NUMBER ----------------------------------------------------------------------
@flow.prompt(Step.NAME)
def ask_name(ctx: Context) -> list[Reply]:
    return say(ctx.t("visit.ask_name"))


@flow.handler(Step.NAME)
def name(ctx: Context) -> Result:
    """Stores the full name; asks the identity document next."""
    try:
        ctx.data["name"] = parsing.full_name(ctx.text)
    except parsing.Invalid as exc:
        return Result(say=say(ctx.t(f"visit.errors.{exc.reason}")))
    return Result(goto=Step.ID_TYPE)


@flow.prompt(Step.ID_TYPE)
def ask_id_type(ctx: Context) -> list[Reply]:
    return [numbered(ctx, ctx.t("visit.ask_id_type"), [ctx.t(f"visit.id_types.{kind}") for kind in ctx.staff.id_types])]


@flow.handler(Step.ID_TYPE)
def id_type(ctx: Context) -> Result:
    """Stores the document type (a number, or its name: "KTP"); asks its number next."""
    types = ctx.staff.id_types
    choice = numbered_choice(ctx.words, len(types), [ctx.t(f"visit.id_types.{kind}") for kind in types])
    word = ctx.words.strip().rstrip(".")
    if choice is None and word in types:
        choice = types.index(word) + 1
    named = {w for w in re.findall(r"[a-z]+", ctx.words) if w in types}  # "pake kk", "kartu bpjs"
    if choice is None and len(named) == 1:
        choice = types.index(named.pop()) + 1
    if choice is None:
        return Result(understood=False)
    ctx.data["id_type"] = types[choice - 1]
    return Result(goto=Step.ID_NUMBER)


@flow.prompt(Step.ID_NUMBER)
def ask_id_number(ctx: Context) -> list[Reply]:
    kind = ctx.data["id_type"]
    return say(ctx.t("visit.ask_id_number", document=ctx.t(f"visit.id_types.{kind}")))


@flow.handler(Step.ID_NUMBER)
def id_number(ctx: Context) -> Result:
    """Stores only the masked number and its keyed hash (never the number); the transcript keeps the
    masked form too. Asks the photo next."""
    kind = ctx.data["id_type"]
    # The number as typed comes from memory (ctx.raw_text): the record holds it masked. A message
    # answered later from its record (the sweeper) has only the masked form left: ask again.
    typed = ctx.raw_text if ctx.raw_text is not None else ctx.text
    if ctx.raw_text is None and is_masked_nik(ctx.text):
        return Result(say=say(ctx.t("visit.errors.id_again")), effects=[RedactInbound("[redacted]")])
    try:
        number = parsing.id_number(kind, typed, ctx.now.astimezone(ctx.office.zone).date())
    except parsing.Invalid as exc:
        return Result(say=say(ctx.t(f"visit.errors.{exc.reason}", **exc.values)),
                      effects=[RedactInbound("[redacted]")])
    masked = mask_id(number)
    ctx.data["id_masked"] = masked
    ctx.data["id_hash"] = security.id_hash(security.nik_hash_key(ctx.config), kind, number)
    return Result(say=say(ctx.t("visit.id_saved", masked=masked)), goto=Step.PHOTO,
                  effects=[RedactInbound(masked)])


# -- PHOTO -----------------------------------------------------------------------------------------
@flow.prompt(Step.PHOTO)
def ask_photo(ctx: Context) -> list[Reply]:
    return say(ctx.t("visit.ask_photo"))


def _attached_photo(ctx: Context) -> tuple[str, str] | None:
    """The photo this message brought (its first attachment)."""
    if not ctx.media:
        return None
    first = ctx.media[0]
    return first.get("url", ""), (first.get("content_type") or "").lower()


@flow.handler(Step.PHOTO)
def photo(ctx: Context) -> Result:
    """Records the photo's URL (a job downloads it); asks the purpose next."""
    media = _attached_photo(ctx) if ctx.has_media else None
    if media is None:
        return Result(say=say(ctx.t("visit.errors.photo_missing")))
    url, content_type = media
    if content_type in settings.STICKER_TYPES:
        return Result(say=say(ctx.t("visit.errors.photo_sticker")))
    if content_type not in settings.PHOTO_TYPES:
        return Result(say=say(ctx.t("visit.errors.photo_type")))
    ctx.data["photo"] = True
    # Coming from a service's card, the purpose is that service: no need to ask it.
    after = _after_purpose(ctx) if ctx.data.get("purpose") else Step.PURPOSE
    return Result(say=say(ctx.t("visit.photo_saved")), goto=after, effects=[AttachPhoto(url, content_type)])


# -- PURPOSE ---------------------------------------------------------------------------------------
@flow.prompt(Step.PURPOSE)
def ask_purpose(ctx: Context) -> list[Reply]:
    return say(ctx.t("visit.ask_purpose"))


@flow.handler(Step.PURPOSE)
def purpose(ctx: Context) -> Result:
    """Stores the purpose of the visit; asks whom to meet next."""
    text = " ".join(ctx.text.split())
    if not PURPOSE_MIN <= len(text) <= PURPOSE_MAX:
        return Result(say=say(ctx.t("visit.errors.purpose_length", min=PURPOSE_MIN, max=PURPOSE_MAX)))
    ctx.data["purpose"] = text
    return Result(goto=_after_purpose(ctx))


# -- HOST, HOST_PICK, HOST_UNIT --------------------------------------------------------------------
@flow.prompt(Step.HOST)
def ask_host(ctx: Context) -> list[Reply]:
    return say(ctx.t("visit.ask_host"))


CONFIRM_OPTIONS = ("send", "change_time", "restart")
SEND_WORDS = ("kirim", "daftarkan", "daftar", "send", "submit", "register")
CHANGE_TIME_WORDS = ("ubah waktu", "ganti waktu", "ganti jam", "ubah jam", "ubah jadwal", "ganti jadwal",
                     "change the time")
DONT_KNOW = ("tidak tahu", "tdk tahu", "gak tahu", "ga tahu", "nggak tahu", "belum tahu", "tidak tau", "gatau",
             "don't know", "dont know", "not sure", "unit", "bagian")


@flow.handler(Step.HOST)
def host(ctx: Context) -> Result:
    """Matches the name or title against the office's employees: one → stored, asks when; several →
    asks which; none (or "tidak tahu") → asks the unit."""
    text = ctx.words.strip()
    if any(text.startswith(words) for words in DONT_KNOW):
        unit = _unit_named(ctx)  # "blm tau siapa, yg penting bagian barang bukti"
        if unit is not None:
            return _to_unit(ctx, unit)
        return Result(goto=Step.HOST_UNIT)
    found = match(ctx.staff, ctx.words)
    if len(found) == 1:
        employee = found[0][0]
        ctx.data["host"], ctx.data["unit"] = _employee_dict(employee), employee.unit
        return Result(say=say(ctx.t("visit.host_found", host=_host_label(ctx, ctx.data["host"], None))),
                      goto=_after_host(ctx))
    if found:
        ctx.data["candidates"] = [e.key for e, _ in found]
        return Result(goto=Step.HOST_PICK)
    return Result(say=say(ctx.t("visit.host_not_found")), goto=Step.HOST_UNIT)


@flow.prompt(Step.HOST_PICK)
def ask_host_pick(ctx: Context) -> list[Reply]:
    staff = ctx.staff
    lines = [ctx.t("visit.ask_host_pick")]
    for i, key in enumerate(ctx.data.get("candidates", []), 1):
        employee = staff.get(key)
        label = ctx.t("visit.host_label", name=employee.name, title=employee.title) if employee else key
        lines.append(f"{i}. {label}")
    lines.append(ctx.t("visit.host_pick_none", number=len(ctx.data.get("candidates", [])) + 1))
    return say("\n".join(lines))


@flow.handler(Step.HOST_PICK)
def host_pick(ctx: Context) -> Result:
    """Stores the chosen employee; the last option goes to the unit list."""
    keys = ctx.data.get("candidates", [])
    choice = numbered_choice(ctx.words, len(keys) + 1)
    if choice is None:
        return Result(understood=False)
    if choice == len(keys) + 1:
        return Result(goto=Step.HOST_UNIT)
    employee = ctx.staff.get(keys[choice - 1])
    if employee is None:  # the employees file changed meanwhile
        return Result(goto=Step.HOST)
    ctx.data["host"], ctx.data["unit"] = _employee_dict(employee), employee.unit
    return Result(goto=_after_host(ctx))


@flow.prompt(Step.HOST_UNIT)
def ask_host_unit(ctx: Context) -> list[Reply]:
    return [numbered(ctx, ctx.t("visit.ask_unit"), [u.name for u in ctx.office.units])]


@flow.handler(Step.HOST_UNIT)
def host_unit(ctx: Context) -> Result:
    """Stores the unit; its head (the first employee of that unit in the file) receives the notice."""
    choice = numbered_choice(ctx.words, len(ctx.office.units), [u.name for u in ctx.office.units])
    if choice is None:
        unit = _unit_named(ctx)
        return _to_unit(ctx, unit) if unit is not None else Result(understood=False)
    return _to_unit(ctx, ctx.office.units[choice - 1])


# Words every unit name shares, which name no unit in particular.
_UNIT_WORDS = frozenset({"seksi", "bagian", "sub", "sub bagian", "subbagian", "dan", "pelayanan", "bidang", "unit"})


def _unit_named(ctx: Context):
    """The one unit whose distinctive words the message names, two in a row ("barang bukti") or one
    that only it has ("intelijen"); None when none or several."""
    said = re.findall(r"[a-z]+", ctx.words)
    pairs = {f"{a} {b}" for a, b in pairwise(said)}
    found = []
    for unit in ctx.office.units:
        words = [w for w in re.findall(r"[a-z]+", unit.name.lower()) if w not in _UNIT_WORDS]
        own = {f"{a} {b}" for a, b in pairwise(words)}
        if own & pairs or (unit.slug in said):
            found.append(unit)
    return found[0] if len(found) == 1 else None


def _to_unit(ctx: Context, unit) -> Result:
    head = next((e for e in ctx.staff.employees if e.unit == unit.slug), None)
    ctx.data["unit"] = unit.slug
    ctx.data["host"] = _employee_dict(head) if head else None
    return Result(goto=_after_host(ctx))


# -- WHEN ------------------------------------------------------------------------------------------
@flow.prompt(Step.WHEN)
def ask_when(ctx: Context) -> list[Reply]:
    return say(ctx.t("visit.ask_when", zone=ctx.office.zone_abbr), ctx.t("visit.when_examples"))


@flow.handler(Step.WHEN)
def when(ctx: Context) -> Result:
    """Stores the date and time (office zone, opening hours, office days, not past); confirms next."""
    moment = _check_when(ctx)
    if isinstance(moment, Result):
        return moment
    ctx.data["when"] = to_utc(moment).isoformat()
    return Result(goto=Step.CONFIRM)


# -- CONFIRM ---------------------------------------------------------------------------------------
@flow.prompt(Step.CONFIRM)
def ask_confirm(ctx: Context) -> list[Reply]:
    d = ctx.data
    return say(ctx.t("visit.confirm", name=d["name"], document=ctx.t(f"visit.id_types.{d['id_type']}"),
                     masked=d["id_masked"], purpose=d["purpose"], host=_host_label(ctx, d.get("host"), d.get("unit")),
                     when=_when_text(ctx, _when(d["when"])),
                     options="\n".join(f"{i}. {ctx.t(f'visit.confirm_options.{key}')}"
                                        for i, key in enumerate(CONFIRM_OPTIONS, 1))))


def _draft(ctx: Context, code: str) -> Draft:
    d = ctx.data
    host = d.get("host") or {}
    return Draft(code=code, name=d["name"], id_type=d["id_type"], id_masked=d["id_masked"], id_hash=d["id_hash"],
                 purpose=d["purpose"], scheduled_at=_when(d["when"]), lang=ctx.lang, host_key=host.get("key"),
                 host_name=host.get("name"), host_phone=host.get("whatsapp"), unit=d.get("unit"))


def _submit(ctx: Context) -> Result:
    """The visit code is chosen here, in the inbox's transaction, so the reply can show it."""
    draft = _draft(ctx, queries.free_code(ctx.session, ctx.office.slug))
    rules = "\n".join(f"• {rule}" for rule in ctx.office.visitor_rules)
    qr = security.qr_url(ctx.config, ctx.office.slug, draft.code)
    done = ctx.t("visit.registered", code=draft.code, when=_when_text(ctx, draft.scheduled_at),
                 host=_host_label(ctx, ctx.data.get("host"), ctx.data.get("unit")))
    replies = [Reply(done, media_url=qr)]
    if rules:
        replies.append(Reply(ctx.t("visit.rules", rules=rules)))
    replies.append(Reply(ctx.t("visit.after_registration")))
    ctx.data.clear()
    return Result(say=replies, goto=MenuStep.MAIN, prompt=False, effects=[RegisterVisit(draft)])


@flow.handler(Step.CONFIRM)
def confirm(ctx: Context) -> Result:
    """1 registers the visit (code, QR, rules, host notified); 2 changes the time; 3 starts again."""
    choice = numbered_choice(ctx.words, 3, [ctx.t(f"visit.confirm_options.{key}") for key in CONFIRM_OPTIONS])
    if choice is None and label_choice(ctx.words, CHANGE_TIME_WORDS):
        choice = 2
    if choice is None and (parsing.yes_no(ctx.words) or ctx.words.split(",")[0].strip() in SEND_WORDS):
        choice = 1
    if choice == 1:
        return _submit(ctx)
    if choice == 2:
        return Result(goto=Step.WHEN)
    if choice == 3:
        for key in ("name", "id_type", "id_masked", "id_hash", "photo", "purpose", "host", "unit", "when"):
            ctx.data.pop(key, None)
        return Result(goto=Step.NAME)
    return Result(understood=False)


# -- MINE, VISIT_ACTION, CHANGE_WHEN, CANCEL_CONFIRM -----------------------------------------------
def _visit_line(ctx: Context, visit: Visit) -> str:
    moment = visit.proposed_at if visit.status == model.PROPOSED and visit.proposed_at else visit.scheduled_at
    return ctx.t("visit.mine_line", code=visit.code, when=_when_text(ctx, moment),
                 host=visit.host_name or ctx.office.unit_name(visit.unit) or "-",
                 status=ctx.t(f"visit.status.{visit.status}"))


@flow.prompt(Step.MINE)
def ask_mine(ctx: Context) -> list[Reply]:
    visits = _open_visits(ctx)
    ctx.data["mine"] = [v.id for v in visits]
    if not visits:
        return say(ctx.t("visit.mine_empty"))
    lines = [ctx.t("visit.mine_title")] + [f"{i}. {_visit_line(ctx, v)}" for i, v in enumerate(visits, 1)]
    return say("\n".join(lines), ctx.t("visit.mine_choose"))


@flow.handler(Step.MINE)
def mine(ctx: Context) -> Result:
    """Stores the chosen visit; shows what can be done with it."""
    ids = ctx.data.get("mine", [])
    choice = numbered_choice(ctx.words, len(ids))
    if choice is None:
        if not ids:
            return Result(goto=MenuStep.MAIN)
        return Result(understood=False)
    ctx.data["visit_id"] = ids[choice - 1]
    return Result(goto=Step.VISIT_ACTION)


def _chosen(ctx: Context) -> Visit | None:
    visit_id = ctx.data.get("visit_id")
    visit = ctx.session.get(Visit, visit_id) if visit_id else None
    if visit is None or visit.office != ctx.office.slug or visit.citizen_phone != ctx.conv.phone:
        return None
    return visit


def _actions(visit: Visit) -> list[str]:
    if visit.status == model.PROPOSED:
        return ["accept_proposal", "refuse_proposal", "cancel"]
    return ["change", "cancel"]


@flow.prompt(Step.VISIT_ACTION)
def ask_visit_action(ctx: Context) -> list[Reply]:
    visit = _chosen(ctx)
    if visit is None:
        return say(ctx.t("visit.mine_gone"))
    lead = "\n".join([_visit_line(ctx, visit), ctx.t("visit.detail_purpose", purpose=visit.purpose), ""])
    return [numbered(ctx, lead, [ctx.t(f"visit.actions.{a}") for a in _actions(visit)])]


@flow.handler(Step.VISIT_ACTION)
def visit_action(ctx: Context) -> Result:
    """Change the time, cancel, or answer the host's proposal."""
    visit = _chosen(ctx)
    if visit is None or visit.status not in model.OPEN:
        return _home(*say(ctx.t("visit.mine_gone")))
    actions = _actions(visit)
    choice = numbered_choice(ctx.words, len(actions), [ctx.t(f"visit.actions.{a}") for a in actions])
    if choice is None:
        return Result(understood=False)
    action = actions[choice - 1]
    if action == "change":
        return Result(goto=Step.CHANGE_WHEN)
    if action == "cancel":
        return Result(goto=Step.CANCEL_CONFIRM)
    return answer_proposal(ctx, visit, action == "accept_proposal")


@flow.prompt(Step.CHANGE_WHEN)
def ask_change_when(ctx: Context) -> list[Reply]:
    return say(ctx.t("visit.ask_new_when", zone=ctx.office.zone_abbr), ctx.t("visit.when_examples"))


@flow.handler(Step.CHANGE_WHEN)
def change_when(ctx: Context) -> Result:
    """Moves the visit to the new time; the host is asked again and the reminders follow."""
    visit = _chosen(ctx)
    if visit is None or visit.status not in model.OPEN:
        return _home(*say(ctx.t("visit.mine_gone")))
    moment = _check_when(ctx)
    if isinstance(moment, Result):
        return moment
    text = ctx.t("visit.changed", code=visit.code, when=_when_text(ctx, moment))
    return Result(say=say(text), goto=MenuStep.MAIN, prompt=False,
                  effects=[RescheduleVisit(visit.id, to_utc(moment))])


@flow.prompt(Step.CANCEL_CONFIRM)
def ask_cancel(ctx: Context) -> list[Reply]:
    visit = _chosen(ctx)
    return say(ctx.t("visit.ask_cancel", code=visit.code if visit else "-"))


@flow.handler(Step.CANCEL_CONFIRM)
def cancel_confirm(ctx: Context) -> Result:
    """Yes cancels the visit (reminders cancelled, host told); no keeps it."""
    answer = parsing.yes_no(ctx.words)
    if answer is None:
        return Result(understood=False)
    visit = _chosen(ctx)
    if not answer or visit is None or visit.status not in model.OPEN:
        return _home(*say(ctx.t("visit.cancel_kept")))
    return Result(say=say(ctx.t("visit.cancelled", code=visit.code)), goto=MenuStep.MAIN, prompt=False,
                  effects=[CancelVisit(visit.id)])


# -- the host's proposal, answered by the citizen --------------------------------------------------
def answer_proposal(ctx: Context, visit: Visit, accepted: bool) -> Result:
    """Accept: the visit moves to the proposed time (reminders follow); refuse: the visit is closed."""
    key = "visit.proposal_accepted" if accepted else "visit.proposal_refused"
    text = ctx.t(key, code=visit.code, when=_when_text(ctx, as_utc(visit.proposed_at)))
    return Result(say=say(text), goto=MenuStep.MAIN, prompt=False, effects=[AnswerProposal(visit.id, accepted)])


REGISTRATION_STEPS = {flow.ref(s) for s in Step if s not in (Step.START, Step.MINE)}


@flow.interceptor
def proposal_reply(ctx: Context) -> Result | None:
    """"ya"/"tidak" after the host proposed another time answers that proposal, unless the citizen is
    in the middle of a registration. A bare "1"/"2" counts only as the first reply after the proposal:
    later it is a menu choice again."""
    if ctx.conv.step in REGISTRATION_STEPS or ctx.conv.step.startswith("host:"):
        return None
    answer = parsing.yes_no(ctx.words)
    if answer is None or len(ctx.text.split()) > 3:
        return None
    proposed = queries.proposed_for_citizen(ctx.session, ctx.office.slug, ctx.conv.phone)
    if not proposed:
        return None
    visit = proposed[-1]
    if ctx.text.strip().rstrip(".)").isdigit() and visit.answered_at is not None and (
            ctx.conv.updated_at > as_utc(visit.answered_at).timestamp()):
        return None
    return answer_proposal(ctx, visit, answer)
