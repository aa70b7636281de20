"""Submitting a delivery: upload tokens per province, the immutable archive, the sensor that starts the
pipeline, and loading that never leaves a delivery half in the warehouse."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import stat
import subprocess
import sys
from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ida.warehouse import serving
from ida.intake import tokens
from ida.warehouse import raw as warehouse
from ida.intake.landing import landed_deliveries
from ida.settings import SAMPLES_DIR, Settings
from ida.intake.submissions import META, ORIGINAL, REPORT, archive_submission, submissions
from ida.intake.validation import validate

IDA = str(Path(sys.executable).with_name("ida"))


def experiment(experiment_id: str, title: str, province: str = "PV26", **extra: str) -> dict[str, str]:
    return {"experiment_id": experiment_id, "provincie": province, "titel": title, "kerntaak": "ruimte",
            "ida_spoor": "basis_op_orde", "fase": "experiment", "startdatum": "01-02-2024", **extra}


def lesson(les_id: str, experiment_id: str, **extra: str) -> dict[str, str]:
    return {"les_id": les_id, "experiment_id": experiment_id, "datum": "2024-05-01", "leerrichting": "horizontaal",
            "categorie": "governance", "les": "Spreek vooraf af wie de data beheert.", **extra}


def write_delivery(folder: Path, experiments: list[dict], lessons: list[dict] = ()) -> Path:
    """experimenten.csv (and lessen.csv) as Dutch Excel writes them: semicolons, Windows-1252."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, rows in (("experimenten", experiments), ("lessen", list(lessons))):
        if rows:
            with (folder / f"{name}.csv").open("w", encoding="cp1252", newline="") as handle:
                writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=";")
                writer.writeheader()
                writer.writerows(rows)
    return folder


def files_of(folder: Path) -> list[tuple[str, bytes]]:
    return [(p.name, p.read_bytes()) for p in sorted(folder.iterdir())]


# --- upload tokens ------------------------------------------------------------------------------

def test_tokens_are_stored_only_as_hashes(tmp_path: Path) -> None:
    path = tmp_path / "upload_tokens.json"
    utrecht, zeeland, second = tokens.issue(path, "PV26"), tokens.issue(path, "PV29"), tokens.issue(path, "PV26")
    stored = path.read_text()
    assert utrecht not in stored and zeeland not in stored and second not in stored
    assert json.loads(stored) == {"PV26": [hashlib.sha256(utrecht.encode()).hexdigest(), hashlib.sha256(second.encode()).hexdigest()],
                                  "PV29": [hashlib.sha256(zeeland.encode()).hexdigest()]}
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert tokens.province_for(path, utrecht) == "PV26" and tokens.province_for(path, f" {second}\n") == "PV26"
    assert tokens.province_for(path, zeeland) == "PV29"
    assert tokens.province_for(path, utrecht[:-1]) is None and tokens.province_for(tmp_path / "geen.json", utrecht) is None


# --- `ida submit` -------------------------------------------------------------------------------

@pytest.fixture()
def desk(tmp_path: Path) -> dict:
    """A platform folder of its own, with a token for Utrecht and one for Zeeland."""
    token_file = tmp_path / "upload_tokens.json"
    env = {**os.environ, "IDA_VAR_DIR": str(tmp_path / "var"), "IDA_UPLOAD_TOKENS": str(token_file),
           "IDA_SUBMISSIONS": str(tmp_path / "archive"), "IDA_SERVING_DIR": str(tmp_path / "serving")}
    return {"env": env, "archive": tmp_path / "archive", "PV26": tokens.issue(token_file, "PV26"),
            "PV29": tokens.issue(token_file, "PV29")}


def ida_submit(desk: dict, token: str | None, *args: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in desk["env"].items() if k != "IDA_UPLOAD_TOKEN"}
    if token is not None:
        env["IDA_UPLOAD_TOKEN"] = token
    return subprocess.run([IDA, "submit", "--json", *args], env=env, capture_output=True, text=True, timeout=120)


def stored(archive: Path) -> list[Path]:
    return sorted(p for p in archive.rglob("*") if p.is_file()) if archive.exists() else []


