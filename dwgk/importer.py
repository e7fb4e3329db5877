"""Plain-text rectification notice -> content files: `python build.py import NOTICE.txt`.

parse_notice_text() reads the text (pure); render_files() writes the model out as the content
files the editor guide documents (pure); import_notice() is the thin I/O wrapper that picks the
folder, refuses to overwrite anything and writes. Every guess and every line that could not be
placed is kept in the result, so the report can show the editor exactly what to check.
"""

from __future__ import annotations

import calendar
import datetime as dt
import os
import re
import shutil
import tempfile
from dataclasses import dataclass, field

from .content import NOTICE_FILE, RESERVED_KEYS, SETTINGS_FILE, check_key, is_ignored_name
from .frontmatter import parse_yaml, split_front_matter
from .model import STATUSES, UsageError
from .schema import STATED_FIGURES

DONE, ONGOING, LONGTERM = STATUSES

# ----------------------------------------------------------------------------------------------
# The model of an imported notice


@dataclass(frozen=True)
class Note:
    """Something the editor should check: at a line of the text file (0: not tied to a line)."""

    line: int
    message: str


@dataclass(frozen=True)
class Block:
    """A piece of the notice's own text: a section head (## …) or a paragraph."""

    kind: str  # "head" or "para"
    text: str
    line: int


@dataclass(frozen=True)
class ImportedIssue:
    number: int
    title: str
    category: str
    status: str
    status_reason: str  # why this status, in words for the report
    status_guessed: bool  # True when neither the text nor the stated totals decide it
    paragraphs: tuple[str, ...]  # the measures (主要做法), one paragraph each
    line: int  # the line of its title in the text file


@dataclass(frozen=True)
class ImportedContact:
    phone: str = ""
    email: str = ""
    address: str = ""
    postcode: str = ""


@dataclass(frozen=True)
class StatedTotal:
    """A figure the notice states about itself, e.g. 17 in “5大类17项问题”."""

    name: str  # one of STATED_FIGURES, or 整改完成率 (a percentage)
    value: float
    line: int
    written: str  # as it stands in the text
    found: float | None = None  # what the import found; None when it cannot be computed
    matches: bool = False


@dataclass(frozen=True)
class ImportResult:
    title: str = ""
    publisher: str = ""  # 发布单位: the signature, else the unit named in the title
    published: dt.datetime | None = None
    source: str = ""
    signed: dt.date | None = None
    team: str = ""
    start: dt.date | None = None
    end: dt.date | None = None
    feedback: dt.date | None = None
    categories: tuple[str, ...] = ()
    issues: tuple[ImportedIssue, ...] = ()
    contact: ImportedContact = ImportedContact()
    stated: tuple[StatedTotal, ...] = ()
    intro: tuple[Block, ...] = ()  # text before the problem list, placeholders filled in
    outro: tuple[Block, ...] = ()  # text after it
    warnings: tuple[Note, ...] = ()  # every guess and correction, for the editor to check
    info: tuple[str, ...] = ()  # what was changed without doubt (punctuation …)
    unplaced: tuple[Note, ...] = ()  # lines written nowhere, with the reason as message

    @property
    def unit(self) -> str:
        """主办单位 guessed from the issuing unit: “中共某局党组” -> “某局”."""
        m = re.fullmatch(r"中共(.+?)(?:党组|党委|党总支|党支部|党工委)", self.publisher)
        return m[1] if m else self.publisher

    @property
    def site_title(self) -> str:
        """网站名称 cannot be read from a notice: the issuing unit + 党务公开."""
        return f"{self.unit}党务公开" if self.unit else ""


# ----------------------------------------------------------------------------------------------
# Normalising the text: spaces, width, punctuation, garbled dates

_CJK = "\u3400-\u9fff\uf900-\ufaff"
_SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u2028\u2029\x85\t\f\v]")
# Invisible characters and control characters (YAML refuses the latter): dropped.
_INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
_WIDE = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)},
                       **{chr(0xFF21 + i): chr(0x41 + i) for i in range(26)},
                       **{chr(0xFF41 + i): chr(0x61 + i) for i in range(26)},
                       "＠": "@", "％": "%", "－": "-", "＿": "_"})
_HAS_CJK = re.compile(f"[{_CJK}]")


def normalise_punctuation(line: str) -> tuple[str, int]:
    """Half-width punctuation in Chinese text -> full width; returns the line and how many changed.

    Spaces typed before a half-width mark go with it (“责任 ,切实” -> “责任，切实”); numbers,
    times (15:24), decimals and web addresses keep their marks.
    """
    if not _HAS_CJK.search(line):
        return line, 0
    count = 0

    def sub(pattern, repl, text):
        nonlocal count
        text, n = re.subn(pattern, repl, text)
        count += n
        return text

    if '"' in line and line.count('"') % 2 == 0:
        parts = line.split('"')
        line = "".join(p + ("“" if i % 2 == 0 else "”") for i, p in enumerate(parts[:-1])) + parts[-1]
        count += len(parts) - 1
    line = sub(r" *,(?!\d{3}(?!\d))", "，", line)
    line = sub(r" *;", "；", line)
    line = sub(r"(?<!\d) *:(?!//)|(?<=\d) *:(?!\d)", "：", line)
    line = sub(rf"(?<=[{_CJK}”）》]) *\?", "？", line)
    line = sub(rf"(?<=[{_CJK}”）》]) *!", "！", line)

    def parens(m):
        inner = m[1]
        before = line[m.start() - 1] if m.start() else ""
        if _HAS_CJK.search(inner) or re.fullmatch(r"\d{1,3}", inner) or _HAS_CJK.match(before):
            return f"（{inner}）"
        return m[0]

    new = re.sub(r"\(([^()\n]*)\)", parens, line)
    count += sum(1 for a, b in zip(line, new) if a != b) // 2
    line = new
    line = sub(rf"(?<=[{_CJK}”）》])\.(?=$|\s|[{_CJK}“”（《\d])", "。", line)
    # A space before a full-width mark is always a typing slip (“责任 ，切实”).
    line = re.sub(r" +(?=[，。；：！？、])", "", line)
    return line, count


def _valid_date(y: int, m: int, d: int) -> dt.date | None:
    try:
        return dt.date(y, m, d)
    except ValueError:
        return None


def _read_month_day(rest: str) -> list[tuple[int, int]]:
    """“1219” -> [(12, 19)]; “111” -> [(1, 11), (11, 1)]: every way to split into month and day."""
    found = []
    for cut in (1, 2):
        month, day = rest[:cut], rest[cut:]
        if not day or len(day) > 2 or month.startswith("0") and cut == 1:
            continue
        if day.startswith("0") and len(day) == 1:
            continue
        m, d = int(month), int(day)
        if 1 <= m <= 12 and _valid_date(2000, m, d):  # leap year: 2月29日 is possible
            found.append((m, d))
    return found


_GARBLED_DAY = re.compile(r"(?<![\d.])((?:19|20)\d{2})(年?)(\d{2,4})日")
_GARBLED_MONTH = re.compile(r"(?<![\d.])((?:19|20)\d{2})(\d{1,2})月")
_BARE_DATE = re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})$")


