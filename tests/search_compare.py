"""Compare dwgk's own search index with Pagefind's extended build, on the benchmark's content.

    .venv/bin/python -m tests.search_compare                  # 10,000 issues, 5 runs
    .venv/bin/python -m tests.search_compare --issues 1000 --runs 3

In one run, on the same content (tests/bench/benchdata.py): cold builds (`--no-cache`) of this tree with
search off (site.yml without 全文搜索; or of --baseline, a commit taken from git) and with
search on (全文搜索: 开启), in pairs, each side first in every other pair, for what search adds to
the build (wall and processor time, timed as the benchmark times a build: tests/bench/probe.py);
Pagefind (pip `pagefind[extended]`, `python -m pagefind`) over the baseline's site, for what it
adds. As in the benchmark, every build writes into a folder that did not exist and nothing is
deleted until the end (on ext4 without a journal, creating files right after deleting as many is
slow, and the build after a deletion would pay for it), and on such a file system the first build
waits until a minute has passed since the start. Then the size on disk of each index; then, served by nginx under /dwgk/ and opened in the
headless Chromium the tests use, each query in a fresh browser context: the bytes the query
downloads (the index's files, as served, and gzip-compressed) and the time from navigation to the
first result drawn. Prints a table (and --json writes the figures). Needs what `bash tests/run.sh`
installs, and pagefind[extended]. Not a test: the figures depend on the machine.
"""

from __future__ import annotations

import gzip
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dwgk.cli import ChineseParser
from tests.bench import benchdata, probe
from tests.tools import CHROMIUM, CHROMIUM_ARGS, REPO_ROOT, nginx_server

QUERIES = ("八项规定", "公车", "2019 财务", "整改落实")
SETTLE = 65  # seconds from the start before the first build, on a file system without a journal (see above)
SHOWN = 20  # results drawn: dwgk's search page shows 20 at a time; Pagefind is asked for as many

# A page that does what Pagefind's documentation shows: import its API, search, load each shown
# result's data and draw title and excerpt; the time is taken once the first result is drawn.
PAGEFIND_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>pagefind</title></head>
<body><ol id="results"></ol>
<script type="module">
const q = new URLSearchParams(location.search).get("q");
const pagefind = await import("./pagefind/pagefind.js");
const search = await pagefind.search(q);
const list = document.getElementById("results");
const shown = await Promise.all(search.results.slice(0, %d).map(r => r.data()));
for (const data of shown) {
  const li = document.createElement("li");
  li.innerHTML = "<a></a><p>" + data.excerpt + "</p>";
  li.firstChild.textContent = data.meta.title;
  li.firstChild.href = data.url;
  list.appendChild(li);
}
window.firstResult = shown.length ? performance.now() : -1;
window.resultCount = search.results.length;
</script></body></html>
""" % SHOWN


def build(source: Path, content: Path, output: Path) -> dict:
    """One cold build into a new folder, timed by probe.timed: wall and processor seconds."""
    if output.exists():
        raise SystemExit(f"比较出错：输出文件夹 {output} 已经存在")
    return probe.timed([sys.executable, str(source / "build.py"), "build", "--no-cache", "--content", str(content),
                        "--layouts", str(source / "layouts"), "--output", str(output)], str(output.parent))


def pagefind(site: Path) -> float:
    start = time.perf_counter()
    subprocess.run([sys.executable, "-m", "pagefind", "--site", str(site)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def disk_size(folder: Path) -> tuple[int, int]:
    files = [p for p in folder.rglob("*") if p.is_file()]
    return sum(p.stat().st_size for p in files), len(files)


def query(browser, url: str, index_prefix: str, dwgk: bool) -> dict:
    """One query in a fresh context: bytes of the index's files it loaded, time to the first result."""
    context = browser.new_context(locale="zh-CN")
    page = context.new_page()
    bodies = []

    def on_response(response):
        if index_prefix in response.url:
            try:
                bodies.append(response.body())
            except Exception:  # a response without a body (redirect)
                pass

    page.on("response", on_response)
    if dwgk:
        page.add_init_script("""new MutationObserver((m, o) => {
            const list = document.getElementById('search-results');
            if (list && list.firstChild) { window.firstResult = performance.now(); o.disconnect(); }
        }).observe(document, {childList: true, subtree: true});""")
    page.goto(url, wait_until="load")
    if dwgk:
        page.wait_for_function("() => /条结果|没有找到/.test(document.getElementById('search-status-text').textContent)",
                               timeout=120_000)
        count = page.locator("#search-results li").count()
    else:
        page.wait_for_function("() => window.firstResult !== undefined", timeout=120_000)
        count = page.evaluate("window.resultCount")
    first = page.evaluate("window.firstResult || -1")
    context.close()
    return {"bytes": sum(len(b) for b in bodies), "gzip": sum(len(gzip.compress(b, 6)) for b in bodies),
            "files": len(bodies), "ms": round(first, 1), "results": count}


