"""Loading each province's landed deliveries into the raw layer of the warehouse."""


import dagster as dg

from ida.warehouse import raw as warehouse
from ida.intake.landing import landed_deliveries
from ida.intake.validation import validate
from orchestration.partitions import PROVINCES
from orchestration.resources import LandingZoneResource, WarehouseResource

RAW_TABLES = ("deliveries", "experimenten", "lessen", "resultaten")


class RejectedDeliveries(dg.Failure):
    """Some landed deliveries did not meet the standard; the others were loaded."""


@dg.multi_asset(
    specs=[dg.AssetSpec(["raw", table], group_name="raw", kinds={"duckdb"}) for table in RAW_TABLES],
    partitions_def=PROVINCES,
    backfill_policy=dg.BackfillPolicy.single_run(),
    description="Valideert en laadt de leveringen van een provincie uit de landingszone in het raw-schema.",
)
def province_deliveries(context: dg.AssetExecutionContext, warehouse_db: WarehouseResource,
                        landing_zone: LandingZoneResource):
    loaded, skipped, rejected = 0, 0, []
    counts = dict.fromkeys(RAW_TABLES[1:], 0)
    with warehouse_db.connect() as con:
        for province in context.partition_keys:
            known = warehouse.known_experiments(con, province)
            for delivery in landed_deliveries(province, landing_zone.paths):
                if warehouse.is_loaded(con, delivery.delivery_id):
                    skipped += 1
                    continue
                report = validate(list(delivery.files), province, known)
                if not report.accepted:
                    rejected.append((delivery, report))
                    context.log.error(f"{province}: levering {delivery.folder} afgekeurd met {len(report.errors)} fouten")
                    continue
                source = warehouse.Source("upload", str(delivery.folder), tuple(p.name for p in delivery.files), delivery.received_at)
                warehouse.load(con, report, delivery.delivery_id, source)
                known |= {r["experiment_id"] for r in report.records["experimenten"]}
                loaded += 1
                for name in counts:
                    counts[name] += report.counts[name]
                context.log.info(f"{province}: {delivery.folder.name} geladen ({report.counts})")
    if rejected:
        details = "\n".join(
            f"{d.province} {d.folder}: {f.file} rij {f.row} kolom {f.column}: {f.message}"
            for d, report in rejected for f in report.errors[:20]
        )
        raise RejectedDeliveries(f"{len(rejected)} levering(en) afgekeurd; de overige zijn geladen.", metadata={"fouten": details})
    for table in RAW_TABLES:
        metadata = {"geladen_leveringen": loaded, "al_geladen": skipped}
        if table in counts:
            metadata["rijen"] = counts[table]
        yield dg.MaterializeResult(asset_key=["raw", table], metadata=metadata)
