"""`check` is `build` without the write: on any content, the same error lines and exit status
(issue 14), and it writes nothing. test_invalid, test_hostile and test_portal compare the two for
their cases; here are the cases where the two pipelines of old disagreed, and the link check."""

from __future__ import annotations

import shutil

import pytest

from tests.sites import REPO, assert_errors, copy_example, edit, run_cli, stat_tree
from tests.test_invalid import CASES as INVALID
from tests.test_invalid import ISSUE3, replace, write

DISAGREED = {
    "attachment-named-like-the-ledger": (
        [write("content/2019/ledger.csv", b"a,b\r\n")],
        ["content/2019/ledger.csv:1: 附件“ledger.csv”与生成的整改台账同名（网址 2019/ledger.csv），请给附件改名"]),
    "attachment-named-like-an-issue-page": (
        [write("content/2019/issue-3.html", b"<p>x</p>")],
        None),
    "settings-error-and-undeclared-category": (
        [replace("content/site.yml", "  电话: 027-85932332\n", ""),
         replace(ISSUE3, "类别: 在坚持党的领导方面", "类别: 在坚持党领导方面")],
        None),
    "broken-link-in-markdown": (
        [lambda root: (root / ISSUE3).write_text((root / ISSUE3).read_text(encoding="utf-8")
                                                 + "\n详见[整改方案](整改方案.pdf)。\n", encoding="utf-8")],
        None),
}


def check_and_build(root, *options):
    """check first (it must not write), then build: both results."""
    before = stat_tree(root)
    check = run_cli("check", *options, cwd=root)
    assert stat_tree(root) == before  # check writes nothing, not even a cache
    return check, run_cli("build", *options, cwd=root)


@pytest.mark.parametrize("name", sorted(DISAGREED))
def test_check_says_what_build_says(tmp_path, name):
    edits, expected = DISAGREED[name]
    copy_example(tmp_path)
    for apply in edits:
        apply(tmp_path)
    check, build = check_and_build(tmp_path)
    assert (check.rc, check.err) == (build.rc, build.err)
    lines = assert_errors(build, expected)
    if name == "settings-error-and-undeclared-category":
        assert len(lines) == 2  # every error of the run, whichever file it is in
    assert not (tmp_path / "site").exists()


@pytest.mark.parametrize("name", sorted(INVALID))
def test_check_says_what_build_says_with_a_site_already_built(tmp_path, name):
    # With a previous site in place (and a build cache beside it), build only does what changed.
    copy_example(tmp_path)
    assert run_cli("build", cwd=tmp_path).rc == 0
    for apply in INVALID[name][0]:
        apply(tmp_path)
    check, build = check_and_build(tmp_path)
    assert (check.rc, check.err) == (build.rc, build.err) and build.rc == 1


def test_check_runs_the_link_check_of_a_build(tmp_path):
    copy_example(tmp_path)
    shutil.copytree(REPO / "layouts", tmp_path / "layouts")
    edit(tmp_path / "layouts/contact.html", "{% include \"_contact.html\" %}",
         '<p><a href="guide.html">监督指南</a></p>\n{% include "_contact.html" %}')
    check, build = check_and_build(tmp_path, "--layouts", "layouts")
    assert (check.rc, check.err) == (build.rc, build.err)
    assert build.rc == 1 and "链接“guide.html”指向的文件不存在" in build.err


def test_check_and_build_agree_on_a_good_site(tmp_path):
    copy_example(tmp_path)
    check, build = check_and_build(tmp_path)
    assert check.rc == build.rc == 0
    files = build.out.split("共 ")[1].split(" 个文件")[0]
    assert check.out.startswith(f"检查通过：将生成 {files} 个文件。")
