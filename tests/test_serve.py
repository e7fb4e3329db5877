"""`python build.py serve`: the live-reload preview, driven as an editor uses it.

The server runs as a real subprocess on a free port against a copy of the example content in
tmp_path; pages are looked at in headless Chromium; sources are edited on disk as editors do.
Rebuilds are counted by the server's "检测到改动" lines (one per rebuild).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from dwgk import serve
from tests.sites import copy_example, edit, run_subprocess
from tests.tools import REPO_ROOT, format_axe, free_port, record_requests, run_axe, validate_html

RELOAD_SCRIPT = serve.RELOAD_SCRIPT.decode("utf-8")

BUILD_PY = REPO_ROOT / "build.py"
REBUILD = "检测到改动："
ISSUE_1_TITLE = "关于“贯彻落实上级重大决策部署不及时、不到位”的问题"
TIMEOUT = 20.0  # generous: a slow CI box; every wait ends as soon as its condition holds


# --------------------------------------------------------------------------- #
# The server as a subprocess
# --------------------------------------------------------------------------- #


class ServeProcess:
    """One `build.py serve` process; its merged stdout+stderr is collected line by line."""

    def __init__(self, cwd: Path, *args: str):
        self.cwd = cwd
        self.lines: list[str] = []
        self.cond = threading.Condition()
        self.proc = subprocess.Popen(
            [sys.executable, str(BUILD_PY), "serve", *args], cwd=cwd, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8",
            start_new_session=True)
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.reader.start()

    def _read(self):
        for line in self.proc.stdout:
            with self.cond:
                self.lines.append(line.rstrip("\n"))
                self.cond.notify_all()
        with self.cond:
            self.cond.notify_all()

    @property
    def output(self) -> str:
        with self.cond:
            return "\n".join(self.lines)

    def wait_line(self, pattern: str, after: int = 0, timeout: float = TIMEOUT) -> re.Match:
        """The first line from index `after` on that matches the regex; fails on timeout or exit."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for line in self.lines[after:]:
                    m = re.search(pattern, line)
                    if m:
                        return m
                left = deadline - time.monotonic()
                if left <= 0 or (self.proc.poll() is not None and not self.reader.is_alive()):
                    pytest.fail(f"no line matching {pattern!r} from the server; it said:\n{self.output}")
                self.cond.wait(min(left, 0.2))

    def count(self, prefix: str = REBUILD) -> int:
        with self.cond:
            return sum(line.startswith(prefix) for line in self.lines)

    def mark(self) -> int:
        with self.cond:
            return len(self.lines)

    def wait_rebuilt(self, after: int) -> str:
        """Wait for the next rebuild from line `after` to finish; return its "检测到改动" line."""
        line = self.wait_line(f"^{REBUILD}.*", after)[0]
        self.wait_line(r"^(生成完成：|共 \d+ 处错误)", after)
        return line

    def stop(self, sig=signal.SIGINT, timeout: float = TIMEOUT) -> int:
        if self.proc.poll() is None:
            self.proc.send_signal(sig)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
                pytest.fail(f"server did not stop on {sig!r}; it said:\n{self.output}")
        self.reader.join(5)
        return self.proc.returncode


def start_preview(cwd: Path, *args: str) -> tuple[ServeProcess, str]:
    """Start on a free port (retrying if someone took it); return the process and its URL."""
    for _attempt in range(5):
        port = free_port()
        p = ServeProcess(cwd, "--port", str(port), *args)
        m = None
        deadline = time.monotonic() + TIMEOUT
        while time.monotonic() < deadline:
            out = p.output
            m = re.search(r"^预览地址：(http://\S+)$", out, re.M)
            if m or p.proc.poll() is not None:
                break
            time.sleep(0.05)
        if m:
            return p, m[1]
        p.stop()
        if "已被占用" not in p.output:
            pytest.fail(f"server did not start; it said:\n{p.output}")
    pytest.fail("no free port after 5 attempts")


@pytest.fixture
def site(tmp_path) -> Path:
    """A project folder with a copy of the bundled example content."""
    return copy_example(tmp_path)


@pytest.fixture
def preview(site):
    started = []

    def start(*args: str):
        p, url = start_preview(site, *args)
        started.append(p)
        return p, url

    yield start
    for p in started:
        if p.proc.poll() is None:
            p.stop()


