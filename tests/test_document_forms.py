"""Every HTML document is read as HTML, in whatever form it was saved and in any charset;
only a file without markup is a text dump. Driven through the real `newsarchive clean`."""

from __future__ import annotations

import json

import pytest
from conftest import run_cli

from crawler.clean.markup import is_html

PARAGRAPHS = ["长春新区近日召开项目建设推进会,总结一季度项目建设情况,部署下一阶段重点工作。",
              "会议指出,要坚持项目为王,持续优化营商环境,推动重点项目早开工、早投产、早见效。",
              "今年以来,新区共谋划重点项目120个,总投资超过800亿元,其中新开工项目45个。"]
TITLE = "长春新区召开项目建设推进会"
# A browser's DOM serializer writes out what scripts built: kilobytes of head before <body>.
HEAD = ("<head><meta charset='{charset}'><title>" + TITLE + "_长春新区</title>"
        + "<script>var config = {'menu': ['首页', '新区概况', '政务公开']};</script>" * 60 + "</head>")
ARTICLE = ("<div class='nav'><a href='/'>首页</a> <a href='/xw/'>新闻中心</a></div>"
           f"<div class='article'><h1>{TITLE}</h1>"
           + "".join(f"<p>{paragraph}</p>" for paragraph in PARAGRAPHS) + "</div>")
FORMS = {
    "dom_snapshot": HEAD + "<body>" + ARTICLE + "</body>",  # no <html>, <body> far from the start
    "text_wrapped": f"<text id='http://www.ccxq.gov.cn/xw/1.html' title='{TITLE}'>" + ARTICLE + "</text>",
    "fragment": ARTICLE,  # begins with <div>
    "whole_page": "<!DOCTYPE html><html>" + HEAD + "<body>" + ARTICLE + "</body></html>",
}


@pytest.mark.parametrize("charset", ["utf-8", "gbk"])
def test_every_saved_form_of_an_html_page_is_read_as_html(tmp_path, charset):
    for name, markup in FORMS.items():
        (tmp_path / f"{name}.html").write_bytes(markup.replace("{charset}", charset).encode(charset))
    lines = run_cli("clean", "--json", str(tmp_path)).stdout.splitlines()
    assert len(lines) == len(FORMS)
    for line in lines:
        article = json.loads(line)
        assert article["body"].split("\n") == PARAGRAPHS, article["path"]  # no script, no menu
        assert article["error"] is None


def test_a_file_without_markup_is_a_text_dump(tmp_path):
    dump = "\n".join([TITLE, "时间: 2023-04-12 09:09 来源: 长春日报", "", *PARAGRAPHS, "责任编辑: 王晓明"])
    (tmp_path / "dump.txt").write_text(dump, encoding="utf-8")
    article = json.loads(run_cli("clean", "--json", str(tmp_path / "dump.txt")).stdout)
    assert article["body"].split("\n") == PARAGRAPHS
    assert (article["source"], article["editor"]) == ("长春日报", "王晓明")


@pytest.mark.parametrize("body, expected", [
    (FORMS["dom_snapshot"].encode(), True),
    (b"<TEXT id='1'>" + "正文".encode("gbk") + b"</TEXT>", True),
    ("一行文字,提到 a<b 与 x > y 的比较。\n第二行。".encode(), False),
    ("标题\n\n正文第一段。".encode("gbk"), False),
])
def test_markup_decides_not_the_first_bytes(body, expected):
    assert is_html(body) is expected
