"""Reading a notice file as lines of text: .txt as it is, .docx with python-docx, a saved web page
(.html, .htm) with the standard library's html.parser. Word's numbering becomes the numbers a reader
sees, tables become Markdown table rows, bold or heading-styled paragraphs are reported as headings.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from html.parser import HTMLParser

from ..model import UsageError


class ImportRefused(Exception):
    """The import would overwrite something or found nothing to import (exit 1); message in Chinese."""

    def __init__(self, message: str, report: str = ""):
        super().__init__(message)
        self.report = report  # what was found, when the text was read at all


@dataclass(frozen=True)
class SourceText:
    text: str
    notes: tuple[str, ...] = ()  # how the file was read, for the report
    headings: frozenset = frozenset()  # 1-based lines that were headings (bold or a heading style)


SAVE_AS = ("请在 Word 或 WPS 中打开它，选“文件 → 另存为”，保存类型选“Word 文档（*.docx）”或“纯文本（*.txt，"
           "编码选 UTF-8）”，再导入另存的文件")
UNREADABLE = {
    ".doc": f"是 Word 97-2003 文档（.doc），dwgk 只能读 .docx、.html 和 .txt：{SAVE_AS}",
    ".wps": f"是 WPS 文字文档（.wps），dwgk 只能读 .docx、.html 和 .txt：{SAVE_AS}",
    ".pdf": ("是 PDF 文件，dwgk 只能读 .docx、.html 和 .txt：请找到通报的 Word 原稿另存为 .docx；没有原稿时，"
             "在 PDF 阅读器中全选复制正文，粘贴到记事本，另存为 .txt（编码选 UTF-8）后再导入"),
}
# What the first bytes say a file really is, whatever its name.
MAGIC = ((b"%PDF", ".pdf"), (b"\xd0\xcf\x11\xe0", ".doc"))


def read_bytes(path: str) -> bytes:
    try:
        with open(path, "rb") as f:
            return f.read()
    except FileNotFoundError:
        raise UsageError(f"找不到通报文件 {path}") from None
    except IsADirectoryError:
        raise UsageError(f"{path} 是文件夹，请给出通报的文本文件") from None
    except OSError as exc:
        raise UsageError(f"无法读取通报文件 {path}（{exc.strerror}）") from None


def read_notice_file(path: str) -> SourceText:
    """The notice in a .txt, .docx, .html or .htm file; a .doc, .wps or .pdf is a usage error that says
    how to save it as .docx or .txt."""
    data = read_bytes(path)
    ext = os.path.splitext(path)[1].lower()
    kind = next((k for magic, k in MAGIC if data.startswith(magic)), ext)
    if kind == ".wps" or ext == ".wps":
        kind = ".wps"
    if kind in UNREADABLE:
        raise UsageError(f"{path} {UNREADABLE[kind]}")
    if ext == ".docx" or data.startswith(b"PK\x03\x04"):
        return read_docx(path, data)
    if ext in (".html", ".htm", ".shtml", ".xhtml"):
        return read_html(path, data)
    text, note = decode_text(path, data)
    return SourceText(text, (note,) if note else ())


def decode_text(path: str, data: bytes) -> tuple[str, str | None]:
    """UTF-8 (with or without BOM), else GB18030 (Chinese Windows' Notepad), with a note saying so."""
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "文件不是 UTF-8 编码，已按 GB18030（GBK）读取"
    except UnicodeDecodeError:
        raise ImportRefused(f"{path}: 无法识别文件编码，请在编辑器中用“UTF-8”编码另存此文件") from None


def table_rows(rows: list[list[str]]) -> list[str]:
    """Rows of cells as Markdown table lines (a header rule after the first row)."""
    rows = [[re.sub(r"\s+", " ", c.replace("|", "｜")).strip() for c in row] for row in rows if any(c.strip() for c in row)]
    if not rows:
        return []
    width = max(len(r) for r in rows)
    rows = [r + [""] * (width - len(r)) for r in rows]
    lines = ["| " + " | ".join(r) + " |" for r in rows]
    return lines[:1] + ["| " + " | ".join(["---"] * width) + " |"] + lines[1:]


# ---------------------------------------------------------------------------------------------
# Word (.docx)

CN_DIGITS = "〇一二三四五六七八九"


def chinese_number(n: int) -> str:
    if n < 10:
        return CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")
    return str(n)


def format_number(n: int, fmt: str) -> str:
    if fmt in ("chineseCounting", "chineseCountingThousand", "ideographTraditional", "chineseLegalSimplified",
               "taiwaneseCountingThousand", "japaneseCounting"):
        return chinese_number(n)
    if fmt == "decimalEnclosedCircle" and 1 <= n <= 20:
        return chr(0x2460 + n - 1)
    if fmt in ("lowerLetter", "upperLetter") and 1 <= n <= 26:
        return chr((0x61 if fmt == "lowerLetter" else 0x41) + n - 1)
    if fmt == "bullet":
        return ""
    return str(n)


class Numbering:
    """Word's automatic numbering: the text of each numbered paragraph's number (“一、”, “（1）”)."""

    def __init__(self, document):
        self.levels: dict = {}  # numId -> {ilvl: (numFmt, lvlText, start)}
        self.counters: dict = {}  # abstract id -> [count per level]
        self.abstract_of: dict = {}
        try:
            root = document.part.numbering_part.element
        except (KeyError, NotImplementedError, AttributeError):
            return
        abstract = {}
        for node in root.findall(qn("w:abstractNum")):
            levels = {}
            for lvl in node.findall(qn("w:lvl")):
                fmt = lvl.find(qn("w:numFmt"))
                text = lvl.find(qn("w:lvlText"))
                start = lvl.find(qn("w:start"))
                levels[int(lvl.get(qn("w:ilvl")))] = (
                    fmt.get(qn("w:val")) if fmt is not None else "decimal",
                    text.get(qn("w:val")) if text is not None else "",
                    int(start.get(qn("w:val"))) if start is not None else 1)
            abstract[node.get(qn("w:abstractNumId"))] = levels
        for num in root.findall(qn("w:num")):
            ref = num.find(qn("w:abstractNumId"))
            if ref is not None and ref.get(qn("w:val")) in abstract:
                self.levels[num.get(qn("w:numId"))] = abstract[ref.get(qn("w:val"))]
                self.abstract_of[num.get(qn("w:numId"))] = ref.get(qn("w:val"))

    def label(self, num_id: str, ilvl: int) -> str:
        levels = self.levels.get(num_id)
        if not levels or ilvl not in levels:
            return ""
        key = self.abstract_of[num_id]
        counts = self.counters.setdefault(key, [0] * 9)
        counts[ilvl] += 1
        for deeper in range(ilvl + 1, 9):
            counts[deeper] = 0
        fmt, text, start = levels[ilvl]
        if fmt == "bullet" or fmt == "none":
            return ""

        def level(m):
            k = int(m[1]) - 1
            f, _, s = levels.get(k, ("decimal", "", 1))
            return format_number(counts[k] + s - 1, f)

        return re.sub(r"%(\d)", level, text)


def qn(tag: str) -> str:
    from docx.oxml.ns import qn as docx_qn  # noqa: PLC0415 - python-docx loads only for .docx files

    return docx_qn(tag)


def paragraph_number(paragraph) -> tuple[str, int] | None:
    """(numId, ilvl) of a numbered paragraph, directly or through its style."""
    for owner in (paragraph._p, getattr(paragraph.style, "element", None)):
        ppr = owner.find(qn("w:pPr")) if owner is not None else None
        num = ppr.find(qn("w:numPr")) if ppr is not None else None
        if num is not None:
            num_id = num.find(qn("w:numId"))
            ilvl = num.find(qn("w:ilvl"))
            if num_id is not None and num_id.get(qn("w:val")) != "0":
                return num_id.get(qn("w:val")), int(ilvl.get(qn("w:val"))) if ilvl is not None else 0
    return None


def is_heading(paragraph) -> bool:
    name = (paragraph.style.name or "") if paragraph.style is not None else ""
    if name.lower().startswith(("heading", "title")) or name.startswith("标题"):
        return True
    runs = [r for r in paragraph.runs if r.text.strip()]
    return bool(runs) and all(r.bold or (r.bold is None and paragraph.style is not None and paragraph.style.font.bold)
                              for r in runs)


def read_docx(path: str, data: bytes) -> SourceText:
    import io  # noqa: PLC0415

    try:
        import docx  # noqa: PLC0415 - a well-kept library; loaded only when a .docx is imported
        from docx.table import Table  # noqa: PLC0415
        from docx.text.paragraph import Paragraph  # noqa: PLC0415

        document = docx.Document(io.BytesIO(data))
    except ImportError:
        raise UsageError("读取 .docx 需要 python-docx：请运行 pip install python-docx，或把通报另存为 .txt 再导入") from None
    except Exception:  # a damaged or mislabelled file: python-docx raises many kinds
        raise ImportRefused(f"{path}: 无法作为 Word 文档（.docx）读取，文件可能已损坏；{SAVE_AS}") from None
    numbering = Numbering(document)
    lines: list[str] = []
    headings: set[int] = set()
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:p"):
            paragraph = Paragraph(child, document)
            text = paragraph.text.strip()
            if not text:
                continue
            number = paragraph_number(paragraph)
            if number:
                text = numbering.label(*number) + text
            for part in text.split("\n"):  # soft line breaks
                lines.append(part)
            if is_heading(paragraph) and len(text) <= 60:
                headings.add(len(lines))
        elif child.tag == qn("w:tbl"):
            table = Table(child, document)
            rows = [[cell.text for cell in _unique_cells(row)] for row in table.rows]
            lines += table_rows(rows)
    return SourceText("\n".join(lines) + "\n", ("已从 Word 文档（.docx）读取正文、编号和表格",), frozenset(headings))


def _unique_cells(row):
    """A row's cells, a merged cell once."""
    seen = []
    for cell in row.cells:
        if not any(cell._tc is s._tc for s in seen):
            seen.append(cell)
    return seen


# ---------------------------------------------------------------------------------------------
# A web page saved from a browser (.html, .htm)

BLOCK = {"p", "div", "section", "article", "main", "h1", "h2", "h3", "h4", "h5", "h6", "li", "ul", "ol", "tr",
         "table", "br", "hr", "blockquote", "pre", "dd", "dt", "dl", "header", "footer", "center", "form"}
DROP = {"script", "style", "noscript", "template", "nav", "iframe", "select", "button", "svg", "object", "head",
        "aside", "footer", "form", "textarea", "option"}
VOID = {"br", "hr", "img", "meta", "link", "input", "area", "base", "col", "embed", "source", "track", "wbr"}
# Words in a class or id that mark a portal's chrome (“top-nav”, “bdsharebuttonbox”), unless the
# same name also says it is the article (“article-header”).
CHROME_WORDS = {"nav", "navbar", "navigation", "menu", "footer", "foot", "header", "top", "share", "bdshare",
                "bdsharebuttonbox", "jiathis", "breadcrumb", "breadcrumbs", "crumb", "crumbs", "position", "location",
                "sidebar", "toolbar", "tools", "print", "copyright", "links", "related", "search", "login", "banner",
                "qrcode", "ewm", "pager", "pagination", "dh", "daohang", "bottom"}
ARTICLE_WORDS = {"article", "content", "detail", "text", "title", "main", "body", "zoom", "editor", "info", "con"}


def is_chrome(attrs: dict) -> bool:
    for token in f"{attrs.get('class') or ''} {attrs.get('id') or ''}".lower().split():
        parts = set(re.split(r"[-_\d]+", token)) | {token}
        if parts & CHROME_WORDS and not parts & ARTICLE_WORDS:
            return True
    return False
# Lines of a portal's article frame that are never the notice's text.
BOILERPLATE = re.compile(r"(?:浏览次数|阅读次数|浏览量|阅读量|点击数|点击量|访问量)\s*[：:]\s*\d*\s*次?"
                         r"|[【\[]\s*(?:打印本页|打印正文|打印|关闭窗口|关闭|返回顶部|收藏本页|加入收藏|字体|字号)[^】\]]{0,16}[】\]]"
                         r"|(?:分享到|扫一扫)[：:]?\S*|^(?:打印本页|关闭窗口|返回顶部)$")
HEADING = {"h1", "h2", "h3", "h4", "h5", "h6", "strong", "b"}


class _PageText(HTMLParser):
    """The visible text of a page in blocks, leaving out scripts, navigation and the portal's frame."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self.bold_lines: set[int] = set()
        self.current: list[str] = []
        self.stack: list[tuple[str, bool]] = []  # (tag, dropped)
        self.dropped = 0
        self.bold = 0
        self.bold_text: list[str] = []
        self.link = 0
        self.link_text: list[str] = []
        self.title = ""
        self.in_title = False
        self.table: list[list[str]] | None = None
        self.cell: list[str] | None = None
        self.cell_links: list[str] = []
        self.tables = 0

    def flush(self):
        text = re.sub(r"[ \t\r\n]+", " ", "".join(self.current)).strip()
        if text and only_links(text, "".join(self.link_text)) and len(text) <= 40:
            text = ""  # a line that is nothing but links: a menu, however it is marked up
        if text:
            self.lines.append(text)
            if "".join(self.bold_text).strip() == text:
                self.bold_lines.add(len(self.lines))
        self.current = []
        self.bold_text = []
        self.link_text = []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "title":
            self.in_title = True
        chrome = is_chrome(attrs) and tag not in ("td", "th")
        drop = tag in DROP or chrome or attrs.get("hidden") is not None or \
            "display:none" in (attrs.get("style") or "").replace(" ", "")
        if tag not in VOID:
            self.stack.append((tag, drop))
            if drop:
                self.dropped += 1
        if self.dropped:
            return
        if tag == "table" and self.table is None and self.cell is None:
            self.flush()
            self.table = []
        elif tag == "tr" and self.table is not None and self.cell is None:
            self.table.append([])
        elif tag in ("td", "th") and self.table is not None:
            self.cell = []
            self.cell_links = []
        elif tag == "br" and self.cell is not None:
            self.cell.append(" ")
        elif tag in BLOCK:
            self.flush()
        if tag in HEADING:
            self.bold += 1
        if tag == "a":
            self.link += 1

    def handle_endtag(self, tag):
        if tag == "title":
            self.in_title = False
        if not any(t == tag for t, _ in self.stack):
            return
        while self.stack:
            open_tag, drop = self.stack.pop()
            if drop:
                self.dropped -= 1
            elif not self.dropped:
                self.close_tag(open_tag)
            if open_tag == tag:
                break

    def close_tag(self, tag):
        if tag in HEADING:
            self.bold = max(0, self.bold - 1)
        if tag == "a":
            self.link = max(0, self.link - 1)
        if tag in ("td", "th") and self.cell is not None and self.table is not None:
            if self.table:
                text = "".join(self.cell)
                self.table[-1].append("" if only_links(text, "".join(self.cell_links)) else text)
            self.cell = None
        elif tag == "table" and self.table is not None:
            rows = self.table
            self.table = None
            self.emit_table(rows)
        elif tag in BLOCK:
            self.flush()

    def emit_table(self, rows):
        """A layout table (one cell a row) is text; a real table becomes Markdown rows."""
        if all(len(r) <= 1 for r in rows):
            for r in rows:
                for c in r:
                    self.current.append(c)
                    self.flush()
            return
        self.lines += table_rows(rows)

    def handle_data(self, data):
        if self.in_title:
            self.title += data
            return
        if self.dropped:
            return
        if self.cell is not None:
            self.cell.append(data)
            if self.link:
                self.cell_links.append(data)
            return
        self.current.append(data)
        if self.bold:
            self.bold_text.append(data)
        if self.link:
            self.link_text.append(data)

    def close_all(self):
        self.flush()


def only_links(text: str, linked: str) -> bool:
    """All of the text is link text (separators such as “|” aside)."""
    def bare(s):
        return re.sub(r"[\s|｜/·•]+", "", s)

    return bool(bare(text)) and bare(text) == bare(linked)


CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([\w-]+)""", re.I)


