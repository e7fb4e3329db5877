"""The link check run at the end of every build: every internal link must lead to a file of the site."""

from __future__ import annotations

import shutil

import pytest

from dwgk.linkcheck import check_links
from dwgk.model import OutputFile
from tests.sites import REPO, copy_example, edit, run_cli, stat_tree

BASE = "https://www.example.gov.cn/dwgk/"


def page(path: str, body: str) -> OutputFile:
    return OutputFile(path, f"<!DOCTYPE html>\n<html>\n<body>\n{body}\n</body>\n</html>\n".encode("utf-8"))


SITE = [
    page("index.html", '<h1 id="top-title">首页</h1>'),
    page("2019/index.html", '<h2 id="issue-1">一</h2><a name="old-anchor"></a>'),
    page("2019/issue-1.html", "问题"),
    OutputFile("2019/整改方案.pdf", b"%PDF"),
    OutputFile("assets/style.css", b"body { color: black; }\n"),
    OutputFile("assets/logo.png", b"png"),
]


def problems(body: str, where: str = "2019/issue-1.html", base_url: str = "", preserved=frozenset()):
    files = [f for f in SITE if f.out_path != where] + [page(where, body)]
    return [(b.out_path, b.line, b.message) for b in check_links(files, base_url, preserved)]


@pytest.mark.parametrize("body", [
    '<a href="index.html">通报</a>',
    '<a href="../index.html#top-title">首页</a>',
    '<a href="index.html#issue-1">第1项</a><a href="index.html#old-anchor">旧锚点</a>',
    '<a href="#">顶部</a><a href="#top">顶部</a><a href="">本页</a>',
    '<a href="%E6%95%B4%E6%94%B9%E6%96%B9%E6%A1%88.pdf">方案</a><a href="整改方案.pdf#page=2">方案第2页</a>',
    '<a href="issue-1.html?from=feed">带参数</a>',
    '<img src="../assets/logo.png" srcset="../assets/logo.png 1x, ../assets/logo.png 2x" alt="">',
    '<a href="https://www.gov.cn/">中国政府网</a><a href="mailto:a@b.cn">信</a><a href="tel:027">电话</a>'
    '<a href="//cdn.example.com/x.js">外部</a><a href="HTTPS://www.gov.cn/">大写</a>',
    '<link rel="canonical alternate" href="https://www.example.gov.cn/dwgk/">',
])
def test_links_that_resolve_pass(body):
    assert problems(body) == []


@pytest.mark.parametrize("body, message", [
    ('<a href="issue-2.html">第2项</a>', "链接“issue-2.html”指向的文件不存在"),
    ('<img src="../assets/missing.png" alt="">', "链接“../assets/missing.png”指向的文件不存在"),
    ('<a href="index.html#issue-9">第9项</a>', "链接“index.html#issue-9”中的位置“#issue-9”在 2019/index.html 中不存在"),
    ('<a href="#nowhere">本页</a>', "链接“#nowhere”中的位置“#nowhere”在 2019/issue-1.html 中不存在"),
    ('<a href="../../other/index.html">外面</a>', "链接“../../other/index.html”指向网站以外的位置"),
    ('<a href="/2019/index.html">绝对</a>',
     "链接“/2019/index.html”以“/”开头，在其他子目录下或直接打开文件时会失效；站内链接应写相对地址"),
    ('<a href="../2019/">目录</a>',
     "链接“../2019/”指向文件夹，直接打开网站文件时无效；请写出文件名，如“../2019/index.html”"),
    ('<a href="../2019">目录</a>',
     "链接“../2019”指向文件夹，直接打开网站文件时无效；请写出文件名，如“../2019/index.html”"),
    ('<img src="x.png" srcset="../assets/logo.png 1x, ../assets/big.png 2x" alt="">', None),
    # Judged as the browser reads the page: character references decoded, blanks left out, any case.
    ('<a href="javascript&#58;alert&#40;1&#41;">点此</a>',
     "不允许的链接协议“javascript:”（可用：http、https、mailto、tel，或本站的相对地址）"),
    ('<a href=" &#x0A;JaVa&#9;ScRiPt:alert(1)">点此</a>',
     "不允许的链接协议“javascript:”（可用：http、https、mailto、tel，或本站的相对地址）"),
    ('<img src="data:image/png;base64,AAAA" alt="">',
     "不允许的链接协议“data:”（可用：http、https、mailto、tel，或本站的相对地址）"),
    ('<a href="vbscript:msgbox(1)">点此</a>',
     "不允许的链接协议“vbscript:”（可用：http、https、mailto、tel，或本站的相对地址）"),
    # Nothing is fetched from another host with the page; a link to one is fine (above).
    ('<img src="https&#58;//evil.example/x.png" alt="">',
     "网页不能从其他网站加载内容（“https://evil.example/x.png”）；图片等文件请放在通报文件夹中，用相对地址引用"),
    ('<img src="\\\\evil.example/x.png" alt="">',
     "网页不能从其他网站加载内容（“//evil.example/x.png”）；图片等文件请放在通报文件夹中，用相对地址引用"),
    ('<link rel="stylesheet" href="//evil.example/style.css">',
     "网页不能从其他网站加载内容（“//evil.example/style.css”）；图片等文件请放在通报文件夹中，用相对地址引用"),
    ('<link rel="alternate stylesheet" href="https://evil.example/style.css">',
     "网页不能从其他网站加载内容（“https://evil.example/style.css”）；图片等文件请放在通报文件夹中，用相对地址引用"),
    ('<script src="https://evil.example/x.js"></script>',
     "网页不能从其他网站加载内容（“https://evil.example/x.js”）；图片等文件请放在通报文件夹中，用相对地址引用"),
    ('<form action="javascript:alert(1)"><button formaction="data:text/html,x">提交</button></form>',
     None),
])
def test_broken_links_name_the_page_the_line_and_the_link(body, message):
    found = problems("<p>第一行</p>\n" + body)
    if message is None and "form" in body:
        assert [m for _, _, m in found] == ["不允许的链接协议“data:”（可用：http、https、mailto、tel，或本站的相对地址）",
                                            "不允许的链接协议“javascript:”（可用：http、https、mailto、tel，或本站的相对地址）"]
    elif message is None:  # two problems in one tag: both reported
        assert [m for _, _, m in found] == ["链接“../assets/big.png”指向的文件不存在", "链接“x.png”指向的文件不存在"]
    else:
        assert found == [("2019/issue-1.html", 5, message)]


