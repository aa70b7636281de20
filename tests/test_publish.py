"""Publishing the catalogue to CKAN (catalog/publish.py), against the real local CKAN stack.

The samples of `sample_run` are published to the real organisations (provincie-*, ipo) under their
real names. At the start and at the end the module purges what the platform published there (datasets
with a fingerprint) and the names it publishes, so it can be rerun; other datasets in those
organisations (made by hand or by other tests) are left alone. A full publish treats every platform
dataset in those organisations as its own, so the module holds `var/ckan/publish.lock` (as bench/publish
does) and never runs beside another publisher on the shared stack. A small fake CKAN covers what the real
one cannot be made to do on demand (connection errors, a failing Dagster run).
"""

from __future__ import annotations

import csv
import html
import json
import os
import re
import subprocess
import sys
import threading
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import ckanapi
import dagster as dg
import pytest
import requests
import tenacity
from rdflib import Graph, Namespace

from catalog import ckan_dicts
from catalog import ckan_client
from catalog import publish
from ida.warehouse import serving
from local_ckan import publish_lock, purge_published
from ida.settings import SAMPLES_DIR

# plain Namespaces: rdflib's closed ones trip pytest's collection
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
ORGANISATIONS = [o["name"] for o in ckan_dicts.organizations()]
READ_ACTION = re.compile(r"(_show|_list|_search|_autocomplete)$")  # every other CKAN action writes
COMPARED_FIELDS = ("type", "name", "title", "notes", "provincie", "experiment_id", "opgave", "kerntaak", "ida_spoor",
                   "fase", "reden_gestopt", "startdatum", "einddatum", "eigenaar", "leervragen", "beoogde_resultaten",
                   "databronnen", "partners", "publieke_waarden", "budget_eur", "maintainer_email",
                   "status_publicatie", "fingerprint")


class Counting:
    """A ckanapi client that records every action it sends (the publisher only uses call_action)."""

    def __init__(self, client: ckanapi.RemoteCKAN) -> None:
        self.client = client
        self.actions: list[str] = []
        self._lock = threading.Lock()

    def call_action(self, action, data_dict=None, **kwargs):
        with self._lock:
            self.actions.append(action)
        return self.client.call_action(action, data_dict, **kwargs)

    @property
    def writes(self) -> list[str]:
        return [a for a in self.actions if not READ_ACTION.search(a)]

    def reset(self) -> None:
        self.actions.clear()


def current_catalogue(var_dir: Path) -> list[dict]:
    with serving.connect(var_dir / "serving") as con:
        return ckan_dicts.all_datasets(con)


def experiments(datasets: list[dict]) -> list[dict]:
    return [d for d in datasets if d["type"] == ckan_dicts.EXPERIMENT_TYPE]


@pytest.fixture(scope="module")
def admin(ckan) -> ckanapi.RemoteCKAN:
    return publish.connect(ckan["url"], ckan["sysadmin_token"])


@pytest.fixture(scope="module")
def counting(admin) -> Counting:
    return Counting(admin)


@pytest.fixture(scope="module")
def first_publish(sample_run, var_dir, admin, counting):
    """The samples published once to a CKAN that held none of them; purged again at the end."""
    names = {d["name"] for d in current_catalogue(var_dir)}
    with publish_lock(wait_seconds=1800):
        purge_published(admin, names)
        with serving.connect(var_dir / "serving") as con:
            report = publish.publish(counting, con)
        yield report
        purge_published(admin, names | {d["name"] for d in current_catalogue(var_dir)})


def test_first_publish_creates_every_dataset_and_search_finds_each_experiment(first_publish, var_dir, admin, counting):
    datasets = current_catalogue(var_dir)
    counts = first_publish.counts()
    assert counts["failed"] == 0, first_publish.failures
    assert counts["created"] == len(datasets)
    for org in ORGANISATIONS:
        expected = {d["name"] for d in experiments(datasets) if d["owner_org"] == org}
        found = admin.action.package_search(fq=f"organization:{org} dataset_type:experiment", rows=1000,
                                            include_private=True, fl="name")
        assert expected <= {d["name"] for d in found["results"]}, org  # other tests may have datasets there
    comparisons = admin.action.package_search(fq="organization:ipo name:ipo-vergelijking-*", rows=10)
    assert comparisons["count"] == 2


