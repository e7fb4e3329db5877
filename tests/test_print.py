"""A printed page says where it came from: site name, unit, notice title, publication date, the
page's address (when 网站地址 is set) and the feedback contact, in Chromium's print emulation."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sites import copy_example, edit, run_cli

ADDRESS = "https://www.example.gov.cn/dwgk/"


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    root = copy_example(tmp_path_factory.mktemp("print"))
    edit(root / "content/site.yml", "# 网站地址:", f"网站地址: {ADDRESS}")
    assert run_cli("build", cwd=root).rc == 0
    return root / "site"


def visible_text(page, path: Path, media: str) -> str:
    page.emulate_media(media=media)
    page.goto(path.as_uri(), wait_until="load")
    return page.locator("body").inner_text()  # what is rendered: display:none is left out


@pytest.mark.parametrize("rel, notice", [("2019/issue-1.html", True), ("2019/category-2.html", True),
                                          ("2019/index.html", True), ("contact.html", False)])
def test_a_printed_page_carries_its_origin(page, site, rel, notice):
    printed = visible_text(page, site / rel, "print")
    for expected in ("武汉市黄陂区融媒体中心党务公开",  # site name
                     "主办单位：武汉市黄陂区融媒体中心",  # unit
                     f"本页网址：{ADDRESS}{rel.removesuffix('index.html')}",  # the canonical address
                     "027-85932332", "85932332@163.com"):  # feedback contact
        assert expected in printed, (rel, expected)
    origin = "本页出自《黄陂区融媒体中心关于巡察反馈意见整改落实情况的通报》，武汉市黄陂区融媒体中心2019年12月27日发布"
    assert (origin in printed) == notice
    assert "网站导航" not in printed and "关怀版" not in printed
    assert "搜索" not in printed and "搜索" in visible_text(page, site / rel, "screen")  # the header's search box
    on_screen = visible_text(page, site / rel, "screen")
    assert "本页网址" not in on_screen and "本页出自" not in on_screen


def test_without_an_address_the_sheet_still_names_notice_and_date(page, tmp_path):
    copy_example(tmp_path)
    assert run_cli("build", cwd=tmp_path).rc == 0
    printed = visible_text(page, tmp_path / "site/2019/issue-1.html", "print")
    assert "本页出自《黄陂区融媒体中心关于巡察反馈意见整改落实情况的通报》" in printed
    assert "本页网址" not in printed


def test_the_contact_page_shows_the_contact_block_once(page, site):
    for rel in ("contact.html", "index.html", "2019/issue-1.html"):
        text = visible_text(page, site / rel, "screen")
        assert text.count("85932332@163.com") == 1, rel
