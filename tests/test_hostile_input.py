"""Hostile and heavy input (issue 14, findings 1, 2, 3, 4, 9 and 11): what crosses a limit is refused
with a Dutch message naming the limit, the file and the row, while memory stays bounded and the
archived report small. Memory is measured on the real `ida validate` command in a child process;
`bench/hostile` runs every kind of hostile file, here at a tiny size so it cannot break unnoticed."""

from __future__ import annotations

import json
import os
import resource
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

from ida.intake.submissions import REPORT, archive_submission
from ida.intake.validation import validate
from ida.settings import REPO_ROOT, Limits, Settings
from test_validation import EXPERIMENT, LESSON, records, write_csv, write_xlsx

sys.path.insert(0, str(REPO_ROOT / "bench"))
from _hostile import entity_after_padding, lessons_sheet, write_workbook  # noqa: E402

IDA = str(Path(sys.executable).with_name("ida"))
MIB = 2**20
HEADROOM_MIB = 100  # what reading a hostile file may add to the command's own footprint


def peak_of(command: list[str], env: dict[str, str] | None = None) -> tuple[subprocess.CompletedProcess, float]:
    """Run `command` in a fresh child and return it with the peak memory (MiB) of its largest process."""
    script = ("import resource, subprocess, sys\n"
              "done = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
              "sys.stdout.write(done.stdout); sys.stderr.write(done.stderr)\n"
              "print(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, file=sys.stderr)\n"
              "sys.exit(done.returncode)\n")
    done = subprocess.run([sys.executable, "-c", script, *command], capture_output=True, text=True, timeout=300,
                          env={**os.environ, **(env or {})})
    *stderr, peak = done.stderr.strip().splitlines()
    done.stderr = "\n".join(stderr)
    return done, float(peak)


@pytest.fixture(scope="module")
def baseline_mib(tmp_path_factory: pytest.TempPathFactory) -> float:
    """The peak memory of `ida validate` on a small delivery: the command's own footprint."""
    folder = write_csv(tmp_path_factory.mktemp("klein"), records())
    done, peak = peak_of([IDA, "validate", "--province", "PV26", "--json", str(folder)])
    assert done.returncode == 0, done.stderr
    return peak


def ida_validate(*paths: Path, **env: str) -> tuple[dict, float]:
    done, peak = peak_of([IDA, "validate", "--province", "PV26", "--json", *map(str, paths)], env)
    assert done.returncode == 1, (done.returncode, done.stderr[-2000:])
    assert "Traceback" not in done.stderr
    return json.loads(done.stdout), peak


def junk_lessons(path: Path, rows: int) -> Path:
    """A lessen.csv whose every cell is wrong: ten errors a row."""
    header = ",".join(LESSON)
    junk = "!,?,31-31-2021,x,x,,misschien,x,x,x\n"
    path.write_text(header + "\n" + junk * rows, encoding="utf-8")
    return path


# --- 1. a report has a cap -----------------------------------------------------------------------

def test_1_a_report_of_a_junk_file_lists_the_first_findings_and_counts_the_rest(tmp_path: Path) -> None:
    path = junk_lessons(tmp_path / "lessen.csv", 120_000)
    submission = archive_submission(tmp_path / "archief", "PV26", [("lessen.csv", path.read_bytes())], set(), "test")
    report = submission.report
    assert not report.accepted
    assert report.error_count == 120_000 * 10
    listed = [f for f in report.errors if f.row is not None]
    assert len(listed) == Limits.max_findings
    assert [f.row for f in listed[:10]] == [2] * 10  # the first as a reader meets them: row 2, left to right
    assert listed[-1].row == 101
    assert [f.column for f in listed[:3]] == ["les_id", "experiment_id", "datum"]
    counted = [f for f in report.errors if f.message.startswith("En nog ")]
    by_column = {f.column: f.message for f in counted}
    assert "En nog 119.900 meldingen van deze soort in kolom 'les_id'" in by_column["les_id"]
    assert "Deze datum bestaat niet" in by_column["datum"]
    archived = submission.folder / REPORT
    assert archived.stat().st_size < 5 * MIB
    assert json.loads(archived.read_text())["error_count"] == report.error_count
    assert json.loads((submission.folder / "meta.json").read_text())["errors"] == report.error_count


