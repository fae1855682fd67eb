"""Plain functions of the normalize and decode stages, table-driven."""

from __future__ import annotations

import pytest

from crawler.clean.decode import DecodeError, decode
from crawler.clean.normalize import canonical_url, detect_script, halfwidth, iso_date, join_names, to_simplified
from crawler.search import bigrams, fts_query


@pytest.mark.parametrize("text, expected", [
    ("2023-04-12 09:09:31", "2023-04-12T09:09:31+08:00"),
    ("时间: 2023-04-12 09:09", "2023-04-12T09:09:00+08:00"),
    ("2022年10月12日10:00", "2022-10-12T10:00:00+08:00"),
    ("2019年06月15日08:18", "2019-06-15T08:18:00+08:00"),
    ("2025-10-10T00:36:25Z", "2025-10-10T08:36:25+08:00"),
    ("2022-10-08", "2022-10-08"),
    ("2023/4/5", "2023-04-05"),
    ("2023-02-30 10:00", None),
    ("no date here", None),
    (None, None),
])
def test_iso_date(text, expected):
    assert iso_date(text) == expected


@pytest.mark.parametrize("url, expected", [
    ("http://jl.people.com.cn/BIG5/n2/2022/1012/c349771-40135871.html",
     "http://jl.people.com.cn/n2/2022/1012/c349771-40135871.html"),
    ("https://big5.cri.cn/gate/big5/jl.cri.cn/2018-11-19/bf316ed9-3e9e-adc9-27c0-98c3eb0d412d.html",
     "http://jl.cri.cn/2018-11-19/bf316ed9-3e9e-adc9-27c0-98c3eb0d412d.html"),
    ("HTTPS://WWW.JL.GOV.CN:443/yaowen/202304/t20230412_2991234.html#top",
     "https://www.jl.gov.cn/yaowen/202304/t20230412_2991234.html"),
    ("http://jilin.china.com.cn/2022-10/08/content_42130160.html?utm_source=wx",
     "http://jilin.china.com.cn/2022-10/08/content_42130160.html"),
    ("seed:000_2dc522f39328b82f.txt", "seed:000_2dc522f39328b82f.txt"),
])
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


def test_halfwidth_keeps_cjk_punctuation():
    assert halfwidth("时间：2023（记者　张雅静）、“好”。") == "时间:2023(记者 张雅静)、“好”。"


@pytest.mark.parametrize("names, expected", [
    (["(责编:马俊华、谢龙)"], "马俊华、谢龙"),
    (["编辑:田东艳 责编:刘征宇"], "田东艳、刘征宇"),
    (["人民网记者 李洋", "李洋"], "李洋"),
    ([None, ""], None),
])
def test_join_names(names, expected):
    assert join_names(names) == expected


def test_script_detection_and_conversion():
    assert detect_script("長春經濟技術開發區黨工委書記") == "zh-Hant"
    assert detect_script("长春经济技术开发区党工委书记") == "zh-Hans"
    assert to_simplified("人民網>>吉林頻道 小字號") == "人民网>>吉林频道 小字号"
    simplified = "吉林省开发区建设"
    assert to_simplified(simplified) is simplified  # no traditional character: no conversion at all


@pytest.mark.parametrize("body, codec", [
    ("吉林省开发区建设提速".encode("gbk"), "gb18030"),
    ("𠮷林".encode("gb18030") + "开发区".encode("gb18030"), "gb18030"),
    ("長春經濟技術開發區".encode("big5"), "big5hkscs"),
])
def test_declared_charsets_decode_as_their_supersets(body, codec):
    declared = {"gb18030": "gb2312", "big5hkscs": "big5"}[codec]
    html = f'<html><head><meta charset="{declared}"></head><body>'.encode() + body
    text, used = decode(html)
    assert used == codec and body.decode(codec) in text


def test_header_charset_and_mislabelled_utf8():
    body = "吉林省开发区".encode("gbk")
    assert decode(body, "text/html; charset=GBK")[0] == "吉林省开发区"
    utf8 = '<meta charset="gb2312"><p>吉林省开发区</p>'.encode()
    assert decode(utf8) == ('<meta charset="gb2312"><p>吉林省开发区</p>', "utf-8")


def test_binary_is_refused():
    with pytest.raises(DecodeError):
        decode(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(100))


def test_bigram_index_and_query():
    assert bigrams("开发区建设 5G") == "开发 发区 区建 建设 5g"
    assert fts_query("開發區") == '"开发 发区"'
    assert fts_query("长春  项目") == '"长春" AND "项目"'
    assert fts_query("2022年") == '"2022 年" *'
    assert fts_query("   ") == '""'
