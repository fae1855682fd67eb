"""Reprint clusters: near-duplicate copies of a story join one cluster, other stories do not."""

from __future__ import annotations

import json
import shutil
import sqlite3
import urllib.request

import opencc
import pytest
import yaml
from conftest import ROOT, run_cli

from crawler.clean.normalize import to_simplified
from crawler.dedupe import rebuild as rebuilding
from crawler.dedupe.minhash import SAME_STORY, SIGNATURE_SCHEME
from crawler.store.articles import ArchiveKeys, insert_article, update_article
from crawler.store.schema import open_archive

ARTICLES = {a["id"]: a for a in yaml.safe_load((ROOT / "crawler" / "sample" / "articles.yml").read_text(encoding="utf-8"))}
STOCK = "坚持以新时代中国特色社会主义思想为指导，推动高质量发展，持续优化营商环境，奋力谱写吉林振兴新篇章。"


def seed_body() -> list[str]:
    lines = (ROOT / "seeds" / "000_2dc522f39328b82f.txt").read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines[6:63] if len(line.strip()) > 20]


def store(db, body: list[str], number: int, site: str = "example.gov.cn", date: str = "2023-04-12") -> int:
    text = "\n".join(body)
    keys = ArchiveKeys.of(body[0][:20], text)
    record = {"title": body[0][:20], "date": date, "month": date[:7], "body": text, "source": "bench",
              "body_hash": keys.body_hash, "cleaner_version": "test"}
    with db.atomic():
        return insert_article(db, record, keys, f"https://{site}/{number}.html", site, None)


def rewrite(db, article_id: int, body: list[str]) -> None:
    """Give an article another body, as a reclean or a revision does."""
    title, text = db["articles"].get(article_id)["title"], "\n".join(body)
    keys = ArchiveKeys.of(title, text)
    with db.atomic():
        update_article(db, article_id, {"title": title, "body": text, "body_hash": keys.body_hash}, keys)


def cluster_of(db, article_id: int) -> int:
    return db.execute("SELECT cluster_id FROM articles WHERE id = ?", [article_id]).fetchone()[0]


@pytest.fixture
def db(tmp_path):
    return open_archive(tmp_path / "news.db")


def test_copies_with_chrome_a_trimmed_paragraph_or_traditional_script_join_the_original(db):
    body = seed_body()
    original = store(db, body, 1, "www.jl.gov.cn", "2023-04-12")
    chrome = ["来源：吉林日报 发布时间：2023-04-12 09:09 字号：大 中 小 打印本页"] + body + \
             ["责任编辑：邵守志", "主办单位：吉林省人民政府办公厅 版权所有"]
    trimmed = body[:3] + body[4:]
    edited = [paragraph.replace("开发区", "开发区域", 1) for paragraph in body]
    traditional = [to_simplified(opencc.OpenCC("s2t").convert(paragraph)) for paragraph in body[:-1]]
    copies = [store(db, copy, n, f"site{n}.example.cn", "2023-04-13")
              for n, copy in enumerate((chrome, trimmed, edited, traditional), 2)]
    assert [cluster_of(db, copy) for copy in copies] == [original] * 4
    cluster = db["clusters"].get(original)
    assert cluster["articles"] == 5 and cluster["sites"] == 5 and cluster["original_id"] == original
    assert all(SAME_STORY <= db["articles"].get(copy)["similarity"] <= 1 for copy in copies)


def test_different_stories_on_one_topic_stay_apart(db):
    """Stock phrases (高质量发展, 营商环境) and a shared topic do not make two stories one."""
    first = store(db, ARTICLES["kfq-push-meeting"]["paragraphs"] + [STOCK], 1)
    second = store(db, ARTICLES["changchun-new-area"]["paragraphs"] + [STOCK], 2)
    third = store(db, seed_body() + [STOCK], 3)
    assert len({cluster_of(db, first), cluster_of(db, second), cluster_of(db, third)}) == 3
    assert db.execute("SELECT count(*) FROM clusters WHERE articles > 1").fetchone()[0] == 0


