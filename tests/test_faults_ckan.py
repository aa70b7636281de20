"""Fault injection on the real local CKAN: its web server killed in the middle of publishing.

The run must stop within a minute with a Dutch message once CKAN is clearly gone, and the rerun after a
restart must finish with every dataset — none stuck, no duplicates — whatever CKAN's search index and
database disagree on after the crash.
"""

from __future__ import annotations

import os
import signal
import threading
import time

import pytest

from catalog import ckan_dicts, publish
from local_ckan import CKAN_VAR, publish_lock, purge_published, run_up
from ida.warehouse import serving


def kill_ckan_web_server() -> None:
    """SIGKILL gunicorn's master and workers (they share the process group up.sh gave them with setsid)."""
    pid = int((CKAN_VAR / "run" / "ckan.pid").read_text())
    os.killpg(os.getpgid(pid), signal.SIGKILL)


@pytest.fixture
def catalogue(sample_run, var_dir) -> list[dict]:
    with serving.connect(var_dir / "serving") as con:
        return ckan_dicts.all_datasets(con)


def test_ckan_killed_mid_publish_stops_the_run_and_the_rerun_finishes(catalogue, var_dir, ckan, monkeypatch):
    admin = publish.connect(ckan["url"], ckan["sysadmin_token"])
    names = {d["name"] for d in catalogue}
    with publish_lock(wait_seconds=1800):
        purge_published(admin, names)
        written: list[str] = []
        log: list[str] = []

        class Watching:
            """The admin client, noting each write so the test knows publishing is under way."""

            address = admin.address

            def call_action(self, action, data_dict=None, **kwargs):
                if action in ("package_create", "package_revise"):
                    written.append(action)
                return admin.call_action(action, data_dict, **kwargs)

        outcome: dict = {}

        def run() -> None:
            with serving.connect(var_dir / "serving") as con:
                outcome["report"] = publish.publish(Watching(), con, workers=4, log=log.append, state_dir=var_dir)
            outcome["ended"] = time.monotonic()

        publisher = threading.Thread(target=run, daemon=True)
        publisher.start()
        deadline = time.monotonic() + 120
        while len(written) < 10 and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(written) >= 10, "publishing did not start"
        kill_ckan_web_server()
        killed = time.monotonic()
        publisher.join(timeout=120)
        try:
            assert not publisher.is_alive(), "the run went on long after CKAN was gone"
            assert outcome["ended"] - killed < 60
            report = outcome["report"]
            assert not report.ok and all(f.unreachable for f in report.failures)
            assert any("niet meer bereikbaar" in line for line in log)
            assert any(f.message == "niet geprobeerd: CKAN is niet bereikbaar" for f in report.failures)
        finally:
            restarted = run_up()
            assert restarted.returncode == 0, restarted.stderr

        assert (var_dir / publish.UNFINISHED).exists()  # so the rerun checks CKAN's database
        log.clear()
        with serving.connect(var_dir / "serving") as con:
            rerun = publish.publish(admin, con, state_dir=var_dir, log=log.append)
        assert rerun.ok, rerun.failures
        assert any("nagekeken" in line for line in log) and not (var_dir / publish.UNFINISHED).exists()
        counts = rerun.counts()
        assert counts["created"] + counts["updated"] + counts["unchanged"] == len(catalogue)
        with serving.connect(var_dir / "serving") as con:
            again = publish.publish(admin, con, state_dir=var_dir)
        assert again.counts()["unchanged"] == len(catalogue) and again.ok  # none stuck
        for name in names:  # no duplicates
            found = admin.call_action("package_search", {"fq": f'name:"{name}"', "include_private": True,
                                                         "include_drafts": True, "rows": 5})
            assert found["count"] == 1, name
        purge_published(admin, names)