def test_an_experiment_in_ckan_says_what_the_marts_say(first_publish, var_dir, admin):
    dataset = next(d for d in experiments(current_catalogue(var_dir)) if len(d.get("leervragen", [])) > 1)
    shown = admin.action.package_show(id=dataset["name"])
    for field in COMPARED_FIELDS:
        assert shown.get(field) == dataset.get(field), field
    assert shown["organization"]["name"] == dataset["owner_org"]
    assert [g["name"] for g in shown["groups"]] == [ckan_dicts.group_name(dataset["kerntaak"])]
    assert sorted(t["name"] for t in shown["tags"]) == [t["name"] for t in dataset["tags"]]
    assert isinstance(shown["leervragen"], list) and "contact" not in shown
    for resource, sent in zip(shown["resources"], dataset["resources"], strict=True):
        assert resource["url_type"] == "upload" and resource["url"].endswith(sent["url"].rsplit("/", 1)[-1])
        assert requests.get(resource["url"], timeout=30).content.decode() == sent["data"]


def test_stopped_experiments_are_published_as_withdrawn(first_publish, var_dir, admin):
    stopped = [d for d in experiments(current_catalogue(var_dir)) if d["fase"] == "gestopt"]
    assert stopped
    for dataset in stopped:
        shown = admin.action.package_show(id=dataset["name"])
        assert shown["status_publicatie"] == "ingetrokken" and shown["state"] == "active"


def test_publishing_again_makes_no_write_call(first_publish, var_dir, counting):
    counting.reset()
    with serving.connect(var_dir / "serving") as con:
        report = publish.publish(counting, con)
    assert counting.writes == []
    assert report.counts() == {"created": 0, "updated": 0, "unchanged": len(current_catalogue(var_dir)),
                               "withdrawn": 0, "failed": 0}


