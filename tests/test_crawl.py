"""`newsarchive crawl --sample`: real Scrapy over loopback into a real SQLite archive."""

from __future__ import annotations

import fcntl
import json
import os
import re
import sqlite3
import subprocess

import pytest

from conftest import NEWSARCHIVE, ROOT, run_cli

KEYWORDS_ARTICLE = {  # seed 000's text: a jl.gov.cn article reprinted by people.com.cn, also in BIG5
    "https://www.jl.gov.cn/yaowen/202304/t20230412_2991234.html",
    "http://jl.people.com.cn/n2/2023/0412/c349771-40375012.html",
    "http://jl.people.com.cn/BIG5/n2/2023/0412/c349771-40375012.html",
}
TASK_FORCE_ARTICLE = {  # seed 004's text: a jl.cri.cn article reprinted by jilin.china.com.cn
    "https://jl.cri.cn/20190709/7c8d1e46-5a2b-4e0f-9b1c-2f3a4b5c6d7e.html",
    "http://jilin.china.com.cn/2019-07/10/content_40815524.html",
}


@pytest.fixture(scope="module")
def db(crawled):
    connection = sqlite3.connect(crawled)
    connection.row_factory = sqlite3.Row
    yield connection
    connection.close()


def urls_of(db, url: str) -> set[str]:
    rows = db.execute(
        "SELECT url FROM article_urls WHERE article_id = (SELECT article_id FROM article_urls WHERE url = ?)", [url]
    ).fetchall()
    return {row["url"] for row in rows}


def test_every_family_archived(db):
    per_site = dict(db.execute(
        "SELECT substr(url, instr(url, '//') + 2, instr(substr(url, instr(url, '//') + 2), '/') - 1) AS host, "
        "count(DISTINCT article_id) FROM article_urls GROUP BY host").fetchall())
    assert per_site == {"www.jl.gov.cn": 10, "jl.people.com.cn": 7, "jl.cri.cn": 5, "jilin.china.com.cn": 4,
                        "epaper.changchunews.com": 3, "swt.jl.gov.cn": 2, "www.changchun.gov.cn": 2,
                        "news.cnjiwang.com": 2}
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == 33


@pytest.mark.parametrize("expected", [KEYWORDS_ARTICLE, TASK_FORCE_ARTICLE])
def test_reprints_are_one_article_with_several_urls(db, expected):
    assert urls_of(db, next(iter(expected))) == expected


def test_reprint_bodies_agree_across_chrome(db):
    row = db.execute("SELECT a.* FROM articles a JOIN article_urls u ON u.article_id = a.id WHERE u.url = ?",
                     [sorted(KEYWORDS_ARTICLE)[-1]]).fetchone()
    assert row["title"] == "从三组关键词看吉林省开发区建设"
    assert row["body"].startswith("春光明媚,天气晴好。") and row["body"].endswith("(记者 张雅静)")
    assert json.loads(row["captions"])[0].endswith("刘剑锋 摄")


def test_traditional_mirror_stored_simplified(db):
    row = db.execute("SELECT * FROM articles WHERE url = 'http://jl.people.com.cn/n2/2022/1012/c349771-40135871.html'").fetchone()
    assert row["script"] == "zh-Hant"
    assert row["title"] == "【视频】e起点赞长春这十年|区县领导访谈·经开区"
    assert "经开区始终把学习贯彻落实" in row["body"] and "經開區" not in row["body"]
    assert "經開區始終把學習貫徹落實" in row["body_original"]
    assert row["editor"] == "马俊华、谢龙"


def test_gbk_pages_decoded(db):
    charsets = dict(db.execute("SELECT source, group_concat(DISTINCT charset) FROM pages WHERE status = 200 GROUP BY source"))
    assert charsets["jl_gov_yaowen"] == "gb18030"
    assert "big5hkscs" in charsets["jl_people"]


