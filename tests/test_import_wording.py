"""`import` on the wording real notices use (issue #16): teams, rounds, yearless dates, figures that
count measures, publishers, status words, pages without a title, and facts a notice does not state.

Each text here is one sentence or line of the kind other units publish, with fictional names.
"""

from __future__ import annotations

import pytest

from dwgk import pipeline
from dwgk.importer import format_report, parse_notice_text, render_files, write_files
from tests.sites import REPO

TITLE = "示例区民政局关于巡察整改情况的通报"


def opening(sentence: str, title: str = TITLE) -> str:
    return f"{title}\n2023-09-28 10:00\n来源：示例区民政局\n{sentence}\n"


@pytest.mark.parametrize("sentence, team", [
    ("根据区委统一部署，区委第三巡察组于2023年3月1日至4月20日对我局进行了巡察。", "区委第三巡察组"),
    ("根据市委统一部署，市委巡察二组于2023年3月1日至4月20日对我局进行了巡察。", "市委巡察二组"),
    ("根据省委统一部署，省委巡视七组于2023年3月1日至4月20日对我厅进行了巡视。", "省委巡视七组"),
    ("根据工委统一部署，工委第一巡察组于2023年3月1日至4月20日对我单位进行了巡察。", "工委第一巡察组"),
    ("2023年3月1日至4月20日，县委巡察组对我局进行了巡察。", "县委巡察组"),
    ("2023年3月1日至4月20日，中央第十五巡视组对我部进行了巡视。", "中央第十五巡视组"),
])
def test_team_names(sentence, team):
    assert parse_notice_text(opening(sentence)).team == team


def test_round_is_read():
    result = parse_notice_text(opening("根据区委统一部署，十四届区委第三轮巡察第二巡察组于2023年3月1日至4月20日对我局进行了巡察。"))
    assert result.round == "十四届区委第三轮巡察"
    assert parse_notice_text(opening("2023年3月1日至4月20日，区委第二巡察组对我局进行了巡察。")).round == ""


def test_yearless_feedback_date_is_read_in_the_notices_year_and_flagged():
    result = parse_notice_text(opening("2023年3月1日至4月20日，区委第二巡察组对我局进行了巡察，并于7月26日召开了巡察反馈会议。"))
    assert (result.start.isoformat(), result.end.isoformat(), result.feedback.isoformat()) == \
        ("2023-03-01", "2023-04-20", "2023-07-26")
    assert "反馈日期“7月26日”没有写年份，按巡察结束日期的年份读作2023-07-26，请核对" in [n.message for n in result.warnings]


def test_yearless_period_and_feedback_across_the_new_year():
    result = parse_notice_text(opening("区委第二巡察组于11月1日至12月20日对我局进行了巡察。4月11日，巡察组向我局反馈了巡察意见。"))
    assert (result.start.isoformat(), result.end.isoformat(), result.feedback.isoformat()) == \
        ("2023-11-01", "2023-12-20", "2024-04-11")
    messages = [n.message for n in result.warnings]
    assert "巡察时间“11月1日至12月20日”没有写年份，按通报的年份读作2023-11-01至2023-12-20，请核对" in messages
    assert "反馈日期“4月11日”没有写年份，按巡察结束日期的年份读作2024-04-11，请核对" in messages


def test_garbled_dates_without_year_or_month():
    result = parse_notice_text(opening("根据市委统一部署，2024717日至830日，市委第六巡察组对我局进行了巡察。914日，巡察组向我局反馈了巡察意见。"))
    assert (result.start.isoformat(), result.end.isoformat(), result.feedback.isoformat()) == \
        ("2024-07-17", "2024-08-30", "2024-09-14")
    messages = [n.message for n in result.warnings]
    assert "日期“830日”缺少“月”，已读作8月30日，请核对" in messages
    assert "日期“914日”缺少“月”，已读作9月14日，请核对" in messages


def test_a_garbled_date_that_reads_two_ways_is_flagged_with_both():
    result = parse_notice_text(opening("2023年10月1日至10月30日，区委第二巡察组对我局进行了巡察。111日，巡察组向我局反馈了巡察意见。"))
    assert str(result.feedback) == "2024-01-11"  # the first reading, after the inspection's end; both are flagged
    assert "日期“111日”缺少“月”，可读作1月11日或11月1日，已按1月11日导入，请核对" in [n.message for n in result.warnings]


def test_date_and_source_line_without_labels():
    result = parse_notice_text(f"{TITLE}\n2023-09-28 10:00 示例区民政局\n2023年3月1日至4月20日，区委第二巡察组对我局进行了巡察，现将整改情况予以公布。\n")
    assert (str(result.published), result.source) == ("2023-09-28 10:00:00", "示例区民政局")
    assert "原文没有写“来源”二字，来源按日期旁的“示例区民政局”导入，请核对" in [n.message for n in result.warnings]
    assert result.unplaced == ()


def test_figures_that_count_measures_are_not_taken_for_problems():
    result = parse_notice_text(opening("巡察反馈问题29个，制定整改措施94条，已完成整改94条，整改完成率100%。"))
    assert [(t.name, t.value) for t in result.stated] == [("问题总数", 29)]


def test_completion_figures_and_rates():
    result = parse_notice_text(opening("截至目前，巡察反馈25个问题，已完成整改19个、正在整改6个，整改完成率76%。"))
    assert [(t.name, t.value) for t in result.stated] == [
        ("问题总数", 25), ("已完成", 19), ("整改中", 6), ("整改完成率", 76.0)]
    overall = parse_notice_text(opening("巡察反馈的697个问题，完成整改688个，未完成5个，总体完成率98.71%。"))
    assert [(t.name, t.value) for t in overall.stated] == [
        ("问题总数", 697), ("已完成", 688), ("整改中", 5), ("整改完成率", 98.71)]


