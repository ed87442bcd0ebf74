"""Pengaduan: category, consent, the service or unit concerned, the description with photos and
documents, confidentiality, then the complaint is filed and its ticket number sent.

Seed 003: a report for the intelligence section (or about corruption) must still be made in
writing; the bot says so, explains where to send it, and records the contact for follow-up.
"""

from __future__ import annotations

import re
from dataclasses import replace
from enum import StrEnum

from bot.complaints import model
from bot.complaints.effects import DiscardComplaintDrafts, FileComplaint, RecordComplaintMedia
from bot.complaints.text import channels
from bot.visits.parsing import yes_no
from flows import menu
from flows.base import Context, Flow, MenuEntry, Reply, Result, numbered_choice, say


class Step(StrEnum):
    CATEGORY = "category"
    INTEL_INFO = "intel_info"
    CONSENT = "consent"
    SUBJECT = "subject"
    DESCRIPTION = "description"
    ATTACHMENTS = "attachments"
    IDENTITY = "identity"
    NAME = "name"
    CONFIRM = "confirm"


flow = Flow("complaint", Step, menu=MenuEntry("complaint.menu_label", order=30, start=Step.CATEGORY),
            emits=(DiscardComplaintDrafts, RecordComplaintMedia, FileComplaint))

MIN_DESCRIPTION = 10
# "1. Kirim pengaduan": the option's own word says yes too.
SEND_WORDS = ("kirim", "kirimkan", "send", "submit")
MAX_DESCRIPTION = 3000
DONE_WORDS = {"lanjut", "selesai", "cukup", "tidak", "tidak ada", "next", "done", "continue", "no", "skip", "lewati",
              "sudah", "sudah cukup", "sudah semua", "itu saja", "itu aja", "tidak ada lagi"}
DONE_FIRST_WORDS = {"lanjut", "selesai", "cukup", "sudah", "skip", "lewati", "tidak", "done", "next", "no"}
IDENTITY_CHOICES = ("confidential", "anonymous", "open")
# The identity choices in the words people use beside their labels ("rahasiakan", "anonim aja").
IDENTITY_WORDS = {"confidential": ("rahasia", "rahasiakan", "dirahasiakan", "confidential", "secret"),
                  "anonymous": ("anonim", "anonymous", "tanpa nama", "tidak usah nama", "tidak pakai nama"),
                  "open": ("boleh diketahui", "terbuka", "tidak rahasia", "tidak usah dirahasiakan", "open")}
PUNGLI_WORDS = re.compile(r"\b(pungli|pungutan liar|gratifikasi|suap|sogok|uang pelicin|bribe|bribery)\b")
COMPLAINT_WORDS = re.compile(r"\b(lapor|melapor|laporan|pengaduan|mengadu|aduan|komplain|keluhan|complaint|"
                             r"complain|report)\b")


def _categories(ctx: Context) -> tuple[str, ...]:
    return model.categories_for(ctx.office)


def _identity_choices(ctx: Context) -> tuple[str, ...]:
    """Pungli and gratification reports are confidential by default: the open choice is not offered."""
    if ctx.data.get("category") == model.CATEGORY_PUNGLI:
        return IDENTITY_CHOICES[:2]
    return IDENTITY_CHOICES


def _numbered(ctx: Context, keys: list[str]) -> str:
    return "\n".join(f"{i}. {ctx.t(key)}" for i, key in enumerate(keys, 1))


def _yes_or_no(ctx: Context) -> int | None:
    """1 or 2 of a "1. Ya … 2. Tidak …" question, also said in words ("ya", "setuju", "kirim", "tidak")."""
    choice = numbered_choice(ctx.words, 2)
    if choice is None and ctx.words.strip() in SEND_WORDS:
        return 1
    answer = yes_no(ctx.words) if choice is None else None
    return {True: 1, False: 2}.get(answer, choice)


# -- category -------------------------------------------------------------------------------------
@flow.prompt(Step.CATEGORY)
def ask_category(ctx: Context) -> list[Reply]:
    options = _numbered(ctx, [f"complaint.category.{c}" for c in _categories(ctx)])
    return say(ctx.t("complaint.ask_category", options=options))


@flow.handler(Step.CATEGORY)
def category(ctx: Context) -> Result:
    """Stores the category; a report for the intelligence section is explained first, others ask consent."""
    cats = _categories(ctx)
    choice = numbered_choice(ctx.words, len(cats), [ctx.t(f"complaint.category.{c}") for c in cats])
    said = ctx.deps.intents.category_of(ctx.words, cats) if choice is None and ctx.deps.intents else None
    if said is not None:
        choice = cats.index(said) + 1
    if choice is None:
        return Result(understood=False)
    ctx.data.clear()
    ctx.data["category"] = cats[choice - 1]
    if ctx.data["category"] == model.CATEGORY_INTELLIGENCE:
        return Result(goto=Step.INTEL_INFO)
    return Result(goto=Step.CONSENT)


