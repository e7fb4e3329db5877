"""`python build.py publish`: mirror into a web root (served by a real nginx), and the zip bundle."""

from __future__ import annotations

import hashlib
import io
import json
import os
import urllib.error
import urllib.parse
import urllib.request
import zipfile
from pathlib import Path

import pytest

from tests.sites import copy_example, edit, links_of, read_tree, run_cli, sitemap_locs, stat_tree, validate_atom
from tests.tools import record_requests

BASE = "https://www.example.gov.cn/dwgk/"
REFUSED = "共 1 处错误，未发布：发布目标没有任何改动。"


def example(tmp_path: Path) -> Path:
    """The example with the base URL of the issue set in its settings, and a web root beside it."""
    copy_example(tmp_path)
    edit(tmp_path / "content/site.yml", "反馈联系:", f"网站地址: {BASE}\n反馈联系:")
    (tmp_path / "www").mkdir()
    return tmp_path / "www/dwgk"


def publish(tmp_path: Path, *args: str):
    return run_cli("publish", *args, cwd=tmp_path)


def site_files(tmp_path: Path) -> dict:
    tree = read_tree(tmp_path / "site")
    tree.pop(".dwgk-files.json")
    return tree


def test_publish_mirrors_the_site_with_its_own_manifest(tmp_path):
    dest = example(tmp_path)
    result = publish(tmp_path, "www/dwgk")
    assert result.rc == 0, result.err
    lines = result.out.splitlines()
    assert lines[0] == "生成完成：site 中共 40 个文件，本次写入 40 个，删除 0 个过时文件。"
    assert lines[1:4] == ["  新增  2019/category-1.html", "  新增  2019/category-2.html", "  新增  2019/category-3.html"]
    assert lines[-1] == "发布完成：www/dwgk 中新增 40 个、更新 0 个、删除 0 个文件，0 个未变。"
    published = read_tree(dest)
    manifest = json.loads(published.pop(".dwgk-publish.json"))
    assert published == site_files(tmp_path)  # the build's own manifest is not part of the site
    assert manifest == {"files": {p: hashlib.sha256(d).hexdigest() for p, d in sorted(published.items())}}


def test_a_second_publish_of_an_unchanged_site_rewrites_nothing(tmp_path):
    dest = example(tmp_path)
    assert publish(tmp_path, "www/dwgk").rc == 0
    before = stat_tree(dest)
    result = publish(tmp_path, "www/dwgk")
    assert result.out.splitlines()[-1] == "发布完成：www/dwgk 中新增 0 个、更新 0 个、删除 0 个文件，40 个未变。"
    assert stat_tree(dest) == before  # same bytes and same modification times, manifest included


def test_republish_after_deleting_an_issue_removes_its_page_and_keeps_foreign_files(tmp_path):
    dest = example(tmp_path)
    assert publish(tmp_path, "www/dwgk").rc == 0
    (dest / "portal-notes.txt").write_text("门户管理员的文件", encoding="utf-8")
    (dest / "2019/附件说明.txt").write_text("别人放的", encoding="utf-8")
    (tmp_path / "www/index.html").write_text("门户首页", encoding="utf-8")
    before = stat_tree(dest)
    (tmp_path / "content/2019/17.md").unlink()
    edit(tmp_path / "content/2019/notice.md", "问题总数: 17", "问题总数: 16")
    edit(tmp_path / "content/2019/notice.md", "已完成: 16", "已完成: 15")
    result = publish(tmp_path, "www/dwgk")
    assert result.rc == 0, result.err
    assert result.out.splitlines()[1:] == [
        "  更新  2019/category-5.html", "  更新  2019/index.html", "  更新  2019/issue-16.html",
        "  更新  2019/ledger.csv", "  更新  assets/search/index.js", "  更新  assets/search/p-0.js",
        "  更新  assets/search/r-2019.js", "  更新  feed.xml", "  更新  index.html", "  更新  sitemap.xml",
        "  删除  2019/issue-17.html",
        "发布完成：www/dwgk 中新增 0 个、更新 10 个、删除 1 个文件，29 个未变。",
    ]
    after = stat_tree(dest)
    assert "2019/issue-17.html" not in after
    assert after["portal-notes.txt"] == before["portal-notes.txt"]
    assert after["2019/附件说明.txt"] == before["2019/附件说明.txt"]
    assert (tmp_path / "www/index.html").read_text(encoding="utf-8") == "门户首页"
    unchanged = [p for p in after if after[p][0] == before.get(p, (None,))[0]]
    assert all(after[p][1] == before[p][1] for p in unchanged)  # unchanged files keep their mtime
    assert "2019/issue-17.html" not in json.loads(after[".dwgk-publish.json"][0])["files"]


