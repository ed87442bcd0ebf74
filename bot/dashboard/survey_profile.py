"""The respondents' profile as PermenPANRB 14/2017's report tabulates it: for gender, age band, education and
occupation, how many respondents gave each answer and their share of all respondents, the answers in the
survey's own order (flows/survey.py PROFILE_OPTIONS), then those who skipped the question."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

from bot.survey.report import Report
from flows.survey import PROFILE_OPTIONS, PROFILE_ORDER

NOT_GIVEN = "-"  # how bot/survey/report.py counts a skipped question


@dataclass(frozen=True)
class ProfileRow:
    answer: str  # the survey's code ("female"), or NOT_GIVEN
    label: str
    count: int
    share: Fraction  # of all respondents, 0..1


@dataclass(frozen=True)
class ProfileGroup:
    field: str  # gender, age_band, education, occupation
    title: str
    rows: list[ProfileRow]


def profile(report: Report, label: Callable[[str], str]) -> list[ProfileGroup]:
    """`label(key)`: "field.<field>" for a question's title, "<field>.<answer>" for an answer, "none" for a
    skipped question. Every answer is listed, a zero included, as the regulation's table does."""
    total = report.result.respondents
    groups = []
    for step in PROFILE_ORDER:
        name, answers = PROFILE_OPTIONS[step]
        counts = report.profile.get(name, {})
        rows = [ProfileRow(a, label(f"{name}.{a}"), counts.get(a, 0), Fraction(counts.get(a, 0), total or 1))
                for a in answers]
        if counts.get(NOT_GIVEN):
            rows.append(ProfileRow(NOT_GIVEN, label("none"), counts[NOT_GIVEN],
                                   Fraction(counts[NOT_GIVEN], total or 1)))
        groups.append(ProfileGroup(name, label(f"field.{name}"), rows))
    return groups
