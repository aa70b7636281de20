"""Reading delivered files — CSV, XLSX, JSON, ZIPs of those, or folders — into tables of raw cells.

Reading never trusts a file, and never holds more than `ida.settings.Limits` allows: sizes are
capped, ZIPs are checked for bombs and path escapes before anything is unpacked and counted again
while inflating (an entry that inflates beyond what it declares is stopped there), rows and cells are
counted while they are read (a delivery that crosses a cap is refused, never truncated), CSV text is
decoded line by line (a file that mixes encodings is refused at its first mixed row), workbooks are
opened without evaluating anything (formulas give the value Excel stored, never a calculation) and
only after each part has been inflated within its limit and read with a hardened XML parser
(defusedxml: no DTD, no entities), with their shared strings counted. Every problem becomes a Dutch
message naming the file (and row) instead of a traceback.

Cells come out as text (CSV), or as what a workbook or JSON holds: numbers, dates and times, text,
a tuple for a JSON array, `values.Structured` for a JSON object; yes/no becomes the text
"true"/"false". Every cell is hashable, so the validator can check each distinct value once.
"""

from __future__ import annotations

import codecs
import csv
import io
import itertools
import json
import re
import tempfile
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from xml.etree import ElementTree
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path, PurePosixPath
from typing import IO, Any

from defusedxml.ElementTree import DefusedXMLParser

from ida.settings import Limits
from ida.standard.record_types import RECORD_TYPES
from ida.standard.values import Structured
from ida.xml_prolog import DefusedXmlException, Prolog

MAX_ZIP_ENTRIES = 50  # files in one delivery ZIP
CHUNK_BYTES = 64 * 1024  # what one read from a ZIP entry may inflate to
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
    rows_read: int = 0  # rows of every file read so far, counted against limits.max_rows
    cells_read: int = 0  # their cells, counted against limits.max_cells

    def count(self, rows: list[list[Any]], first_row: int) -> None:
        """Count `rows` (the first of them numbered `first_row`) against the delivery's caps on rows and
        cells; Unreadable, naming the cap and the row that crosses it, when they are crossed."""
        cells = sum(map(len, rows))
        if self.rows_read + len(rows) <= self.limits.max_rows and self.cells_read + cells <= self.limits.max_cells:
            self.rows_read += len(rows)
            self.cells_read += cells
            return
        for offset, row in enumerate(rows):
            self.rows_read += 1
            self.cells_read += len(row)
            if self.rows_read > self.limits.max_rows:
                raise Unreadable(f"De levering heeft meer dan {dutch_number(self.limits.max_rows)} rijen, de grens per "
                                 f"levering; dit bestand gaat er bij rij {dutch_number(first_row + offset)} overheen. "
                                 "Lever de gegevens in delen aan.")
            if self.cells_read > self.limits.max_cells:
                raise Unreadable(f"De levering heeft meer dan {dutch_number(self.limits.max_cells)} cellen, de grens per "
                                 f"levering; dit bestand gaat er bij rij {dutch_number(first_row + offset)} overheen. "
                                 "Verwijder lege kolommen of lever de gegevens in delen aan.")

    def count_table(self, rows: int, cells: int, what: str) -> None:
        """Count a table of `rows` and `cells` in one go (JSON: known before its rows are made)."""
        if self.rows_read + rows > self.limits.max_rows or self.cells_read + cells > self.limits.max_cells:
            raise Unreadable(f"'{what}' heeft {dutch_number(rows)} rijen en {dutch_number(cells)} cellen; de grens per "
                             f"levering is {dutch_number(self.limits.max_rows)} rijen en "
                             f"{dutch_number(self.limits.max_cells)} cellen. Lever de gegevens in delen aan.")
        self.rows_read += rows
        self.cells_read += cells

    def count_blank(self, rows: int, first_row: int) -> None:
        """Count `rows` blank rows, the first numbered `first_row`, before they are made."""
        if self.rows_read + rows > self.limits.max_rows:
            self.count([[]] * (self.limits.max_rows - self.rows_read + 1), first_row)
        self.rows_read += rows


class Unreadable(Exception):
    """A file that is not what it claims to be; the message is Dutch and meant for the deliverer."""


