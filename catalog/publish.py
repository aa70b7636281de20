"""Publishing the catalogue to a live CKAN with ckanapi: incremental, parallel, retried, per dataset.

What is published (the dicts come from catalog/ckan_dicts.py): the twelve province organisations and
the `ipo` organisation, a group per core task, one `experiment` dataset per experiment with its lessons
and results as uploaded CSV files, and the comparison marts as plain datasets of the `ipo`.

How:
- **Incremental.** One paged `package_search` over the catalogue's organisations (only `name`,
  `fingerprint`, `status_publicatie`, `state` and the resource URLs) tells what CKAN holds. A dataset
  whose fingerprint, status and uploaded files match is left alone: a publish with nothing changed
  makes no write call at all. A changed dataset is one `package_revise` (all fields replaced, the CSV
  files uploaded in the same call); a new one a `package_create` (without resources) and one
  `package_revise` adding the resources with their files. The fingerprint is written last, so a dataset
  whose upload failed is redone by the next run. (CKAN's API takes uploads in nested resources only
  through `package_revise`, so a new dataset costs two writes.)
- **Nothing silently removed.** An experiment in phase `gestopt` has `status_publicatie=ingetrokken`;
  an experiment CKAN holds (with a fingerprint, so the platform published it) that the marts no longer
  have is marked `ingetrokken` too, never deleted — among them those their province withdrew (v1.1
  `intrekkingen`, marts.withdrawn), which are marked so even when only a part is published. The reason
  stays on the platform, for the coordinators.
- **Robust.** Writes run in a bounded thread pool; connection errors, time-outs, 5xx, 409s other than
  validation errors, and search-index errors are retried with exponential back-off (tenacity). A dataset
  CKAN rejects is reported with CKAN's own message and does not stop the others; the caller fails at
  the end when any failed (`Report.ok`). Names are stable (province + experiment id), so a rerun
  finishes the job without duplicates.
- **Secrets** come from the settings (CKAN_URL, CKAN_API_TOKEN) and are never logged.
"""

from __future__ import annotations

import io
import json
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import ckanapi
import duckdb
import tenacity

from catalog import ckan_client, ckan_dicts
from catalog.ckan_client import CKAN_ERRORS, describe
from ida.errors import UsageError
from ida.settings import DcatSettings

WORKERS = 4
PAGE_ROWS = 1000  # CKAN's default ckan.search.rows_max
TIMEOUT = (10, 300)  # seconds: connect, read (an update with uploads may wait behind others)
ATTEMPTS = 5
GIVE_UP_AFTER = 60  # seconds: no new try of one call after this
GONE_AFTER = 3  # datasets in a row that could not reach CKAN: it is gone, stop the run
RETRY_WAIT = tenacity.wait_exponential_jitter(multiplier=0.5, max=8)  # 0.5 s, 1 s, 2 s, … (+ jitter)
STATUSES = ("created", "updated", "unchanged", "withdrawn", "failed")

Log = Callable[[str], None]


class NotConfigured(UsageError):
    """No CKAN to publish to: CKAN_URL (or CKAN_API_TOKEN) is not set."""


def connect(url: str | None, token: str | None) -> ckanapi.RemoteCKAN:
    """A ckanapi client for `url` with `token` (kept inside the client, never printed), or NotConfigured
    with a Dutch message when either is missing."""
    if not url:
        raise NotConfigured("CKAN_URL is niet gezet: er is geen CKAN om naar te publiceren. "
                            "De catalogus staat als bulkexport in de exportmap (ckanapi load).")
    if not token:
        raise NotConfigured("CKAN_API_TOKEN is niet gezet. Maak in CKAN een API-token aan voor het "
                            "platformaccount en zet het in de omgevingsvariabele CKAN_API_TOKEN.")
    return ckan_client.connect(url, token)


# ---------------------------------------------------------------------------------------------
# Outcomes


@dataclass(frozen=True)
class Outcome:
    """What happened to one dataset (or organisation or group): one of STATUSES, and why if it failed."""

    name: str
    status: str
    message: str = ""
    unreachable: bool = False  # failed because CKAN could not be reached


