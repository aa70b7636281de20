"""The catalogue as CKAN bulk files: the way out when no CKAN is configured.

`organizations.jsonl`, `groups.jsonl`, `datasets.jsonl` (one `experiment` per line) and
`comparisons.jsonl` (the IPO's comparison datasets) are JSON lines as `ckanapi load` reads them; the
CSV files of the resources are under `resources/<dataset>/`, and each resource's `url` is that
relative path (`ckanapi load` cannot upload local files: load the CSVs separately, or publish with
`ida publish`, which uploads them). The dicts are the ones catalog/publish.py sends, fingerprints
included. The folder is written beside the old one and swapped in, so a reader never sees half an export.
"""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path
from typing import Any

import duckdb

from catalog import ckan_dicts
from ida.settings import DcatSettings


def _write_lines(path: Path, items: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for item in items:
            handle.write(_line(item))


def _write_resources(staging: Path, datasets: list[dict[str, Any]]) -> None:
    """Write each resource's CSV to its `url` under the export and drop the text from the dict."""
    for dataset in datasets:
        for resource in dataset["resources"]:
            path = staging / resource["url"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.unlink(missing_ok=True)  # it may be a hard link into the current export: never write through it
            path.write_text(resource.pop("data"), encoding="utf-8")


def write_export(con: duckdb.DuckDBPyConnection, export_dir: Path, provinces: list[str] | None = None,
                 dcat: DcatSettings = DcatSettings()) -> dict[str, int]:
    """Write the bulk export of the catalogue; returns how many of each kind it holds and how many datasets
    were written (`rewritten`).

    With `provinces` (an increment) and an export in place, only those provinces' experiment datasets are
    made again; the others' lines are kept and their resource files hard-linked from the current export, so
    the result is the same as a full export, in a fraction of the time."""
    staging = export_dir.with_name(export_dir.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    previous_lines = _lines_by_province(export_dir / DATASETS) if provinces is not None else None
    if previous_lines is None:
        staging.mkdir(parents=True)
        datasets = ckan_dicts.experiment_datasets(con, dcat)
        _write_resources(staging, datasets)
        lines = [_line(d) for d in datasets]
        rewritten = len(datasets)
    else:
        staging.mkdir(parents=True)
        if (export_dir / "resources").is_dir():  # hard links: no byte is copied
            shutil.copytree(export_dir / "resources", staging / "resources", copy_function=os.link)
        for province in provinces:
            for line in previous_lines.pop(province, []):
                shutil.rmtree(staging / "resources" / json.loads(line)["name"], ignore_errors=True)
        datasets = ckan_dicts.experiment_datasets(con, dcat, provinces)
        _write_resources(staging, datasets)
        for dataset in datasets:
            previous_lines.setdefault(dataset["provincie"], []).append(_line(dataset))
        lines = [line for province in sorted(previous_lines) for line in previous_lines[province]]
        rewritten = len(datasets)
    comparisons = ckan_dicts.comparison_datasets(con, dcat)
    _write_resources(staging, comparisons)
    organizations, groups = ckan_dicts.organizations(), ckan_dicts.groups()
    _write_lines(staging / "organizations.jsonl", organizations)
    _write_lines(staging / "groups.jsonl", groups)
    (staging / DATASETS).write_text("".join(lines), encoding="utf-8")
    _write_lines(staging / "comparisons.jsonl", comparisons)
    old = export_dir.with_name(export_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if export_dir.exists():
        export_dir.rename(old)
    staging.rename(export_dir)
    shutil.rmtree(old, ignore_errors=True)
    return {"organizations": len(organizations), "groups": len(groups), "datasets": len(lines),
            "comparisons": len(comparisons), "rewritten": rewritten}


DATASETS = "datasets.jsonl"


def _line(item: dict[str, Any]) -> str:
    return json.dumps(item, ensure_ascii=False, default=str) + "\n"


def _lines_by_province(path: Path) -> dict[str, list[str]] | None:
    """The current export's dataset lines per province, in order; None when there is no export to start from."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    found: dict[str, list[str]] = {}
    for line in text.splitlines(keepends=True):
        found.setdefault(json.loads(line)["provincie"], []).append(line)
    return found
