"""The pipeline job over every asset but harvesting, its daily schedule, and running it in-process for the
CLI and the tests (the Dagster UI runs the same job).

A run covers a range of provinces in one go (the delivery asset has a single-run backfill policy),
so dbt builds once per run, not once per province.
"""

from __future__ import annotations

import json
import os
import sys
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_shared.error import SerializableErrorInfo

from ida.settings import Settings
from orchestration import freshness
from orchestration.partitions import PROVINCES
from orchestration.warehouse_models import INCREMENT_UNTESTED

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
FULL_BUILD_TAG = "ida/full_build"  # "true": every step redoes everything (the daily run), not only what changed

# harvesting has its own job (one run per province, before this one): a broken portal never blocks the build;
# the weekly digest has its own too (orchestration/digest.py): a pipeline run sends no e-mail
PIPELINE_SELECTION = dg.AssetSelection.all() - dg.AssetSelection.key_prefixes("harvest") - dg.AssetSelection.groups("digest")
# the checks `ida pipeline` selects when no full build is due: an increment runs none on the seeds, the views and
# the raw sources (orchestration/warehouse_models.py), so Dagster need not plan them (an event each before the
# first step). Every asset stays selected: through the views the dbt step depends on the deliveries, and so is
# skipped when nothing was loaded.
INCREMENT_CHECKS = PIPELINE_SELECTION - dg.AssetSelection.groups(*INCREMENT_UNTESTED)

def increment_subset(graph) -> dict[str, Any]:
    """What a run of `ida_pipeline` selects when no full build is due (`graph`: the code location's asset graph),
    as `ida pipeline` runs it and the sensor requests it: every asset, and the checks an increment runs."""
    return {"asset_selection": PIPELINE_SELECTION.resolve(graph), "asset_check_selection": INCREMENT_CHECKS.resolve_checks(graph)}


pipeline_job = dg.define_asset_job(
    "ida_pipeline",
    selection=PIPELINE_SELECTION,
    description="Laadt de leveringen, bouwt de marts, publiceert de serveerkopie en de catalogus.",
)


def province_range_tags(first: str | None = None, last: str | None = None) -> dict[str, str]:
    """Run tags selecting the provinces from `first` to `last` (default: all twelve)."""
    keys = PROVINCES.get_partition_keys()
    return {RANGE_START_TAG: first or keys[0], RANGE_END_TAG: last or first or keys[-1]}


