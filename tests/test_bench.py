"""The shipped benchmark runs as the README says and measures honestly (tiny sizes: no timing here)."""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import sys
import time

import pytest

from tests.bench import benchdata, probe, series
from tests.sites import REPO

#: Stands in for Hugo: `hugo version`, and a "build" that writes one page into --destination.
FAKE_HUGO = f"""#!{sys.executable}
import os, sys
if sys.argv[1:] == ["version"]:
    print("hugo v0.0.0-fake")
    sys.exit(0)
dest = sys.argv[sys.argv.index("--destination") + 1]
os.makedirs(dest)
with open(os.path.join(dest, "index.html"), "w") as f:
    f.write("<p>hugo</p>")
"""


def run_bench(tmp_path, *args: str) -> subprocess.CompletedProcess:
    """The benchmark as the README runs it, one run, without Hugo, its figures in tmp_path/figures.json."""
    (tmp_path / "tmp").mkdir(exist_ok=True)
    result = subprocess.run(
        [sys.executable, "-m", "tests.bench", *args, "--runs", "1", "--no-hugo", "--settle", "0", "--json", str(tmp_path / "figures.json")],
        cwd=tmp_path, capture_output=True, text=True, timeout=600,
        env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin", "TMPDIR": str(tmp_path / "tmp")})
    assert result.returncode == 0, result.stderr
    return result


@pytest.fixture(scope="module")
def watched(tmp_path_factory):
    """One run of the benchmark in this process (20 issues, 40 for scale, 3 pairs) with a stand-in
    Hugo: what it printed, its JSON, its temporary folder, and the events seen: each timed command
    (with whether its output folder existed when it started) and each deletion the benchmark made."""
    tmp_path = tmp_path_factory.mktemp("bench")
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "hugo").write_text(FAKE_HUGO)
    (bin_dir / "hugo").chmod(0o755)
    (tmp_path / "tmp").mkdir()
    events = []
    real_timed = probe.timed

    def timed(cmd, cwd, env=None):
        out = next((cmd[i + 1] for i, a in enumerate(cmd) if a in ("--output", "--destination")), None)
        fresh = None if out is None else not os.path.exists(os.path.join(cwd, out))
        start = time.monotonic()
        result = real_timed(cmd, cwd, env)
        events.append({"timed": cmd, "output": out, "fresh": fresh, "start": start, "end": time.monotonic()})
        return result

    def deleting(real):
        def delete(path, *args, **kwargs):
            events.append({"deleted": os.fspath(path), "at": time.monotonic()})
            return real(path, *args, **kwargs)
        return delete

    with pytest.MonkeyPatch.context() as patch, contextlib.redirect_stdout(io.StringIO()) as out:
        patch.setenv("PATH", f"{bin_dir}:/usr/bin:/bin")
        patch.setattr("tempfile.tempdir", str(tmp_path / "tmp"))
        patch.setattr(probe, "timed", timed)
        for name in ("unlink", "remove", "rmdir"):
            patch.setattr(os, name, deleting(getattr(os, name)))
        assert series.main(["--sizes", "20", "--scale", "40", "--runs", "3", "--settle", "0",
                            "--json", str(tmp_path / "figures.json")]) == 0
    figures = json.loads((tmp_path / "figures.json").read_text(encoding="utf-8"))
    return {"out": out.getvalue(), "figures": figures, "json": tmp_path / "figures.json", "tmp": tmp_path / "tmp",
            "events": events}


