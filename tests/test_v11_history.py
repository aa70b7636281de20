"""Standard v1.1 end to end, on a platform folder of its own: Utrecht delivers twice.

The first delivery (received 1 March 2025) holds three experiments, lessons that name their learning
question, a decided dilemma and a zelfscan. The second (received 15 September 2025) moves an experiment to
opschaling, withdraws a lesson and an experiment (which takes its lesson with it) and adds a zelfscan. The
received dates are the files' times in the landing zone, as for any landed delivery.

After each delivery the real pipeline runs (Dagster, dbt with its tests, the serving copy); then the test
asks what a user would: `ida status --json`, `ida experiment --json`, the marts, the pages in headless
Chromium, and the real local CKAN (under the publishing lock the other CKAN tests hold too).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from datetime import date, datetime, timezone
from pathlib import Path

import dagster as dg
import pytest
import requests

from ida.settings import Settings
from ida.warehouse import serving

IDA = str(Path(sys.executable).with_name("ida"))
FIRST, SECOND = datetime(2025, 3, 1, 12, tzinfo=timezone.utc), datetime(2025, 9, 15, 12, tzinfo=timezone.utc)
E1, E2, E3 = "UTR-V11-1", "UTR-V11-2", "UTR-V11-3"
QUESTIONS = ("Werkt het meten met goedkope sensoren?", "Wie beheert de data na afloop?")
RECOMMENDATIONS = ("visie_commitment", "uitvoeringsprogramma", "fundament_gegevens", "fundament_systemen",
                   "collectieve_verantwoordelijkheid", "integrale_verantwoordelijkheid")
DECISION = "Doorgaan, met een DPIA vooraf en jaarlijkse verantwoording aan PS."
REASON_LESSON = "Dubbel met de eerste les; per abuis nogmaals aangeleverd."
REASON_EXPERIMENT = "Geen experiment van de provincie maar van een gemeente."


def write(folder: Path, received: datetime, tables: dict[str, list[dict[str, str]]]) -> None:
    """One landed delivery, its files dated `received` (a landed delivery is received when its newest file was written)."""
    folder.mkdir(parents=True)
    for name, rows in tables.items():
        with (folder / f"{name}.csv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
            writer.writeheader()
            writer.writerows(rows)
        os.utime(folder / f"{name}.csv", (received.timestamp(), received.timestamp()))


def experiment(experiment_id: str, phase: str, **extra: str) -> dict[str, str]:
    return {"experiment_id": experiment_id, "provincie": "PV26", "titel": f"Proef {experiment_id}",
            "kerntaak": "bereikbaarheid", "ida_spoor": "maatschappelijke_opgaven", "fase": phase,
            "leervragen": "|".join(QUESTIONS) if experiment_id == E1 else "", **extra}


def lesson(les_id: str, experiment_id: str, **extra: str) -> dict[str, str]:
    row = {"les_id": les_id, "experiment_id": experiment_id, "datum": "2025-02-01", "leerrichting": "horizontaal",
           "categorie": "gegevensmanagement", "les": f"Les {les_id}.", "dilemma": "nee", "escalatieniveau": "",
           "status": "open", "leervraag": "", "besluit": "", "besloten_door": "", "besloten_op": ""}
    return {**row, **extra}


def scan(reference: str, levels: tuple[int, ...]) -> list[dict[str, str]]:
    return [{"provincie": "PV26", "peildatum": reference, "aanbeveling": code, "niveau": str(level)}
            for code, level in zip(RECOMMENDATIONS, levels)]


FIRST_DELIVERY = {
    "experimenten": [experiment(E1, "experiment"), experiment(E2, "idee"), experiment(E3, "verkenning")],
    "lessen": [lesson(f"{E1}-L1", E1, leervraag="1"),
               lesson(f"{E1}-L2", E1, leerrichting="verticaal", categorie="governance", dilemma="ja",
                      escalatieniveau="gs", status="besloten", besluit=DECISION, besloten_door="gs", besloten_op="12-04-2025"),
               lesson(f"{E1}-L3", E1, leervraag="Wie beheert de data na afloop?"),
               lesson(f"{E3}-L1", E3)],
    "zelfscan": scan("2024-12-31", (2, 2, 1, 3, 2, 1)),
}
SECOND_DELIVERY = {
    "experimenten": [experiment(E1, "opschaling")],
    "intrekkingen": [{"soort": "les", "id": f"{E1}-L3", "reden": REASON_LESSON, "datum": ""},
                     {"soort": "experiment", "id": E3, "reden": REASON_EXPERIMENT, "datum": "10-09-2025"}],
    "zelfscan": scan("2025-06-30", (3, 2, 2, 3, 4, 1)),
}


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """A platform folder of its own (an empty landing zone beside it), whatever other tests set in os.environ."""
    root = tmp_path_factory.mktemp("v11")
    (root / "landing").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDA_", "CKAN_URL", "CKAN_API_TOKEN", "DAGSTER_HOME"))}
    return {**env, "IDA_VAR_DIR": str(root / "var"), "IDA_LANDING": str(root / "landing")}


def run(env: dict[str, str]) -> None:
    from orchestration.pipeline import run_pipeline

    result = run_pipeline("PV26", dg.DagsterInstance.ephemeral(), settings=Settings.from_env(env))
    assert result.success, "\n".join(result.summary)


def ida(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([IDA, *args], capture_output=True, text=True, env=env, timeout=120)


def marts(env: dict[str, str]):
    return serving.connect(Settings.from_env(env).serving_dir)


@pytest.fixture(scope="module")
def first(platform: dict[str, str]) -> dict[str, str]:
    write(Path(platform["IDA_LANDING"]) / "PV26" / "2025-03-01-eerste", FIRST, FIRST_DELIVERY)
    run(platform)
    return platform


@pytest.fixture(scope="module")
def second(first: dict[str, str], ckan_first_publish) -> dict[str, str]:
    write(Path(first["IDA_LANDING"]) / "PV26" / "2025-09-15-tweede", SECOND, SECOND_DELIVERY)
    run(first)
    return first


# --- CKAN: published after each delivery, under the lock the other publishing tests hold ------------------

@pytest.fixture(scope="module")
def ckan_session(ckan, first) -> Iterator[dict]:
    from catalog import ckan_dicts, publish
    from local_ckan import publish_lock, purge_published

    admin = publish.connect(ckan["url"], ckan["sysadmin_token"])
    names = {ckan_dicts.dataset_name("PV26", e) for e in (E1, E2, E3)} | {"ipo-zelfscan-volwassenheid"}
    with publish_lock(wait_seconds=1800):
        purge_published(admin, names)
        yield {"admin": admin, "names": names}
        purge_published(admin, names)


def publish_now(env: dict[str, str], admin):
    from catalog import publish

    with marts(env) as con:
        report = publish.publish(admin, con, workers=2)
    assert report.ok, report.failures
    return report


@pytest.fixture(scope="module")
def ckan_first_publish(ckan_session, first):
    return publish_now(first, ckan_session["admin"])


@pytest.fixture(scope="module")
def ckan_second_publish(ckan_session, second):
    return publish_now(second, ckan_session["admin"])


# --- after the first delivery --------------------------------------------------------------------

def test_the_first_delivery_holds_one_phase_and_one_scan(first) -> None:
    with marts(first) as con:
        history = con.execute("select experiment_id, phase, started_on, ended_on from marts.phase_history "
                              "order by experiment_id").fetchall()
        scans = con.execute("select count(*), min(reference_date) from marts.maturity").fetchone()
    assert history == [(E1, "experiment", date(2025, 3, 1), None), (E2, "idee", date(2025, 3, 1), None),
                       (E3, "verkenning", date(2025, 3, 1), None)]
    assert scans == (6, date(2024, 12, 31))


def test_ckan_first_holds_every_experiment_active(ckan_first_publish, ckan_session) -> None:
    from catalog import ckan_dicts

    shown = ckan_session["admin"].action.package_show(id=ckan_dicts.dataset_name("PV26", E3))
    assert shown["status_publicatie"] == "actief" and shown["fase"] == "verkenning"


# --- after the second delivery -------------------------------------------------------------------

def test_status_json_counts_what_is_not_withdrawn_and_shows_the_latest_scan(second) -> None:
    done = ida(second, "status", "--json")
    assert done.returncode == 0, done.stderr
    provinces = {p["code"]: p for p in json.loads(done.stdout)["provinces"]}
    utrecht = provinces["PV26"]
    assert (utrecht["experiments"], utrecht["lessons"]) == (2, 2)  # E3 and L3 withdrawn, E3-L1 with its experiment
    assert utrecht["withdrawn"] == {"experiments": 1, "lessons": 2}
    assert utrecht["maturity"] == {"peildatum": "2025-06-30", "levels": dict(zip(RECOMMENDATIONS, (3, 2, 2, 3, 4, 1)))}
    assert list(utrecht["maturity"]["levels"]) == list(RECOMMENDATIONS)  # in the report's order
    assert provinces["PV20"]["maturity"] is None and provinces["PV20"]["withdrawn"] == {"experiments": 0, "lessons": 0}


def test_experiment_json_shows_one_experiment_whole(second) -> None:
    done = ida(second, "experiment", f"PV26:{E1}", "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout)
    assert (record["experiment_key"], record["title"], record["phase"]) == (f"PV26:{E1}", f"Proef {E1}", "opschaling")
    assert record["phase_history"] == [{"phase": "experiment", "since": "2025-03-01"},
                                       {"phase": "opschaling", "since": "2025-09-15"}]
    assert [lesson["lesson_key"] for lesson in record["lessons"]] == [f"PV26:{E1}-L1", f"PV26:{E1}-L2"]
    assert record["learning_questions"] == [{"question": QUESTIONS[0], "answered_by": [f"PV26:{E1}-L1"]},
                                            {"question": QUESTIONS[1], "answered_by": []}]  # its answer was withdrawn
    decided = record["lessons"][1]
    assert (decided["decision"], decided["decided_by"], decided["decided_on"], decided["days_to_decision"]) == (
        DECISION, "gs", "2025-04-12", 70)
    assert record["results"] == []


def test_experiment_of_a_withdrawn_or_unknown_key_is_a_dutch_error(second) -> None:
    withdrawn = ida(second, "experiment", f"PV26:{E3}")
    assert withdrawn.returncode == 1
    assert "is ingetrokken op 2025-09-10" in withdrawn.stderr and REASON_EXPERIMENT[:20] in " ".join(withdrawn.stderr.split())
    unknown = ida(second, "experiment", "Utrecht:BESTAAT-NIET", "--json")
    assert unknown.returncode == 1 and "geen experiment BESTAAT-NIET van Utrecht" in unknown.stderr
    assert unknown.stdout == "" and "Traceback" not in unknown.stderr


def test_the_marts_hold_the_history_the_withdrawals_and_the_decisions(second) -> None:
    with marts(second) as con:
        def rows(sql: str) -> list[tuple]:
            return con.execute(sql).fetchall()

        assert rows("select experiment_id from marts.experiments order by 1") == [(E1,), (E2,)]
        assert rows("select lesson_id from marts.lessons order by 1") == [(f"{E1}-L1",), (f"{E1}-L2",)]
        assert rows("select record_kind, record_id, reason, withdrawn_on, is_withdrawn_with_experiment from marts.withdrawn "
                    "order by record_kind, record_id") == [
            ("experiment", E3, REASON_EXPERIMENT, date(2025, 9, 10), False),
            ("les", f"{E1}-L3", REASON_LESSON, date(2025, 9, 15), False),  # no datum: the delivery's date
            ("les", f"{E3}-L1", REASON_EXPERIMENT, date(2025, 9, 10), True)]
        assert rows(f"select phase, started_on, ended_on, days_in_phase from marts.phase_history "
                    f"where experiment_id = '{E1}' order by phase_number")[0] == (
            "experiment", date(2025, 3, 1), date(2025, 9, 15), 198)
        assert rows("select experiments_scaled, median_days_to_scaling from marts.scaling_time_core_task "
                    "where core_task = 'bereikbaarheid'") == [(1, 198.0)]
        assert rows("select year, phase, changes from marts.phase_changes_by_year") == [(2025, "opschaling", 1)]
        assert rows("select decision, days_to_decision from marts.dilemma_decisions") == [(DECISION, 70)]
        assert rows("select decisions, median_days_to_decision from marts.dilemma_decision_times where decided_by = 'gs'") == [
            (1, 70.0)]
        assert rows("select reference_date, count(*), bool_and(is_latest_scan), sum(level_change) from marts.maturity "
                    "group by 1 order by 1") == [(date(2024, 12, 31), 6, False, None), (date(2025, 6, 30), 6, True, 4)]
        assert rows("select experiments, lessons, withdrawn_experiments, withdrawn_lessons from marts.provinces "
                    "where code = 'PV26'") == [(2, 2, 1, 2)]


def test_a_later_delivery_brings_a_withdrawn_lesson_back(second, tmp_path: Path) -> None:
    """Latest delivery wins per key: the warehouse's copy gets a third delivery with L3 again; the marts have it back."""
    import shutil

    import duckdb

    settings = Settings.from_env(second)
    copy = tmp_path / "warehouse.duckdb"
    shutil.copy(settings.warehouse, copy)
    with duckdb.connect(str(copy)) as con:
        con.execute("insert into raw.deliveries select 'derde', province_code, source_kind, source, file_names, "
                    "received_at + interval 30 day, loaded_at + interval 30 day from raw.deliveries "
                    "order by received_at desc limit 1")
        con.execute(f"insert into raw.lessen select * replace ('derde' as delivery_id, loaded_at + interval 400 day as loaded_at) "
                    f"from raw.lessen where les_id = '{E1}-L3'")
    done = subprocess.run([str(Path(sys.executable).with_name("dbt")), "build", "--quiet", "--select",
                           "int_withdrawals_applied+", "--exclude", "resource_type:unit_test",
                           "--vars", json.dumps({"warehouse": str(copy)}), "--target-path", str(tmp_path / "target")],
                          cwd=Path(__file__).resolve().parents[1] / "dbt_project", capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-3000:]
    with duckdb.connect(str(copy), read_only=True) as con:
        assert con.execute(f"select count(*) from marts.lessons where lesson_id = '{E1}-L3'").fetchone()[0] == 1
        assert con.execute("select record_id from marts.withdrawn order by 1").fetchall() == [(E3,), (f"{E3}-L1",)]


