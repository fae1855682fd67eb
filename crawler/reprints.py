"""Reprints (转载) across sites: near-duplicate articles grouped into clusters.

Exact dedupe (body_hash) only joins byte-identical bodies; a reprint usually differs
by a header or footer line, a trimmed paragraph, a few edited characters or its script. Each
article's simplified body becomes a set of character 5-shingles (spaces and punctuation
removed, hashed with numpy) and a 128-permutation MinHash (datasketch), cut into 21 bands of
6 rows: articles sharing a band are candidates, and a candidate whose signature agrees on at
least SAME_STORY of its positions (the estimated Jaccard similarity) is the same story.
(bench/reprints.py: copies with chrome, a dropped or added paragraph and edits are found at
recall 1.0 and precision 1.0 where 14 × 9 bands, verified at 0.7, found 0.97.)

Signatures and bands are stored in SQLite (`article_signatures`, `article_bands`, indexed by
band), so a new article is matched against the whole archive by one indexed query and the
Python side holds nothing that grows with the archive. A cluster is named after the article
that founded it and keeps that id: a new copy joins the cluster of the copy it resembles most
(two clusters a copy bridges are not merged, so no id ever changes).
"""

from __future__ import annotations

import asyncio
import difflib
import hashlib
import re
from functools import lru_cache
from urllib.parse import urlsplit

import numpy as np
from datasketch import MinHash

NUM_PERM = 128
BANDS, ROWS = 21, 6  # S-curve midpoint ≈ 0.6: a copy at similarity 0.75 is a candidate with p ≈ 0.98
SHINGLE = 5
SCHEME = "affine32"  # datasketch 2 default: 32-bit values, stored as uint32
SAME_STORY = 0.6  # estimated Jaccard; copies that drop a paragraph and add chrome sit near 0.75-0.8
_NOT_TEXT = re.compile(r"[\s\W_]+")


# Signatures from another scheme cannot be compared with these: an archive whose stamp
# differs needs `newsarchive dedupe --rebuild` (archive.open_archive warns).
SIGNATURE_SCHEME = f"chars{SHINGLE}-poly64/{SCHEME}/{NUM_PERM}"
UNFINISHED = "unfinished rebuild"  # the stamp while `dedupe --rebuild` runs
_POLY = np.uint64(0x100000001B3)  # the FNV-1 64-bit prime


@lru_cache(maxsize=1)
def _permutations():
    return MinHash(num_perm=NUM_PERM, scheme=SCHEME).permutations


