"""The build cache and incremental builds: never a different site than a build from scratch.

Small generated sites only; speed is measured by the benchmark (python -m tests.bench), not here.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dwgk import cache, content, parallel, render, serve
from tests.bench import benchdata
from tests.sites import REPO, copy_example, edit, read_tree, run_cli, stat_tree

STEPS = 60


def make_site(root: Path, issues: int = 20, seed: int = 1, portal: bool = False) -> Path:
    """A content folder of a few notices (4-8 issues each) and a copy of the layouts, made old;
    with portal, also declared units and rounds (单位/, 轮次/) and full-text search."""
    notices = benchdata.make_notices(issues, seed=seed, per_notice=(4, 8))
    benchdata.write_dwgk_content(str(root / "content"), notices, units=2 if portal else 0, rounds=2 if portal else 0,
                                 search=portal)
    shutil.copytree(REPO / "layouts", root / "layouts")
    age(root / "content")
    return root


def age(folder: Path, seconds: int = 3600) -> None:
    """Files saved an hour ago: the cache trusts their stat at once (see cache.RACY_NS)."""
    old = time.time() - seconds
    for path in folder.rglob("*"):
        os.utime(path, (old, old))


def build(root: Path, *extra: str):
    return run_cli("build", "--layouts", "layouts", *extra, cwd=root)


def cold(root: Path):
    return run_cli("build", "--layouts", "layouts", "--no-cache", "--output", "cold", cwd=root)


def assert_same_as_cold(root: Path, before: dict | None = None):
    """An incremental build of site/ says and writes exactly what a cold build of cold/ does."""
    inc, ref = build(root), cold(root)
    assert (inc.rc, inc.err) == (ref.rc, ref.err.replace("见生成的网页 cold/", "见生成的网页 site/"))
    assert inc.out == ref.out.replace("cold 中共", "site 中共")
    if inc.rc == 0:
        assert read_tree(root / "site") == read_tree(root / "cold")
    elif before is not None:
        assert read_tree(root / "site") == before  # a failed build leaves the site as it was
    return inc


class Editor:
    """Random editing of a content folder, like an editor working over weeks, with a fixed seed."""

    def __init__(self, root: Path, seed: int):
        self.root = root
        self.content = root / "content"
        self.rng = random.Random(seed)
        self.trash = root / "trash"
        self.trash.mkdir()

    def issues(self) -> list[Path]:
        return sorted(p for p in self.content.glob("*/*.md") if p.name != "notice.md")

    def folders(self) -> list[Path]:
        return sorted(p for p in self.content.iterdir() if p.is_dir() and p.name not in ("单位", "轮次"))

    def step(self) -> str:
        actions = [a for a in dir(self) if a.startswith("do_")]
        action = self.rng.choice(actions)
        repaired = "repair, " if self.rng.random() < 0.3 and self.repair() is None else ""
        return repaired + action + ": " + (getattr(self, action)() or "")

    def repair(self) -> None:
        """What an editor does after a failed build: fix what the edits broke (so that the
        sequence builds now and then, and the incremental build has a written site to start from)."""
        self.do_fix_yaml()
        self.do_fix_links()
        for path in self.issues():
            text = path.read_text(encoding="utf-8")
            if "\n完成" in text and "状态: 已完成" not in text:  # a completion date needs 已完成
                path.write_text(re.sub(r"状态: \S+", "状态: 已完成", text, count=1), encoding="utf-8")
        for path in self.content.glob("轮次/*.yml"):  # notices name their round by its 名称
            path.write_text(path.read_text(encoding="utf-8").replace("（调整）", ""), encoding="utf-8")
        for folder in self.folders():
            notice = folder / "notice.md"
            if notice.exists():
                head, found, rest = notice.read_text(encoding="utf-8").partition("公布数字:\n")
                if found:
                    notice.write_text(head + rest[rest.index("---\n"):], encoding="utf-8")

    def pick(self, paths: list[Path]) -> Path:
        return self.rng.choice(paths) if paths else None

    def do_edit_text(self):
        path = self.pick(self.issues())
        text = path.read_text(encoding="utf-8")
        path.write_text(text + f"\n第{self.rng.randint(1, 99)}项补充措施已落实。\n", encoding="utf-8")
        return path.name

    def do_change_status(self):
        path = self.pick(self.issues())
        text = path.read_text(encoding="utf-8")
        for old, new in (("状态: 已完成", "状态: 整改中"), ("状态: 整改中", "状态: 长期坚持"), ("状态: 长期坚持", "状态: 已完成")):
            if old in text:
                path.write_text(text.replace(old, new), encoding="utf-8")  # may break 公布数字: an error
                return path.name

    def do_retitle(self):
        path = self.pick(self.issues())
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("标题: 关于", f"标题: 第{self.rng.randint(1, 9)}次关于", 1), encoding="utf-8")

    def do_rename_issue(self):
        path = self.pick(self.issues())
        path.rename(path.with_name(f"r{self.rng.randint(100, 999)}.md"))

    def do_move_issue_to_other_notice(self):
        path, folder = self.pick(self.issues()), self.pick(self.folders())
        path.rename(folder / f"m{self.rng.randint(100, 999)}.md")

    def do_delete_issue(self):
        path = self.pick(self.issues())
        path.rename(self.trash / f"{time.monotonic_ns()}.md")

    def do_restore_issue(self):
        path, folder = self.pick(sorted(p for p in self.trash.iterdir() if p.is_file())), self.pick(self.folders())
        if path:
            path.rename(folder / f"back{self.rng.randint(100, 999)}.md")

    def do_fix_stated_figures(self):
        folder = self.pick(self.folders())
        notice = folder / "notice.md"
        if notice.exists():
            head, found, rest = notice.read_text(encoding="utf-8").partition("公布数字:\n")
            if found:  # drop the stated figures: nothing left to contradict the issue files
                notice.write_text(head + rest[rest.index("---\n"):], encoding="utf-8")

    def do_break_yaml(self):
        path = self.pick([p for p in self.issues() if "\n类别: " in p.read_text(encoding="utf-8")])
        if path:  # one not broken already
            edit(path, "类别: ", "类别 ")

    def do_fix_yaml(self):
        self.replace_in_issues("\n类别 ", "\n类别: ")

    def do_break_link(self):
        path = self.pick(self.issues())
        text = path.read_text(encoding="utf-8")
        if "一是" in text:  # a link to an attachment that is not there: an error until fixed
            path.write_text(text.replace("一是", "[见附件](整改方案.txt)一是", 1), encoding="utf-8")
            return path.name

    def do_fix_links(self):
        self.replace_in_issues("[见附件](整改方案.txt)", "")

    def replace_in_issues(self, old: str, new: str) -> None:
        """Undo an edit wherever it was made (files that do not hold it are left untouched)."""
        for path in self.issues():
            text = path.read_text(encoding="utf-8")
            if old in text:
                path.write_text(text.replace(old, new), encoding="utf-8")

    def do_edit_unit(self):
        path = self.pick(sorted(self.content.glob("单位/*.yml")))
        if path:  # a unit's contact is on every page of its notices
            text = path.read_text(encoding="utf-8")
            path.write_text(text.replace("示例路", "示例大道", 1) if "示例路" in text else text.replace("示例大道", "示例路"),
                            encoding="utf-8")
            return path.name

    def do_edit_round(self):
        path = self.pick(sorted(self.content.glob("轮次/*.yml")))
        if path:
            edit(path, "巡察", "巡察（调整）") if "（调整）" not in path.read_text(encoding="utf-8") else edit(
                path, "（调整）", "")
            return path.name

    def do_edit_notice(self):
        notice = self.pick(self.folders()) / "notice.md"
        if notice.exists():
            edit(notice, "整改落实情况的通报", "整改落实情况的通报（更新）")

    def do_attachment(self):
        folder = self.pick(self.folders())
        attachment = folder / "整改方案.txt"
        if attachment.exists() and self.rng.random() < 0.5:
            attachment.unlink()
        else:
            attachment.write_text(f"方案第{self.rng.randint(1, 9)}版", encoding="utf-8")

    def do_rename_notice_folder(self):
        folder = self.pick(self.folders())
        folder.rename(folder.with_name(f"{folder.name}-{self.rng.randint(1, 9)}"))

    def do_delete_notice_folder(self):
        if len(self.folders()) > 1:
            folder = self.pick(self.folders())
            folder.rename(self.trash / f"folder-{time.monotonic_ns()}")

    def do_edit_settings(self):
        path = self.content / "site.yml"
        text = path.read_text(encoding="utf-8")
        path.write_text(text.replace("党务公开\n", "党务公开网\n", 1).replace("党务公开网网", "党务公开"), encoding="utf-8")

    def do_toggle_base_url(self):
        # With a base URL the site also has a sitemap, a feed and canonical links.
        path = self.content / "site.yml"
        text = path.read_text(encoding="utf-8")
        line = "网站地址: https://www.example.gov.cn/dwgk/\n"
        path.write_text(text.replace(line, "") if line in text else text + line, encoding="utf-8")

    def do_take_snapshot(self):
        # A yearly archive: published under archive/ by every build, linked from every page.
        year = str(self.rng.randint(2015, 2024))
        result = run_cli("archive", year, "--layouts", "layouts", cwd=self.root)  # also builds site/
        if result.rc == 0:  # (a year archived already is refused, site/ left as it was)
            cold(self.root)  # so that both outputs were built once since
        return f"{year} rc={result.rc}"

    def do_touch_without_change(self):
        path = self.pick(self.issues())
        os.utime(path)

    def do_same_size_edit_keeping_mtime(self):
        # Same size, modification time put back: only the change time (ctime) tells.
        path = self.pick(self.issues())
        st = path.stat()
        text = path.read_text(encoding="utf-8")
        swapped = text.replace("已完成", "整改中", 1) if "已完成" in text else text.replace("整改中", "已完成", 1)
        path.write_text(swapped, encoding="utf-8")
        os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))

    def do_edit_template(self):
        path = self.root / "layouts" / self.rng.choice(["issue.html", "index.html", "category.html", "notice.html"])
        edit(path, "{% block main %}", "{% block main %}<!-- 版本 -->")

    def do_edit_stylesheet(self):
        with open(self.root / "layouts/assets/style.css", "a", encoding="utf-8") as f:
            f.write("\n/* 调整 */\n")

    def do_hand_edit_generated_page(self):
        rng_state = self.rng.getstate()
        for out in ("site", "cold"):  # the same page of both, so that both builds must repair it
            self.rng.setstate(rng_state)
            pages = sorted((self.root / out).glob("*/issue-*.html"))
            if pages:
                page = pages[self.rng.randrange(len(pages))]
                page.write_bytes(page.read_bytes().replace("主要做法".encode(), "手改".encode()))

    def do_delete_generated_page(self):
        rng_state = self.rng.getstate()
        for out in ("site", "cold"):
            self.rng.setstate(rng_state)
            pages = sorted((self.root / out).glob("*/*.html"))
            if pages:
                pages[self.rng.randrange(len(pages))].unlink()

    def do_delete_cache(self):
        shutil.rmtree(self.root / cache.CACHE_DIR, ignore_errors=True)

    def do_corrupt_cache_file(self):
        # With a generator of its own, seeded by one draw: how many files the cache holds and their
        # sizes vary from run to run (they hold stat data), and must not change the edits that
        # follow, so that a sequence that failed is replayed by its seed.
        rng = random.Random(self.rng.random())
        files = sorted(p for p in (self.root / cache.CACHE_DIR).rglob("*") if p.is_file() and p.name != "lock")
        if files:
            path = rng.choice(files)
            data = path.read_bytes()
            if rng.random() < 0.5:
                path.write_bytes(data[: rng.randrange(len(data) + 1)])  # truncated
            else:
                path.write_bytes(bytes(rng.randrange(256) for _ in range(len(data))))  # garbage


EDIT_SEEDS = (8, 2027)


def edit_seeds() -> list[int]:
    """The seeds of the random edit sequences: 8 (notices only) and 2027 (odd: a district portal
    with search). DWGK_EDIT_SEEDS=FIRST-LAST runs those instead, to explore more sequences (about
    15 s each); a sequence that fails is replayed by its seed alone."""
    spec = os.environ.get("DWGK_EDIT_SEEDS")
    if not spec:
        return list(EDIT_SEEDS)
    first, _, last = spec.partition("-")
    return list(range(int(first), int(last or first) + 1))


@pytest.mark.parametrize("seed", edit_seeds())
def test_any_sequence_of_edits_builds_what_a_cold_build_builds(tmp_path, monkeypatch, seed):
    # Every stage shares its work with a forked worker even for these small sites, so that
    # the parallel path is the one checked.
    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)
    root = make_site(tmp_path, seed=seed, portal=seed % 2 == 1)
    editor = Editor(root, seed)
    if seed % 2:
        editor.do_toggle_base_url()
    assert_same_as_cold(root)
    # The preview's way as well: one process that keeps its memory between builds and is told
    # which files changed (serve.Preview, with the watcher's scan).
    preview = serve.Preview(serve.pipeline.Paths(str(root / "content"), str(root / "layouts"), str(root / "preview"),
                                                 str(root / "archive")))
    watched = [str(root / "content"), str(root / "layouts"), str(root / "archive")]
    preview.rebuild(lambda line, err=False: None)
    seen = serve.scan_sources(watched)[0]
    done, built = [], 0
    for _ in range(STEPS):
        done.append(editor.step())
        before = read_tree(root / "site")
        try:
            result = assert_same_as_cold(root, before)
            now = serve.scan_sources(watched)[0]
            preview.rebuild(lambda line, err=False: None, serve.changed_paths(seen, now))
            seen = now
            assert bool(preview.errors) == (result.rc != 0)
            built += result.rc == 0
            if result.rc == 0:
                assert read_tree(root / "preview") == read_tree(root / "cold")
        except AssertionError as exc:
            raise AssertionError(f"seed {seed}, after steps {done}") from exc
    if seed in EDIT_SEEDS:  # chosen so that the sequence really mixes the kinds of edit
        assert len({d.split(":")[0] for d in done}) >= 15
        assert built >= STEPS // 5  # and builds a site now and then, not only errors (other seeds may not)


def test_a_rebuild_with_nothing_changed_parses_and_renders_nothing(tmp_path, monkeypatch):
    root = make_site(tmp_path)
    assert build(root).rc == 0
    parsed = []
    real_parse = content.parse_file
    monkeypatch.setattr(content, "parse_file", lambda source: parsed.append(source.rel_path) or real_parse(source))
    monkeypatch.setattr("dwgk.render.render_template", lambda *a: pytest.fail("rendered a page"))
    result = build(root)
    assert (result.rc, result.out.splitlines()[0]) == (0, "生成完成：site 中共 60 个文件，本次写入 0 个，删除 0 个过时文件。")
    assert parsed == []
    monkeypatch.undo()

    issue = sorted((root / "content").glob("u0001/0*.md"))[0]
    edit(issue, "一是", "一是进一步")
    monkeypatch.setattr(content, "parse_file", lambda source: parsed.append(source.rel_path) or real_parse(source))
    result = build(root)
    assert "本次写入 2 个" in result.out  # its page and its notice's page (benchdata: no search)
    assert parsed == [f"u0001/{issue.name}"]


def test_the_site_wide_pages_are_rendered_again_only_when_a_notice_summary_changes(tmp_path, monkeypatch):
    # The home page, contact page, sitemap… show what notices and issues there are, not their
    # texts: a change to an issue's measures leaves them alone; a change to its title does not.
    root = make_site(tmp_path)
    assert build(root).rc == 0
    rendered = []
    real_render = render.render_template
    monkeypatch.setattr("dwgk.render.render_template",
                        lambda *a: rendered.append(a[2]) or real_render(*a))
    issue = root / "content/u0001/01.md"
    edit(issue, "一是", "一是进一步")
    assert "本次写入 2 个" in build(root).out  # the issue page and the notice page (benchdata: no search)
    assert "issue.html" in rendered and "notice.html" in rendered
    assert "index.html" not in rendered and "contact.html" not in rendered
    rendered.clear()
    edit(issue, "标题: 关于", "标题: 关于进一步")
    assert build(root).rc == 0
    assert "index.html" in rendered
    monkeypatch.undo()
    assert cold(root).rc == 0
    assert read_tree(root / "site") == read_tree(root / "cold")


def test_errors_are_reported_in_full_again_from_the_cache(tmp_path):
    root = make_site(tmp_path)
    assert build(root).rc == 0
    edit(root / "content/u0001/02.md", "状态: ", "状态: 完成了 #")
    edit(root / "content/u0002/notice.md", "来源: ", "来源 ")
    first = build(root)
    assert first.rc == 1
    assert first.err.splitlines()[-1] == "共 2 处错误，网站未更新。"
    edit(root / "content/u0003/01.md", "一是", "一是进一步")  # a change elsewhere: the errors stay
    for _ in range(2):
        again = build(root)
        assert (again.rc, again.err) == (1, first.err)
    assert again.err == cold(root).err


def test_a_broken_link_fails_every_build_until_it_is_fixed(tmp_path):
    # The first failed build has seen the page with its broken link: the next must not take
    # the page as checked, since no build wrote it.
    root = make_site(tmp_path)
    assert build(root).rc == 0
    edit(root / "content/u0001/01.md", "一是", "[见附件](整改方案.txt)一是")
    first = build(root)
    assert first.rc == 1 and "整改方案.txt" in first.err
    edit(root / "content/u0002/01.md", "一是", "一是进一步")  # a change elsewhere
    for _ in range(2):
        assert (build(root).err, cold(root).err.replace("cold/", "site/")) == (first.err, first.err)
    (root / "content/u0001/整改方案.txt").write_text("方案", encoding="utf-8")
    assert (build(root).rc, cold(root).rc) == (0, 0)
    assert read_tree(root / "site") == read_tree(root / "cold")


def test_a_corrupt_cache_is_detected_and_rebuilt(tmp_path):
    root = make_site(tmp_path)
    assert build(root).rc == 0
    want = read_tree(root / "site")
    edit(root / "content/u0001/01.md", "一是", "一是进一步")
    store = next((root / cache.CACHE_DIR).iterdir())
    for path in sorted(p for p in store.rglob("*") if p.is_file() and p.name != "lock"):
        data = path.read_bytes()
        path.write_bytes(data[: len(data) // 2] if len(data) % 2 else b"\x00garbage" * 50)
    result = build(root)
    assert result.rc == 0, result.err
    assert cold(root).rc == 0
    assert read_tree(root / "site") == read_tree(root / "cold") != want
    assert "本次写入 0 个，删除 0 个过时文件。" in build(root).out  # and the cache works again


def test_a_cache_from_other_code_is_never_trusted(tmp_path):
    # Another version of dwgk (a copy whose issue pages end in a mark) builds the same site with
    # the same cache; then this version must build exactly what it builds from scratch.
    root = make_site(tmp_path)
    other = tmp_path / "other"
    shutil.copytree(REPO / "dwgk", other / "dwgk", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(REPO / "build.py", other / "build.py")
    edit(other / "dwgk/content.py", "body_html = markup.to_html(src_path, body, body_line, errors, min_heading=3)\n",
         "body_html = markup.to_html(src_path, body, body_line, errors, min_heading=3) + '<p>另一版本</p>'\n")
    for version in ("this", "other", "this", "other"):
        if version == "other":
            proc = subprocess.run([sys.executable, str(other / "build.py"), "build", "--layouts", "layouts"],
                                  cwd=root, capture_output=True, text=True, timeout=300)
            assert proc.returncode == 0, proc.stderr
            assert "另一版本" in (root / "site/u0001/issue-1.html").read_text(encoding="utf-8")
        else:
            assert build(root).rc == 0
            shutil.rmtree(root / "cold", ignore_errors=True)
            assert cold(root).rc == 0
            assert read_tree(root / "site") == read_tree(root / "cold")
            assert "另一版本".encode() not in b"".join(read_tree(root / "site").values())


@pytest.mark.parametrize(("shown", "name", "what"), [
    ("{% for i in notice.issues %}{{ i.body_html | safe }}{% endfor %}", "body_html", "问题正文"),
    ("{{ notice.intro_html }}", "intro_html", "通报正文（问题清单之前）"),
])
def test_a_template_showing_notice_texts_on_the_home_page_is_refused(tmp_path, shown, name, what):
    # The site-wide pages get notice summaries (model.NoticeSummary), with or without the cache:
    # a text asked for there is a template error at its line, the same in every build.
    root = make_site(tmp_path)
    home = '<p class="progress-line">{{ notice.progress.sentence }}。'  # the list of notices (no rounds here)
    edit(root / "layouts/index.html", home, home + shown)
    line = next(n for n, text in enumerate((root / "layouts/index.html").open(encoding="utf-8"), 1) if shown in text)
    want = [f"layouts/index.html:{line}: 模板运行出错：首页、单位页、轮次页等全站页面只有各通报的摘要，"
            f"不能使用 {name}（{what}）；通报和问题的正文只能在通报、类别和问题页显示",
            "共 1 处错误，网站未更新。"]
    assert_same_as_cold(root)
    assert build(root).err.splitlines() == want
    assert run_cli("check", "--layouts", "layouts", cwd=root).err.splitlines() == want
    edit(root / "content/u0001/01.md", "一是", "一是进一步")
    assert_same_as_cold(root)


def test_a_template_may_show_a_notice_summary_on_the_home_page(tmp_path):
    root = make_site(tmp_path)
    home = '<p class="progress-line">{{ notice.progress.sentence }}。'
    edit(root / "layouts/index.html", home, home + "{{ notice.categories[0] }}")
    assert_same_as_cold(root)
    edit(root / "content/u0001/01.md", "一是", "一是进一步")
    assert_same_as_cold(root)


def test_an_edit_that_keeps_size_and_modification_time_is_seen(tmp_path):
    # Some tools (rsync -t, touch -r, archive extraction) put the old modification time back;
    # the change time (ctime) still moves, and dwgk compares it too.
    root = make_site(tmp_path)
    issue = root / "content/u0002/03.md"
    assert_same_as_cold(root)
    st = issue.stat()
    text = issue.read_text(encoding="utf-8")
    issue.write_text(text.replace("一是", "二是", 1), encoding="utf-8")
    os.utime(issue, ns=(st.st_atime_ns, st.st_mtime_ns))
    assert (issue.stat().st_size, issue.stat().st_mtime_ns) == (st.st_size, st.st_mtime_ns)
    assert_same_as_cold(root)
    assert "二是" in (root / "site/u0002/issue-3.html").read_text(encoding="utf-8")


def test_cache_folder_options(tmp_path):
    copy_example(tmp_path)
    assert run_cli("build", "--no-cache", cwd=tmp_path).rc == 0
    assert sorted(os.listdir(tmp_path)) == ["content", "site"]  # no cache at all
    assert run_cli("build", cwd=tmp_path).rc == 0
    assert sorted(os.listdir(tmp_path)) == [".dwgk-cache", "content", "site"]  # beside the output
    assert run_cli("build", "--output", "out/site", "--cache", "elsewhere", cwd=tmp_path).rc == 0
    assert (tmp_path / "elsewhere").is_dir() and not (tmp_path / "out/.dwgk-cache").exists()
    inside = run_cli("build", "--cache", "content/cache", cwd=tmp_path)
    assert (inside.rc, inside.err) == (2, "错误：缓存文件夹 content/cache 不能与 content 相同、在它里面或包含它\n")
    both = run_cli("build", "--cache", "x", "--no-cache", cwd=tmp_path)
    assert both.rc == 2 and "错误：--cache 和 --no-cache 不能同时使用" in both.err


def test_leftovers_of_a_killed_build_are_cleaned_up(tmp_path):
    copy_example(tmp_path)
    assert run_cli("build", cwd=tmp_path).rc == 0
    staging = tmp_path / "site/.dwgk-staging"
    staging.mkdir()
    (staging / "123-4.tmp").write_bytes(b"half a page")
    edit(tmp_path / "content/2019/03.md", "一是", "一是进一步")
    assert run_cli("build", cwd=tmp_path).rc == 0
    assert not staging.exists()


def test_a_failed_template_leaves_no_trace(tmp_path):
    root = make_site(tmp_path)
    edit(root / "layouts/issue.html", "{{ issue.title }}", "{{ issue.title.no_such_thing() }}")
    result = build(root)
    assert result.rc == 1 and "模板运行出错" in result.err
    assert not (root / "site").exists()


def folder_size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


def test_the_cache_forgets_folders_that_are_gone(tmp_path):
    # An editor who renames notice folders again and again: the cache stays the size of one
    # made from scratch for the content as it is, instead of growing with every name it had.
    root = make_site(tmp_path, issues=40)
    assert build(root).rc == 0
    for n in range(6):
        for folder in sorted(p for p in (root / "content").iterdir() if p.is_dir()):
            folder.rename(folder.with_name(f"{folder.name.split('-')[0]}-{n}"))
        assert build(root).rc == 0
    assert build(root, "--cache", "fresh").rc == 0
    assert folder_size(root / cache.CACHE_DIR) < 1.2 * folder_size(root / "fresh")


TRICKY_PAGES = [
    '<!DOCTYPE html>\n<p><A HREF="a.html#x" id=top>x</A><img src=\'i.png\' srcset="a.png 1x, b.png 2x">\n'
    '<a name="n" href="q.html?a=1&amp;b=2">&lt;a href="not-a-link.html"&gt;</a><video poster=p.jpg></video>',
    '<p>text with href="x.html" but no tag</p><a href = "spaced.html" title="a > b">x</a>',
    '<p>a<!-- <a href="commented.html"> --></p>',
    '<script>var s = "<a href=\\"in-script.html\\">";</script><a href="after.html">x</a>',
    '<style>a[href="x"] {}</style><a href="after.html">x</a>',
    '<a href="one.html" href="two.html" id="d" id="d2">x</a><br/><input value="<a href=x>">',
    '<a href="broken.html>x</a><a href="next.html">y</a>',
    '<a href="same.html">x</a>\n\n<a href="same.html">again, two lines on</a><DIV ID="Up" Data-Href="d.html">',
    '<a\nhref="multi-line.html"\nid="m">x</a><a href=bare.html/><img alt="" src="s.png" / >',
    '<a href="x.html" "junk">x</a><a data-href="no-link.html" hreflang="zh">y</a><a \'q\'=1 href="z.html">z</a>',
    '<link rel="stylesheet" href="s.css"><link rel="alternate" href="feed.xml"><form action="f.html">',
]


def test_the_fast_link_scan_reads_pages_as_the_html_parser_does(tmp_path):
    from dwgk import linkcheck

    copy_example(tmp_path)
    assert run_cli("build", "--base-url", "https://www.example.gov.cn/dwgk/", cwd=tmp_path).rc == 0
    pages = [p.read_text(encoding="utf-8") for p in sorted((tmp_path / "site").rglob("*.html"))]
    fast = 0
    tags_read: dict = {}  # shared by every page, as in a build: each different tag is read once
    for text in (pages + TRICKY_PAGES) * 2:
        parser = linkcheck._PageParser()
        parser.feed(text)
        parser.close()
        found = linkcheck._scan_plain_html(text, tags_read)
        if found is not None:  # None: left to the HTML parser
            fast += 1
            assert found == (parser.links, parser.anchors), text
    assert fast >= 2 * (len(pages) + 5)  # every generated page, and the plain ones of the tricky pages


def test_notice_pages_may_not_list_every_notice(tmp_path):
    root = make_site(tmp_path)
    edit(root / "layouts/base.html", "<main", "{{ site.notices | length }}<main")
    line = next(n for n, text in enumerate((root / "layouts/base.html").open(encoding="utf-8"), 1) if "<main" in text)
    result = build(root)
    assert (result.rc, result.err.splitlines()) == (1, [
        f"layouts/base.html:{line}: 模板运行出错：通报、类别和问题页不能使用 site.notices（全部通报），"
        "只有首页、归档页、反馈联系页和 404 页可以使用",
        "共 1 处错误，网站未更新。"])


def built_as_cold(root: Path) -> bool:
    """An incremental build of site/ writes what a cold build of cold/ does."""
    return build(root).rc == 0 and cold(root).rc == 0 and read_tree(root / "site") == read_tree(root / "cold")


def spare_folder(root: Path) -> Path:
    return next((root / cache.CACHE_DIR).iterdir()) / "spare"


def edit_issue_template(root: Path, n: int) -> None:
    """Change the issue page template so that every issue page changes."""
    path = root / "layouts/issue.html"
    text, done = re.subn(r"<h2[^>]*>主要做法", f'<h2 data-edit="{n}">主要做法', path.read_text(encoding="utf-8"))
    assert done == 1
    path.write_text(text, encoding="utf-8")


def test_a_replaced_page_swaps_places_with_its_previous_version(tmp_path):
    root = make_site(tmp_path)
    assert build(root).rc == 0
    page, spare = root / "site/u0001/issue-1.html", spare_folder(root) / "u0001/issue-1.html"
    first, first_file = page.read_bytes(), page.stat().st_ino
    edit_issue_template(root, 1)
    assert build(root).rc == 0
    second = page.read_bytes()
    assert second != first
    assert (spare.read_bytes(), spare.stat().st_ino) == (first, first_file)  # moved aside, not freed
    edit_issue_template(root, 2)
    assert build(root).rc == 0
    assert page.read_bytes() not in (first, second) and page.stat().st_ino == first_file  # reused
    assert spare.read_bytes() == second and oct(page.stat().st_mode & 0o777) == "0o644"
    assert cold(root).rc == 0 and read_tree(root / "site") == read_tree(root / "cold")
    shutil.rmtree(root / "content/u0001")  # its pages go, and their previous versions too
    assert_same_as_cold(root)
    assert not (spare_folder(root) / "u0001").exists()


def test_a_hard_linked_backup_of_the_site_is_never_written_into(tmp_path):
    root = make_site(tmp_path)
    assert build(root).rc == 0
    backup = tmp_path / "backup"  # what `cp -al site backup` makes: the same files under two names
    for path in (root / "site").rglob("*"):
        if path.is_file():
            (backup / path.relative_to(root / "site")).parent.mkdir(parents=True, exist_ok=True)
            os.link(path, backup / path.relative_to(root / "site"))
    saved = read_tree(backup)
    for n in range(1, 4):  # the second edit finds the backup's files in the spare folder
        edit_issue_template(root, n)
        assert build(root).rc == 0
    assert read_tree(backup) == saved
    assert cold(root).rc == 0 and read_tree(root / "site") == read_tree(root / "cold")


def test_nothing_is_written_through_a_link_in_the_spare_folder(tmp_path):
    root = make_site(tmp_path)
    assert build(root).rc == 0
    outside = tmp_path / "outside.html"
    outside.write_bytes(b"not dwgk's")
    spare = spare_folder(root) / "u0001/issue-1.html"
    spare.parent.mkdir(parents=True, exist_ok=True)
    spare.symlink_to(outside)
    edit_issue_template(root, 1)
    assert built_as_cold(root)
    assert outside.read_bytes() == b"not dwgk's"


@pytest.mark.parametrize("system", ["without the swap", "file system refuses it"])
def test_pages_are_replaced_by_renaming_where_files_cannot_be_swapped(tmp_path, monkeypatch, system):
    import errno

    from dwgk import output

    tried = []

    def refuses(*args):
        tried.append(args)
        return -1

    if system == "without the swap":
        monkeypatch.setattr(output, "_exchange", lambda: None)
    else:
        monkeypatch.setattr(output, "_exchange", lambda: (refuses, lambda: errno.EINVAL))
    root = make_site(tmp_path)
    assert build(root).rc == 0
    for n in range(1, 3):
        edit_issue_template(root, n)
        assert built_as_cold(root)
    assert len(tried) <= 2  # once refused, not tried again in the same build
    assert not spare_folder(root).exists() or system != "without the swap"


def test_a_full_disk_while_staging_leaves_the_site_as_it_was(tmp_path, monkeypatch):
    import errno

    from dwgk import output

    root = make_site(tmp_path)
    assert build(root).rc == 0
    before = stat_tree(root / "site")
    edit_issue_template(root, 1)

    def full(spare, out_path, data):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(output, "_write_spare", full)
    result = build(root)
    assert (result.rc, result.err.splitlines()) == (1, [
        "site: 读写文件失败：磁盘已满（No space left on device）",
        "生成中断：请排除上面的问题（如磁盘已满、没有写入权限）后重新生成。"])
    assert stat_tree(root / "site") == before
    monkeypatch.undo()
    assert built_as_cold(root)


def test_a_build_interrupted_while_swapping_pages_in_is_made_whole_by_the_next(tmp_path, monkeypatch):
    import errno

    from dwgk import output

    root = make_site(tmp_path)
    assert build(root).rc == 0
    edit_issue_template(root, 1)
    assert build(root).rc == 0  # now every issue page has a spare file
    edit_issue_template(root, 2)
    real_swap, swapped = output._swap, []

    def fails_halfway(source, target):
        if len(swapped) == 5:
            raise OSError(errno.EIO, "Input/output error", target)
        swapped.append(target)
        return real_swap(source, target)

    monkeypatch.setattr(output, "_swap", fails_halfway)
    result = build(root)
    assert result.rc == 1 and result.err.startswith("site/") and "读写文件失败：磁盘读写出错（Input/output error）" in result.err
    monkeypatch.undo()
    assert built_as_cold(root)