def test_each_file_is_replaced_atomically(tmp_path):
    # Written beside and renamed over: a reader that has the old file open keeps reading the
    # whole old page, and nobody ever sees the new page half-written in place.
    dest = example(tmp_path)
    assert publish(tmp_path, "www/dwgk").rc == 0
    old = (dest / "2019/issue-7.html").read_bytes()
    edit(tmp_path / "content/2019/07.md", "一是加大", "一是进一步加大")
    with open(dest / "2019/issue-7.html", "rb") as reader:
        inode = os.fstat(reader.fileno()).st_ino
        assert publish(tmp_path, "www/dwgk").rc == 0
        assert reader.read() == old
    assert os.stat(dest / "2019/issue-7.html").st_ino != inode
    assert "一是进一步加大".encode() in (dest / "2019/issue-7.html").read_bytes()
    assert not [p for p in read_tree(dest) if p.endswith(".tmp")]


def test_the_half_written_files_of_a_killed_publish_are_removed_by_the_next(tmp_path):
    # kill -9 between creating a temporary file and renaming it into place leaves it behind.
    dest = example(tmp_path)
    assert publish(tmp_path, "www/dwgk").rc == 0
    for debris in ("www/dwgk/.dwgk-k2x9_q0a.tmp", "www/dwgk/2019/.dwgk-abcdefgh.tmp"):
        (tmp_path / debris).write_bytes(b"")
    (tmp_path / "www/dwgk/.dwgk-notes.tmp").write_text("门户管理员的文件", encoding="utf-8")  # not a name dwgk makes
    published = read_tree(dest)
    assert publish(tmp_path, "www/dwgk").rc == 0
    assert read_tree(dest) == {p: d for p, d in published.items() if d or not p.endswith(".tmp")}


def test_dry_run_lists_the_changes_and_changes_nothing(tmp_path):
    dest = example(tmp_path)
    assert publish(tmp_path, "www/dwgk").rc == 0
    before = stat_tree(dest)
    edit(tmp_path / "content/2019/07.md", "一是加大", "一是进一步加大")
    (tmp_path / "content/2019/17.md").unlink()
    edit(tmp_path / "content/2019/notice.md", "问题总数: 17", "问题总数: 16")
    edit(tmp_path / "content/2019/notice.md", "已完成: 16", "已完成: 15")
    (tmp_path / "content/2019/整改方案.pdf").write_bytes(b"%PDF-1.4")
    result = publish(tmp_path, "www/dwgk", "--dry-run")
    assert result.rc == 0, result.err
    assert result.out.splitlines()[1:] == [
        "发布预演（不做任何改动）：www/dwgk",
        "  新增  2019/整改方案.pdf",
        "  更新  2019/category-5.html", "  更新  2019/index.html", "  更新  2019/issue-16.html",
        "  更新  2019/issue-7.html", "  更新  2019/ledger.csv", "  更新  assets/search/index.js",
        "  更新  assets/search/p-0.js", "  更新  assets/search/r-2019.js", "  更新  feed.xml", "  更新  index.html",
        "  更新  sitemap.xml",
        "  删除  2019/issue-17.html",
        "预演完成：将新增 1 个、更新 11 个、删除 1 个文件，28 个未变。",
    ]
    assert stat_tree(dest) == before
    fresh = publish(tmp_path, "www/new", "--dry-run")  # a destination that does not exist yet
    assert fresh.out.splitlines()[-1] == "预演完成：将新增 40 个、更新 0 个、删除 0 个文件，0 个未变。"
    assert not (tmp_path / "www/new").exists()


