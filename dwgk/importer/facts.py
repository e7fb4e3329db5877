"""Facts read from the placed text: contact, inspection, stated totals, statuses."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass


from .lexicon import (ROUND, ROUND_BODY, TEAM_FORMS, CONTACT_ANY, DATE, DATE_RE, DONE, NUM, ONGOING, STATUSES, read_date, read_number,
                      status_from_wording, valid_date)
from .model import Block, ImportedContact, ImportedIssue, Note, StatedTotal, fmt
from .walk import Walk
from .write import md_paragraph

def read_contact(walk: Walk) -> ImportedContact:
    found: dict = {}
    for lineno, line in walk.contact_lines:
        text = re.sub(r"^(?:联系方式|联系人)\s*[：:]?\s*", "", line)
        if not text:
            continue
        marks = list(re.finditer(rf"(?:{CONTACT_ANY})\s*[：:]?\s*", text))
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
                walk.warnings.append(Note(lineno, f"原文有多个{CONTACT_NAMES[kind]}，只取了第一个“{found[kind]}”，"
                                                  f"未用“{value}”"))
                continue
            found[kind] = value
    return ImportedContact(**found)


CONTACT_NAMES = {"phone": "电话", "email": "邮箱", "address": "地址", "postcode": "邮政编码"}


YEARLESS = r"(?<![\d年/.-])(\d{1,2})月(\d{1,2})日"
PERIOD_SEP = r"\s*(?:至|到|—+|-|~|～)\s*"


def read_facts(paras, warnings, year: int | None = None) -> dict:
    """巡察组, 开始日期, 结束日期, 反馈日期 and 巡察轮次 from the notice's opening text.

    `year` is the notice's own year (its publishing or signing date): dates written without a year
    (“7月9日至9月14日”, “并于7月26日召开了巡察反馈会议”) are read in it, and flagged.
    """
    facts: dict = {"team": "", "start": None, "end": None, "feedback": None, "round": ""}
    period_span = None
    for block in paras:
        text = block.text
        if facts["start"] is None:
            m = re.search(DATE + PERIOD_SEP + r"(?:" + DATE + r"|(\d{1,2})月(\d{1,2})日?)", text)
            if m:
                start = valid_date(int(m[1]), int(m[2]), int(m[3]))
                if m[4]:
                    end = valid_date(int(m[4]), int(m[5]), int(m[6]))
                else:
                    end = valid_date(int(m[1]), int(m[7]), int(m[8]))
                if start and end:
                    facts["start"], facts["end"] = start, end
                    period_span = (block.line, m.start(), m.end())
            else:
                m = re.search(r"((?:19|20)\d{2})年(\d{1,2})月(?:" + PERIOD_SEP + r"(?:((?:19|20)\d{2})年)?(\d{1,2})月)(?!\d)",
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
                else:
                    m = re.search(YEARLESS + PERIOD_SEP + r"(?:(\d{1,2})月)?(\d{1,2})日", text)
                    if m and "巡" in text and year:
                        start = valid_date(year, int(m[1]), int(m[2]))
                        end = valid_date(year, int(m[3] or m[1]), int(m[4]))
                        if start and end:
                            if end < start:
                                start = valid_date(year - 1, start.month, start.day)
                            facts["start"], facts["end"] = start, end
                            period_span = (block.line, m.start(), m.end())
                            warnings.append(Note(block.line, f"巡察时间“{m[0]}”没有写年份，按通报的年份读作{start}至{end}，"
                                                             "请核对"))
        if not facts["team"]:
            for form in TEAM_FORMS:
                t = form.search(text)
                if t:
                    facts["team"] = t[0]
                    body = ROUND_BODY.search(text[: t.start()])
                    if t[0].startswith("第") and body:  # “区委第三轮巡察第二巡察组” -> 区委第二巡察组
                        facts["team"] = body[1] + t[0]
                    break
        if not facts["round"]:
            r = ROUND.search(text)
            if r:
                facts["round"] = r[0]
        if facts["feedback"] is None:
            facts["feedback"] = _feedback_date(block, text, period_span, facts["end"], year, warnings)
    names = {"team": "巡察组", "start": "巡察开始日期", "end": "巡察结束日期", "feedback": "巡察反馈日期"}
    missing = [names[k] for k in names if not facts[k]]
    if missing:
        warnings.append(Note(0, f"原文中没有找到{'、'.join(missing)}，notice.md 中这几项留空，网页上不显示；"
                                "如另有依据可以补填"))
    if facts["start"] and facts["end"] and facts["end"] < facts["start"]:
        warnings.append(Note(0, "巡察结束日期早于开始日期，请核对"))
    return facts


def _feedback_date(block, text, period_span, end, year, warnings):
    """The date of the sentence that tells of the feedback (反馈), with or without its year."""
    offset = 0
    for sentence in re.split(r"(?<=[。；])", text):
        start_at, offset = offset, offset + len(sentence)
        if "反馈" not in sentence:
            continue

        def in_period(pos):
            return period_span and period_span[0] == block.line and period_span[1] <= start_at + pos < period_span[2]

        for d in DATE_RE.finditer(sentence):
            if not in_period(d.start()) and read_date(d):
                return read_date(d)
        for d in re.finditer(YEARLESS, sentence):
            base = end.year if end else year
            if in_period(d.start()) or not base:
                continue
            found = valid_date(base, int(d[1]), int(d[2]))
            if found and end and found < end:
                found = valid_date(base + 1, found.month, found.day)
            if found:
                warnings.append(Note(block.line, f"反馈日期“{d[0]}”没有写年份，按{'巡察结束日期' if end else '通报'}的年份"
                                                 f"读作{found}，请核对"))
                return found
    return None


# ----- stated totals

_UNIT = r"(?:项|条|个(?=问题))"
_ANY_UNIT = r"(?:项|条|个)"  # after a status word (“已完成整改19个”) a count is plain
_STATED_PATTERNS = (
    (("类别数", "问题总数"), re.compile(NUM + r"(?:个)?(?:大类|个方面|类)" + NUM + _UNIT + r"(?:具体|突出)?问题")),
    (("问题总数",), re.compile(r"(?:反馈|指出|发现|共)(?:的|了|计|有)?(?:问题)?(?:共|共计)?" + NUM + _UNIT + r"(?:具体|突出)?问题")),
    (("问题总数",), re.compile(r"(?:反馈|指出|发现)(?:的)?问题(?:共|共计)?" + NUM + _ANY_UNIT)),
    (("问题总数",), re.compile(r"(?<![\d大类])" + NUM + _UNIT + r"问题中")),
    (("已完成",), re.compile(r"(?:已有|已经有|其中)?" + NUM + _UNIT + r"(?:问题)?(?:已经?|均已|已全部)?"
                               r"(?:整改完毕|整改完成|完成整改|整改到位|办结|销号)")),
    (("已完成",), re.compile(r"(?:已整改完成|已完成整改|已整改到位|已整改|已完成|完成整改)" + NUM + _ANY_UNIT)),
    (("整改中",), re.compile(r"(?:还有|尚有|仍有)?" + NUM + _UNIT + r"(?:问题)?(?:正在|仍在|尚在)(?:持续)?(?:整改|推进)")),
    (("整改中",), re.compile(r"(?:正在整改|正在推进|整改中|尚未完成|未完成)(?:的)?(?:问题)?" + NUM + _ANY_UNIT)),
    (("长期坚持",), re.compile(NUM + _UNIT + r"(?:问题)?(?:需要?|需)?长期(?:坚持|整改|推进)")),
    (("长期坚持",), re.compile(r"(?:长期坚持|需长期坚持|长期整改|持续整改)(?:的)?(?:问题)?" + NUM + _ANY_UNIT)),
    (("整改完成率",), re.compile(r"(?:整改完成|整改|总体完成|完成)率(?:为|达到|达)?\s*(\d{1,3}(?:\.\d+)?)\s*%")),
)


@dataclass(frozen=True)
class _Span:
    block: int  # index into intro + outro
    start: int
    end: int
    name: str
    arabic: bool


def counts_measures(text: str, at: int) -> bool:
    """A figure at `at` counts measures (措施) when the sentence spoke of them after its last 问题."""
    sentence = text[text.rfind("。", 0, at) + 1 : at]
    return sentence.rfind("措施") > sentence.rfind("问题")


def find_stated(blocks):
    """Every figure the notice states about itself, with where it stands."""
    found = []
    for index, block in enumerate(blocks):
        taken: list[tuple[int, int]] = []
        for names, pattern in _STATED_PATTERNS:
            for m in pattern.finditer(block.text):
                if any(a < m.end() and m.start() < b for a, b in taken):
                    continue
                taken.append((m.start(), m.end()))
                if names[0] != "问题总数" and counts_measures(block.text, m.start()):
                    continue  # “制定整改措施94条，已完成整改94条”: measures, not problems
                for g, name in enumerate(names, start=1):
                    raw = m[g]
                    value = float(raw) if name == "整改完成率" else read_number(raw)
                    if value is None:
                        continue
                    span = _Span(index, m.start(g), m.end(g), name, raw.isdigit())
                    found.append((StatedTotal(name, value, block.line, m[0]), span))
    return found


def decide_statuses(issues, stated, warnings):
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
        word = out.raw.explicit_text if out.raw.explicit and status == out.raw.explicit else ""
        result.append(ImportedIssue(out.number, out.raw.title, out.category, status, reason, guessed,
                                    tuple(md_paragraph(p) for p in out.paragraphs), out.raw.line,
                                    tuple(md_paragraph(p) for p in out.description), word))
    return result


def cross_check(stated, categories, issues, intro, outro, warnings):
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
        shown = fmt(total.value)
        if not matches:
            got = "无法计算" if found is None else f"{fmt(found)}{unit}"
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