@dataclass
class Report:
    outcomes: list[Outcome] = field(default_factory=list)

    def counts(self) -> dict[str, int]:
        """{"created": n, "updated": n, "unchanged": n, "withdrawn": n, "failed": n} over the datasets
        (an organisation or group that failed counts as failed too)."""
        counts = dict.fromkeys(STATUSES, 0)
        for outcome in self.outcomes:
            counts[outcome.status] += 1
        return counts

    @property
    def failures(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.status == "failed"]

    @property
    def ok(self) -> bool:
        return not self.failures

    def summary(self) -> str:
        c = self.counts()
        return (f"CKAN: {c['created']} nieuw, {c['updated']} bijgewerkt, {c['unchanged']} ongewijzigd, "
                f"{c['withdrawn']} ingetrokken, {c['failed']} mislukt.")


def call(ckan: ckanapi.RemoteCKAN, action: str, data: dict[str, Any] | None = None,
         files: Callable[[], dict[str, Any]] | None = None) -> Any:
    """One CKAN action for publishing (ckan_client.call with the publisher's patience)."""
    return ckan_client.call(ckan, action, data, files=files, timeout=TIMEOUT, attempts=ATTEMPTS, wait=RETRY_WAIT,
                            give_up_after=GIVE_UP_AFTER)


# ---------------------------------------------------------------------------------------------
# What CKAN holds


@dataclass(frozen=True)
class Held:
    """A dataset as package_search lists it: enough to tell whether it needs writing."""

    id: str
    name: str
    type: str
    state: str
    fingerprint: str | None
    status: str | None
    resource_urls: tuple[str, ...]
    in_database: bool = True  # False: only CKAN's search index still lists it


def _held(package: dict[str, Any]) -> Held:
    """A dataset as package_show gives it (from CKAN's database)."""
    return Held(id=package["id"], name=package["name"], type=package.get("type", "dataset"),
                state=package.get("state", "active"), fingerprint=package.get("fingerprint") or None,
                status=package.get("status_publicatie") or None,
                resource_urls=tuple(r.get("url", "") for r in package.get("resources") or ()))


def holdings(ckan: ckanapi.RemoteCKAN, organizations: Iterable[str], verify: bool = False,
             workers: int = WORKERS) -> dict[str, Held]:
    """Every dataset of these organisations (private, draft and deleted ones included), by name.

    CKAN answers from its search index, which a crash can leave out of step with its database: a dataset
    the database lost, or an update the index took and the database did not. A name listed twice is
    settled by asking the database (package_show) which id is real. With `verify` (after a run that CKAN
    broke off) every listed dataset is read from the database, so the plan rests on what CKAN really
    holds; one only the index still lists is made anew under the same id, which puts the index right."""
    orgs = " OR ".join(f'"{org}"' for org in sorted(set(organizations)))
    fields = ["id", "name", "dataset_type", "state", "extras_fingerprint", "extras_status_publicatie", "res_url"]
    held: dict[str, Held] = {}
    twice: set[str] = set()
    start = 0
    while True:
        page = call(ckan, "package_search", {
            "q": "*:*", "fq": f"organization:({orgs})", "fl": ",".join(fields), "rows": PAGE_ROWS,
            "start": start, "sort": "name asc", "include_private": True, "include_drafts": True,
            "include_deleted": True})
        for doc in page["results"]:
            if doc["name"] in held:
                twice.add(doc["name"])
                if doc["id"] != _real_id(ckan, doc["name"]):
                    continue
            held[doc["name"]] = Held(
                id=doc["id"], name=doc["name"], type=doc.get("dataset_type", "dataset"),
                state=doc.get("state", "active"), fingerprint=doc.get("fingerprint") or None,
                status=doc.get("status_publicatie") or None, resource_urls=tuple(doc.get("res_url") or ()))
        start += len(page["results"])
        if not page["results"] or start >= page["count"]:
            break
    if not verify:
        return held

    def from_database(listed: Held) -> Held:
        try:
            return _held(call(ckan, "package_show", {"id": listed.id}))
        except ckanapi.NotFound:
            return replace(listed, in_database=False)

    with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="ckan-verify") as pool:
        return {h.name: h for h in pool.map(from_database, held.values())}


def _real_id(ckan: ckanapi.RemoteCKAN, name: str) -> str | None:
    """The id the database holds for `name` (None when it holds none)."""
    try:
        return call(ckan, "package_show", {"id": name})["id"]
    except ckanapi.NotFound:
        return None


def is_current(dataset: dict[str, Any], held: Held) -> bool:
    """CKAN holds this dataset as it is: same fingerprint and status, active, every CSV uploaded."""
    uploads = [url for url in held.resource_urls if "/download/" in url]
    return (held.state == "active"
            and held.fingerprint == ckan_dicts.fingerprint_of(dataset)
            and held.status == dataset.get("status_publicatie")
            and len(uploads) == len(held.resource_urls) == len(dataset["resources"]))


