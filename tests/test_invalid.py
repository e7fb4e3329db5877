"""One case per kind of bad input, each with the exact messages an editor sees (zola's test_sites_invalid).

Each case copies the example, applies its edits, runs `build`, and expects exit status 1, exactly these
lines on stderr, and no site written; `check` and `archive` must say the same, and archive nothing.
"""

from __future__ import annotations

import pytest

from tests.sites import assert_errors, copy_example, run_cli

ISSUE3 = "content/2019/03.md"
NOTICE = "content/2019/notice.md"


def replace(path, old, new):
    def apply(root):
        p = root / path
        text = p.read_bytes().decode("utf-8")
        assert old in text, (path, old)
        p.write_bytes(text.replace(old, new, 1).encode("utf-8"))
    return apply


def write(path, data: bytes):
    def apply(root):
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_bytes(data)
    return apply


def remove(path):
    return lambda root: (root / path).unlink()


CASES = {
    "malformed-yaml": (
        [replace(ISSUE3, "状态: 已完成", "状态: 已完成\n责任部门 办公室")],
        ["content/2019/03.md:6: 缺少冒号“:”：“责任部门 办公室”应写成“责任部门: 办公室”"]),
    "yaml-colon-in-value-of-unknown-key": (
        [replace(ISSUE3, "状态: 已完成", "状态: 已完成\n颜色: 红: 绿")],
        ["content/2019/03.md:6: 此处不能出现冒号“:”：值里含有冒号时，请把整个值用引号括起来，见第6个字符“:”：“颜色: 红: 绿”"]),
    "tab-indent": (
        [replace(NOTICE, "  巡察组:", "\t巡察组:")],
        ["content/2019/notice.md:8: 不能用制表符（Tab）缩进，请改用空格：“巡察组: 区委第三巡察组”"]),
    "missing-field": (
        [replace(ISSUE3, "状态: 已完成\n", "")],
        ["content/2019/03.md:2: 缺少必填字段“状态”"]),
    "missing-nested-field": (
        [replace("content/site.yml", "  电话: 027-85932332\n", "")],
        ["content/site.yml:12: 缺少必填字段“反馈联系：电话”"]),
    "unknown-key": (
        [replace(ISSUE3, "状态: 已完成", "状态: 已完成\n颜色: 红")],
        ["content/2019/03.md:6: 未知的字段“颜色”（可用：编号、标题、类别、状态、完成日期、整改时限、责任部门）"]),
    "duplicate-key": (
        [replace(ISSUE3, "状态: 已完成", "状态: 已完成\n状态: 整改中")],
        ["content/2019/03.md:6: 字段“状态”重复出现（第一次在第5行）"]),
    "unknown-category": (
        [replace(ISSUE3, "类别: 在坚持党的领导方面", "类别: 在坚持党领导方面")],
        ["content/2019/03.md:4: 未知的类别“在坚持党领导方面”（本通报声明的类别：在坚持党的领导方面、在加强党的建设方面、"
         "在落实全面从严治党方面、在党风廉政建设和反腐败工作方面、在干部担当作为与选人用人方面）"]),
    "unknown-status": (
        [replace(ISSUE3, "状态: 已完成", "状态: 完成了")],
        ["content/2019/03.md:5: 未知的整改状态“完成了”（可选：已完成、整改中、长期坚持）"]),
    "duplicate-number": (
        [replace(ISSUE3, "编号: 3", "编号: 2")],
        ["content/2019/03.md:2: 编号 2 重复：content/2019/02.md 已使用此编号（编号决定网址 issue-2.html）"]),
    "duplicate-url": (
        [lambda root: (root / "content/2019").rename(root / "content/archive")],
        ["content/archive/notice.md:1: 通报文件夹名“archive”与网站自用的网址冲突（保留：archive、assets），请改名"]),
    "non-ascii-folder": (
        [lambda root: (root / "content/2019").rename(root / "content/2019年")],
        ["content/2019年/notice.md:1: 通报文件夹名“2019年”不能用作网址：只能用小写英文字母、数字和连字符（-），如 2019 或 2019-xuncha"]),
    "impossible-date": (
        [replace(NOTICE, "反馈日期: 2019-07-22", "反馈日期: 2019-02-30")],
        ["content/2019/notice.md:11: 日期“2019-02-30”不存在"]),
    "malformed-date": (
        [replace(ISSUE3, "状态: 已完成", "状态: 已完成\n完成日期: 十二月")],
        ["content/2019/03.md:6: 日期“十二月”格式不对，应写成 2019-12-27 或 2019年12月27日"]),
    "impossible-time": (
        [replace(NOTICE, "发布时间: 2019-12-27 15:24", "发布时间: 2019-12-27 25:24")],
        ["content/2019/notice.md:4: 时间“2019-12-27 25:24”中的钟点不对，应写成 15:24 这样的24小时制"]),
    "completed-date-on-ongoing": (
        [replace("content/2019/01.md", "状态: 整改中", "状态: 整改中\n完成日期: 2019-12-01")],
        ["content/2019/01.md:6: 状态为“整改中”的问题不应填写完成日期；整改完成后请把状态改为“已完成”"]),
    "not-utf8": (
        [lambda root: (root / ISSUE3).write_bytes((root / ISSUE3).read_text(encoding="utf-8").encode("gb18030"))],
        ["content/2019/03.md:2: 文件不是 UTF-8 编码；请在编辑器中用“UTF-8”编码另存此文件"]),
    "empty-body": (
        [write(ISSUE3, "---\n编号: 3\n标题: 关于“民主集中制执行不到位”的问题\n类别: 在坚持党的领导方面\n状态: 已完成\n---\n\n  \n".encode())],
        ["content/2019/03.md:6: 正文为空：请在第二行“---”之后写正文"]),
    "no-front-matter": (
        [write(ISSUE3, "编号: 3\n".encode())],
        ["content/2019/03.md:1: 文件应以一行“---”开头，后面是前置信息，再以一行“---”结束"]),
    "unclosed-front-matter": (
        [replace(ISSUE3, "状态: 已完成\n---", "状态: 已完成\n")],
        ["content/2019/03.md:1: 前置信息没有结束：缺少第二行“---”"]),
    "not-a-number": (
        [replace(ISSUE3, "编号: 3", "编号: 三")],
        ["content/2019/03.md:2: “编号”应是正整数，而不是“三”"]),
    "stated-total-disagrees": (
        [replace(NOTICE, "  已完成: 16", "  已完成: 17")],
        ["content/2019/notice.md:21: 公布数字“已完成”写的是17项，但按问题文件统计是16项；请核对问题文件的状态或改正此数字"]),
    "unknown-placeholder": (
        [replace(NOTICE, "{{整改中}}", "{{整改了}}")],
        ["content/2019/notice.md:24: 未知的占位符“{{整改了}}”（可用：{{类别数}}、{{问题总数}}、{{已完成}}、{{整改中}}、"
         "{{长期坚持}}、{{整改进度}}、{{问题清单}}）"]),
    "list-placeholder-twice": (
        [replace(NOTICE, "## 三、", "{{问题清单}}\n\n## 三、")],
        ["content/2019/notice.md:38: {{问题清单}} 只能出现一次（第一次在第36行）"]),
    "list-placeholder-inline": (
        [replace(NOTICE, "{{问题清单}}", "见下：{{问题清单}}")],
        ["content/2019/notice.md:36: {{问题清单}} 必须单独占一行"]),
    "javascript-link": (
        [replace(ISSUE3, "二是", "[点此](javascript:alert(1))二是")],
        ["content/2019/03.md:9: 不允许的链接协议“javascript:”（可用：http、https、mailto、tel，或本站的相对地址）：javascript:alert(1)"]),
    "external-image": (
        [replace(ISSUE3, "二是", "![图](https://example.com/x.png)二是")],
        ["content/2019/03.md:9: 图片只能引用本站的文件（放在通报文件夹中），不能引用其他网站或其他协议的地址：https://example.com/x.png"]),
    "javascript-link-entity-encoded": (
        # The browser decodes character references before it reads the scheme.
        [replace(ISSUE3, "二是", "[点此](javascript&#58;alert&#40;1&#41;)二是")],
        ["content/2019/03.md:9: 不允许的链接协议“javascript:”（可用：http、https、mailto、tel，或本站的相对地址）："
         "javascript&#58;alert&#40;1&#41;"]),
    "javascript-reference-link-hidden-in-blanks": (
        [replace(ISSUE3, "二是", "[点此][甲]\n\n[甲]: &#x20;JaVa&#9;Script&colon;alert(1)\n\n二是")],
        ["content/2019/03.md:11: 不允许的链接协议“javascript:”（可用：http、https、mailto、tel，或本站的相对地址）："
         "&#x20;JaVa&#9;Script&colon;alert(1)"]),
    "external-image-entity-encoded": (
        [replace(ISSUE3, "二是", "![x](https&#58;//evil.example/x.png)二是")],
        ["content/2019/03.md:9: 图片只能引用本站的文件（放在通报文件夹中），不能引用其他网站或其他协议的地址："
         "https&#58;//evil.example/x.png"]),
    "external-image-by-backslashes": (
        [replace(ISSUE3, "二是", "![x](/\\evil.example/x.png)二是")],
        ["content/2019/03.md:9: 图片只能引用本站的文件（放在通报文件夹中），不能引用其他网站或其他协议的地址："
         "/\\evil.example/x.png"]),
    "missing-settings": (
        [remove("content/site.yml")],
        ["content/site.yml:1: 缺少网站设置文件 site.yml（网站名称、主办单位、反馈联系）"]),
    "bad-contact": (
        [replace("content/site.yml", '邮政编码: "430300"', "邮政编码: 43030"),
         replace("content/site.yml", "邮箱: 85932332@163.com", "邮箱: 85932332")],
        ["content/site.yml:14: 邮箱“85932332”格式不对，应形如 name@example.com",
         "content/site.yml:16: 邮政编码“43030”应是6位数字"]),
    "folder-without-notice": (
        [write("content/2020/01.md", b"---\n")],
        ["content/2020/notice.md:1: 通报文件夹“2020”中缺少通报文件 notice.md"]),
    "stray-file-at-root": (
        [write("content/01.md", b"x")],
        ["content/01.md:1: 内容文件夹里只能直接放网站设置 site.yml 和各个通报文件夹；请把此文件移入某个通报文件夹或删除"]),
    "cross-file-errors-in-a-file-with-errors": (
        # A file with an error of its own is still checked against the others, in the same run.
        [replace(ISSUE3, "状态: 已完成", "状态: 完成了"), replace(ISSUE3, "编号: 3", "编号: 2"),
         replace(ISSUE3, "类别: 在坚持党的领导方面", "类别: 在坚持党领导方面")],
        ["content/2019/03.md:2: 编号 2 重复：content/2019/02.md 已使用此编号（编号决定网址 issue-2.html）",
         "content/2019/03.md:4: 未知的类别“在坚持党领导方面”（本通报声明的类别：在坚持党的领导方面、在加强党的建设方面、"
         "在落实全面从严治党方面、在党风廉政建设和反腐败工作方面、在干部担当作为与选人用人方面）",
         "content/2019/03.md:5: 未知的整改状态“完成了”（可选：已完成、整改中、长期坚持）"]),
    "duplicate-of-a-file-with-errors": (
        [replace("content/2019/02.md", "状态: 已完成", "状态: 完成了"), replace(ISSUE3, "编号: 3", "编号: 2")],
        ["content/2019/02.md:5: 未知的整改状态“完成了”（可选：已完成、整改中、长期坚持）",
         "content/2019/03.md:2: 编号 2 重复：content/2019/02.md 已使用此编号（编号决定网址 issue-2.html）"]),
    "attachments-named-like-pages": (
        [write("content/2019/ledger.csv", b"x"), write("content/2019/issue-3.html", b"<p>x</p>"),
         write("content/2019/index.html", b'<p class="archive-banner">x</p>'), write("content/2019/Index.html", b"x")],
        ["content/2019/Index.html:1: 附件“Index.html”与生成的通报页同名（网址 2019/Index.html），请给附件改名",
         "content/2019/index.html:1: 附件“index.html”与生成的通报页同名（网址 2019/index.html），请给附件改名",
         "content/2019/issue-3.html:1: 附件“issue-3.html”与生成的第3项问题的页面同名（网址 2019/issue-3.html），请给附件改名",
         "content/2019/ledger.csv:1: 附件“ledger.csv”与生成的整改台账同名（网址 2019/ledger.csv），请给附件改名"]),
    "unpublishable-file-names": (
        [write("content/2019/a\\..\\..\\evil.bat", b"x"), write("content/2019/new\nline.pdf", b"x"),
         write("content/2019/04\x01.md", b"x"), write("content/2019/sub/bell\x07.txt", b"x")],
        [f"content/2019/{name}:1: 文件名含有反斜杠（\\）、换行等控制字符或无法识别的字符，不能发布"
         "（在有的系统上会写到别处，也会弄乱压缩包的校验清单）；请给文件改名"
         for name in ("a\\..\\..\\evil.bat", "new\\nline.pdf", "04\\x01.md", "sub/bell\\x07.txt")]),
    "attachments-that-run-script": (
        # Published on the portal's address, such a file runs script with the portal's cookies.
        [write("content/2019/说明.html", b"<script>alert(1)</script>"), write("content/2019/sub/图.SVG", b"<svg/>")],
        [f"content/2019/{path}:1: 附件“{name}”是网页类文件（.{ext}），打开时可以在门户网站上运行其中的脚本，因此不发布；"
         f"请改用 PDF 等格式，或请网站管理员在 site.yml 的“允许的网页类附件”中列出 {ext}"
         for path, name, ext in (("sub/图.SVG", "sub/图.SVG", "svg"), ("说明.html", "说明.html", "html"))]),
    "attachment-types-setting": (
        [replace("content/site.yml", "网站名称:", "允许的网页类附件:\n  - .HTML\n  - pdf\n网站名称:")],
        ["content/site.yml:4: “pdf”不是网页类附件的类型，其他类型的附件本来就会发布（可列出：htm、html、js、mht、mhtml、"
         "mjs、shtml、svg、svgz、swf、xht、xhtml、xml、xsl、xslt）"]),
    "search-setting": (
        [replace("content/site.yml", "全文搜索: 开启", "全文搜索: yes")],
        ["content/site.yml:22: “全文搜索”只能写“开启”或“关闭”，而不是“yes”（可选：开启、关闭）"]),
    "settings-error-and-unknown-category": (
        # The checks across files still run when site.yml cannot be read: one run lists both.
        [replace("content/site.yml", "网站名称:", '网站名称: "未闭合'),
         replace(ISSUE3, "类别: 在坚持党的领导方面", "类别: 不存在的类别")],
        ["content/2019/03.md:4: 未知的类别“不存在的类别”（本通报声明的类别：在坚持党的领导方面、在加强党的建设方面、"
         "在落实全面从严治党方面、在党风廉政建设和反腐败工作方面、在干部担当作为与选人用人方面）",
         'content/site.yml:16: 缩进不一致，或缺少冒号“:”，见第10个字符“4”：“邮政编码: "430300"”']),
    "several-files-at-once": (
        [replace(ISSUE3, "状态: 已完成", "状态: 完成"), replace("content/2019/05.md", "编号: 5", "编号: 0"),
         replace(NOTICE, "  - 在加强党的建设方面\n", "  - 在坚持党的领导方面\n")],
        None),  # checked separately below: all errors of the run, sorted by path and line
}


