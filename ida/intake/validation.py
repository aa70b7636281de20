"""Checking a delivery against every rule of the standard (STANDARD.md) and normalising its values.

`validate` reports *all* problems, each naming file, sheet, row (header = row 1), column and value
with a Dutch message that says how to fix it. A delivery with any error is rejected whole.

The rules, in the order they are checked:

1. files: readable, of a known type, within the size limits (`ida.intake.reading`); each record type
   delivered once;
2. headers (row 1): every required column present, none twice; unknown columns are a warning;
3. cells: each value as its column's kind demands — required, id, text length, vocabulary,
   province, date, number (≥ minimum), yes/no, e-mail, list (of vocabulary);
4. rows: `reden_gestopt` when `fase` is gestopt, `einddatum` not before `startdatum`,
   `escalatieniveau` with a dilemma (defaults: dilemma nee, status open); v1.1: `besloten_op` not
   before `datum`, a warning for a decided dilemma without `besluit`, the zelfscan's `niveau` as 1–5;
5. the delivery: one province (with `province` given, rows of another are errors, zelfscan rows
   included), unique keys (the zelfscan's is provincie + peildatum + aanbeveling), every lesson or
   result refers to an experiment in the delivery or on the platform; v1.1: a lesson's `leervraag`
   is one of its experiment's `leervragen` (by position or exact text), and every withdrawal names an
   experiment or lesson of this province in the delivery or on the platform (`KnownRecords`).

A report lists at most `Limits.max_findings` errors (and as many warnings), the first as a reader
goes through the delivery; the rest are counted per kind ("en nog 119.990 fouten van deze soort"),
so that a file of junk gives a small report, and checking it never holds more findings than that.

The checks run column by column: each distinct value of a column is parsed once (100,000 lessons
have a few hundred distinct dates and a handful of categories), and rules over rows are list
operations. Row numbers and messages stay exact.
"""

from __future__ import annotations

import difflib
import gc
import heapq
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from functools import cached_property, partial
from itertools import zip_longest
from pathlib import Path
from typing import Any

from ida.settings import Limits
from ida.standard import values
from ida.intake.reading import Delivery, Table, dutch_number, read_delivery
from ida.standard.record_types import RECORD_TYPES, V1_RECORD_TYPES, Column, Kind, RecordType
from ida.standard.vocabularies import Vocabulary, provinces, vocabulary

LIST_KINDS = (Kind.TEXT_LIST, Kind.VOCAB_LIST)
SHOWN_LENGTH = 200
UNKNOWN_PROVINCE = ("Onbekende provincie. Gebruik de CBS-code (PV20 … PV31), de naam (Utrecht) of "
                    "'Provincie Utrecht'; hoofdletters maken niet uit.")


@dataclass(frozen=True)
class KnownRecords:
    """What the platform already holds for one province, that a new delivery may refer to: its experiments
    (each with its learning questions, in order) and its lessons. Withdrawn records are not held.

    It behaves as the set of experiment ids (`in`, iteration), as the plain set of ids it replaces did."""

    experiments: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    lessons: frozenset[str] = frozenset()

    @classmethod
    def of(cls, known: KnownRecords | Iterable[str] | None) -> KnownRecords:
        """`known` as KnownRecords: a set of experiment ids (without their questions) is read as such."""
        if isinstance(known, KnownRecords):
            return known
        return cls({experiment: () for experiment in known or ()})

    def __contains__(self, experiment_id: object) -> bool:
        return experiment_id in self.experiments

    def __iter__(self) -> Iterator[str]:
        return iter(self.experiments)

    def __len__(self) -> int:
        return len(self.experiments)

    def plus(self, report: Report) -> KnownRecords:
        """What is known once the accepted `report` is loaded as well (withdrawals not subtracted: a later
        delivery may still refer to what it withdrew until the marts are rebuilt)."""
        experiments = dict(self.experiments)
        for record in report.records["experimenten"]:
            experiments[record["experiment_id"]] = tuple(record["leervragen"] or ())
        lessons = self.lessons | {record["les_id"] for record in report.records["lessen"]}
        return KnownRecords(experiments, lessons)


