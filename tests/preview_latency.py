"""How long the live preview takes from a save to the browser showing it, measured in Chromium.

    .venv/bin/python -m tests.preview_latency                  # the example, then 10,000 issues
    .venv/bin/python -m tests.preview_latency --issues 0       # the bundled example only
    .venv/bin/python -m tests.preview_latency --issues 10000 --archives 2   # with two yearly archives

It makes a site (the bundled example, or one like the benchmark's from tests/bench/benchdata.py), archives
as many years as asked, starts the real `python build.py serve` on it and opens two pages in the
headless Chromium the tests use (tests/tools.py): an issue page, and another page the edit does not
change. Then, at an editor's pace, it appends a line to that issue's file and takes the time from
just before the write to the frame in which the page shows the new line (the page's own clock,
which is the system's). Prints each save, the median and the spread, how often the edited page was
requested (once per save) and loaded (only when opened: the preview updates it in place), and how
often the other page was loaded again (never).
Needs what `bash tests/run.sh` installs. Not a test: the figures depend on the machine.
"""

from __future__ import annotations

import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from dwgk.cli import ChineseParser
from tests.bench import benchdata
from tests.tools import CHROMIUM, CHROMIUM_ARGS, REPO_ROOT, free_port

BUILD = str(REPO_ROOT / "build.py")
EXAMPLE = REPO_ROOT / "content"
PACE_SECONDS = 1.5  # between a page showing a save and the next save: an editor's pace

#: Run in every page the browser loads: counts the loads of the tab, and defines watch(marker),
#: which notes the time of the first frame that shows the marker (the text saved last). The
#: preview updates a changed page in place, or reloads it (a stylesheet changed): a page that
#: loads with a marker pending starts watching too.
WATCH_SCRIPT = """(() => {
  sessionStorage.setItem("loads", String(Number(sessionStorage.getItem("loads") || 0) + 1));
  window.watch = (marker) => {
    const look = () => {
      if (sessionStorage.getItem("marker") !== marker) return;
      if (document.body && document.body.innerText.includes(marker)) {
        requestAnimationFrame(() => setTimeout(() => sessionStorage.setItem("shown", String(Date.now())), 0));
      } else {
        requestAnimationFrame(look);
      }
    };
    requestAnimationFrame(look);
  };
  const marker = sessionStorage.getItem("marker");
  if (marker && !sessionStorage.getItem("shown")) window.watch(marker);
})();"""


