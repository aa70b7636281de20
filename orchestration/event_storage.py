"""The Dagster instance's event log: every run's events in one SQLite file, through one SQLAlchemy engine
whose connections stay open."""

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cached_property

import sqlalchemy as db
from dagster._core.storage.event_log import ConsolidatedSqliteEventLogStorage
from dagster._core.storage.sqlite import SQLITE_BUSY_TIMEOUT_SECONDS

POOL_SIZE = 4  # connections kept open per process: the run's thread, the CLI's progress reader, and spares


class SqliteEventLogStorage(ConsolidatedSqliteEventLogStorage):
    """Dagster's consolidated SQLite event log (in WAL mode), which makes a new engine and opens and closes a
    connection for every use — four to five per event. Closing the last connection to a WAL database checkpoints
    it and removes the WAL, and each commit waits for the disk: 1.6 s of an increment at 12 × 1,000 × 20 (some 380
    events). Here one engine keeps up to POOL_SIZE connections open (each used by one thread at a time) and commits
    with `synchronous=NORMAL`, SQLite's advice for WAL: the file stays consistent; a power cut may lose the last
    events, never corrupt the log."""

    @cached_property
    def _engine(self) -> db.engine.Engine:
        engine = db.create_engine(self._conn_string, pool_size=POOL_SIZE, max_overflow=-1,
                                  connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS, "check_same_thread": False})
        db.event.listen(engine, "connect", lambda connection, _: connection.execute("pragma synchronous = normal"))
        return engine

    @contextmanager
    def _connect(self) -> Iterator[db.engine.Connection]:
        with self._engine.connect() as connection, connection.begin():
            yield connection
