"""The rule table is data: each rule documented, each family's lines classified right."""

from __future__ import annotations

import pytest

from crawler.clean.normalize import join_names
from crawler.clean.rules import LINE_RULES, date_in_url, match_line


def test_every_rule_says_where_it_was_seen():
    assert LINE_RULES and all(rule.seen and "[" in rule.seen for rule in LINE_RULES)


@pytest.mark.parametrize("line, action, fields", [
    ("分享本页至手机", "drop", {}),
    ("010070050010000000000000011100001129514416", "drop", {}),
    ("时间: 2023-04-12 09:09:31 \xa0\xa0\xa0来源: 吉林日报", "meta", {"date": "2023-04-12 09:09:31", "source": "吉林日报"}),
    ("责任编辑: 邵守志", "meta", {"editor": "邵守志"}),
    ("字号:[大][中][小]", "drop", {}),
    ("扫一扫在手机打开当前页面", "drop", {}),
    ("人民网>>吉林频道", "drop", {}),
    ("2022年10月12日10:00 | 来源:人民网-吉林频道", "meta", {"date": "2022年10月12日10:00", "source": "人民网-吉林频道"}),
    ("(责编:马俊华、谢龙)", "meta", {"editor": "马俊华、谢龙"}),
    ("点击进入专题", "drop", {}),
    ("返回顶部", "drop", {}),
    ("人 民 网 版 权 所 有 ,未 经 书 面 授 权 禁 止 使 用", "drop_rest", {}),
    ("关东黑土", "drop", {}),
    ("长春 江城 四平 辽源 通化 白城 白山 松原 延边 长白山保护开发区", "drop", {}),
    ("热线:0431-81126178", "drop", {}),
    ("2019-07-09 09:51:36 | 来源:长春日报 | 编辑:田东艳 | 责编:刘征宇", "meta",
     {"date": "2019-07-09 09:51:36", "source": "长春日报", "editor": "田东艳、刘征宇"}),
    ("2020-04-20 11:08:05来源:长春日报编辑:杜伟责编:张群", "meta",
     {"date": "2020-04-20 11:08:05", "source": "长春日报", "editor": "杜伟、张群"}),
    ("国际在线版权与信息产品内容销售的声明:", "drop_rest", {}),
    ("原题:进一线 解难题", "meta", {"original_title": "进一线 解难题"}),
    ("(编辑:王唯健 责任编辑:赵岩)", "meta", {"editor": "王唯健、赵岩"}),
    ("编辑: 赵新 吉网新闻热线:0431-82902222", "meta", {"editor": "赵新"}),
    ("本报记者 王秋月", "byline", {"author": "王秋月"}),
    ("…省商务厅开发区管理监督处负责人说。(记者 张雅静)", "note", {"author": "张雅静"}),
    ("…目前该项目4条碳化纤已全部投产。 刘剑锋 摄", "caption", {}),
    ("吉林省人民政府新闻办公室新闻发言人 王宁", "meta", {"author": "王宁"}),
    ("视频-长春新区重点项目建设现场", "caption", {}),
    ("图为长春新区重点项目建设现场。(刘通摄)", "caption", {}),
    ("点击进入“吉林要闻”>>", "drop", {}),
    ("+1", "drop", {}),
    ("本文来源:吉林日报 作者:王晓明 李静", "meta", {"source": "吉林日报", "author": "王晓明 李静"}),
    ("稿件来源: 长春日报", "meta", {"source": "长春日报"}),
    ("文章来源:新华社 责任编辑:张伟_NE0011", "meta", {"source": "新华社", "editor": "张伟_NE0011"}),
    ("重点推荐", "drop_rest", {}),
    ("精彩视频推荐", "drop_rest", {}),
    # the label lexicon: families, prefixes, separators, several labels on a line
    ("来源丨吉林发布 编辑丨刘敏 审核丨王强", "meta", {"source": "吉林发布", "editor": "刘敏、王强"}),
    ("【来源】长春市人民政府办公厅", "meta", {"source": "长春市人民政府办公厅"}),
    ("〔稿源〕延边日报", "meta", {"source": "延边日报"}),
    ("信息来源:市发改委 | 发布时间:2023-05-06", "meta", {"source": "市发改委", "date": "2023-05-06"}),
    ("文/李明", "meta", {"author": "李明"}),
    ("文/记者 李明 通讯员 赵亮", "byline", {"author": "李明 通讯员 赵亮"}),  # join_names drops the role
    ("来源 吉林日报 作者 孙博", "meta", {"source": "吉林日报", "author": "孙博"}),
    ("原文作者:陈雪 值班编辑:马丽 校对:高峰", "meta", {"author": "陈雪", "editor": "马丽、高峰"}),
    ("摄影:周斌 监制:韩冰", "meta", {"credit": "周斌", "editor": "韩冰"}),
    # trailer headings (drop the rest) and the platform's notices
    ("相关资讯", "drop_rest", {}), ("热门文章", "drop_rest", {}), ("猜你喜欢", "drop_rest", {}),
    ("作者最新文章", "drop_rest", {}), ("小编最近文章", "drop_rest", {}), ("延伸阅读:", "drop_rest", {}),
    ("本文为某某网授权某某财经发布,转载请注明出处。", "drop", {}),
    ("(作者系吉林大学经济学院教授)", "drop", {}),
    ("(作者:王晓明 吉林大学经济学院教授)", "meta", {"author": "王晓明 吉林大学经济学院教授"}),  # a label: the byline
    ("特别声明:以上文章内容仅代表作者本人观点,不代表本站观点或立场。", "drop", {}),
    ("转播到腾讯微博", "drop", {}),
    ("…才有这座英雄的城!(评论员 罗博 萧海川)", "note", {"author": "罗博 萧海川"}),
    ("…发表在《自然》上。(编译/林靖东)", "note", {"author": "林靖东"}),
    ("△长春新区重点项目建设现场", "caption", {}),
    ("长春新区重点项目建设现场 张三/摄", "caption", {}),
])
def test_lines_of_each_family(line, action, fields):
    rule, found = match_line(line)
    assert rule.action == action
    assert found == fields


