"""Beheer as an IPO coordinator does it, in a real browser (Debian's Chromium through Playwright, a real
`streamlit run` on a free loopback port).

Zeeland's DCAT catalogue, served on loopback, has a record without a core task; the harvest puts it in the
to-classify queue and the pipeline publishes the queue. A province's upload token is refused on Beheer.
The coordinator signs in, classifies the record (core task, phase, IDA line), and the audit log on the page
and on disk holds the action. The pipeline runs; the record is an experiment in the marts and on the
Catalogus page, and — published to the real local CKAN, under its publish lock — a dataset in CKAN.
The platform folder is this module's own. Screenshots go to var/screenshots/ (git-ignored).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import dagster as dg
import pytest

from catalog import curation, publish
from catalog.ckan_dicts import dataset_name
from local_ckan import publish_lock, purge_published
from catalog.harvest import DcatSource, harvest_source
from ida import audit
from ida.intake import tokens
from ida.settings import Settings
from ida.warehouse import raw as warehouse
from ida.warehouse import serving
from streamlit_browser import SCREENSHOTS, settle, streamlit_server
from test_harvest import FAST, CatalogueServer, catalogue, serve_catalogue

RECORD = "ZL-BEHEER-1"
TITLE = "Getijdenstroom Brouwersdam: energie uit eb en vloed"
COORDINATOR = "Fatima El Amrani (IPO)"


@pytest.fixture(scope="module")
def platform(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """A platform folder of its own with only harvested records: Zeeland's catalogue harvested, the pipeline
    run for Zeeland, a coordinator token and Zeeland's upload token."""
    from orchestration.pipeline import run_pipeline

    root = tmp_path_factory.mktemp("beheer")
    (root / "landing").mkdir()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDA_", "CKAN_URL", "CKAN_API_TOKEN"))}
    env.update({"IDA_VAR_DIR": str(root / "var"), "IDA_LANDING": str(root / "landing"), "DAGSTER_HOME": str(root / "dagster")})
    settings = Settings.from_env(env)
    with CatalogueServer() as server:
        url = serve_catalogue(server, catalogue(server.url, [RECORD], **{RECORD: {"theme": None, "title": TITLE}}))
        with warehouse.connect(settings.warehouse) as con:
            result = harvest_source(con, "PV29", DcatSource(kind="dcat", url=url), options=FAST)
    assert result.ok and result.counts["to_classify"] == 1, result.errors
    run = run_pipeline("PV29", dg.DagsterInstance.ephemeral(), settings=settings)
    assert run.success, "\n".join(run.summary)
    return {"root": root, "env": env, "settings": settings, "coordinator": curation.issue_token(settings, COORDINATOR),
            "PV29": tokens.issue(settings.upload_tokens, "PV29")}


@pytest.fixture(scope="module")
def app_url(platform: dict) -> Iterator[str]:
    with streamlit_server(platform["env"], platform["root"] / "streamlit.log") as url:
        yield url


def screenshot(tab, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    tab.screenshot(path=str(SCREENSHOTS / f"beheer-{name}.png"), full_page=True)


def sign_in(tab, url: str, token: str) -> None:
    tab.goto(f"{url}/beheer")
    settle(tab)
    tab.get_by_label("Coördinatortoken").fill(token)
    tab.get_by_role("button", name="Inloggen").click()
    settle(tab)


def choose(tab, label: str, option: str) -> None:
    tab.locator('[data-testid="stSelectbox"]').filter(has_text=label).click()
    tab.get_by_role("option", name=option, exact=True).click()
    settle(tab)


def test_a_provinces_upload_token_is_refused_on_beheer(app_url: str, platform: dict, page) -> None:
    sign_in(page, app_url, platform["PV29"])
    page.get_by_text("Dit is geen coördinatortoken").wait_for(timeout=30_000)
    screenshot(page, "1-uploadtoken-geweigerd")
    main = page.locator('[data-testid="stMain"]').inner_text()
    assert "Ingelogd als" not in main and TITLE not in main and "Auditlog" not in main
    assert page.locator('[data-testid="stDataFrame"]').count() == 0


def test_a_coordinator_classifies_a_harvested_record_and_it_reaches_the_dashboards_and_ckan(
        app_url: str, platform: dict, page, ckan) -> None:
    from orchestration.pipeline import run_pipeline

    settings: Settings = platform["settings"]
    sign_in(page, app_url, platform["coordinator"])
    page.get_by_text(f"Ingelogd als coördinator {COORDINATOR}.").wait_for(timeout=30_000)
    page.get_by_text("Reden: Geen kerntaak").wait_for(timeout=30_000)
    assert page.get_by_text(f"Link: https://www.example.nl/projecten/{RECORD}").is_visible()
    assert page.locator('[data-testid="stMetricValue"]').first.inner_text() == "1"
    screenshot(page, "2-wachtrij")

    choose(page, "Kerntaak", "Milieu, energie en klimaat")
    choose(page, "Fase", "Experiment")
    choose(page, "IDA-spoor", "Maatschappelijke opgaven")
    page.get_by_role("button", name="Classificeren").click()
    page.get_by_text(f"Geclassificeerd: '{TITLE}' wordt experiment {RECORD} van Zeeland.").wait_for(timeout=60_000)
    settle(page)
    screenshot(page, "3-geclassificeerd")
    assert page.locator('[data-testid="stException"]').count() == 0
    assert page.get_by_text("Er wacht niets op classificatie.").is_visible()
    log_text = page.locator('[data-testid="stCode"]').last.inner_text()
    assert COORDINATOR in log_text and "classificeren" in log_text and "kerntaak=milieu_energie_klimaat" in log_text

    # the audit log on disk: who (the name, never the token), what, before and after
    [entry] = audit.entries(settings.audit_log)
    assert (entry["who"], entry["action"], entry["what"]["title"]) == (COORDINATOR, "classificeren", TITLE)
    assert entry["before"]["status"] == "te_classificeren" and entry["after"]["fase"] == "experiment"
    assert platform["coordinator"] not in settings.audit_log.read_text()

    run = run_pipeline("PV29", dg.DagsterInstance.ephemeral(), settings=settings)
    assert run.success, "\n".join(run.summary)
    with serving.connect(settings.serving_dir) as con:
        found = con.execute("select title, core_task, phase from marts.experiments where experiment_id = ?", [RECORD]).fetchall()
        queued = con.execute("select count(*) from marts.to_classify").fetchone()[0]
    assert found == [(TITLE, "milieu_energie_klimaat", "experiment")] and queued == 0

    page.goto(f"{app_url}/catalogus?experiment=PV29:{RECORD}")
    settle(page)
    page.get_by_text(TITLE).first.wait_for(timeout=60_000)
    screenshot(page, "4-in-de-catalogus")
    assert page.locator('[data-testid="stException"]').count() == 0

    admin = publish.connect(ckan["url"], ckan["sysadmin_token"])
    name = dataset_name("PV29", RECORD)
    with publish_lock(wait_seconds=1800):
        purge_published(admin, {name})
        try:
            with serving.connect(settings.serving_dir) as con:
                report = publish.publish(admin, con)
            assert report.ok, report.failures
            package = admin.action.package_show(id=name)
            assert (package["title"], package["organization"]["name"]) == (TITLE, "provincie-zeeland")
            assert package["kerntaak"] == "milieu_energie_klimaat"
        finally:
            purge_published(admin, {name})
