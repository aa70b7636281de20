"""Faults injected into the real parts: a harvest source that breaks, a disk that refuses a write while a
submission is archived, a pipeline killed in the middle of dbt, and pages read while pipelines swap the
serving copy. Each test breaks the real thing (a real HTTP server, the kernel's file-size limit, SIGKILL on
a real `ida pipeline`) and then checks on disk that nothing is half-written and that the next run recovers.
(CKAN dying in the middle of publishing: tests/test_faults_ckan.py.)
"""

from __future__ import annotations

import json
import os
import resource
import signal
import subprocess
import sys
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from ida.intake import tokens
from ida.settings import HarvestSettings, SAMPLES_DIR
from ida.warehouse import serving
from test_harvest import BROKEN, catalogue, serve_catalogue, server  # noqa: F401 - `server` is a fixture
from test_submissions import experiment, lesson, write_delivery

IDA = str(Path(sys.executable).with_name("ida"))


def platform_env(root: Path, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDA_", "CKAN_URL", "CKAN_API_TOKEN", "DAGSTER_HOME"))}
    env.update({"IDA_VAR_DIR": str(root / "var"), "IDA_WAREHOUSE": str(root / "var" / "warehouse.duckdb"),
                "DAGSTER_HOME": str(root / "dagster"), "IDA_UPLOAD_TOKENS": str(root / "upload_tokens.json"),
                "IDA_LANDING": str(root / "landing"), **extra})
    return env


def squeezed(text: str) -> str:
    return "".join(text.split())


# --- a harvest source that breaks --------------------------------------------------------------------------

@pytest.mark.parametrize("breakage", ["500", "time-out", "kapotte Turtle", "kapotte JSON"])
def test_a_broken_source_fails_alone_and_keeps_its_earlier_data(server, tmp_path: Path, breakage: str) -> None:  # noqa: F811
    """Zeeland has two portals, Noord-Holland one. Zeeland's second portal breaks after a good harvest: its
    records stay, Zeeland's first portal is harvested anew, Noord-Holland is not touched by it."""
    from orchestration.harvest import HarvestResource, province_harvest
    from orchestration.resources import ServingResource, WarehouseResource

    first = serve_catalogue(server, catalogue(server.url, ["ZL-1"]), path="/eerste.jsonld")
    second = serve_catalogue(server, catalogue(server.url, ["ZL-2", "ZL-3"]), path="/tweede.jsonld")
    holland = serve_catalogue(server, catalogue(server.url, ["NH-1"], **{"NH-1": {"province": "pv27"}}), path="/nh.jsonld")
    registry = tmp_path / "sources.yml"
    registry.write_text(f"provinces:\n  PV29:\n    - kind: dcat\n      url: {first}\n      timeout: 1\n"
                        f"    - kind: dcat\n      url: {second}\n      timeout: 1\n"
                        f"  PV27:\n    - kind: dcat\n      url: {holland}\n      timeout: 1\n")
    warehouse = tmp_path / "warehouse.duckdb"
    resources = {"warehouse_db": WarehouseResource(path=str(warehouse)),
                 "harvest_settings": HarvestResource.of(HarvestSettings(sources=registry, attempts=2, backoff=0.05)),
                 "outputs": ServingResource(serving_dir=str(tmp_path / "serving"), export_dir=str(tmp_path / "export"))}
    instance = dg.DagsterInstance.ephemeral()

    def harvest(province: str) -> dg.ExecuteInProcessResult:
        return dg.materialize([province_harvest], partition_key=province, resources=resources, instance=instance,
                              raise_on_error=False)

    def experiments() -> dict[str, list[str]]:
        with duckdb.connect(str(warehouse), read_only=True) as con:
            rows = con.execute("select province_code, experiment_id from raw.experimenten order by all").fetchall()
        found: dict[str, list[str]] = {}
        for province, experiment_id in rows:
            found.setdefault(province, []).append(experiment_id)
        return found

    assert harvest("PV29").success and harvest("PV27").success
    before = experiments()
    assert before == {"PV27": ["NH-1"], "PV29": ["ZL-1", "ZL-2", "ZL-3"]}

    serve_catalogue(server, catalogue(server.url, ["ZL-1", "ZL-4"]), path="/eerste.jsonld")  # the good portal grows
    server.routes["/tweede.jsonld"] = BROKEN[breakage]
    zeeland, north = harvest("PV29"), harvest("PV27")
    assert north.success and not zeeland.success
    failure = next(e for e in zeeland.all_events if e.is_step_failure).event_specific_data.error.message
    assert "1 bron(nen) konden niet worden geoogst; wat het platform ervan had, blijft staan" in failure
    assert experiments() == {"PV27": ["NH-1"], "PV29": ["ZL-1", "ZL-2", "ZL-3", "ZL-4"]}
    with duckdb.connect(str(warehouse), read_only=True) as con:
        runs = con.execute("select source_url, status, error from raw.harvest_runs where province_code = 'PV29' "
                           "order by finished_at desc limit 2").fetchall()
        withdrawn = con.execute("select count(*) from raw.withdrawn_at_source").fetchone()[0]
    assert {(url, status) for url, status, _ in runs} == {(first, "ok"), (second, "mislukt")}
    message = next(error for url, status, error in runs if status == "mislukt")
    assert second in message and any(w in message for w in ("serverfout", "niet bereikbaar", "geen leesbare DCAT"))
    assert withdrawn == 0  # a broken source withdraws nothing


# --- the disk refuses a write while a submission is archived -------------------------------------------

def _file_size_limit(limit: int):
    """For a child process: the kernel refuses every write past `limit` bytes of a file (EFBIG), as a full
    disk refuses it; SIGXFSZ, which would kill the process instead, is ignored."""
    def apply() -> None:
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_a_write_refused_while_archiving_keeps_nothing_and_says_so_in_dutch(tmp_path: Path) -> None:
    token = tokens.issue(tmp_path / "upload_tokens.json", "PV26")
    lessons = [lesson(f"UTR-VOL-1-L{n}", "UTR-VOL-1", les=f"Les {n}: " + "leg afspraken over data vooraf vast. " * 20)
               for n in range(1, 400)]
    folder = write_delivery(tmp_path / "levering", [experiment("UTR-VOL-1", "Volle schijf")], lessons)
    assert (folder / "lessen.csv").stat().st_size > 256 * 1024
    env = platform_env(tmp_path, IDA_UPLOAD_TOKEN=token)
    archive = tmp_path / "var" / "submissions"

    refused = subprocess.run([IDA, "submit", "--province", "PV26", str(folder)], env=env, capture_output=True, text=True,
                             timeout=300, preexec_fn=_file_size_limit(128 * 1024))
    assert refused.returncode == 1 and "Traceback" not in refused.stderr, refused.stderr[-2000:]
    assert squeezed("De levering kon niet worden bewaard (File too large); er is niets van bewaard") in squeezed(refused.stderr)
    assert [p for p in archive.rglob("*")] == [], "er is iets half bewaard"

    accepted = subprocess.run([IDA, "submit", "--json", "--province", "PV26", str(folder)], env=env, capture_output=True,
                              text=True, timeout=300)
    assert accepted.returncode == 0, accepted.stderr[-2000:]
    kept = [p for p in (archive / "PV26").iterdir()]
    assert len(kept) == 1 and json.loads((kept[0] / "meta.json").read_text())["accepted"] is True
    assert [p.name for p in archive.iterdir() if p.name.startswith(".incoming-")] == []


# --- a pipeline killed in the middle of dbt, and pages read throughout -------------------------------------

READER = r"""
import json, sys, time
from pathlib import Path
import streamlit as st
from apps import queries
from apps.queries import lessons, catalogue, overview

stop, out = Path(sys.argv[1]), Path(sys.argv[2])
reads, errors, versions, counts = 0, [], set(), set()
deadline = time.monotonic() + 1200
while not stop.exists() and time.monotonic() < deadline:
    try:
        st.cache_data.clear()
        versions.add(queries.version())
        found, _ = lessons.search_lessons("data sensor", lessons.LessonFilters())
        counts.add(int(queries.frame("select count(*) as n from marts.experiments")["n"].iloc[0]))
        queries.province_names()
        reads += 1
    except Exception as problem:  # every error counts: none may happen
        errors.append(f"{type(problem).__name__}: {problem}")
    time.sleep(0.05)
out.write_text(json.dumps({"reads": reads, "errors": errors[:20], "versions": sorted(versions), "counts": sorted(counts)}))
"""


def _pipeline(env: dict[str, str], log: Path) -> subprocess.Popen:
    """`ida pipeline` in a process group of its own (so it can be killed with its dbt), its output to `log`."""
    with log.open("w") as out:
        return subprocess.Popen([IDA, "pipeline"], env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)


def _tail(log: Path) -> str:
    return log.read_text()[-3000:]


def _dbt_builds(runs: Path, earlier: set[Path]) -> bool:
    """Whether `dbt build` has begun writing a run folder of its own and has not finished (no run_results.json)."""
    started = [p for p in runs.iterdir() if p not in earlier and any(p.iterdir())] if runs.is_dir() else []
    return bool(started) and not any((p / "run_results.json").exists() for p in started)


def _served(serving_dir: Path) -> tuple[str, int, int]:
    with serving.connect(serving_dir) as con:
        experiments = con.execute("select count(*) from marts.experiments").fetchone()[0]
        new = con.execute("select count(*) from marts.experiments where experiment_id = 'UTR-KILL-1'").fetchone()[0]
    return serving.current(serving_dir).name, experiments, new


def test_a_pipeline_killed_during_dbt_leaves_the_serving_copy_and_the_next_run_recovers(tmp_path: Path) -> None:
    (tmp_path / "landing").mkdir()
    env = platform_env(tmp_path, IDA_LANDING=os.pathsep.join([str(SAMPLES_DIR), str(tmp_path / "landing")]))
    serving_dir = tmp_path / "var" / "serving"
    log = tmp_path / "pipeline.log"
    first = _pipeline(env, log)
    assert first.wait(timeout=900) == 0, _tail(log)
    version, experiments, new = _served(serving_dir)
    assert new == 0 and experiments > 0

    stop, answer = tmp_path / "stop-reading", tmp_path / "reads.json"
    with (tmp_path / "reader.log").open("w") as reader_log:  # a file: Streamlit warns on every read without a runtime
        reader = subprocess.Popen([sys.executable, "-c", READER, str(stop), str(answer)], env=env,
                                  cwd=Path(__file__).parents[1], stdout=reader_log, stderr=subprocess.STDOUT)
    try:
        write_delivery(tmp_path / "landing" / "PV26", [experiment("UTR-KILL-1", "Onderbroken run")],
                       [lesson("UTR-KILL-1-L1", "UTR-KILL-1")])
        runs = tmp_path / "var" / "dbt"
        earlier = set(runs.iterdir())
        killed = _pipeline(env, log)
        deadline = time.monotonic() + 600
        while not _dbt_builds(runs, earlier):
            assert killed.poll() is None, f"de run eindigde voor dbt begon:\n{_tail(log)}"
            assert time.monotonic() < deadline, "dbt begon niet"
            time.sleep(0.2)
        time.sleep(1)  # in the middle of dbt build
        assert killed.poll() is None and _dbt_builds(runs, earlier), "dbt was al klaar voor de run werd gestopt"
        os.killpg(killed.pid, signal.SIGKILL)
        killed.wait(timeout=60)
        assert _served(serving_dir) == (version, experiments, 0)  # the copy the pages read is untouched

        recovered = _pipeline(env, log)
        assert recovered.wait(timeout=900) == 0, _tail(log)
        after, count, new = _served(serving_dir)
        assert after != version and count == experiments + 1 and new == 1
        with duckdb.connect(str(tmp_path / "var" / "warehouse.duckdb"), read_only=True) as con:
            loads = con.execute("select count(*) from raw.experimenten where experiment_id = 'UTR-KILL-1'").fetchone()[0]
        assert loads == 1  # loaded once, though the killed run had loaded it before dbt
        time.sleep(1)  # the reader sees the new version too
    finally:
        stop.touch()
        reader.wait(timeout=120)
    reads = json.loads(answer.read_text())
    assert reads["errors"] == [], reads["errors"]
    assert reads["reads"] >= 20 and version in reads["versions"] and after in reads["versions"]
    assert reads["counts"] == [experiments, experiments + 1]
