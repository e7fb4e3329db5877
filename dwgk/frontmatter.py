"""Split a content file into front matter and body, and read YAML keeping every key's line.

Values are read as plain strings (PyYAML's composer, no implicit typing), so that a postcode
such as 010000 is not turned into an octal number and dates are checked by dwgk itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .limits import MAX_TEXT_FILE_BYTES, MAX_YAML_DEPTH
from .model import ContentError, ContentNote


def _yaml():
    """PyYAML and its loader, imported when first needed: a rebuild that parses nothing skips it.

    libyaml's loader is several times faster; the pure-Python composer gives the same nodes.
    """
    import yaml  # noqa: PLC0415

    return yaml, getattr(yaml, "CSafeLoader", yaml.SafeLoader)

# PyYAML's problem texts for the mistakes editors make most, in Chinese (the word YAML means
# nothing to an editor: each says what is wrong in the line quoted after it).
_YAML_PROBLEMS = (
    ("mapping values are not allowed", "此处不能出现冒号“:”：值里含有冒号时，请把整个值用引号括起来"),
    ("could not find expected ':'", "缺少冒号“:”：每行应写成“字段: 值”"),
    ("cannot start any token", "不能用制表符（Tab）缩进，请改用空格"),
    ("did not find expected key", "缩进不一致，或缺少冒号“:”"),
    ("did not find expected '-' indicator", "列表缩进不一致"),
    ("found unexpected end of stream", "引号或括号没有成对闭合"),
    ("found undefined alias", "不能以星号“*”开头，请把整个值用引号括起来"),
    ("expected <document start>", "格式有误，可能是某行缩进不对"),
    ("found invalid Unicode character escape code", "引号中的“\\u”“\\U”转义不是有效的字符"),
    ("found unknown escape character", "引号中有无效的转义：“\\”后面不能是这个字符；要写“\\”本身请写成“\\\\”"),
)

@dataclass(frozen=True)
class Node:
    """A YAML value with the 1-based file line it starts on."""

    value: object  # str, list[Node] or dict[str, tuple[int, Node]] (key -> (key line, value))
    line: int


#: Characters that must not reach a page or the feed: control characters (but tab and line end),
#: surrogates and Unicode noncharacters. XML 1.0 forbids most of them; HTML shows them as garbage.
INVISIBLE = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufdd0-\ufdef"
                       + "".join(f"{chr(p)}{chr(p + 1)}" for p in range(0xFFFE, 0x110000, 0x10000)) + "]")


def invisible_message(char: str) -> str:
    return f"含有不可显示的特殊字符 U+{ord(char):04X}（控制字符或非字符），网页和订阅源中不能出现；请删除此字符"


def decode_text(src_path: str, raw: bytes, errors: list) -> str | None:
    """UTF-8 (a BOM is fine) with any line ends, as text with LF line ends, within the size limit
    and free of control characters."""
    if len(raw) > MAX_TEXT_FILE_BYTES:
        errors.append(ContentError(src_path, 1, f"文件太大（{len(raw):,} 字节）：内容文件最多 {MAX_TEXT_FILE_BYTES:,} 字节；"
                                                "请检查是否误存了其他内容，大文件请作为附件"))
        return None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        errors.append(ContentError(src_path, line, "文件不是 UTF-8 编码；请在编辑器中用“UTF-8”编码另存此文件"))
        return None
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    found = INVISIBLE.search(text)
    if found:
        errors.append(ContentError(src_path, text.count("\n", 0, found.start()) + 1, invisible_message(found[0])))
        return None
    return text


_FENCE = re.compile(r"^(---|\.\.\.)[ \t]*$")


def split_front_matter(src_path: str, text: str, errors: list):
    """Return (yaml_text, yaml_first_line, body, body_first_line) or None after adding an error."""
    lines = text.split("\n")
    if not lines or lines[0].strip() != "---":
        errors.append(ContentError(src_path, 1, "文件应以一行“---”开头，后面是前置信息，再以一行“---”结束"))
        return None
    for i in range(1, len(lines)):
        if _FENCE.match(lines[i]):
            body = "\n".join(lines[i + 1 :])
            return "\n".join(lines[1:i]), 2, body, i + 2
    errors.append(ContentError(src_path, 1, "前置信息没有结束：缺少第二行“---”"))
    return None


def parse_yaml(src_path: str, text: str, first_line: int, errors: list, notes: list | None = None) -> Node | None:
    """Read YAML into Nodes; a syntax error is reported at its line in the file, quoting it.

    Habits whose meaning is clear are read as meant first (see forgive_habits); each adds a
    ContentNote to notes. Built from the parser's events, not composed: an alias ("*a") is
    refused where it stands before anything is expanded (nine levels of aliases in 300 bytes
    would take all memory), and so is nesting deeper than MAX_YAML_DEPTH.
    """
    text = forgive_habits(src_path, text, first_line, [] if notes is None else notes)
    simple = simple_mapping(text, first_line)
    if simple is not None:
        return simple
    yaml, loader = _yaml()
    try:
        return _build(src_path, yaml.parse(text, Loader=loader), first_line, errors, yaml)
    except yaml.MarkedYAMLError as exc:
        errors.append(_syntax_error(src_path, text, first_line, exc))
        return None
    except yaml.YAMLError as exc:  # e.g. a control character PyYAML's reader refuses
        errors.append(ContentError(src_path, first_line, f"含有不能使用的字符（{exc}）"))
        return None


_NULLS = ("", "~", "null", "Null", "NULL")
# A line "key: value" with both plain scalars on one line, as YAML reads them with no surprise: no
# indicator first, no ": " or " #" inside, no colon last, only characters YAML reads as they are.
_SIMPLE_LINE = re.compile(r"([^-?:,\[\]{}#&*!|>'\"%@` ](?:(?!: | #)[^:])*): ([^-?:,\[\]{}#&*!|>'\"%@` ](?:(?!: | #).)*)")
_NOT_SIMPLE_TEXT = re.compile("[^\n\x20-\x7e\xa0-\ud7ff\ue000-\ufdcf\ufdf0-\ufffd]|[\u2028\u2029\ufeff]|[ :]$|[ :]\n")


def simple_mapping(text: str, first_line: int) -> Node | None:
    """The Node tree _build makes of a front matter of "key: value" lines alone (most are), made
    without YAML, which takes ten times as long; None for any other text."""
    if _NOT_SIMPLE_TEXT.search(text):
        return None
    mapping: dict = {}
    start = None
    for i, line in enumerate(text.split("\n")):
        if not line:
            continue
        m = _SIMPLE_LINE.fullmatch(line)
        if m is None or m[2] in _NULLS or m[1].strip() in mapping:
            return None
        start = first_line + i if start is None else start
        mapping[m[1].strip()] = (first_line + i, Node(m[2].strip(), first_line + i))
    return Node(mapping, first_line if start is None else start)


def _build(src_path: str, events, first_line: int, errors: list, yaml) -> Node | None:
    """The Node tree of the one document in events, or None after adding an error."""
    # The lists and maps still open: (line, items, is a map); a map's items alternate key, value.
    # Each item is (Node, the raw text of a scalar or None), so that a key can be told from a list.
    stack: list[tuple[int, list, bool]] = []
    root = None
    documents = 0
    for event in events:
        line = first_line + event.start_mark.line
        if isinstance(event, yaml.DocumentStartEvent):
            documents += 1
            if documents > 1:
                errors.append(ContentError(src_path, line, "只能有一份前置信息：文件中间不能再有一行“---”"))
                return None
            continue
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None):
            errors.append(ContentError(src_path, line, "不支持锚点和引用（“&”“*”开头的名字）；请把内容直接写出来"))
            return None
        if isinstance(event, (yaml.SequenceStartEvent, yaml.MappingStartEvent)):
            if len(stack) >= MAX_YAML_DEPTH:
                errors.append(ContentError(src_path, line, f"列表和字段嵌套太深（最多 {MAX_YAML_DEPTH} 层）"))
                return None
            stack.append((line, [], isinstance(event, yaml.MappingStartEvent)))
            continue
        if isinstance(event, yaml.ScalarEvent):
            if event.style is None and event.value in _NULLS and (event.tag is None or event.tag.endswith(":null")):
                node = Node("", line)
            else:
                node = Node(event.value.strip(), line)
            found = INVISIBLE.search(event.value)
            if found:
                errors.append(ContentError(src_path, line, f"值{invisible_message(found[0])}"
                                                           "（可能来自引号中的“\\0”“\\x01”这样的转义）"))
                return None
            node = (node, event.value)
        elif isinstance(event, (yaml.SequenceEndEvent, yaml.MappingEndEvent)):
            start, items, is_map = stack.pop()
            node = (_mapping(src_path, start, items, errors) if is_map else Node([n for n, _ in items], start), None)
        else:
            continue  # stream start and end, document end
        if stack:
            stack[-1][1].append(node)
        else:
            root = node[0]
    return Node({}, first_line) if root is None else root


def _mapping(src_path: str, line: int, items: list, errors: list) -> Node:
    """A map from its alternating (key, value) items; every key must be text, and appear once."""
    mapping: dict = {}
    for (key_node, raw_key), (value_node, _) in zip(items[::2], items[1::2]):
        if raw_key is None:
            errors.append(ContentError(src_path, key_node.line, "字段名必须是文字"))
            continue
        key = raw_key.strip()
        if key in mapping:
            errors.append(ContentError(src_path, key_node.line, f"字段“{key}”重复出现（第一次在第{mapping[key][0]}行）"))
            continue
        mapping[key] = (key_node.line, value_node)
    return Node(mapping, line)


def _syntax_error(src_path: str, text: str, first_line: int, exc) -> ContentError:
    """The line PyYAML gave up on, quoted, with what is wrong in it and what to type instead."""
    problem = f"{exc.problem or ''} {exc.context or ''}"
    # For a key without its colon PyYAML marks where it gave up (the next line);
    # the context mark is the key itself, which is where the editor must look.
    prefer_context = "could not find expected ':'" in problem
    mark = (exc.context_mark if prefer_context else None) or exc.problem_mark or exc.context_mark
    index = mark.line if mark else 0
    lines = text.split("\n")
    if "mapping values are not allowed" in problem and _lacks_colon(lines, index - 1):
        # "编号 5" followed by "标题: …" reads as one key spanning both lines; the
        # mistake is the line above, which lost its colon.
        index -= 1
    line = lines[index] if 0 <= index < len(lines) else ""
    shown = line.strip()
    if _lacks_colon(lines, index):
        if _in_list(lines, index):
            message = f"列表的每一项应以“- ”开头：“{shown}”应写成“- {shown}”"
        elif "：" in shown:
            key, _, value = shown.partition("：")
            message = f"“{shown}”中的全角冒号“：”应改为半角冒号和空格，写成“{key.strip()}: {value.strip()}”"
        else:
            key, _, value = shown.partition(" ")
            message = f"缺少冒号“:”：“{shown}”应写成“{key}: {value.strip() or '值'}”"
        return ContentError(src_path, first_line + index, message)
    for needle, chinese in _YAML_PROBLEMS:
        if needle in problem:
            message = chinese
            break
    else:
        message = f"格式有误（{(exc.problem or exc.context or '').strip()}）"
    column = mark.column if mark else 0
    if line and 0 <= column < len(line) and not line[column].isspace():
        message += f"，见第{column + 1}个字符“{line[column]}”"
    return ContentError(src_path, first_line + index, f"{message}：“{shown}”" if shown else message)


def _lacks_colon(lines: list[str], index: int) -> bool:
    if not 0 <= index < len(lines):
        return False
    line = lines[index].strip()
    return bool(line) and ":" not in line and not line.startswith(("-", "#"))


def _in_list(lines: list[str], index: int) -> bool:
    """Whether the nearest line above that is not blank is a list item."""
    for line in reversed(lines[:index]):
        if line.strip():
            return line.strip().startswith("- ")
    return False


# --- habits read as meant ---------------------------------------------------------------------

_KEY_LINE = re.compile(r"^(?P<indent>[ \u3000]*)(?P<key>[^\s:：#\-\"'\[\]{}][^:：]*?)[ \u3000]*(?P<sep>[:：])(?P<rest>.*)$")
_PAIRS = {"“": "”", "‘": "’"}
# A value starting with these is written in YAML's own way (quoted, a block, a [list]) and left
# as written; a value starting with another of YAML's indicators (* & ! % @ `) is plain text.
_WRITTEN_AS_YAML = re.compile(r"""^(["'|>]|\[.*\]$|\{.*\}$)""")
_INDICATORS = tuple("&*!%@`[{")


def known_keys() -> frozenset[str]:
    from .schema import ALL_KEYS  # noqa: PLC0415 - schema reads Node from this module

    return ALL_KEYS


def forgive_habits(src_path: str, text: str, first_line: int, notes: list) -> str:
    """The front matter with the habits of Word and input methods read as meant, line for line.

    Only lines whose key is one dwgk declares are touched, so the meaning is never a guess:
    a full-width colon or no space after the colon, full-width spaces in place of spaces,
    smart quotes around a whole value. A value with a colon inside is quoted, as meant.
    """
    keys = known_keys()
    lines = text.split("\n")
    for i, line in enumerate(lines):
        m = _KEY_LINE.match(line)
        if not m or m["key"].strip() not in keys or line.lstrip(" \u3000").startswith("#"):
            continue
        key, rest, habits = m["key"].strip(), m["rest"], []
        if "\u3000" in m["indent"] or rest[:1] == "\u3000":
            habits.append("全角空格")
        if m["sep"] == "：":
            habits.append("全角冒号“：”")
        elif rest and rest[0] not in " \t\u3000":
            if rest.startswith("//"):  # 网址:https://… is not 网址: //…, nor is it clear
                continue
            habits.append("冒号后缺少空格")
        value, comment = _split_comment(rest.strip(" \t\u3000"))
        meant = value
        if value and not _WRITTEN_AS_YAML.match(value):
            inner = _unwrap(value)
            if inner is not None:
                habits.append(f"值两边的引号“{value[0]}{value[-1]}”")
                meant = inner
            if inner is not None or ": " in meant or meant.endswith(":") or meant.startswith(_INDICATORS):
                value = "'" + meant.replace("'", "''") + "'"
        indent = m["indent"].replace("\u3000", " ")
        lines[i] = f"{indent}{key}: {value}{comment}" if value else f"{indent}{key}:{comment}"
        if habits:
            notes.append(ContentNote(src_path, first_line + i,
                                     f"提示：“{line.strip(' ' + chr(0x3000))}”已按“{key}: {meant}”读取（{'、'.join(habits)}）"))
    return "\n".join(lines)


def _split_comment(value: str) -> tuple[str, str]:
    """A plain value and its trailing comment (" # …"), as YAML reads them."""
    m = re.search(r"[ \t]#", value)
    if not m or _WRITTEN_AS_YAML.match(value):
        return value, ""
    return value[: m.start()].rstrip(), " " + value[m.start():].strip()


def _unwrap(value: str) -> str | None:
    """The text inside one pair of smart quotes that wraps the whole value, or None."""
    close = _PAIRS.get(value[:1])
    if close is None or len(value) < 2 or not value.endswith(close):
        return None
    depth = 0
    for n, char in enumerate(value):
        if char == value[0]:
            depth += 1
        elif char == close:
            depth -= 1
            if depth == 0 and n != len(value) - 1:
                return None  # “甲”与“乙”: two quoted parts, not one wrapped value
    return value[1:-1].strip() or None
