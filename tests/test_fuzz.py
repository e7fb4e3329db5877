"""The fuzz test: hostile content folders, made up by Hypothesis, built by the real command.

Each example is a small content folder whose front matter, Markdown, file and folder names mix
what editors write with what attackers write (character references, script schemes, event
handlers, control and direction characters, deep nesting, long lines, path tricks). `build`
runs in its own process with a time limit, and either
- succeeds, and no page holds a script of its own, an event handler, a script or data URL, or
  anything loaded from another host, judged as the browser reads the page; the feed and sitemap
  are well-formed XML; nothing is written outside the output folder; or
- fails with exit status 1 and only `path:line: 说明` lines in Chinese (and the summary).

CI runs a fixed, derandomized set of examples; DWGK_FUZZ_EXAMPLES=1000 runs more.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET
from html.parser import HTMLParser
from pathlib import Path

from hypothesis import HealthCheck, example, given, settings
from hypothesis.configuration import set_hypothesis_home_dir
from hypothesis import strategies as st
from hypothesis.database import DirectoryBasedExampleDatabase

from tests.sites import REPO, read_tree

#: DWGK_FUZZ_EXAMPLES: more examples, drawn at random (a failing one is kept in a database under
#: the test's tmp_path); without it, a fixed set that is the same on every run.
EXAMPLES = int(os.environ.get("DWGK_FUZZ_EXAMPLES", "0")) or 50
RANDOM = "DWGK_FUZZ_EXAMPLES" in os.environ
TIME_LIMIT = 60  # seconds for one build of a few small files: far beyond any honest one

# --- what the examples are made of --------------------------------------------------------

#: Addresses a link may have (an image may not have the foreign ones): the build succeeds with them.
GOOD_URLS = ["https://www.example.gov.cn/", "HTTPS://evil.example/x", "//evil.example/x", "mailto:a@example.gov.cn",
             "tel:0199-12345678", "#", "#top", "index.html#top", "https&#58;//evil.example/", "?a=1&b=2"]
BAD_URLS = ["javascript:alert(1)", "javascript&#58;alert&#40;1&#41;", "&#106;avascript:alert(1)",
            " JaVa&#x09;ScRiPt&colon;alert(1)", "java\tscript:alert(1)", "vbscript:msgbox(1)",
            "data:text/html,<script>alert(1)</script>", "data:image/png;base64,AAAA", "DATA&#58;x",
            "https://evil.example/x.png", "\\\\evil.example/x.png", "/\\evil.example/x.png", "http:evil.example",
            "file:///etc/passwd", "附件.pdf", "../../../etc/passwd", "issue-9.html", "%2e%2e/x", "x\0y", "&#0;"]
#: Text that must reach the page as text, and does.
PRINTABLE = ["<script>alert(1)</script>", "<img src=x onerror=alert(1)>", '" onmouseover="alert(1)',
             "<a href='javascript:alert(1)'>x</a>", "<svg onload=alert(1)>", "<!--", "]]>", "<![CDATA[",
             "&lt;script&gt;", "&#60;script&#62;", "&#x3C;script&#x3E;", "&#x202E;", "{{已完成}}", "{{整改进度}}",
             "\\{\\{未知}}", "[", "]", "(", ")", "![", "<", ">", "&", "&amp;", "`", "*", "_", "|", "\\", "'", '"',
             "\n", "\n\n", "- ", "> ", "1. ", "# ", "中文", "整改", " ", "\t", "\u3000", "..", "../", "/"]
#: Text that is refused wherever it stands.
REFUSED = ["\x00", "\x01", "\x0b", "\x7f", "\u0085", "\u202e", "\u2066", "\ufffe", "\U0010ffff", "&#1;",
           "&#xFFFE;", "&#55296;", "{{未知}}", "{{\n未知}}", "---"]
NAMES = ["a b.md", "..md", "中文.md", "X.MD", ".hidden.md", "a\\..\\b.md", "%2e%2e.md", "notice.md.bak",
         "x.md~", "#x.md#", "-.md", "index.html", "evil.svg", "a\\..\\..\\evil.bat", "附件.pdf", "..", "...",
         "a..b", "assets", "archive", "feed.xml", "sitemap.xml", "404.html", "style.css", "issue-1.html", "x" * 200,
         "CON", "a:b", "a*b?.txt", "%00", "\u202etxt.exe"]
KEYS = ["2019", "2020-a", "x", "a" * 70, "UPPER", "中文", "assets", "archive", "-x", "a.b", "a b", "..."]


SAFE_NAMES = ["附件.pdf", "a b.pdf", "a..b", "...", "%2e%2e", "x" * 200, "a:b", "中文.txt"]


def mostly(honest, hostile):
    """Three honest draws in four."""
    honest = honest if isinstance(honest, st.SearchStrategy) else st.just(honest)
    return st.one_of(honest, honest, honest, hostile)


printable = st.lists(st.sampled_from(PRINTABLE), max_size=12).map("".join)
text = st.lists(st.one_of(st.sampled_from(PRINTABLE), st.sampled_from(PRINTABLE), st.sampled_from(REFUSED + BAD_URLS),
                          st.text(max_size=8)), max_size=12).map("".join)
good_url = st.sampled_from(GOOD_URLS)
url = mostly(good_url, st.sampled_from(BAD_URLS) | st.tuples(st.sampled_from(BAD_URLS), text).map("".join))


@st.composite
def markdown(draw, clean: bool) -> str:
    """A body: prose, links and images of every form, and pathological shapes. A clean body holds
    only what must reach the page as text (or as a link that may be there)."""
    words, link, most = (printable, good_url, 15) if clean else (mostly(printable, text), url, 3000)
    parts = draw(st.lists(st.one_of(
        words,
        st.builds("[{}]({})".format, words, link),
        st.builds("![{}]({})".format, words, st.just("附件.png") if clean else mostly(st.just("附件.png"), url)),
        st.builds("[{0}][r]\n\n[r]: {1}\n".format, words, link),
        st.builds("<{}>".format, link),
        st.builds(lambda s, n: s * n, st.sampled_from(["[", "![", "- ", "> ", "    ", "*", "`", "&#"]),
                  st.integers(0, most)),
        st.builds(lambda n: "[" * n + "x" + "]" * n, st.integers(0, most)),
    ), min_size=1, max_size=8))
    return "\n".join(parts) + "\n正文。"


def yaml_value(honest: str, clean: bool):
    """The honest value, or a hostile one: quoted with JSON escapes (which YAML reads too: "\\u0000"
    becomes a NUL), or written plainly. A clean value may hold only what must reach the page as text."""
    quoted = st.builds(lambda a, b: a + b, st.just(honest), printable).map(lambda s: json.dumps(s, ensure_ascii=False))
    if clean:
        return mostly(honest, quoted)
    return mostly(honest, st.one_of(quoted, text.map(lambda s: json.dumps(s, ensure_ascii=False)),
                                    text.map(lambda s: json.dumps(s, ensure_ascii=True)), text))


@st.composite
def content_folders(draw) -> dict[str, bytes]:
    """Files of a content folder, by relative path. Half of the examples are clean: hostile only
    in what must be shown as text, so that they build and their pages are judged."""
    clean = draw(st.booleans())

    def value(honest: str) -> str:
        return draw(yaml_value(honest, clean))

    base = draw(st.sampled_from(["", "https://www.example.gov.cn/dwgk/"]) if clean else
                mostly(st.sampled_from(["", "https://www.example.gov.cn/dwgk/"]), url))
    files = {"site.yml": "\n".join([
        f"网站名称: {value('示例单位党务公开')}",
        f"主办单位: {value('示例单位')}",
        "反馈联系:",
        f"  电话: {value('0199-12345678')}",
        "  邮箱: dwgk@example.gov.cn",
        f"  地址: {value('示例市示例路1号')}",
        '  邮政编码: "100000"',
        *([f"网站地址: {base}"] if base else []),
    ]) + "\n"}
    keys = st.sampled_from(["2019", "2020"])
    for key in draw(st.lists(keys if clean else mostly(keys, st.sampled_from(KEYS)), min_size=1, max_size=2,
                             unique=True)):
        category = value("在坚持党的领导方面")
        files[f"{key}/notice.md"] = "\n".join([
            "---", f"标题: {value('示例单位关于巡察整改情况的通报')}", "发布单位: 示例单位",
            "发布时间: 2019-12-27 15:24", f"来源: {value('示例单位')}",
            "巡察:", "  巡察组: 第一巡察组", "  开始日期: 2019-01-01", "  结束日期: 2019-02-01",
            "  反馈日期: 2019-03-01", "类别:", f"  - {category}", "---",
            draw(markdown(clean)), "", "{{问题清单}}", "", draw(markdown(clean)),
        ]) + "\n"
        for number in range(1, draw(st.integers(1, 2)) + 1):
            name = f"{number:02d}.md" if clean else draw(mostly(f"{number:02d}.md", st.sampled_from(NAMES)))
            files[f"{key}/{name}"] = "\n".join([
                "---", f"编号: {number}", f"标题: {value('关于示例的问题')}", f"类别: {category}",
                f"状态: {draw(st.sampled_from(['已完成', '整改中', '长期坚持']))}",
                f"责任部门: {value('办公室')}", "---", draw(markdown(clean)),
            ]) + "\n"
        files[f"{key}/附件.png"] = "附件"  # what the honest image shows
        for name in draw(st.lists(st.sampled_from(SAFE_NAMES if clean else NAMES), max_size=2)):
            folder = draw(st.sampled_from(["", "sub/"] if clean else ["", "sub/", "../", "a\\..\\"]))
            files.setdefault(f"{key}/{folder}{name}", "附件")
    return {path: data.encode("utf-8", "surrogatepass") for path, data in files.items()}


# --- what a page may hold -----------------------------------------------------------------

SAFE_SCHEMES = {"http", "https", "mailto", "tel"}
URL_ATTRIBUTES = {"href", "src", "action", "formaction", "poster", "data", "background", "cite", "xlink:href"}
LOADED = {"src", "poster", "data", "background"}
NAVIGATION_RELS = {"canonical", "alternate"}
OWN_SCRIPT = re.compile(r"^(?:\.\./)*assets/care\.js$|^/(?:[^/]+/)*assets/care\.js$")  # 404.html: rooted


class PageAudit(HTMLParser):
    """What in one page a browser would run or fetch from elsewhere (attribute values arrive
    with their character references decoded, as the browser reads them)."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.in_script = False

    def handle_starttag(self, tag, attrs):
        where = f"<{tag}> at line {self.getpos()[0]}"
        values = dict(attrs)
        if tag == "script":
            self.in_script = True
            if not OWN_SCRIPT.match(values.get("src") or ""):
                self.problems.append(f"script {where}: {attrs}")
        if tag in ("iframe", "object", "embed", "form", "base", "frame", "applet") or (
                tag == "meta" and (values.get("http-equiv") or "").lower() == "refresh"):
            self.problems.append(f"{where}: {attrs}")
        rels = set((values.get("rel") or "").lower().split())
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"event handler {name} {where}")
            if value is None:
                continue
            candidates = [c.split()[0] for c in value.split(",") if c.strip()] if name == "srcset" else [value]
            if name == "style" and "url(" in value.lower():
                self.problems.append(f"url() in a style attribute {where}")
            if name not in URL_ATTRIBUTES and name != "srcset":
                continue
            loaded = name in LOADED or name == "srcset" or (tag == "link" and not rels <= NAVIGATION_RELS)
            for candidate in candidates:
                read = re.sub(r"[\t\n\r]", "", candidate.strip("".join(map(chr, range(0x21))))).replace("\\", "/")
                scheme = re.match(r"([a-zA-Z][a-zA-Z0-9+.-]*):", read)
                if scheme and scheme[1].lower() not in SAFE_SCHEMES:
                    self.problems.append(f"{scheme[1]}: URL in {name} {where}: {candidate!r}")
                elif loaded and (scheme or read.startswith("//")):
                    self.problems.append(f"{name} loads from another host {where}: {candidate!r}")

    def handle_endtag(self, tag):
        if tag == "script":
            self.in_script = False

    def handle_data(self, data):
        if self.in_script and data.strip():
            self.problems.append(f"inline script at line {self.getpos()[0]}")


