"""The catalogue as CKAN dicts: organisations, groups and one `experiment` dataset per experiment.

One builder for both ways out: the bulk export (JSON lines that `ckanapi load` reads) and
publishing to a live CKAN with ckanapi. Dicts are built from the marts in the serving copy.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import date
from decimal import Decimal
from typing import Any

import duckdb

from catalog.vocabularies import provinces, vocabulary

IPO_ORGANIZATION = "ipo"
WITHDRAWN_PHASE = "gestopt"
TAG_CHARACTERS = re.compile(r"[^\w .-]+", re.UNICODE)
LESSON_COLUMNS = ("lesson_id", "lesson_date", "direction", "category", "lesson_text", "is_dilemma",
                  "escalation_level", "status", "public_values")
RESULT_COLUMNS = ("indicator", "unit", "baseline", "target", "value", "measured_on", "target_reached")


def dataset_name(province: str, experiment_id: str) -> str:
    """A stable CKAN name from province and experiment id (lower case, `-`; a hash keeps it unique)."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", experiment_id.lower()).strip("-")
    if slug != experiment_id.lower():
        slug = f"{slug}-{hashlib.sha1(experiment_id.encode()).hexdigest()[:6]}"
    return f"{province.lower()}-{slug}"[:100]


def organizations() -> list[dict[str, Any]]:
    orgs = [
        {
            "name": row["ckan_organisatie"],
            "title": f"Provincie {row['naam']}",
            "description": f"Koploperdeals en geleerde lessen van de provincie {row['naam']}.",
            "extras": [{"key": "tooi", "value": row["tooi_uri"]}, {"key": "cbs_code", "value": row["code"]}],
        }
        for row in provinces().rows
    ]
    orgs.append({"name": IPO_ORGANIZATION, "title": "IPO — Interprovinciaal Overleg",
                 "description": "Vergelijkingen over de provincies heen, voor de IDA.", "extras": []})
    return orgs


def groups() -> list[dict[str, Any]]:
    return [
        {"name": group_name(row["code"]), "title": row["label"], "description": row["omschrijving"]}
        for row in vocabulary("kerntaken").rows
    ]


def group_name(core_task: str) -> str:
    return core_task.replace("_", "-")


def _plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value.normalize()) if value == value.to_integral() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _lines(items: list[str] | None) -> str:
    return "\n".join(items or [])


def _csv(rows: list[dict[str, Any]], columns: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["|".join(v) if isinstance(v, list) else _plain(v) for v in (row[c] for c in columns)])
    return out.getvalue()


def _tag(keyword: str) -> str | None:
    cleaned = TAG_CHARACTERS.sub(" ", keyword).strip()[:100]
    return cleaned if len(cleaned) >= 2 else None


def _records(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def experiment_datasets(con: duckdb.DuckDBPyConnection) -> list[dict[str, Any]]:
    """One dataset dict per experiment in the marts, with its lessons and results as CSV resources.

    Each dict carries a `fingerprint` of its content (and its resources), so a publisher can skip
    what did not change; `resources[*]["data"]` holds the CSV text and is removed before sending.
    """
    lessons: dict[str, list[dict[str, Any]]] = {}
    for row in _records(con, "select * from marts.lessons order by lesson_date, lesson_id"):
        lessons.setdefault(row["experiment_key"], []).append(row)
    results: dict[str, list[dict[str, Any]]] = {}
    for row in _records(con, "select * from marts.results order by measured_on, indicator"):
        results.setdefault(row["experiment_key"], []).append(row)
    datasets = []
    for exp in _records(con, "select * from marts.experiments order by province_code, experiment_id"):
        datasets.append(_experiment_dataset(exp, lessons.get(exp["experiment_key"], []), results.get(exp["experiment_key"], [])))
    return datasets


def _experiment_dataset(exp: dict[str, Any], lessons: list[dict[str, Any]], results: list[dict[str, Any]]) -> dict[str, Any]:
    name = dataset_name(exp["province_code"], exp["experiment_id"])
    organization = provinces().row(exp["province_code"])["ckan_organisatie"]
    tags = sorted({t for t in (_tag(k) for k in exp["keywords"] or []) if t})
    dataset = {
        "type": "experiment",
        "name": name,
        "title": exp["title"],
        "notes": exp["summary"] or "",
        "owner_org": organization,
        "tags": [{"name": t} for t in tags],
        "groups": [{"name": group_name(exp["core_task"])}],
        "provincie": exp["province_code"],
        "experiment_id": exp["experiment_id"],
        "opgave": exp["societal_task"] or "",
        "kerntaak": exp["core_task"],
        "ida_spoor": exp["ida_line"],
        "fase": exp["phase"],
        "reden_gestopt": exp["stop_reason"] or "",
        "startdatum": _plain(exp["start_date"]) or "",
        "einddatum": _plain(exp["end_date"]) or "",
        "eigenaar": exp["owner"] or "",
        "leervragen": _lines(exp["learning_questions"]),
        "beoogde_resultaten": _lines(exp["intended_results"]),
        "databronnen": _lines(exp["data_sources"]),
        "partners": _lines(exp["partners"]),
        "publieke_waarden": exp["public_values"] or [],
        "budget_eur": _plain(exp["budget_eur"]) if exp["budget_eur"] is not None else "",
        "contact": exp["contact"] or "",
        "status_publicatie": "ingetrokken" if exp["phase"] == WITHDRAWN_PHASE else "actief",
        "resources": [
            {"name": "Lessen", "description": f"{len(lessons)} geleerde lessen", "format": "CSV",
             "url": f"resources/{name}/lessen.csv", "data": _csv(lessons, LESSON_COLUMNS)},
            {"name": "Resultaten", "description": f"{len(results)} gemeten indicatoren", "format": "CSV",
             "url": f"resources/{name}/resultaten.csv", "data": _csv(results, RESULT_COLUMNS)},
        ],
    }
    dataset["fingerprint"] = fingerprint(dataset)
    return dataset


def fingerprint(dataset: dict[str, Any]) -> str:
    """A hash over everything a dataset says, resources' content included."""
    content = {k: v for k, v in dataset.items() if k != "fingerprint"}
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
