"""The import report: what was found, what was guessed, what the editor should check."""

from __future__ import annotations

import datetime as dt

from ..content import NOTICE_FILE, SETTINGS_FILE
from .write import join
from .model import fmt, ImportResult

# ----------------------------------------------------------------------------------------------
# The report


def format_report(result: ImportResult, src_path: str, written: list[str], content_dir: str,
                  settings_note: list[str] = ()) -> str:
    out = [f"导入通报：{result.title or '（未找到标题）'}"]
    out.append(f"  发布时间：{_show(result.published)}；来源：{result.source or '（未找到）'}；"
               f"落款：{result.publisher or '（未找到）'} {_show(result.signed)}")
    out.append(f"  巡察：{result.team or '（未找到巡察组）'}，{_show(result.start)}至{_show(result.end)}，"
               f"反馈日期{_show(result.feedback)}" + (f"；巡察轮次：{result.round}" if result.round else ""))
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
            found = "无法计算" if total.found is None else f"{fmt(total.found)}{unit}"
            verdict = "一致" if total.matches else "不一致，请核对"
            out.append(f"  {total.name}：通报写{fmt(total.value)}{unit}，导入结果{found}，{verdict}")
    else:
        out.append("通报中没有找到公布的数字（如“5大类17项问题已有16项整改完毕”），无从核对。")
    out.append("")
    out.append("各问题的整改状态：")
    reasons: dict = {}
    for issue in result.issues:
        reasons.setdefault((issue.status, issue.status_reason), []).append(issue.number)
    for (status, reason), numbers in reasons.items():
        out.append(f"  第{_ranges(numbers)}项 {status}：{reason}")
    mapping = status_mapping(result)
    if mapping:
        out.append("  原文的整改状态用语按网站的三种状态导入：" + "；".join(f"“{w}”→{s}" for w, s in mapping))
    out.append("")
    for line in result.info:
        out.append(f"说明：{line}。")
    notes = list(settings_note)
    for note in result.warnings:
        notes.append(f"{src_path}:{note.line}: {note.message}" if note.line else f"{src_path}: {note.message}")
    if result.site_title and any(p.endswith(SETTINGS_FILE) for p in written):
        notes.append(f"{join(content_dir, SETTINGS_FILE)}:2: 网站名称“{result.site_title}”是按发布单位推断的，"
                     "通报中没有写，请核对")
        if result.unit != result.publisher:
            notes.append(f"{join(content_dir, SETTINGS_FILE)}:3: 主办单位“{result.unit}”是由发布单位“{result.publisher}”"
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
        notice = next((p for p in written if p.endswith(NOTICE_FILE)), "")
        folder = notice.rsplit("/", 1)[0]
        issue_files = [p for p in written if p.rsplit("/", 1)[0] == folder and not p.endswith(NOTICE_FILE)]
        out += [f"  {p}" for p in written if p.endswith(NOTICE_FILE)]
        if issue_files:
            names = [p.rsplit("/", 1)[1] for p in issue_files]
            folder = issue_files[0].rsplit("/", 1)[0]
            shown_names = names[0] if len(names) == 1 else f"{names[0]} 至 {names[-1]}"
            out.append(f"  {folder}/{shown_names}（{len(names)}个问题文件）")
        out += [f"  {p}" for p in written if p != notice and p not in issue_files]
        out.append(next_steps(content_dir))
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





def status_mapping(result: ImportResult) -> list[tuple[str, str]]:
    """(word as the text labels it, site status) for every label that is not itself a site status."""
    found = {i.status_word: i.status for i in result.issues if i.status_word and i.status_word != i.status}
    return sorted(found.items())


def next_steps(content_dir: str) -> str:
    """What to run after an import (one place, so the wording can follow the command line)."""
    return (f"下一步：运行 python build.py check --content {content_dir} 检查，"
            f"无误后运行 python build.py build --content {content_dir} 生成网站。")