def screenshot(tab, name: str) -> None:
    """The whole page (Streamlit scrolls inside its main area: grow the window to the content first)."""
    from streamlit_browser import SCREENSHOTS

    height = tab.evaluate("""() => Math.max(document.body.scrollHeight,
        ...[...document.querySelectorAll('[data-testid="stMain"]')].map(e => e.scrollHeight))""")
    size = tab.viewport_size
    tab.set_viewport_size({"width": size["width"], "height": min(int(height) + 40, 12_000)})
    tab.wait_for_timeout(700)
    tab.screenshot(path=str(SCREENSHOTS / f"{name}.png"), full_page=True)
    tab.set_viewport_size(size)


def test_the_pages_show_maturity_time_decisions_and_withdrawals(second, page, tmp_path_factory) -> None:
    from streamlit_browser import SCREENSHOTS, settle, streamlit_server

    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log = tmp_path_factory.mktemp("streamlit-v11") / "streamlit.log"
    with streamlit_server(second, log, 90) as url:
        def open_page(path: str, title: str) -> str:
            page.goto(f"{url}/{path}")
            settle(page)
            page.wait_for_selector("h1", timeout=30_000)
            page.wait_for_function(
                "() => [...document.querySelectorAll('[data-testid=\"stVegaLiteChart\"]')]"
                ".every(c => c.querySelector('canvas, svg'))", timeout=30_000)
            assert page.locator('[data-testid="stException"]').count() == 0, path
            assert page.locator("h1").first.inner_text().strip() == title
            screenshot(page, f"v11-{path}")
            return page.locator('[data-testid="stMain"]').inner_text()

        maturity = open_page("volwassenheid", "Volwassenheid")
        assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 2  # the heatmap and the trend
        assert "1 van 12" in maturity and "Wie kunt u het vragen?" in maturity

        scaling = open_page("voorbij_experimenteren", "Voorbij het experimenteren")
        assert "Hoe lang duurt het?" in scaling and "Het langst in dezelfde fase" in scaling
        assert "Nog geen experiment ging" not in scaling and "Nog geen faseovergangen" not in scaling

        dilemmas = open_page("dilemmas", "Dilemma's")
        assert DECISION in dilemmas and "na 70 dagen" in dilemmas and "besloten door Gedeputeerde Staten" in dilemmas

        withdrawn = open_page("ingetrokken", "Ingetrokken")
        assert REASON_LESSON in withdrawn and REASON_EXPERIMENT in withdrawn and f"Les {E1}-L3." in withdrawn


