"""Writing the content files (pure: returns {relative path: text}) and putting them on disk."""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tempfile

from ..content import NOTICE_FILE, RESERVED_KEYS, SETTINGS_FILE, is_ignored_name
from ..frontmatter import parse_yaml, split_front_matter
from ..schema import STATED_FIGURES
from .sources import ImportRefused
from .lexicon import DESCRIPTION_LABEL, MEASURE
from .model import TITLE_PLACEHOLDER, fmt, Block, ImportedIssue, ImportResult

# ----------------------------------------------------------------------------------------------
# Writing the content files (pure: returns {relative path: text})


def md_escape(text: str) -> str:
    """Plain text as Markdown that shows exactly that text (and no stray placeholder)."""
    text = re.sub(r"([\\`*_\[\]])", r"\\\1", text)
    text = re.sub(r"^(\d+)\.(\s)", r"\1\\.\2", text)
    text = re.sub(r"^([#>+=|-])", r"\\\1", text)
    return text.replace("{{", "｛｛").replace("}}", "｝｝")


def md_paragraph(text: str) -> str:
    """A paragraph as Markdown: a table (rows starting with “|”) keeps its pipes, its cells escaped."""
    if not text.startswith("|"):
        return md_escape(text)
    return "\n".join("|".join(md_escape(cell) if i else cell for i, cell in enumerate(row.split("|")))
                     for row in text.split("\n"))


def yaml_value(text: str) -> str:
    """A value for `key: value` that dwgk reads back as exactly `text`: plain if that is safe, else quoted."""
    node = parse_yaml("", f"k: {text}", 1, [])
    if node is not None and isinstance(node.value, dict) and list(node.value) == ["k"] \
            and node.value["k"][1].value == text:
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def field_line(key: str, value, indent: str = "", missing: str = "通报中未找到，请填写") -> str:
    if value in (None, ""):
        return f"{indent}{key}:  # {missing}"
    if isinstance(value, dt.datetime):
        text = value.strftime("%Y-%m-%d %H:%M") if (value.hour, value.minute) != (0, 0) else value.strftime("%Y-%m-%d")
        return f"{indent}{key}: {text}"
    if isinstance(value, dt.date):
        return f"{indent}{key}: {value.isoformat()}"
    return f"{indent}{key}: {yaml_value(str(value))}"


def render_notice(result: ImportResult) -> str:
    optional = "通报中未找到，可不填"
    lines = ["---", field_line("标题", result.title or TITLE_PLACEHOLDER), field_line("发布单位", result.publisher),
             field_line("发布时间", result.published), field_line("来源", result.source, missing=optional)]
    if result.unit_ref:
        lines.append(field_line("被巡察单位", result.unit_ref))
    if result.round_ref:
        lines.append(field_line("巡察轮次", result.round_ref))
    if result.signed:
        lines.append(field_line("落款日期", result.signed))
    lines += ["巡察:", field_line("巡察组", result.team, "  ", optional), field_line("开始日期", result.start, "  ", optional),
              field_line("结束日期", result.end, "  ", optional), field_line("反馈日期", result.feedback, "  ", optional),
              "类别:"]
    lines += [f"  - {yaml_value(name)}" for name in result.categories]
    figures = []
    seen = set()
    for name in STATED_FIGURES:
        for total in result.stated:
            if total.name != name or name in seen:
                continue
            if total.matches:
                figures.append(f"  {name}: {fmt(total.value)}")
                seen.add(name)
        if name not in seen:
            for total in result.stated:
                if total.name == name:
                    figures.append(f"  # {name}: {fmt(total.value)}  # 通报原文如此，但导入结果是{fmt(total.found)}，"
                                   "核对后去掉本行开头的“# ”")
                    seen.add(name)
                    break
    if figures:
        lines += ["公布数字:", *figures]
    lines.append("---")
    body = [_block_md(b) for b in result.intro] + ["{{问题清单}}"] + [_block_md(b) for b in result.outro]
    return "\n".join(lines) + "\n" + "\n\n".join(body) + "\n"


def _block_md(block: Block) -> str:
    text = md_paragraph(block.text)
    # the placeholders this import put in must survive the escaping
    text = re.sub(r"｛｛(类别数|问题总数|已完成|整改中|长期坚持)｝｝", r"{{\1}}", text)
    return f"## {text}" if block.kind == "head" else text


def render_issue(issue: ImportedIssue) -> str:
    lines = ["---", f"编号: {issue.number}", field_line("标题", issue.title), field_line("类别", issue.category),
             f"状态: {issue.status}" + ("  # 导入时无法确定，请核对" if issue.status_guessed else ""), "---"]
    body = list(issue.paragraphs)
    if issue.description:  # the problem as the notice describes it, then what was done
        described = list(issue.description)
        if not DESCRIPTION_LABEL.match(described[0]):
            described[0] = "问题表现：" + described[0]
        body = described + (["整改情况：" + body[0]] + body[1:] if not MEASURE.match(body[0]) else body)
    return "\n".join(lines) + "\n" + "\n\n".join(body) + "\n"


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
# 全文搜索：开启时每页页头有搜索框，并生成搜索页 search.html 和它的索引（assets/search/）。
# 问题上千项的网站生成时会慢一些、网站会大一些，不需要时可改为“关闭”（可写：开启、关闭）。
全文搜索: 开启
"""


def render_settings(result: ImportResult) -> str:
    c = result.contact
    postcode = f'  邮政编码: "{c.postcode}"' if re.fullmatch(r"\d+", c.postcode) else field_line("邮政编码", c.postcode, "  ")
    return SITE_TEMPLATE.format(
        title=field_line("网站名称", result.site_title), publisher=field_line("主办单位", result.unit),
        phone=field_line("电话", c.phone, "  "), email=field_line("邮箱", c.email, "  "),
        address=field_line("地址", c.address, "  "), postcode=postcode)


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
# I/O: choose the folder, refuse to overwrite, write


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
            raise ImportRefused(f"通报文件夹 {join(content_dir, key)} 已存在，未写入任何文件。"
                                "请用 --key 另选一个文件夹名，或先移走该文件夹")
        return key
    base = str(result.published.year) if result.published else (str(result.signed.year) if result.signed else "notice")
    candidate, n = base, 1
    while taken(candidate) or candidate in RESERVED_KEYS:
        n += 1
        candidate = f"{base}-{n}"
    return candidate


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
            notes.append(f"{join(content_dir, SETTINGS_FILE)}:{k_line}: 通报中的{key}是“{mine}”，与网站设置的“{theirs.value}”"
                         "不同；网站各页使用网站设置中的联系方式，未作修改，请核对")
    return notes


def write_files(content_dir: str, key: str, files: dict[str, str]) -> None:
    """Write the notice folder in one step (a hidden staging folder renamed into place)."""
    os.makedirs(content_dir, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=f".import-{key}-", dir=content_dir)
    done = False
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
        done = True
    finally:
        if not done:  # whatever stopped it
            shutil.rmtree(staging, ignore_errors=True)
    for rel, text in files.items():  # site.yml, 单位/…, 轮次/…: created, never replaced
        if rel.startswith(f"{key}/"):
            continue
        os.makedirs(os.path.dirname(os.path.join(content_dir, rel)), exist_ok=True)
        try:
            with open(os.path.join(content_dir, rel), "x", encoding="utf-8", newline="\n") as f:
                f.write(text)
        except FileExistsError:  # written meanwhile by someone else: theirs stays
            pass


def join(*parts) -> str:
    return "/".join(p.rstrip("/") for p in parts)
