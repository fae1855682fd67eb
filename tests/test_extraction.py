"""Generic extraction on our own pages modelled on real ones: container, headline, metadata."""

from __future__ import annotations

import pytest

from crawler.clean.lines import paired_fields
from crawler.clean.article import clean_page
from crawler.items import RawPage
from crawler.clean.density import best_container
from crawler.clean.extract import _arbitrate, containment
from crawler.clean.markup import parse_html

ARTICLE = [
    "近日,省政府办公厅印发《关于支持民营经济高质量发展的若干措施》,从市场准入、要素保障、融资支持等方面提出26条具体举措。",
    "措施明确,全面落实市场准入负面清单制度,不得以任何形式对民营企业设置不合理限制;鼓励民间资本参与重大项目建设。",
    "在融资支持方面,省级政府性融资担保机构对小微企业担保费率降至1%以下,引导金融机构加大首贷、信用贷投放。",
    "措施还提出,建立涉企行政执法监督机制,推行包容审慎监管,为民营企业营造稳定、透明、可预期的发展环境。",
]
RELATED = ["长春新区加快建设创新发展高地", "延边跨境电商综合试验区建设提速", "全省2023年重点项目集中开工",
           "四平市推行“一网通办”优化营商环境", "松原市推进“陆上风光三峡”项目建设"]


def page(title_tag: str, headline: str, extra_head: str = "", meta_block: str = "", after: str = "") -> bytes:
    paragraphs = "".join(f"<p>{text}</p>" for text in ARTICLE)
    related = "".join(f'<li><a href="/n/{n}.html">{text}</a></li>' for n, text in enumerate(RELATED))
    return f"""<html><head><meta charset="utf-8"><title>{title_tag}</title>{extra_head}</head><body>
<div class="nav"><a href="/">首页</a> <a href="/news/">新闻</a> <a href="/gov/">政务</a></div>
<div class="main"><div class="hd"><h2 class="art-title">{headline}</h2>{meta_block}</div>
<div class="article-text">{paragraphs}</div>
<div class="related"><h3>相关新闻</h3><ul>{related}</ul></div>{after}</div>
<div class="footer"><p>版权所有:某某网 未经授权不得转载 ICP备00000000号</p></div></body></html>""".encode()


def test_densest_container_is_the_article_not_the_lists():
    tree = parse_html(page("标题", "标题").decode())
    assert best_container(tree).element.get("class") == "article-text"


def test_arbitration_prefers_the_cleaner_subset_and_rejects_another_dense_block():
    found_by_trafilatura = ARTICLE + ["网友评论仅供其表达个人看法,并不表明本网立场。", "相关新闻:" + "、".join(RELATED)]
    assert _arbitrate(found_by_trafilatura, ARTICLE) == ARTICLE
    other_block = ["这是一段完全不同的文字,讲的是别的事情,有很多标点,也有很多句子。"] * 10
    assert _arbitrate(ARTICLE, other_block) == ARTICLE
    assert _arbitrate(["首页", "登录"], ARTICLE) == ARTICLE  # trafilatura found no prose
    assert containment(ARTICLE[:2], ARTICLE) == 1.0


def test_headline_is_the_heading_that_the_title_tag_contains():
    headline = "我省出台支持民营经济发展若干措施"
    article = clean_page(RawPage(page(f"{headline}_某某网_政务频道", headline,
                                      extra_head='<meta property="og:title" content="某某网">')))
    assert article.title == headline
    only_title = clean_page(RawPage(page(f"{headline}-新闻中心-某某网", "")))
    assert only_title.title == headline


def test_headline_under_a_title_tag_that_names_only_column_and_site():
    """The <title> says '新闻动态--…官网' and no heading is inside it: the headline is the heading
    right above the article (modelled on a society's news page with an <h5> headline)."""
    headline = "2019年全省人文地理学术年会在长春成功举行!"
    html = page("新闻动态--某某学会官网", headline).decode()
    html = html.replace('<h2 class="art-title">', "<h3>首页 - 新闻动态</h3><h5>").replace("</h2>", "</h5>")
    assert "<h2" not in html
    assert clean_page(RawPage(html.encode())).title == headline