def test_benchmark_prints_and_saves_every_figure(watched):
    out, figures = watched["out"], watched["figures"]
    assert "Hugo：hugo v0.0.0-fake" in out
    fs_line = probe.describe_file_system(figures["file_system"])
    assert out.count(fs_line) == 2  # the output folders' file system and journal, at the start and with the figures
    assert f"内存：{probe.MEMORY_METHOD}" in out
    for label in ("冷生成（无缓存，新文件夹）", "Hugo 冷生成（同一配对序列）", "冷生成 dwgk ÷ Hugo（逐对）", "无改动重新生成",
                  "改一个问题文件：到网页写好", "改一个问题文件：到命令结束", "改一个模板后重新生成", "年度归档（archive 命令）",
                  "有一个年度归档时：无改动重新生成", "冷生成峰值内存（全部进程）", "冷生成每秒页数", "40 ÷ 20"):
        assert label in out
    assert "20 个问题：冷生成 ≤ 1.5 × Hugo（同一配对序列实测" in out
    for label in ("冷生成（无缓存，新文件夹）", "无改动重新生成", "改一个问题文件：到网页写好", "冷生成峰值内存（全部进程）"):
        assert f"规模 {label}：40/20 ≤ 2.2 倍" in out
    assert f"结果已写入 {watched['json']}" in out
    assert set(figures["sizes"]) == {"20", "40"} and figures["scale"] == 40
    assert figures["file_system"]["how"] and figures["memory_method"] == probe.MEMORY_METHOD
    small, large = figures["sizes"]["20"], figures["sizes"]["40"]
    for key in ("cold", "hugo_cold", "cold_vs_hugo", "no_change", "one_issue_written", "one_issue", "one_template",
                "preview_one_issue", "archive", "archive_memory", "no_change_archived", "peak_memory", "pages_per_second"):
        assert set(small[key]) == {"median", "min", "max", "runs"}
        assert small[key]["min"] <= small[key]["median"] <= small[key]["max"]
    assert set(series.SCALE_FIGURES) <= set(large) and "archive" not in large and "one_template" not in large
    # The page is written while the command runs (file times are a few milliseconds coarse).
    assert 0 < small["one_issue_written"]["median"] <= small["one_issue"]["median"] + 0.01
    assert small["pages"] > 20 and small["peak_memory"]["median"] > 5  # MB: the sampler saw the build


def test_cold_builds_alternate_with_hugo_each_into_a_new_folder_and_nothing_is_deleted_while_timing(watched):
    timed = [e for e in watched["events"] if "timed" in e]
    cold = [e for e in timed if e["output"]]
    assert len(cold) == 2 * 2 * 3  # two sizes, three pairs each, dwgk and Hugo
    assert all(e["fresh"] for e in cold)
    assert len({e["output"] for e in cold}) == len(cold)
    tools = ["hugo" if "--destination" in e["timed"] else "dwgk" for e in cold]
    assert tools == ["dwgk", "hugo", "hugo", "dwgk", "dwgk", "hugo"] * 2  # paired; the first of a pair alternates
    deleted = [e for e in watched["events"] if "deleted" in e]
    assert deleted  # the benchmark cleans up ...
    assert min(e["at"] for e in deleted) > max(e["end"] for e in timed)  # ... only after the last timed command
    assert list(watched["tmp"].iterdir()) == []  # ... everything it made


def test_targets_at_the_scale_size_are_its_ratio_to_the_largest_full_size():
    def figures(**medians):
        return {key: {"median": value, "min": value, "max": value, "runs": [value]} for key, value in medians.items()}

    results = {"10000": {"full": True, **figures(cold=5.0, peak_memory=140, no_change=0.2, one_issue_written=0.25,
                                                 one_issue=0.3, preview_one_issue=0.15, pages_per_second=2000)},
               "30000": {"full": False, **figures(cold=17.0, peak_memory=300, no_change=0.5, one_issue_written=0.8,
                                                  one_issue=0.9)}}
    preview = {"example": figures(x=0.12)["x"], "10000": figures(x=0.35)["x"]}
    found = {t["target"]: (t["value"], t["limit"], t["met"]) for t in series.check_targets(results, None, 30000, preview)}
    assert found == {
        "10000 个问题：冷生成 ≤ 1.5 × Hugo（未在本机实测，按议题 #19 所述 2.54 秒，dwgk 5.00 秒）": (1.969, 1.5, False),
        "10000 个问题：冷生成峰值内存 ≤ 150 MB（全部进程合计）": (140, 150, True),
        "10000 个问题：无改动重新生成 ≤ 0.3 秒": (0.2, 0.3, True),
        "10000 个问题：改一个问题后重新生成，到网页写好 ≤ 0.3 秒": (0.25, 0.3, True),
        "10000 个问题：预览进程内改一个问题后重新生成 ≤ 0.2 秒": (0.15, 0.2, True),
        "规模 冷生成（无缓存，新文件夹）：30000/10000 ≤ 3.3 倍": (3.4, 3.3, False),
        "规模 无改动重新生成：30000/10000 ≤ 3.3 倍": (2.5, 3.3, True),
        "规模 改一个问题文件：到网页写好：30000/10000 ≤ 3.3 倍": (3.2, 3.3, True),
        "规模 冷生成峰值内存（全部进程）：30000/10000 ≤ 3.3 倍": (2.143, 3.3, True),
        "示例网站：预览从保存到浏览器显示 ≤ 0.15 秒（Chromium，中位数）": (0.12, 0.15, True),
        "10000 个问题：预览从保存到浏览器显示 ≤ 0.3 秒（Chromium，中位数）": (0.35, 0.3, False),
    }


