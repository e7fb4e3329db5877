"""The build as a whole: expected output, determinism, safety of site/, the command line."""

from __future__ import annotations

import difflib
import os
import shutil
import subprocess
import sys

import pytest

from tests.regen_fixtures import fixture_sites
from tests.sites import REPO, copy_example, edit, read_tree, run_cli, run_subprocess, stat_tree


@pytest.mark.parametrize("fixture", fixture_sites(), ids=lambda p: p.name)
def test_fixture_site_matches_expected_output(tmp_path, fixture):
    shutil.copytree(fixture / "content", tmp_path / "content")
    result = run_cli("build", cwd=tmp_path)
    assert result.rc == 0, result.err
    got = read_tree(tmp_path / "site")
    got.pop(".dwgk-files.json")
    want = read_tree(fixture / "expected")
    diffs = []
    for path in sorted(set(got) | set(want)):
        if got.get(path) != want.get(path):
            a = want.get(path, b"").decode("utf-8", "replace").splitlines()
            b = got.get(path, b"").decode("utf-8", "replace").splitlines()
            diffs.append("\n".join(difflib.unified_diff(a, b, f"expected/{path}", f"site/{path}", lineterm="")))
    assert not diffs, ("output differs from the fixture; if intended, run "
                       "`.venv/bin/python tests/regen_fixtures.py`:\n" + "\n".join(diffs)[:20000])


def test_same_content_builds_byte_identical(tmp_path):
    copy_example(tmp_path)
    assert run_cli("build", "--output", "one", cwd=tmp_path).rc == 0
    assert run_cli("build", "--output", "two", cwd=tmp_path).rc == 0
    assert read_tree(tmp_path / "one") == read_tree(tmp_path / "two")


def test_failed_build_leaves_site_exactly_as_it_was(tmp_path):
    copy_example(tmp_path)
    assert run_cli("build", cwd=tmp_path).rc == 0
    (tmp_path / "site/notes.txt").write_text("编辑自己放的文件", encoding="utf-8")
    before = stat_tree(tmp_path / "site")
    edit(tmp_path / "content/2019/01.md", "状态: 整改中", "状态: 已完成")  # would change pages...
    edit(tmp_path / "content/2019/05.md", "编号: 5", "编号 5")  # ...but this breaks the run
    result = run_cli("build", cwd=tmp_path)
    assert result.rc == 1
    assert result.err.splitlines() == [
        "content/2019/05.md:2: 缺少冒号“:”：“编号 5”应写成“编号: 5”",
        "共 1 处错误，网站未更新。",
    ]
    assert stat_tree(tmp_path / "site") == before


def test_removed_issue_pages_go_and_foreign_files_stay(tmp_path):
    copy_example(tmp_path)
    site = tmp_path / "site"
    assert run_cli("build", cwd=tmp_path).rc == 0
    (site / "archive/2019").mkdir(parents=True)
    (site / "archive/2019/index.html").write_text("snapshot", encoding="utf-8")
    (site / "2019/editor-notes.txt").write_text("keep", encoding="utf-8")
    (tmp_path / "content/2019/17.md").unlink()
    edit(tmp_path / "content/2019/notice.md", "问题总数: 17", "问题总数: 16")
    edit(tmp_path / "content/2019/notice.md", "已完成: 16", "已完成: 15")
    result = run_cli("build", cwd=tmp_path)
    assert result.rc == 0, result.err
    assert result.out.splitlines()[0] == "生成完成：site 中共 36 个文件，本次写入 8 个，删除 1 个过时文件。"
    assert not (site / "2019/issue-17.html").exists()
    assert (site / "archive/2019/index.html").read_text(encoding="utf-8") == "snapshot"
    assert (site / "2019/editor-notes.txt").read_text(encoding="utf-8") == "keep"
    assert "反馈的5大类16项问题" in (site / "2019/index.html").read_text(encoding="utf-8")


def test_unchanged_files_are_not_rewritten(tmp_path):
    copy_example(tmp_path)
    assert run_cli("build", cwd=tmp_path).rc == 0
    before = stat_tree(tmp_path / "site")
    edit(tmp_path / "content/2019/07.md", "一是加大", "一是进一步加大")
    result = run_cli("build", cwd=tmp_path)
    # The issue page, the notice page and the notice's search records; not the postings, which
    # are by notice: 进一步 is elsewhere in the notice already.
    assert "本次写入 3 个" in result.out
    after = stat_tree(tmp_path / "site")
    changed = sorted(p for p in after if after[p] != before.get(p))
    assert changed == ["2019/index.html", "2019/issue-7.html", "assets/search/r-2019.js"]