def median(values):
    return statistics.median(values) if values else None


def main(argv: list[str] | None = None) -> int:
    parser = ChineseParser(prog="python -m tests.search_compare", description="比较 dwgk 自己的搜索索引与 Pagefind 扩展版")
    parser.add_argument("--issues", type=int, default=10_000, metavar="问题数", help="默认 10000")
    parser.add_argument("--runs", type=int, default=5, metavar="次数", help="默认 5")
    parser.add_argument("--baseline", default="", metavar="提交",
                        help="不带搜索的一边用 dwgk 的这个提交（默认：本版，site.yml 中不写“全文搜索”）")
    parser.add_argument("--json", default="", metavar="文件", help="结果另存为 JSON")
    args = parser.parse_args(argv)
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - installed by tests/run.sh

    load_before = os.getloadavg()[0]
    root = Path(tempfile.mkdtemp(prefix="dwgk-search-compare-"))
    fs = probe.file_system(str(root))
    settle_until = time.monotonic() + (SETTLE if fs["journal"] is not True else 0)
    print(probe.describe_file_system(fs), flush=True)
    try:
        print(f"生成 {args.issues:,} 个问题的内容……", flush=True)
        notices = benchdata.make_notices(args.issues)
        benchdata.write_dwgk_content(str(root / "content"), notices, search=True)
        benchdata.write_dwgk_content(str(root / "content-off"), notices)
        base = REPO_ROOT
        if args.baseline:
            base = root / "baseline"
            base.mkdir()
            archive = subprocess.run(["git", "-C", str(REPO_ROOT), "archive", args.baseline], check=True,
                                     capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(base)], input=archive, check=True)
        if (wait := settle_until - time.monotonic()) > 0:
            print(f"先等 {wait:.0f} 秒再计时（文件系统没有日志：一分钟内删除过的文件会拖慢新建文件）……", flush=True)
            time.sleep(wait)
        times = {"baseline": [], "dwgk": [], "pagefind": [], "baseline_cpu": [], "dwgk_cpu": []}
        for n in range(args.runs):
            print(f"冷生成 第{n + 1}次……", flush=True)
            sides = [("baseline", base, root / "content-off", root / f"base-{n}"),
                     ("dwgk", REPO_ROOT, root / "content", root / f"dwgk-{n}")]
            for side, source, content, output in (sides if n % 2 == 0 else sides[::-1]):
                timed = build(source, content, output)
                times[side].append(timed["wall"])
                times[f"{side}_cpu"].append(timed["cpu"])
            baseline_site = disk_size(root / f"base-{n}")  # before Pagefind adds its index to it
            times["pagefind"].append(pagefind(root / f"base-{n}"))
        site_dwgk, site_pf = root / f"dwgk-{args.runs - 1}", root / f"base-{args.runs - 1}"
        (site_pf / "pagefind-search.html").write_text(PAGEFIND_PAGE, encoding="utf-8")
        sizes = {"dwgk_site": disk_size(site_dwgk), "baseline_site": baseline_site,
                 "dwgk_index": disk_size(site_dwgk / "assets" / "search"),
                 "pagefind_index": disk_size(site_pf / "pagefind")}
        queries = {}
        with sync_playwright() as pw, nginx_server(site_dwgk, "/dwgk/") as dwgk_url, \
                nginx_server(site_pf, "/dwgk/") as pf_url:
            browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            for q in QUERIES:
                runs_d, runs_p = [], []
                for _ in range(args.runs):
                    runs_d.append(query(browser, dwgk_url + "search.html?q=" + q, "/assets/search", True))
                    runs_p.append(query(browser, pf_url + "pagefind-search.html?q=" + q, "/pagefind/", False))
                queries[q] = {"dwgk": runs_d, "pagefind": runs_p}
            browser.close()
        result = {"issues": args.issues, "runs": args.runs, "cpus": os.cpu_count(), "load": (load_before, os.getloadavg()[0]), "times": times,
                  "sizes": sizes, "queries": queries}
        print_table(result)
        if args.json:
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump(result, f, ensure_ascii=False, indent=1)
    finally:
        shutil.rmtree(root, ignore_errors=True)
    return 0


