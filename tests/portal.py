"""A small district portal for tests: the example's notice as the notices of three fictional
units in one inspection round, each unit with its own feedback contact."""

from __future__ import annotations

import shutil
from pathlib import Path

from tests.sites import copy_example, edit

#: (file stem, 名称, phone, email, notice folder)
UNITS = (
    ("minzhengju", "示例区民政局", "0199-11110001", "mzj@example.gov.cn", "mzj-2024"),
    ("rongmeiti", "示例区融媒体中心", "0199-22220002", "rmt@example.gov.cn", "rmt-2024"),
    ("shiyanjie", "示例区实验街道办事处", "0199-33330003", "syj@example.gov.cn", "syj-2024"),
)
ROUND_KEY, ROUND_NAME = "14-3", "十四届区委第三轮巡察"
SITE_PHONE, SITE_EMAIL = "027-85932332", "85932332@163.com"  # the example's site.yml


def unit_yml(name: str, phone: str, email: str) -> str:
    return (f"名称: {name}\n反馈联系:\n  电话: {phone}\n  邮箱: {email}\n"
            f"  地址: 示例区示例路1号{name}\n  邮政编码: \"430000\"\n")


def district(dest: Path) -> Path:
    """dest/content: the example's site.yml, three units' notices (17 problems each, one of them
    ongoing) in round 14-3; the example's own notice folder 2019 is removed. Returns dest."""
    copy_example(dest)
    content = dest / "content"
    (content / "单位").mkdir()
    (content / "轮次").mkdir()
    (content / "轮次" / f"{ROUND_KEY}.yml").write_text(f"名称: {ROUND_NAME}\n", encoding="utf-8")
    for stem, name, phone, email, folder in UNITS:
        (content / "单位" / f"{stem}.yml").write_text(unit_yml(name, phone, email), encoding="utf-8")
        shutil.copytree(content / "2019", content / folder)
        edit(content / folder / "notice.md", "公布数字:\n", f"被巡察单位: {name}\n巡察轮次: {ROUND_NAME}\n公布数字:\n")
        edit(content / folder / "notice.md", "发布单位: 武汉市黄陂区融媒体中心", f"发布单位: {name}")
    shutil.rmtree(content / "2019")
    return dest
