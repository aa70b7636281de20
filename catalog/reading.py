"""Reading delivered files — CSV, XLSX, JSON, ZIPs of those, or folders — into tables of raw cells.

Reading never trusts a file: sizes are capped, ZIPs are checked for bombs and path escapes before
anything is unpacked, workbooks are opened without evaluating formulas, and every problem becomes a
Dutch message naming the file instead of a traceback.
"""

from __future__ import annotations

import csv
import io
import json
import os
import zipfile
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import Any

from catalog.standard import RECORD_TYPES

MAX_FILE_BYTES = int(os.environ.get("IDA_MAX_FILE_MB", "50")) * 1024 * 1024
MAX_ZIP_ENTRIES = 50
MAX_ZIP_UNPACKED_BYTES = 200 * 1024 * 1024
DELIVERY_SUFFIXES = {".csv", ".xlsx", ".json", ".zip"}
RECORD_NAMES = ", ".join(RECORD_TYPES)


@dataclass
class Table:
    """One record type's rows as delivered; `first_row` is the number a spreadsheet user sees."""

    record_type: str
    file: str
    sheet: str | None
    headers: list[str]
    rows: list[list[Any]]
    first_row: int = 2


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


class Unreadable(Exception):
    """A file that is not what it claims to be; the message is Dutch and meant for the deliverer."""


def read_delivery(paths: list[Path]) -> Delivery:
    """Read every delivery file under `paths` (files or folders)."""
    delivery = Delivery()
    for path in paths:
        if path.is_dir():
            for child in sorted(p for p in path.rglob("*") if p.is_file() and not p.name.startswith(".")):
                if child.suffix.lower() in DELIVERY_SUFFIXES:
                    _read_file(child, child.relative_to(path).as_posix(), delivery)
                else:
                    delivery.warnings.append(FileProblem(child.name, "Bestand genegeerd: alleen .csv, .xlsx, .json en .zip worden gelezen."))
        elif path.is_file():
            _read_file(path, path.name, delivery)
        else:
            delivery.errors.append(FileProblem(str(path), "Bestand of map niet gevonden. Controleer het pad."))
    return delivery


def _read_file(path: Path, name: str, delivery: Delivery) -> None:
    delivery.files.append(path)
    size = path.stat().st_size
    if size > MAX_FILE_BYTES:
        delivery.errors.append(FileProblem(name, f"Het bestand is te groot ({size / 2**20:.0f} MiB; maximaal {MAX_FILE_BYTES // 2**20} MiB). Lever het in delen aan."))
        return
    try:
        read_bytes(path.read_bytes(), name, delivery)
    except Unreadable as problem:
        delivery.errors.append(FileProblem(name, str(problem)))


def read_bytes(data: bytes, name: str, delivery: Delivery) -> None:
    """Read one file's bytes into `delivery`, dispatching on its extension."""
    suffix = PurePosixPath(name).suffix.lower()
    if suffix == ".zip":
        _read_zip(data, name, delivery)
    elif suffix == ".xlsx":
        delivery.tables.extend(_read_xlsx(data, name, delivery))
    elif suffix == ".csv":
        delivery.tables.append(_read_csv(data, name))
    elif suffix == ".json":
        delivery.tables.extend(_read_json(data, name))
    elif suffix == ".xls":
        raise Unreadable("Oude Excel-bestanden (.xls) worden niet gelezen. Sla het bestand op als Excel-werkmap (.xlsx).")
    else:
        raise Unreadable("Onbekend bestandstype. Lever .csv, .xlsx, .json of een .zip daarvan aan.")


def _open_zip(data: bytes, name: str) -> zipfile.ZipFile:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
    except zipfile.BadZipFile:
        raise Unreadable("Dit is geen geldig ZIP-bestand (of Excel-werkmap): het is beschadigd of van een ander type.") from None
    entries = archive.infolist()
    if len(entries) > MAX_ZIP_ENTRIES * 20:
        raise Unreadable(f"Het archief bevat te veel bestanden ({len(entries)}).")
    unpacked = sum(e.file_size for e in entries)
    if unpacked > MAX_ZIP_UNPACKED_BYTES:
        raise Unreadable(f"Het archief pakt uit tot {unpacked / 2**20:.0f} MiB; maximaal {MAX_ZIP_UNPACKED_BYTES // 2**20} MiB is toegestaan.")
    return archive


def _unpack(archive: zipfile.ZipFile, entry: zipfile.ZipInfo) -> bytes:
    """An entry's bytes, read with a hard cap: declared sizes in a ZIP can lie."""
    with archive.open(entry) as handle:
        data = handle.read(MAX_ZIP_UNPACKED_BYTES + 1)
    if len(data) > MAX_ZIP_UNPACKED_BYTES or len(data) > entry.file_size:
        raise Unreadable(f"'{entry.filename}' pakt groter uit dan het archief opgeeft; het archief wordt geweigerd.")
    return data