def page_problems(out_path: str, data: bytes) -> list[str]:
    if out_path.endswith(".xml"):
        try:
            ET.fromstring(data)
        except ET.ParseError as exc:
            return [f"{out_path}: malformed XML: {exc}"]
        return []
    audit = PageAudit()
    audit.feed(data.decode("utf-8"))
    audit.close()
    return [f"{out_path}: {p}" for p in audit.problems]


ERROR_LINE = re.compile(r"^[^/\s][^\n]*?:[1-9]\d*: .*[\u4e00-\u9fff]")
SUMMARY = re.compile(r"^共 [1-9]\d* 处错误，网站未更新。$")


def written_files(root: Path) -> dict[str, bytes]:
    """Every file below root's parent (the example and its neighbours) but the output folder's and
    dwgk's own beside it (a lock, a cache): what a build must leave alone."""
    return {p: d for p, d in read_tree(root.parent).items()
            if not p.startswith((f"{root.name}/out/", f"{root.name}/.dwgk"))}


def build_and_judge(files: dict[str, bytes], root: Path) -> None:
    for rel, data in files.items():
        path = root / "content" / rel
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
        except OSError:  # a name this file system refuses ("..", too long): not a case for dwgk
            continue
    before = written_files(root)
    proc = subprocess.run([sys.executable, str(REPO / "build.py"), "build", "--no-cache", "--output", "out"],
                          cwd=root, capture_output=True, timeout=TIME_LIMIT)
    err = proc.stderr.decode("utf-8")
    assert "Traceback" not in err, err
    assert written_files(root) == before, "build wrote outside its output folder"
    if proc.returncode == 0:
        problems = [p for rel, data in read_tree(root / "out").items()
                    if rel.endswith((".html", ".xml")) and rel not in _attachments(files)
                    for p in page_problems(rel, data)]
        assert problems == [], problems
        return
    lines = err.splitlines()
    assert proc.returncode == 1, err
    assert lines and SUMMARY.match(lines[-1]), err
    assert [line for line in lines[:-1] if not ERROR_LINE.match(line)] == [], err


