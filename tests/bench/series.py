"""The benchmark: build generated district-scale sites and print how long it takes and how much memory.

    python -m tests.bench                      # 1,000 and 10,000 issues, 5 runs each
    python -m tests.bench --sizes 1000 --runs 3 --json result.json
    python -m tests.bench --district           # the district shape: 50 units x 5 rounds
    python -m tests.bench --search             # with full-text search on (site.yml 全文搜索: 开启)

Every build is the real command (python build.py …) in a fresh process, timed from outside, so the
figures are what an editor waits for; the disk is synced before each, so that no run pays for the
writes of the one before, and each cold build writes into a new folder (all are deleted at the
end). Memory is the whole process tree (the build and its worker processes), sampled every 10 ms
as proportional set size (shared pages counted once). When Hugo is installed, an equivalent Hugo
site is built in the same runs, alternating with dwgk, for the comparison the targets are stated
in. Nothing here is a test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

from tests.bench import benchdata

REPO = benchdata.REPO
BUILD = os.path.join(REPO, "build.py")
HUGO_STATED = (2.3, 2.9)  # seconds, Hugo 0.111 at 10,000 issues as stated in the issue: not measured here

# (key, label, unit): the figures, in the order printed.
FIGURES = (
    ("cold", "冷生成（无缓存）", "秒"),
    ("hugo_cold", "Hugo 冷生成（同机交替实测）", "秒"),
    ("first_cached", "首次用缓存生成（写缓存）", "秒"),
    ("no_change", "无改动重新生成", "秒"),
    ("one_issue_written", "改一个问题文件：到网页写好", "秒"),
    ("one_issue", "改一个问题文件：到命令结束", "秒"),
    ("preview_one_issue", "预览进程内：改一个问题文件后", "秒"),
    ("one_template", "改一个模板后重新生成", "秒"),
    ("archive", "年度归档（archive 命令）", "秒"),
    ("archive_memory", "年度归档峰值内存", "MB"),
    ("no_change_archived", "有一个年度归档时：无改动重新生成", "秒"),
    ("peak_memory", "冷生成峰值内存（全部进程）", "MB"),
    ("largest_process", "冷生成最大单个进程内存", "MB"),
    ("hugo_peak_memory", "Hugo 峰值内存", "MB"),
    ("pages_per_second", "冷生成每秒页数", "页/秒"),
)


class Sampler(threading.Thread):
    """Peak memory of a process and all its descendants, sampled until stopped."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stopped = pid, 0, threading.Event()

    def run(self):
        while not self.stopped.is_set():
            self.peak = max(self.peak, sum(_pss(p) for p in _tree(self.pid)))
            self.stopped.wait(0.01)


def _tree(pid: int) -> list[int]:
    pids, i = [pid], 0
    while i < len(pids):
        try:
            for task in os.listdir(f"/proc/{pids[i]}/task"):
                with open(f"/proc/{pids[i]}/task/{task}/children") as f:
                    pids += [int(c) for c in f.read().split()]
        except OSError:
            pass
        i += 1
    return pids


