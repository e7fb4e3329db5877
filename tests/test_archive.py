"""Yearly archive: `build.py archive [YEAR]` snapshots, their publication by every build, `archive --verify`."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import posixpath
import shutil
import zipfile
from pathlib import Path

import pytest

from dwgk import archive, cache, pipeline, render, snapshots
from dwgk.model import BuildFailed
from tests.sites import REPO, copy_example, edit, links_of, read_tree, run_cli, run_subprocess, stat_tree
from tests.tools import format_axe, record_requests, run_axe, validate_html

DEC_31_2019 = "1577750400"  # 2019-12-31 00:00 UTC
JAN_5_2021 = "1609804800"  # 2021-01-05 00:00 UTC
BANNER = "本页为2019年度归档版本，归档于2019年12月31日，内容以归档时为准。"


@pytest.fixture
def epoch(monkeypatch):
    """Pin the date a snapshot is taken, as SOURCE_DATE_EPOCH does for a user."""
    monkeypatch.setenv("SOURCE_DATE_EPOCH", DEC_31_2019)
    return monkeypatch


@pytest.fixture
def archived(tmp_path, epoch) -> Path:
    """A copy of the example, archived as 2019 on 2019-12-31 (which also builds site/)."""
    copy_example(tmp_path)
    result = run_cli("archive", "2019", cwd=tmp_path)
    assert result.rc == 0, result.err
    return tmp_path


def mark_panlong_done(root: Path) -> None:
    """The one ongoing issue (盘龙公司) is finished: its file and the notice's stated figures change."""
    edit(root / "content/2019/01.md", "状态: 整改中", "状态: 已完成")
    edit(root / "content/2019/notice.md", "  已完成: 16\n  整改中: 1\n", "  已完成: 17\n")


def manifest_of(root: Path, year: str = "2019") -> dict:
    return json.loads((root / "archive" / year / "manifest.json").read_text(encoding="utf-8"))


def test_archive_stores_pages_sources_manifest_and_zip(archived):
    folder = archived / "archive/2019"
    assert sorted(p.name for p in folder.iterdir()) == ["content", "dwgk-archive-2019.zip", "manifest.json", "site"]
    manifest = manifest_of(archived)
    assert {k: manifest[k] for k in ("format", "year", "taken", "dwgk_version", "zip")} == {
        "format": "dwgk-archive/1", "year": "2019", "taken": "2019-12-31", "dwgk_version": "0.1.0",
        "zip": "dwgk-archive-2019.zip"}
    listed = {f["path"]: f for f in manifest["files"]}
    on_disk = read_tree(folder)
    assert set(listed) == {p for p in on_disk if p.startswith(("site/", "content/"))}
    for path, entry in listed.items():
        assert entry["sha256"] == hashlib.sha256(on_disk[path]).hexdigest()
        assert entry["size"] == len(on_disk[path])
    # (b) the content sources it was built from, byte for byte
    assert read_tree(folder / "content") == read_tree(archived / "content")
    # (a) the rendered pages: the ongoing issue as it stood
    assert "整改中" in (folder / "site/2019/issue-1.html").read_text(encoding="utf-8")
    assert len([p for p in listed if p.startswith("site/") and p.endswith(".html")]) == 27  # with its own search page
    # written read-only; git told never to convert line endings of archived bytes
    assert all(not (p.stat().st_mode & 0o222) for p in folder.rglob("*") if p.is_file())
    assert (archived / "archive/.gitattributes").read_text(encoding="utf-8").splitlines()[-1] == "* -text"


def test_archive_command_messages_and_publication(tmp_path, epoch):
    copy_example(tmp_path)
    result = run_cli("archive", "2019", cwd=tmp_path)
    assert result.rc == 0, result.err
    assert result.out.splitlines() == [
        "已归档2019年度：archive/2019（27 个网页，清单共 56 个文件，归档日期2019年12月31日）。",
        "交档案部门的压缩包：archive/2019/dwgk-archive-2019.zip",
        "请把 archive 文件夹提交到版本库保存。",
        "生成完成：site 中共 76 个文件，本次写入 76 个，删除 0 个过时文件。",
    ]
    assert result.err == ""
    site = tmp_path / "site"
    assert read_tree(site / "archive/2019") == read_tree(tmp_path / "archive/2019/site")
    assert (site / "archive/dwgk-archive-2019.zip").read_bytes() == \
        (tmp_path / "archive/2019/dwgk-archive-2019.zip").read_bytes()


