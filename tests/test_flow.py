"""flow.file_page, the one filing path: what crawl and reclean write for a cleaned page."""

from __future__ import annotations

import pytest
from conftest import saved, saved_page

from crawler.flow import archive_fetched, file_page, prepare
from crawler.items import Outcome, RawPage
from crawler.reclean import import_seeds
from crawler.store.pages import page_ref, store_page, stored_page

VOLATILE = {"first_seen", "last_seen", "fetched_at", "cleaned_at", "at", "cleaner_version"}


def page_of(source: str, url: str | None = None, body: bytes | None = None) -> RawPage:
    """A saved article page of a source, as the spider hands it on (without its parts)."""
    case = saved(source)["article"]
    return RawPage(saved_page(source, "article.html") if body is None else body, url or case["url"], source,
                   headers={"content-type": case["content_type"]})


def crawl(db, page: RawPage) -> Outcome:
    with db.atomic():
        return archive_fetched(db, page, prepare(page)).outcome


def rows(db, table: str) -> list[dict]:
    return [{key: value for key, value in row.items() if key not in VOLATILE}
            for row in db.query(f"SELECT * FROM {table} ORDER BY 1")]


def test_a_new_page_is_filed_with_its_charset_link_and_cleaner(fresh_db):
    page = page_of("cnjiwang")  # GBK that declares no charset: read in the profile's
    assert crawl(fresh_db, page) is Outcome.NEW
    (stored,) = rows(fresh_db, "pages")
    (article,) = rows(fresh_db, "articles")
    assert stored["charset"] == "gb18030" and stored["article_id"] == article["id"]
    assert article["title"] == saved("cnjiwang")["expected"]["title"] and article["source"] == "cnjiwang"
    assert [row["outcome"] for row in rows(fresh_db, "cleaned_pages")] == ["new"]
    assert [row["url"] for row in rows(fresh_db, "article_urls")] == [page.url]


def test_a_page_seen_again_a_reprint_and_a_revision(fresh_db):
    page = page_of("jl_cri")
    assert crawl(fresh_db, page) is Outcome.NEW
    assert crawl(fresh_db, page) is Outcome.SAME
    assert crawl(fresh_db, page_of("jl_cri", url="https://jl.cri.cn/n/20200618/copy.html")) is Outcome.REPRINT
    edited = page.body.replace("通化是我国山葡萄酒的主要产区".encode(), "通化是我国最大的山葡萄酒产区".encode())
    assert crawl(fresh_db, page_of("jl_cri", body=edited)) is Outcome.REVISED
    (article,) = rows(fresh_db, "articles")
    assert "最大的山葡萄酒产区" in article["body"]
    assert ["主要产区" in revision["body"] for revision in rows(fresh_db, "revisions")] == [True]
    assert len(rows(fresh_db, "article_urls")) == 2


@pytest.mark.parametrize("body, outcome, error", [
    (b"<html><head><title>t</title></head><body><div>\xe7\xa9\xba</div></body></html>", Outcome.EMPTY, "EmptyArticle"),
    (b"\x00\x01PK\x03\x04" * 100, Outcome.FAILED, "DecodeError"),
])
def test_a_page_that_gives_no_article_is_kept_with_an_errors_row(fresh_db, body, outcome, error):
    page = page_of("jl_cri", url="https://jl.cri.cn/n/20200618/broken.html", body=body)
    assert crawl(fresh_db, page) is outcome
    assert rows(fresh_db, "articles") == []
    (stored,) = rows(fresh_db, "pages")
    assert stored["article_id"] is None and stored["url"] == page.url
    (recorded,) = rows(fresh_db, "errors")
    assert recorded["stage"] == "clean" and recorded["error"].startswith(error) and recorded["source"] == "jl_cri"
    assert [row["outcome"] for row in rows(fresh_db, "cleaned_pages")] == [outcome]


