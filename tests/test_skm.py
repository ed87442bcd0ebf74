"""SKM arithmetic (PermenPANRB 14/2017) against a worked example computed by hand."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from bot import skm

E = skm.ELEMENTS


def response(*scores: int) -> dict[str, int]:
    return dict(zip(E, scores, strict=True))


# Four respondents, elements U1..U9.
WORKED = [
    response(4, 3, 3, 4, 3, 3, 4, 2, 3),
    response(3, 3, 2, 4, 3, 4, 4, 3, 3),
    response(4, 4, 3, 4, 4, 3, 3, 3, 2),
    response(3, 2, 3, 4, 3, 3, 4, 2, 3),
]


def test_worked_example_by_hand():
    # Column sums: U1 14, U2 12, U3 11, U4 16, U5 13, U6 13, U7 15, U8 10, U9 11 (total 115).
    # NRR = sum / 4: 3.50, 3.00, 2.75, 4.00, 3.25, 3.25, 3.75, 2.50, 2.75; Σ NRR = 28.75.
    # IKM = Σ (NRR × 1/9) × 25 = 28.75 / 9 × 25 = 718.75 / 9 = 79.8611… → 79.86, band B "Baik".
    result = skm.ikm(WORKED)
    assert result.respondents == 4
    assert [result.nrr[e] for e in E] == [Fraction(x) for x in
                                         ("3.5", "3", "2.75", "4", "3.25", "3.25", "3.75", "2.5", "2.75")]
    assert result.ikm == Fraction(71875, 900)
    assert result.ikm_rounded == Decimal("79.86")
    assert result.band.grade == "B" and result.band.label_id == "Baik"
    assert result.nrr_rounded()["waktu"] == Decimal("2.75")


def test_incomplete_and_out_of_range_responses_are_left_out():
    partial = {e: 4 for e in E[:5]}
    bad = response(4, 4, 4, 4, 4, 4, 4, 4, 5)
    result = skm.ikm([*WORKED, partial, bad])
    assert result.respondents == 4 and result.ikm_rounded == Decimal("79.86")


def test_no_respondents():
    result = skm.ikm([])
    assert result.respondents == 0 and result.ikm is None and result.band is None


@pytest.mark.parametrize(("value", "grade"), [
    ("100", "A"), ("88.31", "A"), ("88.30", "B"), ("88.305", "A"), ("88.304", "B"), ("76.61", "B"),
    ("76.60", "C"), ("65.00", "C"), ("64.99", "D"), ("64.994", "D"), ("25", "D"),
])
def test_bands_follow_the_regulation(value, grade):
    assert skm.band_of(Fraction(value)).grade == grade


def test_extremes():
    assert skm.ikm([response(*[4] * 9)]).ikm == 100
    assert skm.ikm([response(*[1] * 9)]).ikm == 25
    with pytest.raises(ValueError):
        skm.band_of(Fraction(101))
