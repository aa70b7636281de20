"""The dbt unit tests (fixed given/expect rows per model) run here, in the test suite: no pipeline run
executes them (orchestration/warehouse_models.py says why)."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from ida.settings import DBT_PROJECT_DIR
from orchestration.warehouse_models import DBT_EXECUTABLE


def test_every_dbt_unit_test_passes(sample_run, var_dir: Path, tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"  # a copy: the unit tests' scratch tables stay out of the platform's
    shutil.copyfile(var_dir / "warehouse.duckdb", warehouse)
    target = tmp_path / "target"
    done = subprocess.run([DBT_EXECUTABLE, "test", "--select", "test_type:unit", "--target-path", str(target),
                           "--vars", json.dumps({"warehouse": str(warehouse)})],
                          cwd=DBT_PROJECT_DIR, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:]
    results = json.loads((target / "run_results.json").read_text())["results"]
    units = [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert len(units) >= 15 and all(r["status"] == "pass" for r in units), [(r["unique_id"], r["status"]) for r in units]


def test_no_pipeline_run_executes_them(sample_run, var_dir: Path) -> None:
    [newest] = sorted((p for p in (var_dir / "dbt").iterdir() if p.is_dir()), key=lambda p: p.stat().st_mtime)[-1:]
    results = json.loads((newest / "run_results.json").read_text())["results"]
    assert results and not [r for r in results if r["unique_id"].startswith("unit_test.")]
    assert any(r["unique_id"].startswith("test.") for r in results)  # the data tests did run
