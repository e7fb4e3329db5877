"""Helpers for tests that build sites: copy the example, run the command line, read trees."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "content"
SEED = REPO / "tests" / "fixtures" / "seed-notice.txt"  # the notice the example reproduces

sys.path.insert(0, str(REPO))
import build as cli  # noqa: E402  (the command line under test)


@dataclass
class Run:
    rc: int
    out: str
    err: str


def run_cli(*args: str, cwd: Path) -> Run:
    """Run `python build.py ARGS` in-process from cwd, capturing its output."""
    out, err = io.StringIO(), io.StringIO()
    old = os.getcwd()
    os.chdir(cwd)
    try:
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            try:
                rc = cli.main(list(args))
            except SystemExit as exc:  # argparse exits on usage errors
                rc = exc.code
    finally:
        os.chdir(old)
    return Run(rc, out.getvalue(), err.getvalue())


def run_subprocess(*args: str, cwd: Path) -> Run:
    """Run the real command as a user does, in a new interpreter."""
    proc = subprocess.run([sys.executable, str(REPO / "build.py"), *args], cwd=cwd,
                          capture_output=True, text=True, timeout=300)
    return Run(proc.returncode, proc.stdout, proc.stderr)


def assert_errors(result: Run, expected: list[str] | None) -> list[str]:
    """A failed build's stderr: exit status 1, the error lines (exactly `expected`, in path and
    line order, unless None), the closing count and no traceback. Returns the error lines."""
    assert result.rc == 1
    lines = result.err.splitlines()
    assert lines[-1] == f"共 {len(lines) - 1} 处错误，网站未更新。"
    if expected is not None:
        assert lines[:-1] == sorted(expected, key=_path_and_line)
    assert "Traceback" not in result.err
    return lines[:-1]


def _path_and_line(line: str):
    path, line_no, _ = line.split(":", 2)
    return path, int(line_no)


def copy_example(dest: Path) -> Path:
    """A copy of the bundled example at dest/content; returns dest."""
    shutil.copytree(EXAMPLE, dest / "content")
    return dest


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text(encoding="utf-8")
    assert text.count(old) >= 1, f"{old!r} not in {path}"
    path.write_text(text.replace(old, new, count), encoding="utf-8")


def read_tree(root: Path) -> dict[str, bytes]:
    """Every file below root, by relative path with '/'."""
    return {p.relative_to(root).as_posix(): p.read_bytes()
            for p in sorted(root.rglob("*")) if p.is_file()}


def stat_tree(root: Path) -> dict[str, tuple[bytes, int]]:
    return {p.relative_to(root).as_posix(): (p.read_bytes(), p.stat().st_mtime_ns)
            for p in sorted(root.rglob("*")) if p.is_file()}


class _Text:
    """Text content and <h1> of a page, with the stdlib parser."""

    def __init__(self, html: str):
        from html.parser import HTMLParser

        self.parts: list[str] = []
        self.h1: list[str] = []
        outer = self

        class P(HTMLParser):
            depth_h1 = 0

            def handle_starttag(self, tag, attrs):
                if tag == "h1":
                    self.depth_h1 += 1
                    outer.h1.append("")

            def handle_endtag(self, tag):
                if tag == "h1":
                    self.depth_h1 -= 1

            def handle_data(self, data):
                outer.parts.append(data)
                if self.depth_h1:
                    outer.h1[-1] += data

        P(convert_charrefs=True).feed(html)


def page_text(html: str) -> str:
    return "".join(_Text(html).parts)


def page_h1(html: str) -> list[str]:
    return [h.strip() for h in _Text(html).h1]


def links_of(html: bytes) -> list[str]:
    """Every href and src of a page, as written."""
    from html.parser import HTMLParser
    urls: list[str] = []

    class Links(HTMLParser):
        def handle_starttag(self, tag, attrs):
            urls.extend(value for name, value in attrs if name in ("href", "src") and value)

    Links().feed(html.decode("utf-8"))
    return urls


ATOM = "{http://www.w3.org/2005/Atom}"


def validate_atom(data: bytes) -> list[str]:
    """What an Atom feed (RFC 4287) lacks or gets wrong; [] for a valid feed.

    Checks the required elements of the feed (id, title, updated, author unless every entry
    has one) and of each entry (id, title, updated, an alternate link), RFC 3339 dates with a
    time zone, absolute ids, and that no two entries share an id.
    """
    import datetime as dt
    import xml.etree.ElementTree as ET

    problems = []
    root = ET.fromstring(data)
    if root.tag != ATOM + "feed":
        return [f"root element is {root.tag}, not atom:feed"]

    def date_ok(text):
        try:
            return dt.datetime.fromisoformat(text).tzinfo is not None and "T" in text
        except (TypeError, ValueError):
            return False

    def require(el, where, names):
        for name in names:
            found = el.findall(ATOM + name)
            if len(found) != 1 or not (found[0].text or "").strip():
                problems.append(f"{where}: needs exactly one non-empty atom:{name}, has {len(found)}")
        for name in ("updated", "published"):
            for d in el.findall(ATOM + name):
                if not date_ok(d.text):
                    problems.append(f"{where}: atom:{name} {d.text!r} is not an RFC 3339 date-time")
        for i in el.findall(ATOM + "id"):
            if ":" not in (i.text or ""):
                problems.append(f"{where}: atom:id {i.text!r} is not an absolute IRI")

    require(root, "feed", ("id", "title", "updated"))
    entries = root.findall(ATOM + "entry")
    feed_author = root.find(ATOM + "author/" + ATOM + "name") is not None
    ids = []
    for n, entry in enumerate(entries, 1):
        require(entry, f"entry {n}", ("id", "title", "updated"))
        ids += [i.text for i in entry.findall(ATOM + "id")]
        if not feed_author and entry.find(ATOM + "author/" + ATOM + "name") is None:
            problems.append(f"entry {n}: no atom:author, and the feed has none")
        alternates = [link for link in entry.findall(ATOM + "link") if link.get("rel", "alternate") == "alternate"]
        if entry.find(ATOM + "content") is None and len(alternates) != 1:
            problems.append(f"entry {n}: without atom:content it needs one alternate atom:link")
        for link in entry.findall(ATOM + "link"):
            if not link.get("href"):
                problems.append(f"entry {n}: atom:link without href")
    dupes = sorted({i for i in ids if ids.count(i) > 1})
    if dupes:
        problems.append(f"entry ids used twice: {dupes}")
    return problems


def sitemap_locs(data: bytes) -> list[str]:
    """The <loc> addresses of a sitemap.xml (parsed strictly as XML)."""
    import xml.etree.ElementTree as ET
    ns = "{http://www.sitemaps.org/schemas/sitemap/0.9}"
    root = ET.fromstring(data)
    assert root.tag == ns + "urlset", root.tag
    return [url.find(ns + "loc").text for url in root.findall(ns + "url")]