class TooLarge(Unreadable):
    """An entry of a ZIP (or workbook) that unpacks beyond its limit."""


def dutch_number(number: int) -> str:
    """12345 as a Dutch reader writes it: 12.345."""
    return f"{number:,}".replace(",", ".")


def _mib(size: int) -> str:
    return f"{size / 2**20:g} MiB"


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
        delivery.tables.append(_read_csv(source, name, delivery))
    elif suffix == ".json":
        delivery.tables.extend(_read_json(source, name, delivery))
    elif suffix in NOT_SUPPORTED:
        raise Unreadable(NOT_SUPPORTED[suffix])
    else:
        raise Unreadable("Onbekend bestandstype. Lever .csv, .xlsx, .json of een .zip daarvan aan.")


# --- ZIP ---------------------------------------------------------------------------------------

ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, EOFError, NotImplementedError, RuntimeError, OSError)
ET_ERRORS = (SyntaxError, ValueError)  # ElementTree's ParseError is a SyntaxError


def _open_zip(source: IO[bytes], max_entries: int, what: str, limits: Limits) -> zipfile.ZipFile:
    """Open an archive after checking what its directory declares: entry count and unpacked size.

    Entries are then read in chunks (`_inflate`), counted against the same limits: a chunked read
    never inflates more than a chunk at a time, and never yields more than the entry declares."""
    try:
        archive = zipfile.ZipFile(source)
    except ZIP_ERRORS:
        raise Unreadable(f"Dit is geen geldig {what}: het bestand is beschadigd of van een ander type.") from None
    entries = archive.infolist()
    files = sum(not e.is_dir() for e in entries)
    if files > max_entries:
        raise Unreadable(f"Het archief bevat {files} bestanden; maximaal {max_entries}.")
    unpacked = sum(e.file_size for e in entries)
    if unpacked > limits.max_unpacked_bytes:
        raise Unreadable(f"Het archief pakt uit tot {unpacked / 2**20:.0f} MiB; maximaal {_mib(limits.max_unpacked_bytes)} "
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
    archive = _open_zip(source, MAX_ZIP_ENTRIES, "ZIP-bestand", delivery.limits)
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
                    data = b"".join(_inflate(archive, entry, delivery.limits.max_file_bytes))
                    read_bytes(data, label, delivery)
                except Unreadable as problem:
                    delivery.errors.append(FileProblem(label, str(problem)))


def _inflate(archive: zipfile.ZipFile, entry: zipfile.ZipInfo, limit: int) -> Iterator[bytes]:
    """The bytes of `entry`, a chunk at a time; Unreadable as soon as they pass `limit` or do not
    match the archive (zipfile stops at the declared size and then checks the CRC).

    Never `handle.read()`: zipfile inflates a whole entry's compressed data in one go for it, so an
    entry that declares 1 KB and inflates to 1 GiB would take 1 GiB before being cut to 1 KB."""
    total = 0
    try:
        with archive.open(entry) as handle:
            while chunk := handle.read(CHUNK_BYTES):
                total += len(chunk)
                if total > limit:
                    raise TooLarge(f"'{entry.filename}' pakt uit tot meer dan {_mib(limit)}, de grens per bestand. "
                                     "Lever het in delen aan.")
                yield chunk
    except ZIP_ERRORS:
        raise Unreadable(f"Het bestand '{entry.filename}' in het archief is beschadigd (de inhoud klopt niet met het "
                         "archief). Maak het ZIP-bestand opnieuw.") from None


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


def _read_csv(source: IO[bytes], name: str, delivery: Delivery) -> Table:
    record_type = _record_type(PurePosixPath(name).stem)
    head = source.read(SNIFF_BYTES)
    if not head.strip():
        raise Unreadable("Het bestand is leeg: de eerste regel moet de kolomnamen bevatten.")
    if what := _looks_like(head):
        raise Unreadable(f"Dit is {what}, geen CSV-tekstbestand. Sla het bestand op als 'CSV UTF-8' of "
                         "'CSV (gescheiden door lijstscheidingsteken)'.")
    source.seek(0)
    rows = _csv_rows(source, _delimiter(head), delivery)
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise Unreadable("De eerste regel moet de kolomnamen bevatten, maar is leeg.")
    return Table(record_type, name, None, rows[0], rows[1:], delimited=True)


ROWS_PER_COUNT = 1000  # rows read between two counts against the delivery's caps


class Rows:
    """The rows of one table as they are read, counted against the delivery's caps a thousand at a
    time. Blank rows are counted before they are made, and trailing ones never are (a sheet
    formatted down to row 1,048,576, a file ending in empty lines)."""

    def __init__(self, delivery: Delivery) -> None:
        self.delivery = delivery
        self.rows: list[list[Any]] = []
        self.batch: list[list[Any]] = []
        self.blank = 0

    @property
    def row(self) -> int:
        """The number of the row being read, as a spreadsheet user counts (the first is 1)."""
        return len(self.rows) + len(self.batch) + self.blank + 1

    def add(self, row: list[Any]) -> None:
        if self.blank:
            self.flush()
            self.delivery.count_blank(self.blank, len(self.rows) + 1)
            self.rows += [[]] * self.blank
            self.blank = 0
        self.batch.append(row)
        if len(self.batch) >= ROWS_PER_COUNT:
            self.flush()

    def flush(self) -> None:
        self.delivery.count(self.batch, len(self.rows) + 1)
        self.rows += self.batch
        self.batch = []

    def done(self) -> list[list[Any]]:
        self.flush()
        return self.rows


def _csv_rows(source: IO[bytes], delimiter: str, delivery: Delivery) -> list[list[str]]:
    """The records of a CSV file, decoded as they are read and counted against the caps."""
    rows = Rows(delivery)
    lines = CsvLines(source, delivery.limits, lambda: rows.row)
    reader = csv.reader(lines, delimiter=delimiter, strict=True)
    batch = rows.batch
    try:
        for row in reader:  # the hot loop: a row with text and none blank before it goes straight in
            if row and not rows.blank:
                batch.append(row)
                if len(batch) < ROWS_PER_COUNT:
                    continue
            elif row:
                rows.add(row)
            else:
                rows.blank += 1
                continue
            if len(batch) >= ROWS_PER_COUNT:
                rows.flush()
            batch = rows.batch
    except csv.Error as problem:
        raise Unreadable(_csv_problem(str(problem), rows.row, reader.line_num)) from None
    return rows.done()


def _csv_problem(problem: str, row: int, line: int) -> str:
    """csv's complaint, in Dutch and located (a row can span lines: a quoted text with line breaks)."""
    where = f"bij regel {dutch_number(line)} (rij {dutch_number(row)})"
    if problem.startswith("field larger than field limit"):
        return (f"Het CSV-bestand is niet goed gevormd {where}: een cel heeft meer dan "
                f"{dutch_number(csv.field_size_limit())} tekens; zo lang is geen enkele waarde van de standaard. "
                "Controleer de aanhalingstekens rond teksten: een aanhalingsteken dat niet wordt gesloten maakt "
                "van de rest van het bestand één cel.")
    if "EOF inside string" in problem or "unexpected end of data" in problem:
        return (f"Het CSV-bestand is niet goed gevormd {where}: een aanhalingsteken wordt niet gesloten. "
                "Controleer de aanhalingstekens rond teksten.")
    return (f"Het CSV-bestand is niet goed gevormd {where}: een aanhalingsteken staat midden in een cel of een "
            "tekst loopt na het sluitende aanhalingsteken door. Controleer de aanhalingstekens rond teksten.")


TEXT_CHUNK_BYTES = 1024 * 1024  # at most; half the line limit when that is smaller
LINE = re.compile(rb"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")  # a line as csv ends it: \n, \r\n or \r
LINE_TEXT = re.compile(r"[^\r\n]*(?:\r\n|\r|\n)|[^\r\n]+\Z")
ODD_BREAKS = ("\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\x85", "\u2028", "\u2029")  # to str.splitlines, not to csv
ENCODING_NAMES = {"utf-8": "UTF-8", "cp1252": "Windows-1252 (ANSI)"}


class CsvLines:
    """The lines of a CSV file as text, for `csv.reader`: UTF-8 (with or without BOM), or
    Windows-1252 as Dutch Excel writes it.

    The first row that is not ASCII fixes the encoding; a later row in the other one means the file
    mixes them (text pasted from elsewhere), and it is refused naming that row rather than stored
    as mojibake ("cafÃ©"). A NUL byte is refused where it stands, and no line longer than
    `max_line_bytes` is ever held.

    The file is read a megabyte at a time (or half the line limit), cut after its last line break. A
    chunk that is plainly fine — one encoding, no NUL, no longer than the line limit — is handed to
    csv whole, at C speed; any other chunk goes line by line, which finds the row that breaks.
    `row()` tells the row the reader is in. A row can span lines inside quotes, so short lines alone
    do not bound a row (a row of 40 million cells, a quoted line break every thousand): when the
    reader is still in the row it was in when the previous chunk began, that row spans a whole
    chunk, and the next chunk goes line by line, which counts the row's bytes against the limit."""

    def __init__(self, source: IO[bytes], limits: Limits, row: Callable[[], int]) -> None:
        self.source, self.row = source, row
        self.max_bytes = limits.max_line_bytes
        self.chunk_row = 0  # the row the reader was in when the last chunk was handed over
        self.encoding: str | None = None
        self.marked = False  # a UTF-8 byte order mark
        self.row_bytes = (0, 0)  # (row, bytes of it seen) while going line by line

    def __iter__(self) -> Iterator[str]:
        return itertools.chain.from_iterable(self._chunks())

    def _chunks(self) -> Iterator[Iterable[str]]:
        carry = self.source.read(3)
        if carry == codecs.BOM_UTF8:
            carry, self.encoding, self.marked = b"", "utf-8", True
        while True:
            block = self.source.read(min(TEXT_CHUNK_BYTES, self.max_bytes // 2))
            data = carry + block
            if not block:
                piece, carry = data, b""
            else:
                cut = data.rfind(b"\n") + 1 or data.rfind(b"\r", 0, len(data) - 1) + 1  # never between \r and \n
                if not cut:
                    if len(data) > self.max_bytes:
                        raise self._too_long()
                    carry = data
                    continue
                piece, carry = data[:cut], data[cut:]
            if piece:
                row = self.row()
                spanning = row == self.chunk_row  # still in the row it was in when the last chunk began
                self.chunk_row = row
                yield self._line_by_line(piece) if spanning else self._lines(piece)
            if not block:
                return

    def _lines(self, data: bytes) -> Iterable[str]:
        """The lines of `data` (whole lines), as a list when the chunk is plainly fine."""
        if b"\0" in data:
            return self._line_by_line(data)
        if data.isascii():
            text = data.decode("ascii")
        else:
            try:
                text, encoding = data.decode("utf-8"), "utf-8"
            except UnicodeDecodeError:
                if len(data.decode("utf-8", "surrogateescape")) < len(data):  # some UTF-8 in it: find the row
                    return self._line_by_line(data)
                try:
                    text, encoding = data.decode("cp1252"), "cp1252"
                except UnicodeDecodeError:
                    return self._line_by_line(data)
            if self.encoding not in (None, encoding):
                return self._line_by_line(data)
            self.encoding = encoding
        if len(data) > self.max_bytes:  # a long line carried over: see whether it is too long
            return self._line_by_line(data)
        if any(odd in text for odd in ODD_BREAKS):  # str.splitlines would break there, csv does not
            return LINE_TEXT.findall(text)
        return text.splitlines(keepends=True)

    def _line_by_line(self, data: bytes) -> Iterator[str]:
        for raw in LINE.findall(data):
            row = self.row()
            seen = self.row_bytes[1] if self.row_bytes[0] == row else 0
            self.row_bytes = (row, seen + len(raw))
            if seen + len(raw) > self.max_bytes:
                raise self._too_long()
            if b"\0" in raw:
                raise Unreadable(f"Rij {dutch_number(row)} bevat een NUL-teken (binaire gegevens). "
                                 "Sla het bestand opnieuw op als 'CSV UTF-8'.")
            yield raw.decode("ascii") if raw.isascii() else self._decode(raw, row)

    def _too_long(self) -> Unreadable:
        return Unreadable(f"Rij {dutch_number(self.row())} is langer dan {dutch_number(self.max_bytes // 1024)} KiB, "
                          "de grens per rij. Controleer de aanhalingstekens rond teksten en de regeleinden.")

    def _decode(self, raw: bytes, row: int) -> str:
        try:
            text, encoding = raw.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            try:
                text, encoding = raw.decode("cp1252"), "cp1252"
            except UnicodeDecodeError:
                raise Unreadable(f"De tekencodering is onleesbaar in rij {dutch_number(row)}. Sla het bestand op "
                                 "als 'CSV UTF-8' of als 'CSV (gescheiden door lijstscheidingsteken)' (Windows-1252).") from None
        if self.encoding is None:
            self.encoding = encoding
        elif encoding != self.encoding:
            before = ("het bestand is als UTF-8 gemarkeerd" if self.marked
                      else f"de rijen ervoor zijn {ENCODING_NAMES[self.encoding]}")
            raise Unreadable(f"Het bestand mengt tekencoderingen: rij {dutch_number(row)} is "
                             f"{ENCODING_NAMES[encoding]}, maar {before}. Zo zouden letters als 'é' verminkt worden "
                             "opgeslagen. Sla het bestand opnieuw op als 'CSV UTF-8' (controleer tekst die uit een "
                             "ander bestand is geplakt).")
        return text



# --- XLSX --------------------------------------------------------------------------------------

class _SharedStrings:
    """A parser target that counts a workbook's shared strings (`si`) and their text in UTF-8 bytes."""

    def __init__(self, limits: Limits) -> None:
        self.limits, self.count, self.bytes = limits, 0, 0

    def start(self, tag: str, attributes: dict) -> None:
        if tag.endswith("}si") or tag == "si":
            self.count += 1
            if self.count > self.limits.max_shared_strings:
                raise Unreadable(f"De werkmap bevat meer dan {dutch_number(self.limits.max_shared_strings)} verschillende "
                                 "teksten, de grens per werkmap. Lever de gegevens in delen aan.")

    def data(self, text: str) -> None:
        self.bytes += len(text.encode("utf-8"))
        if self.bytes > self.limits.max_shared_string_bytes:
            raise Unreadable(f"De teksten in de werkmap zijn samen groter dan {_mib(self.limits.max_shared_string_bytes)}, "
                             "de grens per werkmap. Lever de gegevens in delen aan.")

    def close(self) -> None:
        return None


SHARED_STRINGS_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"
XML_SUFFIXES = (".xml", ".rels", ".vml")
UNSAFE_XML = ("De werkmap bevat XML-constructies die niet in een Excel-bestand horen (een DTD of entiteit in "
              "'{part}'). Sla hem opnieuw op als Excel-werkmap (.xlsx).")


class _ContentTypes:
    """A parser target that notes the parts declared as shared strings, as openpyxl finds them."""

    def __init__(self) -> None:
        self.shared_strings = {"xl/sharedStrings.xml"}

    def start(self, tag: str, attributes: dict) -> None:
        if attributes.get("ContentType") == SHARED_STRINGS_TYPE and attributes.get("PartName"):
            self.shared_strings.add(attributes["PartName"].lstrip("/"))

    def close(self) -> None:
        return None


def _shared_strings_parts(archive: zipfile.ZipFile, limits: Limits) -> set[str]:
    """The parts [Content_Types].xml declares as shared strings, and the usual name."""
    types = _ContentTypes()
    if "[Content_Types].xml" in archive.namelist():
        parser = DefusedXMLParser(target=types, forbid_dtd=True)
        for chunk in _inflate(archive, archive.getinfo("[Content_Types].xml"), limits.max_unpacked_bytes):
            parser.feed(chunk)
    return types.shared_strings


def checked_workbook(source: IO[bytes], limits: Limits, copy: IO[bytes]) -> None:
    """Write into `copy` the workbook at `source` rebuilt from its parts as checked; Unreadable when a
    part is unsafe or the workbook crosses a limit.

    Every part is inflated a chunk at a time, counted against `limits.max_unpacked_bytes` together,
    and stored uncompressed in the copy, so that whatever reads the copy (openpyxl) meets only sizes
    that are true. Every XML part's prolog is read with defusedxml, refusing any DTD or entity (a
    DTD can stand nowhere else; openpyxl reads the rest with defusedxml too), and the shared strings
    are counted with their bytes before openpyxl would hold them all. A part of another name (an
    image, or XML under a name of its own) is read as XML as far as it goes: a DTD in it is refused
    too, but a part that is no XML at all is left as it is."""
    with _open_zip(source, MAX_WORKBOOK_PARTS, "Excel-werkmap (.xlsx)", limits) as archive, \
            zipfile.ZipFile(copy, "w", zipfile.ZIP_STORED, allowZip64=True) as rebuilt:
        if "xl/workbook.xml" not in archive.namelist():
            raise Unreadable("Dit is een ZIP-bestand, geen Excel-werkmap (.xlsx), al heeft het die naam. "
                             "Geef het de extensie .zip of sla het in Excel op als Excel-werkmap.")
        part = "[Content_Types].xml"
        try:
            shared_strings = _shared_strings_parts(archive, limits)
            left = limits.max_unpacked_bytes
            for entry in archive.infolist():
                if entry.is_dir():
                    continue
                part = entry.filename
                is_xml = entry.filename.lower().endswith(XML_SUFFIXES)
                prolog: Prolog | None = Prolog(forbid_dtd=True)
                # counted by the fast parser: it is only fed what the defused one has passed (prolog first)
                strings = (ElementTree.XMLParser(target=_SharedStrings(limits))
                           if entry.filename in shared_strings else None)
                with rebuilt.open(zipfile.ZipInfo(entry.filename, entry.date_time), "w", force_zip64=True) as out:
                    for chunk in _inflate(archive, entry, left):
                        left -= len(chunk)
                        out.write(chunk)
                        if prolog is not None:
                            try:
                                prolog.feed(chunk)
                            except DefusedXmlException:
                                raise
                            except ET_ERRORS:
                                if is_xml:
                                    raise
                                prolog = None  # not XML: an image, say
                        if strings is not None:
                            strings.feed(chunk)
        except DefusedXmlException:
            raise Unreadable(UNSAFE_XML.format(part=part)) from None
        except ET_ERRORS:
            raise Unreadable(f"De werkmap is beschadigd: '{part}' is geen geldige XML. "
                             "Open hem in Excel en sla hem opnieuw op als .xlsx.") from None
        except TooLarge:
            raise Unreadable(f"De werkmap pakt uit tot meer dan {_mib(limits.max_unpacked_bytes)}, de grens per "
                             "werkmap. Lever de gegevens in delen aan.") from None


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
    tables = []
    with tempfile.TemporaryFile(prefix="ida-werkmap-") as copy:
        checked_workbook(source, delivery.limits, copy)
        copy.seek(0)
        try:
            workbook = openpyxl.load_workbook(copy, read_only=True, data_only=True, keep_links=False)
            try:
                for sheet in workbook.worksheets:
                    record_type = sheet.title.strip().casefold()
                    if record_type not in RECORD_TYPES:
                        continue  # other sheets (instructions, lists) are the deliverer's own
                    sheet.reset_dimensions()  # a workbook's stated size can be wrong; read what is there
                    try:
                        rows = _sheet_rows(sheet, delivery)
                    except Unreadable as problem:
                        raise Unreadable(f"Werkblad '{sheet.title}': {problem}") from None
                    if not rows or not any(v is not None and str(v).strip() for v in rows[0]):
                        delivery.errors.append(FileProblem(name, "Rij 1 van het werkblad is leeg: die moet de kolomnamen "
                                                                 "bevatten. Gebruik het sjabloon.", sheet.title))
                        continue
                    headers = ["" if h is None else str(h) for h in rows[0]]
                    tables.append(Table(record_type, name, sheet.title, headers, rows[1:]))
            finally:
                workbook.close()
        except Unreadable:
            raise
        except DefusedXmlException:
            raise Unreadable(UNSAFE_XML.format(part="de werkmap")) from None
        except Exception as problem:  # noqa: BLE001 - openpyxl raises many kinds of error for a broken workbook
            raise Unreadable("De Excel-werkmap kan niet worden gelezen: een onderdeel ervan is beschadigd of niet "
                             "zoals Excel het schrijft. Open hem in Excel en sla hem opnieuw op als .xlsx.") from None
    if not tables and not any(p.file == name for p in delivery.errors):
        raise Unreadable(f"De werkmap heeft geen werkblad met de naam {RECORD_NAMES}. Gebruik het sjabloon.")
    return tables


def _sheet_rows(sheet: Any, delivery: Delivery) -> list[list[Any]]:
    """A sheet's rows as cells, counted against the delivery's caps as they stream from the part."""
    rows = Rows(delivery)
    for values in sheet.iter_rows(values_only=True):
        if all(v is None for v in values):
            rows.blank += 1
        else:
            rows.add([_workbook_cell(v) for v in values])
    return rows.done()


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


JSON_ESCAPE = re.compile(rb"\\.", re.DOTALL)
JSON_STRING = re.compile(rb'"[^"]*"')  # after the escapes are gone: linear, never backtracking


JSON_PROBLEMS = {  # what json.loads says, as a deliverer reads it
    "Expecting value": "een waarde verwacht",
    "Expecting property name": "een naam tussen dubbele aanhalingstekens verwacht",
    "Expecting ',' delimiter": "een komma verwacht",
    "Expecting ':' delimiter": "een dubbele punt verwacht",
    "Unterminated string": "een tekst zonder sluitend aanhalingsteken",
    "Invalid control character": "een stuurteken (zoals een tab of regeleinde) in een tekst",
    "Invalid \\escape": "een ongeldige backslash in een tekst",
    "Invalid \\u": "een ongeldige \\u-code in een tekst",
    "Extra data": "nog gegevens na het einde van de JSON",
}


def json_shape(data: bytes) -> tuple[int, int]:
    """Upper bounds on the values and on the objects in a JSON document, counted without parsing it:
    every array element and object member but the first follows a comma outside a string, the first
    an opening bracket; every object opens with a brace."""
    skeleton = JSON_STRING.sub(b"", JSON_ESCAPE.sub(b"", data))
    objects = skeleton.count(b"{")
    return skeleton.count(b",") + skeleton.count(b"[") + objects, objects


def _read_json(source: IO[bytes], name: str, delivery: Delivery) -> list[Table]:
    data = source.read()
    if what := _looks_like(data[:SNIFF_BYTES]):
        raise Unreadable(f"Dit is {what}, geen JSON-tekstbestand. Sla de levering op als JSON in UTF-8.")
    limits = delivery.limits
    values, objects = json_shape(data)  # before parsing: an object costs a few hundred bytes, a value tens
    if values > limits.max_cells + limits.max_rows:  # a cell per value, an object per row
        raise Unreadable(f"De JSON bevat meer dan {dutch_number(limits.max_cells)} waarden, de grens van cellen per "
                         "levering. Lever de gegevens in delen aan.")
    if objects > limits.max_rows + 1:  # an object per row, one around them all
        raise Unreadable(f"De JSON bevat meer dan {dutch_number(limits.max_rows)} objecten, de grens van rijen per "
                         "levering (één object per rij). Lever de gegevens in delen aan.")
    try:
        document = json.loads(data.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise Unreadable("Een JSON-bestand moet in UTF-8 zijn opgeslagen.") from None
    except json.JSONDecodeError as problem:
        what = next((dutch for english, dutch in JSON_PROBLEMS.items() if problem.msg.startswith(english)), "ongeldige opbouw")
        raise Unreadable(f"Dit is geen geldige JSON: {what} op regel {dutch_number(problem.lineno)}, "
                         f"kolom {dutch_number(problem.colno)}.") from None
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
        delivery.count_table(len(records), len(records) * len(headers), record_type)  # before the rows are made
        rows = [[_json_cell(record.get(h)) for h in headers] for record in records]
        # there is no header row: row n is the n-th object of the list, the "sheet" is the list's name
        tables.append(Table(record_type, name, record_type, headers, rows, first_row=1, header_row=None))
    return tables