@pytest.mark.parametrize("name", sorted(CASES))
def test_bad_input_gets_exact_chinese_errors(tmp_path, name):
    edits, expected = CASES[name]
    copy_example(tmp_path)
    for apply in edits:
        apply(tmp_path)
    result = run_cli("build", cwd=tmp_path)
    assert_errors(result, expected)
    assert not (tmp_path / "site").exists()
    check = run_cli("check", cwd=tmp_path)
    assert (check.rc, check.err) == (1, result.err)
    archived = run_cli("archive", "2019", cwd=tmp_path)  # an archive freezes only what a build accepts
    assert (archived.rc, archived.err) == (1, result.err.replace("网站未更新。", "没有归档，网站未更新。"))
    assert not (tmp_path / "archive").exists()


def test_every_error_of_the_run_is_listed_sorted(tmp_path):
    edits, _ = CASES["several-files-at-once"]
    copy_example(tmp_path)
    for apply in edits:
        apply(tmp_path)
    lines = run_cli("build", cwd=tmp_path).err.splitlines()
    assert lines[:-1] == [
        "content/2019/03.md:5: 未知的整改状态“完成”（可选：已完成、整改中、长期坚持）",
        "content/2019/05.md:2: “编号”应是正整数，而不是“0”",
        "content/2019/notice.md:14: 类别“在坚持党的领导方面”重复声明",
    ]


