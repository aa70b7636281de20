"""The pipeline job over every asset but harvesting, its daily schedule, and running it in-process for the
CLI and the tests (the Dagster UI runs the same job).

A run covers a range of provinces in one go (the delivery asset has a single-run backfill policy),
so dbt builds once per run, not once per province.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from ida.settings import Settings
from orchestration.partitions import PROVINCES

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"

pipeline_job = dg.define_asset_job(
    "ida_pipeline",
    # harvesting has its own job (one run per province, before this one): a broken portal never blocks the build
    selection=dg.AssetSelection.all() - dg.AssetSelection.key_prefixes("harvest"),
    description="Laadt de leveringen, bouwt de marts, publiceert de serveerkopie en de catalogus.",
)


def province_range_tags(first: str | None = None, last: str | None = None) -> dict[str, str]:
    """Run tags selecting the provinces from `first` to `last` (default: all twelve)."""
    keys = PROVINCES.get_partition_keys()
    return {RANGE_START_TAG: first or keys[0], RANGE_END_TAG: last or first or keys[-1]}


@dg.schedule(job=pipeline_job, cron_schedule="0 5 * * *", execution_timezone="Europe/Amsterdam")
def daily_pipeline(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Every morning: all provinces, one run."""
    return dg.RunRequest(tags=province_range_tags())


@dataclass
class PipelineResult:
    success: bool
    run_id: str
    summary: list[str]
    checks_passed: int
    checks_failed: int


def dagster_home(settings: Settings) -> Path:
    """The Dagster instance's folder (DAGSTER_HOME, by default `var/dagster`), with telemetry off (the
    platform phones nobody)."""
    home = settings.dagster_home
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    return home


def instance(settings: Settings) -> dg.DagsterInstance:
    """The platform's Dagster instance, so the UI shows the CLI's runs too."""
    return dg.DagsterInstance.from_config(str(dagster_home(settings)))


def run_pipeline(province: str | None = None, dagster_instance: dg.DagsterInstance | None = None,
                 log_level: str = "WARNING", settings: Settings | None = None) -> PipelineResult:
    """Load one province (or all), build the marts with their tests, publish the serving copy and export
    (`settings`: those of the caller, by default read from the environment now)."""
    from orchestration.definitions import build_defs

    settings = settings or Settings.from_env()
    job = build_defs(settings).resolve_job_def("ida_pipeline")
    result = job.execute_in_process(
        instance=dagster_instance or instance(settings),
        tags=province_range_tags(province, province),
        run_config={"loggers": {"console": {"config": {"log_level": log_level}}}},
        raise_on_error=False,
    )
    summary, passed, failed, warned = [], 0, 0, 0
    for event in result.all_events:
        if event.is_step_failure:
            summary.append(f"Mislukt: {event.step_key}: {event.event_specific_data.error.message.strip()}")
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
    summary.append(f"Run {result.run_id}: {'geslaagd' if result.success else 'mislukt'}; "
                   f"dbt-tests: {passed} geslaagd, {warned} met waarschuwing, {failed} mislukt.")
    return PipelineResult(result.success, result.run_id, summary, passed, failed)


if __name__ == "__main__":
    print(dagster_home(Settings.from_env()))