# -- intelligence: in writing (seed 003) ------------------------------------------------------------
@flow.prompt(Step.INTEL_INFO)
def ask_intel(ctx: Context) -> list[Reply]:
    email = ctx.t("complaint.intel.email", email=ctx.office.email) if ctx.office.email else ""
    return say(ctx.t("complaint.intel.info", address=ctx.office.address, email=email))


@flow.handler(Step.INTEL_INFO)
def intel(ctx: Context) -> Result:
    """1: record the contact so the section can follow up (consent, name); 2: the channels, then the menu."""
    choice = numbered_choice(ctx.words, 2)
    if choice == 1:
        ctx.data["intel"] = True
        return Result(goto=Step.CONSENT)
    if choice == 2:
        return Result(say=say(ctx.t("complaint.intel.declined", channels=channels(ctx.office))), goto=menu.Step.MAIN)
    return Result(understood=False)


# -- consent before any personal data ---------------------------------------------------------------
@flow.prompt(Step.CONSENT)
def ask_consent(ctx: Context) -> list[Reply]:
    intro = ctx.t("complaint.pungli_intro") if ctx.data.get("category") == model.CATEGORY_PUNGLI else ""
    return say(intro, ctx.t("complaint.ask_consent", days=ctx.config.COMPLAINT_RETENTION_DAYS))


@flow.handler(Step.CONSENT)
def consent(ctx: Context) -> Result:
    """Stores the moment of consent; without it nothing personal is recorded and the channels are given."""
    choice = _yes_or_no(ctx)
    if choice == 2:
        return Result(say=say(ctx.t("complaint.consent_declined", channels=channels(ctx.office))),
                      goto=menu.Step.MAIN)
    if choice != 1:
        return Result(understood=False)
    ctx.data["consent_at"] = ctx.now.isoformat()
    if ctx.data.get("intel"):
        return Result(goto=Step.NAME)
    return Result(goto=Step.SUBJECT)


# -- the service or unit concerned ------------------------------------------------------------------
@flow.prompt(Step.SUBJECT)
def ask_subject(ctx: Context) -> list[Reply]:
    units = "\n".join(f"{i}. {u.name}" for i, u in enumerate(ctx.office.units, 1))
    return say(ctx.t("complaint.ask_subject", units=units))


@flow.handler(Step.SUBJECT)
def subject(ctx: Context) -> Result:
    """Stores a unit (by number) or the service in the citizen's words; asks for the description next."""
    units = ctx.office.units
    choice = numbered_choice(ctx.words, len(units)) if units else None
    if choice is not None:
        ctx.data["subject_unit"], ctx.data["subject_text"] = units[choice - 1].slug, units[choice - 1].name
    elif len(ctx.text) >= 3 and not ctx.text.isdigit():
        ctx.data["subject_unit"], ctx.data["subject_text"] = None, ctx.text[:500]
    else:
        return Result(understood=False)
    ctx.data["attachments"] = 0
    return Result(goto=Step.DESCRIPTION, effects=[DiscardComplaintDrafts()])


# -- description, photos and documents ---------------------------------------------------------------
def _media(ctx: Context) -> list[RecordComplaintMedia]:
    if not ctx.has_media:
        return []
    ctx.data["attachments"] = ctx.data.get("attachments", 0) + 1
    return [RecordComplaintMedia()]


@flow.prompt(Step.DESCRIPTION)
def ask_description(ctx: Context) -> list[Reply]:
    return say(ctx.t("complaint.ask_description"))


@flow.handler(Step.DESCRIPTION)
def description(ctx: Context) -> Result:
    """Stores the text (and records any photo or document); asks for more attachments next."""
    effects = _media(ctx)
    if len(ctx.text) < MIN_DESCRIPTION:
        if effects:
            return Result(say=say(ctx.t("complaint.media_then_text")), effects=effects)
        return Result(say=say(ctx.t("complaint.description_short", minimum=MIN_DESCRIPTION)), prompt=False)
    ctx.data["description"] = ctx.text[:MAX_DESCRIPTION]
    return Result(goto=Step.ATTACHMENTS, effects=effects)


@flow.prompt(Step.ATTACHMENTS)
def ask_attachments(ctx: Context) -> list[Reply]:
    return say(ctx.t("complaint.ask_attachments", count=ctx.data.get("attachments", 0)))


@flow.handler(Step.ATTACHMENTS)
def attachments(ctx: Context) -> Result:
    """Records each photo or document; more text is added to the description; "lanjut" goes on."""
    effects = _media(ctx)
    word = ctx.words.strip().rstrip(".!")
    if not effects and (_done(word) or numbered_choice(ctx.words, 1)):
        return Result(goto=Step.IDENTITY)
    if ctx.text and not _done(word):
        ctx.data["description"] = (ctx.data.get("description", "") + "\n" + ctx.text)[:MAX_DESCRIPTION]
    return Result(say=say(ctx.t("complaint.attachment_received", count=ctx.data.get("attachments", 0))),
                  effects=effects)


