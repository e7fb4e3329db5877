"""Live-reload preview: build into a preview folder, serve it, rebuild on every save and reload
the open pages that changed.

Pages are served with a small script of ours (RELOAD_SCRIPT) that speaks livereload's protocol
to livereload's WebSocket handler on the same server: after a rebuild the server names every URL
path the build wrote or removed; a page that is one of them puts its new version in place of the
old one, a page that uses one (a stylesheet) reloads, both keeping their scroll position. The
watcher is our own (a scan of the source folders, woken by inotify on Linux): it ignores editor
temporaries, rebuilds a single save at once and a burst of changes once it is over, and never
looks at the output folder; a failed build shows an error page instead.
"""

from __future__ import annotations

import ctypes
import errno
import html
import importlib
import ipaddress
import json
import logging
import os
import re
import select
import signal
import struct
import sys
import time
import traceback
from dataclasses import dataclass, field

from livereload.handlers import LiveReloadHandler, StaticFileHandler
from tornado import ioloop, web, websocket

from . import pipeline
from .cache import CacheMemory
from .content import SETTINGS_FILE, display_path, is_ignored_name, parse_settings
from .failures import bug_lines, failure_of
from .model import UsageError
from .render import _url_path

#: The folder `build` publishes into; a preview must never write there (it may be mid-publish).
PUBLISH_OUTPUT = "site"

#: How often the watched folders are scanned, at the least; a large tree is scanned less often.
POLL_SECONDS = 0.1
#: A save is over once nothing has changed for this long (an editor's temp-then-rename, a
#: write in several pieces); then it is rebuilt.
SETTLE_SECONDS = 0.02
#: A burst, changes to BURST_FILES files or more (a git checkout, a folder copied in), may pause
#: for longer between files; it is over once nothing has changed for this long, and gives one
#: rebuild.
QUIET_SECONDS = 0.2
BURST_FILES = 3
#: More changed files than this in one rebuild reload every open page (a template changed).
MAX_RELOAD_PATHS = 500

SOCKET_PATH = "/livereload"  # where the pages' script connects, as livereload.js would


def is_page(path: str) -> bool:
    return path.endswith((".html", ".htm"))


# --------------------------------------------------------------------------- #
# Pure helpers
# --------------------------------------------------------------------------- #


def is_loopback(host: str) -> bool:
    """True when only this computer can reach a server listening on host."""
    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def host_warning(host: str) -> str | None:
    """The warning printed before listening on a host other computers can reach."""
    if is_loopback(host):
        return None
    return (f"警告：预览将在 {host} 上监听，同一网络中的其他电脑也能打开，"
            "其中可能有尚未公开的内容。只在需要同事帮忙查看时这样做，看完请按 Ctrl+C 停止。")


def preview_url(host: str, port: int, prefix: str) -> str:
    """The address to open; a wildcard host is shown as this computer's loopback address."""
    if host in ("", "0.0.0.0"):
        host = "127.0.0.1"
    elif host == "::":
        host = "::1"
    if ":" in host and not host.startswith("["):
        host = f"[{host}]"
    return f"http://{host}:{port}{prefix}"


def read_url_prefix(content_dir: str) -> str | None:
    """The path of 网站地址 in site.yml ("/dwgk/"), "/" without one, None if site.yml is unusable."""
    path = os.path.join(content_dir, SETTINGS_FILE)
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError:
        return None
    settings = parse_settings(display_path(path), data, [])
    if settings is None:
        return None
    return _url_path(settings.base_url) or "/"


