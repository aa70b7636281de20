"""Hostile delivery files, built byte by byte (never through a library that would refuse to write them).

Each builder writes one kind of hostile delivery into a folder and returns its files. `scale` 1.0 is
the size of the report that found the problem (issue 14) or a size well past the platform's limits;
`TINY_SCALE` with `TINY_LIMITS` (the limits scaled down alike) crosses the same limits in seconds.
Everything streams: building a file of 1 GiB unpacked never holds it in memory.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

MIB = 2**20
LESSON_COLUMNS = ["les_id", "experiment_id", "datum", "leerrichting", "categorie", "les", "dilemma",
                  "publieke_waarden", "escalatieniveau", "status"]
LESSON = ["UTR-2021-03-L1", "UTR-2021-03", "2022-06-01", "horizontaal", "gegevensmanagement",
          "Leg eigenaarschap van sensordata vooraf vast.", "nee", "eigendom_data", "", "open"]
JUNK = ["!", "?", "31-31-2021", "x", "x", "", "misschien", "x", "x", "x"]  # every cell wrong
TINY_SCALE = 1 / 100
TINY_LIMITS = {"IDA_MAX_ROWS": "2000", "IDA_MAX_CELLS": "25000", "IDA_MAX_SHARED_STRINGS": "10000",
               "IDA_MAX_SHARED_STRINGS_MB": "1", "IDA_MAX_UNPACKED_MB": "8", "IDA_MAX_FINDINGS": "100"}


# --- workbooks, part by part ------------------------------------------------------------------------

MAIN = b'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
RELS = b'xmlns="http://schemas.openxmlformats.org/package/2006/relationships"'
OFFICE = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"


def _content_types(sheets: int) -> bytes:
    overrides = "".join(f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
                        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>' for n in range(1, sheets + 1))
    return ('<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.'
            'relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName='
            '"/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.'
            f'main+xml"/>{overrides}<Override PartName="/xl/sharedStrings.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>').encode()


def cell(value: str) -> bytes:
    text = value.replace("&", "&amp;").replace("<", "&lt;")
    return f'<c t="inlineStr"><is><t>{text}</t></is></c>'.encode()


def row(values: Iterable[str], number: int | None = None) -> bytes:
    attribute = f' r="{number}"' if number else ""
    return f"<row{attribute}>".encode() + b"".join(map(cell, values)) + b"</row>"


def write_workbook(path: Path, sheets: dict[str, Iterable[bytes]], strings: Iterable[bytes] = (),
                   prolog: bytes = b"", dimension: str = "A1", extra_parts: int = 0) -> Path:
    """An .xlsx whose sheets hold the row XML `sheets` yields and whose shared-strings part holds the
    `<si>` XML `strings` yields; `prolog` stands before each sheet's root element."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        out.writestr("[Content_Types].xml", _content_types(len(sheets)))
        out.writestr("_rels/.rels", b"<Relationships " + RELS + b'><Relationship Id="rId1" Type="' + OFFICE
                     + b'/officeDocument" Target="xl/workbook.xml"/></Relationships>')
        listed = "".join(f'<sheet name="{name}" sheetId="{n}" r:id="rId{n}"/>' for n, name in enumerate(sheets, 1))
        out.writestr("xl/workbook.xml", b"<workbook " + MAIN + b' xmlns:r="' + OFFICE + b'"><sheets>'
                     + listed.encode() + b"</sheets></workbook>")
        relations = "".join(f'<Relationship Id="rId{n}" Type="{OFFICE.decode()}/worksheet" Target="worksheets/sheet{n}.xml"/>'
                            for n in range(1, len(sheets) + 1))
        out.writestr("xl/_rels/workbook.xml.rels", b"<Relationships " + RELS + b">" + relations.encode()
                     + f'<Relationship Id="rId{len(sheets) + 1}" Type="{OFFICE.decode()}/sharedStrings" '
                       'Target="sharedStrings.xml"/></Relationships>'.encode())
        with out.open("xl/sharedStrings.xml", "w", force_zip64=True) as part:
            part.write(b"<sst " + MAIN + b">")
            for chunk in strings:
                part.write(chunk)
            part.write(b"</sst>")
        for n, rows in enumerate(sheets.values(), 1):
            with out.open(f"xl/worksheets/sheet{n}.xml", "w", force_zip64=True) as part:
                part.write(b'<?xml version="1.0" encoding="UTF-8"?>' + prolog + b"<worksheet " + MAIN
                           + f'><dimension ref="{dimension}"/><sheetData>'.encode())
                for chunk in rows:
                    part.write(chunk)
                part.write(b"</sheetData></worksheet>")
        for n in range(extra_parts):
            out.writestr(f"xl/media/afbeelding{n}.xml", b"<x/>")
    return path


