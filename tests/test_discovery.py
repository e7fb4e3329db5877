"""Base URL, sitemap.xml, robots.txt, the Atom feed, canonical links, portal <meta> tags and footer."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.sites import ATOM, copy_example, edit, read_tree, run_cli, sitemap_locs, validate_atom
from tests.tools import validate_html

BASE = "https://www.example.gov.cn/dwgk/"
NOTE = ("提示：未设置网站地址（site.yml 中的“网站地址”，或 --base-url），"
        "因此未生成 sitemap.xml、robots.txt、订阅源 feed.xml 和各页的规范链接（canonical）。")


class Head(HTMLParser):
    """The <link> and <meta name> tags of a page, and its footer paragraphs' text and links."""

    def __init__(self, html: str):
        super().__init__()
        self.links: list[dict] = []
        self.meta: list[tuple[str, str]] = []
        self.footer_links: dict[str, str] = {}
        self._href = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "link":
            self.links.append(a)
        elif tag == "meta" and "name" in a and a["name"] != "viewport":
            self.meta.append((a["name"], a["content"]))
        elif tag == "a":
            self._href = a.get("href")

    def handle_data(self, data):
        if self._href and data.strip():
            self.footer_links[data.strip()] = self._href
            self._href = None

    def rel(self, rel: str) -> list[dict]:
        return [link for link in self.links if link.get("rel") == rel]


def build(tmp_path: Path, *args: str):
    result = run_cli("build", *args, cwd=tmp_path)
    assert result.rc == 0, result.err
    return result, read_tree(tmp_path / "site")


def pages(tree: dict) -> list[str]:
    return sorted(p for p in tree if p.endswith(".html"))


def test_without_a_base_url_nothing_absolute_is_made_and_the_editor_is_told(tmp_path):
    copy_example(tmp_path)
    result, tree = build(tmp_path)
    assert result.out.splitlines()[1:] == []  # not after every build: on publishing, when it matters
    published = run_cli("publish", "--zip", str(tmp_path / "site.zip"), cwd=tmp_path)
    assert published.rc == 0, published.err
    assert published.out.splitlines()[-1] == NOTE
    for name in ("sitemap.xml", "robots.txt", "feed.xml"):
        assert name not in tree
    for path in pages(tree):
        head = Head(tree[path].decode())
        assert head.rel("canonical") == [] and head.rel("alternate") == [], path
        assert "SiteDomain" not in dict(head.meta), path
        assert "https://" not in tree[path].decode().split("<footer")[0], path


def test_base_url_from_site_settings_makes_sitemap_robots_feed_and_canonical_links(tmp_path):
    copy_example(tmp_path)
    edit(tmp_path / "content/site.yml", "反馈联系:", "网站地址: https://www.example.gov.cn/dwgk\n反馈联系:")
    result, tree = build(tmp_path)
    assert result.out.splitlines() == ["生成完成：site 中共 40 个文件，本次写入 40 个，删除 0 个过时文件。"]

    locs = sitemap_locs(tree["sitemap.xml"])
    assert all(loc.startswith(BASE) for loc in locs)
    assert len(locs) == len(set(locs))
    expected = {p[: -len("index.html")] if p.endswith("index.html") else p for p in pages(tree)} - {"404.html",
                                                                                                   "search.html"}
    assert {loc[len(BASE):] for loc in locs} == expected  # every current page but the empty search page
    assert tree["robots.txt"].decode() == f"User-agent: *\nDisallow:\nSitemap: {BASE}sitemap.xml\n"

    for path in pages(tree):
        head = Head(tree[path].decode())
        feed = head.rel("alternate")
        assert [(f["type"], f["title"]) for f in feed] == [("application/atom+xml", "武汉市黄陂区融媒体中心党务公开（订阅）")]
        if path == "404.html":  # served at any address: no canonical, root-relative feed link
            assert head.rel("canonical") == [] and feed[0]["href"] == "/dwgk/feed.xml"
            continue
        if path == "search.html":  # empty until a reader types: not a page to index
            assert head.rel("canonical") == []
            continue
        assert feed[0]["href"] == "../" * path.count("/") + "feed.xml", path
        canonical = [link["href"] for link in head.rel("canonical")]
        assert canonical == [BASE + path.removesuffix("index.html")], path


def test_base_url_option_overrides_the_setting_and_is_checked(tmp_path):
    copy_example(tmp_path)
    edit(tmp_path / "content/site.yml", "反馈联系:", "网站地址: https://old.example.gov.cn/\n反馈联系:")
    _, tree = build(tmp_path, "--base-url", "http://127.0.0.1:8080/dw/gk")
    assert sitemap_locs(tree["sitemap.xml"])[-1] == "http://127.0.0.1:8080/dw/gk/"
    assert b"old.example" not in b"".join(tree.values())
    for bad in ("www.example.gov.cn/dwgk/", "ftp://example.gov.cn/", "https://x.gov.cn/dwgk/?a=1"):
        result = run_cli("build", "--base-url", bad, cwd=tmp_path)
        assert (result.rc, result.err) == (2, f"错误：--base-url 网址“{bad}”格式不对，应形如 https://www.example.gov.cn/dwgk/\n")


