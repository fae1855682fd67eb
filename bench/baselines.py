"""The libraries alone over the benchmarks' own pages: the baselines the speed targets compare with."""

from __future__ import annotations

import time
from pathlib import Path

from crawler.store.pages import stored_page
from crawler.store.schema import open_archive


def bare_trafilatura(db_path: Path, pages: int = 500) -> tuple[int, float]:
    """trafilatura.extract over the first `pages` stored page bodies, one process: (pages, seconds)."""
    import trafilatura

    db = open_archive(db_path)
    bodies = [stored_page(db, page_id).body for (page_id,) in db.execute("SELECT id FROM pages ORDER BY id LIMIT ?", [pages])]
    db.close()
    started = time.perf_counter()
    for body in bodies:
        trafilatura.extract(body)
    return len(bodies), time.perf_counter() - started
