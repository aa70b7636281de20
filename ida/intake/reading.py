"""Reading delivered files — CSV, XLSX, JSON, ZIPs of those, or folders — into tables of raw cells.

Reading never trusts a file: sizes are capped, ZIPs are checked for bombs and path escapes before
anything is unpacked, workbooks are opened without evaluating anything (formulas give the value
Excel stored, never a calculation; XML with a DTD is refused), and every problem becomes a Dutch
message naming the file instead of a traceback.

Cells come out as text (CSV), or as what a workbook or JSON holds: numbers, dates and times, text,
a tuple for a JSON array, `values.Structured` for a JSON object; yes/no becomes the text
"true"/"false". Every cell is hashable, so the validator can check each distinct value once.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
import zlib
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path, PurePosixPath
from typing import IO, Any

from ida.settings import Limits
from ida.standard.record_types import RECORD_TYPES
from ida.standard.values import Structured

MAX_ZIP_ENTRIES = 50  # files in one delivery ZIP
MAX_ZIP_UNPACKED_BYTES = 200 * 1024 * 1024  # a ZIP (or workbook) unpacks to at most this
MAX_WORKBOOK_PARTS = 1000  # a workbook is a ZIP of XML parts; real ones have tens
DELIVERY_SUFFIXES = {".csv", ".xlsx", ".json", ".zip"}
RECORD_NAMES = ", ".join(RECORD_TYPES)
SNIFF_BYTES = 64 * 1024
NOT_SUPPORTED = {
    ".xls": "Oude Excel-bestanden (.xls) worden niet gelezen. Sla het bestand op als Excel-werkmap (.xlsx).",
    ".xlsm": "Werkmappen met macro's (.xlsm) worden niet gelezen. Sla het bestand op als Excel-werkmap (.xlsx).",
    ".xlsb": "Binaire werkmappen (.xlsb) worden niet gelezen. Sla het bestand op als Excel-werkmap (.xlsx).",
    ".ods": "OpenDocument-rekenbladen (.ods) worden niet gelezen. Sla het bestand op als Excel-werkmap (.xlsx).",
    ".txt": "Tekstbestanden (.txt) worden niet gelezen. Sla het bestand op als CSV (.csv) met kolomnamen in de eerste regel.",
}
OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # old .xls, and workbooks protected with a password
ZIP_MAGIC = b"PK\x03\x04"
TEXT_CONTROL_BYTES = bytes([9, 10, 12, 13, 26])  # tab, line feed, form feed, carriage return, DOS end-of-file


@dataclass
class Table:
    """One record type's rows as delivered. `first_row` is the number a spreadsheet user sees for
    the first of `rows`; `header_row` that of the headers (None in JSON, which has no header row);
    `delimited` tells that cells can shift (CSV: a delimiter inside unquoted text)."""

    record_type: str
    file: str
    sheet: str | None
    headers: list[str]
    rows: list[list[Any]]
    first_row: int = 2
    header_row: int | None = 1
    delimited: bool = False


@dataclass
class FileProblem:
    file: str
    message: str
    sheet: str | None = None


@dataclass
class Delivery:
    """Everything read from the paths of one delivery."""

    tables: list[Table] = field(default_factory=list)
    errors: list[FileProblem] = field(default_factory=list)
    warnings: list[FileProblem] = field(default_factory=list)
    files: list[Path] = field(default_factory=list)
    limits: Limits = field(default_factory=Limits)


class Unreadable(Exception):
    """A file that is not what it claims to be; the message is Dutch and meant for the deliverer."""


def read_delivery(paths: list[Path], limits: Limits = Limits()) -> Delivery:
    """Read every delivery file under `paths` (files or folders), within `limits`."""
    delivery = Delivery(limits=limits)
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
                name = child.relative_to(path).as_posix()
                if child.suffix.lower() in DELIVERY_SUFFIXES:
                    _read_file(child, name, delivery)
                else:
                    delivery.warnings.append(FileProblem(name, "Bestand genegeerd: alleen .csv, .xlsx, .json en .zip worden gelezen."))
        elif path.is_file():
            _read_file(path, path.name, delivery)
        else:
            delivery.errors.append(FileProblem(str(path), "Bestand of map niet gevonden. Controleer het pad."))
    return delivery


def _too_big(size: int, limits: Limits) -> str | None:
    limit = limits.max_file_bytes
    if size <= limit:
        return None
    return f"Het bestand is te groot ({size / 2**20:.1f} MiB; maximaal {limit / 2**20:g} MiB). Lever het in delen aan."


def _read_file(path: Path, name: str, delivery: Delivery) -> None:
    delivery.files.append(path)
    if problem := _too_big(path.stat().st_size, delivery.limits):
        delivery.errors.append(FileProblem(name, problem))
        return
    try:
        with path.open("rb") as source:
            read_source(source, name, delivery)
    except Unreadable as problem:
        delivery.errors.append(FileProblem(name, str(problem)))


def read_bytes(data: bytes, name: str, delivery: Delivery) -> None:
    """Read one file's bytes into `delivery`, dispatching on the extension of `name`."""
    read_source(io.BytesIO(data), name, delivery)


