"""Reading one cell as the standard means it: Dutch dates, Dutch numbers, lists, yes/no.

Each parser returns the canonical value or raises `BadValue` with a Dutch explanation of the fix.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from decimal import Decimal
from functools import lru_cache
from typing import Any

ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})$")
DUTCH_DATE = re.compile(r"^(\d{1,2})[-/](\d{1,2})[-/](\d{4})$")
THOUSANDS_DOTS = re.compile(r"^-?\d{1,3}(\.\d{3})+$")
PLAIN_NUMBER = re.compile(r"^[-+]?\d+(\.\d+)?$")
EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[A-Za-z]{2,}$")
BOOLEANS = {"ja": True, "j": True, "true": True, "1": True, "nee": False, "n": False, "false": False, "0": False}
LIST_SPLIT = re.compile(r"\s*(?:\||\r\n|\r|\n)\s*")


class BadValue(ValueError):
    """A cell that does not meet the standard; the message says how to fix it."""


def text(value: Any) -> str | None:
    """Trimmed text, or None for an empty cell."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = str(value).strip()
    return result or None


@lru_cache(maxsize=65536)
def _parse_date_text(value: str) -> date:
    if match := ISO_DATE.match(value):
        year, month, day = (int(g) for g in match.groups())
    elif match := DUTCH_DATE.match(value):
        day, month, year = (int(g) for g in match.groups())
    else:
        raise BadValue("Onbekende datumnotatie. Schrijf de datum als 2021-03-15 of 15-03-2021.")
    try:
        return date(year, month, day)
    except ValueError:
        raise BadValue("Deze datum bestaat niet. Controleer dag en maand (dag eerst: 15-03-2021).") from None


def parse_date(value: Any) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return _parse_date_text(str(value).strip())


@lru_cache(maxsize=65536)
def _parse_number_text(value: str) -> Decimal:
    cleaned = value.replace("€", "").replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." in cleaned:
        if cleaned.rfind(",") > cleaned.rfind("."):
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:
            cleaned = cleaned.replace(",", "")
    elif "," in cleaned:
        cleaned = cleaned.replace(",", ".")
    elif THOUSANDS_DOTS.match(cleaned):
        cleaned = cleaned.replace(".", "")
    if not PLAIN_NUMBER.match(cleaned):
        raise BadValue("Geen getal. Schrijf bijvoorbeeld 12500, 12.500 of 12.500,50.")
    return Decimal(cleaned)


def parse_number(value: Any) -> Decimal:
    if isinstance(value, bool):
        raise BadValue("Geen getal. Schrijf bijvoorbeeld 12500, 12.500 of 12.500,50.")
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise BadValue("Geen getal. Schrijf bijvoorbeeld 12500, 12.500 of 12.500,50.")
        return Decimal(str(value))
    return _parse_number_text(str(value))


def parse_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    key = str(value).strip().casefold()
    if key in BOOLEANS:
        return BOOLEANS[key]
    raise BadValue("Vul ja of nee in (ook j/n, true/false of 1/0).")


def parse_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [item for item in (text(v) for v in value) if item]
    return [item for item in LIST_SPLIT.split(str(value).strip()) if item]


def parse_email(value: str) -> str:
    if not EMAIL.match(value):
        raise BadValue("Geen geldig e-mailadres. Gebruik een functionele mailbox, bijvoorbeeld data@provincie.nl.")
    return value
