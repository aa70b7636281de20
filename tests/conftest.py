"""Shared fixtures: one real pipeline run on the sample deliveries, in a temporary platform folder."""

from __future__ import annotations

import os
from pathlib import Path

import dagster as dg
import pytest

from ida.settings import SAMPLES_DIR as SAMPLES


@pytest.fixture(scope="session")
def platform_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Point every platform path at a fresh folder; the samples are the landing zone."""
    var_dir = tmp_path_factory.mktemp("var")
    extra_landing = var_dir / "landing"
    extra_landing.mkdir()
    env = {"IDA_VAR_DIR": str(var_dir), "IDA_WAREHOUSE": str(var_dir / "warehouse.duckdb"),
           "IDA_LANDING": os.pathsep.join([str(SAMPLES), str(extra_landing)])}
    os.environ.update(env)
    for name in ("IDA_SERVING_DIR", "IDA_EXPORT_DIR", "CKAN_URL", "CKAN_API_TOKEN"):
        os.environ.pop(name, None)
    return env


@pytest.fixture(scope="session")
def sample_run(platform_env: dict[str, str]):
    """The Dagster pipeline job, run in-process over all twelve provinces of the samples."""
    from orchestration.pipeline import run_pipeline

    result = run_pipeline(dagster_instance=dg.DagsterInstance.ephemeral())
    assert result.success, "\n".join(result.summary)
    return result


@pytest.fixture(scope="session")
def var_dir(platform_env: dict[str, str]) -> Path:
    return Path(platform_env["IDA_VAR_DIR"])


@pytest.fixture(scope="session")
def extra_landing(var_dir: Path) -> Path:
    """A second landing zone, empty at the start, where tests drop new deliveries."""
    return var_dir / "landing"


@pytest.fixture(scope="session")
def ckan_up():
    """The run of catalog/ckan_stack/up.sh that made sure the local CKAN stack runs (its output, for the tests)."""
    from local_ckan import run_up

    done = run_up()
    assert done.returncode == 0, f"up.sh failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return done


@pytest.fixture(scope="session")
def ckan(ckan_up) -> dict:
    """The local CKAN stack's credentials.json as a dict
    ({"url", "sysadmin_token", "provinces": {"PV26": token, …}, "editors", "organisations", …})."""
    from local_ckan import credentials

    return credentials()


@pytest.fixture(scope="module")
def dashboard(sample_run, platform_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory):
    """`streamlit run apps/Home.py` on the platform folder of the sample run; yields its base URL."""
    from streamlit_browser import streamlit_server

    with streamlit_server({**os.environ, **platform_env}, tmp_path_factory.mktemp("streamlit") / "streamlit.log", 60) as url:
        yield url


@pytest.fixture(scope="session")
def browser():
    """Headless Debian Chromium for the browser tests."""
    from streamlit_browser import chromium

    with chromium() as launched:
        yield launched


@pytest.fixture
def page(browser):
    """A fresh tab (own context: no cookies or session from another test), Dutch locale."""
    context = browser.new_context(viewport={"width": 1440, "height": 1100}, locale="nl-NL")
    tab = context.new_page()
    yield tab
    context.close()
