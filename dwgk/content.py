"""Read the content folder (I/O only) and parse each file into the model (pure, collects errors).

Layout of a content folder:
    site.yml            site settings
    KEY/notice.md       one folder per notice; KEY is its URL
    KEY/*.md            one issue file per problem
    KEY/...             any other file is an attachment, published beside the notice
    单位/KEY.yml         optional: one file per inspected unit (district portal)
    轮次/KEY.yml         optional: one file per inspection round
"""

from __future__ import annotations

import errno
import hashlib
import os
import re
import stat
from dataclasses import dataclass, replace

from .frontmatter import decode_text, parse_yaml, split_front_matter
from .model import (ACTIVE_ATTACHMENT_TYPES, BuildFailed, ContentError, Contact, Inspection, Issue, IssueFacts, Notice,
                    Round, Settings, StatedFigure, Unit)
from .schema import (ISSUE_FIELDS, NOTICE_FIELDS, ROUND_FIELDS, ROUND_FIGURES, SETTINGS_FIELDS, STATED_FIGURES,
                     UNIT_FIELDS, read_fields)

SETTINGS_FILE = "site.yml"
NOTICE_FILE = "notice.md"
UNITS_DIR = "单位"
ROUNDS_DIR = "轮次"
#: Folders of declarations, one .yml file each; never notice folders (those are [a-z0-9-]).
DECLARED_DIRS = (UNITS_DIR, ROUNDS_DIR)

#: Names a notice folder may not take: the site's own folders.
RESERVED_KEYS = {"assets", "archive"}
_KEY = re.compile(r"[a-z0-9][a-z0-9-]{0,63}")

#: Placeholders an editor may write in a notice's text; 问题清单 marks where the problems go.
LIST_PLACEHOLDER = "问题清单"
FIGURE_PLACEHOLDERS = ("类别数", "问题总数", "已完成", "整改中", "长期坚持", "整改进度")
PLACEHOLDER = re.compile(r"\{\{[^\S\n]*([^{}\n]*?)[^\S\n]*\}\}")  # on one line
_PLACEHOLDER_ACROSS_LINES = re.compile(r"\{\{[^{}]*?\n[^{}]*?\}\}")


def is_ignored_name(name: str) -> bool:
    """Editor temporaries, backups and hidden files: never content, never a reason to rebuild."""
    return (
        name.startswith(".")
        or name.endswith(("~", ".swp", ".swx", ".swo", ".tmp", ".bak", ".orig"))
        or (name.startswith("#") and name.endswith("#"))
        or name == "4913"  # vim's write test file
    )


#: A file name that would be unsafe in the site, the archive's zip or its checksum list.
UNPUBLISHABLE_NAME = ("文件名含有反斜杠（\\）、换行等控制字符或无法识别的字符，不能发布"
                      "（在有的系统上会写到别处，也会弄乱压缩包的校验清单）；请给文件改名")
_UNPUBLISHABLE = re.compile(r"[\\\x00-\x1f\x7f-\x9f\ud800-\udfff\u2028\u2029\ufeff\ufffe\uffff]")


def is_publishable_name(rel_path: str) -> bool:
    """No backslash (a folder separator elsewhere), no control character (it breaks a line of
    SHA256SUMS.txt or a message), no byte that is not UTF-8 (a zip cannot name it)."""
    return not _UNPUBLISHABLE.search(rel_path)


def shown_name(path: str) -> str:
    """A path as a message can show it on one line: control characters written as escapes."""
    return _UNPUBLISHABLE.sub(lambda m: m.group().encode("unicode_escape", "backslashreplace").decode("ascii")
                              if m.group() != "\\" else "\\", path)


@dataclass(frozen=True)
class SourceFile:
    """One file of the content folder as read from disk."""

    rel_path: str  # relative to the content folder, with "/"
    src_path: str  # as shown in messages: relative to the working directory where possible
    data: bytes | None  # None: unchanged since the cached build, not read; `digest` stands for it
    digest: str = ""  # sha256 of the bytes, when a build cache is used
    stat_key: tuple = ()  # (size, mtime_ns, ctime_ns, inode) as found when listing the folder
    is_link: bool = False  # a symbolic link: refused by parse
    special: bool = False  # neither a file nor a folder (a named pipe, a device): refused by parse


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