def test_never_overwrites_a_file_it_did_not_publish(tmp_path):
    dest = example(tmp_path)
    dest.mkdir()
    (dest / "contact.html").write_text("门户自己的联系页", encoding="utf-8")
    (dest / "assets").write_text("一个同名文件", encoding="utf-8")
    before = stat_tree(dest)
    result = publish(tmp_path, "www/dwgk")
    assert result.rc == 1
    assert result.err.splitlines() == [
        "www/dwgk/assets:1: 此文件不是 dwgk 发布的，为免覆盖而停止；请把它移出发布目标文件夹后再发布",
        "www/dwgk/contact.html:1: 此文件不是 dwgk 发布的，为免覆盖而停止；请把它移出发布目标文件夹后再发布",
        "共 2 处错误，未发布：发布目标没有任何改动。",
    ]
    assert stat_tree(dest) == before


def test_a_published_file_changed_by_someone_else_is_not_overwritten_or_removed(tmp_path):
    dest = example(tmp_path)
    assert publish(tmp_path, "www/dwgk").rc == 0
    (dest / "contact.html").write_text("有人在服务器上直接改过", encoding="utf-8")
    edit(tmp_path / "content/site.yml", "电话: 027-85932332", "电话: 027-85932333")
    result = publish(tmp_path, "www/dwgk")
    assert result.rc == 1
    assert result.err.splitlines() == [
        "www/dwgk/contact.html:1: 此文件在上次发布后被改动过，为免覆盖而停止；请核对后把它移出发布目标文件夹再发布",
        REFUSED,
    ]
    assert (dest / "contact.html").read_text(encoding="utf-8") == "有人在服务器上直接改过"
    # A changed file the site no longer has is left where it is, and no longer managed.
    (dest / "contact.html").unlink()
    edit(tmp_path / "content/site.yml", "电话: 027-85932333", "电话: 027-85932332")
    assert publish(tmp_path, "www/dwgk").rc == 0
    (dest / "2019/issue-17.html").write_text("改过的页面", encoding="utf-8")
    (tmp_path / "content/2019/17.md").unlink()
    edit(tmp_path / "content/2019/notice.md", "问题总数: 17", "问题总数: 16")
    edit(tmp_path / "content/2019/notice.md", "已完成: 16", "已完成: 15")
    result = publish(tmp_path, "www/dwgk")
    assert result.rc == 0, result.err
    assert "  保留  2019/issue-17.html（上次发布后被改动过，不再由 dwgk 管理，未删除）" in result.out.splitlines()
    assert (dest / "2019/issue-17.html").read_text(encoding="utf-8") == "改过的页面"
    assert "2019/issue-17.html" not in json.loads((dest / ".dwgk-publish.json").read_text())["files"]


def test_refuses_a_site_that_fails_the_link_check(tmp_path):
    dest = example(tmp_path)
    assert publish(tmp_path, "www/dwgk").rc == 0
    before = stat_tree(dest)
    (tmp_path / "site/专题.html").write_text('<!DOCTYPE html>\n<p><a href="2019/issue-99.html">第99项</a></p>\n',
                                           encoding="utf-8")
    result = publish(tmp_path, "www/dwgk")
    assert result.rc == 1
    assert result.err.splitlines() == ["site/专题.html:2: 链接“2019/issue-99.html”指向的文件不存在", REFUSED]
    assert stat_tree(dest) == before


def test_an_entity_encoded_script_link_publishes_nothing(tmp_path):
    dest = example(tmp_path)
    assert publish(tmp_path, "www/dwgk").rc == 0
    before = stat_tree(dest)
    edit(tmp_path / "content/2019/05.md", "---\n一是", "---\n[点此](javascript&#58;alert&#40;1&#41;)一是")
    result = publish(tmp_path, "www/dwgk")
    assert (result.rc, result.err.splitlines()) == (1, [
        "content/2019/05.md:7: 不允许的链接协议“javascript:”（可用：http、https、mailto、tel，或本站的相对地址）："
        "javascript&#58;alert&#40;1&#41;", "共 1 处错误，网站未更新。"])
    assert stat_tree(dest) == before