def repair_dates(line: str, lineno: int, warnings: list) -> str:
    """Dates that lost 年 and 月 when copied from a web page: 20181219日 -> 2018年12月19日."""

    def day(m):
        year, rest = int(m[1]), m[3]
        readings = [(mo, d) for mo, d in _read_month_day(rest) if _valid_date(year, mo, d)]
        if not readings:
            return m[0]
        mo, d = readings[0]
        fixed = f"{year}年{mo}月{d}日"
        if len(readings) > 1:
            other = "或".join(f"{year}年{a}月{b}日" for a, b in readings[1:])
            warnings.append(Note(lineno, f"日期“{m[0]}”缺少“年”“月”，可读作{fixed}{other and '或' + other}，"
                                         f"已按{fixed}导入，请核对"))
        else:
            warnings.append(Note(lineno, f"日期“{m[0]}”缺少“年”“月”，已读作{fixed}，请核对"))
        return fixed

    def month(m):
        mo = int(m[2])
        if not 1 <= mo <= 12 or (len(m[2]) == 2 and m[2].startswith("0")):
            return m[0]
        fixed = f"{m[1]}年{mo}月"
        warnings.append(Note(lineno, f"日期“{m[0]}”缺少“年”，已读作{fixed}，请核对"))
        return fixed

    line = _GARBLED_DAY.sub(day, line)
    line = _GARBLED_MONTH.sub(month, line)
    bare = _BARE_DATE.match(line)
    if bare and _valid_date(int(bare[1]), int(bare[2]), int(bare[3])):
        fixed = f"{int(bare[1])}年{int(bare[2])}月{int(bare[3])}日"
        warnings.append(Note(lineno, f"日期“{line}”缺少“年”“月”“日”，已读作{fixed}，请核对"))
        line = fixed
    return line


def normalise_lines(text: str, warnings: list) -> tuple[list[tuple[int, str]], int]:
    """The non-blank lines as (line number, text), cleaned; and how many marks were made full width."""
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    lines = []
    changed = 0
    for number, raw in enumerate(text.split("\n"), start=1):
        line = _INVISIBLE.sub("", _SPACES.sub(" ", raw)).translate(_WIDE).strip()
        line = re.sub(r" {2,}", " ", line)
        if not line:
            continue
        line, n = normalise_punctuation(line)
        changed += n
        line = repair_dates(line, number, warnings)
        lines.append((number, line))
    return lines, changed


# ----------------------------------------------------------------------------------------------
# Reading dates, numbers and statuses

_CN_DIGITS = {c: i for i, c in enumerate("零一二三四五六七八九")}
_CN_DIGITS.update({"两": 2, "〇": 0})
_CN_NUM = "一二三四五六七八九十"
_NUM = r"(\d{1,3}|[一二三四五六七八九十两]{1,3})"


def read_number(text: str) -> int | None:
    """“17” or “十七” -> 17."""
    if text.isdigit():
        return int(text)
    if not text or any(c not in _CN_DIGITS and c != "十" for c in text):
        return None
    if "十" not in text:
        return _CN_DIGITS[text] if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if len(tens) > 1 or len(ones) > 1:
        return None
    return (_CN_DIGITS[tens] if tens else 1) * 10 + (_CN_DIGITS[ones] if ones else 0)


_DATE = r"((?:19|20)\d{2})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?"
_DATE_RE = re.compile(_DATE)
_TIME_RE = re.compile(r"(?<!\d)(\d{1,2})[:：](\d{2})(?:[:：]\d{2})?(?!\d)")
_DATE_LINE = re.compile(rf"^(?:落款日期[：:])?{_DATE}$")


def read_date(m: re.Match) -> dt.date | None:
    return _valid_date(int(m[1]), int(m[2]), int(m[3]))


_CN_DATE_LINE = re.compile(r"^([〇零一二三四五六七八九]{4})年([一二三四五六七八九十]{1,2})月([一二三四五六七八九十]{1,3})日$")


def read_date_line(text: str) -> dt.date | None:
    """A line that is only a date: 2019年12月27日, 2019-12-27 or 二〇一九年十二月二十七日 (a signature)."""
    m = _DATE_LINE.match(text)
    if m:
        return read_date(m)
    m = _CN_DATE_LINE.match(text)
    if m:
        year = int("".join(str(_CN_DIGITS.get(c, 0)) for c in m[1]))
        month, day = read_number(m[2]), read_number(m[3])
        return _valid_date(year, month, day) if month and day else None
    return None


# Words that give an issue's status. Checked long-term first, then ongoing, then done, because
# “尚未完成” contains “完成”.
_STATUS_WORDS = (
    (LONGTERM, ("需长期坚持", "长期坚持", "长期整改", "长期推进", "持续整改")),
    (ONGOING, ("正在整改", "整改中", "尚未完成", "未完成", "尚未整改", "未整改到位", "正在推进", "推进中")),
    (DONE, ("已整改完成", "已完成整改", "已整改到位", "已整改完毕", "整改完毕", "已整改", "已完成",
            "整改完成", "完成整改", "已办结", "已销号")),
)
# Wording inside an issue's measures that tells its status (“短时间内难以整改到位”).
_STATUS_WORDING = (
    (LONGTERM, ("需长期坚持", "长期坚持", "长期整改", "常抓不懈")),
    (ONGOING, ("正在整改", "难以整改到位", "尚未整改到位", "未能整改到位", "尚未完成", "正在推进", "持续推进",
               "整改中")),
    (DONE, ("已整改完成", "已完成整改", "已整改到位", "已整改完毕", "整改完毕", "已全部整改", "已办结")),
)


def status_of_word(text: str) -> str | None:
    for status, words in _STATUS_WORDS:
        if any(w in text for w in words):
            return status
    return None


def status_from_wording(paragraphs) -> tuple[set, list[str]]:
    found: set = set()
    words: list[str] = []
    for para in paragraphs:
        for status, phrases in _STATUS_WORDING:
            for phrase in phrases:
                if phrase in para and not (status == ONGOING and phrase == "整改中" and "整改中的" in para):
                    if status == DONE and any(p in para for p in ("尚未", "未能", "难以")):
                        continue
                    found.add(status)
                    if phrase not in words:
                        words.append(phrase)
                    break
    return found, words


# ----------------------------------------------------------------------------------------------
# Recognising the kinds of lines

_SECTION = re.compile(rf"^([{_CN_NUM}]{{1,3}})\s*[、.．]\s*(.+)$")
_PAREN = re.compile(rf"^（([{_CN_NUM}]{{1,3}})）\s*[、.．]?\s*(.+)$")
_ISSUE_FORMS = (
    re.compile(r"^问题\s*" + _NUM + r"\s*[：、.．:]?\s*(.+)$"),
    re.compile(r"^第" + _NUM + r"\s*[项个条]\s*[：、.．:]?\s*(.+)$"),
    re.compile(r"^（(\d{1,3})）\s*[、.．]?\s*(.+)$"),
    re.compile(r"^(\d{1,3})\s*[、.．，](?!\d)\s*(.+)$"),
    re.compile(rf"^（([{_CN_NUM}]{{1,3}})）\s*[、.．]?\s*(.+)$"),
    re.compile(rf"^([{_CN_NUM}]{{1,3}})\s*[、.．]\s*(.+)$"),
)
_MARKERS = "主要做法|整改措施|整改情况|整改落实情况|整改举措|具体措施|采取的措施|整改成效|整改进展|落实情况"
_MEASURE = re.compile(rf"^[【\[（]?(?:{_MARKERS})(?:[】\]）]\s*[：:]?|\s*[：:]|\s*$)\s*(.*)$")
_EXPLICIT_STATUS = re.compile(r"^[【\[（]?(?:整改)?(?:状态|进度|完成情况|进展情况)[】\]）]?\s*[：:]\s*(.{1,12})$")
_TITLE_STATUS = re.compile(r"\s*[（(【\[]([^（）()【】\[\]]{2,8})[）)】\]]$")
_CLOSING = re.compile(r"^(?:欢迎|下一步|特此通报|如有意见|如对|对巡察整改|今后，我们)")
_CONTACT_LABELS = (
    ("phone", r"(?:联系|举报|监督|咨询|受理)?电话"),
    ("email", r"(?:电子)?(?:邮箱|信箱)|电子邮件|E-?mail|email"),
    ("address", r"(?:信件)?(?:邮寄|通信|通讯|来信|办公|联系)?地址"),
    ("postcode", r"邮政编码|邮编"),
)
_CONTACT_ANY = "|".join(f"(?P<{k}>{p})" for k, p in _CONTACT_LABELS)
_CONTACT_LINE = re.compile(rf"^(?:(?:联系方式|联系人)\s*[：:]?\s*)?(?:{_CONTACT_ANY})\s*(?:[：:]|(?=[\d(（+]))")
_CONTACT_HEAD = re.compile(r"^联系方式\s*[：:]?$")
_HEADER_LABELS = re.compile(r"(发布时间|发布日期|时间|日期|来源|作者|编辑|责任编辑|浏览次数|浏览|点击数|点击|阅读|"
                            r"访问量|字号|字体|分享|打印|关闭|【)")