@pytest.mark.parametrize("line", [
    "春光明媚,天气晴好。行走在省内各大开发区,机器轰鸣,塔吊林立的建设场景随处可见。",
    "关键词", "工业立区之变——", "精准发力 推动产业发展", "2022年,这是奋进的一年!",
    "省政府新闻发言人表示,下一步将加快项目建设。", "视频会议上,省长强调要抓好项目建设。",
    "各地积极推荐优秀企业参加展会。", "专家推荐", "相关部门负责人表示,将加快推进。", "作者在文中写道,改革仍需深化。", "【视频】e起点赞长春这十年|区县领导访谈·经开区",
])
def test_body_lines_are_left_alone(line):
    assert match_line(line) is None


@pytest.mark.parametrize("url, day", [
    ("https://www.jl.gov.cn/yaowen/202304/t20230412_2991234.html", "2023-04-12"),
    ("http://jl.people.com.cn/n2/2022/1012/c349771-40135871.html", "2022-10-12"),
    ("https://jl.cri.cn/n/20200420/bc61ec5d-7f2e-4b1a-8c3d-5e6f7a8b9c0d.html", "2020-04-20"),
    ("http://epaper.changchunews.com/ccrb/pc/paper/c/202202/15/content_118203.html", "2022-02-15"),
    ("http://jilin.china.com.cn/2022-10/08/content_42130160.html", "2022-10-08"),
    ("https://www.jl.gov.cn/yaowen/index.html", None),
])
def test_date_in_url(url, day):
    assert date_in_url(url) == day


@pytest.mark.parametrize("names, joined", [
    (["钟晓明_NF5619"], "钟晓明"),  # a staff code joined to the name is cut off
    (["马晓东 PF171"], "马晓东"),  # a staff code after a space is no name
    (["HN666"], None),
    (["刘洋、陈曦_NBJ11143"], "刘洋、陈曦"),
    (["alonliu", "王晓明"], "alonliu、王晓明"),  # an account name stays
])
def test_staff_codes_are_not_part_of_a_name(names, joined):
    assert join_names(names) == joined
