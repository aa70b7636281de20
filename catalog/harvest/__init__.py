"""Harvesting experiments from the provinces' own portals (CKAN and DCAT), beside the uploads.

Modules: `sources` (the registry, sources.yml), `ckan` and `dcat` (fetching), `mapping` (records to
the exchange format; the mapping table is in docs/oogsten.md), `records` (reading lesson/result
files, validating with the upload validator), `state` (runs, record versions, tombstones in the
warehouse), `run` (one source end to end), `http` (timeouts, retries, Dutch errors).
"""

import logging

from catalog.harvest.http import HarvestError, Options
from catalog.harvest.run import Result, harvest_province, harvest_source
from catalog.harvest.sources import CkanSource, DcatSource, Registry, RegistryError, load_registry

logging.getLogger("catalog.harvest").addHandler(logging.NullHandler())

__all__ = ["CkanSource", "DcatSource", "HarvestError", "Options", "Registry", "RegistryError", "Result",
           "harvest_province", "harvest_source", "load_registry"]
