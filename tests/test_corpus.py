"""The labelled corpus (tests/corpus/, 400+ messages as citizens and hosts type them), through signed
webhooks: the goal of #16 is at least 95% handled as a patient PTSP officer would, and no officer called
unless the citizen asked. bench/understanding.py prints the same run per intent."""

from __future__ import annotations

import itertools

import pytest

from bot import runtime as runtime_module
from bot.survey import jobs
from tests.support import corpus
from tests.support.visits import guestbook_config

GOAL = 0.95
_refs = itertools.count(1)


@pytest.fixture
def config(config, tmp_path):
    return guestbook_config(config, tmp_path)  # the Kasi Intel has a number, so hosts can answer


@pytest.fixture
def runtime(twilio_runtime):
    return twilio_runtime


def _offer(office: str, phone: str) -> None:
    jobs.offer(office, phone, "checkout", f"VIS-{next(_refs)}")


def test_the_corpus_is_large_and_covers_every_office_and_intent():
    cases = corpus.load()
    assert len(cases) >= 380
    assert {c.office for c in cases} == set(corpus.OFFICES)
    assert {c.intent for c in cases} >= {"visit", "complaint", "status", "survey", "handoff", "rules", "hours",
                                         "contact", "address", "thanks", "host_accept", "host_decline", "option"}


def test_citizens_and_hosts_are_understood(whatsapp, runtime, standin):
    runtime_module.install(runtime)
    messages = runtime.messages
    not_understood = tuple(messages.text("id", key).split(".")[0]
                           for key in ("common.not_understood", "common.still_not_understood"))
    report = corpus.Runner(whatsapp, runtime, standin, _offer, not_understood).run(corpus.load())
    wrong = [f"{o.case.source} [{o.case.at} @{o.case.office}] {o.case.say!r}: {o.why}" for o in report.outcomes
             if not o.ok]
    assert not report.unasked_handoffs, [o.case.say for o in report.unasked_handoffs]
    assert report.accuracy >= GOAL, "\n".join(["", *report.lines(), "", *wrong])
