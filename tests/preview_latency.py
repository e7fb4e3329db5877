"""How long the live preview takes from a save to the browser showing it, measured in Chromium.

    .venv/bin/python -m tests.preview_latency                 # 10,000 issues, 5 saves
    .venv/bin/python -m tests.preview_latency --archives 2    # with two yearly archives

It generates a site like the benchmark's (dwgk.benchdata), archives as many years as asked,
starts the real `python build.py serve` on it, opens an issue page in the headless Chromium the
tests use (tests/tools.py) and, once every two seconds, appends a line to that issue's file and
waits until the page shows it. Prints the seconds from each save to the new text in the browser.
Needs what `bash tests/run.sh` installs. Not a test: the figures depend on the machine.
"""

from __future__ import annotations

import argparse
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from tests.bench import benchdata
from tests.tools import CHROMIUM, CHROMIUM_ARGS, REPO_ROOT, free_port

BUILD = str(REPO_ROOT / "build.py")


def make_site(root: Path, issues: int, archives: int, say) -> tuple[str, str]:
    """Content, layouts and archived years in root; the issue file to edit and its page."""
    say(f"生成 {issues:,} 个问题的内容……")
    notices = benchdata.make_notices(issues)
    benchdata.write_dwgk_content(str(root / "content"), notices)
    shutil.copytree(REPO_ROOT / "layouts", root / "layouts")
    for year in range(2026 - archives, 2026):
        say(f"归档 {year} 年度……")
        epoch = str(int(time.mktime((year, 12, 31, 12, 0, 0, 0, 0, -1))))
        subprocess.run([sys.executable, BUILD, "archive", str(year), "--layouts", "layouts"], cwd=root, check=True,
                       stdout=subprocess.DEVNULL, env={**os.environ, "SOURCE_DATE_EPOCH": epoch})
    notice = notices[len(notices) // 2]
    return f"{notice.key}/{notice.issues[0].number:02d}.md", f"{notice.key}/issue-{notice.issues[0].number}.html"


def measure(root: Path, issue_file: str, page_path: str, saves: int, say) -> list[float]:
    from playwright.sync_api import sync_playwright  # noqa: PLC0415 - installed by tests/run.sh

    port = free_port()
    server = subprocess.Popen([sys.executable, BUILD, "serve", "--port", str(port), "--layouts", "layouts"],
                              cwd=root, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        for line in server.stdout:
            if "预览地址" in line:
                break
        else:
            raise SystemExit("预览没有启动")
        path = root / "content" / issue_file
        times = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
            page = browser.new_page()
            page.goto(f"http://127.0.0.1:{port}/{page_path}")
            for n in range(saves):
                time.sleep(2)  # an editor's pace; the preview settles between saves
                marker = f"第{n + 1}次保存后的补充说明{time.time_ns()}"
                start = time.monotonic()
                with open(path, "a", encoding="utf-8") as f:
                    f.write(f"\n{marker}\n")
                page.wait_for_function(f"document.body.innerText.includes({marker!r})", timeout=30000)
                times.append(time.monotonic() - start)
                say(f"第 {n + 1} 次保存：{times[-1]:.3f} 秒")
            browser.close()
        return times
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tests.preview_latency",
                                     description="实测预览从保存到浏览器显示新内容的时间")
    parser.add_argument("--issues", type=int, default=10000, metavar="问题数", help="默认 10000")
    parser.add_argument("--archives", type=int, default=0, metavar="年数", help="先做几个年度的归档，默认 0")
    parser.add_argument("--saves", type=int, default=5, metavar="次数", help="保存几次，默认 5")
    args = parser.parse_args(argv)

    def say(line: str) -> None:
        print(line, flush=True)

    root = Path(tempfile.mkdtemp(prefix="dwgk-latency-"))
    try:
        issue_file, page_path = make_site(root, args.issues, args.archives, say)
        times = measure(root, issue_file, page_path, args.saves, say)
    finally:
        for folder, _, files in os.walk(root):  # archived files are read-only
            for name in files:
                os.chmod(os.path.join(folder, name), 0o644)
        shutil.rmtree(root, ignore_errors=True)
    say(f"{args.issues:,} 个问题、{args.archives} 个年度归档：从保存到浏览器显示新内容，"
        f"中位数 {statistics.median(times):.2f} 秒（{min(times):.2f}–{max(times):.2f}，{len(times)} 次）")
    return 0


if __name__ == "__main__":
    sys.exit(main())
