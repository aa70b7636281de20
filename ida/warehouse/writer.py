"""The warehouse's one writer: runs that write it take turns.

DuckDB lets one process at a time open a database file for writing; a second gets an error at once. Two
writers meet easily: the sensor starts a run per accepted submission, so two provinces submitting within
a minute start two runs, and the twelve harvest runs of the morning start together. Each such run holds an
exclusive lock on `<warehouse>.lock` from its start to its end, and a run that finds it taken waits for
its turn (and then does only what is still new) instead of failing. The lock file says who holds it.
"""

from __future__ import annotations

import fcntl
import os
from collections.abc import Callable, Iterator
from contextlib import ExitStack, contextmanager
from datetime import datetime
from pathlib import Path

from ida import file_lock
from ida.errors import IdaError

POLL_SECONDS = 0.5
WAIT_SECONDS = 1800  # how long a run waits for its turn: longer than a full build or a harvest takes


class WarehouseBusy(IdaError):
    """Another run kept the warehouse longer than this one would wait."""


def lock_path(warehouse: Path) -> Path:
    return warehouse.with_name(warehouse.name + ".lock")


def holder(warehouse: Path) -> str | None:
    """Who holds the writer lock now, or None when nobody does."""
    path = lock_path(warehouse)
    try:
        with path.open("r", encoding="utf-8") as handle:
            try:
                fcntl.flock(handle, fcntl.LOCK_SH | fcntl.LOCK_NB)
            except BlockingIOError:
                return _written_holder(path)
            fcntl.flock(handle, fcntl.LOCK_UN)
    except FileNotFoundError:
        pass
    return None


@contextmanager
def writing(warehouse: Path, who: str, wait_seconds: float,
            on_wait: Callable[[str], None] | None = None) -> Iterator[None]:
    """Hold the warehouse's writer lock for the block, as `who` (a run, a command). While another holds it,
    wait up to `wait_seconds`, telling `on_wait` once who that is; then give up with WarehouseBusy."""
    path = lock_path(warehouse)
    with ExitStack() as held:
        try:
            handle = held.enter_context(file_lock.exclusive(
                path, wait_seconds, on_wait and (lambda: on_wait(_written_holder(path))), POLL_SECONDS))
        except file_lock.LockTimeout:
            raise WarehouseBusy(f"Het warehouse ({warehouse}) wordt geschreven door {_written_holder(path)}; na "
                                f"{wait_seconds:.0f} s wachten is gestopt. Probeer het opnieuw als die klaar is.") from None
        handle.truncate(0)
        handle.write(f"{who} (proces {os.getpid()}, sinds {datetime.now().astimezone():%Y-%m-%d %H:%M:%S})\n")
        handle.flush()
        try:
            yield
        finally:
            handle.truncate(0)


def _written_holder(path: Path) -> str:
    return path.read_text(encoding="utf-8").strip() or "een ander proces"
