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

from .frontmatter import INVISIBLE, invisible_message
from .limits import MAX_BRACKETED_CHARS, MAX_MARKDOWN_NESTING, MAX_OPEN_BRACKETS
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
    scheme = url_scheme(read)
    if image:
        if scheme or read.startswith("//"):
            return "图片只能引用本站的文件（放在通报文件夹中），不能引用其他网站或其他协议的地址"
        return None
    return scheme_problem(scheme)


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
    """Convert one Markdown body; every refused URL becomes an error at its line.

    A body beyond the limits no editor meets is not converted (Python-Markdown would take
    minutes or fail deep inside): the error names the line where it goes beyond them.
    """
    shape = shape_problem(text)
    if shape:
        errors.append(ContentError(src_path, first_line + shape[0], shape[1]))
        return ""
    plain = plain_paragraphs(text)
    if plain is not None:
        return plain
    md = _converter()
    md.reset()
    md.dwgk_min_level = min_heading
    md.dwgk_bad_urls = []  # an empty text runs no tree processor: no finding of the last text stays
    try:
        html = md.convert(text)
    except RecursionError:  # a shape shape_problem does not foresee: still the editor's message
        errors.append(ContentError(src_path, first_line, "正文的列表、引用或链接嵌套太深，无法转换；请简化这段文字的结构"))
        return ""
    for url, problem in md.dwgk_bad_urls:
        errors.append(ContentError(src_path, first_line + _line_of(text, url), f"{problem}：{url}"))
    for ref in _CHARACTER_REFERENCE.finditer(text):
        code = int(ref[2], 16) if ref[1] else int(ref[3])
        if code > 0x10FFFF or INVISIBLE.match(chr(code)) or code == 0:
            errors.append(ContentError(src_path, first_line + text.count("\n", 0, ref.start()),
                                       f"字符引用“{ref[0]}”{invisible_message(chr(min(code, 0x10FFFF)))}"))
    return html


# What makes a text more than plain paragraphs for Markdown: any ASCII character but letters,
# digits, the space, the line end and punctuation that means nothing to Markdown inside a line;
# any other blank (Markdown strips an ideographic space that opens a line); a line that opens
# with a blank, "-", "+" or a list number, or ends with a blank.
_NOT_PLAIN = re.compile(r"[^\x80-\U0010ffffA-Za-z0-9 \n,.;:?%()'\"/+-]|[^\S \n]|^[ +-]|^\d+[.)]| $",
                        re.MULTILINE)


def plain_paragraphs(text: str) -> str | None:
    """The HTML Markdown makes of a text of plain paragraphs (most issue texts are), made without
    Markdown, which takes fifty times as long; None for any other text."""
    text = text.strip("\n")
    if not text or _NOT_PLAIN.search(text):
        return None
    return "\n".join(f"<p>{p}</p>" for p in re.split(r"\n\n+", text))


_CHARACTER_REFERENCE = re.compile(r"&#(?:([xX])([0-9a-fA-F]{1,8})|([0-9]{1,10}));")
# The markers of lists and quotes that open a line, with the blanks around them.
_NESTING = re.compile(r"(?:[ \t]*(?:>|[-*+]|\d{1,9}[.)])(?=[ \t]|$))+")
_MARKER = re.compile(r">|[-*+]|\d{1,9}[.)]")
_BRACKET = re.compile(r"\\.|[\[\]]|\n[ \t]*(?=\n)")


def shape_problem(text: str) -> tuple[int, str] | None:
    """(0-based line, message) where a body goes beyond the limits of its lists and brackets."""
    for i, line in enumerate(text.split("\n")):
        prefix = _NESTING.match(line)
        if prefix:
            blanks = len(prefix[0].replace("\t", "    ")) - len(prefix[0].replace(" ", "").replace("\t", ""))
            if len(_MARKER.findall(prefix[0])) + blanks // 4 > MAX_MARKDOWN_NESTING:
                return i, f"列表或引用嵌套太深：最多 {MAX_MARKDOWN_NESTING} 层"
    open_at: list[int] = []  # where each "[" still open in this paragraph is
    bracketed = 0
    for m in _BRACKET.finditer(text + "\n\n"):
        token, at = m[0], m.start()
        if token == "[":
            if len(open_at) >= MAX_OPEN_BRACKETS:
                return text.count("\n", 0, at), (f"方括号“[”嵌套或未闭合的太多：一段文字中最多同时有 "
                                                 f"{MAX_OPEN_BRACKETS} 个“[”未闭合")
            open_at.append(at)
            continue
        if token == "]" and open_at:
            start = open_at.pop()
            bracketed += at - start
        elif token[0] == "\n":  # a blank line ends the paragraph and every "[" open in it
            start = open_at[0] if open_at else at
            bracketed += sum(at - s for s in open_at)
            open_at = []
        if bracketed > MAX_BRACKETED_CHARS:
            return text.count("\n", 0, start), ("方括号里的文字太长，或“[”没有对应的“]”：请检查此行起的方括号"
                                                 f"（正文中方括号里的文字合计最多 {MAX_BRACKETED_CHARS:,} 个字符）")
    return None


def _line_of(text: str, needle: str) -> int:
    index = text.find(needle)
    return text.count("\n", 0, index) if index >= 0 else 0


def shift_headings(html: str, by: int) -> str:
    """Move every heading of already-converted (so trusted) HTML down `by` levels, at most h6."""
    if by == 0:
        return html
    return re.sub(r"<(/?)h([1-6])\b", lambda m: f"<{m[1]}h{min(6, int(m[2]) + by)}", html)

