"""IKM arithmetic and the conversion table of PermenPANRB 14/2017, at the bounds."""

from __future__ import annotations

from decimal import Decimal

import pytest

from core.ikm import ELEMENT_CODES, ELEMENTS, category, ikm_value


def test_nine_elements_in_the_regulations_order():
    assert len(ELEMENTS) == 9
    assert tuple(f"u{n}" for n in range(1, 10)) == ELEMENT_CODES
    assert ELEMENTS[0].name == "Persyaratan"
    assert ELEMENTS[7].name == "Penanganan pengaduan, saran dan masukan"
    assert ELEMENTS[8].name == "Sarana dan prasarana"


@pytest.mark.parametrize(
    ("means", "expected"),
    [
        ([1.0] * 9, "25.00"),
        ([4.0] * 9, "100.00"),
        ([3.0] * 9, "75.00"),
        # A worked example: NRR per element, the mean of them × 25.
        ([3.2, 3.1, 3.0, 4.0, 3.3, 3.4, 3.5, 2.9, 3.6], "83.33"),  # 30/9 × 25 = 83.333…
        ([2.6] * 9, "65.00"),
        ([3.0644] * 9, "76.61"),
    ],
)
def test_ikm_is_the_mean_of_element_means_times_25(means, expected):
    assert ikm_value(means) == Decimal(expected)


@pytest.mark.parametrize(
    ("ikm", "grade", "name"),
    [
        ("25.00", "D", "Tidak Baik"),
        ("64.99", "D", "Tidak Baik"),
        ("65.00", "C", "Kurang Baik"),
        ("76.60", "C", "Kurang Baik"),
        ("76.61", "B", "Baik"),
        ("88.30", "B", "Baik"),
        ("88.31", "A", "Sangat Baik"),
        ("100.00", "A", "Sangat Baik"),
    ],
)
def test_categories_at_the_bounds_of_the_conversion_table(ikm, grade, name):
    found = category(Decimal(ikm))
    assert (found.grade, found.name) == (grade, name)


@pytest.mark.parametrize("ikm", ["24.99", "100.01", "-1"])
def test_values_outside_the_scale_are_refused(ikm):
    with pytest.raises(ValueError, match="outside"):
        category(Decimal(ikm))


def test_the_nine_means_are_required():
    with pytest.raises(ValueError, match="need 9"):
        ikm_value([4.0] * 8)
