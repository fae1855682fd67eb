"""Reprints (转载) across sites: near-duplicate articles grouped into clusters, in SQL.

Signatures and bands (minhash.py) are stored in SQLite (`article_signatures`,
`article_bands`, indexed by band), so a new article is matched against the whole archive by
one indexed query and the Python side holds nothing that grows with the archive. A cluster
is named after the article that founded it and keeps that id: a new copy joins the cluster
of the copy it resembles most (two clusters a copy bridges are not merged, so no id ever
changes).
"""

from __future__ import annotations

from urllib.parse import urlsplit

import numpy as np

from .minhash import SAME_STORY, SIGNATURE_SCHEME, band_keys, similarity

UNFINISHED = "unfinished rebuild"  # the scheme stamp while `dedupe --rebuild` runs


def place(db, article_id: int, values: np.ndarray) -> int:
    """File an article's signature and put it in a cluster; its cluster id.

    An article already in a cluster (its body changed on reclean or revision) stays there
    while it still resembles another member; otherwise it goes where a new article would.
    """
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


def recount_cluster_of(db, article_id: int) -> None:
    """After an article gained a URL (an identical copy elsewhere): recount its cluster."""
    row = db.execute("SELECT cluster_id FROM articles WHERE id = ?", [article_id]).fetchone()
    if row and row[0] is not None:
        refresh_cluster(db, row[0])


def refresh_cluster(db, cluster_id: int) -> None:
    """Recount a cluster from its members; a cluster left without members goes."""
    members = db.execute(
        "SELECT a.id, a.title, a.date, a.site, a.source_name, a.first_seen, a.last_seen, s.title "
        "FROM articles a LEFT JOIN sources s ON s.name = a.source WHERE a.cluster_id = ?", [cluster_id]).fetchall()
    if not members:
        db.execute("DELETE FROM clusters WHERE id = ?", [cluster_id])
        return
    ids = [member[0] for member in members]
    urls = db.execute(f"SELECT url FROM article_urls WHERE article_id IN ({', '.join('?' * len(ids))}) "
                      f"UNION SELECT url FROM articles WHERE id IN ({', '.join('?' * len(ids))})", ids + ids).fetchall()
    # The distinct real sites among every URL of every copy (a seed file is no site; a new
    # article's own URL is in `articles` before article_urls has it).
    sites = {urlsplit(url).hostname for (url,) in urls if url and url.startswith(("http://", "https://"))}
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


def stamp_scheme(db, scheme: str = SIGNATURE_SCHEME) -> None:
    db.execute("INSERT OR REPLACE INTO archive_meta (key, value) VALUES ('signature_scheme', ?)", [scheme])


def scheme_is_stale(db) -> bool:
    """Signatures of another scheme are stored (compared with new ones, they would never
    match), a rebuild was interrupted, or the articles come from a version without reprint
    signatures: the archive needs `dedupe --rebuild`. An empty archive is stamped now."""
    stamped = db.execute("SELECT value FROM archive_meta WHERE key = 'signature_scheme'").fetchone()
    if stamped is None and db.execute("SELECT 1 FROM article_signatures LIMIT 1").fetchone() is None:
        if db.execute("SELECT 1 FROM articles LIMIT 1").fetchone() is not None:
            return True  # upgraded from a version before reprint clusters: none of its articles is placed
        stamp_scheme(db)
        return False
    return stamped is None or stamped[0] != SIGNATURE_SCHEME
