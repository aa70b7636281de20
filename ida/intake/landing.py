"""The landing zone: where each province's deliveries wait to be loaded.

Layout: `<landing dir>/<CBS code>/` holds either one delivery's files directly, or one folder per
delivery (loaded in name order, so name them by date), such as the submissions archive writes. A delivery's id is a checksum over its
files' names and bytes: an identical resubmission has the same id and is not loaded twice.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from ida.intake.reading import DELIVERY_SUFFIXES


@dataclass(frozen=True)
class LandedDelivery:
    province: str
    folder: Path
    files: tuple[Path, ...]
    delivery_id: str
    received_at: datetime


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def delivery_id(files: list[Path], root: Path) -> str:
    """A checksum over the delivery's file names (relative to its folder) and contents."""
    digest = hashlib.sha256()
    for path in sorted(files):
        digest.update(f"{path.relative_to(root).as_posix()}\0{sha256_file(path)}\n".encode())
    return digest.hexdigest()


def _delivery_files(folder: Path) -> tuple[Path, list[Path]]:
    """The folder the delivery's files are relative to, and those files; archived submissions
    (with a `meta.json`) count only when accepted, their files are under `original/`."""
    meta = folder / "meta.json"
    if meta.is_file():
        if not json.loads(meta.read_text()).get("accepted"):
            return folder, []
        folder = folder / "original"
    return folder, sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in DELIVERY_SUFFIXES)


def landed_deliveries(province: str, landing_dirs: tuple[Path, ...]) -> list[LandedDelivery]:
    """Every delivery in the landing zone for `province`, oldest first."""
    found = []
    for landing in landing_dirs:
        root = landing / province
        if not root.is_dir():
            continue
        folders = [root] + sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
        for folder in folders:
            base, files = _delivery_files(folder)
            if not files:
                continue
            received = max(p.stat().st_mtime for p in files)
            found.append(LandedDelivery(province, folder, tuple(files), delivery_id(files, base),
                                        datetime.fromtimestamp(received, timezone.utc).replace(tzinfo=None)))
    return found
