"""Survei Kepuasan Masyarakat (SKM, PermenPANRB 14/2017): nine questions answered 1–4, an optional
respondent profile and a suggestion. Offered after an event (opt-in); answers are saved one by one,
so a citizen who stops ("stop") resumes where they were ("survei")."""

from __future__ import annotations

from dataclasses import replace
from enum import StrEnum

from bot.survey import ikm, service
from bot.survey.effects import SaveSurveyAnswers
from flows import menu
from flows.base import Context, Flow, MenuEntry, Reply, Result, numbered, numbered_choice, say


class Step(StrEnum):
    ELEMENT = "element"
    PROFILE = "profile"
    GENDER = "gender"
    AGE = "age"
    EDUCATION = "education"
    OCCUPATION = "occupation"
    SUGGESTION = "suggestion"


START_WORDS = {"survei", "survey", "isi survei", "skm", "survei kepuasan", "ikut survei", "take survey"}
SKIP_WORDS = {"lewati", "skip", "-", "tidak", "tidak ada", "no", "none"}
PROFILE_OPTIONS = {
    Step.GENDER: ("gender", ("male", "female")),
    Step.AGE: ("age_band", ("under20", "age20s", "age30s", "age40s", "age50plus")),
    Step.EDUCATION: ("education", ("sd", "smp", "sma", "diploma", "s1", "s2")),
    Step.OCCUPATION: ("occupation", ("asn", "private", "self", "student", "other")),
}
PROFILE_ORDER = (Step.GENDER, Step.AGE, Step.EDUCATION, Step.OCCUPATION)


def _next_element(ctx: Context) -> str | None:
    answers = ctx.data.get("answers", {})
    return next((e for e in ikm.ELEMENTS if e not in answers), None)


def start(ctx: Context) -> Result:
    """Opens the citizen's invitation (resuming saved answers); without one, explains when it is offered."""
    invitation = service.open_invitation(ctx.session, ctx.office.slug, ctx.conv.phone, ctx.now)
    answers = service.progress(ctx.session, invitation.id) if invitation else {}
    if invitation is None:
        return Result(say=say(ctx.t("survey.no_invitation"), ctx.t("survey.next")))
    ctx.data.clear()
    ctx.data.update(inv=invitation.id, answers=answers, profile={})
    key = "survey.resume" if answers else "survey.intro"
    return Result(say=say(ctx.t(key, answered=len(answers), total=len(ikm.ELEMENTS))),
                  goto=Step.ELEMENT if _next_element(ctx) else Step.PROFILE)


flow = Flow("survey", Step, menu=MenuEntry("survey.menu_label", order=50, action=start),
            emits=(SaveSurveyAnswers,))


@flow.prompt(Step.ELEMENT)
def ask_element(ctx: Context) -> list[Reply]:
    element = _next_element(ctx) or ikm.ELEMENTS[-1]
    number = ikm.ELEMENTS.index(element) + 1
    labels = [ctx.t(f"survey.element.{element}.a{i}") for i in range(1, ikm.MAX_SCORE + 1)]
    question = {"number": number, "total": len(ikm.ELEMENTS), "question": ctx.t(f"survey.element.{element}.q")}
    choices = numbered(ctx, ctx.t("survey.question", options="", **question).strip(), labels)
    text = ctx.t("survey.question", options="\n".join(f"{i}. {label}" for i, label in enumerate(labels, 1)), **question)
    return [replace(choices, text=text)]


@flow.handler(Step.ELEMENT)
def element(ctx: Context) -> Result:
    """Stores the answer (1–4) to the current element and saves it; the next element or the profile follows."""
    current = _next_element(ctx)
    if current is None:
        return Result(goto=Step.PROFILE)
    labels = [ctx.t(f"survey.element.{current}.a{i}") for i in range(1, ikm.MAX_SCORE + 1)]
    value = numbered_choice(ctx.words, ikm.MAX_SCORE, labels)
    if value is None:
        return Result(say=say(ctx.t("survey.correction")), understood=False)
    ctx.data["answers"] = {**ctx.data.get("answers", {}), current: value}
    save = SaveSurveyAnswers(invitation=ctx.data["inv"], answers={current: value})
    return Result(goto=Step.ELEMENT if _next_element(ctx) else Step.PROFILE, effects=[save])


@flow.prompt(Step.PROFILE)
def ask_profile(ctx: Context) -> list[Reply]:
    return say(ctx.t("survey.ask_profile"))


@flow.handler(Step.PROFILE)
def profile(ctx: Context) -> Result:
    """1: the four optional profile questions; 2: straight to the suggestion."""
    choice = numbered_choice(ctx.words, 2)
    if choice is None:
        return Result(understood=False)
    return Result(goto=Step.GENDER if choice == 1 else Step.SUGGESTION)


def _profile_prompt(step: Step):
    name, codes = PROFILE_OPTIONS[step]

    def prompt(ctx: Context) -> list[Reply]:
        options = "\n".join(f"{i}. {ctx.t(f'survey.profile.{name}.{code}')}" for i, code in enumerate(codes, 1))
        skip = len(codes) + 1
        return say(ctx.t(f"survey.profile.{name}.q") + "\n" + options + "\n" + ctx.t("survey.profile.skip",
                                                                                    number=skip))

    return prompt


def _profile_handler(step: Step):
    name, codes = PROFILE_OPTIONS[step]
    following = PROFILE_ORDER[PROFILE_ORDER.index(step) + 1] if step != PROFILE_ORDER[-1] else Step.SUGGESTION

    def handler(ctx: Context) -> Result:
        choice = numbered_choice(ctx.words, len(codes) + 1)
        if choice is None and ctx.words.strip() not in SKIP_WORDS:
            return Result(understood=False)
        if choice is not None and choice <= len(codes):
            ctx.data.setdefault("profile", {})[name] = codes[choice - 1]
        return Result(goto=following)

    handler.__doc__ = f"Stores the optional {name} (or skips it); asks the next profile question."
    return handler


for _step in PROFILE_ORDER:
    flow.prompt(_step)(_profile_prompt(_step))
    flow.handler(_step)(_profile_handler(_step))


@flow.prompt(Step.SUGGESTION)
def ask_suggestion(ctx: Context) -> list[Reply]:
    return say(ctx.t("survey.ask_suggestion"))


@flow.handler(Step.SUGGESTION)
def suggestion(ctx: Context) -> Result:
    """Stores the suggestion (optional) and completes the response; thanks, then the menu."""
    text = ctx.text.strip()
    if not text:
        return Result(understood=False)
    done = SaveSurveyAnswers(invitation=ctx.data["inv"], answers=ctx.data.get("answers", {}),
                             profile=ctx.data.get("profile", {}), complete=True,
                             suggestion=None if text.lower() in SKIP_WORDS else text[:2000])
    return Result(say=say(ctx.t("survey.thanks"), ctx.t("survey.next")), goto=menu.Step.MAIN,
                  effects=[done], prompt=False)


@flow.interceptor
def start_from_word(ctx: Context) -> Result | None:
    """ "survei" from any step (e.g. answering the invitation message) opens the survey."""
    if ctx.words.strip().rstrip(".!") in START_WORDS:
        return start(ctx)
    return None