def test_status_change_shows_on_current_site_and_not_in_snapshot(archived):
    before = stat_tree(archived / "archive")
    mark_panlong_done(archived)
    result = run_cli("build", cwd=archived)
    assert result.rc == 0, result.err
    site = archived / "site"
    current = (site / "index.html").read_text(encoding="utf-8")
    snapshot = (site / "archive/2019/index.html").read_text(encoding="utf-8")
    assert "反馈的5大类17项问题，已整改完成17项。" in current
    assert "反馈的5大类17项问题，已整改完成16项，正在整改1项。" in snapshot
    assert "整改中" not in (site / "2019/issue-1.html").read_text(encoding="utf-8")
    assert "整改中" in (site / "archive/2019/2019/issue-1.html").read_text(encoding="utf-8")
    assert stat_tree(archived / "archive") == before  # the build only read the archive


def test_second_archive_of_a_year_refuses_and_changes_nothing(archived):
    mark_panlong_done(archived)
    archive_before, site_before = stat_tree(archived / "archive"), stat_tree(archived / "site")
    result = run_cli("archive", "2019", cwd=archived)
    assert result.rc == 1
    assert result.out == ""
    assert result.err == ("错误：2019年度已经归档（archive/2019），归档不能覆盖或修改，本次没有做任何改动。"
                          "如需核对这份归档，请运行 python build.py archive --verify 2019\n")
    assert stat_tree(archived / "archive") == archive_before
    assert stat_tree(archived / "site") == site_before


def test_snapshot_survives_deleting_site_and_is_published_byte_identical(archived):
    mark_panlong_done(archived)
    shutil.rmtree(archived / "site")
    result = run_cli("build", cwd=archived)
    assert result.rc == 0, result.err
    site = archived / "site"
    assert read_tree(site / "archive/2019") == read_tree(archived / "archive/2019/site")
    assert (site / "archive/dwgk-archive-2019.zip").read_bytes() == \
        (archived / "archive/2019/dwgk-archive-2019.zip").read_bytes()
    assert "已整改完成17项" in (site / "index.html").read_text(encoding="utf-8")


def test_verify_passes_on_an_intact_archive(archived):
    result = run_cli("archive", "--verify", cwd=archived)
    assert (result.rc, result.err) == (0, "")
    assert result.out == "2019年度：56 个文件与清单一致，压缩包完好。\n归档校验通过：共 1 个年度。\n"


def test_verify_names_each_missing_added_and_altered_file(archived):
    folder = archived / "archive/2019"
    altered = folder / "site/2019/issue-1.html"
    altered.chmod(0o644)
    altered.write_bytes(altered.read_bytes().replace("整改中".encode(), "已完成".encode()))
    (folder / "content/2019/17.md").unlink()
    (folder / "site/2019/extra.html").write_text("<p>后来加的</p>", encoding="utf-8")
    result = run_cli("archive", "--verify", cwd=archived)
    assert result.rc == 1
    assert result.out == ""
    assert result.err.splitlines() == [
        "archive/2019/content/2019/17.md:1: 归档文件缺失：归档清单中有此文件，文件夹中没有",
        "archive/2019/site/2019/extra.html:1: 多出的文件：不在归档清单中",
        "archive/2019/site/2019/issue-1.html:1: 归档文件已被改动：内容与归档清单记录的 SHA-256 不符",
        "归档校验未通过：共 3 处与清单不符。缺失或改动的文件请从版本库恢复（如 git checkout -- archive），"
        "多出的文件请移出归档文件夹。",
    ]


@pytest.mark.parametrize("damage, message", [
    ("missing", "archive/2019/site/contact.html:1: 归档文件缺失：归档清单中有此文件，文件夹中没有"),
    ("altered", "archive/2019/site/contact.html:1: 归档文件已被改动：内容与归档清单记录的 SHA-256 不符"),
    ("added", "archive/2019/notes.txt:1: 多出的文件：不在归档清单中"),
])
def test_verify_names_one_damaged_file(archived, damage, message):
    target = archived / "archive/2019/site/contact.html"
    if damage == "missing":
        target.unlink()
    elif damage == "altered":
        target.chmod(0o644)
        target.write_bytes(target.read_bytes() + b"\n")
    else:
        (archived / "archive/2019/notes.txt").write_text("x", encoding="utf-8")
    result = run_cli("archive", "--verify", "2019", cwd=archived)
    assert result.rc == 1
    assert result.err.splitlines()[:-1] == [message]


