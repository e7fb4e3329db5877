"""Units (单位/<stem>.yml) and rounds (轮次/<stem>.yml) of a district portal, as import writes them.

The format is the lead's decision shared with the portal pages (PORTAL_FORMAT.md): a notice from a
unit other than the site's own, with a contact of its own, gets a unit file and 被巡察单位; a notice
that names its round gets a round file and 巡察轮次. Nothing declared is ever overwritten: a unit or
round of the same 名称 is referred to, and a contact that differs from the declared one is reported.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field

from ..content import SETTINGS_FILE
from ..frontmatter import parse_yaml
from .model import ImportResult

UNITS_DIR = "单位"
ROUNDS_DIR = "轮次"
CONTACT_KEYS = (("phone", "电话"), ("email", "邮箱"), ("address", "地址"), ("postcode", "邮政编码"))
CN = "零一二三四五六七八九"


@dataclass(frozen=True)
class Declared:
    """A YAML file of the content folder: its 名称 and 反馈联系 {key: (line, value)}."""

    path: str
    name: str
    name_line: int = 1
    contact: dict = field(default_factory=dict)
    contact_line: int = 0


@dataclass(frozen=True)
class PortalPlan:
    """What the import adds for the portal: the notice's keys, the files to create, the notes."""

    unit_ref: str = ""  # 被巡察单位 in notice.md
    round_ref: str = ""  # 巡察轮次 in notice.md
    files: dict = field(default_factory=dict)  # relative path -> text, created only if absent
    notes: tuple[str, ...] = ()  # clashes for the editor to check (path:line)
    info: tuple[str, ...] = ()  # what was decided, for the report


def read_declared(path: str, name_key: str = "名称") -> Declared | None:
    """A unit, round or settings file as declared: its name (名称, or 主办单位 of site.yml) and contact."""
    try:
        with open(path, encoding="utf-8-sig") as f:
            root = parse_yaml(path, f.read().replace("\r\n", "\n"), 1, [])
    except (OSError, UnicodeDecodeError):
        return None
    if root is None or not isinstance(root.value, dict):
        return None
    name_line, name = root.value.get(name_key, (1, None))
    contact, contact_line = {}, 0
    if "反馈联系" in root.value:
        contact_line, node = root.value["反馈联系"]
        if isinstance(node.value, dict):
            contact = {k: (line, v.value) for k, (line, v) in node.value.items() if isinstance(v.value, str)}
    text = name.value if name is not None and isinstance(name.value, str) else ""
    return Declared(path, text, name_line, contact, contact_line)


def declared_in(content_dir: str, folder: str) -> dict[str, Declared]:
    """{stem: declared file} of 单位/ or 轮次/."""
    where = os.path.join(content_dir, folder)
    found = {}
    if os.path.isdir(where):
        for name in sorted(os.listdir(where)):
            stem, ext = os.path.splitext(name)
            if ext in (".yml", ".yaml") and not name.startswith("."):
                declared = read_declared(os.path.join(where, name))
                if declared is not None:
                    found[stem] = declared
    return found


def round_stem(name: str) -> str:
    """“十四届区委第三轮巡察” -> “14-3”; “区委第三轮巡察” -> “lun-3”."""
    from .lexicon import read_number  # noqa: PLC0415 - lexicon imports nothing from here

    m = re.search(rf"(?:([{CN}十]+)届)?.*?第([{CN}十\d]+)轮", name)
    term = read_number(m[1]) if m and m[1] else None
    number = read_number(m[2]) if m else None
    if number and term:
        return f"{term}-{number}"
    return f"lun-{number}" if number else "lun"


def free_stem(base: str, taken) -> str:
    stem, n = base, 1
    while stem in taken:
        n += 1
        stem = f"{base}-{n}"
    return stem