# ---------------------------------------------------------------------------------------------
# Organisations and groups: created when missing, patched when they differ, else left alone


def _extras(item: dict[str, Any]) -> dict[str, str]:
    return {e["key"]: e["value"] for e in item.get("extras") or []}


def ensure_organizations(ckan: ckanapi.RemoteCKAN, wanted: list[dict[str, Any]], log: Log) -> list[Outcome]:
    existing = {o["name"]: o for o in call(ckan, "organization_list", {
        "all_fields": True, "include_extras": True, "limit": 1000})}
    return _ensure(ckan, "organization", wanted, existing, log,
                   differs=lambda want, have: (want["title"] != have.get("title")
                                               or want["description"] != have.get("description")
                                               or _extras(want) != _extras(have)))


def ensure_groups(ckan: ckanapi.RemoteCKAN, wanted: list[dict[str, Any]], log: Log) -> list[Outcome]:
    existing = {g["name"]: g for g in call(ckan, "group_list", {"all_fields": True, "limit": 1000})}
    return _ensure(ckan, "group", wanted, existing, log,
                   differs=lambda want, have: (want["title"] != have.get("title")
                                               or want["description"] != have.get("description")))


def _ensure(ckan, kind: str, wanted: list[dict[str, Any]], existing: dict[str, dict[str, Any]], log: Log,
            differs: Callable[[dict[str, Any], dict[str, Any]], bool]) -> list[Outcome]:
    label = {"organization": "organisatie", "group": "groep"}[kind]
    outcomes = []
    for want in wanted:
        have = existing.get(want["name"])
        try:
            if have is None:
                call(ckan, f"{kind}_create", want)
                log(f"{label} {want['name']} aangemaakt")
            elif differs(want, have):
                call(ckan, f"{kind}_patch", {"id": have["id"], **{k: v for k, v in want.items() if k != "name"}})
                log(f"{label} {want['name']} bijgewerkt")
        except CKAN_ERRORS as error:
            outcomes.append(Outcome(f"{label} {want['name']}", "failed", describe(error)))
    return outcomes


# ---------------------------------------------------------------------------------------------
# Datasets


def _metadata(dataset: dict[str, Any]) -> dict[str, Any]:
    """The dict CKAN receives: resources without their CSV text and export path."""
    sent = {k: v for k, v in dataset.items() if k != "resources"}
    sent["resources"] = [{k: v for k, v in r.items() if k not in ("data", "url")} for r in dataset["resources"]]
    return sent


def _uploads(dataset: dict[str, Any]) -> Callable[[], dict[str, Any]]:
    def files() -> dict[str, Any]:
        return {f"update__resources__{i}__upload": (r["url"].rsplit("/", 1)[-1], io.BytesIO(r["data"].encode()),
                                                     r.get("mimetype", "text/csv"))
                for i, r in enumerate(dataset["resources"])}
    return files


def _revise(ckan: ckanapi.RemoteCKAN, match: dict[str, str], update: dict[str, Any],
            dataset: dict[str, Any], keep_fields: bool = False) -> None:
    """One package_revise: replace the dataset's fields (unless keep_fields) and upload its CSVs."""
    data = {f"match__{k}": v for k, v in match.items()}
    data["update"] = json.dumps(update, ensure_ascii=False)
    if not keep_fields:
        data["filter"] = "+resources,-*"  # the resources keep their ids; everything else is replaced
    data["include"] = "-*"  # no need to send the dataset back
    call(ckan, "package_revise", data, files=_uploads(dataset))


def _name_taken(error: ckanapi.ValidationError) -> bool:
    return "name" in (error.error_dict or {}) and "already" in ckan_client.flat(error.error_dict["name"]).lower()


def create(ckan: ckanapi.RemoteCKAN, dataset: dict[str, Any], id: str | None = None) -> str:
    """A new dataset: package_create without resources and fingerprint, then one package_revise that
    adds the resources with their CSV files and, last, the fingerprint. `id`: the id CKAN's search index
    still lists for it (the platform account is a sysadmin, which may choose it).

    When the name turns out to be taken (a deleted dataset, or a create that reached CKAN before a
    retry), the dataset is updated instead: no duplicates.
    """
    sent = _metadata(dataset)
    if id:
        sent["id"] = id
    fingerprint_update = ({"fingerprint": sent.pop("fingerprint")} if "fingerprint" in sent
                          else {"extras": sent.pop("extras")})
    completion = {**fingerprint_update, "resources": sent.pop("resources")}
    try:
        created = call(ckan, "package_create", sent)
    except ckanapi.ValidationError as error:
        if not _name_taken(error):
            raise
        update(ckan, dataset, match={"name": dataset["name"]}, revive=True)
        return "updated"
    _revise(ckan, {"id": created["id"]}, completion, dataset, keep_fields=True)
    return "created"