def shingle_hashes(body: str) -> np.ndarray:
    """One 32-bit hash per distinct 5-character shingle of the body's text (spaces and
    punctuation removed), computed over all positions at once: hashing each shingle in
    Python (datasketch's default sha1) was two thirds of a signature's cost."""
    text = _NOT_TEXT.sub("", body or "")
    points = np.frombuffer(text.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    points = np.pad(points, (0, max(0, SHINGLE - len(points))))
    count = len(points) - SHINGLE + 1
    hashes = points[:count].copy()
    for offset in range(1, SHINGLE):  # a polynomial over the shingle's code points, mod 2**64
        hashes = hashes * _POLY + points[offset:offset + count]
    return np.unique((hashes >> np.uint64(32)) ^ (hashes & np.uint64(0xFFFFFFFF)))


def signature(body: str) -> np.ndarray:
    """The MinHash of a body: 128 uint32 values (datasketch mixes and permutes the hashes)."""
    minhash = MinHash(num_perm=NUM_PERM, permutations=_permutations(), scheme=SCHEME, hashfunc=int)
    minhash.update_batch(shingle_hashes(body).tolist())
    return minhash.hashvalues.astype(np.uint32)


def body_hash(body: str) -> str:
    """Exact-duplicate key: the simplified body without whitespace or punctuation."""
    return hashlib.sha256(_NOT_TEXT.sub("", body).encode("utf-8")).hexdigest()


def from_bytes(stored: bytes | None) -> np.ndarray | None:
    return None if stored is None else np.frombuffer(stored, dtype=np.uint32)


def band_keys(values: np.ndarray) -> list[int]:
    """One signed 64-bit key per band (SQLite INTEGER)."""
    return [int.from_bytes(hashlib.blake2b(values[band * ROWS:(band + 1) * ROWS].tobytes(), digest_size=8).digest(),
                           "big", signed=True) for band in range(BANDS)]


def similarity(a: np.ndarray, b: np.ndarray) -> float:
    return float(np.count_nonzero(a == b)) / NUM_PERM


def place(db, article_id: int, body: str, values: np.ndarray | None = None) -> int:
    """File an article's signature and put it in a cluster; its cluster id.

    An article already in a cluster (its body changed on reclean or revision) stays there
    while it still resembles another member; otherwise it goes where a new article would.
    """
    values = signature(body) if values is None else values
    keys = band_keys(values)
    matches = _matches(db, article_id, keys, values)
    current = db.execute("SELECT cluster_id FROM articles WHERE id = ?", [article_id]).fetchone()[0]
    staying = [match for match in matches if match[2] == current]
    if current is not None and staying:
        cluster, score = current, staying[0][1]
    elif matches:
        _other, score, cluster = matches[0]
    else:
        cluster, score = article_id, None
    db.execute("DELETE FROM article_bands WHERE article_id = ?", [article_id])
    db.conn.executemany("INSERT INTO article_bands (band, key, article_id) VALUES (?, ?, ?)",
                   [(band, key, article_id) for band, key in enumerate(keys)])
    db.execute("INSERT OR REPLACE INTO article_signatures (article_id, signature) VALUES (?, ?)",
               [article_id, values.tobytes()])
    db.execute("UPDATE articles SET cluster_id = ?, similarity = ? WHERE id = ?", [cluster, score, article_id])
    refresh_cluster(db, cluster)
    if current is not None and current != cluster:
        refresh_cluster(db, current)
    return cluster


def _matches(db, article_id: int, keys: list[int], values: np.ndarray) -> list[tuple[int, float, int]]:
    """(article id, similarity, cluster id) of the verified copies, most similar first
    (then oldest cluster)."""
    pairs = ", ".join("(?, ?)" for _ in keys)
    rows = db.execute(
        f"SELECT DISTINCT b.article_id, s.signature, a.cluster_id FROM (VALUES {pairs}) AS wanted "
        "JOIN article_bands b ON b.band = wanted.column1 AND b.key = wanted.column2 "
        "JOIN article_signatures s ON s.article_id = b.article_id JOIN articles a ON a.id = b.article_id "
        "WHERE b.article_id != ? AND a.cluster_id IS NOT NULL",
        [value for band, key in enumerate(keys) for value in (band, key)] + [article_id]).fetchall()
    found = [(other, similarity(values, np.frombuffer(blob, dtype=np.uint32)), cluster) for other, blob, cluster in rows]
    return sorted((match for match in found if match[1] >= SAME_STORY), key=lambda match: (-match[1], match[2]))


def refresh_cluster(db, cluster_id: int) -> None:
    """Recount a cluster from its members; a cluster left without members goes."""
    members = db.execute(
        "SELECT a.id, a.title, a.date, a.site, a.source_name, a.first_seen, a.last_seen, s.title "
        "FROM articles a LEFT JOIN sources s ON s.name = a.source WHERE a.cluster_id = ?", [cluster_id]).fetchall()
    if not members:
        db.execute("DELETE FROM clusters WHERE id = ?", [cluster_id])
        return
    ids = [member[0] for member in members]
    urls = db.execute(f"SELECT url FROM article_urls WHERE article_id IN ({', '.join('?' * len(ids))})", ids).fetchall()
    sites = {member[3] for member in members if member[3]} | {
        urlsplit(url).hostname for (url,) in urls if url.startswith("http")}
    original = min(members, key=_originality)
    db.execute("INSERT OR REPLACE INTO clusters (id, original_id, title, first_date, articles, sites, first_seen, "
               "last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
               [cluster_id, original[0], original[1], original[2], len(members), len(sites),
                min(member[5] or "" for member in members) or None, max(member[6] or "" for member in members) or None])


def _originality(member) -> tuple:
    """The likely original: the earliest date, then a page whose 来源 names its own outlet,
    then the one archived first."""
    article_id, _title, date, _site, source_name, _first, _last, outlet = member
    names_itself = bool(source_name and outlet and (source_name in outlet or outlet in source_name))
    return (date is None, date or "", not names_itself, article_id)


def rebuild(db, progress=None, workers: int = 0) -> int:
    """Recompute every signature, band and cluster from the stored bodies, in article order
    (so clusters get the same ids as when the articles arrived); number of clusters with
    more than one article. Signatures are computed in `workers` processes (0: in this one),
    while this one files them."""
    from .workers import CleaningPool  # workers imports the cleaner, which imports this module

    with db.atomic():
        for table in ("article_bands", "article_signatures", "clusters"):
            db.execute(f"DELETE FROM {table}")
        db.execute("UPDATE articles SET cluster_id = NULL, similarity = NULL")
        stamp_scheme(db, UNFINISHED)  # an interrupted rebuild leaves the archive asking for another
    ids = [row[0] for row in db.execute("SELECT id FROM articles ORDER BY id")]
    chunks = [ids[start:start + REBUILD_CHUNK] for start in range(0, len(ids), REBUILD_CHUNK)]
    pool = CleaningPool(workers, crashed=None)
    try:
        asyncio.run(_place_in_order(db, chunks, pool, progress or (lambda count: None)))
    finally:
        pool.close()
    stamp_scheme(db)
    return db.execute("SELECT count(*) FROM clusters WHERE articles > 1").fetchone()[0]


REBUILD_CHUNK = 200  # articles signed per worker job and placed per transaction


def signatures(bodies: list[str]) -> list[np.ndarray]:
    return [signature(body) for body in bodies]


async def _place_in_order(db, chunks: list[list[int]], pool, progress) -> None:
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
                place(db, article_id, "", article_values)
        progress(len(chunk))


def stamp_scheme(db, scheme: str = SIGNATURE_SCHEME) -> None:
    db.execute("INSERT OR REPLACE INTO archive_meta (key, value) VALUES ('signature_scheme', ?)", [scheme])


def scheme_is_stale(db) -> bool:
    """Signatures of another scheme are stored (compared with new ones, they would never
    match), or a rebuild was interrupted: the archive needs `dedupe --rebuild`. An archive
    without any signatures is stamped now."""
    stamped = db.execute("SELECT value FROM archive_meta WHERE key = 'signature_scheme'").fetchone()
    if stamped is None and db.execute("SELECT 1 FROM article_signatures LIMIT 1").fetchone() is None:
        stamp_scheme(db)
        return False
    return stamped is None or stamped[0] != SIGNATURE_SCHEME


def paragraph_diff(original: str, copy: str) -> list[tuple[str, str]]:
    """(sign, paragraph) for the paragraphs a copy adds ('+') or drops ('-') against the
    original; unchanged ones are left out."""
    lines = difflib.ndiff((original or "").split("\n"), (copy or "").split("\n"))
    return [(line[0], line[2:]) for line in lines if line[:1] in "+-" and line[2:].strip()]
