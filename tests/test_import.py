"""`python build.py import`: a plain-text notice becomes content files that build.

The seed (tests/fixtures/seed-notice.txt) is the published text of the bundled example; the
variants below are generated from it, so each test says exactly what it changes.
"""

from __future__ import annotations

import os
import random
import re
import shutil
from dataclasses import replace

import pytest

from dwgk import content, importer, pipeline
from dwgk.importer import parse_notice_text, render_files
from tests.sites import EXAMPLE, REPO, SEED as SEED_PATH, read_tree, run_cli, run_subprocess
from tests.tools import run_axe, validate_html

FIXTURES = REPO / "tests" / "fixtures"
SEED = SEED_PATH.read_text(encoding="utf-8")


def cli(*args, cwd=REPO):
    return run_cli(*map(str, args), cwd=cwd)


def add_line_after(text: str, fragment: str, new_line: str) -> str:
    """Insert a line after the (first) line of the seed that contains fragment."""
    lines = text.split("\n")
    i = next(n for n, line in enumerate(lines) if fragment in line)
    return "\n".join(lines[: i + 1] + [new_line] + lines[i + 1 :])


def model(result):
    """What a site shows of a notice's problems, for comparing imports."""
    return [(i.number, i.title, i.category, i.status) for i in result.issues]


SEED_RESULT = parse_notice_text(SEED)
SEED_MODEL = model(SEED_RESULT)
SEED_TITLES = [i.title for i in SEED_RESULT.issues]


# ---------------------------------------------------------------------------------------------
# Variants of the seed


def to_fullwidth(text: str) -> str:
    """Every half-width mark of the seed typed full width, as a careful editor would."""
    text = re.sub(r"(?<!\d):|:(?!\d)", "：", text)
    return text.replace(",", "，").replace(";", "；").replace("(", "（").replace(")", "）")


def to_halfwidth(text: str) -> str:
    """The seed as an English keyboard types it: no full-width marks at all."""
    table = str.maketrans({"，": ",", "：": ":", "；": ";", "（": "(", "）": ")", "“": '"', "”": '"',
                           "。": ".", "？": "?", "！": "!"})
    return text.translate(table)


def to_windows(text: str) -> str:
    """CRLF, a BOM, and indentation with no-break and ideographic spaces (as copied from a page)."""
    lines = [re.sub(r"^  ", "\u00a0\u00a0\u3000", line) for line in text.split("\n")]
    return "\ufeff" + "\r\n".join(line + "\u00a0" for line in lines)


def without_blank_lines(text: str) -> str:
    return "\n".join(line for line in text.split("\n") if line.strip())


def with_numbering(text: str, issue: str, category: str | None = None) -> str:
    """Issue heads numbered another way: issue.format(n=…) replaces “n、”; category likewise."""
    text = re.sub(r"(?m)^(\s*)(\d+)、(关于“)", lambda m: m[1] + issue.format(n=m[2]) + m[3], text)
    if category:
        text = re.sub(r"(?m)^(\s*)\(([一二三四五])\)", lambda m: m[1] + category.format(n=m[2]), text)
    return text


def with_measures(text: str, marker: str, items: bool) -> str:
    """Another measure marker (整改措施：), and measures as （1）（2） instead of 一是、二是."""
    text = re.sub(r"(?m)^(\s*)主要做法[:：]?", lambda m: m[1] + marker, text)
    if items:
        order = "一二三四五六七八九"
        text = re.sub(rf"(?m)^(\s*)([{order}])是", lambda m: f"{m[1]}（{order.index(m[2]) + 1}）", text)
    return text


def split_seed():
    """The seed cut into: text before the list, category heads with their issues, text after."""
    lines = SEED.split("\n")
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("(一)"))
    end = next(i for i, line in enumerate(lines) if line.strip().startswith("三、"))
    categories = []
    for line in lines[start:end]:
        s = line.strip()
        if s.startswith("("):
            categories.append([s, []])
        elif re.match(r"\d+、关于", s):
            categories[-1][1].append([s, []])
        elif s and categories[-1][1]:
            categories[-1][1][-1][1].append(s)
    return lines[: start - 2], categories, lines[end:]


def grouped_by_status(with_categories: bool, renumber: bool) -> str:
    """The seed as notices grouped by status write it: 一、已整改完成的问题 / 二、正在整改的问题."""
    before, categories, after = split_seed()
    done, ongoing = [], []
    for head, issues in categories:
        for title, body in issues:
            (ongoing if title.startswith("1、") else done).append((head, title, body))
    out = before[:]
    counter = 0
    for group, items in (("一、已整改完成的问题", done), ("二、正在整改的问题", ongoing)):
        out += ["", group, ""]
        last_head = None
        for n, (head, title, body) in enumerate(items, start=1):
            if with_categories and head != last_head:
                out += [head, ""]
                last_head = head
            counter += 1
            if renumber:
                title = re.sub(r"^\d+", str(n), title)
            out += [title, ""] + [b for line in body for b in (line, "")]
    out += [line.replace("三、", "三、", 1) for line in after]
    return "\n".join(out)


VARIANTS = {
    "全角标点": to_fullwidth(SEED),
    "半角标点": to_halfwidth(SEED),
    "CRLF与不换行空格": to_windows(SEED),
    "没有空行": without_blank_lines(SEED),
    "编号1.与类别一、": with_numbering(SEED, "{n}.", "{n}、"),
    "编号（1）与整改措施（1）": with_measures(with_numbering(SEED, "（{n}）", "（{n}）"), "整改措施：", True),
    "编号问题1：与整改情况": with_measures(with_numbering(SEED, "问题{n}：", "{n}、"), "整改情况：", False),
    "按状态分组（含类别）": grouped_by_status(with_categories=True, renumber=False),
}