@dataclass
class Finding:
    """One error or warning, located as a spreadsheet user would look for it."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    message: str


class Findings:
    """The errors (or warnings) of one report: at most `limit` kept, in the order they come; the rest
    only counted, per kind — a rule at a place: (file, sheet, column, rule)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.kept: list[Finding] = []
        self.omitted: Counter[tuple] = Counter()
        self.example: dict[tuple, str] = {}  # the message of the first omitted finding of each kind

    @property
    def total(self) -> int:
        return len(self.kept) + sum(self.omitted.values())

    def add(self, finding: Finding, rule: str | None = None, per_column: bool = True) -> None:
        """Keep `finding` or count it; its kind is `rule` (else its message) in its column (or, with
        `per_column` false, in its sheet: for rules about columns themselves, whose names are many)."""
        if len(self.kept) < self.limit:
            self.kept.append(finding)
        else:
            column = finding.column if per_column else None
            self.omit(finding.file, finding.sheet, column, rule or finding.message, finding.message)

    def omit(self, file: str, sheet: str | None, column: str | None, rule: str, message: str) -> None:
        kind = (file, sheet, column, rule)
        self.omitted[kind] += 1
        self.example.setdefault(kind, message)

    def merge(self, other: Findings) -> None:
        """Count what `other` omitted as omitted here too."""
        for kind, count in other.omitted.items():
            self.omitted[kind] += count
            self.example.setdefault(kind, other.example[kind])

    def findings(self) -> list[Finding]:
        """The kept findings, then one per kind of omitted ones (the largest kinds first, at most `limit`)."""
        kinds = self.omitted.most_common()
        summaries = []
        for kind, count in kinds[:self.limit]:
            file, sheet, column, _ = kind
            where = f" in kolom '{column}'" if column else ""
            summaries.append(Finding(file, sheet, None, column, None,
                                     f"En nog {dutch_number(count)} {'melding' if count == 1 else 'meldingen'} van deze "
                                     f"soort{where}, niet elk apart genoemd (een rapport noemt er hoogstens "
                                     f"{dutch_number(self.limit)}), zoals: {self.example[kind]}"))
        if len(kinds) > self.limit:
            rest = sum(count for _, count in kinds[self.limit:])
            summaries.append(Finding("", None, None, None, None,
                                     f"En nog {dutch_number(rest)} meldingen van {dutch_number(len(kinds) - self.limit)} "
                                     "andere soorten. Herstel eerst de meldingen hierboven."))
        return self.kept + summaries


class TableFindings(Findings):
    """One table's errors: the first `limit` as a reader goes through the sheet (by row, then column),
    whatever order the checks find them in — a heap holds the smallest keys; the rest are counted."""

    def __init__(self, limit: int, file: str, sheet: str | None) -> None:
        super().__init__(limit)
        self.file, self.sheet = file, sheet
        self.heap: list[tuple] = []  # (-row, -column order, -sequence, finding, rule, kind's column): largest key on top
        self.sequence = 0

    def offer(self, row: int | None, order: int, column: str | None, rule: str, message: str,
              make: Callable[[], Finding]) -> None:
        """Keep the finding `make()` builds if it is among the first; otherwise count it, unbuilt."""
        key = (-(row or 0), -order)
        if len(self.heap) >= self.limit and key <= self.heap[0][:2]:
            self.omit_here(column, rule, message)
            return
        self.sequence += 1
        item = (*key, -self.sequence, make(), rule, column)
        if len(self.heap) < self.limit:
            heapq.heappush(self.heap, item)
        else:
            evicted = heapq.heapreplace(self.heap, item)
            self.omit_here(evicted[5], evicted[4], evicted[3].message)

    def omit_here(self, column: str | None, rule: str, message: str) -> None:
        self.omit(self.file, self.sheet, column, rule, message)

    def ordered(self, key: Callable[[Finding], Any]) -> list[tuple[Finding, str]]:
        """The kept findings with their rules, by `key`, in the order they were found where it ties."""
        items = sorted(self.heap, key=lambda item: (key(item[3]), -item[2]))
        return [(item[3], item[4]) for item in items]