def test_a_headline_split_over_lines_in_the_text_is_not_body():
    """A gazette sets its headline in the content block as bold lines split by <br>, the
    adoption note under it (modelled on a gov.cn 国务院公报 page)."""
    lines = ["全国人民代表大会常务委员会", "关于批准财政部发行特别国债购买外汇及", "调整2007年末国债余额限额的决议"]
    headline = "".join(lines)
    note = "(2007年6月29日第十届全国人民代表大会常务委员会第二十八次会议通过)"
    block = f'<p align="center"><strong>{"<br>".join(lines)}</strong><br>{note}</p>'
    html = page(f"{headline}__2007年第23号国务院公报_中国政府网", "").replace(
        b'<div class="article-text">', f'<div class="article-text">{block}'.encode())
    article = clean_page(RawPage(html))
    assert article.title == headline
    assert article.body.split("\n") == [note] + ARTICLE


def test_article_after_a_stray_end_of_document():
    html = page("t", "t").replace(b'<div class="main">', b'</body></html><div class="main">')
    assert clean_page(RawPage(html)).body.split("\n") == ARTICLE


@pytest.mark.parametrize("meta_block, expected", [
    ('<div class="info">2023-07-15 09:00 来源:吉林日报 作者:张雅静</div>',
     {"date": "2023-07-15T09:00:00+08:00", "source_name": "吉林日报", "author": "张雅静"}),
    ('<div>2023-07-15 09:00:00</div><div>吉林日报</div>', {"source_name": "吉林日报"}),
    ('<div><span>来源:</span></div><div>新华网</div><div>【编辑:王宁】</div>', {"source_name": "新华网", "editor": "王宁"}),
    ('<div>执笔/叨叨、李四</div>', {"author": "叨叨 李四"}),
])
def test_metadata_printed_around_the_headline(meta_block, expected):
    article = clean_page(RawPage(page("我省出台支持民营经济发展若干措施_某某网", "我省出台支持民营经济发展若干措施",
                                      meta_block=meta_block)))
    for name, value in expected.items():
        assert getattr(article, name) == value, name


def test_bylines_in_the_lead_and_the_closing_bracket():
    lead = "新华社长春7月15日电(记者 唐霁)" + ARTICLE[0]
    html = page("t", "t").replace(ARTICLE[0].encode(), lead.encode())
    assert clean_page(RawPage(html)).author == "唐霁"
    closing = ARTICLE[-1] + "(张巨峰)"
    html = page("t", "t").replace(ARTICLE[-1].encode(), closing.encode())
    assert clean_page(RawPage(html)).author == "张巨峰"


def test_trailers_under_the_article_are_dropped():
    after = ("<p>(原题为《支持民营经济的26条措施》)</p><p>声明:本网力求信息真实、准确,文章内容仅供参考。</p>"
             "<p>新闻报料:0431-88888888 本网,未经授权不得转载</p><p>关键词 >> 民营经济</p><p>某某新闻APP</p>")
    article = clean_page(RawPage(page("t", "t", after=f'<div class="article-text2">{after}</div>')))
    assert article.body.split("\n") == ARTICLE
    html = page("t", "t").replace(b"</div>\n<div class=\"related\">",
                                  after.encode() + b"</div>\n<div class=\"related\">")
    cleaned = clean_page(RawPage(html))
    assert cleaned.body.split("\n") == ARTICLE
    assert cleaned.original_title == "支持民营经济的26条措施"


def test_paired_lines():
    lines = ["某某网", "我省出台支持民营经济发展若干措施", "新华社", "2020-01-03 18:13", "字号"]
    assert paired_fields(lines, "我省出台支持民营经济发展若干措施") == {"source": "新华社"}
    assert paired_fields(["2023-04-12 09:09:31", "吉林日报"]) == {"source": "吉林日报"}
    assert paired_fields(["来源:", "新华网", "责任编辑:", "王宁"]) == {"source": "新华网", "editor": "王宁"}