def test_verify_checks_the_zip_against_the_manifest(archived):
    zpath = archived / "archive/2019/dwgk-archive-2019.zip"
    with zipfile.ZipFile(zpath) as z:
        members = {i.filename: z.read(i) for i in z.infolist()}
    members["dwgk-archive-2019/site/contact.html"] += b"<!-- -->"
    members["dwgk-archive-2019/site/extra.html"] = b"x"
    del members["dwgk-archive-2019/content/site.yml"]
    zpath.chmod(0o644)
    with zipfile.ZipFile(zpath, "w") as z:
        for name, data in members.items():
            z.writestr(name, data)
    result = run_cli("archive", "--verify", cwd=archived)
    assert result.rc == 1
    assert result.err.splitlines()[:-1] == [
        "archive/2019/dwgk-archive-2019.zip:1: 压缩包中多出 dwgk-archive-2019/site/extra.html：不在归档清单中",
        "archive/2019/dwgk-archive-2019.zip:1: 压缩包中的 dwgk-archive-2019/site/contact.html 已被改动：与归档清单记录的 SHA-256 不符",
        "archive/2019/dwgk-archive-2019.zip:1: 压缩包中缺少 dwgk-archive-2019/content/site.yml",
    ]
    zpath.write_bytes(b"not a zip")
    result = run_cli("archive", "--verify", cwd=archived)
    assert result.err.splitlines()[0] == "archive/2019/dwgk-archive-2019.zip:1: 归档压缩包已损坏，无法打开"


def test_verify_reports_an_edited_manifest(archived):
    manifest = archived / "archive/2019/manifest.json"
    manifest.chmod(0o644)
    manifest.write_text(manifest.read_text(encoding="utf-8").replace('"taken": "2019-12-31"', '"taken": "2019-12-30"'),
                        encoding="utf-8")
    result = run_cli("archive", "--verify", cwd=archived)
    assert result.rc == 1
    assert result.err.splitlines()[0] == (
        "archive/2019/dwgk-archive-2019.zip:1: 压缩包中的 dwgk-archive-2019/manifest.json 与文件夹中的归档清单不一致")
    manifest.write_text("{", encoding="utf-8")
    result = run_cli("archive", "--verify", cwd=archived)
    assert result.err.splitlines()[0] == "archive/2019/manifest.json:1: 归档清单无法读取：JSON 格式错误（Expecting property name enclosed in double quotes）"
    manifest.unlink()
    result = run_cli("archive", "--verify", cwd=archived)
    assert result.err.splitlines()[0] == "archive/2019/manifest.json:1: 缺少归档清单 manifest.json，无法校验此年度的归档"


def test_build_refuses_to_publish_a_damaged_snapshot_but_ignores_an_added_file(archived):
    (archived / "archive/2019/site/notes.txt").write_text("x", encoding="utf-8")
    result = run_cli("build", cwd=archived)
    assert result.rc == 0, result.err
    assert not (archived / "site/archive/2019/notes.txt").exists()
    before = stat_tree(archived / "site")
    (archived / "archive/2019/site/contact.html").unlink()
    result = run_cli("build", cwd=archived)
    assert result.rc == 1
    assert result.err.splitlines() == [
        "archive/2019/site/contact.html:1: 归档文件缺失：归档清单中有此文件，文件夹中没有",
        "共 1 处错误，网站未更新。",
    ]
    assert stat_tree(archived / "site") == before


