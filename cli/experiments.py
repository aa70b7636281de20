"""`ida experiment KEY`: one experiment whole — its fields, phase history, lessons, learning questions, results."""

from __future__ import annotations

import json
from typing import Annotated

import typer
from rich.table import Table
from rich.text import Text

from cli.common import console, settings

LABELS = (("Provincie", "province_name"), ("Titel", "title"), ("Samenvatting", "summary"), ("Opgave", "societal_task"),
          ("Kerntaak", "core_task_label"), ("IDA-spoor", "ida_line_label"), ("Fase", "phase_label"),
          ("Reden gestopt", "stop_reason"), ("Start", "start_date"), ("Einde", "end_date"), ("Eigenaar", "owner"),
          ("Contact", "contact"))


def experiment(
    key: Annotated[str, typer.Argument(help="provincie:experiment_id, bijvoorbeeld PV26:UTR-2019-01.")],
    as_json: Annotated[bool, typer.Option("--json", help="Als JSON.")] = False,
) -> None:
    """Toon één experiment in zijn geheel: gegevens, fasegeschiedenis, lessen, leervragen en resultaten."""
    from ida.warehouse import serving
    from ida.warehouse.experiment_record import experiment_record

    with serving.connect(settings().serving_dir) as con:
        record = experiment_record(con, key)
    if as_json:
        print(json.dumps(record, ensure_ascii=False, indent=2))
        return
    show(record)


def _text(value: object) -> Text:
    """User text as plain text: never read as markup."""
    if isinstance(value, list):
        value = ", ".join(map(str, value))
    return Text("" if value is None else str(value))


def show(record: dict) -> None:
    fields = Table.grid(padding=(0, 2))
    for label, name in LABELS:
        if record.get(name) not in (None, "", []):
            fields.add_row(Text(label, style="bold"), _text(record[name]))
    console.print(Text(record["experiment_key"], style="bold"))
    console.print(fields)
    history = Table("Fase", "Sinds", title="Fasegeschiedenis")
    for step in record["phase_history"]:
        history.add_row(_text(step["phase"]), _text(step["since"]))
    console.print(history)
    questions = Table("Leervraag", "Beantwoord door", title="Leervragen")
    for question in record["learning_questions"]:
        questions.add_row(_text(question["question"]), _text(question["answered_by"] or "nog geen les"))
    console.print(questions)
    lessons = Table("Id", "Datum", "Les", "Dilemma", "Besluit", title="Lessen")
    for lesson in record["lessons"]:
        lessons.add_row(_text(lesson["lesson_id"]), _text(lesson["lesson_date"]), _text(lesson["lesson_text"]),
                        _text("ja" if lesson["is_dilemma"] else "nee"), _text(lesson["decision"]))
    console.print(lessons)
    results = Table("Indicator", "Waarde", "Doel", "Gemeten op", title="Resultaten")
    for result in record["results"]:
        results.add_row(_text(result["indicator"]), _text(result["value"]), _text(result["target"]),
                        _text(result["measured_on"]))
    console.print(results)
