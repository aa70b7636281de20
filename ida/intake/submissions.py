"""The submissions archive: every delivery a province submits, kept immutably with its report.

Each submission gets a folder `<archive>/<CBS code>/<received>-<id>/` with `original/` (the bytes as
uploaded, read-only), `report.json` (the validation report) and `meta.json` (province, time,
checksums, verdict). Accepted submissions are a landing zone for the pipeline; rejected ones stay
for the record. An identical resubmission is recognised by its delivery id and not loaded twice.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path, PurePath

from ida.intake.landing import delivery_id, sha256_file
from ida.intake.validation import Report, validate

META, REPORT, ORIGINAL = "meta.json", "report.json", "original"


@dataclass(frozen=True)
class Submission:
    folder: Path
    province: str
    delivery_id: str
    received_at: datetime
    report: Report
    duplicate_of: str | None  # folder name of an earlier identical submission


def _safe_name(name: str) -> str:
    cleaned = PurePath(name.replace("\\", "/")).name.strip()
    if not cleaned or cleaned.startswith("."):
        raise ValueError(f"Ongeldige bestandsnaam: {name!r}")
    return cleaned


def submissions(archive: Path, province: str) -> list[dict]:
    """The metadata of every submission of `province`, oldest first."""
    root = archive / province
    if not root.is_dir():
        return []
    return [json.loads((f / META).read_text()) for f in sorted(root.iterdir()) if (f / META).is_file()]


def submit(archive: Path, province: str, files: list[tuple[str, bytes]], known_experiments: set[str],
           channel: str) -> Submission:
    """Keep the files, validate them for `province`, and record the verdict; never overwrites anything."""
    received = datetime.now(timezone.utc)
    archive.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=archive))
    try:
        original = staging / ORIGINAL
        original.mkdir()
        names = set()
        for name, data in files:
            safe = _safe_name(name)
            if safe in names:
                raise ValueError(f"Het bestand '{safe}' is twee keer aangeleverd.")
            names.add(safe)
            (original / safe).write_bytes(data)
        stored = sorted(original.iterdir())
        identity = delivery_id(stored, original)
        earlier = next((m["folder"] for m in submissions(archive, province) if m["delivery_id"] == identity and m["accepted"]), None)
        report = validate(stored, province, known_experiments)
        meta = {
            "folder": f"{received:%Y%m%dT%H%M%S%fZ}-{identity[:12]}",
            "province": province,
            "delivery_id": identity,
            "received_at": received.isoformat(timespec="seconds"),
            "channel": channel,
            "files": {p.name: {"sha256": sha256_file(p), "bytes": p.stat().st_size} for p in stored},
            "accepted": report.accepted,
            "counts": report.counts,
            "errors": len(report.errors),
            "duplicate_of": earlier,
        }
        (staging / REPORT).write_text(json.dumps(report.as_dict(), ensure_ascii=False, indent=2, default=str))
        (staging / META).write_text(json.dumps(meta, ensure_ascii=False, indent=2))
        for path in [*stored, staging / REPORT, staging / META]:
            os.chmod(path, 0o444)
        target = archive / province / meta["folder"]
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Submission(target, province, identity, received.replace(tzinfo=None), report, earlier)
