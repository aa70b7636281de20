"""Checking a delivery against every rule of the standard (STANDARD.md) and normalising its values.

`validate` reports *all* problems, each naming file, sheet, row (header = row 1), column and value
with a Dutch message that says how to fix it. A delivery with any error is rejected whole.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from catalog import values
from catalog.reading import Delivery, Table, read_delivery
from catalog.standard import ID_PATTERN, RECORD_TYPES, Column, Kind, RecordType
from catalog.vocabularies import provinces, vocabulary

ID_RE = re.compile(ID_PATTERN)


@dataclass
class Finding:
    """One error or warning, located as a spreadsheet user would look for it."""

    file: str
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    message: str


@dataclass
class Report:
    """The verdict on one delivery, with its normalised records when accepted."""

    province: str | None = None
    errors: list[Finding] = field(default_factory=list)
    warnings: list[Finding] = field(default_factory=list)
    records: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: {name: [] for name in RECORD_TYPES})
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def accepted(self) -> bool:
        return not self.errors

    def as_dict(self) -> dict[str, Any]:
        return {
            "accepted": self.accepted,
            "province": self.province,
            "counts": self.counts,
            "errors": [asdict(f) for f in self.errors],
            "warnings": [asdict(f) for f in self.warnings],
        }


class _TableCheck:
    """Validates the rows of one table; collects findings into the report."""

    def __init__(self, table: Table, record_type: RecordType, report: Report) -> None:
        self.table, self.record_type, self.report = table, record_type, report

    def finding(self, row: int | None, column: str | None, value: Any, message: str) -> Finding:
        shown = None if value is None else str(value)[:200]
        return Finding(self.table.file, self.table.sheet, row, column, shown, message)

    def error(self, *args: Any) -> None:
        self.report.errors.append(self.finding(*args))

    def column_map(self) -> dict[int, Column] | None:
        mapping: dict[int, Column] = {}
        seen: dict[str, int] = {}
        for index, header in enumerate(self.table.headers):
            name = values.text(header)
            if name is None:
                continue
            key = name.casefold()
            column = self.record_type.column(key)
            if column is None:
                self.report.warnings.append(self.finding(1, name, None, f"Onbekende kolom '{name}' wordt genegeerd. Controleer de spelling tegen het sjabloon."))
                continue
            if key in seen:
                self.error(1, name, None, f"De kolom '{name}' staat er twee keer in. Verwijder één van beide.")
                return None
            seen[key] = index
            mapping[index] = column
        missing = [c.name for c in self.record_type.columns if c.required and c.name not in seen]
        for name in missing:
            self.error(1, name, None, f"De verplichte kolom '{name}' ontbreekt. Voeg hem toe in rij 1 (zie het sjabloon).")
        return None if missing else mapping

    def run(self) -> None:
        mapping = self.column_map()
        if mapping is None:
            return
        width = len(self.table.headers)
        for offset, cells in enumerate(self.table.rows):
            if not any(values.text(c) for c in cells[:width]):
                continue  # blank rows are what spreadsheets leave behind
            row = self.table.first_row + offset
            record: dict[str, Any] = {c.name: None for c in self.record_type.columns}
            for index, column in mapping.items():
                raw = cells[index] if index < len(cells) else None
                try:
                    record[column.name] = self.cell(column, raw)
                except values.BadValue as problem:
                    self.error(row, column.name, raw, str(problem))
            self.row_rules(record, row)
            record["source_file"], record["source_row"] = self.table.file, row
            self.report.records[self.record_type.name].append(record)

    def cell(self, column: Column, raw: Any) -> Any:
        if column.kind in (Kind.TEXT_LIST, Kind.VOCAB_LIST):
            items = values.parse_list(raw) if raw is not None else []
            if column.kind is Kind.VOCAB_LIST:
                items = [_vocab(column, item) for item in items]
            return list(dict.fromkeys(items)) or None
        value = values.text(raw)
        if value is None:
            if column.required:
                raise values.BadValue(f"'{column.name}' is verplicht. Vul een waarde in.")
            return None
        match column.kind:
            case Kind.ID:
                if not ID_RE.match(value):
                    raise values.BadValue("Een id bestaat uit 1 tot 64 letters, cijfers, '_', '.' of '-' (geen spaties).")
                return value
            case Kind.TEXT:
                if column.max_length and len(value) > column.max_length:
                    raise values.BadValue(f"Te lang: {len(value)} tekens, maximaal {column.max_length}. Kort de tekst in.")
                return value
            case Kind.PROVINCE | Kind.VOCAB:
                return _vocab(column, value)
            case Kind.DATE:
                return values.parse_date(raw)
            case Kind.NUMBER:
                number = values.parse_number(raw)
                if column.minimum is not None and number < column.minimum:
                    raise values.BadValue(f"Het getal mag niet kleiner zijn dan {column.minimum:g}.")
                return number
            case Kind.BOOLEAN:
                return values.parse_boolean(raw)
            case Kind.EMAIL:
                return values.parse_email(value)
        raise AssertionError(column.kind)

    def row_rules(self, record: dict[str, Any], row: int) -> None:
        """Rules across the cells of one row."""
        if self.record_type.name == "experimenten":
            if record["fase"] == "gestopt" and not record["reden_gestopt"]:
                self.error(row, "reden_gestopt", None, "Bij fase 'gestopt' is een reden verplicht. Vul 'reden_gestopt' in.")
            start, end = record["startdatum"], record["einddatum"]
            if start and end and end < start:
                self.error(row, "einddatum", end.isoformat(), f"De einddatum ligt vóór de startdatum ({start.isoformat()}). Corrigeer een van beide.")
        elif self.record_type.name == "lessen":
            record["dilemma"] = bool(record["dilemma"])
            record["status"] = record["status"] or "open"
            if record["dilemma"] and not record["escalatieniveau"]:
                self.error(row, "escalatieniveau", None, "Bij een dilemma is het escalatieniveau verplicht (team, cmt, gs, ps of ipo).")


def _vocab(column: Column, value: str) -> str:
    vocab = vocabulary(column.vocabulary or "")
    code = vocab.resolve(value)
    if code is None:
        options = ", ".join(vocab.codes)
        raise values.BadValue(f"Onbekende waarde voor '{column.name}'. Kies uit: {options}.")
    return code


def _province_rules(report: Report, expected: str | None) -> None:
    """One delivery holds one province's records; with an expected province, others are errors."""
    experiments = report.records["experimenten"]
    found = Counter(r["provincie"] for r in experiments if r["provincie"])
    province = expected or (found.most_common(1)[0][0] if found else None)
    names = provinces()
    for record in experiments:
        if record["provincie"] and record["provincie"] != province:
            report.errors.append(Finding(record["source_file"], None, record["source_row"], "provincie", record["provincie"],
                                         f"Deze rij hoort bij {names.label(record['provincie'])}, maar de levering is van "
                                         f"{names.label(province)}. Lever alleen gegevens van uw eigen provincie aan."))
    report.province = province


