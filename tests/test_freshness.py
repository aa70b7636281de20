"""Work proportional to the change (orchestration/freshness.py): a run with nothing new changes nothing and
builds no dbt model; a run after one province's new delivery redoes only that province, and its serving
copy and export are exactly what a full build would have made. Real Dagster runs, real dbt, real DuckDB."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from catalog import export
from ida import search
from ida.settings import SAMPLES_DIR, DcatSettings, Settings
from ida.warehouse import serving
from orchestration import freshness

SCREENFUL = 25


# --- the plans, on their own --------------------------------------------------------------------

def test_a_step_never_done_redoes_everything(tmp_path: Path) -> None:
    assert freshness.step_plan(tmp_path, freshness.EXPORT).full
    freshness.write_state(tmp_path, freshness.BUILD, freshness.StepState("p1", {"PV26": "a", "PV27": "b"}, "marts-1.duckdb"))
    plan = freshness.step_plan(tmp_path, freshness.EXPORT)
    assert plan.full and not plan.nothing


def test_a_step_redoes_only_the_provinces_loaded_since(tmp_path: Path) -> None:
    freshness.write_state(tmp_path, freshness.EXPORT, freshness.StepState("p1", {"PV26": "a", "PV27": "b"}, "marts-1.duckdb"))
    freshness.write_state(tmp_path, freshness.BUILD, freshness.StepState("p1", {"PV26": "a", "PV27": "c", "PV28": "d"}, "marts-2.duckdb"))
    assert freshness.step_plan(tmp_path, freshness.EXPORT).provinces() == ["PV27", "PV28"]
    freshness.write_state(tmp_path, freshness.EXPORT, freshness.read_state(tmp_path, freshness.BUILD))
    assert freshness.step_plan(tmp_path, freshness.EXPORT).nothing


def test_a_changed_project_redoes_everything(tmp_path: Path) -> None:
    freshness.write_state(tmp_path, freshness.EXPORT, freshness.StepState("p1", {"PV26": "a"}, "marts-1.duckdb"))
    freshness.write_state(tmp_path, freshness.BUILD, freshness.StepState("p2", {"PV26": "a"}, "marts-2.duckdb"))
    assert freshness.step_plan(tmp_path, freshness.EXPORT).full


def test_the_project_fingerprint_follows_the_sources(tmp_path: Path) -> None:
    project, vocabularies = tmp_path / "dbt", tmp_path / "vocab"
    (project / "models").mkdir(parents=True)
    vocabularies.mkdir()
    (project / "models" / "a.sql").write_text("select 1")
    (vocabularies / "fasen.csv").write_text("code\nidee\n")
    first = freshness.project_fingerprint(project, vocabularies)
    (project / "target").mkdir()
    (project / "target" / "manifest.json").write_text("{}")  # build output is not a source
    assert freshness.project_fingerprint(project, vocabularies) == first
    (vocabularies / "fasen.csv").write_text("code\nidee\nverkenning\n")
    assert freshness.project_fingerprint(project, vocabularies) != first


def test_the_export_finds_each_provinces_lines_as_bytes() -> None:
    """An increment copies the kept provinces' lines of datasets.jsonl as byte ranges (ordered by province)."""
    line = lambda province, extra="": export._line({"name": f"{province}-x", "provincie": province, "lessen": [  # noqa: E731
        {"provincie": province, "les": f'een "les" over {extra}'}]})
    data = (line("PV20") + line("PV20", '"provincie": "PV25"') + line("PV22")).encode("utf-8")
    blocks = export._blocks(data)
    assert list(blocks) == ["PV20", "PV22"]
    assert data[slice(*blocks["PV20"])].decode("utf-8") == line("PV20") + line("PV20", '"provincie": "PV25"')
    assert data[slice(*blocks["PV22"])].decode("utf-8") == line("PV22")
    assert export._blocks(b"") == {}
    assert export._blocks(b'{"name": "zonder provincie"}\n' + data) is None  # not an export of ours: rewritten whole


# --- real runs on the samples ---------------------------------------------------------------------

@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """A platform of its own (the samples plus an empty landing zone), built once: these tests deliver to it,
    and the other tests' platform stays as the samples made it."""
    var = tmp_path_factory.mktemp("fresh")
    (var / "landing").mkdir()
    settings = Settings.from_env({"IDA_VAR_DIR": str(var), "IDA_LANDING": os.pathsep.join([str(SAMPLES_DIR), str(var / "landing")])})
    run(settings)
    return settings


