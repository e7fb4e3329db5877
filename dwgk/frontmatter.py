"""Split a content file into front matter and body, and read YAML keeping every key's line.

Values are read as plain strings (PyYAML's composer, no implicit typing), so that a postcode
such as 010000 is not turned into an octal number and dates are checked by dwgk itself.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import yaml

from .model import ContentError

try:  # libyaml is several times faster; the pure-Python composer gives the same nodes.
    _Loader = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _Loader = yaml.SafeLoader

# PyYAML's problem texts for the mistakes editors make most, in Chinese.
_YAML_PROBLEMS = (
    ("mapping values are not allowed", "此处不能出现冒号“:”；值里含有冒号时，请把整个值用引号括起来"),
    ("could not find expected ':'", "缺少冒号“:”；每行应写成“字段: 值”"),
    ("cannot start any token", "不能用制表符（Tab）缩进，请改用空格"),
    ("did not find expected key", "缩进不一致，或缺少冒号“:”"),
    ("did not find expected '-' indicator", "列表缩进不一致"),
    ("found unexpected end of stream", "引号或括号没有成对闭合"),
    ("found undefined alias", "引用了未定义的锚点（*）"),
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


def parse_yaml(src_path: str, text: str, first_line: int, errors: list) -> Node | None:
    """Compose YAML into Nodes; a syntax error is reported at its line in the file."""
    try:
        root = yaml.compose(text, Loader=_Loader)
    except yaml.MarkedYAMLError as exc:
        problem = f"{exc.problem or ''} {exc.context or ''}"
        # For a key without its colon PyYAML marks where it gave up (the next line);
        # the context mark is the key itself, which is where the editor must look.
        prefer_context = "could not find expected ':'" in problem
        mark = (exc.context_mark if prefer_context else None) or exc.problem_mark or exc.context_mark
        index = mark.line if mark else 0
        if "mapping values are not allowed" in problem and _lacks_colon(text, index - 1):
            # "编号 5" followed by "标题: …" reads as one key spanning both lines; the
            # mistake is the line above, which lost its colon.
            errors.append(ContentError(src_path, first_line + index - 1, "YAML 缺少冒号“:”；每行应写成“字段: 值”"))
            return None
        line = first_line + index
        for needle, chinese in _YAML_PROBLEMS:
            if needle in problem:
                message = chinese
                break
        else:
            message = f"格式错误（{(exc.problem or exc.context or '').strip()}）"
        errors.append(ContentError(src_path, line, "YAML " + message))
        return None
    except yaml.YAMLError as exc:  # e.g. a control character PyYAML's reader refuses
        errors.append(ContentError(src_path, first_line, f"YAML 格式错误（{exc}）"))
        return None
    if root is None:
        return Node({}, first_line)
    return _to_node(src_path, root, first_line, errors)


def _lacks_colon(text: str, index: int) -> bool:
    lines = text.split("\n")
    if not 0 <= index < len(lines):
        return False
    line = lines[index].strip()
    return bool(line) and ":" not in line and not line.startswith(("-", "#"))


def _to_node(src_path: str, node, first_line: int, errors: list) -> Node:
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
