"""Harvesting from the provinces' own portals (catalog/harvest), against real servers on loopback.

CKAN: the local CKAN stack (catalog/ckan_stack), where provincie-zeeland acts as Zeeland's portal;
everything the tests create there is named test-harvest-* and purged afterwards. DCAT: catalogues
written with rdflib and served by a small http.server in a thread, whose answers a test can break
(500, time-out, malformed RDF/JSON) to check that a failing source keeps what the platform held.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import ckanapi
import dagster as dg
import duckdb
import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef

from ida.settings import HarvestSettings, Settings
from ida.warehouse import raw as warehouse, writer
from catalog.harvest import CkanSource, DcatSource, Options, RegistryError, harvest_source, load_registry
from catalog.harvest.mapping import COLUMNS, RESOURCE_COLUMNS, THEME_TO_CORE_TASK
from catalog.harvest.sources import parse_registry
from ida.settings import REPO_ROOT

# plain Namespaces: rdflib's closed ones trip pytest's collection (it probes module attributes)
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
EU = "http://publications.europa.eu/resource/authority/data-theme/"
TOOI = "https://identifier.overheid.nl/tooi/id/provincie/"
FAST = Options(timeout=0.5, attempts=2, backoff=0.05)
PREFIX = "test-harvest-"


# --- a catalogue server on loopback -------------------------------------------------------------

@dataclass
class Route:
    body: bytes
    content_type: str = "text/turtle"
    status: int = 200
    delay: float = 0.0


class CatalogueServer:
    """Serves `routes` (path -> Route) on 127.0.0.1 with ETags; counts requests and 304 answers."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, int]] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:  # quiet
                pass

            def do_GET(self) -> None:  # noqa: N802 - http.server's name
                route = server.routes.get(self.path)
                if route is None:
                    return self._answer(404, b"niet gevonden", "text/plain")
                if route.delay:
                    time.sleep(route.delay)
                etag = '"' + hashlib.sha1(route.body).hexdigest() + '"'
                if route.status == 200 and self.headers.get("If-None-Match") == etag:
                    return self._answer(304, b"", route.content_type, etag)
                self._answer(route.status, route.body, route.content_type, etag if route.status == 200 else None)

            def _answer(self, status: int, body: bytes, content_type: str, etag: str | None = None) -> None:
                server.requests.append((self.path, status))
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", content_type)
                    self.send_header("Content-Length", str(len(body)))
                    if etag:
                        self.send_header("ETag", etag)
                    self.end_headers()
                    if status != 304:
                        self.wfile.write(body)
                except (BrokenPipeError, ConnectionResetError):
                    pass  # the client gave up (time-out test)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> CatalogueServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server():
    with CatalogueServer() as running:
        yield running


@pytest.fixture
def db(tmp_path: Path):
    with warehouse.connect(tmp_path / "warehouse.duckdb") as con:
        yield con


