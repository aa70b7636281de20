"""The dbt project as Dagster assets: `dbt build` streams models, seeds and tests (as asset checks).

A full build — the first, after a change to the dbt project or a vocabulary, and the daily run — builds
and tests everything. An increment (new data for some provinces, the same project) builds only the marts,
the tables; the staging and intermediate views and the seeded vocabularies cannot change with new data.
It runs every data test that reads a mart — what the app, the export and CKAN read: keys unique and not
null, references that resolve, codes in their vocabulary — and leaves to the daily full build the tests on
the seeds, on the raw sources and on the staging and intermediate views (the validator has checked a
delivery against the same rules before it entered the raw layer). Dagster's run of an increment selects the
same checks: it plans none that dbt will not run.

No pipeline run executes the unit tests (fixed given/expect rows that test the SQL): only a change to the
project can break them, so they run where the project changes, in the test suite (tests/test_dbt_units.py),
as dbt advises.

A pipeline run (every dbt asset selected) runs dbt in its own process (dbtRunner) with the manifest parsed
once beside the code: no dbt process to start, no project to parse (4 s on a new platform). A subset chosen
in the Dagster UI goes through dagster-dbt's own selection, as a dbt subprocess.
"""


import json
import os
import queue
import shutil
import sys
import threading
import uuid
from collections.abc import Iterator, Mapping
from functools import cache
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from ida.settings import DBT_PROJECT_DIR, REPO_ROOT
from orchestration import freshness
from orchestration.resources import ServingResource, WarehouseResource

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))  # the venv's dbt, whatever PATH says


RUNS_KEPT = 5  # the newest dbt run folders kept under the state folder, for looking into a run
RUN_RESULTS = "run_results.json"
PARSE_STATE = "partial_parse.msgpack"  # dbt's parse state; it holds the build's --vars, so a platform's is its own


