"""What the pipeline has to do: nothing, the provinces whose data changed, or everything.

Each step after loading (the build = dbt and the serving copy, the export, the publication to CKAN) records
in a small file of its own under `<state folder>/pipeline/` what it last did: the fingerprint of the dbt
project and vocabularies it built with, and per province the newest load in the raw layer it covered. The
raw layer itself says what changed since (`raw.deliveries.loaded_at`, `raw.harvest_runs.finished_at`), so a
run that failed half-way is caught up by the next one without any bookkeeping in the run itself:

- no step state, or the project changed → everything (a full build);
- otherwise → the provinces whose newest load differs from the step's record (possibly none: nothing to do).

This module imports no Dagster and no dbt, so `ida pipeline` can tell in well under a second that nothing
is new (`nothing_new`) and stop there; the Dagster assets ask the same questions (`build_plan`, `catch_up`,
`step_plan`) inside a run.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable
from dataclasses import asdict, dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import duckdb

from ida.errors import NotPublished
from ida.settings import DBT_PROJECT_DIR, REPO_ROOT
from ida.warehouse import serving

VOCABULARIES_DIR = REPO_ROOT / "ida" / "standard" / "vocabularies"
PROJECT_PARTS = ("dbt_project.yml", "profiles.yml", "models", "macros", "tests", "seeds")

BUILD, EXPORT, PUBLICATION = "build", "export", "publication"


def project_fingerprint(project_dir: Path = DBT_PROJECT_DIR, vocabularies: Path = VOCABULARIES_DIR) -> str:
    """A hash over the dbt project's sources (SQL, YAML, macros, tests) and the vocabularies it seeds:
    when it changes, every model may have changed."""
    digest = hashlib.sha256()
    files = []
    for part in PROJECT_PARTS:
        path = project_dir / part
        found = [path] if path.is_file() else sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else []
        files += [(p.relative_to(project_dir).as_posix(), p) for p in found]
    files += [(f"vocabularies/{p.name}", p) for p in sorted(vocabularies.glob("*.csv"))]
    for name, path in files:
        digest.update(f"{name}\0".encode())
        digest.update(path.read_bytes())
        digest.update(b"\n")
    return digest.hexdigest()


def raw_watermarks(con: duckdb.DuckDBPyConnection) -> dict[str, str]:
    """Per province, the newest load in the raw layer: a delivery loaded or a harvest finished."""
    rows = con.execute("""
        select province_code, 'levering ' || strftime(max(loaded_at), '%Y-%m-%dT%H:%M:%S.%f') from raw.deliveries group by 1
        union all
        select province_code, 'oogst ' || strftime(max(finished_at), '%Y-%m-%dT%H:%M:%S.%f') from raw.harvest_runs group by 1
    """).fetchall()
    marks: dict[str, list[str]] = {}
    for province, mark in rows:
        marks.setdefault(province, []).append(mark)
    return {province: " ".join(sorted(found)) for province, found in sorted(marks.items())}


@dataclass(frozen=True)
class StepState:
    """What a step last completed: built with `project`, covering the raw layer up to `loaded`, into or
    from serving copy `serving`."""

    project: str
    loaded: dict[str, str]
    serving: str
    finished_at: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))


def state_path(state_dir: Path, step: str) -> Path:
    return state_dir / "pipeline" / f"{step}.json"


def read_state(state_dir: Path, step: str) -> StepState | None:
    """The step's record, or None when it never completed (or its file is unreadable: then it redoes all)."""
    try:
        data = json.loads(state_path(state_dir, step).read_text(encoding="utf-8"))
        return StepState(project=data["project"], loaded=dict(data["loaded"]), serving=data["serving"],
                         finished_at=data.get("finished_at", ""))
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        return None


def write_state(state_dir: Path, step: str, state: StepState) -> None:
    """Record that `step` completed, atomically (a crash leaves the old record, so the work is redone)."""
    path = state_path(state_dir, step)
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_name(f".{path.name}.{os.getpid()}")
    temporary.write_text(json.dumps(asdict(state), indent=1, sort_keys=True), encoding="utf-8")
    os.replace(temporary, path)


def forget(state_dir: Path) -> None:
    """Drop every step's record, so the next run builds everything."""
    for step in (BUILD, EXPORT, PUBLICATION):
        state_path(state_dir, step).unlink(missing_ok=True)