def test_preview_latency_is_measured_by_tests_preview_latency_on_the_example_and_the_generated_site(tmp_path, monkeypatch):
    calls = []

    def measure(root, issue_file, page_path, saves, say):
        assert (root / "content" / issue_file).is_file() and (root / "layouts" / "base.html").is_file()
        calls.append((root, issue_file, page_path, saves))
        return [0.3, 0.1, 0.2]

    monkeypatch.setattr("tests.preview_latency.measure", measure)
    found = series.preview_latency(str(tmp_path), 60, 3, lambda line: None)
    assert found["example"] == found["60"] == {"median": 0.2, "min": 0.1, "max": 0.3, "runs": [0.3, 0.1, 0.2]}
    (example, issue, page, saves), (site, *generated) = calls
    assert (issue, page, saves) == ("2019/01.md", "2019/issue-1.html", 3)
    assert (example / "content" / issue).read_bytes() == (REPO / "content" / issue).read_bytes()
    notice, name = generated[0].split("/")
    assert generated[1] == f"{notice}/issue-{int(name[:2])}.html" and generated[2] == 3


MOUNTINFO = """\
27 1 254:0 / / rw,relatime - ext4 /dev/vda rw,discard
31 27 0:28 / /srv/my\\040sites rw,relatime - xfs /dev/vdb rw
32 31 0:29 / /srv/my\\040sites/tmp rw,relatime - tmpfs tmpfs rw,size=4k
33 27 0:30 / /var/lib/overlay rw - overlay overlay rw,lowerdir=/l,upperdir=/srv/my\\040sites/upper,workdir=/w
34 27 0:31 / /proc rw - proc proc rw
"""


def test_the_file_system_and_its_journal_are_found_or_said_to_be_unknown():
    assert probe.mount_of("/srv/my sites/bench", MOUNTINFO)["type"] == "xfs"
    assert probe.mount_of("/srv/my sitesX", MOUNTINFO)["mount"] == "/"
    assert probe.file_system("/srv/my sites/tmp/a", MOUNTINFO)["journal"] is False  # tmpfs
    overlay = probe.file_system("/var/lib/overlay/x", MOUNTINFO)
    assert overlay["type"] == "overlay" and overlay["journal"] is True and "XFS 总有日志" in overlay["how"]
    assert probe.file_system("/proc/x", MOUNTINFO)["journal"] is None
    assert "日志情况未知（没有检查 proc 是否有日志" in probe.describe_file_system(probe.file_system("/proc/x", MOUNTINFO))
    nowhere = probe.file_system("/x", "")
    assert nowhere["type"] is None and nowhere["how"] == "在 /proc/self/mountinfo 中找不到它所在的挂载点"
    device = probe.file_system("/x", "1 0 8:1 / / rw - ext4 /dev/no-such-disk rw\n")
    assert device["type"] == "ext4" and device["journal"] is None and "no-such-disk" in device["how"]
    here = probe.file_system(str(REPO))  # whatever this machine has: an answer, never an exception
    assert here["how"] and here["type"]


def test_generated_content_looks_like_the_seed():
    notices = benchdata.make_notices(1000)
    assert sum(len(n.issues) for n in notices) == 1000
    assert all(16 <= len(n.issues) <= 24 for n in notices)
    assert {len(n.categories) for n in notices} == {5, 6, 7, 8}
    sizes = [benchdata.cjk_count(i.body) for n in notices for i in n.issues]
    assert 300 <= min(sizes) and max(sizes) <= 900
    assert all(i.body.startswith("一是") for n in notices for i in n.issues)


