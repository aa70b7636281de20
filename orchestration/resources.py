"""Dagster resources, configured once from the platform settings (environment with defaults)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import dagster as dg
import duckdb

from ida.warehouse import raw as warehouse


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file the pipeline writes."""

    path: str

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with warehouse.connect(Path(self.path)) as con:
            yield con


class LandingZoneResource(dg.ConfigurableResource):
    """The folders where deliveries wait, one sub-folder per province (CBS code)."""

    dirs: list[str]

    @property
    def paths(self) -> tuple[Path, ...]:
        return tuple(Path(d) for d in self.dirs)


class ServingResource(dg.ConfigurableResource):
    """Where the read-only serving copy and the catalogue export are written."""

    serving_dir: str
    export_dir: str
