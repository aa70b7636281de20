"""The RDF profile `dcat_ap_nl`: what DCAT-AP-NL 3.0 (Geonovum, 2024) adds to ckanext-dcat's DCAT-AP 3.

Listed after `euro_dcat_ap_3` in `ckanext.dcat.rdf.profiles`, it runs on the graph that profile made for a
dataset or for the catalogue and replaces or adds only what the Dutch profile asks:

dataset       exactly one dcat:contactPoint (a vcard:Kind with name and e-mail); dct:publisher and
              dct:creator as foaf:Agent with a URI (the province's TOOI URI); at least one dcat:theme (EU
              data theme, skos:Concept); dct:accessRights and dct:language as code-list URIs; adms:status
              WITHDRAWN for a dataset the platform withdrew; a description.
distribution  dct:license (a licence URI); dct:format (EU file type) and dcat:mediaType (IANA) as
              code-list URIs; dcat:downloadURL beside dcat:accessURL for a file CKAN holds.
catalogue     dct:publisher, dcat:contactPoint, foaf:homepage, dct:license and dct:language.

Values come from the dataset dict first (the fields the platform publishes: `theme`, `access_rights`,
`language`, `publisher_uri`/`publisher_name`, `creator_uri`/`creator_name`, `maintainer`/`maintainer_email`,
a resource's `license` and `mimetype`; as fields or as extras), then from the dataset's organisation (its
`tooi_uri` extra), then from the `ckanext.ida.*` settings (config_declaration.yaml), so a dataset made by
hand in CKAN conforms too.
"""

from __future__ import annotations

import logging
import re
import time
from typing import Any

from ckantoolkit import config, get_action
from rdflib import BNode, Literal, URIRef
from rdflib.namespace import RDF, RDFS, SKOS

from ckanext.dcat.profiles import ADMS, DCAT, DCT, FOAF, VCARD
from ckanext.dcat.profiles.base import CleanedURIRef, RDFProfile
from ckanext.dcat.utils import catalog_uri, dataset_uri, resource_uri

log = logging.getLogger(__name__)