def dataset(graph: Graph, catalog: URIRef, name: str, *, theme: str | None = EU + "TRAN", province: str = "pv29",
            title: str | None = None, keywords: tuple[str, ...] = ("sensoren",), lessons: str | None = None) -> URIRef:
    node = URIRef(f"https://data.example.nl/dataset/{name}")
    graph.add((catalog, DCAT.dataset, node))
    graph.add((node, RDF.type, DCAT.Dataset))
    graph.add((node, DCTERMS.identifier, Literal(name)))
    graph.add((node, DCTERMS.title, Literal(title or f"Experiment {name}", lang="nl")))
    graph.add((node, DCTERMS.title, Literal(f"Experiment {name} (en)", lang="en")))
    graph.add((node, DCTERMS.description, Literal("Fietsers meten fijnstof.", lang="nl")))
    for keyword in keywords:
        graph.add((node, DCAT.keyword, Literal(keyword, lang="nl")))
    if theme:
        graph.add((node, DCAT.theme, URIRef(theme)))
    publisher = URIRef(TOOI + province)
    graph.add((node, DCTERMS.publisher, publisher))
    graph.add((publisher, FOAF.name, Literal("Provincie")))
    period = BNode()
    graph.add((node, DCTERMS.temporal, period))
    graph.add((period, RDF.type, DCTERMS.PeriodOfTime))
    graph.add((period, DCAT.startDate, Literal("2021-03-15", datatype=XSD.date)))
    graph.add((period, DCAT.endDate, Literal("2022-12-31T00:00:00", datatype=XSD.dateTime)))
    graph.add((node, DCAT.landingPage, URIRef(f"https://www.example.nl/projecten/{name}")))
    if lessons:
        dist = BNode()
        graph.add((node, DCAT.distribution, dist))
        graph.add((dist, RDF.type, DCAT.Distribution))
        graph.add((dist, DCAT.downloadURL, URIRef(lessons)))
        graph.add((dist, DCTERMS.title, Literal("Lessen")))
        graph.add((dist, DCAT.mediaType, URIRef("https://www.iana.org/assignments/media-types/text/csv")))
    return node


def catalogue(base: str, names: list[str], *, next_page: str | None = None, **overrides) -> Graph:
    graph = Graph()
    catalog = URIRef(base + "/catalogus")
    graph.add((catalog, RDF.type, DCAT.Catalog))
    for name in names:
        dataset(graph, catalog, name, **overrides.get(name, {}))
    if next_page:
        view = URIRef(base + "/view")
        graph.add((view, RDF.type, HYDRA.PartialCollectionView))
        graph.add((view, HYDRA.next, URIRef(next_page)))
    return graph


LESSONS_CSV = ("les_id;experiment_id;datum;leerrichting;categorie;les;dilemma;escalatieniveau\n"
               "ZL-1-L1;ZL-1;15-06-2022;horizontaal;gegevensmanagement;Leg het eigenaarschap van sensordata vooraf vast.;ja;gs\n")


def serve_catalogue(server: CatalogueServer, graph: Graph, fmt: str = "json-ld", path: str = "/catalogus.jsonld") -> str:
    content_type = {"json-ld": "application/ld+json", "turtle": "text/turtle"}[fmt]
    server.routes[path] = Route(graph.serialize(format=fmt).encode(), content_type)
    return server.url + path


def count(con: duckdb.DuckDBPyConnection, table: str, where: str = "true") -> int:
    return con.execute(f"select count(*) from raw.{table} where {where}").fetchone()[0]


# --- the registry -------------------------------------------------------------------------------

def test_default_registry_has_upload_only_for_every_province(monkeypatch):
    monkeypatch.delenv("IDA_SOURCES", raising=False)
    registry = load_registry()
    assert len(registry.sources) == 12
    assert all(registry.has_upload(code) and registry.harvested(code) == [] for code in registry.sources)


def test_registry_errors_are_dutch_and_name_the_entry():
    text = """
provinces:
  Zeeland:
    - kind: upload
    - kind: ckan
      url: https://data.zeeland.nl
    - kind: dcat
      url: ftp://data.zeeland.nl/catalogus.ttl
    - kind: rss
  PV26:
    - kind: dcat
      url: https://example.org/c.ttl
      timout: 10
"""
    with pytest.raises(RegistryError) as error:
        parse_registry(text)
    problems = error.value.problems
    assert "sources.yml, Zeeland, bron 2 (ckan): geef 'organization' of 'fq' op" in problems[0]
    assert any(p.startswith("sources.yml, Zeeland, bron 3 (dcat): 'ftp://") and "http(s)" in p for p in problems)
    assert any(p.startswith("sources.yml, Zeeland, bron 4") and "upload, ckan of dcat" in p for p in problems)
    assert any(p.startswith("sources.yml, PV26, bron 1 (dcat)") and "onbekend veld 'timout'" in p for p in problems)
    with pytest.raises(RegistryError, match="Atlantis: onbekende provincie"):
        parse_registry("provinces:\n  Atlantis:\n    - kind: upload\n")