@pytest.mark.parametrize("damage", [
    lambda body: body[:len(body) // 2] + b"\xff" + body[len(body) // 2:],  # a stray byte
    lambda body: body[:len(body) // 2] + b"\x81" + body[len(body) // 2 + 1:],  # a broken GBK pair
])
def test_undecodable_bytes_are_replaced_not_the_page_lost(fresh_db, damage):
    """One bad byte in a GBK page: the article is filed (as browsers show it, U+FFFD for what
    cannot be read), the raw bytes are kept, and an errors row says how many were replaced."""
    original = page_of("cnjiwang")
    page = page_of("cnjiwang", body=damage(original.body))
    assert crawl(fresh_db, page) is Outcome.NEW
    (article,) = rows(fresh_db, "articles")
    assert article["title"] == saved("cnjiwang")["expected"]["title"]
    (stored,) = rows(fresh_db, "pages")
    assert stored["charset"] == "gb18030"
    (recorded,) = rows(fresh_db, "errors")
    assert recorded["stage"] == "decode"
    assert recorded["error"].startswith("1 undecodable character(s) replaced reading it as gb18030")


def test_reclean_files_a_stored_page_like_the_crawl_did(fresh_db, tmp_path):
    """The same page crawled into one archive, and stored then recleaned into another:
    the same rows, charset and article link included."""
    from crawler.store.schema import open_archive

    page = page_of("jl_people")
    crawl(fresh_db, page)
    other = open_archive(tmp_path / "other.db")
    with other.atomic():
        page_id = store_page(other, page, page.url)
        assert file_page(other, page_ref(other, page_id), prepare(stored_page(other, page_id))).outcome is Outcome.NEW
    for table in ("articles", "pages", "article_urls", "cleaned_pages", "clusters"):
        assert rows(other, table) == rows(fresh_db, table), table
    other.close()


def test_reclean_rewrites_only_what_changed_and_records_a_failure_once(fresh_db):
    page = page_of("jl_gov_yaowen")
    crawl(fresh_db, page)
    (article,) = rows(fresh_db, "articles")
    ref = page_ref(fresh_db, article["page_id"])
    again = prepare(stored_page(fresh_db, ref.id))
    assert file_page(fresh_db, ref, again, article["id"]).outcome is Outcome.UNCHANGED
    fresh_db.execute("UPDATE articles SET editor = NULL WHERE id = ?", [article["id"]])
    assert file_page(fresh_db, ref, again, article["id"]).outcome is Outcome.CHANGED
    assert rows(fresh_db, "articles") == [article]
    broken = prepare(RawPage(b"\x00" * 64, page.url, page.source))
    for _ in range(2):  # a page that fails again adds no second identical errors row
        assert file_page(fresh_db, ref, broken, article["id"]).outcome is Outcome.FAILED
    assert len(rows(fresh_db, "errors")) == 1
    assert rows(fresh_db, "articles") == [article]  # the article it gave before is kept
    assert fresh_db.execute("SELECT article_id FROM pages WHERE id = ?", [ref.id]).fetchone()[0] == article["id"]


def test_seed_files_are_stored_once_and_cleaned_without_a_web_address(fresh_db, tmp_path):
    seeds = tmp_path / "seeds"
    seeds.mkdir()
    (seeds / "a.txt").write_text("长春市召开会议。\n\n会议指出,要持续优化营商环境,推动经济高质量发展。", encoding="utf-8")
    assert import_seeds(fresh_db, seeds) == (1, [])
    import_seeds(fresh_db, seeds)
    (stored,) = rows(fresh_db, "pages")
    page = stored_page(fresh_db, stored["id"])
    assert page.url == "seed:a.txt" and page.web_url is None and page.source == "seeds"
    assert file_page(fresh_db, page_ref(fresh_db, stored["id"]), prepare(page)).outcome is Outcome.NEW
    assert rows(fresh_db, "pages")[0]["charset"] == "utf-8"
