"""Attachments (附件): found on article pages, fetched by a real crawl from a local replica,
kept once with their real names, read with the formats' libraries, searchable, served by
the archive; every bad file recorded, none failing the crawl."""

from __future__ import annotations

import io
import sqlite3
import urllib.request
import zipfile
from urllib.parse import quote

import pytest

from crawler.clean.attachments import FAILED, NO_TEXT, TEXT, attachment_name, read_attachment
from crawler.fetch.discovery import attachment_links
from crawler.sample.attachments import docx_file, pdf_file, xlsx_file
from crawler.sample.server import SampleServer
from crawler.sample.site import Page, SampleSite, load_yaml

from conftest import run_cli, served

NOTICE = "https://swt.jl.gov.cn/tzgg/202311/t20231102_8832150.html"
FOLDER = "swt.jl.gov.cn/tzgg/202311/"
SPEC = {"kind": "pdf", "lines": ["珲春边境经济合作区申报材料", "第一条 申报单位应当如实填写。"],
        "rows": [["序号", "开发区名称"], [1, "珲春边境经济合作区"]],
        "table": [["指标", "单位"], ["实际使用外资", "万美元"]]}


def zip_bomb(name: str = "word/document.xml") -> bytes:
    """A small zip that unpacks to 40 MB of zeros (its member named as a .docx's)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(name, bytes(40 * 1024 * 1024))
    return buffer.getvalue()


# ---- reading files: the formats' own libraries on files made here -------------------------

@pytest.mark.parametrize("kind, make, words", [("pdf", pdf_file, "第一条 申报单位应当如实填写。"),
                                               ("docx", docx_file, "实际使用外资\t万美元"),
                                               ("xlsx", xlsx_file, "1\t珲春边境经济合作区")])
def test_text_is_read_from_pdf_docx_and_xlsx(kind, make, words):
    read = read_attachment(make({**SPEC, "kind": kind}), kind)
    assert (read.kind, read.status, read.problem) == (kind, TEXT, None)
    assert words in read.text


def test_the_kind_comes_from_the_bytes_not_the_link():
    assert read_attachment(xlsx_file(SPEC), "xls").kind == "xlsx"  # an .xlsx linked as .xls is read as one
    assert read_attachment(b"<!DOCTYPE html><html><body>404</body></html>", "pdf").kind == "html"
    assert read_attachment(b"<div>File not found</div>", "pdf", "text/html; charset=utf-8").kind == "html"
    gbk = "关于申报的说明\r\n一、申报时间".encode("gbk")
    assert read_attachment(gbk, "txt").text == "关于申报的说明\n一、申报时间"


@pytest.mark.parametrize("body, extension, status, problem", [
    (pdf_file(SPEC)[:900], "pdf", FAILED, "truncated PDF"),
    (pdf_file(SPEC, password="secret"), "pdf", FAILED, "encrypted PDF"),
    (zip_bomb(), "docx", FAILED, "zip bomb"),
    (zip_bomb("payload.bin"), "zip", FAILED, "zip bomb"),
    (b"PK\x03\x04 cut off", "docx", FAILED, "damaged"),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(2000), "wps", NO_TEXT, "no text is read from wps files"),
    (b"Rar!\x1a\x07\x00" + bytes(100), "rar", NO_TEXT, "no text is read from rar files"),
])
def test_a_bad_or_unreadable_file_says_why(body, extension, status, problem):
    read = read_attachment(body, extension)
    assert read.status == status and read.text is None
    assert problem in read.problem


def test_the_real_file_name():
    url = "https://swt.jl.gov.cn/tzgg/202311/P020231102512345678903.xlsx"
    gbk = "名单.xlsx".encode("gbk").decode("latin-1")  # raw bytes, as a server sends them
    assert attachment_name(url, "附件3", f'attachment; filename="{gbk}"') == "名单.xlsx"
    assert attachment_name(url, "附件3", "attachment; filename=\"x.xlsx\"; filename*=UTF-8''%E5%90%8D%E5%8D%95.xlsx") == "名单.xlsx"
    assert attachment_name(url, "附件3", "attachment; filename*=GBK''%C3%FB%B5%A5.xlsx") == "名单.xlsx"
    assert attachment_name(url, "附件3", "attachment; filename=%E5%90%8D%E5%8D%95.xlsx") == "名单.xlsx"
    assert attachment_name(url, "附件3：2023年度参评开发区名单.xlsx") == "附件3：2023年度参评开发区名单.xlsx"
    assert attachment_name(url, "2023年度参评开发区名单", kind="xlsx") == "2023年度参评开发区名单.xlsx"
    assert attachment_name(url, "点击下载") == "P020231102512345678903.xlsx"
    assert attachment_name("https://x.gov.cn/download.jsp?id=5", "附件", kind="pdf") == "download.jsp.pdf"


def test_attachment_links_of_an_article_page():
    page = """<div class="TRS_Editor"><p>正文</p></div>
    <p class="insertfileTag"><a appendix="true" download="附件1：名单.xlsx" href="./P020.xlsx" title="附件1：名单.xlsx">附件1：名单.xlsx</a></p>
    <p><a href="/module/download/downfile.jsp?classid=0&amp;filename=2306.pdf">申请表</a></p>
    <p><a href="/attach/0/5">附件2：报名表</a> <a href="./t20231101_1.html">附件3：上一期通知</a></p>
    <p>附件：<span>4.</span><a href="/attach/0/6">参评名单</a></p> <p>相关链接：<a href="/attach/0/7">其他</a></p>
    <script>var hasFJ='<a href="/fj/P03.wps">评审意见.wps</a>';</script>
    <a href="./t20231103_2.html">下一篇</a> <a href="javascript:window.print()">附件打印</a>"""
    assert attachment_links(page, "https://swt.jl.gov.cn/tzgg/202311/t20231102_8832150.html") == [
        ("https://swt.jl.gov.cn/tzgg/202311/P020.xlsx", "附件1：名单.xlsx"),
        ("https://swt.jl.gov.cn/module/download/downfile.jsp?classid=0&filename=2306.pdf", "申请表"),
        ("https://swt.jl.gov.cn/attach/0/5", "附件2：报名表"),
        ("https://swt.jl.gov.cn/attach/0/6", "参评名单"),
        ("https://swt.jl.gov.cn/fj/P03.wps", "评审意见.wps"),
    ]


# ---- a real crawl of the sample notice, with one of each bad file added ---------------------

BAD_FILES = {  # path in the notice's folder: (link label, the server's answer or None for a 404)
    "P020231102512345678905.pdf": ("附件5：加密的文件.pdf", Page(200, {"Content-Type": "application/pdf"},
                                                          pdf_file(SPEC, password="secret"))),
    "P020231102512345678906.docx": ("附件6：压缩炸弹.docx", Page(200, {"Content-Type": "application/msword"}, zip_bomb())),
    "P020231102512345678907.pdf": ("附件7：错误页.pdf", Page(200, {"Content-Type": "text/html; charset=utf-8"},
                                                         "<html><body><h1>文件不存在</h1></body></html>".encode())),
    "P020231102512345678908.doc": ("附件8：已删除.doc", None),
    "P020231102512345678909.zip": ("附件9：太大的压缩包.zip", Page(200, {"Content-Type": "application/zip"},
                                                            b"PK\x03\x04" + bytes(300_000))),
}
MAX_ATTACHMENT_BYTES = 200_000  # the oversize zip is 300 KB


def bad_file_site() -> SampleSite:
    links = "".join(f'<p class="insertfileTag"><a href="./{name}">{label}</a></p>' for name, (label, _) in BAD_FILES.items())
    path = NOTICE.split("://", 1)[1]
    return SampleSite(edits={path: ('<div class="zrbj">', links + '<div class="zrbj">')},
                      overrides={FOLDER + name: page for name, (_label, page) in BAD_FILES.items() if page})


def crawl(server, db_path):
    return run_cli("crawl", "swt_jl_gov", "--proxy", server.url, "--db", str(db_path), check=False,
                   env={"NEWSARCHIVE_MAX_ATTACHMENT_BYTES": str(MAX_ATTACHMENT_BYTES)})


@pytest.fixture(scope="module")
def notice_archive(tmp_path_factory):
    """An archive of the sample notice site with its four files and the five bad ones; the
    crawl's result and the server's access log."""
    db_path = tmp_path_factory.mktemp("attachments") / "news.db"
    with SampleServer(bad_file_site()) as server:
        result = crawl(server, db_path)
        arrivals = list(server.arrivals)
    return db_path, result, arrivals


def rows(db_path, sql, *params):
    connection = sqlite3.connect(db_path)
    connection.row_factory = sqlite3.Row
    return [dict(row) for row in connection.execute(sql, params)]


def test_bad_attachments_are_recorded_and_the_crawl_goes_on(notice_archive):
    db_path, result, _ = notice_archive
    assert result.returncode == 0, result.stderr
    summary = result.stdout.strip().splitlines()[-1]
    assert ": ok," in summary and "6 attachments kept, 6 attachment errors" in summary
    errors = {row["url"].rsplit("/", 1)[1]: row["error"] for row in
              rows(db_path, "SELECT url, error FROM errors WHERE stage = 'attachment'")}
    assert errors.keys() == {"P020231102512345678904.pdf", *BAD_FILES}
    assert errors["P020231102512345678904.pdf"].startswith("truncated PDF")
    assert errors["P020231102512345678905.pdf"].startswith("encrypted PDF")
    assert errors["P020231102512345678906.docx"].startswith("zip bomb")
    assert errors["P020231102512345678907.pdf"].startswith("an HTML page came instead of the file (text/html")
    assert errors["P020231102512345678908.doc"] == "HTTP 404"
    assert "300004 bytes which is larger than download max size (200000)" in errors["P020231102512345678909.zip"]
    article = rows(db_path, "SELECT a.title, a.body FROM articles a JOIN article_urls u ON u.article_id = a.id WHERE u.url = ?",
                   NOTICE)
    assert article and "见附件" in article[0]["body"] and "附件" not in article[0]["body"].split("见附件")[1]


def test_files_are_kept_once_with_their_names_text_and_bytes(notice_archive):
    db_path, _, _ = notice_archive
    kept = {row["url"].rsplit("/", 1)[1]: row for row in rows(
        db_path, "SELECT a.*, f.body FROM attachments a JOIN attachment_files f ON f.attachment_id = a.id")}
    assert set(kept) == {f"P02023110251234567890{n}.{ext}" for n, ext in
                         ((1, "pdf"), (2, "docx"), (3, "xlsx"), (4, "pdf"), (5, "pdf"), (6, "docx"))}
    assert kept["P020231102512345678901.pdf"]["name"] == "附件1：吉林省开发区综合发展水平考核评价办法.pdf"  # the link's label
    assert kept["P020231102512345678902.docx"]["name"] == "开发区考核评价数据填报表.docx"  # GBK Content-Disposition
    assert kept["P020231102512345678903.xlsx"]["name"] == "2023年度参评开发区名单.xlsx"  # RFC 5987
    assert [kept[f"P02023110251234567890{n}.{ext}"]["text_status"] for n, ext in
            ((1, "pdf"), (2, "docx"), (3, "xlsx"), (4, "pdf"), (5, "pdf"), (6, "docx"))] == [TEXT] * 3 + [FAILED] * 3
    assert "第四条 考核评价结果分为优秀、良好、一般三个等次" in kept["P020231102512345678901.pdf"]["text"]
    assert "实际使用外资\t万美元" in kept["P020231102512345678902.docx"]["text"]
    assert "3\t珲春边境经济合作区\t国家级" in kept["P020231102512345678903.xlsx"]["text"]
    served = SampleSite().pages
    for name, row in kept.items():
        original = (served.get(FOLDER + name) or BAD_FILES[name][1]).body
        assert zlib_decompress(row["body"]) == original and row["size"] == len(original)
    links = rows(db_path, "SELECT page_url, label FROM article_attachments ORDER BY position")
    assert [link["label"][:3] for link in links] == ["附件1", "附件2", "附件3", "附件4", "附件5", "附件6"]
    assert {link["page_url"] for link in links} == {NOTICE}


def zlib_decompress(body: bytes) -> bytes:
    import zlib

    return zlib.decompress(body)


def test_a_second_crawl_fetches_no_attachment_again(notice_archive, tmp_path):
    db_path, _, first = notice_archive
    assert sum(path.rsplit("/", 1)[1].startswith("P0") for _, _, path in first) == 9  # each file asked for once
    again = tmp_path / "news.db"
    again.write_bytes(db_path.read_bytes())
    with SampleServer(bad_file_site()) as server:
        result = crawl(server, again)
        assert not [path for _, _, path in server.arrivals if path.rsplit("/", 1)[1].startswith("P0")]
    assert result.returncode == 0 and "attachments" not in result.stdout.strip().splitlines()[-1]


def test_attachment_text_is_searched_listed_and_downloaded(notice_archive):
    db_path, _, _ = notice_archive
    with served(db_path) as base:
        with urllib.request.urlopen(f"{base}/news/search?q={quote('珲春边境')}", timeout=30) as response:
            found = response.read().decode()
        assert "考核评价工作的通知" in found and "附件 2023年度参评开发区名单.xlsx" in found and "<mark>珲春边境</mark>" in found
        article_id = rows(db_path, "SELECT article_id FROM article_urls WHERE url = ?", NOTICE)[0]["article_id"]
        with urllib.request.urlopen(f"{base}/news/articles/{article_id}", timeout=30) as response:
            page = response.read().decode()
        assert page.count('class="download"') == 6 and "无法读取: encrypted PDF" in page
        xlsx = rows(db_path, "SELECT id, name FROM attachments WHERE kind = 'xlsx'")[0]
        assert f'href="/news/-/attachments/{xlsx["id"]}/{quote(xlsx["name"])}"' in page
        with urllib.request.urlopen(f"{base}/news/-/attachments/{xlsx['id']}/{quote(xlsx['name'])}", timeout=30) as response:
            assert response.read() == SampleSite().pages[FOLDER + "P020231102512345678903.xlsx"].body
            assert response.headers["Content-Disposition"].endswith("filename*=UTF-8''" + quote(xlsx["name"]))
            assert response.headers["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        with urllib.request.urlopen(f"{base}/news/attachments.json?_search={quote('考核评价办法')}&_shape=array",
                                    timeout=30) as response:
            assert [row["kind"] for row in __import__("json").load(response)] == ["pdf"]


def test_reclean_reads_files_again_when_the_extractor_changed(notice_archive, tmp_path):
    """An archive whose xlsx was read by an older extractor (that found no text in it)."""
    from crawler.search.index import index_attachment, unindex_attachment
    from crawler.store.schema import open_archive

    db_path = tmp_path / "news.db"
    db_path.write_bytes(notice_archive[0].read_bytes())
    db = open_archive(db_path)
    xlsx = rows(db_path, "SELECT id, name, text FROM attachments WHERE kind = 'xlsx'")[0]
    with db.conn:
        unindex_attachment(db, xlsx["id"], xlsx["name"], xlsx["text"])
        index_attachment(db, xlsx["id"], xlsx["name"], None)
        db.execute("UPDATE attachments SET text = NULL, text_status = 'no text', extractor_version = '0' WHERE id = ?",
                   [xlsx["id"]])
    db.close()
    search = "SELECT rowid FROM attachments_fts WHERE attachments_fts MATCH '\"珲春 春边 边境\"'"
    assert rows(db_path, search) == []
    result = run_cli("reclean", "--db", str(db_path), "--seeds", str(tmp_path / "no-seeds"))
    assert result.stdout.strip().splitlines()[-1].endswith("; 1 attachments read again, 1 changed")
    assert rows(db_path, search) == [{"rowid": xlsx["id"]}]
    assert rows(db_path, "SELECT text FROM attachments WHERE id = ?", xlsx["id"])[0]["text"] == xlsx["text"]
    again = run_cli("reclean", "--db", str(db_path), "--seeds", str(tmp_path / "no-seeds"))
    assert "attachments read again" not in again.stdout  # done: nothing is read twice


def test_the_sample_notice_has_its_attachments():
    """The bundled sample sites (the demo) carry one notice with a PDF, .docx, .xlsx and a broken file."""
    notice = next(article for article in load_yaml("articles.yml") if article.get("attachments"))
    assert [spec["kind"] for spec in notice["attachments"]] == ["pdf", "docx", "xlsx", "pdf"]
    assert [spec.get("broken") for spec in notice["attachments"]] == [None, None, None, "truncated"]
