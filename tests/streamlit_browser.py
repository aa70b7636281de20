"""What the browser tests share: a real `streamlit run` on a free loopback port, and Debian's Chromium
driven by Playwright (never a browser build of Playwright's own)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from ida.settings import REPO_ROOT

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]
SCREENSHOTS = REPO_ROOT / "var" / "screenshots"  # shared by the browser tests: overwrite, never clear
READY = '[data-testid="stApp"][data-test-script-state="notRunning"]'


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def streamlit_server(env: dict[str, str], log: Path, timeout: float = 90) -> Iterator[str]:
    """`streamlit run apps/Home.py` with `env`; yields its base URL once it answers its health check."""
    port = _free_port()
    command = [sys.executable, "-m", "streamlit", "run", str(REPO_ROOT / "apps" / "Home.py"),
               "--server.port", str(port), "--server.address", "127.0.0.1", "--server.headless", "true",
               "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none"]
    with log.open("w") as out:
        server = subprocess.Popen(command, cwd=REPO_ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                    if answer.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"Streamlit kwam niet op:\n{log.read_text()[-3000:]}")
            time.sleep(0.3)
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()


@contextmanager
def chromium() -> Iterator[object]:
    """Headless Debian Chromium (installed by tests/browser.sh when missing)."""
    if not os.access(CHROMIUM, os.X_OK):
        subprocess.run(["bash", str(REPO_ROOT / "tests" / "browser.sh")], check=False)
    if not os.access(CHROMIUM, os.X_OK):
        pytest.fail("Chromium ontbreekt: draai `bash tests/browser.sh` (apt-get install -y chromium).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield browser
        finally:
            browser.close()


def settle(tab) -> None:
    """Wait until the app's script has run (twice over: a rerun may follow the first run)."""
    tab.wait_for_selector(READY, timeout=60_000)
    tab.wait_for_timeout(300)
    tab.wait_for_selector(READY, timeout=60_000)


def page_ready(tab) -> None:
    """Wait until the page's script has run and its title is drawn."""
    settle(tab)
    tab.wait_for_selector("h1", timeout=30_000)
    tab.wait_for_timeout(300)
