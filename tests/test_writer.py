"""The warehouse's one writer (ida/warehouse/writer.py): runs take turns; one that waits too long says for whom.
Two real runs taking turns: tests/test_freshness.py; a harvest waiting for a run: tests/test_harvest.py."""

from __future__ import annotations

import time
from pathlib import Path

import dagster as dg
import pytest

from ida.settings import Settings
from ida.warehouse import writer


def test_a_second_writer_waits_then_gives_up_naming_the_first(tmp_path: Path) -> None:
    warehouse = tmp_path / "warehouse.duckdb"
    assert writer.holder(warehouse) is None
    heard = []
    with writer.writing(warehouse, "Dagster-run eerste", wait_seconds=0):
        assert writer.holder(warehouse).startswith("Dagster-run eerste (proces ")
        started = time.monotonic()
        with pytest.raises(writer.WarehouseBusy) as busy:
            with writer.writing(warehouse, "Dagster-run tweede", wait_seconds=1, on_wait=heard.append):
                pytest.fail("two writers at once")
        assert time.monotonic() - started >= 1
    assert len(heard) == 1 and heard[0].startswith("Dagster-run eerste")  # told once, however long it waits
    assert "Dagster-run eerste" in str(busy.value) and str(warehouse) in str(busy.value)
    assert writer.holder(warehouse) is None  # released, also after the block
    with writer.writing(warehouse, "Dagster-run tweede", wait_seconds=0):
        assert writer.holder(warehouse).startswith("Dagster-run tweede")


def test_every_run_executes_its_steps_in_one_process(tmp_path: Path) -> None:
    """So a run holds the warehouse from its first step to its last, and imports the code location once."""
    from orchestration.definitions import build_defs

    defs = build_defs(Settings.from_env({"IDA_VAR_DIR": str(tmp_path)}))
    for name in ("ida_pipeline", "ida_harvest", "ida_digest"):
        assert defs.resolve_job_def(name).executor_def is dg.in_process_executor, name


def test_a_run_that_cannot_get_the_warehouse_says_who_has_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from orchestration.pipeline import run_pipeline

    (tmp_path / "landing").mkdir()
    settings = Settings.from_env({"IDA_VAR_DIR": str(tmp_path), "IDA_LANDING": str(tmp_path / "landing")})
    hold = writer.writing
    monkeypatch.setattr(writer, "writing", lambda warehouse, who, wait_seconds, on_wait=None: hold(warehouse, who, 1, on_wait))
    with hold(settings.warehouse, "de testhouder", wait_seconds=0):
        result = run_pipeline(settings=settings, dagster_instance=dg.DagsterInstance.ephemeral())
    assert not result.success and not result.steps  # no step began
    assert result.summary[0].startswith("Mislukt: Het warehouse") and "de testhouder" in result.summary[0], result.summary