@dataclass
class CheckedTable:
    """One delivered table after checking: its normalised values column by column, and where each row is."""

    record_type: RecordType
    file: str
    sheet: str | None
    columns: dict[str, Sequence[Any]]  # every column of the record type, one value per (non-blank) row
    rows: list[int]  # the row number of each value, as a spreadsheet user sees it

    def records(self) -> list[dict[str, Any]]:
        """The rows as dicts (lists as lists), with `source_file` and `source_row`."""
        names = list(self.columns)
        lists = [self.record_type.column(n).kind in LIST_KINDS for n in names]
        result = []
        for row, cells in zip(self.rows, zip(*self.columns.values())):
            record = {name: (list(cell) if is_list and cell is not None else cell)
                      for name, cell, is_list in zip(names, cells, lists)}
            record["source_file"], record["source_row"] = self.file, row
            result.append(record)
        return result


@dataclass
class Report:
    """The verdict on one delivery, with its normalised records when accepted."""

    province: str | None = None
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    # the v1 record types always, the v1.1 ones (zelfscan, intrekkingen) when delivered
    counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(V1_RECORD_TYPES, 0))
    tables: list[CheckedTable] = field(default_factory=list, repr=False)
    error_count: int = 0  # all errors, also those only counted (see Findings)
    warning_count: int = 0

    @property
    def accepted(self) -> bool:
        return not self.errors

    @cached_property
    def records(self) -> dict[str, list[dict[str, Any]]]:
        """Per record type the normalised rows as dicts — none when rejected (the v1 types always, the v1.1
        types when delivered). Built on first use: loading needs them, a verdict does not."""
        records: dict[str, list[dict[str, Any]]] = {name: [] for name in V1_RECORD_TYPES}
        if self.accepted:
            for table in self.tables:
                records.setdefault(table.record_type.name, []).extend(table.records())
        return records

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "province": self.province,
            "counts": self.counts,
            "error_count": self.error_count,
            "warning_count": self.warning_count,
            "errors": [asdict(f) for f in self.errors],
            "warnings": [asdict(f) for f in self.warnings],
        }


def shown(value: Any) -> str | None:
    """A cell as the report shows it: None when blank, long text cut at 200 characters."""
    if _is_blank(value):
        return None
    text = str(value)
    return text if len(text) <= SHOWN_LENGTH else text[:SHOWN_LENGTH] + "…"


# --- one cell ----------------------------------------------------------------------------------

def _unknown_value(column: Column, vocab: Vocabulary, item: str | None = None) -> values.BadValue:
    if column.kind is Kind.PROVINCE:
        return values.BadValue(UNKNOWN_PROVINCE)
    what = f"Onbekende waarde '{item}' in de lijst" if item else "Onbekende waarde"
    return values.BadValue(f"{what} voor '{column.name}'. Kies uit: {', '.join(vocab.codes)} "
                           "(de code of het Nederlandse label; hoofdletters maken niet uit).")


def _parse_vocab(column: Column, vocab: Vocabulary, cell: Any) -> str:
    code = vocab.resolve(values.parse_text(cell))
    if code is None:
        raise _unknown_value(column, vocab)
    return code


def _parse_vocab_list(column: Column, vocab: Vocabulary, cell: Any) -> tuple[str, ...] | None:
    codes = []
    for item in values.parse_list(cell):
        code = vocab.resolve(item)
        if code is None:
            raise _unknown_value(column, vocab, item)
        codes.append(code)
    return tuple(dict.fromkeys(codes)) or None


def _parse_text_list(cell: Any) -> tuple[str, ...] | None:
    return tuple(dict.fromkeys(values.parse_list(cell))) or None


def _parse_number(column: Column, cell: Any) -> Any:
    number = values.parse_number(cell)
    if column.minimum is not None and number < column.minimum:
        raise values.BadValue(f"Het getal mag niet kleiner zijn dan {column.minimum:g}.")
    return number