def _read_folder(content_dir: str, prefix: str, shown: str, known: dict | None, keep: bool, files: list) -> None:
    folder = os.path.join(content_dir, prefix)
    try:
        with os.scandir(folder) as it:
            entries = sorted((e for e in it if not is_ignored_name(e.name)), key=lambda e: e.name)
    except OSError:  # an unreadable folder is skipped, as os.walk does
        return
    folders = [e for e in entries if e.is_dir()]  # a link to a folder counts as a folder here
    # shown_path(shown, rel) of each file of this folder, with the folder joined once
    shown_folder = os.path.join(shown_path(shown, prefix.rstrip("/")) if prefix else shown, "")
    for entry in entries:
        if not entry.is_dir():
            rel = prefix + entry.name
            files.append(_source_file(content_dir, rel, shown_folder + entry.name, entry.stat(follow_symlinks=False),
                                      known, keep))
    for entry in folders:
        if entry.is_symlink():
            files.append(SourceFile(prefix + entry.name, shown_path(shown, prefix + entry.name), b"", is_link=True))
    for entry in folders:
        if not entry.is_symlink():
            _read_folder(content_dir, prefix + entry.name + "/", shown, known, keep, files)


def _source_file(content_dir: str, rel: str, src_path: str, st: os.stat_result, known: dict | None,
                 keep: bool) -> SourceFile:
    """One listed file, read (and its digest taken) unless `known` says it is unchanged."""
    if stat.S_ISLNK(st.st_mode):
        return SourceFile(rel, src_path, b"", is_link=True)  # parse reports it
    key = stat_key(st)
    if known is not None and rel in known and known[rel][0] == key:
        return SourceFile(rel, src_path, None, known[rel][1], key)
    if not stat.S_ISREG(st.st_mode):
        return SourceFile(rel, src_path, b"", special=True)  # parse reports it
    data, digest = None, ""
    if known is not None or keep:
        data = read_regular(content_dir, rel, src_path, st)
        digest = hashlib.sha256(data).hexdigest() if known is not None else ""
    return SourceFile(rel, src_path, data if keep else None, digest, key)


def relist_sources(content_dir: str, listed: list[SourceFile], changed: list[str], known: dict) -> list[SourceFile] | None:
    """read_sources(content_dir, known, keep_data=False) from an earlier listing and the paths that
    changed since (the preview's watcher knows them): only those files are looked at again. None
    when a file came or went (then the whole folder must be listed again, to keep its order)."""
    index = {s.rel_path: n for n, s in enumerate(listed)}
    below = os.path.join(os.path.abspath(content_dir), "")
    sources = list(listed)
    for path in changed:
        full = os.path.abspath(path)
        if not full.startswith(below):
            continue  # the templates or the archive
        rel = full[len(below):].replace(os.sep, "/")
        n = index.get(rel)
        try:
            st = os.lstat(full)
        except OSError:
            return None
        if n is None or stat.S_ISDIR(st.st_mode) or stat.S_ISLNK(st.st_mode):
            return None  # a link may lead to a folder: listed elsewhere
        sources[n] = _source_file(content_dir, rel, listed[n].src_path, st, known, False)
    return sources


def read_data(content_dir: str, source: SourceFile) -> SourceFile:
    """The source with its bytes, reading them if read_sources did not."""
    if source.data is not None:
        return source
    return replace(source, data=read_regular(content_dir, source.rel_path, source.src_path))


LINK_REFUSED = "不支持符号链接（快捷方式）：请把文件本身放进内容文件夹"
SPECIAL_REFUSED = "不是普通文件（如命名管道、设备文件），不能发布：请删除它，或换成文件本身"
_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_FOLDER = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | _NOFOLLOW


def read_regular(content_dir: str, rel_path: str, src_path: str, listed: os.stat_result | None = None) -> bytes:
    """The bytes of a content file, read without following a symbolic link anywhere below the
    content folder: a file listed as regular may have been swapped for a link (to a secret
    elsewhere on the machine) since. listed: the file's lstat when it was listed; the file read
    must be that one. A link or anything else than a regular file raises BuildFailed."""
    parts = rel_path.split("/")
    path = os.path.join(content_dir, *parts)
    flags = os.O_RDONLY | _NOFOLLOW | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0)
    try:
        if listed is None and _NOFOLLOW and os.open in os.supports_dir_fd:
            fd, expected = _open_below(content_dir, parts, flags), None
        else:  # the file listed (a link above it would lead to another), or, without O_NOFOLLOW
            # (Windows), the one a look that follows no link finds
            fd = os.open(path, flags)
            expected = listed or os.lstat(path)
    except OSError as exc:
        if exc.errno in (errno.ELOOP, errno.ENOTDIR, errno.EMLINK):  # a link where a name was
            raise BuildFailed([ContentError(src_path, 1, LINK_REFUSED)]) from None
        raise
    with os.fdopen(fd, "rb") as f:
        st = os.fstat(fd)
        if expected is not None and (stat.S_ISLNK(expected.st_mode) or _identity(st) != _identity(expected)):
            raise BuildFailed([ContentError(src_path, 1, LINK_REFUSED)])
        if not stat.S_ISREG(st.st_mode):
            raise BuildFailed([ContentError(src_path, 1, SPECIAL_REFUSED)])
        return f.read()


