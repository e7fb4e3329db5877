"""The link check: every internal link of the site must lead to a file of the site.

It reads the generated files themselves (HTML with the stdlib parser, url() in CSS, the
addresses in sitemap.xml and feed.xml), so it catches a broken link wherever it came from:
a template, the editor's Markdown, a missing attachment. Links to other sites (http:, mailto:,
tel: …) are not followed; an absolute link under the site's own base URL is checked like a
relative one. A #anchor must name an id (or <a name>) of the page it points to.
"""

from __future__ import annotations

import html
import html.parser
import os
import posixpath
import re
import urllib.parse
from dataclasses import dataclass
from html.parser import HTMLParser

from .model import OutputFile

#: The page a web server shows at whatever address was not found: its links cannot be relative
#: and start from the base URL's path instead (also in a yearly snapshot, where they lead to the
#: current site). Everywhere else such a link is an error.
ROOTED_PAGES = ("404.html",)
#: Fragments every browser understands without a matching id: the top of the page.
_TOP = {"", "top"}
_CSS_URL = re.compile(r"""url\(\s*(?:"([^"]*)"|'([^']*)'|([^)'"\s]*))\s*\)""")
_CSS_IMPORT = re.compile(r"""@import\s+(?:"([^"]*)"|'([^']*)')""")
_SCHEME = re.compile(r"^[a-zA-Z][a-zA-Z0-9+.-]*:")

#: Schemes a link may use. Any other (javascript:, data:, vbscript:, file: …) is refused wherever
#: it is found: in the editor's Markdown and, as the browser reads it, in every generated file.
LINK_SCHEMES = ("http", "https", "mailto", "tel")
_EDGE = "".join(map(chr, range(0x21)))  # C0 controls and space, which URL parsers strip at both ends


_BLANKS = re.compile(r"[\x00-\x20\x7f]")
_READ_OTHERWISE = re.compile(r"[\x00-\x20\x7f\\]")  # what as_browser_reads changes (the usual url: nothing)


def as_browser_reads(url: str) -> str:
    """url as a browser resolves it once its character references are decoded: no control characters
    or spaces at either end, no tabs or line ends anywhere, and "\\" read as "/" (as in http: URLs)."""
    if not _READ_OTHERWISE.search(url):
        return url
    return re.sub(r"[\t\n\r]", "", url.strip(_EDGE)).replace("\\", "/")


def url_scheme(url: str) -> str:
    """The scheme of a url as returned by as_browser_reads, lower case; "" for a relative url. Other
    control characters and spaces inside are left out, to err on the side of finding one."""
    m = _SCHEME.match(url)
    if m is None and _BLANKS.search(url):
        m = _SCHEME.match(_BLANKS.sub("", url))
    return m[0][:-1].lower() if m else ""


def scheme_problem(scheme: str) -> str | None:
    """Why a link may not use scheme (from url_scheme), in Chinese; None if it may."""
    if scheme and scheme not in LINK_SCHEMES:
        return f"不允许的链接协议“{scheme}:”（可用：{'、'.join(LINK_SCHEMES)}，或本站的相对地址）"
    return None


@dataclass(frozen=True, order=True)
class BrokenLink:
    """A link in out_path, at line of the generated file, that leads nowhere."""

    out_path: str
    line: int
    url: str
    message: str


@dataclass(frozen=True)
class Link:
    line: int
    url: str
    load: bool = False  # the browser fetches it with the page (an image, a style sheet), not on a click


#: <link rel=…> values that only name another address, which the browser does not fetch.
_NAVIGATION_RELS = {"alternate", "author", "bookmark", "canonical", "external", "help", "license", "next",
                    "nofollow", "noopener", "noreferrer", "prev", "related", "search", "self", "via"}


def _is_load(tag: str, attrs) -> bool:
    if tag in ("a", "area"):
        return False
    if tag == "link":
        rels = next((v for n, v in attrs if n == "rel" and v), "").lower().split()
        return not rels or not set(rels) <= _NAVIGATION_RELS
    return True