def test_an_unchanged_snapshot_is_not_read_again_but_a_changed_file_is_seen(archived, monkeypatch):
    # At 10,000 issues a year's snapshot is 14,000 pages: every build reading them all took seconds.
    monkeypatch.setattr(cache, "RACY_NS", 0)  # the archive was written just now: trust it at once
    assert run_cli("build", cwd=archived).rc == 0
    read = []
    real_read = snapshots._read
    monkeypatch.setattr(snapshots, "_read", lambda path: read.append(Path(path).name) or real_read(path))
    result = run_cli("build", cwd=archived)
    assert result.rc == 0 and "本次写入 0 个，删除 0 个过时文件。" in result.out
    assert read == []  # not even the manifest: it is known by its stat as well
    page = archived / "archive/2019/site/contact.html"
    page.chmod(0o644)
    page.write_bytes(page.read_bytes().replace("意见".encode(), "建议".encode(), 1))  # same size
    before = stat_tree(archived / "site")
    result = run_cli("build", cwd=archived)
    assert result.err.splitlines() == [
        "archive/2019/site/contact.html:1: 归档文件已被改动：内容与归档清单记录的 SHA-256 不符",
        "共 1 处错误，网站未更新。",
    ]
    assert stat_tree(archived / "site") == before


def test_an_edited_manifest_is_read_again_by_the_build(archived, monkeypatch):
    monkeypatch.setattr(cache, "RACY_NS", 0)
    assert run_cli("build", cwd=archived).rc == 0
    manifest = archived / "archive/2019/manifest.json"
    manifest.chmod(0o644)
    sha = hashlib.sha256((archived / "archive/2019/site/contact.html").read_bytes()).hexdigest()
    manifest.write_text(manifest.read_text(encoding="utf-8").replace(sha, "0" * 64), encoding="utf-8")
    result = run_cli("build", cwd=archived)
    assert result.rc == 1
    assert "archive/2019/site/contact.html:1: 归档文件已被改动：内容与归档清单记录的 SHA-256 不符" in result.err.splitlines()


def test_an_archived_file_altered_after_it_was_checked_is_not_published(archived):
    [snapshot] = snapshots.read_snapshots(str(archived / "archive"), [])
    archived_file = next(f for f in snapshot.site_files if f.out_path == "index.html")
    path = Path(archived_file.disk_path)
    path.chmod(0o644)
    path.write_bytes(b"<!DOCTYPE html><title>x</title>")
    with pytest.raises(BuildFailed) as failed:
        archived_file.data  # noqa: B018 - reading is what is tested
    assert [str(e) for e in failed.value.errors] == [
        f"{archived_file.shown}:1: 归档文件已被改动：内容与归档清单记录的 SHA-256 不符"]


def test_every_link_inside_a_snapshot_resolves_inside_it(archived):
    files = read_tree(archived / "archive/2019/site")
    pages = [p for p in files if p.endswith(".html")]
    assert len(pages) == 27  # with its own search page
    outside = []
    for page in pages:
        here = posixpath.dirname(page)
        for url in links_of(files[page]):
            if url.startswith(("tel:", "mailto:", "#", "data:image/png;base64,")):  # the icon is inside the page
                continue
            assert "://" not in url and not url.startswith("/"), f"{page}: {url}"
            target = posixpath.normpath(posixpath.join(here, url.split("#")[0]))
            if target == "../../index.html":  # the banner's link to the current site, by design
                outside.append(page)
                continue
            assert target in files, f"{page}: {url} -> {target}"
    assert sorted(outside) == sorted(pages)  # every page has the banner link, and only that leaves


def test_banner_on_every_archived_page_and_current_site_link(archived):
    site = archived / "site"
    for page in (archived / "archive/2019/site").rglob("*.html"):
        html = page.read_text(encoding="utf-8")
        assert html.count(BANNER) == 1, page
        assert "<title>2019年度归档：" in html
        assert "历年归档" not in html  # a snapshot does not link to archives beyond itself
    html = (site / "archive/2019/2019/issue-3.html").read_text(encoding="utf-8")
    assert '<a href="../../../index.html">查看当前网站</a>' in html
    assert not any(BANNER in p.read_text(encoding="utf-8") for p in site.glob("*.html"))


def test_every_current_page_links_to_the_archive_index(archived):
    site = archived / "site"
    current = [p for p in site.rglob("*.html") if not p.relative_to(site).as_posix().startswith("archive/2019/")]
    assert len(current) == 28  # with the search page
    for page in current:
        rel = posixpath.relpath("archive/index.html", posixpath.dirname(page.relative_to(site).as_posix()) or ".")
        assert f'<a href="{rel}"' in page.read_text(encoding="utf-8"), page
    index = (site / "archive/index.html").read_text(encoding="utf-8")
    assert '<th scope="row">2019年度</th>' in index
    assert '<time datetime="2019-12-31">2019年12月31日</time>' in index
    assert "<td>27</td>" in index
    assert '<a href="2019/index.html">浏览2019年度归档</a>' in index
    assert '<a href="dwgk-archive-2019.zip" download>2019年度归档压缩包（ZIP，' in index