def test_ida_sources_points_to_another_file(tmp_path, monkeypatch):
    path = tmp_path / "bronnen.yml"
    path.write_text("provinces:\n  Provincie Zeeland:\n    - kind: dcat\n      url: https://example.org/c.ttl\n")
    monkeypatch.setenv("IDA_SOURCES", str(path))
    registry = load_registry(Settings.from_env().harvest.sources)
    assert [s.url for s in registry.harvested("PV29")] == ["https://example.org/c.ttl"]
    assert not registry.has_upload("PV29") and registry.has_upload("PV26")
    monkeypatch.setenv("IDA_SOURCES", str(tmp_path / "weg.yml"))
    with pytest.raises(RegistryError, match="bestand niet gevonden"):
        load_registry(Settings.from_env().harvest.sources)


# --- DCAT ---------------------------------------------------------------------------------------

def test_dcat_json_ld_maps_to_experiments_and_queues_what_has_no_core_task(server, db):
    server.routes["/bestanden/lessen.csv"] = Route(LESSONS_CSV.encode(), "text/csv")
    graph = catalogue(server.url, ["ZL-1", "ZL-2", "ZL-3"], **{
        "ZL-1": {"lessons": server.url + "/bestanden/lessen.csv", "keywords": ("sensoren", "opschaling")},
        "ZL-2": {"theme": None, "keywords": ("zomaar",)},
        "ZL-3": {"theme": EU + "AGRI", "province": "pv26"},
    })
    source = DcatSource(kind="dcat", url=serve_catalogue(server, graph))
    result = harvest_source(db, "PV29", source, options=FAST)
    assert result.ok, result.errors
    assert result.as_json() == {"experiments": 1, "lessons": 1, "to_classify": 2, "errors": []}

    row = db.execute("""select experiment_id, titel, samenvatting, kerntaak, ida_spoor, fase, startdatum, einddatum,
                               trefwoorden, source_file from raw.experimenten""").fetchall()
    assert [tuple(map(str, r)) for r in row] == [(
        "ZL-1", "Experiment ZL-1", "Fietsers meten fijnstof.", "bereikbaarheid", "maatschappelijke_opgaven",
        "opschaling", "2021-03-15", "2022-12-31", "['opschaling', 'sensoren']", "https://www.example.nl/projecten/ZL-1")]
    lesson = db.execute("select les_id, experiment_id, dilemma, escalatieniveau, source_file, source_row from raw.lessen").fetchall()
    assert lesson == [("ZL-1-L1", "ZL-1", True, "gs", server.url + "/bestanden/lessen.csv", 2)]
    assert db.execute("select source_kind, source from raw.deliveries").fetchall() == [("dcat", source.url)]

    queue = dict(db.execute("select record_id, reason from raw.to_classify").fetchall())
    assert "Geen kerntaak af te leiden" in queue["https://data.example.nl/dataset/ZL-2"]
    assert "De uitgever is Utrecht, maar deze bron hoort bij Zeeland" in queue["https://data.example.nl/dataset/ZL-3"]
    kept = json.loads(db.execute("select record_json from raw.to_classify where record_id like '%ZL-2'").fetchone()[0])
    assert kept["http://purl.org/dc/terms/title"] == ["Experiment ZL-2 (en)@en", "Experiment ZL-2@nl"]
    provenance = db.execute("""select count(*) from raw.harvest_records
                               where source_url = ? and length(checksum) = 64 and fetched_at is not null""", [source.url]).fetchone()
    assert provenance == (3,)


