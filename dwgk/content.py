"""Read the content folder (I/O only) and parse each file into the model (pure, collects errors).

Layout of a content folder:
    site.yml            site settings
    KEY/notice.md       one folder per notice; KEY is its URL
    KEY/*.md            one issue file per problem
    KEY/...             any other file is an attachment, published beside the notice
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace

from . import markup
from .frontmatter import decode_text, parse_yaml, split_front_matter
from .model import ContentError, Contact, Inspection, Issue, Notice, Settings, StatedFigure
from .schema import ISSUE_FIELDS, NOTICE_FIELDS, SETTINGS_FIELDS, STATED_FIGURES, read_fields

SETTINGS_FILE = "site.yml"
NOTICE_FILE = "notice.md"

#: Names a notice folder may not take: the site's own folders.
RESERVED_KEYS = {"assets", "archive"}
_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")

#: Placeholders an editor may write in a notice's text; 问题清单 marks where the problems go.
LIST_PLACEHOLDER = "问题清单"
FIGURE_PLACEHOLDERS = ("类别数", "问题总数", "已完成", "整改中", "长期坚持", "整改进度")
PLACEHOLDER = re.compile(r"\{\{\s*([^{}\n]*?)\s*\}\}")


def is_ignored_name(name: str) -> bool:
    """Editor temporaries, backups and hidden files: never content, never a reason to rebuild."""
    return (
        name.startswith(".")
        or name.endswith(("~", ".swp", ".swx", ".swo", ".tmp", ".bak", ".orig"))
        or (name.startswith("#") and name.endswith("#"))
        or name == "4913"  # vim's write test file
    )


@dataclass(frozen=True)
class SourceFile:
    """One file of the content folder as read from disk."""

    rel_path: str  # relative to the content folder, with "/"
    src_path: str  # as shown in messages: relative to the working directory where possible
    data: bytes


def display_path(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def read_sources(content_dir: str) -> list[SourceFile]:
    """Every non-ignored file below content_dir, sorted; symbolic links are refused by parse."""
    shown = display_path(content_dir)
    files = []
    for dirpath, dirnames, filenames in os.walk(content_dir):
        dirnames[:] = sorted(d for d in dirnames if not is_ignored_name(d))
        for name in sorted(filenames):
            if is_ignored_name(name):
                continue
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, content_dir).replace(os.sep, "/")
            src = f"{shown}/{rel}"
            if os.path.islink(full):
                files.append(SourceFile(rel, src, b""))  # parse reports it
                continue
            with open(full, "rb") as f:
                files.append(SourceFile(rel, src, f.read()))
        for d in dirnames:
            if os.path.islink(os.path.join(dirpath, d)):
                rel = os.path.relpath(os.path.join(dirpath, d), content_dir).replace(os.sep, "/")
                files.append(SourceFile(rel, f"{shown}/{rel}", b""))
    return files


def parse_content(content_dir: str, sources: list[SourceFile], errors: list):
    """Sort sources into settings, notices and issues and parse each; return them unassembled.

    Also returns the keys of notices with an unreadable issue file: their totals are not checked,
    since a figure computed without that file would only add a misleading second error.
    """
    shown = display_path(content_dir)
    settings = None
    notices: dict[str, Notice] = {}
    issues: list[Issue] = []
    folders: dict[str, list[SourceFile]] = {}
    incomplete: set[str] = set()  # notices with an issue file that failed to parse
    for source in sources:
        full = os.path.join(content_dir, source.rel_path)
        if os.path.islink(full):
            errors.append(ContentError(source.src_path, 1, "不支持符号链接（快捷方式）：请把文件本身放进内容文件夹"))
            continue
        if "/" not in source.rel_path:
            if source.rel_path == SETTINGS_FILE:
                settings = parse_settings(source.src_path, source.data, errors)
            else:
                errors.append(ContentError(
                    source.src_path, 1,
                    f"内容文件夹里只能直接放网站设置 {SETTINGS_FILE} 和各个通报文件夹；请把此文件移入某个通报文件夹或删除"))
            continue
        key = source.rel_path.split("/", 1)[0]
        folders.setdefault(key, []).append(source)
    if settings is None and not any(s.rel_path == SETTINGS_FILE for s in sources):
        errors.append(ContentError(f"{shown}/{SETTINGS_FILE}", 1, "缺少网站设置文件 site.yml（网站名称、主办单位、反馈联系）"))
    for key, files in sorted(folders.items()):
        notice_source = next((s for s in files if s.rel_path == f"{key}/{NOTICE_FILE}"), None)
        if notice_source is None:
            errors.append(ContentError(f"{shown}/{key}/{NOTICE_FILE}", 1,
                                       f"通报文件夹“{key}”中缺少通报文件 {NOTICE_FILE}"))
            continue
        if not check_key(notice_source.src_path, key, errors):
            continue
        attachments = []
        for source in files:
            inner = source.rel_path[len(key) + 1 :]
            if source is notice_source:
                continue
            if inner.endswith(".md"):
                if "/" in inner:
                    errors.append(ContentError(source.src_path, 1, "问题文件应直接放在通报文件夹中，不能放在下一级文件夹里"))
                    continue
                issue = parse_issue(source.src_path, key, source.data, errors)
                if issue is not None:
                    issues.append(issue)
                else:
                    incomplete.add(key)
            else:
                attachments.append(inner)
        notice = parse_notice(notice_source.src_path, key, notice_source.data, errors)
        if notice is not None:
            notices[key] = replace(notice, attachments=tuple(attachments))
    return settings, notices, issues, incomplete


def check_key(src_path: str, key: str, errors: list) -> bool:
    if not _KEY.fullmatch(key):
        errors.append(ContentError(src_path, 1, f"通报文件夹名“{key}”不能用作网址：只能用小写英文字母、数字和连字符（-），如 2019 或 2019-xuncha"))
        return False
    if key in RESERVED_KEYS:
        errors.append(ContentError(src_path, 1, f"通报文件夹名“{key}”与网站自用的网址冲突（保留：{'、'.join(sorted(RESERVED_KEYS))}），请改名"))
        return False
    return True


def parse_settings(src_path: str, data: bytes, errors: list) -> Settings | None:
    text = decode_text(src_path, data, errors)
    if text is None:
        return None
    root = parse_yaml(src_path, text, 1, errors)
    if root is None:
        return None
    before = len(errors)
    values = read_fields(src_path, root, SETTINGS_FIELDS, errors)
    if len(errors) > before:
        return None
    values.pop("__lines__")
    contact = values.pop("contact")
    contact.pop("__lines__")
    return Settings(src_path=src_path, contact=Contact(**contact), **values)


def _parse_front(src_path: str, data: bytes, fields, errors: list):
    """Shared first half of notice and issue files: (values, body, body_line) or None."""
    text = decode_text(src_path, data, errors)
    if text is None:
        return None
    parts = split_front_matter(src_path, text, errors)
    if parts is None:
        return None
    yaml_text, yaml_line, body, body_line = parts
    root = parse_yaml(src_path, yaml_text, yaml_line, errors)
    if root is None:
        return None
    values = read_fields(src_path, root, fields, errors)
    if not body.strip():
        errors.append(ContentError(src_path, body_line - 1, "正文为空：请在第二行“---”之后写正文"))
    return values, body, body_line


def parse_issue(src_path: str, notice_key: str, data: bytes, errors: list) -> Issue | None:
    before = len(errors)
    parsed = _parse_front(src_path, data, ISSUE_FIELDS, errors)
    if parsed is None:
        return None
    values, body, body_line = parsed
    lines = values.pop("__lines__")
    if values.get("completed") and values.get("status") not in (None, "已完成"):
        errors.append(ContentError(src_path, lines["completed"],
                                   f"状态为“{values['status']}”的问题不应填写完成日期；整改完成后请把状态改为“已完成”"))
    body_html = markup.to_html(src_path, body, body_line, errors, min_heading=3)
    if len(errors) > before:
        return None
    return Issue(src_path=src_path, notice_key=notice_key, body_html=body_html,
                 line=lines["number"], category_line=lines["category"], **values)


def parse_notice(src_path: str, key: str, data: bytes, errors: list) -> Notice | None:
    before = len(errors)
    parsed = _parse_front(src_path, data, NOTICE_FIELDS, errors)
    if parsed is None:
        return None
    values, body, body_line = parsed
    lines = values.pop("__lines__")
    names = []
    for name, line in values.pop("category_names", []):
        if name in names:
            errors.append(ContentError(src_path, line, f"类别“{name}”重复声明"))
        names.append(name)
    stated = ()
    if "stated" in values:
        stated_lines = values["stated"].pop("__lines__")
        stated = tuple(StatedFigure(k, values["stated"][k], stated_lines[k])
                       for k in STATED_FIGURES if k in values["stated"])
        values.pop("stated")
    inspection = values.pop("inspection", None)
    if inspection is not None:
        ilines = inspection.pop("__lines__")
        if {"start", "end", "feedback"} <= inspection.keys():
            if inspection["end"] < inspection["start"]:
                errors.append(ContentError(src_path, ilines["end"], "巡察结束日期早于开始日期"))
            if inspection["feedback"] < inspection["end"]:
                errors.append(ContentError(src_path, ilines["feedback"], "巡察反馈日期早于巡察结束日期"))
    intro, outro = split_body(src_path, body, body_line, errors)
    intro_html = markup.to_html(src_path, intro[0], intro[1], errors) if intro[0].strip() else ""
    outro_html = markup.to_html(src_path, outro[0], outro[1], errors) if outro[0].strip() else ""
    if len(errors) > before:
        return None
    return Notice(src_path=src_path, key=key, category_names=tuple(names), stated=stated,
                  inspection=Inspection(**inspection), intro_html=intro_html, outro_html=outro_html,
                  **values)


def split_body(src_path: str, body: str, body_line: int, errors: list):
    """Check the placeholders and cut the text at {{问题清单}}: ((intro, line), (outro, line)).

    Without the marker the problems follow the whole text.
    """
    lines = body.split("\n")
    marker = None
    for i, line in enumerate(lines):
        for m in PLACEHOLDER.finditer(line):
            name = m[1]
            if name == LIST_PLACEHOLDER:
                if line.strip() != m[0]:
                    errors.append(ContentError(src_path, body_line + i, "{{问题清单}} 必须单独占一行"))
                elif marker is not None:
                    errors.append(ContentError(src_path, body_line + i,
                                               f"{{{{问题清单}}}} 只能出现一次（第一次在第{body_line + marker}行）"))
                else:
                    marker = i
            elif name not in FIGURE_PLACEHOLDERS:
                allowed = "、".join("{{" + p + "}}" for p in (*FIGURE_PLACEHOLDERS, LIST_PLACEHOLDER))
                errors.append(ContentError(src_path, body_line + i, f"未知的占位符“{m[0]}”（可用：{allowed}）"))
    if marker is None:
        return (body, body_line), ("", body_line + len(lines))
    return ("\n".join(lines[:marker]), body_line), ("\n".join(lines[marker + 1 :]), body_line + marker + 1)
