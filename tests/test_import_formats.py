"""`import` of the files editors have: a Word .docx, a page saved from the portal (.html, in its own
encoding), and a clear answer for .doc, .wps and .pdf. The seed notice must import to the same
categories, problems, contact and progress from each."""

from __future__ import annotations

import pytest

from dwgk.importer import parse_notice_text
from dwgk.importer.sources import read_notice_file
from tests.notice_files import add_numbering, number_paragraph, write_docx, write_html
from tests.sites import REPO, SEED, run_cli

NOTICES = REPO / "tests" / "fixtures" / "import-notices"
SEED_TEXT = SEED.read_text(encoding="utf-8")
SUMMARY = [["类别", "问题数", "已完成"], ["在落实全面从严治党主体责任方面", "3", "2"],
           ["在执行财经纪律方面", "3", "2"], ["在落实新时代党的组织路线方面", "2", "2"]]


def without_round(name: str) -> str:
    """A fixture notice with its round unnamed: the round files it would add (轮次/) build only with the
    portal model of issue #15; the round itself is pinned in test_import_portal.py."""
    text = (NOTICES / name).read_text(encoding="utf-8")
    return text.replace("十四届区委第三轮巡察第二巡察组", "区委第二巡察组").replace("根据十四届区委第三轮巡察工作安排", "根据区委巡察工作安排")


def cli(*args):
    return run_cli(*map(str, args), cwd=REPO)


def what_a_site_shows(result):
    return ([(i.number, i.title, i.category, i.status) for i in result.issues], result.categories, result.contact,
            [(t.name, t.value, t.matches) for t in result.stated], result.published, result.source,
            (result.team, result.start, result.end, result.feedback), result.publisher, result.signed)


def imported(path):
    source = read_notice_file(str(path))
    return parse_notice_text(source.text, source.headings)


SEED_SHOWS = what_a_site_shows(parse_notice_text(SEED_TEXT))


@pytest.mark.parametrize("kind", ["docx", "html", "html-gbk"])
def test_the_seed_imports_the_same_from_word_and_from_a_saved_page(kind, tmp_path):
    if kind == "docx":
        path = write_docx(SEED_TEXT, tmp_path / "seed.docx")
        text = read_notice_file(str(path)).text
        assert "\n17、关于“领导分工调整不及时”的问题\n" in text  # Word's own numbering, as a reader sees it
        assert "1、关于" not in SEED_TEXT.split("\n")[0]
    else:
        path = write_html(SEED_TEXT, tmp_path / "seed.html", "gbk" if kind == "html-gbk" else "utf-8")
    result = imported(path)
    assert what_a_site_shows(result) == SEED_SHOWS
    assert len(result.categories) == 5 and len(result.issues) == 17
    assert [i.status for i in result.issues].count("已完成") == 16


@pytest.mark.parametrize("name", ["hospital", "jiedao", "minzhengju"])
@pytest.mark.parametrize("kind", ["docx", "html", "html-gbk"])
def test_the_other_notices_import_the_same_from_word_and_from_a_saved_page(name, kind, tmp_path):
    text = (NOTICES / f"{name}.txt").read_text(encoding="utf-8")
    if kind == "docx":
        path = write_docx(text, tmp_path / f"{name}.docx")
    else:
        path = write_html(text, tmp_path / f"{name}.html", "gbk" if kind == "html-gbk" else "utf-8")
    expected = what_a_site_shows(parse_notice_text(text))
    assert what_a_site_shows(imported(path)) == expected
    assert len(expected[0]) >= 4 and expected[2].phone.startswith("0199-")


def test_seed_docx_through_the_command_builds(tmp_path):
    path = write_docx(SEED_TEXT, tmp_path / "通报.docx")
    done = cli("import", path, "--content", tmp_path / "c")
    assert done.rc == 0, done.err
    assert "说明：已从 Word 文档（.docx）读取正文、编号和表格。\n" in done.out
    assert "  找到 5 个类别、17 个问题：\n" in done.out
    assert cli("check", "--content", tmp_path / "c").rc == 0


