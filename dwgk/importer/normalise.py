"""Normalising the text: spaces, width, punctuation, garbled dates."""

from __future__ import annotations

import re

from .model import Note
from .lexicon import valid_date

# ----------------------------------------------------------------------------------------------
# Normalising the text: spaces, width, punctuation, garbled dates

CJK = "\u3400-\u9fff\uf900-\ufaff"
SPACES = re.compile(r"[\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000\u2028\u2029\x85\t\f\v]")
# Invisible characters and control characters (YAML refuses the latter): dropped.
INVISIBLE = re.compile(r"[\u200b-\u200d\u2060\ufeff\u00ad\x00-\x08\x0e-\x1f\x7f-\x84\x86-\x9f\ufffe\uffff]")
WIDE = str.maketrans({**{chr(0xFF10 + i): str(i) for i in range(10)},
                       **{chr(0xFF21 + i): chr(0x41 + i) for i in range(26)},
                       **{chr(0xFF41 + i): chr(0x61 + i) for i in range(26)},
                       "＠": "@", "％": "%", "－": "-", "＿": "_"})
HAS_CJK = re.compile(f"[{CJK}]")


def normalise_punctuation(line: str) -> tuple[str, int]:
    """Half-width punctuation in Chinese text -> full width; returns the line and how many changed.

    Spaces typed before a half-width mark go with it (“责任 ,切实” -> “责任，切实”); numbers,
    times (15:24), decimals and web addresses keep their marks.
    """
    if not HAS_CJK.search(line):
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
    line = sub(rf"(?<=[{CJK}”）》]) *\?", "？", line)
    line = sub(rf"(?<=[{CJK}”）》]) *!", "！", line)

    def parens(m):
        inner = m[1]
        before = line[m.start() - 1] if m.start() else ""
        if HAS_CJK.search(inner) or re.fullmatch(r"\d{1,3}", inner) or HAS_CJK.match(before):
            return f"（{inner}）"
        return m[0]

    new = re.sub(r"\(([^()\n]*)\)", parens, line)
    count += sum(1 for a, b in zip(line, new) if a != b) // 2
    line = new
    line = sub(rf"(?<=[{CJK}”）》])\.(?=$|\s|[{CJK}“”（《\d])", "。", line)
    # A space before a full-width mark is always a typing slip (“责任 ，切实”).
    line = re.sub(r" +(?=[，。；：！？、])", "", line)
    return line, count


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
        if 1 <= m <= 12 and valid_date(2000, m, d):  # leap year: 2月29日 is possible
            found.append((m, d))
    return found


_GARBLED_DAY = re.compile(r"(?<![\d.])((?:19|20)\d{2})(年?)(\d{2,4})日")
_GARBLED_MONTH = re.compile(r"(?<![\d.])((?:19|20)\d{2})(\d{1,2})月")
_GARBLED_MONTH_DAY = re.compile(r"(?<![\d年月.\-/:：])(\d{3,4})日(?![\d])")
_BARE_DATE = re.compile(r"^((?:19|20)\d{2})(\d{2})(\d{2})$")


def repair_dates(line: str, lineno: int, warnings: list) -> str:
    """Dates that lost 年 and 月 when copied from a web page: 20181219日 -> 2018年12月19日."""

    def day(m):
        year, rest = int(m[1]), m[3]
        readings = [(mo, d) for mo, d in _read_month_day(rest) if valid_date(year, mo, d)]
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

    def month_day(m):
        readings = _read_month_day(m[1])
        if not readings:
            return m[0]
        (mo, d), others = readings[0], readings[1:]
        fixed = f"{mo}月{d}日"
        other = "或".join(f"{a}月{b}日" for a, b in others)
        warnings.append(Note(lineno, f"日期“{m[0]}”缺少“月”，{'可读作' + fixed + '或' + other + '，已按' + fixed + '导入' if other else '已读作' + fixed}"
                                     "，请核对"))
        return fixed

    line = _GARBLED_DAY.sub(day, line)
    line = _GARBLED_MONTH.sub(month, line)
    line = _GARBLED_MONTH_DAY.sub(month_day, line)
    bare = _BARE_DATE.match(line)
    if bare and valid_date(int(bare[1]), int(bare[2]), int(bare[3])):
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
        line = INVISIBLE.sub("", SPACES.sub(" ", raw)).translate(WIDE).strip()
        line = re.sub(r" {2,}", " ", line)
        if not line:
            continue
        line, n = normalise_punctuation(line)
        changed += n
        line = repair_dates(line, number, warnings)
        lines.append((number, line))
    return lines, changed


