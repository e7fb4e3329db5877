"""The bundled example: the seed notice, faithfully, with computed progress and contact everywhere."""

from __future__ import annotations

import csv
import io
import re

import pytest

from tests.sites import SEED, copy_example, page_h1, page_text, read_tree, run_cli

CATEGORIES = ["在坚持党的领导方面", "在加强党的建设方面", "在落实全面从严治党方面",
              "在党风廉政建设和反腐败工作方面", "在干部担当作为与选人用人方面"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    root = copy_example(tmp_path_factory.mktemp("example"))
    result = run_cli("build", cwd=root)
    assert result.rc == 0, result.err
    return read_tree(root / "site")


def html(site, path):
    return site[path].decode("utf-8")


def test_category_pages_have_the_category_as_h1(site):
    for n, name in enumerate(CATEGORIES, start=1):
        assert page_h1(html(site, f"2019/category-{n}.html")) == [name]
    assert "2019/category-6.html" not in site


def test_seventeen_issue_pages_with_title_status_and_category(site):
    issue_pages = sorted(p for p in site if re.fullmatch(r"2019/issue-\d+\.html", p))
    assert len(issue_pages) == 17
    first = html(site, "2019/issue-1.html")
    assert page_h1(first) == ["关于“贯彻落实上级重大决策部署不及时、不到位”的问题"]
    assert "整改中" in page_text(first) and "在坚持党的领导方面" in page_text(first)
    assert "短时间内难以整改到位" in page_text(first)
    for n in range(2, 18):
        text = page_text(html(site, f"2019/issue-{n}.html"))
        assert "已完成" in text and "整改中" not in text.split("主要做法")[0], n


def test_previous_and_next_stay_within_the_notice(site):
    first, middle, last = (html(site, f"2019/issue-{n}.html") for n in (1, 9, 17))
    assert 'rel="prev"' not in first and 'href="issue-2.html" rel="next"' in first
    assert 'href="issue-8.html" rel="prev"' in middle and 'href="issue-10.html" rel="next"' in middle
    assert 'href="issue-16.html" rel="prev"' in last and 'rel="next"' not in last


def test_progress_is_computed_on_home_and_notice(site):
    sentence = "反馈的5大类17项问题，已整改完成16项，正在整改1项"
    assert sentence in page_text(html(site, "index.html"))
    notice = page_text(html(site, "2019/index.html"))
    assert sentence in notice
    assert "目前，巡察组反馈的5大类17项问题已有16项整改完毕，还有1项问题正在持续整改推进。" in notice
    assert "{{" not in notice


def test_counts_per_category_on_notice_page(site):
    text = html(site, "2019/index.html")
    rows = re.findall(r'<th scope="row"><a href="category-(\d)\.html">[^<]+</a></th>\s*'
                      r"<td>(\d+)</td><td>(\d+)</td><td>(\d+)</td><td>(\d+)</td>", text)
    assert [tuple(map(int, r)) for r in rows] == [
        (1, 3, 2, 1, 0), (2, 5, 5, 0, 0), (3, 2, 2, 0, 0), (4, 2, 2, 0, 0), (5, 5, 5, 0, 0)]


def test_contact_in_the_footer_of_every_page(site):
    pages = [p for p in site if p.endswith(".html")]
    assert len(pages) == 1 + 1 + 1 + 1 + 1 + 5 + 17  # home, contact, search, 404, notice, categories, issues
    for path in pages:
        text = html(site, path)
        # The contact page shows the contact once, as its main text, not again in the footer.
        footer = text[text.index("<main" if path == "contact.html" else "<footer"):]
        assert 'href="tel:027-85932332"' in footer, path
        assert 'href="mailto:85932332@163.com"' in footer, path
        assert "武汉市黄陂区前川街南潭路28号区融媒体中心办公室" in footer, path
        assert "430300" in footer, path
        assert "主办单位：武汉市黄陂区融媒体中心" in footer, path
    assert page_h1(html(site, "contact.html")) == ["反馈联系"]


def test_notice_header_inspection_and_signature(site):
    text = page_text(html(site, "2019/index.html"))
    for fact in ("2019年12月27日 15:24", "来源：区融媒体中心", "区委第三巡察组",
                 "2018年12月19日至2019年2月26日", "2019年7月22日"):
        assert fact in text
    assert "武汉市黄陂区融媒体中心2019年12月27日" in re.sub(r"\s", "", text)


def test_ledger_is_excel_friendly_csv(site):
    data = site["2019/ledger.csv"]
    assert data.startswith("\ufeff".encode("utf-8"))
    assert b"\r\n" in data
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    assert rows[0] == ["编号", "类别", "问题", "整改状态", "完成日期", "整改时限", "责任部门"]
    assert len(rows) == 18
    assert rows[1][:4] == ["1", "在坚持党的领导方面", "关于“贯彻落实上级重大决策部署不及时、不到位”的问题", "整改中"]
    assert [r[3] for r in rows[1:]].count("已完成") == 16


def _normalise(text: str) -> str:
    """The permitted differences between the seed and the site: punctuation width, lost 年/月."""
    text = text.replace(",", "，").replace(":", "：").replace("(", "（").replace(")", "）").replace(";", "；")
    for garbled, fixed in (("20181219日", "2018年12月19日"), ("2019226日", "2019年2月26日"),
                           ("2019722日", "2019年7月22日"), ("20149月", "2014年9月")):
        text = text.replace(garbled, fixed)
    return re.sub(r"\s", "", text)


def test_every_paragraph_of_the_seed_is_on_the_notice_page(site):
    page = _normalise(page_text(html(site, "2019/index.html")))
    lines = [line.strip() for line in SEED.read_text(encoding="utf-8").splitlines()]
    body = lines[lines.index("来源: 区融媒体中心") + 1:]
    checked = 0
    for line in body:
        if not line.strip() or line.startswith(("联系方式", "邮箱", "信件邮寄地址", "邮政编码", "武汉市黄陂区融媒体中心", "2019122")):
            continue
        if re.fullmatch(r"主要做法[:：]?", line):
            continue
        paragraph = _normalise(line)
        assert paragraph in page, line
        checked += 1
    assert checked == 78  # every paragraph of the seed between its header and the contact block
