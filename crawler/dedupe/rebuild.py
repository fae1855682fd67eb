"""`newsarchive dedupe --rebuild`: every signature, band and cluster again from the stored bodies."""

from __future__ import annotations

import asyncio

import numpy as np

from ..workers import WorkerPool
from .clusters import UNFINISHED, place, stamp_scheme
from .minhash import signature

REBUILD_CHUNK = 200  # articles signed per worker job and placed per transaction


def rebuild(db, progress=None, workers: int = 0) -> int:
    """Recompute every signature, band and cluster from the stored bodies, in article order
    (so clusters get the same ids as when the articles arrived); number of clusters with
    more than one article. Signatures are computed in `workers` processes (0: in this one),
    while this one files them."""
    with db.atomic():
        for table in ("article_bands", "article_signatures", "clusters"):
            db.execute(f"DELETE FROM {table}")
        db.execute("UPDATE articles SET cluster_id = NULL, similarity = NULL")
        stamp_scheme(db, UNFINISHED)  # an interrupted rebuild leaves the archive asking for another
    ids = [row[0] for row in db.execute("SELECT id FROM articles ORDER BY id")]
    chunks = [ids[start:start + REBUILD_CHUNK] for start in range(0, len(ids), REBUILD_CHUNK)]
    pool = WorkerPool(workers, preload=[__name__])
    try:
        asyncio.run(_place_in_order(db, chunks, pool, progress or (lambda count: None)))
    finally:
        pool.close()
    stamp_scheme(db)
    return db.execute("SELECT count(*) FROM clusters WHERE articles > 1").fetchone()[0]


def signatures(bodies: list[str]) -> list[np.ndarray]:
    return [signature(body) for body in bodies]


async def _place_in_order(db, chunks: list[list[int]], pool: WorkerPool, progress) -> None:
    def bodies(chunk: list[int]) -> list[str]:
        marks = ", ".join("?" * len(chunk))
        return [body for (body,) in db.execute(f"SELECT body FROM articles WHERE id IN ({marks}) ORDER BY id", chunk)]

    def job(chunk: list[int]) -> tuple:
        return f"signing articles {chunk[0]}-{chunk[-1]}", signatures, bodies(chunk)

    async for chunk, values in pool.in_order(chunks, job):
        if values is None:  # the worker died on them: sign them here
            values = signatures(bodies(chunk))
        with db.atomic():
            for article_id, article_values in zip(chunk, values):
                place(db, article_id, article_values)
        progress(len(chunk))
