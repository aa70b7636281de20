"""The local CKAN stack (catalog/ckan_stack) from Python, for the tests and the benchmarks (bench/ puts
tests/ on its path for it): where it keeps its state, starting it, its credentials, one platform
publisher at a time, and clearing what the platform published there."""

from __future__ import annotations

import json
import subprocess
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager

import ckanapi

from catalog import ckan_dicts
from catalog import publish
from ida import file_lock
from ida.settings import REPO_ROOT, Settings

UP = REPO_ROOT / "catalog" / "ckan_stack" / "up.sh"
CKAN_VAR = Settings.from_env().ckan_var


def run_up() -> subprocess.CompletedProcess:
    """`bash catalog/ckan_stack/up.sh`: installs and starts the stack, or returns quickly when it runs."""
    return subprocess.run(["bash", str(UP)], cwd=REPO_ROOT, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=1500)


def credentials() -> dict:
    """var/ckan/credentials.json: {"url", "sysadmin_token", "provinces": {"PV20": token, …}, …}."""
    return json.loads((CKAN_VAR / "credentials.json").read_text())


@contextmanager
def publish_lock(wait_seconds: float | None = None, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """Hold var/ckan/publish.lock: the tests and bench/publish each take the platform's datasets in the
    stack as their own, so one of them at a time. Waits `wait_seconds` (None: as long as it takes),
    calling `on_wait` once when it has to wait; LockTimeout (a TimeoutError) when the lock stays taken."""
    with file_lock.exclusive(CKAN_VAR / "publish.lock", wait_seconds, on_wait, poll_seconds=2):
        yield


def purge_published(admin: ckanapi.RemoteCKAN, names: set[str]) -> int:
    """Purge what the platform published in the catalogue's organisations (datasets with a fingerprint),
    and these names wherever they are; how many that was (names CKAN did not hold included)."""
    held = publish.holdings(admin, [o["name"] for o in ckan_dicts.organizations()])
    doomed = sorted({h.name for h in held.values() if h.fingerprint} | names)

    def purge(name: str) -> None:
        try:
            admin.action.dataset_purge(id=name)
        except ckanapi.NotFound:
            pass

    with ThreadPoolExecutor(4) as pool:
        list(pool.map(purge, doomed))
    return len(doomed)