def save(path: Path, text: str) -> None:
    """Save as many editors do: write a temporary file beside it, then rename it over.
    (tests.sites.edit writes in place, as other editors do.)"""
    tmp = path.with_name(f".{path.name}.tmp{os.getpid()}")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def save_edit(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"{old!r} not in {path}"
    save(path, text.replace(old, new, 1))


def open_live(page, url: str) -> list[str]:
    """Open url and wait until its livereload connection is registered with the server.

    Returns the list that collects every frame the pages of this tab send to the server, so a
    test can wait for the reconnection after a reload as well.
    """
    sent: list[str] = []
    page.on("websocket", lambda ws: ws.on("framesent", lambda payload: sent.append(str(payload))))
    page.goto(url)
    wait_connected(page, sent, 1)
    return sent


def wait_connected(page, sent: list[str], n: int) -> None:
    """Wait for the n-th livereload handshake ("info" is what makes the server list the page)."""
    deadline = time.monotonic() + TIMEOUT
    while sum('"info"' in f for f in sent) < n:
        if time.monotonic() > deadline:
            pytest.fail(f"page never connected to livereload (frames sent: {sent})")
        page.wait_for_timeout(50)  # lets Playwright deliver the websocket events


def port_of(url: str) -> int:
    return int(re.match(r"http://[^/]*:(\d+)/", url)[1])


def expect_text(page, text: str, timeout: float = TIMEOUT) -> None:
    from playwright.sync_api import expect

    expect(page.locator("body")).to_contain_text(text, timeout=timeout * 1000)


def http_get(url: str) -> tuple[int, dict, str]:
    req = urllib.request.Request(url)
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(req, timeout=10) as r:
            return r.status, dict(r.headers), r.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode("utf-8", "replace")


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


# --------------------------------------------------------------------------- #
# In the browser
# --------------------------------------------------------------------------- #


def test_saved_edits_show_by_themselves_even_one_second_apart(preview, site, page):
    p, url = preview()
    assert re.fullmatch(r"http://127\.0\.0\.1:\d+/", url)
    assert p.lines[0] == "正在生成预览到 .preview ……"
    assert re.fullmatch(r"生成完成：写入 37 个文件，删除 0 个，用时 \d+\.\d\d 秒。", p.lines[1])
    assert p.lines[2] == f"预览地址：{url}"
    assert p.lines[3] == "在浏览器中打开上面的地址。保存内容或模板文件后，页面会自动刷新；按 Ctrl+C 停止预览。"
    requests = record_requests(page)
    sent = open_live(page, url + "2019/issue-1.html")
    expect_text(page, ISSUE_1_TITLE)
    issue = site / "content" / "2019" / "01.md"

    page.evaluate("window.loadedBefore = true")  # gone if the tab loads the page again
    before = p.mark()
    first_save = time.monotonic()
    edit(issue, "标题: 关于“贯彻", "标题: 第一次修改：关于“贯彻")
    expect_text(page, "第一次修改：关于“贯彻")  # nobody navigates: the preview updates the page
    assert page.title().startswith("第一次修改：关于“贯彻")
    assert page.evaluate("window.loadedBefore") is True  # in place: no reload, no new connection
    assert sum('"info"' in f for f in sent) == 1
    # livereload's own reload drops a reload within 3 s of the previous one; ours must not.
    time.sleep(max(0.0, first_save + 1.0 - time.monotonic()))
    save_edit(issue, "第一次修改：", "第二次修改：")
    expect_text(page, "第二次修改：关于“贯彻")
    assert time.monotonic() - first_save < 3, "the second save came too late to test the 3 s rule"
    assert p.count() == 2, p.output
    assert sum(line.startswith("生成完成：") for line in p.lines[before:]) == 2
    assert requests.foreign() == []

    # Ctrl-C with a browser connected: a clean end, no traceback, port free again.
    assert p.stop(signal.SIGINT) == 0
    assert p.lines[-1] == "预览已停止。"
    assert "Traceback" not in p.output and "Error" not in p.output, p.output
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", port_of(url))) != 0  # nobody listens any more


def test_a_save_updates_only_the_pages_it_changed_and_they_keep_their_place(preview, site, browser):
    layouts = site / "layouts"
    shutil.copytree(REPO_ROOT / "layouts", layouts)
    p, url = preview("--layouts", "layouts")
    context = browser.new_context(locale="zh-CN", viewport={"width": 400, "height": 300})
    try:
        tabs = {}
        for path in ("2019/issue-1.html", "2019/issue-2.html", "contact.html"):
            tab = context.new_page()
            tabs[path] = (tab, open_live(tab, url + path))
            tab.evaluate("window.loadedBefore = true")  # gone once the tab loads the page again
        edited, sent = tabs["2019/issue-1.html"]
        edited.evaluate("window.scrollTo(0, 600)")
        assert edited.evaluate("window.scrollY") == 600

        save_edit(site / "content" / "2019" / "01.md", "一是进一步完善", "一是改为进一步完善")
        expect_text(edited, "一是改为进一步完善")
        assert edited.evaluate("window.scrollY") == 600  # where the editor was reading
        # Updated in place: not loaded again, and the page's own script works on the new body.
        assert edited.evaluate("window.loadedBefore") is True
        assert sum('"info"' in f for f in sent) == 1
        edited.click("#care-toggle")
        assert edited.evaluate("document.documentElement.classList.contains('care')") is True
        edited.click("#care-toggle")
        edited.wait_for_timeout(500)  # the others were told at the same moment
        for path in ("2019/issue-2.html", "contact.html"):
            tab, sent = tabs[path]
            assert tab.evaluate("window.loadedBefore") is True, f"{path} was reloaded"
            assert sum('"info"' in f for f in sent) == 1

        # A stylesheet is used by every page: each reloads, with the new style.
        stylesheet = layouts / "assets" / "style.css"
        stylesheet.write_text(stylesheet.read_text(encoding="utf-8") + "\nbody { outline: 3px solid rgb(1, 2, 3); }\n",
                              encoding="utf-8")
        for path, (tab, _) in tabs.items():
            tab.wait_for_function("document.body && getComputedStyle(document.body).outlineColor === 'rgb(1, 2, 3)'")
            assert tab.evaluate("window.loadedBefore") is None, path
    finally:
        context.close()
    # The script is the preview's, added as pages are served: the files built have none.
    assert RELOAD_SCRIPT in http_get(url + "2019/issue-1.html")[2]
    built = [f for f in (site / ".preview").rglob("*") if f.is_file()]
    assert len(built) > 30 and not [f for f in built if b"/livereload" in f.read_bytes()]


def test_a_page_served_just_before_a_rebuild_hears_of_it_when_it_connects(preview, site):
    """The page asks for the page, a save is rebuilt, and only then does its script connect: the
    reload was sent to the pages connected at that moment. The page names the build it was served
    from (reload_tags); the server tells a page from an earlier build to reload at once."""
    import asyncio  # noqa: PLC0415

    from tornado.websocket import websocket_connect  # noqa: PLC0415

    p, url = preview()
    page = http_get(url + "2019/issue-1.html")[2]
    served = re.search(r'<meta name="dwgk-preview-build" content="(\d+)">', page)[1]
    before = p.mark()
    save_edit(site / "content" / "2019" / "01.md", "一是进一步完善", "一是改为进一步完善")
    p.wait_rebuilt(before)
    now = re.search(r'content="(\d+)"', http_get(url + "2019/issue-1.html")[2])[1]
    assert int(now) == int(served) + 1

    async def connect(build: str) -> list[str]:
        """The page script's handshake; the messages the server sends in the next second."""
        socket = await websocket_connect(url.replace("http", "ws", 1) + "livereload")
        socket.write_message('{"command": "hello", "protocols": ["http://livereload.com/protocols/official-7"]}')
        said = [await socket.read_message()]
        socket.write_message('{"command": "info", "url": "%s2019/issue-1.html", "plugins": {}, "build": "%s"}'
                             % (url, build))
        with contextlib.suppress(asyncio.TimeoutError):
            said.append(await asyncio.wait_for(socket.read_message(), 1))
        socket.close()
        return said

    def run(build: str) -> list[str]:  # in a thread of its own: Playwright may run a loop in this one
        found = []
        worker = threading.Thread(target=lambda: found.append(asyncio.run(connect(build))))
        worker.start()
        worker.join(TIMEOUT)
        return found[0]

    stale = run(served)
    assert len(stale) == 2 and '"command": "reload"' in stale[1] and '"path": "*"' in stale[1]
    assert len(run(now)) == 1  # the hello only: this page is up to date


def test_content_error_shows_in_browser_and_the_fix_brings_the_page_back(preview, site, page):
    p, url = preview()
    open_live(page, url + "2019/issue-1.html")
    expect_text(page, ISSUE_1_TITLE)
    folder = site / "content" / "2019"
    good_1 = (folder / "01.md").read_text(encoding="utf-8")
    good_2 = (folder / "02.md").read_text(encoding="utf-8")

    before = p.mark()
    save(folder / "01.md", good_1.replace("编号: 1\n", "编号 1\n", 1))  # broken front matter
    save(folder / "02.md", good_2.replace("状态: 已完成", "状态: <b>完成</b>", 1))
    expect_text(page, "内容有错误，预览未更新")
    body = page.locator("body").inner_text()
    assert "content/2019/01.md:2: 缺少冒号“:”：“编号 1”应写成“编号: 1”" in body  # the broken file, with its line
    assert "content/2019/02.md:5: 未知的整改状态“<b>完成</b>”" in body  # escaped, shown as typed
    assert page.locator("main b").count() == 0
    assert page.title() == "内容有错误 - 预览"
    violations = run_axe(page)
    assert violations == [], format_axe(violations)
    # Every page is replaced while the content is broken; assets of the last good build stay.
    for path in ("", "2019/index.html", "contact.html", "no-such-page.html"):
        status, headers, html = http_get(url + path)
        assert status == 500 and "content/2019/01.md:2: " in html, path
        assert RELOAD_SCRIPT in html  # the fix must be able to reload this page
    assert http_get(url + "assets/style.css")[0] == 200
    terminal = p.output.splitlines()[before:]
    assert any(line.startswith("content/2019/01.md:2: ") for line in terminal)
    assert re.search(r"^共 \d+ 处错误，浏览器中显示错误页；改正后保存，页面会自动恢复。$", p.output, re.M)
    assert p.proc.poll() is None  # the server survived

    save(folder / "01.md", good_1)
    save(folder / "02.md", good_2)
    expect_text(page, ISSUE_1_TITLE)  # back without anyone pressing reload
    assert page.title().startswith(ISSUE_1_TITLE)
    assert http_get(url + "2019/index.html")[0] == 200


def test_preview_is_served_under_the_base_url_path(preview, site, page):
    settings = site / "content" / "site.yml"
    settings.write_text(settings.read_text(encoding="utf-8")
                        + "网站地址: https://www.example.gov.cn/dwgk/\n", encoding="utf-8")
    p, url = preview()
    assert url.endswith("/dwgk/")
    origin = url[: -len("dwgk/")]
    assert http_get(origin)[0:2][0] == 302 and http_get(origin)[1]["Location"] == "/dwgk/"
    status, _, html = http_get(origin + "2019/index.html")  # outside the sub-path, as in production
    assert status == 404 and "页面未找到" in html and RELOAD_SCRIPT in html
    # Links behave as in production: the 404 page's links use the base path, pages are relative.
    page.goto(origin + "nothing/here.html")
    page.get_by_role("link", name="返回首页").click()
    page.wait_for_url(url + "index.html")
    page.get_by_role("link", name="反馈联系").first.click()
    page.wait_for_url(url + "contact.html")

    before = p.mark()
    settings.write_text(settings.read_text(encoding="utf-8").replace("/dwgk/", "/gk/"), encoding="utf-8")
    p.wait_rebuilt(before)
    new_url = p.wait_line(r"^网站地址已改变，预览地址改为：(http://\S+)$", before)[1]
    assert new_url == origin + "gk/"
    assert http_get(new_url + "contact.html")[0] == 200


# --------------------------------------------------------------------------- #
# Over sockets and in the terminal
# --------------------------------------------------------------------------- #


def own_addresses() -> list[str]:
    """This machine's non-loopback addresses (from `hostname -I`, falling back to `ip`)."""
    out = ""
    for cmd in (["hostname", "-I"], ["ip", "-o", "addr"]):
        try:
            out = subprocess.run(cmd, capture_output=True, text=True, timeout=10).stdout
        except OSError:
            continue
        if out.strip():
            break
    found = []
    for word in re.split(r"[\s/]+", out):
        try:
            import ipaddress

            ip = ipaddress.ip_address(word)
        except ValueError:
            continue
        if not ip.is_loopback and not ip.is_link_local and word not in found:
            found.append(word)
    return found


def test_accepts_no_connection_on_other_addresses_of_this_machine(preview):
    addresses = own_addresses()
    assert addresses, "this machine has no non-loopback address to try"
    p, url = preview()
    port = port_of(url)
    with socket.create_connection(("127.0.0.1", port), timeout=5):
        pass
    for address in addresses:
        family = socket.AF_INET6 if ":" in address else socket.AF_INET
        with socket.socket(family, socket.SOCK_STREAM) as s:
            s.settimeout(5)
            assert s.connect_ex((address, port)) != 0, f"preview reachable on {address}:{port}"


def test_editor_temporaries_trigger_nothing_and_one_save_one_rebuild(preview, site):
    p, url = preview()
    folder = site / "content" / "2019"
    issue = folder / "01.md"
    # What vim, emacs, gedit and others leave beside a file while editing it.
    (folder / ".01.md.swp").write_bytes(b"swap")
    (folder / "01.md~").write_text("备份", encoding="utf-8")
    (folder / "4913").write_bytes(b"")
    (folder / "4913").unlink()
    (folder / "#01.md#").write_text("自动保存", encoding="utf-8")
    os.symlink("user@host.1234:1", folder / ".#01.md")
    (folder / ".goutputstream-ABC123").write_text("x", encoding="utf-8")
    (site / "content" / ".git").mkdir()
    (site / "content" / ".git" / "index").write_bytes(b"git")
    # Nothing may follow; absence cannot be waited for, so give it well over the debounce time.
    time.sleep(1.5)
    assert p.count() == 0, p.output

    # One vim-style save: backup by rename, write the file anew, remove the backup. Between
    # the steps the file is missing; still one rebuild. Vim does it within a millisecond; the
    # server is paused meanwhile so that a loaded test machine cannot stretch it.
    before = p.mark()
    text = issue.read_text(encoding="utf-8").replace("一是进一步完善", "一是再次完善", 1)
    with paused(p):
        os.rename(issue, folder / "01.md~")
        with open(issue, "w", encoding="utf-8") as f:
            f.write(text[:200])
            f.flush()
            f.write(text[200:])
        os.unlink(folder / "01.md~")
    line = p.wait_rebuilt(before)
    assert line == "检测到改动：content/2019/01.md，重新生成……"
    time.sleep(1.0)  # again: a second rebuild would have shown by now
    assert p.count() == 1, p.output
    assert "再次完善" in (site / ".preview" / "2019" / "issue-1.html").read_text(encoding="utf-8")


def test_a_burst_of_changes_is_one_rebuild(preview, site, page):
    """A git checkout: many files, with pauses between some of them shorter than a burst's quiet
    time. The first three are written while the server is paused (as fast as git does, whatever
    the load on the test machine); the others follow while it waits for the burst to end."""
    p, url = preview()
    fetched = []  # the page's own requests: opening it, then each update
    page.on("request", lambda r: fetched.append(r.url) if r.url.endswith("/2019/issue-3.html") else None)
    open_live(page, url + "2019/issue-3.html")
    folder = site / "content" / "2019"
    before = p.mark()
    with paused(p):
        for name in ("03.md", "04.md", "05.md"):
            save_edit(folder / name, "\n---\n", "\n---\n\n")
    for name in ("06.md", "07.md"):
        time.sleep(serve.QUIET_SECONDS / 4)
        save_edit(folder / name, "\n---\n", "\n---\n\n")
    save_edit(folder / "03.md", "\n---\n\n", "\n---\n\n此次检出新增的说明。\n")
    assert p.wait_rebuilt(before) == "检测到改动：content/2019/03.md 等 5 个文件，重新生成……"
    expect_text(page, "此次检出新增的说明。")  # the page updated after the whole burst
    page.wait_for_timeout(1000)  # a second rebuild, and a second update, would have shown by now
    assert p.count() == 1, p.output
    assert len(fetched) == 2, fetched  # opened, and updated once


@contextlib.contextmanager
def paused(p: ServeProcess):
    """The server stopped (SIGSTOP) while the body runs: what it does meanwhile reaches it at once."""
    os.kill(p.proc.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(p.proc.pid, signal.SIGCONT)


def test_template_change_rebuilds_and_uppercase_head_still_gets_the_script(preview, site):
    layouts = site / "layouts"
    shutil.copytree(REPO_ROOT / "layouts", layouts)
    base = layouts / "base.html"
    base.write_text(base.read_text(encoding="utf-8").replace("</head>", "</HEAD>"), encoding="utf-8")
    p, url = preview("--layouts", "layouts")
    status, headers, html = http_get(url + "index.html")
    assert status == 200 and html.count(RELOAD_SCRIPT) == 1 and f"{RELOAD_SCRIPT}</HEAD>" in html
    assert headers["Content-Type"] == "text/html; charset=utf-8"
    assert headers["Cache-Control"] == "no-store"

    status, _, html = http_get(url + "..%2f..%2fcontent%2fsite.yml")  # nothing outside the preview
    assert status == 403 and "<h1>出错了（403）</h1>" in html and "网站名称" not in html

    before = p.mark()
    edit(base, "</HEAD>", "{% if %}</HEAD>")  # a template error: shown like content errors
    p.wait_rebuilt(before)
    status, _, html = http_get(url + "index.html")
    assert status == 500 and "layouts/base.html:" in html

    before = p.mark()
    edit(base, "{% if %}", "")
    assert p.wait_rebuilt(before) == "检测到改动：layouts/base.html，重新生成……"
    assert http_get(url + "index.html")[0] == 200


def test_archive_folder_is_watched_too(preview, site):
    (site / "archive").mkdir()
    p, url = preview()
    before = p.mark()
    (site / "archive" / "2019").mkdir()
    (site / "archive" / "2019" / "notes.txt").write_text("x", encoding="utf-8")
    assert p.wait_rebuilt(before).startswith("检测到改动：archive/2019/")
    assert http_get(url + "index.html")[0] == 500  # a broken archive is an error like any other


def test_refuses_an_output_folder_it_would_watch_or_publish_from(site):
    def run(*args):
        r = run_subprocess("serve", *args, cwd=site)
        assert "Traceback" not in r.err
        return r

    r = run("--output", "content/preview")
    assert r.rc == 2
    assert r.err == ("错误：输出文件夹 content/preview 不能与 content 相同、在它里面或包含它"
                        "（预览会把自己的输出当成改动，无休止地重新生成）\n")
    r = run("--output", "archive/preview")
    assert r.rc == 2
    assert r.err == ("错误：输出文件夹 archive/preview 不能与 archive 相同、在它里面或包含它"
                     "（预览会把自己的输出当成改动，无休止地重新生成）\n")
    r = run("--output", "site")
    assert r.rc == 2
    assert r.err == ("错误：预览不能生成到 site（正式网站的输出文件夹，可能正在发布）；"
                        "请换一个输出文件夹，或去掉 --output 使用默认的预览文件夹\n")
    r = run("--port", "70000")
    assert r.rc == 2 and "错误：参数 --port: 端口应是 1 到 65535 之间的整数，而不是“70000”" in r.err
    assert sorted(os.listdir(site)) == ["content"]  # nothing written anywhere


def test_busy_port_wrong_host_and_the_lan_warning(site):
    def run(*args):
        r = run_subprocess("serve", *args, cwd=site)
        assert "Traceback" not in r.err
        return r

    # A bound (not listening) socket on all addresses blocks the port without opening anything.
    with socket.socket() as blocker:
        blocker.bind(("0.0.0.0", 0))
        port = blocker.getsockname()[1]
        r = run("--port", str(port))
        assert r.rc == 2
        assert r.err == (f"错误：端口 {port} 已被占用（也许已经有一个预览在运行）；"
                            f"请先停止它，或换一个端口，如 --port {port + 1}\n")
        r = run("--port", str(port), "--host", "0.0.0.0")
        assert r.rc == 2
        assert r.err.splitlines()[0] == (
            "警告：预览将在 0.0.0.0 上监听，同一网络中的其他电脑也能打开，其中可能有尚未公开的内容。"
            "只在需要同事帮忙查看时这样做，看完请按 Ctrl+C 停止。")
        assert "已被占用" in r.err
    r = run("--port", str(free_port()), "--host", "192.0.2.254")  # TEST-NET address, not ours
    assert r.rc == 2
    assert r.err.splitlines()[-1] == "错误：本机没有地址 192.0.2.254；--host 应是本机的地址，如 127.0.0.1"
    assert "Traceback" not in r.err


def test_a_request_the_file_system_cannot_name_gets_a_clean_answer(preview):
    p, url = preview()
    for path in ("%00", "2019/%00.html", "%00/index.html"):
        status, _, html = http_get(url + path)
        assert (status, "出错了（400）" in html) == (400, True), path
    assert http_get(url + "index.html")[0] == 200  # and it still serves
    assert "Traceback" not in p.output and "Error" not in p.output


def test_sigterm_ends_it_cleanly_too(preview):
    p, url = preview()
    children = [d for d in os.listdir("/proc") if d.isdigit() and _ppid(d) == p.proc.pid]
    assert children == []  # nothing that could be left behind
    assert p.stop(signal.SIGTERM) == 0
    assert p.lines[-1] == "预览已停止。" and "Traceback" not in p.output


def _ppid(pid: str) -> int | None:
    try:
        return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


# --------------------------------------------------------------------------- #
# The pieces, in-process
# --------------------------------------------------------------------------- #


def test_error_page_is_valid_and_escapes(tmp_path):
    html = serve.render_error_page(["content/2019/01.md:3: 未知的整改状态“<script>x</script>”",
                                    "layouts/base.html:7: 模板错误 & 其他"])
    assert "</head>" in html  # where the preview puts its script
    assert "&lt;script&gt;x&lt;/script&gt;" in html and "<script>" not in html
    assert "共 2 处错误" in html and "&amp; 其他" in html
    page = tmp_path / "error.html"
    page.write_text(html, encoding="utf-8")
    assert validate_html(page) == []


@pytest.mark.parametrize("page, expected", [
    (b"<html><head><title>t</title></head><body>x", b"<html><head><title>t</title>@</head><body>x"),
    (b"<html><HEAD><title>t</title></HEAD ><body>x", b"<html><HEAD><title>t</title>@</HEAD ><body>x"),
    (b"<html><title>t</title><BODY class=a>x", b"<html><title>t</title>@<BODY class=a>x"),
    (b"<p>x", b"<p>x@"),
])
def test_with_reload_script(page, expected):
    assert serve.with_reload_script(page, 7) == expected.replace(b"@", serve.reload_tags(7))
    assert serve.reload_tags(7) == b'<meta name="dwgk-preview-build" content="7">' + serve.RELOAD_SCRIPT


def test_hosts():
    assert serve.host_warning("127.0.0.1") is None
    assert serve.host_warning("localhost") is None
    assert serve.host_warning("::1") is None
    assert serve.host_warning("192.168.1.5").startswith("警告：预览将在 192.168.1.5 上监听")
    assert serve.preview_url("0.0.0.0", 8000, "/") == "http://127.0.0.1:8000/"
    assert serve.preview_url("::1", 8000, "/dwgk/") == "http://[::1]:8000/dwgk/"


def test_rebuild_turns_every_failure_into_error_lines(tmp_path, monkeypatch, capsys):
    said = []
    preview = serve.Preview(serve.pipeline.Paths(str(tmp_path), str(tmp_path), str(tmp_path / "out")))

    def fails_with(exc):
        def build(paths, archive_unchanged=False, memory=None, changed=None):
            raise exc
        monkeypatch.setattr(serve.pipeline, "build", build)
        preview.rebuild(lambda line, err=False: said.append(line))
        return list(preview.errors)

    missing = FileNotFoundError(2, "No such file or directory", str(tmp_path / "2019" / "01.md"))
    assert fails_with(missing) == [f"{tmp_path}/2019/01.md: 读写文件失败：文件或文件夹不存在（No such file or directory）"]
    assert said[-1] == "共 1 处错误，浏览器中显示错误页；改正后保存，页面会自动恢复。"
    assert fails_with(serve.UsageError("某个问题")) == ["错误：某个问题"]
    assert fails_with(KeyError("x")) == [
        "生成时出现程序错误（KeyError: 'x'），请把终端中的出错信息发给维护人员"]
    assert "Traceback" in capsys.readouterr().err  # a dwgk bug keeps its traceback for maintainers

    def builds(changed):
        monkeypatch.setattr(serve.pipeline, "build", lambda paths, **_: {
            "files": 3, "written": len(changed) - 1, "removed": 1, "changed": changed, "notes": []})
        return preview.rebuild(lambda line, err=False: said.append(line))

    # Every page shows the error page: all reload when it goes, then only the pages rewritten.
    assert builds(["index.html", "2019/issue-1.html", "old.html"]) == ["*"]
    assert preview.errors == ()
    assert re.fullmatch(r"生成完成：写入 2 个文件，删除 1 个，用时 \d+\.\d\d 秒。", said[-1])
    assert builds(["index.html", "2019/issue-1.html", "old.html"]) == ["/index.html", "/2019/issue-1.html",
                                                                       "/old.html"]
    assert builds([]) == []
    assert builds([f"{n}.html" for n in range(serve.MAX_RELOAD_PATHS + 1)]) == ["*"]  # a template changed
    settings = (REPO_ROOT / "content" / "site.yml").read_text(encoding="utf-8")
    (tmp_path / "site.yml").write_text(settings + "网站地址: https://www.example.gov.cn/dwgk/\n", encoding="utf-8")
    assert builds(["index.html"]) == ["*"]  # the pages moved under another URL path
    assert preview.prefix == "/dwgk/"
    assert builds(["index.html"]) == ["/dwgk/index.html"]
    assert fails_with(KeyError("y")) == ["生成时出现程序错误（KeyError: 'y'），请把终端中的出错信息发给维护人员"]
    assert builds([]) == ["*"]


def test_listen_failure_says_why():
    class Refused:
        def listen(self, *args, **kwargs):
            raise PermissionError(13, "Permission denied")

    with pytest.raises(serve.UsageError) as exc:
        serve.listen(Refused(), "127.0.0.1", 80)
    assert str(exc.value) == "无法在 127.0.0.1 的 80 端口上监听：Permission denied"


def test_snapshot_leaves_out_editor_files(tmp_path):
    (tmp_path / "a.md").write_text("x")
    for name in (".a.md.swp", "a.md~", "#a.md#", "4913", ".hidden"):
        (tmp_path / name).write_text("x")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "HEAD").write_text("x")
    files, folders = serve.scan_sources([str(tmp_path)])
    assert list(files) == [str(tmp_path / "a.md")]
    assert folders == [str(tmp_path)]


def test_polling_watcher_waits_for_a_burst_to_settle(tmp_path):
    """Without inotify (other systems) the scan alone debounces: one rebuild per burst."""
    (tmp_path / "a.md").write_text("1")
    watcher = serve.SiteWatcher([str(tmp_path)], None, notify=None)
    watcher.loop = NoLoop()
    assert watcher.examine() is None
    (tmp_path / "a.md").write_text("22")
    (tmp_path / "b.md").write_text("3")
    assert watcher.examine() is None  # first sight of the change: is it over?
    time.sleep(serve.SETTLE_SECONDS)
    assert watcher.examine() == [str(tmp_path / "a.md"), str(tmp_path / "b.md")]  # it is
    assert watcher.examine() is None
    for name in ("c.md", "d.md", "e.md"):  # changes to three files or more: a burst
        (tmp_path / name).write_text("4")
    assert watcher.examine() is None
    time.sleep(serve.SETTLE_SECONDS)
    assert watcher.examine() is None  # quiet, but not yet for QUIET_SECONDS
    time.sleep(serve.QUIET_SECONDS)
    assert watcher.examine() == [str(tmp_path / n) for n in ("c.md", "d.md", "e.md")]


class NoLoop:
    """Enough of tornado's IOLoop for a watcher driven by hand."""

    call_later = remove_timeout = staticmethod(lambda *args: None)


def test_inotify_watcher_scans_again_only_the_folders_inotify_names(tmp_path, monkeypatch):
    for folder, count in (("a", 2), ("b", 1), ("archive/2019/site", 50)):
        (tmp_path / folder).mkdir(parents=True)
        for n in range(count):
            (tmp_path / folder / f"{n}.md").write_text("x", encoding="utf-8")
    notify = serve.INotify.open()
    assert notify is not None, "inotify is missing: the preview would scan every folder on every save"
    scans = []
    watcher = serve.SiteWatcher([str(tmp_path)], None, notify)
    watcher.loop = NoLoop()
    real_scan = serve.scan_sources
    monkeypatch.setattr(serve, "scan_sources", lambda folders: scans.append(folders) or real_scan(folders))

    def settle(seconds=serve.SETTLE_SECONDS):
        watcher._on_events()  # what the loop does when inotify has news
        assert watcher.examine() is None  # too early: the save may go on
        time.sleep(seconds)
        return watcher.examine()

    (tmp_path / "a/0.md").write_text("changed", encoding="utf-8")
    assert settle() == [str(tmp_path / "a/0.md")] and scans == [[str(tmp_path / "a")]]
    (tmp_path / "c/d").mkdir(parents=True)  # a new folder, and one below it, with a file
    (tmp_path / "c/d/new.md").write_text("x", encoding="utf-8")
    shutil.rmtree(tmp_path / "b")
    # Three entries changed (b, b/0.md and c), enough for a burst
    assert settle(serve.QUIET_SECONDS) == [str(tmp_path / "b/0.md"), str(tmp_path / "c/d/new.md")]
    assert scans[1:] == [[str(tmp_path)]]  # the top folder named the new and the removed one
    (tmp_path / "c/d/new.md").write_text("again", encoding="utf-8")  # the new folders are watched
    assert settle() == [str(tmp_path / "c/d/new.md")]
    assert scans[2:] == [[str(tmp_path / "c/d")]]
    for n in range(3):  # a burst: three files
        (tmp_path / f"a/{n}.md").write_text("burst", encoding="utf-8")
    assert settle() is None  # a save would be over; a burst is not yet
    time.sleep(serve.QUIET_SECONDS)
    assert watcher.examine() == [str(tmp_path / f"a/{n}.md") for n in range(3)]
    assert scans[3:] == [[str(tmp_path / "a")]]
    assert watcher.examine() is None and scans[4:] == [[str(tmp_path)]]  # the timed safety net


def test_inotify_watcher_scans_everything_when_events_were_lost(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a/0.md").write_text("x", encoding="utf-8")

    class Overflowed:
        fd = -1
        add_watch = staticmethod(lambda folder: True)
        read_events = staticmethod(lambda: [(None, "")])
        pending = staticmethod(lambda: False)

    watcher = serve.SiteWatcher([str(tmp_path)], None, Overflowed())
    watcher.loop = NoLoop()
    (tmp_path / "a/0.md").write_text("changed", encoding="utf-8")
    watcher._on_events()
    assert watcher.dirty is None
    time.sleep(serve.SETTLE_SECONDS)
    assert watcher.examine() == [str(tmp_path / "a/0.md")]


def test_the_preview_looks_again_only_at_the_files_its_watcher_names(tmp_path, monkeypatch):
    """Between rebuilds the preview keeps the content folder's listing and looks again only at
    the files that changed; a file that came or went, or a build that failed before it listed the
    folder, makes it list the whole folder again. Every page is what a build from scratch makes."""
    from dwgk import cache

    copy_example(tmp_path)
    shutil.copytree(REPO_ROOT / "layouts", tmp_path / "layouts")
    monkeypatch.chdir(tmp_path)
    preview = serve.Preview(serve.pipeline.Paths("content", "layouts", "site"))
    say = lambda line, err=False: None  # noqa: E731
    listings = []

    def count_listings():
        real = cache.read_sources
        monkeypatch.setattr(cache, "read_sources", lambda *a, **k: listings.append(1) or real(*a, **k))

    count_listings()
    preview.rebuild(say)
    assert preview.errors == () and len(listings) == 1
    watched = ["content", "layouts", "archive"]
    before = serve.scan_sources(watched)[0]

    def save_and_rebuild(path: Path, text: str | None) -> None:
        nonlocal before
        if text is None:
            path.unlink()
        else:
            path.write_text(text, encoding="utf-8")
        now = serve.scan_sources(watched)[0]
        changed, before = serve.changed_paths(before, now), now
        preview.rebuild(say, changed)

    issue, other = tmp_path / "content/2019/01.md", tmp_path / "content/2019/02.md"
    page = tmp_path / "site/2019/issue-1.html"
    save_and_rebuild(issue, issue.read_text(encoding="utf-8") + "\n第一次修改。\n")
    assert preview.errors == () and "第一次修改" in page.read_text(encoding="utf-8")
    assert len(listings) == 1  # only the file the watcher named was looked at again

    # A build that fails before it lists the folder: the change it was told of is not lost.
    with monkeypatch.context() as patch:
        patch.setattr(serve.pipeline, "check_paths", lambda *a, **k: (_ for _ in ()).throw(OSError(5, "读写失败")))
        save_and_rebuild(issue, issue.read_text(encoding="utf-8") + "\n第二次修改。\n")
    assert preview.errors
    save_and_rebuild(other, other.read_text(encoding="utf-8") + "\n另一处修改。\n")
    assert preview.errors == () and "第二次修改" in page.read_text(encoding="utf-8")
    assert len(listings) == 1

    # A file that comes or goes: the whole folder is listed again.
    new = tmp_path / "content/2019/99.md"
    save_and_rebuild(new, other.read_text(encoding="utf-8").replace("编号: 2", "编号: 99", 1))
    save_and_rebuild(new, None)
    assert len(listings) == 3 and preview.errors == ()

    # The size and modification time put back after a save: the change time still tells.
    stat = issue.stat()
    issue.write_text(issue.read_text(encoding="utf-8").replace("第一次", "第三次"), encoding="utf-8")
    os.utime(issue, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    save_and_rebuild(other, other.read_text(encoding="utf-8") + "\n")
    assert "第三次修改" in page.read_text(encoding="utf-8")

    cold = tmp_path / "cold"
    serve.pipeline.build(serve.pipeline.Paths("content", "layouts", str(cold)), cache_dir=None)
    assert {p.relative_to(cold): p.read_bytes() for p in cold.rglob("*") if p.is_file()} == {
        p.relative_to(tmp_path / "site"): p.read_bytes() for p in (tmp_path / "site").rglob("*") if p.is_file()}
