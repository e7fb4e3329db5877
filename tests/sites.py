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