def test_never_overwrites_a_file_it_did_not_write(tmp_path):
    copy_example(tmp_path)
    (tmp_path / "site").mkdir()
    (tmp_path / "site/contact.html").write_text("别人的页面", encoding="utf-8")
    result = run_cli("build", cwd=tmp_path)
    assert result.rc == 1
    assert result.err.splitlines()[0] == "site/contact.html:1: 此文件不是 dwgk 生成的，为免覆盖而停止；请把它移出输出文件夹后再生成"
    assert os.listdir(tmp_path / "site") == ["contact.html"]


def test_the_half_written_manifest_of_a_killed_build_is_removed_by_the_next(tmp_path):
    copy_example(tmp_path)
    assert run_cli("build", cwd=tmp_path).rc == 0
    (tmp_path / "site/.dwgk-x1y2z3_a.tmp").write_bytes(b"")  # as kill -9 leaves it
    (tmp_path / "site/.dwgk-notes.tmp").write_text("别人的文件", encoding="utf-8")  # not a name dwgk makes
    for args in (["build"], ["build", "--no-cache"]):
        assert run_cli(*args, cwd=tmp_path).rc == 0
        assert sorted(p.name for p in (tmp_path / "site").glob(".dwgk-*")) == [".dwgk-files.json", ".dwgk-notes.tmp"]
        (tmp_path / "site/.dwgk-x1y2z3_a.tmp").write_bytes(b"")


def test_output_inside_content_is_a_usage_error(tmp_path):
    copy_example(tmp_path)
    result = run_cli("build", "--output", "content/site", cwd=tmp_path)
    assert result.rc == 2
    assert result.err.startswith("错误：输出文件夹 content/site 不能与 content 相同、在它里面或包含它")
    assert not (tmp_path / "content/site").exists()


@pytest.mark.parametrize("command, output, message", [
    # `check` where a faulty build would write into the machine's own folders: the same words.
    ("check", "/", "输出文件夹 / 是磁盘的根文件夹，不能使用；请另建一个专用的文件夹"),
    ("build", "~", "输出文件夹 {home} 是用户的主文件夹，不能使用；请另建一个专用的文件夹"),
    ("build", ".dwgk-cache", "输出文件夹 .dwgk-cache 是生成缓存文件夹 .dwgk-cache 或在它里面，不能使用"),
    ("build", ".dwgk-cache/site", "输出文件夹 .dwgk-cache/site 是生成缓存文件夹 .dwgk-cache 或在它里面，不能使用"),
    ("check", "{code}", "输出文件夹 {code} 不能与 dwgk 的程序文件夹 {code} 相同、在它里面或包含它"),
    ("check", "{code}/../..", "输出文件夹 {code}/../.. 不能与 dwgk 的程序文件夹 {code} 相同、在它里面或包含它"),
    ("archive", ".dwgk-cache", "输出文件夹 .dwgk-cache 是生成缓存文件夹 .dwgk-cache 或在它里面，不能使用"),
])
def test_folders_no_site_may_be_written_to_are_refused(tmp_path, monkeypatch, command, output, message):
    copy_example(tmp_path)
    home = tmp_path / "home"
    (home / "notes").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    code = str(REPO / "dwgk")
    output = str(home) if output == "~" else output.format(code=code)
    result = run_cli(command, "--output", output, cwd=tmp_path)
    assert (result.rc, result.err) == (2, f"错误：{message.format(home=home, code=code)}\n")
    assert sorted(os.listdir(tmp_path)) == ["content", "home"]
    assert os.listdir(home) == ["notes"]


