"""CSV the platform writes, safe to open in a spreadsheet: the one neutralisation of formulas.

A spreadsheet (Excel, LibreOffice, Google Sheets) runs a cell that starts with `=`, `+`, `-` or `@` as a
formula — also after leading spaces, tabs or line breaks — so a lesson text such as `=HYPERLINK("http://…")`
in a download would act in the reader's spreadsheet. Every CSV the platform writes (the dashboards'
downloads, the resources published to CKAN and in the bulk export, the templates, synthetic deliveries)
goes through `writer` or `frame_csv`, which put an apostrophe before such a text: the spreadsheet then
shows it as text, exactly as delivered (the OWASP advice for CSV injection).

A plain number (`-12`, `+3.5`, `-1e3`) and a lone sign (`-`) are left alone: they are no formula, and a
measured value stays a number.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import pandas as pd

FORMULA_STARTS = frozenset("=+-@")
_LEADING_SPACE = " \t\r\n\f\v\u00a0"
_NUMBER = re.compile(r"[+-]?(\d+([.,]\d*)?|[.,]\d+)([eE][+-]?\d+)?")


def neutralise(value: Any) -> Any:
    """`value` as a spreadsheet shows it, never runs it: a text that would start a formula gets an apostrophe
    in front; anything else (numbers, dates, None, other texts) is returned as it is."""
    if not isinstance(value, str):
        return value
    start = value.lstrip(_LEADING_SPACE)
    bare = start.strip()
    if start[:1] in FORMULA_STARTS and len(bare) > 1 and not _NUMBER.fullmatch(bare):
        return "'" + value
    return value


def row(values: Iterable[Any]) -> list[Any]:
    return [neutralise(v) for v in values]


class _SafeWriter:
    """csv.writer with every cell neutralised."""

    def __init__(self, handle: Any, **options: Any) -> None:
        self._writer = csv.writer(handle, **options)

    def writerow(self, values: Iterable[Any]) -> Any:
        return self._writer.writerow(row(values))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for values in rows:
            self.writerow(values)


def writer(handle: Any, **options: Any) -> _SafeWriter:
    """A csv.writer (same options) that neutralises every cell it writes."""
    return _SafeWriter(handle, **options)


def frame_csv(table: pd.DataFrame, **options: Any) -> str:
    """`table.to_csv(index=False, **options)` with every text cell (and column name) neutralised."""
    import pandas as pd  # here, not above: the export's own process needs no pandas (0.2–0.4 s)

    safe = table.copy()
    safe.columns = [neutralise(str(c)) for c in safe.columns]
    for column in safe.columns:
        kind = safe[column].dtype
        if not (pd.api.types.is_numeric_dtype(kind) or pd.api.types.is_datetime64_any_dtype(kind)):
            safe[column] = safe[column].astype(object).map(neutralise)
    return safe.to_csv(index=False, **options)