#: Injected into every page the preview serves (never into the built site). It speaks
#: livereload's protocol (hello, info, reload with a path); "*" stands for every page.
#: A page told that it changed itself fetches its new version and puts the new body in place of
#: the old one, and its title and meta tags for the old ones (no navigation: nothing else is
#: fetched again, the scroll position stays), then tells the page's scripts the document is ready
#: again (care.js binds its button). It reloads instead when anything else may differ: a
#: stylesheet or script it uses changed ("*" too), the new version's head has other stylesheets
#: or scripts, either body has a script, or the fetch fails (the error page).
RELOAD_SCRIPT = rb"""<script>/* dwgk preview */(function () {
  var reloading = false, updating = false, again = false;
  function pathOf(url) {
    var path = new URL(url, location.href).pathname;
    try { path = decodeURIComponent(path); } catch (e) {}
    return /\/$/.test(path) ? path + "index.html" : path;
  }
  function uses(path) {
    return performance.getEntriesByType("resource").some(function (r) {
      return r.name.indexOf(location.origin + "/") === 0 && pathOf(r.name) === path;
    });
  }
  function reload() {
    reloading = true;
    location.reload();  // browsers keep the scroll position of a page reloaded
  }
  function fits(head) {  // the same stylesheets and scripts: only the title and meta tags may differ
    var now = document.head.children, then = head.children;
    if (now.length !== then.length) return false;
    for (var i = 0; i < now.length; i++) {
      if (now[i].tagName !== then[i].tagName) return false;
      if (!/^(TITLE|META)$/.test(now[i].tagName) && now[i].outerHTML !== then[i].outerHTML) return false;
    }
    return true;
  }
  function update() {
    if (updating) { again = true; return; }
    updating = true;
    fetch(location.href, {cache: "no-store"}).then(function (response) {
      if (!response.ok) throw new Error(String(response.status));
      return response.text();
    }).then(function (text) {
      var doc = new DOMParser().parseFromString(text, "text/html");
      if (reloading) return;
      if (!fits(doc.head) || doc.body.querySelector("script") || document.body.querySelector("script")
          || doc.documentElement.lang !== document.documentElement.lang) return reload();
      var x = window.scrollX, y = window.scrollY, now = Array.prototype.slice.call(document.head.children);
      Array.prototype.slice.call(doc.head.children).forEach(function (element, i) {
        if (element.outerHTML !== now[i].outerHTML) now[i].replaceWith(document.adoptNode(element));
      });
      document.body.replaceWith(document.adoptNode(doc.body));
      window.scrollTo(x, y);
      document.dispatchEvent(new Event("DOMContentLoaded"));
      updating = false;
      if (again) { again = false; update(); }
    }).catch(function () { if (!reloading) reload(); });
  }
  function connect() {
    var socket = new WebSocket(location.origin.replace(/^http/, "ws") + "%s");
    socket.onopen = function () {
      socket.send(JSON.stringify({command: "hello", protocols: ["http://livereload.com/protocols/official-7"]}));
    };
    socket.onmessage = function (event) {
      var m = JSON.parse(event.data);
      if (m.command === "hello") {
        var built = document.querySelector('meta[name="dwgk-preview-build"]');
        socket.send(JSON.stringify({command: "info", url: location.href, plugins: {}, build: built && built.content}));
      } else if (m.command === "reload" && !reloading) {
        if (m.path === pathOf(location.href)) update();
        else if (m.path === "*" || uses(m.path)) reload();
      }
    };
    socket.onclose = function () { if (!reloading) setTimeout(connect, 1000); };
  }
  connect();
})();</script>
""" % SOCKET_PATH.encode()


def reload_tags(build: int) -> bytes:
    """What the preview adds to a page: the number of the build it was served from (the page
    tells the server when it connects, so that a page served just before a rebuild, and not yet
    connected to hear of it, is told again: ReloadSocket) and RELOAD_SCRIPT."""
    return b'<meta name="dwgk-preview-build" content="%d">' % build + RELOAD_SCRIPT


def with_reload_script(page: bytes, build: int = 0) -> bytes:
    """The page with reload_tags at the end of its head (where the head ends when its end tag
    is left out, or at the end)."""
    m = re.search(rb"</head\s*>", page, re.IGNORECASE) or re.search(rb"<body[\s>]", page, re.IGNORECASE)
    at = m.start() if m else len(page)
    return page[:at] + reload_tags(build) + page[at:]


FileStats = dict  # path -> (mtime_ns, size, inode, mode, ctime_ns) of every watched file


