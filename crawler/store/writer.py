"""The archive's single writer in a crawl or reclean: writes committed in batches."""

from __future__ import annotations

import logging
import re
import sqlite3
import time

logger = logging.getLogger(__name__)
# SQLite's words for a damaged file (a full disk or a lock is no damage: writing may go on).
DAMAGE = re.compile(r"malformed|not a database|corrupt", re.I)


class BatchWriter:
    """The archive's single writer: queued writes are committed together, `size` per
    transaction or after `max_wait_s`.

    A write is `write(db)`, returning None or a function to call once it is committed (to
    count it). If one write of a batch fails, the batch is rolled back and written again one
    write per transaction, so only the failing write is lost (a crawled page's URL stays in
    the frontier and is fetched again by the next run)."""

    def __init__(self, db, size: int = 64, max_wait_s: float = 2.0):
        self.db = db
        self.size = size
        self.max_wait_s = max_wait_s
        self.pending: list = []
        self.flushed_at = time.monotonic()
        self.failures = 0
        self.damaged: str | None = None  # why the archive must not be written to any more

    def add(self, write) -> None:
        """Queue `write(db)`; commits when the batch is full or has waited long enough. Once
        the archive shows damage, nothing more is written to it (counted as failures)."""
        if self.damaged:
            self.failures += 1
            return
        self.pending.append(write)
        if len(self.pending) >= self.size or time.monotonic() - self.flushed_at >= self.max_wait_s:
            self.flush()

    def flush(self) -> None:
        batch, self.pending = self.pending, []
        self.flushed_at = time.monotonic()
        if not batch:
            return
        try:
            with self.db.atomic():
                committed = [write(self.db) for write in batch]
        except Exception:  # noqa: BLE001 - one bad write must not sink the batch
            logger.warning("a write in a batch of %d failed; writing them one by one", len(batch))
            committed = [self._alone(write) for write in batch]
        for after in committed:
            if after is not None:
                after()

    def _alone(self, write):
        try:
            with self.db.atomic():
                return write(self.db)
        except Exception as error:  # noqa: BLE001 - counted, and the run goes on
            self.failures += 1
            logger.error("archive write failed: %s: %s", type(error).__name__, error)
            logger.debug("archive write failed", exc_info=True)
            if isinstance(error, sqlite3.DatabaseError) and DAMAGE.search(str(error)) and not self.damaged:
                self.damaged = str(error)
                logger.error("the archive is damaged (%s): no more writes to it in this run", error)
            return None
