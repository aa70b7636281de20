"""The catalogue as CKAN dicts: organisations, groups, one `experiment` dataset per experiment and
the comparison datasets of the IPO.

One builder for both ways out: the bulk export (JSON lines that `ckanapi load` reads) and
publishing to a live CKAN (catalog/publish.py). Dicts are built from the marts in the serving copy
and follow the ckanext-scheming schema of the `experiment` type (catalog/ckan_stack/experiment_schema.py):
lists as JSON arrays, contact as `maintainer_email`, empty optional fields left out, tags cleaned.

What DCAT-AP-NL 3.0 asks (catalog/ckan_stack/ckanext-ida/ckanext/ida/profiles.py turns it into RDF) is in
the dicts as fields of the experiment (extras of a plain dataset): `theme` (the EU data theme of the core
task, column `eu_datathema` of kerntaken.csv), `access_rights`, the province's TOOI URI as
`publisher_uri` and `creator_uri`, and each file's `license` (ida.settings.DcatSettings). The lessons are
in the experiment itself too, as the repeating field `lessen`, so CKAN's search finds an experiment by a
word from its lessons and its page shows them.

Every dataset carries a `fingerprint` of its content, resources' content included, so a publisher can
skip what did not change. `resources[*]["data"]` holds the CSV text (uploaded as a file, or written
beside the export) and `resources[*]["url"]` the file's path inside the export; neither goes to CKAN
as such.
"""

from __future__ import annotations

import hashlib
import io
import json
import re
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import duckdb

from ida import csv_safe
from ida.settings import DcatSettings
from ida.standard.vocabularies import provinces, vocabulary

IPO_ORGANIZATION = "ipo"
EXPERIMENT_TYPE = "experiment"
WITHDRAWN_PHASE = "gestopt"
ACTIVE, WITHDRAWN = "actief", "ingetrokken"  # values of status_publicatie
FINGERPRINT = "fingerprint"
TAG_FORBIDDEN = re.compile(r"[^\w .-]+")  # CKAN allows letters, digits, spaces and -_. in tags
TAG_MIN, TAG_MAX = 2, 100
NAME_MAX = 100
LESSON_COLUMNS = ("lesson_id", "lesson_date", "direction", "category", "lesson_text", "is_dilemma",
                  "escalation_level", "status", "public_values")
EU_DATA_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
COMPARISON_THEMES = ("GOVE", "REGI")  # the IPO's comparisons: government, across the regions
RESULT_COLUMNS = ("indicator", "unit", "baseline", "target", "value", "measured_on", "target_reached")

# The comparison marts and the zelfscan, published as plain datasets of the IPO: (mart, dataset name, title, text, order).
COMPARISONS = (
    ("comparison_core_task", "ipo-vergelijking-kerntaken", "Vergelijking van de kerntaken",
     "Per kerntaak, over de twaalf provincies heen: hoeveel provincies actief zijn, hoe ver de "
     "experimenten kwamen, wat er is geleerd, welke dilemma's openstaan en hoe de resultaten scoren "
     "tegen hun doelen.", "core_task"),
    ("comparison_province_phase_core_task", "ipo-vergelijking-provincie-fase-kerntaak",
     "Vergelijking per provincie, fase en kerntaak",
     "Het volledige raster provincie × fase × kerntaak (nul waar niets is) met het aantal lopende "
     "experimenten en hun lessen.", "province_code, phase_order, core_task"),
    # v1.1: the provinces' maturity self-assessments over time, published beside the comparisons
    ("maturity", "ipo-zelfscan-volwassenheid", "Zelfscan volwassenheid van de provincies",
     "Per provincie, peildatum en aanbeveling van het externe rapport achter de IDA het niveau (1 initieel tot "
     "5 optimaliserend) waarop de provincie zichzelf scoort, met toelichting en bewijs, en de verandering "
     "sinds de vorige peildatum.", "province_code, reference_date, recommendation_order"),
)