def test_ckan_marks_the_withdrawn_experiment_and_publishes_the_zelfscan(ckan_second_publish, ckan_session) -> None:
    from catalog import ckan_dicts

    admin = ckan_session["admin"]
    outcomes = {o.name: o for o in ckan_second_publish.outcomes}
    gone = ckan_dicts.dataset_name("PV26", E3)
    assert (outcomes[gone].status, outcomes[gone].message) == ("withdrawn", "door de provincie ingetrokken")
    shown = admin.action.package_show(id=gone)
    assert shown["state"] == "active" and shown["status_publicatie"] == "ingetrokken"  # marked, never deleted
    assert REASON_EXPERIMENT not in json.dumps(shown)  # the reason is for the coordinators only
    scaled = admin.action.package_show(id=ckan_dicts.dataset_name("PV26", E1))
    assert (scaled["fase"], scaled["status_publicatie"]) == ("opschaling", "actief")
    lessons_csv = requests.get(next(r["url"] for r in scaled["resources"] if r["name"] == "Lessen"), timeout=30).text
    assert f"{E1}-L1" in lessons_csv and f"{E1}-L3" not in lessons_csv
    maturity = admin.action.package_show(id="ipo-zelfscan-volwassenheid")
    assert maturity["organization"]["name"] == "ipo"
    rows = list(csv.DictReader(requests.get(maturity["resources"][0]["url"], timeout=30).text.splitlines()))
    assert len(rows) == 12 and {r["province_code"] for r in rows} == {"PV26"}
    assert [r["level"] for r in rows if r["reference_date"] == "2025-06-30"] == ["3", "2", "2", "3", "4", "1"]