def test_a_new_delivery_for_one_experiment_is_one_update(first_publish, var_dir, extra_landing, admin, counting):
    from orchestration.pipeline import run_pipeline

    with open(SAMPLES_DIR / "PV20" / "experimenten.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    row = dict(rows[0], titel=f"{rows[0]['titel']} (herzien {uuid.uuid4().hex[:6]})")
    folder = extra_landing / "PV20" / f"publicatie-{uuid.uuid4().hex[:8]}"
    folder.mkdir(parents=True)
    with open(folder / "experimenten.csv", "w", encoding="utf-8", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(row))
        writer.writeheader()
        writer.writerow(row)
    result = run_pipeline("PV20", dagster_instance=dg.DagsterInstance.ephemeral())
    assert result.success, result.summary

    counting.reset()
    with serving.connect(var_dir / "serving") as con:
        report = publish.publish(counting, con)
    name = ckan_dicts.dataset_name("PV20", row["experiment_id"])
    assert report.counts()["updated"] == 1 and report.counts()["created"] == 0, report.outcomes
    assert [o.name for o in report.outcomes if o.status == "updated"] == [name]
    assert counting.writes == ["package_revise"]
    assert admin.action.package_show(id=name)["title"] == row["titel"]


def test_an_experiment_the_marts_no_longer_have_is_withdrawn_not_deleted(first_publish, var_dir, admin, counting):
    datasets = current_catalogue(var_dir)
    gone = next(d for d in experiments(datasets) if d["status_publicatie"] == "actief")
    counting.reset()
    report = publish.publish_catalogue(counting, [d for d in datasets if d is not gone],
                                       organizations=ckan_dicts.organizations(), groups=ckan_dicts.groups())
    assert [(o.name, o.status) for o in report.outcomes if o.status != "unchanged"] == [(gone["name"], "withdrawn")]
    assert counting.writes == ["package_patch"]
    shown = admin.action.package_show(id=gone["name"])
    assert shown["state"] == "active" and shown["status_publicatie"] == "ingetrokken"

    counting.reset()  # withdrawn stays withdrawn: nothing to write
    publish.publish_catalogue(counting, [d for d in datasets if d is not gone], organizations=ckan_dicts.organizations())
    assert counting.writes == []

    report = publish.publish_catalogue(counting, datasets)  # back in the marts: active again
    assert report.counts()["updated"] == 1
    assert admin.action.package_show(id=gone["name"])["status_publicatie"] == "actief"


def test_a_dataset_deleted_in_ckan_is_published_again(first_publish, var_dir, admin, counting):
    dataset = experiments(current_catalogue(var_dir))[-1]
    admin.action.package_delete(id=dataset["name"])
    counting.reset()
    report = publish.publish_catalogue(counting, [dataset], withdraw_missing=False)
    assert report.counts()["created"] == 1 and report.ok, report.outcomes
    shown = admin.action.package_show(id=dataset["name"])
    assert shown["state"] == "active" and len(shown["resources"]) == 2
    counting.reset()
    publish.publish_catalogue(counting, [dataset], withdraw_missing=False)
    assert counting.writes == []


def test_a_rejected_dataset_is_reported_and_the_others_go_on(first_publish, var_dir, admin, counting):
    datasets = experiments(current_catalogue(var_dir))
    bad = json.loads(json.dumps(datasets[0]))
    bad.update(name=f"pv20-afgekeurd-{uuid.uuid4().hex[:8]}", maintainer_email="geen e-mailadres")
    bad["fingerprint"] = ckan_dicts.fingerprint(bad)
    good = json.loads(json.dumps(datasets[1]))
    good["title"] += " (gewijzigd)"
    good["fingerprint"] = ckan_dicts.fingerprint(good)
    try:
        report = publish.publish_catalogue(counting, [bad, good], withdraw_missing=False)
        assert report.counts()["failed"] == 1 and report.counts()["updated"] == 1 and not report.ok
        (failure,) = report.failures
        assert failure.name == bad["name"] and "maintainer_email" in failure.message
        with pytest.raises(ckanapi.NotFound):
            admin.action.package_show(id=bad["name"])
        assert admin.action.package_show(id=good["name"])["title"] == good["title"]
    finally:
        assert publish.publish_catalogue(admin, [datasets[1]], withdraw_missing=False).ok  # as the marts say


def test_utrecht_cannot_create_or_change_a_dataset_of_zeeland(first_publish, var_dir, ckan, admin):
    utrecht = Counting(publish.connect(ckan["url"], ckan["provinces"]["PV26"]))
    zeeland = next(d for d in experiments(current_catalogue(var_dir)) if d["provincie"] == "PV29")
    changed = json.loads(json.dumps(zeeland))
    changed["title"] = "Door Utrecht overschreven"
    changed["fingerprint"] = ckan_dicts.fingerprint(changed)
    new = json.loads(json.dumps(changed))
    new["name"] = f"pv29-van-utrecht-{uuid.uuid4().hex[:8]}"
    new["fingerprint"] = ckan_dicts.fingerprint(new)

    report = publish.publish_catalogue(utrecht, [changed, new], withdraw_missing=False)
    assert report.counts()["failed"] == 2, report.outcomes
    assert all("geen rechten" in f.message for f in report.failures), report.failures
    assert admin.action.package_show(id=zeeland["name"])["title"] == zeeland["title"]
    with pytest.raises(ckanapi.NotFound):
        admin.action.package_show(id=new["name"])
    assert ckan["provinces"]["PV26"] not in " ".join(f.message for f in report.failures)


def test_dcat_catalogue_lists_every_experiment(first_publish, var_dir, ckan):
    titles: set[str] = set()
    datasets_seen = 0
    for page in range(1, 100):
        try:
            with urllib.request.urlopen(f"{ckan['url']}/catalog.ttl?page={page}", timeout=120) as response:
                body = response.read()
        except urllib.error.HTTPError:
            break  # past the last page
        graph = Graph().parse(data=body, format="turtle")
        found = list(graph.subjects(RDF.type, DCAT.Dataset))
        if not found:
            break
        datasets_seen += len(found)
        titles |= {str(graph.value(d, DCTERMS.title)) for d in found}
    expected = {d["title"] for d in experiments(current_catalogue(var_dir))}
    assert datasets_seen >= len(expected)
    assert expected <= titles, sorted(expected - titles)[:5]


def test_the_dataset_page_shows_the_experiment(first_publish, var_dir, ckan):
    dataset = experiments(current_catalogue(var_dir))[0]
    response = requests.get(f"{ckan['url']}/experiment/{dataset['name']}", timeout=60)
    assert response.status_code == 200
    assert html.escape(dataset["title"], quote=False) in response.text


def comparable(package: dict) -> dict:
    return {**{f: package.get(f) for f in COMPARED_FIELDS},
            "organization": package["organization"]["name"],
            "groups": sorted(g["name"] for g in package["groups"]),
            "tags": sorted(t["name"] for t in package["tags"]),
            "resources": [(r["name"], r["description"], r["format"]) for r in package["resources"]]}


def test_the_bulk_export_loads_into_ckan_as_the_same_datasets(first_publish, var_dir, ckan, admin, counting):
    export = var_dir / "export"
    lines = (export / "datasets.jsonl").read_text(encoding="utf-8").splitlines()
    names = [json.loads(line)["name"] for line in lines]
    assert sorted(names) == sorted(d["name"] for d in experiments(current_catalogue(var_dir)))
    published = {name: comparable(admin.action.package_show(id=name)) for name in names}
    for name in names:
        admin.action.dataset_purge(id=name)

    ckanapi_cli = Path(sys.executable).with_name("ckanapi")  # its workers are found on PATH
    env = {**os.environ, "PATH": f"{ckanapi_cli.parent}{os.pathsep}{os.environ.get('PATH', '')}"}
    done = subprocess.run([str(ckanapi_cli), "load", "datasets", "-I", str(export / "datasets.jsonl"), "-p", "2",
                           "-r", ckan["url"], "-a", ckan["sysadmin_token"]], capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    loaded = {name: comparable(admin.action.package_show(id=name)) for name in names}
    assert loaded == published

    # ckanapi load cannot upload the CSV files: the publisher sees that and uploads them, once
    counting.reset()
    with serving.connect(var_dir / "serving") as con:
        report = publish.publish(counting, con)
    assert report.counts()["updated"] == len(names) and report.ok
    assert counting.writes == ["package_revise"] * len(names)
    counting.reset()
    with serving.connect(var_dir / "serving") as con:
        publish.publish(counting, con)
    assert counting.writes == []


def test_ida_publish_json(first_publish, var_dir, platform_env, ckan):
    env = {**os.environ, **platform_env, "CKAN_URL": ckan["url"], "CKAN_API_TOKEN": ckan["sysadmin_token"]}
    done = subprocess.run([sys.executable, "-m", "cli", "publish", "--json"], capture_output=True, text=True,
                          env=env, timeout=600)
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout)
    assert counts == {"created": 0, "updated": 0, "unchanged": len(current_catalogue(var_dir)), "withdrawn": 0,
                      "failed": 0}
    assert ckan["sysadmin_token"] not in done.stdout + done.stderr

    unset = {k: v for k, v in env.items() if k != "CKAN_URL"}
    done = subprocess.run([sys.executable, "-m", "cli", "publish"], capture_output=True, text=True, env=unset,
                          timeout=120)
    assert done.returncode == 2 and "CKAN_URL" in done.stderr


def test_the_dagster_asset_publishes_or_says_why_not(first_publish, var_dir, ckan, monkeypatch):
    from orchestration.catalogue import ckan_publication
    from orchestration.resources import CkanResource, ServingResource

    resources = {"outputs": ServingResource(serving_dir=str(var_dir / "serving"), export_dir=str(var_dir / "export")),
                 "ckan": CkanResource()}
    result = dg.materialize([ckan_publication], resources=resources)
    assert result.success
    assert result.asset_materializations_for_node("ckan_publication")[0].metadata["gepubliceerd"].value is False

    monkeypatch.setenv("CKAN_API_TOKEN", ckan["sysadmin_token"])
    resources["ckan"] = CkanResource(url=ckan["url"], api_token=dg.EnvVar("CKAN_API_TOKEN"))
    result = dg.materialize([ckan_publication], resources=resources)
    assert result.success
    metadata = result.asset_materializations_for_node("ckan_publication")[0].metadata
    assert metadata["unchanged"].value == len(current_catalogue(var_dir)) and metadata["failed"].value == 0


# --- a small fake CKAN, for what the real one does not do on demand ----------------------------------


class FakeCkan:
    """Answers the actions the publisher uses; fails the first `flaky` calls of an action with a
    connection error and rejects the datasets named in `reject`."""

    def __init__(self, flaky: dict[str, int] | None = None, reject: set[str] = frozenset()) -> None:
        self.flaky = dict(flaky or {})
        self.reject = reject
        self.actions: list[str] = []
        self.packages: dict[str, dict] = {}

    def call_action(self, action, data_dict=None, files=None, requests_kwargs=None):
        self.actions.append(action)
        data = data_dict or {}
        if self.flaky.get(action, 0) > 0:
            self.flaky[action] -= 1
            raise requests.ConnectionError("verbinding verbroken")
        if action == "organization_list":
            return [{"id": o["name"], **o} for o in ckan_dicts.organizations()]
        if action == "group_list":
            return [{"id": g["name"], **g} for g in ckan_dicts.groups()]
        if action == "package_search":
            return {"count": 0, "results": []}
        if action == "package_create":
            if data["name"] in self.reject:
                raise ckanapi.ValidationError({"kerntaak": ["Waarde ontbreekt"], "__type": "Validation Error"})
            self.packages[data["name"]] = data
            return {"id": data["name"], **data}
        if action == "package_revise":
            assert files and all(key.startswith("update__resources__") for key in files)
            return {}
        raise AssertionError(f"unexpected action {action}")


def sample_dicts() -> list[dict]:
    exp = {"experiment_key": "PV26:UTR-1", "province_code": "PV26", "experiment_id": "UTR-1", "title": "Proef",
           "summary": None, "societal_task": None, "owner": None, "contact": None, "core_task": "ruimte",
           "ida_line": "basis_op_orde", "phase": "idee", "stop_reason": None, "learning_questions": None,
           "intended_results": None, "data_sources": None, "partners": None, "public_values": None,
           "keywords": ["data & AI", "x"], "budget_eur": None, "start_date": None, "end_date": None}
    return [ckan_dicts.experiment_dataset(exp, [], []),
            ckan_dicts.experiment_dataset({**exp, "experiment_id": "UTR-2", "experiment_key": "PV26:UTR-2"}, [], [])]


def test_transient_errors_are_retried(monkeypatch):
    monkeypatch.setattr(publish, "RETRY_WAIT", tenacity.wait_none())
    fake = FakeCkan(flaky={"package_create": 2, "package_search": 1})
    report = publish.publish_catalogue(fake, sample_dicts(), withdraw_missing=False)
    assert report.counts()["created"] == 2 and report.ok
    assert fake.actions.count("package_create") == 4 and fake.actions.count("package_revise") == 2


def test_transient_errors_give_up_in_the_end(monkeypatch):
    monkeypatch.setattr(publish, "RETRY_WAIT", tenacity.wait_none())
    fake = FakeCkan(flaky={"package_create": 100})
    report = publish.publish_catalogue(fake, sample_dicts()[:1], withdraw_missing=False)
    assert report.counts()["failed"] == 1
    assert fake.actions.count("package_create") == publish.ATTEMPTS
    assert "niet bereikbaar" in report.failures[0].message


ANSWERS = {  # action → (HTTP status, body) as a CKAN sends them
    "busy": (503, "<html>busy</html>"),
    "conflict": (409, '{"success": false, "error": {"__type": "Integrity Error", "message": "lock"}}'),
    "rejected": (409, '{"success": false, "error": {"__type": "Validation Error", "name": ["That URL is already in use."]}}'),
    "forbidden": (403, '{"success": false, "error": {"__type": "Authorization Error", "message": "Access denied"}}'),
    "bad": (400, '{"success": false, "error": {"message": "Bad request"}}'),
}


@pytest.fixture
def answering_ckan():
    """A loopback HTTP server that answers each action as ANSWERS says, counting the requests."""
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            action = self.path.rsplit("/", 1)[-1]
            seen.append(action)
            status, body = ANSWERS[action]
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(body.encode())

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}", seen
    server.shutdown()