def test_no_archive_no_archive_link(tmp_path):
    copy_example(tmp_path)
    assert run_cli("build", cwd=tmp_path).rc == 0
    assert not (tmp_path / "site/archive").exists()
    assert "历年归档" not in (tmp_path / "site/index.html").read_text(encoding="utf-8")


def test_zip_unpacks_to_exactly_the_manifest_and_its_files(archived, tmp_path):
    out = tmp_path / "unpacked"
    with zipfile.ZipFile(archived / "archive/2019/dwgk-archive-2019.zip") as z:
        assert z.testzip() is None
        z.extractall(out)
    assert [p.name for p in out.iterdir()] == ["dwgk-archive-2019"]
    unpacked = read_tree(out / "dwgk-archive-2019")
    listed = {f["path"] for f in manifest_of(archived)["files"]}
    assert set(unpacked) == listed | {"manifest.json"}
    folder = read_tree(archived / "archive/2019")
    assert all(unpacked[p] == folder[p] for p in unpacked)


def test_same_content_and_date_archive_byte_identical(tmp_path, epoch):
    copy_example(tmp_path)
    for name in ("one", "two"):
        result = run_cli("archive", "2019", "--archive", name, "--output", f"site-{name}", cwd=tmp_path)
        assert result.rc == 0, result.err
    assert read_tree(tmp_path / "one") == read_tree(tmp_path / "two")


def test_a_past_year_archived_late_and_a_second_year(tmp_path, epoch):
    copy_example(tmp_path)
    assert run_cli("archive", "2019", cwd=tmp_path).rc == 0
    epoch.setenv("SOURCE_DATE_EPOCH", JAN_5_2021)
    mark_panlong_done(tmp_path)
    result = run_cli("archive", cwd=tmp_path)  # the year defaults to the year of the date taken
    assert result.rc == 0, result.err
    assert result.out.startswith("已归档2021年度：archive/2021（27 个网页，清单共 56 个文件，归档日期2021年1月5日）。\n")
    assert "本页为2021年度归档版本，归档于2021年1月5日，内容以归档时为准。" in \
        (tmp_path / "archive/2021/site/index.html").read_text(encoding="utf-8")
    assert not any(p.startswith("archive/") for p in read_tree(tmp_path / "archive/2021/site"))
    index = (tmp_path / "site/archive/index.html").read_text(encoding="utf-8")
    assert index.index("2021年度") < index.index("2019年度")  # newest first
    result = run_cli("archive", "--verify", cwd=tmp_path)
    assert result.out.splitlines()[-1] == "归档校验通过：共 2 个年度。"


@pytest.mark.parametrize("args, env, message", [
    (["archive", "19"], DEC_31_2019, "错误：年度“19”不对：请写四位数字的年份，如 2019\n"),
    (["archive", "2020"], DEC_31_2019, "错误：不能归档尚未到来的2020年度（今天是2019年12月31日）\n"),
    (["archive"], "明天", "错误：环境变量 SOURCE_DATE_EPOCH 的值“明天”不是有效的时间（应为从1970年起的秒数）\n"),
    (["archive", "--archive", "site/archive"], DEC_31_2019,
     "错误：输出文件夹 site 不能与 site/archive 相同、在它里面或包含它\n"),
    (["archive", "--archive", "content/archive"], DEC_31_2019,
     "错误：归档文件夹 content/archive 不能与 content 相同、在它里面或包含它\n"),
    (["archive", "--verify"], DEC_31_2019, "错误：找不到归档文件夹 archive\n"),
])
def test_archive_usage_errors_exit_2(tmp_path, monkeypatch, args, env, message):
    monkeypatch.setenv("SOURCE_DATE_EPOCH", env)
    copy_example(tmp_path)
    result = run_cli(*args, cwd=tmp_path)
    assert (result.rc, result.err) == (2, message)
    assert not (tmp_path / "archive").exists() and not (tmp_path / "site").exists()


