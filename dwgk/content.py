"""Read the content folder (I/O only) and parse each file into the model (pure, collects errors).

Layout of a content folder:
    site.yml            site settings
    KEY/notice.md       one folder per notice; KEY is its URL
    KEY/*.md            one issue file per problem
    KEY/...             any other file is an attachment, published beside the notice
"""

from __future__ import annotations

import hashlib
import os
import re
import stat
from dataclasses import dataclass, replace

from .frontmatter import decode_text, parse_yaml, split_front_matter
from .model import ContentError, Contact, Inspection, Issue, IssueFacts, Notice, Settings, StatedFigure
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
    data: bytes | None  # None: unchanged since the cached build, not read; `digest` stands for it
    digest: str = ""  # sha256 of the bytes, when a build cache is used
    stat_key: tuple = ()  # (size, mtime_ns, ctime_ns, inode) as found when listing the folder
    is_link: bool = False  # a symbolic link: refused by parse


@dataclass(frozen=True)
class Parsed:
    """What one content file parses into on its own, with the errors found in it."""

    value: Settings | Notice | Issue | None  # None when the file has errors (or is an attachment)
    errors: tuple[ContentError, ...] = ()
    facts: IssueFacts | None = None  # an issue file with errors: what the checks across files need


def shown_path(folder: str, rel: str) -> str:
    """A file below folder, by its site-relative path (with "/"), as this system writes paths."""
    return os.path.join(folder, *rel.split("/"))


def display_path(path: str) -> str:
    rel = os.path.relpath(path)
    return path if rel.startswith("..") else rel


def stat_key(st: os.stat_result) -> tuple:
    """What tells a file changed without reading it: an edit changes the size or the change time."""
    return (st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino)


def read_sources(content_dir: str, known: dict | None = None, keep_data: bool = True) -> list[SourceFile]:
    """Every non-ignored file below content_dir, sorted; symbolic links are refused by parse.

    With `known` (rel_path -> (stat_key, digest), from the build cache) every file gets a digest,
    and a file whose stat_key is unchanged is not read: its known digest stands for it.
    Without keep_data no bytes are kept (parse reads them again; at 10,000 files they are 50 MB).
    """
    shown = display_path(content_dir)
    files: list[SourceFile] = []
    _read_folder(content_dir, "", shown, known, keep_data, files)
    return files


def _read_folder(folder: str, prefix: str, shown: str, known: dict | None, keep: bool, files: list) -> None:
    try:
        with os.scandir(folder) as it:
            entries = sorted((e for e in it if not is_ignored_name(e.name)), key=lambda e: e.name)
    except OSError:  # an unreadable folder is skipped, as os.walk does
        return
    folders = [e for e in entries if e.is_dir()]  # a link to a folder counts as a folder here
    for entry in entries:
        if entry.is_dir():
            continue
        rel = prefix + entry.name
        st = entry.stat(follow_symlinks=False)
        if stat.S_ISLNK(st.st_mode):
            files.append(SourceFile(rel, shown_path(shown, rel), b"", is_link=True))  # parse reports it
            continue
        key = stat_key(st)
        if known is not None and rel in known and known[rel][0] == key:
            files.append(SourceFile(rel, shown_path(shown, rel), None, known[rel][1], key))
            continue
        data, digest = None, ""
        if known is not None or keep:
            with open(entry.path, "rb") as f:
                data = f.read()
            digest = hashlib.sha256(data).hexdigest() if known is not None else ""
        files.append(SourceFile(rel, shown_path(shown, rel), data if keep else None, digest, key))
    for entry in folders:
        if entry.is_symlink():
            files.append(SourceFile(prefix + entry.name, shown_path(shown, prefix + entry.name), b"", is_link=True))
    for entry in folders:
        if not entry.is_symlink():
            _read_folder(entry.path, prefix + entry.name + "/", shown, known, keep, files)