def update(ckan: ckanapi.RemoteCKAN, dataset: dict[str, Any], match: dict[str, str], revive: bool) -> None:
    """A changed dataset: one package_revise replacing every field and uploading the CSVs."""
    sent = _metadata(dataset)
    if revive:
        sent["state"] = "active"
    _revise(ckan, match, sent, dataset)


def withdraw(ckan: ckanapi.RemoteCKAN, held: Held) -> None:
    """Mark an experiment the marts no longer have as withdrawn; it stays in CKAN."""
    call(ckan, "package_patch", {"id": held.id, "status_publicatie": ckan_dicts.WITHDRAWN})


@dataclass(frozen=True)
class Task:
    name: str
    kind: str  # create, update, withdraw
    dataset: dict[str, Any] | None = None
    held: Held | None = None
    reason: str = ""  # why a dataset is withdrawn


WITHDRAWN_BY_PROVINCE = "door de provincie ingetrokken"
NOT_IN_MARTS = "staat niet meer in de marts"


def plan(datasets: list[dict[str, Any]], held: dict[str, Held], withdraw_missing: bool,
         withdrawn: frozenset[str] = frozenset()) -> tuple[list[Task], list[Outcome]]:
    """What to write, and the outcomes of what needs nothing. `withdrawn`: names of experiments their province
    withdrew (marts.withdrawn); CKAN's copy is marked withdrawn even when only a part is published."""
    tasks: list[Task] = []
    unchanged: list[Outcome] = []
    names = {d["name"] for d in datasets}
    for dataset in datasets:
        have = held.get(dataset["name"])
        if have is None or not have.in_database:
            tasks.append(Task(dataset["name"], "create", dataset, have))
        elif is_current(dataset, have):
            unchanged.append(Outcome(dataset["name"], "unchanged"))
        else:
            tasks.append(Task(dataset["name"], "update", dataset, have))
    for have in held.values():
        if have.name in names or have.type != ckan_dicts.EXPERIMENT_TYPE or not have.fingerprint or not have.in_database:
            continue  # ours to keep, not published by the platform, or only in CKAN's search index
        if not withdraw_missing and have.name not in withdrawn:
            continue
        if have.status == ckan_dicts.WITHDRAWN or have.state != "active":
            unchanged.append(Outcome(have.name, "unchanged"))
        else:
            reason = WITHDRAWN_BY_PROVINCE if have.name in withdrawn else NOT_IN_MARTS
            tasks.append(Task(have.name, "withdraw", held=have, reason=reason))
    return tasks, unchanged


def _run(ckan: ckanapi.RemoteCKAN, task: Task) -> Outcome:
    try:
        if task.kind == "create":
            return Outcome(task.name, create(ckan, task.dataset, task.held.id if task.held else None))
        if task.kind == "update":
            try:
                update(ckan, task.dataset, {"id": task.held.id}, revive=task.held.state != "active")
            except ckanapi.NotFound:  # only in CKAN's search index (lost from its database): make it anew
                return Outcome(task.name, create(ckan, task.dataset, task.held.id))
            withdrawn_now = (task.dataset.get("status_publicatie") == ckan_dicts.WITHDRAWN
                             and task.held.status != ckan_dicts.WITHDRAWN)
            return Outcome(task.name, "withdrawn" if withdrawn_now else "updated")
        try:
            withdraw(ckan, task.held)
        except ckanapi.NotFound:  # only in CKAN's search index: nothing left to mark
            return Outcome(task.name, "unchanged", "alleen nog in de zoekindex van CKAN")
        return Outcome(task.name, "withdrawn", task.reason or NOT_IN_MARTS)
    except ckan_client.Unreachable as error:
        return Outcome(task.name, "failed", str(error), unreachable=True)
    except CKAN_ERRORS as error:
        return Outcome(task.name, "failed", describe(error, ckan_client.address(ckan)))