def test_layout_and_list_pages_are_not_articles(db):
    assert db.execute("SELECT count(*) FROM pages WHERE url LIKE '%/layout/%' OR url LIKE '%index%'").fetchone()[0] == 0


def test_bad_input_recorded_without_stopping_the_crawl(db):
    errors = db.execute("SELECT url, stage, error FROM errors").fetchall()
    text = "\n".join(f"{row['url']} {row['stage']} {row['error']}" for row in errors)
    assert "000000000404.html fetch HTTP 404" in text
    assert "redirect loop:" in text
    assert "20000000-0000-4000-8000-000000000000.html clean DecodeError: binary content" in text
    assert "30000000-0000-4000-8000-000000000000.html clean EmptyArticle" in text


def test_crawl_run_recorded(db):
    run = db.execute("SELECT * FROM crawl_runs").fetchone()
    assert run["status"] == "ok" and run["exit_code"] == 0
    assert run["new_articles"] == 33 and run["errors"] >= 4 and run["requests"] > 50
    per_source = json.loads(run["sources"])
    assert per_source["jl_cri"]["new"] == 4 and per_source["jl_cri"]["status"] == "ok"


def test_every_fetched_page_keeps_its_whole_exchange(db):
    """Full capture (for WARC): request method and headers as sent, protocol, every response
    header as received, the fetch time to the millisecond, the peer's IP."""
    pages = db.execute("SELECT * FROM pages").fetchall()
    assert pages and all(page["response_headers"] for page in pages)
    for page in pages:
        sent, received = json.loads(page["request_headers"]), json.loads(page["response_headers"])
        assert page["method"] == "GET" and page["protocol"].startswith("HTTP/1.") and page["peer_ip"] == "127.0.0.1"
        assert any(name == "User-Agent" and value.startswith("newsarchive/") for name, value in sent)
        assert [value for name, value in received if name == "Content-Type"] == [page["content_type"]]
        assert any(name == "Date" for name, _ in received) and re.search(r"T\d\d:\d\d:\d\d\.\d{3}\+08:00$",
                                                                          page["fetched_at"])


def test_an_archive_from_before_full_capture_gains_it_in_place(archive_copy):
    """Its pages lose nothing: the new columns are added, old rows keep NULL there and are
    recleaned as before, and the next crawl's pages are captured in full."""
    import sqlite_utils

    old = sqlite_utils.Database(archive_copy)
    old["pages"].transform(drop={"method", "request_headers", "protocol", "response_headers", "peer_ip"})
    old.conn.close()
    run_cli("reclean", "--all", "--db", str(archive_copy), "--workers", "0")
    db = sqlite3.connect(archive_copy)
    assert db.execute("SELECT count(*), count(response_headers) FROM pages").fetchone()[1] == 0
    assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    for statement in ("DELETE FROM cleaned_pages WHERE page_id IN (SELECT id FROM pages WHERE url LIKE '%jl.cri.cn%')",
                      "DELETE FROM pages WHERE url LIKE '%jl.cri.cn%'",
                      "DELETE FROM article_urls WHERE url LIKE '%jl.cri.cn%'",
                      "DELETE FROM list_pages WHERE url LIKE '%jl.cri.cn%'"):  # the next crawl fetches these again
        db.execute(statement)
    db.commit()
    run_cli("crawl", "--sample", "--db", str(archive_copy), check=False)
    assert db.execute("SELECT count(response_headers) FROM pages WHERE url LIKE '%jl.cri.cn%'").fetchone()[0] > 0


def test_second_crawl_adds_nothing(archive_copy):
    before = sqlite3.connect(archive_copy).execute("SELECT count(*) FROM articles").fetchone()[0]
    result = run_cli("crawl", "--sample", "--db", str(archive_copy))
    assert "0 new articles" in result.stdout
    db = sqlite3.connect(archive_copy)
    assert db.execute("SELECT count(*) FROM articles").fetchone()[0] == before
    assert db.execute("SELECT count(*) FROM article_urls").fetchone()[0] == db.execute(
        "SELECT count(DISTINCT url) FROM article_urls").fetchone()[0]
    assert db.execute("SELECT count(*) FROM crawl_runs").fetchone()[0] == 2