def test_css_urls_are_checked_at_their_line():
    css = OutputFile("assets/style.css", b'body { color: black; }\n.a { background: url("logo.png"); }\n'
                                         b".b { background: url(gone.png); }\n@import 'print.css';\n")
    files = [f for f in SITE if f.out_path != "assets/style.css"] + [css]
    found = [(b.out_path, b.line, b.message) for b in check_links(files)]
    assert found == [("assets/style.css", 3, "链接“gone.png”指向的文件不存在"),
                     ("assets/style.css", 4, "链接“print.css”指向的文件不存在")]


def test_addresses_under_the_base_url_are_checked_like_relative_links():
    body = (f'<link rel="canonical" href="{BASE}2019/issue-1.html"><a href="{BASE}">首页</a>'
            f'<a href="{BASE}2019/">通报</a>\n<a href="/dwgk/2019/index.html#issue-1">根路径</a>'
            f'<a href="{BASE}2019/issue-7.html">坏</a><a href="https://www.example.gov.cn/other/">门户其他栏目</a>')
    assert problems(body, base_url=BASE) == [
        # Only the 404 page, shown at any address, may start its links from the base URL's path.
        ("2019/issue-1.html", 5, "链接“/dwgk/2019/index.html#issue-1”以“/”开头，在其他子目录下或直接打开文件时会失效；站内链接应写相对地址"),
        ("2019/issue-1.html", 5, f"链接“{BASE}2019/issue-7.html”指向的文件不存在"),
    ]
    assert problems(body, where="404.html", base_url=BASE) == [
        ("404.html", 5, f"链接“{BASE}2019/issue-7.html”指向的文件不存在")]


def test_sitemap_addresses_are_checked():
    sitemap = OutputFile("sitemap.xml", (f'<?xml version="1.0"?>\n<urlset>\n<url><loc>{BASE}</loc></url>\n'
                                         f'<url><loc>{BASE}2019/issue-5.html</loc></url>\n</urlset>\n').encode())
    found = [(b.out_path, b.line, b.message) for b in check_links(SITE + [sitemap], BASE)]
    assert found == [("sitemap.xml", 4, f"链接“{BASE}2019/issue-5.html”指向的文件不存在")]


def test_a_file_the_build_keeps_in_the_output_folder_counts():
    body = '<a href="../archive/2018/index.html">2018年归档</a>'
    assert problems(body) == [("2019/issue-1.html", 4, "链接“../archive/2018/index.html”指向的文件不存在")]
    assert problems(body, preserved={"archive/2018/index.html"}) == []


# --- the check inside the build ---------------------------------------------------------------


