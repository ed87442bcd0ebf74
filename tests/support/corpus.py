"""The labelled corpus of citizen and host messages (tests/corpus/*.yaml), run through signed webhooks.

Each case starts a fresh conversation at a named point (`at`: the main menu, a visit's consent, a
survey question, a host with a visit waiting …), sends one message as people type it, and checks
what a patient PTSP officer would have done: the step the conversation is at afterwards (`to`) and
words the reply must carry (`has`). Every case also checks that no officer was called unless the
citizen asked (`to: handoff:waiting`). Used by tests/test_corpus.py (the goal) and
bench/understanding.py (the figures per intent).
"""

from __future__ import annotations

import itertools
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from sqlalchemy import func, select, update

from bot.models import Conversation
from bot.models.handoff import Handoff
from bot.models.visits import Visit
from bot.visits import model
from tests.support.visits import KASI_INTEL, NIK

CORPUS_DIR = Path(__file__).resolve().parents[1] / "corpus"
OFFICES = ("kejari-klungkung", "kejari-alor", "kejari-kapuas", "setda-klungkung")
HOME = "menu:main"
JPEG = b"\xff\xd8\xff\xe0corpus"

# Where a case starts: the messages that lead there (a callable gets the office), and the step reached.
# "@photo" sends a photo; "@survey" opens a survey invitation for the number first.
_TO_CONSENT = ["halo", "daftar kunjungan"]
_TO_PHOTO = [*_TO_CONSENT, "ya", "Ketut Arsana", "ktp", NIK]
_TO_COMPLAINT = ["halo", "pengaduan"]
STARTS: dict[str, tuple[list[str] | Callable[[str], list[str]], str]] = {
    "first": ([], ""),
    "home": (["halo"], HOME),
    "services_units": (["halo", "layanan"], "services:units"),
    "visit_consent": (_TO_CONSENT, "visit:consent"),
    "visit_name": ([*_TO_CONSENT, "ya"], "visit:name"),
    "visit_id_type": ([*_TO_CONSENT, "ya", "Ketut Arsana"], "visit:id_type"),
    "visit_photo": (_TO_PHOTO, "visit:photo"),
    "visit_purpose": ([*_TO_PHOTO, "@photo"], "visit:purpose"),
    "visit_host": ([*_TO_PHOTO, "@photo", "Konsultasi perkara"], "visit:host"),
    "visit_when": (lambda office: [*_TO_PHOTO, "@photo", "Konsultasi perkara", "tidak tahu", "1"], "visit:when"),
    "visit_confirm": (lambda office: [*_TO_PHOTO, "@photo", "Konsultasi perkara", "tidak tahu", "1",
                                      "besok jam 10"], "visit:confirm"),
    "complaint_category": (_TO_COMPLAINT, "complaint:category"),
    "complaint_consent": ([*_TO_COMPLAINT, "1"], "complaint:consent"),
    "complaint_description": (lambda office: [*_TO_COMPLAINT, "1", "ya", "1"], "complaint:description"),
    "complaint_attachments": (lambda office: [*_TO_COMPLAINT, "1", "ya", "1",
                                              "Antrean di loket sangat lama dan tidak ada nomor antrean."],
                              "complaint:attachments"),
    "complaint_identity": (lambda office: [*_TO_COMPLAINT, "1", "ya", "1",
                                           "Antrean di loket sangat lama dan tidak ada nomor antrean.", "lanjut"],
                           "complaint:identity"),
    "status_ticket": (["halo", "cek status"], "complaint_status:ticket"),
    "survey": (["halo", "@survey", "survei"], "survey:element"),
    "handoff": (["petugas"], "handoff:waiting"),
    "host": (["@host"], HOME),
}


@dataclass(frozen=True)
class Case:
    source: str
    intent: str
    at: str
    office: str
    say: str
    to: str | None = None
    has: tuple[str, ...] = ()
    lacks: tuple[str, ...] = ()


@dataclass
class Outcome:
    case: Case
    ok: bool
    step: str
    reply: str
    not_understood: bool
    handoff: bool
    why: str = ""


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    @property
    def accuracy(self) -> float:
        return sum(o.ok for o in self.outcomes) / max(len(self.outcomes), 1)

    @property
    def not_understood_share(self) -> float:
        return sum(o.not_understood for o in self.outcomes) / max(len(self.outcomes), 1)

    @property
    def unasked_handoffs(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.handoff and o.case.to != "handoff:waiting"]

    def per_intent(self) -> dict[str, tuple[int, int]]:
        totals: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        for outcome in self.outcomes:
            totals[outcome.case.intent][0] += outcome.ok
            totals[outcome.case.intent][1] += 1
        return {intent: (ok, n) for intent, (ok, n) in sorted(totals.items())}

    def lines(self) -> list[str]:
        out = [f"{'intent':<16} {'right':>7} {'cases':>6} {'accuracy':>9}"]
        for intent, (ok, n) in self.per_intent().items():
            out.append(f"{intent:<16} {ok:>7} {n:>6} {ok / n:>9.1%}")
        offices = Counter(o.case.office for o in self.outcomes)
        out += ["", f"overall: {sum(o.ok for o in self.outcomes)}/{len(self.outcomes)} = {self.accuracy:.1%}",
                f"ended in 'not understood': {self.not_understood_share:.1%}",
                f"handoffs the citizen did not ask for: {len(self.unasked_handoffs)}",
                "cases per office: " + ", ".join(f"{k} {v}" for k, v in sorted(offices.items()))]
        return out


