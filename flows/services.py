"""Services and their requirements, as each office's Standar Pelayanan publishes them.

Browse: units (Bagian) → services (paged) → the service card. Or type what you need ("syarat
bantuan hukum", "berapa lama verifikasi akun penyedia"): one sure match is answered directly,
an unsure one offers the top three. The card leads to requirements, procedure, time and fee,
product, complaint channels, a requirements checklist, and (when offered) a visit registration.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from enum import StrEnum

from bot.catalog import Catalog, Requirement, Service
from bot.survey.effects import OfferSurvey
from flows import visit
from flows.base import Context, Flow, MenuEntry, Reply, Result, numbered, numbered_choice, say


class Step(StrEnum):
    UNITS = "units"
    LIST = "list"
    CARD = "card"
    CHECKLIST = "checklist"
    PICK = "pick"


PAGE_SIZE = 8
YES = {"1", "sudah", "ya", "iya", "yes", "sdh", "udah", "ada", "punya", "lengkap"}
NO = {"2", "belum", "tidak", "tdk", "no", "not yet", "blm", "ga", "gak", "nggak", "enggak"}


def _catalog(ctx: Context) -> Catalog | None:
    return ctx.deps.catalogs.catalog(ctx.office)


def _state(ctx: Context) -> dict:
    return ctx.data.setdefault("svc", {})


def _service(ctx: Context) -> Service:
    return _catalog(ctx).service(_state(ctx)["service"])


def _units_with_services(catalog: Catalog):
    return [u for u in catalog.units if catalog.services_in(u.slug)]


def _unit_name(catalog: Catalog, slug: str) -> str:
    return catalog.unit(slug).name


def _label(catalog: Catalog, service: Service) -> str:
    """The service's name as a citizen tells it apart: a name another service of the office shares
    ("Pelayanan Informasi Publik" in four Bagian) is followed by its unit."""
    shared = Counter(s.name.casefold() for s in catalog.services)[service.name.casefold()] > 1
    return f"{service.name} ({_unit_name(catalog, service.unit)})" if shared else service.name


def _visit_offered(ctx: Context) -> bool:
    return "visit" in ctx.deps.flow_names


def _waktu(service: Service) -> str:
    """The time as written, with its further lines (cases such as Helpdesk LPSE's 2 or 7 hari)."""
    return "; ".join([service.waktu.text, *service.waktu.detail])


def _survey_offer(ctx: Context, service: Service) -> OfferSurvey:
    """An answered inquiry earns a survey invitation (opt-in), once per citizen, service and day."""
    day = ctx.office.local(ctx.now).date().isoformat()
    return OfferSurvey(event_kind="inquiry", event_ref=f"{ctx.conv.phone}:{service.id}:{day}")


def _bullets(items) -> str:
    return "\n".join(f"{i}. {item}" for i, item in enumerate(items, 1))


def _sub_items(requirement: Requirement) -> list[str]:
    """A requirement's sub-items, indented under it and lettered: a., b., …"""
    return [f"    {chr(ord('a') + i)}. {item}" for i, item in enumerate(requirement.items)]


def _requirements(requirements, marker=None) -> str:
    """Numbered requirements (or `marker` before each), their sub-items nested under them."""
    lines = []
    for i, requirement in enumerate(requirements, 1):
        lines += [f"{marker or f'{i}.'} {requirement.text}", *_sub_items(requirement)]
    return "\n".join(lines)


def _card_choices(ctx: Context) -> list[str]:
    """The card's numbered options, as lines: the parts, the checklist, a visit (when offered), back."""
    lines = ctx.t("services.card_options").splitlines()
    if _visit_offered(ctx):
        lines.append(ctx.t("services.card_visit"))
    lines.append(ctx.t("services.card_back"))
    return lines


def _card_hint(ctx: Context) -> list[Reply]:
    """After one part of the card: the other numbers, shown again so "ketik nomor lain" has them."""
    return say("\n".join([ctx.t("services.card_hint"), *_card_choices(ctx), ctx.t("services.card_menu")]))


# -- entry --------------------------------------------------------------------------------------
def start(ctx: Context) -> Result:
    """From the menu: skip the unit list when the office has one unit, the list when it has one service."""
    catalog = _catalog(ctx)
    if catalog is None or not catalog.services:
        return Result(say=say(ctx.t("services.no_catalog", hotline=ctx.office.hotline)))
    ctx.data["svc"] = {}
    units = _units_with_services(catalog)
    if len(catalog.services) == 1:
        return _open_card(ctx, catalog.services[0])
    if len(units) == 1:
        _state(ctx).update(unit=units[0].slug, page=0)
        return Result(goto=Step.LIST)
    return Result(goto=Step.UNITS)


flow = Flow("services", Step, menu=MenuEntry("services.menu_label", order=10, action=start), emits=(OfferSurvey,))


# -- free text ----------------------------------------------------------------------------------
def direct_answer(ctx: Context) -> list[Reply] | None:
    """The catalog's answer to a question it is sure of ("syarat hibah", "biaya legalisir"), or None.
    For other flows that must stay where they are (a citizen waiting for an officer)."""
    search = ctx.deps.catalogs.search(ctx.office)
    if search is None or not ctx.text or ctx.is_greeting or ctx.is_thanks:
        return None
    match = search.search(ctx.text)
    if not match.sure or not match.intent:
        return None
    return say(*_detail(ctx, _catalog(ctx).service(match.hits[0].key), match.intent))


def answer_question(ctx: Context, *, fallback: bool) -> Result | None:
    """Search the catalog; None when nothing matched and `fallback` is False (let others try)."""
    if ctx.is_thanks:  # "makasih", "🙏" is no service to look for: the engine closes politely
        return Result(understood=False) if fallback else None
    search = ctx.deps.catalogs.search(ctx.office)
    if search is None or not ctx.text:
        return None
    match = search.search(ctx.text)
    catalog = _catalog(ctx)
    if match.sure:
        service = catalog.service(match.hits[0].key)
        if match.intent:
            ctx.data["svc"] = {"service": service.id}
            return Result(say=[*say(*_detail(ctx, service, match.intent)), *_card_hint(ctx)],
                          goto=Step.CARD, prompt=False, effects=[_survey_offer(ctx, service)])
        return _open_card(ctx, service)
    if match.hits:
        ctx.data["svc"] = {"choices": [h.key for h in match.hits], "intent": match.intent}
        return Result(goto=Step.PICK)
    if not fallback:
        return None
    return Result(say=say(ctx.t("services.not_found", query=ctx.text[:60]), ctx.t("services.not_found_hint")),
                  prompt=False)


@flow.interceptor
def question_at_the_menu(ctx: Context) -> Result | None:
    """At the main menu, a typed question ("biaya bantuan hukum?") is answered from the catalog."""
    if not ctx.conv.at_home or not ctx.text or numbered_choice(ctx.words, 99) or ctx.is_greeting or ctx.is_thanks:
        return None
    return answer_question(ctx, fallback=False)


def _open_card(ctx: Context, service: Service) -> Result:
    ctx.data["svc"] = {**_state(ctx), "service": service.id}
    return Result(goto=Step.CARD)


# -- units and lists ----------------------------------------------------------------------------
@flow.prompt(Step.UNITS)
def units_prompt(ctx: Context) -> list[Reply]:
    units = _units_with_services(_catalog(ctx))
    return [numbered(ctx, ctx.t("services.units_title"), [u.name for u in units], after=("", ctx.t("services.choose")))]


@flow.handler(Step.UNITS)
def choose_unit(ctx: Context) -> Result:
    """Stores the chosen unit; asks for the service."""
    units = _units_with_services(_catalog(ctx))
    choice = numbered_choice(ctx.words, len(units), [u.name for u in units])
    if choice is None:
        return answer_question(ctx, fallback=True) if ctx.text and not ctx.text.isdigit() else Result(understood=False)
    unit = units[choice - 1]
    _state(ctx).update(unit=unit.slug, page=0)
    services = _catalog(ctx).services_in(unit.slug)
    return _open_card(ctx, services[0]) if len(services) == 1 else Result(goto=Step.LIST)


def _page(ctx: Context) -> tuple[list[Service], int, bool, bool]:
    catalog, state = _catalog(ctx), _state(ctx)
    services = catalog.services_in(state["unit"])
    page = state.get("page", 0)
    shown = services[page * PAGE_SIZE:(page + 1) * PAGE_SIZE]
    return shown, len(shown), page > 0, (page + 1) * PAGE_SIZE < len(services)


@flow.prompt(Step.LIST)
def list_prompt(ctx: Context) -> list[Reply]:
    shown, count, has_prev, has_next = _page(ctx)
    title = ctx.t("services.list_title", unit=_unit_name(_catalog(ctx), _state(ctx)["unit"]))
    reply = numbered(ctx, title, [s.name for s in shown], after=("", ctx.t("services.choose")))
    if not (has_next or has_prev):
        return [reply]
    # The paging lines are choices too: shown in the text after the services, tappable like them.
    pages = [ctx.t("services.page_next", number=count + 1)] if has_next else []
    if has_prev:
        pages.append(ctx.t("services.page_prev", number=count + 1 + has_next))
    labels = [s.name for s in shown] + [line.split(". ", 1)[-1] for line in pages]
    text = "\n".join([title, _bullets(s.name for s in shown), *pages, "", ctx.t("services.choose")])
    return [replace(numbered(ctx, title, labels, after=("", ctx.t("services.choose"))), text=text)]


@flow.handler(Step.LIST)
def choose_service(ctx: Context) -> Result:
    """Stores the chosen service (or turns the page); shows its card."""
    shown, count, has_prev, has_next = _page(ctx)
    choice = numbered_choice(ctx.words, count + has_next + has_prev)
    if choice is None:
        return answer_question(ctx, fallback=True) if ctx.text and not ctx.text.isdigit() else Result(understood=False)
    if choice <= count:
        return _open_card(ctx, shown[choice - 1])
    turn = 1 if has_next and choice == count + 1 else -1
    _state(ctx)["page"] = _state(ctx).get("page", 0) + turn
    return Result(goto=Step.LIST)


# -- the card -----------------------------------------------------------------------------------
def _detail(ctx: Context, service: Service, what: str) -> list[str]:
    """One part of the card, as text. `what` is a search intent or a card option."""
    name = _label(_catalog(ctx), service)
    if what == "persyaratan":
        if not service.persyaratan:
            return [ctx.t("services.persyaratan_none")]
        return [ctx.t("services.persyaratan_title", name=name) + "\n" + _requirements(service.persyaratan)]
    if what == "prosedur":
        return [ctx.t("services.prosedur_title", name=name) + "\n" + _bullets(step.text for step in service.prosedur)]
    if what in ("waktu", "biaya"):
        return [ctx.t("services.waktu_biaya", name=name, waktu=_waktu(service), biaya=service.biaya),
                ctx.t("services.free_reminder")]
    if what == "produk":
        return [ctx.t("services.produk_title", name=name) + "\n" + _bullets(service.produk)]
    if what == "pengaduan":
        items = service.pengaduan.items or ctx.office.complaint_channels
        title = "services.pengaduan_title" if service.pengaduan.items else "services.pengaduan_none"
        return [ctx.t(title, name=name) + "\n" + "\n".join(f"• {item}" for item in items)]
    raise ValueError(what)


CARD_OPTIONS = {1: "persyaratan", 2: "prosedur", 3: "waktu", 4: "produk", 5: "pengaduan"}


@flow.prompt(Step.CARD)
def card_prompt(ctx: Context) -> list[Reply]:
    service, catalog = _service(ctx), _catalog(ctx)
    return say(ctx.t("services.card", name=service.name, unit=_unit_name(catalog, service.unit),
                     waktu=service.waktu.text, biaya=service.biaya),
               "\n".join([ctx.t("services.card_question"), *_card_choices(ctx)]))


@flow.handler(Step.CARD)
def card(ctx: Context) -> Result:
    """Answers one part of the card, or starts the checklist, a visit, or goes back to the list."""
    service = _service(ctx)
    text = ctx.text.strip()
    if text == "0":
        state = _state(ctx)
        if "unit" not in state:
            state.update(unit=service.unit, page=0)
        return Result(goto=Step.LIST)
    choice = numbered_choice(text, 7 if _visit_offered(ctx) else 6)
    if choice in CARD_OPTIONS:
        return Result(say=[*say(*_detail(ctx, service, CARD_OPTIONS[choice])), *_card_hint(ctx)])
    if choice == 6:
        if not service.persyaratan:
            return Result(say=[*say(ctx.t("services.persyaratan_none")), *_card_hint(ctx)])
        _state(ctx).update(check=0, missing=[])
        return Result(goto=Step.CHECKLIST)
    if choice == 7:
        return visit.begin_for_service(ctx, _label(_catalog(ctx), service))
    return answer_question(ctx, fallback=True) if text and not text.isdigit() else Result(understood=False)


# -- requirements checklist ---------------------------------------------------------------------
@flow.prompt(Step.CHECKLIST)
def checklist_prompt(ctx: Context) -> list[Reply]:
    service, state = _service(ctx), _state(ctx)
    index = state["check"]
    requirement = service.persyaratan[index]
    item = "\n".join([f"*{requirement.text}*", *_sub_items(requirement)])
    return say(ctx.t("services.check_item", index=index + 1, total=len(service.persyaratan), item=item))


def _contact(service: Service) -> str:
    channels = [*service.pengaduan.phone[:1], *service.pengaduan.email[:1]]
    return f" ({', '.join(channels)})" if channels else ""


@flow.handler(Step.CHECKLIST)
def checklist(ctx: Context) -> Result:
    """Records "sudah"/"belum" for one requirement; at the end, says what is still missing and whom to ask."""
    answer = ctx.text.strip().lower().rstrip(".!")
    if answer not in YES | NO:
        return Result(understood=False)
    service, state = _service(ctx), _state(ctx)
    if answer in NO:
        state["missing"] = [*state.get("missing", []), state["check"]]
    state["check"] += 1
    if state["check"] < len(service.persyaratan):
        return Result(goto=Step.CHECKLIST)
    name = _label(_catalog(ctx), service)
    if not state["missing"]:
        summary = [ctx.t("services.check_complete", name=name)]
    else:
        missing = _requirements([service.persyaratan[i] for i in state["missing"]], marker="•")
        unit = _unit_name(_catalog(ctx), service.unit)
        summary = [ctx.t("services.check_missing", name=name) + "\n" + missing,
                   ctx.t("services.check_ask", unit=unit, contact=_contact(service))]
    return Result(say=say(*summary), goto=Step.CARD, effects=[_survey_offer(ctx, service)])


# -- choosing among search results --------------------------------------------------------------
@flow.prompt(Step.PICK)
def pick_prompt(ctx: Context) -> list[Reply]:
    catalog = _catalog(ctx)
    names = [_label(catalog, catalog.service(key)) for key in _state(ctx)["choices"]]
    return [numbered(ctx, ctx.t("services.pick_title"), names, after=("", ctx.t("services.pick_footer")))]


@flow.handler(Step.PICK)
def pick(ctx: Context) -> Result:
    """Stores the chosen service; answers the question asked, or shows the card."""
    state = _state(ctx)
    choice = numbered_choice(ctx.words, len(state["choices"]))
    if choice is None:
        return answer_question(ctx, fallback=True) if ctx.text and not ctx.text.isdigit() else Result(understood=False)
    service = _catalog(ctx).service(state["choices"][choice - 1])
    intent = state.get("intent")
    ctx.data["svc"] = {"service": service.id}
    if intent:
        return Result(say=[*say(*_detail(ctx, service, intent)), *_card_hint(ctx)],
                      goto=Step.CARD, prompt=False, effects=[_survey_offer(ctx, service)])
    return Result(goto=Step.CARD)