def test_a_saved_page_leaves_the_portal_out(tmp_path):
    path = write_html(without_round("jiedao.txt"), tmp_path / "page.htm", "gbk")
    done = cli("import", path, "--content", tmp_path / "c")
    assert done.rc == 0, done.err
    assert "说明：已从网页（GB2312 编码）取出正文，略去了网站的导航、页脚和分享等。\n" in done.out
    assert "  联系方式：电话 0199-34567890；邮箱 jiedao@example.gov.cn；" in done.out  # not the portal's footer
    written = "".join(p.read_text(encoding="utf-8") for p in (tmp_path / "c").rglob("*.md"))
    for chrome in ("浏览次数", "打印本页", "关闭窗口", "分享到", "互动交流", "相关链接", "0199-87654321", "统计代码",
                   "网站标识码", "字体"):
        assert chrome not in written, chrome
    assert "示例街道党工委关于区委巡察反馈意见整改情况的通报" in written
    assert cli("check", "--content", tmp_path / "c").rc == 0


def test_word_tables_become_markdown_tables(tmp_path):
    path = write_docx(without_round("hospital.txt"), tmp_path / "yiyuan.docx", SUMMARY)
    done = cli("import", path, "--content", tmp_path / "c")
    assert done.rc == 0, done.err
    notice = (tmp_path / "c" / "2024" / "notice.md").read_text(encoding="utf-8")
    assert ("| 类别 | 问题数 | 已完成 |\n| --- | --- | --- |\n| 在落实全面从严治党主体责任方面 | 3 | 2 |\n") in notice
    assert cli("build", "--content", tmp_path / "c", "--output", tmp_path / "site").rc == 0
    page = (tmp_path / "site" / "2024" / "index.html").read_text(encoding="utf-8")
    assert "<td>在执行财经纪律方面</td>" in page


def test_a_plain_page_with_menus_and_no_heading(tmp_path):
    """No class names to go by: link-only lines are menus; the <title> gives the notice's title."""
    text = (NOTICES / "minzhengju.txt").read_text(encoding="utf-8")
    body = "".join(f"<p>{line.strip()}</p>" for line in text.split("\n")[1:] if line.strip())
    page = ("<html><head><meta charset='utf-8'><title>中共示例区民政局党组关于巡察整改进展情况的通报 - 示例区民政局</title>"
            "</head><body><table><tr><td><a href='/'>首页</a></td><td><a href='/a'>机构概况</a></td>"
            "<td><a href='/b'>党务公开</a></td></tr></table>"
            f"<div>{body}</div><p><a href='/c'>网站地图</a> | <a href='/d'>联系我们</a></p></body></html>")
    (tmp_path / "p.html").write_text(page, encoding="utf-8")
    result = imported(tmp_path / "p.html")
    assert what_a_site_shows(result) == what_a_site_shows(parse_notice_text(text))
    assert result.unplaced == ()


def test_html_tables_become_markdown_tables(tmp_path):
    path = write_html((NOTICES / "hospital.txt").read_text(encoding="utf-8"), tmp_path / "yiyuan.html", table=SUMMARY)
    result = imported(path)
    assert any(b.kind == "table" and b.text.startswith("| 类别 | 问题数 | 已完成 |\n| --- |") for b in result.intro)
    assert len(result.issues) == 8