def scan_sources(folders: list[str]) -> tuple[FileStats, list[str]]:
    """What a change to any source looks like (a file's stat changes, appears or goes), and the
    folders scanned. Editor temporaries and hidden files and folders are left out."""
    found: FileStats = {}
    scanned = []
    stack = list(folders)
    while stack:
        folder = stack.pop()
        try:
            entries = list(os.scandir(folder))
        except OSError:
            continue  # gone in the middle of a burst: the next scan sees the new state
        scanned.append(folder)
        for entry in entries:
            if is_ignored_name(entry.name):
                continue
            try:
                if entry.is_dir(follow_symlinks=False):
                    stack.append(entry.path)
                    continue
                st = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            # the change time too, as the build's own look does (content.stat_key): a file written
            # back with its old size and modification time still changes its ctime
            found[entry.path] = (st.st_mtime_ns, st.st_size, st.st_ino, st.st_mode, st.st_ctime_ns)
    return found, scanned


def changed_paths(before: FileStats, after: FileStats) -> list[str]:
    return sorted(p for p in before.keys() | after.keys() if before.get(p) != after.get(p))


def describe_change(paths: list[str]) -> str:
    first = display_path(paths[0]) if paths else "?"
    more = f" 等 {len(paths)} 个文件" if len(paths) > 1 else ""
    return f"检测到改动：{first}{more}，重新生成……"


_ERROR_PAGE_STYLE = """
body { margin: 0; font-family: "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif;
       color: #1a1a1a; background: #fff; line-height: 1.6; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 1rem; }
h1 { color: #a4000f; font-size: 1.6rem; margin: 0 0 1rem; }
ol { padding-left: 2rem; }
li { margin: .5rem 0; }
code { font-family: inherit; background: #fdf0f0; border-left: 4px solid #a4000f;
       padding: .2rem .5rem; display: inline-block; word-break: break-all; }
"""


def render_error_page(errors: list[str]) -> str:
    """The page shown in place of every page while the content has errors; self-contained."""
    items = "\n".join(f"<li><code>{html.escape(e)}</code></li>" for e in errors)
    return f"""<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>内容有错误 - 预览</title>
<style>{_ERROR_PAGE_STYLE}</style>
</head>
<body>
<main>
<h1>内容有错误，预览未更新</h1>
<p>共 {len(errors)} 处错误，格式为“文件:行号: 说明”。请改正后保存，本页会自动显示改好的网页，不用刷新。</p>
<ol>
{items}
</ol>
</main>
</body>
</html>
"""


# --------------------------------------------------------------------------- #
# The running preview
# --------------------------------------------------------------------------- #


@dataclass
class Preview:
    """What the server shows right now: changed only by rebuild(), read by every request."""

    paths: pipeline.Paths
    prefix: str = "/"  # URL path the site is served under
    errors: tuple[str, ...] = ()  # non-empty: the last build failed, show these instead of pages
    archive_seen: bool = False  # the last build succeeded, and nothing in archive/ changed since
    memory: CacheMemory = field(default_factory=CacheMemory)  # what the builds keep between them
    unlisted: set = field(default_factory=set)  # paths changed since the content folder was last listed
    build: int = 0  # how many builds there were: the pages served carry it (reload_tags)

    def rebuild(self, say, changed: list[str] | None = None) -> list[str]:
        """Build once; whatever goes wrong ends up on the error page, never out of here.

        changed: every path that changed since the last build, when the watcher knows them.
        Returns the URL paths whose open pages must reload: those the build wrote or removed,
        or ["*"] for every page (the error page came or went, 网站地址 in site.yml changed).
        """
        started = time.monotonic()
        self.build += 1
        archive = os.path.join(self.paths.archive_dir, "")
        # A failed build may have stopped before it looked at the archive: the next one looks.
        unchanged = self.archive_seen and changed is not None and not any(p.startswith(archive) for p in changed)
        self.archive_seen = False
        failed_before = bool(self.errors)
        # The changes a build has not yet seen: a build that fails before it lists the content
        # folder (memory.sources) leaves them for the next one.
        content = os.path.abspath(self.paths.content_dir)
        listed_before = self.memory.sources.get(content)
        self.unlisted.update(changed or ())
        try:
            counts = pipeline.build(self.paths, archive_unchanged=unchanged, memory=self.memory,
                                    changed=None if changed is None else sorted(self.unlisted))
        except Exception as exc:
            failure = failure_of(exc, self.paths.content_dir)
            if failure is None:  # a dwgk bug: keep serving, show it, keep the traceback
                traceback.print_exc()
            errors = list(failure.lines if failure else bug_lines(exc))
        else:
            errors = []
            self.archive_seen = True
            seconds = time.monotonic() - started
            say(f"生成完成：写入 {counts['written']} 个文件，删除 {counts['removed']} 个，"
                f"用时 {seconds:.2f} 秒。")
            for note in counts["notes"]:  # habits forgiven in the files just read
                say(note)
        if self.memory.sources.get(content) is not listed_before:
            self.unlisted.clear()
        self.errors = tuple(errors)
        if errors:
            for line in errors:
                say(line, err=True)
            say(f"共 {len(errors)} 处错误，浏览器中显示错误页；改正后保存，页面会自动恢复。", err=True)
        prefix = read_url_prefix(self.paths.content_dir)
        moved = prefix is not None and prefix != self.prefix
        if moved:
            self.prefix = prefix
        if errors or failed_before or moved or len(counts["changed"]) > MAX_RELOAD_PATHS:
            return ["*"]
        return [self.prefix + out_path for out_path in counts["changed"]]


