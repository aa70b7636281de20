"""The whole flow on the samples: Dagster loads, dbt builds and tests, the serving copy and export follow."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import duckdb

from ida.warehouse import serving
from ida.intake.landing import landed_deliveries
from ida.intake.reading import read_delivery
from ida.intake.validation import validate
from ida.standard.record_types import RECORD_TYPES
from ida.standard.values import text
from ida.standard.vocabularies import provinces
from ida.settings import SAMPLES_DIR as SAMPLES


def sample_counts() -> dict[str, dict[str, int]]:
    """Per province, the non-empty rows of each record type in its sample files (all its delivery folders),
    less the lessons it withdrew (v1.1: Utrecht withdraws one in a later folder)."""
    counts = {}
    for folder in sorted(p for p in SAMPLES.iterdir() if p.is_dir()):
        delivery = read_delivery([folder])
        assert not delivery.errors, delivery.errors
        per_type = dict.fromkeys(RECORD_TYPES, 0)
        for table in delivery.tables:
            per_type[table.record_type] += sum(1 for row in table.rows if any(text(c) for c in row))
        per_type["lessen"] -= sum(1 for r in validate([folder], folder.name).records.get("intrekkingen", []) if r["soort"] == "les")
        counts[folder.name] = per_type
    return counts


def sample_deliveries() -> int:
    """The deliveries in the samples' landing layout: a province's own files, and each dated folder beside them."""
    return sum(len(landed_deliveries(code, (SAMPLES,))) for code in provinces().codes)


def marts(var_dir: Path) -> duckdb.DuckDBPyConnection:
    return serving.connect(var_dir / "serving")


def test_samples_cover_all_provinces_richly() -> None:
    counts = sample_counts()
    assert sorted(counts) == provinces().codes
    for code, per_type in counts.items():
        assert per_type["experimenten"] >= 5, code
        assert per_type["lessen"] >= 3 * per_type["experimenten"], code


def test_marts_hold_every_sample_record(sample_run, var_dir: Path) -> None:
    expected = sample_counts()
    with marts(var_dir) as con:
        rows = con.execute("select code, experiments, lessons, results, last_loaded from marts.provinces").fetchall()
    assert len(rows) == 12
    for code, experiments, lessons, results, last_loaded in rows:
        assert (experiments, lessons, results) == (
            expected[code]["experimenten"], expected[code]["lessen"], expected[code]["resultaten"]), code
        assert last_loaded is not None


def test_dbt_tests_ran_as_asset_checks_and_passed(sample_run) -> None:
    assert sample_run.checks_failed == 0
    assert sample_run.checks_passed >= 50


def test_comparison_marts_add_up(sample_run, var_dir: Path) -> None:
    with marts(var_dir) as con:
        grid = con.execute("select count(*), sum(experiments) from marts.comparison_province_phase_core_task").fetchone()
        experiments = con.execute("select count(*) from marts.experiments").fetchone()[0]
        per_task = con.execute("select sum(experiments) from marts.comparison_core_task").fetchone()[0]
    assert grid == (12 * 7 * 7, experiments)
    assert per_task == experiments


def test_export_matches_the_samples(sample_run, var_dir: Path) -> None:
    export = var_dir / "export"
    datasets = [json.loads(line) for line in (export / "datasets.jsonl").read_text().splitlines()]
    organizations = [json.loads(line) for line in (export / "organizations.jsonl").read_text().splitlines()]
    groups = [json.loads(line) for line in (export / "groups.jsonl").read_text().splitlines()]
    expected = sample_counts()
    assert len(datasets) == sum(c["experimenten"] for c in expected.values())
    assert len({d["name"] for d in datasets}) == len(datasets)
    assert {o["name"] for o in organizations} == {row["ckan_organisatie"] for row in provinces().rows} | {"ipo"}
    assert len(groups) == 7
    by_org = {}
    for dataset in datasets:
        by_org[dataset["owner_org"]] = by_org.get(dataset["owner_org"], 0) + 1
        lessons_csv = export / dataset["resources"][0]["url"]
        assert lessons_csv.is_file()
    for row in provinces().rows:
        assert by_org[row["ckan_organisatie"]] == expected[row["code"]]["experimenten"]
    lessons_in_export = sum(len((export / d["resources"][0]["url"]).read_text().splitlines()) - 1 for d in datasets)
    assert lessons_in_export == sum(c["lessen"] for c in expected.values())


def test_status_json_lists_every_province(sample_run, platform_env) -> None:
    out = subprocess.run([sys.executable, "-m", "cli", "status", "--json"], capture_output=True, text=True,
                         env={**os.environ, **platform_env}, check=True).stdout
    listed = json.loads(out)["provinces"]
    expected = sample_counts()
    assert [p["code"] for p in listed] == provinces().codes
    for p in listed:
        assert set(p) == {"code", "name", "experiments", "lessons", "results", "last_loaded", "maturity", "withdrawn"}
        assert p["experiments"] == expected[p["code"]]["experimenten"]


def test_app_reads_while_the_pipeline_writes(sample_run, var_dir: Path) -> None:
    """The warehouse is locked by a writer; the serving copy still answers."""
    writer = duckdb.connect(str(var_dir / "warehouse.duckdb"))
    try:
        writer.execute("begin transaction")
        writer.execute("delete from raw.experimenten")
        with marts(var_dir) as con:
            assert con.execute("select count(*) from marts.experiments").fetchone()[0] > 0
    finally:
        writer.execute("rollback")
        writer.close()


def test_rerun_loads_nothing_twice(sample_run, var_dir: Path) -> None:
    from orchestration.pipeline import run_pipeline
    import dagster as dg

    # earlier tests in the session may have left work on this platform (a publication, say): catch up first
    assert run_pipeline(dagster_instance=dg.DagsterInstance.ephemeral()).success
    with marts(var_dir) as con:
        before = con.execute("select count(*) from marts.experiments").fetchone()[0]
    version_before = serving.current(var_dir / "serving")
    result = run_pipeline(dagster_instance=dg.DagsterInstance.ephemeral())
    assert result.success, result.summary
    assert result.nothing_new and serving.current(var_dir / "serving") == version_before  # see tests/test_freshness.py
    with marts(var_dir) as con:
        assert con.execute("select count(*) from marts.experiments").fetchone()[0] == before
        deliveries = con.execute("select count(*) from marts.provinces where last_loaded is not null").fetchone()[0]
    assert deliveries == 12
    with duckdb.connect(str(var_dir / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select count(*) from raw.deliveries").fetchone()[0] == sample_deliveries() == 13


def test_a_later_delivery_upserts_by_key(sample_run, var_dir: Path, extra_landing: Path) -> None:
    """A new delivery replaces the experiments it names and keeps the ones it leaves out."""
    from orchestration.pipeline import run_pipeline
    import dagster as dg

    with marts(var_dir) as con:
        before = dict(con.execute("select experiment_id, title from marts.experiments where province_code = 'PV26'").fetchall())
    changed = sorted(before)[0]
    folder = extra_landing / "PV26" / "2026-11-28-correctie"
    folder.mkdir(parents=True)
    (folder / "experimenten.csv").write_text(
        "experiment_id,provincie,titel,kerntaak,ida_spoor,fase\n"
        f"{changed},Utrecht,Nieuwe titel na correctie,ruimte,basis_op_orde,opschaling\n"
        "UTR-NIEUW-1,PV26,Een nieuw experiment,bereikbaarheid,samenwerking,idee\n", encoding="utf-8")
    result = run_pipeline("PV26", dagster_instance=dg.DagsterInstance.ephemeral())
    assert result.success, result.summary
    with marts(var_dir) as con:
        after = dict(con.execute("select experiment_id, title from marts.experiments where province_code = 'PV26'").fetchall())
        phase = con.execute("select phase from marts.experiments where experiment_id = ?", [changed]).fetchone()[0]
    assert after[changed] == "Nieuwe titel na correctie" and phase == "opschaling"
    assert set(after) == set(before) | {"UTR-NIEUW-1"}
