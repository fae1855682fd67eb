"""Reprint clusters at archive scale: recall, precision, cost per article, memory.

A synthetic archive of --articles articles (default 200,000; ~1,500 characters of sentences
from the real texts at hand, bench/corpus.py) is written through the project's own store
path (archive.insert_article, which indexes the text and places the article in a cluster).
2 % of them are planted copies of an earlier article: a header line and a footer line of
portal boilerplate, a dropped or an added paragraph, up to five character edits, and one
copy in five converted to Traditional and back to Simplified as cleaning does. Then:
  recall: planted copies that landed in their original's cluster;
  precision: of the articles filed into another article's cluster, those that are a planted
             copy of it;
  ms_per_article: time spent clustering (reprints.place) per stored article, one core;
  peak_rss_mb: peak resident memory of this process (signatures and bands live in SQLite).

    .venv/bin/python bench/reprints.py [--articles N]

Final line: `reprints: articles=… copies=… recall=… precision=… ms_per_article=… peak_rss_mb=…`.
"""

from __future__ import annotations

import argparse
import random
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import opencc  # noqa: E402

from bench.corpus import paragraphs, simplified_sentences  # noqa: E402
from crawler import archive, reprints  # noqa: E402
from crawler.normalize import to_simplified  # noqa: E402

HEADERS = ["来源：吉林日报 发布时间：{date} 字号：大 中 小", "当前位置：首页 > 新闻中心 > 要闻 浏览次数：{n}",
           "发布时间：{date} 来源：省政府办公厅 【打印】【关闭】", "{date} 来源：人民网-吉林频道 分享到："]
FOOTERS = ["责任编辑：王晓明", "主办单位：吉林省人民政府办公厅 版权所有", "（编辑：李静 责任编辑：张伟）",
           "免责声明：本网转载稿件出于传递更多信息之目的，不代表本网观点。", "扫一扫在手机打开当前页"]
COPY_SHARE = 0.02


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


def run(path: Path, count: int) -> dict:
    pool = simplified_sentences()
    rng = random.Random(11)
    s2t = opencc.OpenCC("s2t")
    db = archive.open_archive(path)
    originals: list[tuple[int, list[str]]] = []
    copy_of: dict[int, int] = {}  # article id -> id of the article it copies
    clustering = 0.0
    place = reprints.place

    def timed_place(*args, **kwargs):
        nonlocal clustering
        started = time.perf_counter()
        try:
            return place(*args, **kwargs)
        finally:
            clustering += time.perf_counter() - started

    reprints.place = timed_place  # archive.insert_article calls it through the module
    started = time.perf_counter()
    try:
        for batch in range(0, count, 1000):
            with db.atomic():
                for number in range(batch, min(count, batch + 1000)):
                    planted = len(originals) > 100 and rng.random() < COPY_SHARE
                    source_id, source_body = rng.choice(originals) if planted else (None, None)
                    body = planted_copy(rng, source_body, pool, s2t) if planted else paragraphs(rng, pool)
                    text = "\n".join(body)
                    day = f"20{rng.randint(19, 24)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}"
                    record = {"title": body[0][:30], "date": day, "month": day[:7], "body": text, "source": "bench",
                              "body_hash": archive.body_hash(text), "cleaner_version": "bench"}
                    article_id = archive.insert_article(db, record, f"https://site{number % 50}.example.cn/{number}.html",
                                                        f"site{number % 50}.example.cn", None)
                    if planted:
                        copy_of[article_id] = source_id
                    elif len(originals) < 20_000 or rng.random() < 0.1:  # bounded memory: a sample of originals
                        originals.append((article_id, body))
                        if len(originals) > 20_000:
                            originals.pop(rng.randrange(len(originals)))
    finally:
        reprints.place = place
    elapsed = time.perf_counter() - started
    cluster = dict(db.execute("SELECT id, cluster_id FROM articles"))
    found = sum(cluster[copy] == cluster[original] for copy, original in copy_of.items())
    joined = [article for article, cluster_id in cluster.items() if cluster_id != article]
    true = sum(article in copy_of and cluster[copy_of[article]] == cluster[article] for article in joined)
    db.close()
    return {"articles": count, "copies": len(copy_of), "recall": found / max(1, len(copy_of)),
            "precision": true / max(1, len(joined)), "ms_per_article": clustering / count * 1000,
            "store_ms_per_article": elapsed / count * 1000,
            "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=200_000)
    parser.add_argument("--keep", help="write the archive here instead of a temporary folder")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(args.keep) if args.keep else Path(folder) / "news.db"
        result = run(path, args.articles)
    print(f"{result['articles']:,} articles stored in {result['store_ms_per_article']:.2f} ms each "
          f"(text index and clustering included), {result['copies']:,} planted copies")
    print("reprints: " + " ".join(f"{key}={value:.4f}" if isinstance(value, float) and value < 1.5 else
                                  f"{key}={value:.1f}" if isinstance(value, float) else f"{key}={value}"
                                  for key, value in result.items() if key != "store_ms_per_article"))


if __name__ == "__main__":
    main()