def _identity(st: os.stat_result) -> tuple:
    return st.st_dev, st.st_ino


def _open_below(content_dir: str, parts: list[str], flags: int) -> int:
    """Open content_dir/parts… one name at a time, none of them a link."""
    folder = os.open(content_dir, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    try:
        for name in parts[:-1]:
            inner = os.open(name, _FOLDER, dir_fd=folder)
            os.close(folder)
            folder = inner
        return os.open(parts[-1], flags, dir_fd=folder)
    finally:
        os.close(folder)


def parse_file(source: SourceFile) -> Parsed:
    """Parse one file on its own: a pure function of its path and bytes (what the build cache keeps)."""
    errors: list = []
    notes: list = []  # habits forgiven: kept with the errors, so that a cached parse shows them too
    key, _, inner = source.rel_path.partition("/")
    facts = None
    if source.is_link or source.special:
        value = None
    elif source.rel_path == SETTINGS_FILE:
        value = parse_settings(source.src_path, source.data, errors, notes)
    elif key in DECLARED_DIRS:
        value = parse_declared_file(source.src_path, key, inner, source.data, errors)
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
        if source.is_link or source.special:
            errors.append(ContentError(source.src_path, 1, LINK_REFUSED if source.is_link else SPECIAL_REFUSED))
            continue
        if not is_publishable_name(source.rel_path):
            errors.append(ContentError(shown_name(source.src_path), 1, UNPUBLISHABLE_NAME))
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
        if key in DECLARED_DIRS:
            continue  # see declared_sources
        folders.setdefault(key, []).append(source)
    if settings_source is None and not any(s.rel_path == SETTINGS_FILE for s in sources):
        errors.append(ContentError(shown_path(shown, SETTINGS_FILE), 1, "缺少网站设置文件 site.yml（网站名称、主办单位、反馈联系）"))
    return settings_source, dict(sorted(folders.items()))


def declared_sources(sources: list[SourceFile]) -> list[SourceFile]:
    """The files of 单位/ and 轮次/ (symbolic links there are reported by sort_sources)."""
    return [s for s in sources if not s.is_link and s.rel_path.split("/", 1)[0] in DECLARED_DIRS]


def parse_declared(sources: list[SourceFile], errors: list, parse=parse_file):
    """The units and rounds declared in 单位/ and 轮次/, by KEY; two of one 名称 is an error naming both.

    Returns (units, rounds, unread): unread names the folders with a file whose 名称 could not be
    read (a YAML error): who is declared there is not known, so no notice is told its unit or
    round is unknown (that would only add misleading errors).
    """
    found: dict[type, list] = {Unit: [], Round: []}
    unread = set()
    for source in declared_sources(sources):
        value = collect(parse(source), errors)
        if value is not None:
            found[type(value)].append(value)
        elif _is_declaration(source.rel_path):
            unread.add(source.rel_path.split("/", 1)[0])
    for kind, what in ((Unit, "单位"), (Round, "轮次")):
        first: dict[str, Unit | Round] = {}
        for item in sorted(found[kind], key=lambda i: i.key):
            if item.name in first:
                other = first[item.name]
                errors.append(ContentError(item.src_path, item.line,
                                           f"{what}名称“{item.name}”与 {other.src_path}:{other.line} 重复：每个{what}只写一个文件，名称不能相同"))
            else:
                first[item.name] = item
    return (tuple(sorted(found[Unit], key=lambda u: u.key)), tuple(sorted(found[Round], key=lambda r: r.key)),
            frozenset(unread))


def _is_declaration(rel_path: str) -> bool:
    return rel_path.count("/") == 1 and rel_path.endswith(".yml")


def parse_declared_file(src_path: str, folder: str, inner: str, data: bytes, errors: list) -> Unit | Round | None:
    """单位/KEY.yml or 轮次/KEY.yml; anything else in those folders is an error.

    A file with errors whose 名称 could be read still gives its unit or round (the build fails
    on its errors anyway), so that the notices naming it get no second, misleading error.
    """
    what, example = ("单位", "minzhengju") if folder == UNITS_DIR else ("轮次", "14-3")
    if not _is_declaration(f"{folder}/{inner}"):
        errors.append(ContentError(src_path, 1, f"{folder}文件夹中只能放{what}文件（每个{what}一个 .yml 文件，如 {folder}/{example}.yml），请移走此文件"))
        return None
    before = len(errors)
    key = inner[: -len(".yml")]
    if not _KEY.fullmatch(key):
        errors.append(ContentError(src_path, 1, f"{what}文件名“{key}”不能用作网址：只能用小写英文字母、数字和连字符（-），如 {folder}/{example}.yml"))
    text = decode_text(src_path, data, errors)
    if text is None:
        return None
    root = parse_yaml(src_path, text, 1, errors)
    if root is None:
        return None
    values = read_fields(src_path, root, UNIT_FIELDS if folder == UNITS_DIR else ROUND_FIELDS, errors)
    lines = values.pop("__lines__")
    if "name" not in values:
        return None
    if len(errors) > before:
        return (Unit if folder == UNITS_DIR else Round)(src_path=src_path, key=key, name=values["name"], line=lines["name"])
    if folder == UNITS_DIR:
        contact = values.pop("contact", None)
        if contact is not None:
            contact.pop("__lines__")
            contact = Contact(**contact)
        return Unit(src_path=src_path, key=key, contact=contact, line=lines["name"], **values)
    stated = values.pop("stated", {})
    stated_lines = stated.pop("__lines__", {})
    return Round(src_path=src_path, key=key, line=lines["name"],
                 stated=tuple(StatedFigure(k, stated[k], stated_lines[k]) for k in ROUND_FIGURES if k in stated),
                 **values)


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
    if "active_attachments" in values:
        values["active_attachments"] = read_attachment_types(src_path, values["active_attachments"], errors)
        if values["active_attachments"] is None:
            return None
    return Settings(src_path=src_path, contact=Contact(**contact), **values)


def read_attachment_types(src_path: str, items: list, errors: list) -> tuple[str, ...] | None:
    """允许的网页类附件: file name extensions (html or .html), each one dwgk would refuse otherwise."""
    types, before = [], len(errors)
    for value, line in items:
        ext = value.strip().lstrip(".").lower()
        if ext not in ACTIVE_ATTACHMENT_TYPES:
            errors.append(ContentError(src_path, line, f"“{value}”不是网页类附件的类型，其他类型的附件本来就会发布"
                                                       f"（可列出：{'、'.join(ACTIVE_ATTACHMENT_TYPES)}）"))
        types.append(ext)
    return tuple(sorted(set(types))) if len(errors) == before else None


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
    inspection = values.pop("inspection", None) or {"__lines__": {}}
    ilines = inspection.pop("__lines__")
    if {"start", "end"} <= inspection.keys() and inspection["end"] < inspection["start"]:
        errors.append(ContentError(src_path, ilines["end"], "巡察结束日期早于开始日期"))
    if {"end", "feedback"} <= inspection.keys() and inspection["feedback"] < inspection["end"]:
        errors.append(ContentError(src_path, ilines["feedback"], "巡察反馈日期早于巡察结束日期"))
    values.setdefault("source", "")
    intro, outro = split_body(src_path, body, body_line, errors)
    from . import markup  # noqa: PLC0415 - as in parse_issue

    intro_html = markup.to_html(src_path, intro[0], intro[1], errors) if intro[0].strip() else ""
    outro_html = markup.to_html(src_path, outro[0], outro[1], errors) if outro[0].strip() else ""
    if len(errors) > before:
        return None
    return Notice(src_path=src_path, key=key, category_names=tuple(names), stated=stated,
                  inspection=Inspection(**inspection), intro_html=intro_html, outro_html=outro_html,
                  unit_line=lines.get("unit_name", 1), round_line=lines.get("round_name", 1), **values)


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
    for m in _PLACEHOLDER_ACROSS_LINES.finditer(body):
        errors.append(ContentError(src_path, body_line + body.count("\n", 0, m.start()),
                                   "占位符的“{{”和“}}”应写在同一行"))
    if marker is None:
        return (body, body_line), ("", body_line + len(lines))
    return ("\n".join(lines[:marker]), body_line), ("\n".join(lines[marker + 1 :]), body_line + marker + 1)