def read_data(content_dir: str, source: SourceFile) -> SourceFile:
    """The source with its bytes, reading them if read_sources did not."""
    if source.data is not None:
        return source
    with open(os.path.join(content_dir, source.rel_path), "rb") as f:
        return replace(source, data=f.read())


def parse_file(source: SourceFile) -> Parsed:
    """Parse one file on its own: a pure function of its path and bytes (what the build cache keeps)."""
    errors: list = []
    notes: list = []  # habits forgiven: kept with the errors, so that a cached parse shows them too
    key, _, inner = source.rel_path.partition("/")
    facts = None
    if source.is_link:
        value = None
    elif source.rel_path == SETTINGS_FILE:
        value = parse_settings(source.src_path, source.data, errors, notes)
    elif inner == NOTICE_FILE:
        value = parse_notice(source.src_path, key, source.data, errors, notes)
    elif inner.endswith(".md") and "/" not in inner:
        value, facts = read_issue(source.src_path, key, source.data, errors, notes)
    else:
        value = None
    return Parsed(value, tuple(errors) + tuple(notes), facts)


def sort_sources(content_dir: str, sources: list[SourceFile], errors: list):
    """The settings file and the files of each notice folder; errors for anything else at the top."""
    shown = display_path(content_dir)
    settings_source = None
    folders: dict[str, list[SourceFile]] = {}
    for source in sources:
        if source.is_link:
            errors.append(ContentError(source.src_path, 1, "不支持符号链接（快捷方式）：请把文件本身放进内容文件夹"))
            continue
        if "/" not in source.rel_path:
            if source.rel_path == SETTINGS_FILE:
                settings_source = source
            else:
                errors.append(ContentError(
                    source.src_path, 1,
                    f"内容文件夹里只能直接放网站设置 {SETTINGS_FILE} 和各个通报文件夹；请把此文件移入某个通报文件夹或删除"))
            continue
        key = source.rel_path.split("/", 1)[0]
        folders.setdefault(key, []).append(source)
    if settings_source is None and not any(s.rel_path == SETTINGS_FILE for s in sources):
        errors.append(ContentError(shown_path(shown, SETTINGS_FILE), 1, "缺少网站设置文件 site.yml（网站名称、主办单位、反馈联系）"))
    return settings_source, dict(sorted(folders.items()))


def parse_content(content_dir: str, sources: list[SourceFile], errors: list, parse=parse_file):
    """Sort sources into settings, notices and issues and parse each; return them unassembled.

    Also returns, by notice, the facts of its issue files that have errors (see parse_folder).
    `parse` turns one file into Parsed: parse_file, or the build cache in front of it.
    """
    settings_source, folders = sort_sources(content_dir, sources, errors)
    settings = None
    if settings_source is not None:
        settings = collect(parse(settings_source), errors)
    notices: dict[str, Notice] = {}
    issues: list[Issue] = []
    failed: dict[str, tuple[IssueFacts, ...]] = {}  # notice -> its issue files that have errors
    for key, files in folders.items():
        notice, notice_issues, failed[key] = parse_folder(content_dir, key, files, errors, parse)
        if notice is not None:
            notices[key] = notice
        issues += notice_issues
    return settings, notices, issues, failed


def parse_folder(content_dir: str, key: str, files: list[SourceFile], errors: list, parse=parse_file):
    """One notice folder: (notice or None, its issues, the facts of the issue files that have
    errors: the checks across files still look at those)."""
    shown = display_path(content_dir)
    notice_source = next((s for s in files if s.rel_path == f"{key}/{NOTICE_FILE}"), None)
    if notice_source is None:
        errors.append(ContentError(shown_path(shown, f"{key}/{NOTICE_FILE}"), 1,
                                   f"通报文件夹“{key}”中缺少通报文件 {NOTICE_FILE}"))
        return None, [], ()
    if not check_key(notice_source.src_path, key, errors):
        return None, [], ()
    attachments, issues, failed = [], [], []
    for source in files:
        inner = source.rel_path[len(key) + 1 :]
        if source is notice_source:
            continue
        if inner.endswith(".md"):
            if "/" in inner:
                errors.append(ContentError(source.src_path, 1, "问题文件应直接放在通报文件夹中，不能放在下一级文件夹里"))
                continue
            parsed = parse(source)
            issue = collect(parsed, errors)
            if issue is not None:
                issues.append(issue)
            else:
                failed.append(parsed.facts or IssueFacts(source.src_path))
        else:
            attachments.append(inner)
    notice = collect(parse(notice_source), errors)
    if notice is not None:
        notice = replace(notice, attachments=tuple(attachments))
    return notice, issues, tuple(failed)