def test_district_shape_runs_and_its_content_is_a_portal(tmp_path):
    result = run_bench(tmp_path, "--district", "--sizes", "80", "--scale", "0", "--keep", str(tmp_path / "kept"))
    assert "== 80 个问题（区级门户：50 个单位 × 5 轮）：生成内容……" in result.stdout
    assert "按 --no-hugo 不与 Hugo 对比：冷生成只在 10000 个问题时按议题 #19 所述 Hugo 2.54 秒比较，该数字非本机实测。" in result.stdout
    assert "1.5 × Hugo" not in result.stdout  # the stated figure is for 10,000 issues
    assert json.loads((tmp_path / "figures.json").read_text(encoding="utf-8"))["shape"] == "district"
    site = tmp_path / "kept" / "site-80" / "site"
    assert sorted(p.name for p in site.glob("round-*.html")) == ["round-r1.html"]  # 2 notices: one round
    assert not (site / "search.html").exists() and not (site / "assets/search").exists()  # search off by default
    unit_page = (site / "unit-d02.html").read_text(encoding="utf-8")
    assert "0199-80000002" in unit_page and "d02@example.gov.cn" in unit_page
    notice = next(p for p in (tmp_path / "kept" / "site-80" / "content").glob("*/notice.md")
                  if "被巡察单位: 示例区第2号单位" in p.read_text(encoding="utf-8"))
    assert "0199-80000002" in (site / notice.parent.name / "index.html").read_text(encoding="utf-8")


def test_search_flag_measures_the_site_with_search_on(tmp_path):
    result = run_bench(tmp_path, "--search", "--sizes", "20", "--scale", "0", "--keep", str(tmp_path / "kept"))
    assert "== 20 个问题（开启全文搜索）：生成内容……" in result.stdout
    assert json.loads((tmp_path / "figures.json").read_text(encoding="utf-8"))["search"] is True
    site = tmp_path / "kept" / "site-20" / "site"
    assert (site / "search.html").is_file() and (site / "assets/search/index.js").is_file()
    assert (tmp_path / "kept" / "site-20" / "content" / "site.yml").read_text(encoding="utf-8").endswith("全文搜索: 开启\n")


def test_a_scale_size_not_above_the_sizes_is_refused(tmp_path):
    result = subprocess.run([sys.executable, "-m", "tests.bench", "--sizes", "20", "--scale", "20"], cwd=tmp_path,
                            capture_output=True, text=True, env={"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"})
    assert result.returncode == 2 and "--scale 20 须大于 --sizes 中最大的 20（或为 0）" in result.stderr


@pytest.mark.parametrize("tool", ["tests.bench", "tests.bench.profile", "tests.preview_latency"])
def test_the_benchmarks_tools_speak_chinese(tool, tmp_path):
    env = {"PYTHONPATH": str(REPO), "PATH": "/usr/bin:/bin"}
    helped = subprocess.run([sys.executable, "-m", tool, "--help"], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert helped.returncode == 0 and helped.stdout.startswith(f"用法： python -m {tool} [-h]")
    assert "\n选项：\n  -h, --help" in helped.stdout and "显示本帮助并退出" in helped.stdout
    assert "options" not in helped.stdout and "usage" not in helped.stdout
    wrong = subprocess.run([sys.executable, "-m", tool, "--saves" if "latency" in tool else "--issues" if "profile" in tool
                            else "--runs", "x"], cwd=tmp_path, capture_output=True, text=True, env=env)
    assert wrong.returncode == 2 and "应是整数，而不是 'x'" in wrong.stderr
    assert wrong.stderr.endswith(f"请运行 python -m {tool} --help 查看用法。\n")


def test_district_content_spreads_notices_over_units_and_rounds():
    assert [benchdata.district_of(i, 50, 5) for i in (0, 49, 50, 249, 260)] == [(0, 0), (49, 0), (0, 1), (49, 4), (10, 4)]


def test_the_profile_names_stages_that_still_exist():
    """tests/bench/profile.py breaks the cold build down by dwgk's functions: each stage it names
    must still take time (a renamed function would leave its stage at zero, silently)."""
    from tests.bench import profile

    rows = profile.profile_cold_build(40)
    assert [stage for stage, _ in rows[:len(profile.STAGES)]] == [stage for stage, _ in profile.STAGES]
    assert all(seconds > 0 for _, seconds in rows), rows
    assert abs(sum(seconds for _, seconds in rows[:-1]) - rows[-1][1]) < 1e-6