def run(settings: Settings, province: str | None = None, **options):
    from orchestration.pipeline import run_pipeline

    options.setdefault("dagster_instance", dg.DagsterInstance.ephemeral())
    result = run_pipeline(province, settings=settings, **options)
    assert result.success, "\n".join(result.summary)
    return result


def tables(path: Path) -> dict[str, list[tuple]]:
    """Every served table's rows, sorted (an increment may store them in another order)."""
    with duckdb.connect(str(path), read_only=True) as con:
        names = con.execute("select schema_name, table_name from duckdb_tables() where schema_name in ('marts', 'vocab')").fetchall()
        return {f"{s}.{t}": sorted(con.execute(f'select * from "{s}"."{t}"').fetchall(), key=repr) for s, t in names}


def index(path: Path) -> dict[str, dict[tuple[str, str], float]]:
    """A serving copy's search index as what it finds: per kind, (token, document key) → BM25 weight."""
    import bm25s

    found = {}
    with duckdb.connect(str(path), read_only=True) as con:
        for kind in ("lessons", "experiments"):
            keys = [k for (k,) in con.execute(f"select key from search.{kind} order by doc_id").fetchall()]
            bm25 = bm25s.BM25.load(str(search.index_dir(path) / kind))
            data, indices, indptr = bm25.scores["data"], bm25.scores["indices"], bm25.scores["indptr"]
            found[kind] = {(token, keys[indices[at]]): round(float(data[at]), 4)
                           for token, column in bm25.vocab_dict.items() if column < len(indptr) - 1
                           for at in range(indptr[column], indptr[column + 1])}
    return found