def test_a_cms_placeholder_is_no_editor():
    """TRS prints its 信息录入人 field where no editor was entered (modelled on a cmse.gov.cn page)."""
    def editor(name: str) -> str | None:
        trailer = f'<div class="pageSource">(责任编辑:<!--<$[信息录入人]>begin-->{name}<!--<$[信息录入人]>end-->)</div>'
        html = page("我省出台支持民营经济发展若干措施_某某网", "我省出台支持民营经济发展若干措施")
        return clean_page(RawPage(html.replace(b'<div class="related">', trailer.encode() + b'<div class="related">'))).editor

    assert editor("王宁") == "王宁"
    assert editor("系统管理员") is None



@pytest.mark.parametrize("picture, after, caption", [
    ('<div class="img-container"><img src="/p/1.jpg"></div>', "<p>{}</p>", True),
    # the image wrapped in a span, both blocks centred (a society's CMS page)
    ('<p style="text-align: center;"><span><img src="/p/1.jpg"></span></p>',
     '<p style="text-align: center;"><span>{}</span></p>', True),
    # a caption set beside the picture in the same block (a news app page)
    ('<p><img src="/p/1.jpg"><i class="desc">{}</i></p>', "", True),
    # a centred picture, then an indented paragraph of the text (people.com.cn)
    ('<p style="text-align: center;"><a href="/n/2.html"><img src="/p/1.jpg"></a></p>',
     '<p style="text-indent: 2em;">{}</p>', False),
])
def test_a_short_block_under_a_picture_is_its_caption(picture, after, caption):
    text = "长春新区重点项目建设现场。"
    paragraphs = "".join(f"<p>{line}</p>" for line in ARTICLE)
    html = page("t", "t").replace(paragraphs.encode(), paragraphs.replace(
        "</p>", "</p>" + picture.format(text) + after.format(text), 1).encode())
    article = clean_page(RawPage(html))
    assert article.captions == ([text] if caption else [])
    assert article.body.split("\n") == ARTICLE[:1] + ([] if caption else [text]) + ARTICLE[1:]


def test_a_line_after_a_picture_that_reads_on_from_the_text_is_no_caption():
    """'据悉,…' continues the text (modelled on a baijiahao page)."""
    prose = "据悉,今年以来全省已有1.2万户民营企业享受到首贷、信用贷支持。"
    paragraphs = "".join(f"<p>{line}</p>" for line in ARTICLE)
    picture = '<div class="img-container"><img src="/p/1.jpg"></div>'
    html = page("t", "t").replace(paragraphs.encode(), paragraphs.replace(
        "</p>", f"</p>{picture}<p>{prose}</p>", 1).encode())
    article = clean_page(RawPage(html))
    assert article.captions == []
    assert article.body.split("\n") == ARTICLE[:1] + [prose] + ARTICLE[1:]


def test_a_label_with_its_value_on_the_next_line_leaves_the_body():
    """'责任编辑:' then the name on a line of its own under the text (a news agency page)."""
    trailer = "<div class='p-tags'><span>【纠错】</span>\n责任编辑:\n王宁\n</div>"
    html = page("t", "t").replace(b"</div>\n<div class=\"related\">", trailer.encode() + b"</div>\n<div class=\"related\">")
    article = clean_page(RawPage(html))
    assert article.editor == "王宁"
    assert article.body.split("\n") == ARTICLE


def test_a_two_label_line_with_a_prefix_and_staff_codes_leaves_the_body():
    """A portal's source line '本文来源:X 作者:Y' under the text and its editor line with the
    editor's staff code, the name on the next line of the markup."""
    html = page("外贸企业抢抓订单_某某网", "外贸企业抢抓订单",
                after="<div class='ep-editor'>责任编辑：\n        张伟_NE0011</div>")
    html = html.replace(b'</div>\n<div class="related">',
                        "<p>本文来源：吉林日报 作者：王晓明 李静</p></div>\n<div class=\"related\">".encode())
    article = clean_page(RawPage(html))
    assert "本文来源" not in article.body and "王晓明" not in article.body
    assert (article.source_name, article.author, article.editor) == ("吉林日报", "王晓明 李静", "张伟")


