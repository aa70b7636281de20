"""The catalogue as CKAN bulk files: the way out when no CKAN is configured.

`organizations.jsonl`, `groups.jsonl`, `datasets.jsonl` (one `experiment` per line) and
`comparisons.jsonl` (the IPO's comparison datasets) are JSON lines as `ckanapi load` reads them; the
CSV files of the resources are under `resources/<organisation>/<dataset>-<file>.csv`, and each
resource's `url` is that relative path (`ckanapi load` cannot upload local files: load the CSVs separately, or publish with
`ida publish`, which uploads them). The dicts are the ones catalog/publish.py sends, fingerprints
included. The folder is written beside the old one and swapped in, so a reader never sees half an export.
Beside the bulk files, `.ida-index.json` describes each dataset line for the next increment (INDEX).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import mmap
import os
import shutil
import sys
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
    were made anew (`rewritten`).

    With `provinces` (an increment) and an export in place made by the same code and settings, only the
    datasets of those provinces whose rows changed are made again (an experiment's content hash over its row,
    its lessons and results, against the one in the export's INDEX); the other lines are copied as bytes from the
    current datasets.jsonl and their resource files hard-linked from the current export, so the result is the
    same as a full export, in a fraction of the time."""
    staging = export_dir.with_name(export_dir.name + ".new")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    code = _code(dcat)
    with _mapped(export_dir / DATASETS if provinces is not None else None) as previous:
        earlier = _read_index(export_dir, code) if previous is not None else None
        blocks = _blocks(previous) if earlier is not None else None
        described = blocks is not None and blocks.keys() <= earlier.keys()
        kept = _folders(export_dir, previous, blocks, provinces or []) if described else None
        if kept is None:  # no export to start from, or one of other code or layout: everything anew
            blocks, provinces, earlier = {}, None, {}
        contents = _contents(con, provinces)
        reused = {province: _reusable(export_dir, previous[slice(*blocks[province])], earlier[province], contents[province])
                  for province in contents if province in blocks}
        changed = [key for province, rows in contents.items() for key, _, _ in rows if key not in reused.get(province, {})]
        datasets = ckan_dicts.experiment_datasets(con, dcat, changed if provinces is not None else None)
        _write_resources(staging, datasets)
        made = {(d["provincie"], d["experiment_id"]): (_line(d).encode("utf-8"), [r["url"] for r in d["resources"]])
                for d in datasets}
        for folder in kept or []:  # hard links: no byte is copied
            shutil.copytree(export_dir / folder, staging / folder, copy_function=os.link)
        index: dict[str, list[list[str]]] = {}
        with (staging / DATASETS).open("wb") as handle:  # ordered by province, as _blocks expects
            for province in sorted(set(contents) | set(blocks)):
                if province not in contents:  # not redone: its lines, files and index as they were
                    handle.write(previous[slice(*blocks[province])])
                    index[province] = earlier[province]
                    continue
                index[province], own = [], reused.get(province, {})
                for key, digest, experiment_id in contents[province]:
                    line, urls = own[key] if key in own else made[province, experiment_id]
                    for url in urls if key in own else []:
                        (staging / url).parent.mkdir(parents=True, exist_ok=True)
                        os.link(export_dir / url, staging / url)
                    handle.write(line)
                    index[province].append([key, digest, *urls])
    comparisons = ckan_dicts.comparison_datasets(con, dcat)
    _write_resources(staging, comparisons)
    organizations, groups = ckan_dicts.organizations(), ckan_dicts.groups()
    _write_lines(staging / "organizations.jsonl", organizations)
    _write_lines(staging / "groups.jsonl", groups)
    _write_lines(staging / "comparisons.jsonl", comparisons)
    index = {province: lines for province, lines in index.items() if lines}  # as a full export has it
    (staging / INDEX).write_text(json.dumps({"code": code, "provinces": index}, ensure_ascii=False), encoding="utf-8")
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
# beside the bulk files, for the next increment: the code that made them and, per province in line order, each
# experiment's key, content hash and resource files
INDEX = ".ida-index.json"
# an experiment's content: its row, its lessons' and results' rows (an order-free combination of their hashes)
# and whether it was withdrawn at its source, in the order of datasets.jsonl
CONTENTS = """
    with lessons as (select experiment_key, bit_xor(hash(l)) as digest from marts.lessons l {where} group by all),
         results as (select experiment_key, bit_xor(hash(r)) as digest from marts.results r {where} group by all),
         gone as (select distinct experiment_key from marts.withdrawn_at_source where experiment_key is not null)
    select e.province_code, e.experiment_key, hash(e, lessons.digest, results.digest, gone.experiment_key)::varchar,
           e.experiment_id
    from marts.experiments e
    left join lessons using (experiment_key) left join results using (experiment_key) left join gone using (experiment_key)
    {where}
    order by e.province_code, e.experiment_id
"""


def _contents(con: duckdb.DuckDBPyConnection, provinces: list[str] | None) -> dict[str, list[tuple[str, str, str]]]:
    """Per province (those of `provinces`, or all), its experiments' keys, content hashes and ids in line order."""
    where = "where province_code in $provinces" if provinces is not None else ""
    contents: dict[str, list[tuple[str, str, str]]] = {province: [] for province in provinces or []}
    for province, key, digest, experiment_id in con.execute(CONTENTS.format(where=where),
                                                            {"provinces": provinces} if provinces is not None else {}).fetchall():
        contents.setdefault(province, []).append((key, digest, experiment_id))
    return contents


def _reusable(export_dir: Path, block: bytes, earlier: list[list[str]],
              now: list[tuple[str, str, str]]) -> dict[str, tuple[bytes, list[str]]]:
    """Of a province's lines in the export in `export_dir` (`block`, described line by line by `earlier`), those
    whose experiment's content hash is still the same and whose files are there, by experiment key: the line and
    its resource files. Nothing when the lines and their description disagree."""
    lines = block.splitlines(keepends=True)
    if len(lines) != len(earlier):
        return {}
    digests = {key: digest for key, digest, _ in now}
    return {key: (line, urls) for line, (key, digest, *urls) in zip(lines, earlier)
            if digests.get(key) == digest and all((export_dir / url).is_file() for url in urls)}


def _code(dcat: DcatSettings) -> str:
    """What an export's lines depend on besides the marts: the code that makes them, DuckDB's hash and the settings."""
    digest = hashlib.sha256(duckdb.__version__.encode())
    for module in (ckan_dicts, sys.modules[__name__]):
        digest.update(Path(module.__file__).read_bytes())
    digest.update(json.dumps(dataclasses.asdict(dcat), sort_keys=True, default=str).encode())
    return digest.hexdigest()


def _read_index(export_dir: Path, code: str) -> dict[str, list[list[str]]] | None:
    """The INDEX of the export in `export_dir` when the same `code` made it; None otherwise."""
    try:
        index = json.loads((export_dir / INDEX).read_text(encoding="utf-8"))
    except (FileNotFoundError, ValueError):
        return None
    return index["provinces"] if index.get("code") == code else None


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
