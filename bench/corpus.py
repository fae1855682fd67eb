"""Synthetic articles for the benchmarks, from sentences of the real texts at hand.

The sentence pool: the seeds, the sample articles and, when present, the gold text of
../shared/realpages. Articles are placed on the sample sites (crawler/sample) with URLs of
each site's real pattern, so the source profiles crawl them as they would the live sites.
"""

from __future__ import annotations

import json
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from crawler.clean.article import clean_page  # noqa: E402
from crawler.clean.normalize import to_simplified  # noqa: E402
from crawler.items import RawPage  # noqa: E402
from crawler.sample.site import load_yaml  # noqa: E402

# Sample sites whose list pages paginate, with a URL pattern for the n-th article of a day.
PLACES = {
    "jl_gov": "/yaowen/{ym}/t{ymd}_{n:07d}.html",
    "swt_gov": "/tzgg/{ym}/t{ymd}_{n:07d}.html",
    "cc_gov": "/zw_33994/tpxx/{ym}/t{ymd}_{n:07d}.html",
    "jl_people": "/n2/{y}/{md}/c349771-{n:08d}.html",
    "jl_cri": "/{ymd}/{n:08x}-0000-4000-8000-{n:012x}.html",
    "cnjiwang": "/jwyc/{ym}/{n:07d}.html",
}
SOURCES = ["吉林日报", "新华社", "人民网", "长春日报", "吉林省商务厅", "中国吉林网"]
NAMES = ["王晓明", "李静", "张伟", "刘洋", "陈曦", "赵磊", "孙悦", "周婷"]


def sentences() -> list[str]:
    """Sentences of article text only: the seeds as the cleaner keeps them (their raw dumps
    hold copyright and navigation lines), the sample articles' paragraphs, the gold bodies."""
    texts = [clean_page(RawPage(path.read_bytes(), headers={"content-type": "text/plain"})).body
             for path in sorted((ROOT / "seeds").glob("*.txt"))]
    texts += ["\n".join(article.get("paragraphs", [])) for article in load_yaml("articles.yml")]  # the others quote seeds
    gold = ROOT.parent / "shared" / "realpages" / "gold"
    texts += ["\n".join(json.loads(path.read_text(encoding="utf-8"))["body"]) for path in gold.glob("*.json")]
    found = {piece.strip() + "。" for text in texts for piece in re.split(r"[。\n]", text)
             if 12 <= len(piece.strip()) <= 120 and re.search(r"[\u4e00-\u9fff]{6}", piece)}
    return sorted(found)


def simplified_sentences() -> list[str]:
    return sorted({to_simplified(sentence) for sentence in sentences()})


def paragraphs(rng: random.Random, pool: list[str], chars: int = 1500) -> list[str]:
    """About `chars` characters of text in paragraphs of two to five sentences."""
    body: list[str] = []
    while sum(map(len, body)) < rng.randint(chars * 4 // 5, chars * 6 // 5):
        body.append("".join(rng.choice(pool) for _ in range(rng.randint(2, 5))))
    return body


def placed_articles(count: int, seed: int = 7) -> list[dict]:
    """`count` articles in articles.yml shape, spread over the sample sites (one each), in
    Simplified characters like the sites' own pages."""
    pool = simplified_sentences()
    rng = random.Random(seed)
    articles = []
    for number in range(count):
        site = list(PLACES)[number % len(PLACES)]
        y, m, d = 2024 - number % 3, 1 + number % 12, 1 + number % 28
        date = f"{y}-{m:02d}-{d:02d} {8 + number % 10:02d}:{number % 60:02d}:00"
        path = PLACES[site].format(ym=f"{y}{m:02d}", ymd=f"{y}{m:02d}{d:02d}", y=y, md=f"{m:02d}{d:02d}", n=number + 1)
        articles.append({
            "id": f"bench-{number}", "title": rng.choice(pool)[:28].rstrip("。，"), "date": date,
            "source": rng.choice(SOURCES), "editor": rng.choice(NAMES), "author": rng.choice(NAMES),
            "paragraphs": paragraphs(rng, pool), "published": [{"site": site, "path": path}],
        })
    return articles