def plan_portal(result: ImportResult, content_dir: str, settings: Declared | None, shown) -> PortalPlan:
    """The unit and round files this import adds, and the notes for the report.

    `settings` is site.yml as declared (None for a new content folder); `shown(path, line)` formats a
    place for the report.
    """
    unit_ref, round_ref, files, notes, info = "", "", {}, [], []
    if result.round:
        rounds = declared_in(content_dir, ROUNDS_DIR)
        same = next((d for d in rounds.values() if d.name == result.round), None)
        round_ref = result.round
        if same is None:
            stem = free_stem(round_stem(result.round), rounds)
            files[f"{ROUNDS_DIR}/{stem}.yml"] = render_round(result.round)
            info.append(f"通报写明巡察轮次“{result.round}”，已写入 {ROUNDS_DIR}/{stem}.yml，notice.md 的“巡察轮次”填为此名称")
        else:
            info.append(f"巡察轮次“{result.round}”已在 {shown(same.path, same.name_line)} 声明，notice.md 引用它，该文件未改动")
    if settings is not None and result.unit:
        site_unit = settings.name
        differs = [(key, mine, settings.contact[key]) for attr, key in CONTACT_KEYS
                   if (mine := getattr(result.contact, attr)) and key in settings.contact
                   and settings.contact[key][1] != mine]
        if result.unit != site_unit and differs:
            units = declared_in(content_dir, UNITS_DIR)
            same = next((d for d in units.values() if d.name == result.unit), None)
            unit_ref = result.unit
            if same is None:
                n = 1
                while f"danwei-{n}" in units:
                    n += 1
                files[f"{UNITS_DIR}/danwei-{n}.yml"] = render_unit(result)
                info.append(f"发布单位“{result.unit}”不是网站的主办单位“{site_unit}”，且有自己的联系方式，已写入 "
                            f"{UNITS_DIR}/danwei-{n}.yml（文件名就是该单位页面的网址，可改为拼音，如 jiedao.yml），"
                            f"notice.md 的“被巡察单位”填为“{result.unit}”")
            else:
                info.append(f"被巡察单位“{result.unit}”已在 {shown(same.path, same.name_line)} 声明，notice.md 引用它，"
                            "该文件未改动")
                for attr, key in CONTACT_KEYS:
                    mine = getattr(result.contact, attr)
                    if mine and key in same.contact and same.contact[key][1] != mine:
                        line, theirs = same.contact[key]
                        notes.append(f"{shown(same.path, line)}: 通报中{result.unit}的{key}是“{mine}”，与已声明的“{theirs}”"
                                     "不同；该单位各页使用已声明的联系方式，未作修改，请核对")
    return PortalPlan(unit_ref, round_ref, files, tuple(notes), tuple(info))


def render_round(name: str) -> str:
    from .write import yaml_value  # noqa: PLC0415

    return ("# 巡察轮次：名称与各通报 notice.md 中的“巡察轮次”一致。由 import 按通报原文写入，请核对。\n"
            f"名称: {yaml_value(name)}\n")


def render_unit(result: ImportResult) -> str:
    from .write import field_line  # noqa: PLC0415

    c = result.contact
    postcode = f'  邮政编码: "{c.postcode}"' if re.fullmatch(r"\d+", c.postcode) else field_line("邮政编码", c.postcode, "  ")
    return ("# 被巡察单位：名称与各通报 notice.md 中的“被巡察单位”一致；反馈联系用于该单位的各个页面。\n"
            "# 由 import 按通报原文写入，请核对。\n"
            f"{field_line('名称', result.unit)}\n"
            "反馈联系:\n"
            f"{field_line('电话', c.phone, '  ')}\n{field_line('邮箱', c.email, '  ')}\n"
            f"{field_line('地址', c.address, '  ')}\n{postcode}\n")


def read_settings(content_dir: str) -> Declared | None:
    """site.yml as declared (主办单位 as its name); None for a new content folder."""
    path = os.path.join(content_dir, SETTINGS_FILE)
    if not os.path.exists(path):
        return None
    return read_declared(path, "主办单位") or Declared(path, "")
