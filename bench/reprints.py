"""Reprint clusters at archive scale: recall, precision, cost per article, memory.

A synthetic archive of --articles articles (default 200,000; ~1,500 characters of sentences
from the real texts at hand, bench/corpus.py) is written through the project's own store
path as a crawl writes it: each article's signature and search terms are computed in worker
processes (store.articles.ArchiveKeys, as flow.prepare does in the crawl's cleaning workers),
and the single writer files it (flow.file_article: exact-duplicate check, row, text index, a
place in a cluster, its URL), 64 articles per transaction (store.writer.BatchWriter).
2 % of them are planted copies of an earlier article: a header line and a footer line of
portal boilerplate, a dropped or an added paragraph, up to five character edits, and one
copy in five converted to Traditional and back to Simplified as cleaning does. Then, in SQL:
  recall: planted copies that landed in their original's cluster;
  precision: of the articles filed into another article's cluster, those that are a planted
             copy of it;
  ms_per_article: CPU time of clustering per stored article on one core: the signature (in
                  a worker) plus dedupe.clusters.place (in the writer);
  peak_rss_mb: peak resident memory of the writer, which holds the archive connection
               (signatures and bands live in SQLite; the bench keeps a bounded sample of
               earlier bodies to copy from, and nothing per article).

    .venv/bin/python bench/reprints.py [--articles N] [--workers N]

Final line: `reprints: articles=… copies=… recall=… precision=… ms_per_article=… peak_rss_mb=…`.
"""

from __future__ import annotations

import argparse
import multiprocessing
import random
import resource
import sys
import tempfile
import time
from collections import deque
from itertools import islice
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import opencc  # noqa: E402

from bench.corpus import paragraphs, simplified_sentences  # noqa: E402
from crawler.clean.article import Article, cleaner_version  # noqa: E402
from crawler.clean.normalize import to_simplified  # noqa: E402
from crawler.dedupe.minhash import signature  # noqa: E402
from crawler.flow import file_article  # noqa: E402
from crawler.store import articles as article_rows  # noqa: E402
from crawler.store.articles import ArchiveKeys, article_record  # noqa: E402
from crawler.store.pages import PageRef  # noqa: E402
from crawler.store.schema import open_archive  # noqa: E402
from crawler.store.writer import BatchWriter  # noqa: E402
from crawler.workers import default_workers  # noqa: E402

HEADERS = ["来源：吉林日报 发布时间：{date} 字号：大 中 小", "当前位置：首页 > 新闻中心 > 要闻 浏览次数：{n}",
           "发布时间：{date} 来源：省政府办公厅 【打印】【关闭】", "{date} 来源：人民网-吉林频道 分享到："]
FOOTERS = ["责任编辑：王晓明", "主办单位：吉林省人民政府办公厅 版权所有", "（编辑：李静 责任编辑：张伟）",
           "免责声明：本网转载稿件出于传递更多信息之目的，不代表本网观点。", "扫一扫在手机打开当前页"]
COPY_SHARE = 0.02
ORIGINALS_KEPT = 20_000  # bodies the bench may copy from: a bounded sample at any archive size
SIGNING_SAMPLE = 50  # the signature's own cost is timed on one article in 50
PROGRESS_EVERY = 100_000  # a line with time and memory so far: memory must not grow with the archive


def planted_copy(rng: random.Random, body: list[str], pool: list[str], s2t) -> list[str]:
    copy = list(body)
    if len(copy) > 2 and rng.random() < 0.5:
        del copy[rng.randrange(len(copy))]
    else:
        copy.insert(rng.randrange(len(copy) + 1), "".join(rng.choice(pool) for _ in range(2)))
    for _ in range(rng.randint(0, 5)):
        line = rng.randrange(len(copy))
        text = copy[line]
        spot = rng.randrange(len(text))
        copy[line] = text[:spot] + rng.choice("的一是在不了有和人这中大为上个国我以要他") + text[spot + 1:]
    if rng.random() < 0.2:
        copy = [to_simplified(s2t.convert(line)) for line in copy]
    date = f"2024-0{rng.randint(1, 9)}-1{rng.randint(0, 9)}"
    return [rng.choice(HEADERS).format(date=date, n=rng.randint(10, 9999))] + copy + [rng.choice(FOOTERS)]


def url_of(number: int) -> str:
    return f"https://site{number % 50}.example.cn/{number}.html"


def generated(count: int, copied_from: dict[int, int]):
    """(number, Article) of the synthetic archive, in order; a planted copy's number is
    noted in `copied_from` with the number of its original until the writer takes it."""
    pool = simplified_sentences()
    rng = random.Random(11)
    s2t = opencc.OpenCC("s2t")
    originals: list[tuple[int, list[str]]] = []
    for number in range(count):
        if len(originals) > 100 and rng.random() < COPY_SHARE:
            original, original_body = rng.choice(originals)
            body = planted_copy(rng, original_body, pool, s2t)
            copied_from[number] = original
        else:
            body = paragraphs(rng, pool)
            if len(originals) < ORIGINALS_KEPT or rng.random() < 0.1:
                originals.append((number, body))
                if len(originals) > ORIGINALS_KEPT:
                    originals.pop(rng.randrange(len(originals)))
        day = f"20{rng.randint(19, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
        yield number, Article(title=body[0][:30], date=day, body="\n".join(body))