def test_a_token_of_utrecht_cannot_submit_for_zeeland(desk: dict, tmp_path: Path) -> None:
    folder = write_delivery(tmp_path / "zeeland", [experiment("ZLD-1", "Getijdenmodel", "PV29")])
    done = ida_submit(desk, desk["PV26"], "--province", "Zeeland", str(folder))
    assert done.returncode == 2
    assert "van Utrecht en mag niet aanleveren voor Zeeland" in " ".join(done.stderr.split())
    assert stored(desk["archive"]) == []
    assert ida_submit(desk, desk["PV29"], "--province", "PV29", str(folder)).returncode == 0


@pytest.mark.parametrize("token", [None, "", "ida_pv26_geraden"])
def test_without_a_known_token_nothing_is_stored(desk: dict, tmp_path: Path, token: str | None) -> None:
    folder = write_delivery(tmp_path / "utrecht", [experiment("UTR-T-1", "Proef")])
    done = ida_submit(desk, token, "--province", "PV26", str(folder))
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert stored(desk["archive"]) == []


def test_every_submission_is_kept_immutably_with_its_report(desk: dict, tmp_path: Path) -> None:
    good = write_delivery(tmp_path / "goed", [experiment("UTR-T-1", "Één proef – €")], [lesson("UTR-T-1-L1", "UTR-T-1")])
    bad = write_delivery(tmp_path / "fout", [experiment("UTR-T-2", "Proef", fase="klaar")])
    accepted = ida_submit(desk, desk["PV26"], "--province", "PV26", str(good))
    rejected = ida_submit(desk, desk["PV26"], "--province", "Utrecht", str(bad))
    assert (accepted.returncode, rejected.returncode) == (0, 1), (accepted.stderr, rejected.stderr)
    assert json.loads(rejected.stdout)["errors"][0]["column"] == "fase"

    kept = submissions(desk["archive"], "PV26")
    assert [m["accepted"] for m in kept] == [True, False]
    for meta, source in zip(kept, (good, bad)):
        folder = desk["archive"] / "PV26" / meta["folder"]
        assert sorted(p.name for p in folder.iterdir()) == [META, ORIGINAL, REPORT]
        for name, data in files_of(source):
            original = folder / ORIGINAL / name
            assert original.read_bytes() == data  # the bytes as uploaded, Windows-1252 and all
            assert meta["files"][name] == {"sha256": hashlib.sha256(data).hexdigest(), "bytes": len(data)}
        for path in [*(folder / ORIGINAL).iterdir(), folder / META, folder / REPORT]:
            assert stat.S_IMODE(path.stat().st_mode) == 0o444, path
        report = json.loads((folder / REPORT).read_text())
        assert report["accepted"] is meta["accepted"] and meta["province"] == "PV26" and meta["channel"] == "cli"
        assert len(report["errors"]) == meta["errors"]
    assert json.loads((desk["archive"] / "PV26" / kept[1]["folder"] / REPORT).read_text())["errors"][0]["row"] == 2


def test_an_identical_resubmission_is_recognised(desk: dict, tmp_path: Path) -> None:
    folder = write_delivery(tmp_path / "utrecht", [experiment("UTR-T-1", "Proef")])
    first = json.loads(ida_submit(desk, desk["PV26"], "--province", "PV26", str(folder)).stdout)
    again = json.loads(ida_submit(desk, desk["PV26"], "--province", "PV26", str(folder)).stdout)
    assert first["duplicate_of"] is None and again["duplicate_of"] == first["submission"]
    metas = submissions(desk["archive"], "PV26")
    assert metas[0]["delivery_id"] == metas[1]["delivery_id"] and metas[1]["duplicate_of"] == metas[0]["folder"]


# --- the sensor ---------------------------------------------------------------------------------

def evaluate_sensor() -> list[dg.RunRequest]:
    from orchestration.definitions import build_defs
    from orchestration.deliveries import accepted_submissions

    defs = build_defs(Settings.from_env())
    with dg.DagsterInstance.ephemeral() as instance:
        context = dg.build_sensor_context(instance=instance, definitions=defs, resources={
            "landing_zone": defs.resources["landing_zone"], "outputs": defs.resources["outputs"]})
        return list(accepted_submissions(context) or [])