def test_the_portal_administrator_may_let_web_page_attachments_through(tmp_path):
    copy_example(tmp_path)
    (tmp_path / "content/2019/说明.html").write_bytes(b"<p>x</p>")
    (tmp_path / "content/2019/图.svg").write_bytes(b"<svg/>")
    edit = replace("content/site.yml", "网站名称:", "允许的网页类附件:\n  - html\n网站名称:")
    edit(tmp_path)
    result = run_cli("build", cwd=tmp_path)
    assert result.rc == 1
    assert [line.split(":")[0] for line in result.err.splitlines()[:-1]] == ["content/2019/图.svg"]
    (tmp_path / "content/2019/图.svg").unlink()
    assert run_cli("build", cwd=tmp_path).rc == 0
    assert (tmp_path / "site/2019/说明.html").read_bytes() == b"<p>x</p>"


def test_bom_and_crlf_are_fine(tmp_path):
    copy_example(tmp_path)
    for path in (tmp_path / "content").rglob("*.*"):
        text = path.read_text(encoding="utf-8")
        path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))
    assert run_cli("build", cwd=tmp_path).rc == 0
    assert "反馈的5大类17项问题，已整改完成16项，正在整改1项" in (tmp_path / "site/index.html").read_text(encoding="utf-8")


def test_a_stated_count_may_be_zero(tmp_path):
    # After the last problem is rectified the editor writes 整改中: 0, which must stay allowed.
    copy_example(tmp_path)
    edit_file = tmp_path / "content/2019/01.md"
    edit_file.write_text(edit_file.read_text(encoding="utf-8").replace("状态: 整改中", "状态: 已完成"), encoding="utf-8")
    notice = tmp_path / "content/2019/notice.md"
    notice.write_text(notice.read_text(encoding="utf-8").replace("已完成: 16", "已完成: 17").replace("整改中: 1", "整改中: 0"),
                      encoding="utf-8")
    result = run_cli("build", cwd=tmp_path)
    assert result.rc == 0, result.err
    page = (tmp_path / "site/2019/index.html").read_text(encoding="utf-8")
    assert "反馈的5大类17项问题，已整改完成17项。" in page
    assert "已有17项整改完毕。" in page and "还有0项" not in page  # the zero clause goes (test_zero_counts.py)
    notice.write_text(notice.read_text(encoding="utf-8").replace("整改中: 0", "整改中: -1"), encoding="utf-8")
    assert run_cli("build", cwd=tmp_path).err.splitlines()[0] == "content/2019/notice.md:22: “公布数字：整改中”应是0或正整数，而不是“-1”"