def cell_parser(column: Column) -> Callable[[Any], Any]:
    """The function that turns one raw cell of `column` into its canonical value (or raises BadValue)."""
    match column.kind:
        case Kind.ID:
            parse = values.parse_id
        case Kind.TEXT:
            parse = partial(values.parse_text, max_length=column.max_length)
        case Kind.PROVINCE | Kind.VOCAB:
            parse = partial(_parse_vocab, column, vocabulary(column.vocabulary or ""))
        case Kind.VOCAB_LIST:
            parse = partial(_parse_vocab_list, column, vocabulary(column.vocabulary or ""))
        case Kind.TEXT_LIST:
            parse = _parse_text_list
        case Kind.DATE:
            parse = values.parse_date
        case Kind.NUMBER:
            parse = partial(_parse_number, column)
        case Kind.BOOLEAN:
            parse = values.parse_boolean
        case Kind.EMAIL:
            parse = values.parse_email

    def parse_cell(cell: Any) -> Any:
        if _is_blank(cell):
            if column.required:
                raise values.BadValue(f"'{column.name}' is verplicht. Vul een waarde in.")
            return None
        return parse(cell)

    return parse_cell


def _is_blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip()) or cell == ()


def parse_cells(column: Column, cells: Sequence[Any]) -> tuple[Sequence[Any], dict[Any, str]]:
    """The canonical value of each cell of `column`, and the message for each bad cell value.

    Each distinct value is parsed once: a column of 100,000 lessons has a few thousand dates and a
    handful of categories. Ids and free text are (nearly) all distinct; as plain text (always in
    CSV) they are trimmed and checked all at once, and only suspect values go through the cell
    parser, which gives the message. A column whose cells are canonical already is its own result."""
    parse = cell_parser(column)
    plain_text = column.kind in (Kind.ID, Kind.TEXT) and set(map(type, cells)) <= {str}
    distinct = list(cells) if plain_text and column.kind is Kind.TEXT else list(set(cells))
    if plain_text:
        trimmed = list(map(str.strip, distinct))
        if column.kind is Kind.ID:
            suspects = [cell for cell, match in zip(distinct, map(values.ID.fullmatch, trimmed)) if match is None]
        else:
            limit = column.max_length or float("inf")
            suspects = [cell for cell, text in zip(distinct, trimmed) if not text or len(text) > limit]
        if not suspects and trimmed == distinct:
            return cells, {}
    else:
        suspects = distinct
    value_of: dict[Any, Any] = {}
    problem_of: dict[Any, str] = {}
    for cell in suspects:
        try:
            value_of[cell] = parse(cell)
        except values.BadValue as problem:
            value_of[cell], problem_of[cell] = None, str(problem)
    if plain_text:
        return [value_of[cell] if cell in value_of else text for cell, text in zip(cells, map(str.strip, cells))], problem_of
    if all(type(value) is type(cell) and value == cell for cell, value in value_of.items()):
        return cells, problem_of
    return list(map(value_of.__getitem__, cells)), problem_of


# --- one table ---------------------------------------------------------------------------------

