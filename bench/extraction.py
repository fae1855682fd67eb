"""Extraction quality and cost: newsarchive's cleaner beside trafilatura, in one run.

Two page sets:
  * ../shared/realpages (87 real pages with hand-made gold, not shipped), when present, scored
    by its own score.py for both extractors, in the halves of bench/realpages_split.toml: the
    study half (the sites the rules were written against, the first 20 pages among them; those
    20 also on their own, as the gate has them) and the check half (every other site);
  * the project's own fixtures: every article page of the bundled sample sites (GBK, Big5,
    mislabelled UTF-8, split articles, e-paper), gold taken from crawler/sample/articles.yml,
    cleaned generically (no source profile) so the generic path is what is measured.
Cost: median milliseconds per page over all the real pages (or the fixtures), both
extractors timed round-robin in this process. Run:

    .venv/bin/python bench/extraction.py

Final line: `extraction: realpages_f1=… trafilatura_f1=… leaky=… title=… date=… meta=…
study_f1=… check_f1=… check_leaky=… check_meta=… trafilatura_check_f1=… fixtures_f1=…
trafilatura_fixtures_f1=… ms_per_page=… trafilatura_ms_per_page=… cost_ratio=…` (realpages_*,
leaky, title, date, meta: the first 20 pages).
"""

from __future__ import annotations

import collections
import re
import statistics
import subprocess
import sys
import tempfile
import time
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import trafilatura  # noqa: E402

from crawler.clean.article import clean_page  # noqa: E402
from crawler.clean.decode import decode  # noqa: E402
from crawler.clean.normalize import halfwidth, to_simplified  # noqa: E402
from crawler.items import RawPage  # noqa: E402
from crawler.sample.site import SampleSite, _blocks  # noqa: E402

REALPAGES = ROOT.parent / "shared" / "realpages"
SPLIT = ROOT / "bench" / "realpages_split.toml"
NEWSARCHIVE = Path(sys.executable).with_name("newsarchive")
ROUNDS = 3
EXTRACTORS = {"ours": f"cmd:{NEWSARCHIVE} clean --json", "trafilatura": "trafilatura"}


def page_sets() -> dict[str, list[str]]:
    """Page ids of the first 20 pages, the study half and the check half."""
    split = tomllib.loads(SPLIT.read_text(encoding="utf-8"))
    return {"originals": split["originals"], "study": split["originals"] + split["study"], "check": split["check"]}


def page_file(page_id: str, kind: str) -> Path:
    """A real page ('pages', .html) or its gold ('gold', .json), in either folder."""
    name = f"{page_id}.{'html' if kind == 'pages' else 'json'}"
    first = REALPAGES / kind / name
    return first if first.exists() else REALPAGES / "more" / kind / name


def realpages_scores(ids: list[str], extractors: dict[str, str] = EXTRACTORS) -> dict[str, str]:
    """The scorer's summary line over these pages for each extractor, keyed like `extractors`
    (tests/test_realpages_gate.py scores ours alone)."""
    lines = {}
    with tempfile.TemporaryDirectory() as folder:
        for kind in ("pages", "gold"):
            (Path(folder) / kind).mkdir()
            for page_id in ids:
                (Path(folder) / kind / page_file(page_id, kind).name).symlink_to(page_file(page_id, kind))
        for key, extractor in extractors.items():
            result = subprocess.run([sys.executable, str(REALPAGES / "score.py"), "--pages", f"{folder}/pages",
                                     "--gold", f"{folder}/gold", "--extractor", extractor],
                                    capture_output=True, text=True, cwd=ROOT, check=True)
            lines[key] = result.stdout.strip().splitlines()[-1]
    return lines


def figure(line: str, name: str) -> str:
    return re.search(rf"{name}=([\d.]+)", line).group(1)


def fixture_pages() -> list[tuple[str, list[bytes], str, list[str]]]:
    """(url, page bytes, content type, gold paragraphs) for each sample article placement:
    every page of a split article, and the Big5 mirror pages as articles of their own."""
    site = SampleSite()
    fixtures = []
    for article in site.articles:
        gold = [to_simplified(halfwidth(block["text"])) for block in _blocks(article) if "text" in block]
        for spot in article["published"]:
            base = site.sites[spot["site"]]["base"]
            pages = site.article_pages(article, spot)
            fixtures.append((base + spot["path"], [page.body for page in pages],
                             pages[0].headers.get("Content-Type"), gold))
            if spot.get("big5"):
                mirror = site.page(base.split("//")[1], "/BIG5" + spot["path"])
                fixtures.append((base + "/BIG5" + spot["path"], [mirror.body], mirror.headers.get("Content-Type"), gold))
    return fixtures


