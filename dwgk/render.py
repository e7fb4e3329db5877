"""The site model -> every output file as bytes (pages, ledgers, assets, attachments); nothing written."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
import os
import posixpath
import re
import sys
from dataclasses import replace

import jinja2
from markupsafe import Markup, escape

from .content import PLACEHOLDER, display_path, is_ignored_name, read_regular, shown_path
from .discovery import page_links, police_record_url, portal_date, render_discovery
from .markup import shift_headings
from .model import (ACTIVE_ATTACHMENT_TYPES, STATUSES, SUMMARY_LEAVES_OUT, ArchiveBanner, ArchivedOutput, BuildFailed,
                    ContentError, IssueSummary, Notice, NoticeSite, NoticeSummary, OutputFile, RoundReport, Site,
                    summarize)
from .search import (SEARCH_PAGE, SearchPart, check_search_script, index_files, notice_search, plain_text,
                     records_url)

ASSETS_DIR = "assets"
SEARCH_ASSETS = (f"{ASSETS_DIR}/search.js", f"{ASSETS_DIR}/search.css")  # published only with 全文搜索: 开启
ARCHIVE_INDEX = "archive/index.html"
_CN_DIGITS = "零一二三四五六七八九"


def cn_number(n: int) -> str:
    """1 -> 一, 10 -> 十, 12 -> 十二, 25 -> 二十五: the numbering of 类别 heads（一）（二）."""
    if n < 10:
        return _CN_DIGITS[n]
    if n < 100:
        tens, ones = divmod(n, 10)
        return ("" if tens == 1 else _CN_DIGITS[tens]) + "十" + (_CN_DIGITS[ones] if ones else "")
    return str(n)


def cn_date(value: dt.date) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def cn_datetime(value: dt.datetime) -> str:
    text = cn_date(value)
    return text if (value.hour, value.minute) == (0, 0) else f"{text} {value:%H:%M}"


def iso(value) -> str:
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M" if (value.hour, value.minute) != (0, 0) else "%Y-%m-%d")
    return value.isoformat()


class _TemplateCache(jinja2.FileSystemBytecodeCache):
    """Compiled templates kept between builds (Jinja checks each against its template's source);
    a damaged file is compiled again, never a reason to fail."""

    def load_bytecode(self, bucket) -> None:
        try:
            super().load_bytecode(bucket)
        except Exception:
            bucket.reset()


NOTICE_PAGES_SEE_ONE_NOTICE = ("通报、类别和问题页不能使用 site.notices（全部通报），"
                               "只有首页、归档页、反馈联系页和 404 页可以使用")


class _Undefined(jinja2.StrictUndefined):
    """StrictUndefined, saying in the editor's words why a page cannot use what its site does not
    give it: site.notices on a notice's pages (NoticeSite), a text on a site-wide page (summaries)."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        obj, name = self._undefined_obj, self._undefined_name
        if isinstance(obj, NoticeSite) and name == "notices":
            return NOTICE_PAGES_SEE_ONE_NOTICE
        if isinstance(obj, (NoticeSummary, IssueSummary)) and name in SUMMARY_LEAVES_OUT:
            return (f"首页、单位页、轮次页等全站页面只有各通报的摘要，不能使用 {name}（{SUMMARY_LEAVES_OUT[name]}）；"
                    "通报和问题的正文只能在通报、类别和问题页显示")
        return super()._undefined_message


def make_environment(layouts_dir: str, compiled_dir: str | None = None) -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(layouts_dir),
        bytecode_cache=_TemplateCache(compiled_dir) if compiled_dir else None,
        auto_reload=False,  # one environment per build: no need to stat the template for every page
        autoescape=True,
        undefined=_Undefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters.update(
        rel=relative_url, cn_number=cn_number, cn_date=cn_date, cn_datetime=cn_datetime, iso=iso,
        portal_date=portal_date, police_record_url=police_record_url,
        shift_headings=lambda html, by: Markup(shift_headings(html, by)),
    )
    return env


@jinja2.pass_context
def relative_url(context, url: str) -> str:
    """A link from the page being rendered to `url` (a path from the site root).

    Relative, so the site works under any sub-path, from file:// and inside an archive copy;
    only the 404 page, served at unknown depths, uses the base URL's path when one is set.
    """
    base_path = context.get("base_path")
    if base_path:
        return base_path + url
    here = context.get("page_folder") or posixpath.dirname(context["out_path"]) or "."
    return _relative(url, here)


@functools.lru_cache(maxsize=8192)
def _relative(url: str, here: str) -> str:
    # Both paths are relative to the site root, so relpath's answer does not depend on the working
    # directory; caching it saves a getcwd() per link, which at 10,000 pages is most of the render.
    return posixpath.relpath(url, here)


def fill_figures(html: str, notice: Notice) -> Markup:
    """Replace {{类别数}} … in a notice's converted text with figures computed from its issues.

    A clause that counts a status nobody has any more ("还有{{整改中}}项问题正在持续整改推进"
    with none ongoing) is dropped rather than read "还有0项": see drop_zero_clauses.
    """
    p = notice.progress
    figures = {"类别数": p.categories, "问题总数": p.total, "已完成": p.done, "整改中": p.ongoing,
               "长期坚持": p.longterm, "整改进度": p.sentence}
    html = drop_zero_clauses(html, {name for name in STATUSES if figures[name] == 0})
    # What the check of the text let through stays as it is: "\{\{未知}}" becomes "{{未知}}" only here.
    return Markup(PLACEHOLDER.sub(lambda m: str(escape(str(figures[m[1]]))) if m[1] in figures else m[0], html))


_CLAUSE_ENDS = "，；。！？"


def drop_zero_clauses(html: str, zero: set[str]) -> str:
    """The text without each clause holding a placeholder in `zero`.

    A clause runs between the marks ，；。！？ (or a tag); it goes with the comma or semicolon
    before it, so that the sentence keeps its own end: "已有17项整改完毕，还有0项问题正在整改。"
    reads "已有17项整改完毕。". A sentence that is nothing but such a clause goes whole.
    """
    while zero:
        found = next((m for m in PLACEHOLDER.finditer(html) if m[1] in zero), None)
        if found is None:
            return html
        start = found.start()
        while start > 0 and html[start - 1] not in _CLAUSE_ENDS + ">":
            start -= 1
        end = found.end()
        while end < len(html) and html[end] not in _CLAUSE_ENDS + "<":
            end += 1
        before = html[start - 1] if start else "<"
        after = html[end] if end < len(html) else ">"
        if before in "，；":
            start -= 1  # "…完毕，还有0项…。" -> "…完毕。"
        elif after in "，；。！？":
            end += 1  # "已有0项整改完毕，还有…" -> "还有…"; a sentence of one clause goes whole
        html = html[:start] + html[end:]
    return html


def site_pages(site: Site):
    """The site-wide pages: (out_path, template, context). Only these see every notice (`site`).

    A district portal (units in 单位/, rounds in 轮次/) adds a page per round and per unit that
    has notices; a site without them has none of these pages.
    """
    from .assemble import round_reports, unit_reports  # noqa: PLC0415 - assemble is not needed to render a notice

    rounds, units = round_reports(site), unit_reports(site)
    in_rounds = {n.key for r in rounds for n in r.notices}
    yield "index.html", "index.html", {
        "nav": "home", "page_title": "首页", "rounds": rounds, "units": units,
        "other_notices": tuple(n for n in site.notices if n.key not in in_rounds)}
    for report in rounds:
        yield report.round.url, "round.html", {
            "nav": "", "page_title": report.round.name, "report": report}
    for report in units:
        yield report.unit.url, "unit.html", {
            "nav": "", "page_title": report.unit.name, "report": report,
            "contact": report.unit.contact or site.settings.contact,
            "rounds_of": {n.key: site.round_of(n) for n in report.notices}}
    if site.snapshots:
        yield ARCHIVE_INDEX, "archive.html", {"nav": "archive", "page_title": "历年归档"}
    yield "contact.html", "contact.html", {"nav": "contact", "page_title": "反馈联系"}
    if site.settings.search:
        yield SEARCH_PAGE, "search.html", {"nav": "search", "page_title": "全文搜索"}
    base_path = _url_path(site.settings.base_url)
    yield "404.html", "404.html", {"nav": "", "page_title": "页面未找到", "base_path": base_path}


def notice_pages(notice: Notice, site: Site | None = None):
    """The pages of one notice: made from it alone (and the settings, archives, units and rounds),
    so a change elsewhere never makes them stale; this is what lets a rebuild render only what changed.

    With `site`, the pages show the notice's unit's contact and lead back through its round and unit.
    """
    portal = {}
    if site is not None:
        round_, unit = site.round_of(notice), site.unit_of(notice)
        parents = ([(round_.name, round_.url)] if round_ else []) + ([(unit.label, unit.url)] if unit else [])
        portal = {"contact": site.contact_of(notice), "parents": parents, "notice_round": round_, "notice_unit": unit}
    for out_path, template, context in _notice_pages(notice):
        yield out_path, template, {**context, **portal}


def _notice_pages(notice: Notice):
    yield notice.url, "notice.html", {
        "nav": "", "page_title": notice.title, "notice": notice,
        "intro_html": fill_figures(notice.intro_html, notice),
        "outro_html": fill_figures(notice.outro_html, notice),
    }
    for category in notice.categories:
        yield category.url, "category.html", {
            "nav": "", "page_title": category.name, "notice": notice, "category": category}
    issues = notice.issues
    categories = {c.name: c for c in notice.categories}
    for i, issue in enumerate(issues):
        yield issue.url, "issue.html", {
            "nav": "", "page_title": issue.title, "notice": notice, "issue": issue,
            "category": categories[issue.category],
            "previous": issues[i - 1] if i > 0 else None,
            "next": issues[i + 1] if i + 1 < len(issues) else None,
        }


def notice_out_paths(notice: Notice, search: bool) -> list[str]:
    """Every file render_notice makes (the pages of notice_pages, the ledger, the search records
    if the site has search, the attachments), known without rendering, from a notice summary too."""
    return ([notice.url] + [c.url for c in notice.categories] + [i.url for i in notice.issues]
            + [notice.ledger_url] + ([records_url(notice.key)] if search else [])
            + [f"{notice.key}/{name}" for name in notice.attachments])


def _url_path(base_url: str) -> str:
    """The path of the base URL ("/dwgk/"), or "" when none is configured."""
    if not base_url:
        return ""
    return "/" + base_url.split("://", 1)[1].partition("/")[2]


def render_site(site: Site, layouts_dir: str, content_dir: str, errors: list,
                banner: ArchiveBanner | None = None) -> list[OutputFile]:
    """All output files, sorted by path; template errors are added to errors.

    With a banner, the pages are a yearly snapshot: each says so and links back to the current
    site, which is two folders up once the snapshot is published at archive/YEAR/.
    """
    env = make_environment(layouts_dir)
    files = render_site_pages(env, site, layouts_dir, errors, banner)
    parts = []
    for notice in site.notices:
        notice_files, part = render_notice_and_search(env, site, notice, layouts_dir, content_dir, errors, banner)
        files += notice_files
        parts.append(part)
    if site.settings.search:
        files += index_files(site.settings, parts)
    files += snapshot_files(site)
    if not banner:  # a snapshot is a frozen copy: the current site's sitemap and feed are not part of it
        files += render_discovery(summary_site(site), files)
    return sorted(files, key=lambda f: f.out_path)


def render_site_pages(env, site: Site, layouts_dir: str, errors: list,
                      banner: ArchiveBanner | None = None) -> list[OutputFile]:
    """The site-wide pages, the rounds' ledgers and the assets, from notice summaries."""
    from .assemble import round_reports  # noqa: PLC0415 - as in site_pages

    site = summary_site(site)
    ledgers = [OutputFile(r.round.ledger_url, render_round_ledger(site, r)) for r in round_reports(site)]
    assets = read_assets(layouts_dir, site.settings.search)
    if site.settings.search:
        check_search_script(assets, layouts_dir, errors)
    return render_pages(env, site, site_pages(site), layouts_dir, errors, banner) + ledgers + assets


def summary_site(site: Site) -> Site:
    """The site as its site-wide pages see it: every notice a summary (model.NoticeSummary)."""
    return replace(site, notices=tuple(summarize(n) for n in site.notices))


def render_notice(env, site: Site, notice: Notice, layouts_dir: str, content_dir: str, errors: list,
                  banner: ArchiveBanner | None = None) -> list[OutputFile]:
    """Every file of one notice: its pages, its ledger, its search records and its attachments;
    of `site` only the settings and the archives are used."""
    return render_notice_and_search(env, site, notice, layouts_dir, content_dir, errors, banner)[0]


def render_notice_and_search(env, site: Site, notice: Notice, layouts_dir: str, content_dir: str, errors: list,
                             banner: ArchiveBanner | None = None) -> tuple[list[OutputFile], SearchPart | None]:
    """render_notice's files, and the notice's part of the search index (None: the site has no search)."""
    # A site of this notice alone gives every page link (feed, canonical) that the whole site gives.
    links_site = replace(site, notices=(notice,))
    view = NoticeSite.of(site)
    files = render_pages(env, view, notice_pages(notice, view), layouts_dir, errors, banner, links_site)
    files.append(OutputFile(notice.ledger_url, render_ledger(notice)))
    part = None
    if site.settings.search:
        records, part = _notice_search(notice)
        files.append(records)
    shown = display_path(content_dir)
    for name in notice.attachments:
        rel = f"{notice.key}/{name}"
        ext = posixpath.splitext(name)[1][1:].lower()
        if ext in ACTIVE_ATTACHMENT_TYPES and ext not in site.settings.active_attachments:
            errors.append(ContentError(shown_path(shown, rel), 1, active_attachment_message(name, ext)))
            continue
        try:  # read now, not when listed: the file must still be a file, not a link to elsewhere
            files.append(OutputFile(rel, read_regular(content_dir, rel, shown_path(shown, rel))))
        except BuildFailed as failed:
            errors += failed.errors
    return files, part


def search_part_of(notice: Notice) -> SearchPart:
    """The notice's part of the search index (render_notice_and_search makes it with the pages)."""
    return _notice_search(notice)[1]


def _notice_search(notice: Notice) -> tuple[OutputFile, SearchPart]:
    intro = plain_text(fill_figures(notice.intro_html, notice) + " " + fill_figures(notice.outro_html, notice))
    return notice_search(notice, intro)


def active_attachment_message(name: str, ext: str) -> str:
    return (f"附件“{name}”是网页类文件（.{ext}），打开时可以在门户网站上运行其中的脚本，因此不发布；"
            f"请改用 PDF 等格式，或请网站管理员在 site.yml 的“允许的网页类附件”中列出 {ext}")


def render_pages(env, site: Site, plan, layouts_dir: str, errors: list, banner: ArchiveBanner | None,
                 links_site: Site | None = None) -> list[OutputFile]:
    files = []
    for out_path, template_name, context_for_page in plan:
        context = dict(site=site, settings=site.settings, out_path=out_path, archived=banner,
                       page_folder=posixpath.dirname(out_path) or ".",
                       contact=site.settings.contact, parents=[],
                       **page_links(links_site or site, out_path, archived=bool(banner)))
        context.update(context_for_page)
        if banner:
            context["current_site_url"] = "../" * (out_path.count("/") + 2) + "index.html"
        html = render_template(env, layouts_dir, template_name, context, errors)
        if html is not None:
            files.append(OutputFile(out_path, html.encode("utf-8")))
    return files


def snapshot_files(site: Site) -> list[ArchivedOutput]:
    """The yearly snapshots, published unchanged, byte for byte (read from the archive folder when
    their bytes are needed)."""
    return [ArchivedOutput(out_path, f) for out_path, f in _snapshot_outputs(site)]


def snapshot_out_paths(site: Site) -> list[str]:
    """Where snapshot_files puts the snapshots, without reading them."""
    return [out_path for out_path, _ in _snapshot_outputs(site)]


def _snapshot_outputs(site: Site):
    for snapshot in site.snapshots:
        base = posixpath.dirname(snapshot.url)
        yield from ((f"{base}/{f.out_path}", f) for f in snapshot.site_files)
        yield snapshot.zip_url, snapshot.zip_file


def read_assets(layouts_dir: str, search: bool) -> list[OutputFile]:
    """The files of layouts/assets; the search page's script and style only for a site with search."""
    assets = os.path.join(layouts_dir, ASSETS_DIR)
    files = []
    for dirpath, dirnames, filenames in os.walk(assets):
        dirnames[:] = sorted(d for d in dirnames if not is_ignored_name(d))
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            rel = os.path.relpath(full, layouts_dir).replace(os.sep, "/")
            if is_ignored_name(name) or (rel in SEARCH_ASSETS and not search):
                continue
            with open(full, "rb") as f:
                files.append(OutputFile(rel, f.read()))
    return files


def render_template(env, layouts_dir: str, name: str, context: dict, errors: list) -> str | None:
    try:
        return env.get_template(name).render(context)
    except jinja2.TemplateSyntaxError as exc:
        path = display_path(os.path.join(layouts_dir, exc.name or name))
        errors.append(ContentError(path, exc.lineno or 1, f"模板语法错误：{exc.message}"))
    except jinja2.TemplateNotFound as exc:
        errors.append(ContentError(display_path(os.path.join(layouts_dir, name)), 1, f"找不到模板“{exc.name}”"))
    except Exception as exc:  # a runtime error inside a template: report it at the template line
        path, line = _template_frame(layouts_dir, name)
        errors.append(ContentError(path, line, f"模板运行出错：{exc}"))
    return None


def _template_frame(layouts_dir: str, name: str):
    """Jinja rewrites tracebacks so template frames carry the template's file and line."""
    tb = sys.exc_info()[2]
    found = (display_path(os.path.join(layouts_dir, name)), 1)
    layouts = os.path.abspath(layouts_dir)
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if os.path.abspath(filename).startswith(layouts + os.sep):
            found = (display_path(filename), tb.tb_lineno)
        tb = tb.tb_next
    return found


LEDGER_COLUMNS = ("编号", "类别", "问题", "整改状态", "完成日期", "整改时限", "责任部门")


def render_ledger(notice: Notice) -> bytes:
    """整改台账: UTF-8 with BOM and CRLF, so that Excel opens the Chinese text correctly."""
    return _csv(LEDGER_COLUMNS, (_ledger_row(issue) for issue in notice.issues))


ROUND_LEDGER_COLUMNS = ("被巡察单位", "通报", *LEDGER_COLUMNS)


def render_round_ledger(site: Site, report: RoundReport) -> bytes:
    """A round's ledger for the 巡察办: every problem of its notices, unit by unit, as render_ledger."""
    return _csv(ROUND_LEDGER_COLUMNS, ((site.unit_label(notice), notice.title, *_ledger_row(issue))
                                       for notice in report.notices for issue in notice.issues))


def _ledger_row(issue) -> tuple:
    return (issue.number, issue.category, issue.title, issue.status,
            issue.completed.isoformat() if issue.completed else "",
            issue.deadline.isoformat() if issue.deadline else "", issue.department)


def _csv(columns: tuple, rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(columns)
    for row in rows:
        writer.writerow([_csv_safe(str(v)) for v in row])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _csv_safe(value: str) -> str:
    # A cell starting with = + - @ would be run as a formula by Excel (CSV injection).
    return "'" + value if re.match(r"[=+\-@\t\r]", value) else value
