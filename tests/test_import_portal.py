"""`import` into a district portal (issues #15 and #16): each unit's own contact in 单位/<stem>.yml,
the round in 轮次/<stem>.yml, 被巡察单位 and 巡察轮次 in notice.md, nothing overwritten, clashes
reported. The format is PORTAL_FORMAT.md's; the pages that use it are the portal branch's (h15).
"""

from __future__ import annotations

import pytest

from tests.sites import REPO, SEED, run_cli

NOTICES = REPO / "tests" / "fixtures" / "import-notices"
UNITS = {"hospital": ("示例区人民医院", "0199-23456789", "yiyuan@example.gov.cn"),
         "jiedao": ("示例街道", "0199-34567890", "jiedao@example.gov.cn"),
         "minzhengju": ("示例区民政局", "0199-45678901", "minzheng@example.gov.cn")}


def cli(*args):
    return run_cli(*map(str, args), cwd=REPO)


def import_three(site):
    reports = {}
    for name in UNITS:
        done = cli("import", NOTICES / f"{name}.txt", "--content", site)
        assert done.rc == 0, done.err
        reports[name] = done.out
    return reports


def test_a_round_named_in_a_new_folder_gets_its_round_file(tmp_path):
    site = tmp_path / "c"
    done = cli("import", NOTICES / "hospital.txt", "--content", site)
    assert done.rc == 0, done.err
    assert (site / "轮次" / "14-3.yml").read_text(encoding="utf-8") == (
        "# 巡察轮次：名称与各通报 notice.md 中的“巡察轮次”一致。由 import 按通报原文写入，请核对。\n"
        "名称: 十四届区委第三轮巡察\n")
    notice = (site / "2024" / "notice.md").read_text(encoding="utf-8")
    assert "\n巡察轮次: 十四届区委第三轮巡察\n" in notice and "被巡察单位" not in notice  # the site's own unit
    assert "0199-23456789" in (site / "site.yml").read_text(encoding="utf-8")
    assert not (site / "单位").exists()
    assert (f"说明：通报写明巡察轮次“十四届区委第三轮巡察”，已写入 轮次/14-3.yml，notice.md 的“巡察轮次”填为此名称。\n"
            in done.out)
    assert f"  {site}/轮次/14-3.yml\n" in done.out
    assert "  巡察：区委第二巡察组，2024-03-04至2024-05-10，反馈日期2024-07-26；巡察轮次：十四届区委第三轮巡察\n" in done.out


def test_the_seed_names_no_round_and_writes_no_portal_files(tmp_path):
    assert cli("import", SEED, "--content", tmp_path / "c").rc == 0
    assert sorted(p.name for p in (tmp_path / "c").iterdir()) == ["2019", "site.yml"]


def test_three_units_each_get_their_own_contact_and_share_the_round(tmp_path):
    site = tmp_path / "c"
    reports = import_three(site)
    assert sorted(p.relative_to(site).as_posix() for p in site.rglob("*.yml")) == \
        ["site.yml", "单位/danwei-1.yml", "单位/danwei-2.yml", "轮次/14-3.yml"]
    jiedao = (site / "单位" / "danwei-1.yml").read_text(encoding="utf-8")
    assert jiedao.endswith("名称: 示例街道\n反馈联系:\n  电话: 0199-34567890\n  邮箱: jiedao@example.gov.cn\n"
                           "  地址: 示例区示例路1号示例街道党工委办公室\n  邮政编码: \"430101\"\n")
    assert "名称: 示例区民政局\n反馈联系:\n  电话: 0199-45678901\n" in \
        (site / "单位" / "danwei-2.yml").read_text(encoding="utf-8")
    for key, unit in (("2024-2", "示例街道"), ("2024-3", "示例区民政局")):
        notice = (site / key / "notice.md").read_text(encoding="utf-8")
        assert f"\n被巡察单位: {unit}\n巡察轮次: 十四届区委第三轮巡察\n" in notice
    assert "网站各页使用网站设置中的联系方式" not in reports["jiedao"]
    assert ("说明：发布单位“示例街道”不是网站的主办单位“示例区人民医院”，且有自己的联系方式，已写入 单位/danwei-1.yml"
            "（文件名就是该单位页面的网址，可改为拼音，如 jiedao.yml），notice.md 的“被巡察单位”填为“示例街道”。\n") \
        in reports["jiedao"]
    assert f"说明：巡察轮次“十四届区委第三轮巡察”已在 {site}/轮次/14-3.yml:2 声明，notice.md 引用它，该文件未改动。\n" \
        in reports["jiedao"]


