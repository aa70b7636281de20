"""The local CKAN stack (catalog/ckan_stack): a real CKAN 2.12 with PostgreSQL, Redis and Solr.

The session fixtures `ckan_up` and `ckan` (tests/conftest.py) run `bash catalog/ckan_stack/up.sh` (installs
and starts from scratch, or returns quickly when the stack runs) and read var/ckan/credentials.json. Everything the tests create is
named test-ckan-stack-* and purged afterwards, so the tests can be rerun against the same stack.
"""

from __future__ import annotations

import csv
import json
import stat
import time
import urllib.request
import uuid

import ckanapi
import pytest
import rdflib

from local_ckan import CKAN_VAR, run_up
from ida.settings import REPO_ROOT

VOCABULARIES = REPO_ROOT / "ida" / "standard" / "vocabularies"
PREFIX = "test-ckan-stack-"


def vocabulary(name: str) -> list[dict[str, str]]:
    with open(VOCABULARIES / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


PROVINCES = vocabulary("provincies.csv")


@pytest.fixture(scope="module")
def sysadmin(ckan) -> ckanapi.RemoteCKAN:
    return ckanapi.RemoteCKAN(ckan["url"], apikey=ckan["sysadmin_token"])


@pytest.fixture(scope="module")
def utrecht_editor(ckan) -> ckanapi.RemoteCKAN:
    return ckanapi.RemoteCKAN(ckan["url"], apikey=ckan["provinces"]["PV26"])


def purge_test_datasets(ckan: ckanapi.RemoteCKAN) -> None:
    found = ckan.action.package_search(q=f"name:{PREFIX}*", include_private=True, include_drafts=True,
                                       rows=1000)
    for dataset in found["results"]:
        ckan.action.dataset_purge(id=dataset["id"])


@pytest.fixture(scope="module")
def made(sysadmin):
    """Names of datasets the tests create; purged (with any leftovers of an earlier run) at the end."""
    purge_test_datasets(sysadmin)
    names: list[str] = []
    yield names
    for name in names:
        try:
            sysadmin.action.dataset_purge(id=name)
        except ckanapi.NotFound:
            pass
    purge_test_datasets(sysadmin)


def new_name(made: list[str]) -> str:
    name = PREFIX + uuid.uuid4().hex[:12]
    made.append(name)
    return name


def experiment(name: str, org: str, province: str, **fields) -> dict:
    return {"type": "experiment", "name": name, "owner_org": org, "provincie": province,
            "title": f"Snuffelfiets {name}", "experiment_id": name.removeprefix(PREFIX),
            "kerntaak": "milieu_energie_klimaat", "ida_spoor": "maatschappelijke_opgaven",
            "fase": "opschaling", **fields}


def test_status_show_lists_the_plugins(sysadmin, ckan):
    status = sysadmin.action.status_show()
    assert status["ckan_version"] == "2.12.0"
    assert {"scheming_datasets", "dcat", "structured_data", "ida"} <= set(status["extensions"])
    assert status["site_url"] == ckan["url"] and ckan["url"].startswith("http://127.0.0.1:")  # CKAN_PORT


def test_credentials_file_is_private_and_complete(ckan):
    path = CKAN_VAR / "credentials.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert set(ckan["provinces"]) == {p["code"] for p in PROVINCES}
    tokens = [ckan["sysadmin_token"], *ckan["provinces"].values()]
    assert all(tokens) and len(set(tokens)) == 13


def test_the_twelve_provinces_and_ipo_are_organisations(sysadmin):
    orgs = set(sysadmin.action.organization_list(limit=1000))
    assert {p["ckan_organisatie"] for p in PROVINCES} | {"ipo"} <= orgs
    for p in PROVINCES:
        org = sysadmin.action.organization_show(id=p["ckan_organisatie"], include_extras=True)
        assert org["title"] == f"Provincie {p['naam']}"
        extras = {e["key"]: e["value"] for e in org["extras"]}
        assert extras["tooi_uri"] == p["tooi_uri"] and extras["cbs_code"] == p["code"]


def test_experiment_schema_choices_come_from_the_vocabularies(sysadmin):
    schema = sysadmin.action.scheming_dataset_schema_show(type="experiment")
    fields = {f["field_name"]: f for f in schema["dataset_fields"]}
    for field, csv_name in [("kerntaak", "kerntaken.csv"), ("ida_spoor", "ida_sporen.csv"),
                            ("fase", "fasen.csv"), ("publieke_waarden", "publieke_waarden.csv")]:
        assert [c["value"] for c in fields[field]["choices"]] == [r["code"] for r in vocabulary(csv_name)]
        assert [c["label"] for c in fields[field]["choices"]] == [r["label"] for r in vocabulary(csv_name)]
    assert [c["value"] for c in fields["provincie"]["choices"]] == [p["code"] for p in PROVINCES]
    assert {"experiment_id", "fingerprint", "status_publicatie", "leervragen", "partners",
            "databronnen"} <= set(fields)


def test_sysadmin_creates_an_experiment_that_search_finds(sysadmin, made):
    name = new_name(made)
    word = f"luchtmeting{uuid.uuid4().hex[:8]}"
    created = sysadmin.action.package_create(**experiment(
        name, "provincie-utrecht", "PV26", notes=f"Fietsers meten de {word} in de stad.",
        startdatum="2020-03-15", einddatum="2022-12-31",
        leervragen=["Wat leren we van burgermetingen?", "Hoe schalen we op?"],
        partners=["RIVM", "Gemeente Utrecht"], databronnen=["Sensordata"],
        publieke_waarden=["privacy", "transparantie"], tags=[{"name": "luchtkwaliteit"}],
        maintainer_email="data@example.org", fingerprint="sha256:0123abcd"))
    shown = sysadmin.action.package_show(id=name)
    assert shown["type"] == "experiment" and shown["organization"]["name"] == "provincie-utrecht"
    assert shown["leervragen"] == ["Wat leren we van burgermetingen?", "Hoe schalen we op?"]
    assert shown["publieke_waarden"] == ["privacy", "transparantie"]
    assert shown["startdatum"] == "2020-03-15" and shown["fingerprint"] == "sha256:0123abcd"
    assert shown["status_publicatie"] == "actief"  # the default

    found = sysadmin.action.package_search(q=word, fq="dataset_type:experiment")
    assert [d["id"] for d in found["results"]] == [created["id"]]
    by_field = sysadmin.action.package_search(
        fq=f"provincie:PV26 kerntaak:milieu_energie_klimaat extras_publieke_waarden:privacy name:{name}")
    assert by_field["count"] == 1


def test_experiment_vocabulary_fields_are_validated(sysadmin, made):
    name = new_name(made)
    with pytest.raises(ckanapi.ValidationError) as error:
        sysadmin.action.package_create(**experiment(name, "provincie-utrecht", "PV26", kerntaak="geen_kerntaak"))
    assert "kerntaak" in error.value.error_dict


def test_utrecht_editor_writes_only_in_utrecht(sysadmin, utrecht_editor, made):
    own = new_name(made)
    created = utrecht_editor.action.package_create(**experiment(own, "provincie-utrecht", "PV26"))
    assert created["organization"]["name"] == "provincie-utrecht"
    updated = utrecht_editor.action.package_patch(id=own, fase="structureel")
    assert updated["fase"] == "structureel"

    other = new_name(made)
    with pytest.raises(ckanapi.NotAuthorized):
        utrecht_editor.action.package_create(**experiment(other, "provincie-zeeland", "PV29"))
    with pytest.raises(ckanapi.NotFound):
        sysadmin.action.package_show(id=other)

    zeeland = new_name(made)
    sysadmin.action.package_create(**experiment(zeeland, "provincie-zeeland", "PV29"))
    with pytest.raises(ckanapi.NotAuthorized):
        utrecht_editor.action.package_patch(id=zeeland, fase="gestopt", reden_gestopt="niet van jou")
    with pytest.raises(ckanapi.NotAuthorized):
        utrecht_editor.action.package_update(**experiment(zeeland, "provincie-zeeland", "PV29", fase="idee"))
    assert sysadmin.action.package_show(id=zeeland)["fase"] == "opschaling"


def test_each_editor_is_editor_of_its_own_organisation_only(sysadmin, ckan):
    for p in PROVINCES:
        user = ckan["editors"][p["code"]]
        memberships = sysadmin.action.organization_list_for_user(id=user, permission="read")
        assert [(o["name"], o["capacity"]) for o in memberships] == [(p["ckan_organisatie"], "editor")]
        assert sysadmin.action.user_show(id=user)["sysadmin"] is False


def test_plain_datasets_still_work(sysadmin, made):
    name = new_name(made)
    created = sysadmin.action.package_create(name=name, title="Vergelijking kerntaken", owner_org="ipo",
                                             extras=[{"key": "bron", "value": "dbt"}])
    assert created["type"] == "dataset"
    assert {"key": "bron", "value": "dbt"} in sysadmin.action.package_show(id=name)["extras"]


def test_catalog_ttl_is_dcat_turtle(sysadmin, ckan, made):
    name = new_name(made)
    created = sysadmin.action.package_create(**experiment(name, "provincie-utrecht", "PV26"))
    with urllib.request.urlopen(f"{ckan['url']}/catalog.ttl", timeout=60) as response:
        assert response.headers["Content-Type"].startswith("text/turtle")
        body = response.read()
    from rdflib.namespace import DCAT, DCTERMS, RDF  # here: pytest's collection trips on DCAT

    graph = rdflib.Graph().parse(data=body, format="turtle")
    catalogs = list(graph.subjects(RDF.type, DCAT.Catalog))
    assert len(catalogs) == 1
    titles = {str(graph.value(d, DCTERMS.title)) for d in graph.objects(catalogs[0], DCAT.dataset)}
    assert created["title"] in titles


def test_up_again_is_fast_and_keeps_the_accounts(sysadmin, ckan):
    started = time.monotonic()
    again = run_up()
    took = time.monotonic() - started
    assert again.returncode == 0, again.stderr
    assert took < 30, f"up.sh on a running stack took {took:.0f}s"
    assert json.loads((CKAN_VAR / "credentials.json").read_text()) == ckan
    users = [u for u in sysadmin.action.user_list() if u["name"].startswith("editor-")]
    assert len(users) == 12
    tokens = sysadmin.action.api_token_list(user_id=ckan["editors"]["PV26"])
    assert [t["name"] for t in tokens] == ["ida-leerplatform"]


def test_no_secret_is_printed_or_logged(ckan_up, ckan):
    secrets = [ckan["sysadmin_token"], ckan["sysadmin_password"], *ckan["provinces"].values()]
    secrets.append((CKAN_VAR / "secrets" / "db_password").read_text().strip())
    texts = {"up.sh stdout": ckan_up.stdout, "up.sh stderr": ckan_up.stderr}
    texts.update({str(p): p.read_text(errors="replace") for p in (CKAN_VAR / "logs").glob("*.log")})
    assert len(texts) > 5
    for where, text in texts.items():
        assert not any(s in text for s in secrets), f"a secret appears in {where}"