def execute_as_the_daemon(run_request: dg.RunRequest, instance: dg.DagsterInstance) -> dg.ExecuteInProcessResult:
    """The pipeline job with the request's selection and tags, as the daemon's run worker executes it."""
    from orchestration.definitions import build_defs

    job = build_defs(Settings.from_env()).resolve_job_def("ida_pipeline")
    if run_request.asset_selection is not None:
        job = job.get_subset(asset_selection=set(run_request.asset_selection),
                             asset_check_selection=set(run_request.asset_check_keys))
    return job.execute_in_process(instance=instance, tags=run_request.tags, raise_on_error=False)


def test_the_sensor_requests_one_run_per_new_accepted_submission(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    archive = tmp_path / "archive"
    monkeypatch.setenv("IDA_SUBMISSIONS", str(archive))
    assert evaluate_sensor() == []
    folder = write_delivery(tmp_path / "a", [experiment("UTR-T-1", "Proef")])
    accepted = archive_submission(archive, "PV26", files_of(folder), set(), channel="test")
    archive_submission(archive, "PV26", files_of(folder), set(), channel="test")  # identical: a duplicate
    archive_submission(archive, "PV26", files_of(write_delivery(tmp_path / "b", [experiment("UTR-T-2", "Fout", fase="?")])), set(), "test")
    requests = evaluate_sensor()
    assert [r.run_key for r in requests] == [accepted.delivery_id]
    assert requests[0].tags["dagster/asset_partition_range_start"] == requests[0].tags["dagster/asset_partition_range_end"] == "PV26"
    # a tick looks back SENSOR_WINDOW only (earlier ticks requested what came before), by the folders' names
    from orchestration import deliveries

    monkeypatch.setattr(deliveries, "SENSOR_WINDOW", timedelta(0))
    assert evaluate_sensor() == []


# --- loading: all or nothing ---------------------------------------------------------------------

def counts(path: Path) -> dict[str, int]:
    with duckdb.connect(str(path), read_only=True) as con:
        return {t: con.execute(f"select count(*) from raw.{t}").fetchone()[0] for t in ("deliveries", "experimenten", "lessen")}


def load(path: Path, folder: Path, delivery_id: str) -> bool:
    report = validate([folder], "PV26")
    with warehouse.connect(path) as con:
        return warehouse.load(con, report, delivery_id, warehouse.Source("upload", str(folder), ("x",), datetime(2024, 1, 1)))


def test_a_rejected_delivery_leaves_the_warehouse_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "warehouse.duckdb"
    load(path, write_delivery(tmp_path / "a", [experiment("UTR-T-1", "Proef")], [lesson("UTR-T-1-L1", "UTR-T-1")]), "a")
    before = counts(path)
    report = validate([write_delivery(tmp_path / "b", [experiment("UTR-T-2", "Proef")], [lesson("L", "UTR-T-9")])], "PV26")
    assert not report.accepted and report.records["experimenten"] == []
    with warehouse.connect(path) as con, pytest.raises(ValueError):
        warehouse.load(con, report, "b", warehouse.Source("upload", "b", ("x",), datetime(2024, 1, 1)))
    assert counts(path) == before == {"deliveries": 1, "experimenten": 1, "lessen": 1}


def test_a_crash_in_the_middle_of_loading_leaves_the_previous_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "warehouse.duckdb"
    assert load(path, write_delivery(tmp_path / "a", [experiment("UTR-T-1", "Proef")], [lesson("UTR-T-1-L1", "UTR-T-1")]), "a")
    before = counts(path)
    second = write_delivery(tmp_path / "b", [experiment("UTR-T-2", "Tweede")], [lesson("UTR-T-2-L1", "UTR-T-2")])
    real_insert, calls = warehouse._insert, []

    def crash_on_second_table(*args, **kwargs):
        calls.append(args[1])
        if len(calls) == 2:
            raise RuntimeError("stroomstoring")
        return real_insert(*args, **kwargs)

    monkeypatch.setattr(warehouse, "_insert", crash_on_second_table)
    with pytest.raises(RuntimeError, match="stroomstoring"):
        load(path, second, "b")
    assert calls == ["experimenten", "lessen"]  # the experiments were inserted before the crash ...
    assert counts(path) == before  # ... and rolled back with the rest, also as read back from the file
    with duckdb.connect(str(path), read_only=True) as con:
        assert con.execute("select delivery_id from raw.deliveries").fetchall() == [("a",)]
    monkeypatch.setattr(warehouse, "_insert", real_insert)
    assert load(path, second, "b") and not load(path, second, "b")  # loads once afterwards, never twice
    assert counts(path) == {"deliveries": 2, "experimenten": 2, "lessen": 2}


# --- from submission to the marts ------------------------------------------------------------------

def test_an_accepted_submission_reaches_the_marts_by_the_sensor_and_upserts_by_key(sample_run, var_dir: Path, tmp_path: Path) -> None:
    from orchestration.definitions import build_defs

    settings = Settings.from_env()
    assert settings.submissions_dir == var_dir / "submissions" and settings.submissions_dir not in settings.landing_dirs
    samples = {r["experiment_id"] for r in validate([SAMPLES_DIR / "PV26"], "PV26").records["experimenten"]}
    existing = min(samples)
    with serving.connect(settings.serving_dir) as con:
        old_title = con.execute("select title from marts.experiments where province_code = 'PV26' and experiment_id = ?",
                                [existing]).fetchone()[0]
    known = serving.known_experiments(settings.serving_dir, "PV26")
    assert existing in known

    # a new experiment with a lesson on an experiment the platform holds, and a new title for that one
    good = write_delivery(tmp_path / "goed", [experiment("UTR-AANLEVER-1", "Digitale tweeling Utrechtse Heuvelrug"),
                                              experiment(existing, "Nieuwe titel via aanleveren")],
                          [lesson("UTR-AANLEVER-1-L1", "UTR-AANLEVER-1"), lesson("UTR-AANLEVER-1-L2", existing)])
    accepted = archive_submission(settings.submissions_dir, "PV26", files_of(good), known, channel="test")
    rejected = archive_submission(settings.submissions_dir, "PV26",
                      files_of(write_delivery(tmp_path / "fout", [experiment("UTR-FOUT-1", "Fout", kerntaak="?")])), known, "test")
    again = archive_submission(settings.submissions_dir, "PV26", files_of(good), known, channel="test")
    assert accepted.report.accepted and not rejected.report.accepted
    assert again.duplicate_of == accepted.folder.name

    requests = {r.run_key: r for r in evaluate_sensor()}
    assert accepted.delivery_id in requests and rejected.delivery_id not in requests
    run_request = requests[accepted.delivery_id]
    province = run_request.tags["dagster/asset_partition_range_start"]
    assert province == "PV26"

    instance = dg.DagsterInstance.ephemeral()
    result = execute_as_the_daemon(run_request, instance)
    assert result.success, [e.message for e in result.all_events if e.is_failure]
    # no full build was due: the run planned the checks an increment runs, and ran each of them
    planned, evaluated = (len(instance.get_records_for_run(result.run_id, of_type=kind).records) for kind in (
        dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED, dg.DagsterEventType.ASSET_CHECK_EVALUATION))
    assert 0 < planned == evaluated < len(build_defs(settings).resolve_asset_graph().asset_check_keys)

    with serving.connect(settings.serving_dir) as con:
        new = con.execute("select title, phase, lessons, delivery_id from marts.experiments "
                          "where province_code = 'PV26' and experiment_id = 'UTR-AANLEVER-1'").fetchone()
        updated = con.execute("select title, lessons from marts.experiments where province_code = 'PV26' and experiment_id = ?",
                              [existing]).fetchone()
        after = {r[0] for r in con.execute("select experiment_id from marts.experiments where province_code = 'PV26'").fetchall()}
        wrong = con.execute("select count(*) from marts.experiments where experiment_id = 'UTR-FOUT-1'").fetchone()[0]
    assert new == ("Digitale tweeling Utrechtse Heuvelrug", "experiment", 1, accepted.delivery_id)
    assert updated[0] == "Nieuwe titel via aanleveren" != old_title
    assert samples | {"UTR-AANLEVER-1"} <= after  # upsert by key: the others stay, though this delivery left them out
    assert wrong == 0
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        loaded = con.execute("select count(*) from raw.deliveries where delivery_id = ?", [accepted.delivery_id]).fetchone()[0]
    assert loaded == 1  # the identical resubmission was not loaded again
    assert [d.delivery_id for d in landed_deliveries("PV26", (settings.submissions_dir,))].count(rejected.delivery_id) == 0