class DbtResource(DbtCliResource):
    """dbt as the pipeline runs it: each run's artifacts and log in a folder of its own under the platform's
    state folder (`<IDA_VAR_DIR>/dbt/<run>`), never in the code's folder; only the newest RUNS_KEPT stay."""

    runs_dir: str

    def run_target(self, context: dg.AssetExecutionContext, parse_state: bool = True) -> Path:
        """A fresh target folder for this run, after removing all but the newest older ones, holding the
        platform's parse state (PARSE_STATE) if dbt is to parse, so that it parses only what changed since."""
        root = Path(self.runs_dir)
        root.mkdir(parents=True, exist_ok=True)
        earlier = sorted((p for p in root.iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime, reverse=True)
        for old in earlier[RUNS_KEPT - 1:]:
            shutil.rmtree(old, ignore_errors=True)
        target = root / f"{context.run.run_id[:8]}-{uuid.uuid4().hex[:7]}"
        target.mkdir()
        if parse_state and (root / PARSE_STATE).is_file():
            shutil.copyfile(root / PARSE_STATE, target / PARSE_STATE)
        return target

    def keep_parse_state(self, invocation_target: Path) -> None:
        """Keep the build's parse state for the next one, in the platform's state folder (never in the code's)."""
        state = DBT_PROJECT.project_dir / invocation_target / PARSE_STATE
        destination = Path(self.runs_dir) / PARSE_STATE
        temporary = destination.with_name(f".{PARSE_STATE}.{os.getpid()}")
        try:
            shutil.copyfile(state, temporary)
            os.replace(temporary, destination)
        except OSError:  # a cache: without it the next build only parses longer
            temporary.unlink(missing_ok=True)


def dbt_resource(runs_dir: Path | None = None) -> DbtResource:
    """dbt with its run folders in `runs_dir` (the platform's `var/dbt` unless told otherwise)."""
    return DbtResource(project_dir=DBT_PROJECT, dbt_executable=DBT_EXECUTABLE,
                       runs_dir=str(runs_dir or REPO_ROOT / "var" / "dbt"))


def _manifest_is_stale() -> bool:
    """No manifest yet (a fresh clone), or a dbt file or vocabulary changed after it was parsed."""
    manifest = DBT_PROJECT.manifest_path
    if not manifest.exists():
        return True
    parsed = manifest.stat().st_mtime
    sources = [*DBT_PROJECT.project_dir.glob("*.yml"), *DBT_PROJECT.project_dir.glob("models/**/*"),
               *DBT_PROJECT.project_dir.glob("macros/**/*"), *DBT_PROJECT.project_dir.glob("tests/**/*"),
               *(REPO_ROOT / "ida" / "standard" / "vocabularies").glob("*.csv")]
    return any(path.stat().st_mtime > parsed for path in sources)


def prepare_manifest() -> None:
    """Parse the dbt project into the manifest Dagster reads, when it is missing or stale. The manifest is
    derived from the code alone, so it lives beside it (dbt_project/target/); runs never write there, and
    the run folders that older versions left there are removed."""
    for legacy in (DBT_PROJECT.project_dir / DBT_PROJECT.target_path).glob("warehouse_models-*"):
        shutil.rmtree(legacy, ignore_errors=True)
    if _manifest_is_stale():
        dbt_resource().cli(["parse", "--quiet"], target_path=DBT_PROJECT.target_path).wait()


prepare_manifest()


class LayeredTranslator(DagsterDbtTranslator):
    """Asset keys and groups follow the dbt folders: `marts/experiments`, `vocab/kerntaken`, ..."""

    def _layer(self, props: Mapping[str, Any]) -> str:
        if props["resource_type"] == "seed":
            return "vocab"
        fqn = props["fqn"]
        return fqn[1] if len(fqn) > 2 else "models"

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey([self._layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return "raw"
        return self._layer(dbt_resource_props)


UNIT_TESTS = "test_type:unit"  # never in a pipeline run (see the module's docstring)
# What an increment builds, in dbt's terms: the marts, with every data test that reads one (dbt's eager indirect
# selection: also those that check a mart's codes against a vocabulary or its delivery ids against the
# deliveries). The asset groups (the LayeredTranslator's layers) whose tests it leaves out: the seeds, the views
# and the raw sources. All of it runs on every full build.
INCREMENT_BUILDS = "path:models/marts"
INCREMENT_UNTESTED = ("vocab", "staging", "intermediate", "raw")


def build_arguments(warehouse: str, plan: freshness.Plan, everything_selected: bool) -> list[str]:
    """The `dbt build` arguments for `plan`. Only when Dagster selected every dbt asset may an increment build
    just the marts: a subset chosen in the UI comes with its own selection."""
    arguments = ["build", "--vars", json.dumps({"warehouse": warehouse})]
    if plan.full:
        return [*arguments, "--full-refresh", "--exclude", UNIT_TESTS]  # incremental marts are rebuilt whole
    if everything_selected:
        return [*arguments, "--select", INCREMENT_BUILDS, "--exclude", UNIT_TESTS]
    return [*arguments, "--exclude", UNIT_TESTS]


def write_scope(con, plan: freshness.Plan) -> None:
    """Tell the incremental marts which provinces to rebuild (source `pipeline.build_scope`)."""
    con.execute("create schema if not exists pipeline")
    con.execute("create or replace table pipeline.build_scope as select unnest(?::varchar[]) as province_code",
                [plan.provinces() or []])


@cache
def parsed_manifest(warehouse: str):
    """The code's parsed dbt project (what prepare_manifest made), for dbt to build without parsing; None when it
    names another database than `warehouse` (dbt-duckdb names the database after the file), so that dbt must parse
    for this platform. Loaded once per process."""
    from dbt.contracts.graph.manifest import Manifest

    try:
        manifest = Manifest.from_msgpack((DBT_PROJECT.project_dir / DBT_PROJECT.target_path / PARSE_STATE).read_bytes())
    except FileNotFoundError:
        return None
    databases = {node.database for node in manifest.nodes.values()}
    return manifest if databases == {Path(warehouse).stem} else None


def _release_warehouse() -> None:
    """Close dbt-duckdb's connection to the warehouse and with it every cursor dbt made from it, so that the next
    steps can open (or attach) the file: DuckDB refuses that while this process holds it read-write. dbt closes
    its handles after a build, and the connection goes with the last one; a handle left open kept the file until
    garbage collection, and the serving copy's attach then failed ("Unique file handle conflict", seen in CI)."""
    from dbt.adapters.duckdb.connections import DuckDBConnectionManager

    environment = DuckDBConnectionManager._ENV  # one per process; close_all_connections only drops it
    DuckDBConnectionManager.close_all_connections()
    if environment is not None:
        environment.close()


def dbt_build(context: dg.AssetExecutionContext, dbt: DbtResource, arguments: list[str], warehouse: str) -> Iterator[Any]:
    """`dbt build` in this process (dbtRunner, in a thread of its own) rather than a dbt subprocess that starts
    Python and loads its parse state anew: the manifest comes parsed (parsed_manifest), and dbt's messages become
    Dagster events as they come, as dagster-dbt makes them from a subprocess's output, while dbt goes on. The
    messages go to this process's output (the run's log); dbt's own dbt.log, beside its run results, at info level
    (debug, every statement, costs the increment about half a second). No manifest.json beside them: it would be
    the code's, and dbt takes 0.6 s to write it. Fails the step when dbt failed, after reporting what it did."""
    from dagster_dbt.asset_utils import get_manifest_and_translator_from_dbt_assets
    from dagster_dbt.core.dbt_cli_event import DbtCoreCliEventMessage
    from dbt.cli.main import dbtRunner
    from dbt_common.events.functions import msg_to_dict

    manifest = parsed_manifest(warehouse)
    target = dbt.run_target(context, parse_state=manifest is None)
    messages: queue.Queue[dict[str, Any] | None] = queue.Queue()  # None: dbt is done
    outcome = []

    def build() -> None:
        try:
            outcome.append(dbtRunner(manifest=manifest, callbacks=[
                lambda message: messages.put(msg_to_dict(message)) if message.info.level != "debug" else None,
            ]).invoke([*arguments, "--project-dir", str(DBT_PROJECT.project_dir), "--profiles-dir",
                       str(DBT_PROJECT.profiles_dir), "--target-path", str(target), "--log-path", str(target),
                       "--log-level", "none", "--log-level-file", "info", "--no-write-json"]))
            if hasattr(outcome[0].result, "write"):  # the run's results; not the manifest, which is the code's
                outcome[0].result.write(str(target / RUN_RESULTS))
        finally:
            _release_warehouse()
            messages.put(None)

    builder = threading.Thread(target=build, name="dbt-build", daemon=True)
    builder.start()
    dbt_manifest, translator, _ = get_manifest_and_translator_from_dbt_assets([context.assets_def])
    errors = []
    while (message := messages.get()) is not None:
        print(message["info"]["msg"], flush=True)
        if message["info"]["level"] == "error":
            errors.append(message["info"]["msg"])
        yield from DbtCoreCliEventMessage(raw_event=message, event_history_metadata={}).to_default_asset_events(
            manifest=dbt_manifest, dagster_dbt_translator=translator, context=context, target_path=target,
            project=DBT_PROJECT)
    builder.join()
    if not outcome or not outcome[0].success:
        problem = "; ".join(errors[:5]) or (str(outcome[0].exception) if outcome else "dbt brak af")
        raise dg.Failure(description=f"dbt build mislukt: {problem}")
    if manifest is None:
        dbt.keep_parse_state(target)


@dbt_assets(manifest=DBT_PROJECT.manifest_path, dagster_dbt_translator=LayeredTranslator(), project=DBT_PROJECT)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtResource, warehouse_db: WarehouseResource,
                     outputs: ServingResource):
    """Seeds the vocabularies, builds staging → intermediate → marts and runs the dbt tests: all of them on a
    full build, those that read a mart on an increment. When Dagster selected every dbt asset (every pipeline
    run) dbt runs in this process (dbt_build); a subset chosen in the UI goes through dagster-dbt's own
    selection and subprocess."""
    with warehouse_db.connect() as con:
        plan = freshness.build_plan(con, outputs.state, Path(outputs.serving_dir))
        write_scope(con, plan)
    context.log.info(f"dbt: {'volledige bouw' if plan.full else 'increment'} ({plan.reason})")
    everything = context.selected_asset_keys == context.assets_def.keys
    arguments = build_arguments(warehouse_db.path, plan, everything)
    if everything:
        yield from dbt_build(context, dbt, arguments, warehouse_db.path)
        return
    invocation = dbt.cli(arguments, context=context, target_path=dbt.run_target(context))
    yield from invocation.stream()
    dbt.keep_parse_state(invocation.target_path)
