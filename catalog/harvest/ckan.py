"""Harvesting a province's CKAN portal (ckanapi RemoteCKAN, GET only, a timeout on every call).

Incremental on `metadata_modified`: one cheap probe (count and newest change) answers "nothing
changed" in a single request. Otherwise the changed datasets are read in full, a page of up to
1,000 per `package_search` call (CKAN answers those from its search index), then a light listing
of the ids (`fl=id,metadata_modified`) tells which held datasets are gone (tombstones) and catches
any dataset that moved between pages while reading.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import requests
from ckanapi.errors import NotAuthorized, NotFound, SearchQueryError
from tenacity import wait_exponential

from catalog import ckan_client

from catalog.ckan_dicts import EXPERIMENT_TYPE
from catalog.harvest import http
from catalog.harvest.mapping import NotAnExperiment, ckan_distributions, ckan_generic, from_ckan_experiment, from_generic
from catalog.harvest.records import Fetched, Harvested, Progress
from catalog.harvest.sources import CkanSource
from catalog.harvest.state import Held, LastRun

PAGE_SIZE = 1000  # CKAN's default ckan.search.rows_max


class Portal:
    """One CKAN portal: `call` runs an action (GET only) through the platform's one CKAN client, with the
    harvest's timeout and retries; what fails becomes a HarvestError."""

    def __init__(self, url: str, options: http.Options, session: requests.Session | None = None) -> None:
        self.url, self.options = url.rstrip("/"), options
        self.client = ckan_client.connect(self.url, get_only=True, session=session or http.session())

    def call(self, action: str, **params: Any) -> Any:
        try:
            return ckan_client.call(self.client, action, params, timeout=self.options.timeout,
                                    attempts=self.options.attempts,
                                    wait=wait_exponential(multiplier=self.options.backoff, max=30))
        except SearchQueryError as problem:
            raise http.HarvestError(f"{self.url}: het zoekfilter wordt niet begrepen ({problem}). Controleer 'fq'.") from None
        except (NotAuthorized, NotFound) as problem:
            raise http.HarvestError(f"{self.url}: '{action}' geeft {type(problem).__name__} ({problem}).") from None
        except ckan_client.CKAN_ERRORS + (ValueError,) as problem:
            raise http.HarvestError(ckan_client.describe(problem, self.url)) from None

    def search(self, fq: str, rows: int, start: int = 0, sort: str = "metadata_modified asc, name asc",
               fl: str | None = None) -> dict[str, Any]:
        params: dict[str, Any] = {"q": "*:*", "fq": fq, "rows": rows, "start": start, "sort": sort,
                                  "include_private": "false"}
        if fl:
            params["fl"] = fl
        result = self.call("package_search", **params)
        if not isinstance(result, dict) or not isinstance(result.get("results"), list):
            raise http.HarvestError(f"{self.url}: package_search gaf geen lijst met datasets terug.")
        return result


def solr_time(modified: str | None) -> str | None:
    """CKAN's `2024-05-01T10:00:00.123456` as its search index gives it (`…00.123Z`, UTC): one form
    for comparing what a full dataset and a light listing say."""
    if not modified:
        return None
    try:
        moment = datetime.fromisoformat(modified.removesuffix("Z"))
    except ValueError:
        return modified
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def to_record(package: dict[str, Any], portal_url: str, province: str) -> Harvested:
    """One CKAN dataset as a harvested record, mapped to an experiment row or given a reason."""
    kind = package.get("type") or "dataset"
    link = f"{portal_url}/{kind}/{package.get('name')}"
    record = Harvested(record_id=package["id"], url=link, modified=solr_time(package.get("metadata_modified")),
                       document=package, title=package.get("title"))
    try:
        if kind == EXPERIMENT_TYPE:
            record.experiment = from_ckan_experiment(package, province)
            record.distributions = ckan_distributions(package)
        else:
            generic = ckan_generic(package, portal_url)
            record.url = generic.link or link
            record.experiment = from_generic(generic, province, package["id"])
            record.distributions = generic.distributions
    except NotAnExperiment as reason:
        record.reason = str(reason)
    return record


def fetch(source: CkanSource, province: str, held: dict[str, Held], last: LastRun | None,
          options: http.Options, progress: Progress | None = None,
          session: requests.Session | None = None) -> Fetched:
    portal = Portal(source.url, options, session)
    fq = source.filter_query
    probe = portal.search(fq, rows=1, sort="metadata_modified desc", fl="id,metadata_modified")
    total = int(probe.get("count") or 0)
    newest = solr_time(probe["results"][0].get("metadata_modified")) if probe["results"] else None
    high_water = last.high_water if last else None
    if total == 0 and held:
        raise http.HarvestError(f"{source.url} geeft geen enkele dataset meer voor dit filter, terwijl het platform er "
                                f"{len(held)} van heeft. Uit voorzorg is niets als ingetrokken gemarkeerd; controleer de bron.")
    if last and total == len(held) and (newest is None or (high_water and newest <= high_water)):
        if progress:
            progress("ongewijzigd", total, total)
        return Fetched([], None, total, high_water)

    records: dict[str, Harvested] = {}
    changed_fq = f"({fq}) AND metadata_modified:[{solr_time(high_water)} TO *]" if high_water else fq
    start, expected = 0, None
    while expected is None or start < expected:
        page = portal.search(changed_fq, rows=PAGE_SIZE, start=start)
        expected = int(page.get("count") or 0)
        for package in page["results"]:
            _take(package, held, records, portal.url, province)
        start += PAGE_SIZE
        if progress:
            progress("datasets gelezen", min(start, expected), expected)
        if not page["results"]:
            break

    # Which datasets are there now: held ones that are missing are withdrawn; any dataset that was
    # not read (it moved between pages while reading) is read now.
    present: dict[str, str | None] = {}
    start = 0
    while True:
        page = portal.search(fq, rows=PAGE_SIZE, start=start, sort="name asc", fl="id,metadata_modified")
        for item in page["results"]:
            present[item["id"]] = solr_time(item.get("metadata_modified"))
        start += PAGE_SIZE
        if not page["results"] or start >= int(page.get("count") or 0):
            break
    missed = [i for i, m in present.items() if i not in records and (i not in held or held[i].modified != m)]
    for dataset_id in missed:
        _take(portal.call("package_show", id=dataset_id), held, records, portal.url, province)
    modified = [m for m in (*present.values(), high_water) if m]
    return Fetched(list(records.values()), set(present), len(present), max(modified) if modified else None)


def _take(package: dict[str, Any], held: dict[str, Held], records: dict[str, Harvested], portal_url: str,
          province: str) -> None:
    previous = held.get(package.get("id"))
    if previous is not None and previous.modified == solr_time(package.get("metadata_modified")):
        return  # read again only because of the inclusive high-water mark
    records[package["id"]] = to_record(package, portal_url, province)
