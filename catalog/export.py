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
import shutil
from pathlib import Path
from typing import Any

import duckdb

from catalog import ckan_dicts
from ida.settings import DcatSettings


def _write_lines(path: Path, items: list[dict[str, Any]]) -> None:
    with path.open("w", encoding="utf-8") as handle:
        for item in items:
            handle.write(json.dumps(item, ensure_ascii=False, default=str) + "\n")


def _write_resources(staging: Path, datasets: list[dict[str, Any]]) -> None:
    """Write each resource's CSV to its `url` under the export and drop the text from the dict."""
    for dataset in datasets:
        for resource in dataset["resources"]:
            path = staging / resource["url"]
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(resource.pop("data"), encoding="utf-8")


def write_export(con: duckdb.DuckDBPyConnection, export_dir: Path,
                 dcat: DcatSettings = DcatSettings()) -> dict[str, int]:
    """Write the bulk export of the catalogue; returns how many of each kind it holds."""
    staging = export_dir.with_name(export_dir.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    datasets = ckan_dicts.experiment_datasets(con, dcat)
    comparisons = ckan_dicts.comparison_datasets(con, dcat)
    _write_resources(staging, datasets + comparisons)
    organizations, groups = ckan_dicts.organizations(), ckan_dicts.groups()
    _write_lines(staging / "organizations.jsonl", organizations)
    _write_lines(staging / "groups.jsonl", groups)
    _write_lines(staging / "datasets.jsonl", datasets)
    _write_lines(staging / "comparisons.jsonl", comparisons)
    previous = export_dir.with_name(export_dir.name + ".old")
    shutil.rmtree(previous, ignore_errors=True)
    if export_dir.exists():
        export_dir.rename(previous)
    staging.rename(export_dir)
    shutil.rmtree(previous, ignore_errors=True)
    return {"organizations": len(organizations), "groups": len(groups), "datasets": len(datasets),
            "comparisons": len(comparisons)}