def read_source(source: IO[bytes], name: str, delivery: Delivery) -> None:
    """Read one file (a seekable binary stream) into `delivery`; raises `Unreadable` for a bad file."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".zip":
        _read_zip(source, name, delivery)
    elif suffix == ".xlsx":
        delivery.tables.extend(_read_xlsx(source, name, delivery))
    elif suffix == ".csv":
        delivery.tables.append(_read_csv(source, name))
    elif suffix == ".json":
        delivery.tables.extend(_read_json(source, name, delivery))
    elif suffix in NOT_SUPPORTED:
        raise Unreadable(NOT_SUPPORTED[suffix])
    else:
        raise Unreadable("Onbekend bestandstype. Lever .csv, .xlsx, .json of een .zip daarvan aan.")


# --- ZIP ---------------------------------------------------------------------------------------

ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError)


def _open_zip(source: IO[bytes], max_entries: int, what: str) -> zipfile.ZipFile:
    """Open an archive after checking what its directory declares: entry count and unpacked size.

    Reading an entry never yields more than its declared size (zipfile stops there and checks the
    CRC), so these checks bound what unpacking can cost."""
    try:
        archive = zipfile.ZipFile(source)
    except ZIP_ERRORS:
        raise Unreadable(f"Dit is geen geldig {what}: het bestand is beschadigd of van een ander type.") from None
    entries = archive.infolist()
    files = sum(not e.is_dir() for e in entries)
    if files > max_entries:
        raise Unreadable(f"Het archief bevat {files} bestanden; maximaal {max_entries}.")
    unpacked = sum(e.file_size for e in entries)
    if unpacked > MAX_ZIP_UNPACKED_BYTES:
        raise Unreadable(f"Het archief pakt uit tot {unpacked / 2**20:.0f} MiB; maximaal {MAX_ZIP_UNPACKED_BYTES // 2**20} MiB "
                         "is toegestaan. Lever de bestanden los of in delen aan.")
    if any(e.flag_bits & 0x1 for e in entries):
        raise Unreadable("Het archief is met een wachtwoord beveiligd. Lever het aan zonder wachtwoord.")
    return archive


def unsafe_name(name: str) -> bool:
    """A ZIP entry name that would land outside the folder it is unpacked in."""
    normal = name.replace("\\", "/")
    parts = PurePosixPath(normal).parts
    return (not parts or normal.startswith("/") or ".." in parts or "\0" in name
            or ":" in parts[0])  # a drive letter, C:


def _read_zip(source: IO[bytes], name: str, delivery: Delivery) -> None:
    archive = _open_zip(source, MAX_ZIP_ENTRIES, "ZIP-bestand")
    with archive:
        entries = [e for e in archive.infolist() if not e.is_dir()]
        for entry in archive.infolist():
            if unsafe_name(entry.filename):
                raise Unreadable(f"Het ZIP-bestand bevat een onveilige bestandsnaam ('{entry.filename}'). "
                                 "Pak de bestanden in zonder mappen buiten het archief.")
        for entry in entries:
            inner = PurePosixPath(entry.filename.replace("\\", "/"))
            label = f"{name}/{inner.as_posix()}"
            if inner.name.startswith(".") or "__MACOSX" in inner.parts:
                continue
            suffix = inner.suffix.lower()
            if suffix == ".zip":
                delivery.errors.append(FileProblem(label, "Een ZIP in een ZIP wordt niet gelezen. Pak de bestanden in één archief in."))
            elif suffix not in DELIVERY_SUFFIXES:
                delivery.warnings.append(FileProblem(label, "Bestand genegeerd: alleen .csv, .xlsx en .json worden gelezen."))
            elif problem := _too_big(entry.file_size, delivery.limits):
                delivery.errors.append(FileProblem(label, problem))
            else:
                try:
                    read_bytes(_unpack(archive, entry), label, delivery)
                except Unreadable as problem:
                    delivery.errors.append(FileProblem(label, str(problem)))


def _unpack(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes:
    try:
        with archive.open(entry) as handle:
            return handle.read()
    except ZIP_ERRORS:
        raise Unreadable("Dit bestand in het archief is beschadigd (de inhoud klopt niet met het archief). "
                         "Maak het ZIP-bestand opnieuw.") from None


# --- CSV ---------------------------------------------------------------------------------------

def _record_type(stem: str) -> str:
    record_type = stem.strip().casefold()
    if record_type not in RECORD_TYPES:
        raise Unreadable(f"Onbekende bestandsnaam. Noem een CSV-bestand naar het soort gegevens: {RECORD_NAMES} (bijvoorbeeld 'lessen.csv').")
    return record_type


def _looks_like(head: bytes) -> str | None:
    """What a file that should be text really is, or None when it looks like text."""
    if head.startswith(ZIP_MAGIC):
        return "een Excel-werkmap of ZIP-bestand (geef het de extensie .xlsx of .zip)"
    if head.startswith(OLE2_MAGIC):
        return "een oud Excel-bestand (.xls) of een met wachtwoord beveiligde werkmap"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "tekst in UTF-16 ('Unicode-tekst')"
    control = head.translate(None, bytes(range(32, 256)) + TEXT_CONTROL_BYTES)
    if b"\0" in control or len(control) > len(head) // 100:
        return "binaire gegevens"
    return None


def _delimiter(head: bytes) -> str:
    header = head.split(b"\n", 1)[0]
    return ";" if header.count(b";") > header.count(b",") else ","


def _read_csv(source: IO[bytes], name: str) -> Table:
    record_type = _record_type(PurePosixPath(name).stem)
    head = source.read(SNIFF_BYTES)
    if not head.strip():
        raise Unreadable("Het bestand is leeg: de eerste regel moet de kolomnamen bevatten.")
    if what := _looks_like(head):
        raise Unreadable(f"Dit is {what}, geen CSV-tekstbestand. Sla het bestand op als 'CSV UTF-8' of "
                         "'CSV (gescheiden door lijstscheidingsteken)'.")
    delimiter = _delimiter(head)
    for encoding in ("utf-8-sig", "cp1252"):  # UTF-8 (with or without BOM), else what Dutch Excel writes
        if encoding == "cp1252" and head.startswith(codecs.BOM_UTF8):
            raise Unreadable("Het bestand is als UTF-8 gemarkeerd, maar bevat tekens die geen UTF-8 zijn. "
                             "Sla het opnieuw op als 'CSV UTF-8'.")
        source.seek(0)
        try:
            rows = _csv_rows(source, encoding, delimiter)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise Unreadable("De tekencodering is onleesbaar. Sla het bestand op als 'CSV UTF-8' of als "
                         "'CSV (gescheiden door lijstscheidingsteken)' (Windows-1252).")
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise Unreadable("De eerste regel moet de kolomnamen bevatten, maar is leeg.")
    return Table(record_type, name, None, rows[0], rows[1:], delimited=True)


def _csv_rows(source: IO[bytes], encoding: str, delimiter: str) -> list[list[str]]:
    """All records of a CSV file, decoded as they are read."""
    text = io.TextIOWrapper(source, encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter, strict=True)
    try:
        return list(reader)
    except csv.Error as problem:
        raise Unreadable(f"Het CSV-bestand is niet goed gevormd bij regel {reader.line_num} ({problem}). "
                         "Controleer de aanhalingstekens rond teksten.") from None
    finally:
        text.detach()  # the caller closes the file itself


# --- XLSX --------------------------------------------------------------------------------------

def _refuse_unsafe_xml(archive: zipfile.ZipFile) -> None:
    """A workbook's XML never needs a DTD; one with a DTD may hide entity expansion, so it is refused."""
    for entry in archive.infolist():
        if entry.filename.endswith((".xml", ".rels", ".vml")):
            with archive.open(entry) as handle:
                head = handle.read(4096)
            if b"<!DOCTYPE" in head or b"<!ENTITY" in head or head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
                raise Unreadable("De werkmap bevat XML-constructies die niet in een Excel-bestand horen. "
                                 "Sla hem opnieuw op als Excel-werkmap (.xlsx).")


