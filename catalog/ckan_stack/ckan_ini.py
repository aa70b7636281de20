"""Renders ckan.ini.template into var/ckan/ckan.ini (see the template for what it sets).

    python ckan_ini.py OUT_INI   with the values in the environment (up.sh passes them)

The secrets (CKAN's SECRET_KEY, the database password) are read from var/ckan/secrets/, where up.sh
makes them once; the rendered file is readable by its owner only. The rights and licences the catalogue
states come from the platform's own settings (ida/settings.py, `DcatSettings`), the catalogue's publisher,
contact point and homepage from settings.sh (CKAN_CATALOG_*).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path
from string import Template

TEMPLATE = Path(__file__).resolve().parent / "ckan.ini.template"
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # runs in CKAN's venv: the platform's settings

from ida.settings import Settings, SettingsError  # noqa: E402  (stdlib only)


def ini_value(name: str, value: str) -> str:
    """A value for one line of ckan.ini: no line breaks, no `%` (the ini's interpolation)."""
    if "\n" in value or "\r" in value or "%" in value:
        raise SystemExit(f"{name}={value!r}: geen regeleinde of % toegestaan in een waarde van ckan.ini")
    return value.strip()


def render(env: dict[str, str]) -> str:
    secrets = Path(env["CKAN_VAR"]) / "secrets"
    dcat = Settings.from_env(env).dcat
    catalogue = {key: ini_value(name, env[name]) for key, name in (
        ("catalog_publisher_uri", "CKAN_CATALOG_PUBLISHER_URI"), ("catalog_publisher_name", "CKAN_CATALOG_PUBLISHER_NAME"),
        ("catalog_contact_name", "CKAN_CATALOG_CONTACT_NAME"), ("catalog_contact_email", "CKAN_CATALOG_CONTACT_EMAIL"),
        ("catalog_homepage", "CKAN_CATALOG_HOMEPAGE"))}
    values = {
        **catalogue,
        "access_rights": ini_value("IDA_ACCESS_RIGHTS", dcat.access_rights),
        "data_license": ini_value("IDA_DATA_LICENSE", dcat.data_license),
        "metadata_license": ini_value("IDA_METADATA_LICENSE", dcat.metadata_license),
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
    try:
        text = render(dict(os.environ))
    except SettingsError as error:
        raise SystemExit(f"FOUT: {error}") from None
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    tmp.replace(path)


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit("usage: ckan_ini.py OUT_INI")
    main(sys.argv[1])