def test_one_named_source(tmp_path):
    db_path = tmp_path / "news.db"
    result = run_cli("crawl", "jl_cri", "--sample", "--db", str(db_path))
    assert "1 sources" in result.stdout
    assert sqlite3.connect(db_path).execute("SELECT DISTINCT source FROM articles").fetchall() == [("jl_cri",)]


def test_a_running_crawl_locks_out_a_second(tmp_path):
    db_path = tmp_path / "news.db"
    with open(f"{db_path}.lock", "w") as holder:
        fcntl.flock(holder, fcntl.LOCK_EX | fcntl.LOCK_NB)
        holder.write("4242")
        holder.flush()
        result = run_cli("crawl", "--sample", "--db", str(db_path), check=False)
    assert result.returncode == 75
    assert result.stdout.splitlines()[-1].startswith("crawl not started: another run (pid 4242)")
    assert not db_path.exists()  # nothing was written, not even the schema


def test_unknown_source_is_a_clear_error(tmp_path):
    result = run_cli("crawl", "no_such_source", "--sample", "--db", str(tmp_path / "news.db"), check=False)
    assert result.returncode != 0
    assert "unknown source(s): no_such_source" in result.stdout + result.stderr


def test_log_level_is_obeyed_and_each_record_printed_once(tmp_path):
    """What cron mails: at WARNING, the errors (each once) and nothing chattier."""
    result = run_cli("crawl", "jl_cri", "--sample", "--db", str(tmp_path / "news.db"),
                     env={"NEWSARCHIVE_LOG_LEVEL": "WARNING"})
    lines = [line for line in result.stderr.splitlines() if line.startswith("20")]  # records, not continuations
    errors = [line.split(" ", 2)[2] for line in lines if "ERROR" in line]  # without the timestamp
    assert any("failed: HTTP 404" in error for error in errors)
    assert len(errors) == len(set(errors))
    assert not [line for line in lines if " DEBUG" in line or " INFO" in line or "] INFO" in line]


def test_a_crawl_opens_its_archive_once(archive_copy):
    """Opening checks the schema and warns about stale reprint signatures: one crawl, one
    warning (the spider, pipeline, run log and runner share one connection)."""
    db = sqlite3.connect(archive_copy)
    with db:
        db.execute("UPDATE archive_meta SET value = 'chars5-sha1/affine32/128' WHERE key = 'signature_scheme'")
    result = run_cli("crawl", "--sample", "jl_cri", "--db", str(archive_copy))
    assert result.stderr.count("until `newsarchive dedupe --rebuild`") == 1
    assert result.stdout.startswith("crawl run 2 (normal+replica): ok")  # its own run's row, not an older one


@pytest.mark.parametrize("args, env, says", [
    (["no_such_source"], {}, "unknown source(s): no_such_source; known: jl_gov_yaowen"),
    (["--sample", "jl_cri"], {"NEWSARCHIVE_CLEAN_FUNCTION": "nowhere.clean"}, "cannot use the cleaning function 'nowhere.clean'"),
])
def test_a_crawl_that_cannot_start_says_why_and_exits_2(archive_copy, args, env, says):
    """Not the previous run's summary with exit 0, nor tracebacks: one line, exit 2."""
    runs_before = sqlite3.connect(archive_copy).execute("SELECT count(*) FROM crawl_runs").fetchone()[0]
    result = run_cli("crawl", "--db", str(archive_copy), *args, check=False, env=env)
    assert result.returncode == 2
    assert says in result.stderr and "Traceback" not in result.stderr and result.stdout == ""
    assert sqlite3.connect(archive_copy).execute("SELECT count(*) FROM crawl_runs").fetchone()[0] == runs_before


