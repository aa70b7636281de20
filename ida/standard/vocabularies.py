"""The platform's vocabularies, read from the CSV files in `vocabularies/` — the one source of truth.

The same files are dbt's seeds and feed the validator, the templates, the CKAN schema and the app.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

VOCABULARY_DIR = Path(__file__).with_name("vocabularies")


def _key(value: str) -> str:
    return " ".join(value.strip().casefold().replace("_", " ").split())


@dataclass(frozen=True)
class Vocabulary:
    """A controlled list: codes with Dutch labels; a value matches its code or label, any case."""

    name: str
    rows: tuple[dict[str, str], ...]
    _lookup: dict[str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        lookup: dict[str, str] = {}
        for row in self.rows:
            for text in self._names(row):
                lookup.setdefault(_key(text), row["code"])
        object.__setattr__(self, "_lookup", lookup)

    def _names(self, row: dict[str, str]) -> list[str]:
        return [row["code"], row.get("label") or row.get("naam") or ""]

    @property
    def codes(self) -> list[str]:
        return [row["code"] for row in self.rows]

    def label(self, code: str) -> str:
        return next(row.get("label") or row.get("naam", code) for row in self.rows if row["code"] == code)

    def resolve(self, value: str) -> str | None:
        """The code a cell value means, or None when it is not in the list."""
        return self._lookup.get(_key(value))


@dataclass(frozen=True)
class ProvinceVocabulary(Vocabulary):
    """Provinces match on CBS code, name, "Provincie <naam>" and the aliases listed in the CSV."""

    def _names(self, row: dict[str, str]) -> list[str]:
        aliases = [a for a in row["aliassen"].split("|") if a]
        return [row["code"], row["naam"], f"Provincie {row['naam']}", row["ckan_organisatie"], *aliases]

    def row(self, code: str) -> dict[str, str]:
        return next(row for row in self.rows if row["code"] == code)


def _read(name: str) -> tuple[dict[str, str], ...]:
    with (VOCABULARY_DIR / f"{name}.csv").open(encoding="utf-8", newline="") as handle:
        return tuple(csv.DictReader(handle))


@cache
def vocabulary(name: str) -> Vocabulary:
    """One vocabulary by its file name, e.g. `kerntaken` or `provincies`."""
    kind = ProvinceVocabulary if name == "provincies" else Vocabulary
    return kind(name, _read(name))


def provinces() -> ProvinceVocabulary:
    return vocabulary("provincies")  # type: ignore[return-value]


VOCABULARY_NAMES = tuple(sorted(p.stem for p in VOCABULARY_DIR.glob("*.csv")))