class INotify:
    """Linux inotify through libc: says at once that something in a watched folder changed, so
    that a large tree need not be scanned over and over. None where it is not available."""

    IN_MODIFY, IN_ATTRIB, IN_CLOSE_WRITE = 0x2, 0x4, 0x8
    IN_MOVED_FROM, IN_MOVED_TO, IN_CREATE, IN_DELETE = 0x40, 0x80, 0x100, 0x200
    IN_DELETE_SELF, IN_MOVE_SELF, IN_Q_OVERFLOW, IN_IGNORED = 0x400, 0x800, 0x4000, 0x8000
    MASK = (IN_MODIFY | IN_ATTRIB | IN_CLOSE_WRITE | IN_MOVED_FROM | IN_MOVED_TO | IN_CREATE
            | IN_DELETE | IN_DELETE_SELF | IN_MOVE_SELF)
    _EVENT = struct.Struct("iIII")  # wd, mask, cookie, len; then the name, NUL-padded

    def __init__(self, libc, fd: int):
        self.libc, self.fd = libc, fd
        self.folders: dict[int, str] = {}  # watch descriptor -> the folder it watches

    @classmethod
    def open(cls) -> INotify | None:
        if not sys.platform.startswith("linux"):
            return None
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.inotify_add_watch.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_uint32)
            fd = libc.inotify_init1(os.O_NONBLOCK | os.O_CLOEXEC)
        except (OSError, AttributeError):
            return None
        return cls(libc, fd) if fd >= 0 else None

    def add_watch(self, folder: str) -> bool:
        """Watch one folder (not below it); adding it again is harmless."""
        wd = self.libc.inotify_add_watch(self.fd, os.fsencode(folder), self.MASK)
        if wd >= 0:
            self.folders[wd] = folder
        return wd >= 0

    def read_events(self) -> list[tuple[str | None, str]]:
        """(folder, name) of each entry that changed since the last call, name "" for the folder
        itself; folder None when it is not known (the queue overflowed and events were lost)."""
        events = []
        while True:
            try:
                data = os.read(self.fd, 65536)
            except OSError:  # BlockingIOError: nothing more to read
                return events
            pos = 0
            while pos + self._EVENT.size <= len(data):
                wd, mask, _cookie, length = self._EVENT.unpack_from(data, pos)
                pos += self._EVENT.size
                name = data[pos : pos + length].split(b"\0", 1)[0]
                pos += length
                if mask & self.IN_Q_OVERFLOW:
                    events.append((None, ""))
                elif mask & self.IN_IGNORED:  # the watch is gone with its folder
                    self.folders.pop(wd, None)
                else:
                    events.append((self.folders.get(wd), os.fsdecode(name)))

    def pending(self) -> bool:
        return bool(select.select([self.fd], [], [], 0)[0])