def test_dcat_turtle_paged_catalogue_is_followed_to_the_end(server, db):
    page2 = serve_catalogue(server, catalogue(server.url, ["ZL-3", "ZL-4"]), "turtle", "/catalogus.ttl?pagina=2")
    first = serve_catalogue(server, catalogue(server.url, ["ZL-1", "ZL-2"], next_page=page2), "turtle", "/catalogus.ttl")
    result = harvest_source(db, "PV29", DcatSource(kind="dcat", url=first), options=FAST)
    assert result.ok and result.counts["experiments"] == 4 and result.counts["seen"] == 4


def test_dcat_reharvest_reads_nothing_when_nothing_changed(server, db):
    source = DcatSource(kind="dcat", url=serve_catalogue(server, catalogue(server.url, ["ZL-1", "ZL-2"])))
    assert harvest_source(db, "PV29", source, options=FAST).counts["experiments"] == 2
    before = {t: count(db, t) for t in ("deliveries", "experimenten", "harvest_records", "to_classify")}
    server.requests.clear()
    again = harvest_source(db, "PV29", source, options=FAST)
    assert again.ok and again.unchanged and again.counts["fetched"] == 0
    assert server.requests == [("/catalogus.jsonld", 304)]
    assert {t: count(db, t) for t in before} == before


def test_dcat_changed_dataset_is_read_again_and_a_removed_one_becomes_a_tombstone(server, db):
    url = serve_catalogue(server, catalogue(server.url, ["ZL-1", "ZL-2", "ZL-3"]))
    source = DcatSource(kind="dcat", url=url)
    harvest_source(db, "PV29", source, options=FAST)
    serve_catalogue(server, catalogue(server.url, ["ZL-1", "ZL-2"], **{"ZL-2": {"title": "Nieuwe titel"}}))
    result = harvest_source(db, "PV29", source, options=FAST)
    assert result.ok and result.counts["fetched"] == 1 and result.counts["withdrawn"] == 1
    tombstone = db.execute("select record_id, experiment_id, record_url from raw.withdrawn_at_source").fetchall()
    assert tombstone == [("https://data.example.nl/dataset/ZL-3", "ZL-3", "https://www.example.nl/projecten/ZL-3")]
    assert count(db, "experimenten", "experiment_id = 'ZL-3'") == 1  # kept, never deleted
    titles = db.execute("select titel from raw.experimenten where experiment_id = 'ZL-2' order by loaded_at").fetchall()
    assert titles == [("Experiment ZL-2",), ("Nieuwe titel",)]

    # it comes back: read again, and no longer counted as withdrawn
    serve_catalogue(server, catalogue(server.url, ["ZL-1", "ZL-2", "ZL-3"], **{"ZL-2": {"title": "Nieuwe titel"}}))
    back = harvest_source(db, "PV29", source, options=FAST)
    assert back.counts["fetched"] == 1 and back.counts["withdrawn"] == 0


BROKEN = {
    "500": Route(b"<html>Internal Server Error</html>", "text/html", status=500),
    "time-out": Route(b"", "text/turtle", delay=2.0),
    "kapotte Turtle": Route(b"@prefix dcat: <http://www.w3.org/ns/dcat#> .\n<a> a dcat:Dataset ;; ;", "text/turtle"),
    "kapotte JSON": Route(b'{"@context": {"dcat": "http://www.w3.org/ns/dcat#"}, "@graph": [', "application/ld+json"),
}


@pytest.mark.parametrize("breakage", list(BROKEN))
def test_a_broken_dcat_source_fails_and_keeps_what_the_platform_held(server, db, breakage):
    url = serve_catalogue(server, catalogue(server.url, ["ZL-1", "ZL-2"]))
    source = DcatSource(kind="dcat", url=url)
    assert harvest_source(db, "PV29", source, options=FAST).ok
    held = {t: count(db, t) for t in ("experimenten", "harvest_records", "withdrawn_at_source")}
    good = server.routes["/catalogus.jsonld"]
    server.routes["/catalogus.jsonld"] = BROKEN[breakage]
    result = harvest_source(db, "PV29", source, options=FAST)
    assert not result.ok and result.status == "mislukt"
    message = result.errors[0]
    assert url in message and any(w in message for w in ("serverfout", "niet bereikbaar", "geen leesbare DCAT"))
    assert {t: count(db, t) for t in held} == held
    assert db.execute("select status, error from raw.harvest_runs order by finished_at desc limit 1").fetchone() == ("mislukt", message)
    server.routes["/catalogus.jsonld"] = good
    assert harvest_source(db, "PV29", source, options=FAST).ok


