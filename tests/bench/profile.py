"""Where a cold build's processor time goes: `python -m tests.bench.profile [--issues 10000]`.

Generates the benchmark's content (series.make_site), then builds it once without the
cache in this one process (no workers, so that the profiler sees all the work) under cProfile,
counting processor time rather than wall time, and prints each stage's share. The shares are what
the README's breakdown shows; the seconds depend on the machine and on the profiler's own cost.
"""

from __future__ import annotations

import cProfile
import os
import pstats
import tempfile
import time

from dwgk.cli import ChineseParser
from tests.bench import series

#: (stage, the functions whose cumulative time it is). A function inside another stage's function
#: is subtracted from that stage (see breakdown), so that every second is counted once.
STAGES = [
    ("读取内容文件", [("dwgk/content.py", "read_sources"), ("dwgk/content.py", "read_regular")]),
    ("前置信息（YAML）", [("dwgk/frontmatter.py", "parse_yaml")]),
    ("正文（Markdown）", [("dwgk/markup.py", "to_html")]),
    ("模板（Jinja）", [("dwgk/render.py", "render_template")]),
    ("链接检查：读网页", [("dwgk/linkcheck.py", "_scan")]),
    ("链接检查：核对链接", [("dwgk/linkcheck.py", "page_problems"), ("dwgk/linkcheck.py", "link_problem")]),
    ("写入网页", [("dwgk/output.py", "stage_files"), ("dwgk/output.py", "commit")]),
]


def _cumulative(stats: pstats.Stats, wanted: list[tuple[str, str]]) -> float:
    """The cumulative time of the outermost calls of these functions (recursion counted once)."""
    total = 0.0
    keys = {k for k in stats.stats if any(k[0].endswith(f) and k[2] == name for f, name in wanted)}
    for key in keys:
        _, _, _, cumulative, callers = stats.stats[key]
        # Calls from another of the same stage's functions are inside its time already.
        inner = sum(v[3] for caller, v in callers.items() if caller in keys)
        total += cumulative - inner
    return total


def breakdown(profile_path: str) -> list[tuple[str, float]]:
    stats = pstats.Stats(profile_path)
    total = max(v[3] for v in stats.stats.values())
    shares = []
    for stage, functions in STAGES:
        shares.append((stage, _cumulative(stats, functions)))
    # read_regular runs inside parse (the files' second reading); parse_yaml and to_html too:
    # the stages above do not nest in one another except through the functions they name.
    shares.append(("其他（解析的其余部分、组装、计划、调度）", total - sum(s for _, s in shares)))
    return [(stage, seconds) for stage, seconds in shares] + [("合计", total)]


def profile_cold_build(issues: int, district: bool = False, search: bool = False) -> list[tuple[str, float]]:
    """Each stage's processor seconds in one cold build of a generated site, and the total last."""
    from dwgk import parallel, pipeline  # noqa: PLC0415 - `--help` needs neither

    with tempfile.TemporaryDirectory(prefix="dwgk-profile-") as root:
        site, _ = series.make_site(root, issues, district, search=search, hugo=False)
        paths = pipeline.Paths(os.path.join(site, "content"), os.path.join(site, "layouts"), os.path.join(site, "site"))
        one_process = parallel.cpu_count
        parallel.cpu_count = lambda: 1  # the profiler sees only its own process
        profiler = cProfile.Profile(time.process_time)
        try:
            profiler.runcall(pipeline.build, paths, cache_dir=None)
        finally:
            parallel.cpu_count = one_process
        profile_path = os.path.join(root, "cold.prof")
        profiler.dump_stats(profile_path)
        return breakdown(profile_path)


def main(argv: list[str] | None = None) -> int:
    parser = ChineseParser(prog="python -m tests.bench.profile", description="冷生成的处理器时间分布")
    parser.add_argument("--issues", type=int, default=10000, metavar="问题数")
    parser.add_argument("--district", action="store_true", help="区级门户的形状")
    parser.add_argument("--search", action="store_true", help="开启全文搜索")
    args = parser.parse_args(argv)
    rows = profile_cold_build(args.issues, args.district, args.search)
    total = rows[-1][1]
    print(f"冷生成（--no-cache，一个进程，cProfile 计处理器时间）：{args.issues:,} 个问题")
    for stage, seconds in rows:
        print(f"  {stage}：{seconds:.1f} 秒（{100 * seconds / total:.0f}%）")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