class SiteWatcher:
    """Calls on_change with the changed paths once a save, or a burst of changes, is over.

    A scan (scan_sources) decides what changed. Inotify, where there is one, says when to scan and
    where: only the folders it named are scanned again (a yearly archive adds 14,000 files at
    10,000 issues; scanning everything took 0.15 s a save), and the whole tree now and then, as
    a safety net. Without it the folders are scanned every POLL_SECONDS, less often when that is
    costly.

    A save is rebuilt as soon as it has settled (SETTLE_SECONDS without a change); once changes
    have reached BURST_FILES files, the burst must be quiet for QUIET_SECONDS instead.
    """

    def __init__(self, folders: list[str], on_change, notify: INotify | None):
        self.folders = folders
        self.on_change = on_change  # called with the changed paths, runs the build
        self.notify = notify
        self.built, scanned = scan_sources(folders)  # what the last build saw
        self.seen = self.built  # what the last scan saw
        self.last_change = 0.0  # monotonic time a change was last noticed
        self.touched: set[str] = set()  # files changed since the last build, as far as known
        self.interval = POLL_SECONDS
        self.loop = self.timer = None
        self.dirty: set[str] | None = set()  # folders inotify named since the last scan; None: scan all
        self._watch_folders(scanned)

    def _watch_folders(self, folders: list[str]) -> None:
        if self.notify and not all(self.notify.add_watch(f) for f in folders):
            if self.loop is not None:  # its events would wake the loop again and again
                self.loop.remove_handler(self.notify.fd)
            self.notify = None  # out of inotify watches: scan on a timer instead

    def start(self) -> None:
        self.loop = ioloop.IOLoop.current()
        if self.notify:
            self.loop.add_handler(self.notify.fd, self._on_events, ioloop.IOLoop.READ)
        self._schedule(self.interval)

    def _schedule(self, delay: float) -> None:
        if self.timer is not None:
            self.loop.remove_timeout(self.timer)
        self.timer = self.loop.call_later(delay, self._tick)

    def _tick(self) -> None:
        self.timer = None
        try:
            changed = self.examine()
            if changed:
                self.on_change(changed)
        finally:
            if self.timer is None:
                self._schedule(self.interval)

    def _settle(self) -> float:
        """How long the changes seen so far must be quiet before they are rebuilt."""
        return QUIET_SECONDS if len(self.touched) >= BURST_FILES else SETTLE_SECONDS

    def _on_events(self, fd=None, events=None) -> None:
        if not self.notify:
            return
        changed = False
        for folder, name in self.notify.read_events():
            if folder is None:
                self.dirty = None  # events were lost: scan everything
                self.touched.add("")
            elif name and is_ignored_name(name):
                continue  # an editor's temporary file
            else:
                if self.dirty is not None:
                    self.dirty.add(folder)
                self.touched.add(os.path.join(folder, name) if name else folder)
            changed = True
        if changed:
            self.last_change = time.monotonic()
            self._schedule(self._settle())

    def _scan(self) -> tuple[FileStats, float]:
        """Scan what inotify named, or everything (the safety net, or without inotify); and what
        the scan cost."""
        started = time.monotonic()
        if self.notify and self.dirty:
            now = dict(self.seen)
            for folder in sorted(self.dirty):  # again, with everything below it
                below = folder + os.sep
                if any(folder.startswith(other + os.sep) for other in self.dirty):
                    continue  # scanned with a folder it is in
                for path in [p for p in now if p.startswith(below)]:
                    del now[path]
                found, scanned_folders = scan_sources([folder])
                now.update(found)
                self._watch_folders(scanned_folders)
            self.dirty = set()
            return now, time.monotonic() - started
        now, scanned_folders = scan_sources(self.folders)
        self.dirty = set()
        self._watch_folders(scanned_folders)
        # Scanning must never eat the machine: a big tree is scanned less often. With inotify
        # the timed scan is only a safety net.
        cost = time.monotonic() - started
        self.interval = max(2.0, 20 * cost) if self.notify else max(POLL_SECONDS, 3 * cost)
        return now, cost

    def examine(self) -> list[str] | None:
        """The paths changed since the last build once the change has settled; else None, with
        the next look scheduled."""
        wait = self._settle() - (time.monotonic() - self.last_change)
        if self.touched and wait > 0:
            self._schedule(wait)  # the save, or the burst, may go on
            return None
        now, cost = self._scan()
        if self.notify and self.notify.pending():
            self._on_events()  # changes arrived during the scan: they go on
            return None
        if now != self.seen and not self.notify:  # the scan alone sees a change start and go on
            self.touched.update(changed_paths(self.seen, now))
            self.last_change = time.monotonic()
            self.seen = now
            self._schedule(max(self._settle(), 3 * cost))
            return None
        self.seen = now
        if now == self.built:
            self.touched = set()
            return None
        changed = changed_paths(self.built, now)
        self.built = now
        self.touched = set()
        return changed