class _TextLoader(yaml.SafeLoader):
    """Every plain scalar is text: "no", "4." and "1" are what a citizen typed, not a bool or a number."""


_TextLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag == "tag:yaml.org,2002:null"]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()}


def load(directory: Path = CORPUS_DIR) -> list[Case]:
    """tests/corpus/*.yaml: groups of `{at, office?, intent?, cases: [...]}`; a case is `{say, intent?, to?,
    has?, lacks?, office?}`. A group without an office runs each case at the four offices in turn."""
    cases: list[Case] = []
    for path in sorted(directory.glob("*.yaml")):
        for group in yaml.load(path.read_text("utf-8"), Loader=_TextLoader):  # noqa: S506 (a safe loader)
            rotation = itertools.cycle(OFFICES)
            for raw in group["cases"]:
                raw = {"say": raw} if isinstance(raw, str) else raw
                office = raw.get("office") or group.get("office") or next(rotation)
                to = raw.get("to", group.get("to"))
                cases.append(Case(source=path.name, intent=raw.get("intent") or group["intent"], at=group["at"],
                                  office=_slug(office), say=str(raw["say"]), to=to,
                                  has=_tuple(raw.get("has", group.get("has"))), lacks=_tuple(raw.get("lacks"))))
    return cases


def _slug(office: str) -> str:
    return {"klungkung": "kejari-klungkung", "alor": "kejari-alor", "kapuas": "kejari-kapuas",
            "setda": "setda-klungkung"}.get(office, office)


def _tuple(value) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


class Runner:
    """Sends each case from a number of its own, so no case sees another's conversation."""

    def __init__(self, whatsapp, runtime, standin, offer_survey: Callable[[str, str], None],
                 not_understood: tuple[str, ...]):
        self.whatsapp, self.runtime, self.standin = whatsapp, runtime, standin
        self.offer_survey = offer_survey
        self.not_understood = not_understood
        self._numbers = (f"+62812{n:07d}" for n in itertools.count(5_000_000))

    def run(self, cases: list[Case]) -> Report:
        return Report([self.one(case) for case in cases])

    def one(self, case: Case) -> Outcome:
        phone = next(self._numbers)
        sender = KASI_INTEL if case.at == "host" else phone
        script, start = STARTS[case.at]
        for text in script(case.office) if callable(script) else script:
            self._setup(text, case, phone)
        if start and self._step(case.office, sender) != start:
            return Outcome(case, False, self._step(case.office, sender), "", False, False,
                           why=f"setup did not reach {start}")
        handoffs = self._handoffs()
        answer = self.whatsapp.send(case.say, from_=sender, office=case.office)
        reply = "\n".join(answer.messages) + "\n" + "\n".join(self._pushed(sender))
        step = self._step(case.office, sender)
        handed = self._handoffs() > handoffs
        missing = [part for part in case.has if part.lower() not in reply.lower()]
        present = [part for part in case.lacks if part.lower() in reply.lower()]
        wrong_step = case.to is not None and not _at(step, start if case.to == "=" else case.to)
        not_understood = any(reply.lstrip().startswith(text) for text in self.not_understood)
        unasked = handed and case.to != "handoff:waiting"
        ok = answer.status == 200 and not missing and not present and not wrong_step and not unasked
        why = "; ".join(filter(None, [f"at {step}, expected {case.to}" if wrong_step else "",
                                      f"missing {missing}" if missing else "", f"has {present}" if present else "",
                                      "handed to an officer" if unasked else ""]))
        return Outcome(case, ok, step, reply, not_understood, handed, why)

    def _setup(self, text: str, case: Case, phone: str) -> None:
        if text == "@photo":
            url = self.standin.add_media(JPEG, "image/jpeg")
            self.whatsapp.send("", from_=phone, office=case.office, media=((url, "image/jpeg"),))
        elif text == "@survey":
            self.offer_survey(case.office, phone)
        elif text == "@host":  # a citizen registers a visit to the Kasi Intel, who has a number
            self._settle_earlier_visits()
            self.whatsapp.send("menu", from_=KASI_INTEL, office=case.office)
            for line in [*_TO_PHOTO, "@photo", "Konsultasi perkara", "kasi intel", "besok jam 10", "1"]:
                self._setup(line, case, phone)
        else:
            self.whatsapp.send(text, from_=phone, office=case.office)

    def _settle_earlier_visits(self) -> None:
        """Each host case answers one visit: earlier cases' visits are withdrawn, so none is ambiguous."""
        with self.runtime.db.session() as session:
            session.execute(update(Visit).where(Visit.status.in_(model.OPEN)).values(status=model.CANCELLED))
            session.commit()

    def _step(self, office: str, phone: str) -> str:
        with self.runtime.db.session() as session:
            state = session.scalar(select(Conversation.state).where(Conversation.office == office,
                                                                    Conversation.phone == phone))
        return (state or {}).get("step") or HOME

    def _handoffs(self) -> int:
        with self.runtime.db.session() as session:
            return session.scalar(select(func.count()).select_from(Handoff))

    def _pushed(self, phone: str) -> list[str]:
        """Replies that go through the outbox (buttons, lists) rather than TwiML: none in text mode."""
        return []


def _at(step: str, expected: str) -> bool:
    """`expected` is a step ("visit:consent"), a flow ("visit:"), or "home" ("=" in a case: the step it
    started at, i.e. the citizen is still where they were)."""
    if expected == "home":
        return step == HOME
    return step.startswith(expected) if expected.endswith(":") else step == expected