def test_only_transient_errors_are_retried(answering_ckan, monkeypatch):
    monkeypatch.setattr(publish, "RETRY_WAIT", tenacity.wait_none())
    url, seen = answering_ckan
    client = publish.connect(url, "geheim")
    for action, error in (("busy", ckan_client.Unreachable), ("conflict", ckan_client.Unreachable),
                          ("rejected", ckanapi.ValidationError), ("forbidden", ckanapi.NotAuthorized),
                          ("bad", ckanapi.CKANAPIError)):
        with pytest.raises(error):
            publish.call(client, action)
    assert [seen.count(a) for a in ANSWERS] == [publish.ATTEMPTS, publish.ATTEMPTS, 1, 1, 1]
    assert ckan_client.is_transient(requests.ConnectionError())
    assert not ckan_client.is_transient(ckanapi.ValidationError({"name": ["That URL is already in use."]}))


def test_tags_are_cleaned_for_ckan():
    assert ckan_dicts.tag("data & AI") == "data AI"
    assert ckan_dicts.tag("x") is None
    assert ckan_dicts.tag("grens/overschrijdend (Euregio)") == "grens overschrijdend Euregio"
    assert [t["name"] for t in sample_dicts()[0]["tags"]] == ["data AI"]
    assert "notes" not in sample_dicts()[0] and "maintainer_email" not in sample_dicts()[0]


def test_a_failed_dataset_fails_the_dagster_run(tmp_path, sample_run, var_dir):
    from orchestration.catalogue import ckan_publication
    from orchestration.resources import CkanResource, ServingResource

    with serving.connect(var_dir / "serving") as con:
        rejected = ckan_dicts.all_datasets(con)[0]["name"]

    class RejectingCkan(CkanResource):
        def client(self):
            return FakeCkan(reject={rejected})

    result = dg.materialize(
        [ckan_publication], raise_on_error=False,
        resources={"outputs": ServingResource(serving_dir=str(var_dir / "serving"), export_dir=str(tmp_path)),
                   "ckan": RejectingCkan(url="http://ckan.invalid")})
    assert not result.success
    failure = result.get_step_failure_events()[0].event_specific_data.error
    assert rejected in failure.message and "kerntaak" in failure.message
