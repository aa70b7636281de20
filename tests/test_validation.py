"""Every rule of the exchange format (STANDARD.md): a delivery that keeps it, one that breaks it, and
the exact file, sheet, row (header = row 1) and column the report names. Also the Dutch Excel habits
the standard allows, hostile files, and the `ida validate` command itself."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest

from ida.intake import reading
from ida.settings import Limits, Settings
from ida.intake.validation import Report, validate

IDA = str(Path(sys.executable).with_name("ida"))

EXPERIMENT = {
    "experiment_id": "UTR-2021-03", "provincie": "PV26", "titel": "Snuffelfiets Utrecht",
    "samenvatting": "Fietsers meten fijnstof.", "opgave": "Gezond stedelijk leven", "kerntaak": "milieu_energie_klimaat",
    "ida_spoor": "maatschappelijke_opgaven", "fase": "experiment", "reden_gestopt": "", "startdatum": "2021-03-15",
    "einddatum": "2022-12-31", "eigenaar": "Team Gezonde Leefomgeving", "leervragen": "Hoe betrouwbaar zijn sensoren?",
    "beoogde_resultaten": "Fijnmazig beeld", "databronnen": "Luchtmeetnet", "partners": "RIVM|Gemeente Utrecht",
    "publieke_waarden": "privacy|transparantie", "trefwoorden": "luchtkwaliteit", "budget_eur": "12500",
    "contact": "data@provincie-utrecht.nl",
}
LESSON = {
    "les_id": "UTR-2021-03-L1", "experiment_id": "UTR-2021-03", "datum": "2022-06-01", "leerrichting": "horizontaal",
    "categorie": "gegevensmanagement", "les": "Leg eigenaarschap van sensordata vooraf vast.", "dilemma": "nee",
    "publieke_waarden": "eigendom_data", "escalatieniveau": "", "status": "open",
}
RESULT = {
    "experiment_id": "UTR-2021-03", "indicator": "Actieve fietsers", "eenheid": "deelnemers", "nulmeting": "0",
    "doel": "500", "waarde": "420", "gemeten_op": "2022-12-31",
}
BASE = {"experimenten": EXPERIMENT, "lessen": LESSON, "resultaten": RESULT}


def records(**changes: dict[str, str]) -> dict[str, list[dict[str, str]]]:
    """Two experiments, lessons and results of Utrecht; `changes` alter the first row of a record type."""
    second = {"experimenten": {"experiment_id": "UTR-2022-01", "titel": "Slimme lantaarnpalen"},
              "lessen": {"les_id": "UTR-2021-03-L2", "experiment_id": "UTR-2022-01"},
              "resultaten": {"indicator": "Gemeten dagen"}}
    return {name: [{**row, **changes.get(name, {})}, {**row, **second[name]}] for name, row in BASE.items()}


def write_csv(folder: Path, data: dict[str, list[dict[str, str]]], delimiter: str = ",", encoding: str = "utf-8") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in data.items():
        with (folder / f"{name}.csv").open("w", encoding=encoding, newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=delimiter)
            writer.writeheader()
            writer.writerows(rows)
    return folder


def write_xlsx(path: Path, data: dict[str, list[dict]], extra_sheets: tuple[str, ...] = ()) -> Path:
    workbook = openpyxl.Workbook()
    workbook.active.title = "instructies"
    workbook.active["A1"] = "Vul de werkbladen in."
    for title in extra_sheets:
        workbook.create_sheet(title)["A1"] = "iets anders"
    for name, rows in data.items():
        sheet = workbook.create_sheet(name)
        sheet.append(list(rows[0]))
        for row in rows:
            sheet.append([row[k] for k in rows[0]])
    workbook.save(path)
    return path


def check(tmp_path: Path, province: str | None = "PV26", **changes: dict[str, str]) -> Report:
    return validate([write_csv(tmp_path / "levering", records(**changes))], province)


def located(report: Report) -> list[tuple]:
    return [(f.file, f.sheet, f.row, f.column) for f in report.errors]


def only_error(report: Report) -> tuple:
    assert len(report.errors) == 1, [(f.file, f.row, f.column, f.value, f.message) for f in report.errors]
    finding = report.errors[0]
    return finding.file, finding.row, finding.column, finding.value, finding.message


# --- a valid delivery ------------------------------------------------------------------------------

def test_a_delivery_that_keeps_the_standard_is_accepted_with_normalised_records(tmp_path: Path) -> None:
    report = check(tmp_path)
    assert report.accepted, located(report)
    assert report.province == "PV26"
    assert report.counts == {"experimenten": 2, "lessen": 2, "resultaten": 2}
    experiment = report.records["experimenten"][0]
    assert experiment["startdatum"] == date(2021, 3, 15) and experiment["budget_eur"] == Decimal("12500")
    assert experiment["partners"] == ["RIVM", "Gemeente Utrecht"] and experiment["publieke_waarden"] == ["privacy", "transparantie"]
    assert (experiment["source_file"], experiment["source_row"]) == ("experimenten.csv", 2)
    lesson = report.records["lessen"][1]
    assert lesson["dilemma"] is False and lesson["status"] == "open" and lesson["source_row"] == 3


# --- experimenten ------------------------------------------------------------------------------

CELL_ERRORS = [
    # (record type, column, bad value, part of the Dutch message)
    ("experimenten", "experiment_id", "", "verplicht"),
    ("experimenten", "experiment_id", "UTR 2021/03", "letters, cijfers"),
    ("experimenten", "experiment_id", "x" * 65, "1 tot 64"),
    ("experimenten", "provincie", "", "verplicht"),
    ("experimenten", "provincie", "Utreg", "CBS-code"),
    ("experimenten", "titel", "", "verplicht"),
    ("experimenten", "titel", "t" * 201, "maximaal 200"),
    ("experimenten", "kerntaak", "", "verplicht"),
    ("experimenten", "kerntaak", "ruimtevaart", "Kies uit: ruimte, milieu_energie_klimaat"),
    ("experimenten", "ida_spoor", "", "verplicht"),
    ("experimenten", "ida_spoor", "spoor 4", "maatschappelijke_opgaven, basis_op_orde, samenwerking"),
    ("experimenten", "fase", "", "verplicht"),
    ("experimenten", "fase", "afgerond", "Kies uit: idee"),
    ("experimenten", "startdatum", "maart 2021", "2021-03-15 of 15-03-2021"),
    ("experimenten", "einddatum", "31-02-2022", "bestaat niet"),
    ("experimenten", "publieke_waarden", "privacy|geluk", "'geluk'"),
    ("experimenten", "budget_eur", "twaalfduizend", "12.500,50"),
    ("experimenten", "budget_eur", "-5", "niet kleiner zijn dan 0"),
    ("experimenten", "contact", "jan.utrecht.nl", "e-mailadres"),
    ("lessen", "les_id", "", "verplicht"),
    ("lessen", "les_id", "les één", "letters, cijfers"),
    ("lessen", "experiment_id", "", "verplicht"),
    ("lessen", "datum", "", "verplicht"),
    ("lessen", "datum", "06/15/2022", "bestaat niet"),
    ("lessen", "leerrichting", "", "verplicht"),
    ("lessen", "leerrichting", "diagonaal", "horizontaal, verticaal"),
    ("lessen", "categorie", "", "verplicht"),
    ("lessen", "categorie", "techniek", "Kies uit: gegevensmanagement"),
    ("lessen", "les", "", "verplicht"),
    ("lessen", "les", "l" * 4001, "maximaal 4000"),
    ("lessen", "dilemma", "misschien", "ja of nee"),
    ("lessen", "publieke_waarden", "vrijheid", "'vrijheid'"),
    ("lessen", "escalatieniveau", "minister", "team, cmt, gs, ps, ipo"),
    ("lessen", "status", "klaar", "open, besproken, besloten"),
    ("resultaten", "experiment_id", "", "verplicht"),
    ("resultaten", "indicator", "", "verplicht"),
    ("resultaten", "nulmeting", "nul", "Geen getal"),
    ("resultaten", "doel", "veel", "Geen getal"),
    ("resultaten", "waarde", "", "verplicht"),
    ("resultaten", "waarde", "4,2,0", "Geen getal"),
    ("resultaten", "gemeten_op", "", "verplicht"),
    ("resultaten", "gemeten_op", "2022-13-01", "bestaat niet"),
]


@pytest.mark.parametrize("record_type, column, value, message", CELL_ERRORS)
def test_a_bad_cell_is_reported_at_its_file_row_and_column(tmp_path: Path, record_type, column, value, message) -> None:
    report = check(tmp_path, **{record_type: {column: value}})
    assert not report.accepted
    if (record_type, column) == ("experimenten", "experiment_id"):  # its lessons and results lose their experiment too
        assert {(f.file, f.column) for f in report.errors[1:]} == {("lessen.csv", "experiment_id"), ("resultaten.csv", "experiment_id")}
        report.errors = report.errors[:1]
    file, row, where, shown, text = only_error(report)
    assert (file, row, where) == (f"{record_type}.csv", 2, column)
    assert shown == (None if not value else value if len(value) <= 200 else value[:200] + "…")
    assert message in text
    assert report.records == {"experimenten": [], "lessen": [], "resultaten": []}  # rejected whole


CELL_VALUES = [
    # (record type, column, good value as delivered, the value the platform keeps)
    ("lessen", "les_id", "  UTR_2021.03-b  ", "UTR_2021.03-b"),
    ("experimenten", "provincie", "pv26", "PV26"),
    ("experimenten", "provincie", "Utrecht", "PV26"),
    ("experimenten", "provincie", "Provincie Utrecht", "PV26"),
    ("experimenten", "provincie", "provincie-utrecht", "PV26"),
    ("experimenten", "titel", "t" * 200, "t" * 200),
    ("experimenten", "samenvatting", "<b>Vet</b> & <script>alert(1)</script>", "<b>Vet</b> & <script>alert(1)</script>"),
    ("experimenten", "samenvatting", "", None),
    ("experimenten", "opgave", "  Energietransitie ", "Energietransitie"),
    ("experimenten", "kerntaak", "Milieu, energie en klimaat", "milieu_energie_klimaat"),
    ("experimenten", "kerntaak", "VITAAL_PLATTELAND", "vitaal_platteland"),
    ("experimenten", "ida_spoor", "Basis op orde", "basis_op_orde"),
    ("experimenten", "fase", "Opschaling", "opschaling"),
    ("experimenten", "startdatum", "15-3-2021", date(2021, 3, 15)),
    ("experimenten", "startdatum", "", None),
    ("experimenten", "einddatum", "31/12/2022", date(2022, 12, 31)),
    ("experimenten", "eigenaar", "Team Data", "Team Data"),
    ("experimenten", "leervragen", "Werkt het?\nWie beheert het?", ["Werkt het?", "Wie beheert het?"]),
    ("experimenten", "beoogde_resultaten", "Minder fijnstof | Meer kennis", ["Minder fijnstof", "Meer kennis"]),
    ("experimenten", "databronnen", "Luchtmeetnet\r\nCBS", ["Luchtmeetnet", "CBS"]),
    ("experimenten", "partners", "", None),
    ("experimenten", "publieke_waarden", "Privacy\nEigendom van data", ["privacy", "eigendom_data"]),
    ("experimenten", "trefwoorden", "lucht|lucht|sensor", ["lucht", "sensor"]),
    ("experimenten", "budget_eur", "12.500", Decimal("12500")),
    ("experimenten", "budget_eur", "12.500,50", Decimal("12500.50")),
    ("experimenten", "budget_eur", "12500.50", Decimal("12500.50")),
    ("experimenten", "budget_eur", "€ 1.250.000", Decimal("1250000")),
    ("experimenten", "budget_eur", "0", Decimal("0")),
    ("experimenten", "contact", "", None),
    ("lessen", "datum", "1-6-2022", date(2022, 6, 1)),
    ("lessen", "leerrichting", "Verticaal", "verticaal"),
    ("lessen", "categorie", "Publieke waarden", "publieke_waarden"),
    ("lessen", "dilemma", "", False),
    ("lessen", "dilemma", "N", False),
    ("lessen", "dilemma", "0", False),
    ("lessen", "dilemma", "false", False),
    ("lessen", "status", "", "open"),
    ("lessen", "status", "Besloten", "besloten"),
    ("lessen", "publieke_waarden", "", None),
    ("resultaten", "eenheid", "", None),
    ("resultaten", "nulmeting", "", None),
    ("resultaten", "doel", "1.500,5", Decimal("1500.5")),
    ("resultaten", "waarde", "-3,2", Decimal("-3.2")),
    ("resultaten", "gemeten_op", "31-12-2022", date(2022, 12, 31)),
]


@pytest.mark.parametrize("record_type, column, value, kept", CELL_VALUES)
def test_a_good_cell_is_accepted_as_a_dutch_reader_means_it(tmp_path: Path, record_type, column, value, kept) -> None:
    report = check(tmp_path, **{record_type: {column: value}})
    assert report.accepted, located(report)
    assert report.records[record_type][0][column] == kept


# --- rules across a row -------------------------------------------------------------------------

def test_a_stopped_experiment_needs_a_reason(tmp_path: Path) -> None:
    report = check(tmp_path, experimenten={"fase": "gestopt", "reden_gestopt": ""})
    assert only_error(report)[:3] == ("experimenten.csv", 2, "reden_gestopt")
    assert "reden" in report.errors[0].message
    assert check(tmp_path / "b", experimenten={"fase": "Gestopt", "reden_gestopt": "Geen budget"}).accepted


def test_the_end_date_may_not_precede_the_start_date(tmp_path: Path) -> None:
    report = check(tmp_path, experimenten={"startdatum": "15-03-2021", "einddatum": "2021-03-14"})
    assert only_error(report)[:4] == ("experimenten.csv", 2, "einddatum", "2021-03-14")
    assert "vóór de startdatum (2021-03-15)" in report.errors[0].message
    assert check(tmp_path / "b", experimenten={"startdatum": "2021-03-15", "einddatum": "15-03-2021"}).accepted


@pytest.mark.parametrize("dilemma", ["ja", "J", "true", "1", "Ja"])
def test_a_dilemma_needs_an_escalation_level(tmp_path: Path, dilemma: str) -> None:
    report = check(tmp_path, lessen={"dilemma": dilemma, "escalatieniveau": ""})
    assert only_error(report)[:3] == ("lessen.csv", 2, "escalatieniveau")
    accepted = check(tmp_path / "b", lessen={"dilemma": dilemma, "escalatieniveau": "GS"})
    assert accepted.accepted
    assert accepted.records["lessen"][0]["dilemma"] is True and accepted.records["lessen"][0]["escalatieniveau"] == "gs"


# --- rules across the delivery ------------------------------------------------------------------

@pytest.mark.parametrize("record_type, column, value, row", [
    ("experimenten", "experiment_id", "UTR-2022-01", 3),
    ("lessen", "les_id", "UTR-2021-03-L2", 3),
])
def test_keys_are_unique_within_the_delivery(tmp_path: Path, record_type, column, value, row) -> None:
    data = records()
    data[record_type][1][column] = data[record_type][0][column]
    if record_type == "experimenten":
        for name in ("lessen", "resultaten"):
            data[name][1]["experiment_id"] = data["experimenten"][0]["experiment_id"]
    report = validate([write_csv(tmp_path, data)], "PV26")
    file, found_row, where, _, message = only_error(report)
    assert (file, found_row, where) == (f"{record_type}.csv", row, column)
    assert "ook in rij 2" in message


def test_a_result_is_unique_per_experiment_indicator_and_date(tmp_path: Path) -> None:
    data = records()
    data["resultaten"][1].update(indicator=data["resultaten"][0]["indicator"], gemeten_op="31-12-2022")
    report = validate([write_csv(tmp_path, data)], "PV26")
    assert only_error(report)[:4] == ("resultaten.csv", 3, "experiment_id", "UTR-2021-03 / Actieve fietsers / 2022-12-31")
    data["resultaten"][1]["gemeten_op"] = "2023-01-31"
    assert validate([write_csv(tmp_path / "b", data)], "PV26").accepted


@pytest.mark.parametrize("record_type", ["lessen", "resultaten"])
def test_a_lesson_or_result_refers_to_an_experiment_of_the_delivery_or_the_platform(tmp_path: Path, record_type: str) -> None:
    folder = write_csv(tmp_path, records(**{record_type: {"experiment_id": "UTR-2019-01"}}))
    report = validate([folder], "PV26")
    assert only_error(report)[:4] == (f"{record_type}.csv", 2, "experiment_id", "UTR-2019-01")
    assert "bestaat niet in deze levering" in report.errors[0].message
    assert validate([folder], "PV26", known_experiments={"UTR-2019-01"}).accepted


def test_lessons_alone_may_refer_to_what_the_platform_holds(tmp_path: Path) -> None:
    folder = write_csv(tmp_path, {"lessen": records()["lessen"]})
    assert validate([folder], "PV26", known_experiments={"UTR-2021-03", "UTR-2022-01"}).accepted
    unknown = validate([folder], None)
    assert not unknown.accepted
    assert any("Van welke provincie" in f.message for f in unknown.errors)


def test_rows_of_another_province_are_errors_when_the_province_is_given(tmp_path: Path) -> None:
    report = check(tmp_path, province="PV29")
    assert located(report) == [("experimenten.csv", None, 2, "provincie"), ("experimenten.csv", None, 3, "provincie")]
    assert "hoort bij Utrecht, maar de levering is van Zeeland" in report.errors[0].message
    data = records()
    data["experimenten"].append({**EXPERIMENT, "experiment_id": "ZLD-1", "provincie": "Provincie Zeeland"})
    mixed = validate([write_csv(tmp_path / "b", data)], None)
    assert mixed.province == "PV26"  # without a province given, the delivery is of the province most rows name
    assert located(mixed) == [("experimenten.csv", None, 4, "provincie")]


def test_every_error_is_reported_not_only_the_first(tmp_path: Path) -> None:
    data = records(experimenten={"kerntaak": "x", "fase": "y"}, lessen={"datum": "gisteren"}, resultaten={"waarde": "?"})
    data["lessen"][1]["categorie"] = "z"
    report = validate([write_csv(tmp_path, data)], "PV26")
    assert located(report) == [
        ("experimenten.csv", None, 2, "kerntaak"), ("experimenten.csv", None, 2, "fase"),
        ("lessen.csv", None, 2, "datum"), ("lessen.csv", None, 3, "categorie"),
        ("resultaten.csv", None, 2, "waarde"),
    ]
    assert all(f.message and f.message[0].isupper() for f in report.errors)


# --- headers ------------------------------------------------------------------------------------

def test_headers_match_any_case_with_spaces_around(tmp_path: Path) -> None:
    folder = write_csv(tmp_path, records())
    text = (folder / "lessen.csv").read_text()
    (folder / "lessen.csv").write_text(text.replace("les_id,", " Les_ID ,", 1).replace(",datum,", ",DATUM ,", 1))
    assert validate([folder], "PV26").accepted


def test_a_missing_required_column_is_reported_in_row_1(tmp_path: Path) -> None:
    data = records()
    for row in data["lessen"]:
        del row["categorie"]
    report = validate([write_csv(tmp_path, data)], "PV26")
    file, row, column, _, message = only_error(report)
    assert (file, row, column) == ("lessen.csv", 1, "categorie")
    assert "verplichte kolom 'categorie' ontbreekt" in message


def test_optional_columns_may_be_left_out(tmp_path: Path) -> None:
    data = records()
    for row in data["experimenten"]:
        for column in ("samenvatting", "opgave", "reden_gestopt", "startdatum", "einddatum", "eigenaar", "leervragen",
                       "beoogde_resultaten", "databronnen", "partners", "publieke_waarden", "trefwoorden", "budget_eur", "contact"):
            del row[column]
    report = validate([write_csv(tmp_path, data)], "PV26")
    assert report.accepted, located(report)
    assert report.records["experimenten"][0]["budget_eur"] is None


def test_a_column_twice_is_an_error_and_an_unknown_column_a_warning(tmp_path: Path) -> None:
    data = records()
    for row in data["resultaten"]:
        row["opmerking"] = "los"
    folder = write_csv(tmp_path, data)
    report = validate([folder], "PV26")
    assert report.accepted
    assert [(w.file, w.row, w.column) for w in report.warnings] == [("resultaten.csv", 1, "opmerking")]
    assert "Onbekende kolom 'opmerking' wordt genegeerd" in report.warnings[0].message
    text = (folder / "resultaten.csv").read_text().replace("opmerking", "Waarde", 1)
    (folder / "resultaten.csv").write_text(text)
    twice = validate([folder], "PV26")
    assert only_error(twice)[:3] == ("resultaten.csv", 1, "Waarde")


def test_a_misspelt_column_gets_a_suggestion(tmp_path: Path) -> None:
    data = records()
    for row in data["experimenten"]:
        row["trefwoord"] = row.pop("trefwoorden")
    report = validate([write_csv(tmp_path, data)], "PV26")
    assert report.accepted
    assert "Bedoelt u 'trefwoorden'?" in report.warnings[0].message


# --- Dutch Excel habits -------------------------------------------------------------------------

def test_windows_1252_with_semicolons_as_dutch_excel_writes_it(tmp_path: Path) -> None:
    data = records(experimenten={"titel": "Één café in Fryslân – €", "provincie": "Utrecht", "budget_eur": "12.500,50",
                                 "startdatum": "15-3-2021"})
    folder = write_csv(tmp_path, data, delimiter=";", encoding="cp1252")
    assert "€".encode("cp1252") in (folder / "experimenten.csv").read_bytes()
    report = validate([folder], "PV26")
    assert report.accepted, located(report)
    experiment = report.records["experimenten"][0]
    assert experiment["titel"] == "Één café in Fryslân – €"
    assert experiment["budget_eur"] == Decimal("12500.50") and experiment["startdatum"] == date(2021, 3, 15)


def test_utf8_with_bom(tmp_path: Path) -> None:
    folder = write_csv(tmp_path, records(experimenten={"titel": "Één café"}), encoding="utf-8-sig")
    assert (folder / "experimenten.csv").read_bytes().startswith(b"\xef\xbb\xbfexperiment_id")
    report = validate([folder], "PV26")
    assert report.accepted, located(report)
    assert report.records["experimenten"][0]["titel"] == "Één café"


def test_list_cells_with_line_breaks_keep_their_row_numbers(tmp_path: Path) -> None:
    data = records(experimenten={"partners": "RIVM\nGGD\r\nGemeente Utrecht", "leervragen": "Een?\nTwee?"})
    data["experimenten"][1]["kerntaak"] = "onbekend"
    report = validate([write_csv(tmp_path, data)], "PV26")
    assert located(report) == [("experimenten.csv", None, 3, "kerntaak")]  # the line breaks do not shift rows


def test_blank_rows_are_skipped_and_row_numbers_stay_as_the_spreadsheet_shows(tmp_path: Path) -> None:
    folder = write_csv(tmp_path, records())
    lines = (folder / "lessen.csv").read_text().splitlines()
    lines[2] = lines[2].replace("horizontaal", "schuin")
    (folder / "lessen.csv").write_text("\n".join([lines[0], lines[1], ",,,,,,,,,", " , \t", lines[2], ""]))
    report = validate([folder], "PV26")
    assert located(report) == [("lessen.csv", None, 5, "leerrichting")]
    assert report.counts["lessen"] == 2


def test_a_csv_row_with_too_many_cells_has_shifted_values(tmp_path: Path) -> None:
    folder = write_csv(tmp_path, records(), delimiter=";")
    lines = (folder / "lessen.csv").read_text().splitlines()
    lines[2] = lines[2].replace("Leg eigenaarschap", "Leg; eigenaarschap")
    (folder / "lessen.csv").write_text("\n".join(lines) + "\n")
    report = validate([folder], "PV26")
    assert (report.errors[0].file, report.errors[0].row, report.errors[0].column) == ("lessen.csv", 3, None)
    assert "verschoven" in report.errors[0].message


def test_xlsx_with_extra_sheets_dates_numbers_and_line_breaks(tmp_path: Path) -> None:
    data = records()
    data["experimenten"][0].update(startdatum=datetime(2021, 3, 15), einddatum=date(2022, 12, 31), budget_eur=12500.5,
                                   partners="RIVM\nGGD", experiment_id="UTR-2021-03")
    data["lessen"][0].update(dilemma=True, escalatieniveau="Team")
    data["resultaten"][0].update(nulmeting=0, doel=500, waarde=420.0, gemeten_op=datetime(2022, 12, 31))
    path = write_xlsx(tmp_path / "levering.xlsx", data, extra_sheets=("keuzelijsten", "Notities"))
    report = validate([path], "PV26")
    assert report.accepted, located(report)
    experiment = report.records["experimenten"][0]
    assert experiment["startdatum"] == date(2021, 3, 15) and experiment["budget_eur"] == Decimal("12500.5")
    assert experiment["partners"] == ["RIVM", "GGD"]
    assert report.records["lessen"][0]["dilemma"] is True
    assert (experiment["source_file"], experiment["source_row"]) == ("levering.xlsx", 2)


def test_xlsx_errors_name_the_sheet_and_row(tmp_path: Path) -> None:
    data = records(lessen={"categorie": "onbekend"})
    data["resultaten"][1]["waarde"] = "veel"
    path = write_xlsx(tmp_path / "levering.xlsx", data)
    report = validate([path], "PV26")
    assert located(report) == [("levering.xlsx", "lessen", 2, "categorie"), ("levering.xlsx", "resultaten", 3, "waarde")]


def test_an_xlsx_sheet_name_matches_any_case_and_a_workbook_without_any_is_refused(tmp_path: Path) -> None:
    workbook = openpyxl.Workbook()
    workbook.active.title = " Experimenten "
    workbook.active.append(list(EXPERIMENT))
    workbook.active.append(list(EXPERIMENT.values()))
    workbook.save(tmp_path / "a.xlsx")
    assert validate([tmp_path / "a.xlsx"], "PV26").accepted
    workbook.active.title = "Blad1"
    workbook.save(tmp_path / "b.xlsx")
    report = validate([tmp_path / "b.xlsx"], "PV26")
    assert located(report) == [("b.xlsx", None, None, None)]
    assert "geen werkblad met de naam experimenten, lessen, resultaten" in report.errors[0].message


def test_xlsx_formulas_give_their_stored_value_and_are_never_evaluated(tmp_path: Path) -> None:
    data = records()
    data["experimenten"][0]["titel"] = '=HYPERLINK("http://example.invalid","klik")'
    path = write_xlsx(tmp_path / "levering.xlsx", data)
    report = validate([path], "PV26")
    # openpyxl wrote no cached value, so the cell is empty: nothing was calculated or fetched
    assert located(report) == [("levering.xlsx", "experimenten", 2, "titel")]
    assert "verplicht" in report.errors[0].message


def test_json_delivery_with_arrays_numbers_and_booleans(tmp_path: Path) -> None:
    data = records()
    data["experimenten"][0].update(partners=["RIVM", "GGD"], publieke_waarden=["Privacy"], budget_eur=12500.5)
    data["lessen"][0].update(dilemma=True, escalatieniveau="ps")
    data["resultaten"][0].update(waarde=420, nulmeting=None)
    path = tmp_path / "levering.json"
    path.write_text(json.dumps(data), encoding="utf-8")
    report = validate([path], "PV26")
    assert report.accepted, located(report)
    assert report.records["experimenten"][0]["partners"] == ["RIVM", "GGD"]
    assert report.records["experimenten"][0]["publieke_waarden"] == ["privacy"]
    assert report.records["lessen"][0]["dilemma"] is True


def test_json_errors_name_the_list_and_the_position(tmp_path: Path) -> None:
    data = records()
    data["lessen"][1]["datum"] = {"jaar": 2022}
    data["experimenten"][0]["titel"] = ["a", "b"]
    data["lessen"][0]["dilemma"] = 2
    path = tmp_path / "levering.json"
    path.write_text(json.dumps(data))
    report = validate([path], "PV26")
    assert located(report) == [("levering.json", "experimenten", 1, "titel"), ("levering.json", "lessen", 1, "dilemma"),
                               ("levering.json", "lessen", 2, "datum")]
    assert "geen lijst of object" in report.errors[0].message


def test_a_zip_of_csv_files(tmp_path: Path) -> None:
    folder = write_csv(tmp_path / "csv", records(lessen={"status": "?"}))
    archive = tmp_path / "levering.zip"
    with zipfile.ZipFile(archive, "w", zipfile.ZIP_DEFLATED) as out:
        for name in ("experimenten", "lessen", "resultaten"):
            out.write(folder / f"{name}.csv", f"levering/{name}.csv")
        out.writestr("levering/leesmij.txt", "Hallo")
        out.writestr("__MACOSX/levering/._lessen.csv", "rommel")
    report = validate([archive], "PV26")
    assert located(report) == [("levering.zip/levering/lessen.csv", None, 2, "status")]
    assert [w.file for w in report.warnings] == ["levering.zip/levering/leesmij.txt"]


def test_a_record_type_delivered_twice_is_an_error(tmp_path: Path) -> None:
    folder = write_csv(tmp_path / "a", records())
    path = write_xlsx(tmp_path / "levering.xlsx", {"lessen": records()["lessen"]})
    report = validate([folder, path], "PV26")
    assert any("'lessen' komt 2 keer voor" in f.message for f in report.errors)


def test_unknown_csv_names_and_file_types_are_explained(tmp_path: Path) -> None:
    (tmp_path / "lessons.csv").write_text("les_id\nx\n")
    (tmp_path / "oud.xls").write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 100)
    (tmp_path / "notities.txt").write_text("hallo")
    report = validate([tmp_path / "lessons.csv", tmp_path / "oud.xls", tmp_path / "notities.txt"], "PV26")
    messages = {f.file: f.message for f in report.errors}
    assert "Noem een CSV-bestand naar het soort gegevens" in messages["lessons.csv"]
    assert "Sla het bestand op als Excel-werkmap (.xlsx)" in messages["oud.xls"]
    assert "Tekstbestanden (.txt) worden niet gelezen" in messages["notities.txt"]


def test_an_empty_delivery_is_rejected(tmp_path: Path) -> None:
    (tmp_path / "leeg").mkdir()
    report = validate([tmp_path / "leeg"], "PV26")
    assert not report.accepted and "geen gegevens" in report.errors[0].message


# --- hostile and broken files ------------------------------------------------------------------

def test_a_csv_named_xlsx_is_refused_with_a_hint(tmp_path: Path) -> None:
    folder = write_csv(tmp_path, records())
    fake = tmp_path / "levering.xlsx"
    fake.write_bytes((folder / "experimenten.csv").read_bytes())
    report = validate([fake], "PV26")
    assert located(report) == [("levering.xlsx", None, None, None)]
    assert "geen Excel-werkmap" in report.errors[0].message and ".csv" in report.errors[0].message


def test_a_zip_named_xlsx_and_a_broken_zip_are_refused(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "levering.xlsx", "w") as out:
        out.writestr("experimenten.csv", "experiment_id\n")
    (tmp_path / "kapot.zip").write_bytes(b"PK\x03\x04" + b"\x00\x13" * 200)
    report = validate([tmp_path / "levering.xlsx", tmp_path / "kapot.zip"], "PV26")
    messages = {f.file: f.message for f in report.errors}
    assert "ZIP-bestand, geen Excel-werkmap" in messages["levering.xlsx"]
    assert "geen geldig ZIP-bestand" in messages["kapot.zip"]


def test_a_truncated_workbook_is_refused_without_a_traceback(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "heel.xlsx", records())
    (tmp_path / "half.xlsx").write_bytes(path.read_bytes()[: path.stat().st_size // 2])
    report = validate([tmp_path / "half.xlsx"], "PV26")
    assert located(report) == [("half.xlsx", None, None, None)]
    assert "Excel-werkmap" in report.errors[0].message


@pytest.mark.parametrize("content, message", [
    (bytes(range(256)) * 40, "binaire gegevens"),
    (b"\x89PNG\r\n\x1a\n" + b"\x00" * 64, "binaire gegevens"),
    ("experiment_id;titel\n".encode("utf-16"), "UTF-16"),
    (b"PK\x03\x04" + b"\x00" * 60, "Excel-werkmap of ZIP-bestand"),
    (b"experiment_id,titel\nx,\x81\x8d\x8f\x90\x9d\n", "tekencodering is onleesbaar"),
    (b"", "leeg"),
    (b'experiment_id,titel\nx,"niet afgesloten\n', "niet goed gevormd bij regel"),
])
def test_binary_junk_and_unreadable_text_are_refused_with_a_clear_message(tmp_path: Path, content: bytes, message: str) -> None:
    (tmp_path / "experimenten.csv").write_bytes(content)
    report = validate([tmp_path / "experimenten.csv"], "PV26")
    assert located(report) == [("experimenten.csv", None, None, None)]
    assert message in report.errors[0].message


def test_a_zip_bomb_is_refused_before_unpacking(tmp_path: Path) -> None:
    bomb = tmp_path / "bom.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as out:
        with out.open("lessen.csv", "w") as entry:
            for _ in range(210):
                entry.write(b"\0" * 2**20)
    assert bomb.stat().st_size < 2**20
    report = validate([bomb], "PV26")
    assert located(report) == [("bom.zip", None, None, None)]
    assert "pakt uit tot 210 MiB" in report.errors[0].message


def test_a_zip_whose_entries_lie_about_their_size_is_refused(tmp_path: Path) -> None:
    folder = write_csv(tmp_path / "csv", records())
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as out:
        out.write(folder / "experimenten.csv", "experimenten.csv")
    data = bytearray(buffer.getvalue())
    size = (folder / "experimenten.csv").stat().st_size
    for offset in (22, data.rfind(b"PK\x01\x02") + 24):  # the uncompressed size in both headers: 10 bytes less
        data[offset:offset + 4] = (size - 10).to_bytes(4, "little")
    (tmp_path / "liegt.zip").write_bytes(bytes(data))
    report = validate([tmp_path / "liegt.zip"], "PV26")
    assert not report.accepted
    assert "beschadigd" in report.errors[0].message


@pytest.mark.parametrize("name", ["../../etc/cron.d/lessen.csv", "/tmp/lessen.csv", "..\\..\\lessen.csv", "C:/temp/lessen.csv"])
def test_a_zip_with_a_path_escape_is_refused_whole(tmp_path: Path, name: str) -> None:
    archive = tmp_path / "levering.zip"
    with zipfile.ZipFile(archive, "w") as out:
        out.writestr("experimenten.csv", ",".join(EXPERIMENT) + "\n" + ",".join(EXPERIMENT.values()) + "\n")
        out.writestr(zipfile.ZipInfo(name), "les_id\n")
    report = validate([archive], "PV26")
    assert located(report) == [("levering.zip", None, None, None)]
    assert "onveilige bestandsnaam" in report.errors[0].message
    assert not (tmp_path.parent / "etc").exists()


def test_a_zip_with_too_many_files_or_a_zip_inside_is_refused(tmp_path: Path) -> None:
    with zipfile.ZipFile(tmp_path / "veel.zip", "w") as out:
        for number in range(reading.MAX_ZIP_ENTRIES + 1):
            out.writestr(f"bestand{number}.csv", "x\n")
    with zipfile.ZipFile(tmp_path / "nest.zip", "w") as out:
        out.writestr("binnen.zip", b"PK\x05\x06" + b"\0" * 18)
    report = validate([tmp_path / "veel.zip", tmp_path / "nest.zip"], "PV26")
    messages = {f.file: f.message for f in report.errors}
    assert f"maximaal {reading.MAX_ZIP_ENTRIES}" in messages["veel.zip"]
    assert "ZIP in een ZIP" in messages["nest.zip/binnen.zip"]


def test_a_workbook_with_an_xml_entity_declaration_is_refused(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "heel.xlsx", records())
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(tmp_path / "dtd.xlsx", "w") as target:
        for entry in source.infolist():
            data = source.read(entry)
            if entry.filename == "xl/workbook.xml":
                data = b'<!DOCTYPE x [<!ENTITY a "aaaaaaaaaa">]>' + data.split(b"?>", 1)[-1]
            target.writestr(entry, data)
    report = validate([tmp_path / "dtd.xlsx"], "PV26")
    assert located(report) == [("dtd.xlsx", None, None, None)]
    assert "XML-constructies" in report.errors[0].message


def test_an_oversized_file_is_refused_without_reading_it(tmp_path: Path) -> None:
    folder = write_csv(tmp_path, records())
    tiny = Limits(max_file_bytes=512)
    assert (folder / "experimenten.csv").stat().st_size > 512
    report = validate([folder / "experimenten.csv"], "PV26", limits=tiny)
    assert located(report) == [("experimenten.csv", None, None, None)]
    assert "Het bestand is te groot" in report.errors[0].message
    assert validate([folder], "PV26").accepted
    assert not validate([folder], "PV26", limits=tiny).accepted
    assert Settings.from_env({"IDA_MAX_FILE_MB": str(512 / 2**20)}).limits == tiny


# --- the command ------------------------------------------------------------------------------

def ida(*args: str, **env: str) -> subprocess.CompletedProcess:
    import os

    return subprocess.run([IDA, "validate", *args], capture_output=True, text=True, timeout=120, env={**os.environ, **env})


def test_the_command_accepts_with_exit_0_and_the_json_report(tmp_path: Path) -> None:
    done = ida("--province", "Utrecht", "--json", str(write_csv(tmp_path, records())))
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report["accepted"] is True
    assert report["counts"] == {"experimenten": 2, "lessen": 2, "resultaten": 2}
    assert report["errors"] == [] and report["warnings"] == []


def test_the_command_rejects_with_exit_1_and_located_errors(tmp_path: Path) -> None:
    done = ida("--province", "PV26", "--json", str(write_csv(tmp_path, records(lessen={"datum": "31-31-2021"}))))
    assert done.returncode == 1
    report = json.loads(done.stdout)
    assert report["accepted"] is False
    assert report["errors"] == [{"file": "lessen.csv", "sheet": None, "row": 2, "column": "datum", "value": "31-31-2021",
                                 "message": "Deze datum bestaat niet. Controleer dag en maand (dag eerst: 15-03-2021)."}]
    assert set(report) >= {"accepted", "counts", "errors", "warnings"}


def test_the_command_reports_a_hostile_file_without_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "levering.xlsx").write_bytes(b"\x00\x01\x02 junk" * 100)
    done = ida("--json", str(tmp_path / "levering.xlsx"))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "geen Excel-werkmap" in json.loads(done.stdout)["errors"][0]["message"]


def test_the_command_prints_a_dutch_table_without_json(tmp_path: Path) -> None:
    done = ida("--province", "PV26", str(write_csv(tmp_path, records(lessen={"status": "klaar"}))))
    assert done.returncode == 1
    assert "Afgekeurd" in done.stdout and "lessen.csv" in done.stdout


def test_the_command_honours_the_file_size_limit(tmp_path: Path) -> None:
    done = ida("--json", str(write_csv(tmp_path, records())), IDA_MAX_FILE_MB=str(512 / 2**20))
    assert done.returncode == 1
    errors = json.loads(done.stdout)["errors"]
    assert errors[0]["file"] == "experimenten.csv" and "te groot" in errors[0]["message"]


@pytest.mark.parametrize("args", [[], ["--province", "Atlantis", "."], ["bestaat/niet.csv"], ["--onbekend", "."]])
def test_wrong_usage_exits_with_2(tmp_path: Path, args: list[str]) -> None:
    done = ida(*args)
    assert done.returncode == 2, (done.stdout, done.stderr)
    assert "Traceback" not in done.stderr