def test_a_broken_link_from_a_template_fails_the_build_and_writes_nothing(tmp_path):
    copy_example(tmp_path)
    shutil.copytree(REPO / "layouts", tmp_path / "layouts")
    assert run_cli("build", "--layouts", "layouts", cwd=tmp_path).rc == 0
    before = stat_tree(tmp_path / "site")
    edit(tmp_path / "layouts/contact.html", "{% include \"_contact.html\" %}",
         '<p><a href="guide.html">监督指南</a></p>\n{% include "_contact.html" %}')
    result = run_cli("build", "--layouts", "layouts", cwd=tmp_path)
    assert result.rc == 1
    line = _line_in_page(tmp_path, "contact.html", "guide.html", layouts="layouts")
    assert result.err.splitlines() == [
        f"site/contact.html:{line}: 链接“guide.html”指向的文件不存在",
        "共 1 处错误，网站未更新。",
    ]
    assert stat_tree(tmp_path / "site") == before
    check = run_cli("check", "--layouts", "layouts", cwd=tmp_path)  # check runs the link check too
    assert (check.rc, check.err) == (result.rc, result.err)


def test_a_script_link_or_a_foreign_load_from_a_template_fails_the_build(tmp_path):
    # The last line of defence: whatever wrote it, a page is judged as the browser reads it.
    copy_example(tmp_path)
    shutil.copytree(REPO / "layouts", tmp_path / "layouts")
    assert run_cli("build", "--layouts", "layouts", cwd=tmp_path).rc == 0
    before = stat_tree(tmp_path / "site")
    edit(tmp_path / "layouts/contact.html", "{% include \"_contact.html\" %}",
         '<p><a href="javascript&#58;alert(1)">监督</a><img src="https&#58;//evil.example/x.png" alt=""></p>\n'
         '{% include "_contact.html" %}')
    for command in ("build", "check"):
        result = run_cli(command, "--layouts", "layouts", cwd=tmp_path)
        line = _line_in_page(tmp_path, "contact.html", "evil.example", layouts="layouts")
        assert (result.rc, result.err.splitlines()) == (1, [
            f"site/contact.html:{line}: 不允许的链接协议“javascript:”（可用：http、https、mailto、tel，或本站的相对地址）",
            f"site/contact.html:{line}: 网页不能从其他网站加载内容（“https://evil.example/x.png”）；"
            "图片等文件请放在通报文件夹中，用相对地址引用",
            "共 2 处错误，网站未更新。",
        ])
    assert stat_tree(tmp_path / "site") == before


def _line_in_page(tmp_path, out_path: str, needle: str, layouts=REPO / "layouts") -> int:
    """The line of the generated page (rendered in memory) that holds needle."""
    from dwgk import pipeline
    paths = pipeline.Paths(str(tmp_path / "content"), str(tmp_path / layouts), str(tmp_path / "other"))
    files = pipeline.render(paths, pipeline.load_site(paths))
    text = next(f.data.decode() for f in files if f.out_path == out_path)
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_a_broken_link_in_markdown_is_reported_at_its_line_in_the_content_file(tmp_path):
    copy_example(tmp_path)
    issue = tmp_path / "content/2019/03.md"
    issue.write_text(issue.read_text(encoding="utf-8") + "\n详见[整改方案](整改方案.pdf)和[第2项](issue-2.html#做法)。\n",
                     encoding="utf-8")
    result = run_cli("build", cwd=tmp_path)
    assert result.rc == 1
    line = len(issue.read_text(encoding="utf-8").splitlines())
    # Reported once, although the notice page shows the issue's text again: at the first page.
    page_line = _line_in_page(tmp_path, "2019/index.html", "整改方案.pdf")
    assert result.err.splitlines() == [
        f"content/2019/03.md:{line}: 链接“issue-2.html#做法”中的位置“#做法”在 2019/issue-2.html 中不存在"
        f"（见生成的网页 site/2019/index.html 第{page_line}行）",
        f"content/2019/03.md:{line}: 链接“整改方案.pdf”指向的文件不存在（见生成的网页 site/2019/index.html 第{page_line}行）",
        "共 2 处错误，网站未更新。",
    ]
    assert not (tmp_path / "site").exists()
    (tmp_path / "content/2019/整改方案.pdf").write_bytes(b"%PDF-1.4")
    edit(issue, "issue-2.html#做法", "issue-2.html#main")
    assert run_cli("build", cwd=tmp_path).rc == 0


def test_a_link_to_a_file_someone_keeps_in_site_passes(tmp_path):
    copy_example(tmp_path)
    edit(tmp_path / "content/2019/03.md", "一是", "一是（见[旧版](../old/index.html)）")
    assert run_cli("build", cwd=tmp_path).rc == 1
    (tmp_path / "site/old").mkdir(parents=True)
    (tmp_path / "site/old/index.html").write_text("旧版", encoding="utf-8")
    result = run_cli("build", cwd=tmp_path)
    assert result.rc == 0, result.err
