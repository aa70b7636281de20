"""Running the pipeline job in-process, for the CLI and the tests (the Dagster UI runs the same job)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

import dagster as dg

from ida.settings import Settings


@dataclass
class PipelineResult:
    success: bool
    run_id: str
    summary: list[str]
    checks_passed: int
    checks_failed: int


def dagster_home() -> Path:
    """$DAGSTER_HOME, by default `var/dagster`, with telemetry off (the platform phones nobody)."""
    home = Path(os.environ.setdefault("DAGSTER_HOME", str(Settings.from_env().var_dir / "dagster")))
    home.mkdir(parents=True, exist_ok=True)
    config = home / "dagster.yaml"
    if not config.exists():
        config.write_text("telemetry:\n  enabled: false\n")
    return home


def instance() -> dg.DagsterInstance:
    """The platform's Dagster instance, so the UI shows the CLI's runs too."""
    dagster_home()
    return dg.DagsterInstance.get()


def run_pipeline(province: str | None = None, dagster_instance: dg.DagsterInstance | None = None,
                 log_level: str = "WARNING") -> PipelineResult:
    """Load one province (or all), build the marts with their tests, publish the serving copy and export."""
    from orchestration.definitions import defs
    from orchestration.jobs import province_range_tags

    job = defs.resolve_job_def("ida_pipeline")
    result = job.execute_in_process(
        instance=dagster_instance or instance(),
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
    print(dagster_home())
