"""The landing zone: where each province's deliveries wait to be loaded.

Layout: `<landing dir>/<CBS code>/` holds either one delivery's files directly, or one folder per
delivery (loaded in name order, so name them by date). The submissions archive is read by
ida.intake.submissions.accepted_deliveries, which knows its layout. A delivery's id is a checksum over its
files' names and bytes: an identical resubmission has the same id and is not loaded twice.
"""

from __future__ import annotations

import hashlib
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
    problem: str | None = None  # why it may not be loaded (an archived delivery changed after submission)
    source_kind: str = "upload"  # raw.deliveries.source_kind: upload, or curatie for a coordinator's classification
    source: str | None = None  # raw.deliveries.source when not the folder (a classified record's link)


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


def landed(province: str, folder: Path, files: list[Path], base: Path) -> LandedDelivery:
    """`files` (relative to `base`) as one delivery of `province`, received when the newest was written."""
    received = max(p.stat().st_mtime for p in files)
    return LandedDelivery(province, folder, tuple(files), delivery_id(files, base),
                          datetime.fromtimestamp(received, timezone.utc).replace(tzinfo=None))


def landed_deliveries(province: str, landing_dirs: tuple[Path, ...]) -> list[LandedDelivery]:
    """Every delivery in the landing zone for `province`, oldest first."""
    found = []
    for landing in landing_dirs:
        root = landing / province
        if not root.is_dir():
            continue
        folders = [root] + sorted(p for p in root.iterdir() if p.is_dir() and not p.name.startswith("."))
        for folder in folders:
            files = sorted(p for p in folder.iterdir() if p.is_file() and p.suffix.lower() in DELIVERY_SUFFIXES)
            if files:
                found.append(landed(province, folder, files, folder))
    return found
