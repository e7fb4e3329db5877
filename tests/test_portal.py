"""The district portal: units (单位/) and inspection rounds (轮次/) in one content folder.

Each unit's pages carry its own feedback contact; the home page, a page per round and per unit
show figures computed from the issue files; bad declarations are `path:line` errors.
"""

from __future__ import annotations

import csv
import io
import re
import shutil
from pathlib import Path

import pytest

from dwgk import parallel
from tests.portal import ROUND_KEY, ROUND_NAME, SITE_EMAIL, SITE_PHONE, UNITS, district, unit_yml
from tests.sites import (ATOM, REPO, assert_errors, edit, links_of, page_h1, page_text, read_tree, run_cli,
                         sitemap_locs, validate_atom)
from tests.test_cache import Editor, age, assert_same_as_cold

BASE = "https://www.example.gov.cn/dwgk/"


def build_ok(root: Path, *args: str):
    result = run_cli("build", *args, cwd=root)
    assert result.rc == 0, result.err
    return read_tree(root / "site")


def text(files: dict, path: str) -> str:
    return files[path].decode("utf-8")


def crumbs(html: str) -> list[str]:
    """The breadcrumb trail's labels, home first."""
    nav = html.split('<nav class="breadcrumb', 1)[1].split("</nav>", 1)[0]
    return [page_text("<li" + part).strip() for part in nav.split("<li")[1:]]


