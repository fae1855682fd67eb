"""Container choice on pages of our own, modelled on the failure classes of real pages: a
related-links list longer than the article, a video player next to a short article, a whole
left column of a portal, an article running through sibling blocks. GBK and UTF-8."""

from __future__ import annotations

import pytest

from crawler.clean.article import clean_page
from crawler.clean.density import best_container
from crawler.clean.markup import parse_html
from crawler.items import RawPage

SHORT_ARTICLE = [
    "本报讯 记者从市住房和城乡建设局获悉,今年全市计划改造老旧小区126个,涉及居民2.3万户,目前已有41个小区开工。",
    "改造内容包括管网更新、加装电梯、增设充电桩和养老托育设施,预计年底前全部完工。",
]
# Headlines of a related-articles list: together longer than the article, each with a comma
# so that a density scorer that ignores links would take the list for prose.
RELATED = [f"第{n}批老旧小区改造项目名单公布,涉及{n + 3}个街道、{n * 7}个小区" for n in range(1, 16)]
FURNITURE = '<div class="nav"><a href="/">首页</a> <a href="/xw/">新闻</a></div>'


def _related_block(css_class: str = "related-news") -> str:
    items = "".join(f'<li><a href="/n/{n}.html">{text}</a> <span>2024-05-0{n % 9 + 1}</span></li>'
                    for n, text in enumerate(RELATED))
    return f'<div class="{css_class}"><h3>相关新闻</h3><ul>{items}</ul></div>'


def _page(body: str, charset: str = "utf-8") -> bytes:
    return (f'<html><head><meta charset="{charset}"><title>全市老旧小区改造开工_某市新闻网</title></head>'
            f"<body>{FURNITURE}{body}<div class=\"footer\">版权所有 某市新闻网</div></body></html>").encode(
                "gbk" if charset == "gbk" else charset)


def _body(raw: bytes) -> list[str]:
    return clean_page(RawPage(raw, url="http://news.example.cn/2024/0506/c1.html")).body.split("\n")


@pytest.mark.parametrize("charset", ["utf-8", "gbk"])
def test_a_related_list_longer_than_the_article_is_not_the_article(charset):
    paragraphs = "".join(f"<p>{text}</p>" for text in SHORT_ARTICLE)
    raw = _page(f'<div class="main"><h1>全市老旧小区改造开工</h1><div class="txt">{paragraphs}</div>'
                f"{_related_block()}</div>", charset)
    assert sum(map(len, RELATED)) > sum(map(len, SHORT_ARTICLE))
    assert _body(raw) == SHORT_ARTICLE


def test_a_related_list_inside_the_article_block_is_left_out():
    """The list sits inside the article's own block (no telling class): it is mostly links,
    so it leaves the body while the paragraphs around it stay."""
    first, second = SHORT_ARTICLE
    raw = _page(f'<div id="main"><h1>全市老旧小区改造开工</h1><div id="a1"><p>{first}</p>'
                f'{_related_block("box")}<p>{second}</p></div></div>')
    assert _body(raw) == SHORT_ARTICLE


def test_a_player_block_next_to_a_short_article_is_not_the_article():
    player = ('<div class="video-player"><video src="/v/1.mp4"></video><p>视频:记者实地探访改造现场,'
              "居民说:“电梯装好了,上下楼方便多了,小区也更干净、更整洁了。”</p>"
              "<p>播放次数:12,034;时长:03:25;来源:某市融媒体中心,转载请注明出处。</p></div>")
    paragraphs = "".join(f"<p>{text}</p>" for text in SHORT_ARTICLE)
    raw = _page(f'<div class="wrap"><h1>全市老旧小区改造开工</h1>{player}<div class="content">{paragraphs}</div></div>')
    assert _body(raw) == SHORT_ARTICLE


def test_the_article_block_not_the_whole_column_around_it():
    """A portal's left column holds the article, then ad zones of linked teasers and scripts
    full of commas: the container is the article's block, not the column (modelled on a
    2009 portal page)."""
    script = "<script>var ads = ['" + "', '".join(RELATED) + "'];</script>"
    ads = "".join(f'<td>{script}·<a href="/ad/{n}">{text}</a></td>' for n, text in enumerate(RELATED))
    paragraphs = "".join(f"<p>{text}</p>" for text in SHORT_ARTICLE)
    raw = _page(f'<div id="cntL"><div id="ArticleTit">全市老旧小区改造开工</div>'
                f'<div id="ArticleCnt">{paragraphs}</div><div id="AdZone"><table><tr>{ads}</tr></table></div>'
                f'<div id="Comment"><p>现在有0人对本文发表评论,请您文明上网、理性发言。</p></div></div>')
    tree = parse_html(raw.decode())
    assert best_container(tree).element.get("id") == "ArticleCnt"
    assert _body(raw) == SHORT_ARTICLE


def test_a_long_article_running_through_sibling_blocks_is_joined():
    """The CMS starts a new <div> every few paragraphs: all of them are the article."""
    parts = [[f"第{part}部分第{n}段:全市改造老旧小区126个,涉及居民2.3万户,目前已有41个小区开工,进度符合预期。"
              for n in range(1, 4)] for part in range(1, 4)]
    blocks = "".join('<div class="para">' + "".join(f"<p>{text}</p>" for text in part) + "</div>" for part in parts)
    raw = _page(f'<div class="wrap"><h1>全市老旧小区改造开工</h1>{blocks}{_related_block()}</div>')
    assert _body(raw) == [text for part in parts for text in part]


def test_headlines_set_inline_after_the_last_paragraph_are_a_related_list():
    """A portal sets its related headlines as bare links after the article's paragraphs, in
    the same block: they leave the body; a list of attachments does not."""
    paragraphs = "".join(f"<p>{text}</p>" for text in SHORT_ARTICLE)
    headlines = "".join(f'<b><a href="/n/{n}.html">{text}</a></b><br>' for n, text in enumerate(RELATED[:6]))
    raw = _page(f'<div class="wrap"><h1>全市老旧小区改造开工</h1><div id="p_content">{paragraphs}{headlines}</div></div>')
    assert _body(raw) == SHORT_ARTICLE
    files = "".join(f'<a href="/f/{n}.pdf">{n}.老旧小区改造项目第{n}批名单.pdf</a><br>' for n in range(1, 4))
    raw = _page(f'<div class="wrap"><h1>全市老旧小区改造开工</h1><div id="p_content">{paragraphs}{files}</div></div>')
    assert _body(raw)[:2] == SHORT_ARTICLE and len(_body(raw)) == 5
