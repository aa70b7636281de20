"""Hostile and clumsy use, on the real parts (issue 14, the output side): what a user typed never acts in a page
or a spreadsheet, the token store holds under parallel writers, a submitted folder is read only where it lies,
the upload page refuses in Dutch, `ida app` stops as one process, a changed archive is refused, and a pipeline
run keeps its state in the state folder.

One pipeline run (`ida pipeline` in a platform folder of this module's own) over a delivery whose texts are
hostile serves the page, download, export and state-folder tests.
"""

from __future__ import annotations

import csv
import io
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import pytest

from ida import csv_safe
from ida.intake import tokens
from ida.intake.submissions import ORIGINAL, archive_submission
from ida.settings import DBT_PROJECT_DIR, REPO_ROOT
from streamlit_browser import settle, streamlit_server
from test_submissions import experiment, files_of, lesson, write_delivery

IDA = str(Path(sys.executable).with_name("ida"))
MARKDOWN_TITLE = "**vet** ![x](http://127.0.0.1:1/x.png) <b>b</b>"
FORMULA = '=HYPERLINK("http://x")'
HOSTILE_ID = "UTR-HOSTILE-1"


def platform_env(root: Path, **extra: str) -> dict[str, str]:
    """The environment of a platform whose every folder is under `root` (no CKAN)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("IDA_", "CKAN_URL", "CKAN_API_TOKEN", "DAGSTER_HOME"))}
    env.update({"IDA_VAR_DIR": str(root / "var"), "IDA_LANDING": str(root / "landing"),
                "IDA_WAREHOUSE": str(root / "var" / "warehouse.duckdb"), "DAGSTER_HOME": str(root / "dagster"),
                "IDA_UPLOAD_TOKENS": str(root / "upload_tokens.json"), **extra})
    return env


def squeezed(text: str) -> str:
    """`text` without whitespace: Rich wraps a long message (even inside a path) at the terminal's width."""
    return "".join(text.split())


def tree(folder: Path) -> dict[str, tuple[int, int]]:
    """Every file and folder under `folder` with its size and modification time."""
    return {str(p.relative_to(folder)): (p.stat().st_size, p.stat().st_mtime_ns) for p in folder.rglob("*")}


