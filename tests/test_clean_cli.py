"""`clean --json` on HTML of several charsets and on inputs that fail."""

from __future__ import annotations

import json
import os

import pytest

from conftest import run_cli

ARTICLE = """<html><head><meta http-equiv="Content-Type" content="text/html; charset={declared}">
<meta name="ArticleTitle" content="{title}"><meta name="PubDate" content="2023-05-18 16:42">
<meta name="ContentSource" content="吉林日报"></head><body>
<div class="nav"><a href="/">首页</a> <a href="/yaowen/">要闻</a></div>
<h1>{title}</h1><div>时间：2023-05-18 16:42　来源：吉林日报</div><div>分享本页至手机</div>
<div class="TRS_Editor">{paragraphs}</div><div>责任编辑：刘畅</div>
<div class="footer">主办：吉林省人民政府办公厅 网站标识码：2200000008</div></body></html>"""
PARAGRAPHS = [
    "5月17日,全省开发区高质量发展推进会在长春召开。会议总结去年以来全省开发区工作,分析当前面临的形势,部署下一阶段重点任务。",
    "会议指出,开发区是全省经济发展的主阵地、对外开放的主窗口,要坚持项目为王,以产业链招商为抓手,推动更多优质项目落地开工。",
    "会议要求,各地要持续深化开发区管理制度改革,完善考核评价体系,推进“亩均论英雄”改革,提高土地集约利用水平和产出效益。",
]


def page(title: str, paragraphs: list[str], declared: str) -> str:
    return ARTICLE.format(title=title, declared=declared, paragraphs="".join(f"<p>　　{p}</p>" for p in paragraphs))


def clean_files(*paths) -> list[dict]:
    result = run_cli("clean", "--json", *map(str, paths), check=False)
    return [json.loads(line) for line in result.stdout.splitlines()], result.returncode


def test_gbk_page_declared_gb2312(tmp_path):
    path = tmp_path / "gbk.html"
    path.write_bytes(page("全省开发区高质量发展推进会在长春召开", PARAGRAPHS, "gb2312").encode("gbk"))
    (record,), code = clean_files(path)
    assert code == 0 and record["error"] is None
    assert record["title"] == "全省开发区高质量发展推进会在长春召开"
    assert record["date"] == "2023-05-18T16:42:00+08:00"
    assert record["source"] == "吉林日报" and record["editor"] == "刘畅"
    assert record["body"].split("\n") == PARAGRAPHS


def test_big5_page_is_stored_simplified(tmp_path):
    traditional = ["會議指出,開發區是全省經濟發展的主陣地、對外開放的主窗口,要堅持項目為王,推動更多優質項目落地開工。",
                   "會議要求,各地要持續深化開發區管理制度改革,完善考核評價體系,提高土地集約利用水平和產出效益。"]
    path = tmp_path / "big5.html"
    path.write_bytes(page("全省開發區高質量發展推進會在長春召開", traditional, "big5").encode("big5", errors="xmlcharrefreplace"))
    (record,), _ = clean_files(path)
    assert record["script"] == "zh-Hant"
    assert record["title"] == "全省开发区高质量发展推进会在长春召开"
    assert record["body"].startswith("会议指出,开发区是全省经济发展的主阵地")
    assert record["body_original"].split("\n") == traditional


def test_utf8_page_that_claims_gb2312(tmp_path):
    path = tmp_path / "mislabelled.html"
    path.write_bytes(page("全省开发区高质量发展推进会在长春召开", PARAGRAPHS, "gb2312").encode("utf-8"))
    (record,), _ = clean_files(path)
    assert record["body"].split("\n") == PARAGRAPHS


def test_every_input_gets_its_line_even_when_it_fails(tmp_path):
    good = tmp_path / "a_good.txt"
    good.write_text("标题\n" + "\n".join(PARAGRAPHS), encoding="utf-8")
    binary = tmp_path / "b_photo.jpg"
    binary.write_bytes(b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + bytes(range(256)) * 4)
    empty = tmp_path / "c_empty.html"
    empty.write_text("<html><body><div>分享本页至手机</div></body></html>", encoding="utf-8")
    missing = tmp_path / "d_missing.html"
    records, code = clean_files(good, binary, empty, missing)
    assert code == 1
    assert [r["path"] for r in records] == [str(good), str(binary), str(empty), str(missing)]
    assert records[0]["error"] is None
    assert "binary" in records[1]["error"]
    assert "no article text" in records[2]["error"]
    assert "No such file" in records[3]["error"]
    assert all(r["body"] is None for r in records[1:])


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads any folder")
def test_a_folder_that_cannot_be_listed_gets_its_failure_line(tmp_path):
    locked = tmp_path / "locked"
    locked.mkdir()
    (locked / "a.html").write_text("<p>x</p>")
    locked.chmod(0)
    try:
        result = run_cli("clean", "--json", str(locked), check=False)
    finally:
        locked.chmod(0o755)
    assert result.returncode == 1
    (line,) = [json.loads(text) for text in result.stdout.splitlines()]
    assert line["path"] == str(locked) and "cannot list the folder" in line["error"]


def test_a_gbk_file_name_comes_out_as_text(tmp_path):
    """A page saved on a Chinese Windows machine keeps a GBK file name: the JSON line names
    it in UTF-8 (the output stays valid UTF-8)."""
    name = os.path.join(os.fsencode(tmp_path), "吉林新闻.html".encode("gbk"))
    with open(name, "wb") as handle:
        handle.write(page("吉林新闻", PARAGRAPHS, "utf-8").encode())
    result = run_cli("clean", "--json", str(tmp_path))
    (line,) = [json.loads(text) for text in result.stdout.splitlines()]
    assert line["path"] == f"{tmp_path}/吉林新闻.html" and line["error"] is None


def test_clean_ends_with_its_summary_on_stderr(tmp_path):
    (tmp_path / "good.html").write_text(page("吉林新闻", PARAGRAPHS, "utf-8"), encoding="utf-8")
    (tmp_path / "bad.html").write_bytes(b"\x00\x01" * 100)
    result = run_cli("clean", "--json", str(tmp_path), check=False)
    assert result.returncode == 1 and len(result.stdout.splitlines()) == 2
    assert result.stderr.strip().splitlines()[-1] == "clean: 1 cleaned, 1 failed (see the errors above)"


def test_version_and_the_archive_named_by_the_environment(tmp_path):
    assert run_cli("--version").stdout.strip().startswith("newsarchive ")
    archive = tmp_path / "elsewhere.db"
    result = run_cli("sources", env={"NEWSARCHIVE_DB": str(archive)})
    assert result.returncode == 0 and not archive.exists()  # read, never created, by `sources`
    run_cli("dedupe", "--rebuild", env={"NEWSARCHIVE_DB": str(archive)})
    assert archive.exists()


def test_verbose_after_the_subcommand(tmp_path):
    (tmp_path / "a.html").write_text(page("吉林新闻", PARAGRAPHS, "utf-8"), encoding="utf-8")
    assert "DEBUG" in run_cli("clean", str(tmp_path / "a.html"), "-v").stderr
    assert "DEBUG" not in run_cli("clean", str(tmp_path / "a.html")).stderr