def bigram_f1(predicted: str, gold: str) -> float:
    grams = lambda text: collections.Counter(text[i:i + 2] for i in range(len(text) - 1))  # noqa: E731
    squeeze = lambda text: re.sub(r"\s+", "", halfwidth(to_simplified(text or "")))  # noqa: E731
    p, g = grams(squeeze(predicted)), grams(squeeze(gold))
    overlap = sum((p & g).values())
    if not overlap:
        return 0.0
    precision, recall = overlap / sum(p.values()), overlap / sum(g.values())
    return 2 * precision * recall / (precision + recall)


def ours(url, bodies, content_type) -> str:
    """newsarchive's generic path (no source profile); further pages of a split article too."""
    headers = {"content-type": content_type} if content_type else {}
    pages = [RawPage(body, url, headers=headers) for body in bodies]
    pages[0].parts = pages[1:]
    try:
        return clean_page(pages[0]).body
    except ValueError:
        return ""


def theirs(url, bodies, content_type) -> str:
    return "\n".join(trafilatura.extract(decode(body, content_type)[0]) or "" for body in bodies)


def fixture_scores(pages) -> tuple[float, float]:
    mine = statistics.mean(bigram_f1(ours(u, b, c), "\n".join(g)) for u, b, c, g in pages)
    base = statistics.mean(bigram_f1(theirs(u, b, c), "\n".join(g)) for u, b, c, g in pages)
    return mine, base


def timing(pages) -> tuple[float, float]:
    """Median ms per page of each extractor: per page the median of ROUNDS, round-robin."""
    per_page = {"ours": [], "theirs": []}
    for url, body, content_type in pages:
        samples = {"ours": [], "theirs": []}
        for _ in range(ROUNDS):
            for name, function in (("ours", ours), ("theirs", theirs)):
                started = time.perf_counter()
                function(url, body, content_type)
                samples[name].append((time.perf_counter() - started) * 1000)
        for name in per_page:
            per_page[name].append(statistics.median(samples[name]))
    return statistics.median(per_page["ours"]), statistics.median(per_page["theirs"])


def main() -> None:
    fixtures = fixture_pages()
    fixtures_f1, trafilatura_fixtures_f1 = fixture_scores(fixtures)
    if (REALPAGES / "score.py").exists():
        sets = page_sets()
        scores = {name: realpages_scores(ids) for name, ids in sets.items()}
        lines = scores["originals"]
        timed = [(None, [page_file(page_id, "pages").read_bytes()], None) for page_id in sets["study"] + sets["check"]]
        print("| pages | extractor | body F1 | pages leaking boilerplate | title | date | source/author/editor |")
        print("| --- | --- | --- | --- | --- | --- | --- |")
        for name, ids in sets.items():
            for key, extractor in (("trafilatura", f"trafilatura {trafilatura.__version__}"), ("ours", "newsarchive")):
                line = scores[name][key]
                print(f"| {name} ({len(ids)}) | {extractor} | {figure(line, 'F1')} | {figure(line, 'leaky_docs')} | "
                      f"{figure(line, 'title')} | {figure(line, 'date')} | {figure(line, 'source/author/editor')} |")
    else:
        scores, lines, timed = None, None, [(u, b, c) for u, b, c, _ in fixtures]
    mine_ms, theirs_ms = timing(timed)
    print(f"own fixtures ({len(fixtures)} sample-site articles incl. split and Big5 ones, generic path): "
          f"newsarchive F1 {fixtures_f1:.3f}, trafilatura F1 {trafilatura_fixtures_f1:.3f}")
    print(f"median ms per page over {len(timed)} pages: newsarchive {mine_ms:.1f}, trafilatura.extract {theirs_ms:.1f}")
    real = (f"realpages_f1={figure(lines['ours'], 'F1')} trafilatura_f1={figure(lines['trafilatura'], 'F1')} "
            f"leaky={figure(lines['ours'], 'leaky_docs')} title={figure(lines['ours'], 'title')} "
            f"date={figure(lines['ours'], 'date')} meta={figure(lines['ours'], 'source/author/editor')} "
            f"study_f1={figure(scores['study']['ours'], 'F1')} check_f1={figure(scores['check']['ours'], 'F1')} "
            f"check_leaky={figure(scores['check']['ours'], 'leaky_docs')} "
            f"check_meta={figure(scores['check']['ours'], 'source/author/editor')} "
            f"trafilatura_check_f1={figure(scores['check']['trafilatura'], 'F1')} ") if lines else ""
    print(f"extraction: {real}fixtures_f1={fixtures_f1:.3f} trafilatura_fixtures_f1={trafilatura_fixtures_f1:.3f} "
          f"ms_per_page={mine_ms:.1f} trafilatura_ms_per_page={theirs_ms:.1f} cost_ratio={mine_ms / theirs_ms:.2f}")


if __name__ == "__main__":
    main()
