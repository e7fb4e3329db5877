"""Issue #15's done-when scenario: three units' notices of one inspection round in one content
folder. Each unit's pages carry its own phone and email and no other's; the home page shows the
round's computed totals; the round page names all three units.

The pages are found by what they say (titles, links), not by folder names, so the same checks
apply to content written by hand and to content written by `import` (issue #16).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.portal import ROUND_NAME, UNITS, district
from tests.sites import REPO, edit, links_of, page_h1, page_text, read_tree, run_cli

OTHER_UNIT = REPO / "tests" / "fixtures" / "import-other-unit.txt"


def assert_three_units_portal(root: Path, units: list[tuple[str, str, str]], totals: str) -> None:
    """Build root/content; units: (a word of its notices' titles, phone, email) for each unit."""
    result = run_cli("build", cwd=root)
    assert result.rc == 0, result.err
    site = read_tree(root / "site")
    folders = {}
    for word, phone, email in units:
        found = [p.split("/")[0] for p, data in site.items()
                 if p.endswith("/index.html") and p.count("/") == 1 and word in page_text(data.decode("utf-8")).split("关于")[0]]
        assert len(found) == 1, (word, found)
        folders[word] = found[0]
    for word, phone, email in units:
        pages = [p for p in site if p.startswith(folders[word] + "/") and p.endswith(".html")]
        assert len(pages) >= 3  # the notice, its categories and issues
        for page in pages:
            html = site[page].decode("utf-8")
            assert phone in html and email in html, page
            footer = html.split('<footer class="site-footer">', 1)[1]
            assert phone in footer and email in footer, page
            for _, other_phone, other_email in units:
                if other_phone != phone:
                    assert other_phone not in html and other_email not in html, page
    home = site["index.html"].decode("utf-8")
    assert ROUND_NAME in home
    assert totals in re.sub(r"\s+", "", page_text(home))
    round_pages = sorted({u for u in links_of(site["index.html"])
                          if u in site and u.endswith(".html") and page_h1(site[u].decode("utf-8")) == [ROUND_NAME]})
    assert len(round_pages) == 1, round_pages
    round_links = set(links_of(site[round_pages[0]]))
    for word, _, _ in units:
        assert f"{folders[word]}/index.html" in round_links
        assert word in page_text(site[round_pages[0]].decode("utf-8"))


def test_three_units_written_by_hand_as_import_writes_them(tmp_path):
    # What import (issue #16) writes for three units' notices into an empty folder: the first
    # notice's unit is the site's own (site.yml's contact, no 被巡察单位); the others get 单位/ files.
    root = district(tmp_path)
    _, first, phone, email, folder = UNITS[0]
    edit(root / f"content/{folder}/notice.md", f"被巡察单位: {first}\n", "")
    (root / "content/单位/minzhengju.yml").unlink()
    edit(root / "content/site.yml", "电话: 027-85932332", f"电话: {phone}")
    edit(root / "content/site.yml", "邮箱: 85932332@163.com", f"邮箱: {email}")
    for _, name, _, _, unit_folder in UNITS:  # titles that tell the units apart
        edit(root / f"content/{unit_folder}/notice.md", "标题: 黄陂区融媒体中心", f"标题: {name}")
    assert_three_units_portal(root, [(name, phone, email) for _, name, phone, email, _ in UNITS],
                              f"{ROUND_NAME}共巡察3个单位，反馈问题51项，已完成48项，整改中3项，长期坚持0项，完成率94.12%。")


def notice_text(name: str, phone: str, email: str) -> str:
    """The other-unit fixture as the notice of `name` in round ROUND_NAME, with its own contact."""
    text = OTHER_UNIT.read_text(encoding="utf-8")
    text = text.replace("根据县委巡察工作统一部署，2019年10月15日至12月20日，县委第二巡察组",
                        f"根据区委统一部署，{ROUND_NAME}于2019年10月15日至12月20日由区委第二巡察组")
    text = text.replace("0596-1234567", phone).replace("yxnyj@example.com", email)
    return text.replace("云溪县农业农村局", name).replace("县农业农村局", name).replace("云溪县", "示例区")


def test_three_units_imported_into_one_empty_folder(tmp_path):
    for n, (_, name, phone, email, _) in enumerate(UNITS, start=1):
        source = tmp_path / f"notice-{n}.txt"
        source.write_text(notice_text(name, phone, email), encoding="utf-8")
        result = run_cli("import", str(source), "--content", "content", cwd=tmp_path)
        assert result.rc == 0, result.err
    assert_three_units_portal(tmp_path, [(name, phone, email) for _, name, phone, email, _ in UNITS],
                              f"{ROUND_NAME}共巡察3个单位，反馈问题18项，已完成12项，整改中3项，长期坚持3项，完成率66.67%。")
