"""Curation by IPO coordinators (catalog/curation.py, ida/audit.py, `ida classify`), with real parts: a DCAT
catalogue served on loopback and harvested into a real warehouse, the real pipeline (Dagster, dbt) for
Zeeland, the real serving copy, the intake archive and validator, and the `ida` command in a subprocess.

The platform folder is this module's own, so the marts other tests count stay as they were.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import dagster as dg
import duckdb
import pytest

from catalog import curation
from catalog.harvest import DcatSource, harvest_source
from ida import audit
from ida.errors import NotAuthorised, UsageError
from ida.intake import submissions, tokens
from ida.intake.validation import validate
from ida.settings import REPO_ROOT, SAMPLES_DIR, Settings
from ida.warehouse import raw as warehouse
from ida.warehouse import serving
from test_harvest import FAST, CatalogueServer, catalogue, serve_catalogue

NO_THEME = "ZL-CUR-1"      # no core task to derive: queued, then classified
OTHER_PUBLISHER = "ZL-CUR-2"  # published by Utrecht in Zeeland's catalogue: queued, cannot be classified, dismissed
MAPPED = "ZL-CUR-3"        # a theme the mapping knows: an experiment at once
FOR_THE_CLI = "ZEE-2021-02"  # no core task either, and the id of one of Zeeland's own experiments: `ida classify`


# ------------------------------------------------------------------------------------------ tokens

def test_coordinator_tokens_and_upload_tokens_are_kept_apart(tmp_path: Path) -> None:
    env = {"IDA_VAR_DIR": str(tmp_path)}
    settings = Settings.from_env(env)
    assert settings.coordinator_tokens == tmp_path / "coordinator_tokens.json"
    coordinator = curation.issue_token(settings, "  Jan   de Vries (IPO) ")
    upload = tokens.issue(settings.upload_tokens, "PV29")

    assert curation.authorise(settings.coordinator_tokens, coordinator) == "Jan de Vries (IPO)"
    assert coordinator not in settings.coordinator_tokens.read_text()  # only its hash
    assert oct(settings.coordinator_tokens.stat().st_mode & 0o777) == "0o600"
    with pytest.raises(NotAuthorised, match="geen coördinatortoken.*uploadtoken van een provincie"):
        curation.authorise(settings.coordinator_tokens, upload)
    with pytest.raises(NotAuthorised, match="onbekend"):
        submissions.authorise(settings.upload_tokens, coordinator)
    with pytest.raises(NotAuthorised, match="IDA_COORDINATOR_TOKEN"):
        curation.authorise(settings.coordinator_tokens, "  ")
    with pytest.raises(UsageError, match="hoogstens 100"):
        curation.issue_token(settings, "x" * 101)
    with pytest.raises(UsageError, match="naam van de coördinator"):
        curation.issue_token(settings, " ")


# ------------------------------------------------------------------------------------------ the audit log

def test_the_audit_log_only_appends_and_skips_an_unfinished_last_line(tmp_path: Path) -> None:
    log = tmp_path / "audit" / "curation.jsonl"
    first = audit.append(log, "Jan", "afwijzen", {"queue_key": "k1", "checksum": "c1"}, {"status": "te_classificeren"},
                         {"status": "afgewezen", "reden": "dubbel"})
    written = log.read_bytes()
    with log.open("ab") as handle:  # a crash in the middle of a write
        handle.write(b'{"id": "half')
    assert [e["id"] for e in audit.entries(log)] == [first["id"]]
    assert oct(log.stat().st_mode & 0o777) == "0o640"

    with log.open("r+b") as handle:  # an operator repairs the file by hand
        handle.truncate(len(written))
    second = audit.append(log, "Piet", "classificeren", {"queue_key": "k2", "checksum": "c2"}, None, {"status": "x"})
    assert log.read_bytes().startswith(written)
    found = audit.entries(log)
    assert [(e["who"], e["action"], e["before"], e["after"]) for e in found] == [
        ("Jan", "afwijzen", {"status": "te_classificeren"}, {"status": "afgewezen", "reden": "dubbel"}),
        ("Piet", "classificeren", None, {"status": "x"})]
    assert found[1]["id"] == second["id"] and found[0]["at"] <= found[1]["at"]


def test_a_writer_waits_for_the_one_holding_the_log(tmp_path: Path) -> None:
    log = tmp_path / "curation.jsonl"
    order: list[str] = []
    holding = threading.Event()

    def slow() -> None:
        with audit.exclusive(log) as write:
            holding.set()
            time.sleep(0.5)
            order.append("eerste")
            write("A", "afwijzen", {"n": 1}, None, None)

    thread = threading.Thread(target=slow)
    thread.start()
    holding.wait(5)
    audit.append(log, "B", "afwijzen", {"n": 2})
    order.append("tweede")
    thread.join()
    assert order == ["eerste", "tweede"]
    assert [e["who"] for e in audit.entries(log)] == ["A", "B"]


def test_a_dismissal_starts_a_pipeline_run_for_its_province_once(tmp_path: Path) -> None:
    """The sensor that starts a run per accepted submission (a classification is one) also starts one per
    dismissal, so the record leaves the queue without waiting for the morning run."""
    from orchestration.deliveries import accepted_submissions
    from orchestration.pipeline import RANGE_END_TAG, RANGE_START_TAG
    from orchestration.resources import LandingZoneResource, ServingResource

    log = tmp_path / "curation.jsonl"
    entry = audit.append(log, "Jan", curation.DISMISS, {"province_code": "PV29", "queue_key": "k", "checksum": "c"},
                         None, {"status": "afgewezen", "reden": "dubbel"})
    zone = LandingZoneResource(dirs=[], submissions_dir=str(tmp_path / "submissions"), audit_log=str(log))
    with dg.DagsterInstance.ephemeral() as instance:
        outputs = ServingResource(serving_dir=str(tmp_path / "serving"), export_dir=str(tmp_path / "export"))
        requests = list(accepted_submissions(dg.build_sensor_context(instance=instance, resources={
            "landing_zone": zone, "outputs": outputs})))
    assert [(r.run_key, r.tags[RANGE_START_TAG], r.tags[RANGE_END_TAG]) for r in requests] == \
        [(f"besluit-{entry['id']}", "PV29", "PV29")]


def test_a_classification_is_checked_against_the_vocabularies() -> None:
    assert curation.Classification.of("Bereikbaarheid", "EXPERIMENT", "basis op orde") == \
        curation.Classification("bereikbaarheid", "experiment", "basis_op_orde")
    with pytest.raises(UsageError, match="Onbekende kerntaak 'ruimtevaart'. Kies uit: ruimte, "):
        curation.Classification.of("ruimtevaart", "idee", "samenwerking")
    with pytest.raises(UsageError, match="reden"):
        curation.Classification.of("ruimte", "gestopt", "samenwerking")


# ------------------------------------------------------------------------------------------ records from a CKAN portal

def queued_from_ckan(package: dict, tmp_path: Path) -> curation.Queued:
    """A CKAN dataset as the harvest queues it (mapped and validated as catalog.harvest does, no network needed)."""
    from datetime import datetime

    from catalog.harvest.ckan import to_record
    from catalog.harvest.records import validate_batch

    record = to_record(package, "https://data.zeeland.example", "PV29")
    validate_batch([record], "PV29", set())  # what the harvest does next: a record that fails waits in the queue
    assert record.experiment is None and record.reason, "the dataset should have gone to the queue"
    return curation.Queued("k", "PV29", "Zeeland", record.record_id, "ckan", "https://data.zeeland.example", "s",
                           record.url, record.title, record.reason, json.dumps(record.document), record.checksum,
                           datetime(2024, 1, 1))


def delivered(record: curation.Queued, choice: curation.Classification, tmp_path: Path):
    path = tmp_path / "experimenten.json"
    path.write_bytes(curation.delivery(curation.experiment_row(record, choice)))
    return validate([path], "PV29")


def test_a_plain_ckan_dataset_is_classified_into_a_valid_delivery(tmp_path: Path) -> None:
    package = {"id": "3f1c-ab", "name": "oesterbanken-monitoring", "type": "dataset", "title": "Oesterbanken monitoring",
               "notes": "Drones tellen oesters.", "tags": [{"name": "drones"}], "maintainer_email": "data@zeeland.nl",
               "organization": {"name": "provincie-zeeland", "title": "Provincie Zeeland"}}
    record = queued_from_ckan(package, tmp_path)
    assert "Geen kerntaak" in record.reason
    report = delivered(record, curation.Classification.of("vitaal_platteland", "idee", "samenwerking"), tmp_path)
    assert report.accepted, report.errors
    row = report.records["experimenten"][0]
    assert (row["experiment_id"], row["titel"], row["kerntaak"], row["fase"], row["ida_spoor"], row["contact"]) == \
        ("oesterbanken-monitoring", "Oesterbanken monitoring", "vitaal_platteland", "idee", "samenwerking", "data@zeeland.nl")
    # the same record and choice give the same bytes: a retry after a crash is recognised as the same delivery
    choice = curation.Classification.of("vitaal_platteland", "idee", "samenwerking")
    assert curation.delivery(curation.experiment_row(record, choice)) == curation.delivery(curation.experiment_row(record, choice))


def test_a_ckan_experiment_with_a_wrong_value_takes_the_coordinators_choice_but_still_must_meet_the_standard(tmp_path: Path) -> None:
    from test_harvest import experiment

    record = queued_from_ckan(experiment("zl-9", 9, id="id-9", kerntaak="zeevaart"), tmp_path)
    assert "kerntaak" in record.reason
    stopped = curation.Classification.of("ruimte", "gestopt", "basis_op_orde", "Geen budget meer.")
    report = delivered(record, stopped, tmp_path)
    assert report.accepted, report.errors
    row = report.records["experimenten"][0]
    assert (row["experiment_id"], row["kerntaak"], row["fase"], row["reden_gestopt"]) == ("ZL-9", "ruimte", "gestopt", "Geen budget meer.")

    broken = queued_from_ckan(experiment("zl-10", 10, id="id-10", kerntaak="zeevaart", contact="geen-adres"), tmp_path)
    report = delivered(broken, curation.Classification.of("ruimte", "idee", "samenwerking"), tmp_path)
    assert not report.accepted and [f.column for f in report.errors] == ["contact"]


# ------------------------------------------------------------------------------------------ end to end, without a browser

@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A platform folder of its own: Zeeland's samples as landing zone, a harvested DCAT catalogue with two
    records in the queue, the pipeline run once, a coordinator token and Zeeland's upload token."""
    from orchestration.pipeline import run_pipeline

    root = tmp_path_factory.mktemp("curation")
    landing = root / "landing"
    (landing / "PV29").mkdir(parents=True)
    for path in (SAMPLES_DIR / "PV29").iterdir():
        (landing / "PV29" / path.name).write_bytes(path.read_bytes())
    env = {"IDA_VAR_DIR": str(root / "var"), "IDA_LANDING": str(landing), "DAGSTER_HOME": str(root / "dagster")}
    settings = Settings.from_env(env)
    with CatalogueServer() as server:
        graph = catalogue(server.url, [NO_THEME, OTHER_PUBLISHER, MAPPED, FOR_THE_CLI],
                          **{NO_THEME: {"theme": None, "title": "Slimme sluizen: waterpeil voorspellen"},
                             OTHER_PUBLISHER: {"province": "pv26"}, FOR_THE_CLI: {"theme": None}})
        url = serve_catalogue(server, graph)
        with warehouse.connect(settings.warehouse) as con:
            result = harvest_source(con, "PV29", DcatSource(kind="dcat", url=url), options=FAST)
    assert result.ok and result.counts["to_classify"] == 3, result.errors
    run = run_pipeline("PV29", dg.DagsterInstance.ephemeral(), settings=settings)
    assert run.success, "\n".join(run.summary)
    return {"root": root, "env": env, "settings": settings,
            "coordinator": curation.issue_token(settings, "Jan de Vries (IPO)"),
            "PV29": tokens.issue(settings.upload_tokens, "PV29")}