def title_strength(text: str) -> int:
    """2: plainly an issue title (关于“…”的问题); 1: could be one (short, no sentence); 0: a sentence."""
    body = text.rstrip("。；;：:")
    if not body or len(body) > 100 or "。" in body or re.match(rf"^[{_CN_NUM}]是", body):
        return 0
    if re.search(r"^关于.+问题", body) or (body.endswith("问题") and len(body) <= 60):
        return 2
    if text.endswith(("。", "；")) or len(body) > 50:
        return 0
    return 1


def match_issue(text: str):
    """(number or None, title text) if the line has the shape of an issue heading."""
    for form in _ISSUE_FORMS:
        m = form.match(text)
        if m:
            number = read_number(m[1])
            if number:
                return number, m[2].strip()
    if re.match(r"^关于.+的问题[。；]?$", text):
        return None, text
    return None


def group_status(text: str) -> str | None:
    """The status a head like “已整改完成的问题” groups its issues under."""
    body = re.sub(r"[（(][^（）()]*[）)]$", "", text).rstrip("：:")
    if len(body) > 30 or not re.search(r"(问题|事项)(清单)?$", body):
        return None
    return status_of_word(body)


def is_category_text(text: str) -> bool:
    body = re.sub(r"[（(][^（）()]*[）)]$", "", text).rstrip("：:")
    return len(body) <= 40 and "。" not in body and ("方面" in body or body.endswith("问题"))


def is_short_head(text: str) -> bool:
    return len(text) <= 50 and "。" not in text[:-1]


# ----------------------------------------------------------------------------------------------
# Parsing: header, body walk, facts, totals, statuses


@dataclass
class _RawIssue:
    number: int | None
    title: str
    category: str | None
    group: str | None  # status from the group head it stands under
    group_head: str
    line: int
    explicit: str | None = None  # status written on the issue itself
    explicit_text: str = ""
    before: list = field(default_factory=list)  # (line, text) before a measure marker
    after: list = field(default_factory=list)  # (line, text) after it
    marker: bool = False


@dataclass
class _Walk:
    """Mutable state of one pass over the body; only parse_notice_text sees it."""

    intro: list = field(default_factory=list)
    outro: list = field(default_factory=list)
    where: str = "intro"  # intro, list or outro
    categories: list = field(default_factory=list)
    category: str | None = None
    group: str | None = None
    group_head: str = ""
    issues: list = field(default_factory=list)
    issue: _RawIssue | None = None
    in_category: int = 0  # issues since the last category or group head
    contact_lines: list = field(default_factory=list)
    unplaced: list = field(default_factory=list)
    warnings: list = field(default_factory=list)

    def text_blocks(self):
        return self.intro if self.where == "intro" else self.outro

    def end_issue(self):
        self.issue = None

    def end_list(self):
        self.end_issue()
        self.where = "outro"


def parse_notice_text(text: str) -> ImportResult:
    """The notice in `text` (a plain-text copy of a published notice) as an ImportResult."""
    warnings: list[Note] = []
    lines, changed = normalise_lines(text, warnings)
    info = []
    if changed:
        info.append(f"已把{changed}处半角标点（如 , : ; ( )）改为全角")
    unplaced: list[Note] = []

    title, title_line, head_end = _find_title(lines, unplaced)
    published, source, body_start = _read_header(lines, head_end, unplaced)
    body = lines[body_start:]
    signed, signer, body = _find_signature(body, unplaced)

    walk = _Walk(warnings=warnings, unplaced=unplaced)
    for i, (lineno, line) in enumerate(body):
        _walk_line(walk, lineno, line, body[i + 1][1] if i + 1 < len(body) else "")
    contact = _read_contact(walk)

    issues, categories = _finish_issues(walk)
    facts = _read_facts([b for b in walk.intro if b.kind == "para"], warnings)
    stated = _find_stated(walk.intro + walk.outro)
    issues = _decide_statuses(issues, stated, warnings)
    stated, intro, outro = _cross_check(stated, categories, issues, walk.intro, walk.outro, warnings)

    publisher = signer
    if not publisher and title:
        m = re.match(r"^(?:中共)?(.+?)(?:党组|党委|党总支|党支部)?关于", title)
        if m:
            publisher = m[1]
            warnings.append(Note(title_line, f"原文没有落款单位，发布单位按标题取为“{publisher}”，请核对"))
    if not source and publisher:
        source = publisher
        warnings.append(Note(0, f"原文没有写来源，来源暂填发布单位“{publisher}”，请核对"))
    if published is None and signed is not None:
        published = dt.datetime(signed.year, signed.month, signed.day)
        warnings.append(Note(0, f"原文没有发布时间，发布时间暂按落款日期填为{signed.isoformat()}，请核对"))
    if not issues and title:
        warnings.append(Note(0, "没有找到任何问题（如“1、关于“……”的问题”）"))
    elif issues and not walk.contact_lines and signed is None:
        warnings.append(Note(body[-1][0] if body else 0,
                             "原文末尾没有联系方式和落款，可能没有复制完整：请对照原文检查最后一个问题和结尾"))

    return ImportResult(
        title=title, publisher=publisher, published=published, source=source,
        signed=signed, categories=tuple(categories), issues=tuple(issues), contact=contact,
        stated=tuple(stated), intro=tuple(intro), outro=tuple(outro), info=tuple(info),
        warnings=tuple(sorted(dict.fromkeys(warnings), key=lambda n: (n.line == 0, n.line))),
        unplaced=tuple(sorted(unplaced, key=lambda n: n.line)), **facts,
    )


_TITLE_END = r"(通报|公告|公示|情况|报告)$"


def _find_title(lines, unplaced):
    """The title: the first line that reads like one (web-page crumbs before it are unplaced)."""
    for i, (lineno, line) in enumerate(lines[:6]):
        if re.search(_TITLE_END, line) and len(line) <= 100 and "。" not in line:
            first = i
            # A long title wrapped onto two lines on the web page: “…关于” / “…的通报”.
            if i > 0 and "关于" in lines[i - 1][1] and "关于" not in line and len(lines[i - 1][1]) <= 60 \
                    and not re.search(r"[。，；>]", lines[i - 1][1]):
                first = i - 1
            for skipped in lines[:first]:
                unplaced.append(Note(skipped[0], skipped[1]))
            return "".join(t for _, t in lines[first : i + 1]), lines[first][0], i + 1
    for i, (lineno, line) in enumerate(lines[:6]):
        if _DATE_RE.search(line) or _HEADER_LABELS.match(line):
            continue
        if len(line) <= 100 and "。" not in line:
            for skipped in lines[:i]:
                unplaced.append(Note(skipped[0], skipped[1]))
            return line, lineno, i + 1
        break
    return "", 0, 0