class _TableCheck:
    """Checks the header and the cells of one table and the rules across a row; collects findings."""

    def __init__(self, table: Table, record_type: RecordType, max_findings: int) -> None:
        self.table, self.record_type = table, record_type
        self.errors = TableFindings(max_findings, table.file, table.sheet)
        self.warnings = Findings(max_findings)
        self.position: dict[str, int] = {}  # column name → index in the header
        self.order: dict[str, int] = {}  # column name → place as a reader goes left to right; known after the header

    def finding(self, row: int | None, column: str | None, value: Any, message: str) -> Finding:
        return Finding(self.table.file, self.table.sheet, row, column, shown(value), message)

    def error(self, row: int | None, column: str | None, value: Any, message: str, rule: str | None = None,
              per_column: bool = True) -> None:
        """Report an error; `rule` names its kind when the message differs per value (the message otherwise)."""
        self.errors.offer(row, self.order.get(column or "", -1), column if per_column else None, rule or message,
                          message, lambda: self.finding(row, column, value, message))

    def sorted_errors(self) -> list[tuple[Finding, str]]:
        """Errors (with their kind) as a reader goes through the sheet: by row, then column left to right."""
        self.column_order()
        return self.errors.ordered(lambda f: (f.row or 0, self.order.get(f.column or "", -1)))

    def column_order(self) -> None:
        self.order = {}
        for name in [*self.position, *(c.name for c in self.record_type.columns)]:
            self.order.setdefault(name, len(self.order))

    def run(self) -> CheckedTable | None:
        if not self.check_header():
            return None
        self.column_order()
        table = self.table
        self.check_cells_outside_header()
        kept = self.non_blank_rows()
        rows = [table.first_row + i for i in kept]
        raw = [table.rows[i] for i in kept] if len(kept) < len(table.rows) else table.rows
        columns = list(zip_longest(*raw))  # one tuple of cells per column; short rows padded with None
        cells = {name: columns[index] if index < len(columns) else (None,) * len(raw) for name, index in self.position.items()}
        parsed = {c.name: self.parse_column(c, cells[c.name], rows) if c.name in cells else [None] * len(rows)
                  for c in self.record_type.columns}
        self.row_rules(parsed, rows)
        return CheckedTable(self.record_type, table.file, table.sheet, parsed, rows)

    def check_header(self) -> bool:
        """The header row: known columns (any case, spaces around ignored), none twice, every required one."""
        known = [c.name for c in self.record_type.columns]
        where = "in rij 1" if self.table.header_row == 1 else "aan elk object"
        ok = True
        for index, header in enumerate(self.table.headers):
            name = values.text(header)
            if name is None:
                continue
            key = name.casefold()
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1)
                hint = f" Bedoelt u '{close[0]}'?" if close else " Controleer de spelling tegen het sjabloon."
                self.warnings.add(self.finding(self.table.header_row, name, None, f"Onbekende kolom '{name}' wordt genegeerd.{hint}"),
                                  "onbekende kolom", per_column=False)
            elif key in self.position:
                self.error(self.table.header_row, name, None, f"De kolom '{name}' staat er twee keer in. Verwijder één van beide.",
                           rule="dubbele kolom", per_column=False)
                ok = False
            else:
                self.position[key] = index
        for column in self.record_type.columns:
            if column.required and column.name not in self.position:
                self.error(self.table.header_row, column.name, None,
                           f"De verplichte kolom '{column.name}' ontbreekt. Voeg hem toe {where} (zie het sjabloon).")
                ok = False
        return ok

    def check_cells_outside_header(self) -> None:
        """Values under an empty header, or right of the last header, are ignored with a warning. In a
        CSV file a row with more cells than the header is an error: its values have shifted (a
        delimiter inside unquoted text)."""
        headers, rows, width = self.table.headers, self.table.rows, len(self.table.headers)
        unnamed = [i for i, header in enumerate(headers) if values.text(header) is None]
        for index in unnamed:
            if not all(_is_blank(row[index]) for row in rows if index < len(row)):
                self.warnings.add(self.finding(self.table.header_row, None, None,
                                               f"Kolom {index + 1} heeft geen naam in de kopregel; de waarden eronder worden genegeerd."),
                                  "naamloze kolom")
        if max(map(len, rows), default=0) <= width:
            return
        longer = [offset for offset, row in enumerate(rows) if len(row) > width and not all(map(_is_blank, row[width:]))]
        if longer and not self.table.delimited:
            self.warnings.add(self.finding(self.table.first_row + longer[0], None, None,
                                              f"Rechts van kolom {width} staan waarden zonder kolomnaam; die worden genegeerd."))
        elif longer:
            for offset in longer:
                row = rows[offset]
                self.error(self.table.first_row + offset, None, "; ".join(row[width:width + 20]),
                           f"Deze rij heeft {len(row)} cellen, maar er zijn {width} kolommen: de waarden zijn verschoven. "
                           "Zet tekst met een scheidingsteken (; of ,) tussen aanhalingstekens.", rule="verschoven")

    def non_blank_rows(self) -> list[int]:
        """Indexes of the rows with any value; blank rows are what spreadsheets leave behind."""
        rows = self.table.rows
        if self.table.delimited:  # every cell of a CSV file is text
            return [offset for offset, row in enumerate(rows) if "".join(row).strip()]
        return [offset for offset, row in enumerate(rows) if not all(map(_is_blank, row))]

    def parse_column(self, column: Column, cells: Sequence[Any], rows: list[int]) -> Sequence[Any]:
        """The canonical value of each cell; every cell with a bad value is reported."""
        parsed, problem_of = parse_cells(column, cells)
        if problem_of:
            for row, cell in zip(rows, cells):
                if cell in problem_of:
                    self.error(row, column.name, cell, problem_of[cell], rule="cel")
        return parsed

    def row_rules(self, columns: dict[str, list[Any]], rows: list[int]) -> None:
        """Rules across the cells of one row, and the defaults that depend on them."""
        if self.record_type.name == "experimenten":
            for row, phase, reason in zip(rows, columns["fase"], columns["reden_gestopt"]):
                if phase == "gestopt" and not reason:
                    self.error(row, "reden_gestopt", None, "Bij fase 'gestopt' is een reden verplicht. Vul 'reden_gestopt' in.")
            for row, start, end in zip(rows, columns["startdatum"], columns["einddatum"]):
                if start and end and end < start:
                    self.error(row, "einddatum", end.isoformat(),
                               f"De einddatum ligt vóór de startdatum ({start.isoformat()}). Corrigeer een van beide.",
                               rule="einddatum")
        elif self.record_type.name == "lessen":
            columns["dilemma"] = [dilemma is True for dilemma in columns["dilemma"]]
            columns["status"] = [status or "open" for status in columns["status"]]
            levels = ", ".join(vocabulary("escalatieniveaus").codes)
            for row, dilemma, level in zip(rows, columns["dilemma"], columns["escalatieniveau"]):
                if dilemma and not level:
                    self.error(row, "escalatieniveau", None, f"Bij een dilemma is het escalatieniveau verplicht ({levels}).")
            for row, raised, decided in zip(rows, columns["datum"], columns["besloten_op"]):
                if raised and decided and decided < raised:
                    self.error(row, "besloten_op", decided.isoformat(),
                               f"De besluitdatum ligt vóór de datum van de les ({raised.isoformat()}). Corrigeer een van beide.")
            for row, dilemma, status, decision in zip(rows, columns["dilemma"], columns["status"], columns["besluit"]):
                if dilemma and status == "besloten" and not decision:
                    self.warnings.add(self.finding(row, "besluit", None,
                                                   "Dit dilemma is besloten, maar 'besluit' is leeg. Vul in wat er is "
                                                   "besloten, zodat andere provincies ervan leren."), "besluit")
        elif self.record_type.name == "zelfscan":
            columns["niveau"] = [int(level) if level else None for level in columns["niveau"]]


