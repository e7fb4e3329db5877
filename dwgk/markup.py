"""Markdown to safe HTML: raw HTML in content is shown as text, and only harmless links pass.

Python-Markdown 3 has no safe mode, so the two places it lets raw HTML through (the block
preprocessor and the inline pattern) are removed, and a tree processor checks every URL.
"""

from __future__ import annotations

import html
import re
import threading

import markdown
from markdown.extensions.sane_lists import SaneListExtension
from markdown.extensions.tables import TableExtension
from markdown.treeprocessors import Treeprocessor

from .linkcheck import as_browser_reads, scheme_problem, url_scheme
from .model import ContentError

class _UrlCheck(Treeprocessor):
    """Every href and src as the page will carry it (run after Markdown's own unescaping)."""

    def run(self, root):
        self.md.dwgk_bad_urls = []
        for el in root.iter():
            for attr in ("href", "src"):
                url = el.get(attr)
                if url is None:
                    continue
                problem = url_problem(url, image=(el.tag == "img"))
                if problem:
                    self.md.dwgk_bad_urls.append((url, problem))
                    el.set(attr, "#")


def url_problem(url: str, image: bool) -> str | None:
    """Why a url of the editor's Markdown may not reach the page, in Chinese; None if it may.

    Markdown writes character references into the attribute as they are ("javascript&#58;…"),
    so the url is judged after decoding them, as the browser reads it. Images must be files of
    the site itself, so that no page loads anything from other hosts.
    """
    read = as_browser_reads(html.unescape(url))
    if image:
        if url_scheme(read) or read.startswith("//"):
            return "图片只能引用本站的文件（放在通报文件夹中），不能引用其他网站或其他协议的地址"
        return None
    return scheme_problem(read)


class _DemoteHeadings(Treeprocessor):
    """A heading written in content never outranks the page's own: levels start at min_level."""

    def run(self, root):
        shift = None
        for el in root.iter():
            if re.fullmatch(r"h[1-6]", el.tag):
                level = int(el.tag[1])
                if shift is None:
                    shift = max(0, self.md.dwgk_min_level - level)
                el.tag = f"h{min(6, level + shift)}"


_local = threading.local()


def _converter() -> markdown.Markdown:
    md = getattr(_local, "md", None)
    if md is None:
        # Instances, not names: a name is looked up among every installed package's entry points.
        md = markdown.Markdown(extensions=[TableExtension(), SaneListExtension()], output_format="html")
        md.preprocessors.deregister("html_block")
        md.inlinePatterns.deregister("html")
        md.treeprocessors.register(_UrlCheck(md), "dwgk_urls", -1)  # after "unescape" (0)
        md.treeprocessors.register(_DemoteHeadings(md), "dwgk_headings", 2)
        _local.md = md
    return md


def to_html(src_path: str, text: str, first_line: int, errors: list, min_heading: int = 2) -> str:
    """Convert one Markdown body; every refused URL becomes an error at its line."""
    md = _converter()
    md.reset()
    md.dwgk_min_level = min_heading
    html = md.convert(text)
    for url, problem in md.dwgk_bad_urls:
        errors.append(ContentError(src_path, first_line + _line_of(text, url), f"{problem}：{url}"))
    return html


def _line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) if index >= 0 else 0


def shift_headings(html: str, by: int) -> str:
    """Move every heading of already-converted (so trusted) HTML down `by` levels, at most h6."""
    if by == 0:
        return html
    return re.sub(r"<(/?)h([1-6])\b", lambda m: f"<{m[1]}h{min(6, int(m[2]) + by)}", html)

