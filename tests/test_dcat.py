"""DCAT-AP-NL 3.0 out of the real local CKAN, and the lessons findable in it.

After the samples are published (the `first_publish` fixture of test_publish.py, under the stack's
publish lock), every RDF endpoint is validated with pySHACL against the four shape files of the Dutch
profile (../shared/standards/dcat-ap-nl-3.0/, beside the repository, where CI has it too): `/catalog.ttl`
and every page it links to, and each dataset's `.ttl`, `.rdf` and `.jsonld`. Each must have 0 violations.
"""

from __future__ import annotations

import json
import re
import uuid
from collections import Counter
from functools import cache

import pytest
import requests
from markupsafe import escape
from pyshacl import validate
from rdflib import Graph, Namespace, URIRef

from catalog import ckan_dicts, publish
from ida.settings import REPO_ROOT, Settings
from ida.standard.vocabularies import provinces, vocabulary
from test_publish import admin, counting, current_catalogue, experiments, first_publish  # noqa: F401 (fixtures)

SHAPES_DIR = REPO_ROOT.parent / "shared" / "standards" / "dcat-ap-nl-3.0"
SHAPE_FILES = ("dcat-ap-SHACL.ttl", "dcat-ap-nl-SHACL.ttl", "dcat-ap-nl-SHACL-klassebereik.ttl",
               "dcat-ap-nl-SHACL-klassebereik-codelijsten.ttl")
FORMATS = {"ttl": "turtle", "rdf": "xml", "jsonld": "json-ld"}