def test_a_declared_unit_is_referred_to_never_rewritten_and_a_clash_is_reported(tmp_path):
    site = tmp_path / "c"
    import_three(site)
    before = {p: p.read_bytes() for p in site.rglob("*.yml")}
    second = (NOTICES / "jiedao.txt").read_text(encoding="utf-8").replace(
        "关于区委巡察反馈意见整改情况的通报", "关于区委巡察反馈意见整改情况的通报（第二批）").replace("0199-34567890", "0199-34560000")
    (tmp_path / "second.txt").write_text(second, encoding="utf-8")
    done = cli("import", tmp_path / "second.txt", "--content", site)
    assert done.rc == 0, done.err
    assert {p: p.read_bytes() for p in site.rglob("*.yml")} == before
    assert "\n被巡察单位: 示例街道\n" in (site / "2024-4" / "notice.md").read_text(encoding="utf-8")
    assert (f"  {site}/单位/danwei-1.yml:5: 通报中示例街道的电话是“0199-34560000”，与已声明的“0199-34567890”不同；"
            "该单位各页使用已声明的联系方式，未作修改，请核对\n") in done.out
    assert f"说明：被巡察单位“示例街道”已在 {site}/单位/danwei-1.yml:3 声明，notice.md 引用它，该文件未改动。\n" in done.out


def test_a_unit_with_the_sites_contact_stays_the_sites_own(tmp_path):
    site = tmp_path / "c"
    assert cli("import", NOTICES / "hospital.txt", "--content", site).rc == 0
    same_contact = (NOTICES / "minzhengju.txt").read_text(encoding="utf-8")
    for theirs, ours in (("0199-45678901", "0199-23456789"), ("minzheng@example.gov.cn", "yiyuan@example.gov.cn"),
                         ("示例区民生路6号示例区民政局办公室", "示例区健康路88号示例区人民医院党委办公室"),
                         ("430102", "430100")):
        same_contact = same_contact.replace(theirs, ours)
    (tmp_path / "m.txt").write_text(same_contact, encoding="utf-8")
    assert cli("import", tmp_path / "m.txt", "--content", site).rc == 0
    assert not (site / "单位").exists()
    assert "被巡察单位" not in (site / "2024-2" / "notice.md").read_text(encoding="utf-8")


def test_three_units_imported_then_built_show_each_units_own_contact(tmp_path):
    """Issue #15's done-when, end to end: three units' notices imported into one folder, then built."""
    site = tmp_path / "c"
    import_three(site)
    built = cli("build", "--content", site, "--output", tmp_path / "site")
    assert built.rc == 0, built.err
    out = tmp_path / "site"
    for key, (unit, phone, email) in zip(("2024", "2024-2", "2024-3"), UNITS.values()):
        page = (out / key / "index.html").read_text(encoding="utf-8")
        assert phone in page and email in page, unit
        others = [p for k, (u, p, e) in UNITS.items() if u != unit]
        assert not any(p in page for p in others), unit
    home = (out / "index.html").read_text(encoding="utf-8")
    assert "十四届区委第三轮巡察" in home and "18" in home  # the round's computed total: 8 + 6 + 4 problems
    pages = [p.read_text(encoding="utf-8") for p in out.rglob("*.html")]
    assert any(all(u in page for u, _, _ in UNITS.values()) and "十四届区委第三轮巡察" in page
               for page in pages if "<h1" in page)  # a round page that names all three units
