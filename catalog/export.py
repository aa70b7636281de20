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
import mmap
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb

from catalog import ckan_dicts
from ida.settings import DcatSettings
from ida.standard import vocabularies


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
    made again; the others' lines are copied as bytes from the current datasets.jsonl and their organisations'
    resource folders hard-linked from the current export, so the result is the same as a full export, in a
    fraction of the time."""
    staging = export_dir.with_name(export_dir.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with _mapped(export_dir / DATASETS if provinces is not None else None) as previous:
        blocks = _blocks(previous) if previous is not None else None
        kept = _folders(export_dir, previous, blocks, provinces or []) if blocks is not None else None
        if kept is None:  # no export to start from, or one of another layout: everything anew
            blocks, provinces = {}, None
        datasets = ckan_dicts.experiment_datasets(con, dcat, provinces)
        _write_resources(staging, datasets)
        for folder in kept or []:  # hard links: no byte is copied
            shutil.copytree(export_dir / folder, staging / folder, copy_function=os.link)
        made: dict[str, list[str]] = {}
        for dataset in datasets:
            made.setdefault(dataset["provincie"], []).append(_line(dataset))
        with (staging / DATASETS).open("wb") as handle:  # ordered by province, as _blocks expects
            for province in sorted(set(made) | (set(blocks) - set(provinces or []))):
                if province in made:
                    handle.write("".join(made[province]).encode("utf-8"))
                else:
                    handle.write(previous[slice(*blocks[province])])
    comparisons = ckan_dicts.comparison_datasets(con, dcat)
    _write_resources(staging, comparisons)
    organizations, groups = ckan_dicts.organizations(), ckan_dicts.groups()
    _write_lines(staging / "organizations.jsonl", organizations)
    _write_lines(staging / "groups.jsonl", groups)
    _write_lines(staging / "comparisons.jsonl", comparisons)
    old = export_dir.with_name(export_dir.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if export_dir.exists():
        export_dir.rename(old)
    staging.rename(export_dir)
    shutil.rmtree(old, ignore_errors=True)
    experiments = con.execute("select count(*) from marts.experiments").fetchone()[0]  # one dataset each
    return {"organizations": len(organizations), "groups": len(groups), "datasets": experiments,
            "comparisons": len(comparisons), "rewritten": len(datasets)}


DATASETS = "datasets.jsonl"


def _line(item: dict[str, Any]) -> str:
    return json.dumps(item, ensure_ascii=False, default=str) + "\n"


@contextmanager
def _mapped(path: Path | None) -> Iterator[mmap.mmap | bytes | None]:
    """The bytes of `path`, mapped rather than read; None when there is no such file (or no path)."""
    if path is None or not path.exists():
        yield None
        return
    with path.open("rb") as handle:
        if path.stat().st_size == 0:
            yield b""
            return
        with mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
            yield mapped


def _blocks(data: mmap.mmap | bytes) -> dict[str, tuple[int, int]] | None:
    """Each province's lines in a datasets.jsonl as a byte range. The file is ordered by province (write_export
    writes it so), so a province's lines start at the line of its first mention; None when the first line
    mentions no province."""
    starts: list[tuple[str, int]] = []
    at = 0
    for code in sorted(vocabularies.provinces().codes):
        found = data.find(_mention(code), at)
        if found >= 0:
            starts.append((code, data.rfind(b"\n", 0, found) + 1))
            at = found
    if data and (not starts or starts[0][1] != 0):
        return None
    ends = [start for _, start in starts[1:]] + [len(data)]
    return {code: (start, end) for (code, start), end in zip(starts, ends)}


def _mention(province: str) -> bytes:
    """How a dataset line names its province. In JSON a quote inside a value is escaped, so this is a key: the
    dataset's own (or, nested, one of its lessons', which is the same province)."""
    return json.dumps({"provincie": province})[1:-1].encode("utf-8")


def _folders(export_dir: Path, data: mmap.mmap | bytes, blocks: dict[str, tuple[int, int]],
             redone: list[str]) -> list[Path] | None:
    """The resource folders of the provinces not `redone`, one per organisation; None when a dataset of theirs
    has its files elsewhere (an export written before this layout) or a folder is missing."""
    folders = []
    for province, (start, end) in blocks.items():
        if province in redone:
            continue
        dataset = json.loads(data[start:data.find(b"\n", start, end)])
        folder = Path("resources", dataset["owner_org"])
        if any(Path(r["url"]).parent != folder for r in dataset["resources"]) or not (export_dir / folder).is_dir():
            return None
        folders.append(folder)
    return folders


def write_export_of(warehouse: Path, export_dir: Path, provinces: list[str] | None = None,
                    dcat: DcatSettings = DcatSettings()) -> dict[str, int]:
    """write_export of the marts in the `warehouse` file, opened read-only: a call that can run in a process of
    its own (its work is Python's, which one process does on one core at a time)."""
    with duckdb.connect(str(warehouse), read_only=True) as con:
        con.execute("set enable_progress_bar = false")  # a long query draws a bar on stderr: the run's log
        return write_export(con, export_dir, provinces, dcat)
