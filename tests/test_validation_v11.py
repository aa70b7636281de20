"""Standard v1.1 (STANDARD.md): the new lesson columns (leervraag, besluit, besloten_door, besloten_op), the
record types zelfscan and intrekkingen, each rule with a delivery that keeps it and one that breaks it, at
the exact file, row and column the report names. Then v1.1 deliveries as Dutch offices and hostile senders
make them, judged by the real `ida validate --json`."""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from datetime import date, datetime
from pathlib import Path

import openpyxl
import pytest

from ida.intake.validation import KnownRecords, Report, validate
from ida.standard.json_schema import delivery_schema
from ida.standard.record_types import RECORD_TYPES, STANDARD_VERSION
from ida.standard.templates import csv_template, xlsx_template

IDA = str(Path(sys.executable).with_name("ida"))
QUESTIONS = "Hoe betrouwbaar zijn goedkope sensoren?|Wie beheert de data?"

EXPERIMENT = {"experiment_id": "UTR-1", "provincie": "PV26", "titel": "Snuffelfiets", "kerntaak": "milieu_energie_klimaat",
              "ida_spoor": "maatschappelijke_opgaven", "fase": "experiment", "leervragen": QUESTIONS}
LESSON = {"les_id": "UTR-1-L1", "experiment_id": "UTR-1", "datum": "2022-06-01", "leerrichting": "verticaal",
          "categorie": "governance", "les": "Wie is eigenaar van de sensordata?", "dilemma": "ja",
          "escalatieniveau": "gs", "status": "besloten", "leervraag": "", "besluit": "De provincie wordt eigenaar.",
          "besloten_door": "gs", "besloten_op": "2022-09-01"}
SCAN = {"provincie": "PV26", "peildatum": "2025-12-31", "aanbeveling": "visie_commitment", "niveau": "3",
        "toelichting": "Datavisie vastgesteld.", "bewijs": "Datavisie 2025"}
WITHDRAWAL = {"soort": "les", "id": "UTR-1-L1", "reden": "Per abuis aangeleverd.", "datum": ""}


