"""The catalogue as CKAN bulk files, for when no CKAN is configured.

`organizations.jsonl`, `groups.jsonl` and `datasets.jsonl` are JSON lines as `ckanapi load`
reads them; the lessons and results of each dataset are CSV files under `resources/`. The folder
is written beside the old one and swapped in, so a reader never sees half an export.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import duckdb

from catalog import ckan_dicts


def _write_lines(path: Path, items: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for item in items:
            handle.write(json.dumps(item, ensure_ascii=False, default=str) + "\n")


def write_export(con: duckdb.DuckDBPyConnection, export_dir: Path) -> dict[str, int]:
    """Write the bulk export of the catalogue; returns how many of each kind it holds."""
    staging = export_dir.with_name(export_dir.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    datasets = ckan_dicts.experiment_datasets(con)
    for dataset in datasets:
        folder = staging / "resources" / dataset["name"]
        folder.mkdir(parents=True)
        for resource in dataset["resources"]:
            (staging / resource["url"]).write_text(resource.pop("data"), encoding="utf-8")
    _write_lines(staging / "organizations.jsonl", ckan_dicts.organizations())
    _write_lines(staging / "groups.jsonl", ckan_dicts.groups())
    _write_lines(staging / "datasets.jsonl", datasets)
    previous = export_dir.with_name(export_dir.name + ".old")
    shutil.rmtree(previous, ignore_errors=True)
    if export_dir.exists():
        export_dir.rename(previous)
    staging.rename(export_dir)
    shutil.rmtree(previous, ignore_errors=True)
    return {"organizations": len(ckan_dicts.organizations()), "groups": len(ckan_dicts.groups()), "datasets": len(datasets)}