def queued(settings: Settings) -> dict[str, curation.Queued]:
    return {json.loads(q.record_json)["http://purl.org/dc/terms/identifier"][0]: q for q in curation.queue(settings)}


def test_a_provinces_token_can_neither_classify_nor_dismiss(platform: dict) -> None:
    settings = platform["settings"]
    record = queued(settings)[NO_THEME]
    choice = curation.Classification.of("ruimte", "experiment", "maatschappelijke_opgaven")
    with pytest.raises(NotAuthorised, match="geen coördinatortoken"):
        curation.classify(settings, platform["PV29"], record.queue_key, choice)
    with pytest.raises(NotAuthorised, match="geen coördinatortoken"):
        curation.dismiss(settings, platform["PV29"], record.queue_key, "dubbel")
    assert audit.entries(settings.audit_log) == []
    assert not (settings.submissions_dir / "PV29").exists()


def test_classify_and_dismiss_then_the_pipeline_takes_them_in(platform: dict) -> None:
    from orchestration.pipeline import run_pipeline

    settings, token = platform["settings"], platform["coordinator"]
    queue = queued(settings)
    assert set(queue) == {NO_THEME, OTHER_PUBLISHER, FOR_THE_CLI}
    record, other = queue[NO_THEME], queue[OTHER_PUBLISHER]
    assert "Geen kerntaak" in record.reason and "Utrecht" in other.reason

    # another province's record cannot become Zeeland's experiment: refused, nothing written
    with pytest.raises(curation.ClassificationRejected, match="kan geen experiment van Zeeland worden.*Utrecht"):
        curation.classify(settings, token, other.queue_key, curation.Classification.of("ruimte", "idee", "samenwerking"))
    assert audit.entries(settings.audit_log) == [] and not (settings.submissions_dir / "PV29").exists()

    choice = curation.Classification.of("ruimte", "verkenning", "basis_op_orde")
    done = curation.classify(settings, token, record.queue_key, choice)
    assert done.experiment_id == NO_THEME and not done.replaces

    # the delivery: archived as any accepted delivery of Zeeland, with the record it came from
    folder = settings.submissions_dir / "PV29" / done.submission
    meta = json.loads((folder / "meta.json").read_text())
    assert meta["accepted"] and meta["channel"] == "beheer" and meta["counts"]["experimenten"] == 1
    assert meta["origin"]["record_url"] == record.record_url and meta["origin"]["classified_by"] == "Jan de Vries (IPO)"
    assert meta["origin"]["checksum"] == record.checksum
    delivered = folder / "original" / "experimenten.json"
    report = validate([delivered], "PV29")
    assert report.accepted, report.errors
    row = report.records["experimenten"][0]
    assert (row["experiment_id"], row["titel"], row["kerntaak"], row["fase"], row["ida_spoor"]) == \
        (NO_THEME, "Slimme sluizen: waterpeil voorspellen", "ruimte", "verkenning", "basis_op_orde")
    assert row["startdatum"].isoformat() == "2021-03-15" and row["samenvatting"] == "Fietsers meten fijnstof."

    # the audit entry: who (a name, never the token), what, before and after
    [entry] = audit.entries(settings.audit_log)
    assert entry["who"] == "Jan de Vries (IPO)" and entry["action"] == "classificeren"
    assert entry["what"]["queue_key"] == record.queue_key and entry["what"]["record_url"] == record.record_url
    assert entry["before"]["status"] == "te_classificeren" and "Geen kerntaak" in entry["before"]["reason"]
    assert entry["after"].items() >= {"status": "geclassificeerd", "kerntaak": "ruimte", "fase": "verkenning",
                                      "ida_spoor": "basis_op_orde", "experiment_id": NO_THEME,
                                      "submission": done.submission}.items()
    assert token not in settings.audit_log.read_text()

    # decided once: the queue (before the pipeline ran) no longer offers it, a second decision is refused
    assert set(queued(settings)) == {OTHER_PUBLISHER, FOR_THE_CLI}
    with pytest.raises(curation.AlreadyDecided, match="al geclassificeerd door Jan de Vries"):
        curation.dismiss(settings, token, record.queue_key, "toch niet")
    with pytest.raises(UsageError, match="reden"):
        curation.dismiss(settings, token, other.queue_key, "   ")
    with pytest.raises(curation.NotQueued, match="geen record met sleutel 'bestaat-niet'"):
        curation.dismiss(settings, token, "bestaat-niet", "dubbel")

    dismissed = curation.dismiss(settings, token, other.queue_key, "Dit is een project van Utrecht, niet van Zeeland.")
    assert dismissed["after"] == {"status": "afgewezen", "reden": "Dit is een project van Utrecht, niet van Zeeland."}
    assert set(queued(settings)) == {FOR_THE_CLI}

    run = run_pipeline("PV29", dg.DagsterInstance.ephemeral(), settings=settings)
    assert run.success, "\n".join(run.summary)
    with serving.connect(settings.serving_dir) as con:
        still = con.execute("select record_id from marts.to_classify").fetchall()
        assert [r[0].rsplit("/", 1)[-1] for r in still] == [FOR_THE_CLI]
        found = con.execute("select title, core_task, phase, ida_line from marts.experiments "
                            "where province_code = 'PV29' and experiment_id = ?", [NO_THEME]).fetchone()
    assert found == ("Slimme sluizen: waterpeil voorspellen", "ruimte", "verkenning", "basis_op_orde")
    with duckdb.connect(str(settings.warehouse), read_only=True) as con:
        origin = con.execute("select d.source_kind, d.source from raw.deliveries d join raw.experimenten e using (delivery_id) "
                             "where e.experiment_id = ?", [NO_THEME]).fetchall()
        decisions = con.execute("select action, decided_by, record_id from raw.curation_decisions order by decided_at, action desc").fetchall()
    assert origin == [("curatie", record.record_url)]
    assert [(a, w) for a, w, _ in decisions] == [("classificeren", "Jan de Vries (IPO)"), ("afwijzen", "Jan de Vries (IPO)")]

    # loading the log again (the next run) adds nothing
    with warehouse.connect(settings.warehouse) as con:
        rows = curation.decision_rows(audit.entries(settings.audit_log), "PV29")
        assert len(rows) == 2 and warehouse.load_decisions(con, rows) == 0
        assert con.execute("select count(*) from raw.curation_decisions").fetchone()[0] == 2