@pytest.mark.parametrize("command", [["crawl", "--sample", "jl_cri"], ["reclean"], ["dedupe", "--rebuild"],
                                     ["serve"], ["sources"]])
def test_a_damaged_archive_stops_every_command_with_one_line(archive_copy, command):
    """A file that is no longer a database: one line naming it and the way out, exit 1, no
    traceback, and nothing written."""
    with open(archive_copy, "r+b") as handle:
        handle.write(b"not a database any more" * 4)
    damaged = archive_copy.read_bytes()
    result = run_cli(*command[:1], "--db", str(archive_copy), *command[1:], check=False, timeout=120)
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert f"the archive {archive_copy} cannot be used (file is not a database)" in result.stderr
    assert archive_copy.read_bytes() == damaged


def test_no_remote_control_or_telnet_endpoint_is_opened(tmp_path):
    """Scrapy's RemoteControl (code execution over a localhost port) and telnet console are
    off in every crawl."""
    result = run_cli("crawl", "--sample", "--db", str(tmp_path / "news.db"), "jl_cri",
                     env={"NEWSARCHIVE_LOG_LEVEL": "INFO"})
    assert "Remote control HTTP server listening" not in result.stderr
    assert "scrapy.extensions.remote_control" not in result.stderr and "Telnet console listening" not in result.stderr


def test_a_sample_crawl_never_writes_the_real_archive(tmp_path):
    """Replica pages sit under the real sites' URLs: `crawl --sample` (and demo) write
    archive/demo.db, never archive/news.db."""
    subprocess.run([str(NEWSARCHIVE), "crawl", "--sample", "jl_cri"], cwd=tmp_path, check=True,
                   capture_output=True, timeout=300, env={k: v for k, v in os.environ.items() if k != "NEWSARCHIVE_DB"})
    assert (tmp_path / "archive" / "demo.db").exists() and not (tmp_path / "archive" / "news.db").exists()


def test_a_sample_crawl_refuses_an_archive_of_real_crawls(archive_copy):
    """Replica pages sit under the real sites' URLs: `--sample --db` an archive that real
    crawls wrote is refused (exit 2) and the archive is left as it was."""
    with sqlite3.connect(archive_copy) as db:
        assert db.execute("SELECT count(*) FROM crawl_runs WHERE mode = 'normal+replica'").fetchone()[0] == 1
        db.execute("UPDATE crawl_runs SET mode = 'normal'")  # as a crawl of the real sites records it
    before = archive_copy.read_bytes()
    result = run_cli("crawl", "--sample", "jl_cri", "--db", str(archive_copy), check=False)
    assert result.returncode == 2 and "refusing to crawl the sample sites into" in result.stderr
    assert archive_copy.read_bytes() == before


def test_scrapy_crawl_exports_its_items(tmp_path):
    """`scrapy crawl news -O pages.jsonl` writes every item (page bodies as base64) instead of
    one line and a TypeError about bytes."""
    import base64

    from crawler.sample.server import SampleServer

    with SampleServer() as server:
        env = {**os.environ, "NEWSARCHIVE_REPLICA_PROXY": server.url, "NEWSARCHIVE_DB": str(tmp_path / "news.db")}
        result = subprocess.run([str(NEWSARCHIVE.with_name("scrapy")), "crawl", "news", "-a", "source=jl_cri",
                                 "-O", str(tmp_path / "pages.jsonl")], cwd=ROOT, env=env, capture_output=True,
                                text=True, timeout=300)
    assert result.returncode == 0 and "TypeError" not in result.stderr
    items = [json.loads(line) for line in (tmp_path / "pages.jsonl").read_text().splitlines()]
    pages = [item for item in items if "body" in item]
    assert len(pages) >= 5
    assert any(b"<html" in base64.b64decode(page["body"]).lower() for page in pages)


