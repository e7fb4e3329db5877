"""Walking the lines: title, header, signature, and the body placed line by line."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from .classify import Reading, classify, group_status, is_category_text, match_issue, title_strength
from .lexicon import (CATEGORY_LABEL, CN_NUM, CONTACT_LINE, CONTACT_SPLIT, CRUMB, DATE_RE, HEAD_BULLET, HEAD_LABEL, HEAD_LABEL_ONLY, HEADER_LABELS,
                      MARKERS, SOURCE_LABELS, TIME_RE, TITLE_END, TITLE_STATUS, UNIT_NAME, read_date, read_date_line,
                      read_number, status_of_word)
from .normalise import HAS_CJK
from .model import Block, Note

# ----------------------------------------------------------------------------------------------
# Parsing: header, body walk, facts, totals, statuses


@dataclass
class RawIssue:
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
    description: list = field(default_factory=list)  # (line, text) of the problem itself (问题表现)
    form: str = ""  # how its title was numbered (a LINE_KINDS form)
    sub_form: str = ""  # how the items under it are numbered, when they are its own (（1）… under 1.)


@dataclass
class Walk:
    """Mutable state of one pass over the body; only parse_notice_text sees it."""

    intro: list = field(default_factory=list)
    outro: list = field(default_factory=list)
    where: str = "intro"  # intro, list or outro
    categories: list = field(default_factory=list)
    category: str | None = None
    group: str | None = None
    group_head: str = ""
    issues: list = field(default_factory=list)
    issue: RawIssue | None = None
    in_category: int = 0  # issues since the last category or group head
    contact_lines: list = field(default_factory=list)
    unplaced: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    headings: frozenset = frozenset()  # lines that were headings in the file (bold, heading style)

    def text_blocks(self):
        return self.intro if self.where == "intro" else self.outro

    def end_issue(self):
        self.issue = None

    def start_group(self, status: str, head: str):
        """A head like “一、已整改完成的问题”: the issues under it have its status."""
        self.where = "list"
        self.group, self.group_head = status, head
        self.in_category = 0
        self.end_issue()

    def start_category(self, head: str):
        """A category head: “（一）在……方面（3个问题）”, “（一）反馈问题：……”."""
        name = re.sub(r"[（(]\d+\s*(个|项|条)(问题)?[）)]$", "", CATEGORY_LABEL.sub("", head)).rstrip("：:。")
        self.where = "list"
        self.category = name
        if name not in self.categories:
            self.categories.append(name)
        self.in_category = 0
        self.end_issue()

    def end_list(self):
        self.end_issue()
        self.where = "outro"


@dataclass(frozen=True)
class Head:
    """What stands above the notice's text: its title and the page's date and source lines."""

    title: str = ""
    title_line: int = 0
    published: dt.datetime | None = None
    source: str = ""
    source_line: int = 0
    source_labelled: bool = True  # False: a unit name standing beside the date, with no 来源 label
    body_start: int = 0


def is_body_line(line: str) -> bool:
    """The notice's own text has begun: a sentence, or a numbered head or issue."""
    if len(line) > 100 or "。" in line and len(line) > 15:
        return True
    kinds = classify(line)
    return "head" in kinds or ("issue" in kinds and kinds["issue"].form != "关于")


def read_head(lines, unplaced) -> Head:
    """Title, publishing time and source from the lines before the notice's text.

    The head ends at the first line of the text itself, so a section head (一、…) or the opening
    paragraph is never taken as the title. Web-page lines there (crumbs, 浏览次数) are unplaced.
    """
    end = 0
    while end < len(lines) and end < 30 and not is_body_line(lines[end][1]):
        end += 1
    head = [(n, HEAD_BULLET.sub("", t)) for n, t in lines[:end]]
    title_at = find_title(head)
    title, title_line = "", 0
    used: set[int] = set()
    if title_at is not None:
        first, last = title_at
        title = "".join(t for _, t in head[first : last + 1])
        title_line = head[first][0]
        used.update(range(first, last + 1))
    published = None
    source, source_line, source_rank, labelled = "", 0, 99, True
    for i, (lineno, line) in enumerate(head):
        if i in used:
            continue
        if line == title:  # the title repeated (文件名称: …, then the page's heading)
            used.add(i)
            continue
        if HEAD_LABEL_ONLY.match(line) and i + 1 < len(head) and i + 1 not in used \
                and not HEAD_LABEL.match(head[i + 1][1]):
            line = line + head[i + 1][1]  # “发布机构：” / “示例区卫生健康局” on two lines
            used.add(i + 1)
        m = DATE_RE.search(line)
        is_header = len(line) <= 80 and "。" not in line and (m or HEADER_LABELS.search(line))
        if not is_header:
            unplaced.append(Note(lineno, line))
            continue
        rest = line
        d = read_date(m) if m else None
        if d:
            t = TIME_RE.search(line, m.end())
            if t and int(t[1]) < 24 and int(t[2]) < 60:
                when = dt.datetime(d.year, d.month, d.day, int(t[1]), int(t[2]))
                rest = rest.replace(t[0], "", 1)
            else:
                when = dt.datetime(d.year, d.month, d.day)
            if published is None or (published.date() == when.date() and (published.hour, published.minute) == (0, 0)):
                published = when
            rest = rest.replace(m[0], "", 1)
        for rank, label in enumerate(SOURCE_LABELS):
            s = re.search(rf"{label}\s*[：:]\s*(\S+)", rest)
            if s:
                if rank < source_rank:
                    source, source_line, source_rank, labelled = s[1], lineno, rank, True
                rest = rest.replace(s[0], "")
                break
        rest = re.sub(r"(发布时间|发布日期|成文日期|时间|日期)\s*[：:]?", "", rest).strip(" ：:|丨")
        if d and not source and UNIT_NAME.fullmatch(rest):
            source, source_line, source_rank, labelled = rest, lineno, len(SOURCE_LABELS), False
            rest = ""
        if rest:
            unplaced.append(Note(lineno, line))
    return Head(title, title_line, published, source, source_line, labelled, end)