def cells(html: str) -> list[str]:
    """The text of each cell of a table row."""
    return [page_text(cell).strip() for cell in re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", html, re.S)]


# --- each unit's contact ---------------------------------------------------------------------

def test_each_units_pages_carry_its_own_phone_and_email_and_no_other(tmp_path):
    files = build_ok(district(tmp_path))
    for stem, name, phone, email, folder in UNITS:
        pages = [p for p in files if p.startswith(folder + "/") and p.endswith(".html")]
        assert len(pages) == 1 + 5 + 17  # notice, categories, issues
        others = [u for u in UNITS if u[0] != stem]
        for page in pages + [f"unit-{stem}.html"]:
            html = text(files, page)
            # In the feedback section of the notice (and the unit page) and in the footer of every page.
            assert html.count(phone) == (4 if page.endswith(("index.html", f"unit-{stem}.html")) else 2), page
            assert f'href="tel:{phone}"' in html and f'href="mailto:{email}"' in html
            footer = html.split('<footer class="site-footer">', 1)[1]
            assert phone in footer and email in footer
            for _, _, other_phone, other_email, _ in others:
                assert other_phone not in html and other_email not in html, page
            assert SITE_PHONE not in html and SITE_EMAIL not in html, page
    # The site-wide pages keep the site's contact (site.yml's 反馈联系).
    for page in ("index.html", "contact.html", f"round-{ROUND_KEY}.html"):
        assert SITE_PHONE in text(files, page)
        assert all(u[2] not in text(files, page).split("<footer", 1)[1] for u in UNITS)


def test_a_unit_without_its_own_contact_uses_the_sites(tmp_path):
    root = district(tmp_path)
    (root / "content/单位/minzhengju.yml").write_text("名称: 示例区民政局\n简称: 民政局\n", encoding="utf-8")
    files = build_ok(root)
    notice = text(files, "mzj-2024/index.html")
    assert SITE_PHONE in notice and "0199-11110001" not in notice
    assert "0199-22220002" in text(files, "rmt-2024/index.html")
    # The short name is what the breadcrumb shows; the full name is on the unit's page.
    assert crumbs(text(files, "mzj-2024/issue-2.html"))[2] == "民政局"
    assert page_h1(text(files, "unit-minzhengju.html")) == ["示例区民政局"]


# --- home, round and unit pages ----------------------------------------------------------------

def second_round(root: Path) -> None:
    """A second, later round (inspected in 2024) with a fourth notice of 示例区民政局, with one
    problem of long-term status."""
    content = root / "content"
    (content / "轮次/15-1.yml").write_text("名称: 十五届区委第一轮巡察\n", encoding="utf-8")
    shutil.copytree(content / "mzj-2024", content / "mzj-2025")
    edit(content / "mzj-2025/notice.md", f"巡察轮次: {ROUND_NAME}", "巡察轮次: 十五届区委第一轮巡察")
    edit(content / "mzj-2025/notice.md", "开始日期: 2018-12-19", "开始日期: 2019-01-02")
    edit(content / "mzj-2025/notice.md", "发布时间: 2019-12-27 15:24", "发布时间: 2020-03-02 09:00")
    edit(content / "mzj-2025/02.md", "状态: 已完成", "状态: 长期坚持")
    edit(content / "mzj-2025/notice.md", "  已完成: 16\n", "  已完成: 15\n  长期坚持: 1\n")


def test_home_page_shows_each_round_newest_first_with_computed_totals_and_each_units_progress(tmp_path):
    root = district(tmp_path)
    second_round(root)
    files = build_ok(root)
    home = page_text(text(files, "index.html"))
    newer, older = home.index("十五届区委第一轮巡察"), home.index(ROUND_NAME)
    assert newer < older  # ordered by the earliest 巡察：开始日期 of the round's notices
    assert "共巡察1个单位，反馈问题17项，已完成15项，整改中1项，长期坚持1项，完成率88.24%。" in home
    assert "共巡察3个单位，反馈问题51项，已完成48项，整改中3项，长期坚持0项，完成率94.12%。" in home
    for _, name, _, _, _ in UNITS:
        assert f"{name}：反馈的5大类17项问题，已整改完成16项，正在整改1项。" in home
    links = links_of(files["index.html"])
    assert {"round-14-3.html", "round-15-1.html", "mzj-2024/index.html", "mzj-2025/index.html",
            "unit-minzhengju.html"} <= set(links)
    assert "整改情况通报" not in home.split(ROUND_NAME)[-1].split("被巡察单位")[0]  # every notice is in a round


def test_round_page_names_every_unit_with_its_progress_and_offers_the_rounds_ledger(tmp_path):
    root = district(tmp_path)
    edit(root / "content/rmt-2024/05.md", "状态: 已完成", "状态: 整改中")
    edit(root / "content/rmt-2024/notice.md", "  已完成: 16\n  整改中: 1\n", "  已完成: 15\n  整改中: 2\n")
    files = build_ok(root)
    html = text(files, "round-14-3.html")
    assert page_h1(html) == [ROUND_NAME]
    rows = [cells(r) for r in html.split("<tbody>", 1)[1].split("</tbody>", 1)[0].split("<tr>")[1:]]
    assert [" ".join(r) for r in rows] == [
        "示例区民政局 17 16 1 0 94.12%",
        "示例区融媒体中心 17 15 2 0 88.24%",
        "示例区实验街道办事处 17 16 1 0 94.12%",
    ]
    assert cells(html.split("<tfoot>")[1].split("</tfoot>")[0]) == ["合计（3个单位）", "51", "47", "4", "0", "92.16%"]
    assert {"mzj-2024/index.html", "rmt-2024/index.html", "syj-2024/index.html", "round-14-3.csv"} <= set(links_of(files["round-14-3.html"]))
    ledger = files["round-14-3.csv"]
    assert ledger.startswith("\ufeff".encode("utf-8")) and b"\r\n" in ledger
    table = list(csv.reader(io.StringIO(ledger.decode("utf-8-sig"))))
    assert table[0] == ["被巡察单位", "通报", "编号", "类别", "问题", "整改状态", "完成日期", "整改时限", "责任部门"]
    assert len(table) == 1 + 51
    assert [r[0] for r in table[1:]] == ["示例区民政局"] * 17 + ["示例区融媒体中心"] * 17 + ["示例区实验街道办事处"] * 17
    assert table[18 + 4][2:6] == ["5", table[5][3], table[5][4], "整改中"]  # rmt-2024/05.md, made ongoing


def test_unit_page_lists_its_notices_across_rounds_and_its_contact(tmp_path):
    root = district(tmp_path)
    second_round(root)
    files = build_ok(root)
    html = text(files, "unit-minzhengju.html")
    page = page_text(html)
    assert page.index("十五届区委第一轮巡察") < page.index(ROUND_NAME)  # newest notice first
    assert {"mzj-2025/index.html", "mzj-2024/index.html", "round-15-1.html", "round-14-3.html"} <= set(links_of(files["unit-minzhengju.html"]))
    assert "0199-11110001" in html.split('<section class="unit-contact"', 1)[1].split("</section>")[0]
    assert "rmt-2024/index.html" not in links_of(files["unit-minzhengju.html"])


def test_breadcrumbs_lead_home_round_unit_notice_category_issue(tmp_path):
    files = build_ok(district(tmp_path))
    notice_title = "黄陂区融媒体中心关于巡察反馈意见整改落实情况的通报"
    assert crumbs(text(files, "mzj-2024/index.html")) == ["首页", ROUND_NAME, "示例区民政局", notice_title]
    assert crumbs(text(files, "mzj-2024/category-1.html")) == ["首页", ROUND_NAME, "示例区民政局", notice_title, "在坚持党的领导方面"]
    assert crumbs(text(files, "mzj-2024/issue-3.html"))[:5] == ["首页", ROUND_NAME, "示例区民政局", notice_title, "在坚持党的领导方面"]
    assert crumbs(text(files, "round-14-3.html")) == ["首页", ROUND_NAME]
    assert crumbs(text(files, "unit-minzhengju.html")) == ["首页", "示例区民政局"]
    links = links_of(files["mzj-2024/issue-3.html"])
    assert "../round-14-3.html" in links and "../unit-minzhengju.html" in links
    facts = page_text(text(files, "mzj-2024/index.html").split('<dl class="facts">', 1)[1].split("</dl>")[0])
    assert "被巡察单位示例区民政局" in facts and f"巡察轮次{ROUND_NAME}" in facts


def test_feed_sitemap_and_portal_tags_carry_round_and_unit_pages(tmp_path):
    files = build_ok(district(tmp_path), "--base-url", BASE)
    locs = sitemap_locs(files["sitemap.xml"])
    for page in ("round-14-3.html", "unit-minzhengju.html", "unit-rongmeiti.html", "unit-shiyanjie.html"):
        assert BASE + page in locs
        assert f'<link rel="canonical" href="{BASE}{page}">' in text(files, page)
    assert validate_atom(files["feed.xml"]) == []
    import xml.etree.ElementTree as ET
    entries = {e.find(ATOM + "id").text: e for e in ET.fromstring(files["feed.xml"]).findall(ATOM + "entry")}
    entry = entries[BASE + "round-14-3.html"]
    assert entry.find(ATOM + "title").text == f"{ROUND_NAME}整改情况"
    assert entry.find(ATOM + "summary").text == "共巡察3个单位，反馈问题51项，已完成48项，整改中3项，长期坚持0项，完成率94.12%。"
    assert '<meta name="ColumnName" content="十四届区委第三轮巡察">' in text(files, "round-14-3.html")
    assert '<meta name="ColumnName" content="示例区民政局">' in text(files, "unit-minzhengju.html")


def test_stated_round_figures_that_match_build(tmp_path):
    root = district(tmp_path)
    (root / f"content/轮次/{ROUND_KEY}.yml").write_text(
        f"名称: {ROUND_NAME}\n公布数字:\n  单位数: 3\n  问题总数: 51\n  已完成: 48\n  整改中: 3\n  长期坚持: 0\n",
        encoding="utf-8")
    build_ok(root)


def test_output_names_cannot_collide_with_notice_folders(tmp_path):
    # Round and unit pages are files at the top (round-KEY.html, unit-KEY.html); notice folders
    # have no dot in their names, so a folder named like a round or unit keeps its own pages.
    root = district(tmp_path)
    (root / "content/mzj-2024").rename(root / "content/round-14-3")
    (root / "content/rmt-2024").rename(root / "content/unit-minzhengju")
    files = build_ok(root)
    assert "round-14-3/index.html" in files and "round-14-3.html" in files and "round-14-3.csv" in files
    assert "unit-minzhengju/index.html" in files and "unit-minzhengju.html" in files


def test_a_notice_without_a_unit_in_a_round_counts_as_the_sites_own_unit(tmp_path):
    root = district(tmp_path)
    edit(root / "content/syj-2024/notice.md", "被巡察单位: 示例区实验街道办事处\n", "")
    files = build_ok(root)
    assert "unit-shiyanjie.html" not in files  # a declared unit without notices gets no empty page
    home = page_text(text(files, "index.html"))
    assert "示例区实验街道办事处：反馈的5大类17项问题" in home  # named by its 发布单位
    assert SITE_PHONE in text(files, "syj-2024/index.html")


def test_a_declared_round_without_notices_gets_no_page(tmp_path):
    root = district(tmp_path)
    (root / "content/轮次/15-2.yml").write_text("名称: 十五届区委第二轮巡察\n", encoding="utf-8")
    files = build_ok(root)
    assert "round-15-2.html" not in files and "十五届区委第二轮巡察" not in text(files, "index.html")


def test_a_change_to_a_unit_or_round_file_reaches_every_page_of_an_incremental_build(tmp_path):
    root = district(tmp_path)
    build_ok(root)
    edit(root / "content/单位/minzhengju.yml", "0199-11110001", "0199-44440004")  # nothing else changes
    files = build_ok(root)
    assert "0199-44440004" in text(files, "mzj-2024/issue-17.html") and "0199-11110001" not in text(files, "mzj-2024/issue-17.html")
    edit(root / "content/单位/rongmeiti.yml", "名称: 示例区融媒体中心", "名称: 示例区融媒体中心\n简称: 融媒体中心")
    files = build_ok(root)
    assert crumbs(text(files, "rmt-2024/issue-1.html"))[2] == "融媒体中心"
    edit(root / f"content/轮次/{ROUND_KEY}.yml", ROUND_NAME, "十四届区委第三轮巡察（示例）")
    for folder in ("mzj-2024", "rmt-2024", "syj-2024"):
        edit(root / f"content/{folder}/notice.md", f"巡察轮次: {ROUND_NAME}", "巡察轮次: 十四届区委第三轮巡察（示例）")
    files = build_ok(root)
    assert "十四届区委第三轮巡察（示例）" in text(files, "rmt-2024/issue-1.html")
    cold = run_cli("build", "--no-cache", "--output", "cold", cwd=root)
    assert cold.rc == 0
    assert read_tree(root / "cold") == files


# --- bad input ---------------------------------------------------------------------------------

MZJ = "content/mzj-2024/notice.md"
UNIT = "content/单位/minzhengju.yml"
ROUND = f"content/轮次/{ROUND_KEY}.yml"
DECLARED_UNITS = "示例区民政局、示例区融媒体中心、示例区实验街道办事处"


def replace(path, old, new):
    return lambda root: edit(root / path, old, new)


def write(path, data: str):
    def apply(root):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(data, encoding="utf-8")
    return apply


CASES = {
    "unknown-unit": (
        [replace(MZJ, "被巡察单位: 示例区民政局", "被巡察单位: 示例区民政")],
        [f"{MZJ}:18: 未知的被巡察单位“示例区民政”（单位/ 中声明的单位：{DECLARED_UNITS}）"]),
    "unknown-round": (
        [replace(MZJ, f"巡察轮次: {ROUND_NAME}", "巡察轮次: 十四届区委第四轮巡察")],
        [f"{MZJ}:19: 未知的巡察轮次“十四届区委第四轮巡察”（轮次/ 中声明的轮次：{ROUND_NAME}）"]),
    "no-units-declared": (
        [lambda root: shutil.rmtree(root / "content/单位")],
        [f"content/{folder}/notice.md:18: 未知的被巡察单位“{name}”：单位/ 文件夹中还没有声明任何单位；"
         f"请在 单位/ 中为它写一个文件（如 单位/minzhengju.yml，内写“名称: {name}”）" for _, name, _, _, folder in UNITS]),
    "two-units-one-name": (
        [write("content/单位/minzhengju-2.yml", unit_yml("示例区民政局", "0199-55550005", "x@example.gov.cn"))],
        ["content/单位/minzhengju-2.yml:1: 单位名称“示例区民政局”与 content/单位/minzhengju.yml:1 重复：每个单位只写一个文件，名称不能相同"]),
    "two-rounds-one-name": (
        [write("content/轮次/a.yml", f"# 另一个文件\n名称: {ROUND_NAME}\n")],
        [f"content/轮次/a.yml:2: 轮次名称“{ROUND_NAME}”与 {ROUND}:1 重复：每个轮次只写一个文件，名称不能相同"]),
    "bad-unit-contact": (
        [replace(UNIT, "邮箱: mzj@example.gov.cn", "邮箱: mzj"), replace(UNIT, '邮政编码: "430000"', "邮政编码: 4300"),
         replace(UNIT, "  电话: 0199-11110001\n", "")],
        [f"{UNIT}:2: 缺少必填字段“反馈联系：电话”",
         f"{UNIT}:3: 邮箱“mzj”格式不对，应形如 name@example.com",
         f"{UNIT}:5: 邮政编码“4300”应是6位数字"]),
    "unit-without-name": (
        [replace(UNIT, "名称: 示例区民政局\n", "简称: 民政局\n")],
        [f"{UNIT}:1: 缺少必填字段“名称”"]),  # its notices are not told their unit is unknown
    "unknown-unit-key": (
        [replace(UNIT, "名称: ", "名字: 民政\n名称: ")],
        [f"{UNIT}:1: 未知的字段“名字”（可用：名称、简称、反馈联系）"]),
    "unknown-round-key": (
        [write(ROUND, f"名称: {ROUND_NAME}\n日期: 2024-01-01\n")],
        [f"{ROUND}:2: 未知的字段“日期”（可用：名称、公布数字）"]),
    "bad-unit-stem": (
        [lambda root: (root / UNIT).rename(root / "content/单位/民政局.yml")],
        ["content/单位/民政局.yml:1: 单位文件名“民政局”不能用作网址：只能用小写英文字母、数字和连字符（-），如 单位/minzhengju.yml"]),
    "bad-round-stem": (
        [lambda root: (root / ROUND).rename(root / "content/轮次/Round_3.yml")],
        ["content/轮次/Round_3.yml:1: 轮次文件名“Round_3”不能用作网址：只能用小写英文字母、数字和连字符（-），如 轮次/14-3.yml"]),
    "not-a-yml-file": (
        [write("content/单位/说明.txt", "x"), write("content/轮次/old/14-2.yml", "名称: 旧\n")],
        ["content/单位/说明.txt:1: 单位文件夹中只能放单位文件（每个单位一个 .yml 文件，如 单位/minzhengju.yml），请移走此文件",
         "content/轮次/old/14-2.yml:1: 轮次文件夹中只能放轮次文件（每个轮次一个 .yml 文件，如 轮次/14-3.yml），请移走此文件"]),
    "round-stated-figures-disagree": (
        [write(ROUND, f"名称: {ROUND_NAME}\n公布数字:\n  单位数: 4\n  问题总数: 51\n  已完成: 50\n  整改中: 1\n")],
        [f"{ROUND}:3: 公布数字“单位数”写的是4个，但按本轮各单位的问题文件统计是3个；请核对问题文件的状态或改正此数字",
         f"{ROUND}:5: 公布数字“已完成”写的是50项，但按本轮各单位的问题文件统计是48项；请核对问题文件的状态或改正此数字",
         f"{ROUND}:6: 公布数字“整改中”写的是1项，但按本轮各单位的问题文件统计是3项；请核对问题文件的状态或改正此数字"]),
    "bad-round-figure": (
        [write(ROUND, f"名称: {ROUND_NAME}\n公布数字:\n  问题总数: 很多\n")],
        [f"{ROUND}:3: “公布数字：问题总数”应是0或正整数，而不是“很多”"]),
    "bad-yaml-in-unit": (
        [replace(UNIT, "反馈联系:\n", "反馈联系\n")],
        None),  # a YAML error: its wording is pinned in tests/test_invalid.py; here, that it is one
    "all-at-once": (
        # Errors of declarations, references and issue files, all in one run.
        [replace(MZJ, "被巡察单位: 示例区民政局", "被巡察单位: 示例区民政"),
         replace("content/rmt-2024/notice.md", f"巡察轮次: {ROUND_NAME}", "巡察轮次: 第四轮"),
         replace(UNIT, "邮箱: mzj@example.gov.cn", "邮箱: mzj"),
         replace("content/syj-2024/03.md", "状态: 已完成", "状态: 完成了")],
        [f"{MZJ}:18: 未知的被巡察单位“示例区民政”（单位/ 中声明的单位：{DECLARED_UNITS}）",
         f"content/rmt-2024/notice.md:19: 未知的巡察轮次“第四轮”（轮次/ 中声明的轮次：{ROUND_NAME}）",
         "content/syj-2024/03.md:5: 未知的整改状态“完成了”（可选：已完成、整改中、长期坚持）",
         f"{UNIT}:4: 邮箱“mzj”格式不对，应形如 name@example.com"]),
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_portal_input_gets_exact_chinese_errors_and_leaves_the_site(tmp_path, name):
    edits, expected = CASES[name]
    root = district(tmp_path)
    before = build_ok(root)
    for apply in edits:
        apply(root)
    result = run_cli("build", cwd=root)
    lines = assert_errors(result, expected)
    if expected is None:
        assert len(lines) == 1 and lines[0].startswith(f"{UNIT}:") and "缺少冒号" in lines[0]  # said without the word YAML (#17)
    assert read_tree(root / "site") == before
    # The same errors from a build without the cache, and from check.
    assert run_cli("build", "--no-cache", "--output", "cold", cwd=root).err == result.err
    assert run_cli("check", cwd=root).err == result.err


# --- incremental builds ------------------------------------------------------------------------

class PortalEditor(Editor):
    """The cache test's random editor, on a district portal, also editing units and rounds."""

    def folders(self) -> list[Path]:
        return [p for p in super().folders() if p.name not in ("单位", "轮次")]

    def notices(self) -> list[Path]:
        return [p / "notice.md" for p in self.folders() if (p / "notice.md").exists()]

    def do_delete_notice_folder(self):
        if len(self.folders()) > 3:
            super().do_delete_notice_folder()

    def do_add_notice(self):
        source = self.pick(self.folders())
        if (source / "notice.md").exists():
            copy = self.content / f"n{self.rng.randint(100, 999)}"
            if not copy.exists():
                shutil.copytree(source, copy)
            self.do_move_notice_to_other_unit()

    def do_edit_unit_contact(self):
        path = self.pick(sorted((self.content / "单位").glob("*.yml")))
        if path:
            text = path.read_text(encoding="utf-8")
            path.write_text(re.sub(r"电话: 0199-\d+", f"电话: 0199-{self.rng.randint(10000000, 99999999)}", text),
                            encoding="utf-8")

    def do_move_notice_to_other_unit(self):
        notice = self.pick(self.notices())
        if notice:
            name = self.rng.choice([u[1] for u in UNITS])
            text = notice.read_text(encoding="utf-8")
            notice.write_text(re.sub(r"被巡察单位: .*\n", f"被巡察单位: {name}\n", text), encoding="utf-8")

    def do_rename_round(self):  # its notices then name an unknown round: an error until renamed back
        path = self.content / f"轮次/{ROUND_KEY}.yml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace(ROUND_NAME, "第三轮") if ROUND_NAME in text else text.replace("第三轮", ROUND_NAME),
                        encoding="utf-8")

    def do_state_round_figures(self):  # right or wrong, as the issue files stand
        path = self.content / f"轮次/{ROUND_KEY}.yml"
        name = path.read_text(encoding="utf-8").splitlines()[0]
        path.write_text(f"{name}\n公布数字:\n  单位数: {self.rng.randint(2, 3)}\n", encoding="utf-8")

    def do_second_round(self):
        notice = self.pick(self.notices())
        if notice and not (self.content / "轮次/15-1.yml").exists():
            (self.content / "轮次/15-1.yml").write_text("名称: 十五届区委第一轮巡察\n", encoding="utf-8")
            edit(notice, f"巡察轮次: {ROUND_NAME}", "巡察轮次: 十五届区委第一轮巡察")

    def do_unit_file_away_and_back(self):
        away = sorted(self.trash.glob("*.yml"))
        if away:
            away[0].rename(self.content / "单位" / away[0].name)
        else:
            path = self.pick(sorted((self.content / "单位").glob("*.yml")))
            path.rename(self.trash / path.name)


def test_any_sequence_of_portal_edits_builds_what_a_cold_build_builds(tmp_path, monkeypatch):
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    root = district(tmp_path)
    shutil.copytree(REPO / "layouts", root / "layouts")
    age(root / "content")
    editor = PortalEditor(root, 15)
    assert_same_as_cold(root)
    done = []
    for _ in range(50):
        done.append(editor.step())
        before = read_tree(root / "site")
        try:
            assert_same_as_cold(root, before)
        except AssertionError as exc:
            raise AssertionError(f"after steps {done}") from exc
    portal_steps = {d.split(":")[0] for d in done} & {a for a in dir(PortalEditor) if a.startswith("do_")} - set(dir(Editor))
    assert len(portal_steps) >= 4


# --- archive, publish, preview -------------------------------------------------------------------

def test_archive_and_publish_carry_the_round_and_unit_pages(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1735603200")  # 2024-12-31
    root = district(tmp_path)
    result = run_cli("archive", "2024", cwd=root)
    assert result.rc == 0, result.err
    archived = read_tree(root / "archive/2024/site")
    new_pages = ["round-14-3.html", "round-14-3.csv", "unit-minzhengju.html", "unit-rongmeiti.html", "unit-shiyanjie.html"]
    for page in new_pages:
        assert page in archived
    assert "0199-22220002" in archived["rmt-2024/issue-4.html"].decode("utf-8")
    assert "本页为2024年度归档版本" in archived["round-14-3.html"].decode("utf-8")
    (root / "www").mkdir()
    result = run_cli("publish", "www/dwgk", cwd=root)
    assert result.rc == 0, result.err
    published = read_tree(root / "www/dwgk")
    for page in new_pages:
        assert published[page] == read_tree(root / "site")[page]
        assert f"archive/2024/{page}" in published


def test_preview_shows_a_unit_contact_edit_on_its_notice_pages(tmp_path, page):
    from tests.test_serve import expect_text, open_live, save_edit, start_preview

    root = district(tmp_path)
    p, url = start_preview(root)
    try:
        open_live(page, url + "mzj-2024/issue-2.html")
        expect_text(page, "0199-11110001")
        save_edit(root / "content/单位/minzhengju.yml", "0199-11110001", "0199-66660006")
        expect_text(page, "0199-66660006")  # livereload reloads the page by itself
        page.goto(url + "round-14-3.html")
        expect_text(page, "共巡察3个单位，反馈问题51项")
    finally:
        p.stop()


# --- the district example ----------------------------------------------------------------------

def test_the_district_example_is_what_its_script_writes_and_is_clearly_fictional(tmp_path):
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_district", REPO / "examples/make_district.py")
    script = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(script)
    script.make(str(tmp_path / "district"))
    committed = read_tree(REPO / "examples/district")
    assert read_tree(tmp_path / "district") == committed  # deterministic, and committed as written

    units = {p: t.decode("utf-8") for p, t in committed.items() if p.startswith("单位/")}
    rounds = [p for p in committed if p.startswith("轮次/")]
    issues = [t.decode("utf-8") for p, t in committed.items() if p.count("/") == 1 and p.endswith(".md")
              and not p.endswith("notice.md") and not p.startswith(("单位/", "轮次/"))]
    assert len(units) >= 12 and len(rounds) >= 3 and 180 <= len(issues) <= 230
    statuses = [re.search(r"^状态: (.+)$", t, re.M)[1] for t in issues]
    assert {s: statuses.count(s) > 10 for s in ("已完成", "整改中", "长期坚持")} == {"已完成": True, "整改中": True, "长期坚持": True}
    every_text = "\n".join(t.decode("utf-8") for t in committed.values())
    for text in units.values():
        assert "示例" in re.search(r"^名称: (.+)$", text, re.M)[1]
    phones = re.findall(r"电话: (\S+)", every_text)
    emails = re.findall(r"邮箱: (\S+)", every_text)
    assert len(phones) == len(emails) == len(units) + 1
    assert all(p.startswith("0199-") for p in phones) and all(e.endswith("@example.gov.cn") for e in emails)


def test_the_district_example_builds_with_its_stated_round_figures(tmp_path):
    result = run_cli("build", "--content", str(REPO / "examples/district"), "--output", "site", cwd=tmp_path)
    assert result.rc == 0, result.err
    files = read_tree(tmp_path / "site")
    home = page_text(text(files, "index.html"))
    assert [home.index(name) for name in ("十四届区委第三轮巡察", "十四届区委第二轮巡察", "十四届区委第一轮巡察")] == sorted(
        home.index(name) for name in ("十四届区委第三轮巡察", "十四届区委第二轮巡察", "十四届区委第一轮巡察"))
    stated = (REPO / "examples/district/轮次/14-3.yml").read_text(encoding="utf-8")
    figures = dict(re.findall(r"^  (\S+): (\d+)$", stated, re.M))
    assert (f"共巡察{figures['单位数']}个单位，反馈问题{figures['问题总数']}项，已完成{figures['已完成']}项，"
            f"整改中{figures['整改中']}项，长期坚持{figures['长期坚持']}项") in home
    assert len([p for p in files if p.startswith("unit-")]) == 12
    assert len([p for p in files if p.startswith("round-") and p.endswith(".html")]) == 3