def test_verify_with_nothing_archived_and_an_unknown_year(tmp_path):
    (tmp_path / "archive").mkdir()
    result = run_cli("archive", "--verify", cwd=tmp_path)
    assert (result.rc, result.out) == (0, "归档文件夹 archive 中还没有任何年度归档。\n")
    result = run_cli("archive", "--verify", "2018", cwd=tmp_path)
    assert (result.rc, result.err) == (2, "错误：没有2018年度的归档（archive/2018 不存在）\n")


def test_content_errors_archive_nothing(tmp_path, epoch):
    copy_example(tmp_path)
    edit(tmp_path / "content/2019/05.md", "编号: 5", "编号 5")
    result = run_cli("archive", "2019", cwd=tmp_path)
    assert result.rc == 1
    assert result.err.splitlines() == [
        "content/2019/05.md:2: 缺少冒号“:”：“编号 5”应写成“编号: 5”",
        "共 1 处错误，没有归档，网站未更新。",
    ]
    assert not (tmp_path / "archive/2019").exists() and not (tmp_path / "site").exists()


def test_layouts_without_the_banner_are_refused(tmp_path, epoch):
    copy_example(tmp_path)
    shutil.copytree(REPO / "layouts", tmp_path / "layouts")
    edit(tmp_path / "layouts/base.html", '{% include "_archive_banner.html" %}', "")
    result = run_cli("archive", "2019", "--layouts", "layouts", cwd=tmp_path)
    assert result.rc == 1
    assert result.err.splitlines() == [
        "layouts/base.html:1: 模板没有显示归档横幅（2019/category-1.html 等 27 页），请在 body 开头加入 "
        '{% if archived is defined and archived %}{% include "_archive_banner.html" %}{% endif %}',
        "共 1 处错误，没有归档，网站未更新。",
    ]
    assert not (tmp_path / "archive/2019").exists()


def test_real_command_line_done_when_scenario(tmp_path, monkeypatch):
    """As a new user: archive 2019 (today, late), mark the 盘龙公司 issue done, rebuild, verify."""
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)
    copy_example(tmp_path)
    result = run_subprocess("archive", "2019", cwd=tmp_path)
    assert result.rc == 0, result.err
    assert "盘龙" in (tmp_path / "site/archive/2019/2019/issue-1.html").read_text(encoding="utf-8")
    mark_panlong_done(tmp_path)
    assert run_subprocess("build", cwd=tmp_path).rc == 0
    assert "已整改完成17项" in (tmp_path / "site/index.html").read_text(encoding="utf-8")
    assert "正在整改1项" in (tmp_path / "site/archive/2019/index.html").read_text(encoding="utf-8")
    result = run_subprocess("archive", "--verify", cwd=tmp_path)
    assert (result.rc, result.out.splitlines()[-1]) == (0, "归档校验通过：共 1 个年度。")


def test_archive_pages_valid_html(archived):
    site = archived / "site"
    assert validate_html([site / "archive/index.html", site / "archive/2019/index.html",
                          site / "archive/2019/2019/issue-1.html", site / "archive/2019/404.html"]) == []


def test_unpacked_zip_works_offline_in_a_browser(archived, page, tmp_path):
    with zipfile.ZipFile(archived / "archive/2019/dwgk-archive-2019.zip") as z:
        z.extractall(tmp_path / "unpacked")
    root = tmp_path / "unpacked/dwgk-archive-2019/site"
    log = record_requests(page)
    page.goto((root / "2019/category-1.html").as_uri())
    assert page.evaluate("getComputedStyle(document.querySelector('.archive-banner')).backgroundColor") == \
        "rgb(255, 244, 214)"  # the snapshot's own style sheet loaded
    page.get_by_role("navigation", name="网站导航").get_by_role("link", name="首页").click()
    page.wait_for_load_state()
    assert page.url == (root / "index.html").as_uri()
    page.get_by_role("link", name="黄陂区融媒体中心关于巡察反馈意见整改落实情况的通报").click()
    page.wait_for_load_state()
    assert page.url == (root / "2019/index.html").as_uri()
    assert all(u.startswith("file:") for u in log.network()), log.urls
    assert log.failed == [], log.failed


