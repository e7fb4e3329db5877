"""Real-tool test helpers and fixtures for dwgk.

Loaded as a pytest plugin from ``tests/conftest.py`` (``pytest_plugins =
["tests.tools"]``), so every test gets these fixtures:

* ``browser``  (session) -- Playwright Chromium: Debian's /usr/bin/chromium
* ``page``     (function) -- a fresh browser context + page per test, zh-CN
* ``nginx``    (function) -- factory: ``base = nginx(root_dir, "/dwgk/")``
                             serves ``root_dir`` at that prefix; stopped after
                             the test

and these plain helpers (``from tests.tools import ...``):

* ``validate_html(paths) -> list[str]``   Nu HTML Checker, one JVM per call
* ``run_axe(page) -> list[dict]``         axe-core WCAG 2.1 A/AA violations
* ``format_axe(violations) -> str``       readable text for assert messages
* ``nginx_server(root_dir, url_prefix)``  context manager yielding the base URL
* ``free_port() -> int``
* ``record_requests(page) -> RequestLog`` every request URL the page makes
* ``platform_fonts(page, selector)``      fonts Chromium really used for a node

A missing tool is a test FAILURE with a message naming it, never a skip:
``bash tests/run.sh`` installs all of them.
"""

from __future__ import annotations

import contextlib
import ipaddress
import json
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
import urllib.parse
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
TESTS_DIR = REPO_ROOT / "tests"
NODE_MODULES = TESTS_DIR / "node_modules"
VNU_JAR = NODE_MODULES / "vnu-jar" / "build" / "dist" / "vnu.jar"
AXE_JS = NODE_MODULES / "axe-core" / "axe.min.js"
CHROMIUM = Path(os.environ.get("DWGK_CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    # Safety net: this machine may only talk to loopback. Every host name
    # except localhost resolves to nothing, so a stray CDN link in a page can
    # never produce outside traffic (record_requests also aborts such requests).
    "--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1",
]
AXE_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")

_HOW_TO_FIX = "run the suite with `bash tests/run.sh`, which installs every test tool"


def _missing(what: str) -> None:
    pytest.fail(f"required test tool missing: {what} -- {_HOW_TO_FIX}", pytrace=False)


# --------------------------------------------------------------------------- #
# Chromium via Playwright
# --------------------------------------------------------------------------- #


@pytest.fixture(scope="session")
def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - depends on the venv
        _missing(f"python package playwright ({exc})")
    pw = sync_playwright().start()
    try:
        yield pw
    finally:
        pw.stop()


@pytest.fixture(scope="session")
def browser(_playwright):
    """One headless Debian Chromium for the whole session."""
    if not (CHROMIUM.is_file() and os.access(CHROMIUM, os.X_OK)):
        _missing(f"{CHROMIUM} (Debian package chromium)")
    try:
        b = _playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
    except Exception as exc:
        pytest.fail(f"could not launch {CHROMIUM} through Playwright: {exc}", pytrace=False)
    try:
        yield b
    finally:
        b.close()


@pytest.fixture
def page(browser):
    """A new browser context and page for each test, closed afterwards."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    context.set_default_timeout(15_000)
    try:
        yield context.new_page()
    finally:
        context.close()


# --------------------------------------------------------------------------- #
# Nu HTML Checker (vnu.jar)
# --------------------------------------------------------------------------- #


def _java() -> str:
    java = shutil.which("java")
    if not java:
        _missing("java (a JRE >= 11, Debian package default-jre-headless)")
    return java


def _expand_html(paths: Iterable[os.PathLike | str]) -> tuple[list[Path], list[str]]:
    """Files to check, plus errors for paths that give nothing to check (vnu
    itself silently ignores a missing file)."""
    files: list[Path] = []
    problems: list[str] = []
    for p in paths:
        p = Path(p)
        if p.is_dir():
            found = sorted(q for q in p.rglob("*") if q.suffix in (".html", ".htm") and q.is_file())
            if not found:
                problems.append(f"{p}: no .html files in this directory")
            files.extend(found)
        elif p.is_file():
            files.append(p)
        else:
            problems.append(f"{p}: file not found")
    return files, problems


def validate_html(paths: Iterable[os.PathLike | str] | os.PathLike | str, *, timeout: float = 600) -> list[str]:
    """Validate HTML files (or every *.html under given directories) with the
    Nu HTML Checker in ONE JVM and return its errors as
    ``"<path>:<line>:<col>: <message>"`` strings ([] means valid).

    Only errors count (``--errors-only``); a missing file, or a directory
    without any .html file, is reported as an error too. Fails the test
    (pytest.fail) if java or the jar is missing.
    """
    if isinstance(paths, (str, os.PathLike)):
        paths = [paths]
    paths = list(paths)
    if not paths:
        return []
    files, errors = _expand_html(paths)
    if not files:
        return errors
    java = _java()
    if not VNU_JAR.is_file():
        _missing(f"{VNU_JAR} (npm ci --ignore-scripts in tests/)")
    by_url = {f.resolve().as_uri(): f for f in files}
    for start in range(0, len(files), 1000):  # stay far below ARG_MAX
        chunk = files[start : start + 1000]
        # C1-only JIT starts ~40% faster on small sites; it needs a bigger
        # thread stack than vnu's documented minimum (512k) to avoid
        # "StackOverflowError while evaluating HTML schema".
        cmd = [java, "-Xss16m", "-XX:TieredStopAtLevel=1", "-jar", str(VNU_JAR), "--format", "json", "--errors-only",
               "--exit-zero-always", *(str(f) for f in chunk)]
        proc = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
        # vnu writes its JSON to stderr; skip anything the JVM printed before
        # it (e.g. "Picked up JAVA_TOOL_OPTIONS").
        raw = proc.stderr if '"messages"' in proc.stderr else proc.stdout
        raw = raw[raw.find('{"'):] if '{"' in raw else ""
        try:
            report = json.loads(raw)
        except json.JSONDecodeError:
            pytest.fail(f"vnu.jar gave no JSON (exit {proc.returncode}):\n{proc.stdout}\n{proc.stderr}",
                        pytrace=False)
        for m in report.get("messages", []):
            if m.get("type") == "info":
                continue
            url = m.get("url", "")
            where = by_url.get(url)
            if where is None and url.startswith("file:"):
                where = Path(urllib.parse.unquote(urllib.parse.urlparse(url).path))
            loc = str(where or url or "?")
            line = m.get("lastLine", m.get("firstLine"))
            col = m.get("firstColumn", m.get("lastColumn"))
            if line is not None:
                loc += f":{line}"
                if col is not None:
                    loc += f":{col}"
            kind = m.get("type", "error")
            prefix = "" if kind == "error" else f"[{kind}] "
            errors.append(f"{loc}: {prefix}{m.get('message', '').strip()}")
    return errors


# --------------------------------------------------------------------------- #
# axe-core
# --------------------------------------------------------------------------- #


def _axe_source() -> str:
    if not AXE_JS.is_file():
        _missing(f"{AXE_JS} (npm ci --ignore-scripts in tests/)")
    return AXE_JS.read_text(encoding="utf-8")


def run_axe(page, *, tags: Iterable[str] = AXE_TAGS, context: str | None = None,
            options: dict | None = None) -> list[dict]:
    """Run axe-core on the page's current document and return its violations.

    axe is injected with ``page.evaluate`` (DevTools protocol), so it works on
    pages whose Content-Security-Policy forbids inline or foreign scripts.
    ``context`` is an optional CSS selector to limit the check to.
    """
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate("(src) => { (0, eval)(src); }", _axe_source())
        if not page.evaluate("() => typeof window.axe === 'object'"):
            pytest.fail("axe-core did not load into the page", pytrace=False)
    opts = {"runOnly": {"type": "tag", "values": list(tags)}, "resultTypes": ["violations"]}
    if options:
        opts.update(options)
    return page.evaluate(
        """async ([ctx, opts]) => {
            const r = await axe.run(ctx === null ? document : ctx, opts);
            return r.violations;
        }""",
        [context, opts],
    )


def format_axe(violations: list[dict]) -> str:
    """Human-readable summary of ``run_axe`` output for assertion messages."""
    out = []
    for v in violations:
        out.append(f"[{v.get('impact')}] {v['id']}: {v.get('help')} ({v.get('helpUrl')})")
        for n in v.get("nodes", [])[:10]:
            out.append(f"    {' '.join(map(str, n.get('target', [])))}: {n.get('html', '')[:200]}")
    return "\n".join(out)


# --------------------------------------------------------------------------- #
# nginx
# --------------------------------------------------------------------------- #


def free_port() -> int:
    """A TCP port on 127.0.0.1 that was free a moment ago."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _nginx_binary() -> str:
    found = shutil.which("nginx") or ("/usr/sbin/nginx" if os.access("/usr/sbin/nginx", os.X_OK) else None)
    if not found:
        _missing("nginx (Debian package nginx)")
    return found


_MIME_FALLBACK = """
    types {
        text/html html htm; text/css css; application/javascript js mjs;
        application/json json; application/xml xml; application/rss+xml rss;
        application/atom+xml atom; text/plain txt; image/svg+xml svg svgz;
        image/png png; image/jpeg jpeg jpg; image/gif gif; image/webp webp;
        image/x-icon ico; font/woff woff; font/woff2 woff2; application/pdf pdf;
        application/manifest+json webmanifest;
    }
"""


def _q(p: os.PathLike | str) -> str:
    s = str(p)
    if '"' in s or "\\" in s:
        raise ValueError(f"path not usable in nginx.conf: {s!r}")
    return f'"{s}"'


class ServedURL(str):
    """The base URL (``http://127.0.0.1:PORT/dwgk/``) -- a str -- with
    ``pid``, ``port``, ``origin``, ``conf_dir``, ``error_log`` and
    ``access_log`` attributes."""

    pid: int
    port: int
    origin: str
    conf_dir: Path
    error_log: Path
    access_log: Path


def _write_conf(tmp: Path, root: Path, prefix: str, port: int, charset: str | None,
                error_page: str | None = None) -> Path:
    mime = '    include "/etc/nginx/mime.types";' if Path("/etc/nginx/mime.types").is_file() else _MIME_FALLBACK
    for d in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"):
        (tmp / d).mkdir(exist_ok=True)
    if prefix == "/":
        loc = f"    location / {{ root {_q(root)}; index index.html; }}"
    else:
        loc = (f"    location = {prefix.rstrip('/')} {{ return 301 {prefix}; }}\n"
               f"    location {prefix} {{ alias {_q(str(root) + '/')}; index index.html; }}\n"
               f"    location / {{ return 404; }}")
    user = "user root;\n" if os.geteuid() == 0 else ""
    conf = f"""{user}worker_processes 1;
daemon off;
master_process on;
pid {_q(tmp / 'nginx.pid')};
error_log {_q(tmp / 'error.log')} info;
events {{ worker_connections 256; }}
http {{
{mime}
    default_type application/octet-stream;
    {'charset ' + charset + ';' if charset else ''}
    access_log {_q(tmp / 'access.log')};
    client_body_temp_path {_q(tmp / 'client_body')};
    proxy_temp_path {_q(tmp / 'proxy')};
    fastcgi_temp_path {_q(tmp / 'fastcgi')};
    uwsgi_temp_path {_q(tmp / 'uwsgi')};
    scgi_temp_path {_q(tmp / 'scgi')};
    sendfile on;
    absolute_redirect off;
    server_tokens off;
    server {{
        listen 127.0.0.1:{port};
        server_name localhost;
{f"        error_page 404 {error_page};" if error_page else ""}
{loc}
    }}
}}
"""
    path = tmp / "nginx.conf"
    path.write_text(conf, encoding="utf-8")
    return path


def _stop(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(proc.pid, signal.SIGTERM)  # nginx: fast shutdown
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass
    # The master was started in its own session (pgid == its pid): make sure
    # no worker of ours outlives it.
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(proc.pid, signal.SIGKILL)
    with contextlib.suppress(subprocess.TimeoutExpired):
        proc.wait(timeout=5)


@contextlib.contextmanager
def nginx_server(root_dir: os.PathLike | str, url_prefix: str = "/dwgk/", *,
                 charset: str | None = None, error_page: str | None = None,
                 startup_timeout: float = 10.0) -> Iterator[ServedURL]:
    """Serve ``root_dir`` at ``url_prefix`` with a private nginx on 127.0.0.1.

    Yields the base URL (e.g. ``http://127.0.0.1:41234/dwgk/``) as a
    :class:`ServedURL`. Everything nginx writes (pid, logs, temp files) lives
    in its own temp dir. Paths outside ``url_prefix`` answer 404 (with the
    page at the URI ``error_page``, when given, as a site administrator
    would configure it). No charset is added to Content-Type unless
    ``charset`` is given, so pages must declare their own. The nginx process
    is stopped by PID on exit.
    """
    root = Path(root_dir).resolve()
    if not root.is_dir():
        raise FileNotFoundError(f"nginx_server: root_dir {root} is not a directory")
    prefix = "/" + url_prefix.strip("/") + "/" if url_prefix.strip("/") else "/"
    nginx = _nginx_binary()
    tmp = Path(tempfile.mkdtemp(prefix="dwgk-nginx-"))
    proc = None
    try:
        last_err = ""
        for _attempt in range(5):  # retry if another process grabbed the port
            port = free_port()
            conf = _write_conf(tmp, root, prefix, port, charset, error_page)
            err_path = tmp / "stderr.log"
            with open(err_path, "wb") as err:
                proc = subprocess.Popen(
                    [nginx, "-p", str(tmp) + "/", "-c", str(conf), "-e", str(tmp / "error.log")],
                    stdin=subprocess.DEVNULL, stdout=err, stderr=err, start_new_session=True,
                )
            deadline = time.monotonic() + startup_timeout
            up = False
            while time.monotonic() < deadline and proc.poll() is None:
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
                    s.settimeout(0.5)
                    if s.connect_ex(("127.0.0.1", port)) == 0:
                        up = True
                        break
                time.sleep(0.05)
            if up:
                break
            _stop(proc)
            last_err = err_path.read_text(errors="replace")
            log = tmp / "error.log"
            if log.exists():
                last_err += log.read_text(errors="replace")[-4000:]
            proc = None
            if "Address already in use" not in last_err:
                break
        if proc is None:
            raise RuntimeError(f"nginx did not start:\n{last_err}")
        url = ServedURL(f"http://127.0.0.1:{port}{prefix}")
        url.pid = proc.pid
        url.port = port
        url.origin = f"http://127.0.0.1:{port}"
        url.conf_dir = tmp
        url.error_log = tmp / "error.log"
        url.access_log = tmp / "access.log"
        yield url
    finally:
        if proc is not None:
            _stop(proc)
        shutil.rmtree(tmp, ignore_errors=True)


@pytest.fixture
def nginx():
    """Factory fixture: ``base = nginx(root_dir, url_prefix="/dwgk/")``.
    Every server started through it is stopped when the test ends."""
    with contextlib.ExitStack() as stack:
        def start(root_dir, url_prefix: str = "/dwgk/", **kw) -> ServedURL:
            return stack.enter_context(nginx_server(root_dir, url_prefix, **kw))
        yield start


# --------------------------------------------------------------------------- #
# Network requests and fonts
# --------------------------------------------------------------------------- #

_LOCAL_SCHEMES = {"data", "blob", "about", "javascript", "chrome-error", "chrome"}


def _origin(url: str) -> str:
    s = urllib.parse.urlsplit(url)
    try:
        port = s.port
    except ValueError:
        port = None
    port = port or {"http": 80, "https": 443, "ws": 80, "wss": 443}.get(s.scheme)
    return f"{s.scheme}://{(s.hostname or '').lower()}:{port}"


def _is_loopback(url: str) -> bool:
    host = (urllib.parse.urlsplit(url).hostname or "").lower()
    if host == "localhost" or host == "::1":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


@dataclass
class RequestLog:
    """Every request URL (and WebSocket URL) a page's browser context made,
    in order. ``blocked`` holds the ones aborted for leaving loopback."""

    urls: list[str] = field(default_factory=list)
    blocked: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def __iter__(self):
        return iter(self.urls)

    def __len__(self):
        return len(self.urls)

    def network(self) -> list[str]:
        """URLs that really address a server (not data:, blob:, about:...)."""
        return [u for u in self.urls if urllib.parse.urlsplit(u).scheme not in _LOCAL_SCHEMES]

    def foreign(self, *allowed: str) -> list[str]:
        """Network URLs whose scheme://host:port is none of ``allowed`` (base
        URLs or origins, e.g. ``served.origin``). With no argument: every URL
        that is not on a loopback host."""
        if not allowed:
            return [u for u in self.network() if not _is_loopback(u)]
        ok = {_origin(o) for o in allowed}
        return [u for u in self.network() if _origin(u) not in ok]

    def hosts(self) -> set[str]:
        return {urllib.parse.urlsplit(u).hostname or "" for u in self.network()}


def _icon_cut_short(req) -> bool:
    """The browser fetches a page's icon after the page has loaded; going on to the next page at
    once cancels that fetch. Nothing failed to load: the icon itself is checked elsewhere."""
    return req.url.endswith("/assets/favicon.png") and req.failure == "net::ERR_ABORTED"


def record_requests(page, *, block_foreign: bool = True) -> RequestLog:
    """Record every request the page's browser context makes from now on (call
    it BEFORE ``page.goto``): subresources, frames, fetch/XHR, popups,
    WebSockets. With ``block_foreign`` (default) any request to a host that is
    not loopback is aborted before it reaches the network and listed in
    ``log.blocked`` -- it still appears in ``log.urls``/``log.foreign()``.

    Typical use::

        log = record_requests(page)
        page.goto(base + "index.html")
        assert log.foreign(base.origin) == []
    """
    log = RequestLog()
    ctx = page.context
    ctx.on("request", lambda req: log.urls.append(req.url))
    ctx.on("requestfailed", lambda req: None if _icon_cut_short(req) else log.failed.append(req.url))
    page.on("websocket", lambda ws: log.urls.append(ws.url))
    if block_foreign:
        def guard(route):
            url = route.request.url
            if urllib.parse.urlsplit(url).scheme in ("http", "https") and not _is_loopback(url):
                log.blocked.append(url)
                route.abort("blockedbyclient")
            else:
                route.continue_()
        ctx.route("**/*", guard)
    return log


def platform_fonts(page, selector: str) -> list[dict]:
    """Fonts Chromium actually used to draw the text of the first element
    matching ``selector`` (DevTools ``CSS.getPlatformFontsForNode``): a list of
    ``{"familyName", "postScriptName", "isCustomFont", "glyphCount"}``."""
    cdp = page.context.new_cdp_session(page)
    try:
        cdp.send("DOM.enable")
        cdp.send("CSS.enable")
        root = cdp.send("DOM.getDocument", {"depth": -1})["root"]["nodeId"]
        node = cdp.send("DOM.querySelector", {"nodeId": root, "selector": selector})["nodeId"]
        if not node:
            raise LookupError(f"no element matches {selector!r}")
        # Chromium reports the fonts used for the node's child text nodes.
        return cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node})["fonts"]
    finally:
        cdp.detach()


# --------------------------------------------------------------------------- #
# pytest hooks
# --------------------------------------------------------------------------- #


def pytest_report_header(config):
    def ver(pkg: str) -> str:
        try:
            return json.loads((NODE_MODULES / pkg / "package.json").read_text())["version"]
        except Exception:
            return "MISSING"
    return [f"dwgk test tools: chromium={CHROMIUM} vnu-jar={ver('vnu-jar')} axe-core={ver('axe-core')} "
            f"nginx={shutil.which('nginx') or ('/usr/sbin/nginx' if os.path.exists('/usr/sbin/nginx') else 'MISSING')}"]
