"""Realistic content at district scale for the benchmark: notices of about 20 issues in 5-8 categories.

The text is cut from the bundled example (the 2019 notice) and recombined with a fixed seed, so the
sizes and the mix of Markdown match what editors write: measures of 300-900 Chinese characters in
paragraphs starting 一是, 二是 ...; the same data can also be written as an equivalent Hugo site.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import re
from dataclasses import dataclass

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
EXAMPLE_CONTENT = os.path.join(REPO, "content")

#: Categories beyond the example's five, worded like them, for notices with 6-8 categories.
EXTRA_CATEGORIES = (
    "在落实意识形态工作责任制方面",
    "在落实中央八项规定精神方面",
    "在整改落实上轮巡察反馈问题方面",
)
ORDINALS = "一二三四五六七八九十"
STATUSES = ("已完成",) * 8 + ("整改中",) * 1 + ("长期坚持",) * 1
DEPARTMENTS = ("办公室", "党建办", "人事科", "财务科", "新闻部", "技术部", "纪检组")
_CJK = re.compile(r"[\u4e00-\u9fff]")


@dataclass(frozen=True)
class GenIssue:
    number: int
    title: str
    category: str
    status: str
    completed: dt.date | None
    deadline: dt.date | None
    department: str
    body: str


@dataclass(frozen=True)
class GenNotice:
    key: str
    title: str
    published: dt.datetime
    categories: tuple[str, ...]
    body: str  # the example notice's text, with {{问题清单}}
    issues: tuple[GenIssue, ...]


def _front_and_body(path: str) -> tuple[str, str]:
    with open(path, encoding="utf-8") as f:
        text = f.read()
    _, front, body = text.split("---\n", 2)
    return front, body


def _seed_text(source_dir: str):
    """Sentences of the example's measures and notice, its issue titles and its categories."""
    sentences, titles, categories, notice_body = [], [], [], ""
    folder = os.path.join(source_dir, "2019")
    for name in sorted(os.listdir(folder)):
        front, body = _front_and_body(os.path.join(folder, name))
        if name == "notice.md":
            notice_body = body
            categories = re.findall(r"^  - (.+)$", front, re.M)
            text = body
        else:
            titles.append(re.search(r"^标题: (.+)$", front, re.M)[1])
            text = body
        for paragraph in text.split("\n"):
            if paragraph.startswith(("#", "{{")):
                continue
            for sentence in paragraph.split("。"):
                sentence = re.sub(r"^\s*(\d+、|[一二三四五六七八九十]是)", "", sentence)
                if cjk_count(sentence) >= 12:
                    sentences.append(sentence.strip() + "。")
    return sentences, titles, categories, notice_body


def cjk_count(text: str) -> int:
    return len(_CJK.findall(text))


def make_body(rng: random.Random, sentences: list[str]) -> str:
    """Measures of 300-900 Chinese characters: paragraphs 一是…, 二是…, each of 1-3 sentences."""
    target = rng.randint(300, 900)
    paragraphs: list[str] = []
    size = 0
    while size < target and len(paragraphs) < len(ORDINALS):
        picked = ""
        for _ in range(rng.randint(1, 3)):
            sentence = rng.choice(sentences)
            if size + cjk_count(picked + sentence) > 900 - 2:  # 2 for 一是
                break
            picked += sentence
        if not picked:
            if size >= 300:
                break
            continue
        paragraphs.append(ORDINALS[len(paragraphs)] + "是" + picked)
        size += cjk_count(picked) + 2
    return "\n\n".join(paragraphs) + "\n"


