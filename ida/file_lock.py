"""An exclusive lock on a file between processes (fcntl.flock), held for a block: whoever comes second waits
for it, up to a limit. The lock goes with the process, also when that is killed."""

from __future__ import annotations

import fcntl
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


class LockTimeout(TimeoutError):
    """The lock stayed taken longer than the caller would wait."""


@contextmanager
def exclusive(path: Path, wait_seconds: float | None, on_wait: Callable[[], None] | None = None,
              poll_seconds: float = 0.5) -> Iterator[TextIO]:
    """Hold an exclusive lock on `path` (made when missing) for the block, with the file open for appending.
    While another process holds it, wait up to `wait_seconds` (None: as long as it takes), calling `on_wait`
    once; LockTimeout when it stays taken."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("a+", encoding="utf-8") as handle:
        deadline = None if wait_seconds is None else time.monotonic() + wait_seconds
        waited = False
        while True:
            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if deadline is not None and time.monotonic() >= deadline:
                    raise LockTimeout(f"Een ander proces houdt {path} vast.") from None
                if on_wait is not None and not waited:
                    on_wait()
                waited = True
                time.sleep(poll_seconds)
        try:
            yield handle
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
