"""Reading one cell as the standard means it: Dutch dates, Dutch numbers, lists, yes/no, ids, e-mail.

Each parser takes one raw cell — text from a CSV file, or a typed value from a workbook or JSON
(number, date, a tuple for a JSON array) — and returns the canonical value, or raises `BadValue`
with a Dutch explanation of the fix. The validator calls them once per distinct value of a column.
"""

from __future__ import annotations

import re
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation
from typing import Any

from ida.standard.record_types import ID_PATTERN

ID = re.compile(ID_PATTERN)
ISO_DATE = re.compile(r"(\d{4})-(\d{2})-(\d{2})")
DUTCH_DATE = re.compile(r"(\d{1,2})([-/])(\d{1,2})\2(\d{4})")  # day first; one kind of separator
THOUSANDS_DOTS = re.compile(r"-?\d{1,3}(\.\d{3})+")
PLAIN_NUMBER = re.compile(r"[-+]?\d+(\.\d+)?")
EMAIL = re.compile(r"[^@\s]+@[^@\s]+\.[A-Za-z]{2,}")
BOOLEANS = {"ja": True, "j": True, "true": True, "1": True, "nee": False, "n": False, "false": False, "0": False}
LIST_SPLIT = re.compile(r"\s*(?:\||\r\n|\r|\n)\s*")

NOT_A_NUMBER = "Geen getal. Schrijf bijvoorbeeld 12500, 12.500 of 12.500,50."
NOT_A_DATE = "Onbekende datumnotatie. Schrijf de datum als 2021-03-15 of 15-03-2021 (dag eerst)."
ONE_VALUE = "Hier hoort één waarde, geen lijst of object. Zet lijsten alleen in de lijstkolommen."


class BadValue(ValueError):
    """A cell that does not meet the standard; the message says how to fix it."""


class Structured(str):
    """A JSON object (or an array of arrays) where a plain value belongs; its text is the JSON.

    Readers pass it on instead of refusing the file, so that the report can name the cell."""


def _scalar(value: Any) -> Any:
    if isinstance(value, tuple | Structured):
        raise BadValue(ONE_VALUE)
    return value


def text(value: Any) -> str | None:
    """Trimmed text, or None for an empty cell (a whole number from a workbook loses its '.0')."""
    if value is None:
        return None
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    result = str(value).strip()
    return result or None


def parse_text(value: Any, max_length: int | None = None) -> str:
    result = text(_scalar(value)) or ""
    if max_length is not None and len(result) > max_length:
        raise BadValue(f"Te lang: {len(result)} tekens, maximaal {max_length}. Kort de tekst in.")
    return result


def parse_id(value: Any) -> str:
    result = text(_scalar(value)) or ""
    if not ID.fullmatch(result):
        raise BadValue("Een id bestaat uit 1 tot 64 letters, cijfers, '_', '.' of '-' (geen spaties of andere tekens).")
    return result


def parse_date(value: Any) -> date:
    """ISO (2021-03-15) or Dutch day-first (15-03-2021, 15-3-2021, 15/03/2021); a workbook's date cell as is."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, time):
        raise BadValue("Dit is een tijd, geen datum. " + NOT_A_DATE)
    cell = str(_scalar(value)).strip()
    if match := ISO_DATE.fullmatch(cell):
        year, month, day = (int(g) for g in match.groups())
    elif match := DUTCH_DATE.fullmatch(cell):
        day, month, year = int(match[1]), int(match[3]), int(match[4])
    else:
        raise BadValue(NOT_A_DATE)
    try:
        return date(year, month, day)
    except ValueError:
        raise BadValue("Deze datum bestaat niet. Controleer dag en maand (dag eerst: 15-03-2021).") from None


def parse_number(value: Any) -> Decimal:
    """A number as a Dutch reader means it: 12500, 12.500, 12.500,50 and 12500.50 (also with €)."""
    if isinstance(value, bool):
        raise BadValue(NOT_A_NUMBER)
    if isinstance(value, int | float):
        if value != value or value in (float("inf"), float("-inf")):
            raise BadValue(NOT_A_NUMBER)
        return Decimal(str(value))
    cleaned = str(_scalar(value)).replace("€", "").replace(" ", "").replace("\u00a0", "")
    if "," in cleaned and "." in cleaned:
        if cleaned.rfind(",") > cleaned.rfind("."):  # 12.500,50
            cleaned = cleaned.replace(".", "").replace(",", ".")
        else:  # 12,500.50
            cleaned = cleaned.replace(",", "")
    elif "," in cleaned:  # 12500,5
        cleaned = cleaned.replace(",", ".")
    elif THOUSANDS_DOTS.fullmatch(cleaned):  # 12.500
        cleaned = cleaned.replace(".", "")
    if not PLAIN_NUMBER.fullmatch(cleaned):
        raise BadValue(NOT_A_NUMBER)
    try:
        return Decimal(cleaned)
    except InvalidOperation:  # pragma: no cover - the pattern admits only what Decimal reads
        raise BadValue(NOT_A_NUMBER) from None


def parse_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    key = text(_scalar(value))
    if key is not None and key.casefold() in BOOLEANS:
        return BOOLEANS[key.casefold()]
    raise BadValue("Vul ja of nee in (ook j/n, true/false of 1/0).")


def parse_list(value: Any) -> list[str]:
    """Items separated by '|' or line breaks inside the cell; a JSON array item by item."""
    if isinstance(value, list | tuple):
        items = []
        for item in value:
            if isinstance(item, list | tuple | dict | Structured):
                raise BadValue("Een lijst bevat alleen tekst, geen lijsten of objecten.")
            items.append(text(item))
        return [item for item in items if item]
    if isinstance(value, Structured):
        raise BadValue("Hier hoort een lijst van tekst, geen object.")
    return [item for item in LIST_SPLIT.split(str(value).strip()) if item]


def parse_email(value: Any) -> str:
    result = text(_scalar(value)) or ""
    if not EMAIL.fullmatch(result):
        raise BadValue("Geen geldig e-mailadres. Gebruik een functionele mailbox, bijvoorbeeld data@provincie.nl.")
    return result
