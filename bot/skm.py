"""Survei Kepuasan Masyarakat (PermenPANRB 14/2017): nine elements answered 1–4, the IKM and its band.

NRR (nilai rata-rata) of an element = sum of its answers / number of answers.
IKM = Σ (NRR × 1/9) × 25, a value from 25 to 100, put in the regulation's bands:
A 88.31–100 sangat baik, B 76.61–88.30 baik, C 65.00–76.60 kurang baik, D 25.00–64.99 tidak baik.
Arithmetic is exact (fractions); values are rounded half-up to two decimals only for display and
for choosing the band, as the regulation's table is written with two decimals.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

# The nine elements, in the regulation's order (U1..U9).
ELEMENTS = ("persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku", "pengaduan",
            "sarana")
MIN_SCORE, MAX_SCORE = 1, 4


@dataclass(frozen=True)
class Band:
    grade: str
    lower: Decimal  # inclusive, on the IKM rounded to two decimals
    label_id: str
    label_en: str


BANDS = (
    Band("A", Decimal("88.31"), "Sangat baik", "Very good"),
    Band("B", Decimal("76.61"), "Baik", "Good"),
    Band("C", Decimal("65.00"), "Kurang baik", "Poor"),
    Band("D", Decimal("25.00"), "Tidak baik", "Very poor"),
)


def round2(value: Fraction | float) -> Decimal:
    value = Fraction(value)
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal("0.01"), ROUND_HALF_UP)


def band_of(ikm: Fraction | float | Decimal) -> Band:
    value = round2(Fraction(ikm)) if not isinstance(ikm, Decimal) else ikm.quantize(Decimal("0.01"), ROUND_HALF_UP)
    if not Decimal(25) <= value <= Decimal(100):
        raise ValueError(f"IKM {value} is outside 25–100")
    return next(b for b in BANDS if value >= b.lower)


def is_complete(answers: Mapping[str, int]) -> bool:
    return all(isinstance(answers.get(e), int) and MIN_SCORE <= answers[e] <= MAX_SCORE for e in ELEMENTS)


@dataclass(frozen=True)
class IkmResult:
    respondents: int
    nrr: dict[str, Fraction]  # per element
    ikm: Fraction | None  # None without respondents

    @property
    def ikm_rounded(self) -> Decimal | None:
        return None if self.ikm is None else round2(self.ikm)

    @property
    def band(self) -> Band | None:
        return None if self.ikm is None else band_of(self.ikm)

    def nrr_rounded(self) -> dict[str, Decimal]:
        return {e: round2(v) for e, v in self.nrr.items()}


def nrr(responses: Iterable[Mapping[str, int]]) -> dict[str, Fraction]:
    """Mean of each element over complete responses (incomplete ones are left out)."""
    complete = [r for r in responses if is_complete(r)]
    if not complete:
        return {}
    return {e: Fraction(sum(r[e] for r in complete), len(complete)) for e in ELEMENTS}


def ikm(responses: Iterable[Mapping[str, int]]) -> IkmResult:
    complete = [r for r in responses if is_complete(r)]
    means = nrr(complete)
    if not means:
        return IkmResult(0, {}, None)
    value = sum((m * Fraction(1, len(ELEMENTS)) for m in means.values()), Fraction(0)) * 25
    return IkmResult(len(complete), means, value)
