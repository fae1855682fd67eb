"""`newsarchive clean --json seeds/*`: every seed cleaned to the article body the archive keeps."""

from __future__ import annotations

import json

import pytest

from conftest import SEEDS, run_cli

BOILERPLATE = [
    "分享本页至手机", "010070050010000000000000011100001129514416", "小字號", "小字号", "點擊進入專題",
    "点击进入专题", "責編", "责编", "分享讓更多人看到", "分享让更多人看到", "返回頂部", "返回顶部", "人民網>>",
    "关东黑土", "热线:0431-81126178", "邮箱:jilin@cri.cn", "国际在线版权与信息产品内容销售的声明",
    "“国际在线”由中国国际广播电台主办", "原题:", "责任编辑", "(编辑:", "来源:", "本报记者 王秋月",
]

EXPECTED = {
    "000": {"title": "从三组关键词看吉林省开发区建设", "date": "2023-04-12T09:09:31+08:00", "source": "吉林日报",
            "author": "张雅静", "editor": "邵守志", "script": "zh-Hans"},
    "001": {"title": "长春经开区:逆势而上、变中突破,在良好开局中行稳致远",
            "subtitle": "南部掘金、北部提质,以更加昂扬的进取精神推动高质量发展", "author": "王秋月", "script": "zh-Hans"},
    "002": {"title": "【视频】e起点赞长春这十年|区县领导访谈·经开区", "date": "2022-10-12T10:00:00+08:00",
            "source": "人民网-吉林频道", "editor": "马俊华、谢龙", "script": "zh-Hant"},
    "003": {"editor": "王唯健、赵岩", "script": "zh-Hans"},
    "004": {"title": "长春经开区“重大项目专班”提速项目建设", "date": "2019-07-09T09:51:36+08:00",
            "source": "长春日报", "author": "宋莉", "editor": "田东艳、刘征宇",
            "original_title": "进一线 解难题 促进度 增活力 长春经开区“重大项目专班”提速项目建设"},
}


@pytest.fixture(scope="module")
def cleaned() -> dict[str, dict]:
    paths = sorted(str(p.relative_to(SEEDS.parent)) for p in SEEDS.glob("*.txt"))
    lines = run_cli("clean", "--json", *paths).stdout.splitlines()
    assert len(lines) == len(paths)
    records = [json.loads(line) for line in lines]
    assert [r["path"] for r in records] == paths
    return {record["path"].split("/")[-1][:3]: record for record in records}


def test_every_key_of_the_contract(cleaned):
    keys = {"path", "title", "subtitle", "original_title", "date", "source", "author", "editor", "body",
            "body_original", "captions", "script", "error"}
    for record in cleaned.values():
        assert set(record) == keys
        assert record["error"] is None


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_metadata(cleaned, seed):
    for field, value in EXPECTED[seed].items():
        assert cleaned[seed][field] == value, field


@pytest.mark.parametrize("seed", sorted(EXPECTED))
def test_no_boilerplate_in_body(cleaned, seed):
    body = cleaned[seed]["body"]
    for text in BOILERPLATE:
        assert text not in body
    assert "\n\n" not in body and body == body.strip()


def test_headline_is_not_repeated_in_body(cleaned):
    assert cleaned["004"]["title"] not in cleaned["004"]["body"]
    assert cleaned["001"]["title"] not in cleaned["001"]["body"]
    assert cleaned["001"]["subtitle"] not in cleaned["001"]["body"]


def test_inline_bylines_and_subheadings_stay(cleaned):
    assert cleaned["000"]["body"].endswith("(记者 张雅静)")
    assert "关键词" in cleaned["000"]["body"].splitlines()
    assert cleaned["004"]["body"].endswith("(撰稿 宋莉)")
    assert "工业立区之变——" in cleaned["003"]["body"].splitlines()


def test_captions_kept_apart(cleaned):
    assert cleaned["000"]["captions"] == [
        "位于吉林经济开发区的吉林化纤集团12000吨碳纤维生产车间,工人们正在对成品进行外观检查,目前该项目4条碳化纤已全部投产。 刘剑锋 摄"]
    assert "经开区召开2022年全区工作会议" in cleaned["001"]["captions"]
    assert "安能电商产业园项目建设现场。" in cleaned["004"]["captions"]
    for seed in ("000", "001", "004"):
        for caption in cleaned[seed]["captions"]:
            assert caption not in cleaned[seed]["body"].splitlines()


def test_traditional_seed_is_simplified_with_original_kept(cleaned):
    record = cleaned["002"]
    assert "长春经济技术开发区" in record["body"] and "長春經濟技術開發區" not in record["body"]
    assert record["body_original"].startswith("長春經濟技術開發區黨工委書記")
    assert len(record["body_original"].splitlines()) == len(record["body"].splitlines())