def _workbook_cell(value: Any) -> Any:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, datetime | date | time | int | float | str) or value is None:
        return value
    return str(value)  # e.g. a timedelta for a duration-formatted cell


def _read_xlsx(source: IO[bytes], name: str, delivery: Delivery) -> list[Table]:
    import openpyxl  # imported here: a CSV-only delivery never pays for it

    head = source.read(SNIFF_BYTES)
    source.seek(0)
    if head.startswith(OLE2_MAGIC):
        raise Unreadable("Dit is een oud Excel-bestand (.xls) of een met wachtwoord beveiligde werkmap. "
                         "Sla het op als Excel-werkmap (.xlsx) zonder wachtwoord.")
    if not head.startswith(ZIP_MAGIC):
        hint = " Het lijkt een tekstbestand (CSV): geef het de extensie .csv." if _looks_like(head) is None else ""
        raise Unreadable(f"Dit is geen Excel-werkmap (.xlsx), al heeft het die naam.{hint} "
                         "Of sla het bestand in Excel op als Excel-werkmap.")
    with _open_zip(source, MAX_WORKBOOK_PARTS, "Excel-werkmap (.xlsx)") as archive:
        if "xl/workbook.xml" not in archive.namelist():
            raise Unreadable("Dit is een ZIP-bestand, geen Excel-werkmap (.xlsx), al heeft het die naam. "
                             "Geef het de extensie .zip of sla het in Excel op als Excel-werkmap.")
        try:
            _refuse_unsafe_xml(archive)
        except ZIP_ERRORS:
            raise Unreadable("De Excel-werkmap is beschadigd. Sla hem opnieuw op als .xlsx.") from None
    source.seek(0)
    tables = []
    try:
        workbook = openpyxl.load_workbook(source, read_only=True, data_only=True, keep_links=False)
        try:
            for sheet in workbook.worksheets:
                record_type = sheet.title.strip().casefold()
                if record_type not in RECORD_TYPES:
                    continue  # other sheets (instructions, lists) are the deliverer's own
                sheet.reset_dimensions()  # a workbook's stated size can be wrong; read what is there
                rows = [[_workbook_cell(v) for v in row] for row in sheet.iter_rows(values_only=True)]
                if not rows or not any(v is not None and str(v).strip() for v in rows[0]):
                    delivery.errors.append(FileProblem(name, "Rij 1 van het werkblad is leeg: die moet de kolomnamen bevatten. "
                                                             "Gebruik het sjabloon.", sheet.title))
                    continue
                headers = ["" if h is None else str(h) for h in rows[0]]
                tables.append(Table(record_type, name, sheet.title, headers, rows[1:]))
        finally:
            workbook.close()
    except Exception as problem:  # noqa: BLE001 - openpyxl raises many kinds of error for a broken workbook
        raise Unreadable(f"De Excel-werkmap kan niet worden gelezen ({type(problem).__name__}). "
                         "Open hem in Excel en sla hem opnieuw op als .xlsx.") from None
    if not tables and not any(p.file == name for p in delivery.errors):
        raise Unreadable(f"De werkmap heeft geen werkblad met de naam {RECORD_NAMES}. Gebruik het sjabloon.")
    return tables


