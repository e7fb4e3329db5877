"""Recognising the kinds of lines: one table of (kind, pattern, guard) rows.

A new numbering style, marker or label is one row of LINE_KINDS. classify() gives, for each kind,
the first row that matches the line and whose guard accepts the match; the walk decides from where
the line stands which of those readings it takes.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

from .lexicon import (CATEGORY_LABEL, PROBLEM_END, CLOSING, CN_NUM, CONTACT_HEAD, CONTACT_LINE, DESCRIPTION_LABEL, EXPLICIT_STATUS, MEASURE, NUM, read_number,
                      status_of_word)


@dataclass(frozen=True)
class LineKind:
    kind: str  # contact, head, issue, closing, status, measure
    pattern: re.Pattern
    guard: Callable[[re.Match], bool] | None = None  # the match is only this kind if the guard says so
    form: str = ""  # which numbering: section (一、), paren (（一）), or the issue form


@dataclass(frozen=True)
class Reading:
    kind: str
    form: str
    match: re.Match


def numbered(m: re.Match) -> bool:
    return bool(read_number(m[1]))


def short_head(m: re.Match) -> bool:
    """A numbered head, not a numbered sentence."""
    if CATEGORY_LABEL.match(m[2]):  # “（一）反馈问题：……不到位，整改质效不高。”
        return len(m[2]) <= 80
    return is_short_head(m[2]) and not m[2].endswith(("。", "；"))


def status_word(m: re.Match) -> bool:
    return status_of_word(m[1]) is not None


SECTION = re.compile(rf"^([{CN_NUM}]{{1,3}})\s*[、.．]\s*(.+)$")
PAREN = re.compile(rf"^（([{CN_NUM}]{{1,3}})）\s*[、.．]?\s*(.+)$")

LINE_KINDS = (
    LineKind("table", re.compile(r"^\|.*\|$")),
    LineKind("contact", CONTACT_LINE),
    LineKind("contact", CONTACT_HEAD),
    LineKind("head", SECTION, short_head, "section"),
    LineKind("head", PAREN, short_head, "paren"),
    LineKind("issue", re.compile(r"^问题\s*" + NUM + r"\s*[：、.．:]?\s*(.+)$"), numbered, "问题1："),
    LineKind("issue", re.compile(r"^第" + NUM + r"\s*[项个条]\s*[：、.．:]?\s*(.+)$"), numbered, "第1项"),
    LineKind("issue", re.compile(r"^（(\d{1,3})）\s*[、.．]?\s*(.+)$"), numbered, "（1）"),
    LineKind("issue", re.compile(r"^(\d{1,3})\s*[、.．，](?!\d)\s*(.+)$"), numbered, "1、"),
    LineKind("issue", re.compile(rf"^（([{CN_NUM}]{{1,3}})）\s*[、.．]?\s*(.+)$"), numbered, "（一）"),
    LineKind("issue", SECTION, numbered, "一、"),
    LineKind("issue", re.compile(r"^()(关于.+的问题[。；]?)$"), None, "关于"),
    LineKind("closing", CLOSING),
    LineKind("description", DESCRIPTION_LABEL),
    LineKind("status", EXPLICIT_STATUS, status_word),
    LineKind("measure", MEASURE),
)


def classify(line: str, kinds: tuple = LINE_KINDS) -> dict[str, Reading]:
    """{kind: reading} for every kind the line can be read as."""
    found: dict[str, Reading] = {}
    for row in kinds:
        if row.kind in found:
            continue
        m = row.pattern.match(line)
        if m and (row.guard is None or row.guard(m)):
            found[row.kind] = Reading(row.kind, row.form, m)
    return found


def title_strength(text: str) -> int:
    """2: plainly an issue title (关于“…”的问题); 1: could be one (short, no sentence); 0: a sentence."""
    body = text.rstrip("。；;：:")
    if not body or len(body) > 100 or "。" in body or re.match(rf"^[{CN_NUM}]是", body):
        return 0
    if re.search(r"^关于.+问题", body) or (body.endswith("问题") and len(body) <= 60):
        return 2
    if len(body) <= 40 and "，" not in body and PROBLEM_END.search(body):
        return 2  # “1.结余药品使用不规范。”: a problem named by what is wrong
    if text.endswith(("。", "；")) or len(body) > 50:
        return 0
    return 1


def match_issue(text: str):
    """(number or None, title text) if the line has the shape of an issue heading."""
    reading = classify(text).get("issue")
    if reading is None:
        return None
    m = reading.match
    return (read_number(m[1]), m[2].strip()) if m[1] else (None, text)


def group_status(text: str) -> str | None:
    """The status a head like “已整改完成的问题” groups its issues under."""
    body = re.sub(r"[（(][^（）()]*[）)]$", "", text).rstrip("：:")
    if len(body) > 30 or not re.search(r"(问题|事项)(清单)?$", body):
        return None
    return status_of_word(body)


def is_category_text(text: str) -> bool:
    if CATEGORY_LABEL.match(text):
        return True
    body = re.sub(r"[（(][^（）()]*[）)]$", "", text).rstrip("：:")
    return len(body) <= 40 and "。" not in body and ("方面" in body or body.endswith("问题"))


def is_short_head(text: str) -> bool:
    return len(text) <= 50 and "。" not in text[:-1]


