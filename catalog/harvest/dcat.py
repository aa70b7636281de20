"""Harvesting a DCAT-AP catalogue (JSON-LD, RDF/XML or Turtle) with rdflib.

Paged catalogues are followed page by page (hydra:next, hydra:nextPage, dcat:next, as:next).
Incremental: every page is asked again with its ETag/Last-Modified; when all pages answer
"304 Not Modified" nothing is read. Otherwise the whole catalogue is read and only the datasets
whose content changed are processed. Each `dcat:Dataset` maps through catalog.harvest.mapping.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import urlsplit

import requests
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import DCAT, DCTERMS, FOAF, RDF, SKOS

from catalog.harvest import http
from ida.xml_prolog import DefusedXmlException, check_prolog
from catalog.harvest.mapping import Distribution, Generic, NotAnExperiment, from_generic
from catalog.harvest.records import Fetched, Harvested, Progress
from catalog.harvest.sources import DcatSource
from catalog.harvest.state import Held, LastRun

HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
SCHEMA = Namespace("http://schema.org/")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
ACTIVITY = Namespace("https://www.w3.org/ns/activitystreams#")
NEXT = (HYDRA.next, HYDRA.nextPage, URIRef(str(DCAT) + "next"), ACTIVITY.next, URIRef("http://www.w3.org/ns/activitystreams#next"))
MAX_PAGES = 1000
FORMATS = {"application/ld+json": "json-ld", "application/json": "json-ld", "text/turtle": "turtle",
           "application/x-turtle": "turtle", "application/rdf+xml": "xml", "application/xml": "xml",
           "text/xml": "xml", "application/n-triples": "nt", "text/n3": "n3"}
SUFFIXES = {".jsonld": "json-ld", ".json": "json-ld", ".ttl": "turtle", ".rdf": "xml", ".xml": "xml", ".nt": "nt", ".n3": "n3"}


def _format(response: http.Response) -> list[str]:
    declared = FORMATS.get(response.content_type.split(";", 1)[0].strip().lower())
    path = urlsplit(response.url).path.lower()
    by_suffix = next((f for s, f in SUFFIXES.items() if path.endswith(s)), None)
    return list(dict.fromkeys(f for f in (declared, by_suffix, "turtle", "json-ld", "xml") if f))


def parse_page(response: http.Response, session: requests.Session, options: http.Options) -> Graph:
    """One catalogue page as a graph; HarvestError (Dutch) when it is no RDF this reader knows."""
    problems = []
    for fmt in _format(response):
        graph = Graph()
        try:
            data = response.body
            if fmt == "json-ld":
                data = json.dumps(_inline_contexts(json.loads(data), session, options)).encode()
            if fmt == "xml":  # rdflib's RDF/XML parser would expand entities: their declarations are refused first
                check_prolog(data, forbid_dtd=False)
            graph.parse(data=data, format=fmt, publicID=response.url)
        except http.HarvestError:
            raise
        except DefusedXmlException:
            raise http.HarvestError(f"{response.url} is RDF/XML met een entiteit of externe verwijzing in een DTD; "
                                    "die worden niet gelezen (ze kunnen de oogst laten ontploffen of bestanden van de "
                                    "server binnenhalen). Vraag de bronhouder de catalogus zonder DTD te publiceren.") from None
        except Exception as problem:  # rdflib's parsers raise many types for broken input
            problems.append(f"{fmt}: {str(problem).splitlines()[0][:160] if str(problem) else type(problem).__name__}")
            continue
        if len(graph) == 0:
            problems.append(f"{fmt}: geen enkele RDF-uitspraak")
            continue
        return graph
    raise http.HarvestError(f"{response.url} is geen leesbare DCAT-catalogus (JSON-LD, RDF/XML of Turtle): "
                            + "; ".join(problems[:3]))


def _inline_contexts(document: Any, session: requests.Session, options: http.Options) -> Any:
    """Remote JSON-LD contexts are fetched here (with timeout and retries), never by the parser."""
    def resolve(context: Any) -> Any:
        if isinstance(context, str) and context.startswith(("http://", "https://")):
            fetched = json.loads(http.get(session, context, options, {"Accept": "application/ld+json"}).body)
            return fetched.get("@context", {})
        if isinstance(context, list):
            return [resolve(c) for c in context]
        return context

    if isinstance(document, dict) and "@context" in document:
        document["@context"] = resolve(document["@context"])
    elif isinstance(document, list):
        document = [_inline_contexts(d, session, options) for d in document]
    return document


def _next_page(graph: Graph) -> str | None:
    for predicate in NEXT:
        for target in graph.objects(None, predicate):
            if isinstance(target, URIRef) and str(target).startswith(("http://", "https://")):
                return str(target)
    return None


def _best(graph: Graph, node: Any, predicate: URIRef) -> str | None:
    """A literal in Dutch if there is one, else without language, else English, else any."""
    values = [v for v in graph.objects(node, predicate) if isinstance(v, Literal)]
    for lang in ("nl", None, "en"):
        for value in values:
            if value.language == lang and str(value).strip():
                return str(value).strip()
    return next((str(v).strip() for v in values if str(v).strip()), None)


def _texts(graph: Graph, node: Any, predicate: URIRef) -> list[str]:
    values = [v for v in graph.objects(node, predicate) if isinstance(v, Literal)]
    preferred = [v for v in values if v.language in (None, "nl")] or values
    return sorted({str(v).strip() for v in preferred if str(v).strip()})


def _describe(graph: Graph, node: Any, depth: int = 3) -> dict[str, Any]:
    """The statements about a node as JSON (blank nodes nested), sorted: the record as fetched."""
    described: dict[str, list] = {}
    for predicate, value in graph.predicate_objects(node):
        key = str(predicate)
        if isinstance(value, BNode):
            shown: Any = _describe(graph, value, depth - 1) if depth else {}
        elif isinstance(value, Literal):
            shown = f"{value}@{value.language}" if value.language else str(value)
        else:
            shown = str(value)
        described.setdefault(key, []).append(shown)
    return {k: sorted(v, key=lambda x: json.dumps(x, sort_keys=True)) for k, v in sorted(described.items())}


def to_generic(graph: Graph, dataset: Any) -> Generic:
    themes: list[str] = []
    for theme in graph.objects(dataset, DCAT.theme):
        themes.append(str(theme))
        themes += [str(label) for label in graph.objects(theme, SKOS.prefLabel)]
    publishers: list[str] = []
    for publisher in graph.objects(dataset, DCTERMS.publisher):
        if isinstance(publisher, URIRef):
            publishers.append(str(publisher))
        publishers += [str(n) for n in graph.objects(publisher, FOAF.name)]
        if isinstance(publisher, Literal):
            publishers.append(str(publisher))
    start = end = None
    for period in graph.objects(dataset, DCTERMS.temporal):
        start = start or _best(graph, period, DCAT.startDate) or _best(graph, period, SCHEMA.startDate)
        end = end or _best(graph, period, DCAT.endDate) or _best(graph, period, SCHEMA.endDate)
    contact = None
    for point in graph.objects(dataset, DCAT.contactPoint):
        email = graph.value(point, VCARD.hasEmail)
        contact = contact or (str(email) if email is not None else None)
    landing = graph.value(dataset, DCAT.landingPage)
    link = str(landing) if landing is not None else (str(dataset) if isinstance(dataset, URIRef) else None)
    distributions = []
    for dist in graph.objects(dataset, DCAT.distribution):
        url = graph.value(dist, DCAT.downloadURL) or graph.value(dist, DCAT.accessURL)
        if url is None:
            continue
        fmt = graph.value(dist, DCTERMS.format) or graph.value(dist, DCAT.mediaType)
        distributions.append(Distribution(str(url), _best(graph, dist, DCTERMS.title) or "",
                                          str(fmt).rstrip("/").rsplit("/", 1)[-1] if fmt is not None else ""))
    return Generic(
        identifier=_best(graph, dataset, DCTERMS.identifier),
        title=_best(graph, dataset, DCTERMS.title),
        description=_best(graph, dataset, DCTERMS.description),
        keywords=_texts(graph, dataset, DCAT.keyword),
        themes=themes, publishers=publishers, start=start, end=end, contact=contact, link=link,
        distributions=distributions,
    )


_LANGUAGE = re.compile(r"^(.*)@([a-zA-Z]{2,3}(?:-[a-zA-Z0-9]{1,8})*)$", re.DOTALL)


def from_document(document: dict[str, Any]) -> Generic:
    """A dataset as `_describe` stored it (the to-classify queue's record JSON) as a generic record again:
    the statements are put back into a graph (nested objects as blank nodes, text as literals with
    their language) and read by `to_generic`, the same reading the harvest did."""
    graph = Graph()

    def add(node: Any, described: dict[str, Any], depth: int = 3) -> None:
        for predicate, values in described.items():
            if predicate == "@id" or not isinstance(values, list):
                continue
            for value in values:
                if isinstance(value, dict):
                    child = BNode()
                    if depth:
                        add(child, value, depth - 1)
                    graph.add((node, URIRef(predicate), child))
                    continue
                text = str(value)
                match = None if text.startswith(("http://", "https://", "mailto:")) else _LANGUAGE.match(text)
                graph.add((node, URIRef(predicate), Literal(match[1], lang=match[2]) if match else Literal(text)))

    identifier = str(document.get("@id") or "")
    dataset = URIRef(identifier) if identifier.startswith(("http://", "https://")) else BNode()
    add(dataset, document)
    return to_generic(graph, dataset)


def read_catalogue(source: DcatSource, session: requests.Session, options: http.Options,
                   first: http.Response | None = None, progress: Progress | None = None) -> tuple[Graph, list[dict]]:
    """All pages of the catalogue as one graph, and per page its URL and validators."""
    graph, pages, url = Graph(), [], source.url
    while url and len(pages) < MAX_PAGES:
        response = first if first is not None and not pages else http.get(session, url, options, _ACCEPT)
        page = parse_page(response, session, options)
        graph += page
        pages.append({"url": url, "etag": response.etag, "last_modified": response.last_modified})
        if progress:
            progress("pagina's gelezen", len(pages), None)
        url = _next_page(page)
        if url in {p["url"] for p in pages}:
            break
    return graph, pages


_ACCEPT = {"Accept": "text/turtle, application/ld+json;q=0.9, application/rdf+xml;q=0.8, */*;q=0.1"}


def _unchanged(pages: list[dict], session: requests.Session, options: http.Options) -> tuple[bool, http.Response | None]:
    """Whether every page answers 304 to its validators; else the first page's fresh response."""
    for number, page in enumerate(pages):
        headers = dict(_ACCEPT)
        if page.get("etag"):
            headers["If-None-Match"] = page["etag"]
        if page.get("last_modified"):
            headers["If-Modified-Since"] = page["last_modified"]
        if len(headers) == 1:
            return False, None
        response = http.get(session, page["url"], options, headers)
        if response.status != 304:
            return False, response if number == 0 else None
    return True, None


def fetch(source: DcatSource, province: str, held: dict[str, Held], last: LastRun | None,
          options: http.Options, progress: Progress | None = None,
          session: requests.Session | None = None) -> Fetched:
    session = session or http.session()
    first = None
    pages = (last.validators or {}).get("pages") if last else None
    if pages:
        same, first = _unchanged(pages, session, options)
        if same:
            if progress:
                progress("ongewijzigd (304)", len(held), len(held))
            return Fetched([], None, len(held), validators=last.validators)
    graph, pages = read_catalogue(source, session, options, first, progress)
    datasets = sorted(set(graph.subjects(RDF.type, DCAT.Dataset)), key=str)
    if not datasets and held:
        raise http.HarvestError(f"{source.url} bevat geen enkele dcat:Dataset meer, terwijl het platform er {len(held)} "
                                "van heeft. Uit voorzorg is niets als ingetrokken gemarkeerd; controleer de bron.")
    records, present = [], set()
    for dataset in datasets:
        document = _describe(graph, dataset)
        generic = to_generic(graph, dataset)
        record_id = str(dataset) if isinstance(dataset, URIRef) else f"identifier:{generic.identifier or ''}"
        record = Harvested(record_id=record_id, url=generic.link or source.url,
                           modified=_best(graph, dataset, DCTERMS.modified), document={"@id": record_id, **document},
                           title=generic.title)
        present.add(record_id)
        if record_id in held and held[record_id].checksum == record.checksum:
            continue
        if isinstance(dataset, BNode) and not generic.identifier:
            record.reason = "De dataset heeft geen URI en geen dct:identifier; zo is hij niet te volgen."
        else:
            try:
                record.experiment = from_generic(generic, province, record_id)
                record.distributions = generic.distributions
            except NotAnExperiment as reason:
                record.reason = str(reason)
        records.append(record)
    if progress:
        progress("datasets gelezen", len(datasets), len(datasets))
    return Fetched(records, present, len(datasets), validators={"pages": pages})