# --- the delivery ------------------------------------------------------------------------------

def _locate(table: CheckedTable, row: int, column: str, value: Any, message: str) -> Finding:
    return Finding(table.file, table.sheet, row, column, shown(value), message)


def _province_rules(report: Report, expected: str | None, errors: Findings) -> None:
    """One delivery holds one province's records; with an expected province, others are errors."""
    experiments = [t for t in report.tables if t.record_type.name in ("experimenten", "zelfscan")]
    found = Counter(code for t in experiments for code in t.columns["provincie"] if code)
    province = expected or (found.most_common(1)[0][0] if found else None)
    names = provinces()
    if set(found) - {province}:
        for table in experiments:
            for row, code in zip(table.rows, table.columns["provincie"]):
                if code and code != province:
                    errors.add(_locate(table, row, "provincie", code,
                                       f"Deze rij hoort bij {names.label(code)}, maar de levering is van "
                                       f"{names.label(province)}. Lever alleen gegevens van uw eigen provincie aan."),
                               "provincie")
    report.province = province
    others = [t for t in report.tables if t.record_type.name not in ("experimenten", "zelfscan") and t.rows]
    if province is None and others:
        errors.add(Finding(others[0].file, others[0].sheet, None, "provincie", None,
                           "Van welke provincie is deze levering? Lever de experimenten mee of geef de provincie op."))


