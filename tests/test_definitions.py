"""The Dagster code location loads whole, with the assets, checks, job, schedule and sensor it promises."""

import subprocess
import sys

import dagster as dg

from ida.standard.vocabularies import provinces

EXPECTED_KEYS = {
    "raw/deliveries", "raw/experimenten", "raw/lessen", "raw/resultaten",
    "marts/provinces", "marts/experiments", "marts/lessons", "marts/results",
    "marts/comparison_province_phase_core_task", "marts/comparison_core_task",
    "vocab/kerntaken", "vocab/provincies", "vocab/fasen", "serving_copy", "catalogue_export", "ckan_publication",
}


def test_code_location_loads_with_every_promised_asset(platform_env) -> None:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert EXPECTED_KEYS <= keys
    assert len(graph.asset_check_keys) >= 100  # every dbt test is an asset check
    raw = graph.get(dg.AssetKey(["raw", "experimenten"]))
    assert raw.partitions_def.get_partition_keys() == provinces().codes
    assert defs.resolve_job_def("ida_pipeline")
    assert defs.resolve_schedule_def("daily_pipeline").cron_schedule == "0 5 * * *"
    assert defs.resolve_sensor_def("accepted_submissions")


def test_marts_depend_on_the_raw_layer(platform_env) -> None:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    upstream = graph.get(dg.AssetKey(["staging", "stg_raw__experiments"])).parent_keys
    assert dg.AssetKey(["raw", "experimenten"]) in upstream
    assert dg.AssetKey(["marts", "experiments"]) in graph.get(dg.AssetKey("serving_copy")).parent_keys


def test_a_new_instance_keeps_all_runs_events_in_one_file(tmp_path, monkeypatch) -> None:
    from ida.settings import Settings
    from orchestration.pipeline import instance

    from orchestration.event_storage import SqliteEventLogStorage

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "een map: met spatie"))
    storage = instance(Settings.from_env()).event_log_storage
    assert type(storage) is SqliteEventLogStorage
    assert storage.get_db_path() == str(tmp_path / "een map: met spatie" / "history" / "event_log.db")
    # it stores and reads back a run's events, through its one engine
    storage.store_event(dg.EventLogEntry(error_info=None, level=20, user_message="hallo", run_id="een-run",
                                         timestamp=0.0, step_key=None, job_name="leeg", dagster_event=None))
    assert [e.user_message for e in storage.get_logs_for_run("een-run")] == ["hallo"]
    # its connections stay open (a closed one would checkpoint the WAL) and commit without waiting for the disk
    assert storage._engine.pool.checkedin() >= 1
    with storage._engine.connect() as connection:
        assert connection.exec_driver_sql("pragma synchronous").scalar() == 1  # NORMAL
    # another process writes to the same log meanwhile: this one, its connections open, reads that too
    code = ("import sys, dagster as dg; from ida.settings import Settings; from orchestration.pipeline import instance; "
            "instance(Settings.from_env()).event_log_storage.store_event(dg.EventLogEntry(error_info=None, level=20, "
            "user_message='van elders', run_id='een-run', timestamp=1.0, step_key=None, job_name='leeg', dagster_event=None))")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)
    assert [e.user_message for e in storage.get_logs_for_run("een-run")] == ["hallo", "van elders"]


def test_the_instance_config_an_earlier_version_wrote_is_brought_up_to_date(tmp_path, monkeypatch) -> None:
    """An operator's own dagster.yaml stays as it is; the one an earlier version of the platform wrote is replaced."""
    import json

    from ida.settings import Settings
    from orchestration.event_storage import SqliteEventLogStorage
    from orchestration.pipeline import EARLIER_INSTANCE_CONFIGS, instance

    home = tmp_path / "dagster"
    home.mkdir()
    monkeypatch.setenv("DAGSTER_HOME", str(home))
    for earlier in EARLIER_INSTANCE_CONFIGS:
        (home / "dagster.yaml").write_text(earlier.format(history=json.dumps(str(home / "history"))))
        brought_up = instance(Settings.from_env())
        assert type(brought_up.event_log_storage) is SqliteEventLogStorage
        assert brought_up.run_coordinator.dequeue_interval_seconds == 1
    own = "telemetry:\n  enabled: false\n"
    (home / "dagster.yaml").write_text(own)
    instance(Settings.from_env())
    assert (home / "dagster.yaml").read_text() == own
