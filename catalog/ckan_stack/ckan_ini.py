"""Renders ckan.ini.template into var/ckan/ckan.ini (see the template for what it sets).

    python ckan_ini.py OUT_INI   with the values in the environment (up.sh passes them)

The secrets (CKAN's SECRET_KEY, the database password) are read from var/ckan/secrets/, where up.sh
makes them once; the rendered file is readable by its owner only.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from string import Template

TEMPLATE = Path(__file__).resolve().parent / "ckan.ini.template"


def render(env: dict[str, str]) -> str:
    secrets = Path(env["CKAN_VAR"]) / "secrets"
    values = {
        "secret_key": (secrets / "secret_key").read_text().strip(),
        "db_password": (secrets / "db_password").read_text().strip(),
        "site_url": env["CKAN_SITE_URL"],
        "pg_port": env["CKAN_PG_PORT"],
        "redis_port": env["CKAN_REDIS_PORT"],
        "solr_url": env["SOLR_CORE_URL"],
        "storage_path": str(Path(env["CKAN_VAR"]) / "storage"),
        "experiment_schema_url": (Path(env["CKAN_VAR"]) / "schemas" / "experiment.yaml").as_uri(),
        "logs": str(Path(env["CKAN_VAR"]) / "logs"),
    }
    return Template(TEMPLATE.read_text(encoding="utf-8")).substitute(values)


def main(out: str) -> None:
    path = Path(out)
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(render(dict(os.environ)))
    tmp.replace(path)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: ckan_ini.py OUT_INI")
    main(sys.argv[1])