def test_an_empty_catalogue_does_not_withdraw_everything(server, db):
    url = serve_catalogue(server, catalogue(server.url, ["ZL-1"]))
    source = DcatSource(kind="dcat", url=url)
    harvest_source(db, "PV29", source, options=FAST)
    serve_catalogue(server, catalogue(server.url, []))
    result = harvest_source(db, "PV29", source, options=FAST)
    assert not result.ok and "Uit voorzorg" in result.errors[0]
    assert count(db, "withdrawn_at_source") == 0


@pytest.mark.parametrize("breakage", ["500", "time-out", "kapotte JSON"])
def test_a_broken_ckan_api_fails_with_a_dutch_message(server, db, breakage):
    route = BROKEN[breakage]
    server.routes["/api/action/package_search?q=%2A%3A%2A&fq=organization%3A%22provincie-zeeland%22&rows=1&start=0"
                  "&sort=metadata_modified+desc&include_private=false&fl=id%2Cmetadata_modified"] = route
    source = CkanSource(kind="ckan", url=server.url, organization="provincie-zeeland")
    result = harvest_source(db, "PV29", source, options=FAST)
    assert not result.ok
    assert server.url in result.errors[0]
    assert any(w in result.errors[0] for w in ("serverfout", "niet bereikbaar", "geen geldig CKAN-antwoord"))


# --- Dagster: one province's broken source fails that partition only ------------------------------

def test_the_harvest_asset_isolates_provinces(server, tmp_path, monkeypatch):
    from orchestration.harvest import HarvestResource, province_harvest
    from orchestration.resources import ServingResource, WarehouseResource

    good = serve_catalogue(server, catalogue(server.url, ["ZL-1"]))
    server.routes["/kapot.ttl"] = BROKEN["500"]
    registry = tmp_path / "sources.yml"
    registry.write_text(f"provinces:\n  PV29:\n    - kind: dcat\n      url: {good}\n      timeout: 1\n"
                        f"  PV28:\n    - kind: dcat\n      url: {server.url}/kapot.ttl\n      timeout: 1\n")
    resources = {"warehouse_db": WarehouseResource(path=str(tmp_path / "warehouse.duckdb")),
                 "harvest_settings": HarvestResource.of(HarvestSettings(sources=registry)),
                 "outputs": ServingResource(serving_dir=str(tmp_path / "serving"), export_dir=str(tmp_path / "export"))}
    instance = dg.DagsterInstance.ephemeral()
    zeeland = dg.materialize([province_harvest], partition_key="PV29", resources=resources, instance=instance,
                             raise_on_error=False)
    holland = dg.materialize([province_harvest], partition_key="PV28", resources=resources, instance=instance,
                             raise_on_error=False)
    assert zeeland.success and not holland.success
    failure = next(e for e in holland.all_events if e.is_step_failure)
    assert "konden niet worden geoogst" in failure.event_specific_data.error.message
    with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
        assert con.execute("select province_code, count(*) from raw.experimenten group by all").fetchall() == [("PV29", 1)]
        assert con.execute("select province_code, status from raw.harvest_runs order by province_code").fetchall() == [
            ("PV28", "mislukt"), ("PV29", "ok")]


# --- the command line -----------------------------------------------------------------------------