@pytest.mark.parametrize("meta_block, expected", [
    # unlabelled date-and-source lines, either order, an IP-location tag is no outlet
    ('<div class="info">http://news.example.cn 2023年05月06日09:30 吉林日报</div>', ("吉林日报", "2023-05-06T09:30:00+08:00")),
    ('<div class="info">长春日报2023年05月06日09:30</div>', ("长春日报", "2023-05-06T09:30:00+08:00")),
    ('<div class="info">2023年05月06日 09:30:00 来自吉林</div>', (None, "2023-05-06T09:30:00+08:00")),
    # a date line ending in a bare label, the outlet on the next line
    ('<div class="info">2023-05-06 09:30:00 来源:<a href="/">吉林日报(长春)</a></div>', ("吉林日报(长春)", "2023-05-06T09:30:00+08:00")),
])
def test_date_and_source_printed_under_the_headline(meta_block, expected):
    article = clean_page(RawPage(page("我省出台支持民营经济发展若干措施_某某网", "我省出台支持民营经济发展若干措施",
                                      meta_block=meta_block)))
    assert (article.source_name, article.date) == expected


def test_a_date_or_source_under_the_article_is_some_other_articles():
    """Related lists print 'outlet time' on every item: no 来源 is taken from under the
    article, while an editor box in the sidebar after them still counts."""
    teasers = "".join(f"<p>{outlet} 2023-05-0{n} 10:00:00</p>" for n, outlet in enumerate(["城市日报", "江城晚报"], 1))
    after = f'<div class="side">{teasers}<div class="tips">编辑:刘敏 策划:王强</div></div>'
    article = clean_page(RawPage(page("我省出台支持民营经济发展若干措施_某某网", "我省出台支持民营经济发展若干措施", after=after)))
    assert (article.source_name, article.editor) == (None, "刘敏、王强")
    above = clean_page(RawPage(page("我省出台支持民营经济发展若干措施_某某网", "我省出台支持民营经济发展若干措施",
                                    meta_block=f'<div class="info">{teasers}</div>')))
    assert above.source_name == "城市日报"


def test_an_outlet_in_the_author_meta_tag_is_no_author():
    for outlet in ("国际在线", "某某网"):
        head = f'<meta name="author" content="{outlet}">'
        article = clean_page(RawPage(page("我省出台支持民营经济发展若干措施_某某网", "我省出台支持民营经济发展若干措施", extra_head=head)))
        assert article.author is None
    head = '<meta name="author" content="王晓明">'
    assert clean_page(RawPage(page("标题_某某网", "标题", extra_head=head))).author == "王晓明"


def test_a_headline_the_title_tag_words_a_little_differently():
    """The <title> shortens the headline and adds the site; the heading that shares most of
    it wins over the list titles and the column name."""
    headline = "我省出台26条措施支持民营经济高质量发展"
    html = page("我省出台26条措施支持民营经济发展_某某网", headline,
                after='<div class="list-title">民营经济</div><div class="news-title">全省开发区建设提速</div>')
    assert clean_page(RawPage(html)).title == headline


def test_bare_date_line_under_the_headline_is_the_date():
    html = page("标题_某某网", "标题", meta_block="<div>2023年05月06日 09:30</div>")
    assert clean_page(RawPage(html)).date == "2023-05-06T09:30:00+08:00"


def test_the_headline_of_a_page_without_a_title_element():
    """An old page saved without its <head>: the headline is the bold line above the
    article (its date line under it is no headline); a CleanEval wrapper's title counts."""
    body = "".join(f"<p>{text}</p>" for text in ARTICLE)
    old = (f'<table><tr><td><a href="/">首页</a> <b><a href="/gn/">国内新闻</a></b></td></tr>'
           f'<tr><td class="f24"><b>我省出台26条措施支持民营经济发展</b></td></tr>'
           f'<tr><td><b>2005年03月21日 11:21 吉林日报</b></td></tr><tr><td><div id="zoom">{body}</div></td></tr></table>')
    assert clean_page(RawPage(old.encode())).title == "我省出台26条措施支持民营经济发展"
    wrapped = f'<text id="http://news.example.cn/1.html" title="我省出台26条措施支持民营经济发展_某某网">{old}</text>'
    assert clean_page(RawPage(wrapped.encode())).title == "我省出台26条措施支持民营经济发展"


