"""What the CKAN tests share about the local stack (catalog/ckan_stack): where it keeps its state, and
starting it."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from catalog.settings import REPO_ROOT

UP = REPO_ROOT / "catalog" / "ckan_stack" / "up.sh"
CKAN_VAR = Path(os.environ.get("CKAN_VAR", REPO_ROOT / "var" / "ckan"))


def run_up() -> subprocess.CompletedProcess:
    """`bash catalog/ckan_stack/up.sh`: installs and starts the stack, or returns quickly when it runs."""
    return subprocess.run(["bash", str(UP)], cwd=REPO_ROOT, stdin=subprocess.DEVNULL, capture_output=True,
                          text=True, timeout=1500)
