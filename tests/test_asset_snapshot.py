"""Every Dagster asset key and asset check of the code location, pinned: a rename or a lost dbt test
shows in review as a change of tests/snapshots/dagster_assets.txt.

After an intended change, write the snapshot anew:
    .venv/bin/python tests/test_asset_snapshot.py > tests/snapshots/dagster_assets.txt
"""

from __future__ import annotations

import difflib
from pathlib import Path

SNAPSHOT = Path(__file__).with_name("snapshots") / "dagster_assets.txt"


def current() -> str:
    from orchestration.definitions import defs

    graph = defs.resolve_asset_graph()
    assets = sorted(f"asset {key.to_user_string()}" for key in graph.get_all_asset_keys())
    checks = sorted(f"check {key.asset_key.to_user_string()}:{key.name}" for key in graph.asset_check_keys)
    return "\n".join([*assets, *checks]) + "\n"


def test_asset_keys_and_checks_match_the_snapshot(platform_env) -> None:
    now = current()
    pinned = SNAPSHOT.read_text(encoding="utf-8")
    diff = "".join(difflib.unified_diff(pinned.splitlines(True), now.splitlines(True), "snapshot", "code location"))
    assert now == pinned, f"The code location's assets or checks changed; if intended, update the snapshot:\n{diff}"


if __name__ == "__main__":
    print(current(), end="")