# plain Namespaces: rdflib's closed ones trip pytest's collection
SH = Namespace("http://www.w3.org/ns/shacl#")
DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCTERMS = Namespace("http://purl.org/dc/terms/")
RDF = Namespace("http://www.w3.org/1999/02/22-rdf-syntax-ns#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
NLD = "http://publications.europa.eu/resource/authority/language/NLD"
FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
MEDIA_TYPE = "https://www.iana.org/assignments/media-types/"
DATASET_STATUS = "http://publications.europa.eu/resource/authority/dataset-status/"
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
ADMS = Namespace("http://www.w3.org/ns/adms#")


@cache
def shapes() -> Graph:
    graph = Graph()
    for name in SHAPE_FILES:
        graph.parse(SHAPES_DIR / name, format="turtle")
    return graph


def violations(data: Graph) -> list[str]:
    """One line per SHACL violation of `data` against the four shape files (warnings not counted)."""
    _, report, _ = validate(data, shacl_graph=shapes(), advanced=True, allow_warnings=True)
    lines = []
    for result in report.subjects(RDF.type, SH.ValidationResult):
        if report.value(result, SH.resultSeverity) != SH.Violation:
            continue
        lines.append(f"{report.value(result, SH.focusNode)} {report.value(result, SH.resultPath)}: "
                     f"{report.value(result, SH.resultMessage)}")
    return lines


def get_graph(url: str, fmt: str) -> Graph:
    response = requests.get(url, timeout=120)
    assert response.status_code == 200, f"{url}: HTTP {response.status_code}"
    return Graph().parse(data=response.content, format=fmt)


def catalogue_pages(base: str) -> list[tuple[str, Graph]]:
    """/catalog.ttl and every further page, following hydra:nextPage."""
    pages, url = [], f"{base}/catalog.ttl"
    while url and len(pages) < 100:
        graph = get_graph(url, "turtle")
        pages.append((url, graph))
        following = next(graph.objects(None, HYDRA.nextPage), None)
        url = str(following) if following is not None and str(following) != url else None
    return pages


def summary(found: dict[str, list[str]]) -> str:
    """The violations per endpoint, and the most frequent kinds over all of them."""
    kinds = Counter(re.sub(r"<[^>]*>", "<…>", re.sub(r"^\S+ ", "", line)) for lines in found.values() for line in lines)
    counts = ", ".join(f"{url}: {len(lines)}" for url, lines in found.items() if lines)
    return f"{counts}\nmost frequent:\n" + "\n".join(f"{n:5d} × {kind}" for kind, n in kinds.most_common(25))


def test_the_shape_files_are_there():
    for name in SHAPE_FILES:
        assert (SHAPES_DIR / name).is_file(), f"{SHAPES_DIR / name} ontbreekt (../shared/standards beside the clone)"
    assert len(shapes()) > 1000


def test_every_catalogue_page_conforms_to_dcat_ap_nl(first_publish, var_dir, ckan):
    pages = catalogue_pages(ckan["url"])
    assert len(pages) >= 2  # the samples fill more than one page (ckanext.dcat.datasets_per_page = 50)
    found = {url: violations(graph) for url, graph in pages}
    assert sum(map(len, found.values())) == 0, summary(found)
    published = set()
    for _, graph in pages:
        published |= {str(d) for d in graph.subjects(RDF.type, DCAT.Dataset)}
    names = {d["name"] for d in current_catalogue(var_dir)}
    assert len(published) >= len(names)  # every dataset is on a page (others' test datasets may be too)


@pytest.mark.parametrize("suffix", FORMATS)
def test_every_dataset_endpoint_conforms_to_dcat_ap_nl(first_publish, var_dir, ckan, suffix):
    found = {}
    for dataset in current_catalogue(var_dir):
        url = f"{ckan['url']}/dataset/{dataset['name']}.{suffix}"
        graph = get_graph(url, FORMATS[suffix])
        assert len(list(graph.subjects(RDF.type, DCAT.Dataset))) == 1, url
        found[url] = violations(graph)
    assert sum(map(len, found.values())) == 0, summary(found)


def test_an_experiment_says_what_dcat_ap_nl_asks(first_publish, var_dir, ckan, admin):
    """Not just conforming: the values are the experiment's own (theme from its core task, its province's
    TOOI URI as publisher and creator, the settings' rights and licence, code-list URIs for the files)."""
    dcat = Settings.from_env().dcat
    dataset = next(d for d in experiments(current_catalogue(var_dir)) if d.get("maintainer_email"))
    shown = admin.action.package_show(id=dataset["name"])
    graph = get_graph(f"{ckan['url']}/dataset/{dataset['name']}.ttl", "turtle")
    (subject,) = graph.subjects(RDF.type, DCAT.Dataset)
    tooi = URIRef(provinces().row(dataset["provincie"])["tooi_uri"])
    assert set(graph.objects(subject, DCAT.theme)) == {URIRef(ckan_dicts.eu_theme(dataset["kerntaak"]))}
    assert set(graph.objects(subject, DCTERMS.publisher)) == set(graph.objects(subject, DCTERMS.creator)) == {tooi}
    assert str(graph.value(tooi, FOAF.name)) == f"Provincie {provinces().row(dataset['provincie'])['naam']}"
    assert set(graph.objects(subject, DCTERMS.accessRights)) == {URIRef(dcat.access_rights)}
    assert set(graph.objects(subject, DCTERMS.language)) == {URIRef(NLD)}
    (contact,) = graph.objects(subject, DCAT.contactPoint)
    assert set(graph.objects(contact, VCARD.hasEmail)) == {URIRef(f"mailto:{dataset['maintainer_email']}")}
    for resource in shown["resources"]:
        distribution = URIRef(f"{ckan['url']}/dataset/{shown['id']}/resource/{resource['id']}")
        assert (subject, DCAT.distribution, distribution) in graph
        assert set(graph.objects(distribution, DCAT.downloadURL)) == {URIRef(resource["url"])}
        assert set(graph.objects(distribution, DCTERMS.license)) == {URIRef(dcat.data_license)}
        assert set(graph.objects(distribution, DCTERMS["format"])) == {URIRef(FILE_TYPE + "CSV")}
        assert set(graph.objects(distribution, DCAT.mediaType)) == {URIRef(MEDIA_TYPE + "text/csv")}


def test_a_withdrawn_experiment_is_withdrawn_in_dcat(first_publish, var_dir, ckan):
    dataset = next(d for d in experiments(current_catalogue(var_dir)) if d["status_publicatie"] == "ingetrokken")
    graph = get_graph(f"{ckan['url']}/dataset/{dataset['name']}.ttl", "turtle")
    (subject,) = graph.subjects(RDF.type, DCAT.Dataset)
    assert set(graph.objects(subject, ADMS.status)) == {URIRef(DATASET_STATUS + "WITHDRAWN")}


def test_the_catalogue_names_its_publisher_contact_point_and_homepage(first_publish, ckan):
    graph = get_graph(f"{ckan['url']}/catalog.ttl", "turtle")
    (catalogue,) = graph.subjects(RDF.type, DCAT.Catalog)
    (publisher,) = graph.objects(catalogue, DCTERMS.publisher)
    assert str(publisher).startswith("http") and graph.value(publisher, FOAF.name)
    (contact,) = graph.objects(catalogue, DCAT.contactPoint)
    assert str(graph.value(contact, VCARD.hasEmail)).startswith("mailto:")
    assert set(graph.objects(catalogue, FOAF.homepage)) == {URIRef(ckan["url"])}
    assert set(graph.objects(catalogue, DCTERMS.license)) == {URIRef(Settings.from_env().dcat.metadata_license)}


# --- the lessons, findable in CKAN -------------------------------------------------------------------

WORD = re.compile(r"[^\W\d_]{8,}")


def words(text: str) -> set[str]:
    return {w.casefold() for w in WORD.findall(text)}


def unique_lesson_word(datasets: list[dict]) -> tuple[str, dict, dict]:
    """A word of at least 8 letters that occurs in one lesson of one experiment and nowhere else in the
    catalogue (no other word even shares its first 7 letters, so Solr's stemming cannot join them)."""
    elsewhere: Counter = Counter()
    for dataset in datasets:
        rest = {k: v for k, v in dataset.items() if k not in ("lessen", "resources")}
        elsewhere.update(words(" ".join(map(str, rest.values()))))
        for resource in dataset["resources"]:
            if resource["name"] != "Lessen":  # lessons also sit in lessen.csv, which is not indexed
                elsewhere.update(words(resource["data"]))
        for item in dataset.get("lessen", []):
            elsewhere.update(words(item["les"]))
    prefixes = Counter(w[:7] for w in elsewhere)
    for dataset in experiments(datasets):
        for item in dataset.get("lessen", []):
            for word in sorted(words(item["les"])):
                if elsewhere[word] == 1 and prefixes[word[:7]] == 1:
                    return word, dataset, item
    raise AssertionError("geen woord dat maar in één les voorkomt")


def test_a_word_from_one_lesson_finds_its_experiment(first_publish, var_dir, admin):
    word, dataset, _ = unique_lesson_word(current_catalogue(var_dir))
    found = admin.action.package_search(q=word, rows=10)
    assert [d["name"] for d in found["results"]] == [dataset["name"]], word
    only_lessons = admin.action.package_search(fq=f"extras_lessen:{word}", rows=10)
    assert [d["name"] for d in only_lessons["results"]] == [dataset["name"]], word


def test_the_experiment_in_ckan_holds_its_lessons(first_publish, var_dir, admin):
    dataset = next(d for d in experiments(current_catalogue(var_dir)) if len(d.get("lessen", [])) > 2)
    shown = admin.action.package_show(id=dataset["name"])
    assert shown["lessen"] == dataset["lessen"]
    assert {item["categorie"] for item in shown["lessen"]} <= set(vocabulary("categorieen").codes)


def test_the_dataset_page_shows_the_lessons(first_publish, var_dir, ckan):
    dataset = next(d for d in experiments(current_catalogue(var_dir))
                   if any(item["dilemma"] == "ja" for item in d.get("lessen", [])))
    page = requests.get(f"{ckan['url']}/experiment/{dataset['name']}", timeout=60)
    assert page.status_code == 200
    for item in dataset["lessen"]:
        assert str(escape(item["les"])) in page.text, item["les"]
        assert str(escape(vocabulary("categorieen").label(item["categorie"]))) in page.text
        assert vocabulary("leerrichtingen").label(item["leerrichting"]) in page.text
    assert "Dilemma" in page.text and "Lessen" in page.text


def test_lesson_words_with_accents_are_found(first_publish, var_dir, admin):
    """A word with a diaeresis (as Dutch has them) is found as typed: the index holds the lessons as text,
    not as JSON with escaped characters."""
    source = next(d for d in experiments(current_catalogue(var_dir)) if d.get("lessen"))
    word = "coördinatie" + "".join(chr(ord("a") + int(c, 16)) for c in uuid.uuid4().hex[:8])  # letters only
    dataset = json.loads(json.dumps(source))
    dataset.update(name=f"pv26-lessen-{uuid.uuid4().hex[:8]}", title=f"{source['title']} (kopie)")
    dataset["lessen"][0]["les"] = f"Zonder {word} tussen de teams lukt het niet; dat leerden we laat."
    dataset["fingerprint"] = ckan_dicts.fingerprint(dataset)
    try:
        assert publish.publish_catalogue(admin, [dataset], withdraw_missing=False).ok
        found = admin.action.package_search(q=word, rows=10)
        assert [d["name"] for d in found["results"]] == [dataset["name"]]
    finally:
        admin.action.dataset_purge(id=dataset["name"])