class _PageParser(HTMLParser):
    """Collects the links and the anchor names of one page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.links: list[Link] = []
        self.anchors: set[str] = set()
        self._in_loc = False

    def handle_starttag(self, tag, attrs):
        line = self.getpos()[0]
        for name, value in attrs:
            if value is None:
                continue
            if name == "id" or (name == "name" and tag == "a"):
                self.anchors.add(value)
            elif name in _URL_ATTRIBUTES:
                load = _is_load(tag, attrs) if name == "href" else name in _LOADED_ATTRIBUTES
                self.links.append(Link(line, value, load))
            elif name == "srcset":
                for candidate in value.split(","):
                    if candidate.strip():
                        self.links.append(Link(line, candidate.split()[0], True))
        self._in_loc = tag == "loc"  # sitemap.xml

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag):
        self._in_loc = False

    def handle_data(self, data):
        if self._in_loc and data.strip():
            self.links.append(Link(self.getpos()[0], data.strip()))


#: The attributes whose value is an address (srcset holds several).
_URL_ATTRIBUTES = ("href", "src", "poster", "action", "formaction", "data", "background", "cite")
_LOADED_ATTRIBUTES = ("src", "poster", "data", "background")


# The start tags of a page, found as HTMLParser finds them (its own pattern, ended by > or />).
_START_TAG = re.compile(html.parser.locatestarttagend_tolerant.pattern + r"(/?>)", re.VERBOSE)
# A start tag with an attribute that may be a link or an anchor (as attrfind_tolerant reads names).
_LINK_TAG = re.compile(r"<[a-zA-Z][^>]*?[\s'\"/](?:href|src|poster|srcset|id|name|action|formaction|data|background"
                       r"|cite)[\s/=>]", re.IGNORECASE)
_ANGLE_IN_VALUE = re.compile(r"""=\s*(?:"[^"]*[<>]|'[^']*[<>])""")
# What only HTMLParser handles right: raw-text elements (but an empty <script src=…></script>),
# comments and other <! … >, <? … ?>, sitemap <loc>, a "</" that is not an end tag.
_NOT_PLAIN = re.compile(r"<script\b(?![^>]*>\s*</script\s*>)|<(?:style|loc)\b|<!(?!doctype html>)|<\?"
                        r"|</(?![a-zA-Z])", re.IGNORECASE)


def _scan_plain_html(text: str, tags_read: dict) -> tuple[list[Link], set[str]] | None:
    """What _PageParser finds in an HTML page of the usual shape, many times faster (a link check
    of 10,000 issues scans 15,000 pages); None for any other page, which HTMLParser reads.

    The start tags are found as HTMLParser finds them; only those that may hold a link or an
    anchor (_LINK_TAG finds a superset of them; most tags of a page hold neither) are read
    attribute by attribute, each different tag once (tags_read: the same links, breadcrumbs and
    meta tags recur on every page). _LINK_TAG ends a tag at its first ">", which holds once no
    quoted attribute value has a "<" or ">" in it (_ANGLE_IN_VALUE)."""
    if _NOT_PLAIN.search(text) or _ANGLE_IN_VALUE.search(text):
        return None
    if len(_START_TAG.findall(text)) != len(html.parser.starttagopen.findall(text)):
        return None  # a "<" + letter that does not open a well-formed start tag
    # From here every "<" + letter opens a start tag where _START_TAG.finditer found one.
    links, anchors = [], set()
    line, counted = 1, 0
    for candidate in _LINK_TAG.finditer(text):
        start = candidate.start()
        source = text[start:_START_TAG.match(text, start).start(1)]
        read = tags_read.get(source)
        if read is None:
            read = tags_read[source] = _read_tag(source)
        if not read:
            return None  # HTMLParser would read this tag otherwise
        urls, names = read
        if urls:
            line += text.count("\n", counted, start)
            counted = start
            links += [Link(line, url, load) for url, load in urls]
        anchors.update(names)
    return links, anchors


def _read_tag(source: str) -> tuple[tuple, tuple] | bool:
    """The (url, load) pairs and the anchor names of a start tag (up to the end of its attributes)
    as _PageParser finds them; False where HTMLParser would stop reading attributes early."""
    name = html.parser.tagfind_tolerant.match(source, 1)
    attrs, k = [], name.end()
    for m in html.parser.attrfind_tolerant.finditer(source, k):
        if m.start() != k:
            return False
        attr, rest, value = m.group(1, 2, 3)
        if not rest:
            value = None
        elif value[:1] == "'" == value[-1:] or value[:1] == '"' == value[-1:]:
            value = value[1:-1]
        attrs.append((attr.lower(), html.unescape(value) if value and "&" in value else value))
        k = m.end()
    if k != len(source):
        return False
    parser = _PageParser()
    parser.handle_starttag(name.group(1).lower(), attrs)
    return tuple((link.url, link.load) for link in parser.links), tuple(sorted(parser.anchors))


def scan(f: OutputFile, tags_read: dict | None = None) -> tuple[list[Link], set[str]] | None:
    """The links and anchors of one file; None for a file that holds no links. tags_read: the
    start tags already read, kept by a caller that scans many pages (see _scan_plain_html)."""
    return _scan(f, {} if tags_read is None else tags_read)


def _scan(f: OutputFile, tags_read: dict) -> tuple[list[Link], set[str]] | None:
    name = f.out_path.lower()
    if name.endswith((".html", ".htm")):
        found = _scan_plain_html(f.data.decode("utf-8", errors="replace"), tags_read)
        if found is not None:
            return found
    if name.endswith((".html", ".htm", ".xml", ".svg")):
        parser = _PageParser()
        parser.feed(f.data.decode("utf-8", errors="replace"))
        parser.close()
        return parser.links, parser.anchors
    if name.endswith(".css"):
        text = f.data.decode("utf-8", errors="replace")
        links = []
        for pattern in (_CSS_URL, _CSS_IMPORT):
            for m in pattern.finditer(text):
                url = next(g for g in m.groups() if g is not None)
                links.append(Link(text.count("\n", 0, m.start()) + 1, url))
        return sorted(links, key=lambda link: link.line), set()
    return None


def check_links(files: list[OutputFile], base_url: str = "", preserved: set[str] = frozenset()) -> list[BrokenLink]:
    """Every broken internal link in files, sorted by file and line.

    preserved: other files that will stand beside these in the output folder (files dwgk
    keeps there without writing them), which a link may lead to as well.
    """
    tags_read: dict = {}
    scanned = {f.out_path: scan(f, tags_read) for f in files}
    existing = set(scanned) | set(preserved)
    broken = []
    for out_path, found in sorted(scanned.items()):
        if found is None:
            continue
        for link in found[0]:
            problem = link_problem(out_path, link.url, base_url, existing, scanned, link.load)
            if problem:
                broken.append(BrokenLink(out_path, link.line, link.url, problem))
    return sorted(set(broken))


def link_problem(out_path: str, url: str, base_url: str, existing: set[str], scanned: dict,
                 load: bool = False) -> str | None:
    """Why url, written in out_path, leads nowhere or is not allowed (in Chinese); None if it resolves.

    load: the browser fetches the url with the page, which must then be a file of this site.
    """
    url = as_browser_reads(url)
    scheme = url_scheme(url)
    problem = scheme_problem(scheme)
    if problem:
        return problem
    base_path = urllib.parse.urlsplit(base_url).path if base_url else ""
    relative = False
    if base_url and url.startswith(base_url):
        target = url[len(base_url):]  # an absolute address of this very site
    elif scheme or url.startswith("//"):
        if load:
            return f"网页不能从其他网站加载内容（“{url}”）；图片等文件请放在通报文件夹中，用相对地址引用"
        return None  # another site, mail, phone: not ours to check
    elif url.startswith("/"):
        if not (base_path and url.startswith(base_path) and posixpath.basename(out_path) in ROOTED_PAGES):
            return f"链接“{url}”以“/”开头，在其他子目录下或直接打开文件时会失效；站内链接应写相对地址"
        target = url[len(base_path):]
    else:
        target, relative = url, True
    parts = urllib.parse.urlsplit(target)
    path = urllib.parse.unquote(parts.path)
    fragment = urllib.parse.unquote(parts.fragment)
    here = posixpath.dirname(out_path) if relative else ""
    folder_message = f"链接“{url}”指向文件夹，直接打开网站文件时无效；请写出文件名，如“{path.rstrip('/')}/index.html”"
    if path == "":
        resolved = out_path if relative else "index.html"
    else:
        joined = posixpath.normpath(posixpath.join(here, path))
        if joined == ".." or joined.startswith("../"):
            return f"链接“{url}”指向网站以外的位置"
        if path.endswith("/") or joined == ".":
            if relative:
                return folder_message  # a web server would show index.html, file:// would not
            resolved = "index.html" if joined == "." else joined + "/index.html"
        else:
            resolved = joined
    if resolved not in existing:
        if resolved + "/index.html" not in existing:
            return f"链接“{url}”指向的文件不存在"
        if relative:
            return folder_message
        resolved += "/index.html"
    found = scanned.get(resolved)
    if fragment not in _TOP and found is not None and resolved.endswith((".html", ".htm")):
        if fragment not in found[1]:
            return f"链接“{url}”中的位置“#{fragment}”在 {resolved} 中不存在"
    return None


def find_in_sources(url: str, sources: list[tuple[str, str]]) -> tuple[str, int] | None:
    """(src_path, line) of the first source text that contains url as written, if any.

    A link the editor wrote in Markdown reaches the page unchanged, so finding it in the
    files a page was made from points the editor at the line to fix.
    """
    for src_path, text in sources:
        index = text.find(url)
        if index >= 0:
            return src_path, text.count("\n", 0, index) + 1
    return None


class Existing:
    """The files a link may lead to: the ones a build generates, and the ones it keeps in the output
    folder without writing them (not in its manifest, not hidden), looked up on disk only when asked:
    the set of every file in the output folder that the last build did not write (kept) and
    the generated ones, without walking the output folder."""

    def __init__(self, generated: set[str], output_dir: str, written_before: set[str]):
        self.generated, self.output_dir, self.written_before = generated, output_dir, written_before
        self.kept: set[str] = set()  # kept files some link led to
        # (folder of the page, url, load) -> link_problem, for a url without "#" that leads to
        # another file from the page's folder: the same links recur on every page of a folder.
        self.problems: dict[tuple[str, str, bool], str | None] = {}
        self.tags_read: dict = {}  # the start tags this build's scans read (see _scan_plain_html)

    def __contains__(self, path: str) -> bool:
        if path in self.generated:
            return True
        if path in self.written_before or any(p.startswith(".") for p in path.split("/")):
            return False
        full = os.path.join(self.output_dir, path)
        if os.path.isfile(full) and not os.path.islink(full):
            self.kept.add(path)
            return True
        return False


def page_problems(out_path: str, links, base_url: str, existing, scanned) -> tuple[list[BrokenLink], list]:
    """The broken links of one page, and the links to an #anchor of another page not in `scanned`
    (deferred: to be checked with that page's anchors). links: (line, url, load) triples."""
    broken, deferred = [], []
    known = existing.problems if isinstance(existing, Existing) else {}
    folder = posixpath.dirname(out_path)
    for line, url, load in links:
        if "#" in url:
            if "#" in url.lstrip()[1:] and scanned.get(_target(out_path, url)) is None:
                deferred.append((out_path, line, url, load))
                continue
            problem = link_problem(out_path, url, base_url, existing, scanned, load)
        elif url.lstrip(_EDGE)[:1] in ("", "/", "\\", "?"):  # leads to the page itself, or from the top
            problem = link_problem(out_path, url, base_url, existing, scanned, load)
        else:
            key = (folder, url, load)
            problem = known[key] if key in known else known.setdefault(
                key, link_problem(out_path, url, base_url, existing, scanned, load))
        if problem:
            broken.append(BrokenLink(out_path, line, url, problem))
    return broken, deferred


def _target(out_path: str, url: str) -> str:
    """Roughly where a relative url leads (only to decide whether its page is at hand)."""
    path = urllib.parse.unquote(urllib.parse.urlsplit(url.strip()).path)
    return posixpath.normpath(posixpath.join(posixpath.dirname(out_path), path)) if path else out_path