def write(folder: Path, tables: dict[str, list[dict[str, str]]], delimiter: str = ",", encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in tables.items():
        with (folder / f"{name}.csv").open("w", encoding=encoding, newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=delimiter)
            writer.writeheader()
            writer.writerows(rows)
    return folder


def delivery(tmp_path: Path, name: str = "levering", experiments=None, lessons=None, scans=None, withdrawals=None,
             **kwargs) -> Path:
    tables = {"experimenten": experiments if experiments is not None else [EXPERIMENT],
              "lessen": lessons if lessons is not None else [LESSON]}
    if scans:
        tables["zelfscan"] = scans
    if withdrawals:
        tables["intrekkingen"] = withdrawals
    return write(tmp_path / name, {k: v for k, v in tables.items() if v}, **kwargs)


def errors(report: Report) -> list[tuple]:
    return [(f.file, f.row, f.column, f.value) for f in report.errors]


def the_error(report: Report) -> tuple:
    assert len(report.errors) == 1, [(e.file, e.row, e.column, e.message) for e in report.errors]
    finding = report.errors[0]
    return finding.file, finding.row, finding.column, finding.value, finding.message


# --- the standard as data --------------------------------------------------------------------------

def test_the_standard_is_v11_everywhere_it_is_written_down() -> None:
    assert STANDARD_VERSION == "1.1"
    assert list(RECORD_TYPES) == ["experimenten", "lessen", "resultaten", "zelfscan", "intrekkingen"]
    schema = delivery_schema()
    assert set(schema["properties"]) == set(RECORD_TYPES) and "v1.1" in schema["$id"]
    assert schema["$defs"]["zelfscan"]["required"] == ["provincie", "peildatum", "aanbeveling", "niveau"]
    assert {"leervraag", "besluit", "besloten_door", "besloten_op"} <= set(schema["$defs"]["lessen"]["properties"])
    workbook = openpyxl.load_workbook(__import__("io").BytesIO(xlsx_template()))
    scan = workbook["zelfscan"]
    lists = {str(check.sqref): check.formula1 for check in scan.data_validations.dataValidation}
    keuzelijsten = workbook["keuzelijsten"]
    listed = {keuzelijsten.cell(row=1, column=c).value: [keuzelijsten.cell(row=r, column=c).value for r in range(2, 8)]
              for c in range(1, keuzelijsten.max_column + 1)}
    assert listed["aanbevelingen"][0] == "visie_commitment" and listed["volwassenheidsniveaus"][:5] == ["1", "2", "3", "4", "5"]
    assert len(lists) == 3  # provincie, aanbeveling and niveau have a drop-down
    assert [c.value for c in workbook["intrekkingen"][2]] == [None, None, None, None]  # no example that withdraws
    assert csv_template("zelfscan").decode("utf-8-sig").startswith("provincie;peildatum;aanbeveling;niveau")


# --- lessen: leervraag -----------------------------------------------------------------------------

@pytest.mark.parametrize("given, question", [("2", "Wie beheert de data?"),
                                             ("  wie BEHEERT de data?  ", "Wie beheert de data?"),
                                             ("1", "Hoe betrouwbaar zijn goedkope sensoren?")])
def test_a_lesson_names_its_learning_question_by_position_or_text(tmp_path: Path, given: str, question: str) -> None:
    report = validate([delivery(tmp_path, lessons=[{**LESSON, "leervraag": given}])], "PV26")
    assert report.accepted, errors(report)
    assert report.records["lessen"][0]["leervraag"] == question


@pytest.mark.parametrize("given", ["3", "0", "Wat kost het?"])
def test_an_unknown_learning_question_is_an_error_naming_the_experiments_questions(tmp_path: Path, given: str) -> None:
    file, row, column, value, message = the_error(validate([delivery(tmp_path, lessons=[{**LESSON, "leervraag": given}])], "PV26"))
    assert (file, row, column, value) == ("lessen.csv", 2, "leervraag", given)
    assert "1. Hoe betrouwbaar zijn goedkope sensoren?; 2. Wie beheert de data?" in message


def test_a_learning_question_of_an_experiment_on_the_platform(tmp_path: Path) -> None:
    known = KnownRecords({"UTR-OUD": ("Werkt het?", "Wat leren we?")}, frozenset())
    lesson = {**LESSON, "experiment_id": "UTR-OUD", "leervraag": "2"}
    report = validate([delivery(tmp_path, experiments=[], lessons=[lesson])], "PV26", known)
    assert report.accepted, errors(report)
    assert report.records["lessen"][0]["leervraag"] == "Wat leren we?"
    lesson["leervraag"] = "Werkt het niet?"
    rejected = validate([delivery(tmp_path, "fout", experiments=[], lessons=[lesson])], "PV26", known)
    assert "1. Werkt het?; 2. Wat leren we?" in the_error(rejected)[4]


def test_a_learning_question_when_the_experiment_has_none(tmp_path: Path) -> None:
    experiment = {**EXPERIMENT, "leervragen": ""}
    report = validate([delivery(tmp_path, experiments=[experiment], lessons=[{**LESSON, "leervraag": "1"}])], "PV26")
    assert "heeft geen leervragen" in the_error(report)[4]


# --- lessen: the decision on a dilemma ---------------------------------------------------------------

def test_a_decided_dilemma_with_its_decision_has_no_warning(tmp_path: Path) -> None:
    report = validate([delivery(tmp_path)], "PV26")
    assert report.accepted and report.warnings == []
    lesson = report.records["lessen"][0]
    assert (lesson["besluit"], lesson["besloten_door"], lesson["besloten_op"]) == (
        "De provincie wordt eigenaar.", "gs", date(2022, 9, 1))


def test_a_decided_dilemma_without_a_decision_is_a_warning_not_an_error(tmp_path: Path) -> None:
    report = validate([delivery(tmp_path, lessons=[{**LESSON, "besluit": ""}])], "PV26")
    assert report.accepted
    assert [(w.file, w.row, w.column) for w in report.warnings] == [("lessen.csv", 2, "besluit")]
    assert "besloten, maar 'besluit' is leeg" in report.warnings[0].message


def test_a_decision_before_the_dilemma_was_raised_is_an_error(tmp_path: Path) -> None:
    same_day = validate([delivery(tmp_path, "zelfde", lessons=[{**LESSON, "besloten_op": "01-06-2022"}])], "PV26")
    assert same_day.accepted
    file, row, column, value, message = the_error(
        validate([delivery(tmp_path, lessons=[{**LESSON, "besloten_op": "31-05-2022"}])], "PV26"))
    assert (file, row, column, value) == ("lessen.csv", 2, "besloten_op", "2022-05-31")
    assert "vóór de datum van de les (2022-06-01)" in message


def test_the_deciding_level_is_a_vocabulary(tmp_path: Path) -> None:
    label = validate([delivery(tmp_path, "label", lessons=[{**LESSON, "besloten_door": "Gedeputeerde Staten (GS)"}])], "PV26")
    assert label.accepted and label.records["lessen"][0]["besloten_door"] == "gs"
    file, row, column, value, message = the_error(validate([delivery(tmp_path, lessons=[{**LESSON, "besloten_door": "raad"}])], "PV26"))
    assert (file, row, column, value) == ("lessen.csv", 2, "besloten_door", "raad") and "team, cmt, gs, ps, ipo" in message


def test_a_v1_delivery_is_judged_as_before(tmp_path: Path) -> None:
    v1 = {k: v for k, v in LESSON.items() if k not in ("leervraag", "besluit", "besloten_door", "besloten_op")}
    report = validate([delivery(tmp_path, lessons=[{**v1, "besluit": ""} | {"status": "open"}])], "PV26")
    assert report.accepted and report.warnings == []
    assert report.counts == {"experimenten": 1, "lessen": 1, "resultaten": 0}
    assert set(report.records) == {"experimenten", "lessen", "resultaten"}


# --- zelfscan -------------------------------------------------------------------------------------

def scan(**changes: str) -> list[dict[str, str]]:
    rows = [{**SCAN, "aanbeveling": code, "niveau": level} for code, level in
            (("visie_commitment", "3"), ("uitvoeringsprogramma", "beheerst"), ("fundament_gegevens", "Initieel"))]
    rows[0].update(changes)
    return rows


def test_a_zelfscan_takes_levels_as_numbers_or_labels(tmp_path: Path) -> None:
    report = validate([delivery(tmp_path, scans=scan())], "PV26")
    assert report.accepted, errors(report)
    assert report.counts["zelfscan"] == 3
    assert [(r["aanbeveling"], r["niveau"]) for r in report.records["zelfscan"]] == [
        ("visie_commitment", 3), ("uitvoeringsprogramma", 4), ("fundament_gegevens", 1)]
    assert report.records["zelfscan"][0]["peildatum"] == date(2025, 12, 31)


@pytest.mark.parametrize("level", ["6", "0", "3,5", "gevorderd"])
def test_a_level_outside_1_to_5_is_an_error(tmp_path: Path, level: str) -> None:
    file, row, column, value, message = the_error(validate([delivery(tmp_path, scans=scan(niveau=level))], "PV26"))
    assert (file, row, column, value) == ("zelfscan.csv", 2, "niveau", level)
    assert "1, 2, 3, 4, 5" in message


def test_an_unknown_recommendation_is_an_error(tmp_path: Path) -> None:
    file, row, column, value, message = the_error(validate([delivery(tmp_path, scans=scan(aanbeveling="visie"))], "PV26"))
    assert (file, row, column, value) == ("zelfscan.csv", 2, "aanbeveling", "visie") and "visie_commitment" in message


def test_each_recommendation_once_per_reference_date(tmp_path: Path) -> None:
    twice = scan()
    twice.append({**twice[0], "niveau": "4"})  # the same line again
    file, row, column, value, message = the_error(validate([delivery(tmp_path, scans=twice)], "PV26"))
    assert (file, row, column) == ("zelfscan.csv", 5, "provincie") and "ook in rij 2" in message
    later = scan() + [{**scan()[0], "peildatum": "31-12-2026"}]  # another reference date: another key
    assert validate([delivery(tmp_path, "later", scans=later)], "PV26").accepted


def test_a_zelfscan_of_another_province_is_an_error(tmp_path: Path) -> None:
    file, row, column, value, message = the_error(validate([delivery(tmp_path, scans=scan(provincie="Gelderland"))], "PV26"))
    assert (file, row, column, value) == ("zelfscan.csv", 2, "provincie", "PV25") and "Gelderland" in message


def test_a_zelfscan_alone_names_its_province(tmp_path: Path) -> None:
    folder = write(tmp_path / "alleen", {"zelfscan": scan()})
    report = validate([folder])
    assert report.accepted and report.province == "PV26"


# --- intrekkingen ---------------------------------------------------------------------------------

def test_a_withdrawal_of_a_record_in_the_delivery_or_on_the_platform(tmp_path: Path) -> None:
    assert validate([delivery(tmp_path, withdrawals=[WITHDRAWAL])], "PV26").accepted
    known = KnownRecords({"UTR-OUD": ()}, frozenset({"UTR-OUD-L1"}))
    withdrawals = [{**WITHDRAWAL, "id": "UTR-OUD-L1"}, {**WITHDRAWAL, "soort": "Experiment", "id": "UTR-OUD", "datum": "01-06-2026"}]
    report = validate([write(tmp_path / "alleen", {"intrekkingen": withdrawals})], "PV26", known)
    assert report.accepted, errors(report)
    assert [(r["soort"], r["id"], r["datum"]) for r in report.records["intrekkingen"]] == [
        ("les", "UTR-OUD-L1", None), ("experiment", "UTR-OUD", date(2026, 6, 1))]


def test_a_withdrawal_of_an_unknown_record_is_an_error(tmp_path: Path) -> None:
    known = KnownRecords({"UTR-OUD": ()}, frozenset({"UTR-OUD-L1"}))
    withdrawals = [{**WITHDRAWAL, "id": "UTR-ONBEKEND"}, {**WITHDRAWAL, "soort": "experiment", "id": "UTR-OUD-L1"}]
    report = validate([write(tmp_path / "fout", {"intrekkingen": withdrawals})], "PV26", known)
    assert errors(report) == [("intrekkingen.csv", 2, "id", "UTR-ONBEKEND"), ("intrekkingen.csv", 3, "id", "UTR-OUD-L1")]
    assert "Er is geen les 'UTR-ONBEKEND' van Utrecht" in report.errors[0].message
    assert "Er is geen experiment 'UTR-OUD-L1' van Utrecht" in report.errors[1].message


def test_a_withdrawal_needs_a_reason_of_at_most_1000_characters(tmp_path: Path) -> None:
    assert validate([delivery(tmp_path, "lang", withdrawals=[{**WITHDRAWAL, "reden": "x" * 1000}])], "PV26").accepted
    missing = validate([delivery(tmp_path, "leeg", withdrawals=[{**WITHDRAWAL, "reden": " "}])], "PV26")
    assert the_error(missing)[:3] == ("intrekkingen.csv", 2, "reden") and "verplicht" in missing.errors[0].message
    too_long = validate([delivery(tmp_path, "te-lang", withdrawals=[{**WITHDRAWAL, "reden": "x" * 1001}])], "PV26")
    assert the_error(too_long)[:3] == ("intrekkingen.csv", 2, "reden") and "maximaal 1000" in too_long.errors[0].message


def test_a_withdrawal_names_its_kind_and_a_real_date(tmp_path: Path) -> None:
    kind = validate([delivery(tmp_path, "soort", withdrawals=[{**WITHDRAWAL, "soort": "project"}])], "PV26")
    assert the_error(kind)[:4] == ("intrekkingen.csv", 2, "soort", "project") and "experiment, les" in kind.errors[0].message
    day = validate([delivery(tmp_path, "datum", withdrawals=[{**WITHDRAWAL, "datum": "32-01-2026"}])], "PV26")
    assert the_error(day)[:4] == ("intrekkingen.csv", 2, "datum", "32-01-2026")


def test_the_same_record_withdrawn_twice_in_one_delivery_is_an_error(tmp_path: Path) -> None:
    report = validate([delivery(tmp_path, withdrawals=[WITHDRAWAL, {**WITHDRAWAL, "reden": "nog eens"}])], "PV26")
    assert the_error(report)[:3] == ("intrekkingen.csv", 3, "soort")


# --- Dutch offices and hostile senders, through `ida validate --json` ---------------------------------------

def ida_validate(*paths: Path, province: str | None = "PV26") -> tuple[int, dict]:
    args = [IDA, "validate", "--json", *(["--province", province] if province else []), *map(str, paths)]
    env = {**os.environ, "IDA_VAR_DIR": str(paths[0].parent / "var")}  # no serving copy: nothing known on the platform
    env.pop("IDA_SERVING_DIR", None)
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, env=env)
    assert "Traceback" not in done.stderr, done.stderr
    return done.returncode, json.loads(done.stdout)


