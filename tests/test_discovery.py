"""Discovery: pagers, list fragments, sitemaps, feeds and articles split over pages."""

from __future__ import annotations

import sqlite3

import pytest

from crawler.fetch.discovery import continuation_urls, feed_links, whole_article_url

RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>
<item><title>a</title><link>http://jl.people.com.cn/n2/2023/0921/c349771-40554012.html</link></item>
<item><title>b</title><link> http://jl.people.com.cn/n2/2023/1016/c349771-40590236.html </link></item>
</channel></rss>"""
ATOM = b"""<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>t</title>
<entry><title>a</title><link href="https://www.jl.gov.cn/yaowen/202304/t20230412_2991234.html"/></entry></feed>"""


def html(url: str, body: str) -> tuple[str, str]:
    """A page's text and URL, as discovery's functions take them."""
    return body, url


def test_feed_links_from_rss_and_atom():
    assert feed_links(RSS) == ["http://jl.people.com.cn/n2/2023/0921/c349771-40554012.html",
                               "http://jl.people.com.cn/n2/2023/1016/c349771-40590236.html"]
    assert feed_links(ATOM) == ["https://www.jl.gov.cn/yaowen/202304/t20230412_2991234.html"]
    assert feed_links(b"not xml at all") == []


def test_trs_article_pages_from_create_page_html():
    page = html("https://www.jl.gov.cn/yaowen/202307/t20230715_3031208.html",
                '<script>createPageHTML(3, 0, "t20230715_3031208", "html");</script>')
    assert continuation_urls(*page) == ["https://www.jl.gov.cn/yaowen/202307/t20230715_3031208_1.html",
                                       "https://www.jl.gov.cn/yaowen/202307/t20230715_3031208_2.html"]
    single = html("https://www.shanxi.gov.cn/yw/t20190918_693227.shtml",
                  '<script>createPageHTML(1,0,"t20190918_693227","shtml")</script>')  # one page: nothing more
    assert continuation_urls(*single) == []


def test_people_article_pages_from_page_links():
    page = html("http://jl.people.com.cn/n2/2023/0921/c349771-40554012.html",
                '<div class="zdfy"><a href="c349771-40554012-3.html">【3】</a><a href="c349771-40554012.html">【1】</a>'
                '<a href="c349771-40554012-2.html">【2】</a><a href="c349771-40999999-2.html">other</a></div>')
    assert continuation_urls(*page) == ["http://jl.people.com.cn/n2/2023/0921/c349771-40554012-2.html",
                                       "http://jl.people.com.cn/n2/2023/0921/c349771-40554012-3.html"]


def test_cri_all_in_one_url():
    page = html("https://jl.cri.cn/20190709/7c8d1e46-5a2b-4e0f-9b1c-2f3a4b5c6d7e.html",
                """<div id="abody" pagedata='{"allUrl":"/20190709/7c8d1e46-5a2b-4e0f-9b1c-2f3a4b5c6d7e_all.html"}'></div>""")
    assert whole_article_url(*page) == "https://jl.cri.cn/20190709/7c8d1e46-5a2b-4e0f-9b1c-2f3a4b5c6d7e_all.html"
    assert whole_article_url(*html(page[1], """<div id="abody" pagedata='{"allUrl":""}'></div>""")) is None
    assert whole_article_url(*html(page[1], """<div id="abody" pagedata='not json'></div>""")) is None


@pytest.mark.parametrize("url, last_words", [
    ("https://www.jl.gov.cn/yaowen/202307/t20230715_3031208.html", "为民营企业营造稳定、透明、可预期的发展环境。"),
    ("http://jl.people.com.cn/n2/2023/0921/c349771-40554012.html", "本地配套率力争提高到60%以上。"),
    ("https://jl.cri.cn/20190709/7c8d1e46-5a2b-4e0f-9b1c-2f3a4b5c6d7e.html", "经开区增量项目成果丰硕。 (撰稿 宋莉)"),
])
def test_split_articles_are_archived_whole(crawled, url, last_words):
    db = sqlite3.connect(crawled)
    body, first_line = db.execute(
        "SELECT a.body, substr(a.body, 1, 12) FROM articles a JOIN article_urls u ON u.article_id = a.id WHERE u.url = ?",
        [url]).fetchone()
    assert body.endswith(last_words)
    assert "【1】" not in body and "【2】" not in body
    assert body.count(first_line) == 1  # the first page's text is not repeated


def test_split_article_pages_are_kept_for_reclean(crawled):
    db = sqlite3.connect(crawled)
    parts = db.execute("SELECT p.url, p.part FROM pages p JOIN pages first ON first.id = p.part_of "
                       "WHERE first.url = 'https://www.jl.gov.cn/yaowen/202307/t20230715_3031208.html'").fetchall()
    assert parts == [("https://www.jl.gov.cn/yaowen/202307/t20230715_3031208_1.html", 1)]


def test_list_fragments_are_followed(crawled):
    db = sqlite3.connect(crawled)
    fragment = db.execute("SELECT article_links FROM list_pages WHERE url LIKE 'https://jl.cri.cn/inc/%'").fetchone()
    assert fragment is not None and fragment[0] >= 1
