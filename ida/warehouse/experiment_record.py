"""One experiment whole, as the serving copy holds it: its fields, phase history, lessons (with the learning
question each answers), results. `ida experiment` prints it; anything else that needs one experiment reads it here."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from ida.errors import NotFound, UsageError
from ida.standard.vocabularies import provinces

EXPERIMENT_FIELDS = (
    "experiment_key", "province_code", "province_name", "experiment_id", "title", "summary", "societal_task",
    "owner", "contact", "core_task", "core_task_label", "ida_line", "ida_line_label", "phase", "phase_label",
    "is_beyond_experimenting", "is_stopped", "stop_reason", "intended_results", "data_sources", "partners",
    "public_values", "keywords", "budget_eur", "start_date", "end_date", "last_loaded",
)
LESSON_FIELDS = (
    "lesson_key", "lesson_id", "lesson_date", "direction", "category", "lesson_text", "public_values", "is_dilemma",
    "escalation_level", "status", "learning_question", "decision", "decided_by", "decided_on", "days_to_decision",
)
RESULT_FIELDS = ("indicator", "unit", "baseline", "target", "value", "measured_on", "target_reached")


def parse_key(key: str) -> tuple[str, str]:
    """`PVxx:experiment_id` (the province also by name) as (CBS code, experiment id)."""
    province, separator, experiment_id = key.partition(":")
    code = provinces().resolve(province) if separator else None
    if not separator or not experiment_id.strip():
        raise UsageError(f"'{key}' is geen experimentsleutel. Schrijf provincie:experiment_id, bijvoorbeeld PV26:UTR-2019-01.")
    if code is None:
        raise UsageError(f"Onbekende provincie '{province}' in '{key}'. Gebruik een CBS-code (PV20 … PV31) of de naam.")
    return code, experiment_id.strip()


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    return value


def _rows(con: duckdb.DuckDBPyConnection, sql: str, parameters: list[Any]) -> list[dict[str, Any]]:
    cursor = con.execute(sql, parameters)
    names = [d[0] for d in cursor.description]
    return [{name: _plain(value) for name, value in zip(names, row)} for row in cursor.fetchall()]


def experiment_record(con: duckdb.DuckDBPyConnection, key: str) -> dict[str, Any]:
    """The experiment `key` whole; NotFound (Dutch, naming a withdrawal when that is why) when the marts lack it."""
    province, experiment_id = parse_key(key)
    found = _rows(con, f"select {', '.join(EXPERIMENT_FIELDS)}, learning_questions from marts.experiments "
                       "where province_code = ? and experiment_id = ?", [province, experiment_id])
    if not found:
        withdrawn = _rows(con, "select reason, withdrawn_on from marts.withdrawn where record_kind = 'experiment' "
                               "and province_code = ? and record_id = ?", [province, experiment_id])
        name = provinces().label(province)
        if withdrawn:
            raise NotFound(f"Experiment {experiment_id} van {name} is ingetrokken op {withdrawn[0]['withdrawn_on']} "
                           f"(reden: {withdrawn[0]['reason']}). Het komt terug als een latere levering het weer bevat.")
        raise NotFound(f"Het platform heeft geen experiment {experiment_id} van {name}. Controleer de sleutel "
                       "(provincie:experiment_id; hoofdletters tellen mee in het id).")
    record = found[0]
    questions = record.pop("learning_questions") or []
    parameters = [record["experiment_key"]]
    record["phase_history"] = [
        {"phase": row["phase"], "since": row["started_on"]}
        for row in _rows(con, "select phase, started_on from marts.phase_history where experiment_key = ? "
                              "order by phase_number", parameters)
    ]
    record["lessons"] = _rows(con, f"select {', '.join(LESSON_FIELDS)} from marts.lessons where experiment_key = ? "
                                   "order by lesson_date, lesson_id", parameters)
    record["learning_questions"] = [
        {"question": question,
         "answered_by": [lesson["lesson_key"] for lesson in record["lessons"] if lesson["learning_question"] == question]}
        for question in questions
    ]
    record["results"] = _rows(con, f"select {', '.join(RESULT_FIELDS)} from marts.results where experiment_key = ? "
                                   "order by measured_on, indicator", parameters)
    return record