def _scrapy_crawl(db_path, proxy: str, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "NEWSARCHIVE_REPLICA_PROXY": proxy, "NEWSARCHIVE_DB": str(db_path), **(env or {})}
    return subprocess.run([str(NEWSARCHIVE.with_name("scrapy")), "crawl", "news", *args], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def _rows(db_path) -> dict:
    """What a crawl of the sample archives, apart from network order: which site's copy of a
    reprint arrives first (and so is the article's source and counts as new), and which URL
    of the redirect loop a→b→a the duplicate filter stops (one or two errors rows)."""
    db = sqlite3.connect(db_path)
    run = db.execute("SELECT status, exit_code, mode, requests, new_articles FROM crawl_runs").fetchall()
    filed = ("new", "reprint", "same")
    return {
        "runs": run,
        "articles": sorted(db.execute("SELECT title, date, body_hash FROM articles").fetchall()),
        "urls": {url for (url,) in db.execute("SELECT url FROM article_urls")},
        "pages": db.execute("SELECT count(*), count(DISTINCT url) FROM pages").fetchone(),
        "errors": sorted(db.execute("SELECT url, stage FROM errors WHERE error NOT LIKE 'redirect loop%'").fetchall()),
        "per_source": [{name: (counts["status"], sum(counts[key] for key in filed)) for name, counts in json.loads(row).items()}
                       for (row,) in db.execute("SELECT sources FROM crawl_runs")],
    }


def test_scrapy_crawl_news_is_the_same_crawl(crawled, tmp_path):
    """`scrapy crawl news` and `newsarchive crawl --sample` give the same run row, articles,
    pages and errors, and end alike (summary line last, exit code of the run)."""
    from crawler.sample.server import SampleServer

    with SampleServer() as server:
        result = _scrapy_crawl(tmp_path / "news.db", server.url)
    mine, theirs = _rows(tmp_path / "news.db"), _rows(crawled)
    assert mine == theirs
    assert result.returncode == theirs["runs"][0][1] == 0, result.stderr[-3000:]
    assert result.stdout.splitlines()[-1].startswith("crawl run 1 (normal+replica): ok, 8 sources")


def test_scrapy_crawl_news_takes_the_archives_lock(tmp_path):
    from crawler.store.lock import archive_lock

    db_path = tmp_path / "news.db"
    with archive_lock(db_path, "reclean"):
        result = _scrapy_crawl(db_path, "http://127.0.0.1:9", "-a", "source=jl_cri")
    assert result.returncode == 75 and "Traceback" not in result.stderr
    assert result.stdout.splitlines()[-1].startswith(f"crawl not started: another reclean (pid {os.getpid()})")


def test_the_watchdog_stops_a_run_that_outlasts_its_time(tmp_path):
    """NEWSARCHIVE_MAX_RUN_MINUTES: a run still going (here: a polite crawl of the replica,
    2 s between pages) stops, records itself as timed out, exits 1 and frees the archive."""
    db_path = tmp_path / "news.db"
    result = run_cli("crawl", "--sample", "jl_gov_yaowen", "--db", str(db_path), check=False,
                     env={"NEWSARCHIVE_MAX_RUN_MINUTES": "0.05", "NEWSARCHIVE_REPLICA_POLITE": "1"})
    assert result.returncode == 1
    assert "(normal+replica): timeout" in result.stdout.splitlines()[-1]
    run = sqlite3.connect(db_path).execute("SELECT status, exit_code FROM crawl_runs").fetchall()
    assert run == [("timeout", 1)]
    assert run_cli("crawl", "--sample", "jl_cri", "--db", str(db_path), check=False).returncode != 75


def test_scrapy_crawl_news_with_an_unknown_source_is_a_usage_error(tmp_path):
    result = _scrapy_crawl(tmp_path / "news.db", "http://127.0.0.1:9", "-a", "source=jl_cri,no_such_source")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert "unknown source(s): no_such_source" in result.stderr and not (tmp_path / "news.db").exists()