@pytest.mark.parametrize("name", list(VARIANTS))
def test_variants_import_like_the_seed(name, tmp_path):
    result = parse_notice_text(VARIANTS[name])
    write_and_check(tmp_path, result)
    assert model(result) == SEED_MODEL
    assert result.categories == SEED_RESULT.categories
    assert [(t.name, t.value, t.matches) for t in result.stated] == \
        [(t.name, t.value, t.matches) for t in SEED_RESULT.stated]
    assert (result.team, result.start, result.end, result.feedback, result.signed, result.published) == \
        (SEED_RESULT.team, SEED_RESULT.start, SEED_RESULT.end, SEED_RESULT.feedback,
         SEED_RESULT.signed, SEED_RESULT.published)
    assert result.contact == SEED_RESULT.contact
    assert result.unplaced == ()
    measures = "（1）" in VARIANTS[name] and "整改措施" in VARIANTS[name]
    for mine, theirs in zip(result.issues, SEED_RESULT.issues):
        if measures:
            assert len(mine.paragraphs) == len(theirs.paragraphs)
        else:
            assert mine.paragraphs == theirs.paragraphs, mine.number


@pytest.mark.parametrize("name", ["全角标点", "半角标点", "CRLF与不换行空格", "没有空行"])
def test_punctuation_and_spacing_variants_give_the_same_files(name):
    assert render_files(parse_notice_text(VARIANTS[name]), "2019", True) == \
        render_files(SEED_RESULT, "2019", True)


def test_status_of_grouped_issues_comes_from_the_group():
    result = parse_notice_text(VARIANTS["按状态分组（含类别）"])
    reasons = {i.number: i.status_reason for i in result.issues}
    assert reasons[1] == "列在“正在整改的问题”之下"
    assert reasons[2] == "列在“已整改完成的问题”之下"


def test_grouped_by_status_without_categories_is_flagged_and_builds(tmp_path):
    text = grouped_by_status(with_categories=False, renumber=True)
    result = parse_notice_text(text)
    assert [i.title for i in result.issues] == SEED_TITLES[1:] + SEED_TITLES[:1]
    assert [i.number for i in result.issues] == list(range(1, 18))
    assert result.categories == ("巡察反馈的问题",)
    assert [i.status for i in result.issues] == ["已完成"] * 16 + ["整改中"]
    messages = [n.message for n in result.warnings]
    assert "原文的问题没有分类别，全部暂归入一个类别“巡察反馈的问题”，请按需要在通报和问题文件中分类" in messages
    assert "原文的问题编号有重复或缺失（如各类别分别编号），已按出现顺序重新编为1至17，请核对" in messages
    assert "通报写“5大类17项问题”，其中类别数为5类，导入结果是1类：请对照原文核对问题和整改状态" in messages
    notice = render_files(result, "2019", True)["2019/notice.md"]
    assert "{{问题总数}}" in notice and "{{类别数}}" not in notice and "5大类" in notice
    assert "  # 类别数: 5  # 通报原文如此，但导入结果是1，核对后去掉本行开头的“# ”\n" in notice
    write_and_check(tmp_path, result)


# ---------------------------------------------------------------------------------------------
# The seed reproduces the bundled example


def test_seed_reproduces_the_bundled_example_byte_for_byte():
    files = render_files(SEED_RESULT, "2019", with_settings=True)
    expected = {p.relative_to(EXAMPLE).as_posix(): p.read_text(encoding="utf-8")
                for p in EXAMPLE.rglob("*") if p.is_file()}
    assert sorted(files) == sorted(expected)
    for path, text in files.items():
        assert text == expected[path], path


def test_seed_import_builds_the_same_site_as_the_example(tmp_path):
    target = tmp_path / "new-content"
    result = run_subprocess("import", str(SEED_PATH), "--content", str(target), cwd=tmp_path)
    assert result.rc == 0, result.err
    assert result.err == ""
    layouts = str(REPO / "layouts")
    pipeline.build(pipeline.Paths(str(target), layouts, str(tmp_path / "a")), cache_dir=None)
    pipeline.build(pipeline.Paths(str(EXAMPLE), layouts, str(tmp_path / "b")), cache_dir=None)
    mine, theirs = read_tree(tmp_path / "a"), read_tree(tmp_path / "b")
    assert sorted(mine) == sorted(theirs)
    for path in mine:
        assert mine[path] == theirs[path], path