def find_title(head) -> tuple[int, int] | None:
    """(first, last) index of the title in the head: “……关于……的通报” first, else a line ending like one."""
    def plain(line):
        return len(line) <= 100 and "。" not in line and not CRUMB.search(line) and not HEAD_LABEL.match(line)

    def wrapped(i):  # a long title wrapped onto two lines on the web page: “…关于” / “…的通报”
        if i > 0 and "关于" in head[i - 1][1] and "关于" not in head[i][1] and len(head[i - 1][1]) <= 60 \
                and not re.search(r"[。，；>：]", head[i - 1][1]) and plain(head[i - 1][1]):
            return i - 1
        return i

    for strict in (True, False):
        for i, (_, line) in enumerate(head):
            if not plain(line) or not re.search(TITLE_END, line):
                continue
            first = wrapped(i)
            if strict and "关于" not in "".join(t for _, t in head[first : i + 1]):
                continue
            return first, i
    for i, (_, line) in enumerate(head[:1]):  # a page that starts with its title (cut short)
        if plain(line) and HAS_CJK.search(line) and not DATE_RE.search(line) and not HEADER_LABELS.match(line):
            return i, i
    return None


def find_signature(body, unplaced):
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
                if len(prev) <= 40 and not re.search(r"[。，；：！？:,;]", prev) and not CONTACT_LINE.match(prev):
                    signer = prev
                    end = j - 1
            return signed, signer, body[:end]
    return None, "", body


def walk_line(walk: Walk, lineno: int, line: str, next_line: str) -> None:
    """Place one line of the body: notice text, category, issue, measure, contact or unplaced."""
    split = CONTACT_SPLIT.search(line) if walk.where != "intro" else None
    if split and split.start() > 0:
        walk_line(walk, lineno, line[: split.start()], line[split.start():])
        walk_line(walk, lineno, line[split.start():], next_line)
        return
    kinds = classify(line)
    if walk.where != "intro" and "contact" in kinds:
        if walk.where == "list":
            walk.end_list()
        walk.contact_lines.append((lineno, line))
        return
    head = kinds.get("head")
    if head and _place_head(walk, lineno, line, head, next_line):
        return
    issue = match_issue(line)
    if issue is not None and _absorb_sub_item(walk, kinds["issue"].form, lineno, line):
        return
    if issue is not None and _accept_issue(walk, issue, lineno, kinds["issue"].form, last=not next_line):
        return
    if "table" in kinds:
        _add_table_row(walk, lineno, line)
        return
    if lineno in walk.headings and _place_heading(walk, lineno, line):
        return
    if walk.where != "list":
        walk.text_blocks().append(Block("para", line, lineno))
    elif "closing" in kinds:
        walk.end_list()
        walk.outro.append(Block("para", line, lineno))
    elif walk.issue is None:
        walk.unplaced.append(Note(lineno, line))
    else:
        _add_to_issue(walk.issue, lineno, line)


def _place_head(walk: Walk, lineno: int, line: str, head: Reading, next_line: str) -> bool:
    """A numbered head (一、… or （一）…): status group, category, section of the notice, or none."""
    numeral, text = head.match[1], head.match[2].strip()
    section = head.form == "section"
    status = group_status(text)
    if status:
        walk.start_group(status, text)
        return True
    following = match_issue(next_line)
    next_strength = title_strength(following[1]) if following else 0
    if text.startswith("关于") and "方面" not in text and title_strength(text) == 2 and next_strength == 0:
        return False  # “（一）关于“……”的问题” followed by its measures: an issue, numbered 一、二、
    if is_category_text(text) or (not section and next_strength == 2):
        walk.start_category(text)
        return True
    if not section:
        return False
    if walk.issue is not None and _continues_items(walk.issue, numeral):
        return False  # measures numbered 一、二、 inside an issue
    if walk.where == "list":
        walk.end_list()
    walk.text_blocks().append(Block("head", line, lineno))
    return True


