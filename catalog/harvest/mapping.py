"""From a source's record to a row of the exchange format (`experimenten`, Dutch column names).

Three mappings, documented field by field in docs/oogsten.md (a test keeps the two in step):

* a CKAN dataset of type `experiment` (our scheming schema, catalog/ckan_dicts.py) maps one to one;
* any other CKAN dataset and every DCAT `dcat:Dataset` first become a `Generic` record (title,
  description, keywords, themes, publisher, period, link, contact), which then maps by the tables
  below: the theme gives the core task, the publisher (TOOI URI or name) the province, the period
  the dates. Without a derivable core task a record cannot be an experiment: it goes to the
  to-classify queue with the reason, never dropped.

The row is not validated here: the harvest runs the same validator as for uploads over it.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from typing import Any

from ida.standard.record_types import EXPERIMENTEN, ID_PATTERN
from ida.standard.vocabularies import provinces, vocabulary

ID_RE = re.compile(ID_PATTERN)
COLUMNS = tuple(c.name for c in EXPERIMENTEN.columns)
LIST_COLUMNS = ("leervragen", "beoogde_resultaten", "databronnen", "partners", "publieke_waarden", "trefwoorden")

# Defaults for what DCAT and plain CKAN datasets do not say (documented in docs/oogsten.md).
DEFAULT_IDA_LINE = "maatschappelijke_opgaven"  # IDA line 1: results on the provinces' core tasks
DEFAULT_PHASE = "experiment"

EU_THEME = "http://publications.europa.eu/resource/authority/data-theme/"
OWMS_THEME = "http://standaarden.overheid.nl/owms/terms/"

# Theme (URI) -> core task. A theme not listed here gives no core task; several different core
# tasks from one record are ambiguous; both send the record to the to-classify queue.
THEME_TO_CORE_TASK: dict[str, str] = {
    # EU data themes (DCAT-AP)
    EU_THEME + "AGRI": "vitaal_platteland",
    EU_THEME + "ENER": "milieu_energie_klimaat",
    EU_THEME + "ENVI": "milieu_energie_klimaat",
    EU_THEME + "TRAN": "bereikbaarheid",
    EU_THEME + "ECON": "regionale_economie",
    EU_THEME + "GOVE": "openbaar_bestuur",
    EU_THEME + "REGI": "ruimte",
    # OWMS / data.overheid.nl themes (DCAT-AP-NL)
    OWMS_THEME + "Ruimte_en_infrastructuur": "ruimte",
    OWMS_THEME + "Ruimtelijke_ordening": "ruimte",
    OWMS_THEME + "Water": "ruimte",
    OWMS_THEME + "Natuur_en_milieu": "milieu_energie_klimaat",
    OWMS_THEME + "Milieu": "milieu_energie_klimaat",
    OWMS_THEME + "Energie": "milieu_energie_klimaat",
    OWMS_THEME + "Natuur": "vitaal_platteland",
    OWMS_THEME + "Landbouw": "vitaal_platteland",
    OWMS_THEME + "Verkeer": "bereikbaarheid",
    OWMS_THEME + "Verkeer_en_vervoer": "bereikbaarheid",
    OWMS_THEME + "Openbaar_vervoer": "bereikbaarheid",
    OWMS_THEME + "Economie": "regionale_economie",
    OWMS_THEME + "Cultuur_en_recreatie": "cultuur_erfgoed",
    OWMS_THEME + "Cultureel_erfgoed": "cultuur_erfgoed",
    OWMS_THEME + "Bestuur": "openbaar_bestuur",
}

# The resources/distributions that carry lessons and results, and the column names of the CSVs
# catalog/ckan_dicts.py publishes (English) -> the exchange format's columns.
RESOURCE_TYPES = ("lessen", "resultaten")
RESOURCE_COLUMNS: dict[str, dict[str, str]] = {
    "lessen": {"lesson_id": "les_id", "lesson_date": "datum", "direction": "leerrichting", "category": "categorie",
               "lesson_text": "les", "is_dilemma": "dilemma", "escalation_level": "escalatieniveau",
               "status": "status", "public_values": "publieke_waarden"},
    "resultaten": {"unit": "eenheid", "baseline": "nulmeting", "target": "doel", "value": "waarde",
                   "measured_on": "gemeten_op"},
}


@dataclass
class Distribution:
    """A downloadable file of a record (CKAN resource, DCAT distribution)."""

    url: str
    name: str = ""
    format: str = ""

    @property
    def record_type(self) -> str | None:
        """`lessen` or `resultaten` when the file carries those (by file name or title), as CSV."""
        stem = self.url.rsplit("/", 1)[-1].split("?", 1)[0].rsplit(".", 1)
        names = {stem[0].casefold(), self.name.strip().casefold()}
        is_csv = self.format.strip().casefold() in ("csv", "text/csv") or (len(stem) == 2 and stem[1].casefold() == "csv")
        found = [t for t in RESOURCE_TYPES if t in names]
        return found[0] if found and is_csv else None


@dataclass
class Generic:
    """What a plain CKAN dataset or a DCAT dataset says, before mapping."""

    identifier: str | None
    title: str | None
    description: str | None = None
    keywords: list[str] = field(default_factory=list)
    themes: list[str] = field(default_factory=list)          # URIs or labels
    publishers: list[str] = field(default_factory=list)      # URIs (TOOI) or names
    start: str | None = None
    end: str | None = None
    contact: str | None = None
    link: str | None = None
    distributions: list[Distribution] = field(default_factory=list)


class NotAnExperiment(Exception):
    """The record cannot become an experiment; the message (Dutch) is the to-classify reason."""


def blank(value: Any) -> Any:
    if isinstance(value, str):
        value = value.strip()
    return None if value in ("", None, [], {}) else value


def as_list(value: Any) -> list[str] | None:
    """A scheming multiple_text (JSON array), a newline/`|` separated string or None."""
    value = blank(value)
    if value is None:
        return None
    if isinstance(value, str):
        if value.startswith("[") and value.endswith("]"):
            import json

            try:
                parsed = json.loads(value)
                if isinstance(parsed, list):
                    return [str(v).strip() for v in parsed if str(v).strip()] or None
            except ValueError:
                pass
        return [p.strip() for p in re.split(r"[\n|]", value) if p.strip()] or None
    return [str(v).strip() for v in value if str(v).strip()] or None


def date_part(value: Any) -> str | None:
    """The date of an ISO date or date-time (`2021-03-15T10:00:00` -> `2021-03-15`); other text as is."""
    value = blank(value)
    if value is None:
        return None
    text = str(value)
    return text[:10] if re.match(r"\d{4}-\d{2}-\d{2}([T ]|$)", text) else text


def experiment_id(candidate: str | None, fallback: str) -> str:
    """The record's own id when it is a valid experiment id, else a stable one derived from `fallback`."""
    if candidate and ID_RE.match(candidate.strip()):
        return candidate.strip()
    base = (candidate or fallback).rstrip("/").rsplit("/", 1)[-1]
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "-", base).strip("-.")[:48]
    digest = hashlib.sha1(fallback.encode()).hexdigest()[:10]
    return f"{slug}-{digest}" if slug else f"bron-{digest}"


