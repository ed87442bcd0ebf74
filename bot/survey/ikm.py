"""The SKM's nine elements and the IKM (Indeks Kepuasan Masyarakat) of PermenPANRB 14/2017: the one
home of the formula and its bands (the page, its chart, the XLSX and the chat all read them here).

Each element (U1..U9) is answered 1–4.
NRR (nilai rata-rata) of an element = sum of its answers / number of answers.
NRR tertimbang (weighted) = NRR × 1/9; IKM = Σ NRR tertimbang × 25, a value from 25 to 100, put in
the regulation's bands: A 88.31–100 sangat baik, B 76.61–88.30 baik, C 65.00–76.60 kurang baik,
D 25.00–64.99 tidak baik.
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
WEIGHT = Fraction(1, len(ELEMENTS))  # each element's weight in the index
SCALE = 25  # the weighted sum (1–4) times this is the IKM (25–100)


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
    """The band of an IKM value (25–100); ValueError outside that range."""
    value = round2(Fraction(ikm)) if not isinstance(ikm, Decimal) else ikm.quantize(Decimal("0.01"), ROUND_HALF_UP)
    if not Decimal(25) <= value <= Decimal(100):
        raise ValueError(f"IKM {value} is outside 25–100")
    return next(b for b in BANDS if value >= b.lower)


def band_of_nrr(nrr: Fraction) -> Band:
    """The band an element's NRR would give if every element scored it (NRR × 25): a chart's colour."""
    return band_of(min(max(Fraction(nrr) * SCALE, Fraction(SCALE)), Fraction(100)))


def nrr_at(grade: str) -> Fraction:
    """The NRR at which the IKM reaches the lower edge of `grade` (B: 76.61 / 25 ≈ 3.06)."""
    band = next(b for b in BANDS if b.grade == grade)
    return Fraction(band.lower) / SCALE


def upper_of(band: Band) -> Decimal:
    """The highest IKM (two decimals) still in `band`: 100.00 for A, else just below the next band up."""
    index = BANDS.index(band)
    return Decimal("100.00") if index == 0 else BANDS[index - 1].lower - Decimal("0.01")


def is_complete(answers: Mapping[str, int]) -> bool:
    return all(isinstance(answers.get(e), int) and MIN_SCORE <= answers[e] <= MAX_SCORE for e in ELEMENTS)


@dataclass(frozen=True)
class IkmResult:
    respondents: int
    nrr: dict[str, Fraction]  # per element; {} without respondents
    ikm: Fraction | None  # None without respondents

    @property
    def ikm_rounded(self) -> Decimal | None:
        return None if self.ikm is None else round2(self.ikm)

    @property
    def band(self) -> Band | None:
        return None if self.ikm is None else band_of(self.ikm)

    def nrr_rounded(self) -> dict[str, Decimal]:
        return {e: round2(v) for e, v in self.nrr.items()}

    def weighted(self) -> dict[str, Fraction]:
        """NRR tertimbang per element (NRR × 1/9)."""
        return {e: v * WEIGHT for e, v in self.nrr.items()}

    @property
    def weighted_total(self) -> Fraction | None:
        """Σ NRR tertimbang (the IKM / 25); None without respondents."""
        return None if self.ikm is None else self.ikm / SCALE


def nrr(responses: Iterable[Mapping[str, int]]) -> dict[str, Fraction]:
    """Mean of each element over complete responses (incomplete ones are left out)."""
    complete = [r for r in responses if is_complete(r)]
    if not complete:
        return {}
    return {e: Fraction(sum(r[e] for r in complete), len(complete)) for e in ELEMENTS}


def compute(responses: Iterable[Mapping[str, int]]) -> IkmResult:
    """NRR per element and the IKM over the complete responses (incomplete or out-of-range ones are left out)."""
    complete = [r for r in responses if is_complete(r)]
    means = nrr(complete)
    if not means:
        return IkmResult(0, {}, None)
    value = sum((m * WEIGHT for m in means.values()), Fraction(0)) * SCALE
    return IkmResult(len(complete), means, value)