def test_switching_the_base_url_off_removes_sitemap_and_feed(tmp_path):
    copy_example(tmp_path)
    build(tmp_path, "--base-url", BASE)
    result, tree = build(tmp_path)
    assert "删除 3 个过时文件" in result.out
    assert {"sitemap.xml", "robots.txt", "feed.xml"}.isdisjoint(tree)


def test_feed_is_valid_atom_with_entries_dated_from_the_content(tmp_path):
    copy_example(tmp_path)
    _, tree = build(tmp_path, "--base-url", BASE)
    assert validate_atom(tree["feed.xml"]) == []
    root = ET.fromstring(tree["feed.xml"])
    entries = root.findall(ATOM + "entry")
    # No issue of the example has a 完成日期: the notice is the only news.
    assert [(e.findtext(ATOM + "title"), e.findtext(ATOM + "updated"), e.find(ATOM + "link").get("href"))
            for e in entries] == [("黄陂区融媒体中心关于巡察反馈意见整改落实情况的通报", "2019-12-27T15:24:00+08:00", BASE + "2019/")]
    assert entries[0].findtext(ATOM + "summary") == "反馈的5大类17项问题，已整改完成16项，正在整改1项。"
    assert root.findtext(ATOM + "updated") == "2019-12-27T15:24:00+08:00"
    assert root.findtext(ATOM + "author/" + ATOM + "name") == "武汉市黄陂区融媒体中心"


def test_an_issue_completed_after_its_notice_is_a_feed_entry_of_its_own(tmp_path):
    copy_example(tmp_path)
    edit(tmp_path / "content/2019/01.md", "状态: 整改中", "状态: 已完成\n完成日期: 2020-06-30")
    edit(tmp_path / "content/2019/02.md", "状态: 已完成", "状态: 已完成\n完成日期: 2019-11-30")  # before the notice
    edit(tmp_path / "content/2019/notice.md", "  已完成: 16\n  整改中: 1\n", "  已完成: 17\n")
    _, tree = build(tmp_path, "--base-url", BASE)
    assert validate_atom(tree["feed.xml"]) == []
    root = ET.fromstring(tree["feed.xml"])
    got = [(e.findtext(ATOM + "id"), e.findtext(ATOM + "title"), e.findtext(ATOM + "published"),
            e.findtext(ATOM + "updated")) for e in root.findall(ATOM + "entry")]
    assert got == [
        (BASE + "2019/issue-1.html#done-2020-06-30",
         "第1项问题整改完成：关于“贯彻落实上级重大决策部署不及时、不到位”的问题",
         "2020-06-30T00:00:00+08:00", "2020-06-30T00:00:00+08:00"),
        (BASE + "2019/", "黄陂区融媒体中心关于巡察反馈意见整改落实情况的通报",
         "2019-12-27T15:24:00+08:00", "2020-06-30T00:00:00+08:00"),
    ]
    assert root.find(ATOM + "entry/" + ATOM + "summary").text == (
        "《黄陂区融媒体中心关于巡察反馈意见整改落实情况的通报》中的第1项问题已于2020年6月30日整改完成。")
    assert root.findtext(ATOM + "updated") == "2020-06-30T00:00:00+08:00"


def test_validate_atom_catches_what_rfc_4287_requires():
    # The checker itself must be able to fail.
    feed = (b'<feed xmlns="http://www.w3.org/2005/Atom"><id>urn:x</id><title>t</title>'
            b'<updated>2019-12-27</updated>'
            b'<entry><id>urn:a</id><title>a</title><updated>2019-12-27T00:00:00+08:00</updated></entry>'
            b'<entry><id>urn:a</id><updated>2019-12-27T00:00:00+08:00</updated><link href="x"/></entry></feed>')
    assert validate_atom(feed) == [
        "feed: atom:updated '2019-12-27' is not an RFC 3339 date-time",
        "entry 1: no atom:author, and the feed has none",
        "entry 1: without atom:content it needs one alternate atom:link",
        "entry 2: needs exactly one non-empty atom:title, has 0",
        "entry 2: no atom:author, and the feed has none",
        "entry ids used twice: ['urn:a']",
    ]


def meta_of(tree: dict, path: str) -> list[tuple[str, str]]:
    return Head(tree[path].decode()).meta