def dataset_name(province: str, experiment_id: str) -> str:
    """A stable CKAN name from province and experiment id (lower case, `-`; a hash keeps it unique)."""
    slug = re.sub(r"[^a-z0-9_-]+", "-", experiment_id.lower()).strip("-")
    digest = hashlib.sha1(experiment_id.encode()).hexdigest()[:6]
    name = f"{province.lower()}-{slug}"
    if slug != experiment_id.lower() or len(name) > NAME_MAX:
        name = f"{name[:NAME_MAX - 7]}-{digest}"
    return name


def organizations() -> list[dict[str, Any]]:
    """The twelve province organisations (with TOOI URI and CBS code) and the IPO.

    The same names, titles, descriptions and extras as catalog/ckan_stack/provision_accounts.py, so
    a publisher finds nothing to change on a stack that script set up.
    """
    orgs = [
        {
            "name": row["ckan_organisatie"],
            "title": f"Provincie {row['naam']}",
            "description": f"Koploperdeals en lessen van de Provincie {row['naam']} ({row['code']}).",
            "extras": [{"key": "tooi_uri", "value": row["tooi_uri"]}, {"key": "cbs_code", "value": row["code"]}],
        }
        for row in provinces().rows
    ]
    orgs.append({"name": IPO_ORGANIZATION, "title": "IPO (Interprovinciaal Overleg)",
                 "description": "Interprovinciaal Overleg: coördinatie van de Interprovinciale Digitale Agenda (IDA).",
                 "extras": []})
    return orgs


def groups() -> list[dict[str, Any]]:
    """One group per core task (kerntaak)."""
    return [
        {"name": group_name(row["code"]), "title": row["label"], "description": row["omschrijving"]}
        for row in vocabulary("kerntaken").rows
    ]


def group_name(core_task: str) -> str:
    return core_task.replace("_", "-")


def _plain(value: Any) -> Any:
    """A value as it reads in CSV and CKAN text fields: dates ISO, amounts without exponent."""
    if isinstance(value, Decimal):
        return str(int(value)) if value == value.to_integral_value() else format(value.normalize(), "f")
    if isinstance(value, datetime):
        return value.isoformat(timespec="seconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def _texts(items: list[str] | None) -> list[str]:
    return [text for text in (str(item).strip() for item in items or []) if text]


def _csv(rows: list[dict[str, Any]], columns: tuple[str, ...] | list[str]) -> str:
    out = io.StringIO()
    writer = csv_safe.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow(["|".join(v) if isinstance(v, list) else _plain(v) for v in (row[c] for c in columns)])
    return out.getvalue()


def tag(keyword: str) -> str | None:
    """A keyword as a CKAN tag (letters, digits, spaces, -_.; 2–100 characters), or None."""
    cleaned = " ".join(TAG_FORBIDDEN.sub(" ", keyword).split())[:TAG_MAX].strip()
    return cleaned if len(cleaned) >= TAG_MIN else None


def _records(con: duckdb.DuckDBPyConnection, sql: str, parameters: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, parameters or {})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row)) for row in cursor.fetchall()]


def eu_theme(core_task: str) -> str:
    """The EU data theme URI of a core task (column `eu_datathema` of kerntaken.csv)."""
    row = next(r for r in vocabulary("kerntaken").rows if r["code"] == core_task)
    return EU_DATA_THEME + row["eu_datathema"]


def lesson(row: dict[str, Any]) -> dict[str, str]:
    """One lesson of marts.lessons as an item of the experiment's repeating field `lessen`
    (subfields named after the standard's columns; empty ones left out)."""
    item = {
        "les_id": row["lesson_id"],
        "datum": _plain(row["lesson_date"]),
        "categorie": row["category"],
        "leerrichting": row["direction"],
        "les": row["lesson_text"],
        "dilemma": "ja" if row["is_dilemma"] else "nee",
        "escalatieniveau": row["escalation_level"],
        "status": row["status"],
    }
    return {key: value for key, value in item.items() if value not in (None, "")}