def ida(*args: str, **env: str) -> subprocess.CompletedProcess:
    env = {**os.environ, "IDA_HARVEST_ATTEMPTS": "1", "COLUMNS": "200", **env}
    return subprocess.run([str(Path(sys.executable).with_name("ida")), *args], capture_output=True, text=True, env=env,
                          timeout=120)


def test_cli_harvest_source_waits_for_the_warehouse_writer(server, tmp_path):
    """A harvest into the warehouse while a run writes it waits for that run, says so, and then stores."""
    url = serve_catalogue(server, catalogue(server.url, ["ZL-1"]))
    warehouse = tmp_path / "var" / "warehouse.duckdb"
    held = threading.Event()

    def run_holding_the_warehouse() -> None:
        with writer.writing(warehouse, "de testrun", wait_seconds=0):
            held.set()
            time.sleep(3)

    holder = threading.Thread(target=run_holding_the_warehouse)
    holder.start()
    held.wait(10)
    done = ida("harvest-source", "--kind", "dcat", "--url", url, "--province", "Zeeland",
               IDA_VAR_DIR=str(tmp_path / "var"), IDA_WAREHOUSE=str(warehouse))
    holder.join()
    assert done.returncode == 0, done.stderr
    assert "Wacht tot de testrun" in done.stderr
    with duckdb.connect(str(warehouse), read_only=True) as con:
        assert con.execute("select count(*) from raw.experimenten where province_code = 'PV29'").fetchone()[0] == 1