def collect(parsed: Parsed, errors: list):
    errors.extend(parsed.errors)
    return parsed.value


def check_key(src_path: str, key: str, errors: list) -> bool:
    if not _KEY.fullmatch(key):
        errors.append(ContentError(src_path, 1, f"通报文件夹名“{key}”不能用作网址：只能用小写英文字母、数字和连字符（-），如 2019 或 2019-xuncha"))
        return False
    if key in RESERVED_KEYS:
        errors.append(ContentError(src_path, 1, f"通报文件夹名“{key}”与网站自用的网址冲突（保留：{'、'.join(sorted(RESERVED_KEYS))}），请改名"))
        return False
    return True


def parse_settings(src_path: str, data: bytes, errors: list, notes: list | None = None) -> Settings | None:
    text = decode_text(src_path, data, errors)
    if text is None:
        return None
    root = parse_yaml(src_path, text, 1, errors, notes)
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


def _parse_front(src_path: str, data: bytes, fields, errors: list, notes: list | None = None):
    """Shared first half of notice and issue files: (values, body, body_line) or None."""
    text = decode_text(src_path, data, errors)
    if text is None:
        return None
    parts = split_front_matter(src_path, text, errors)
    if parts is None:
        return None
    yaml_text, yaml_line, body, body_line = parts
    root = parse_yaml(src_path, yaml_text, yaml_line, errors, notes)
    if root is None:
        return None
    values = read_fields(src_path, root, fields, errors)
    if not body.strip():
        errors.append(ContentError(src_path, body_line - 1, "正文为空：请在第二行“---”之后写正文"))
    return values, body, body_line


def parse_issue(src_path: str, notice_key: str, data: bytes, errors: list) -> Issue | None:
    return read_issue(src_path, notice_key, data, errors)[0]


def read_issue(src_path: str, notice_key: str, data: bytes, errors: list,
               notes: list | None = None) -> tuple[Issue | None, IssueFacts | None]:
    """The issue, or when the file has errors, None and what could be read of its 编号 and 类别."""
    before = len(errors)
    parsed = _parse_front(src_path, data, ISSUE_FIELDS, errors, notes)
    if parsed is None:
        return None, IssueFacts(src_path)
    values, body, body_line = parsed
    lines = values.pop("__lines__")
    if values.get("completed") and values.get("status") not in (None, "已完成"):
        errors.append(ContentError(src_path, lines["completed"],
                                   f"状态为“{values['status']}”的问题不应填写完成日期；整改完成后请把状态改为“已完成”"))
    from . import markup  # noqa: PLC0415 - Markdown loads only when a file is parsed, not on every build

    body_html = markup.to_html(src_path, body, body_line, errors, min_heading=3)
    if len(errors) > before:
        return None, IssueFacts(src_path, values.get("number"), lines.get("number", 1),
                                values.get("category"), lines.get("category", 1))
    return Issue(src_path=src_path, notice_key=notice_key, body_html=body_html,
                 line=lines["number"], category_line=lines["category"], **values), None


def parse_notice(src_path: str, key: str, data: bytes, errors: list, notes: list | None = None) -> Notice | None:
    before = len(errors)
    parsed = _parse_front(src_path, data, NOTICE_FIELDS, errors, notes)
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
    from . import markup  # noqa: PLC0415 - as in parse_issue

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
