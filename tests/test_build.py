"""The build as a whole: expected output, determinism, safety of site/, the command line."""

from __future__ import annotations

import difflib
import os
import shutil

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
        "content/2019/05.md:2: YAML 缺少冒号“:”；每行应写成“字段: 值”",
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
    assert result.out.splitlines()[0] == "生成完成：site 中共 34 个文件，本次写入 8 个，删除 1 个过时文件。"
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
    assert "本次写入 4 个" in result.out  # the issue page, the notice page and their search data
    after = stat_tree(tmp_path / "site")
    changed = sorted(p for p in after if after[p] != before.get(p))
    assert changed == ["2019/index.html", "2019/issue-7.html", "assets/search/p-0.js", "assets/search/r-2019.js"]


def test_never_overwrites_a_file_it_did_not_write(tmp_path):
    copy_example(tmp_path)
    (tmp_path / "site").mkdir()
    (tmp_path / "site/contact.html").write_text("别人的页面", encoding="utf-8")
    result = run_cli("build", cwd=tmp_path)
    assert result.rc == 1
    assert result.err.splitlines()[0] == "site/contact.html:1: 此文件不是 dwgk 生成的，为免覆盖而停止；请把它移出输出文件夹后再生成"
    assert os.listdir(tmp_path / "site") == ["contact.html"]


def test_output_inside_content_is_a_usage_error(tmp_path):
    copy_example(tmp_path)
    result = run_cli("build", "--output", "content/site", cwd=tmp_path)
    assert result.rc == 2
    assert result.err.startswith("错误：输出文件夹 content/site 不能与 content 相同、在它里面或包含它")
    assert not (tmp_path / "content/site").exists()


def test_a_symbolic_link_in_content_is_refused(tmp_path):
    # A link could make dwgk copy a file from anywhere on the machine into the site.
    copy_example(tmp_path)
    os.symlink("/etc/hostname", tmp_path / "content/2019/hostname.txt")
    result = run_cli("build", cwd=tmp_path)
    assert result.rc == 1
    assert result.err.splitlines()[0] == "content/2019/hostname.txt:1: 不支持符号链接（快捷方式）：请把文件本身放进内容文件夹"
    assert not (tmp_path / "site").exists()


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
    assert (result.rc, result.out) == (0, "检查通过：将生成 35 个文件。\n")
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
        "生成完成：site 中共 35 个文件，本次写入 35 个，删除 0 个过时文件。",
        "提示：未设置网站地址（site.yml 中的“网站地址”，或 --base-url），"
        "因此未生成 sitemap.xml、robots.txt、订阅源 feed.xml 和各页的规范链接（canonical）。",
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