def test_a_dutch_office_csv_delivery_in_windows_1252_with_semicolons(tmp_path: Path) -> None:
    """What Excel 'CSV (gescheiden door lijstscheidingsteken)' writes: cp1252, ';', day-first dates, labels,
    headers in odd case with spaces, a question with accents named by its text, the level as 'beheerst'."""
    folder = tmp_path / "zeeland"
    folder.mkdir()
    (folder / "experimenten.csv").write_bytes(
        ("experiment_id; Provincie ;TITEL;kerntaak;IDA_spoor;Fase;leervragen\r\n"
         "ZEE-1;Zeeland;Getijdenenergie Brouwersdam;Milieu, energie en klimaat;Samenwerking;Experiment;"
         "Hoe beïnvloedt de centrale het ecosysteem?|Wie betaalt de netaansluiting?\r\n").encode("cp1252"))
    (folder / "lessen.csv").write_bytes(
        ("LES_ID;Experiment_id;Datum;LEERRICHTING;Categorie;Les;Dilemma;Escalatieniveau;STATUS; Leervraag ;Besluit;"
         "Besloten_door;Besloten_op\r\n"
         "ZEE-1-L1;ZEE-1;15-3-2021;Verticaal;Publieke waarden;Delen we de meetdata openbaar?;J;GS;Besloten;"
         "hoe beïnvloedt de centrale het ecosysteem?;Ja, na anonimisering.;Gedeputeerde Staten (GS);1/6/2021\r\n").encode("cp1252"))
    (folder / "zelfscan.csv").write_bytes(
        ("Provincie;PEILDATUM;Aanbeveling;Niveau;Toelichting\r\n"
         "Zeeland;31-12-2025;Visie en commitment;beheerst;Vastgesteld € 0,- extra\r\n"
         "Zeeland;31-12-2025;Fundament: systeemlandschap;2;\r\n").encode("cp1252"))
    code, report = ida_validate(folder, province="Zeeland")
    assert code == 0, report["errors"]
    assert report["counts"] == {"experimenten": 1, "lessen": 1, "resultaten": 0, "zelfscan": 2}
    assert report["warnings"] == []
    checked = validate([folder], "PV29")
    assert checked.records["lessen"][0]["leervraag"] == "Hoe beïnvloedt de centrale het ecosysteem?"
    assert checked.records["lessen"][0]["besloten_op"] == date(2021, 6, 1)
    assert [(r["aanbeveling"], r["niveau"]) for r in checked.records["zelfscan"]] == [
        ("visie_commitment", 4), ("fundament_systemen", 2)]