def _read_zip(data: bytes, name: str, delivery: Delivery) -> None:
    archive = _open_zip(data, name)
    entries = [e for e in archive.infolist() if not e.is_dir()]
    if len(entries) > MAX_ZIP_ENTRIES:
        raise Unreadable(f"Het ZIP-bestand bevat {len(entries)} bestanden; maximaal {MAX_ZIP_ENTRIES}.")
    for entry in entries:
        inner = PurePosixPath(entry.filename.replace("\\", "/"))
        if inner.is_absolute() or ".." in inner.parts or entry.filename.startswith(("/", "\\")) or ":" in inner.parts[0]:
            raise Unreadable(f"Het ZIP-bestand bevat een onveilige bestandsnaam ('{entry.filename}'). Pak de bestanden in zonder mappen buiten het archief.")
    for entry in entries:
        inner = PurePosixPath(entry.filename)
        if inner.name.startswith(".") or "__MACOSX" in inner.parts:
            continue
        if inner.suffix.lower() == ".zip":
            delivery.errors.append(FileProblem(f"{name}/{entry.filename}", "Een ZIP in een ZIP wordt niet gelezen. Pak de bestanden in één archief in."))
            continue
        if inner.suffix.lower() not in DELIVERY_SUFFIXES:
            delivery.warnings.append(FileProblem(f"{name}/{entry.filename}", "Bestand genegeerd: alleen .csv, .xlsx en .json worden gelezen."))
            continue
        try:
            read_bytes(_unpack(archive, entry), f"{name}/{entry.filename}", delivery)
        except Unreadable as problem:
            delivery.errors.append(FileProblem(f"{name}/{entry.filename}", str(problem)))


def _record_type(stem: str, name: str) -> str:
    record_type = stem.strip().casefold()
    if record_type not in RECORD_TYPES:
        raise Unreadable(f"Onbekende bestandsnaam. Noem een CSV-bestand naar het soort gegevens: {RECORD_NAMES} (bijvoorbeeld 'lessen.csv').")
    return record_type


def _decode(data: bytes) -> str:
    if b"\x00" in data[:4096]:
        raise Unreadable("Dit is geen tekstbestand (CSV). Sla het bestand op als 'CSV (gescheiden door lijstscheidingsteken)'.")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise Unreadable("De tekencodering is onleesbaar. Sla het bestand op als CSV in UTF-8 of Windows-1252.")


def _read_csv(data: bytes, name: str) -> Table:
    record_type = _record_type(PurePosixPath(name).stem, name)
    text = _decode(data)
    header_line = text.split("\n", 1)[0]
    delimiter = ";" if header_line.count(";") > header_line.count(",") else ","
    try:
        rows = list(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter))
    except csv.Error as problem:
        raise Unreadable(f"Het CSV-bestand is niet goed gevormd ({problem}). Controleer aanhalingstekens.") from None
    if not rows:
        raise Unreadable("Het bestand is leeg: de eerste regel moet de kolomnamen bevatten.")
    return Table(record_type, name, None, rows[0], rows[1:])


def _read_xlsx(data: bytes, name: str, delivery: Delivery) -> list[Table]:
    import openpyxl  # imported here: a CSV-only delivery never pays for it

    archive = _open_zip(data, name)
    if "xl/workbook.xml" not in archive.namelist():
        raise Unreadable("Dit is geen Excel-werkmap (.xlsx), al heeft het die naam. Sla het bestand op als Excel-werkmap.")
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True, keep_links=False)
    except Exception as problem:  # openpyxl raises many types for broken workbooks
        raise Unreadable(f"De Excel-werkmap kan niet worden gelezen ({type(problem).__name__}). Sla hem opnieuw op als .xlsx.") from None
    tables = []
    try:
        for sheet in workbook.worksheets:
            record_type = sheet.title.strip().casefold()
            if record_type not in RECORD_TYPES:
                continue
            rows = [list(row) for row in sheet.iter_rows(values_only=True)]
            if not rows:
                delivery.errors.append(FileProblem(name, "Het werkblad is leeg: rij 1 moet de kolomnamen bevatten.", sheet.title))
                continue
            headers = ["" if h is None else str(h) for h in rows[0]]
            tables.append(Table(record_type, name, sheet.title, headers, rows[1:]))
    finally:
        workbook.close()
    if not tables:
        raise Unreadable(f"De werkmap heeft geen werkblad met de naam {RECORD_NAMES}. Gebruik het sjabloon.")
    return tables


def _read_json(data: bytes, name: str) -> list[Table]:
    try:
        document = json.loads(_decode(data))
    except (json.JSONDecodeError, Unreadable) as problem:
        raise Unreadable(f"Dit is geen geldige JSON ({problem}).") from None
    if not isinstance(document, dict) or not any(k in document for k in RECORD_TYPES):
        raise Unreadable(f"Een JSON-levering is een object met de lijsten {RECORD_NAMES}.")
    tables = []
    for record_type in RECORD_TYPES:
        records = document.get(record_type)
        if records is None:
            continue
        if not isinstance(records, list) or not all(isinstance(r, dict) for r in records):
            raise Unreadable(f"'{record_type}' moet een lijst van objecten zijn.")
        headers = list(dict.fromkeys(k for record in records for k in record))
        rows = [[record.get(h) for h in headers] for record in records]
        tables.append(Table(record_type, name, None, headers, rows, first_row=1))
    return tables
