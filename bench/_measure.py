"""What every benchmark shares: running under the project's virtualenv, and timing a command in a child
process (wall time and the peak memory of its largest process)."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VENV = ROOT / ".venv"
BIN = VENV / "bin"


def use_venv() -> None:
    """Re-run the calling script with the venv's Python and the venv's bin first on PATH, whatever started it
    (`bench/x` from a fresh clone runs under the system python3, the venv not activated). Children find the
    venv's commands by name: `ckanapi load -p N` starts its workers as `ckanapi` from PATH."""
    path = os.environ.get("PATH", "")
    in_venv = Path(sys.prefix).resolve() == VENV.resolve()
    if in_venv and path.split(os.pathsep)[0] == str(BIN):
        sys.stdout.reconfigure(line_buffering=True)  # each figure as soon as it is measured, also into a file
        return
    python = BIN / "python"
    if not python.exists():
        raise SystemExit(f"Geen virtualenv in {VENV}: maak hem eerst met 'make install'.")
    os.execve(str(python), [str(python), sys.argv[0], *sys.argv[1:]],
              {**os.environ, "PATH": f"{BIN}{os.pathsep}{path}"})


@dataclass
class Measurement:
    seconds: float
    peak_mib: float
    output: str = ""  # what the command printed on stdout
    cpu_seconds: float = 0.0  # processor time of the command and its children: steadier than wall time on a busy machine


def run(command: list[str], env: dict[str, str] | None = None) -> Measurement:
    """Run `command` in a fresh child (so its peak memory is its own) and measure it."""
    script = (
        "import resource, subprocess, sys, time\n"
        "start = time.perf_counter()\n"
        "code = subprocess.call(sys.argv[1:])\n"
        "took = time.perf_counter() - start\n"
        "usage = resource.getrusage(resource.RUSAGE_CHILDREN)\n"
        "print(f'{took} {usage.ru_maxrss / 1024} {usage.ru_utime + usage.ru_stime}')\n"
        "sys.exit(code)\n"
    )
    done = subprocess.run(["python3", "-c", script, *command], env={**os.environ, **(env or {})},
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{done.stdout[-3000:]}\n{done.stderr[-3000:]}")
    *printed, last = done.stdout.strip().splitlines()
    seconds, peak, cpu = last.split()
    return Measurement(float(seconds), float(peak), "\n".join(printed), float(cpu))


def ratio(slow: float, fast: float) -> str:
    return f"{slow / fast:.1f}×" if fast else "—"