def test_1_a_delivery_past_the_row_cap_is_refused_while_reading_in_bounded_memory(tmp_path: Path, baseline_mib: float) -> None:
    path = tmp_path / "lessen.csv"
    path.write_text(",".join(LESSON) + "\n" + "x\n" * 1_200_000)
    report, peak = ida_validate(path)
    assert report["errors"][0]["file"] == "lessen.csv"
    assert "meer dan 200.000 rijen, de grens per levering" in report["errors"][0]["message"]
    assert "bij rij 200.001" in report["errors"][0]["message"]
    assert peak < baseline_mib + HEADROOM_MIB, f"{peak:.0f} MiB, {baseline_mib:.0f} MiB without the file"


def test_1_the_caps_on_rows_cells_and_findings_are_settings() -> None:
    env = {"IDA_MAX_ROWS": "10", "IDA_MAX_CELLS": "20", "IDA_MAX_FINDINGS": "3", "IDA_MAX_LINE_KB": "2",
           "IDA_MAX_SHARED_STRINGS": "4", "IDA_MAX_SHARED_STRINGS_MB": "0.5", "IDA_MAX_UNPACKED_MB": "1"}
    limits = Settings.from_env(env).limits
    assert (limits.max_rows, limits.max_cells, limits.max_findings, limits.max_line_bytes) == (10, 20, 3, 2048)
    assert (limits.max_shared_strings, limits.max_shared_string_bytes, limits.max_unpacked_bytes) == (4, MIB // 2, MIB)


def test_1_a_delivery_past_the_cell_cap_is_refused_naming_the_cap_and_the_file(tmp_path: Path) -> None:
    folder = write_csv(tmp_path, records())
    report = validate([folder], "PV26", limits=Limits(max_cells=50))
    assert not report.accepted
    # experimenten.csv (20 columns) crosses it at row 3; the files after it at their first rows
    assert [(f.file, f.row) for f in report.errors] == [("experimenten.csv", None), ("lessen.csv", None), ("resultaten.csv", None)]
    assert "meer dan 50 cellen, de grens per levering; dit bestand gaat er bij rij 3 overheen" in report.errors[0].message
    assert all("meer dan 50 cellen" in f.message for f in report.errors)
    assert validate([folder], "PV26", limits=Limits(max_cells=200)).accepted


# --- 2. a ZIP entry that inflates beyond what it declares -----------------------------------------

def declare_size(path: Path, name: str, declared: int, crc: int | None = None) -> None:
    """Make the entry `name` of the ZIP at `path` declare `declared` bytes unpacked (and `crc` as its
    checksum, when given), in both its headers."""
    data = bytearray(path.read_bytes())
    for signature, name_at, crc_at in ((b"PK\x03\x04", 30, 14), (b"PK\x01\x02", 46, 16)):
        at = data.find(signature)
        while at != -1:
            if data[at + name_at:at + name_at + len(name)] == name.encode():
                data[at + crc_at + 8:at + crc_at + 12] = declared.to_bytes(4, "little")
                if crc is not None:
                    data[at + crc_at:at + crc_at + 4] = crc.to_bytes(4, "little")
            at = data.find(signature, at + 4)
    path.write_bytes(bytes(data))


def inflating_copy(source: Path, target: Path, name: str, before: bytes, padding: int, filler: bytes = b" ",
                   matching_crc: bool = False) -> Path:
    """A copy of the ZIP `source` whose entry `name` gets `padding` MiB of `filler` inserted before
    `before`, while it declares 1000 bytes unpacked (with the checksum of those first 1000 bytes, when
    `matching_crc`: then reading it to its declared size finds nothing wrong)."""
    with zipfile.ZipFile(source) as original, zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as out:
        for entry in original.infolist():
            data = original.read(entry)
            if entry.filename != name:
                out.writestr(entry.filename, data)
                continue
            head, tail = data.split(before, 1) if before else (data, b"")
            with out.open(entry.filename, "w") as handle:
                handle.write(head)
                for _ in range(padding):
                    handle.write(filler * MIB)
                handle.write(before + tail)
    first = (head + filler * 1000)[:1000]
    declare_size(target, name, 1000, zlib.crc32(first) if matching_crc else None)
    return target


def test_2_a_zip_entry_that_inflates_beyond_its_declared_size_is_stopped_in_bounded_memory(tmp_path: Path, baseline_mib: float) -> None:
    with zipfile.ZipFile(tmp_path / "basis.zip", "w") as out:
        out.writestr("lessen.csv", ",".join(LESSON) + "\n")
    path = inflating_copy(tmp_path / "basis.zip", tmp_path / "levering.zip", "lessen.csv", b"", 400, b"a")
    assert path.stat().st_size < 2 * MIB
    report, peak = ida_validate(path)
    assert report["errors"][0]["file"] == "levering.zip/lessen.csv"
    assert "beschadigd" in report["errors"][0]["message"]
    assert peak < baseline_mib + HEADROOM_MIB, f"{peak:.0f} MiB, {baseline_mib:.0f} MiB without the file"


def test_2_a_workbook_part_that_inflates_beyond_its_declared_size_is_stopped_in_bounded_memory(tmp_path: Path, baseline_mib: float) -> None:
    good = write_xlsx(tmp_path / "goed.xlsx", records())
    path = inflating_copy(good, tmp_path / "levering.xlsx", "xl/styles.xml", b"</styleSheet>", 400, matching_crc=True)
    assert path.stat().st_size < 2 * MIB
    report, peak = ida_validate(path)
    assert [e["file"] for e in report["errors"]] == ["levering.xlsx"]  # its first 1000 bytes are no whole styles part
    assert "kan niet worden gelezen" in report["errors"][0]["message"]
    assert peak < baseline_mib + HEADROOM_MIB, f"{peak:.0f} MiB, {baseline_mib:.0f} MiB without the file"


# --- 3. workbooks at the limits ------------------------------------------------------------------

def workbook_with_strings(path: Path, strings: list[bytes]) -> Path:
    """A workbook of one good lesson whose shared-strings table holds `strings`."""
    return write_workbook(path, {"lessen": lessons_sheet(1, list(LESSON.values()))},
                          (b"<si><t>" + s + b"</t></si>" for s in strings))


KNOWN = {"UTR-2021-03"}  # the lesson's experiment, as if the platform held it


def test_3_a_workbook_past_the_shared_strings_caps_is_refused_naming_the_cap(tmp_path: Path) -> None:
    many = workbook_with_strings(tmp_path / "veel.xlsx", [b"tekst %d" % n for n in range(2000)])
    report = validate([many], "PV26", KNOWN, limits=Limits(max_shared_strings=1000))
    assert [(f.file, f.row) for f in report.errors] == [("veel.xlsx", None)]
    assert "meer dan 1.000 verschillende teksten, de grens per werkmap" in report.errors[0].message
    assert validate([many], "PV26", KNOWN).accepted

    big = workbook_with_strings(tmp_path / "groot.xlsx", [b"x" * 100_000] * 20)
    report = validate([big], "PV26", KNOWN, limits=Limits(max_shared_string_bytes=MIB))
    assert [(f.file, f.row) for f in report.errors] == [("groot.xlsx", None)]
    assert "samen groter dan 1 MiB, de grens per werkmap" in report.errors[0].message
    assert validate([big], "PV26", KNOWN).accepted


def test_3_a_highly_compressed_workbook_of_huge_shared_strings_is_refused_by_default(tmp_path: Path, baseline_mib: float) -> None:
    path = workbook_with_strings(tmp_path / "lucht.xlsx", [b"a" * MIB] * 187)
    assert path.stat().st_size < MIB
    report, peak = ida_validate(path)
    assert [e["file"] for e in report["errors"]] == ["lucht.xlsx"]
    assert "samen groter dan 100 MiB, de grens per werkmap" in report["errors"][0]["message"]
    assert peak < baseline_mib + HEADROOM_MIB, f"{peak:.0f} MiB, {baseline_mib:.0f} MiB without the file"


# --- 4. XML with a DTD, however deep it is hidden ---------------------------------------------------

def test_4_an_entity_declared_after_padding_is_refused_not_expanded(tmp_path: Path) -> None:
    [path] = entity_after_padding(tmp_path, 1.0)  # 8 KB of comment, then <!DOCTYPE … <!ENTITY les "INGESLOPEN">
    report = validate([path], "PV26", KNOWN)
    assert [(f.file, f.row) for f in report.errors] == [("lessen.xlsx", None)]
    assert "XML-constructies" in report.errors[0].message and "DTD" in report.errors[0].message
    assert "INGESLOPEN" not in json.dumps(report.as_dict())


def test_4_harvested_rdf_xml_with_entities_is_refused_before_rdflib_expands_them(tmp_path: Path) -> None:
    from test_harvest import FAST, CatalogueServer, Route

    from catalog.harvest import DcatSource, harvest_source
    from ida.warehouse import raw as warehouse

    laughs = "".join(f'<!ENTITY l{n} "{("&l" + str(n - 1) + ";") * 10}">' for n in range(1, 10))
    body = (f'<?xml version="1.0"?><!DOCTYPE rdf:RDF [<!ENTITY l0 "ha">{laughs}]>'
            '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dcat="http://www.w3.org/ns/dcat#">'
            '<dcat:Catalog rdf:about="http://example.org/c"><dcat:keyword>&l9;</dcat:keyword></dcat:Catalog></rdf:RDF>')
    with CatalogueServer() as server, warehouse.connect(tmp_path / "warehouse.duckdb") as db:
        server.routes["/catalogus.rdf"] = Route(body.encode(), "application/rdf+xml")
        result = harvest_source(db, "PV29", DcatSource(kind="dcat", url=server.url + "/catalogus.rdf"), options=FAST)
    assert not result.ok
    assert "RDF/XML met een entiteit" in result.errors[0]


# --- 9. a CSV that mixes encodings ---------------------------------------------------------------

def test_9_a_csv_mixing_utf8_and_windows_1252_is_refused_naming_the_first_row_that_breaks(tmp_path: Path) -> None:
    header = ",".join(EXPERIMENT).encode()
    row = ",".join(EXPERIMENT.values())
    utf8 = row.replace("Snuffelfiets Utrecht", "Snuffelfiets café").encode("utf-8")
    ansi = row.replace("UTR-2021-03", "UTR-2021-04").replace("Snuffelfiets Utrecht", "Snuffelfiets café").encode("cp1252")
    path = tmp_path / "experimenten.csv"
    path.write_bytes(b"\n".join([header, utf8, ansi, utf8.replace(b"UTR-2021-03", b"UTR-2021-05")]) + b"\n")
    report = validate([path], "PV26")
    assert [(f.file, f.row) for f in report.errors] == [("experimenten.csv", None)]
    message = report.errors[0].message
    assert "mengt tekencoderingen: rij 3 is Windows-1252" in message and "rijen ervoor zijn UTF-8" in message

    path.write_bytes(b"\n".join([header, ansi, utf8]) + b"\n")  # the other way round
    assert "rij 3 is UTF-8, maar de rijen ervoor zijn Windows-1252" in validate([path], "PV26").errors[0].message

    far = [row.replace("UTR-2021-03", f"UTR-2021-{n:05d}").encode() for n in range(20_000)]
    path.write_bytes(b"\n".join([header, utf8, *far, ansi]) + b"\n")  # the break beyond the first megabyte
    assert "rij 20.003 is Windows-1252" in validate([path], "PV26").errors[0].message


def test_9_one_encoding_throughout_stays_accepted_and_intact(tmp_path: Path) -> None:
    data = records(experimenten={"titel": "Snuffelfiets café"})
    for encoding in ("utf-8", "utf-8-sig", "cp1252"):
        report = validate([write_csv(tmp_path / encoding, data, encoding=encoding)], "PV26")
        assert report.accepted, report.errors
        assert report.records["experimenten"][0]["titel"] == "Snuffelfiets café"


# --- 11. csv's own errors, in Dutch ----------------------------------------------------------------

def test_11_a_field_larger_than_csvs_limit_is_a_dutch_message_naming_file_and_row(tmp_path: Path) -> None:
    header = ",".join(LESSON)
    row = ",".join(LESSON.values())
    path = tmp_path / "lessen.csv"
    path.write_text(f'{header}\n{row}\n{row.replace("Leg eigenaarschap", chr(34) + "x" * 200_000 + chr(34))}\n')
    report = validate([path], "PV26")
    assert [(f.file, f.row) for f in report.errors] == [("lessen.csv", None)]
    message = report.errors[0].message
    assert "rij 3" in message and "meer dan 131.072 tekens" in message
    assert "field" not in message and "limit" not in message


@pytest.mark.parametrize("content, words", [
    (b'les_id,les\nA,"open\n', "aanhalingsteken wordt niet gesloten"),
    (b'les_id,les\nA,"dicht" en door\n', "na het sluitende aanhalingsteken"),
    (b"les_id,les\n" + b"A,b\n" * 30_000 + b"B,c\0d\n", "Rij 30.002 bevat een NUL-teken"),
    (b"les_id,les\nA," + b"b" * (2 * MIB) + b"\n", "Rij 2 is langer dan 1.024 KiB"),
])
def test_11_other_csv_troubles_are_dutch_and_located(tmp_path: Path, content: bytes, words: str) -> None:
    (tmp_path / "lessen.csv").write_bytes(content)
    report = validate([tmp_path / "lessen.csv"], "PV26")
    assert report.errors[0].file == "lessen.csv"
    assert words in report.errors[0].message


@pytest.mark.parametrize("content, words", [
    (b'{"lessen": [', "een waarde verwacht op regel 1, kolom 13"),
    (b'{lessen: []}', "een naam tussen dubbele aanhalingstekens verwacht"),
    (b'{"lessen": [{"les": "a\\q"}]}', "een ongeldige backslash"),
    (b'{"lessen": []} en meer', "nog gegevens na het einde"),
])
def test_11_json_troubles_are_dutch_and_located(tmp_path: Path, content: bytes, words: str) -> None:
    (tmp_path / "levering.json").write_bytes(content)
    message = validate([tmp_path / "levering.json"], "PV26").errors[0].message
    assert "Dit is geen geldige JSON: " + words in message or words in message
    assert "Expecting" not in message and "Extra data" not in message and "escape" not in message


# --- the benchmark, at a tiny size ------------------------------------------------------------------

def test_bench_hostile_runs_every_kind_of_hostile_file_at_a_tiny_size(tmp_path: Path) -> None:
    done = subprocess.run([str(REPO_ROOT / "bench" / "hostile"), "--tiny", "--json", str(tmp_path / "uitkomst.json")],
                          capture_output=True, text=True, timeout=600, env={**os.environ, "IDA_VAR_DIR": str(tmp_path)})
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    results = json.loads((tmp_path / "uitkomst.json").read_text())
    assert len(results) >= 15
    for result in results:
        for path in ("validate", "upload"):
            measured = result[path]
            assert measured["refused"] and measured["dutch"], (result["name"], path, measured)
            assert measured["peak_mib"] < 500 and measured["report_bytes"] < 5 * MIB, (result["name"], path, measured)