def test_seed_report(tmp_path):
    target = tmp_path / "c"
    out = cli("import", "seed-notice.txt", "--content", target, cwd=FIXTURES).out
    assert out.startswith("导入通报：黄陂区融媒体中心关于巡察反馈意见整改落实情况的通报\n"
                          "  发布时间：2019-12-27 15:24；来源：区融媒体中心；落款：武汉市黄陂区融媒体中心 2019-12-27\n"
                          "  巡察：区委第三巡察组，2018-12-19至2019-02-26，反馈日期2019-07-22\n"
                          "  联系方式：电话 027-85932332；邮箱 85932332@163.com；"
                          "地址 武汉市黄陂区前川街南潭路28号区融媒体中心办公室；邮政编码 430300\n"
                          "  找到 5 个类别、17 个问题：\n"
                          "    （1）在坚持党的领导方面：1至3\n")
    for line in (
        "与通报公布的数字核对：\n"
        "  类别数：通报写5类，导入结果5类，一致\n"
        "  问题总数：通报写17项，导入结果17项，一致\n"
        "  已完成：通报写16项，导入结果16项，一致\n"
        "  整改中：通报写1项，导入结果1项，一致\n",
        "各问题的整改状态：\n"
        "  第1项 整改中：原文写有“难以整改到位”\n"
        "  第2至17项 已完成：按通报公布的数字（16项已完成、1项整改中）推定\n",
        "说明：已把304处半角标点（如 , : ; ( )）改为全角。\n",
        "请编辑核对（共6处）：\n"
        "  seed-notice.txt:5: 日期“20181219日”缺少“年”“月”，已读作2018年12月19日，请核对\n"
        "  seed-notice.txt:5: 日期“2019226日”缺少“年”“月”，已读作2019年2月26日，请核对\n"
        "  seed-notice.txt:5: 日期“2019722日”缺少“年”“月”，已读作2019年7月22日，请核对\n"
        "  seed-notice.txt:115: 日期“20149月”缺少“年”，已读作2014年9月，请核对\n"
        "  seed-notice.txt:207: 日期“20191227”缺少“年”“月”“日”，已读作2019年12月27日，请核对\n"
        f"  {target}/site.yml:2: 网站名称“武汉市黄陂区融媒体中心党务公开”是按发布单位推断的，通报中没有写，请核对\n",
        "原文每一行都已归位。\n",
        f"已写入：\n  {target}/2019/notice.md\n  {target}/2019/01.md 至 17.md（17个问题文件）\n  {target}/site.yml\n"
        f"下一步：运行 python build.py check --content {target} --output {target}-site --archive {target}-archive 检查，"
        f"无误后运行 python build.py build --content {target} --output {target}-site --archive {target}-archive 生成网站。\n",
    ):
        assert line in out


# ---------------------------------------------------------------------------------------------
# Never overwrite


def test_existing_notice_is_refused(tmp_path):
    site = tmp_path / "content"
    shutil.copytree(EXAMPLE, site)
    before = {p: p.read_bytes() for p in site.rglob("*") if p.is_file()}
    result = cli("import", SEED_PATH, "--content", site)
    assert result.rc == 1
    assert result.out == ""
    assert result.err == (f"错误：通报“黄陂区融媒体中心关于巡察反馈意见整改落实情况的通报”已经导入过："
                             f"{site}/2019/notice.md。未写入任何文件；如要重新导入，请先移走该通报文件夹\n")
    assert {p: p.read_bytes() for p in site.rglob("*") if p.is_file()} == before
    assert sorted(os.listdir(site)) == ["2019", "site.yml"]  # no staging folder left behind


def test_existing_folder_is_refused_and_year_taken_gives_next_key(tmp_path):
    site = tmp_path / "content"
    shutil.copytree(EXAMPLE, site)
    other = (SEED_PATH).read_text(encoding="utf-8").replace(
        "黄陂区融媒体中心关于巡察反馈意见整改落实情况的通报", "区融媒体中心关于巡察反馈意见整改落实情况的通报（第二批）", 1)
    (tmp_path / "other.txt").write_text(other, encoding="utf-8")
    refused = cli("import", tmp_path / "other.txt", "--content", site, "--key", "2019")
    assert refused.rc == 1
    assert refused.err == (f"错误：通报文件夹 {site}/2019 已存在，未写入任何文件。"
                              "请用 --key 另选一个文件夹名，或先移走该文件夹\n")
    done = cli("import", tmp_path / "other.txt", "--content", site)
    assert done.rc == 0, done.err
    assert f"  {site}/2019-2/notice.md\n" in done.out
    assert f"{site}/site.yml" not in done.out  # existing settings are never rewritten
    assert (site / "site.yml").read_bytes() == (EXAMPLE / "site.yml").read_bytes()
    assert len(list((site / "2019-2").glob("*.md"))) == 18
    assert cli("check", "--content", site).rc == 0


def test_chosen_key_and_differing_contact(tmp_path):
    site = tmp_path / "content"
    shutil.copytree(EXAMPLE, site)
    shutil.rmtree(site / "2019")
    text = SEED.replace("027-85932332", "027-61234567")
    (tmp_path / "n.txt").write_text(text, encoding="utf-8")
    done = cli("import", tmp_path / "n.txt", "--content", site, "--key", "xuncha-2019")
    assert done.rc == 0, done.err
    assert (site / "xuncha-2019" / "17.md").is_file()
    assert (f"  {site}/site.yml:13: 通报中的电话是“027-61234567”，与网站设置的“027-85932332”不同；"
            "网站各页使用网站设置中的联系方式，未作修改，请核对\n") in done.out


def test_usage_errors(tmp_path):
    missing = cli("import", tmp_path / "nothing.txt", "--content", tmp_path / "c")
    assert (missing.rc, missing.err) == (2, f"错误：找不到通报文件 {tmp_path}/nothing.txt\n")
    bad_key = cli("import", SEED_PATH, "--content", tmp_path / "c", "--key", "巡察")
    assert bad_key.rc == 2
    assert bad_key.err == ("错误：通报文件夹名“巡察”不能用作网址：只能用小写英文字母、数字和连字符（-），"
                              "如 2019 或 2019-xuncha\n")
    reserved = cli("import", SEED_PATH, "--content", tmp_path / "c", "--key", "assets")
    assert reserved.rc == 2
    assert "与网站自用的网址冲突" in reserved.err
    (tmp_path / "file").write_text("x")
    not_dir = cli("import", SEED_PATH, "--content", tmp_path / "file")
    assert (not_dir.rc, not_dir.err) == (2, f"错误：{tmp_path}/file 不是文件夹\n")
    folder = cli("import", tmp_path, "--content", tmp_path / "c")
    assert (folder.rc, folder.err) == (2, f"错误：{tmp_path} 是文件夹，请给出通报的文本文件\n")
    no_arg = cli("import")
    assert no_arg.rc == 2 and "缺少参数：通报文件" in no_arg.err
    assert not (tmp_path / "c").exists()


