"""The Dagster code location of the IDA Leerplatform: the assets of each system, their jobs, and resources
configured once from the platform settings."""

import dataclasses

import dagster as dg

from ida.settings import Settings
from orchestration import catalogue, deliveries, digest, harvest, pipeline, warehouse_models
from orchestration.resources import CkanResource, LandingZoneResource, ServingResource, WarehouseResource


def build_defs(settings: Settings) -> dg.Definitions:
    """Every asset, job, schedule and sensor, with resources set from `settings`. Every run executes its steps
    in one process: the pipeline is a chain (the serving copy and the export already run side by side within
    their step), a harvest or digest run is one step, and a process per step would import the code location
    anew for each (a sensor-started increment at 12 × 1,000 × 20: 28 s against 14 s). It also makes a run's
    hold on the warehouse (WarehouseResource) last from its first step to its last."""
    return dg.Definitions(
        executor=dg.in_process_executor,
        assets=[deliveries.province_deliveries, harvest.province_harvest, warehouse_models.warehouse_models,
                catalogue.serving_and_export, catalogue.ckan_publication, digest.digest_mail],
        jobs=[pipeline.pipeline_job, harvest.harvest_job, digest.digest_job],
        schedules=[pipeline.daily_pipeline, harvest.daily_harvest, digest.weekly_digest],
        sensors=[deliveries.accepted_submissions],
        resources={
            "warehouse_db": WarehouseResource(path=str(settings.warehouse)),
            "landing_zone": LandingZoneResource(dirs=[str(d) for d in settings.landing_dirs],
                                                submissions_dir=str(settings.submissions_dir),
                                                audit_log=str(settings.audit_log),
                                                limits=dataclasses.asdict(settings.limits)),
            "outputs": ServingResource(serving_dir=str(settings.serving_dir), export_dir=str(settings.export_dir),
                                       access_rights=settings.dcat.access_rights,
                                       data_license=settings.dcat.data_license,
                                       state_dir=str(settings.var_dir)),
            "dbt": warehouse_models.dbt_resource(settings.var_dir / "dbt"),
            "ckan": CkanResource(url=settings.ckan_url, state_dir=str(settings.var_dir),
                                 api_token=dg.EnvVar("CKAN_API_TOKEN") if settings.ckan_api_token else None),
            "harvest_settings": harvest.HarvestResource.of(settings.harvest),
            "digests": digest.DigestResource.of(settings.digest, settings.agenda),
        },
    )


defs = build_defs(Settings.from_env())