def _key_rules(report: Report, errors: Findings) -> None:
    """Each key once per record type: experiment_id, les_id, and experiment_id/indicator/gemeten_op."""
    for name, record_type in RECORD_TYPES.items():
        keyed = [(t, _keys(t, record_type.key)) for t in report.tables if t.record_type.name == name]
        if len(keyed) == 1 and len(set(keyed[0][1])) == len(keyed[0][1]):
            continue  # the usual case: one table, every key once
        first_row: dict[Any, int] = {}
        for table, keys in keyed:
            for row, key in zip(table.rows, keys):
                parts = key if isinstance(key, tuple) else (key,)
                if None in parts:
                    continue  # its cell error is reported already
                if key in first_row:
                    errors.add(_locate(table, row, record_type.key[0], " / ".join(str(part) for part in parts),
                                       f"Dubbele sleutel: deze staat ook in rij {first_row[key]}. "
                                       f"Elke {' / '.join(record_type.key)} mag één keer voorkomen."), "sleutel")
                else:
                    first_row[key] = row


def _keys(table: CheckedTable, names: tuple[str, ...]) -> list[Any]:
    """Each row's key: the value itself for a key of one column, a tuple for a longer key."""
    if len(names) == 1:
        return table.columns[names[0]]
    return list(zip(*(table.columns[name] for name in names)))


def _tables(report: Report, name: str) -> list[CheckedTable]:
    return [t for t in report.tables if t.record_type.name == name]


def _reference_rules(report: Report, known: KnownRecords, errors: Findings) -> None:
    """A lesson or result belongs to an experiment in this delivery or on the platform for this province."""
    existing = set(known.experiments) | {e for t in _tables(report, "experimenten") for e in t.columns["experiment_id"]}
    for table in (t for t in report.tables if t.record_type.name in ("lessen", "resultaten")):
        missing = set(table.columns["experiment_id"]) - existing - {None}
        if not missing:
            continue
        for row, experiment in zip(table.rows, table.columns["experiment_id"]):
            if experiment in missing:
                errors.add(_locate(table, row, "experiment_id", experiment,
                                   "Dit experiment bestaat niet in deze levering en ook niet op het platform voor deze "
                                   "provincie. Lever het experiment mee of corrigeer het id."))


def _learning_question_rules(report: Report, known: KnownRecords, errors: Findings) -> None:
    """v1.1: a lesson's `leervraag` is one of its experiment's `leervragen`: its position (1 = the first)
    or its exact text (spaces around and case aside). The canonical value is the question's text."""
    questions: dict[str, tuple[str, ...]] = dict(known.experiments)
    for table in _tables(report, "experimenten"):
        for experiment, asked in zip(table.columns["experiment_id"], table.columns["leervragen"]):
            questions[experiment] = tuple(asked or ())
    for table in _tables(report, "lessen"):
        if not any(table.columns["leervraag"]):
            continue
        answered = list(table.columns["leervraag"])
        for index, (row, experiment, given) in enumerate(zip(table.rows, table.columns["experiment_id"], answered)):
            if not given or experiment not in questions:
                continue  # nothing named, or the experiment itself is unknown (reported already)
            asked = questions[experiment]
            match = _question(given, asked)
            if match is not None:
                answered[index] = match
                continue
            if asked:
                listed = "; ".join(f"{n}. {q}" for n, q in enumerate(asked, start=1))
                message = (f"Experiment {experiment} heeft geen leervraag '{given}'. Geef het nummer of de precieze "
                           f"tekst van een van zijn leervragen: {listed}.")
            else:
                message = (f"Experiment {experiment} heeft geen leervragen. Vul de leervragen van het experiment in, "
                           "of laat 'leervraag' leeg.")
            errors.add(_locate(table, row, "leervraag", given, message), "leervraag")
        table.columns["leervraag"] = answered


def _question(given: str, asked: tuple[str, ...]) -> str | None:
    """The question `given` names among `asked`: by number (1 = the first) or by its text, any case."""
    if given.isdigit():
        number = int(given)
        return asked[number - 1] if 1 <= number <= len(asked) else None
    wanted = " ".join(given.casefold().split())
    return next((q for q in asked if " ".join(q.casefold().split()) == wanted), None)