def test_portal_meta_tags_follow_the_page_kind(tmp_path):
    copy_example(tmp_path)
    _, tree = build(tmp_path, "--base-url", BASE)
    site = [("SiteName", "武汉市黄陂区融媒体中心党务公开"), ("SiteDomain", "www.example.gov.cn")]
    notice_title = "黄陂区融媒体中心关于巡察反馈意见整改落实情况的通报"
    assert meta_of(tree, "index.html") == site
    assert meta_of(tree, "404.html") == site
    assert meta_of(tree, "contact.html") == site + [("ColumnName", "反馈联系")]
    assert meta_of(tree, "2019/index.html") == site + [
        ("ColumnName", "整改情况通报"), ("ArticleTitle", notice_title),
        ("PubDate", "2019-12-27 15:24"), ("ContentSource", "区融媒体中心")]
    assert meta_of(tree, "2019/category-2.html") == site + [("ColumnName", "在加强党的建设方面")]
    assert meta_of(tree, "2019/issue-3.html") == site + [
        ("ColumnName", "在坚持党的领导方面"), ("ArticleTitle", "关于“民主集中制执行不到位”的问题"),
        ("PubDate", "2019-12-27 15:24"), ("ContentSource", "区融媒体中心")]


FOOTER_SETTINGS = """承办单位: 黄陂区融媒体中心办公室
网站标识码: "4201160040"
ICP备案号: 鄂ICP备12345678号-1
公安机关备案号: 鄂公网安备42011602000123号
反馈联系:"""


def test_site_code_and_footer_items_appear_only_when_set(tmp_path):
    copy_example(tmp_path)
    _, tree = build(tmp_path)
    home = tree["index.html"].decode()
    assert "SiteIDCode" not in home and "footer-records" not in home and "承办单位" not in home
    assert "<p class=\"footer-units\">主办单位：武汉市黄陂区融媒体中心</p>" in home

    edit(tmp_path / "content/site.yml", "反馈联系:", FOOTER_SETTINGS)
    _, tree = build(tmp_path)
    for path in pages(tree):
        html = tree[path].decode()
        assert ("SiteIDCode", "4201160040") in meta_of(tree, path), path
        footer = html[html.index("<footer"):]
        assert "主办单位：武汉市黄陂区融媒体中心<span class=\"sep\">　</span>承办单位：黄陂区融媒体中心办公室" in footer
        assert "<span>网站标识码：4201160040</span>" in footer
        links = Head(footer).footer_links
        assert links["鄂ICP备12345678号-1"] == "https://beian.miit.gov.cn/"
        assert links["鄂公网安备42011602000123号"] == "https://beian.mps.gov.cn/#/query/webSearch?code=42011602000123"


def test_pages_with_the_new_head_are_valid_html(tmp_path):
    copy_example(tmp_path)
    edit(tmp_path / "content/site.yml", "反馈联系:", FOOTER_SETTINGS)
    build(tmp_path, "--base-url", BASE)
    site = tmp_path / "site"
    assert validate_html([site / "index.html", site / "404.html", site / "contact.html", site / "2019/index.html",
                          site / "2019/category-1.html", site / "2019/issue-1.html"]) == []


@pytest.mark.parametrize("value", ["www.example.gov.cn", "https://example.gov.cn/dwgk/#x"])
def test_a_bad_site_address_in_settings_is_a_content_error(tmp_path, value):
    copy_example(tmp_path)
    edit(tmp_path / "content/site.yml", "反馈联系:", f"网站地址: {value}\n反馈联系:")
    result = run_cli("build", cwd=tmp_path)
    assert result.rc == 1
    assert result.err.splitlines()[0] == (
        f"content/site.yml:12: 网址“{value}”格式不对，应形如 https://www.example.gov.cn/dwgk/")


def test_yearly_snapshots_are_not_current_pages(tmp_path, monkeypatch):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1577750400")  # archived on 2019-12-31
    copy_example(tmp_path)
    edit(tmp_path / "content/site.yml", "反馈联系:", f"网站地址: {BASE}\n反馈联系:")
    assert run_cli("archive", "2019", cwd=tmp_path).rc == 0
    tree = read_tree(tmp_path / "site")
    locs = [loc[len(BASE):] for loc in sitemap_locs(tree["sitemap.xml"])]
    assert "archive/" in locs  # the archive index is a current page...
    assert not [loc for loc in locs if loc.startswith("archive/2019")]  # ...its snapshots are not
    snapshot = [p for p in pages(tree) if p.startswith("archive/2019/")]
    assert len(snapshot) == 27  # with its own search page
    for path in snapshot:  # frozen copies: no claim to be the page at their address, no feed beside them
        head = Head(tree[path].decode())
        assert head.rel("canonical") == [] and head.rel("alternate") == [], path
    assert not [p for p in tree if p.startswith("archive/2019/") and p.endswith((".xml", ".txt"))]
    assert Head(tree["archive/index.html"].decode()).rel("canonical")[0]["href"] == BASE + "archive/"
    assert ("ColumnName", "历年归档") in meta_of(tree, "archive/index.html")