def _continues_items(issue: RawIssue, numeral: str) -> bool:
    """一、 inside an issue starts a numbered list of measures; 二、 continues one after 一、."""
    n = read_number(numeral)
    if n == 1:
        return True
    if not n or n > 10:
        return False
    paragraphs = issue.after if issue.marker else issue.before
    return bool(paragraphs) and paragraphs[-1][1].startswith(CN_NUM[n - 2] + "、")


def _add_table_row(walk: Walk, lineno: int, line: str) -> None:
    """A Markdown table row (from a Word or web-page table) joins the table before it."""
    if walk.where == "list" and walk.issue is not None:
        target = walk.issue.after if walk.issue.marker else walk.issue.before
        if target and target[-1][1].startswith("|"):
            target[-1] = (target[-1][0], target[-1][1] + "\n" + line)
        else:
            target.append((lineno, line))
        return
    blocks = walk.text_blocks() if walk.where != "list" else walk.outro
    if blocks and blocks[-1].kind == "table":
        blocks[-1] = Block("table", blocks[-1].text + "\n" + line, blocks[-1].line)
    else:
        blocks.append(Block("table", line, lineno))


def _place_heading(walk: Walk, lineno: int, line: str) -> bool:
    """An unnumbered heading (bold in the file): a status group, a category, or a section head."""
    status = group_status(line)
    if status:
        walk.start_group(status, line)
        return True
    if is_category_text(line) and title_strength(line) < 2:
        walk.start_category(line)
        return True
    if walk.issue is None and len(line) <= 40 and not line.endswith(("。", "；", "：")):
        if walk.where == "list":
            walk.end_list()
        walk.text_blocks().append(Block("head", line, lineno))
        return True
    return False


def _absorb_sub_item(walk: Walk, form: str, lineno: int, line: str) -> bool:
    """“1.结余药品使用不规范。” then “（1）……”: items numbered another way right under an issue are its own."""
    current = walk.issue
    if current is None or form == current.form:
        return False
    fresh = not (current.before or current.after or current.description or current.marker)
    if current.sub_form != form and not (fresh and not current.sub_form):
        return False
    current.sub_form = form
    _add_to_issue(current, lineno, line)
    return True


def _accept_issue(walk: Walk, issue, lineno: int, form: str, last: bool = False) -> bool:
    """Start a new issue at this line if it reads as one where it stands; False to treat it as text."""
    number, title = issue
    measure = None
    inline = re.search(rf"(?:{MARKERS})\s*[：:]", title)
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
    m = TITLE_STATUS.search(title)
    if m and status_of_word(m[1]):
        explicit, explicit_text = status_of_word(m[1]), m[1]
        title = title[: m.start()]
    title = re.sub(r"(?<=问题)的?整改(?:落实)?(?:情况)?$", "", title.rstrip("。；;：: "))  # “关于“……”问题的整改”
    raw = RawIssue(number, title, walk.category, walk.group, walk.group_head, lineno, explicit, explicit_text,
                   form=form)
    walk.issues.append(raw)
    walk.issue = raw
    walk.in_category += 1
    if measure:
        _add_to_issue(raw, raw.line, measure)
    return True


def _add_to_issue(issue: RawIssue, lineno: int, line: str) -> None:
    kinds = classify(line)
    if "description" in kinds:
        issue.description.append((lineno, line))
        return
    if "status" in kinds:
        word = kinds["status"].match[1]
        issue.explicit, issue.explicit_text = status_of_word(word), word.rstrip("。")
        return
    if "measure" in kinds:
        rest = kinds["measure"].match[1].strip()
        word = rest.rstrip("。")
        issue.marker = True
        if word and len(word) <= 12 and "，" not in word and status_of_word(word):
            issue.explicit, issue.explicit_text = status_of_word(word), word  # 整改情况：已完成
        elif rest:
            issue.after.append((lineno, rest))
        return
    # Before any marker: the measures, or (when a marker follows) the problem's description.
    (issue.after if issue.marker else issue.before).append((lineno, line))


def finish_issues(walk: Walk):
    """Raw issues -> numbered issues with their measures and the description of the problem."""
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
        description = [t for _, t in raw.description]
        if raw.marker:  # the text before “整改措施：” describes the problem
            description += before
            paragraphs = after
        else:
            paragraphs = before + after
        number = n if renumber else raw.number
        if not paragraphs:
            walk.warnings.append(Note(raw.line, f"第{number}项问题“{raw.title}”没有找到整改措施（主要做法），"
                                                "问题文件的正文暂写“（原文未写明整改措施）”，请补充"))
            paragraphs = ["（原文未写明整改措施）"]
        issues.append(RawIssueOut(number, raw, tuple(paragraphs), raw.category or fallback, tuple(description)))
    return sorted(issues, key=lambda i: i.number), categories


@dataclass(frozen=True)
class RawIssueOut:
    number: int
    raw: RawIssue
    paragraphs: tuple
    category: str
    description: tuple = ()