def test_short_lines_after_the_last_sentence_are_page_furniture():
    """Tags, a comment box heading and a link label under the article leave the body (no rule
    names them); a closing attribution and how a notice ends (attachments, issuing office)
    stay (its date line is the date)."""
    furniture = "<p>民营经济 营商环境</p><p>网友评论</p><p>查看更多</p>"
    html = page("标题_某某网", "标题").replace(ARTICLE[-1].encode(), (ARTICLE[-1] + "</p><p>(记者 张雅静)").encode())
    html = html.replace(b'<div class="related">', f'<div class="tags">{furniture}</div><div class="related">'.encode())
    article = clean_page(RawPage(html))
    assert article.body.split("\n") == ARTICLE + ["(记者 张雅静)"]
    ending = ["附件:1.民营企业名单.xlsx", "吉林省人民政府办公厅", "2023年4月12日"]
    notice = page("标题_某某网", "标题").replace(ARTICLE[-1].encode(), (ARTICLE[-1] + "</p><p>" + "</p><p>".join(ending)).encode())
    assert clean_page(RawPage(notice)).body.split("\n") == ARTICLE + ending[:2]


def test_a_saved_page_dated_by_the_url_it_names_for_itself():
    """A file has no URL of its own: the canonical URL it names dates it through the URL
    rules (htmldate alone reads '/2022/1012/' as 2022-02-01)."""
    head = '<link rel="canonical" href="http://jl.people.com.cn/n2/2022/1012/c349771-40135871.html">'
    assert clean_page(RawPage(page("标题_某某网", "标题", extra_head=head))).date == "2022-10-12"


def test_a_name_printed_without_a_label_in_an_element_named_for_it():
    """'span.con1_author' holds the author's name, no label: it is the author; a 'source'
    inside a recommendation list is some other article's."""
    meta = '<div class="info"><span class="con1_author">王晓明</span></div>'
    after = '<div class="recommend"><p class="post_recommend_source">城市晚报</p></div>'
    article = clean_page(RawPage(page("我省出台26条措施支持民营经济发展_某某网", "我省出台26条措施支持民营经济发展",
                                      meta_block=meta, after=after)))
    assert (article.author, article.source_name) == ("王晓明", None)


@pytest.mark.parametrize("depth", [300, 3000])
def test_a_page_nested_deeper_than_the_parser_reads(depth):
    """Unclosed <font>/<div> tags nest a page thousands deep; libxml2 stops at 2,048 levels
    (256 without its huge option): the title and the article are still read."""
    body = "".join(f"<p>{text}</p>" for text in ARTICLE)
    html = ("<html><head><title>我省出台支持民营经济发展若干措施_某某网</title></head><body>" + "<font><div>" * depth
            + f"<h1>我省出台支持民营经济发展若干措施</h1>{body}" + "</div></font>" * depth + "</body></html>")
    article = clean_page(RawPage(html.encode()))
    assert article.title == "我省出台支持民营经济发展若干措施" and article.body.split("\n") == ARTICLE


def test_a_20_mb_page_is_read_without_its_scripts_and_inline_images():
    """What no reader sees is left out of a large page before parsing (memory and time stay
    bounded: bench/faults.py measures them); the article at its top is read."""
    body = "".join(f"<p>{text}</p>" for text in ARTICLE)
    script = "<script>var x = '" + "a,b;c。" * 2_000_000 + "';</script>"
    image = "<img src='data:image/png;base64," + "A" * 8_000_000 + "'>"
    html = (f"<html><head><title>标题_某某网</title>{script}</head><body><h1>标题</h1><div class='content'>{body}</div>"
            f"{image}</body></html>")
    assert len(html) > 20_000_000
    assert clean_page(RawPage(html.encode())).body.split("\n") == ARTICLE