def test_a_content_error_publishes_nothing(tmp_path):
    dest = example(tmp_path)
    edit(tmp_path / "content/2019/05.md", "编号: 5", "编号 5")
    result = publish(tmp_path, "www/dwgk", "--zip", "site.zip")
    assert result.rc == 1
    assert result.err.splitlines()[-1] == "共 1 处错误，网站未更新。"
    assert not dest.exists() and not (tmp_path / "site.zip").exists()


@pytest.mark.parametrize("args, message", [
    ([], "错误：请给出发布目标文件夹（如 python build.py publish /var/www/html/dwgk），或用 --zip 文件名 生成压缩包"),
    (["content/www"], "错误：发布目标 content/www 不能与 content 相同、在它里面或包含它"),
    (["."], "错误：发布目标 . 不能与 content 相同、在它里面或包含它"),
    (["site"], "错误：发布目标 site 不能与 site 相同、在它里面或包含它"),
    (["/", "--dry-run"], "错误：发布目标 / 是磁盘的根文件夹，不能使用；请另建一个专用的文件夹"),
    ([".dwgk-cache"], "错误：发布目标 .dwgk-cache 是生成缓存文件夹 .dwgk-cache 或在它里面，不能使用"),
    (["nowhere/www/dwgk"], "错误：发布目标 nowhere/www/dwgk 的上级文件夹不存在"),
    (["www/dwgk/index.html"], "错误：发布目标 www/dwgk/index.html 不是文件夹"),
    (["--zip", "site/all.zip"], "错误：压缩包 site/all.zip 不能放在 site 里面"),
    (["--zip", "site.tar"], "错误：压缩包 site.tar 的文件名应以 .zip 结尾"),
    (["--zip", "nowhere/site.zip"], "错误：压缩包 nowhere/site.zip 所在的文件夹不存在"),
    (["www/dwgk", "--base-url", "example.gov.cn"],
     "错误：--base-url 网址“example.gov.cn”格式不对，应形如 https://www.example.gov.cn/dwgk/"),
])
def test_usage_errors_exit_2_before_anything_is_built(tmp_path, args, message):
    dest = example(tmp_path)
    dest.mkdir()
    (dest / "index.html").write_text("门户的页面", encoding="utf-8")
    result = publish(tmp_path, *args)
    assert (result.rc, result.err.splitlines()) == (2, [message])
    assert not (tmp_path / "site").exists()


# --- the zip bundle ---------------------------------------------------------------------------


def test_zip_holds_the_site_and_a_checksum_manifest(tmp_path):
    example(tmp_path)
    result = publish(tmp_path, "--zip", "dwgk-site.zip")
    assert result.rc == 0, result.err
    data = (tmp_path / "dwgk-site.zip").read_bytes()
    assert result.out.splitlines()[-1] == (
        "压缩包已生成：dwgk-site.zip，含网站的 40 个文件和校验清单 SHA256SUMS.txt；"
        f"压缩包的 SHA-256 为 {hashlib.sha256(data).hexdigest()}。")
    with zipfile.ZipFile(io.BytesIO(data)) as z:
        assert z.testzip() is None
        names = z.namelist()
        contents = {n: z.read(n) for n in names}
    sums = contents.pop("SHA256SUMS.txt").decode()
    assert contents == site_files(tmp_path)
    assert names[-1] == "SHA256SUMS.txt" and names[:-1] == sorted(contents)
    assert sums == "".join(f"{hashlib.sha256(d).hexdigest()}  {p}\n" for p, d in sorted(contents.items()))


def test_zip_is_the_same_bytes_for_the_same_site(tmp_path):
    example(tmp_path)
    assert publish(tmp_path, "--zip", "one.zip").rc == 0
    os.utime(tmp_path / "site/index.html", (1, 1))  # file dates must not matter
    assert run_cli("build", "--output", "other", cwd=tmp_path).rc == 0
    assert publish(tmp_path, "--zip", "two.zip", "--output", "other").rc == 0
    assert (tmp_path / "one.zip").read_bytes() == (tmp_path / "two.zip").read_bytes()