def test_nothing_to_import_writes_nothing(tmp_path):
    (tmp_path / "n.txt").write_text("首页 > 党务公开 > 巡察整改\n\n2019-12-27 15:24\n", encoding="utf-8")
    result = cli("import", tmp_path / "n.txt", "--content", tmp_path / "c")
    assert result.rc == 1
    assert result.err == (f"错误：{tmp_path}/n.txt: 没有找到通报标题，也没有找到任何问题（如“1、关于“……”的问题”），"
                             "未写入任何文件\n")
    assert "找到 0 个类别、0 个问题" in result.out
    assert not (tmp_path / "c").exists()


def test_title_without_problems_imports_what_it_has(tmp_path):
    """Never refuse what can be used: the title and the opening are written, the missing problems reported."""
    text = ("黄陂区融媒体中心关于巡察反馈意见整改落实情况的通报\n\n2019-12-27 15:24\n"
            "根据区委统一部署，2018年12月19日至2019年2月26日，区委第三巡察组对区融媒体中心进行了巡察。现将整改情况予以公布。\n")
    (tmp_path / "n.txt").write_text(text, encoding="utf-8")
    result = cli("import", tmp_path / "n.txt", "--content", tmp_path / "c")
    assert result.rc == 0, result.err
    assert (f"{tmp_path}/n.txt: 没有找到任何问题（如“1、关于“……”的问题”），只导入了通报正文；"
            "请对照原文补上问题文件，或检查原文是否复制完整\n") in result.out
    notice = (tmp_path / "c" / "2019" / "notice.md").read_text(encoding="utf-8")
    assert "标题: 黄陂区融媒体中心关于巡察反馈意见整改落实情况的通报\n" in notice
    assert "  巡察组: 区委第三巡察组\n" in notice
    assert "根据区委统一部署，2018年12月19日至2019年2月26日" in notice


def test_gbk_file_is_read(tmp_path):
    (tmp_path / "gbk.txt").write_bytes(SEED.encode("gb18030"))
    result = cli("import", tmp_path / "gbk.txt", "--content", tmp_path / "c")
    assert result.rc == 0, result.err
    assert "说明：文件不是 UTF-8 编码，已按 GB18030（GBK）读取。\n" in result.out
    assert (tmp_path / "c" / "2019" / "01.md").read_bytes() == (EXAMPLE / "2019" / "01.md").read_bytes()


def test_undecodable_file_is_refused(tmp_path):
    (tmp_path / "bad.txt").write_bytes(b"\x81\x30\xff\xff\xfe")
    result = cli("import", tmp_path / "bad.txt", "--content", tmp_path / "c")
    assert result.rc == 1
    assert result.err == f"错误：{tmp_path}/bad.txt: 无法识别文件编码，请在编辑器中用“UTF-8”编码另存此文件\n"


# ---------------------------------------------------------------------------------------------
# Truncated, shuffled and otherwise damaged text: never a traceback


def complete_titles(cut: int) -> list[str]:
    """The seed's issue titles whose whole line lies before `cut`."""
    titles = []
    for issue, title in zip(SEED_RESULT.issues, SEED_TITLES):
        line = SEED.split("\n")[issue.line - 1]
        end = len("\n".join(SEED.split("\n")[: issue.line - 1])) + 1 + len(line.rstrip())
        if end <= cut:
            titles.append(title)
    return titles


def parse_written(files: dict[str, str]) -> list:
    """Run dwgk's own readers over the imported files: issues must parse with no error at all."""
    issue_errors = []
    for path, text in files.items():
        errors: list = []
        if path.endswith("/notice.md"):
            content.parse_notice(path, "2019", text.encode("utf-8"), errors)
        elif path.endswith(".md"):
            content.parse_issue(path, "2019", text.encode("utf-8"), errors)
            issue_errors += errors
        else:
            content.parse_settings(path, text.encode("utf-8"), errors)
    return issue_errors


@pytest.mark.parametrize("step", [50, 37])
def test_truncated_anywhere(step):
    for cut in range(0, len(SEED) + step, step):
        result = parse_notice_text(SEED[:cut])
        titles = [i.title for i in result.issues]
        complete = complete_titles(cut)
        assert titles[: len(complete)] == complete, cut
        assert [i.number for i in result.issues][: len(complete)] == list(range(1, len(complete) + 1))
        assert parse_written(render_files(result, "2019", True)) == [], cut
        importer.format_report(result, "n.txt", [], "content")


def test_truncated_files_through_the_command(tmp_path):
    for n, cut in enumerate(range(0, len(SEED), 700)):
        (tmp_path / f"{n}.txt").write_text(SEED[:cut], encoding="utf-8")
        result = cli("import", tmp_path / f"{n}.txt", "--content", tmp_path / f"c{n}")
        assert result.rc in (0, 1), (cut, result.err)
        if complete_titles(cut):
            assert result.rc == 0, (cut, result.err)
        if cut == 0:  # nothing at all: the only text refused
            assert result.rc == 1
        if result.rc == 0:
            checked = cli("check", "--content", tmp_path / f"c{n}")
            assert checked.rc in (0, 1) and "Traceback" not in checked.err
        else:
            assert not (tmp_path / f"c{n}").exists()


