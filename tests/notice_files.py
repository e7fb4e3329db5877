"""A plain-text notice rendered as the files editors really have: the Word file it was drafted in
(python-docx, with Word's own automatic numbering, bold heads and an optional table) and the page a
portal published (navigation, crumbs, share buttons, 浏览次数, 打印本页/关闭窗口 and a footer with
the portal's own phone number around the article), in any encoding.
"""

from __future__ import annotations

import html
import re
from pathlib import Path

ISSUE = re.compile(r"^(\d+)[、.．]\s*(关于.+)$")
HEAD = re.compile(r"^(?:[一二三四五六七八九十]+、|[（(][一二三四五六七八九十]+[）)])")


def notice_lines(text: str) -> list[str]:
    """The non-blank lines from the title on (a page's crumbs above it are the portal's, not the notice's)."""
    lines = [line.strip(" \u3000\u00a0\t") for line in text.split("\n") if line.strip(" \u3000\u00a0\t")]
    return lines[next(i for i, line in enumerate(lines) if line.endswith("通报")):]


def write_docx(text: str, path: Path, table: list[list[str]] | None = None) -> Path:
    """The notice as a .docx: the title in the Title style, heads bold, issues numbered by Word itself
    (the “1、” typed in the text becomes a numbered-list paragraph), and `table` after the opening."""
    import docx  # noqa: PLC0415

    document = docx.Document()
    num_id = add_numbering(document)
    lines = notice_lines(text)
    document.add_paragraph(lines[0], style="Title")
    opened = False
    for line in lines[1:]:
        issue = ISSUE.match(line)
        if issue:
            number_paragraph(document.add_paragraph(issue[2]), num_id)
        elif HEAD.match(line):
            document.add_paragraph().add_run(line).bold = True
        else:
            document.add_paragraph(line)
            if table and not opened and len(line) > 60:
                opened = True
                grid = document.add_table(rows=len(table), cols=len(table[0]))
                for r, row in enumerate(table):
                    for c, value in enumerate(row):
                        grid.cell(r, c).text = value
    document.save(path)
    return path


def add_numbering(document, num_id: int = 90, fmt: str = "decimal", text: str = "%1、") -> int:
    """A one-level list definition in the document's numbering part (as Word writes one); its numId."""
    from docx.oxml import OxmlElement  # noqa: PLC0415
    from docx.oxml.ns import qn  # noqa: PLC0415

    def node(tag, value):
        element = OxmlElement(tag)
        element.set(qn("w:val"), value)
        return element

    numbering = document.part.numbering_part.element
    abstract = OxmlElement("w:abstractNum")
    abstract.set(qn("w:abstractNumId"), str(num_id))
    lvl = OxmlElement("w:lvl")
    lvl.set(qn("w:ilvl"), "0")
    for tag, value in (("w:start", "1"), ("w:numFmt", fmt), ("w:lvlText", text)):
        lvl.append(node(tag, value))
    abstract.append(lvl)
    numbering.insert(0, abstract)
    num = OxmlElement("w:num")
    num.set(qn("w:numId"), str(num_id))
    num.append(node("w:abstractNumId", str(num_id)))
    numbering.append(num)
    return num_id


def number_paragraph(paragraph, num_id: int) -> None:
    """Put a paragraph in a numbered list, as Word's numbering button does."""
    from docx.oxml import OxmlElement  # noqa: PLC0415
    from docx.oxml.ns import qn  # noqa: PLC0415

    numpr = OxmlElement("w:numPr")
    for tag, value in (("w:ilvl", "0"), ("w:numId", str(num_id))):
        element = OxmlElement(tag)
        element.set(qn("w:val"), value)
        numpr.append(element)
    paragraph._p.get_or_add_pPr().append(numpr)


def write_html(text: str, path: Path, encoding: str = "utf-8", table: list[list[str]] | None = None) -> Path:
    """The notice as a portal saved it: article inside the site's navigation, crumbs and footer."""
    lines = notice_lines(text)
    title = lines[0]
    start = next(i for i, line in enumerate(lines) if len(line) > 60)
    info = lines[1:start]
    body = []
    for line in lines[start:]:
        tag = "h3" if HEAD.match(line) else "p"
        body.append(f"<{tag}>{html.escape(line)}</{tag}>")
    if table:
        rows = "".join("<tr>" + "".join(f"<td>{html.escape(c)}</td>" for c in row) + "</tr>" for row in table)
        body.insert(1, f'<table class="MsoTable" border="1"><tbody>{rows}</tbody></table>')
    charset = {"gbk": "gb2312"}.get(encoding, encoding)
    page = f"""<!DOCTYPE html>
<html><head><meta http-equiv="Content-Type" content="text/html; charset={charset}">
<title>{html.escape(title)}_示例区人民政府</title>
<script>var _hmt = _hmt || []; document.write("统计代码");</script>
<style>.nav li {{ float: left; }}</style></head>
<body>
<div class="top-nav"><ul><li><a href="/">首页</a></li><li><a href="/zwgk/">政务公开</a></li>
<li><a href="/dwgk/">党务公开</a></li><li><a href="/hdjl/">互动交流</a></li></ul></div>
<div class="position">当前位置：<a href="/">首页</a> &gt; <a href="/dwgk/">党务公开</a> &gt; 巡察整改</div>
<div class="article">
  <h1 class="article-title">{html.escape(title)}</h1>
  <div class="article-info"><span>{'</span> <span>'.join(html.escape(i) for i in info)}</span>
    <span>浏览次数：<em>1024</em></span> <span>【字体：<a>大</a> <a>中</a> <a>小</a>】</span></div>
  <div class="bdsharebuttonbox"><a class="bds_weixin">分享到微信</a><a class="bds_tsina">分享到微博</a></div>
  <div class="TRS_Editor">
{chr(10).join(body)}
  </div>
  <div class="article-tools"><a href="javascript:window.print()">【打印本页】</a> <a href="javascript:window.close()">【关闭窗口】</a></div>
</div>
<div class="related"><h3>相关链接</h3><ul><li><a href="/a.html">关于开展巡察工作的公告</a></li></ul></div>
<div class="footer"><p>主办单位：示例区人民政府办公室 联系电话：0199-87654321 电子邮箱：web@example.gov.cn</p>
<p>网站标识码：0000000000 ICP备案号：示ICP备00000000号</p></div>
</body></html>
"""
    path.write_bytes(page.encode(encoding))
    return path
