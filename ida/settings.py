"""Where the platform keeps its files, configured from the environment with defaults that need nothing."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
SAMPLES_DIR = REPO_ROOT / "data" / "samples"


def _path(name: str, default: Path) -> Path:
    value = os.environ.get(name)
    return Path(value).expanduser().resolve() if value else default


@dataclass(frozen=True)
class Settings:
    """Paths and endpoints of one platform installation (see README, "Omgevingsvariabelen")."""

    var_dir: Path
    warehouse: Path
    landing_dirs: tuple[Path, ...]
    submissions_dir: Path
    upload_tokens: Path
    serving_dir: Path
    export_dir: Path
    dbt_project_dir: Path
    ckan_url: str | None
    ckan_api_token: str | None

    @classmethod
    def from_env(cls) -> Settings:
        var_dir = _path("IDA_VAR_DIR", REPO_ROOT / "var")
        landing = os.environ.get("IDA_LANDING")
        submissions_dir = _path("IDA_SUBMISSIONS", var_dir / "submissions")
        landing_dirs = (
            tuple(Path(p).expanduser().resolve() for p in landing.split(os.pathsep) if p)
            if landing
            else (SAMPLES_DIR,)
        )
        return cls(
            var_dir=var_dir,
            warehouse=_path("IDA_WAREHOUSE", var_dir / "warehouse.duckdb"),
            landing_dirs=(*landing_dirs, submissions_dir),
            submissions_dir=submissions_dir,
            upload_tokens=_path("IDA_UPLOAD_TOKENS", var_dir / "upload_tokens.json"),
            serving_dir=_path("IDA_SERVING_DIR", var_dir / "serving"),
            export_dir=_path("IDA_EXPORT_DIR", var_dir / "export"),
            dbt_project_dir=REPO_ROOT / "dbt_project",
            ckan_url=os.environ.get("CKAN_URL") or None,
            ckan_api_token=os.environ.get("CKAN_API_TOKEN") or None,
        )
