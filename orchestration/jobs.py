"""The pipeline job over every asset, and its daily schedule.

A run covers a range of provinces in one go (the delivery asset has a single-run backfill policy),
so dbt builds once per run, not once per province.
"""


import dagster as dg

from orchestration.partitions import PROVINCES

RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"

pipeline_job = dg.define_asset_job(
    "ida_pipeline",
    # harvesting has its own job (one run per province, before this one): a broken portal never blocks the build
    selection=dg.AssetSelection.all() - dg.AssetSelection.key_prefixes("harvest"),
    description="Laadt de leveringen, bouwt de marts, publiceert de serveerkopie en de catalogus.",
)


def province_range_tags(first: str | None = None, last: str | None = None) -> dict[str, str]:
    """Run tags selecting the provinces from `first` to `last` (default: all twelve)."""
    keys = PROVINCES.get_partition_keys()
    return {RANGE_START_TAG: first or keys[0], RANGE_END_TAG: last or first or keys[-1]}


@dg.schedule(job=pipeline_job, cron_schedule="0 5 * * *", execution_timezone="Europe/Amsterdam")
def daily_pipeline(context: dg.ScheduleEvaluationContext) -> dg.RunRequest:
    """Every morning: all provinces, one run."""
    return dg.RunRequest(tags=province_range_tags())