def test_an_xlsx_delivery_with_excel_dates_and_whole_numbers(tmp_path: Path) -> None:
    path = tmp_path / "levering.xlsx"
    workbook = openpyxl.Workbook()
    workbook.active.title = "toelichting"
    sheet = workbook.create_sheet("Zelfscan ")  # a trailing space, as people type it
    sheet.append(["provincie", "peildatum", "aanbeveling", "niveau", "bewijs"])
    sheet.append(["Provincie Utrecht", datetime(2025, 12, 31), "integrale_verantwoordelijkheid", 5.0, "Rapport A\nRapport B"])
    sheet = workbook.create_sheet("intrekkingen")
    sheet.append(["soort", "id", "reden"])
    sheet.append(["les", "UTR-OUD-L1", "=HYPERLINK(\"http://x\")"])
    sheet["C2"].data_type = "s"  # typed as text: a formula-like reason stays text
    workbook.save(path)
    code, report = ida_validate(path)
    assert code == 1  # UTR-OUD-L1 is not on this (empty) platform
    assert [(e["sheet"], e["row"], e["column"]) for e in report["errors"]] == [("intrekkingen", 2, "id")]
    checked = validate([path], "PV26", KnownRecords({}, frozenset({"UTR-OUD-L1"})))
    assert checked.accepted
    assert checked.records["zelfscan"][0]["niveau"] == 5 and checked.records["zelfscan"][0]["bewijs"] == ["Rapport A", "Rapport B"]
    assert checked.records["intrekkingen"][0]["reden"] == '=HYPERLINK("http://x")'