def _done(words: str) -> bool:
    """ "lanjut", "sudah itu aja", "tidak ada foto": a short answer that begins by saying it is done."""
    split = words.split()
    return words in DONE_WORDS or (0 < len(split) <= 4 and split[0] in DONE_FIRST_WORDS)


# -- identity -----------------------------------------------------------------------------------------
@flow.prompt(Step.IDENTITY)
def ask_identity(ctx: Context) -> list[Reply]:
    choices = _identity_choices(ctx)
    options = _numbered(ctx, [f"complaint.identity.{c}" for c in choices])
    note = ctx.t("complaint.identity.pungli_note") if len(choices) == 2 else ""
    return say(ctx.t("complaint.ask_identity", options=options), note)


@flow.handler(Step.IDENTITY)
def identity(ctx: Context) -> Result:
    """Stores confidential / anonymous / open; an anonymous report is not asked for a name."""
    choices = _identity_choices(ctx)
    choice = numbered_choice(ctx.words, len(choices), [ctx.t(f"complaint.identity.{c}") for c in choices])
    if choice is None:
        said = [c for c in choices if any(re.search(rf"\b{w}\b", ctx.words) for w in IDENTITY_WORDS[c])]
        if "open" in said:  # "tidak rahasia" says open, although it contains "rahasia"
            said = ["open"]
        choice = choices.index(said[0]) + 1 if len(said) == 1 else None
    if choice is None:
        return Result(understood=False)
    ctx.data["identity"] = choices[choice - 1]
    if ctx.data["identity"] == "anonymous":
        ctx.data.pop("name", None)
        return Result(goto=Step.CONFIRM)
    return Result(goto=Step.NAME)


@flow.prompt(Step.NAME)
def ask_name(ctx: Context) -> list[Reply]:
    return say(ctx.t("complaint.ask_name"))


@flow.handler(Step.NAME)
def name(ctx: Context) -> Result:
    """Stores the reporter's name; shows the summary next."""
    text = " ".join(ctx.text.split())
    if len(text) < 2 or any(ch.isdigit() for ch in text):
        return Result(understood=False)
    ctx.data["name"] = text[:200]
    return Result(goto=Step.CONFIRM)


# -- confirm and file ---------------------------------------------------------------------------------
def _summary(ctx: Context) -> str:
    d = ctx.data
    if d.get("intel"):
        return ctx.t("complaint.summary_intel", name=d.get("name", ""))
    identity = ctx.t(f"complaint.identity.{d.get('identity', 'confidential')}")
    text = d.get("description", "")
    return ctx.t("complaint.summary", category=ctx.t(f"complaint.category.{d['category']}"),
                 subject=d.get("subject_text") or "-", description=text if len(text) <= 300 else text[:297] + "…",
                 attachments=d.get("attachments", 0), identity=identity, name=d.get("name") or "-")


@flow.prompt(Step.CONFIRM)
def ask_confirm(ctx: Context) -> list[Reply]:
    return say(_summary(ctx), ctx.t("complaint.ask_confirm"))


@flow.handler(Step.CONFIRM)
def confirm(ctx: Context) -> Result:
    """1 files the complaint (the ticket follows through the outbox); 2 cancels it."""
    choice = _yes_or_no(ctx)
    if choice == 2:
        return Result(say=say(ctx.t("complaint.cancelled")), goto=menu.Step.MAIN)
    if choice != 1:
        return Result(understood=False)
    d = ctx.data
    complaint = FileComplaint(
        category=d["category"], consent_at=d.get("consent_at"), name=d.get("name"),
        subject_unit=d.get("subject_unit"), subject_text=d.get("subject_text"),
        description=d.get("description", ""), anonymous=d.get("identity") == "anonymous",
        confidential=d.get("identity") in ("confidential", "anonymous") or bool(d.get("intel")))
    if d.get("intel"):
        complaint = replace(complaint, subject_unit=model.INTELLIGENCE_UNIT, subject_text=None,
                            description=ctx.t("complaint.intel.record"))
    return Result(say=say(ctx.t("complaint.filed")), goto=menu.Step.MAIN, effects=[complaint], prompt=False)


# -- free text from the main menu: "mau lapor", "pengaduan", "lapor pungli" ------------------------------
@flow.interceptor
def start_from_free_text(ctx: Context) -> Result | None:
    """Only at the main menu (never inside another flow's step); a ticket number is a status request."""
    if not ctx.conv.at_home or not ctx.text or model.parse_ticket(ctx.text):
        return None
    text = ctx.text.lower()
    if len(text.split()) > 8:
        return None
    if PUNGLI_WORDS.search(text):
        ctx.data.clear()
        ctx.data["category"] = model.CATEGORY_PUNGLI
        return Result(goto=Step.CONSENT)
    if COMPLAINT_WORDS.search(text):
        return Result(goto=Step.CATEGORY)
    return None
