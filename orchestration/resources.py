"""Dagster resources: every value a field, set once in definitions.py from the platform settings."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

import ckanapi
import dagster as dg
import duckdb
from pydantic import PrivateAttr

from catalog import publish
from ida.settings import DcatSettings, Limits
from ida.warehouse import raw as warehouse
from ida.warehouse import writer


class WarehouseResource(dg.ConfigurableResource):
    """The DuckDB warehouse file the pipeline writes. A run that uses it holds the warehouse's writer lock from
    its start to its end (ida/warehouse/writer.py), waiting up to `wait_seconds` for another run to finish: the
    jobs run their steps in one process (definitions.py), so that is the whole run."""

    path: str
    wait_seconds: int = writer.WAIT_SECONDS
    _writing: ExitStack = PrivateAttr(default_factory=ExitStack)

    def setup_for_execution(self, context: dg.InitResourceContext) -> None:
        who = f"Dagster-run {context.run_id}" if context.run_id else "Dagster"
        self._writing.enter_context(writer.writing(Path(self.path), who, self.wait_seconds, on_wait=lambda holder: (
            context.log.warning(f"Wacht tot {holder} klaar is met het warehouse.") if context.log else None)))

    def teardown_after_execution(self, context: dg.InitResourceContext) -> None:
        self._writing.close()

    @contextmanager
    def connect(self) -> Iterator[duckdb.DuckDBPyConnection]:
        with warehouse.connect(Path(self.path)) as con:
            yield con


class LandingZoneResource(dg.ConfigurableResource):
    """Where deliveries wait: the landing folders (one sub-folder per province) and the submissions archive;
    and the audit log of the coordinators' decisions on the to-classify queue."""

    dirs: list[str]
    submissions_dir: str
    audit_log: str | None = None  # the coordinators' decisions on harvested records (catalog/curation.py)
    limits: dict[str, int] = {}  # ida.settings.Limits by field name; empty: the defaults

    @property
    def paths(self) -> tuple[Path, ...]:
        return tuple(Path(d) for d in self.dirs)

    def delivery_limits(self) -> Limits:
        return Limits(**self.limits)


class ServingResource(dg.ConfigurableResource):
    """Where the read-only serving copy and the catalogue export are written, and where the pipeline keeps
    the record of what each step last did (orchestration/freshness.py)."""

    serving_dir: str
    export_dir: str
    access_rights: str = DcatSettings.access_rights  # what the catalogue says about rights (DCAT-AP-NL)
    data_license: str = DcatSettings.data_license
    state_dir: str = ""  # the state folder (IDA_VAR_DIR); empty: beside the serving folder

    def dcat(self) -> DcatSettings:
        return DcatSettings(access_rights=self.access_rights, data_license=self.data_license)

    @property
    def state(self) -> Path:
        return Path(self.state_dir) if self.state_dir else Path(self.serving_dir).parent


class CkanResource(dg.ConfigurableResource):
    """The CKAN the catalogue is published to; without a URL the platform has no CKAN. The token comes
    from the environment through `dg.EnvVar`, so it is in no run config and no log."""

    url: str | None = None
    api_token: str | None = None
    workers: int = publish.WORKERS
    state_dir: str = ""  # where a broken-off publication leaves its marker (the state folder)

    def client(self) -> ckanapi.RemoteCKAN:
        """A ckanapi client, or publish.NotConfigured (no URL or no token)."""
        return publish.connect(self.url, self.api_token)
