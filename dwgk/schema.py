"""The keys an editor may write in each kind of file, declared once, and the checks on their values.

Every message names what is allowed, so an editor can fix the file without reading the code.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from .frontmatter import Node
from .limits import MAX_FIELD_CHARS
from .model import STATUSES, ContentError

#: Controls that change the direction of the text around them: "成完已" with U+202E before it
#: shows as "已完成". Refused in every single-line field.
BIDI_CONTROLS = re.compile("[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")


@dataclass(frozen=True)
class Field:
    key: str  # what the editor writes, in Chinese
    attr: str  # the model attribute it fills
    kind: str  # text, integer (from 1), count (from 0), date, datetime, status, email, postcode, url, switch, list, map
    required: bool = False
    fields: tuple = ()  # for kind == "map": the keys allowed inside


CONTACT_FIELDS = (
    Field("电话", "phone", "text", True),
    Field("邮箱", "email", "email", True),
    Field("地址", "address", "text", True),
    Field("邮政编码", "postcode", "postcode", True),
)

SETTINGS_FIELDS = (
    Field("网站名称", "title", "text", True),
    Field("主办单位", "publisher", "text", True),
    Field("反馈联系", "contact", "map", True, CONTACT_FIELDS),
    Field("承办单位", "organizer", "text"),
    Field("网站标识码", "site_code", "text"),
    Field("ICP备案号", "icp", "text"),
    Field("公安机关备案号", "police_record", "text"),
    Field("网站地址", "base_url", "url"),
    Field("允许的网页类附件", "active_attachments", "list"),
    Field("全文搜索", "search", "switch"),
)

#: A switch (kind "switch") is written as one of these words: on, off.
SWITCH_WORDS = {"开启": True, "关闭": False}

INSPECTION_FIELDS = (
    Field("巡察组", "team", "text"),
    Field("开始日期", "start", "date"),
    Field("结束日期", "end", "date"),
    Field("反馈日期", "feedback", "date"),
)

#: The figures a notice may state under 公布数字, checked against the issue files.
STATED_FIGURES = ("类别数", "问题总数", "已完成", "整改中", "长期坚持")

NOTICE_FIELDS = (
    Field("标题", "title", "text", True),
    Field("发布单位", "publisher", "text", True),
    Field("发布时间", "published", "datetime", True),
    Field("来源", "source", "text"),
    Field("巡察", "inspection", "map", False, INSPECTION_FIELDS),
    Field("类别", "category_names", "list", True),
    Field("落款日期", "signed", "date"),
    Field("公布数字", "stated", "map", False, tuple(Field(k, k, "count") for k in STATED_FIGURES)),
    Field("被巡察单位", "unit_name", "text"),
    Field("巡察轮次", "round_name", "text"),
)

#: 单位/KEY.yml: one inspected unit of a district portal.
UNIT_FIELDS = (
    Field("名称", "name", "text", True),
    Field("简称", "short_name", "text"),
    Field("反馈联系", "contact", "map", False, CONTACT_FIELDS),
)

#: The figures a round may state under 公布数字, checked against its notices' issue files.
ROUND_FIGURES = ("单位数", "问题总数", "已完成", "整改中", "长期坚持")

#: 轮次/KEY.yml: one inspection round.
ROUND_FIELDS = (
    Field("名称", "name", "text", True),
    Field("公布数字", "stated", "map", False, tuple(Field(k, k, "count") for k in ROUND_FIGURES)),
)

ISSUE_FIELDS = (
    Field("编号", "number", "integer", True),
    Field("标题", "title", "text", True),
    Field("类别", "category", "text", True),
    Field("状态", "status", "status", True),
    Field("完成日期", "completed", "date"),
    Field("整改时限", "deadline", "date"),
    Field("责任部门", "department", "text"),
)

#: Every key an editor may write, in any file: a line starting with one of these is a key line.
ALL_KEYS = frozenset(f.key for group in (CONTACT_FIELDS, SETTINGS_FIELDS, INSPECTION_FIELDS, NOTICE_FIELDS,
                                         ISSUE_FIELDS) for f in group) | frozenset(STATED_FIGURES)


def read_fields(src_path: str, node: Node, fields: tuple, errors: list, where: str = "") -> dict:
    """Check a mapping against its declared fields; return {attr: value} and {attr: line}.

    The second dict is returned under the key "__lines__". Missing optional fields are absent.
    """
    values: dict = {"__lines__": {}}
    if not isinstance(node.value, dict):
        errors.append(ContentError(src_path, node.line, f"{where or '前置信息'}应是“字段: 值”的形式"))
        return values
    allowed = {f.key: f for f in fields}
    for key, (key_line, value) in node.value.items():
        spec = allowed.get(key)
        if spec is None:
            names = "、".join(allowed)
            errors.append(ContentError(src_path, key_line, f"未知的字段“{where}{key}”（可用：{names}）"))
            continue
        values["__lines__"][spec.attr] = key_line
        if spec.kind == "map":
            # A missing key inside is reported at the line of the map's own key.
            sub = read_fields(src_path, Node(value.value, key_line), spec.fields, errors, where=f"{where}{key}：")
            if isinstance(value.value, dict):
                values[spec.attr] = sub
            continue
        checked = check_value(src_path, spec, value, errors, where)
        if checked is not None:
            values[spec.attr] = checked
    for spec in fields:
        if spec.required and spec.attr not in values and spec.attr not in values["__lines__"]:
            errors.append(ContentError(src_path, node.line, f"缺少必填字段“{where}{spec.key}”"))
    return values


_DATE_FORMS = (
    re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日$"),
    re.compile(r"^(\d{4})/(\d{1,2})/(\d{1,2})$"),
)
_TIME = re.compile(r"^(\d{1,2})[:：](\d{2})$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# A host name, an optional port, then path segments: none empty (a "//" would make the 404 page's
# rooted links name another host), none "." or "..", nothing a browser reads differently.
_URL = re.compile(r"^https?://[\w-][\w.-]*(?::\d{1,5})?"
                  r"(?:/(?!\.\.?(?:/|$))[^\s\x00-\x1f\x7f?#/\\\"'<>\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]+)*/?$")


def parse_date(text: str) -> dt.date | None | str:
    """A date in one of the accepted forms; None if not of a form, a message if impossible."""
    for form in _DATE_FORMS:
        m = form.match(text)
        if m:
            try:
                return dt.date(int(m[1]), int(m[2]), int(m[3]))
            except ValueError:
                return f"日期“{text}”不存在"
    return None


def normalise_base_url(text: str) -> str | None:
    """A site address (网站地址, --base-url) ending with "/"; None if it is not an http(s) URL."""
    if not _URL.match(text):
        return None
    return text if text.endswith("/") else text + "/"


def bad_url_message(text: str) -> str:
    return f"网址“{text}”格式不对，应形如 https://www.example.gov.cn/dwgk/"


def text_problem(src_path: str, name: str, node: Node, errors: list) -> bool:
    """Whether a one-line value is too long or holds a direction control (then with an error)."""
    if len(node.value) > MAX_FIELD_CHARS:
        errors.append(ContentError(src_path, node.line,
                                   f"“{name}”太长（{len(node.value):,} 个字符）：每项最多 {MAX_FIELD_CHARS} 个字符"))
        return True
    found = BIDI_CONTROLS.search(node.value)
    if found:
        errors.append(ContentError(src_path, node.line, f"“{name}”中含有改变文字方向的控制字符 U+{ord(found[0]):04X}，"
                                                        "会使文字显示的顺序与实际不同；请删除此字符"))
        return True
    return False


def check_value(src_path: str, spec: Field, node: Node, errors: list, where: str = ""):
    """The value of one field, converted; None after adding an error."""
    name = f"{where}{spec.key}"

    def fail(message: str):
        errors.append(ContentError(src_path, node.line, message))

    if spec.kind == "list":
        if not isinstance(node.value, list) or not node.value:
            return fail(f"“{name}”应是一个列表，每项一行，以“- ”开头")
        items = []
        for item in node.value:
            if not isinstance(item.value, str) or not item.value:
                errors.append(ContentError(src_path, item.line, f"“{name}”的每一项应是一段文字"))
            elif not text_problem(src_path, name, item, errors):
                items.append((item.value, item.line))
        return items
    if not isinstance(node.value, str):
        return fail(f"“{name}”应是一个值，不能是列表或多个字段")
    text = node.value
    if text == "":
        return fail(f"“{name}”不能为空") if spec.required else None
    if text_problem(src_path, name, node, errors):
        return None
    if spec.kind == "text":
        return text
    if spec.kind == "integer":
        if not re.fullmatch(r"\d{1,6}", text) or int(text) == 0:
            return fail(f"“{name}”应是正整数，而不是“{text}”")
        return int(text)
    if spec.kind == "count":
        if not re.fullmatch(r"\d{1,6}", text):
            return fail(f"“{name}”应是0或正整数，而不是“{text}”")
        return int(text)
    if spec.kind == "status":
        if text not in STATUSES:
            return fail(f"未知的整改状态“{text}”（可选：{'、'.join(STATUSES)}）")
        return text
    if spec.kind == "email":
        if not _EMAIL.match(text):
            return fail(f"邮箱“{text}”格式不对，应形如 name@example.com")
        return text
    if spec.kind == "postcode":
        if not re.fullmatch(r"\d{6}", text):
            return fail(f"邮政编码“{text}”应是6位数字")
        return text
    if spec.kind == "switch":
        if text not in SWITCH_WORDS:
            return fail(f"“{name}”只能写“开启”或“关闭”，而不是“{text}”（可选：{'、'.join(SWITCH_WORDS)}）")
        return SWITCH_WORDS[text]
    if spec.kind == "url":
        url = normalise_base_url(text)
        return url if url else fail(bad_url_message(text))
    if spec.kind == "date":
        value = parse_date(text)
        if isinstance(value, dt.date):
            return value
        return fail(value or f"日期“{text}”格式不对，应写成 2019-12-27 或 2019年12月27日")
    if spec.kind == "datetime":
        date_part, _, time_part = text.partition(" ")
        value = parse_date(date_part)
        if value is None:
            return fail(f"时间“{text}”格式不对，应写成 2019-12-27 15:24 或 2019-12-27")
        if isinstance(value, str):
            return fail(value)
        hour = minute = 0
        if time_part.strip():
            m = _TIME.match(time_part.strip())
            if not m or int(m[1]) > 23 or int(m[2]) > 59:
                return fail(f"时间“{text}”中的钟点不对，应写成 15:24 这样的24小时制")
            hour, minute = int(m[1]), int(m[2])
        return dt.datetime(value.year, value.month, value.day, hour, minute)
    raise AssertionError(spec.kind)  # a kind declared above without a check is a bug in dwgk
