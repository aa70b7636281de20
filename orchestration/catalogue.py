"""After the marts: the read-only serving copy for the app and the CKAN catalogue export."""


from pathlib import Path

import dagster as dg

from catalog import export, serving
from orchestration.resources import ServingResource, WarehouseResource

MARTS = [dg.AssetKey(["marts", name]) for name in ("provinces", "experiments", "lessons", "results",
                                                  "comparison_province_phase_core_task", "comparison_core_task")]


@dg.asset(deps=MARTS, group_name="serving", kinds={"duckdb"})
def serving_copy(warehouse_db: WarehouseResource, outputs: ServingResource) -> dg.MaterializeResult:
    """Publishes a read-only copy of the marts for the app, swapped in atomically."""
    target = serving.publish(Path(warehouse_db.path), Path(outputs.serving_dir))
    return dg.MaterializeResult(metadata={"versie": target.name})


@dg.asset(deps=[serving_copy], group_name="serving", kinds={"ckan"})
def catalogue_export(outputs: ServingResource) -> dg.MaterializeResult:
    """Writes the catalogue as CKAN bulk files (organisations, groups, one dataset per experiment)."""
    with serving.connect(Path(outputs.serving_dir)) as con:
        counts = export.write_export(con, Path(outputs.export_dir))
    return dg.MaterializeResult(metadata={**counts, "map": outputs.export_dir})