def lessons_sheet(rows: int, values: list[str] = JUNK) -> Iterator[bytes]:
    yield row(LESSON_COLUMNS, 1)
    body = row(values)
    for start in range(0, rows, 10_000):
        yield body * min(10_000, rows - start)


# --- ZIP entries that lie ---------------------------------------------------------------------------

def declare_size(path: Path, name: str, declared: int) -> None:
    """Make entry `name` of the ZIP at `path` declare `declared` bytes unpacked, in both its headers."""
    data = bytearray(path.read_bytes())
    for signature, name_at, size_at in ((b"PK\x03\x04", 30, 22), (b"PK\x01\x02", 46, 24)):
        at = data.find(signature)
        while at != -1:
            if data[at + name_at:at + name_at + len(name)] == name.encode():
                data[at + size_at:at + size_at + 4] = declared.to_bytes(4, "little")
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))


def _stream(out: zipfile.ZipFile, name: str, head: bytes, filler: bytes, mib: int, tail: bytes = b"") -> None:
    with out.open(name, "w", force_zip64=False) as part:
        part.write(head)
        block = filler * (MIB // len(filler))
        for _ in range(mib):
            part.write(block)
        part.write(tail)


# --- the kinds --------------------------------------------------------------------------------------

@dataclass(frozen=True)
class Kind:
    name: str
    what: str
    build: Callable[[Path, float], list[Path]]


def _n(full: int, scale: float, least: int = 1) -> int:
    return max(least, int(full * scale))


def junk_rows(folder: Path, scale: float) -> list[Path]:
    """Issue 14 #1: a small workbook whose lessen sheet holds 120,000 rows of junk (1.2 million errors)."""
    return [write_workbook(folder / "lessen.xlsx", {"lessen": lessons_sheet(_n(120_000, scale))})]


def million_rows(folder: Path, scale: float) -> list[Path]:
    """Issue 14 #1: 1.2 million rows in a workbook of about 1 MB (one cell a row)."""
    return [write_workbook(folder / "lessen.xlsx", {"lessen": lessons_sheet(_n(1_200_000, scale), ["x"])})]


def million_tiny_cells(folder: Path, scale: float) -> list[Path]:
    """Three million one-letter cells in a CSV: 60,000 rows of 50 cells."""
    path = folder / "lessen.csv"
    with path.open("w") as out:
        out.write(",".join(LESSON_COLUMNS + [f"k{n}" for n in range(40)]) + "\n")
        out.write(("," .join("x" * 50) + "\n") * _n(60_000, scale))
    return [path]


def blank_lines(folder: Path, scale: float) -> list[Path]:
    """Forty million line breaks between the header and one row."""
    path = folder / "lessen.csv"
    with path.open("wb") as out:
        out.write(",".join(LESSON_COLUMNS).encode() + b"\n")
        for _ in range(_n(40, scale)):
            out.write(b"\n" * MIB)
        out.write(",".join(LESSON).encode() + b"\n")
    return [path]


def zip_inflates_beyond_declared(folder: Path, scale: float) -> list[Path]:
    """Issue 14 #2: a ZIP whose lessen.csv declares 1,000 bytes and inflates to 1 GiB."""
    path = folder / "levering.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        _stream(out, "lessen.csv", ",".join(LESSON_COLUMNS).encode() + b"\n", b"a", _n(1024, scale, 2))
    declare_size(path, "lessen.csv", 1000)
    return [path]


def zip_bomb_honest(folder: Path, scale: float) -> list[Path]:
    """A ZIP whose lessen.csv says truthfully that it inflates to 1 GiB (a classic bomb)."""
    path = folder / "levering.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        _stream(out, "lessen.csv", ",".join(LESSON_COLUMNS).encode() + b"\n", b"\n", _n(1024, scale, 3))
    return [path]


def workbook_part_inflates_beyond_declared(folder: Path, scale: float) -> list[Path]:
    """Issue 14 #2 in a workbook: its sheet declares 1,000 bytes and inflates to 1 GiB."""
    path = write_workbook(folder / "lessen.xlsx", {"lessen": lessons_sheet(1, LESSON)})
    target = folder / "kapot.xlsx"
    with zipfile.ZipFile(path) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for entry in original.infolist():
            data = original.read(entry)
            if entry.filename == "xl/worksheets/sheet1.xml":
                head, tail = data.split(b"</worksheet>")
                _stream(out, entry.filename, head + b"<!--", b" ", _n(1024, scale, 3), b"--></worksheet>" + tail)
            else:
                out.writestr(entry.filename, data)
    declare_size(target, "xl/worksheets/sheet1.xml", 1000)
    path.unlink()
    return [target]


def shared_strings_bytes(folder: Path, scale: float) -> list[Path]:
    """Issue 14 #3: a workbook of half a megabyte with 187 MB of shared strings."""
    strings = (b"<si><t>" + b"a" * MIB + b"</t></si>" for _ in range(_n(187, scale, 2)))
    return [write_workbook(folder / "lessen.xlsx", {"lessen": lessons_sheet(1, LESSON)}, strings)]


def shared_strings_count(folder: Path, scale: float) -> list[Path]:
    """Two million tiny shared strings."""
    def strings() -> Iterator[bytes]:
        for start in range(0, _n(2_000_000, scale), 10_000):
            yield b"".join(b"<si><t>%d</t></si>" % n for n in range(start, start + 10_000))
    return [write_workbook(folder / "lessen.xlsx", {"lessen": lessons_sheet(1, LESSON)}, strings())]


def entity_after_padding(folder: Path, scale: float) -> list[Path]:
    """Issue 14 #4: an internal entity declared after 8 KB of padding, used in the lesson text."""
    prolog = b"<!--" + b" " * 8192 + b'--><!DOCTYPE worksheet [<!ENTITY les "INGESLOPEN">]>'
    sheet = iter([row(LESSON_COLUMNS, 1), row(LESSON[:5]).replace(b"</row>", b"") + b'<c t="inlineStr"><is><t>&les;</t></is></c></row>'])
    return [write_workbook(folder / "lessen.xlsx", {"lessen": sheet}, prolog=prolog)]


def billion_laughs(folder: Path, scale: float) -> list[Path]:
    """The billion laughs: ten entities of ten times the one before, in the shared strings."""
    laughs = b"".join(b'<!ENTITY l%d "%s">' % (n, (b"&l%d;" % (n - 1)) * 10) for n in range(1, 10))
    prolog = b'<!DOCTYPE worksheet [<!ENTITY l0 "ha">' + laughs + b"]>"
    sheet = iter([row(LESSON_COLUMNS, 1), b'<row><c t="inlineStr"><is><t>&l9;</t></is></c></row>'])
    return [write_workbook(folder / "lessen.xlsx", {"lessen": sheet}, prolog=prolog)]


def huge_dimensions(folder: Path, scale: float) -> list[Path]:
    """A sheet that claims A1:XFD1048576 and has a cell in its last row and column."""
    sheet = iter([row(LESSON_COLUMNS, 1), b'<row r="1048576"><c r="XFD1048576" t="inlineStr"><is><t>x</t></is></c></row>'])
    return [write_workbook(folder / "lessen.xlsx", {"lessen": sheet}, dimension="A1:XFD1048576")]


def many_workbook_parts(folder: Path, scale: float) -> list[Path]:
    """A workbook of 5,000 parts."""
    return [write_workbook(folder / "lessen.xlsx", {"lessen": lessons_sheet(1, LESSON)}, extra_parts=5000)]


def zip_many_entries(folder: Path, scale: float) -> list[Path]:
    """A ZIP of 10,000 small CSV files."""
    path = folder / "levering.zip"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as out:
        for n in range(10_000):
            out.writestr(f"map/lessen{n}.csv", ",".join(LESSON_COLUMNS) + "\n")
    return [path]


def mixed_encodings(folder: Path, scale: float) -> list[Path]:
    """Issue 14 #9: UTF-8 rows, then a row in Windows-1252, deep in the file."""
    path = folder / "lessen.csv"
    good = ",".join(LESSON).replace("vooraf", "café")
    with path.open("wb") as out:
        out.write(",".join(LESSON_COLUMNS).encode() + b"\n")
        for n in range(_n(100_000, scale)):
            out.write(good.replace("L1", f"L{n}").encode("utf-8") + b"\n")
        out.write(good.replace("L1", "X").encode("cp1252") + b"\n")
    return [path]


def huge_field(folder: Path, scale: float) -> list[Path]:
    """Issue 14 #11: one quoted CSV field of 40 MB."""
    path = folder / "lessen.csv"
    with path.open("wb") as out:
        out.write(",".join(LESSON_COLUMNS).encode() + b"\n" + b'L1,E1,2022-01-01,horizontaal,x,"')
        out.write(b"x" * int(40 * MIB * scale))
        out.write(b'",nee,,,open\n')
    return [path]


def overlong_line(folder: Path, scale: float) -> list[Path]:
    """A CSV line of 40 MB of delimiters: 40 million empty cells in one row."""
    path = folder / "lessen.csv"
    with path.open("wb") as out:
        out.write(",".join(LESSON_COLUMNS).encode() + b"\n")
        out.write(b"," * int(40 * MIB * scale))
        out.write(b"\n")
    return [path]


def quoted_long_row(folder: Path, scale: float) -> list[Path]:
    """One CSV row of 40 million cells whose lines are short: a quoted line break every 1,000 cells."""
    path = folder / "lessen.csv"
    with path.open("wb") as out:
        out.write(",".join(LESSON_COLUMNS).encode() + b"\n")
        piece = b"," * 1000 + b'"\n"'
        for _ in range(_n(40_000, scale)):
            out.write(piece)
        out.write(b"\n")
    return [path]


def nul_bytes(folder: Path, scale: float) -> list[Path]:
    """NUL bytes after the first megabyte of a good CSV."""
    path = folder / "lessen.csv"
    good = ",".join(LESSON)
    with path.open("wb") as out:
        out.write(",".join(LESSON_COLUMNS).encode() + b"\n")
        for n in range(_n(30_000, scale * 5)):
            out.write(good.replace("L1", f"L{n}").encode() + b"\n")
        out.write(good.replace("vooraf", "voor\0af").encode() + b"\n")
    return [path]


def deep_json(folder: Path, scale: float) -> list[Path]:
    """JSON nested a million arrays deep."""
    depth = _n(1_000_000, scale)
    path = folder / "levering.json"
    path.write_bytes(b'{"lessen": ' + b"[" * depth + b"]" * depth + b"}")
    return [path]


def json_many_values(folder: Path, scale: float) -> list[Path]:
    """JSON of fifteen million empty lists."""
    path = folder / "levering.json"
    path.write_bytes(b'{"lessen": [' + b",".join([b"[]"] * _n(15_000_000, scale)) + b"]}")
    return [path]


def json_wide_records(folder: Path, scale: float) -> list[Path]:
    """JSON of 150,000 lessons that each have a key of their own: as a table, 22.5 billion cells."""
    records = [{f"veld{n}": "x"} for n in range(_n(150_000, scale, 200))]
    path = folder / "levering.json"
    path.write_text(json.dumps({"lessen": records}))
    return [path]


def json_many_objects(folder: Path, scale: float) -> list[Path]:
    """JSON of a million empty objects: the rows of a table, before any cell."""
    path = folder / "levering.json"
    path.write_bytes(b'{"lessen": [' + b",".join([b"{}"] * _n(1_000_000, scale)) + b"]}")
    return [path]


KINDS = [
    Kind("rommelrijen", "werkmap, 120.000 rijen onzin (1,2 mln fouten)", junk_rows),
    Kind("miljoen-rijen", "werkmap, 1,2 mln rijen", million_rows),
    Kind("miljoen-cellen", "CSV, 3 mln cellen van één teken", million_tiny_cells),
    Kind("lege-regels", "CSV, 40 mln lege regels", blank_lines),
    Kind("zip-liegt", "ZIP, lessen.csv zegt 1 kB, pakt uit tot 1 GiB", zip_inflates_beyond_declared),
    Kind("zip-bom", "ZIP, lessen.csv pakt eerlijk uit tot 1 GiB", zip_bomb_honest),
    Kind("werkmap-liegt", "werkmap, werkblad zegt 1 kB, pakt uit tot 1 GiB", workbook_part_inflates_beyond_declared),
    Kind("teksten-groot", "werkmap, 187 MB gedeelde teksten", shared_strings_bytes),
    Kind("teksten-veel", "werkmap, 2 mln gedeelde teksten", shared_strings_count),
    Kind("entiteit", "werkmap, entiteit na 8 kB opvulling", entity_after_padding),
    Kind("miljard-lachjes", "werkmap, billion laughs", billion_laughs),
    Kind("grote-afmetingen", "werkmap, cel in XFD1048576", huge_dimensions),
    Kind("veel-onderdelen", "werkmap, 5.000 onderdelen", many_workbook_parts),
    Kind("zip-veel", "ZIP, 10.000 bestanden", zip_many_entries),
    Kind("gemengd", "CSV, UTF-8 en Windows-1252", mixed_encodings),
    Kind("groot-veld", "CSV, één veld van 40 MB", huge_field),
    Kind("lange-regel", "CSV, regel van 40 MB scheidingstekens", overlong_line),
    Kind("lange-rij", "CSV, rij van 40 mln cellen in korte regels", quoted_long_row),
    Kind("nul-tekens", "CSV, NUL na 1 MB", nul_bytes),
    Kind("diepe-json", "JSON, 1 mln niveaus diep", deep_json),
    Kind("json-waarden", "JSON, 15 mln lege lijsten", json_many_values),
    Kind("json-breed", "JSON, 150.000 objecten met elk een eigen sleutel", json_wide_records),
    Kind("json-objecten", "JSON, 1 mln lege objecten", json_many_objects),
]
