"""The Dagster code location loads whole, with the assets, checks, job, schedule and sensor it promises."""

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

    monkeypatch.setenv("DAGSTER_HOME", str(tmp_path / "een map: met spatie"))
    storage = instance(Settings.from_env()).event_log_storage
    assert type(storage).__name__ == "ConsolidatedSqliteEventLogStorage"
    assert storage.get_db_path() == str(tmp_path / "een map: met spatie" / "history" / "event_log.db")