class PreviewHandler(StaticFileHandler):
    """The preview folder under the site's URL path; the error page while the build fails."""

    def initialize(self, preview: Preview):
        self.preview = preview
        super().initialize(path=os.path.abspath(preview.paths.output_dir), default_filename="index.html")

    def set_default_headers(self):
        self.set_header("Cache-Control", "no-store")

    async def get(self, path: str, include_body: bool = True):
        if "\x00" in path:  # "%00" names no file; the file system would refuse it with an exception
            raise web.HTTPError(400)
        url, prefix = "/" + path, self.preview.prefix
        if not url.startswith(prefix):
            if url in ("/", prefix.rstrip("/")):
                self.redirect(prefix)
                return
            raise web.HTTPError(404)
        rel = url[len(prefix) :]
        if self.preview.errors and not self._is_asset(rel):
            self.set_status(500)
            self.set_header("Content-Type", "text/html; charset=utf-8")
            page = with_reload_script(render_error_page(list(self.preview.errors)).encode("utf-8"), self.preview.build)
            self.finish(page if include_body else None)
            return
        await super().get(rel, include_body)

    def _is_asset(self, rel: str) -> bool:
        """A file of the last good build other than a page: stylesheet, ledger, attachment."""
        target = os.path.join(self.root, rel)
        return os.path.isfile(target) and not is_page(rel)

    def write_error(self, status_code: int, **kwargs):
        page = os.path.join(self.root, "404.html")
        if status_code == 404 and os.path.isfile(page):  # the site's own, as in production
            with open(page, "rb") as f:
                data = f.read()
        else:
            data = (f'<!DOCTYPE html>\n<html lang="zh-CN">\n<head>\n<meta charset="utf-8">\n'
                    f"<title>出错了（{status_code}）</title>\n</head>\n<body>\n"
                    f"<h1>出错了（{status_code}）</h1>\n</body>\n</html>\n").encode("utf-8")
        self.set_header("Content-Type", "text/html; charset=utf-8")
        self.finish(with_reload_script(data, self.preview.build))

    def compute_etag(self):
        return None  # nothing is cached (Cache-Control: no-store), and get_content is an instance's

    def get_content(self, abspath, start=None, end=None):  # pages carry the number of the build
        if is_page(abspath):
            return self._page(abspath)[start:end]
        return StaticFileHandler.get_content(abspath, start, end)

    def get_content_size(self):
        if is_page(self.absolute_path):
            return len(self._page(self.absolute_path))
        return super().get_content_size()

    def get_content_type(self):
        if is_page(self.absolute_path):
            return "text/html; charset=utf-8"
        return super().get_content_type()

    def _page(self, abspath: str) -> bytes:
        with open(abspath, "rb") as f:
            return with_reload_script(f.read(), self.preview.build)


class ReloadSocket(LiveReloadHandler):
    """livereload's WebSocket handler (hello, info, then reload messages), for pages of this
    server only: a page from elsewhere learns nothing of what the editor is changing."""

    def initialize(self, preview: Preview):
        self.preview = preview

    def check_origin(self, origin):
        return websocket.WebSocketHandler.check_origin(self, origin)

    def on_message(self, message):
        super().on_message(message)
        try:
            m = json.loads(message)
        except ValueError:
            return
        if isinstance(m, dict) and m.get("command") == "info" and isinstance(m.get("build"), str) \
                and m["build"] != str(self.preview.build):
            # Served before the last rebuild, which it was not yet connected to hear of.
            self.write_message(reload_message("*"))


def reload_message(path: str) -> str:
    """livereload's message that the URL path changed ("*": every page)."""
    return json.dumps({"command": "reload", "path": path, "liveCSS": False, "liveImg": False})


def reload_pages(paths: list[str]) -> None:
    """Tell every open page which URL paths changed; each updates if it shows one, reloads if it uses one."""
    messages = [reload_message(p) for p in paths]
    for waiter in list(ReloadSocket.waiters):
        try:
            for message in messages:
                waiter.write_message(message)
        except websocket.WebSocketClosedError:
            ReloadSocket.waiters.discard(waiter)