def test_title_cut_off_at_the_end_is_an_issue_of_its_own():
    cut = SEED.index("组织建设抓得不牢")
    result = parse_notice_text(SEED[:cut])
    assert [i.title for i in result.issues] == SEED_TITLES[:4] + ["关于“"]
    assert result.issues[3].paragraphs == SEED_RESULT.issues[3].paragraphs
    assert "原文最后一行“关于“”像是没有复制完整的问题标题，已作为第5项问题导入，请核对" in [n.message for n in result.warnings]
    assert "第5项问题“关于“”没有找到整改措施（主要做法），问题文件的正文暂写“（原文未写明整改措施）”，请补充" in \
        [n.message for n in result.warnings]


def test_truncated_notice_is_flagged_and_builds(tmp_path):
    cut = SEED.index("  12、关于")
    result = parse_notice_text(SEED[:cut])
    assert [i.title for i in result.issues] == SEED_TITLES[:11]
    messages = [n.message for n in result.warnings]
    assert "原文末尾没有联系方式和落款，可能没有复制完整：请对照原文检查最后一个问题和结尾" in messages
    assert "通报写“5大类17项问题”，其中问题总数为17项，导入结果是11项：请对照原文核对问题和整改状态" in messages
    assert "第2项问题的整改状态无法从原文判断，暂定为“整改中”，请核对" in messages
    assert "原文中没有找到" not in " ".join(messages)
    files = render_files(result, "2019", True)
    assert "状态: 整改中  # 导入时无法确定，请核对\n" in files["2019/02.md"]
    assert ("反馈联系:\n  电话:  # 通报中未找到，请填写\n  邮箱:  # 通报中未找到，请填写\n"
            "  地址:  # 通报中未找到，请填写\n  邮政编码:  # 通报中未找到，请填写\n") in files["site.yml"]
    write_and_check(tmp_path, result, expect_errors=True)


def test_shuffled_and_dropped_lines_never_crash():
    lines = SEED.split("\n")
    rng = random.Random(7)
    for _ in range(60):
        kept = [line for line in lines if rng.random() > 0.2]
        if rng.random() < 0.5:
            i, j = rng.randrange(len(kept)), rng.randrange(len(kept))
            kept[i], kept[j] = kept[j], kept[i]
        result = parse_notice_text("\n".join(kept))
        assert parse_written(render_files(result, "2019", True)) == []
    for junk in ("", "\n\n", "（一）", "1、", "关于“”的问题", "20191227", "联系方式：", "主要做法：",
                 "一、已整改完成的问题\n1、关于“x”的问题", "\x00\x01", "2019226日" * 3):
        parse_notice_text(junk)


# ---------------------------------------------------------------------------------------------
# Details of reading


def test_garbled_dates():
    warnings: list = []
    assert importer.repair_dates("20181219日至2019226日", 3, warnings) == "2018年12月19日至2019年2月26日"
    assert importer.repair_dates("对电视台20149月、12月", 4, warnings) == "对电视台2014年9月、12月"
    assert importer.repair_dates("20191227", 5, warnings) == "2019年12月27日"
    assert importer.repair_dates("2019111日", 6, warnings) == "2019年1月11日"
    assert importer.repair_dates("共计20000元，电话85932332", 7, warnings) == "共计20000元，电话85932332"
    assert [str(w.line) + w.message for w in warnings] == [
        "3日期“20181219日”缺少“年”“月”，已读作2018年12月19日，请核对",
        "3日期“2019226日”缺少“年”“月”，已读作2019年2月26日，请核对",
        "4日期“20149月”缺少“年”，已读作2014年9月，请核对",
        "5日期“20191227”缺少“年”“月”“日”，已读作2019年12月27日，请核对",
        "6日期“2019111日”缺少“年”“月”，可读作2019年1月11日或2019年11月1日，已按2019年1月11日导入，请核对",
    ]


def test_punctuation_normalisation_keeps_numbers_times_and_addresses():
    norm = lambda s: importer.normalise_punctuation(s)[0]  # noqa: E731
    assert norm("认真落实主体责任 ,切实履行") == "认真落实主体责任，切实履行"
    assert norm("来源: 区融媒体中心 15:24") == "来源： 区融媒体中心 15:24"
    assert norm("网址:https://a.gov.cn/x,共1,234元") == "网址：https://a.gov.cn/x，共1,234元"
    assert norm('对中心(原广电中心)讲"四个意识".') == "对中心（原广电中心）讲“四个意识”。"
    assert norm("(1)完善制度;(PDF)") == "（1）完善制度；(PDF)"
    assert norm("no Chinese, here: (x)") == "no Chinese, here: (x)"


def test_stated_rate_is_checked_not_replaced():
    text = SEED.replace("正在持续整改推进。", "正在持续整改推进,整改完成率76%。")
    result = parse_notice_text(text)
    assert "通报写“整改完成率76%”，其中整改完成率为76%，导入结果是94%：请对照原文核对问题和整改状态" in \
        [n.message for n in result.warnings]
    notice = render_files(result, "2019", True)["2019/notice.md"]
    assert "整改完成率76%" in notice and "整改完成率" not in notice.split("---")[1]