def make_notices(total_issues: int, seed: int = 0, source_dir: str = EXAMPLE_CONTENT,
                 per_notice: tuple[int, int] = (16, 24)) -> list[GenNotice]:
    """Notices of 16-24 issues (20 on average) adding up to exactly total_issues."""
    low, high = per_notice
    rng = random.Random(seed)
    sentences, titles, seed_categories, notice_body = _seed_text(source_dir)
    all_categories = list(seed_categories) + list(EXTRA_CATEGORIES)
    topics = [re.search(r"“(.+)”", t)[1] for t in titles if "“" in t]
    notices, left, index = [], total_issues, 0
    start = dt.datetime(2016, 1, 4, 9, 0)
    while left > 0:
        size = left if left <= high else min(rng.randint(low, high), left - low if left - low >= low else left)
        left -= size
        index += 1
        categories = tuple(all_categories[: rng.randint(5, 8)])
        published = start + dt.timedelta(days=index * 3, hours=rng.randint(0, 8), minutes=rng.randint(0, 59))
        issues = []
        for number in range(1, size + 1):
            status = rng.choice(STATUSES)
            completed = (published.date() - dt.timedelta(days=rng.randint(1, 60))) if status == "已完成" else None
            deadline = published.date() + dt.timedelta(days=rng.randint(30, 365)) if rng.random() < 0.3 else None
            issues.append(GenIssue(
                number=number,
                title=f"关于“{rng.choice(topics)}”的问题",
                category=categories[(number - 1) * len(categories) // size],
                status=status, completed=completed, deadline=deadline,
                department=rng.choice(DEPARTMENTS) if rng.random() < 0.5 else "",
                body=make_body(rng, sentences)))
        notices.append(GenNotice(
            key=f"u{index:04d}", title=f"第{index}号单位关于巡察反馈意见整改落实情况的通报",
            published=published, categories=categories, body=notice_body, issues=tuple(issues)))
    return notices


def _counts(notice: GenNotice) -> dict[str, int]:
    statuses = [i.status for i in notice.issues]
    return {"已完成": statuses.count("已完成"), "整改中": statuses.count("整改中"),
            "长期坚持": statuses.count("长期坚持")}


def district_of(index: int, units: int, rounds: int) -> tuple[int, int]:
    """(unit, round) of the index-th notice (from 0) of a district: every unit once per round,
    round after round; notices beyond units × rounds go to the last round."""
    return index % units, min(index // units, rounds - 1)


def write_dwgk_content(dest: str, notices: list[GenNotice], source_dir: str = EXAMPLE_CONTENT,
                       units: int = 0, rounds: int = 0, search: bool = False) -> None:
    """A dwgk content folder: site.yml from the example, one folder per notice.

    With units and rounds, a district portal: 单位/ (each unit with its own contact) and 轮次/,
    and each notice names its unit and round (see district_of). Full-text search (全文搜索) is on
    only with `search`, whatever the example's site.yml says.
    """
    os.makedirs(dest, exist_ok=True)
    with open(os.path.join(source_dir, "site.yml"), encoding="utf-8") as f:
        settings = re.sub(r"(?m)^全文搜索:.*\n?", "", f.read())
    _write(os.path.join(dest, "site.yml"), settings + ("全文搜索: 开启\n" if search else ""))
    for u in range(1, units + 1):
        _write(os.path.join(dest, "单位", f"d{u:02d}.yml"),
               f"名称: 示例区第{u}号单位\n反馈联系:\n  电话: 0199-8{u:07d}\n  邮箱: d{u:02d}@example.gov.cn\n"
               f"  地址: 示例区示例路{u}号\n  邮政编码: \"999{u:03d}\"\n")
    for r in range(1, rounds + 1):
        _write(os.path.join(dest, "轮次", f"r{r}.yml"), f"名称: 十四届区委第{ORDINALS[r - 1]}轮巡察\n")
    for index, notice in enumerate(notices):
        folder = os.path.join(dest, notice.key)
        os.makedirs(folder, exist_ok=True)
        counts = _counts(notice)
        stated = "".join(f"  {k}: {v}\n" for k, v in counts.items() if v)
        categories = "".join(f"  - {c}\n" for c in notice.categories)
        portal = ""
        if units and rounds:
            unit, round_ = district_of(index, units, rounds)
            portal = f"被巡察单位: 示例区第{unit + 1}号单位\n巡察轮次: 十四届区委第{ORDINALS[round_]}轮巡察\n"
        _write(os.path.join(folder, "notice.md"), (
            f"---\n标题: {notice.title}\n发布单位: 武汉市黄陂区第{notice.key}号单位\n{portal}"
            f"发布时间: {notice.published:%Y-%m-%d %H:%M}\n来源: 区融媒体中心\n"
            f"落款日期: {notice.published:%Y-%m-%d}\n"
            f"巡察:\n  巡察组: 区委第三巡察组\n  开始日期: 2015-03-02\n  结束日期: 2015-05-20\n"
            f"  反馈日期: 2015-07-22\n类别:\n{categories}"
            f"公布数字:\n  类别数: {len(notice.categories)}\n  问题总数: {len(notice.issues)}\n{stated}"
            f"---\n{notice.body}"))
        for issue in notice.issues:
            _write(os.path.join(folder, f"{issue.number:02d}.md"), _issue_text(issue))


def _issue_text(issue: GenIssue) -> str:
    extra = ""
    if issue.completed:
        extra += f"完成日期: {issue.completed.isoformat()}\n"
    if issue.deadline:
        extra += f"整改时限: {issue.deadline.isoformat()}\n"
    if issue.department:
        extra += f"责任部门: {issue.department}\n"
    return (f"---\n编号: {issue.number}\n标题: {issue.title}\n类别: {issue.category}\n"
            f"状态: {issue.status}\n{extra}---\n{issue.body}")


def _write(path: str, text: str) -> None:
    os.makedirs(os.path.dirname(path), exist_ok=True)
    with open(path, "w", encoding="utf-8", newline="\n") as f:
        f.write(text)


# --- The same content as a Hugo site: one section per notice, one page per issue and per category.

HUGO_CONFIG = """\
baseURL = "/"
title = "武汉市黄陂区融媒体中心党务公开"
languageCode = "zh-CN"
relativeURLs = true
uglyURLs = true
disableKinds = ["taxonomy", "term", "RSS", "sitemap", "robotsTXT"]
[params]
publisher = "武汉市黄陂区融媒体中心"
phone = "027-85932332"
email = "85932332@163.com"
address = "武汉市黄陂区前川街南潭路28号区融媒体中心办公室"
postcode = "430300"
"""

HUGO_LAYOUTS = {
    "_default/baseof.html": """\
<!DOCTYPE html>
<html lang="zh-CN">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{ .Title }} - {{ site.Title }}</title><link rel="stylesheet" href="{{ "style.css" | relURL }}"></head>
<body><a class="skip-link" href="#main">跳到正文</a>
<header class="site-header"><div class="wrap"><p class="site-title"><a href="{{ "index.html" | relURL }}">{{ site.Title }}</a></p>
<nav class="site-nav" aria-label="网站导航"><ul><li><a href="{{ "index.html" | relURL }}">首页</a></li></ul></nav></div></header>
<main id="main" class="wrap" tabindex="-1">{{ block "main" . }}{{ end }}</main>
<footer class="site-footer"><div class="wrap"><section class="footer-contact"><h2>意见反馈</h2>{{ partial "contact.html" . }}</section>
<p class="footer-units">主办单位：{{ site.Params.publisher }}</p></div></footer>
</body></html>
""",
    "partials/contact.html": """\
<dl class="contact"><div><dt>电话</dt><dd><a href="tel:{{ site.Params.phone }}">{{ site.Params.phone }}</a></dd></div>
<div><dt>邮箱</dt><dd><a href="mailto:{{ site.Params.email }}">{{ site.Params.email }}</a></dd></div>
<div><dt>信件邮寄地址</dt><dd>{{ site.Params.address }}</dd></div><div><dt>邮政编码</dt><dd>{{ site.Params.postcode }}</dd></div></dl>
""",
    "partials/progress.html": """\
{{ $issues := where .Pages "Params.kind" "issue" }}{{ $done := where $issues "Params.status" "已完成" }}{{ $ongoing := where $issues "Params.status" "整改中" }}
反馈的{{ len .Params.cats }}大类{{ len $issues }}项问题，已整改完成{{ len $done }}项，正在整改{{ len $ongoing }}项。
""",
    "index.html": """\
{{ define "main" }}<h1>{{ site.Title }}</h1><h2>整改情况通报</h2><ul class="notice-list">
{{ range .Sections.ByDate.Reverse }}<li><h3><a href="{{ .RelPermalink }}">{{ .Title }}</a></h3>
<p class="meta">发布时间：<time>{{ .Date.Format "2006年1月2日 15:04" }}</time></p><p class="progress-line">{{ partial "progress.html" . }}</p></li>{{ end }}
</ul>{{ end }}
""",
    "_default/list.html": """\
{{ define "main" }}<article class="notice"><h1>{{ .Title }}</h1><p class="meta">发布时间：{{ .Date.Format "2006年1月2日 15:04" }}</p>
<section class="progress"><h2>整改进度</h2><p class="progress-line">{{ partial "progress.html" . }}</p></section>
<div class="notice-text">{{ .Content }}<div class="problem-list">
{{ $issues := where .Pages "Params.kind" "issue" }}
{{ range $n, $name := .Params.cats }}<section class="category"><h3>（{{ add $n 1 }}）{{ $name }}</h3>
{{ range (where $issues "Params.category" $name).ByWeight }}<section class="issue"><h4>{{ .Params.number }}、<a href="{{ .RelPermalink }}">{{ .Title }}</a> <span class="status">{{ .Params.status }}</span></h4>
<p class="measures-label">主要做法：</p>{{ .Content }}</section>{{ end }}</section>{{ end }}
</div></div><section class="notice-contact"><h2>联系方式</h2>{{ partial "contact.html" . }}</section></article>{{ end }}
""",
    "_default/single.html": """\
{{ define "main" }}{{ $issues := (where .CurrentSection.Pages "Params.kind" "issue").ByWeight }}
<article class="issue-page"><h1>{{ .Title }}</h1><dl class="facts"><div><dt>编号</dt><dd>第{{ .Params.number }}项</dd></div>
<div><dt>所属类别</dt><dd>{{ .Params.category }}</dd></div><div><dt>整改状态</dt><dd>{{ .Params.status }}</dd></div>
{{ with .Params.department }}<div><dt>责任部门</dt><dd>{{ . }}</dd></div>{{ end }}</dl>
<h2>主要做法</h2><div class="measures">{{ .Content }}</div></article>
<nav class="pager"><ul>{{ with $issues.Prev . }}<li><a href="{{ .RelPermalink }}" rel="prev">上一项：{{ .Params.number }}、{{ .Title }}</a></li>{{ end }}
{{ with $issues.Next . }}<li><a href="{{ .RelPermalink }}" rel="next">下一项：{{ .Params.number }}、{{ .Title }}</a></li>{{ end }}</ul></nav>{{ end }}
""",
    "_default/category.html": """\
{{ define "main" }}{{ $name := .Params.name }}<h1>{{ $name }}</h1><p class="meta">{{ .CurrentSection.Title }}</p>
<table class="issues"><caption>本类问题及整改状态</caption><thead><tr><th scope="col">编号</th><th scope="col">问题</th><th scope="col">整改状态</th></tr></thead><tbody>
{{ range (where (where .CurrentSection.Pages "Params.kind" "issue") "Params.category" $name).ByWeight }}<tr><td>{{ .Params.number }}</td><td><a href="{{ .RelPermalink }}">{{ .Title }}</a></td><td>{{ .Params.status }}</td></tr>{{ end }}
</tbody></table>{{ end }}
""",
}


def write_hugo_site(dest: str, notices: list[GenNotice]) -> None:
    """An equivalent Hugo project: the same pages (notice, categories, issues, home) and text."""
    os.makedirs(dest, exist_ok=True)
    _write(os.path.join(dest, "config.toml"), HUGO_CONFIG)
    for rel, text in HUGO_LAYOUTS.items():
        os.makedirs(os.path.dirname(os.path.join(dest, "layouts", rel)), exist_ok=True)
        _write(os.path.join(dest, "layouts", rel), text)
    os.makedirs(os.path.join(dest, "static"), exist_ok=True)
    with open(os.path.join(REPO, "layouts", "assets", "style.css"), "rb") as f:
        style = f.read()
    with open(os.path.join(dest, "static", "style.css"), "wb") as f:
        f.write(style)
    for notice in notices:
        folder = os.path.join(dest, "content", notice.key)
        os.makedirs(folder, exist_ok=True)
        categories = "".join(f"  - {c}\n" for c in notice.categories)
        body = notice.body.replace("{{问题清单}}", "")
        _write(os.path.join(folder, "_index.md"),
               f"---\ntitle: {notice.title}\ndate: {notice.published:%Y-%m-%dT%H:%M:00}\n"
               f"cats:\n{categories}---\n{body}")
        for n, name in enumerate(notice.categories, start=1):
            _write(os.path.join(folder, f"category-{n}.md"),
                   f"---\ntitle: {name}\nlayout: category\nkind: category\nname: {name}\nweight: {1000 + n}\n---\n")
        for issue in notice.issues:
            _write(os.path.join(folder, f"issue-{issue.number}.md"),
                   f"---\ntitle: {issue.title}\nkind: issue\nnumber: {issue.number}\nweight: {issue.number}\n"
                   f"category: {issue.category}\nstatus: {issue.status}\ndepartment: \"{issue.department}\"\n"
                   f"---\n{issue.body}")
