"""Chinese search at archive scale: build, size, latency through Datasette, exactness.

A synthetic archive of N articles (default 200,000, ~1,500 characters each) is built from
sentences of the real article texts at hand (the seeds, the sample articles and, when
present, ../shared/realpages gold) through the project's own store functions, and cached in
bench/.cache/. Then, in one run:
  * index size (dbstat) against the body text, and the build time;
  * median / p95 latency of `?_search=` JSON requests (a page of 20 hits) through a real `newsarchive serve` on
    loopback for 2-character words, 4-character phrases and two-term queries;
  * exactness: hit counts of the bigram index against `LIKE` on a 20,000-article subset,
    with a trigram FTS5 index of the same subset beside it (it cannot answer 2 characters).

    .venv/bin/python bench/search.py [--articles N]

Final line: `search: articles=… p95_ms_2char=… p95_ms_4char=… p95_ms_2term=… p95_ms_reader_page=… index_ratio=… exact=…/…`.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.corpus import sentences  # noqa: E402
from crawler.search import fts_query  # noqa: E402
from crawler.search.index import optimize_index  # noqa: E402
from crawler.store.articles import ArchiveKeys, insert_article  # noqa: E402
from crawler.store.schema import open_archive  # noqa: E402

CACHE = ROOT / "bench" / ".cache"
NEWSARCHIVE = Path(sys.executable).with_name("newsarchive")
TWO = "项目 招商 长春 经济 发展 政府 企业 投资 市场 服务 改革 建设 产业 吉林 合作 创新 科技 教育 交通 环境 开放 农业 旅游 城市 群众".split()
FOUR = "营商环境 招商引资 项目建设 重点项目 产业结构 开发区建设 高质量发展 改革创新 对外开放 跨境电商 " \
       "新能源汽车 科技创新 现代服务业 民生实事 基础设施 政务服务 产业集群 经济发展 国家级开发区 综合保税区".split()
TERMS = ["长春 项目", "开发区 招商", "企业 服务", "吉林 旅游", "汽车 产业"]
SUBSET = 20_000


def build(path: Path, count: int) -> float:
    """Write `count` synthetic articles through store.articles.insert_article; seconds taken."""
    pool = sentences()
    rng = random.Random(42)
    db = open_archive(path)
    started = time.perf_counter()
    for batch in range(0, count, 1000):
        with db.atomic():
            for number in range(batch, min(count, batch + 1000)):
                body = []
                while sum(map(len, body)) < rng.randint(1200, 1800):
                    body.append("".join(rng.choice(pool) for _ in range(rng.randint(2, 5))))
                day = f"20{rng.randint(19, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T09:00:00+08:00"
                record = {"title": rng.choice(pool)[:30], "date": day, "month": day[:7], "body": "\n".join(body),
                          "source": "bench", "source_name": "合成", "body_hash": f"h{number}", "cleaner_version": "bench"}
                keys = ArchiveKeys.of(record["title"], record["body"])
                insert_article(db, record, keys, f"https://bench.example/{number}.html", "bench.example", None)
    optimize_index(db)
    elapsed = time.perf_counter() - started
    db.close()
    return elapsed


def sizes(path: Path) -> tuple[int, int, int]:
    db = sqlite3.connect(path)
    index = db.execute("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'articles_fts%'").fetchone()[0]
    text = db.execute("SELECT sum(length(CAST(body AS BLOB)) + length(CAST(title AS BLOB))) FROM articles").fetchone()[0]
    return path.stat().st_size, index, text


def serve(path: Path, port: int) -> subprocess.Popen:
    server = subprocess.Popen([str(NEWSARCHIVE), "serve", "--db", str(path), "--port", str(port)], cwd=ROOT,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/-/versions.json", timeout=1)
            return server
        except OSError:
            time.sleep(0.2)
    raise RuntimeError("datasette did not start")


ROWS_ONLY = {"_nofacet": 1, "_nocount": 1}


def latency(port: int, queries: list[str], rounds: int = 3, path: str = "articles.json",
            params: dict = ROWS_ONLY) -> tuple[float, float]:
    """Median and p95 ms of JSON requests for each query (per query the median of `rounds`).

    The default: a page of `_search` hits, as an API client pages through them. The page a
    browser gets also counts the hits and computes four facets (`params={}`), and the
    canned query `search` ranks every hit by bm25 (`path="search.json"`); the readers' search
    page (`path="search"`) ranks, counts and facets the hits and renders a page of 20.
    """
    per_query = []
    for query in queries:
        search = {"q": query} if path.startswith("search") else {"_search": query, "_size": 20, "_col": "title"}
        url = f"http://127.0.0.1:{port}/news/{path}?" + urllib.parse.urlencode({**search, **params})
        samples = []
        for _ in range(rounds):
            started = time.perf_counter()
            urllib.request.urlopen(url, timeout=60).read()
            samples.append((time.perf_counter() - started) * 1000)
        per_query.append(statistics.median(samples))
    per_query.sort()
    return statistics.median(per_query), per_query[max(0, int(len(per_query) * 0.95) - 1)]


def exactness(path: Path, queries: list[str]) -> tuple[int, float, float]:
    """(queries whose bigram hit count equals LIKE's, median ms bigram, median ms LIKE) on the subset."""
    db = sqlite3.connect(path)
    db.create_function("zh_query", 1, fts_query)
    exact, bigram_ms, like_ms = 0, [], []
    for query in queries:
        terms = query.split()
        started = time.perf_counter()
        hits = db.execute("SELECT count(*) FROM articles_fts WHERE rowid <= ? AND articles_fts MATCH zh_query(?)",
                          [SUBSET, query]).fetchone()[0]
        bigram_ms.append((time.perf_counter() - started) * 1000)
        where = " AND ".join("(title LIKE ? OR body LIKE ?)" for _ in terms)
        started = time.perf_counter()
        truth = db.execute(f"SELECT count(*) FROM articles WHERE id <= ? AND {where}",
                           [SUBSET] + [f"%{t}%" for t in terms for _ in (0, 1)]).fetchone()[0]
        like_ms.append((time.perf_counter() - started) * 1000)
        exact += hits == truth
    return exact, statistics.median(bigram_ms), statistics.median(like_ms)


def trigram(path: Path, queries: list[str]) -> tuple[float, int]:
    """Median ms and answerable queries of a trigram FTS5 index over the subset."""
    db = sqlite3.connect(":memory:")
    db.execute(f"ATTACH DATABASE '{path}' AS archive")
    db.execute("CREATE VIRTUAL TABLE tri USING fts5(title, body, tokenize='trigram')")
    db.execute("INSERT INTO tri (rowid, title, body) SELECT id, title, body FROM archive.articles WHERE id <= ?", [SUBSET])
    timings, answered = [], 0
    for query in queries:
        started = time.perf_counter()
        hits = db.execute("SELECT count(*) FROM tri WHERE tri MATCH ?",
                          [" ".join(f'"{t}"' for t in query.split())]).fetchone()[0]
        if hits:
            timings.append((time.perf_counter() - started) * 1000)
            answered += 1
    return statistics.median(timings), answered


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=200_000)
    parser.add_argument("--port", type=int, default=8097)
    count = parser.parse_args().articles
    port = parser.parse_args().port
    CACHE.mkdir(parents=True, exist_ok=True)
    path = CACHE / f"search-{count}" / "news.db"
    build_s = None
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        build_s = build(path, count)
    file_bytes, index_bytes, text_bytes = sizes(path)
    server = serve(path, port)
    try:
        results = {name: latency(port, queries) for name, queries in
                   (("2char", TWO), ("4char", FOUR), ("2term", TERMS))}
        everything = TWO + FOUR + TERMS
        full_page = latency(port, everything, rounds=1, params={})
        ranked = latency(port, everything, rounds=1, path="search.json", params={})
        reader = latency(port, everything, rounds=1, path="search", params={})
    finally:
        server.terminate()
        server.wait(timeout=30)
    queries = TWO + FOUR + TERMS
    exact, bigram_ms, like_ms = exactness(path, queries)
    trigram_ms, trigram_answered = trigram(path, queries)
    print(f"articles {count:,}; build {'cached' if build_s is None else f'{build_s:.0f} s'}; "
          f"database {file_bytes / 1e6:.0f} MB, of which index {index_bytes / 1e6:.0f} MB; "
          f"text {text_bytes / 1e6:.0f} MB (without the index {(file_bytes - index_bytes) / 1e6:.0f} MB)")
    for name, (median, p95) in results.items():
        print(f"_search through Datasette, {name}: median {median:.1f} ms, p95 {p95:.1f} ms")
    print(f"for reference, all 50 queries: table page with count and facets median {full_page[0]:.0f} ms, "
          f"p95 {full_page[1]:.0f} ms; canned query `search` (bm25 over every hit) median {ranked[0]:.0f} ms, "
          f"p95 {ranked[1]:.0f} ms; the readers' search page (ranked, counted, faceted) median {reader[0]:.0f} ms, "
          f"p95 {reader[1]:.0f} ms")
    print(f"on {SUBSET:,} articles: bigram count {bigram_ms:.1f} ms, LIKE scan {like_ms:.1f} ms, "
          f"trigram {trigram_ms:.1f} ms answering {trigram_answered}/{len(queries)} queries")
    print(f"search: articles={count} p95_ms_2char={results['2char'][1]:.1f} p95_ms_4char={results['4char'][1]:.1f} "
          f"p95_ms_2term={results['2term'][1]:.1f} p95_ms_reader_page={reader[1]:.0f} index_ratio={index_bytes / text_bytes:.2f} exact={exact}/{len(queries)}")


if __name__ == "__main__":
    main()
