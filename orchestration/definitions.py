"""The Dagster code location of the IDA Leerplatform."""

from __future__ import annotations

import os

import dagster as dg

from ida.settings import Settings
from orchestration.catalogue import CkanResource, catalogue_export, ckan_publication, serving_copy
from orchestration.deliveries import province_deliveries
from orchestration.harvest import daily_harvest, harvest_job, province_harvest
from orchestration.jobs import daily_pipeline, pipeline_job
from orchestration.sensors import accepted_submissions
from orchestration.resources import LandingZoneResource, ServingResource, WarehouseResource
from orchestration.warehouse_models import dbt_resource, warehouse_models

settings = Settings.from_env()
os.environ.setdefault("IDA_WAREHOUSE", str(settings.warehouse))  # dbt's profile reads it

defs = dg.Definitions(
    assets=[province_deliveries, province_harvest, warehouse_models, serving_copy, catalogue_export, ckan_publication],
    jobs=[pipeline_job, harvest_job],
    schedules=[daily_pipeline, daily_harvest],
    sensors=[accepted_submissions],
    resources={
        "warehouse_db": WarehouseResource(path=str(settings.warehouse)),
        "landing_zone": LandingZoneResource(dirs=[str(d) for d in settings.landing_dirs]),
        "outputs": ServingResource(serving_dir=str(settings.serving_dir), export_dir=str(settings.export_dir)),
        "dbt": dbt_resource(),
        "ckan": CkanResource(),
    },
)
