"""Aanleveren as a province does it, in a real browser: a real `streamlit run` on a free loopback port,
driven by Playwright with Debian's Chromium (never a browser build of Playwright's own).

Utrecht signs in with its upload token, uploads a delivery with errors and sees them in a table,
uploads the corrected delivery and sees it approved; then the Dagster sensor asks for a run, the
pipeline runs for Utrecht, and the new experiment is in the marts. Zeeland, signed in, can deliver
only for Zeeland. The platform folder is this module's own, so the marts of the sample run that
other tests count stay as they were. Screenshots go to var/screenshots/ (git-ignored).
"""

from __future__ import annotations

import csv
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from ida.warehouse import serving
from ida.intake import tokens
from ida.settings import REPO_ROOT
from streamlit_browser import SCREENSHOTS, settle, streamlit_server

UPLOADED_NAME = '[data-testid="stFileChipName"], [data-testid="stFileUploaderFileName"]'  # Streamlit ≥ 1.50 shows chips
REMOVE_UPLOAD = '[data-testid="stFileChipDeleteBtn"] button, [data-testid="stFileUploaderDeleteBtn"] button'

SENSOR_AND_PIPELINE = """
import json
import dagster as dg
from orchestration.pipeline import run_pipeline
from ida.settings import Settings
from orchestration.definitions import build_defs
from orchestration.deliveries import accepted_submissions

defs = build_defs(Settings.from_env())
with dg.DagsterInstance.ephemeral() as instance:
    context = dg.build_sensor_context(instance=instance, definitions=defs, resources={
        "landing_zone": defs.resources["landing_zone"], "outputs": defs.resources["outputs"]})
    requests = list(accepted_submissions(context) or [])
runs = []
for request in requests:
    province = request.tags["dagster/asset_partition_range_start"]
    result = run_pipeline(province, dg.DagsterInstance.ephemeral())
    runs.append({"run_key": request.run_key, "province": province, "success": result.success, "summary": result.summary})
print(json.dumps(runs))
"""


