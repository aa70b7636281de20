"""Cell values as a Dutch reader means them."""

from datetime import date, datetime
from decimal import Decimal

import pytest

from ida.standard import values
from ida.standard.vocabularies import provinces, vocabulary


@pytest.mark.parametrize("cell, expected", [
    ("2021-03-15", date(2021, 3, 15)), ("15-03-2021", date(2021, 3, 15)), ("15-3-2021", date(2021, 3, 15)),
    ("15/03/2021", date(2021, 3, 15)), ("1-2-2021", date(2021, 2, 1)), (datetime(2021, 3, 15, 0, 0), date(2021, 3, 15)),
])
def test_dates_iso_and_day_first(cell, expected) -> None:
    assert values.parse_date(cell) == expected


@pytest.mark.parametrize("cell", ["03/15/2021", "2021-02-30", "15.03.2021", "maart 2021", "2021-3-15"])
def test_other_dates_are_errors(cell) -> None:
    with pytest.raises(values.BadValue):
        values.parse_date(cell)


@pytest.mark.parametrize("cell, expected", [
    ("12500", "12500"), ("12.500", "12500"), ("12.500,50", "12500.50"), ("12500.50", "12500.50"),
    ("12500,5", "12500.5"), ("€ 1.250.000", "1250000"), ("1.5", "1.5"), (12500.5, "12500.5"), ("-3,2", "-3.2"),
])
def test_numbers_as_a_dutch_reader_means_them(cell, expected) -> None:
    assert values.parse_number(cell) == Decimal(expected)


@pytest.mark.parametrize("cell", ["twaalf", "12,500,00,1", "nan", "", "1e9999"])
def test_non_numbers_are_errors(cell) -> None:
    with pytest.raises(values.BadValue):
        values.parse_number(cell)


@pytest.mark.parametrize("cell, expected", [("ja", True), ("J", True), ("true", True), ("1", True),
                                            ("nee", False), ("n", False), ("FALSE", False), ("0", False)])
def test_booleans(cell, expected) -> None:
    assert values.parse_boolean(cell) is expected


def test_lists_split_on_pipes_and_line_breaks() -> None:
    assert values.parse_list("RIVM | GGD\nGemeente Utrecht\r\nNDW||") == ["RIVM", "GGD", "Gemeente Utrecht", "NDW"]
    assert values.parse_list([" a ", "", None, "b"]) == ["a", "b"]


@pytest.mark.parametrize("cell, code", [("PV26", "PV26"), ("pv26", "PV26"), ("Utrecht", "PV26"),
                                        ("Provincie Utrecht", "PV26"), ("friesland", "PV21"), ("Fryslân", "PV21"),
                                        ("Brabant", "PV30"), ("noord holland", "PV27")])
def test_province_aliases(cell, code) -> None:
    assert provinces().resolve(cell) == code


def test_vocabulary_matches_code_or_label_in_any_case() -> None:
    core_tasks = vocabulary("kerntaken")
    assert core_tasks.resolve("Vitaal platteland") == "vitaal_platteland"
    assert core_tasks.resolve("VITAAL_PLATTELAND") == "vitaal_platteland"
    assert core_tasks.resolve("platteland") is None


@pytest.mark.parametrize("cell", ["2021-03-15", "15-03-2021", "5/3/2021", "15-03/2021", "15/03-2021", "2021/03/15", "15.03.2021"])
def test_the_published_date_pattern_accepts_what_the_validator_accepts(cell: str) -> None:
    """ida/standard/json_schema.py's JSON Schema pattern and values.parse_date agree on the form of a date."""
    import re

    from ida.standard.json_schema import DATE_PATTERN

    try:
        values.parse_date(cell)
        accepted = True
    except values.BadValue:
        accepted = False
    assert bool(re.match(DATE_PATTERN, cell)) == accepted