@pytest.mark.parametrize("name, data, says", [
    ("通报.doc", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "是 Word 97-2003 文档（.doc）"),
    ("通报.wps", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "是 WPS 文字文档（.wps）"),
    ("通报.pdf", b"%PDF-1.7\n", "是 PDF 文件"),
    ("通报.txt", b"%PDF-1.7\n", "是 PDF 文件"),  # named .txt, but a PDF all the same
])
def test_doc_wps_and_pdf_are_told_how_to_save_the_file(name, data, says, tmp_path):
    (tmp_path / name).write_bytes(data)
    result = cli("import", tmp_path / name, "--content", tmp_path / "c")
    assert result.rc == 2
    assert result.err.startswith(f"错误：{tmp_path}/{name} {says}，dwgk 只能读 .docx、.html 和 .txt：")
    assert "Traceback" not in result.err and not (tmp_path / "c").exists()
    if says != "是 PDF 文件":
        assert result.err.endswith("请在 Word 或 WPS 中打开它，选“文件 → 另存为”，保存类型选“Word 文档（*.docx）”或"
                                   "“纯文本（*.txt，编码选 UTF-8）”，再导入另存的文件\n")
    else:
        assert "另存为 .txt（编码选 UTF-8）后再导入\n" in result.err


def test_word_bold_heads_and_chinese_numbering_are_structure(tmp_path):
    """Unnumbered bold heads become categories; Word's “（一）” numbering (chineseCounting) is read as written."""
    import docx

    document = docx.Document()
    document.add_paragraph("示例区民政局关于巡察整改情况的通报", style="Title")
    document.add_paragraph("2023-09-28 10:00")
    document.add_paragraph("根据区委统一部署，区委第二巡察组于2023年3月1日至4月20日对我局进行了巡察，现将整改情况予以公布。")
    num_id = add_numbering(document, 91, "chineseCounting", "（%1）")
    for head, problems in (("在党的建设方面", ["学习不够", "制度不全"]), ("在作风建设方面", ["会议过多"])):
        document.add_paragraph().add_run(head).bold = True
        for problem in problems:
            number_paragraph(document.add_paragraph(f"关于“{problem}”的问题"), num_id)
            document.add_paragraph("整改措施：已建立制度。")
            document.add_paragraph("整改进度：已完成")
    document.save(tmp_path / "n.docx")
    source = read_notice_file(str(tmp_path / "n.docx"))
    assert "\n（三）关于“会议过多”的问题\n" in source.text
    result = parse_notice_text(source.text, source.headings)
    assert result.categories == ("在党的建设方面", "在作风建设方面")
    assert [(i.number, i.title, i.category) for i in result.issues] == [
        (1, "关于“学习不够”的问题", "在党的建设方面"), (2, "关于“制度不全”的问题", "在党的建设方面"),
        (3, "关于“会议过多”的问题", "在作风建设方面")]


def test_help_names_the_formats():
    out = cli("import", "-h").out
    assert "把已发布的整改通报（Word 文档 .docx、网页 .html 或纯文本 .txt）导入为内容文件（不覆盖已有文件）" in out
    assert "通报的 Word 文档（.docx）、从浏览器另存的网页（.html、.htm）或纯文本（.txt）" in out


def test_a_damaged_docx_is_refused_with_a_message(tmp_path):
    (tmp_path / "坏.docx").write_bytes(b"PK\x03\x04 not really a zip")
    result = cli("import", tmp_path / "坏.docx", "--content", tmp_path / "c")
    assert result.rc == 1
    assert result.err == (f"错误：{tmp_path}/坏.docx: 无法作为 Word 文档（.docx）读取，文件可能已损坏；请在 Word 或 WPS 中"
                          "打开它，选“文件 → 另存为”，保存类型选“Word 文档（*.docx）”或“纯文本（*.txt，编码选 UTF-8）”，"
                          "再导入另存的文件\n")


def test_without_python_docx_the_message_says_what_to_do(tmp_path, monkeypatch):
    import sys

    from dwgk.model import UsageError

    path = write_docx(SEED_TEXT, tmp_path / "seed.docx")
    monkeypatch.setitem(sys.modules, "docx", None)  # as if python-docx were not installed
    with pytest.raises(UsageError) as raised:
        read_notice_file(str(path))
    assert str(raised.value) == "读取 .docx 需要 python-docx：请运行 pip install python-docx，或把通报另存为 .txt 再导入"
