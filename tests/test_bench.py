"""Every benchmark runs as the README says, from a clone whose virtualenv is not activated.

Each executable file in bench/ is started by its own shebang with a PATH that does not hold the venv (as a
fresh shell has it), on the tiny size its documented `--quick` option gives, and must finish and print its
figures. So a benchmark that breaks (an import moved, a command not found on PATH, such as `ckanapi load -p N`
starting its workers by name) fails here instead of in front of the person who wanted a number.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from ida.settings import REPO_ROOT, Settings

BENCH = REPO_ROOT / "bench"
BENCHMARKS = sorted(p.name for p in BENCH.iterdir() if p.is_file() and os.access(p, os.X_OK))
VENV_BIN = REPO_ROOT / ".venv" / "bin"


def clean_environment(tmp_path: Path) -> dict[str, str]:
    """The environment of a fresh shell: no activated venv, no platform variables but the shared CKAN stack's."""
    path = os.pathsep.join(p for p in os.environ.get("PATH", "/usr/bin:/bin").split(os.pathsep)
                           if Path(p).resolve() != VENV_BIN.resolve())
    env = {"PATH": path, "HOME": os.environ.get("HOME", str(tmp_path)), "TMPDIR": str(tmp_path),
           "LANG": "C.UTF-8"}
    env["CKAN_VAR"] = str(Settings.from_env().ckan_var)  # the local CKAN stack the tests share
    return env


def test_every_benchmark_is_found() -> None:
    assert {"pipeline", "app", "harvest", "publish", "validate"} <= set(BENCHMARKS)
    assert "_measure.py" not in BENCHMARKS and "floor.sql" not in BENCHMARKS  # helpers are not executable


def test_the_fresh_shell_has_no_venv_on_path(tmp_path: Path) -> None:
    found = shutil.which("ckanapi", path=clean_environment(tmp_path)["PATH"])
    assert found is None or Path(found).resolve().parent != VENV_BIN.resolve()


@pytest.mark.parametrize("name", BENCHMARKS)
def test_benchmark_documents_quick(name: str) -> None:
    """The docstring (its --help) names the tiny run this test uses."""
    text = (BENCH / name).read_text(encoding="utf-8")
    assert "--quick" in text.split('"""')[1], f"bench/{name}: the docstring's usage line does not name --quick"


@pytest.mark.parametrize("name", BENCHMARKS)
def test_benchmark_runs_from_a_fresh_shell(name: str, tmp_path: Path) -> None:
    env = clean_environment(tmp_path)
    done = subprocess.run([str(BENCH / name), "--quick"], cwd=tmp_path, env=env, capture_output=True, text=True,
                          timeout=1800)
    assert done.returncode == 0, f"bench/{name} --quick failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}"
    figures = [line for line in done.stdout.splitlines() if any(ch.isdigit() for ch in line)]
    assert figures, f"bench/{name} --quick printed no figures:\n{done.stdout}"
    assert "Traceback" not in done.stderr
