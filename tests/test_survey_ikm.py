"""The IKM arithmetic of PermenPANRB 14/2017 (bot.survey.ikm) against a worked example computed by hand."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction

import pytest

from bot.survey import ikm

E = ikm.ELEMENTS


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
    result = ikm.compute(WORKED)
    assert result.respondents == 4
    assert [result.nrr[e] for e in E] == [Fraction(x) for x in
                                         ("3.5", "3", "2.75", "4", "3.25", "3.25", "3.75", "2.5", "2.75")]
    assert result.ikm == Fraction(71875, 900)
    assert result.ikm_rounded == Decimal("79.86")
    assert result.band.grade == "B" and result.band.label_id == "Baik"
    assert result.nrr_rounded()["waktu"] == Decimal("2.75")
    # NRR tertimbang = NRR / 9; their sum = 28.75 / 9 = IKM / 25.
    assert result.weighted()["persyaratan"] == Fraction(7, 18)
    assert sum(result.weighted().values()) == result.weighted_total == Fraction(2875, 900)


def test_incomplete_and_out_of_range_responses_are_left_out():
    partial = {e: 4 for e in E[:5]}
    bad = response(4, 4, 4, 4, 4, 4, 4, 4, 5)
    result = ikm.compute([*WORKED, partial, bad])
    assert result.respondents == 4 and result.ikm_rounded == Decimal("79.86")


def test_no_respondents():
    result = ikm.compute([])
    assert result.respondents == 0 and result.ikm is None and result.band is None
    assert result.nrr == {} and result.weighted() == {} and result.weighted_total is None


@pytest.mark.parametrize(("value", "grade"), [
    ("100", "A"), ("88.31", "A"), ("88.30", "B"), ("88.305", "A"), ("88.304", "B"), ("76.61", "B"),
    ("76.60", "C"), ("65.00", "C"), ("64.99", "D"), ("64.994", "D"), ("25", "D"),
])
def test_bands_follow_the_regulation(value, grade):
    assert ikm.band_of(Fraction(value)).grade == grade


def test_extremes():
    assert ikm.compute([response(*[4] * 9)]).ikm == 100
    assert ikm.compute([response(*[1] * 9)]).ikm == 25
    with pytest.raises(ValueError):
        ikm.band_of(Fraction(101))


@pytest.mark.parametrize(("band", "upper"), [("A", "100.00"), ("B", "88.30"), ("C", "76.60"), ("D", "64.99")])
def test_each_band_ends_just_below_the_next(band, upper):
    assert ikm.upper_of(next(b for b in ikm.BANDS if b.grade == band)) == Decimal(upper)


@pytest.mark.parametrize(("nrr", "grade"), [
    # × 25, rounded half-up to two decimals, like the IKM: 3.5322 × 25 = 88.305 → 88.31 (A).
    ("4", "A"), ("3.5322", "A"), ("3.5321", "B"), ("3.0642", "B"), ("3.0641", "C"), ("2.6", "C"), ("2.5998", "C"),
    ("2.5997", "D"),
    ("1", "D"), ("0.5", "D"),  # below the scale (never from valid answers): still the lowest band
])
def test_an_elements_nrr_is_banded_as_if_every_element_scored_it(nrr, grade):
    assert ikm.band_of_nrr(Fraction(nrr)).grade == grade


def test_nrr_at_the_lower_edge_of_a_band():
    assert ikm.nrr_at("B") == Fraction(7661, 2500)  # 76.61 / 25
    assert ikm.band_of_nrr(ikm.nrr_at("B")).grade == "B"
    assert ikm.band_of_nrr(ikm.nrr_at("B") - Fraction(1, 1_000)).grade == "C"