def test_the_code_location_holds_the_v11_assets(platform) -> None:
    """The new raw tables and marts are Dagster assets, downstream of what they read (a rename shows up here)."""
    from orchestration.definitions import build_defs

    graph = build_defs(Settings.from_env(platform)).resolve_asset_graph()
    keys = {key.to_user_string() for key in graph.get_all_asset_keys()}
    assert {"raw/zelfscan", "raw/intrekkingen", "vocab/aanbevelingen", "vocab/volwassenheidsniveaus",
            "vocab/intrekkingssoorten", "staging/stg_raw__self_assessments", "staging/stg_raw__withdrawals",
            "intermediate/int_withdrawals_applied", "intermediate/int_experiments_phase_history",
            "marts/maturity", "marts/withdrawn", "marts/phase_history", "marts/scaling_time_core_task",
            "marts/phase_changes_by_year", "marts/dilemma_decisions", "marts/dilemma_decision_times"} <= keys
    assert dg.AssetKey(["raw", "intrekkingen"]) in graph.get(dg.AssetKey(["staging", "stg_raw__withdrawals"])).parent_keys
    assert dg.AssetKey(["marts", "withdrawn"]) in graph.get(dg.AssetKey(["marts", "provinces"])).parent_keys
    assert dg.AssetKey(["marts", "maturity"]) in graph.get(dg.AssetKey("serving_copy")).parent_keys
