"""Harvesting each province's own portals (the ckan/dcat sources in sources.yml) into the raw layer.

A sibling of `province_deliveries`: harvested experiments, lessons and results land in the same
raw tables (through ida.warehouse.raw.load), and this asset owns the harvest's own tables, which
the dbt source `harvest` reads. Every source is harvested on its own: a broken one records a failed
run, keeps what the platform held from it and does not stop the others; the partition of its
province then fails, so `harvest_job` (one run per province) shows exactly which province is stuck.
"""


from pathlib import Path

import dagster as dg

from catalog.harvest import RegistryError, harvest_province, load_registry
from ida.settings import HarvestSettings
from orchestration.partitions import PROVINCES
from ida.warehouse import serving
from orchestration.resources import ServingResource, WarehouseResource

HARVEST_TABLES = ("harvest_runs", "harvest_records", "to_classify", "withdrawn_at_source")


class HarvestResource(dg.ConfigurableResource):
    """Where the source registry is and how patient harvesting is (ida.settings.HarvestSettings)."""

    sources: str
    attempts: int
    backoff: float
    max_bytes: int

    @classmethod
    def of(cls, settings: HarvestSettings) -> "HarvestResource":
        return cls(sources=str(settings.sources), attempts=settings.attempts, backoff=settings.backoff,
                   max_bytes=settings.max_bytes)

    def settings(self) -> HarvestSettings:
        return HarvestSettings(Path(self.sources), self.attempts, self.backoff, self.max_bytes)


class HarvestFailed(dg.Failure):
    """One or more sources could not be harvested; the others were."""


@dg.multi_asset(
    specs=[dg.AssetSpec(["harvest", table], group_name="raw", kinds={"duckdb"}) for table in HARVEST_TABLES],
    partitions_def=PROVINCES,
    backfill_policy=dg.BackfillPolicy.multi_run(max_partitions_per_run=1),
    description="Oogst de CKAN- en DCAT-bronnen van een provincie (sources.yml) in het raw-schema.",
)
def province_harvest(context: dg.AssetExecutionContext, warehouse_db: WarehouseResource,
                     harvest_settings: HarvestResource, outputs: ServingResource):
    settings = harvest_settings.settings()
    try:
        registry = load_registry(settings.sources)
    except RegistryError as problem:
        raise dg.Failure(f"Het bronregister is ongeldig: {'; '.join(problem.problems)}") from None
    failed, totals, summaries = [], dict.fromkeys(("experiments", "lessons", "results", "to_classify", "withdrawn"), 0), []
    with warehouse_db.connect() as con:
        for province in context.partition_keys:
            def progress_for(source, province=province):
                def report(stage: str, done: int, total: int | None) -> None:
                    context.log.debug(f"{province} {source.kind} {source.url}: {stage} {done}/{total or '?'}")
                return report

            known = frozenset(serving.known_experiments(Path(outputs.serving_dir), province))
            for result in harvest_province(con, province, registry, progress_for, settings, known):
                summaries.append(result.summary())
                if result.ok:
                    context.log.info(result.summary())
                    for name in totals:
                        totals[name] += result.counts.get(name, 0)
                else:
                    context.log.error(result.summary())
                    failed.append(result)
    if failed:
        raise HarvestFailed(
            f"{len(failed)} bron(nen) konden niet worden geoogst; wat het platform ervan had, blijft staan. "
            "De overige bronnen zijn geoogst.",
            metadata={"mislukt": "\n".join(r.summary() for r in failed), "geoogst": "\n".join(summaries)},
        )
    for table in HARVEST_TABLES:
        yield dg.MaterializeResult(asset_key=["harvest", table],
                                   metadata={**totals, "bronnen": len(summaries), "samenvatting": "\n".join(summaries) or "geen bronnen"})


harvest_job = dg.define_asset_job(
    "ida_harvest",
    selection=dg.AssetSelection.assets(province_harvest),
    description="Oogst de portalen van één provincie (één run per provincie).",
)


@dg.schedule(job=harvest_job, cron_schedule="30 4 * * *", execution_timezone="Europe/Amsterdam")
def daily_harvest(context: dg.ScheduleEvaluationContext):
    """Every morning before the pipeline: one run per province, so one broken portal stops no other."""
    for province in PROVINCES.get_partition_keys():
        yield dg.RunRequest(run_key=f"{context.scheduled_execution_time:%Y%m%d}-{province}", partition_key=province)
