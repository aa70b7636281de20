"""A new accepted submission starts that province's pipeline run, so dashboards update by themselves."""


import dagster as dg

from ida.settings import Settings
from ida.intake.submissions import submissions
from ida.standard.vocabularies import provinces
from orchestration.jobs import pipeline_job, province_range_tags


@dg.sensor(job=pipeline_job, minimum_interval_seconds=30, default_status=dg.DefaultSensorStatus.RUNNING)
def accepted_submissions(context: dg.SensorEvaluationContext):
    """One run per accepted submission (the delivery id is the run key, so never twice)."""
    archive = Settings.from_env().submissions_dir
    for province in provinces().codes:
        for meta in submissions(archive, province):
            if meta["accepted"] and not meta["duplicate_of"]:
                yield dg.RunRequest(run_key=meta["delivery_id"], tags=province_range_tags(province))