@dataclass(frozen=True)
class Plan:
    """The work of one step: `changed` is None for everything, else the provinces to redo (maybe none)."""

    changed: frozenset[str] | None
    reason: str

    @property
    def full(self) -> bool:
        return self.changed is None

    @property
    def nothing(self) -> bool:
        return self.changed is not None and not self.changed

    def provinces(self) -> list[str] | None:
        return None if self.changed is None else sorted(self.changed)


def _changed(previous: StepState | None, project: str, loaded: dict[str, str], what: str) -> Plan:
    if previous is None:
        return Plan(None, f"{what}: nog nooit gedaan")
    if previous.project != project:
        return Plan(None, f"{what}: het dbt-project of een vocabulaire is gewijzigd")
    changed = frozenset(p for p in set(loaded) | set(previous.loaded) if loaded.get(p) != previous.loaded.get(p))
    return Plan(changed, f"{what}: {', '.join(sorted(changed)) if changed else 'niets nieuw'}")


def _is_current(serving_dir: Path, name: str) -> bool:
    try:
        current = serving.current(serving_dir)
    except NotPublished:
        return False
    return current.name == name and current.exists()


def build_plan(con: duckdb.DuckDBPyConnection, state_dir: Path, serving_dir: Path, project: str | None = None) -> Plan:
    """What dbt and the serving copy have to redo, given the raw layer on `con`."""
    project = project or project_fingerprint()
    return Plan(None, reason) if (reason := full_build_reason(state_dir, serving_dir, project)) else \
        _changed(read_state(state_dir, BUILD), project, raw_watermarks(con), "bouwen")


def full_build_reason(state_dir: Path, serving_dir: Path, project: str | None = None) -> str | None:
    """Why dbt and the serving copy must redo everything whatever was loaded, or None: an increment will do."""
    previous = read_state(state_dir, BUILD)
    if previous is not None and not _is_current(serving_dir, previous.serving):
        return "bouwen: de serveerkopie is niet meer die van de vorige bouw"
    plan = _changed(previous, project or project_fingerprint(), {}, "bouwen")
    return plan.reason if plan.full else None


def step_plan(state_dir: Path, step: str) -> Plan:
    """What the export or the publication has to redo to catch up with the last build."""
    build = read_state(state_dir, BUILD)
    if build is None:
        return Plan(None, f"{step}: er is nog niet gebouwd")
    previous = read_state(state_dir, step)
    if previous is not None and previous.serving == build.serving:
        return Plan(frozenset(), f"{step}: bij")
    return _changed(previous, build.project, build.loaded, step)


def catch_up(state_dir: Path, step: str, project: str, loaded: dict[str, str]) -> Plan:
    """What `step` has to redo to catch up with marts built by `project` from the raw layer up to `loaded`
    (the export, made beside the serving copy rather than after it)."""
    return _changed(read_state(state_dir, step), project, loaded, step)


def pending(con: duckdb.DuckDBPyConnection, deliveries: Iterable) -> list:
    """The deliveries (landed or accepted) the raw layer does not hold yet, or that cannot be loaded."""
    ids = [d.delivery_id for d in deliveries]
    loaded = {row[0] for row in con.execute("select delivery_id from raw.deliveries where delivery_id in ?",
                                            [ids]).fetchall()} if ids else set()
    return [d for d in deliveries if d.delivery_id not in loaded or d.problem]


def nothing_new(warehouse: Path, state_dir: Path, serving_dir: Path, landing_dirs: tuple[Path, ...],
                submissions_dir: Path, provinces: list[str], publishes: bool) -> bool:
    """True when a run over `provinces` would load nothing and every step is up to date; False when there is
    something to do or it cannot be told cheaply (no warehouse yet, or a run holds it: let the run decide)."""
    from ida.intake.landing import landed_deliveries
    from ida.intake.submissions import accepted_deliveries

    steps = [EXPORT, PUBLICATION] if publishes else [EXPORT]
    if not warehouse.exists() or any(not step_plan(state_dir, step).nothing for step in steps):
        return False
    try:
        con = duckdb.connect(str(warehouse), read_only=True)
    except duckdb.Error:  # a running pipeline holds the write lock
        return False
    try:
        if not build_plan(con, state_dir, serving_dir).nothing:
            return False
        deliveries = [d for province in provinces
                      for d in [*landed_deliveries(province, landing_dirs), *accepted_deliveries(submissions_dir, province)]]
        return not pending(con, deliveries)
    except duckdb.CatalogException:  # a warehouse without a raw layer yet
        return False
    finally:
        con.close()
