"""The append-only audit log: every curation action, one JSON object per line, never rewritten.

An entry says who (a coordinator's name, never a token), when (UTC), what (the action and the record it
concerns), and the state before and after. The file (`IDA_AUDIT_LOG`, default
`var/audit/curation.jsonl`) is only ever opened with O_APPEND; each entry is one `write` of one whole
line followed by `fsync`, so a crash leaves at worst an unfinished last line, which readers skip. A
writer holds an exclusive `flock` on the file from the moment it reads what was decided until its
entry is on disk, so two coordinators can never both act on the same record. Readers take no lock:
the page and the pipeline read while a coordinator writes, and nobody waits on the warehouse.
"""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Protocol


class Write(Protocol):
    def __call__(self, who: str, action: str, what: dict[str, Any], before: dict[str, Any] | None,
                 after: dict[str, Any] | None) -> dict[str, Any]: ...


def entries(path: Path) -> list[dict[str, Any]]:
    """Every complete entry, oldest first. An unfinished last line (a crash while writing) is skipped; a
    line that is no JSON (the file was edited by hand) is kept as an entry with action `onleesbaar`."""
    try:
        text = path.read_bytes().decode("utf-8", errors="replace")
    except FileNotFoundError:
        return []
    found = []
    for number, line in enumerate(text.split("\n")[:-1], start=1):  # after the last \n: unfinished
        if not line.strip():
            continue
        try:
            found.append(json.loads(line))
        except ValueError:
            found.append({"id": f"regel-{number}", "at": None, "who": None, "action": "onleesbaar",
                          "what": {"regel": number, "tekst": line[:200]}, "before": None, "after": None})
    return found


def _open(path: Path) -> int:
    new = not path.exists()
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o640)
    if new:  # the new file's name must survive a crash too
        directory = os.open(path.parent, os.O_RDONLY)
        try:
            os.fsync(directory)
        finally:
            os.close(directory)
    return fd


@contextmanager
def exclusive(path: Path) -> Iterator[Write]:
    """Hold the log for one decision: read `entries(path)` inside, then write with the function given."""
    fd = _open(path)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)

        def write(who: str, action: str, what: dict[str, Any], before: dict[str, Any] | None,
                  after: dict[str, Any] | None) -> dict[str, Any]:
            entry = {"id": uuid.uuid4().hex, "at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
                     "who": who, "action": action, "what": what, "before": before, "after": after}
            line = (json.dumps(entry, ensure_ascii=False, default=str) + "\n").encode("utf-8")
            written = os.write(fd, line)
            if written != len(line):  # a full disk: say so rather than leave half an entry unnoticed
                raise OSError(f"het auditlog {path} is maar voor een deel geschreven ({written} van {len(line)} bytes)")
            os.fsync(fd)
            return entry

        yield write
    finally:
        os.close(fd)  # closing releases the lock


def append(path: Path, who: str, action: str, what: dict[str, Any], before: dict[str, Any] | None = None,
           after: dict[str, Any] | None = None) -> dict[str, Any]:
    """Write one entry and return it (with its id and time)."""
    with exclusive(path) as write:
        return write(who, action, what, before, after)