# --- JSON --------------------------------------------------------------------------------------

def _json_cell(value: Any) -> Any:
    """A JSON value as a hashable cell: arrays become tuples, objects `Structured`."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, list):
        return tuple(_json_cell(item) if not isinstance(item, list) else Structured(json.dumps(item)) for item in value)
    if isinstance(value, dict):
        return Structured(json.dumps(value, ensure_ascii=False))
    return value


def _read_json(source: IO[bytes], name: str, delivery: Delivery) -> list[Table]:
    data = source.read()
    if what := _looks_like(data[:SNIFF_BYTES]):
        raise Unreadable(f"Dit is {what}, geen JSON-tekstbestand. Sla de levering op als JSON in UTF-8.")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise Unreadable("Een JSON-bestand moet in UTF-8 zijn opgeslagen.") from None
    except json.JSONDecodeError as problem:
        raise Unreadable(f"Dit is geen geldige JSON: {problem.msg} op regel {problem.lineno}, kolom {problem.colno}.") from None
    except RecursionError:
        raise Unreadable("De JSON is te diep genest.") from None
    if not isinstance(document, dict) or not any(k in document for k in RECORD_TYPES):
        raise Unreadable(f'Een JSON-levering is een object met de lijsten {RECORD_NAMES}, zoals {{"experimenten": [...]}}.')
    for key in document:
        if key not in RECORD_TYPES:
            delivery.warnings.append(FileProblem(name, f"Onbekend onderdeel '{key}' wordt genegeerd. Gebruik {RECORD_NAMES}.", key))
    tables = []
    for record_type in RECORD_TYPES:
        records = document.get(record_type)
        if records is None:
            continue
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise Unreadable(f"'{record_type}' moet een lijst van objecten zijn, één object per rij.")
        headers = list(dict.fromkeys(k for record in records for k in record))
        rows = [[_json_cell(record.get(h)) for h in headers] for record in records]
        # there is no header row: row n is the n-th object of the list, the "sheet" is the list's name
        tables.append(Table(record_type, name, record_type, headers, rows, first_row=1, header_row=None))
    return tables
