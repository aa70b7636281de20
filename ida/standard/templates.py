"""Templates generated from the standard: an XLSX workbook with drop-down lists, and CSV files."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from ida import csv_safe
from ida.standard.json_schema import delivery_schema
from ida.standard.record_types import RECORD_TYPES, STANDARD_VERSION, Kind
from ida.standard.vocabularies import vocabulary

LISTS_SHEET = "keuzelijsten"
INSTRUCTIONS = [
    f"Sjabloon voor een levering aan het IDA Leerplatform (standaard v{STANDARD_VERSION}).",
    "",
    "Vul per soort gegevens het werkblad met dezelfde naam: experimenten, lessen, resultaten, zelfscan, intrekkingen.",
    "Werkbladen die u niet nodig heeft, mag u leeg laten of verwijderen.",
    "Rij 1 bevat de kolomnamen: laat die staan. Rij 2 is een voorbeeld: vervang of verwijder die.",
    "Vetgedrukte kolommen zijn verplicht.",
    "Datums: 2021-03-15 of 15-03-2021 (dag eerst).",
    "Bedragen: 12500, 12.500 of 12.500,50.",
    "Lijsten (leervragen, partners, publieke waarden, ...): scheid met | of met een regeleinde in de cel.",
    "Keuzevelden hebben een keuzelijst; de code of het Nederlandse label is goed.",
    "dilemma: ja of nee. Bij een dilemma is het escalatieniveau verplicht.",
    "fase 'gestopt': vul ook reden_gestopt in.",
    "lessen, leervraag (v1.1): het nummer (1 = de eerste) of de tekst van een leervraag van het experiment.",
    "lessen, besluit/besloten_door/besloten_op (v1.1): wat er over een dilemma is besloten, door welk niveau en wanneer.",
    "zelfscan (v1.1): per aanbeveling een niveau van 1 (initieel) tot 5 (optimaliserend) op een peildatum.",
    "intrekkingen (v1.1): trek een eigen experiment of les in, met een reden (soort: experiment of les).",
    "Een levering wordt in zijn geheel goedgekeurd of afgekeurd; het rapport noemt elke fout met werkblad, rij en kolom.",
    "Een latere levering vervangt wat u eerder aanleverde voor dezelfde id's; weggelaten experimenten blijven bestaan.",
]


def xlsx_template() -> bytes:
    workbook = Workbook()
    instructions = workbook.active
    instructions.title = "instructies"
    for row, line in enumerate(INSTRUCTIONS, start=1):
        instructions.cell(row=row, column=1, value=line)
    instructions["A1"].font = Font(bold=True, size=13)
    instructions.column_dimensions["A"].width = 110
    lists = workbook.create_sheet(LISTS_SHEET)
    list_ranges = {}
    for index, name in enumerate(sorted({c.vocabulary for rt in RECORD_TYPES.values() for c in rt.columns if c.vocabulary}), start=1):
        codes = vocabulary(name).codes
        letter = get_column_letter(index)
        lists.cell(row=1, column=index, value=name).font = Font(bold=True)
        for row, code in enumerate(codes, start=2):
            lists.cell(row=row, column=index, value=code)
        list_ranges[name] = f"{quote_sheetname(LISTS_SHEET)}!${letter}$2:${letter}${len(codes) + 1}"
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    for record_type in RECORD_TYPES.values():
        sheet = workbook.create_sheet(record_type.name)
        for index, column in enumerate(record_type.columns, start=1):
            cell = sheet.cell(row=1, column=index, value=column.name)
            cell.font, cell.fill = Font(bold=column.required), header_fill
            sheet.cell(row=2, column=index, value=column.example or None)
            letter = get_column_letter(index)
            sheet.column_dimensions[letter].width = max(14, len(column.name) + 4)
            if column.kind in (Kind.VOCAB, Kind.PROVINCE):
                check = DataValidation(type="list", formula1=list_ranges[column.vocabulary], allow_blank=not column.required,
                                       showErrorMessage=True, errorTitle="Onbekende waarde",
                                       error=f"Kies een waarde uit de lijst voor '{column.name}'.")
                check.add(f"{letter}2:{letter}5000")
                sheet.add_data_validation(check)
            elif column.kind is Kind.BOOLEAN:
                check = DataValidation(type="list", formula1='"ja,nee"', allow_blank=True)
                check.add(f"{letter}2:{letter}5000")
                sheet.add_data_validation(check)
            if column.kind in (Kind.TEXT_LIST, Kind.VOCAB_LIST) or column.name in ("samenvatting", "les"):
                sheet.column_dimensions[letter].width = 40
                sheet.cell(row=2, column=index).alignment = Alignment(wrap_text=True)
        sheet.freeze_panes = "A2"
    workbook.move_sheet(LISTS_SHEET, offset=len(RECORD_TYPES))
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def csv_template(record_type: str) -> bytes:
    out = io.StringIO()
    writer = csv_safe.writer(out, delimiter=";", lineterminator="\r\n")
    columns = RECORD_TYPES[record_type].columns
    writer.writerow([c.name for c in columns])
    writer.writerow([c.example for c in columns])
    return out.getvalue().encode("utf-8-sig")


def csv_templates_zip() -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name in RECORD_TYPES:
            archive.writestr(f"{name}.csv", csv_template(name))
    return out.getvalue()


def schema_json() -> bytes:
    return json.dumps(delivery_schema(), ensure_ascii=False, indent=2).encode("utf-8")


def write_templates(out: Path) -> list[Path]:
    """Write the XLSX template, the CSV templates and the JSON Schema into `out`."""
    out.mkdir(parents=True, exist_ok=True)
    files = {"sjabloon-levering.xlsx": xlsx_template(), "levering.schema.json": schema_json(),
             **{f"{name}.csv": csv_template(name) for name in RECORD_TYPES}}
    for name, data in files.items():
        (out / name).write_bytes(data)
    return [out / name for name in files]