def test_zip_replaces_only_a_zip_dwgk_made(tmp_path):
    example(tmp_path)
    assert publish(tmp_path, "--zip", "dwgk-site.zip").rc == 0
    edit(tmp_path / "content/2019/07.md", "一是加大", "一是进一步加大")
    assert publish(tmp_path, "--zip", "dwgk-site.zip").rc == 0
    with zipfile.ZipFile(tmp_path / "dwgk-site.zip") as z:
        assert "一是进一步加大".encode() in z.read("2019/issue-7.html")
    (tmp_path / "报告.zip").write_bytes(b"not made by dwgk")
    result = publish(tmp_path, "--zip", "报告.zip")
    assert (result.rc, result.err.splitlines()) == (1, [
        "报告.zip:1: 此文件已存在且不是 dwgk 生成的压缩包，为免覆盖而停止；请换一个文件名或先把它移走", REFUSED])
    assert (tmp_path / "报告.zip").read_bytes() == b"not made by dwgk"
    dry = publish(tmp_path, "--zip", "new.zip", "--dry-run")
    assert dry.out.splitlines()[-1] == "预演：将生成压缩包 new.zip，含网站的 40 个文件和校验清单 SHA256SUMS.txt。"
    assert not (tmp_path / "new.zip").exists()


# --- served by nginx, as a reader gets it ---------------------------------------------------------