def pair_ratios(r: dict, kind: str) -> str:
    """Each pair's with-search ÷ without, as percentages added, in run order."""
    return "、".join(f"{(d / b - 1) * 100:+.0f}%" for b, d in zip(r["times"]["baseline" + kind], r["times"]["dwgk" + kind]))


def print_table(r: dict) -> None:
    t = {k: median(v) for k, v in r["times"].items()}
    s = r["sizes"]
    print(f"\n{r['issues']:,} 个问题，{r['runs']} 次的中位数（{r['cpus']} 个处理器核心；开始时平均负载 "
          f"{r['load'][0]:.2f}，结束时 {r['load'][1]:.2f}）")
    print(f"冷生成：无搜索的 dwgk {t['baseline']:.2f} 秒；带搜索的 dwgk {t['dwgk']:.2f} 秒"
          f"（多 {t['dwgk'] - t['baseline']:.2f} 秒，{(t['dwgk'] / t['baseline'] - 1) * 100:.1f}%）；"
          f"Pagefind 另需 {t['pagefind']:.2f} 秒（{t['pagefind'] / t['baseline'] * 100:.0f}%）")
    print(f"冷生成处理器时间：无搜索 {t['baseline_cpu']:.2f} 秒；带搜索 {t['dwgk_cpu']:.2f} 秒"
          f"（多 {(t['dwgk_cpu'] / t['baseline_cpu'] - 1) * 100:.1f}%）；"
          f"逐对之比：墙上时间 {pair_ratios(r, '')}，处理器时间 {pair_ratios(r, '_cpu')}")
    print(f"索引大小：dwgk {s['dwgk_index'][0] / 1e6:.1f} MB（{s['dwgk_index'][1]} 个文件）；"
          f"Pagefind {s['pagefind_index'][0] / 1e6:.1f} MB（{s['pagefind_index'][1]} 个文件）；"
          f"网站：不带搜索 {s['baseline_site'][0] / 1e6:.1f} MB，带搜索 {s['dwgk_site'][0] / 1e6:.1f} MB（dwgk）")
    for q, runs in r["queries"].items():
        parts = []
        for engine in ("dwgk", "pagefind"):
            rs = runs[engine]
            parts.append(f"{engine} {median([x['bytes'] for x in rs]) / 1e3:.0f} KB"
                         f"（gzip {median([x['gzip'] for x in rs]) / 1e3:.0f} KB，{rs[0]['files']} 个文件），"
                         f"首个结果 {median([x['ms'] for x in rs]):.0f} 毫秒，{rs[0]['results']} 条")
        print(f"“{q}”：" + "；".join(parts))


if __name__ == "__main__":
    sys.exit(main())