def test_a_symbolic_link_in_content_is_refused(tmp_path):
    # A link could make dwgk copy a file from anywhere on the machine into the site.
    copy_example(tmp_path)
    os.symlink("/etc/hostname", tmp_path / "content/2019/hostname.txt")
    result = run_cli("build", cwd=tmp_path)
    assert result.rc == 1
    assert result.err.splitlines()[0] == "content/2019/hostname.txt:1: 不支持符号链接（快捷方式）：请把文件本身放进内容文件夹"
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("swap", ["file", "folder"])
def test_an_attachment_swapped_for_a_link_after_listing_is_not_read(tmp_path, monkeypatch, swap):
    # The race of a red-team pass: the listing saw a file, and by the time its bytes are read a
    # link to a secret stands there (or the folder above it has become a link). Here the swap
    # happens between the two public stages, load_site (lists) and render (reads attachments).
    from dwgk import pipeline
    from dwgk.model import BuildFailed

    copy_example(tmp_path)
    (tmp_path / "secret/docs").mkdir(parents=True)
    (tmp_path / "secret/docs/方案.txt").write_text("机密", encoding="utf-8")
    (tmp_path / "content/2019/docs").mkdir()
    (tmp_path / "content/2019/docs/方案.txt").write_text("公开的附件", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    paths = pipeline.Paths("content", str(REPO / "layouts"), "site")
    site = pipeline.load_site(paths)
    if swap == "file":
        (tmp_path / "content/2019/docs/方案.txt").unlink()
        os.symlink(tmp_path / "secret/docs/方案.txt", tmp_path / "content/2019/docs/方案.txt")
    else:
        shutil.rmtree(tmp_path / "content/2019/docs")
        os.symlink(tmp_path / "secret/docs", tmp_path / "content/2019/docs")
    with pytest.raises(BuildFailed) as failed:
        pipeline.render(paths, site)
    assert [str(e) for e in failed.value.errors] == [
        "content/2019/docs/方案.txt:1: 不支持符号链接（快捷方式）：请把文件本身放进内容文件夹"]


def test_a_file_read_as_listed_must_be_the_file_listed(tmp_path):
    # Reading during the listing: the folder above may have become a link since the file was seen.
    from dwgk.content import read_regular
    from dwgk.model import BuildFailed

    (tmp_path / "content/2019").mkdir(parents=True)
    (tmp_path / "secret").mkdir()
    (tmp_path / "content/2019/a.txt").write_text("公开", encoding="utf-8")
    (tmp_path / "secret/a.txt").write_text("机密", encoding="utf-8")
    listed = os.lstat(tmp_path / "content/2019/a.txt")
    assert read_regular(str(tmp_path / "content"), "2019/a.txt", "content/2019/a.txt", listed) == "公开".encode()
    shutil.rmtree(tmp_path / "content/2019")
    os.symlink(tmp_path / "secret", tmp_path / "content/2019")
    with pytest.raises(BuildFailed) as failed:
        read_regular(str(tmp_path / "content"), "2019/a.txt", "content/2019/a.txt", listed)
    assert [str(e) for e in failed.value.errors] == [
        "content/2019/a.txt:1: 不支持符号链接（快捷方式）：请把文件本身放进内容文件夹"]


def test_a_named_pipe_in_content_is_refused_without_waiting(tmp_path):
    # open() of a named pipe waits for a writer that never comes: the build hung.
    copy_example(tmp_path)
    os.mkfifo(tmp_path / "content/2019/附件.pdf")
    for args in (["build"], ["build", "--no-cache"], ["check"]):
        try:
            proc = subprocess.run([sys.executable, str(REPO / "build.py"), *args], cwd=tmp_path,
                                  capture_output=True, text=True, timeout=60)
        except subprocess.TimeoutExpired:
            pytest.fail(f"{args} waits on the named pipe")
        assert (proc.returncode, proc.stderr.splitlines()) == (1, [
            "content/2019/附件.pdf:1: 不是普通文件（如命名管道、设备文件），不能发布：请删除它，或换成文件本身",
            "共 1 处错误，网站未更新。"])
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("built_before", [False, True])
def test_never_writes_through_a_linked_folder_in_the_output(tmp_path, built_before):
    copy_example(tmp_path)
    if built_before:
        assert run_cli("build", cwd=tmp_path).rc == 0
        shutil.rmtree(tmp_path / "site/2019")
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / "elsewhere/index.html").write_text("别处的页面", encoding="utf-8")
    (tmp_path / "site").mkdir(exist_ok=True)
    os.symlink(tmp_path / "elsewhere", tmp_path / "site/2019")
    site = stat_tree(tmp_path / "site")
    for args in (["build"], ["build", "--no-cache"], ["check"]):
        result = run_cli(*args, cwd=tmp_path)
        assert (result.rc, result.err.splitlines()) == (1, [
            "site/2019:1: 这里应是一个文件夹，却是符号链接（快捷方式）或文件；dwgk 不会写到链接指向的地方，"
            "为免覆盖而停止：请把它移出输出文件夹后再生成", "共 1 处错误，网站未更新。"]), args
    assert os.listdir(tmp_path / "elsewhere") == ["index.html"]
    assert (tmp_path / "elsewhere/index.html").read_text(encoding="utf-8") == "别处的页面"
    assert stat_tree(tmp_path / "site") == site


