"""The satisfaction index (Indeks Kepuasan Masyarakat) of PermenPANRB No. 14 Tahun 2017.

Nine service elements, each scored 1–4 by a respondent. Per the regulation's annex the unit's
IKM is the mean of the nine element means ("NRR per unsur" weighted 1/9 each) times 25, so
it runs from 25 to 100, and it is read against the annex's conversion table.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from core.errors import N_

SCORE_MIN = 1
SCORE_MAX = 4
IKM_FACTOR = 25


@dataclass(frozen=True)
class Element:
    """One of the nine service elements (unsur pelayanan): its code and Indonesian name."""

    code: str
    name: str


# The nine elements of PermenPANRB 14/2017, Lampiran, in the regulation's order (U1–U9).
ELEMENTS: tuple[Element, ...] = (
    Element("u1", N_("Persyaratan")),
    Element("u2", N_("Sistem, mekanisme dan prosedur")),
    Element("u3", N_("Waktu penyelesaian")),
    Element("u4", N_("Biaya/tarif")),
    Element("u5", N_("Produk spesifikasi jenis pelayanan")),
    Element("u6", N_("Kompetensi pelaksana")),
    Element("u7", N_("Perilaku pelaksana")),
    Element("u8", N_("Penanganan pengaduan, saran dan masukan")),
    Element("u9", N_("Sarana dan prasarana")),
)
ELEMENT_CODES: tuple[str, ...] = tuple(e.code for e in ELEMENTS)


@dataclass(frozen=True)
class Category:
    """A quality category (mutu pelayanan) of the conversion table."""

    grade: str
    name: str
    lower: Decimal  # the lowest converted IKM value in this category


# PermenPANRB 14/2017, Lampiran, "Nilai Persepsi, Interval Nilai, Interval Konversi, Mutu
# Pelayanan dan Kinerja Unit": 25.00–64.99 D (Tidak Baik), 65.00–76.60 C (Kurang Baik),
# 76.61–88.30 B (Baik), 88.31–100.00 A (Sangat Baik). Highest first.
CATEGORIES: tuple[Category, ...] = (
    Category("A", N_("Sangat Baik"), Decimal("88.31")),
    Category("B", N_("Baik"), Decimal("76.61")),
    Category("C", N_("Kurang Baik"), Decimal("65.00")),
    Category("D", N_("Tidak Baik"), Decimal("25.00")),
)


def ikm_value(element_means: Sequence[float]) -> Decimal:
    """Mean of the element means × 25, rounded half-up to two decimals (as the annex reports)."""
    if len(element_means) != len(ELEMENTS):
        raise ValueError(f"need {len(ELEMENTS)} element means, got {len(element_means)}")
    total = sum((Decimal(str(m)) for m in element_means), Decimal(0))
    value = total / len(ELEMENTS) * IKM_FACTOR
    return value.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def category(ikm: Decimal) -> Category:
    """The conversion table's category of a converted IKM value (25.00–100.00)."""
    if not Decimal(25) <= ikm <= Decimal(100):
        raise ValueError(f"IKM {ikm} is outside 25.00–100.00")
    for found in CATEGORIES:
        if ikm >= found.lower:
            return found
    raise AssertionError("unreachable: the lowest category starts at 25.00")