def make_site(root: Path, issues: int, archives: int, say) -> tuple[str, str]:
    """Content, layouts and archived years in root; the issue file to edit and its page.
    issues 0: a copy of the bundled example."""
    if issues:
        say(f"生成 {issues:,} 个问题的内容……")
        notices = benchdata.make_notices(issues)
        benchdata.write_dwgk_content(str(root / "content"), notices)
        notice = notices[len(notices) // 2]
        key, number = notice.key, notice.issues[0].number
    else:
        shutil.copytree(EXAMPLE, root / "content")
        key, number = "2019", 1
    shutil.copytree(REPO_ROOT / "layouts", root / "layouts")
    for year in range(2026 - archives, 2026):
        say(f"归档 {year} 年度……")
        epoch = str(int(time.mktime((year, 12, 31, 12, 0, 0, 0, 0, -1))))
        subprocess.run([sys.executable, BUILD, "archive", str(year), "--layouts", "layouts"], cwd=root, check=True,
                       stdout=subprocess.DEVNULL, env={**os.environ, "SOURCE_DATE_EPOCH": epoch})
    return f"{key}/{number:02d}.md", f"{key}/issue-{number}.html"


def unchanged_page_of(page_path: str) -> str:
    """A page that an edit of the issue shown on page_path leaves as it is: another issue's."""
    folder, name = page_path.rsplit("/", 1)
    number = int(name[len("issue-") : -len(".html")])
    return f"{folder}/issue-{number + 1}.html"


def measure(root: Path, issue_file: str, page_path: str, saves: int, say,
            unchanged_page: str | None = None) -> list[float]:
    """Seconds from each save to the new text on the page. With unchanged_page, that page is open
    in a second tab, and its reloads (none expected) are reported through say."""
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - installed by tests/run.sh

    port = free_port()
    server = subprocess.Popen([sys.executable, BUILD, "serve", "--port", str(port), "--layouts", "layouts"],
                              cwd=root, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                              text=True)
    try:
        for line in server.stdout:
            if "预览地址" in line:
                break
        else:
            raise SystemExit("预览没有启动")
        path = root / "content" / issue_file
        base = f"http://127.0.0.1:{port}/"
        times = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            context = browser.new_context(locale="zh-CN")
            context.add_init_script(WATCH_SCRIPT)
            other = None
            if unchanged_page:
                other = context.new_page()
                other.goto(base + unchanged_page)
            page = context.new_page()
            fetched = []  # the edited page's requests: opening it, then one per save
            page.on("request", lambda r: fetched.append(r.url) if r.url == base + page_path else None)
            page.goto(base + page_path)
            for n in range(saves):
                time.sleep(PACE_SECONDS)  # the page has connected to the preview again
                marker = f"第{n + 1}次保存后的补充说明{time.time_ns()}"
                page.evaluate("m => { sessionStorage.setItem('marker', m); sessionStorage.removeItem('shown');"
                              " window.watch(m); }", marker)
                start = time.time()
                with open(path, "a", encoding="utf-8") as f:
                    f.write(f"\n{marker}\n")
                shown = _wait_shown(page)
                times.append(shown / 1000 - start)
                say(f"第 {n + 1} 次保存：{times[-1]:.3f} 秒")
            time.sleep(PACE_SECONDS)  # a late reload of the other page would show by now
            loads = _loads(page)
            say(f"{page_path}（改动的页面）：共请求 {len(fetched)} 次（打开 1 次，每次保存 1 次），"
                f"其中载入 {loads} 次（只有打开时：保存后在原处更新）")
            if other is not None:
                say(f"{unchanged_page}（未改动的页面）：保存后重新加载 {_loads(other) - 1} 次")
            browser.close()
        return times
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def _wait_shown(page, timeout: float = 30.0) -> float:
    """The page's clock (ms since the epoch) at the frame that showed the marker."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            shown = page.evaluate("sessionStorage.getItem('shown')")
        except Exception:  # the page is being reloaded: ask the new one  # noqa: BLE001
            shown = None
        if shown:
            return float(shown)
        time.sleep(0.02)
    raise SystemExit("浏览器在 30 秒内没有显示保存的内容")


def _loads(page) -> int:
    return int(page.evaluate("sessionStorage.getItem('loads')") or 0)


def spread(times: list[float]) -> str:
    """Median, quartiles and extremes, in seconds."""
    q1, median, q3 = statistics.quantiles(times, n=4) if len(times) > 1 else times * 3
    return (f"中位数 {median:.3f} 秒（最短 {min(times):.3f}，四分位 {q1:.3f}–{q3:.3f}，最长 {max(times):.3f}；"
            f"{len(times)} 次）")


def main(argv: list[str] | None = None) -> int:
    parser = ChineseParser(prog="python -m tests.preview_latency",
                                     description="实测预览从保存到浏览器显示新内容的时间")
    parser.add_argument("--issues", type=int, nargs="+", default=[0, 10000], metavar="问题数",
                        help="0 为自带示例；默认 0 10000")
    parser.add_argument("--archives", type=int, default=0, metavar="年数", help="先做几个年度的归档，默认 0")
    parser.add_argument("--saves", type=int, default=10, metavar="次数", help="保存几次，默认 10")
    args = parser.parse_args(argv)

    def say(line: str) -> None:
        print(line, flush=True)

    results = []
    for issues in args.issues:
        root = Path(tempfile.mkdtemp(prefix="dwgk-latency-"))
        try:
            issue_file, page_path = make_site(root, issues, args.archives, say)
            times = measure(root, issue_file, page_path, args.saves, say, unchanged_page_of(page_path))
        finally:
            for folder, _, files in os.walk(root):  # archived files are read-only
                for name in files:
                    os.chmod(os.path.join(folder, name), 0o644)
            shutil.rmtree(root, ignore_errors=True)
        what = f"{issues:,} 个问题" if issues else "自带示例"
        results.append(f"{what}、{args.archives} 个年度归档：从保存到浏览器显示新内容，{spread(times)}")
    for line in results:
        say(line)
    return 0


if __name__ == "__main__":
    sys.exit(main())