def _read_header(lines, start, unplaced):
    """Date, time and source under the title; other web-page lines there are unplaced."""
    published = None
    source = ""
    i = start
    while i < len(lines) and i < start + 6:
        lineno, line = lines[i]
        is_header = len(line) <= 80 and "。" not in line and (
            _DATE_RE.search(line) or _HEADER_LABELS.search(line))
        if not is_header:
            break
        m = _DATE_RE.search(line)
        if m and published is None and read_date(m):
            d = read_date(m)
            t = _TIME_RE.search(line, m.end())
            if t and int(t[1]) < 24 and int(t[2]) < 60:
                published = dt.datetime(d.year, d.month, d.day, int(t[1]), int(t[2]))
            else:
                published = dt.datetime(d.year, d.month, d.day)
        s = re.search(r"来源\s*[：:]\s*(\S+)", line)
        if s and not source:
            source = s[1]
        rest = line
        if m:
            rest = rest.replace(m[0], "")
        rest = _TIME_RE.sub("", rest)
        if s:
            rest = rest.replace(s[0], "")
        rest = re.sub(r"(发布时间|发布日期|时间|日期)\s*[：:]?", "", rest).strip(" ：:|丨")
        if rest:
            unplaced.append(Note(lineno, line))
        i += 1
    return published, source, i


def _find_signature(body, unplaced):
    """The date line near the end and the unit written above it (落款); lines after it are unplaced."""
    for j in range(len(body) - 1, max(-1, len(body) - 6), -1):
        signed = read_date_line(body[j][1])
        if signed:
            for after in body[j + 1 :]:
                unplaced.append(Note(after[0], after[1]))
            signer = ""
            end = j
            if j > 0:
                prev = body[j - 1][1]
                if len(prev) <= 40 and not re.search(r"[。，；：！？:,;]", prev) and not _CONTACT_LINE.match(prev):
                    signer = prev
                    end = j - 1
            return signed, signer, body[:end]
    return None, "", body


def _walk_line(walk: _Walk, lineno: int, line: str, next_line: str) -> None:
    """Place one line of the body: notice text, category, issue, measure, contact or unplaced."""
    if walk.where != "intro" and (_CONTACT_LINE.match(line) or _CONTACT_HEAD.match(line)):
        if walk.where == "list":
            walk.end_list()
        walk.contact_lines.append((lineno, line))
        return
    head = _SECTION.match(line) or _PAREN.match(line)
    if head and is_short_head(head[2]) and not head[2].endswith(("。", "；")):
        if _place_head(walk, lineno, line, head, next_line):
            return
    issue = match_issue(line)
    if issue is not None and _accept_issue(walk, issue, lineno, last=not next_line):
        return
    if walk.where != "list":
        walk.text_blocks().append(Block("para", line, lineno))
    elif _CLOSING.match(line):
        walk.end_list()
        walk.outro.append(Block("para", line, lineno))
    elif walk.issue is None:
        walk.unplaced.append(Note(lineno, line))
    else:
        _add_to_issue(walk.issue, lineno, line)


def _place_head(walk: _Walk, lineno: int, line: str, head: re.Match, next_line: str) -> bool:
    """A numbered head (一、… or （一）…): status group, category, section of the notice, or none."""
    numeral, text = head[1], head[2].strip()
    section = head.re is _SECTION
    status = group_status(text)
    if status:
        walk.where = "list"
        walk.group, walk.group_head = status, text
        walk.in_category = 0
        walk.end_issue()
        return True
    following = match_issue(next_line)
    next_strength = title_strength(following[1]) if following else 0
    if text.startswith("关于") and "方面" not in text and title_strength(text) == 2 and next_strength == 0:
        return False  # “（一）关于“……”的问题” followed by its measures: an issue, numbered 一、二、
    if is_category_text(text) or (not section and next_strength == 2):
        name = re.sub(r"[（(]\d+\s*(个|项|条)(问题)?[）)]$", "", text).rstrip("：:")
        walk.where = "list"
        walk.category = name
        if name not in walk.categories:
            walk.categories.append(name)
        walk.in_category = 0
        walk.end_issue()
        return True
    if not section:
        return False
    if walk.issue is not None and _continues_items(walk.issue, numeral):
        return False  # measures numbered 一、二、 inside an issue
    if walk.where == "list":
        walk.end_list()
    walk.text_blocks().append(Block("head", line, lineno))
    return True


def _continues_items(issue: _RawIssue, numeral: str) -> bool:
    """一、 inside an issue starts a numbered list of measures; 二、 continues one after 一、."""
    n = read_number(numeral)
    if n == 1:
        return True
    if not n or n > 10:
        return False
    paragraphs = issue.after if issue.marker else issue.before
    return bool(paragraphs) and paragraphs[-1][1].startswith(_CN_NUM[n - 2] + "、")


def _accept_issue(walk: _Walk, issue, lineno: int, last: bool = False) -> bool:
    """Start a new issue at this line if it reads as one where it stands; False to treat it as text."""
    number, title = issue
    measure = None
    inline = re.search(rf"(?:{_MARKERS})\s*[：:]", title)
    if inline and inline.start() > 0:
        title, measure = title[: inline.start()].rstrip(" 。；"), title[inline.start():]
    else:
        run_on = re.match(r"^(关于.{1,80}?问题)[。：:；]\s*(\S.*)$", title)
        if run_on:  # “1、关于“……”的问题。一是……” on one line
            title, measure = run_on[1], run_on[2]
    strength = title_strength(title)
    if strength == 0:
        return False
    if walk.where != "list":
        if strength < 2:
            return False
        walk.where = "list"
    elif strength == 1:
        previous = walk.issues[-1] if walk.issues else None
        all_strong = walk.issues and all(title_strength(i.title) == 2 for i in walk.issues)
        follows = previous is not None and number is not None and previous.number is not None \
            and number == previous.number + 1
        if walk.in_category and (all_strong or not follows) and not (last and follows):
            return False
        if last and follows and all_strong:
            walk.warnings.append(Note(lineno, f"原文最后一行“{title}”像是没有复制完整的问题标题，已作为第{number}项问题导入，请核对"))
    explicit, explicit_text = None, ""
    m = _TITLE_STATUS.search(title)
    if m and status_of_word(m[1]):
        explicit, explicit_text = status_of_word(m[1]), m[1]
        title = title[: m.start()]
    title = title.rstrip("。；;：: ")
    raw = _RawIssue(number, title, walk.category, walk.group, walk.group_head, lineno, explicit, explicit_text)
    walk.issues.append(raw)
    walk.issue = raw
    walk.in_category += 1
    if measure:
        _add_to_issue(raw, raw.line, measure)
    return True


def _add_to_issue(issue: _RawIssue, lineno: int, line: str) -> None:
    m = _EXPLICIT_STATUS.match(line)
    if m and status_of_word(m[1]):
        issue.explicit, issue.explicit_text = status_of_word(m[1]), m[1].rstrip("。")
        return
    m = _MEASURE.match(line)
    if m:
        rest = m[1].strip()
        word = rest.rstrip("。")
        issue.marker = True
        if word and len(word) <= 12 and "，" not in word and status_of_word(word):
            issue.explicit, issue.explicit_text = status_of_word(word), word  # 整改情况：已完成
        elif rest:
            issue.after.append((lineno, rest))
        return
    # Before any marker: the measures, or (when a marker follows) the problem's description.
    (issue.after if issue.marker else issue.before).append((lineno, line))


