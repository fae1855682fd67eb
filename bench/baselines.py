"""The libraries alone over the benchmarks' own pages: the baselines the issue targets compare with."""

from __future__ import annotations

import time
from pathlib import Path

from crawler import archive


def bare_trafilatura(db_path: Path, pages: int = 500) -> tuple[int, float]:
    """trafilatura.extract over the first `pages` stored page bodies, one process: (pages, seconds)."""
    import trafilatura

    db = archive.open_archive(db_path)
    bodies = [archive.page_body(page) for page in db.query("SELECT body FROM pages ORDER BY id LIMIT ?", [pages])]
    db.close()
    started = time.perf_counter()
    for body in bodies:
        trafilatura.extract(body)
    return len(bodies), time.perf_counter() - started