@dg.schedule(job=pipeline_job, cron_schedule="0 5 * * *", execution_timezone="Europe/Amsterdam")
def daily_pipeline(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Every morning: all provinces, one full build with every dbt test (increments run fewer, see warehouse_models)."""
    return dg.RunRequest(tags={**province_range_tags(), FULL_BUILD_TAG: "true"})


# The job's steps in the order they run, as `ida pipeline` names them.
STEPS = {
    "province_deliveries": "Leveringen laden",
    "warehouse_models": "dbt bouwen en testen",
    "serving_and_export": "Serveerkopie en export",
    "ckan_publication": "Publicatie naar CKAN",
}
LABEL_WIDTH = max(map(len, STEPS.values()))
LOGS_KEPT = 20


@dataclass
class StepOutcome:
    """One step of a run: `status` is klaar, overgeslagen or mislukt; `detail` says what it did, in Dutch."""

    key: str
    status: str
    seconds: float
    detail: str

    @property
    def label(self) -> str:
        return STEPS.get(self.key, self.key)

    def line(self) -> str:
        return f"{self.label:<{LABEL_WIDTH}} {self.status:<12} {self.seconds:6.1f} s  {self.detail}".rstrip()


@dataclass
class PipelineResult:
    success: bool
    run_id: str
    summary: list[str]
    checks_passed: int
    checks_failed: int
    steps: list[StepOutcome] = field(default_factory=list)
    nothing_new: bool = False
    log_file: Path | None = None
    models_built: int = 0


_EVENT_LOG = """\
telemetry:
  enabled: false
event_log_storage:
  module: orchestration.event_storage
  class: SqliteEventLogStorage
  config:
    base_dir: {history}
"""
# the daemon starts a queued run within a second, not five (Dagster's default)
INSTANCE_CONFIG = _EVENT_LOG + """\
run_queue:
  dequeue_interval_seconds: 1
"""
# what dagster_home wrote before: until 1 December 2026 Dagster's own class for the same file, then ours
EARLIER_INSTANCE_CONFIGS = (
    _EVENT_LOG.replace("orchestration.event_storage", "dagster._core.storage.event_log")
    .replace("class: SqliteEventLogStorage", "class: ConsolidatedSqliteEventLogStorage"),
    _EVENT_LOG,
)


def dagster_home(settings: Settings) -> Path:
    """The Dagster instance's folder (DAGSTER_HOME, by default `var/dagster`) and its dagster.yaml: telemetry off
    (the platform phones nobody) and every run's events in one SQLite file rather than a file per run plus an
    index (a run stores some 300 events before its first step; measured 1.6 s against 2.3 s for that), through
    one database engine (orchestration/event_storage.py); the daemon's run queue looked at every second. An operator's own dagster.yaml (PostgreSQL, say) is
    left as it is; the one an earlier version wrote is brought up to date."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    history = json.dumps(str(home / "history"))  # JSON is YAML
    if not config.exists() or config.read_text() in (earlier.format(history=history) for earlier in EARLIER_INSTANCE_CONFIGS):
        config.write_text(INSTANCE_CONFIG.format(history=history))
    return home


def instance(settings: Settings) -> dg.DagsterInstance:
    """The platform's Dagster instance, so the UI shows the CLI's runs too."""
    return dg.DagsterInstance.from_config(str(dagster_home(settings)))


def new_log_file(settings: Settings) -> Path:
    """A fresh file for one run's Dagster and dbt output under `<state folder>/logs/`; older ones beyond
    the last LOGS_KEPT are removed."""
    folder = settings.var_dir / "logs"
    folder.mkdir(parents=True, exist_ok=True)
    for old in sorted(folder.glob("pipeline-*.log"))[:-LOGS_KEPT + 1]:
        old.unlink(missing_ok=True)
    return folder / f"pipeline-{datetime.now(timezone.utc).strftime('%Y%m%dT%H%M%S%fZ')}.log"


@contextmanager
def output_to(log_file: Path | None) -> Iterator[None]:
    """Send everything written to this process's stdout and stderr — Dagster's log, dbt's output, the dbt
    subprocess's own — to `log_file` (at the file-descriptor level), and back afterwards."""
    if log_file is None:
        yield
        return
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with log_file.open("ab") as handle:
        os.dup2(handle.fileno(), 1)
        os.dup2(handle.fileno(), 2)
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os.dup2(saved[0], 1)
        os.dup2(saved[1], 2)
        os.close(saved[0])
        os.close(saved[1])


class StepTracker:
    """Turns the run's events, as they come, into one StepOutcome per finished step (reported once)."""

    def __init__(self, on_step: Callable[[StepOutcome], None] | None = None, on_start: Callable[[str], None] | None = None):
        self.on_step, self.on_start = on_step, on_start
        self.outcomes: dict[str, StepOutcome] = {}
        self.started: set[str] = set()
        self.lock = threading.Lock()

    def feed(self, events: list[dg.DagsterEvent]) -> None:
        with self.lock:
            by_step: dict[str, list[dg.DagsterEvent]] = {}
            for event in events:
                if event.step_key:
                    by_step.setdefault(event.step_key, []).append(event)
            for key in [k for k in STEPS if k in by_step] + [k for k in by_step if k not in STEPS]:
                own = by_step[key]
                if key not in self.started and any(e.is_step_start for e in own):
                    self.started.add(key)
                    if self.on_start:
                        self.on_start(key)
                end = next((e for e in own if e.is_step_success or e.is_step_failure or e.is_step_skipped), None)
                if end is None or key in self.outcomes:
                    continue
                outcome = _outcome(key, own, end)
                self.outcomes[key] = outcome
                if self.on_step:
                    self.on_step(outcome)


DAGSTER_WRAPPERS = ("DagsterExecutionStepExecutionError", "DagsterResourceFunctionError")


def _error_message(error: SerializableErrorInfo | None) -> str:
    """What went wrong in our own code (its exception's message, every line, without the exception's class
    name in front), not Dagster's wrapper around it."""
    while error is not None and error.cls_name in DAGSTER_WRAPPERS and error.cause is not None:
        error = error.cause
    if error is None:
        return ""
    named, _, message = error.message.partition(": ")
    return (message if named.endswith(error.cls_name or "\0") else error.message).strip()


def _outcome(key: str, events: list[dg.DagsterEvent], end: dg.DagsterEvent) -> StepOutcome:
    if end.is_step_skipped:
        return StepOutcome(key, "overgeslagen", 0.0, "niets nieuw")
    seconds = getattr(end.event_specific_data, "duration_ms", None)
    seconds = (seconds or 0) / 1000
    if end.is_step_failure:
        message = _error_message(end.event_specific_data.error)
        return StepOutcome(key, "mislukt", seconds, message.splitlines()[0][:160] if message else "")
    materialised = [e for e in events if e.is_step_materialization]
    metadata = {k: v for event in materialised for k, v in _metadata(event).items()}
    checks = [e.event_specific_data for e in events if e.event_type_value == "ASSET_CHECK_EVALUATION"]
    if key == "province_deliveries":
        detail = (f"{metadata.get('geladen_leveringen', 0)} nieuwe levering(en), {metadata.get('al_geladen', 0)} al geladen"
                  if materialised else "niets nieuw; niets opnieuw gebouwd")
    elif key == "warehouse_models":
        passed = sum(1 for c in checks if c.passed)
        detail = f"{len(materialised)} modellen en seeds gebouwd, {passed}/{len(checks)} tests geslaagd"
    elif key == "serving_and_export":
        served, exported = (_materialised(events, asset) for asset in ("serving_copy", "catalogue_export"))
        detail = "; ".join(part for part in (
            served and f"{served.get('versie', '')} ({served.get('seconden', 0)} s, bijgewerkt: {served.get('bijgewerkt', 'alles')})",
            exported and (f"export: {exported.get('datasets', 0)} datasets, {exported.get('rewritten', exported.get('datasets', 0))} "
                          f"herschreven ({exported.get('seconden', 0)} s, bijgewerkt: {exported.get('bijgewerkt', 'alles')})"),
        ) if part)
    elif key == "ckan_publication":
        detail = (f"{metadata.get('reden', 'niet gepubliceerd')}" if metadata.get("gepubliceerd") is False else
                  ", ".join(f"{k} {metadata[k]}" for k in ("created", "updated", "unchanged", "withdrawn", "failed") if k in metadata))
    else:
        detail = ""
    return StepOutcome(key, "klaar", seconds, detail)


def _metadata(materialisation: dg.DagsterEvent) -> dict[str, Any]:
    return {k: v.value for k, v in materialisation.event_specific_data.materialization.metadata.items()}


def _materialised(events: list[dg.DagsterEvent], asset: str) -> dict[str, Any] | None:
    """The metadata of `asset`'s materialisation among a step's events, or None."""
    return next((_metadata(e) for e in events if e.is_step_materialization and e.asset_key == dg.AssetKey(asset)), None)


def run_pipeline(province: str | None = None, dagster_instance: dg.DagsterInstance | None = None,
                 log_level: str = "WARNING", settings: Settings | None = None, full: bool = False,
                 log_file: Path | None = None, on_step: Callable[[StepOutcome], None] | None = None,
                 on_start: Callable[[str], None] | None = None) -> PipelineResult:
    """Load one province (or all), build the marts with their tests, publish the serving copy and export
    (`settings`: those of the caller, by default read from the environment now). Only what changed is redone
    (orchestration/freshness.py); `full` redoes everything. With `log_file`, Dagster's and dbt's output go
    there instead of to the terminal; `on_start`/`on_step` hear of each step as it starts and ends."""
    from orchestration.definitions import build_defs

    settings = settings or Settings.from_env()
    dagster_instance = dagster_instance or instance(settings)
    defs = build_defs(settings)
    job = defs.resolve_job_def("ida_pipeline")
    if not full and freshness.full_build_reason(settings.var_dir, settings.serving_dir) is None:
        job = job.get_subset(**increment_subset(defs.resolve_asset_graph()))
    run_id = str(uuid.uuid4())
    tracker = StepTracker(on_step, on_start)
    done = threading.Event()

    def follow() -> None:  # the run's new events as they are written, for the progress shown meanwhile
        cursor, seen = None, []
        while not done.wait(0.5):
            try:
                batch = dagster_instance.get_records_for_run(run_id, cursor=cursor)
            except Exception:  # noqa: BLE001 -- progress is a courtesy; the final pass below reports every step
                continue
            cursor = batch.cursor
            seen += [r.event_log_entry.dagster_event for r in batch.records if r.event_log_entry.dagster_event]
            tracker.feed(seen)

    follower = threading.Thread(target=follow, daemon=True)
    follower.start()
    try:
        with output_to(log_file):
            result = job.execute_in_process(
                instance=dagster_instance,
                run_id=run_id,
                tags={**province_range_tags(province, province), **({FULL_BUILD_TAG: "true"} if full else {})},
                run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
                raise_on_error=False,
            )
    finally:
        done.set()
        follower.join()
    tracker.feed(result.all_events)
    summary, passed, failed, warned, models = [], 0, 0, 0, 0
    for event in result.all_events:
        if event.is_step_failure:
            summary.append(f"Mislukt: {event.step_key}: {_error_message(event.event_specific_data.error)}")
        elif event.event_type_value == "RESOURCE_INIT_FAILURE":  # before any step: the warehouse stayed busy, say
            summary.append(f"Mislukt: {_error_message(event.event_specific_data.error)}")
        elif event.is_step_materialization and event.step_key == "warehouse_models":
            models += 1
        elif event.event_type_value == "ASSET_CHECK_EVALUATION":
            evaluation = event.event_specific_data
            name = evaluation.asset_check_key.to_user_string()
            if evaluation.passed:
                passed += 1
            elif evaluation.severity == dg.AssetCheckSeverity.WARN:
                warned += 1
                summary.append(f"Waarschuwing van dbt-test: {name}")
            else:
                failed += 1
                summary.append(f"dbt-test mislukt: {name}")
    steps = [tracker.outcomes[k] for k in STEPS if k in tracker.outcomes]
    nothing = result.success and not any(e.is_step_materialization for e in result.all_events)
    if nothing:
        summary.append("Niets nieuw; niets opnieuw gebouwd.")
    else:
        summary.append(f"Run {result.run_id}: {'geslaagd' if result.success else 'mislukt'}; "
                       f"dbt-tests: {passed} geslaagd, {warned} met waarschuwing, {failed} mislukt.")
    return PipelineResult(result.success, result.run_id, summary, passed, failed, steps, nothing, log_file, models)


if __name__ == "__main__":
    print(dagster_home(Settings.from_env()))