def _read_contact(walk: _Walk) -> ImportedContact:
    found: dict = {}
    for lineno, line in walk.contact_lines:
        text = re.sub(r"^(?:联系方式|联系人)\s*[：:]?\s*", "", line)
        if not text:
            continue
        marks = list(re.finditer(rf"(?:{_CONTACT_ANY})\s*[：:]?\s*", text))
        if not marks:
            walk.unplaced.append(Note(lineno, line))
            continue
        if marks[0].start() > 0:
            walk.unplaced.append(Note(lineno, text[: marks[0].start()]))
        for k, m in enumerate(marks):
            kind = m.lastgroup
            value = text[m.end(): marks[k + 1].start() if k + 1 < len(marks) else len(text)]
            value = value.strip(" ；;，,。、")
            if kind == "email":
                e = re.search(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+", value)
                value = e[0] if e else value
            elif kind == "postcode":
                p = re.search(r"\d{6}", value)
                value = p[0] if p else value
            if kind in found and found[kind] != value:
                walk.warnings.append(Note(lineno, f"原文有多个{_CONTACT_NAMES[kind]}，只取了第一个“{found[kind]}”，"
                                                  f"未用“{value}”"))
                continue
            found[kind] = value
    return ImportedContact(**found)


_CONTACT_NAMES = {"phone": "电话", "email": "邮箱", "address": "地址", "postcode": "邮政编码"}


def _finish_issues(walk: _Walk):
    """Raw issues -> numbered issues with bodies; description paragraphs go to unplaced."""
    categories = list(walk.categories)
    fallback = "巡察反馈的问题"
    if any(i.category is None for i in walk.issues):
        if not categories:
            walk.warnings.append(Note(walk.issues[0].line,
                                      f"原文的问题没有分类别，全部暂归入一个类别“{fallback}”，请按需要在通报和问题文件中分类"))
        else:
            walk.warnings.append(Note(walk.issues[0].line,
                                      f"第一个类别之前的问题暂归入类别“{fallback}”，请核对"))
        categories.insert(0, fallback)
    numbers = [i.number for i in walk.issues]
    renumber = None in numbers or len(set(numbers)) != len(numbers)
    if renumber and walk.issues:
        if all(n is None for n in numbers):
            walk.warnings.append(Note(walk.issues[0].line, "原文的问题没有编号，已按出现顺序编为1至"
                                                           f"{len(numbers)}"))
        else:
            walk.warnings.append(Note(walk.issues[0].line, "原文的问题编号有重复或缺失（如各类别分别编号），已按出现顺序"
                                                           f"重新编为1至{len(numbers)}，请核对"))
    issues = []
    for n, raw in enumerate(walk.issues, start=1):
        before = [t for _, t in raw.before]
        after = [t for _, t in raw.after]
        if raw.marker:
            for lineno, text in raw.before:
                walk.unplaced.append(Note(lineno, text))
            paragraphs = after
        else:
            paragraphs = before + after
        number = n if renumber else raw.number
        if not paragraphs:
            walk.warnings.append(Note(raw.line, f"第{number}项问题“{raw.title}”没有找到整改措施（主要做法），"
                                                "问题文件的正文暂写“（原文未写明整改措施）”，请补充"))
            paragraphs = ["（原文未写明整改措施）"]
        issues.append(_RawIssueOut(number, raw, tuple(paragraphs), raw.category or fallback))
    return sorted(issues, key=lambda i: i.number), categories


@dataclass(frozen=True)
class _RawIssueOut:
    number: int
    raw: _RawIssue
    paragraphs: tuple
    category: str


def _read_facts(paras, warnings) -> dict:
    """巡察组, 开始日期, 结束日期, 反馈日期 from the notice's opening text."""
    facts: dict = {"team": "", "start": None, "end": None, "feedback": None}
    period_span = None
    for block in paras:
        text = block.text
        if facts["start"] is None:
            m = re.search(_DATE + r"\s*(?:至|到|—+|-|~|～)\s*(?:" + _DATE + r"|(\d{1,2})月(\d{1,2})日?)", text)
            if m:
                start = _valid_date(int(m[1]), int(m[2]), int(m[3]))
                if m[4]:
                    end = _valid_date(int(m[4]), int(m[5]), int(m[6]))
                else:
                    end = _valid_date(int(m[1]), int(m[7]), int(m[8]))
                if start and end:
                    facts["start"], facts["end"] = start, end
                    period_span = (block.line, m.start(), m.end())
            else:
                m = re.search(r"((?:19|20)\d{2})年(\d{1,2})月(?:\s*(?:至|到|—+|-|~|～)\s*(?:((?:19|20)\d{2})年)?(\d{1,2})月)(?!\d)",
                              text)
                if m:
                    y1, m1 = int(m[1]), int(m[2])
                    y2, m2 = int(m[3] or m[1]), int(m[4])
                    if 1 <= m1 <= 12 and 1 <= m2 <= 12:
                        facts["start"] = dt.date(y1, m1, 1)
                        facts["end"] = dt.date(y2, m2, calendar.monthrange(y2, m2)[1])
                        period_span = (block.line, m.start(), m.end())
                        warnings.append(Note(block.line, f"巡察时间“{m[0]}”没有写具体日期，开始日期暂填{facts['start']}、"
                                                         f"结束日期暂填{facts['end']}，请核对"))
        if not facts["team"]:
            t = re.search(rf"(?:[省市州县区旗盟]委|中央)?第[{_CN_NUM}\d]+轮?(?:巡察|巡视)组", text) or \
                re.search(r"(?:[省市州县区旗盟]委|中央)(?:[^，。；、\d]{0,6}?)(?:巡察|巡视)组", text)
            if t:
                facts["team"] = t[0]
        if facts["feedback"] is None:
            for sentence in re.split(r"(?<=[。；])", text):
                if "反馈" not in sentence:
                    continue
                for d in _DATE_RE.finditer(sentence):
                    offset = text.find(sentence)
                    if period_span and period_span[0] == block.line and \
                            period_span[1] <= offset + d.start() < period_span[2]:
                        continue
                    if read_date(d):
                        facts["feedback"] = read_date(d)
                        break
                if facts["feedback"]:
                    break
    names = {"team": "巡察组", "start": "巡察开始日期", "end": "巡察结束日期", "feedback": "巡察反馈日期"}
    missing = [names[k] for k in names if not facts[k]]
    if missing:
        warnings.append(Note(0, f"原文中没有找到{'、'.join(missing)}，notice.md 中已留空，生成网站前必须填写"))
    if facts["start"] and facts["end"] and facts["end"] < facts["start"]:
        warnings.append(Note(0, "巡察结束日期早于开始日期，请核对"))
    return facts


# ----- stated totals

_UNIT = r"(?:项|条|个(?=问题))"
_STATED_PATTERNS = (
    (("类别数", "问题总数"), re.compile(_NUM + r"(?:个)?(?:大类|个方面|类)" + _NUM + _UNIT + r"(?:具体)?问题")),
    (("问题总数",), re.compile(r"(?:反馈|指出|发现|共)(?:的|了|计|有)?(?:问题)?(?:共|共计)?" + _NUM + _UNIT + r"(?:具体)?问题")),
    (("问题总数",), re.compile(r"(?<![\d大类])" + _NUM + _UNIT + r"问题中")),
    (("已完成",), re.compile(r"(?:已有|已经有|其中)?" + _NUM + _UNIT + r"(?:问题)?(?:已经?|均已|已全部)?"
                               r"(?:整改完毕|整改完成|完成整改|整改到位|办结|销号)")),
    (("已完成",), re.compile(r"(?:已整改完成|已完成整改|已整改到位|已整改|已完成)" + _NUM + _UNIT)),
    (("整改中",), re.compile(r"(?:还有|尚有|仍有)?" + _NUM + _UNIT + r"(?:问题)?(?:正在|仍在|尚在)(?:持续)?(?:整改|推进)")),
    (("整改中",), re.compile(r"(?:正在整改|正在推进|整改中|尚未完成|未完成)(?:的)?(?:问题)?" + _NUM + _UNIT)),
    (("长期坚持",), re.compile(_NUM + _UNIT + r"(?:问题)?(?:需要?|需)?长期(?:坚持|整改|推进)")),
    (("长期坚持",), re.compile(r"(?:长期坚持|需长期坚持|长期整改)(?:的)?(?:问题)?" + _NUM + _UNIT)),
    (("整改完成率",), re.compile(r"整改(?:完成)?率(?:为|达到|达)?\s*(\d{1,3}(?:\.\d+)?)\s*%")),
)


@dataclass(frozen=True)
class _Span:
    block: int  # index into intro + outro
    start: int
    end: int
    name: str
    arabic: bool


def _find_stated(blocks):
    """Every figure the notice states about itself, with where it stands."""
    found = []
    for index, block in enumerate(blocks):
        taken: list[tuple[int, int]] = []
        for names, pattern in _STATED_PATTERNS:
            for m in pattern.finditer(block.text):
                if any(a < m.end() and m.start() < b for a, b in taken):
                    continue
                taken.append((m.start(), m.end()))
                for g, name in enumerate(names, start=1):
                    raw = m[g]
                    value = float(raw) if name == "整改完成率" else read_number(raw)
                    if value is None:
                        continue
                    span = _Span(index, m.start(g), m.end(g), name, raw.isdigit())
                    found.append((StatedTotal(name, value, block.line, m[0]), span))
    return found


def _decide_statuses(issues, stated, warnings):
    """Each issue's status: written on it, its group, its own wording, the totals, else a flagged guess."""
    decided = {}
    for out in issues:
        raw = out.raw
        if raw.explicit:
            decided[out.number] = (raw.explicit, f"原文标明“{raw.explicit_text}”", False)
            continue
        if raw.group:
            decided[out.number] = (raw.group, f"列在“{raw.group_head}”之下", False)
            continue
        found, words = status_from_wording(out.paragraphs)
        if len(found) == 1:
            decided[out.number] = (found.pop(), f"原文写有“{'”“'.join(words)}”", False)
        elif len(found) > 1:
            warnings.append(Note(raw.line, f"第{out.number}项问题的原文同时写有“{'”“'.join(words)}”，无法据此判断整改状态"))
    undecided = [o for o in issues if o.number not in decided]
    figures = {}
    for total, _ in stated:
        figures.setdefault(total.name, set()).add(total.value)
    single = {k: next(iter(v)) for k, v in figures.items() if len(v) == 1}
    plan = None
    if undecided and "问题总数" in single and single["问题总数"] == len(issues):
        counts = {s: sum(1 for v in decided.values() if v[0] == s) for s in STATUSES}
        given = {s: single[s] for s in STATUSES if s in single}
        missing = [s for s in STATUSES if s not in given]
        total = single["问题总数"]
        if sum(given.values()) == total:
            given.update({s: 0 for s in missing})
        elif len(missing) == 1:
            given[missing[0]] = total - sum(given.values())
        if len(given) == len(STATUSES):
            remaining = {s: given[s] - counts[s] for s in STATUSES}
            open_ = [s for s in STATUSES if remaining[s] != 0]
            if all(v >= 0 for v in remaining.values()) and len(open_) == 1 \
                    and remaining[open_[0]] == len(undecided):
                stated_words = "、".join(f"{given[s]}项{s}" for s in STATUSES if given[s])
                plan = (open_[0], f"按通报公布的数字（{stated_words}）推定")
    result = []
    for out in issues:
        if out.number in decided:
            status, reason, guessed = decided[out.number]
        elif plan:
            status, reason, guessed = plan[0], plan[1], False
        else:
            status, reason, guessed = ONGOING, "原文和公布的数字都不能确定，暂定为“整改中”", True
            warnings.append(Note(out.raw.line, f"第{out.number}项问题的整改状态无法从原文判断，暂定为“整改中”，请核对"))
        result.append(ImportedIssue(out.number, out.raw.title, out.category, status, reason, guessed,
                                    tuple(md_escape(p) for p in out.paragraphs), out.raw.line))
    return result


def _cross_check(stated, categories, issues, intro, outro, warnings):
    """Compare every stated figure with what was found; a matching one becomes a placeholder."""
    computed = {"类别数": len(categories), "问题总数": len(issues)}
    for s in STATUSES:
        computed[s] = sum(1 for i in issues if i.status == s)
    computed["整改完成率"] = round(100 * computed[DONE] / len(issues)) if issues else None
    blocks = list(intro) + list(outro)
    replace_at: dict[int, list] = {}
    checked = []
    for total, span in stated:
        found = computed.get(total.name)
        if total.name == "整改完成率":
            matches = found is not None and abs(total.value - found) < 1
        else:
            matches = found == total.value
        checked.append(StatedTotal(total.name, total.value, total.line, total.written, found, matches))
        unit = "%" if total.name == "整改完成率" else ("类" if total.name == "类别数" else "项")
        shown = _fmt(total.value)
        if not matches:
            got = "无法计算" if found is None else f"{_fmt(found)}{unit}"
            warnings.append(Note(total.line, f"通报写“{total.written}”，其中{total.name}为{shown}{unit}，"
                                             f"导入结果是{got}：请对照原文核对问题和整改状态"))
        elif total.name != "整改完成率" and span.arabic:
            replace_at.setdefault(span.block, []).append(span)
    new_blocks = []
    for index, block in enumerate(blocks):
        text = block.text
        for span in sorted(replace_at.get(index, []), key=lambda s: s.start, reverse=True):
            text = text[: span.start] + "{{" + span.name + "}}" + text[span.end:]
        new_blocks.append(Block(block.kind, text, block.line))
    return checked, tuple(new_blocks[: len(intro)]), tuple(new_blocks[len(intro):])


def _fmt(value) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


# ----------------------------------------------------------------------------------------------
# Writing the content files (pure: returns {relative path: text})


def md_escape(text: str) -> str:
    """Plain text as Markdown that shows exactly that text (and no stray placeholder)."""
    text = re.sub(r"([\\`*_\[\]])", r"\\\1", text)
    text = re.sub(r"^(\d+)\.(\s)", r"\1\\.\2", text)
    text = re.sub(r"^([#>+=|-])", r"\\\1", text)
    return text.replace("{{", "｛｛").replace("}}", "｝｝")


def yaml_value(text: str) -> str:
    """A value for `key: value` that dwgk reads back as exactly `text`: plain if that is safe, else quoted."""
    node = parse_yaml("", f"k: {text}", 1, [])
    if node is not None and isinstance(node.value, dict) and list(node.value) == ["k"] \
            and node.value["k"][1].value == text:
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _field(key: str, value, indent: str = "", missing: str = "通报中未找到，请填写") -> str:
    if value in (None, ""):
        return f"{indent}{key}:  # {missing}"
    if isinstance(value, dt.datetime):
        text = value.strftime("%Y-%m-%d %H:%M") if (value.hour, value.minute) != (0, 0) else value.strftime("%Y-%m-%d")
        return f"{indent}{key}: {text}"
    if isinstance(value, dt.date):
        return f"{indent}{key}: {value.isoformat()}"
    return f"{indent}{key}: {yaml_value(str(value))}"


def render_notice(result: ImportResult) -> str:
    lines = ["---", _field("标题", result.title), _field("发布单位", result.publisher),
             _field("发布时间", result.published), _field("来源", result.source)]
    if result.signed:
        lines.append(_field("落款日期", result.signed))
    lines += ["巡察:", _field("巡察组", result.team, "  "), _field("开始日期", result.start, "  "),
              _field("结束日期", result.end, "  "), _field("反馈日期", result.feedback, "  "), "类别:"]
    lines += [f"  - {yaml_value(name)}" for name in result.categories]
    figures = []
    seen = set()
    for name in STATED_FIGURES:
        for total in result.stated:
            if total.name != name or name in seen:
                continue
            if total.matches:
                figures.append(f"  {name}: {_fmt(total.value)}")
                seen.add(name)
        if name not in seen:
            for total in result.stated:
                if total.name == name:
                    figures.append(f"  # {name}: {_fmt(total.value)}  # 通报原文如此，但导入结果是{_fmt(total.found)}，"
                                   "核对后去掉本行开头的“# ”")
                    seen.add(name)
                    break
    if figures:
        lines += ["公布数字:", *figures]
    lines.append("---")
    body = [_block_md(b) for b in result.intro] + ["{{问题清单}}"] + [_block_md(b) for b in result.outro]
    return "\n".join(lines) + "\n" + "\n\n".join(body) + "\n"


def _block_md(block: Block) -> str:
    text = md_escape(block.text)
    # the placeholders this import put in must survive the escaping
    text = re.sub(r"｛｛(类别数|问题总数|已完成|整改中|长期坚持)｝｝", r"{{\1}}", text)
    return f"## {text}" if block.kind == "head" else text


def render_issue(issue: ImportedIssue) -> str:
    lines = ["---", f"编号: {issue.number}", _field("标题", issue.title), _field("类别", issue.category),
             f"状态: {issue.status}" + ("  # 导入时无法确定，请核对" if issue.status_guessed else ""), "---"]
    return "\n".join(lines) + "\n" + "\n\n".join(issue.paragraphs) + "\n"


SITE_TEMPLATE = """\
# 网站设置：网站名称、主办单位和反馈联系方式，每个页面的页脚都会显示。
{title}
{publisher}
# 承办单位：负责网站日常运行维护的单位，如与主办单位不是同一单位，可在此填写。
# 承办单位:
# 网站标识码：政府网站管理部门分配的网站标识码，有则填写。
# 网站标识码:
# ICP备案号：工业和信息化部ICP备案号，如“鄂ICP备xxxxxxxx号”。
# ICP备案号:
# 公安机关备案号：公安机关互联网站安全备案号，如“鄂公网安备xxxxxxxxxxxxxx号”。
# 公安机关备案号:
反馈联系:
{phone}
{email}
{address}
{postcode}
# 网站地址：网站发布后的地址，如“https://www.example.gov.cn/dwgk/”。填写后生成网站地图 sitemap.xml、
# robots.txt、订阅源 feed.xml 和各页的规范链接；也可以在命令后加 --base-url 网址。
# 网站地址:
"""


def render_settings(result: ImportResult) -> str:
    c = result.contact
    postcode = f'  邮政编码: "{c.postcode}"' if re.fullmatch(r"\d+", c.postcode) else _field("邮政编码", c.postcode, "  ")
    return SITE_TEMPLATE.format(
        title=_field("网站名称", result.site_title), publisher=_field("主办单位", result.unit),
        phone=_field("电话", c.phone, "  "), email=_field("邮箱", c.email, "  "),
        address=_field("地址", c.address, "  "), postcode=postcode)


def issue_file_name(issue: ImportedIssue, count: int) -> str:
    return f"{issue.number:0{max(2, len(str(count)))}d}.md"


def render_files(result: ImportResult, key: str, with_settings: bool) -> dict[str, str]:
    """Every file the import writes, relative to the content folder."""
    files = {f"{key}/{NOTICE_FILE}": render_notice(result)}
    width = max((i.number for i in result.issues), default=0)
    for issue in result.issues:
        files[f"{key}/{issue_file_name(issue, width)}"] = render_issue(issue)
    if with_settings:
        files[SETTINGS_FILE] = render_settings(result)
    return files


# ----------------------------------------------------------------------------------------------
# The report


def format_report(result: ImportResult, src_path: str, written: list[str], content_dir: str,
                  settings_note: list[str] = ()) -> str:
    out = [f"导入通报：{result.title or '（未找到标题）'}"]
    out.append(f"  发布时间：{_show(result.published)}；来源：{result.source or '（未找到）'}；"
               f"落款：{result.publisher or '（未找到）'} {_show(result.signed)}")
    out.append(f"  巡察：{result.team or '（未找到巡察组）'}，{_show(result.start)}至{_show(result.end)}，"
               f"反馈日期{_show(result.feedback)}")
    c = result.contact
    out.append(f"  联系方式：电话 {c.phone or '（未找到）'}；邮箱 {c.email or '（未找到）'}；"
               f"地址 {c.address or '（未找到）'}；邮政编码 {c.postcode or '（未找到）'}")
    out.append(f"  找到 {len(result.categories)} 个类别、{len(result.issues)} 个问题：")
    for n, name in enumerate(result.categories, start=1):
        numbers = [i.number for i in result.issues if i.category == name]
        out.append(f"    （{n}）{name}：{_ranges(numbers) or '没有问题'}")
    out.append("")
    if result.stated:
        out.append("与通报公布的数字核对：")
        shown_totals = set()
        for total in result.stated:
            if (total.name, total.value) in shown_totals:
                continue
            shown_totals.add((total.name, total.value))
            unit = "%" if total.name == "整改完成率" else ("类" if total.name == "类别数" else "项")
            found = "无法计算" if total.found is None else f"{_fmt(total.found)}{unit}"
            verdict = "一致" if total.matches else "不一致，请核对"
            out.append(f"  {total.name}：通报写{_fmt(total.value)}{unit}，导入结果{found}，{verdict}")
    else:
        out.append("通报中没有找到公布的数字（如“5大类17项问题已有16项整改完毕”），无从核对。")
    out.append("")
    out.append("各问题的整改状态：")
    reasons: dict = {}
    for issue in result.issues:
        reasons.setdefault((issue.status, issue.status_reason), []).append(issue.number)
    for (status, reason), numbers in reasons.items():
        out.append(f"  第{_ranges(numbers)}项 {status}：{reason}")
    out.append("")
    for line in result.info:
        out.append(f"说明：{line}。")
    notes = list(settings_note)
    for note in result.warnings:
        notes.append(f"{src_path}:{note.line}: {note.message}" if note.line else f"{src_path}: {note.message}")
    if result.site_title and any(p.endswith(SETTINGS_FILE) for p in written):
        notes.append(f"{_join(content_dir, SETTINGS_FILE)}:2: 网站名称“{result.site_title}”是按发布单位推断的，"
                     "通报中没有写，请核对")
        if result.unit != result.publisher:
            notes.append(f"{_join(content_dir, SETTINGS_FILE)}:3: 主办单位“{result.unit}”是由发布单位“{result.publisher}”"
                         "推断的，请核对")
    out.append(f"请编辑核对（共{len(notes)}处）：" if notes else "没有需要核对的猜测。")
    out += [f"  {n}" for n in notes]
    out.append("")
    if result.unplaced:
        out.append(f"未能归位的文字（共{len(result.unplaced)}行，没有写入任何文件，如需要请手工补入）：")
        out += [f"  {src_path}:{n.line}: {n.message}" for n in result.unplaced]
    else:
        out.append("原文每一行都已归位。")
    out.append("")
    if written:
        out.append("已写入：")
        issue_files = [p for p in written if not p.endswith((NOTICE_FILE, SETTINGS_FILE))]
        out += [f"  {p}" for p in written if p.endswith(NOTICE_FILE)]
        if issue_files:
            names = [p.rsplit("/", 1)[1] for p in issue_files]
            folder = issue_files[0].rsplit("/", 1)[0]
            shown_names = names[0] if len(names) == 1 else f"{names[0]} 至 {names[-1]}"
            out.append(f"  {folder}/{shown_names}（{len(names)}个问题文件）")
        out += [f"  {p}" for p in written if p.endswith(SETTINGS_FILE)]
        out.append(f"下一步：运行 python build.py check --content {content_dir} 检查，"
                   f"无误后运行 python build.py build --content {content_dir} 生成网站。")
    return "\n".join(out) + "\n"


def _show(value) -> str:
    if value is None:
        return "（未找到）"
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M") if (value.hour, value.minute) != (0, 0) else value.strftime("%Y-%m-%d")
    return value.isoformat()


def _ranges(numbers) -> str:
    """[1, 2, 3, 5] -> 1至3、5."""
    parts = []
    numbers = sorted(numbers)
    i = 0
    while i < len(numbers):
        j = i
        while j + 1 < len(numbers) and numbers[j + 1] == numbers[j] + 1:
            j += 1
        if j - i == 1:
            parts += [str(numbers[i]), str(numbers[j])]
        else:
            parts.append(str(numbers[i]) if i == j else f"{numbers[i]}至{numbers[j]}")
        i = j + 1
    return "、".join(parts)


def _join(*parts) -> str:
    return "/".join(p.rstrip("/") for p in parts)


# ----------------------------------------------------------------------------------------------
# I/O: read the text file, choose the folder, refuse to overwrite, write


class ImportRefused(Exception):
    """The import would overwrite something or found nothing to import (exit 1); message in Chinese."""

    def __init__(self, message: str, report: str = ""):
        super().__init__(message)
        self.report = report  # what was found, when the text was read at all


def read_text_file(path: str) -> tuple[str, str | None]:
    """The text of a notice file and a note when it was not UTF-8 (Chinese Windows saves GB18030)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise UsageError(f"找不到通报文件 {path}") from None
    except IsADirectoryError:
        raise UsageError(f"{path} 是文件夹，请给出通报的文本文件") from None
    except OSError as exc:
        raise UsageError(f"无法读取通报文件 {path}（{exc.strerror}）") from None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "文件不是 UTF-8 编码，已按 GB18030（GBK）读取"
    except UnicodeDecodeError:
        raise ImportRefused(f"{path}: 无法识别文件编码，请在编辑器中用“UTF-8”编码另存此文件") from None


def existing_notices(content_dir: str) -> dict[str, str]:
    """{title: notice.md path} of the notices already in the content folder."""
    found = {}
    if not os.path.isdir(content_dir):
        return found
    for name in sorted(os.listdir(content_dir)):
        path = os.path.join(content_dir, name, NOTICE_FILE)
        if is_ignored_name(name) or not os.path.isfile(path):
            continue
        try:
            with open(path, encoding="utf-8-sig") as f:
                text = f.read().replace("\r\n", "\n")
        except (OSError, UnicodeDecodeError):
            continue
        errors: list = []
        parts = split_front_matter(path, text, errors)
        root = parse_yaml(path, parts[0], parts[1], errors) if parts else None
        if root is not None and isinstance(root.value, dict) and "标题" in root.value:
            title = root.value["标题"][1].value
            if isinstance(title, str):
                found[title] = path
    return found


def choose_key(result: ImportResult, content_dir: str, key: str | None) -> str:
    def taken(k):
        path = os.path.join(content_dir, k)
        return os.path.lexists(path) and not (os.path.isdir(path) and not os.listdir(path))

    if key is not None:
        if taken(key):
            raise ImportRefused(f"通报文件夹 {_join(content_dir, key)} 已存在，未写入任何文件。"
                                "请用 --key 另选一个文件夹名，或先移走该文件夹")
        return key
    base = str(result.published.year) if result.published else (str(result.signed.year) if result.signed else "notice")
    candidate, n = base, 1
    while taken(candidate) or candidate in RESERVED_KEYS:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


def import_notice(notice_path: str, content_dir: str, key: str | None = None) -> str:
    """Import one text file into content_dir; return the report. Raises ImportRefused, UsageError."""
    if os.path.exists(content_dir) and not os.path.isdir(content_dir):
        raise UsageError(f"{content_dir} 不是文件夹")
    if key is not None:
        errors: list = []
        if not check_key("--key", key, errors):
            raise UsageError(errors[0].message)
    text, encoding_note = read_text_file(notice_path)
    result = parse_notice_text(text)
    if encoding_note:
        result = _with_info(result, encoding_note)
    shown = notice_path
    if not result.title or not result.issues:
        raise ImportRefused(f"{shown}: 没有找到通报标题或任何问题（如“1、关于“……”的问题”），未写入任何文件",
                            format_report(result, shown, [], content_dir))
    same = existing_notices(content_dir).get(result.title)
    if same:
        raise ImportRefused(f"通报“{result.title}”已经导入过：{same}。未写入任何文件；"
                            "如要重新导入，请先移走该通报文件夹")
    key = choose_key(result, content_dir, key)
    with_settings = not os.path.exists(os.path.join(content_dir, SETTINGS_FILE))
    files = render_files(result, key, with_settings)
    settings_note = [] if with_settings else compare_settings(result, content_dir)
    try:
        write_files(content_dir, key, files)
    except OSError as exc:
        raise ImportRefused(f"无法写入 {exc.filename or content_dir}（{exc.strerror or exc}）") from None
    written = [_join(content_dir, p) for p in files]
    return format_report(result, shown, written, content_dir, settings_note)


def _with_info(result: ImportResult, line: str) -> ImportResult:
    from dataclasses import replace

    return replace(result, info=(line, *result.info))


def compare_settings(result: ImportResult, content_dir: str) -> list[str]:
    """The site already has settings: name every contact detail the notice gives differently."""
    path = os.path.join(content_dir, SETTINGS_FILE)
    try:
        with open(path, encoding="utf-8-sig") as f:
            root = parse_yaml(path, f.read(), 1, [])
    except (OSError, UnicodeDecodeError):
        return []
    if root is None or not isinstance(root.value, dict) or "反馈联系" not in root.value:
        return []
    line, contact = root.value["反馈联系"]
    if not isinstance(contact.value, dict):
        return []
    notes = []
    for attr, key in (("phone", "电话"), ("email", "邮箱"), ("address", "地址"), ("postcode", "邮政编码")):
        mine = getattr(result.contact, attr)
        if not mine or key not in contact.value:
            continue
        k_line, theirs = contact.value[key]
        if isinstance(theirs.value, str) and theirs.value != mine:
            notes.append(f"{_join(content_dir, SETTINGS_FILE)}:{k_line}: 通报中的{key}是“{mine}”，与网站设置的“{theirs.value}”"
                         "不同；网站各页使用网站设置中的联系方式，未作修改，请核对")
    return notes


def write_files(content_dir: str, key: str, files: dict[str, str]) -> None:
    """Write the notice folder in one step (a hidden staging folder renamed into place)."""
    os.makedirs(content_dir, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".import-{key}-", dir=content_dir)
    try:
        for rel, text in files.items():
            if not rel.startswith(f"{key}/"):
                continue
            path = os.path.join(staging, rel.split("/", 1)[1])
            with open(path, "w", encoding="utf-8", newline="\n") as f:
                f.write(text)
        target = os.path.join(content_dir, key)
        if os.path.isdir(target) and not os.listdir(target):
            os.rmdir(target)
        os.rename(staging, target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    if SETTINGS_FILE in files:
        try:
            with open(os.path.join(content_dir, SETTINGS_FILE), "x", encoding="utf-8", newline="\n") as f:
                f.write(files[SETTINGS_FILE])
        except FileExistsError:  # written meanwhile by someone else: theirs stays
            pass
