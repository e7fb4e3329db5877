"""Word and input-method habits: read as meant where that is clear, each with a note; where it is
not clear, an error that quotes the line, names the character and says what to type instead."""

from __future__ import annotations

import re

import pytest

from tests.sites import copy_example, edit, run_cli

ISSUE1 = "content/2019/01.md"
ISSUE3 = "content/2019/03.md"
NOTICE = "content/2019/notice.md"
SETTINGS = "content/site.yml"


def test_full_width_colon_and_smart_quotes_build_with_notes(tmp_path):
    copy_example(tmp_path)
    edit(tmp_path / ISSUE1, "状态: 整改中", "状态：整改中")
    edit(tmp_path / SETTINGS, '邮政编码: "430300"', "邮政编码: “430300”")
    result = run_cli("build", cwd=tmp_path)
    assert (result.rc, result.err) == (0, "")
    assert result.out.splitlines()[1:3] == [
        "content/2019/01.md:5: 提示：“状态：整改中”已按“状态: 整改中”读取（全角冒号“：”）",
        "content/site.yml:16: 提示：“邮政编码: “430300””已按“邮政编码: 430300”读取（值两边的引号““””）",
    ]
    assert "整改中" in (tmp_path / "site/2019/issue-1.html").read_text(encoding="utf-8")
    assert "430300" in (tmp_path / "site/contact.html").read_text(encoding="utf-8")
    checked = run_cli("check", cwd=tmp_path)  # check lists them too, every time
    assert checked.out.splitlines()[1:] == result.out.splitlines()[1:3]


@pytest.mark.parametrize("path, old, new, note, page, shown", [
    (ISSUE3, "状态: 已完成", "状态:已完成",
     "content/2019/03.md:5: 提示：“状态:已完成”已按“状态: 已完成”读取（冒号后缺少空格）", "2019/issue-3.html", "已完成"),
    (ISSUE3, "类别: 在坚持", "类别:\u3000在坚持",
     "content/2019/03.md:4: 提示：“类别:\u3000在坚持党的领导方面”已按“类别: 在坚持党的领导方面”读取（全角空格）",
     "2019/issue-3.html", "在坚持党的领导方面"),
    (NOTICE, "  巡察组:", "\u3000\u3000巡察组:",
     "content/2019/notice.md:8: 提示：“巡察组: 区委第三巡察组”已按“巡察组: 区委第三巡察组”读取（全角空格）",
     "2019/index.html", "区委第三巡察组"),
    (ISSUE3, "标题: 关于“民主集中制执行不到位”的问题", "标题: “关于“民主集中制执行不到位”的问题”",
     "content/2019/03.md:3: 提示：“标题: “关于“民主集中制执行不到位”的问题””已按“标题: 关于“民主集中制执行不到位”的问题”读取"
     "（值两边的引号““””）", "2019/issue-3.html", "<h1>关于“民主集中制执行不到位”的问题</h1>"),
])
def test_each_habit_is_read_as_meant_with_a_note(tmp_path, path, old, new, note, page, shown):
    copy_example(tmp_path)
    edit(tmp_path / path, old, new)
    result = run_cli("build", cwd=tmp_path)
    assert (result.rc, result.err) == (0, "")
    assert note in result.out.splitlines()
    assert shown in (tmp_path / "site" / page).read_text(encoding="utf-8")


def test_a_colon_inside_a_value_is_part_of_the_value(tmp_path):
    copy_example(tmp_path)
    edit(tmp_path / ISSUE3, "标题: 关于“民主集中制执行不到位”的问题", "标题: 关于“会议: 民主集中制执行不到位”的问题")
    result = run_cli("build", cwd=tmp_path)
    assert (result.rc, result.err) == (0, "")
    assert "content/2019/03.md" not in result.out  # written as meant: nothing to forgive
    assert "关于“会议: 民主集中制执行不到位”的问题" in (tmp_path / "site/2019/issue-3.html").read_text(encoding="utf-8")


def test_two_quoted_parts_are_not_one_wrapped_value(tmp_path):
    copy_example(tmp_path)
    edit(tmp_path / ISSUE3, "标题: 关于“民主集中制执行不到位”的问题", "标题: “三重一大”与“民主集中制”")
    result = run_cli("build", cwd=tmp_path)
    assert result.rc == 0 and "提示：“标题" not in result.out
    assert "<h1>“三重一大”与“民主集中制”</h1>" in (tmp_path / "site/2019/issue-3.html").read_text(encoding="utf-8")


@pytest.mark.parametrize("path, old, new, message", [
    (NOTICE, "  - 在加强党的建设方面", "  在加强党的建设方面",
     "content/2019/notice.md:14: 列表的每一项应以“- ”开头：“在加强党的建设方面”应写成“- 在加强党的建设方面”"),
    (ISSUE3, "状态: 已完成", "状态: 已完成\n颜色：红",
     "content/2019/03.md:6: “颜色：红”中的全角冒号“：”应改为半角冒号和空格，写成“颜色: 红”"),
    (ISSUE3, "编号: 3", "编号 3", "content/2019/03.md:2: 缺少冒号“:”：“编号 3”应写成“编号: 3”"),
    (ISSUE3, "编号: 3", "编号: [3", "content/2019/03.md:2: “编号”应是正整数，而不是“[3”"),
    (NOTICE, "  巡察组:", "\t巡察组:", "content/2019/notice.md:8: 不能用制表符（Tab）缩进，请改用空格：“巡察组: 区委第三巡察组”"),
])
def test_unclear_lines_quote_the_line_and_say_what_to_type(tmp_path, path, old, new, message):
    copy_example(tmp_path)
    edit(tmp_path / path, old, new)
    result = run_cli("build", cwd=tmp_path)
    assert result.rc == 1
    assert result.err.splitlines() == [message, "共 1 处错误，网站未更新。"]
    assert "YAML" not in result.err


def test_the_preview_shows_the_notes_too(tmp_path):
    from tests.test_serve import start_preview

    copy_example(tmp_path)
    edit(tmp_path / ISSUE1, "状态: 整改中", "状态：整改中")
    process, _url = start_preview(tmp_path)
    try:
        process.wait_line("^" + re.escape("content/2019/01.md:5: 提示：“状态：整改中”已按“状态: 整改中”读取（全角冒号“：”）") + "$")
    finally:
        process.stop()