def fetch(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, r.read()
    except urllib.error.HTTPError as e:
        return e.code, e.read()


def crawl(start: str, prefix: str) -> tuple[dict[str, int], list[str]]:
    """Every URL reachable from start through href/src on this host: {url: status}, and
    the links that left prefix."""
    origin = urllib.parse.urlsplit(start)
    todo, seen, left = [start], {}, []
    while todo:
        url = todo.pop()
        if url in seen:
            continue
        status, body = fetch(url)
        seen[url] = status
        if status != 200 or not url.endswith((".html", "/")):
            continue
        for link in links_of(body):
            target = urllib.parse.urljoin(url, link)
            parts = urllib.parse.urlsplit(target)
            if parts.scheme not in ("http", "https") or parts.netloc != origin.netloc:
                continue  # mail, phone, the registries in the footer: not on this server
            if not parts.path.startswith(prefix):
                left.append(f"{url} -> {link}")
                continue
            todo.append(urllib.parse.urlunsplit(parts._replace(fragment="")))
    return seen, left


def test_published_site_served_by_nginx_under_dwgk(tmp_path, nginx, page):
    dest = example(tmp_path)
    (tmp_path / "www/index.html").write_text("<p>区政府门户首页</p>", encoding="utf-8")
    assert publish(tmp_path, "www/dwgk").rc == 0
    server = nginx(tmp_path / "www", "/")
    base = server.origin + "/dwgk/"

    seen, left = crawl(base + "index.html", "/dwgk/")
    assert left == []
    assert {u: s for u, s in seen.items() if s != 200} == {}
    html_pages = {p for p in read_tree(dest) if p.endswith(".html")} - {"404.html", "search.html"}
    assert {u[len(base):] for u in seen if u.endswith(".html")} == html_pages  # every page is reachable
    # (the search page by the search form of every page)

    status, sitemap = fetch(base + "sitemap.xml")
    assert status == 200
    locs = sitemap_locs(sitemap)
    assert locs and all(loc.startswith(BASE) for loc in locs)
    assert all(fetch(base + loc[len(BASE):])[0] == 200 for loc in locs)
    status, feed = fetch(base + "feed.xml")
    assert status == 200 and validate_atom(feed) == []
    status, robots = fetch(base + "robots.txt")
    assert status == 200 and robots.decode().endswith(f"Sitemap: {BASE}sitemap.xml\n")

    # In a real browser: every page loads from this server alone, and a click leads on.
    log = record_requests(page)
    for url in sorted(u for u in seen if u.endswith(".html")):
        assert page.goto(url, wait_until="networkidle").status == 200, url  # the icon too, loaded after "load"
    assert log.foreign(server.origin) == [] and log.failed == []
    page.goto(base + "index.html")
    page.get_by_role("link", name="黄陂区融媒体中心关于巡察反馈意见整改落实情况的通报").click()
    page.get_by_role("link", name="在坚持党的领导方面").first.click()
    page.get_by_role("link", name="关于“民主集中制执行不到位”的问题").click()
    assert page.url == base + "2019/issue-3.html"
    assert page.locator("h1").inner_text() == "关于“民主集中制执行不到位”的问题"


def test_the_404_page_works_as_the_servers_error_page_at_any_depth(tmp_path, nginx, page):
    # As the README tells the portal's administrator: error_page 404 /dwgk/404.html;
    dest = example(tmp_path)
    assert publish(tmp_path, "www/dwgk").rc == 0
    server = nginx(tmp_path / "www", "/", error_page="/dwgk/404.html")
    base = server.origin + "/dwgk/"
    for missing in ("no-such-page.html", "2019/issue-99.html", "2019/deep/er/page.html"):
        assert fetch(base + missing) == (404, (dest / "404.html").read_bytes()), missing
    log = record_requests(page)
    assert page.goto(base + "2019/deep/er/page.html").status == 404
    assert page.locator("h1").inner_text() == "页面未找到"
    assert log.foreign(server.origin) == [] and log.failed == []  # its style sheet and script load
    # The style sheet applies (without it, .wrap has no max-width).
    assert page.evaluate("getComputedStyle(document.querySelector('main.wrap')).maxWidth") == "800px"
    page.get_by_role("link", name="返回首页").click()
    assert page.url == base + "index.html"


def test_publish_help_in_chinese(tmp_path):
    result = run_cli("publish", "--help", cwd=tmp_path)
    assert result.rc == 0
    text = " ".join(result.out.split())  # argparse wraps lines to the terminal width
    for expected in ("用法： python build.py publish", "生成网站，检查链接，再复制到网站服务器的文件夹，或打包为压缩包",
                     "参数： 目标文件夹 网站服务器上存放本网站的文件夹",
                     "--zip 文件 另外（或只）生成一个压缩包，含校验清单，供上传到网站内容管理系统",
                     "--dry-run 只列出将要发生的改动，不改动目标文件夹和压缩包",
                     "--base-url 网址 网站发布后的地址，如 https://www.example.gov.cn/dwgk/（代替 site.yml 中的“网站地址”）"):
        assert expected in text, expected


def test_an_interrupted_publish_leaves_whole_files_and_the_next_one_finishes(tmp_path, monkeypatch):
    from dwgk import publish as publish_module
    dest = example(tmp_path)
    assert publish(tmp_path, "www/dwgk").rc == 0
    edit(tmp_path / "content/2019/07.md", "一是加大", "一是进一步加大")
    real_write = publish_module.write_atomic
    written = []

    def fail_on_the_issue_page(target, data):
        if target.endswith("issue-7.html"):
            raise OSError(28, "No space left on device")
        written.append(target)
        real_write(target, data)

    monkeypatch.setattr(publish_module, "write_atomic", fail_on_the_issue_page)
    result = publish(tmp_path, "www/dwgk")
    assert result.rc == 1
    assert result.err.splitlines() == [
        "www/dwgk/2019/issue-7.html:1: 写入失败：磁盘已满（No space left on device）；"
        "目标文件夹中的每个文件都是完整的（旧的或新的），问题解决后重新发布即可",
        "共 1 处错误，发布未完成。",
    ]
    # The record of what was about to change first, the notice page among the others; the issue page failed.
    assert written[0] == "www/dwgk/.dwgk-publish.json" and "www/dwgk/2019/index.html" in written
    assert "一是进一步加大".encode() in (dest / "2019/index.html").read_bytes()
    assert "一是进一步加大".encode() not in (dest / "2019/issue-7.html").read_bytes()
    monkeypatch.setattr(publish_module, "write_atomic", real_write)
    edit(tmp_path / "content/2019/07.md", "一是进一步加大", "一是大力加大")  # and the content moved on
    result = publish(tmp_path, "www/dwgk")
    assert result.rc == 0, result.err  # the half-published pages are still known as dwgk's own
    assert "一是大力加大".encode() in (dest / "2019/issue-7.html").read_bytes()
    published = read_tree(dest)
    manifest = json.loads(published.pop(".dwgk-publish.json"))
    assert manifest == {"files": {p: hashlib.sha256(d).hexdigest() for p, d in sorted(published.items())}}