def _attachments(files: dict[str, bytes]) -> set[str]:
    """The output paths of attachments: published as they are, so not dwgk's pages to judge."""
    return {rel for rel in files if not rel.endswith((".md", ".yml"))}


def test_hostile_content_builds_safe_pages_or_fails_with_path_line_errors(tmp_path):
    @settings(max_examples=EXAMPLES, derandomize=not RANDOM, deadline=None, print_blob=True,
              database=DirectoryBasedExampleDatabase(str(tmp_path / "hypothesis/examples")) if RANDOM else None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.large_base_example])
    @given(files=content_folders())
    def build_is_safe(files):
        with tempfile.TemporaryDirectory(dir=tmp_path / "examples") as root:
            build_and_judge(files, Path(root))

    (tmp_path / "examples").mkdir()
    set_hypothesis_home_dir(tmp_path / "hypothesis")  # its caches, never in the repository
    try:
        build_is_safe()
    finally:
        set_hypothesis_home_dir(None)


#: Characters and pieces Markdown reads specially, or that look plain and are not.
MARKDOWN_PIECES = ["一是", "整改", "a", "Z", "1", "2019", " ", "  ", "\n", "\n\n", "\n\n\n", ".", ")", "-", "+", ",",
                   ":", "/", "%", "?", "(", "'", '"', "*", "_", "#", "=", "|", ">", "<", "&", "[", "]", "!", "`",
                   "\\", "~", "{", "}", "\t", "\u3000", "\u00a0", "\r", "\x02", "\x03", "1. ", "- ", "---", "===",
                   "    ", "&amp;", "http://example.gov.cn"]