def test_no_output_path_can_leave_the_output_folder():
    from dwgk.output import safe_out_path
    assert safe_out_path("2019/issue-1.html") and safe_out_path("2019/整改方案.pdf")
    for bad in ("../x.html", "/etc/passwd", "2019/../../x", "a\\..\\b", "", ".", "a//b", "a/./b"):
        assert not safe_out_path(bad), bad


def test_raw_html_and_scripts_never_reach_a_page(tmp_path):
    copy_example(tmp_path)
    edit(tmp_path / "content/2019/02.md", "一是",
         '<script>alert(1)</script><b onclick="x()">粗</b>\n\n<div onmouseover="y()">块</div>\n\n一是')
    assert run_cli("build", cwd=tmp_path).rc == 0
    page = (tmp_path / "site/2019/issue-2.html").read_text(encoding="utf-8")
    assert '&lt;script&gt;alert(1)&lt;/script&gt;&lt;b onclick="x()"&gt;粗&lt;/b&gt;' in page
    assert '&lt;div onmouseover="y()"&gt;块&lt;/div&gt;' in page
    for path in (tmp_path / "site").rglob("*.html"):
        tags = _tags(path.read_text(encoding="utf-8"))
        # The only scripts are the site's own 关怀版 switch and search, files from layouts/assets.
        scripts = [dict(attrs) for t, attrs in tags if t == "script"]
        assert [set(a) for a in scripts][:1] == [{"src"}] and scripts[0]["src"].endswith("assets/care.js"), path
        if path.name == "search.html":
            assert scripts[1:] == [{"src": "assets/search.js", "defer": None}], path
        else:
            assert len(scripts) == 1, path
        assert not [a for _, attrs in tags for a, _ in attrs if a.startswith("on")], path


def _tags(html):
    from html.parser import HTMLParser
    found = []

    class P(HTMLParser):
        def handle_starttag(self, tag, attrs):
            found.append((tag, attrs))

    P().feed(html)
    return found


def test_check_writes_nothing(tmp_path):
    copy_example(tmp_path)
    result = run_cli("check", cwd=tmp_path)
    assert (result.rc, result.out) == (0, "检查通过：将生成 37 个文件。\n")
    assert sorted(os.listdir(tmp_path)) == ["content"]


@pytest.mark.parametrize("args, message", [
    (["publish-now"], "错误：参数 命令: 未知的命令：'publish-now'"),
    (["build", "--output"], "错误：参数 --output: 需要跟一个值"),
    (["check", "--colour"], "错误：无法识别的参数：--colour"),
])
def test_usage_errors_exit_2_in_chinese(tmp_path, args, message):
    copy_example(tmp_path)
    result = run_cli(*args, cwd=tmp_path)
    assert result.rc == 2
    assert message in result.err
    assert "请运行 python build.py --help 查看用法。" in result.err


def test_missing_content_folder_is_a_usage_error(tmp_path):
    result = run_cli("build", "--content", "nowhere", cwd=tmp_path)
    assert (result.rc, result.err) == (2, "错误：找不到内容文件夹 nowhere\n")


def test_bare_command_builds_like_a_new_user_runs_it(tmp_path):
    copy_example(tmp_path)
    result = run_subprocess(cwd=tmp_path)
    assert result.rc == 0, result.err
    assert result.out.splitlines() == [
        "生成完成：site 中共 37 个文件，本次写入 37 个，删除 0 个过时文件。",
    ]
    assert (tmp_path / "site/index.html").is_file()
    help_text = run_subprocess("--help", cwd=tmp_path).out
    assert help_text.startswith("用法：") and "生成网站到输出文件夹" in help_text


def test_repo_example_is_what_the_readme_builds():
    # The README's first command builds content/ of the repo; it must stay valid.
    result = run_cli("check", cwd=REPO)
    assert result.rc == 0, result.err


def test_template_errors_name_the_template_and_line(tmp_path):
    copy_example(tmp_path)
    shutil.copytree(REPO / "layouts", tmp_path / "layouts")
    edit(tmp_path / "layouts/category.html", "{% if category.issues %}", "{% if category.issues %")
    edit(tmp_path / "layouts/contact.html", "{{ settings.publisher }}", "{{ settings.no_such_field }}")
    result = run_cli("build", "--layouts", "layouts", cwd=tmp_path)
    assert result.rc == 1
    assert result.err.splitlines() == [
        "layouts/category.html:8: 模板语法错误：unexpected '<'",  # where Jinja notices the unclosed tag
        "layouts/contact.html:5: 模板运行出错：'dwgk.model.Settings object' has no attribute 'no_such_field'",
        "共 2 处错误，网站未更新。",
    ]