def decode_html(path: str, data: bytes) -> tuple[str, str]:
    """The page's text in the encoding its <meta charset> declares (GBK and GB2312 read as GB18030)."""
    if data.startswith(b"\xef\xbb\xbf"):
        return data[3:].decode("utf-8", "replace"), "UTF-8"
    m = CHARSET.search(data[:4096])
    declared = m[1].decode("ascii", "replace").lower() if m else "utf-8"
    codec = "gb18030" if declared in ("gbk", "gb2312", "gb18030", "x-gbk", "cp936") else declared
    try:
        return data.decode(codec), declared.upper()
    except (LookupError, UnicodeDecodeError):
        pass
    text, note = decode_text(path, data)
    return text, "GB18030" if note else "UTF-8"


def read_html(path: str, data: bytes) -> SourceText:
    html, encoding = decode_html(path, data)
    parser = _PageText()
    parser.feed(html)
    parser.close()
    parser.close_all()
    lines, bold = [], set()
    for n, line in enumerate(parser.lines, start=1):
        if len(line) <= 120:
            line = BOILERPLATE.sub("", line).strip()
        if not line:
            continue
        lines.append(line)
        if n in parser.bold_lines:
            bold.add(len(lines))
    title = re.split(r"\s*[-_|｜—]+\s*", parser.title.strip())[0] if parser.title.strip() else ""
    if title and re.search(r"(通报|公告|公示|情况|报告)$", title) and not any(title in line for line in lines[:30]):
        lines.insert(0, title)
        bold = {n + 1 for n in bold}
    return SourceText("\n".join(lines) + "\n", (f"已从网页（{encoding} 编码）取出正文，略去了网站的导航、页脚和分享等",),
                      frozenset(bold))