def _pss(pid: int) -> int:
    """Proportional set size in bytes (resident size where the kernel does not report it)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def run(cmd: list[str], cwd: str, env: dict | None = None) -> dict:
    """Run one build in a new process: wall seconds, CPU seconds and peak memory (bytes) of the
    whole process tree, and the peak resident size of its largest single process."""
    # Whatever the previous build (or Hugo) left for the disk is written out first, not during
    # this one: each run pays for its own writes only.
    os.sync()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start_ns = time.time_ns()  # the clock file times are on
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, env=env)
        sampler = Sampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)  # its rusage covers the workers it waited for
        wall = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.stopped.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"基准测试中的生成失败（{' '.join(cmd)}）：\n{err.read().decode(errors='replace')}")
        return {"wall": wall, "start_ns": start_ns, "cpu": usage.ru_utime + usage.ru_stime, "memory": sampler.peak,
                "largest": usage.ru_maxrss * 1024, "stdout": out.read().decode(errors="replace")}


def dwgk_build(*args: str) -> list[str]:
    return [sys.executable, BUILD, "build", "--layouts", "layouts", *args]


def summary(values: list[float]) -> dict:
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "runs": values}


#: The district shape: DISTRICT_UNITS units, each inspected once in each of DISTRICT_ROUNDS rounds,
#: one notice of about 40 issues per unit and round (250 notices at 10,000 issues).
DISTRICT_UNITS, DISTRICT_ROUNDS, DISTRICT_PER_NOTICE = 50, 5, (32, 48)


def measure_size(issues: int, runs: int, root: str, hugo: str | None, say, district: bool = False,
                 search: bool = False) -> dict:
    """Every figure for one generated site of `issues` issues (a district portal with `district`,
    with full-text search with `search`)."""
    shape = ("（区级门户：50 个单位 × 5 轮）" if district else "") + ("（开启全文搜索）" if search else "")
    say(f"\n== {issues:,} 个问题{shape}：生成内容……")
    if district:
        notices = benchdata.make_notices(issues, per_notice=DISTRICT_PER_NOTICE)
    else:
        notices = benchdata.make_notices(issues)
    site = os.path.join(root, f"site-{issues}")
    benchdata.write_dwgk_content(os.path.join(site, "content"), notices,
                                 units=DISTRICT_UNITS if district else 0, rounds=DISTRICT_ROUNDS if district else 0,
                                 search=search)
    shutil.copytree(os.path.join(REPO, "layouts"), os.path.join(site, "layouts"))
    if hugo:
        benchdata.write_hugo_site(os.path.join(site, "hugo"), notices)
    issues = [(n.key, i.number) for n in notices for i in n.issues]
    issue_files = [os.path.join(site, "content", key, f"{number:02d}.md") for key, number in issues]
    result: dict = {"issues": issues, "notices": len(notices)}

    say("冷生成" + ("，与 Hugo 交替" if hugo else "") + "……")
    # Each cold build writes into a folder of its own, and none is deleted until the benchmark
    # ends: on ext4 without a journal, creating a file costs more for every file deleted in the
    # last minute (ialloc.c, recently_deleted), which would make each run pay for the last.
    cold, hugo_cold = [], []
    for n in range(runs):
        cold.append(run(dwgk_build("--no-cache", "--output", f"cold-{n}"), site))
        if hugo:
            _remove(os.path.join(site, "hugo", "resources"))
            hugo_cold.append(run([hugo, "--quiet", "--source", os.path.join(site, "hugo"),
                                  "--destination", os.path.join(site, "hugo", f"public-{n}")], site))
    os.rename(os.path.join(site, f"cold-{runs - 1}"), os.path.join(site, "site"))
    pages = sum(1 for _, _, files in os.walk(os.path.join(site, "site")) for f in files if f.endswith(".html"))
    result["pages"] = pages
    result["files"] = len(json.load(open(os.path.join(site, "site", ".dwgk-files.json"), encoding="utf-8"))["files"])
    result["cold"] = summary([r["wall"] for r in cold])
    result["cold_cpu"] = summary([r["cpu"] for r in cold])
    result["peak_memory"] = summary([r["memory"] / 1e6 for r in cold])
    result["largest_process"] = summary([r["largest"] / 1e6 for r in cold])
    result["pages_per_second"] = summary([pages / r["wall"] for r in cold])
    if hugo:
        result["hugo_cold"] = summary([r["wall"] for r in hugo_cold])
        result["hugo_peak_memory"] = summary([r["memory"] / 1e6 for r in hugo_cold])

    say("有缓存的重新生成……")
    _remove(os.path.join(site, ".dwgk-cache"))
    result["first_cached"] = summary([run(dwgk_build(), site)["wall"]])
    run(dwgk_build(), site)  # files changed less than 2 s before a build are re-read once
    result["no_change"] = summary([run(dwgk_build(), site)["wall"] for _ in range(runs)])
    edited, written = [], []
    for n in range(runs):
        notice, issue = issues[(n * 7919) % len(issues)]
        _append(os.path.join(site, "content", notice, f"{issue:02d}.md"), f"\n第{n + 1}次补充：整改措施已全部落实。\n")
        edited.append(run(dwgk_build(), site))
        # Its page and its notice's; with search also its notice's search records and the few
        # search shards its new words are in.
        count = re.search(r"本次写入 (\d+) 个", edited[-1]["stdout"])
        assert count and (3 <= int(count[1]) <= 12 if search else int(count[1]) == 2), edited[-1]["stdout"]
        written.append(_written_after(os.path.join(site, "site", notice, f"issue-{issue}.html"), edited[-1]))
    result["one_issue_written"] = summary(written)
    result["one_issue"] = summary([r["wall"] for r in edited])
    with open(os.path.join(site, "layouts", "issue.html"), encoding="utf-8") as f:
        template = f.read()
    result["one_template"] = summary([_edit_template(site, template, n) for n in range(runs)])
    result["preview_one_issue"] = summary(_preview(site, issue_files, runs))

    # A yearly archive holds a copy of the whole site; every later build checks and publishes it.
    say("年度归档……")
    archived = run([sys.executable, BUILD, "archive", "2025", "--layouts", "layouts"], site,
                   {**os.environ, "SOURCE_DATE_EPOCH": "1767139200"})  # 2025-12-31
    result["archive"] = summary([archived["wall"]])
    result["archive_memory"] = summary([archived["memory"] / 1e6])
    time.sleep(2.1)  # archived files younger than 2 s are checked again by the next build (cache.RACY_NS)
    run(dwgk_build(), site)
    result["no_change_archived"] = summary([run(dwgk_build(), site)["wall"] for _ in range(runs)])
    return result


def _written_after(page: str, build: dict) -> float:
    """Seconds from the start of the build until the page was moved into place: its change time,
    which the move sets (the file system's clock, a few milliseconds coarse)."""
    return (os.stat(page).st_ctime_ns - build["start_ns"]) / 1e9


def _edit_template(site: str, original: str, n: int) -> float:
    """Change the issue page template so that every issue page changes."""
    with open(os.path.join(site, "layouts", "issue.html"), "w", encoding="utf-8") as f:
        f.write(original.replace("<h2>主要做法", f'<h2 data-edit="{n + 1}">主要做法', 1))
    return run(dwgk_build(), site)["wall"]


def _preview(site: str, issue_files: list[str], runs: int) -> list[float]:
    """What the live preview does: rebuild in the same, already running process after a save."""
    code = ("import json, sys, time\n"
            f"sys.path.insert(0, {REPO!r})\n"
            "from dwgk import pipeline\n"
            "paths = pipeline.Paths('content', 'layouts', 'site')\n"
            "pipeline.build(paths)\n"
            "times = []\n"
            f"for n, path in enumerate({[issue_files[(n * 104729) % len(issue_files)] for n in range(runs)]!r}):\n"
            "    with open(path, 'a', encoding='utf-8') as f: f.write(f'\\n预览第{n + 1}次修改。\\n')\n"
            "    start = time.perf_counter(); pipeline.build(paths); times.append(time.perf_counter() - start)\n"
            "print(json.dumps(times))\n")
    return json.loads(run([sys.executable, "-c", code], site)["stdout"])


def _append(path: str, text: str) -> None:
    with open(path, "a", encoding="utf-8") as f:
        f.write(text)


def _remove(*paths: str) -> None:
    for path in paths:
        shutil.rmtree(path, ignore_errors=True)


def check_targets(results: dict, hugo: str | None) -> list[dict]:
    """The targets of the issue, at the largest size measured, and linear growth between sizes."""
    sizes = sorted(results, key=int)
    big = results[sizes[-1]]
    targets = []

    def target(name: str, value: float, limit: float, note: str = "", at_least: bool = False):
        met = value >= limit if at_least else value <= limit
        targets.append({"target": name, "value": round(value, 3), "limit": round(limit, 3), "met": met, "note": note})

    if hugo:
        target(f"{sizes[-1]} 个问题：冷生成 ≤ 1.5 × Hugo（同机实测 {big['hugo_cold']['median']:.2f} 秒）",
               big["cold"]["median"], 1.5 * big["hugo_cold"]["median"])
    else:
        target(f"{sizes[-1]} 个问题：冷生成 ≤ 1.5 × Hugo（未在本机实测，按议题所述 {HUGO_STATED[1]} 秒）",
               big["cold"]["median"], 1.5 * HUGO_STATED[1], "Hugo 未安装，非本机实测")
    target(f"{sizes[-1]} 个问题：峰值内存 ≤ 150 MB（全部进程）", big["peak_memory"]["median"], 150)
    target(f"{sizes[-1]} 个问题：无改动重新生成 ≤ 0.3 秒", big["no_change"]["median"], 0.3)
    target(f"{sizes[-1]} 个问题：改一个问题后重新生成，到网页写好 ≤ 0.3 秒", big["one_issue_written"]["median"], 0.3,
           f"命令在 {big['one_issue']['median']:.3f} 秒时结束：写好网页后还要记下生成缓存")
    target(f"{sizes[-1]} 个问题：预览进程内改一个问题 ≤ 0.3 秒", big["preview_one_issue"]["median"], 0.3)
    if len(sizes) > 1:
        small = results[sizes[0]]
        scale = int(sizes[-1]) / int(sizes[0])
        limit = 1.1 * scale
        for key, label, _ in FIGURES:
            if key in big and key in small and not key.startswith("hugo") and key != "pages_per_second":
                target(f"线性增长 {label}：{sizes[-1]}/{sizes[0]} ≤ {limit:g} 倍",
                       big[key]["median"] / small[key]["median"], limit)
        target(f"线性增长 每秒页数：{sizes[-1]}/{sizes[0]} ≥ {scale / limit:.2f}",
               big["pages_per_second"]["median"] / small["pages_per_second"]["median"], scale / limit, at_least=True)
    return targets


def machine() -> dict:
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = ()
    return {"cpu": model, "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "python": platform.python_version(), "system": platform.platform(), "load_average": load,
            "date": dt.datetime.now().isoformat(timespec="seconds")}


def print_table(results: dict, targets: list[dict], say) -> None:
    sizes = sorted(results, key=int)
    say("\n" + "指标".ljust(24) + "".join(f"{int(s):>10,} 个问题：中位数（最小–最大）".rjust(36) for s in sizes))
    for key, label, unit in FIGURES:
        cells = []
        for s in sizes:
            f = results[s].get(key)
            if f is None:
                cells.append("—".rjust(36))
                continue
            digits = 0 if unit in ("MB", "页/秒") else 3
            cells.append(f"{f['median']:.{digits}f} {unit}（{f['min']:.{digits}f}–{f['max']:.{digits}f}）".rjust(36))
        say(f"{label:<24}" + "".join(cells))
    say("")
    for t in targets:
        say(f"{'✓ 达标' if t['met'] else '✗ 未达标'}  {t['target']}：{t['value']:g}" + (f"（{t['note']}）" if t["note"] else ""))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.bench", description="dwgk 基准测试：生成大规模示例网站并计时")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000], metavar="问题数")
    parser.add_argument("--runs", type=int, default=5, metavar="次数", help="每项测几次（取中位数），默认 5")
    parser.add_argument("--json", default="dwgk-bench.json", metavar="文件", help="结果另存为 JSON（默认 dwgk-bench.json）")
    parser.add_argument("--no-hugo", action="store_true", help="不与 Hugo 对比（即使已安装）")
    parser.add_argument("--keep", metavar="文件夹", help="把生成的网站留在此文件夹（默认用完即删）")
    parser.add_argument("--district", action="store_true",
                        help=f"区级门户的形状：{DISTRICT_UNITS} 个被巡察单位 × {DISTRICT_ROUNDS} 轮巡察（默认一个单位）")
    parser.add_argument("--search", action="store_true", help="在生成的网站的 site.yml 中开启全文搜索（默认不开启）")
    args = parser.parse_args(argv)

    def say(line: str = "") -> None:
        print(line, flush=True)

    hugo = None if args.no_hugo else shutil.which("hugo")
    info = machine()
    say(f"机器：{info['cpu']}，{info['cores']} 核；Python {info['python']}；{info['date']}；负载 {info['load_average']}")
    if hugo:
        version = subprocess.run([hugo, "version"], capture_output=True, text=True).stdout.strip()
        say(f"Hugo：{version}")
    else:
        why = "按 --no-hugo 不与 Hugo 对比" if args.no_hugo else "本机未安装 Hugo（Debian/Ubuntu：apt-get install hugo）"
        say(f"{why}：冷生成按议题所述 Hugo {HUGO_STATED[0]}–{HUGO_STATED[1]} 秒比较，该数字非本机实测。")
    root = args.keep or tempfile.mkdtemp(prefix="dwgk-bench-")
    os.makedirs(root, exist_ok=True)
    try:
        results = {str(n): measure_size(n, args.runs, root, hugo, say, args.district, args.search) for n in sorted(args.sizes)}
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)
    info["load_average_after"] = os.getloadavg() if hasattr(os, "getloadavg") else ()
    targets = check_targets(results, hugo)
    print_table(results, targets, say)
    with open(args.json, "w", encoding="utf-8") as f:
        json.dump({"machine": info, "runs": args.runs, "hugo": bool(hugo),
                   "shape": "district" if args.district else "one-unit", "search": args.search, "sizes": results, "targets": targets},
                  f, ensure_ascii=False, indent=1)
    say(f"\n结果已写入 {args.json}")
    return 0