@pytest.fixture(scope="module")
def hostile_run(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """`ida pipeline` over Utrecht's delivery with a Markdown/HTML title and a formula as lesson text."""
    import orchestration.warehouse_models  # noqa: F401 - parses the dbt manifest now when it is stale, as any import does

    root = tmp_path_factory.mktemp("hostile")
    write_delivery(root / "landing" / "PV26", [experiment(HOSTILE_ID, MARKDOWN_TITLE),
                                               experiment("UTR-HOSTILE-2", "Gewone titel")], [
        lesson(f"{HOSTILE_ID}-L1", HOSTILE_ID, les="Wie beslist over de sensordata?", dilemma="ja",
               publieke_waarden="privacy", escalatieniveau="gs", status="open"),
        lesson(f"{HOSTILE_ID}-L2", HOSTILE_ID, les=FORMULA, dilemma="nee", publieke_waarden="", escalatieniveau="",
               status=""),
    ])
    env = platform_env(root)
    before = tree(DBT_PROJECT_DIR)
    done = subprocess.run([IDA, "pipeline"], env=env, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, f"{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    return {"root": root, "env": env, "dbt_before": before, "dbt_after": tree(DBT_PROJECT_DIR)}


@pytest.fixture(scope="module")
def hostile_app(hostile_run: dict) -> Iterator[str]:
    with streamlit_server(hostile_run["env"], hostile_run["root"] / "streamlit.log") as url:
        yield url


def _watch_requests(tab) -> list[str]:
    seen: list[str] = []
    tab.on("request", lambda request: seen.append(request.url))
    return seen


# --- 5. Markdown and HTML in user text ------------------------------------------------------------------

@pytest.mark.parametrize("path", ["lessen", "dilemmas", f"catalogus?experiment=PV26%3A{HOSTILE_ID}"])
def test_a_title_with_markdown_and_html_shows_literally_and_loads_nothing(hostile_app: str, page, path: str) -> None:
    requested = _watch_requests(page)
    page.goto(f"{hostile_app}/{path}")
    settle(page)
    page.wait_for_timeout(500)
    main = page.locator('[data-testid="stMain"]')
    assert page.locator('[data-testid="stException"]').count() == 0
    assert MARKDOWN_TITLE in main.inner_text(), f"de titel staat niet letterlijk op {path}"
    assert main.locator("img").count() == 0 and main.locator("b, strong", has_text="vet").count() == 0
    assert main.locator("b", has_text="b").count() == 0
    assert not [url for url in requested if "127.0.0.1:1/" in url], "een afbeelding van elders is geladen"
    if not path.startswith("catalogus"):  # the page link to the experiment carries the title as its label
        link = page.locator('[data-testid="stPageLink"]').filter(has_text="Experiment:").first
        assert MARKDOWN_TITLE in link.inner_text()


# --- 6. formulas in CSV ------------------------------------------------------------------------------------

@pytest.mark.parametrize("text, expected", [
    ("=1+1", "'=1+1"), ("+SUM(A1)", "'+SUM(A1)"), ("-2+3", "'-2+3"), ("@cmd", "'@cmd"), (" \t=x", "' \t=x"),
    ("\r\n@x", "'\r\n@x"), ("-12", "-12"), ("+3,5", "+3,5"), ("-1e3", "-1e3"), ("-", "-"), ("a=b", "a=b"),
    ("", ""), (None, None), (7, 7),
])
def test_a_formula_is_neutralised_and_a_number_is_not(text, expected) -> None:
    assert csv_safe.neutralise(text) == expected


def test_a_formula_in_a_lesson_is_plain_text_in_the_export_and_the_ckan_csv(hostile_run: dict) -> None:
    export = hostile_run["root"] / "var" / "export"
    lessons_csv = next(export.glob(f"resources/*/*{HOSTILE_ID.lower()}*-lessen.csv"))
    rows = list(csv.DictReader(io.StringIO(lessons_csv.read_text(encoding="utf-8"))))
    texts = [cell for row in rows for cell in row.values()]
    assert "'" + FORMULA in texts and FORMULA not in texts
    assert not [c for c in texts if c and c.lstrip()[:1] in "=+-@" and not csv_safe._NUMBER.fullmatch(c.strip())
                and len(c.strip()) > 1]


def test_a_formula_in_a_lesson_is_plain_text_in_the_dashboard_download(hostile_app: str, page) -> None:
    page.goto(f"{hostile_app}/lessen")
    settle(page)
    page.get_by_text("Deze lessen als tabel").click()
    with page.expect_download(timeout=30_000) as download:
        page.locator('[data-testid="stDownloadButton"] button', has_text="Download als CSV").last.click()
    content = Path(download.value.path()).read_text(encoding="utf-8-sig")
    cells = [cell for row in csv.reader(io.StringIO(content)) for cell in row]
    assert "'" + FORMULA in cells and FORMULA not in cells


# --- 13. state in the state folder -----------------------------------------------------------------------

def test_a_pipeline_run_leaves_the_dbt_project_untouched(hostile_run: dict) -> None:
    before, after = hostile_run["dbt_before"], hostile_run["dbt_after"]
    assert sorted(set(after) - set(before)) == [] and sorted(set(before) - set(after)) == []
    changed = sorted(p for p in before if before[p] != after[p])
    assert changed == [], f"de pijplijn schreef in dbt_project/: {changed}"
    runs = [p for p in (hostile_run["root"] / "var" / "dbt").iterdir() if p.is_dir()]
    assert len(runs) == 1 and (runs[0] / "run_results.json").is_file() and (runs[0] / "dbt.log").is_file()


# --- 7 and 11. the token store -------------------------------------------------------------------------

def test_twenty_parallel_token_commands_give_twenty_working_tokens(tmp_path: Path) -> None:
    env = platform_env(tmp_path)

    def new_token(_: int) -> subprocess.CompletedProcess:
        return subprocess.run([IDA, "token", "new", "--province", "Utrecht"], env=env, capture_output=True, text=True,
                              timeout=300)

    with ThreadPoolExecutor(20) as pool:
        runs = list(pool.map(new_token, range(20)))
    assert [r.returncode for r in runs] == [0] * 20, "\n".join(r.stderr for r in runs if r.returncode)
    assert not [r for r in runs if "Traceback" in r.stderr]
    issued = [r.stdout.strip() for r in runs]
    assert len(set(issued)) == 20
    store = tmp_path / "upload_tokens.json"
    assert [tokens.province_for(store, t) for t in issued] == ["PV26"] * 20
    assert len(json.loads(store.read_text())["PV26"]) == 20
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


@pytest.mark.parametrize("damage", [b'{"PV26": ["abc"', b"\xff\xfe\x00{}", b'["PV26"]'])
def test_a_damaged_token_file_gives_a_dutch_message_and_stays_as_it_was(tmp_path: Path, damage: bytes) -> None:
    store = tmp_path / "upload_tokens.json"
    store.write_bytes(damage)
    env = platform_env(tmp_path, IDA_UPLOAD_TOKEN="ida_pv26_abc")
    made = subprocess.run([IDA, "token", "new", "--province", "PV26"], env=env, capture_output=True, text=True, timeout=120)
    write_delivery(tmp_path / "levering", [experiment("UTR-T-1", "Proef")])
    submitted = subprocess.run([IDA, "submit", "--province", "PV26", str(tmp_path / "levering")], env=env,
                               capture_output=True, text=True, timeout=120)
    for done in (made, submitted):
        assert done.returncode != 0 and "Traceback" not in done.stderr
        assert "tokenbestand" in done.stderr and squeezed("is beschadigd") in squeezed(done.stderr)
    assert store.read_bytes() == damage
    assert not (tmp_path / "var" / "submissions").exists()


def test_a_token_that_is_not_utf8_gives_a_dutch_message(tmp_path: Path) -> None:
    tokens.issue(tmp_path / "upload_tokens.json", "PV26")
    write_delivery(tmp_path / "levering", [experiment("UTR-T-1", "Proef")])
    env = {k.encode(): v.encode() for k, v in platform_env(tmp_path).items()}
    env[b"IDA_UPLOAD_TOKEN"] = b"ida_pv26_\xff\xfe"
    done = subprocess.run([IDA, "submit", "--province", "PV26", str(tmp_path / "levering")], env=env,
                          capture_output=True, timeout=120)
    stderr = done.stderr.decode("utf-8", "replace")
    assert done.returncode == 2 and "Traceback" not in stderr
    assert squeezed("tekens die in een uploadtoken niet voorkomen") in squeezed(stderr)


# --- 10. symbolic links in a submitted folder -------------------------------------------------------------

def test_submit_never_reads_through_a_symbolic_link_in_the_folder(tmp_path: Path) -> None:
    store = tmp_path / "upload_tokens.json"
    token = tokens.issue(store, "PV26")
    outside = write_delivery(tmp_path / "elders", [experiment("UTR-GEHEIM-1", "Geheim buiten de map")])
    folder = write_delivery(tmp_path / "levering", [experiment("UTR-T-1", "Proef")])
    (folder / "experimenten.csv").unlink()
    (folder / "experimenten.csv").symlink_to(outside / "experimenten.csv")
    done = subprocess.run([IDA, "submit", "--province", "PV26", str(folder)],
                          env=platform_env(tmp_path, IDA_UPLOAD_TOKEN=token), capture_output=True, text=True, timeout=120)
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert squeezed("experimenten.csv is een symbolische koppeling") in squeezed(done.stderr)
    archived = [p for p in (tmp_path / "var" / "submissions").rglob("*") if p.is_file()] \
        if (tmp_path / "var" / "submissions").exists() else []
    assert not [p for p in archived if b"UTR-GEHEIM-1" in p.read_bytes()]


# --- 11. the upload page refuses in Dutch ---------------------------------------------------------------------

def test_the_upload_page_refuses_a_wrong_kind_and_an_oversized_file_in_dutch(tmp_path: Path, page) -> None:
    token = tokens.issue(tmp_path / "upload_tokens.json", "PV26")
    notes = tmp_path / "notities.txt"
    notes.write_text("geen levering")
    big = tmp_path / "lessen.csv"
    big.write_bytes(b"les_id;experiment_id;les\n" + b"x;y;" + b"z" * (1536 * 1024) + b"\n")
    with streamlit_server(platform_env(tmp_path, IDA_MAX_FILE_MB="1"), tmp_path / "streamlit.log") as url:
        page.goto(f"{url}/aanleveren")
        settle(page)
        page.get_by_label("Uploadtoken van uw provincie").fill(token)
        page.get_by_role("button", name="Inloggen").click()
        page.get_by_text("Ingelogd als Provincie").wait_for(timeout=60_000)
        settle(page)
        page.locator('[data-testid="stFileUploaderDropzoneInput"]').set_input_files([str(notes), str(big)])
        page.get_by_text("dit soort bestand kan niet worden aangeleverd").wait_for(timeout=30_000)
        settle(page)
        shown = " ".join(page.locator('[data-testid="stMain"]').inner_text().split())
    assert "notities.txt: dit soort bestand kan niet worden aangeleverd" in shown
    assert "lessen.csv is te groot (1.5 MiB; maximaal 1 MiB)" in shown
    assert "not allowed" not in shown and "or smaller" not in shown
    assert "Controleren en aanleveren" not in shown  # nothing is sent while a file is refused


# --- 12. one stop stops all --------------------------------------------------------------------------------

def _port_is_free(port: int) -> bool:
    """Whether a new server could listen on `port` (as servers do, with SO_REUSEADDR: a closed connection
    waiting out TIME_WAIT does not count, a listener does)."""
    with socket.socket() as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


def test_sigterm_to_ida_app_stops_streamlit_and_frees_the_port(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = subprocess.Popen([IDA, "app", "--port", str(port)], env=platform_env(tmp_path), stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as answer:
                    if answer.read().strip() == b"ok":
                        break
            except OSError:
                pass
            assert app.poll() is None and time.monotonic() < deadline, "ida app kwam niet op"
            time.sleep(0.3)
        app.send_signal(signal.SIGTERM)
        app.wait(timeout=30)
        deadline = time.monotonic() + 15
        while not _port_is_free(port) and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _port_is_free(port), "de poort is na SIGTERM nog bezet: Streamlit draait nog"
        left = subprocess.run(["pgrep", "-s", str(app.pid)], capture_output=True, text=True).stdout.split()
        assert left == [], f"processen van ida app draaien nog: {left}"
    finally:
        try:
            os.killpg(app.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


# --- 8. a changed archive is refused -------------------------------------------------------------------

def test_a_changed_archived_submission_is_refused_and_the_rest_is_loaded(tmp_path: Path) -> None:
    archive = tmp_path / "var" / "submissions"
    first = archive_submission(archive, "PV26", files_of(write_delivery(
        tmp_path / "a", [experiment("UTR-ARCH-1", "Eerste")], [lesson("UTR-ARCH-1-L1", "UTR-ARCH-1")])), set(), "test")
    second = archive_submission(archive, "PV26", files_of(write_delivery(
        tmp_path / "b", [experiment("UTR-ARCH-2", "Tweede")])), set(), "test")
    assert first.report.accepted and second.report.accepted
    changed = second.folder / ORIGINAL / "experimenten.csv"
    data = bytearray(changed.read_bytes())
    data[data.index(b"Tweede")] = ord("t")  # one byte, the size unchanged
    changed.chmod(0o644)
    changed.write_bytes(bytes(data))
    (tmp_path / "landing").mkdir()

    done = subprocess.run([IDA, "pipeline", "--province", "PV26"], env=platform_env(tmp_path), capture_output=True,
                          text=True, timeout=900)
    said = squeezed(done.stdout + done.stderr)
    assert done.returncode == 1 and "Traceback" not in said
    assert squeezed(f"Levering {second.folder.name} van Utrecht wordt niet geladen: de controlesom van experimenten.csv "
                    "komt niet meer overeen") in said
    with duckdb.connect(str(tmp_path / "var" / "warehouse.duckdb"), read_only=True) as con:
        loaded = {d for (d,) in con.execute("select delivery_id from raw.deliveries").fetchall()}
        experiments = {e for (e,) in con.execute("select experiment_id from raw.experimenten").fetchall()}
    assert loaded == {first.delivery_id} and experiments == {"UTR-ARCH-1"}