class _Breaker:
    """Runs the tasks, saying how far it got every tenth, and stops a run once CKAN is clearly gone: after
    GONE_AFTER datasets in a row could not reach it, the datasets not yet written are reported as not
    tried, so the run ends within a minute instead of waiting out every retry of every dataset."""

    def __init__(self, total: int) -> None:
        self.lock = threading.Lock()
        self.unreachable_in_a_row = 0
        self.total, self.done = total, 0

    @property
    def tripped(self) -> bool:
        return self.unreachable_in_a_row >= GONE_AFTER

    def run(self, ckan: ckanapi.RemoteCKAN, task: Task, log: Log) -> Outcome:
        if self.tripped:
            return Outcome(task.name, "failed", "niet geprobeerd: CKAN is niet bereikbaar", unreachable=True)
        outcome = _run(ckan, task)
        with self.lock:
            self.unreachable_in_a_row = self.unreachable_in_a_row + 1 if outcome.unreachable else 0
            self.done += 1
            if self.done % max(1, self.total // 10) == 0 and not self.tripped:
                log(f"{self.done} van {self.total} datasets geschreven")
            if self.unreachable_in_a_row == GONE_AFTER:
                log(f"CKAN ({ckan_client.address(ckan)}) is niet meer bereikbaar: de publicatie stopt. Start CKAN opnieuw en draai "
                    "'ida publish' nogmaals; wat al klopt, wordt overgeslagen.")
        return outcome


def publish_catalogue(ckan: ckanapi.RemoteCKAN, datasets: list[dict[str, Any]], *,
                      organizations: list[dict[str, Any]] | None = None,
                      groups: list[dict[str, Any]] | None = None,
                      withdraw_missing: bool = True, withdrawn: Iterable[str] = (), workers: int = WORKERS,
                      log: Log | None = None, verify: bool = False) -> Report:
    """Bring CKAN in line with these datasets (and organisations and groups, when given).

    `withdraw_missing`: the datasets are the whole catalogue, so an experiment of these organisations
    that CKAN holds and they lack is marked withdrawn. Pass False when publishing a part.
    `withdrawn`: names of experiments their province withdrew (`ckan_dicts.withdrawn_by_province`); marked
    withdrawn in any case, never deleted.
    """
    log = log or (lambda message: None)
    report = Report()
    if organizations is not None:
        report.outcomes += ensure_organizations(ckan, organizations, log)
    if groups is not None:
        report.outcomes += ensure_groups(ckan, groups, log)
    scope = {o["name"] for o in organizations or []} | {d["owner_org"] for d in datasets}
    if verify:
        log("De vorige publicatie werd afgebroken: wat CKAN houdt, wordt in zijn database nagekeken.")
    held = holdings(ckan, scope, verify, workers) if scope else {}
    tasks, unchanged = plan(datasets, held, withdraw_missing, frozenset(withdrawn))
    report.outcomes += unchanged
    if tasks:
        log(f"{len(tasks)} dataset(s) te schrijven, {len(unchanged)} ongewijzigd; {min(workers, len(tasks))} tegelijk")
        breaker = _Breaker(len(tasks))
        with ThreadPoolExecutor(max_workers=max(1, workers), thread_name_prefix="ckan-publish") as pool:
            report.outcomes += pool.map(lambda task: breaker.run(ckan, task, log), tasks)
    log(report.summary())
    return report


UNFINISHED = "ckan-publicatie-onderbroken"  # a marker in the state folder while a run may be broken off


def publish(ckan: ckanapi.RemoteCKAN, con: duckdb.DuckDBPyConnection, *, workers: int = WORKERS,
            log: Log | None = None, state_dir: Path | None = None,
            dcat: DcatSettings = DcatSettings()) -> Report:
    """Publish the whole catalogue built from the marts of `con` (the serving copy).

    With `state_dir`, a marker there outlives a run that CKAN broke off (or that was killed), and the
    next run then checks what CKAN holds against its database before planning (see `holdings`)."""
    marker = state_dir / UNFINISHED if state_dir else None
    verify = marker is not None and marker.exists()
    if marker:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    report = publish_catalogue(ckan, ckan_dicts.all_datasets(con, dcat), organizations=ckan_dicts.organizations(),
                               groups=ckan_dicts.groups(), withdraw_missing=True,
                               withdrawn=ckan_dicts.withdrawn_by_province(con), workers=workers, log=log, verify=verify)
    if marker and not any(o.unreachable for o in report.outcomes):
        marker.unlink(missing_ok=True)
    return report