# ------------------------------------------------------------------------------------------ the command line

def ida(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    full = {k: v for k, v in os.environ.items() if not k.startswith("IDA_")} | env
    return subprocess.run([sys.executable, "-m", "cli", *args], cwd=REPO_ROOT, env=full, capture_output=True,
                          text=True, timeout=300)


def test_ida_token_new_and_demo_tokens(tmp_path: Path) -> None:
    env = {"IDA_VAR_DIR": str(tmp_path)}
    settings = Settings.from_env(env)
    made = ida(env, "token", "new", "--coordinator", "Marie Jansen")
    assert made.returncode == 0, made.stderr
    assert curation.authorise(settings.coordinator_tokens, made.stdout.strip()) == "Marie Jansen"
    both = ida(env, "token", "new", "--coordinator", "X", "--province", "PV26")
    assert both.returncode == 2 and "één van beide" in both.stderr and "Traceback" not in both.stderr

    demo = ida(env, "demo-tokens", "--json")
    assert demo.returncode == 0, demo.stderr
    shown = json.loads(demo.stdout)
    assert submissions.authorise(settings.upload_tokens, shown["upload_token"]) == "PV26"
    assert curation.authorise(settings.coordinator_tokens, shown["coordinator_token"]) == "Demo-coördinator"
    with pytest.raises(NotAuthorised):
        curation.authorise(settings.coordinator_tokens, shown["upload_token"])
    text = ida(env, "demo-tokens")
    assert "Aanleveren (Provincie Utrecht):  ida_pv26_" in text.stdout and "Beheer (Demo-coördinator):" in text.stdout


def test_ida_classify_from_the_command_line(platform: dict) -> None:
    """A record of the module's queue classified with `ida classify`."""
    coordinator = platform["env"] | {"IDA_COORDINATOR_TOKEN": platform["coordinator"]}
    listed = ida(coordinator, "classify", "--list", "--json")
    assert listed.returncode == 0, listed.stderr
    [item] = [i for i in json.loads(listed.stdout) if i["title"] == f"Experiment {FOR_THE_CLI}"]
    assert item["province_code"] == "PV29" and "Geen kerntaak" in item["reason"]

    province = platform["env"] | {"IDA_COORDINATOR_TOKEN": platform["PV29"]}
    refused = ida(province, "classify", item["queue_key"], "--kerntaak", "ruimte", "--fase", "idee", "--spoor", "samenwerking")
    assert refused.returncode == 2 and "geen coördinatortoken" in refused.stderr and "Traceback" not in refused.stderr
    no_token = ida(platform["env"], "classify", "--list")
    assert no_token.returncode == 2 and "IDA_COORDINATOR_TOKEN" in no_token.stderr

    missing = ida(coordinator, "classify", item["queue_key"], "--kerntaak", "ruimte")
    assert missing.returncode == 2 and "--fase, --spoor" in missing.stderr
    wrong = ida(coordinator, "classify", item["queue_key"], "--kerntaak", "ruimtevaart", "--fase", "idee", "--spoor", "samenwerking")
    assert wrong.returncode == 2 and "Onbekende kerntaak 'ruimtevaart'" in wrong.stderr

    done = ida(coordinator, "classify", item["queue_key"], "--kerntaak", "Cultuur en erfgoed", "--fase", "idee",
               "--spoor", "samenwerking", "--json")
    assert done.returncode == 0, done.stderr
    entry = json.loads(done.stdout)
    assert entry["who"] == "Jan de Vries (IPO)" and entry["after"]["kerntaak"] == "cultuur_erfgoed"
    assert entry["after"]["replaces_existing"] is True  # Zeeland delivered an experiment with this id itself
    again = ida(coordinator, "classify", item["queue_key"], "--dismiss", "--reason", "dubbel")
    assert again.returncode == 1 and "al geclassificeerd" in again.stderr
    assert item["queue_key"] not in {i["queue_key"] for i in json.loads(ida(coordinator, "classify", "--list", "--json").stdout)}


# ------------------------------------------------------------------------------------------ the page, signed in

def test_beheer_shows_the_provinces_withdrawals_with_their_reasons(sample_run, var_dir: Path) -> None:
    """The samples hold a v1.1 withdrawal (Utrecht); a signed-in coordinator sees it on Beheer with its reason."""
    from streamlit.testing.v1 import AppTest

    page = AppTest.from_file(str(REPO_ROOT / "apps" / "views" / "beheer.py"), default_timeout=60)
    page.session_state["coordinator"] = "Jan de Vries (IPO)"
    page.session_state["coordinator_token"] = "niet-nodig-om-te-kijken"
    page.run()
    assert not page.exception, page.exception
    assert page.success[0].value == "Ingelogd als coördinator Jan de Vries (IPO)."
    with serving.connect(var_dir / "serving") as con:
        expected = con.execute("select province_name, record_id, reason from marts.withdrawn order by record_id").fetchall()
    assert expected, "the samples should hold a withdrawal"
    [shown] = [d.value for d in page.dataframe if "reden" in d.value.columns]
    assert sorted(zip(shown["provincie"], shown["id"])) == sorted((p, i) for p, i, _ in expected)
    assert all(reason in " ".join(shown["reden"]) for _, _, reason in expected)
    assert any("Nog geen handelingen." == t.value for t in page.text)
