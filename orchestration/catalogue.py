"""After the marts: the read-only serving copy for the app, the CKAN bulk export and the publication to CKAN."""


from pathlib import Path

import dagster as dg

from catalog import export
from catalog import publish
from ida.warehouse import serving
from orchestration import freshness
from orchestration.resources import CkanResource, ServingResource, WarehouseResource

MARTS = [dg.AssetKey(["marts", name]) for name in ("provinces", "experiments", "lessons", "results", "withdrawn_at_source",
                                                  "comparison_province_phase_core_task", "comparison_core_task",
                                                  # v1.1
                                                  "maturity", "withdrawn", "phase_history", "scaling_time_core_task",
                                                  "phase_changes_by_year", "dilemma_decisions", "dilemma_decision_times")]


@dg.asset(deps=MARTS, group_name="serving", kinds={"duckdb"})
def serving_copy(warehouse_db: WarehouseResource, outputs: ServingResource) -> dg.MaterializeResult:
    """Publishes a read-only copy of the marts for the app, swapped in atomically: on an increment the
    previous copy with the changed provinces' rows replaced, else a copy of every table."""
    project = freshness.project_fingerprint()
    with warehouse_db.connect() as con:
        plan = freshness.build_plan(con, outputs.state, Path(outputs.serving_dir), project)
        loaded = freshness.raw_watermarks(con)
    target = serving.publish(Path(warehouse_db.path), Path(outputs.serving_dir), provinces=plan.provinces())
    freshness.write_state(outputs.state, freshness.BUILD, freshness.StepState(project, loaded, target.name))
    return dg.MaterializeResult(metadata={"versie": target.name, "bijgewerkt": _provinces_label(plan)})


def _provinces_label(plan: freshness.Plan) -> str:
    return "alles" if plan.full else ", ".join(plan.provinces()) or "niets"


@dg.asset(deps=[serving_copy], group_name="serving", kinds={"ckan"})
def catalogue_export(outputs: ServingResource) -> dg.MaterializeResult:
    """Writes the catalogue as CKAN bulk files (organisations, groups, one dataset per experiment): on an
    increment only the datasets of the provinces that changed since the last export."""
    plan = freshness.step_plan(outputs.state, freshness.EXPORT)
    build = freshness.read_state(outputs.state, freshness.BUILD)
    with serving.connect(Path(outputs.serving_dir)) as con:
        counts = export.write_export(con, Path(outputs.export_dir), provinces=plan.provinces(), dcat=outputs.dcat())
    if build is not None:
        freshness.write_state(outputs.state, freshness.EXPORT, build)
    return dg.MaterializeResult(metadata={**counts, "map": outputs.export_dir, "bijgewerkt": _provinces_label(plan)})


@dg.asset(deps=[serving_copy], group_name="serving", kinds={"ckan"})
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