def test_archive_pages_accessible_in_a_browser(archived, page):
    site = archived / "site"
    page.goto((site / "archive/index.html").as_uri())
    assert run_axe(page) == [], format_axe(run_axe(page))
    page.get_by_role("link", name="浏览2019年度归档").click()
    page.wait_for_load_state()
    banner = page.get_by_role("region", name="归档说明")
    assert banner.inner_text().startswith(BANNER)
    assert run_axe(page) == [], format_axe(run_axe(page))
    page.goto((site / "archive/2019/2019/issue-1.html").as_uri())
    assert run_axe(page) == [], format_axe(run_axe(page))
    page.get_by_role("link", name="查看当前网站").click()
    page.wait_for_load_state()
    assert page.url == (site / "index.html").as_uri()
    page.get_by_role("link", name="历年归档").click()
    page.wait_for_load_state()
    assert page.url == (site / "archive/index.html").as_uri()


def test_published_archive_served_from_a_sub_path(archived, nginx, page):
    """On a real web server under /dwgk/: the index, a snapshot, its way back, and the zip download."""
    base = nginx(archived / "site", "/dwgk/")
    log = record_requests(page)
    page.goto(base + "index.html")
    page.get_by_role("link", name="历年归档").click()
    page.wait_for_load_state()
    assert page.url == base + "archive/index.html"
    with page.expect_download() as download:
        page.get_by_role("link", name="2019年度归档压缩包").click()
    assert Path(download.value.path()).read_bytes() == \
        (archived / "archive/2019/dwgk-archive-2019.zip").read_bytes()
    page.get_by_role("link", name="浏览2019年度归档").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="黄陂区融媒体中心关于巡察反馈意见整改落实情况的通报").click()
    page.wait_for_load_state()
    page.get_by_role("link", name="在坚持党的领导方面").first.click()
    page.wait_for_load_state()
    assert page.url == base + "archive/2019/2019/category-1.html"
    assert "整改中" in page.get_by_role("main").inner_text()
    page.get_by_role("link", name="查看当前网站").click()
    page.wait_for_load_state()
    assert page.url == base + "index.html"
    assert log.foreign(base.origin) == []
    assert log.failed == [], log.failed


def test_site_address_is_named_in_the_banner_and_snapshot_links_stay_relative(tmp_path, epoch):
    copy_example(tmp_path)
    with open(tmp_path / "content/site.yml", "a", encoding="utf-8") as f:
        f.write("网站地址: https://www.hprmt.gov.cn/dwgk/\n")
    assert run_cli("archive", "2019", cwd=tmp_path).rc == 0
    snapshot = tmp_path / "archive/2019/site"
    assert "（当前网站地址：https://www.hprmt.gov.cn/dwgk/）" in (snapshot / "index.html").read_text(encoding="utf-8")
    assert '<a href="index.html">返回首页</a>' in (snapshot / "404.html").read_text(encoding="utf-8")
    assert '<a href="/dwgk/index.html">返回首页</a>' in (tmp_path / "site/404.html").read_text(encoding="utf-8")


def test_the_preview_looks_at_the_archive_again_only_when_something_in_it_changed(archived, monkeypatch):
    from dwgk import pipeline, serve

    paths = pipeline.Paths(str(archived / "content"), str(REPO / "layouts"), str(archived / ".preview"),
                           str(archived / "archive"))
    preview = serve.Preview(paths)
    looked = []
    real_lstat = snapshots._lstat
    monkeypatch.setattr(snapshots, "_lstat", lambda path: looked.append(path) or real_lstat(path))
    said = []
    say = lambda line, err=False: said.append(line)  # noqa: E731
    preview.rebuild(say)  # the first build: no watcher has seen anything yet
    assert preview.errors == () and looked
    issue = str(archived / "content/2019/01.md")
    edit(Path(issue), "一是", "一是进一步", 1)
    del looked[:]
    preview.rebuild(say, [issue])
    assert preview.errors == () and looked == []
    assert "进一步" in (archived / ".preview/2019/issue-1.html").read_text(encoding="utf-8")
    assert (archived / ".preview/archive/2019/2019/issue-1.html").is_file()  # still published
    page = archived / "archive/2019/site/contact.html"
    page.chmod(0o644)
    page.write_bytes(page.read_bytes().replace("意见".encode(), "建议".encode(), 1))
    altered = (f"{page}:1: 归档文件已被改动：内容与归档清单记录的 SHA-256 不符",)
    def unreadable(index, changed=None):
        raise OSError(5, "Input/output error")

    with monkeypatch.context() as m:  # a build that fails before it looks at the archive
        m.setattr(cache.SourceIndex, "read_sources", unreadable)
        preview.rebuild(say, [str(page)])
        assert preview.errors == (f"{paths.content_dir}: 读写文件失败：磁盘读写出错（Input/output error）",)
    preview.rebuild(say, [issue])  # the change it did not look at is not forgotten
    assert preview.errors == altered
    preview.rebuild(say, [str(page)])
    assert preview.errors == altered
    preview.rebuild(say, [issue])  # a damaged archive is never taken as unchanged
    assert preview.errors == altered