def test_wording_decides_status_and_contradictions_are_flagged():
    text = SEED.replace("二是今后举一反三,严格执行各项规章制度,进一步加强机关管理。",
                        "二是今后举一反三,此项问题需长期坚持。")
    result = parse_notice_text(text)
    statuses = {i.number: (i.status, i.status_reason) for i in result.issues}
    assert statuses[11] == ("长期坚持", "原文写有“需长期坚持”")
    assert statuses[1] == ("整改中", "原文写有“难以整改到位”")
    assert statuses[2] == ("整改中", "原文和公布的数字都不能确定，暂定为“整改中”")
    assert "通报写“已有16项整改完毕”，其中已完成为16项，导入结果是0项：请对照原文核对问题和整改状态" in \
        [n.message for n in result.warnings]


def test_explicit_status_and_title_suffix():
    text = SEED.replace("关于“党的领导核心作用发挥不够”的问题", "关于“党的领导核心作用发挥不够”的问题（已整改）")
    text = add_line_after(text, "3、关于“民主集中制执行不到位”的问题", "  整改状态：长期坚持")
    result = parse_notice_text(text)
    assert result.issues[1].title == "关于“党的领导核心作用发挥不够”的问题"
    assert (result.issues[1].status, result.issues[1].status_reason) == ("已完成", "原文标明“已整改”")
    assert (result.issues[2].status, result.issues[2].status_reason) == ("长期坚持", "原文标明“长期坚持”")


def test_yaml_hostile_titles_still_parse(tmp_path):
    text = SEED.replace("关于“领导分工调整不及时”的问题", '关于“领导#1 \'调整\' "不及时"”的问题').replace(
        "(五)在干部担当作为与选人用人方面", "(五)在干部担当作为与选人用人方面 *重点* [1]")
    result = parse_notice_text(text)
    assert result.issues[-1].title == "关于“领导#1 '调整' “不及时””的问题"
    hostile = '关于“会议: 10:30 #1 "调整"”的问题'
    last = result.categories[-1]
    issues = [replace(i, category="a: b") if i.category == last else i for i in result.issues]
    issues[-1] = replace(issues[-1], title=hostile)
    result = replace(result, issues=tuple(issues), categories=result.categories[:-1] + ("a: b",), title="- 通报: 2019")
    files = write_and_check(tmp_path, result)
    assert files["2019/17.md"].split("\n")[2:4] == ['标题: "关于“会议: 10:30 #1 \\"调整\\"”的问题"', '类别: "a: b"']
    assert files["2019/notice.md"].split("\n")[1] == '标题: "- 通报: 2019"'
    for value in ("是", "null", "~", "yes", "- x", "a: b", "# x", "@x", "'q'", '"q"', "[x]", "{x}", "&a", "*a",
                  "!x", "%x", "2019-12-27", "430300", "x #y", "a\\b", "`x", "|", ">", "?", "? x"):
        node = content.parse_yaml("t", f"k: {importer.yaml_value(value)}", 1, [])
        assert node.value["k"][1].value == value, value


def test_markdown_in_text_is_shown_as_written(tmp_path):
    text = SEED.replace("二是今后举一反三", "1. 今后*举一反三* [见附件] {{问题总数}}_x_")
    result = parse_notice_text(text)
    files = write_and_check(tmp_path, result)
    assert "1\\. 今后\\*举一反三\\* \\[见附件\\] ｛｛问题总数｝｝\\_x\\_" in files["2019/11.md"]


def test_web_page_copy_with_extra_lines(tmp_path):
    lines = SEED.split("\n")
    lines = ["首页 > 党务公开 > 巡察整改", ""] + lines[:2] + [
        "发布时间：2019-12-27 15:24   来源：区融媒体中心   浏览次数：1024", "【字体：大 中 小】"] + lines[4:] + [
        "", "【打印本页】 【关闭窗口】"]
    result = parse_notice_text("\n".join(lines))
    assert model(result) == SEED_MODEL
    assert (result.published, result.source) == (SEED_RESULT.published, "区融媒体中心")
    assert [(n.line, n.message) for n in result.unplaced] == [
        (1, "首页 > 党务公开 > 巡察整改"),
        (5, "发布时间：2019-12-27 15:24 来源：区融媒体中心 浏览次数：1024"),
        (6, "【字体：大 中 小】"),
        (211, "【打印本页】 【关闭窗口】"),
    ]
    report = importer.format_report(result, "n.txt", [], "content")
    assert "未能归位的文字（共4行，没有写入任何文件，如需要请手工补入）：\n  n.txt:1: 首页 > 党务公开 > 巡察整改\n" in report


def test_issue_description_is_kept_beside_its_measures(tmp_path):
    """A problem's “问题表现” part and its measures both reach the issue file."""
    text = add_line_after(SEED, "4、关于“思想政治建设不严实”的问题", "  问题表现：意识形态工作责任制落实不到位。")
    result = parse_notice_text(text)
    assert result.issues[3].paragraphs == SEED_RESULT.issues[3].paragraphs
    assert result.issues[3].description == ("问题表现：意识形态工作责任制落实不到位。",)
    assert result.unplaced == ()
    body = write_and_check(tmp_path, result)["2019/04.md"].split("---\n", 2)[2]
    assert body.startswith("问题表现：意识形态工作责任制落实不到位。\n\n整改情况：一是")
    unlabelled = add_line_after(SEED, "4、关于“思想政治建设不严实”的问题", "  意识形态工作责任制落实不到位。")
    issue = parse_notice_text(unlabelled).issues[3]
    assert issue.description == ("意识形态工作责任制落实不到位。",)
    assert importer.render_files(replace(SEED_RESULT, issues=(issue,)), "2019", False)["2019/04.md"].split(
        "---\n", 2)[2].startswith("问题表现：意识形态工作责任制落实不到位。\n\n整改情况：一是")