def test_cli_harvest_source_dry_run_json(server):
    url = serve_catalogue(server, catalogue(server.url, ["ZL-1", "ZL-2"], **{"ZL-2": {"theme": None}}))
    done = ida("harvest-source", "--kind", "dcat", "--url", url, "--province", "Zeeland", "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {"experiments": 1, "lessons": 0, "to_classify": 1, "errors": []}


def test_cli_harvest_source_broken_feed_exits_non_zero_without_traceback(server):
    server.routes["/kapot.jsonld"] = BROKEN["kapotte JSON"]
    done = ida("harvest-source", "--kind", "dcat", "--url", server.url + "/kapot.jsonld", "--province", "PV29", "--dry-run")
    assert done.returncode == 1
    assert "Fout:" in done.stderr and "geen leesbare DCAT-catalogus" in done.stderr and "Traceback" not in done.stderr
    gone = ida("harvest-source", "--kind", "ckan", "--url", "http://127.0.0.1:9", "--organization", "x", "--province",
               "PV29", "--json")
    assert gone.returncode == 1 and "Traceback" not in gone.stderr
    assert "niet bereikbaar" in json.loads(gone.stdout)["errors"][0]


# --- the mapping table is documented --------------------------------------------------------------

def test_the_mapping_table_documents_every_field():
    doc = (REPO_ROOT / "docs" / "oogsten.md").read_text(encoding="utf-8")
    missing = [t for t in THEME_TO_CORE_TASK if t not in doc]
    missing += [f"`{c}`" for c in COLUMNS if f"`{c}`" not in doc]
    missing += [f"`{c}`" for columns in RESOURCE_COLUMNS.values() for c in columns if f"`{c}`" not in doc]
    assert not missing, f"not in docs/oogsten.md: {missing}"


# --- the real CKAN --------------------------------------------------------------------------------

@pytest.fixture
def zeeland_portal(ckan):
    """provincie-zeeland in the local CKAN as Zeeland's own portal; what the test makes there is purged."""
    admin = ckanapi.RemoteCKAN(ckan["url"], apikey=ckan["sysadmin_token"])
    run = uuid.uuid4().hex[:8]

    def purge() -> None:
        found = admin.action.package_search(fq=f"name:{PREFIX}{run}-*", rows=1000, include_private=True)
        for item in found["results"]:
            admin.action.dataset_purge(id=item["id"])

    yield admin, f"{PREFIX}{run}-"
    purge()


def experiment(name: str, number: int, **fields) -> dict:
    return {"type": "experiment", "name": name, "owner_org": "provincie-zeeland", "provincie": "PV29",
            "title": f"Zeeuws experiment {number}", "experiment_id": f"ZL-{number}", "kerntaak": "ruimte",
            "ida_spoor": "maatschappelijke_opgaven", "fase": "experiment", "notes": "Proef met zoutmetingen.",
            "leervragen": ["Wat meten we?", "Wie beheert het?"], "partners": ["Rijkswaterstaat"],
            "publieke_waarden": ["transparantie"], "tags": [{"name": "water"}], "maintainer_email": "data@zeeland.nl",
            "startdatum": "2021-02-03", **fields}


def test_harvest_from_the_local_ckan(zeeland_portal, db):
    admin, prefix = zeeland_portal
    first = admin.action.package_create(**experiment(prefix + "1", 1))
    admin.action.resource_create(package_id=first["id"], name="Lessen", format="CSV", upload=(
        "lessen.csv", io.BytesIO(LESSONS_CSV.replace("ZL-1-L1;ZL-1", "ZL-1-L1;").encode())))
    admin.action.package_create(**experiment(prefix + "2", 2, fase="opschaling"))
    admin.action.package_create(name=prefix + "3", title="Verkeersdata Zeeland", owner_org="provincie-zeeland",
                                extras=[{"key": "theme", "value": json.dumps([EU + "TRAN"])}])
    admin.action.package_create(name=prefix + "4", title="Jaarverslag", owner_org="provincie-zeeland")
    source = CkanSource(kind="ckan", url=admin.address, organization="provincie-zeeland", fq=f"name:{prefix}*")

    result = harvest_source(db, "PV29", source, options=FAST)
    assert result.ok, result.errors
    assert result.as_json() == {"experiments": 3, "lessons": 1, "to_classify": 1, "errors": []}
    rows = db.execute("""select experiment_id, titel, kerntaak, fase, leervragen, partners, publieke_waarden, trefwoorden,
                                contact, startdatum, source_file from raw.experimenten order by experiment_id""").fetchall()
    assert rows[0][:10] == ("ZL-1", "Zeeuws experiment 1", "ruimte", "experiment", ["Wat meten we?", "Wie beheert het?"],
                            ["Rijkswaterstaat"], ["transparantie"], ["water"], "data@zeeland.nl",
                            __import__("datetime").date(2021, 2, 3))
    assert rows[0][10] == f"{admin.address}/experiment/{prefix}1"
    assert rows[1][:4] == ("ZL-2", "Zeeuws experiment 2", "ruimte", "opschaling")
    assert rows[2][1:4] == ("Verkeersdata Zeeland", "bereikbaarheid", "experiment")
    assert db.execute("select les_id, experiment_id from raw.lessen").fetchall() == [("ZL-1-L1", "ZL-1")]
    assert db.execute("select title from raw.to_classify").fetchall() == [("Jaarverslag",)]
    assert db.execute("select distinct source_kind from raw.deliveries").fetchall() == [("ckan",)]

    # incremental: nothing changed, nothing read
    again = harvest_source(db, "PV29", source, options=FAST)
    assert again.ok and again.unchanged and again.counts["fetched"] == 0
    assert count(db, "deliveries") == 1 and count(db, "harvest_records") == 4

    # one changed, one deleted at the source
    admin.action.package_patch(id=prefix + "2", fase="structureel")
    admin.action.dataset_purge(id=prefix + "3")
    changed = harvest_source(db, "PV29", source, options=FAST)
    assert changed.ok and changed.counts["fetched"] == 1 and changed.counts["withdrawn"] == 1
    assert db.execute("select experiment_id from raw.withdrawn_at_source").fetchall() == [(rows[2][0],)]
    assert count(db, "experimenten", f"experiment_id = '{rows[2][0]}'") == 1  # still held
    latest = db.execute("select fase from raw.experimenten where experiment_id = 'ZL-2' order by loaded_at desc limit 1").fetchone()
    assert latest == ("structureel",)


# --- dbt and the page ---------------------------------------------------------------------------------

def test_the_queue_reaches_the_page_through_dbt_and_the_serving_copy(server, tmp_path, monkeypatch):
    from streamlit.testing.v1 import AppTest

    from apps import queries
    from ida.warehouse import serving

    wh = tmp_path / "warehouse.duckdb"
    with warehouse.connect(wh) as con:
        url = serve_catalogue(server, catalogue(server.url, ["ZL-1", "ZL-2", "ZL-3"], **{"ZL-2": {"theme": None}}))
        harvest_source(con, "PV29", DcatSource(kind="dcat", url=url), options=FAST)
        serve_catalogue(server, catalogue(server.url, ["ZL-2", "ZL-3"], **{"ZL-2": {"theme": None}}))
        harvest_source(con, "PV29", DcatSource(kind="dcat", url=url), options=FAST)
        server.routes["/catalogus.jsonld"] = BROKEN["500"]
        harvest_source(con, "PV29", DcatSource(kind="dcat", url=url), options=FAST)
    dbt = Path(sys.executable).with_name("dbt")
    done = subprocess.run([str(dbt), "build", "--select", "+to_classify", "+withdrawn_at_source", "+harvest_sources",
                           "--indirect-selection", "cautious", "--target-path", str(tmp_path / "target"),
                           "--log-path", str(tmp_path / "logs"), "--vars", json.dumps({"warehouse": str(wh)})],
                          cwd=REPO_ROOT / "dbt_project", capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:]
    serving.publish(wh, tmp_path / "serving")
    monkeypatch.setenv("IDA_SERVING_DIR", str(tmp_path / "serving"))
    queries.settings.clear()  # the dashboard reads its settings once per process
    try:
        page = AppTest.from_file(str(REPO_ROOT / "apps" / "views" / "te_classificeren.py"), default_timeout=60).run()
    finally:
        queries.settings.clear()
    assert not page.exception
    assert [m.value for m in page.metric] == ["1", "1", "1"]
    queue = page.dataframe[0].value
    assert list(queue["Titel"]) == ["Experiment ZL-2"] and "Geen kerntaak" in queue["Reden"][0]
    assert any("Reden: Geen kerntaak" in t.value for t in page.text)
    assert "Experiment ZL-2" in page.code[0].value
    sources = page.dataframe[1].value
    assert list(sources["Status"]) == ["mislukt"] and "serverfout" in sources["Melding"][0]
    assert list(page.dataframe[2].value["Experiment"]) == ["ZL-1"]
    page.selectbox(key="tc_provincie").set_value("Utrecht").run()
    assert [m.value for m in page.metric] == ["0", "0", "0"]


def test_lesson_files_in_the_platforms_own_export_format_are_read(server, db):
    """catalog/ckan_dicts.py publishes lessons with English columns and without experiment_id."""
    from catalog.ckan_dicts import LESSON_COLUMNS

    csv_text = ",".join(LESSON_COLUMNS) + "\nL9,2022-06-01,verticaal,governance,Besluit vooraf wie beslist.,true,cmt,open,privacy|transparantie\n"
    server.routes["/export/lessen.csv"] = Route(csv_text.encode(), "text/csv")
    url = serve_catalogue(server, catalogue(server.url, ["ZL-7"], **{"ZL-7": {"lessons": server.url + "/export/lessen.csv"}}))
    result = harvest_source(db, "PV29", DcatSource(kind="dcat", url=url), options=FAST)
    assert result.ok and result.counts["lessons"] == 1, result.errors
    assert db.execute("select les_id, experiment_id, leerrichting, dilemma, escalatieniveau, publieke_waarden from raw.lessen").fetchall() == [
        ("L9", "ZL-7", "verticaal", True, "cmt", ["privacy", "transparantie"])]