def test_cluster_ids_stay_across_inserts_revisions_and_rebuilds(db):
    body = seed_body()
    original = store(db, body, 1)
    unrelated = store(db, ARTICLES["kfq-push-meeting"]["paragraphs"], 2)
    copy = store(db, body[1:], 3, "site3.example.cn")
    assert cluster_of(db, copy) == original
    later = store(db, body + ["（责任编辑：刘畅）"], 4, "site4.example.cn")  # matches both copies: joins, ids unchanged
    assert cluster_of(db, later) == original and cluster_of(db, copy) == original
    rewrite(db, copy, body[2:])  # a reclean or revision changes a copy's body a little: it stays
    assert cluster_of(db, copy) == original
    rewrite(db, later, ARTICLES["q1-foreign-trade"]["paragraphs"])  # a different story: a cluster of its own
    assert cluster_of(db, later) == later and db["clusters"].get(original)["articles"] == 2
    before = db.execute("SELECT id, cluster_id FROM articles ORDER BY id").fetchall()
    rebuilding.rebuild(db)
    assert db.execute("SELECT id, cluster_id FROM articles ORDER BY id").fetchall() == before
    assert cluster_of(db, unrelated) == unrelated


def test_rebuild_in_worker_processes_gives_the_clusters_of_a_rebuild_in_one(served_archive, tmp_path, monkeypatch):
    """The sample crawl plus the seeds: the archive whose seed copies join crawled stories."""
    shutil.copy(served_archive[1], tmp_path / "news.db")
    db = open_archive(tmp_path / "news.db")
    rebuilding.rebuild(db, workers=0)

    def state():
        return (db.execute("SELECT id, cluster_id, similarity FROM articles ORDER BY id").fetchall(),
                db.execute("SELECT * FROM clusters ORDER BY id").fetchall(),
                db.execute("SELECT * FROM article_bands ORDER BY article_id, band").fetchall())

    in_one = state()
    assert len(in_one[0]) > 10 and any(articles > 1 for _id, _original, _title, _date, articles, *_ in in_one[1])
    monkeypatch.setattr(rebuilding, "REBUILD_CHUNK", 3)  # many jobs, results placed in order
    counted = []
    rebuilding.rebuild(db, counted.append, workers=2)
    assert state() == in_one
    assert sum(counted) == len(in_one[0])


def test_dedupe_rebuild_command(archive_copy):
    result = run_cli("dedupe", "--rebuild", "--db", str(archive_copy))
    db = sqlite3.connect(archive_copy)
    articles = db.execute("SELECT count(*) FROM articles").fetchone()[0]
    assert f"dedupe: {articles} articles in" in result.stdout
    assert db.execute("SELECT count(*) FROM articles WHERE cluster_id IS NULL").fetchone()[0] == 0


def test_signatures_of_an_older_scheme_ask_for_a_rebuild(archive_copy, tmp_path):
    db = sqlite3.connect(archive_copy)
    with db:
        db.execute("UPDATE archive_meta SET value = 'chars5-sha1/affine32/128' WHERE key = 'signature_scheme'")
    db.close()
    reclean = ("reclean", "--db", str(archive_copy), "--seeds", str(tmp_path))
    assert "until `newsarchive dedupe --rebuild`" in run_cli(*reclean).stderr
    run_cli("dedupe", "--rebuild", "--db", str(archive_copy))
    assert "dedupe --rebuild" not in run_cli(*reclean).stderr
    stamped = sqlite3.connect(archive_copy).execute(
        "SELECT value FROM archive_meta WHERE key = 'signature_scheme'").fetchall()
    assert stamped == [(SIGNATURE_SCHEME,)]


