"""The dbt project as Dagster assets: `dbt build` streams models, seeds and tests (as asset checks)."""


import json
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import dagster as dg
from dagster_dbt import DagsterDbtTranslator, DbtCliResource, DbtProject, dbt_assets

from ida.settings import DBT_PROJECT_DIR, REPO_ROOT
from orchestration.resources import WarehouseResource

DBT_PROJECT = DbtProject(project_dir=DBT_PROJECT_DIR, profiles_dir=DBT_PROJECT_DIR)
DBT_EXECUTABLE = str(Path(sys.executable).with_name("dbt"))  # the venv's dbt, whatever PATH says


def dbt_resource() -> DbtCliResource:
    return DbtCliResource(project_dir=DBT_PROJECT, dbt_executable=DBT_EXECUTABLE)


def _manifest_is_stale() -> bool:
    """No manifest yet (a fresh clone), or a dbt file or vocabulary changed after it was parsed."""
    manifest = DBT_PROJECT.manifest_path
    if not manifest.exists():
        return True
    parsed = manifest.stat().st_mtime
    sources = [*DBT_PROJECT.project_dir.glob("*.yml"), *DBT_PROJECT.project_dir.glob("models/**/*"),
               *DBT_PROJECT.project_dir.glob("macros/**/*"), *DBT_PROJECT.project_dir.glob("tests/**/*"),
               *(REPO_ROOT / "ida" / "standard" / "vocabularies").glob("*.csv")]
    return any(path.stat().st_mtime > parsed for path in sources)


def prepare_manifest() -> None:
    """Parse the dbt project into the manifest Dagster reads, when it is missing or stale."""
    if _manifest_is_stale():
        dbt_resource().cli(["parse", "--quiet"], target_path=DBT_PROJECT.target_path).wait()


prepare_manifest()


class LayeredTranslator(DagsterDbtTranslator):
    """Asset keys and groups follow the dbt folders: `marts/experiments`, `vocab/kerntaken`, ..."""

    def _layer(self, props: Mapping[str, Any]) -> str:
        if props["resource_type"] == "seed":
            return "vocab"
        fqn = props["fqn"]
        return fqn[1] if len(fqn) > 2 else "models"

    def get_asset_key(self, dbt_resource_props: Mapping[str, Any]) -> dg.AssetKey:
        if dbt_resource_props["resource_type"] == "source":
            return super().get_asset_key(dbt_resource_props)
        return dg.AssetKey([self._layer(dbt_resource_props), dbt_resource_props["name"]])

    def get_group_name(self, dbt_resource_props: Mapping[str, Any]) -> str | None:
        if dbt_resource_props["resource_type"] == "source":
            return "raw"
        return self._layer(dbt_resource_props)


@dbt_assets(manifest=DBT_PROJECT.manifest_path, dagster_dbt_translator=LayeredTranslator(), project=DBT_PROJECT)
def warehouse_models(context: dg.AssetExecutionContext, dbt: DbtCliResource, warehouse_db: WarehouseResource):
    """Seeds the vocabularies, builds staging → intermediate → marts and runs every dbt test."""
    yield from dbt.cli(["build", "--vars", json.dumps({"warehouse": warehouse_db.path})], context=context).stream()
