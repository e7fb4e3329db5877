"""Split a content file into front matter and body, and read YAML keeping every key's line.

Values are read as plain strings (PyYAML's composer, no implicit typing), so that a postcode
such as 010000 is not turned into an octal number and dates are checked by dwgk itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

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
)

@dataclass(frozen=True)
class Node:
    """A YAML value with the 1-based file line it starts on."""

    value: object  # str, list[Node] or dict[str, tuple[int, Node]] (key -> (key line, value))
    line: int


def decode_text(src_path: str, raw: bytes, errors: list) -> str | None:
    """UTF-8 (a BOM is fine) with any line ends, as text with LF line ends."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        errors.append(ContentError(src_path, line, "文件不是 UTF-8 编码；请在编辑器中用“UTF-8”编码另存此文件"))
        return None
    return text.replace("\r\n", "\n").replace("\r", "\n")


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
    """Compose YAML into Nodes; a syntax error is reported at its line in the file, quoting it.

    Habits whose meaning is clear are read as meant first (see forgive_habits); each adds a
    ContentNote to notes.
    """
    text = forgive_habits(src_path, text, first_line, [] if notes is None else notes)
    yaml, loader = _yaml()
    try:
        root = yaml.compose(text, Loader=loader)
    except yaml.MarkedYAMLError as exc:
        errors.append(_syntax_error(src_path, text, first_line, exc))
        return None
    except yaml.YAMLError as exc:  # e.g. a control character PyYAML's reader refuses
        errors.append(ContentError(src_path, first_line, f"含有不能使用的字符（{exc}）"))
        return None
    if root is None:
        return Node({}, first_line)
    return _to_node(src_path, root, first_line, errors)


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


def _to_node(src_path: str, node, first_line: int, errors: list) -> Node:
    yaml = _yaml()[0]
    line = first_line + node.start_mark.line
    if isinstance(node, yaml.ScalarNode):
        if node.tag == "tag:yaml.org,2002:null" and node.style is None:
            return Node("", line)
        return Node(node.value.strip(), line)
    if isinstance(node, yaml.SequenceNode):
        return Node([_to_node(src_path, item, first_line, errors) for item in node.value], line)
    mapping: dict = {}
    for key_node, value_node in node.value:
        key_line = first_line + key_node.start_mark.line
        if not isinstance(key_node, yaml.ScalarNode):
            errors.append(ContentError(src_path, key_line, "字段名必须是文字"))
            continue
        key = key_node.value.strip()
        if key in mapping:
            errors.append(ContentError(src_path, key_line, f"字段“{key}”重复出现（第一次在第{mapping[key][0]}行）"))
            continue
        mapping[key] = (key_line, _to_node(src_path, value_node, first_line, errors))
    return Node(mapping, line)