PLAIN_PIECES = MARKDOWN_PIECES[:13] + ["，", "。", "“", "”", "（", "）", "a.b", "5+N", "0199-12345678"]


@settings(max_examples=EXAMPLES * 10, derandomize=not RANDOM, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(st.sampled_from(MARKDOWN_PIECES), max_size=30),
                 st.lists(st.sampled_from(PLAIN_PIECES), max_size=30)).map("".join))
def test_plain_paragraphs_are_made_as_markdown_makes_them(text):
    """The shortcut for plain texts (markup.plain_paragraphs) gives Markdown's HTML, or stands aside."""
    from dwgk import markup

    plain = markup.plain_paragraphs(text)
    if plain is not None:
        md = markup._converter()
        md.reset()
        md.dwgk_min_level = 3
        assert plain == md.convert(text)


def test_the_example_issues_take_the_shortcut_for_plain_texts():
    from dwgk import markup

    bodies = [p.read_text(encoding="utf-8").split("---\n", 2)[2] for p in sorted((REPO / "content").rglob("*.md"))
              if p.name != "notice.md"]
    assert sum(markup.plain_paragraphs(b) is not None for b in bodies) >= len(bodies) // 2


#: Pieces of front matter lines, plain and not.
YAML_PIECES = ["编号", "标题", "状态", "a", "1", "2015-11-29", ": ", ":", " ", "  ", "\n", "\n\n", "#", " #", "-", "- ",
               "'", '"', "[", "]", "{", "}", "&", "*", "!", "|", ">", "%", "@", "`", "?", ",", "~", "null", "Null",
               "true", "\t", "\u3000", "\u00a0", "\x85", "\u2028", "\u2029", "\ufeff", "\x7f", "“", "”", "https://example.gov.cn/"]