def test_a_json_delivery_with_numbers_for_levels_and_questions(tmp_path: Path) -> None:
    path = tmp_path / "levering.json"
    path.write_text(json.dumps({
        "experimenten": [{**EXPERIMENT, "leervragen": QUESTIONS.split("|")}],
        "lessen": [{**LESSON, "leervraag": 2, "dilemma": True}],
        "zelfscan": [{**SCAN, "niveau": 2, "bewijs": ["Datavisie"]}],
        "intrekkingen": [{"soort": "les", "id": "UTR-1-L1", "reden": "Dubbel."}],
    }), encoding="utf-8")
    code, report = ida_validate(path)
    assert code == 0, report["errors"]
    assert report["counts"]["zelfscan"] == 1 and report["counts"]["intrekkingen"] == 1


def test_a_hostile_v11_delivery_is_rejected_with_every_error_located(tmp_path: Path) -> None:
    """Duplicates, unknown ids to withdraw, impossible levels, a question that does not exist, a decision before
    the dilemma, a reason of 5000 characters, a JSON object where a level belongs: all reported, nothing else."""
    path = tmp_path / "levering.json"
    path.write_text(json.dumps({
        "experimenten": [EXPERIMENT],
        "lessen": [{**LESSON, "leervraag": 99, "besloten_op": "2020-01-01"}],
        "zelfscan": [{**SCAN, "niveau": 7}, {**SCAN}, {**SCAN, "aanbeveling": "fundament_systemen", "niveau": {"x": 1}}],
        "intrekkingen": [{"soort": "les", "id": "UTR-1-L9", "reden": "weg"},
                         {"soort": "experiment", "id": "../../etc", "reden": "r" * 5000},
                         {"soort": "les", "id": "UTR-1-L9", "reden": "nog eens"}],
        "onbekend": [],
    }), encoding="utf-8")
    code, report = ida_validate(path)
    assert code == 1
    located = [(e["sheet"], e["row"], e["column"]) for e in report["errors"]]
    assert set(located) == {
        ("lessen", 1, "besloten_op"), ("lessen", 1, "leervraag"),
        ("zelfscan", 1, "niveau"), ("zelfscan", 3, "niveau"), ("zelfscan", 2, "provincie"),
        ("intrekkingen", 2, "id"), ("intrekkingen", 2, "reden"),
        ("intrekkingen", 1, "id"), ("intrekkingen", 3, "id"),  # UTR-1-L9 is not known ...
        ("intrekkingen", 3, "soort"),  # ... and withdrawn twice
    }, located
    assert len(located) == len(set(located))
    assert all(e["message"] and "Traceback" not in e["message"] for e in report["errors"])
    assert [w["sheet"] for w in report["warnings"]] == ["onbekend"]