def files(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def ida_pipeline(settings: Settings, *arguments: str, tmp_path: Path) -> list[str]:
    """`ida pipeline` as `make pipeline > file` runs it: stdout to a file, no terminal."""
    out = tmp_path / "pipeline.out"
    env = {**os.environ, "IDA_VAR_DIR": str(settings.var_dir), "IDA_WAREHOUSE": str(settings.warehouse),
           "IDA_LANDING": os.pathsep.join(map(str, settings.landing_dirs)), "IDA_SERVING_DIR": str(settings.serving_dir),
           "IDA_EXPORT_DIR": str(settings.export_dir), "DAGSTER_HOME": str(settings.dagster_home), "CKAN_URL": ""}
    with out.open("w") as handle:
        done = subprocess.run([str(Path(sys.executable).with_name("ida")), "pipeline", *arguments], stdout=handle,
                              stderr=subprocess.STDOUT, env=env, timeout=1800)
    lines = out.read_text(encoding="utf-8").splitlines()
    assert done.returncode == 0, "\n".join(lines)
    return lines


@pytest.fixture()
def caught_up(platform: Settings) -> Settings:
    """Every step up to date with whatever the tests before delivered."""
    run(platform)
    return platform


def delivery(settings: Settings, province: str, name: str) -> Path:
    folder = settings.landing_dirs[-1] / province / name
    folder.mkdir(parents=True)
    return folder


def test_nothing_new_changes_nothing(caught_up: Settings, tmp_path: Path) -> None:
    served = serving.current(caught_up.serving_dir)
    served_before = (served.stat().st_mtime_ns, hashlib.sha256(served.read_bytes()).hexdigest())
    export_before = files(caught_up.export_dir)
    result = run(caught_up)
    assert result.nothing_new and result.models_built == 0
    assert [s.status for s in result.steps] == ["klaar", "overgeslagen", "overgeslagen", "overgeslagen"]
    assert result.checks_passed == 0  # no dbt test ran either: nothing was built
    assert serving.current(caught_up.serving_dir) == served
    assert (served.stat().st_mtime_ns, hashlib.sha256(served.read_bytes()).hexdigest()) == served_before
    assert files(caught_up.export_dir) == export_before
    # the command stops before starting Dagster, and says so
    lines = ida_pipeline(caught_up, tmp_path=tmp_path)
    assert len(lines) == 1 and lines[0].startswith("Niets nieuw; niets opnieuw gebouwd")
    assert serving.current(caught_up.serving_dir) == served


def test_one_province_is_redone_alone_and_completely(caught_up: Settings, tmp_path: Path) -> None:
    before = tables(serving.current(caught_up.serving_dir))
    export_before = files(caught_up.export_dir)
    folder = delivery(caught_up, "PV27", "2026-12-01-nieuwe-les")
    (folder / "lessen.csv").write_text(
        "les_id,experiment_id,datum,leerrichting,categorie,les,dilemma,publieke_waarden,escalatieniveau,status\n"
        "NH-FRIS-L1,NHO-2019-06,2026-11-30,horizontaal,governance,Wie de data beheert moet vooraf vastliggen.,nee,,,\n",
        encoding="utf-8")
    with duckdb.connect(str(caught_up.warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.experimenten where province_code = 'PV27' "
                           "and experiment_id = 'NHO-2019-06'").fetchone()[0] > 0, "the samples changed: pick another experiment"

    lines = ida_pipeline(caught_up, "--province", "PV27", tmp_path=tmp_path)
    assert len(lines) <= SCREENFUL, "\n".join(lines)
    assert any(line.startswith("dbt bouwen en testen") for line in lines)
    # the export made one dataset anew, that of the experiment the lesson belongs to; it reused PV27's others
    assert "1 herschreven" in next(line for line in lines if line.startswith("Serveerkopie en export"))
    log = next(line for line in lines if line.startswith("Logboek")).split(": ", 1)[1]
    assert "Done. PASS=" in Path(log).read_text(encoding="utf-8")  # dbt's output went to the log, not the screen

    after = tables(serving.current(caught_up.serving_dir))
    assert after.keys() == before.keys()
    with duckdb.connect(str(serving.current(caught_up.serving_dir)), read_only=True) as con:
        with_province = {f"{s}.{t}" for s, t in con.execute(
            "select schema_name, table_name from duckdb_columns() where column_name = 'province_code' "
            "and schema_name in ('marts', 'vocab')").fetchall()}
        assert con.execute("select count(*) from marts.lessons where lesson_key = 'PV27:NH-FRIS-L1'").fetchone()[0] == 1
    assert {"marts.experiments", "marts.lessons", "marts.results"} <= with_province
    for name in with_province:
        with duckdb.connect(str(serving.current(caught_up.serving_dir)), read_only=True) as con:
            position = [d[0] for d in con.execute(f"select * from {name} limit 0").description].index("province_code")
        others = lambda rows: [r for r in rows if r[position] != "PV27"]  # noqa: E731
        assert others(after[name]) == others(before[name]), f"{name}: rows of other provinces changed"

    # complete: the increment is what a full copy of the warehouse gives, and the export what a full export gives
    full_copy = serving.publish(caught_up.warehouse, tmp_path / "full-serving")
    assert tables(full_copy) == after
    # the search index too: only PV27's documents were tokenised again, yet every weight is the full build's
    assert index(full_copy) == index(serving.current(caught_up.serving_dir))
    with serving.connect(tmp_path / "full-serving") as con:
        export.write_export(con, tmp_path / "full-export")
    assert files(caught_up.export_dir) == files(tmp_path / "full-export")
    changed = {name for name, digest in files(caught_up.export_dir).items() if export_before.get(name) != digest}
    assert changed and all(name.startswith(("resources/provincie-noord-holland/pv27-nho-2019-06-", "resources/ipo/"))
                           or "/" not in name for name in changed), changed


def test_a_province_that_withdraws_everything_keeps_nothing_in_the_marts(caught_up: Settings, tmp_path: Path) -> None:
    """An increment replaces a province's rows even when it has none left: its last experiments withdrawn take
    their lessons and results with them, in the marts and the serving copy as in a full build."""
    with duckdb.connect(str(caught_up.warehouse), read_only=True) as con:
        ids = [i for (i,) in con.execute("select experiment_id from marts.experiments where province_code = 'PV25'").fetchall()]
        assert con.execute("select count(*) from marts.lessons where province_code = 'PV25'").fetchone()[0] > 0
    (delivery(caught_up, "PV25", "2026-12-03-alles-ingetrokken") / "intrekkingen.csv").write_text(
        "soort,id,reden,datum\n" + "".join(f"experiment,{i},Opgeheven,2026-12-02\n" for i in ids), encoding="utf-8")
    run(caught_up, "PV25")
    after = tables(serving.current(caught_up.serving_dir))
    for name in ("marts.experiments", "marts.lessons", "marts.results"):
        with duckdb.connect(str(caught_up.warehouse), read_only=True) as con:
            assert con.execute(f"select count(*) from {name} where province_code = 'PV25'").fetchone()[0] == 0, name
    assert tables(serving.publish(caught_up.warehouse, tmp_path / "full-serving")) == after
    with serving.connect(tmp_path / "full-serving") as con:  # the export lost PV25's datasets and files too
        export.write_export(con, tmp_path / "full-export")
    assert files(caught_up.export_dir) == files(tmp_path / "full-export")


def test_an_export_reuses_only_what_the_same_code_and_settings_made(caught_up: Settings, tmp_path: Path) -> None:
    """An increment of the export copies a dataset's line and files only when its content hash is the same, the
    files are there, and the export was made by the same code and settings (export.INDEX); else it makes it anew."""
    target = tmp_path / "export"
    restricted = DcatSettings(access_rights="http://publications.europa.eu/resource/authority/access-right/RESTRICTED")
    with serving.connect(caught_up.serving_dir) as con:
        experiments = con.execute("select count(*) from marts.experiments").fetchone()[0]
        pv27 = con.execute("select count(*) from marts.experiments where province_code = 'PV27'").fetchone()[0]
        assert export.write_export(con, target)["rewritten"] == experiments
        assert export.write_export(con, target, ["PV27"])["rewritten"] == 0
        assert export.write_export(con, target, ["PV27"], restricted)["rewritten"] == experiments
        gone = sorted((target / "resources").rglob("pv27-*-lessen.csv"))[0]
        gone.unlink()
        assert export.write_export(con, target, ["PV27"], restricted)["rewritten"] == 1
    assert gone.is_file()
    lines = (target / export.DATASETS).read_text(encoding="utf-8").splitlines()
    assert len(lines) == experiments and pv27 > 1
    assert {json.loads(line)["access_rights"] for line in lines} == {restricted.access_rights}


def test_an_increment_builds_only_the_marts(caught_up: Settings) -> None:
    folder = delivery(caught_up, "PV28", "2026-12-01-nieuwe-les")
    (folder / "lessen.csv").write_text(
        "les_id,experiment_id,datum,leerrichting,categorie,les,dilemma,publieke_waarden,escalatieniveau,status\n"
        "ZH-FRIS-L1,ZHO-2019-03,2026-11-30,verticaal,governance,Een besluit vraagt een eigenaar.,nee,,,\n",
        encoding="utf-8")
    instance = dg.DagsterInstance.ephemeral()
    increment = run(caught_up, "PV28", dagster_instance=instance)
    detail = {s.key: s.detail for s in increment.steps}["serving_and_export"]
    assert detail.count("bijgewerkt: PV28") == 2, detail  # the serving copy's and the export's
    full = run(caught_up, full=True, dagster_instance=instance)
    assert 0 < increment.models_built < full.models_built  # the views and seeds were left alone
    assert 0 < increment.checks_passed < full.checks_passed  # the full build runs every data test
    # Dagster planned the checks the increment ran (an event each, before the first step): those on the marts,
    # every one of them, also those that compare a mart with a vocabulary
    planned = {result.run_id: len(instance.get_records_for_run(
        result.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION_PLANNED).records) for result in (increment, full)}
    assert increment.checks_passed == planned[increment.run_id] < planned[full.run_id] == full.checks_passed
    checked = {r.event_log_entry.dagster_event.event_specific_data.asset_check_key.name for r in instance.get_records_for_run(
        increment.run_id, of_type=dg.DagsterEventType.ASSET_CHECK_EVALUATION).records}
    assert "relationships_lessons_core_task__code__ref_kerntaken_" in checked
    assert {s.key: s.detail for s in full.steps}["serving_and_export"].count("bijgewerkt: alles") == 2


def test_two_runs_at_once_take_turns(caught_up: Settings, tmp_path: Path) -> None:
    """As when two provinces submit within one sensor tick: two runs start together, and the second waits for the
    first to finish with the warehouse (ida/warehouse/writer.py) instead of failing on DuckDB's lock."""
    for province in ("PV20", "PV23"):
        with (SAMPLES_DIR / province / "lessen.csv").open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            first, columns = next(reader), reader.fieldnames
        with (delivery(caught_up, province, "2026-12-04-tegelijk") / "lessen.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=columns)
            writer.writeheader()
            writer.writerow({**first, "les_id": f"TEGELIJK-{province}", "les": "Twee runs tegelijk wachten op elkaar."})
    logs = caught_up.var_dir / "logs"
    before = set(logs.glob("*.log"))
    for province in ("PV20", "PV23"):
        (tmp_path / province).mkdir()
    with ThreadPoolExecutor(2) as pool:  # each `ida pipeline` in a process of its own, as the daemon starts runs
        done = list(pool.map(lambda province: ida_pipeline(caught_up, "--province", province, tmp_path=tmp_path / province),
                             ("PV20", "PV23")))
    assert all(lines[-1].startswith("Klaar.") for lines in done), done
    waited = [log for log in set(logs.glob("*.log")) - before if "Wacht tot Dagster-run" in log.read_text(encoding="utf-8")]
    assert len(waited) == 1  # one run waited for the other
    with serving.connect(caught_up.serving_dir) as con:
        assert con.execute("select province_code from marts.lessons where lesson_id like 'TEGELIJK-%' order by 1").fetchall() == [
            ("PV20",), ("PV23",)]


def test_the_export_alone_is_made_from_the_warehouse_and_recorded(caught_up: Settings, tmp_path: Path) -> None:
    """As when the Dagster UI materialises only `catalogue_export`: the serving copy is left alone, the export is
    the full export of the same marts, and the next run knows it is up to date."""
    from orchestration.definitions import build_defs
    from orchestration.pipeline import province_range_tags

    served = serving.current(caught_up.serving_dir)
    freshness.state_path(caught_up.var_dir, freshness.EXPORT).unlink()
    job = build_defs(caught_up).resolve_job_def("ida_pipeline").get_subset(asset_selection={dg.AssetKey("catalogue_export")})
    result = job.execute_in_process(instance=dg.DagsterInstance.ephemeral(), tags=province_range_tags())
    assert result.success
    assert [e.asset_key for e in result.get_asset_materialization_events()] == [dg.AssetKey("catalogue_export")]
    assert serving.current(caught_up.serving_dir) == served
    with serving.connect(caught_up.serving_dir) as con:
        export.write_export(con, tmp_path / "from-serving")
    assert files(caught_up.export_dir) == files(tmp_path / "from-serving")
    assert freshness.step_plan(caught_up.var_dir, freshness.EXPORT).nothing


def test_an_export_that_fails_leaves_the_serving_copy_made_and_is_caught_up_next_run(caught_up: Settings) -> None:
    with duckdb.connect(str(caught_up.warehouse), read_only=True) as con:
        experiment = con.execute("select min(experiment_id) from raw.experimenten where province_code = 'PV29'").fetchone()[0]
    (delivery(caught_up, "PV29", "2026-12-02-nieuwe-les") / "lessen.csv").write_text(
        "les_id,experiment_id,datum,leerrichting,categorie,les,dilemma,publieke_waarden,escalatieniveau,status\n"
        f"FR-NIEUW-L1,{experiment},2026-12-01,horizontaal,governance,Een les die de export mist.,nee,,,\n", encoding="utf-8")
    blocker = caught_up.export_dir.with_name(caught_up.export_dir.name + ".new")
    blocker.write_text("in de weg")  # where the export writes its new folder: the export fails
    export_before = files(caught_up.export_dir)
    try:
        from orchestration.pipeline import run_pipeline

        failed = run_pipeline("PV29", settings=caught_up, dagster_instance=dg.DagsterInstance.ephemeral())
    finally:
        blocker.unlink()
    assert not failed.success
    step = next(s for s in failed.steps if s.key == "serving_and_export")
    assert step.status == "mislukt" and blocker.name in step.detail, step.detail  # the cause, not Dagster's wrapper
    assert any(blocker.name in line for line in failed.summary), failed.summary
    with serving.connect(caught_up.serving_dir) as con:  # the serving copy was made all the same
        assert con.execute("select count(*) from marts.lessons where lesson_id = 'FR-NIEUW-L1'").fetchone()[0] == 1
    assert files(caught_up.export_dir) == export_before
    assert freshness.step_plan(caught_up.var_dir, freshness.EXPORT).provinces() == ["PV29"]
    caught = run(caught_up, "PV29")
    assert "export: " in {s.key: s.detail for s in caught.steps}["serving_and_export"]
    assert any("FR-NIEUW-L1" in p.read_text(encoding="utf-8") for p in (caught_up.export_dir / "resources").rglob("*.csv"))
