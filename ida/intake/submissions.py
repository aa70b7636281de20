"""Intake: the one way a delivery enters the platform — authorise, validate, archive — and the archive itself.

`submit` is the only door: `ida submit`, the Aanleveren page and any later channel call it. It checks
the upload token against the province, validates the files against the standard with what the
platform already holds for that province (`known_experiments`, from the serving copy), and keeps the
files immutably with the report. Each submission gets a folder `<archive>/<CBS code>/<received>-<id>/`
with `original/` (the bytes as uploaded, read-only), `report.json` (the validation report) and
`meta.json` (province, time, checksums, verdict). Accepted submissions are a landing zone for the
pipeline, which refuses one whose bytes no longer match the checksums recorded here; rejected ones
stay for the record. An identical resubmission is recognised by its delivery id and not loaded twice.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from dataclasses import dataclass, replace
from datetime import datetime, timezone
from pathlib import Path, PurePath

from ida.errors import IdaError, NotAuthorised, UsageError
from ida.intake import tokens
from ida.intake.landing import LandedDelivery, delivery_id, landed, sha256_file
from ida.intake.validation import Report, validate
from ida.settings import Limits, Settings
from ida.standard.vocabularies import provinces
from ida.warehouse import serving

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
        raise UsageError(f"Ongeldige bestandsnaam: {name!r}. Geef het bestand een gewone naam, zoals lessen.csv.")
    return cleaned


class NotArchived(IdaError):
    """The archive could not keep a submission (the disk is full, say); nothing of it was kept."""

    def __init__(self, problem: OSError) -> None:
        reason = problem.strerror or str(problem)
        super().__init__(f"De levering kon niet worden bewaard ({reason}); er is niets van bewaard en niets "
                         "aangeleverd. Probeer het later opnieuw; lukt het dan nog niet, meld het aan de beheerder "
                         "van het platform (is de schijf van het archief vol?).")


def _write_durably(path: Path, data: bytes) -> None:
    """Write `data` to a new file and flush it to disk (the archive's checksums must hold after a crash)."""
    with open(path, "xb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())


def _sync(folder: Path) -> None:
    handle = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(handle)
    finally:
        os.close(handle)


def authorise(token_file: Path, token: str | None, province: str | None = None) -> str:
    """The province `token` may deliver for; NotAuthorised when it is missing, unknown or of another province."""
    if not token:
        raise NotAuthorised("Geef uw uploadtoken (voor 'ida submit': de omgevingsvariabele IDA_UPLOAD_TOKEN).")
    allowed = tokens.province_for(token_file, token)
    if allowed is None:
        raise NotAuthorised("Dit uploadtoken is onbekend. Controleer het token of vraag een nieuw aan bij het IPO.")
    if province is not None and allowed != province:
        raise NotAuthorised(f"Dit uploadtoken is van {provinces().label(allowed)} en mag niet aanleveren voor "
                            f"{provinces().label(province)}.")
    return allowed


def submit(settings: Settings, token: str | None, files: list[tuple[str, bytes]], channel: str,
           province: str | None = None) -> Submission:
    """Authorise `token` (for `province`, when given), validate `files` against the standard and what the
    platform holds for that province, and archive them with the report. Never overwrites anything."""
    province = authorise(settings.upload_tokens, token, province)
    known = serving.known_experiments(settings.serving_dir, province)
    return archive_submission(settings.submissions_dir, province, files, known, channel, settings.limits)


def submissions(archive: Path, province: str, since: datetime | None = None) -> list[dict]:
    """The metadata of every submission of `province` (received at or after `since`, told by the folder's name,
    without reading the older ones), oldest first."""
    root = archive / province
    if not root.is_dir():
        return []
    first = f"{since.astimezone(timezone.utc):%Y%m%dT%H%M%S%fZ}" if since is not None else ""
    return [json.loads((f / META).read_text()) for f in sorted(root.iterdir()) if f.name >= first and (f / META).is_file()]


def archive_submission(archive: Path, province: str, files: list[tuple[str, bytes]], known_experiments: set[str],
            channel: str, limits: Limits = Limits(), origin: dict | None = None) -> Submission:
    """Keep the files, validate them for `province`, and record the verdict; never overwrites anything.
    Only `submit`, after authorising, a coordinator's classification (catalog/curation.py, with the
    harvested record it came from as `origin`) and tests call this."""
    received = datetime.now(timezone.utc)
    try:
        archive.mkdir(parents=True, exist_ok=True)
        staging = Path(tempfile.mkdtemp(prefix=".incoming-", dir=archive))
    except OSError as problem:
        raise NotArchived(problem) from problem
    try:
        original = staging / ORIGINAL
        original.mkdir()
        names = set()
        for name, data in files:
            safe = _safe_name(name)
            if safe in names:
                raise UsageError(f"Het bestand '{safe}' is twee keer aangeleverd. Lever elk bestand één keer aan.")
            names.add(safe)
            _write_durably(original / safe, data)
        stored = sorted(original.iterdir())
        identity = delivery_id(stored, original)
        earlier = next((m["folder"] for m in submissions(archive, province) if m["delivery_id"] == identity and m["accepted"]), None)
        report = validate(stored, province, known_experiments, limits)
        meta = {
            "folder": f"{received:%Y%m%dT%H%M%S%fZ}-{identity[:12]}",
            "province": province,
            "delivery_id": identity,
            "received_at": received.isoformat(timespec="seconds"),
            "channel": channel,
            "files": {p.name: {"sha256": sha256_file(p), "bytes": p.stat().st_size} for p in stored},
            "accepted": report.accepted,
            "counts": report.counts,
            "errors": report.error_count,
            "duplicate_of": earlier,
        }
        if origin is not None:
            meta["origin"] = origin
        _write_durably(staging / REPORT, json.dumps(report.as_dict(), ensure_ascii=False, indent=2, default=str).encode())
        _write_durably(staging / META, json.dumps(meta, ensure_ascii=False, indent=2).encode())
        for path in [*stored, staging / REPORT, staging / META]:
            os.chmod(path, 0o444)
        for folder in (original, staging):
            _sync(folder)
        target = archive / province / meta["folder"]
        target.parent.mkdir(parents=True, exist_ok=True)
        os.rename(staging, target)
        _sync(target.parent)
    except OSError as problem:  # a full disk, a file-size limit, a read-only archive: keep nothing of it
        shutil.rmtree(staging, ignore_errors=True)
        raise NotArchived(problem) from problem
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return Submission(target, province, identity, received.replace(tzinfo=None), report, earlier)



def accepted_deliveries(archive: Path, province: str) -> list[LandedDelivery]:
    """The accepted submissions of `province`, oldest first, as deliveries to load. One whose bytes no
    longer match the checksums recorded at submission comes with `problem` set (Tampered's message)."""
    found = []
    for meta in submissions(archive, province):
        if not meta["accepted"]:
            continue
        folder = archive / province / meta["folder"]
        original = folder / ORIGINAL
        present = {p.name: p for p in original.iterdir() if p.is_file()} if original.is_dir() else {}
        recorded = meta["files"]
        changed = sorted(set(present) ^ set(recorded)) or sorted(
            name for name, path in present.items() if sha256_file(path) != recorded[name]["sha256"])
        received = datetime.fromisoformat(meta["received_at"]).astimezone(timezone.utc).replace(tzinfo=None)
        delivery = replace(landed(province, folder, [present[n] for n in sorted(present)], original), received_at=received) \
            if present else LandedDelivery(province, folder, (), meta["delivery_id"], received)
        if meta.get("origin"):  # a coordinator's classification of a harvested record: its provenance is the record
            delivery = replace(delivery, source_kind="curatie", source=meta["origin"].get("record_url"))
        if changed:
            delivery = replace(delivery, problem=(
                f"Levering {folder.name} van {provinces().label(province)} wordt niet geladen: de controlesom van "
                f"{', '.join(changed)} komt niet meer overeen met die bij het aanleveren. Het archief is na ontvangst "
                "gewijzigd; laat de provincie opnieuw aanleveren en zoek uit wie het archief wijzigde."))
        found.append(delivery)
    return found