def test_every_sample_is_still_accepted_and_utrecht_withdraws_one_lesson() -> None:
    from ida.settings import SAMPLES_DIR

    for folder in sorted(p for p in SAMPLES_DIR.iterdir() if p.is_dir()):
        report = validate([folder], folder.name)
        assert report.accepted and not report.warnings, (folder.name, errors(report))
        assert report.counts["zelfscan"] == 12, folder.name  # six lines on two reference dates
        assert {r["peildatum"] for r in report.records["zelfscan"]} == {date(2024, 12, 31), date(2025, 12, 31)}
        assert sum(1 for r in report.records["lessen"] if r["leervraag"]) >= 2, folder.name
        assert any(r["besluit"] for r in report.records["lessen"]), folder.name
    withdrawn = validate([SAMPLES_DIR / "PV26"], "PV26").records["intrekkingen"]
    assert [(r["soort"], r["id"]) for r in withdrawn] == [("les", "UTR-2021-03-L3")]


def test_the_synthetic_generator_writes_valid_v11_deliveries(tmp_path: Path) -> None:
    from ida.standard.synthetic import write_delivery

    write_delivery(tmp_path / "PV26", "PV26", experiments=30, lessons_per_experiment=10)
    report = validate([tmp_path / "PV26"], "PV26")
    assert report.accepted, errors(report)
    assert report.counts["zelfscan"] == 12 and report.counts["lessen"] == 300
    assert any(r["leervraag"] for r in report.records["lessen"])
    decided = [r for r in report.records["lessen"] if r["dilemma"] and r["status"] == "besloten"]
    assert decided and all(r["besluit"] and r["besloten_op"] >= r["datum"] for r in decided)
