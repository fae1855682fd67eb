"""The archive's lock: one writing run at a time (crawl, reclean, dedupe), the others told who."""

from __future__ import annotations

import fcntl
import os
from contextlib import contextmanager
from pathlib import Path

EXIT_LOCKED = 75  # the command's exit code when another run writes to the archive (EX_TEMPFAIL: retry later)


class ArchiveLocked(RuntimeError):
    """Another run (a crawl, reclean or dedupe) is writing to this archive."""


@contextmanager
def archive_lock(db_path: str | Path, job: str):
    """Hold `<db>.lock` while `job` writes to the archive: crawls, reclean and dedupe take
    turns (a long reclean transaction would otherwise keep a cron crawl's writes waiting
    past SQLite's busy timeout). The kernel drops a dead holder's lock, so a lock left by a
    killed run is simply taken over. The lock sits beside the resolved file, so two paths to
    one archive (a symlink, a relative path) share it."""
    lock_path = Path(f"{Path(db_path).resolve()}.lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    handle = open(lock_path, "a+")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        handle.seek(0)
        pid, _, holder = (handle.read().strip() or "unknown").partition(" ")
        handle.close()
        raise ArchiveLocked(f"another {holder or 'run'} (pid {pid}) is writing to {db_path}; lock file {lock_path}") from None
    handle.seek(0)
    handle.truncate()
    handle.write(f"{os.getpid()} {job}")
    handle.flush()
    try:
        yield
    finally:
        handle.truncate(0)
        fcntl.flock(handle, fcntl.LOCK_UN)
        handle.close()