def test_articles_from_before_reprint_clusters_ask_for_a_rebuild(archive_copy, tmp_path):
    """An archive upgraded from a version without reprint signatures: its articles are in no
    cluster, and every run says so until `dedupe --rebuild` places them."""
    db = sqlite3.connect(archive_copy)
    with db:
        for table in ("article_signatures", "article_bands", "archive_meta", "clusters"):
            db.execute(f"DELETE FROM {table}")
        db.execute("UPDATE articles SET cluster_id = NULL")
    db.close()
    reclean = ("reclean", "--db", str(archive_copy), "--seeds", str(tmp_path))
    assert "until `newsarchive dedupe --rebuild`" in run_cli(*reclean).stderr
    assert "until `newsarchive dedupe --rebuild`" in run_cli(*reclean).stderr  # not stamped away
    run_cli("dedupe", "--rebuild", "--db", str(archive_copy))
    assert "dedupe --rebuild" not in run_cli(*reclean).stderr
    assert sqlite3.connect(archive_copy).execute("SELECT count(*) FROM articles WHERE cluster_id IS NULL").fetchone()[0] == 0


def test_an_interrupted_rebuild_asks_for_another(archive_copy, tmp_path, monkeypatch):
    db = open_archive(archive_copy)
    monkeypatch.setattr(rebuilding, "REBUILD_CHUNK", 3)

    def interrupt(count):
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        rebuilding.rebuild(db, interrupt, workers=0)
    assert db.execute("SELECT count(*) FROM articles WHERE cluster_id IS NULL").fetchone()[0] > 0
    db.close()
    reclean = ("reclean", "--db", str(archive_copy), "--seeds", str(tmp_path))
    assert "until `newsarchive dedupe --rebuild`" in run_cli(*reclean).stderr
    run_cli("dedupe", "--rebuild", "--db", str(archive_copy))
    assert "dedupe --rebuild" not in run_cli(*reclean).stderr
    db = sqlite3.connect(archive_copy)
    assert db.execute("SELECT count(*) FROM articles WHERE cluster_id IS NULL").fetchone()[0] == 0


def test_archive_shows_reprints_and_how_a_copy_differs(served_archive):
    """Seed 003 is the text dump of a jilin.china.com.cn story with its photo captions left
    in: not the same body, so its own article, but the same story."""
    base, db_path = served_archive
    db = sqlite3.connect(db_path)
    seed, cluster = db.execute("SELECT a.id, a.cluster_id FROM articles a JOIN article_urls u ON u.article_id = a.id "
                               "WHERE u.url LIKE 'seed:003%'").fetchone()
    original = db.execute("SELECT id, url FROM articles WHERE id = ?", [cluster]).fetchone()
    assert original[0] != seed and original[1].startswith("http://jilin.china.com.cn/")
    with urllib.request.urlopen(f"{base}/news/articles/{seed}", timeout=30) as response:
        page = response.read().decode()
    assert "同一报道的其他版本 (1 篇, 1 个网站)" in page and original[1] in page  # the seeds folder is no site
    assert "与原文的不同" in page and "增加: " in page


def test_the_reprints_page_lists_every_story_on_two_or_more_sites(served_archive):
    """Whichever way a copy joined (an identical body: one more URL of the article; a near
    copy: one more article of the cluster), `sites` counts the distinct real sites; seed
    files are none."""
    base, db_path = served_archive
    db = sqlite3.connect(db_path)
    hosts: dict[int, set[str]] = {}
    for cluster, url in db.execute("SELECT a.cluster_id, u.url FROM articles a JOIN article_urls u ON u.article_id = a.id"):
        if url.startswith("http"):
            hosts.setdefault(cluster, set()).add(url.split("/")[2])
    expected = {cluster: len(sites) for cluster, sites in hosts.items() if len(sites) > 1}
    with urllib.request.urlopen(f"{base}/news/reprints.json?_shape=objects", timeout=30) as response:
        rows = json.load(response)["rows"]
    clusters = {db.execute("SELECT cluster_id FROM articles WHERE id = ?", [row["id"]]).fetchone()[0]: row["sites"]
                for row in rows}
    assert clusters == expected and len(expected) >= 2
    assert db.execute("SELECT count(*) FROM articles WHERE site = 'seeds' OR (url LIKE 'seed:%' AND site IS NOT NULL)"
                      ).fetchone()[0] == 0