def province_of(publishers: list[str]) -> set[str]:
    """CBS codes the publishers name, by TOOI URI (any case, http or https) or by name."""
    names = provinces()
    by_tooi = {row["tooi_uri"].casefold().split("://", 1)[1]: row["code"] for row in names.rows}
    found = set()
    for publisher in publishers:
        text = publisher.strip()
        key = text.casefold().split("://", 1)[-1].rstrip("/")
        code = by_tooi.get(key) or names.resolve(text) or names.resolve(text.rsplit("/", 1)[-1])
        if code:
            found.add(code)
    return found


def core_tasks(themes: list[str], keywords: list[str]) -> set[str]:
    """Core tasks from theme URIs (THEME_TO_CORE_TASK) and themes/keywords naming a core task."""
    vocab = vocabulary("kerntaken")
    found = set()
    for theme in themes:
        last = theme.rstrip("/").rsplit("/", 1)[-1]
        code = (THEME_TO_CORE_TASK.get(theme.strip()) or vocab.resolve(theme) or vocab.resolve(theme.replace("-", " "))
                or ("/" in theme and vocab.resolve(last)) or None)
        if code:
            found.add(code)
    for keyword in keywords:
        code = vocab.resolve(keyword.removeprefix("kerntaak:"))
        if code:
            found.add(code)
    return found


def _from_keywords(name: str, keywords: list[str], default: str) -> str:
    vocab = vocabulary(name)
    codes = {vocab.resolve(k.split(":", 1)[-1]) for k in keywords} - {None}
    return sorted(codes)[0] if len(codes) == 1 else default