def prepared(jobs: list[tuple[int, Article]]) -> list[tuple[int, Article, ArchiveKeys, float | None]]:
    """In a worker: what the crawl's cleaning worker hands the writer; for one article in
    SIGNING_SAMPLE, also the CPU seconds of its signature alone."""
    results = []
    for number, article in jobs:
        signing = None
        if number % SIGNING_SAMPLE == 0:
            started = time.process_time()
            signature(article.body)
            signing = time.process_time() - started
        results.append((number, article, ArchiveKeys.of(article.title, article.body), signing))
    return results


def in_order(pool, jobs, chunk: int = 64, ahead: int = 8):
    """pool.imap, with at most `ahead` chunks in flight: results never pile up in memory
    when the writer is slower than the workers."""
    pending: deque = deque()
    jobs = iter(jobs)
    while batch := list(islice(jobs, chunk)):
        pending.append(pool.apply_async(prepared, (batch,)))
        if len(pending) >= ahead:
            yield from pending.popleft().get()
    while pending:
        yield from pending.popleft().get()


def run(path: Path, count: int, workers: int) -> dict:
    db = open_archive(path, bulk=True)
    db.execute("CREATE TABLE planted (copy INTEGER PRIMARY KEY, original_url TEXT)")
    copied_from: dict[int, int] = {}
    cpu = {"placing": 0.0}
    signing: list[float] = []
    place = article_rows.place

    def timed_place(*args, **kwargs):
        started = time.process_time()
        try:
            return place(*args, **kwargs)
        finally:
            cpu["placing"] += time.process_time() - started

    def filing(number: int, article: Article, keys: ArchiveKeys):
        def write(db) -> None:
            record = article_record(article, "bench", keys, cleaner_version("bench"))
            page = PageRef(None, url_of(number), url_of(number), "bench")
            _outcome, article_id = file_article(db, page, record, keys)
            if number in copied_from:
                db.execute("INSERT INTO planted VALUES (?, ?)", [article_id, url_of(copied_from.pop(number))])
        return write

    writer = BatchWriter(db)
    article_rows.place = timed_place  # store.articles.insert_article calls it through its module
    started = time.perf_counter()
    try:
        with multiprocessing.get_context("forkserver").Pool(workers) as pool:
            for number, article, ready, seconds in in_order(pool, generated(count, copied_from)):
                if seconds is not None:
                    signing.append(seconds)
                writer.add(filing(number, article, ready))
                if (number + 1) % PROGRESS_EVERY == 0:
                    print(f"{number + 1:>9,} articles  {(time.perf_counter() - started) / 60:5.1f} min  "
                          f"peak RSS {peak_rss_mb():.0f} MB", flush=True)
            writer.flush()
    finally:
        article_rows.place = place
    elapsed = time.perf_counter() - started
    found = db.execute(
        "SELECT count(*) FROM planted p JOIN articles copy ON copy.id = p.copy "
        "JOIN article_urls u ON u.url = p.original_url JOIN articles original ON original.id = u.article_id "
        "WHERE copy.cluster_id = original.cluster_id").fetchone()[0]
    copies = db.execute("SELECT count(*) FROM planted").fetchone()[0]
    joined = db.execute("SELECT count(*) FROM articles WHERE cluster_id != id").fetchone()[0]
    db.close()
    # A found copy is in a cluster founded by an earlier article: every one of them is `joined`.
    return {"articles": count, "copies": copies, "recall": found / max(1, copies), "precision": found / max(1, joined),
            "ms_per_article": (sum(signing) / len(signing) + cpu["placing"] / count) * 1000,
            "store_ms_per_article": elapsed / count * 1000, "minutes": elapsed / 60,
            "peak_rss_mb": peak_rss_mb()}


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=200_000)
    parser.add_argument("--workers", type=int, default=default_workers(), help="signature processes")
    parser.add_argument("--keep", help="write the archive here instead of a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(args.keep) if args.keep else Path(folder) / "news.db"
        result = run(path, args.articles, args.workers)
    print(f"{result['articles']:,} articles stored in {result['minutes']:.1f} min, {result['store_ms_per_article']:.2f} ms "
          f"each (wall; signatures in {args.workers} workers, text index and clustering in the writer), "
          f"{result['copies']:,} planted copies")
    print("reprints: " + " ".join(f"{key}={value:.4f}" if isinstance(value, float) and value < 1.5 else
                                  f"{key}={value:.1f}" if isinstance(value, float) else f"{key}={value}"
                                  for key, value in result.items() if key not in ("store_ms_per_article", "minutes")))


if __name__ == "__main__":
    main()