FILE_TYPE = "http://publications.europa.eu/resource/authority/file-type/"
MEDIA_TYPE = "https://www.iana.org/assignments/media-types/"
DATASET_STATUS = "http://publications.europa.eu/resource/authority/dataset-status/"
UNKNOWN_IPR = URIRef("http://purl.org/adms/licencetype/UnknownIPR")
# CKAN format (upper case) -> (EU file type code, IANA media type)
FORMATS = {
    "CSV": ("CSV", "text/csv"),
    "TSV": ("TSV", "text/tab-separated-values"),
    "JSON": ("JSON", "application/json"),
    "JSONL": ("JSON", "application/jsonl"),
    "GEOJSON": ("GEOJSON", "application/geo+json"),
    "XML": ("XML", "application/xml"),
    "XLSX": ("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    "XLS": ("XLS", "application/vnd.ms-excel"),
    "ODS": ("ODS", "application/vnd.oasis.opendocument.spreadsheet"),
    "PDF": ("PDF", "application/pdf"),
    "ZIP": ("ZIP", "application/zip"),
    "TXT": ("TXT", "text/plain"),
    "HTML": ("HTML", "text/html"),
    "PARQUET": ("PARQUET", "application/vnd.apache.parquet"),
    "TTL": ("RDF_TURTLE", "text/turtle"),
    "TURTLE": ("RDF_TURTLE", "text/turtle"),
    "RDF": ("RDF_XML", "application/rdf+xml"),
    "JSON-LD": ("JSON_LD", "application/ld+json"),
}
# Dutch labels (skos:prefLabel) of the code-list concepts the profile names, as the EU vocabularies give them
CONCEPT_LABELS = {
    "http://publications.europa.eu/resource/authority/data-theme/AGRI": "Landbouw, visserij, bosbouw en voeding",
    "http://publications.europa.eu/resource/authority/data-theme/ECON": "Economie en financiën",
    "http://publications.europa.eu/resource/authority/data-theme/EDUC": "Onderwijs, cultuur en sport",
    "http://publications.europa.eu/resource/authority/data-theme/ENER": "Energie",
    "http://publications.europa.eu/resource/authority/data-theme/ENVI": "Milieu",
    "http://publications.europa.eu/resource/authority/data-theme/GOVE": "Overheid en publieke sector",
    "http://publications.europa.eu/resource/authority/data-theme/HEAL": "Gezondheid",
    "http://publications.europa.eu/resource/authority/data-theme/INTR": "Internationale vraagstukken",
    "http://publications.europa.eu/resource/authority/data-theme/JUST": "Justitie, rechtsstelsel en openbare veiligheid",
    "http://publications.europa.eu/resource/authority/data-theme/OP_DATPRO": "Voorlopige gegevens",
    "http://publications.europa.eu/resource/authority/data-theme/REGI": "Regio's en steden",
    "http://publications.europa.eu/resource/authority/data-theme/SOCI": "Bevolking en samenleving",
    "http://publications.europa.eu/resource/authority/data-theme/TECH": "Wetenschap en technologie",
    "http://publications.europa.eu/resource/authority/data-theme/TRAN": "Vervoer",
    DATASET_STATUS + "WITHDRAWN": "Ingetrokken",
}
WITHDRAWN = "ingetrokken"  # status_publicatie of a dataset the platform withdrew
MEDIA_TYPE_SYNTAX = re.compile(r"^[a-z]+/[a-z0-9][a-z0-9.+-]*$")
ORGANISATION_TTL = 300.0  # seconds an organisation's TOOI URI is remembered
_organisations: dict[str, tuple[float, dict[str, str]]] = {}


def setting(key: str) -> str:
    return (config.get(f"ckanext.ida.{key}") or "").strip()


def is_uri(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(("http://", "https://"))


def organisation(org_id: str | None) -> dict[str, str]:
    """{"tooi_uri", "title"} of an organisation (remembered for a few minutes: a catalogue page asks for
    the same dozen organisations a hundred times)."""
    if not org_id:
        return {}
    cached = _organisations.get(org_id)
    if cached and time.monotonic() - cached[0] < ORGANISATION_TTL:
        return cached[1]
    try:
        org = get_action("organization_show")({"ignore_auth": True}, {"id": org_id, "include_datasets": False,
                                                                      "include_users": False})
    except Exception:  # a deleted organisation: fall back to the catalogue's settings
        log.warning("organisation %s not found for DCAT publisher", org_id)
        return {}
    extras = {e["key"]: e["value"] for e in org.get("extras") or []}
    found = {"tooi_uri": extras.get("tooi_uri", ""), "title": org.get("title") or ""}
    _organisations[org_id] = (time.monotonic(), found)
    return found


class DcatApNlProfile(RDFProfile):
    """DCAT-AP-NL 3.0 on top of `euro_dcat_ap_3` (see the module's docstring)."""

    # -- helpers on the graph -------------------------------------------------------------------

    def _drop(self, subject, predicate) -> None:
        """Remove (subject, predicate, *) and the blank nodes that hung only from the removed objects
        (a URI stays: it may be the catalogue itself, or a publisher other datasets share)."""
        for obj in list(self.g.objects(subject, predicate)):
            self.g.remove((subject, predicate, obj))
            self._prune(obj)

    def _prune(self, node) -> None:
        if not isinstance(node, BNode) or any(self.g.subjects(None, node)):
            return
        for predicate, obj in list(self.g.predicate_objects(node)):
            self.g.remove((node, predicate, obj))
            self._prune(obj)

    def _set(self, subject, predicate, values, rdf_class=None) -> None:
        """Replace every value of predicate with these URIs, each typed rdf_class (a skos:Concept with
        its label: from CONCEPT_LABELS, else the code at the end of its URI)."""
        self._drop(subject, predicate)
        for value in values:
            ref = URIRef(value)
            self.g.add((subject, predicate, ref))
            if rdf_class is not None:
                self.g.add((ref, RDF.type, rdf_class))
            if rdf_class == SKOS.Concept and not any(self.g.objects(ref, SKOS.prefLabel)):
                label = CONCEPT_LABELS.get(value) or value.rstrip("/").rsplit("/", 1)[-1]
                self.g.add((ref, SKOS.prefLabel, Literal(label, lang="nl")))

    def _agent(self, subject, predicate, uri: str, name: str) -> None:
        self._drop(subject, predicate)
        agent = URIRef(uri)
        self.g.add((subject, predicate, agent))
        self.g.add((agent, RDF.type, FOAF.Agent))
        if name and not any(self.g.objects(agent, FOAF.name)):
            self.g.add((agent, FOAF.name, Literal(name)))

    def _contact(self, subject, name: str, email: str) -> None:
        self._drop(subject, DCAT.contactPoint)
        contact = BNode()
        self.g.add((subject, DCAT.contactPoint, contact))
        self.g.add((contact, RDF.type, VCARD.Kind))
        self.g.add((contact, RDF.type, VCARD.Organization))
        if name:
            self.g.add((contact, VCARD.fn, Literal(name)))
        if email:
            self.g.add((contact, VCARD.hasEmail, URIRef(email if email.startswith("mailto:") else f"mailto:{email}")))

    def _uris(self, data: dict, key: str) -> list[str]:
        return [v for v in self._read_list_value(self._get_dict_value(data, key)) if is_uri(v)]

    def _catalogue_publisher(self) -> tuple[str, str]:
        return setting("catalog.publisher_uri"), setting("catalog.publisher_name")

    # -- dataset ----------------------------------------------------------------------------------

    def graph_from_dataset(self, dataset_dict: dict, dataset_ref) -> None:
        g = self.g
        value = lambda key: (self._get_dict_value(dataset_dict, key) or "").strip()  # noqa: E731

        self._set(dataset_ref, DCAT.theme, self._uris(dataset_dict, "theme") or [setting("dataset.theme")],
                  SKOS.Concept)
        access = value("access_rights")
        self._set(dataset_ref, DCT.accessRights, [access if is_uri(access) else setting("dataset.access_rights")],
                  DCT.RightsStatement)
        languages = self._uris(dataset_dict, "language") or [setting("dataset.language")]
        self._set(dataset_ref, DCT.language, languages, DCT.LinguisticSystem)

        org = organisation(dataset_dict.get("owner_org"))
        catalogue_uri, catalogue_name = self._catalogue_publisher()
        publisher = ((value("publisher_uri"), value("publisher_name")) if is_uri(value("publisher_uri"))
                     else (org["tooi_uri"], org["title"]) if is_uri(org.get("tooi_uri"))
                     else (catalogue_uri, catalogue_name))
        creator = (value("creator_uri"), value("creator_name")) if is_uri(value("creator_uri")) else publisher
        self._agent(dataset_ref, DCT.publisher, *publisher)
        self._agent(dataset_ref, DCT.creator, *creator)

        email = value("contact_email") or value("maintainer_email")
        name = value("contact_name") or value("maintainer") or org.get("title") or ""
        if not email:
            name, email = setting("catalog.contact_name"), setting("catalog.contact_email")
        self._contact(dataset_ref, name, email)

        if not any(g.objects(dataset_ref, DCT.description)):
            g.add((dataset_ref, DCT.description, Literal(dataset_dict.get("title") or dataset_dict["name"])))
        if dataset_dict.get("status_publicatie") == WITHDRAWN:
            self._set(dataset_ref, ADMS.status, [f"{DATASET_STATUS}WITHDRAWN"], SKOS.Concept)

        dataset_licence = next((v for v in (dataset_dict.get("license_url"), dataset_dict.get("license_id"))
                                if is_uri(v)), None)
        for resource in dataset_dict.get("resources", []):
            distribution = CleanedURIRef(resource_uri(resource))  # as euro_dcat_ap_3 named it
            if (dataset_ref, DCAT.distribution, distribution) in g:
                self._distribution(distribution, resource, dataset_dict, dataset_licence, languages)

    def _distribution(self, distribution, resource: dict, dataset_dict: dict, dataset_licence: str | None,
                      languages: list[str]) -> None:
        g = self.g
        licence = resource.get("license")
        licence = licence if is_uri(licence) else dataset_licence or setting("dataset.license")
        self._set(distribution, DCT.license, [licence], DCT.LicenseDocument)
        # euro_dcat_ap_3 calls every licence adms UnknownIPR, as a plain URI where a skos:Concept belongs
        g.remove((URIRef(licence), DCT.type, UNKNOWN_IPR))

        fmt = (resource.get("format") or "").strip()
        known = FORMATS.get(fmt.upper().lstrip("."))
        mimetype = (resource.get("mimetype") or "").strip().lower()
        self._drop(distribution, DCT["format"])
        self._drop(distribution, DCAT.mediaType)
        if fmt.startswith(FILE_TYPE) or known:
            ref = URIRef(fmt if fmt.startswith(FILE_TYPE) else FILE_TYPE + known[0])
            g.add((distribution, DCT["format"], ref))
            g.add((ref, RDF.type, DCT.MediaTypeOrExtent))
        if not MEDIA_TYPE_SYNTAX.match(mimetype):
            mimetype = known[1] if known else ""
        if mimetype:
            ref = URIRef(MEDIA_TYPE + mimetype)
            g.add((distribution, DCAT.mediaType, ref))
            g.add((ref, RDF.type, DCT.MediaType))

        url = (resource.get("url") or "").strip()
        self._drop(distribution, DCAT.accessURL)
        self._drop(distribution, DCAT.downloadURL)
        download = (resource.get("download_url") or "").strip() or (url if resource.get("url_type") == "upload" else "")
        access = (resource.get("access_url") or "").strip() or url or download or dataset_uri(dataset_dict)
        if not is_uri(access):  # no URL at all: the dataset's own page gives access
            access = dataset_uri(dataset_dict)
        for predicate, url in ((DCAT.accessURL, access), (DCAT.downloadURL, download)):
            if is_uri(url):
                g.add((distribution, predicate, URIRef(url)))
                g.add((URIRef(url), RDF.type, RDFS.Resource))
        if not any(g.objects(distribution, DCT.language)):
            for language in languages:
                g.add((distribution, DCT.language, URIRef(language)))

    # -- catalogue --------------------------------------------------------------------------------

    def graph_from_catalog(self, catalog_dict: dict | None, catalog_ref) -> None:
        publisher_uri, publisher_name = self._catalogue_publisher()
        self._agent(catalog_ref, DCT.publisher, publisher_uri, publisher_name)
        self._contact(catalog_ref, setting("catalog.contact_name"), setting("catalog.contact_email"))
        homepage = setting("catalog.homepage") or config.get("ckan.site_url") or catalog_uri()
        self._set(catalog_ref, FOAF.homepage, [homepage], FOAF.Document)
        self._set(catalog_ref, DCT.license, [setting("catalog.license")], DCT.LicenseDocument)
        self._set(catalog_ref, DCT.language, [setting("dataset.language")], DCT.LinguisticSystem)