@pytest.mark.parametrize("title, publisher, unit", [
    ("区融媒体中心第1党支部关于巡察整改情况的通报", "区融媒体中心第1党支部", "区融媒体中心"),
    ("中共示例区民政局党组关于巡察整改情况的通报", "中共示例区民政局党组", "示例区民政局"),
    ("示例区卫生健康局党委关于巡察整改进展情况的通报", "示例区卫生健康局党委", "示例区卫生健康局"),
    ("中共示例区人民医院委员会关于巡察整改进展情况的通报", "中共示例区人民医院委员会", "示例区人民医院"),
    ("示例区财政局机关党委关于巡察整改情况的通报", "示例区财政局机关党委", "示例区财政局"),
    ("中共示例街道工作委员会关于巡察整改情况的通报", "中共示例街道工作委员会", "示例街道"),
])
def test_publisher_from_the_title_keeps_its_whole_name(title, publisher, unit):
    result = parse_notice_text(opening("2023年3月1日至4月20日，区委第二巡察组对我单位进行了巡察。", title))
    assert (result.publisher, result.unit) == (publisher, unit)


STATUS_NOTICE = TITLE + """
2023-09-28 10:00
来源：示例区民政局
（一）在党的建设方面
1.关于“理论学习不够深入”的问题
整改措施：制定学习计划。
整改进度：基本完成
2.关于“制度执行不严”的问题
整改措施：修订制度。
整改进度：持续整改
3.关于“账目管理不规范”的问题
整改措施：清理账目。
整改进度：未完成
4.关于“会议记录不全”的问题（正在推进）
整改措施：规范记录。
5.关于“档案管理混乱”的问题
整改措施：整理档案。
整改进度：已完成
"""


def test_status_words_beyond_the_three_are_mapped_and_reported():
    result = parse_notice_text(STATUS_NOTICE)
    assert [i.status for i in result.issues] == ["整改中", "长期坚持", "整改中", "整改中", "已完成"]
    report = format_report(result, "n.txt", [], "content")
    assert ("  原文的整改状态用语按网站的三种状态导入：“基本完成”→整改中；“持续整改”→长期坚持；“未完成”→整改中；"
            "“正在推进”→整改中\n") in report
    assert "  第1项 整改中：原文标明“基本完成”\n" in report


HOSPITAL_PAGE = """- 信息来源：示例区卫生健康局
- 发布日期：2025-09-24 08:02
- 浏览次数：
根据区委统一部署，区委第四巡察组于2024年7月9日至9月14日对示例区人民医院党委开展了巡察，并于2025年1月17日进行了反馈。现将巡察整改情况予以公布。
一、整改工作组织情况
（一）坚持以上率下，压紧压实整改责任。医院党委召开专题民主生活会，研究整改措施。
二、整改落实情况
（一）关于“职能作用发挥不充分”问题的整改
整改落实情况：一是召开党委会专题研究。
"""


def test_a_page_without_a_title_gets_a_flagged_placeholder_and_keeps_its_opening(tmp_path):
    result = parse_notice_text(HOSPITAL_PAGE)
    assert result.title == ""
    assert [i.title for i in result.issues] == ["关于“职能作用发挥不充分”问题"]
    assert result.intro[0].text.startswith("根据区委统一部署，区委第四巡察组于2024年7月9日")
    assert (result.team, str(result.feedback), str(result.published), result.source) == \
        ("区委第四巡察组", "2025-01-17", "2025-09-24 08:02:00", "示例区卫生健康局")
    assert ("原文开头没有通报标题（如“……关于巡察整改情况的通报”），notice.md 中标题暂填"
            "“巡察整改情况的通报（原文未找到标题，请填写）”，请按原文改正") in [n.message for n in result.warnings]
    notice = render_files(result, "2025", True)["2025/notice.md"]
    assert "标题: 巡察整改情况的通报（原文未找到标题，请填写）\n" in notice
    assert "一、整改工作组织情况" not in notice.split("---")[1]


COMPLETE = """示例街道党工委关于巡察整改情况的通报
2023-09-28 10:00
根据区委统一部署，我街道接受了巡察。截至目前，巡察反馈的2个问题已全部整改完毕。
（一）在党的建设方面
1.关于“学习不够”的问题
整改措施：制定学习计划。
整改进度：已完成
2.关于“制度不全”的问题
整改措施：修订制度。
整改进度：已完成
联系电话：0199-12345678
电子邮箱：jiedao@example.gov.cn
通信地址：示例区示例路1号
邮政编码：430000
示例街道党工委
2023年9月28日
"""


def test_a_complete_notice_that_states_no_inspection_facts_or_source_builds_as_imported(tmp_path):
    result = parse_notice_text(COMPLETE)
    assert (result.team, result.start, result.end, result.feedback, result.source) == ("", None, None, None, "")
    files = render_files(result, "2023", True)
    assert "  巡察组:  # 通报中未找到，可不填\n" in files["2023/notice.md"]
    write_files(str(tmp_path / "c"), "2023", files)
    pipeline.build(pipeline.Paths(str(tmp_path / "c"), str(REPO / "layouts"), str(tmp_path / "site")), cache_dir=None)
    page = (tmp_path / "site/2023/index.html").read_text(encoding="utf-8")
    assert "巡察组" not in page and "巡察时间" not in page and "反馈时间" not in page and "来源：" not in page
    assert "发布时间：" in page and "0199-12345678" in page