@pytest.fixture(scope="module")
def platform(platform_env: dict[str, str], tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The session's platform settings, but a folder of its own, and upload tokens for Utrecht and Zeeland."""
    root = tmp_path_factory.mktemp("aanleveren")
    (root / "landing").mkdir()
    env = {k: v for k, v in os.environ.items() if k not in ("IDA_SUBMISSIONS", "IDA_SERVING_DIR", "IDA_EXPORT_DIR", "IDA_UPLOAD_TOKEN")}
    env.update(platform_env)
    env.update({"IDA_VAR_DIR": str(root / "var"), "IDA_WAREHOUSE": str(root / "var" / "warehouse.duckdb"),
                "IDA_LANDING": str(root / "landing"), "IDA_UPLOAD_TOKENS": str(root / "upload_tokens.json"),
                "DAGSTER_HOME": str(root / "dagster")})
    token_file = Path(env["IDA_UPLOAD_TOKENS"])
    return {"root": root, "env": env, "PV26": tokens.issue(token_file, "PV26"), "PV29": tokens.issue(token_file, "PV29")}


@pytest.fixture(scope="module")
def app_url(platform: dict) -> Iterator[str]:
    """`streamlit run apps/Home.py` on a free loopback port with the module's platform folder."""
    with streamlit_server(platform["env"], platform["root"] / "streamlit.log") as url:
        yield url


def screenshot(tab, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"aanleveren-{name}.png"
    tab.screenshot(path=str(path), full_page=True)
    return path


def sign_in(tab, url: str, token: str) -> None:
    tab.goto(f"{url}/aanleveren")
    settle(tab)
    tab.get_by_label("Uploadtoken van uw provincie").fill(token)
    tab.get_by_role("button", name="Inloggen").click()
    tab.get_by_text("Ingelogd als Provincie").wait_for(timeout=60_000)
    settle(tab)


def write_delivery(folder: Path, kerntaak: str, datum: str) -> list[Path]:
    """Utrecht's delivery as Dutch Excel saves CSV: semicolons and Windows-1252."""
    folder.mkdir(parents=True, exist_ok=True)
    experiments = [
        {"experiment_id": "UTR-E2E-1", "provincie": "Provincie Utrecht", "titel": "Slimme bermen: ecologisch maaibeheer",
         "kerntaak": kerntaak, "ida_spoor": "Maatschappelijke opgaven", "fase": "verkenning", "startdatum": "1-3-2024",
         "budget_eur": "45.000,00", "partners": "Waterschap|Gemeente Zeist"},
        {"experiment_id": "UTR-E2E-2", "provincie": "PV26", "titel": "Datagedreven onderhoud fietspaden – één keer per jaar",
         "kerntaak": "bereikbaarheid", "ida_spoor": "basis_op_orde", "fase": "idee", "startdatum": "", "budget_eur": "",
         "partners": ""},
    ]
    lessons = [{"les_id": "UTR-E2E-1-L1", "experiment_id": "UTR-E2E-1", "datum": datum, "leerrichting": "horizontaal",
                "categorie": "samenwerking", "les": "Betrek de aannemer vanaf de start bij de datadefinities.", "dilemma": "nee"}]
    paths = []
    for name, rows in (("experimenten", experiments), ("lessen", lessons)):
        path = folder / f"{name}.csv"
        with path.open("w", encoding="cp1252", newline="") as handle:
            writer = csv.DictWriter(handle, fieldnames=list(rows[0]), delimiter=";")
            writer.writeheader()
            writer.writerows(rows)
        paths.append(path)
    return paths


def upload_and_submit(tab, files: list[Path]) -> None:
    remove = tab.locator(REMOVE_UPLOAD)
    while remove.count():
        remove.first.click()
        settle(tab)
    tab.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([str(p) for p in files])
    for path in files:
        tab.locator(UPLOADED_NAME, has_text=path.name).wait_for(timeout=30_000)
    settle(tab)
    tab.get_by_role("button", name="Controleren en aanleveren").click()
    settle(tab)


def test_a_page_address_opened_first_still_gets_the_navigation(app_url: str, page) -> None:
    """The very first visit of a fresh server goes straight to /aanleveren (a bookmark): the page must run
    inside Home.py's navigation, with its own title and the full menu, not as a bare script."""
    page.goto(f"{app_url}/aanleveren")
    settle(page)
    assert page.title() == "Aanleveren"
    menu = " ".join(page.locator('[data-testid="stSidebarNav"] a').all_inner_texts())
    assert "Overzicht" in menu and "Dilemma's" in menu and "Home" not in menu


def test_utrecht_delivers_sees_its_errors_corrects_them_and_finds_its_experiment_in_the_marts(
        app_url: str, platform: dict, page, tmp_path: Path) -> None:
    sign_in(page, app_url, platform["PV26"])
    assert page.get_by_text("Ingelogd als Provincie Utrecht (PV26).").is_visible()
    screenshot(page, "1-ingelogd-utrecht")

    upload_and_submit(page, write_delivery(tmp_path / "fout", kerntaak="ruimtevaart", datum="31-02-2024"))
    page.get_by_text("Afgekeurd: 2 fouten").wait_for(timeout=60_000)
    table = page.locator('[data-testid="stTable"]').first
    table.wait_for(timeout=30_000)
    screenshot(page, "2-afgekeurd")
    rows = [[cell.inner_text().strip() for cell in row.locator("td").all()] for row in table.locator("tbody tr").all()]
    assert [row[:6] for row in rows] == [["fout", "experimenten.csv", "", "2", "kerntaak", "ruimtevaart"],
                                         ["fout", "lessen.csv", "", "2", "datum", "31-02-2024"]]
    assert "Kies uit: ruimte, milieu_energie_klimaat" in rows[0][6] and "Deze datum bestaat niet" in rows[1][6]
    assert page.locator('[data-testid="stException"]').count() == 0

    upload_and_submit(page, write_delivery(tmp_path / "goed", kerntaak="Vitaal platteland", datum="29-02-2024"))
    page.get_by_text("Goedgekeurd").first.wait_for(timeout=60_000)
    screenshot(page, "3-goedgekeurd")
    assert "2 experimenten, 1 lessen" in page.get_by_text("Goedgekeurd").first.inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0

    archive = Path(platform["env"]["IDA_VAR_DIR"]) / "submissions" / "PV26"
    verdicts = [json.loads((folder / "meta.json").read_text())["accepted"] for folder in sorted(archive.iterdir())]
    assert verdicts == [False, True]

    done = subprocess.run([sys.executable, "-c", SENSOR_AND_PIPELINE], cwd=REPO_ROOT, env=platform["env"],
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stderr[-3000:]
    runs = json.loads(done.stdout.strip().splitlines()[-1])
    assert [(r["province"], r["success"]) for r in runs] == [("PV26", True)], runs

    with serving.connect(Path(platform["env"]["IDA_VAR_DIR"]) / "serving") as con:
        found = con.execute("select experiment_id, title, core_task, budget_eur, lessons from marts.experiments "
                            "where province_code = 'PV26' order by experiment_id").fetchall()
    assert [(row[0], row[1], row[2], row[4]) for row in found] == [
        ("UTR-E2E-1", "Slimme bermen: ecologisch maaibeheer", "vitaal_platteland", 1),
        ("UTR-E2E-2", "Datagedreven onderhoud fietspaden – één keer per jaar", "bereikbaarheid", 0),
    ]
    assert float(found[0][3]) == 45000.0

    page.reload()
    settle(page)
    screenshot(page, "4-na-verwerking")


def test_zeeland_signed_in_can_deliver_only_for_zeeland(app_url: str, platform: dict, page) -> None:
    sign_in(page, app_url, platform["PV29"])
    screenshot(page, "5-ingelogd-zeeland")
    assert page.get_by_text("Ingelogd als Provincie Zeeland (PV29).").is_visible()
    assert page.get_by_role("heading", name="Levering van Provincie Zeeland").is_visible()
    main = page.locator('[data-testid="stMain"]')
    for chooser in ("stSelectbox", "stRadio", "stMultiSelect", "stSegmentedControl"):
        assert main.locator(f'[data-testid="{chooser}"]').count() == 0, f"{chooser}: een provincie kiezen mag niet"
    assert "Utrecht" not in main.inner_text()


def test_an_unknown_token_is_refused(app_url: str, page) -> None:
    page.goto(f"{app_url}/aanleveren")
    settle(page)
    page.get_by_label("Uploadtoken van uw provincie").fill("ida_pv26_geraden")
    page.get_by_role("button", name="Inloggen").click()
    page.get_by_text("Dit uploadtoken is onbekend").wait_for(timeout=30_000)
    assert page.locator('[data-testid="stFileUploader"]').count() == 0