def from_generic(record: Generic, province: str, fallback_id: str, *, core_task: str | None = None,
                 phase: str | None = None, ida_line: str | None = None) -> dict[str, Any]:
    """The experiment row of a generic record harvested for `province`; NotAnExperiment if impossible.
    A coordinator's classification (catalog/curation.py) gives `core_task`, `phase` and `ida_line`
    instead of deriving them from themes and keywords."""
    names = provinces()
    publishers = province_of(record.publishers)
    if record.publishers and not publishers:
        raise NotAnExperiment(f"De uitgever ({', '.join(record.publishers)}) is geen provincie die het platform kent.")
    if publishers and publishers != {province}:
        others = ", ".join(names.label(c) for c in sorted(publishers))
        raise NotAnExperiment(f"De uitgever is {others}, maar deze bron hoort bij {names.label(province)}.")
    tasks = {core_task} if core_task else core_tasks(record.themes, record.keywords)
    if not tasks:
        shown = ", ".join(record.themes) or "geen"
        raise NotAnExperiment(f"Geen kerntaak af te leiden uit thema's ({shown}) of trefwoorden. "
                              "Geef een thema uit de mappingtabel of een kerntaak als trefwoord.")
    if len(tasks) > 1:
        raise NotAnExperiment(f"Meerdere kerntaken mogelijk ({', '.join(sorted(tasks))}); kies er één.")
    task_words = {k for k in record.keywords if vocabulary("kerntaken").resolve(k.removeprefix("kerntaak:"))}
    row = dict.fromkeys(COLUMNS)
    row.update({
        "experiment_id": experiment_id(record.identifier, fallback_id),
        "provincie": province,
        "titel": record.title,
        "samenvatting": record.description,
        "kerntaak": tasks.pop(),
        "ida_spoor": ida_line or _from_keywords("ida_sporen", record.keywords, DEFAULT_IDA_LINE),
        "fase": phase or _from_keywords("fasen", record.keywords, DEFAULT_PHASE),
        "startdatum": date_part(record.start),
        "einddatum": date_part(record.end),
        "trefwoorden": [k for k in record.keywords if k not in task_words] or None,
        "contact": (record.contact or "").removeprefix("mailto:") or None,
    })
    return row


def from_ckan_experiment(package: dict[str, Any], province: str) -> dict[str, Any]:
    """A CKAN `experiment` dataset (fields as catalog/ckan_dicts.py writes them) as an experiment row."""
    row = dict.fromkeys(COLUMNS)
    for column in COLUMNS:
        value = package.get(column)
        row[column] = as_list(value) if column in LIST_COLUMNS else blank(value)
    row["experiment_id"] = blank(package.get("experiment_id")) or package.get("name")
    row["provincie"] = blank(package.get("provincie")) or province
    row["titel"] = blank(package.get("title"))
    row["samenvatting"] = blank(package.get("notes"))
    row["trefwoorden"] = [t.get("display_name") or t.get("name") for t in package.get("tags") or []] or None
    row["contact"] = blank(package.get("contact")) or blank(package.get("maintainer_email"))
    row["startdatum"], row["einddatum"] = date_part(row["startdatum"]), date_part(row["einddatum"])
    if isinstance(row["budget_eur"], (int, float)):
        row["budget_eur"] = str(row["budget_eur"])
    return row


def ckan_generic(package: dict[str, Any], base_url: str) -> Generic:
    """Any other CKAN dataset as a generic record (extras as ckanext-dcat writes them)."""
    extras = {e.get("key"): e.get("value") for e in package.get("extras") or [] if isinstance(e, dict)}
    themes = [g.get("name") or "" for g in package.get("groups") or []] + [g.get("title") or "" for g in package.get("groups") or []]
    for key in ("theme", "dcat_theme"):
        themes += as_list(extras.get(key) or package.get(key)) or []
    org = package.get("organization") or {}
    org_extras = {e.get("key"): e.get("value") for e in org.get("extras") or [] if isinstance(e, dict)}
    # An explicit publisher counts as stated; the organisation only where it names a province.
    publishers = [extras["publisher_uri"]] if extras.get("publisher_uri") else [
        v for v in (org_extras.get("tooi_uri"), org_extras.get("tooi"), org_extras.get("cbs_code"), org.get("name"),
                    org.get("title")) if v and province_of([v])][:1]
    period = (package.get("temporal_coverage") or [{}])[0] if isinstance(package.get("temporal_coverage"), list) else {}
    link = package.get("url") if str(package.get("url") or "").startswith(("http://", "https://")) else None
    return Generic(
        identifier=package.get("name"),
        title=blank(package.get("title")),
        description=blank(package.get("notes")),
        keywords=[t.get("display_name") or t.get("name") for t in package.get("tags") or []],
        themes=[t for t in themes if t],
        publishers=publishers,
        start=blank(extras.get("temporal_start") or package.get("temporal_start") or period.get("start")),
        end=blank(extras.get("temporal_end") or package.get("temporal_end") or period.get("end")),
        contact=blank(package.get("maintainer_email")) or blank(package.get("author_email")),
        link=link or f"{base_url}/dataset/{package.get('name')}",
        distributions=ckan_distributions(package),
    )


def ckan_distributions(package: dict[str, Any]) -> list[Distribution]:
    return [Distribution(r.get("url") or "", r.get("name") or "", r.get("format") or "")
            for r in package.get("resources") or [] if r.get("url")]