def test_measures_numbered_like_sections_stay_in_their_issue():
    text = add_line_after(SEED, "3、关于“民主集中制执行不到位”的问题", "  整改措施：\n  一、建立议事规则\n  二、开展相互监督")
    result = parse_notice_text(text)
    assert model(result) == SEED_MODEL
    assert result.issues[2].paragraphs[:2] == ("一、建立议事规则", "二、开展相互监督")
    assert [b.text for b in result.outro if b.kind == "head"] == ["三、健全机制，坚持长效，巩固深化巡察整改成果"]


def test_wrapped_title_and_signature_in_chinese_numerals():
    lines = SEED.split("\n")
    lines[0] = "黄陂区融媒体中心关于巡察反馈意见\n整改落实情况的通报"
    lines[-1] = "                           二〇一九年十二月二十七日"
    result = parse_notice_text("\n".join(lines))
    assert result.title == SEED_RESULT.title
    assert (result.signed, result.publisher) == (SEED_RESULT.signed, "武汉市黄陂区融媒体中心")
    assert result.unplaced == ()


# ---------------------------------------------------------------------------------------------
# Another unit's notice, as a new user would bring it


def write_and_check(tmp_path, result, expect_errors=False) -> dict[str, str]:
    """Write the import into a fresh content folder and run dwgk's whole check over it."""
    folder = tmp_path / f"c{len(list(tmp_path.iterdir()))}"
    files = render_files(result, "2019", True)
    importer.write_files(str(folder), "2019", files)
    try:
        pipeline.check(pipeline.Paths(str(folder), str(REPO / "layouts"), str(tmp_path / "out")))
    except Exception as exc:  # BuildFailed lists the errors
        if not expect_errors:
            raise
        assert "BuildFailed" in type(exc).__name__
    else:
        assert not expect_errors
    return files


def test_another_units_notice_imports_builds_and_reads(tmp_path):
    site = tmp_path / "content"
    imported = cli("import", FIXTURES / "import-other-unit.txt", "--content", site)
    assert imported.rc == 0, imported.err
    report = imported.out
    assert "  找到 3 个类别、6 个问题：\n" in report
    assert "  问题总数：通报写6项，导入结果6项，一致\n" in report
    assert "  已完成：通报写4项，导入结果4项，一致\n" in report
    assert "  长期坚持：通报写1项，导入结果1项，一致\n" in report
    assert "  整改完成率：通报写66.7%，导入结果67%，一致\n" in report
    assert "  第1、3、5、6项 已完成：原文标明“已完成”\n" in report
    assert "  第2项 整改中：原文写有“正在推进”\n" in report
    assert "  第4项 长期坚持：原文写有“需长期坚持”\n" in report
    assert f"  {site}/site.yml:3: 主办单位“云溪县农业农村局”是由发布单位“中共云溪县农业农村局党组”推断的，请核对\n" in report
    built = cli("build", "--content", site, "--output", tmp_path / "site")
    assert built.rc == 0, built.err
    notice = (tmp_path / "site" / "2020" / "index.html").read_text(encoding="utf-8")
    assert "反馈的3大类6项问题，已整改完成4项，正在整改1项，需长期坚持1项" in notice
    assert "0596-1234567" in (tmp_path / "site" / "contact.html").read_text(encoding="utf-8")
    assert "关于“基层党组织软弱涣散”的问题" in (tmp_path / "site" / "2020" / "issue-3.html").read_text(encoding="utf-8")


MINIMAL = """某单位关于巡察整改情况的通报
根据安排，2019年3月至5月，县委巡察组对我单位进行了巡察。现将整改情况通报如下。
（一）在党的建设方面
关于“学习不够”的问题
整改措施：一是加强学习，此项正在整改。二是已整改完成部分。
关于“制度不全”的问题
整改措施：建立制度。
联系电话：0596-1111111；电话：0596-2222222
20200105
"""


def test_notice_missing_facts_is_flagged(tmp_path):
    result = parse_notice_text(MINIMAL)
    assert [(n.line, n.message) for n in result.warnings] == [
        (1, "原文没有落款单位，发布单位按标题取为“某单位”，请核对"),
        (2, "巡察时间“2019年3月至5月”没有写具体日期，开始日期暂填2019-03-01、结束日期暂填2019-05-31，请核对"),
        (4, "原文的问题没有编号，已按出现顺序编为1至2"),
        (4, "第1项问题的原文同时写有“正在整改”“已整改完成”，无法据此判断整改状态"),
        (4, "第1项问题的整改状态无法从原文判断，暂定为“整改中”，请核对"),
        (6, "第2项问题的整改状态无法从原文判断，暂定为“整改中”，请核对"),
        (8, "原文有多个电话，只取了第一个“0596-1111111”，未用“0596-2222222”"),
        (9, "日期“20200105”缺少“年”“月”“日”，已读作2020年1月5日，请核对"),
        (0, "原文中没有找到巡察反馈日期，notice.md 中这几项留空，网页上不显示；如另有依据可以补填"),
        (0, "原文没有写来源，notice.md 中“来源”留空，网页上不显示；如另有依据可以补填"),
        (0, "原文没有发布时间，发布时间暂按落款日期填为2020-01-05，请核对"),
    ]
    assert result.team == "县委巡察组"
    notice = render_files(result, "2020", True)["2020/notice.md"]
    assert "  反馈日期:  # 通报中未找到，可不填\n" in notice
    assert "来源:  # 通报中未找到，可不填\n" in notice
    report = importer.format_report(result, "m.txt", [], "content")
    assert "通报中没有找到公布的数字（如“5大类17项问题已有16项整改完毕”），无从核对。\n" in report
    assert "m.txt: 原文没有写来源，notice.md 中“来源”留空，网页上不显示；如另有依据可以补填\n" in report
    write_and_check(tmp_path, result, expect_errors=True)