def _withdrawal_rules(report: Report, known: KnownRecords, errors: Findings) -> None:
    """v1.1: a withdrawal names an experiment or lesson of this province, in this delivery or on the platform."""
    delivered = {
        "experiment": {e for t in _tables(report, "experimenten") for e in t.columns["experiment_id"]},
        "les": {les for t in _tables(report, "lessen") for les in t.columns["les_id"]},
    }
    held = {"experiment": set(known.experiments), "les": set(known.lessons)}
    province = provinces().label(report.province) if report.province else "deze provincie"
    for table in _tables(report, "intrekkingen"):
        for row, kind, record in zip(table.rows, table.columns["soort"], table.columns["id"]):
            if kind is None or record is None or record in delivered[kind] or record in held[kind]:
                continue  # a bad cell is reported already
            errors.add(_locate(table, row, "id", record,
                               f"Er is geen {kind} '{record}' van {province}, in deze levering noch op het "
                               "platform. Controleer het id en de soort (experiment of les); wat al is "
                               "ingetrokken, kunt u niet nog eens intrekken."), "intrekking")


@contextmanager
def _cyclic_gc_paused() -> Iterator[None]:
    """Reading and checking a delivery makes hundreds of thousands of small lists and tuples, none in
    a cycle; the cyclic garbage collector would scan them all again and again. Reference counting
    still frees everything, so the collector rests meanwhile (and runs as before afterwards)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def validate(paths: list[Path], province: str | None = None,
             known_experiments: KnownRecords | Iterable[str] | None = None, limits: Limits = Limits()) -> Report:
    """Validate the delivery at `paths` (files, folders, ZIPs) for `province` (a CBS code, if known);
    `known_experiments` is what the platform already holds for that province (`KnownRecords`, from
    ida.warehouse.serving.known_experiments; a plain set of experiment ids will do)."""
    with _cyclic_gc_paused():
        return validate_delivery(read_delivery(paths, limits), province, known_experiments)


def validate_delivery(delivery: Delivery, province: str | None,
                      known_experiments: KnownRecords | Iterable[str] | None) -> Report:
    known = KnownRecords.of(known_experiments)
    report = Report()
    errors, warnings = Findings(delivery.limits.max_findings), Findings(delivery.limits.max_findings)
    for problem in delivery.errors:
        errors.add(Finding(problem.file, problem.sheet, None, None, None, problem.message))
    for problem in delivery.warnings:
        warnings.add(Finding(problem.file, problem.sheet, None, None, None, problem.message))
    delivered = Counter(t.record_type for t in delivery.tables)
    for record_type, count in delivered.items():
        if count > 1:
            places = ", ".join(f"{t.file}{' (' + t.sheet + ')' if t.sheet else ''}" for t in delivery.tables if t.record_type == record_type)
            errors.add(Finding(places, None, None, None, None,
                               f"'{record_type}' komt {count} keer voor in deze levering ({places}). "
                               "Lever elk soort gegevens in één bestand of werkblad aan."))
    if not delivery.tables and not delivery.errors:
        errors.add(Finding("", None, None, None, None, "De levering bevat geen gegevens. Lever experimenten, lessen, resultaten, een zelfscan en/of intrekkingen aan."))
    for table in delivery.tables:
        check = _TableCheck(table, RECORD_TYPES[table.record_type], delivery.limits.max_findings)
        checked = check.run()
        for finding, rule in check.sorted_errors():
            errors.add(finding, rule)
        errors.merge(check.errors)
        for finding in check.warnings.kept:
            warnings.add(finding)
        warnings.merge(check.warnings)
        if checked is not None:
            report.tables.append(checked)
            report.counts[table.record_type] = report.counts.get(table.record_type, 0) + len(checked.rows)
    _province_rules(report, province, errors)
    _key_rules(report, errors)
    _reference_rules(report, known, errors)
    _learning_question_rules(report, known, errors)
    _withdrawal_rules(report, known, errors)
    report.errors, report.warnings = errors.findings(), warnings.findings()
    report.error_count, report.warning_count = errors.total, warnings.total
    if report.errors:
        report.tables = []  # rejected whole: nothing of it is data
    return report