SIMPLE_PIECES = ["编号", "标题", "a", "1", "2015-11-29", ": ", "\n", "x y", "https://example.gov.cn/", "整改", "null", "~",
                 "\u3000"]


@settings(max_examples=EXAMPLES * 10, derandomize=not RANDOM, database=None, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.one_of(st.lists(st.sampled_from(YAML_PIECES), max_size=30),
                 st.lists(st.sampled_from(SIMPLE_PIECES), max_size=30)).map("".join))
@example("编号: null\n标题: ~\n\u3000类别\u3000: \u3000x")
def test_simple_front_matter_is_read_as_yaml_reads_it(text):
    """The shortcut for "key: value" lines (frontmatter.simple_mapping) gives the Nodes YAML gives, or stands aside."""
    from dwgk import frontmatter

    simple = frontmatter.simple_mapping(text, 2)
    if simple is not None:
        yaml, loader = frontmatter._yaml()
        errors: list = []
        assert simple == frontmatter._build("x.md", yaml.parse(text, Loader=loader), 2, errors, yaml)
        assert errors == []


def test_the_example_front_matter_takes_the_shortcut():
    from dwgk import frontmatter

    fronts = [p.read_text(encoding="utf-8").split("---\n", 2)[1] for p in sorted((REPO / "content").rglob("*.md"))]
    assert sum(frontmatter.simple_mapping(f, 2) is not None for f in fronts) >= len(fronts) // 2