def _key_rules(report: Report, sheets: dict[str, str | None], known_experiments: set[str]) -> None:
    """Unique keys per record type, and references to experiments that exist."""
    for name, record_type in RECORD_TYPES.items():
        seen: dict[tuple, int] = {}
        for record in report.records[name]:
            key = tuple(record[k] for k in record_type.key)
            if None in key:
                continue
            if key in seen:
                shown = " / ".join(str(k) for k in key)
                report.errors.append(Finding(record["source_file"], sheets.get(record["source_file"]), record["source_row"], record_type.key[0], shown,
                                             f"Dubbele sleutel: deze staat ook in rij {seen[key]}. Elke {'/'.join(record_type.key)} mag één keer voorkomen."))
            else:
                seen[key] = record["source_row"]
    delivered = {r["experiment_id"] for r in report.records["experimenten"]}
    for name in ("lessen", "resultaten"):
        for record in report.records[name]:
            if record["experiment_id"] and record["experiment_id"] not in delivered and record["experiment_id"] not in known_experiments:
                report.errors.append(Finding(record["source_file"], sheets.get(record["source_file"]), record["source_row"], "experiment_id", record["experiment_id"],
                                             "Dit experiment bestaat niet in deze levering en ook niet op het platform. Lever het experiment mee of corrigeer het id."))


def validate(paths: list[Path], province: str | None = None, known_experiments: set[str] | None = None) -> Report:
    """Validate the delivery at `paths` (files, folders, ZIPs) for `province` (a CBS code, if known)."""
    return validate_delivery(read_delivery(paths), province, known_experiments or set())


def validate_delivery(delivery: Delivery, province: str | None, known_experiments: set[str]) -> Report:
    report = Report()
    report.errors += [Finding(p.file, p.sheet, None, None, None, p.message) for p in delivery.errors]
    report.warnings += [Finding(p.file, p.sheet, None, None, None, p.message) for p in delivery.warnings]
    counted = Counter(t.record_type for t in delivery.tables)
    for record_type, count in counted.items():
        if count > 1:
            files = ", ".join(f"{t.file}{'/' + t.sheet if t.sheet else ''}" for t in delivery.tables if t.record_type == record_type)
            report.errors.append(Finding(files, None, None, None, None, f"'{record_type}' komt {count} keer voor in deze levering. Lever elk soort gegevens in één bestand of werkblad aan."))
    if not delivery.tables and not delivery.errors:
        report.errors.append(Finding("", None, None, None, None, "De levering bevat geen gegevens. Lever experimenten, lessen en/of resultaten aan."))
    for table in delivery.tables:
        _TableCheck(table, RECORD_TYPES[table.record_type], report).run()
    _province_rules(report, province)
    if report.province is None and (report.records["lessen"] or report.records["resultaten"]):
        report.errors.append(Finding("", None, None, "provincie", None, "Van welke provincie is deze levering? Lever de experimenten mee of geef de provincie op."))
    sheets = {t.file: t.sheet for t in delivery.tables}
    _key_rules(report, sheets, known_experiments)
    report.counts = {name: len(rows) for name, rows in report.records.items()}
    if report.errors:
        report.records = {name: [] for name in RECORD_TYPES}  # rejected whole: nothing of it is data
    return report
