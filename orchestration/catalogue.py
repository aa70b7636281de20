"""After the marts: the read-only serving copy for the app, the CKAN bulk export and the publication to CKAN."""


import multiprocessing
import time
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor, ThreadPoolExecutor
from pathlib import Path
from typing import Any

import dagster as dg

from catalog import export
from catalog import publish
from ida.errors import NotPublished
from ida.warehouse import serving
from orchestration import freshness
from orchestration.resources import CkanResource, ServingResource, WarehouseResource

MARTS = [dg.AssetKey(["marts", name]) for name in ("provinces", "experiments", "lessons", "results", "withdrawn_at_source",
                                                  "comparison_province_phase_core_task", "comparison_core_task",
                                                  # v1.1
                                                  "maturity", "withdrawn", "phase_history", "scaling_time_core_task",
                                                  "phase_changes_by_year", "dilemma_decisions", "dilemma_decision_times")]


SERVING_COPY, CATALOGUE_EXPORT = dg.AssetKey("serving_copy"), dg.AssetKey("catalogue_export")


@dg.multi_asset(
    specs=[
        dg.AssetSpec(SERVING_COPY, deps=MARTS, group_name="serving", kinds={"duckdb"}, skippable=True,
                     description="A read-only copy of the marts for the app, swapped in atomically: on an increment the "
                                 "previous copy with the changed provinces' rows replaced, else a copy of every table."),
        dg.AssetSpec(CATALOGUE_EXPORT, deps=MARTS, group_name="serving", kinds={"ckan"}, skippable=True,
                     description="The catalogue as CKAN bulk files (organisations, groups, one dataset per experiment): "
                                 "on an increment only the datasets of the provinces that changed since the last export."),
    ],
    can_subset=True,
)
def serving_and_export(context: dg.AssetExecutionContext, warehouse_db: WarehouseResource,
                       outputs: ServingResource) -> Iterator[dg.MaterializeResult]:
    """The serving copy and the export, both from the warehouse's marts and side by side, so together they take
    little more than the longer of the two. Either may be materialised alone (the Dagster UI); when one fails, the
    other is still materialised and the step fails with the error."""
    project = freshness.project_fingerprint()
    with warehouse_db.connect() as con:
        plan = freshness.build_plan(con, outputs.state, Path(outputs.serving_dir), project)
        loaded = freshness.raw_watermarks(con)
        exporting = freshness.catch_up(outputs.state, freshness.EXPORT, project, loaded)
    work = {SERVING_COPY: lambda: _serving_copy(Path(warehouse_db.path), outputs, project, loaded, plan),
            CATALOGUE_EXPORT: lambda: _export(Path(warehouse_db.path), outputs, exporting)}
    with ThreadPoolExecutor(max_workers=len(work), thread_name_prefix="serving") as pool:
        running = {key: pool.submit(task) for key, task in work.items() if key in context.selected_asset_keys}
    done = {key: future.result() for key, future in running.items() if future.exception() is None}
    if CATALOGUE_EXPORT in done:  # made from the marts that are (or already were) in the serving copy
        served = done[SERVING_COPY]["versie"] if SERVING_COPY in done else _served(outputs)
        freshness.write_state(outputs.state, freshness.EXPORT, freshness.StepState(project, loaded, served))
    for key, metadata in done.items():
        yield dg.MaterializeResult(asset_key=key, metadata=metadata)
    for future in running.values():
        if future.exception() is not None:
            raise future.exception()


def _serving_copy(warehouse: Path, outputs: ServingResource, project: str, loaded: dict[str, str],
                  plan: freshness.Plan) -> dict[str, Any]:
    started = time.perf_counter()
    target = serving.publish(warehouse, Path(outputs.serving_dir), provinces=plan.provinces())
    freshness.write_state(outputs.state, freshness.BUILD, freshness.StepState(project, loaded, target.name))
    return {"versie": target.name, "bijgewerkt": _provinces_label(plan), "seconden": _seconds(started)}


def _export(warehouse_file: Path, outputs: ServingResource, plan: freshness.Plan) -> dict[str, Any]:
    """The export of the warehouse's marts, read-only beside the serving copy that copies the same rows, in a
    process of its own. Two reasons: DuckDB opens a file once per process, so here it could not while the serving
    copy has the warehouse attached; and both are mostly Python's work, which one process does on one core at a
    time (a full build's serving copy and export at 12 × 1,000 × 20: 26 s in two threads, 19 s in two processes).
    Starting the process costs about 0.4 s."""
    started = time.perf_counter()
    with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as process:
        counts = process.submit(export.write_export_of, warehouse_file, Path(outputs.export_dir), plan.provinces(),
                                outputs.dcat()).result()
    return {**counts, "map": outputs.export_dir, "bijgewerkt": _provinces_label(plan), "seconden": _seconds(started)}


def _served(outputs: ServingResource) -> str:
    try:
        return serving.current(Path(outputs.serving_dir)).name
    except NotPublished:
        return ""


def _seconds(started: float) -> float:
    return round(time.perf_counter() - started, 1)


def _provinces_label(plan: freshness.Plan) -> str:
    return "alles" if plan.full else ", ".join(plan.provinces()) or "niets"


@dg.asset(deps=[SERVING_COPY], group_name="serving", kinds={"ckan"})
def ckan_publication(context: dg.AssetExecutionContext, outputs: ServingResource,
                     ckan: CkanResource) -> dg.MaterializeResult:
    """Publishes the catalogue to CKAN (CKAN_URL, CKAN_API_TOKEN): only what changed; fails when a dataset failed.

    Without CKAN_URL it publishes nothing and says so: the bulk export is then the way out.
    """
    url = ckan.url
    if not url:
        context.log.info("CKAN_URL is niet gezet: niets naar CKAN gepubliceerd. "
                         f"De catalogus staat als bulkexport in {outputs.export_dir}.")
        return dg.MaterializeResult(metadata={"gepubliceerd": False, "reden": "CKAN_URL is niet gezet"})
    client = ckan.client()  # NotConfigured (no token) fails the step with its Dutch message
    with serving.connect(Path(outputs.serving_dir)) as con:
        report = publish.publish(client, con, workers=ckan.workers, log=context.log.info, state_dir=Path(ckan.state_dir) if ckan.state_dir else None,
                                 dcat=outputs.dcat())
    metadata = {"gepubliceerd": True, "ckan": url, **report.counts()}
    if report.ok and (build := freshness.read_state(outputs.state, freshness.BUILD)) is not None:
        freshness.write_state(outputs.state, freshness.PUBLICATION, build)
    if not report.ok:
        for failure in report.failures:
            context.log.error(f"Mislukt: {failure.name}: {failure.message}")
        shown = "; ".join(f"{f.name}: {f.message}" for f in report.failures[:5])
        raise dg.Failure(description=f"{len(report.failures)} publicatie(s) naar CKAN mislukt ({shown}). "
                                     "De rest staat in CKAN; een nieuwe run maakt het af.",
                         metadata=metadata)
    return dg.MaterializeResult(metadata=metadata)