def _foreign_file(rel):
    def apply(root):
        (root / "site" / rel).parent.mkdir(parents=True, exist_ok=True)
        (root / "site" / rel).write_bytes(b"not dwgk's")
    return apply


@pytest.mark.parametrize("damage", [
    lambda root: edit(root / "content/2019/03.md", "二是", "[见附件](missing.pdf)二是"),
    lambda root: (root / "content/2019/index.html").write_bytes(b'<p class="archive-banner">x</p>'),
    lambda root: (root / "content/2019/a\\..\\..\\evil.bat").write_bytes(b"x"),
    _foreign_file("2019/photo.jpg"),
], ids=["broken-link", "attachment-named-like-a-page", "backslash-in-a-name", "foreign-file-in-site"])
def test_archive_freezes_only_a_site_that_builds(tmp_path, epoch, damage):
    # An archive cannot be undone: it is written only when a build would pass on the same input.
    copy_example(tmp_path)
    assert run_cli("build", cwd=tmp_path).rc == 0
    damage(tmp_path)
    if (tmp_path / "site/2019/photo.jpg").exists():  # the foreign file lies where an attachment goes
        (tmp_path / "content/2019/photo.jpg").write_bytes(b"jpeg")
    site = stat_tree(tmp_path / "site")
    built = run_cli("check", cwd=tmp_path)
    assert built.rc == 1
    result = run_cli("archive", "2019", cwd=tmp_path)
    assert result.rc == 1
    assert result.err == built.err.replace("网站未更新。", "没有归档，网站未更新。")
    assert "Traceback" not in result.err
    assert not (tmp_path / "archive/2019").exists()
    assert stat_tree(tmp_path / "site") == site
    assert run_cli("build", cwd=tmp_path).err == built.err


def test_archive_refuses_when_a_foreign_file_is_where_the_snapshot_goes(tmp_path, epoch):
    copy_example(tmp_path)
    assert run_cli("build", cwd=tmp_path).rc == 0
    _foreign_file("archive/2019/index.html")(tmp_path)
    site = stat_tree(tmp_path / "site")
    result = run_cli("archive", "2019", cwd=tmp_path)
    assert result.rc == 1
    assert result.err.splitlines() == [
        "site/archive/2019/index.html:1: 此文件不是 dwgk 生成的，为免覆盖而停止；请把它移出输出文件夹后再生成",
        "共 1 处错误，没有归档，网站未更新。"]
    assert not (tmp_path / "archive/2019").exists()
    assert stat_tree(tmp_path / "site") == site


def test_archive_parses_and_renders_the_live_site_once(tmp_path, epoch):
    """After a build, `archive` renders each notice's live pages once (the build that publishes
    the snapshot) and its snapshot pages once."""

    copy_example(tmp_path)
    assert run_cli("build", cwd=tmp_path).rc == 0
    epoch.chdir(tmp_path)
    paths = pipeline.Paths("content", str(REPO / "layouts"), "site")
    notices = len(pipeline.load_site(paths).notices)
    rendered = []
    real_render = render.render_notice_and_search
    epoch.setattr(render, "render_notice_and_search",
                  lambda *a, **k: rendered.append("snapshot" if len(a) > 6 or k else "live") or real_render(*a, **k))
    taken, counts = archive.archive_site(paths, "2019", dt.date(2019, 12, 31), cache_dir=pipeline.BESIDE_OUTPUT)
    assert (tmp_path / taken.folder).is_dir() and counts["written"] > 0
    assert sorted(rendered) == ["live"] * notices + ["snapshot"] * notices
