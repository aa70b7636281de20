"""Deliveries: loading each province's landed deliveries and accepted submissions into the raw layer of
the warehouse, and the sensor that starts a province's run when it submits."""

from datetime import datetime, timedelta, timezone
from pathlib import Path

import dagster as dg

from catalog import curation
from ida import audit
from ida.intake.landing import landed_deliveries
from ida.intake.submissions import accepted_deliveries, submissions
from ida.intake.validation import validate
from ida.warehouse import raw as warehouse
from ida.warehouse import serving
from orchestration import freshness
from orchestration.partitions import PROVINCES
from orchestration.pipeline import FULL_BUILD_TAG, increment_subset, pipeline_job, province_range_tags
from orchestration.resources import CkanResource, LandingZoneResource, ServingResource, WarehouseResource

RAW_TABLES = ("deliveries", "experimenten", "lessen", "resultaten", "zelfscan", "intrekkingen", "curation_decisions")


class RejectedDeliveries(dg.Failure):
    """Some landed deliveries did not meet the standard, or changed after submission; the others were loaded."""


NOTHING_NEW = "Niets nieuw; niets opnieuw gebouwd."


@dg.multi_asset(
    # skippable: when nothing is new, nothing is materialised and every step after it is skipped
    specs=[dg.AssetSpec(["raw", table], group_name="raw", kinds={"duckdb"}, skippable=True) for table in RAW_TABLES],
    partitions_def=PROVINCES,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description="Valideert en laadt de leveringen van een provincie uit de landingszone en het archief in het raw-schema, "
                "met de besluiten van coördinatoren over de wachtrij 'Te classificeren'; als niets nieuw is en elke "
                "stap bij is, slaat de run de rest over.",
)
def province_deliveries(context: dg.AssetExecutionContext, warehouse_db: WarehouseResource,
                        landing_zone: LandingZoneResource, outputs: ServingResource, ckan: CkanResource):
    if context.run.tags.get(FULL_BUILD_TAG) == "true":
        freshness.forget(outputs.state)  # every step redoes everything
    loaded, skipped, rejected = 0, 0, []
    counts = dict.fromkeys(RAW_TABLES[1:], 0)
    archive = Path(landing_zone.submissions_dir)
    decisions = audit.entries(Path(landing_zone.audit_log)) if landing_zone.audit_log else []
    with warehouse_db.connect() as con:
        for province in context.partition_keys:
            counts["curation_decisions"] += warehouse.load_decisions(con, curation.decision_rows(decisions, province))
            # the same "known experiments" a submission was checked against, plus what this run loads
            known = serving.known_experiments(Path(outputs.serving_dir), province)
            for delivery in [*landed_deliveries(province, landing_zone.paths), *accepted_deliveries(archive, province)]:
                if warehouse.is_loaded(con, delivery.delivery_id):
                    skipped += 1
                    continue
                if delivery.problem:
                    rejected.append((delivery, [delivery.problem]))
                    context.log.error(delivery.problem)
                    continue
                report = validate(list(delivery.files), province, known, landing_zone.delivery_limits())
                if not report.accepted:
                    rejected.append((delivery, [f"{f.file} rij {f.row} kolom {f.column}: {f.message}" for f in report.errors[:20]]))
                    context.log.error(f"{province}: levering {delivery.folder} afgekeurd met {report.error_count} fouten")
                    continue
                source = warehouse.Source(delivery.source_kind, delivery.source or str(delivery.folder),
                                          tuple(p.name for p in delivery.files), delivery.received_at)
                warehouse.load(con, report, delivery.delivery_id, source)
                known = known.plus(report)
                loaded += 1
                for name in counts:
                    counts[name] += report.counts.get(name, 0)
                context.log.info(f"{province}: {delivery.folder.name} geladen ({report.counts})")
        build = freshness.build_plan(con, outputs.state, Path(outputs.serving_dir))
    steps = [freshness.step_plan(outputs.state, freshness.EXPORT)]
    if ckan.url:
        steps.append(freshness.step_plan(outputs.state, freshness.PUBLICATION))
    if rejected:
        details = "\n".join(f"{d.province} {d.folder}: {message}" for d, messages in rejected for message in messages)
        raise RejectedDeliveries(f"{len(rejected)} levering(en) niet geladen; de overige zijn geladen.\n{details}",
                                 metadata={"fouten": details})
    if build.nothing and all(step.nothing for step in steps):
        context.log.info(f"{NOTHING_NEW} ({skipped} levering(en) al geladen)")
        return
    context.log.info("; ".join(plan.reason for plan in [build, *steps]))
    for table in RAW_TABLES:
        metadata = {"geladen_leveringen": loaded, "al_geladen": skipped}
        if table in counts:
            metadata["rijen"] = counts[table]
        yield dg.MaterializeResult(asset_key=["raw", table], metadata=metadata)


# How far back each tick of the sensor looks. Older submissions and dismissals were requested by earlier ticks;
# one the daemon missed (it was down longer) is loaded by the daily full build, which loads whatever the raw layer
# lacks. The daemon checks every run key a tick yields (a query each), so a tick's work stays that of one day.
SENSOR_WINDOW = timedelta(days=1)


@dg.sensor(job=pipeline_job, minimum_interval_seconds=5, default_status=dg.DefaultSensorStatus.RUNNING)
def accepted_submissions(context: dg.SensorEvaluationContext, landing_zone: LandingZoneResource,
                         outputs: ServingResource):
    """A new accepted submission starts that province's pipeline run, so dashboards update by themselves:
    one run per accepted submission (the delivery id is the run key, so never twice). A coordinator's
    dismissal (a classification is a submission already) starts one too, so the record leaves the queue.
    When no full build is due, a run selects what `ida pipeline` selects for an increment. It looks every 5 s
    (the daemon's shortest loop), at the last SENSOR_WINDOW only."""
    subset = {}
    if context.repository_def is not None and freshness.full_build_reason(outputs.state, Path(outputs.serving_dir)) is None:
        increment = increment_subset(context.repository_def.asset_graph)
        subset = {"asset_selection": list(increment["asset_selection"]),
                  "asset_check_keys": list(increment["asset_check_selection"])}
    archive, since = Path(landing_zone.submissions_dir), datetime.now(timezone.utc) - SENSOR_WINDOW
    for province in PROVINCES.get_partition_keys():
        for meta in submissions(archive, province, since):
            if meta["accepted"] and not meta["duplicate_of"]:
                yield dg.RunRequest(run_key=meta["delivery_id"], tags=province_range_tags(province), **subset)
    decisions = audit.entries(Path(landing_zone.audit_log)) if landing_zone.audit_log else []
    for entry in decisions:
        if entry.get("action") == curation.DISMISS and isinstance(entry.get("what"), dict) and entry.get("at") \
                and datetime.fromisoformat(entry["at"]) >= since:
            yield dg.RunRequest(run_key=f"besluit-{entry['id']}", tags=province_range_tags(entry["what"]["province_code"]),
                                **subset)