def make_app(preview: Preview) -> web.Application:
    return web.Application([(SOCKET_PATH, ReloadSocket, {"preview": preview}),
                            (r"/(.*)", PreviewHandler, {"preview": preview})])


# --------------------------------------------------------------------------- #
# The command
# --------------------------------------------------------------------------- #


def say(line: str, err: bool = False) -> None:
    print(line, file=sys.stderr if err else sys.stdout, flush=True)


def check_preview_output(paths: pipeline.Paths) -> None:
    """Refuse an output folder a preview must not write to (raises UsageError)."""
    try:
        pipeline.check_paths(paths)
    except UsageError as exc:
        raise UsageError(f"{exc}（预览会把自己的输出当成改动，无休止地重新生成）") from None
    if os.path.realpath(paths.output_dir) == os.path.realpath(PUBLISH_OUTPUT):
        raise UsageError(f"预览不能生成到 {PUBLISH_OUTPUT}（正式网站的输出文件夹，可能正在发布）；"
                         "请换一个输出文件夹，或去掉 --output 使用默认的预览文件夹")


def quiet_libraries() -> None:
    """livereload and tornado log in English for developers; the editor reads our lines only."""
    logging.getLogger("livereload").disabled = True
    logging.getLogger("tornado.access").disabled = True
    logging.getLogger("tornado.general").setLevel(logging.ERROR)


def listen(app: web.Application, host: str, port: int) -> None:
    try:
        app.listen(port, address=host)
    except OSError as exc:
        if exc.errno == errno.EADDRINUSE:
            other = port + 1 if port < 65535 else 8000
            raise UsageError(f"端口 {port} 已被占用（也许已经有一个预览在运行）；"
                             f"请先停止它，或换一个端口，如 --port {other}") from None
        if exc.errno == errno.EADDRNOTAVAIL:
            raise UsageError(f"本机没有地址 {host}；--host 应是本机的地址，如 127.0.0.1") from None
        raise UsageError(f"无法在 {host} 的 {port} 端口上监听：{exc.strerror or exc}") from None


def serve(paths: pipeline.Paths, host: str, port: int) -> int:
    """Run the preview until Ctrl-C; raises UsageError before serving anything if it cannot."""
    check_preview_output(paths)
    quiet_libraries()

    def stop(signum, frame):
        raise KeyboardInterrupt

    # Ctrl-C and kill both end it the same clean way, even when started from a script that
    # runs it in the background (such a shell makes it ignore SIGINT, leaving it behind).
    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    try:
        preview = Preview(paths, prefix=read_url_prefix(paths.content_dir) or "/")

        def on_change(changed):
            say(describe_change(changed))
            prefix = preview.prefix
            reload_pages(preview.rebuild(say, changed))
            if preview.prefix != prefix:
                say(f"网站地址已改变，预览地址改为：{preview_url(host, port, preview.prefix)}")

        watched = [paths.content_dir, paths.layouts_dir, paths.archive_dir]  # never the output
        watcher = SiteWatcher(watched, on_change, INotify.open())
        warning = host_warning(host)
        if warning:
            say(warning, err=True)
        listen(make_app(preview), host, port)
        say(f"正在生成预览到 {paths.output_dir} ……")
        preview.rebuild(say)
        # The first build may have rendered in worker processes: what a save renders here is
        # loaded now, not on the first save.
        for module in ("render", "search"):
            importlib.import_module(f"{__package__}.{module}")
        say(f"预览地址：{preview_url(host, port, preview.prefix)}")
        say("在浏览器中打开上面的地址。保存内容或模板文件后，页面会自动刷新；按 Ctrl+C 停止预览。")
        watcher.start()
        loop = ioloop.IOLoop.current()
        # From here a signal only asks the loop to stop: raised as KeyboardInterrupt inside the
        # running loop it could land in a callback that swallows it, leaving the server running.
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.asyncio_loop.add_signal_handler(signum, loop.stop)
        loop.start()
        say("预览已停止。")
    except KeyboardInterrupt:
        say("预览已停止。")
    return 0
