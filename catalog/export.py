"""The catalogue as CKAN bulk files: the way out when no CKAN is configured.

`organizations.jsonl`, `groups.jsonl`, `datasets.jsonl` (one `experiment` per line) and
`comparisons.jsonl` (the IPO's comparison datasets) are JSON lines as `ckanapi load` reads them; the
CSV files of the resources are under `resources/<organisation>/<dataset>-<file>.csv`, and each
resource's `url` is that relative path (`ckanapi load` cannot upload local files: load the CSVs separately, or publish with
`ida publish`, which uploads them). The dicts are the ones catalog/publish.py sends, fingerprints
included. The folder is written beside the old one and swapped in, so a reader never sees half an export.
"""

from __future__ import annotations

import json
import os
import re
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
    folders: set[Path] = set()
    for dataset in datasets:
        for resource in dataset["resources"]:
            path = staging / resource["url"]
            if path.parent not in folders:
                path.parent.mkdir(parents=True, exist_ok=True)
                folders.add(path.parent)
            path.write_text(resource.pop("data"), encoding="utf-8")


def write_export(con: duckdb.DuckDBPyConnection, export_dir: Path, provinces: list[str] | None = None,
                 dcat: DcatSettings = DcatSettings()) -> dict[str, int]:
    """Write the bulk export of the catalogue; returns how many of each kind it holds and how many datasets
    were written (`rewritten`).

    With `provinces` (an increment) and an export in place, only those provinces' experiment datasets are
    made again; the others' lines are kept and their organisations' resource folders hard-linked from the
    current export, so the result is the same as a full export, in a fraction of the time."""
    staging = export_dir.with_name(export_dir.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    lines = _lines_by_province(export_dir / DATASETS) if provinces is not None else None
    kept = _folders(export_dir, lines, provinces or []) if lines is not None else None
    if kept is None:  # no export to start from, or one of another layout: everything anew
        lines, provinces = {}, None
    datasets = ckan_dicts.experiment_datasets(con, dcat, provinces)
    _write_resources(staging, datasets)
    for province in provinces or []:
        lines.pop(province, None)
    for folder in kept or []:  # hard links: no byte is copied
        shutil.copytree(export_dir / folder, staging / folder, copy_function=os.link)
    for dataset in datasets:
        lines.setdefault(dataset["provincie"], []).append(_line(dataset))
    comparisons = ckan_dicts.comparison_datasets(con, dcat)
    _write_resources(staging, comparisons)
    organizations, groups = ckan_dicts.organizations(), ckan_dicts.groups()
    _write_lines(staging / "organizations.jsonl", organizations)
    _write_lines(staging / "groups.jsonl", groups)
    (staging / DATASETS).write_text("".join(line for province in sorted(lines) for line in lines[province]),
                                    encoding="utf-8")
    _write_lines(staging / "comparisons.jsonl", comparisons)
    old = export_dir.with_name(export_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if export_dir.exists():
        export_dir.rename(old)
    staging.rename(export_dir)
    shutil.rmtree(old, ignore_errors=True)
    return {"organizations": len(organizations), "groups": len(groups), "datasets": sum(map(len, lines.values())),
            "comparisons": len(comparisons), "rewritten": len(datasets)}


DATASETS = "datasets.jsonl"


def _line(item: dict[str, Any]) -> str:
    return json.dumps(item, ensure_ascii=False, default=str) + "\n"


def _folders(export_dir: Path, lines: dict[str, list[str]], redone: list[str]) -> list[Path] | None:
    """The resource folders of the provinces not `redone`, one per organisation; None when a dataset of theirs
    has its files elsewhere (an export written before this layout) or a folder is missing."""
    folders = []
    for province, kept in lines.items():
        if province in redone:
            continue
        dataset = json.loads(kept[0])
        folder = Path("resources", dataset["owner_org"])
        if any(Path(r["url"]).parent != folder for r in dataset["resources"]) or not (export_dir / folder).is_dir():
            return None
        folders.append(folder)
    return folders


def _lines_by_province(path: Path) -> dict[str, list[str]] | None:
    """The current export's dataset lines per province, in order; None when there is no export to start from."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    found: dict[str, list[str]] = {}
    for line in text.splitlines(keepends=True):
        found.setdefault(_PROVINCE.search(line).group(1), []).append(line)
    return found


# A dataset line's province, without parsing the whole line: in JSON a quote inside a value is escaped, so this
# is a key, the dataset's own (or, nested, one of its lessons', which is the same province).
_PROVINCE = re.compile(r'"provincie": "([^"]+)"')