def experiment_datasets(con: duckdb.DuckDBPyConnection, dcat: DcatSettings = DcatSettings(),
                        experiments: list[str] | None = None) -> list[dict[str, Any]]:
    """One `experiment` dataset dict per experiment in the marts (those with the keys `experiments`, or all),
    with lessons and results as CSV resources."""
    where = "where experiment_key in $experiments" if experiments is not None else ""
    chosen = {"experiments": experiments} if experiments is not None else {}
    lessons: dict[str, list[dict[str, Any]]] = {}
    for row in _records(con, f"select * from marts.lessons {where} order by lesson_date, lesson_id", chosen):
        lessons.setdefault(row["experiment_key"], []).append(row)
    results: dict[str, list[dict[str, Any]]] = {}
    for row in _records(con, f"select * from marts.results {where} order by measured_on, indicator", chosen):
        results.setdefault(row["experiment_key"], []).append(row)
    gone = withdrawn_at_source(con)
    return [
        experiment_dataset(exp, lessons.get(exp["experiment_key"], []), results.get(exp["experiment_key"], []),
                           withdrawn=exp["experiment_key"] in gone, dcat=dcat)
        for exp in _records(con, f"select * from marts.experiments {where} order by province_code, experiment_id", chosen)
    ]


def withdrawn_at_source(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Keys of experiments a complete harvest no longer found at their source (marts.withdrawn_at_source):
    they stay in the catalogue, marked withdrawn."""
    rows = con.execute("select experiment_key from marts.withdrawn_at_source where experiment_key is not null")
    return {key for (key,) in rows.fetchall()}


def withdrawn_by_province(con: duckdb.DuckDBPyConnection) -> set[str]:
    """Dataset names of the experiments their province withdrew (v1.1 intrekkingen, marts.withdrawn): the
    publisher marks them withdrawn in CKAN, never deletes them. The reason is not published."""
    rows = con.execute("select province_code, record_id from marts.withdrawn where record_kind = 'experiment'")
    return {dataset_name(province, experiment_id) for province, experiment_id in rows.fetchall()}


def experiment_dataset(exp: dict[str, Any], lessons: list[dict[str, Any]],
                       results: list[dict[str, Any]], withdrawn: bool = False,
                       dcat: DcatSettings = DcatSettings()) -> dict[str, Any]:
    """The dataset dict of one row of marts.experiments; withdrawn (status_publicatie `ingetrokken`) when
    its phase is `gestopt` or it was withdrawn at its source."""
    name = dataset_name(exp["province_code"], exp["experiment_id"])
    province = provinces().row(exp["province_code"])
    province_name = f"Provincie {province['naam']}"
    tags = sorted({t for t in (tag(k) for k in exp["keywords"] or []) if t})
    optional = {
        "notes": exp["summary"],
        "opgave": exp["societal_task"],
        "reden_gestopt": exp["stop_reason"],
        "startdatum": _plain(exp["start_date"]),
        "einddatum": _plain(exp["end_date"]),
        "eigenaar": exp["owner"],
        "leervragen": _texts(exp["learning_questions"]),
        "beoogde_resultaten": _texts(exp["intended_results"]),
        "databronnen": _texts(exp["data_sources"]),
        "partners": _texts(exp["partners"]),
        "publieke_waarden": _texts(exp["public_values"]),
        "budget_eur": _plain(exp["budget_eur"]),
        "maintainer_email": exp["contact"],
        "maintainer": province_name if exp["contact"] else None,
        "lessen": [lesson(row) for row in lessons],
    }
    dataset = {
        "type": EXPERIMENT_TYPE,
        "name": name,
        "title": exp["title"],
        "owner_org": province["ckan_organisatie"],
        "groups": [{"name": group_name(exp["core_task"])}],
        "tags": [{"name": t} for t in tags],
        "provincie": exp["province_code"],
        "experiment_id": exp["experiment_id"],
        "kerntaak": exp["core_task"],
        "ida_spoor": exp["ida_line"],
        "fase": exp["phase"],
        "theme": [eu_theme(exp["core_task"])],
        "access_rights": dcat.access_rights,
        "publisher_uri": province["tooi_uri"],
        "publisher_name": province_name,
        "creator_uri": province["tooi_uri"],
        "creator_name": province_name,
        **{key: value for key, value in optional.items() if value not in (None, "", [])},
        "status_publicatie": WITHDRAWN if withdrawn or exp["phase"] == WITHDRAWN_PHASE else ACTIVE,
        "resources": [
            _resource(province["ckan_organisatie"], name, "lessen.csv", "Lessen", f"{len(lessons)} geleerde lessen", _csv(lessons, LESSON_COLUMNS),
                      dcat),
            _resource(province["ckan_organisatie"], name, "resultaten.csv", "Resultaten", f"{len(results)} metingen van indicatoren",
                      _csv(results, RESULT_COLUMNS), dcat),
        ],
    }
    dataset[FINGERPRINT] = fingerprint(dataset)
    return dataset


def _resource(organization: str, dataset: str, filename: str, title: str, description: str, data: str,
              dcat: DcatSettings) -> dict[str, Any]:
    """A CSV resource; its `url` is its path in the export: a folder per organisation, the file named after its
    dataset (the name CKAN gives the upload too)."""
    return {"name": title, "description": description, "format": "CSV", "mimetype": "text/csv",
            "license": dcat.data_license, "url": f"resources/{organization}/{dataset}-{filename}", "data": data}


def comparison_datasets(con: duckdb.DuckDBPyConnection, dcat: DcatSettings = DcatSettings()) -> list[dict[str, Any]]:
    """The comparison marts as plain datasets of the IPO, each with its table as one CSV resource."""
    datasets = []
    for mart, name, title, notes, order in COMPARISONS:
        cursor = con.execute(f"select * from marts.{mart} order by {order}")
        columns = [d[0] for d in cursor.description]
        rows = [dict(zip(columns, row)) for row in cursor.fetchall()]
        dataset = {
            "type": "dataset",
            "name": name,
            "title": title,
            "notes": notes,
            "owner_org": IPO_ORGANIZATION,
            "tags": [{"name": "IDA"}, {"name": "zelfscan" if mart == "maturity" else "vergelijking"}],
            "resources": [_resource(IPO_ORGANIZATION, name, f"{mart}.csv", title, f"{len(rows)} rijen uit de mart {mart}",
                                    _csv(rows, columns), dcat)],
            # the IPO has no TOOI URI: the DCAT profile names the catalogue's publisher (ckanext.ida.catalog.*)
            "extras": [{"key": "theme", "value": json.dumps([EU_DATA_THEME + t for t in COMPARISON_THEMES])},
                       {"key": "access_rights", "value": dcat.access_rights}],
        }
        dataset["extras"].append({"key": FINGERPRINT, "value": fingerprint(dataset)})
        datasets.append(dataset)
    return datasets


def all_datasets(con: duckdb.DuckDBPyConnection, dcat: DcatSettings = DcatSettings()) -> list[dict[str, Any]]:
    """Everything the catalogue publishes: the experiments, then the comparisons."""
    return experiment_datasets(con, dcat) + comparison_datasets(con, dcat)


def fingerprint_of(dataset: dict[str, Any]) -> str | None:
    """The fingerprint a dataset dict carries: a field of an experiment, an extra of a plain dataset."""
    if FINGERPRINT in dataset:
        return dataset[FINGERPRINT]
    return next((e["value"] for e in dataset.get("extras", []) if e["key"] == FINGERPRINT), None)


def fingerprint(dataset: dict[str, Any]) -> str:
    """A hash over everything a dataset says, resources' content included (the fingerprint itself not)."""
    content = {k: v for k, v in dataset.items() if k not in (FINGERPRINT, "extras")}
    content["extras"] = [e for e in dataset.get("extras", []) if e["key"] != FINGERPRINT]
    return hashlib.sha256(json.dumps(content, sort_keys=True, default=str).encode()).hexdigest()
