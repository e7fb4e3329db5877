"""A rectification notice -> content files: `python build.py import NOTICE`.

parse_notice_text() reads the text (pure); render_files() writes the model out as the content
files the editor guide documents (pure); import_notice() is the thin I/O wrapper that picks the
folder, refuses to overwrite anything and writes. Every guess and every line that could not be
placed is kept in the result, so the report can show the editor exactly what to check.

The stages, one module each: normalise (spaces, punctuation, garbled dates), lexicon (the words
of notices), classify (what a line can be), walk (placing each line), facts (what the placed text
says), write (content files), report (what the editor reads), sources (reading the file).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from dataclasses import replace

from ..content import check_key
from ..model import UsageError
from .facts import cross_check, decide_statuses, find_stated, read_contact, read_facts
from .model import TITLE_PLACEHOLDER, Block, ImportedContact, ImportedIssue, ImportResult, Note, StatedTotal
from .normalise import normalise_lines, normalise_punctuation, repair_dates
from .portal import plan_portal, read_settings
from .report import format_report
from .sources import ImportRefused, read_notice_file
from .walk import Walk, find_signature, finish_issues, read_head, walk_line
from .write import (choose_key, compare_settings, existing_notices, join, md_escape, render_files, write_files,
                    yaml_value)

__all__ = ("Block", "ImportRefused", "ImportResult", "ImportedContact", "ImportedIssue", "Note", "StatedTotal",
           "format_report", "import_notice", "md_escape", "normalise_punctuation", "parse_notice_text",
           "render_files", "repair_dates", "write_files", "yaml_value")


def parse_notice_text(text: str, headings: frozenset = frozenset()) -> ImportResult:
    """The notice in `text` (a plain-text copy of a published notice) as an ImportResult.

    `headings` are the lines that stood out as headings in a Word file or web page (bold, or a
    heading style): an unnumbered one may be a category or a section head.
    """
    warnings: list[Note] = []
    lines, changed = normalise_lines(text, warnings)
    info = []
    if changed:
        info.append(f"已把{changed}处半角标点（如 , : ; ( )）改为全角")
    unplaced: list[Note] = []

    head = read_head(lines, unplaced)
    title, title_line, published, source = head.title, head.title_line, head.published, head.source
    if source and not head.source_labelled:
        warnings.append(Note(head.source_line, f"原文没有写“来源”二字，来源按日期旁的“{source}”导入，请核对"))
    body = lines[head.body_start:]
    signed, signer, body = find_signature(body, unplaced)

    walk = Walk(warnings=warnings, unplaced=unplaced, headings=headings)
    for i, (lineno, line) in enumerate(body):
        walk_line(walk, lineno, line, body[i + 1][1] if i + 1 < len(body) else "")
    contact = read_contact(walk)

    issues, categories = finish_issues(walk)
    year = (published.year if published else signed.year if signed else None)
    facts = read_facts([b for b in walk.intro if b.kind == "para"], warnings, year)
    stated = find_stated(walk.intro + walk.outro)
    issues = decide_statuses(issues, stated, warnings)
    stated, intro, outro = cross_check(stated, categories, issues, walk.intro, walk.outro, warnings)

    publisher = signer
    if not publisher and title:
        m = re.match(r"^(.+?)关于", title)
        if m:
            publisher = m[1]
            warnings.append(Note(title_line, f"原文没有落款单位，发布单位按标题取为“{publisher}”，请核对"))
    if not source:
        warnings.append(Note(0, "原文没有写来源，notice.md 中“来源”留空，网页上不显示；如另有依据可以补填"))
    if published is None and signed is not None:
        published = dt.datetime(signed.year, signed.month, signed.day)
        warnings.append(Note(0, f"原文没有发布时间，发布时间暂按落款日期填为{signed.isoformat()}，请核对"))
    if not title and issues:
        warnings.append(Note(0, f"原文开头没有通报标题（如“……关于巡察整改情况的通报”），notice.md 中标题暂填"
                                f"“{TITLE_PLACEHOLDER}”，请按原文改正"))
    if not issues and title:
        warnings.append(Note(0, "没有找到任何问题（如“1、关于“……”的问题”），只导入了通报正文；"
                                "请对照原文补上问题文件，或检查原文是否复制完整"))
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


def import_notice(notice_path: str, content_dir: str, key: str | None = None) -> str:
    """Import one notice file (.txt, .docx, .html) into content_dir; return the report.

    Raises ImportRefused (nothing to import, or it would overwrite) and UsageError (bad arguments, or a
    .doc, .wps or .pdf file).
    """
    if os.path.exists(content_dir) and not os.path.isdir(content_dir):
        raise UsageError(f"{content_dir} 不是文件夹")
    if key is not None:
        errors: list = []
        if not check_key("--key", key, errors):
            raise UsageError(errors[0].message)
    source = read_notice_file(notice_path)
    result = parse_notice_text(source.text, source.headings)
    for note in reversed(source.notes):
        result = with_info(result, note)
    shown = notice_path
    if not result.title and not result.issues:
        raise ImportRefused(f"{shown}: 没有找到通报标题，也没有找到任何问题（如“1、关于“……”的问题”），未写入任何文件",
                            format_report(result, shown, [], content_dir))
    same = existing_notices(content_dir).get(result.title) if result.title else None
    if same:
        raise ImportRefused(f"通报“{result.title}”已经导入过：{same}。未写入任何文件；"
                            "如要重新导入，请先移走该通报文件夹")
    key = choose_key(result, content_dir, key)
    settings = read_settings(content_dir)
    with_settings = settings is None
    plan = plan_portal(result, content_dir, settings, lambda path, line: f"{path}:{line}")
    result = replace(result, unit_ref=plan.unit_ref, round_ref=plan.round_ref, info=result.info + plan.info)
    files = {**render_files(result, key, with_settings), **plan.files}
    settings_note = list(plan.notes)
    if not with_settings and not plan.unit_ref:
        settings_note += compare_settings(result, content_dir)
    try:
        write_files(content_dir, key, files)
    except OSError as exc:
        raise ImportRefused(f"无法写入 {exc.filename or content_dir}（{exc.strerror or exc}）") from None
    written = [join(content_dir, p) for p in files]
    return format_report(result, shown, written, content_dir, settings_note)


def with_info(result: ImportResult, line: str) -> ImportResult:
    return replace(result, info=(line, *result.info))
