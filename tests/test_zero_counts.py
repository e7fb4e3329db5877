"""A notice's sentence reads naturally when a status count becomes 0: the clause holding it goes."""

from __future__ import annotations

import re

import pytest

from tests.sites import copy_example, edit, page_text, run_cli

NOTICE = "content/2019/notice.md"
SENTENCE = "目前，巡察组反馈的{{类别数}}大类{{问题总数}}项问题已有{{已完成}}项整改完毕，还有{{整改中}}项问题正在持续整改推进。"


def mark_problem_1_done(root):
    edit(root / "content/2019/01.md", "状态: 整改中", "状态: 已完成")
    edit(root / NOTICE, "  已完成: 16\n  整改中: 1\n", "  已完成: 17\n  整改中: 0\n")


def built_text(root, page="site/2019/index.html") -> str:
    result = run_cli("build", cwd=root)
    assert result.rc == 0, result.err
    return page_text((root / page).read_text(encoding="utf-8"))


def test_seed_with_problem_1_done_drops_the_zero_clause(tmp_path):
    copy_example(tmp_path)
    assert "已有16项整改完毕，还有1项问题正在持续整改推进。" in built_text(tmp_path)
    mark_problem_1_done(tmp_path)
    text = built_text(tmp_path)
    assert "目前，巡察组反馈的5大类17项问题已有17项整改完毕。按照党务公开原则" in text
    for page in sorted((tmp_path / "site").rglob("*.html")):
        assert not re.search(r"(?<![\d０-９])0项", page.read_text(encoding="utf-8")), page


@pytest.mark.parametrize("sentence, expected", [
    # the zero clause first: it goes with the comma after it
    ("前言。已有{{长期坚持}}项需长期坚持，{{已完成}}项整改完毕。", "前言。17项整改完毕。"),
    # a sentence that is only the zero clause goes whole
    ("前言。还有{{整改中}}项正在整改。结语。", "前言。结语。"),
    # a semicolon is a clause boundary too
    ("已完成{{已完成}}项；整改中{{ 整改中 }}项；长期坚持{{长期坚持}}项。", "已完成17项。"),
])
def test_the_clause_rule(tmp_path, sentence, expected):
    copy_example(tmp_path)
    mark_problem_1_done(tmp_path)
    edit(tmp_path / NOTICE, SENTENCE, sentence)
    assert expected in built_text(tmp_path)