def test_issue_before_the_first_category_and_reversed_period():
    text = MINIMAL.replace("2019年3月至5月", "2019年5月1日至2019年3月1日").replace(
        "（一）在党的建设方面\n关于“学习不够”的问题\n", "关于“学习不够”的问题\n").replace(
        "关于“制度不全”的问题", "（一）在党的建设方面\n关于“制度不全”的问题")
    result = parse_notice_text(text)
    messages = [n.message for n in result.warnings]
    assert "第一个类别之前的问题暂归入类别“巡察反馈的问题”，请核对" in messages
    assert "巡察结束日期早于开始日期，请核对" in messages
    assert result.categories == ("巡察反馈的问题", "在党的建设方面")


def test_clean_report_messages():
    clean = replace(SEED_RESULT, warnings=(), stated=(), info=())
    report = importer.format_report(clean, "n.txt", [], "content")
    assert "没有需要核对的猜测。\n" in report
    assert "各问题的整改状态：\n  第1项 整改中：原文写有“难以整改到位”\n" in report


def test_write_failure_is_reported(tmp_path, monkeypatch):
    def refuse(*args):
        raise PermissionError(13, "Permission denied", str(tmp_path / "c" / "2019"))

    monkeypatch.setattr(importer.os, "rename", refuse)
    result = cli("import", SEED_PATH, "--content", tmp_path / "c")
    assert result.rc == 1
    assert result.err == f"错误：无法写入 {tmp_path}/c/2019（Permission denied）\n"
    assert os.listdir(tmp_path / "c") == []  # the staging folder is gone too


def test_new_user_reads_the_imported_notice_in_a_browser(tmp_path, page):
    """Done when: another unit's notice, imported and built, reads as a site with nothing but the report fixed."""
    site = tmp_path / "content"
    assert cli("import", FIXTURES / "import-other-unit.txt", "--content", site).rc == 0
    assert cli("build", "--content", site, "--output", tmp_path / "site").rc == 0
    out = tmp_path / "site"
    assert validate_html([out / "index.html", out / "2020/index.html", out / "2020/category-2.html",
                          out / "2020/issue-4.html", out / "contact.html"]) == []
    page.goto((out / "index.html").as_uri())
    page.get_by_role("link", name="中共云溪县农业农村局党组关于县委第二巡察组巡察反馈意见整改进展情况的通报").click()
    page.wait_for_load_state()
    assert page.get_by_role("heading", level=1).inner_text() == \
        "中共云溪县农业农村局党组关于县委第二巡察组巡察反馈意见整改进展情况的通报"
    text = page.locator("main").inner_text()
    assert "反馈的3大类6项问题，已整改完成4项，正在整改1项，需长期坚持1项" in text
    assert "对照反馈的3个方面6个问题" in text and "整改完成率66.7%" in text
    assert "0596-1234567" in text and "云溪县城关镇人民路8号" in text
    assert run_axe(page) == []
    page.get_by_role("link", name="关于全面从严治党方面存在的问题").first.click()
    page.wait_for_load_state()
    page.get_by_role("link", name="关于“廉政风险防控不到位”的问题").first.click()
    page.wait_for_load_state()
    assert page.url == (out / "2020/issue-4.html").as_uri()
    assert "长期坚持" in page.locator("main").inner_text()
    assert "（2）此项工作需长期坚持，每年更新风险点清单。" in page.locator("main").inner_text()


def test_issues_numbered_with_chinese_numerals():
    """Categories as 一、在……方面 and issues as （一）关于“……”的问题; or no categories at all."""
    under_categories = with_numbering(SEED, "（{n}）", "{n}、")
    cn = "一二三四五六七八九十"

    def chinese(m):
        n = int(m[1])
        return "（" + (cn[n - 1] if n <= 10 else "十" + cn[n - 11]) + "）关于“"

    under_categories = re.sub(r"（(\d+)）关于“", chinese, under_categories)
    assert "（十七）关于“领导分工调整不及时”" in under_categories
    result = parse_notice_text(under_categories)
    assert model(result) == SEED_MODEL
    flat = re.sub(r"(?m)^\s*[一二三四五]、在.*方面\s*$\n?", "", under_categories)
    result = parse_notice_text(flat)
    assert [i.title for i in result.issues] == SEED_TITLES
    assert result.categories == ("巡察反馈的问题",)


def test_title_and_measures_on_one_line():
    text = re.sub(r"(的问题)[ \u00a0]*\n\s*\n\s*主要做法[:：]?[ \u00a0]*\n\s*\n\s*", r"\1。", SEED)
    assert "  2、关于“党的领导核心作用发挥不够”的问题。一是中心领导班子" in text
    result = parse_notice_text(text)
    assert model(result) == SEED_MODEL
    assert [i.paragraphs for i in result.issues] == [i.paragraphs for i in SEED_RESULT.issues]


def test_control_and_separator_characters_are_dropped(tmp_path):
    text = SEED.replace("关于“制度执行不力”", "关于“制度\x07执行\u2028不力”").replace("一是首先", "一是\x00首先\x1b")
    result = parse_notice_text(text)
    assert result.issues[7].title == "关于“制度执行 不力”的问题"
    assert result.issues[7].paragraphs[0].startswith("一是首先加强制度建设。")
    write_and_check(tmp_path, result)
