"""What lets portals, crawlers and feed readers find the site: sitemap.xml, robots.txt, feed.xml.

These are the only places (with the canonical link in each page's <head>) where absolute URLs
appear, built from the base URL (网站地址 or `build --base-url`); every link between pages stays
relative. Without a base URL there is no sitemap, robots.txt, feed or canonical link.

Feed entries (Atom, RFC 4287), dated from the content only, so the feed is deterministic:
  * one per notice, published at its 发布时间 and updated at the latest 完成日期 of its issues
    (if later), summarising the current progress;
  * one per status change: an issue whose 完成日期 is later than its notice's 发布时间 was
    completed after the notice reported on it, and gets an entry dated that day. Completions
    on or before the publication are part of what the notice announced, and other statuses
    carry no date in the content, so neither makes an entry of its own;
  * one per inspection round of a district portal (its page), published at the 发布时间 of its
    first notice and updated as its newest notice or completion, summarising its totals.
Content dates are Beijing time (UTC+8); a date without a time is taken as 00:00.
"""

from __future__ import annotations

import datetime as dt
import posixpath
import urllib.parse
import xml.etree.ElementTree as ET
from dataclasses import dataclass

from .assemble import round_reports
from .model import Issue, Notice, OutputFile, RoundReport, Site

SITEMAP = "sitemap.xml"
ROBOTS = "robots.txt"
FEED = "feed.xml"
FEED_TYPE = "application/atom+xml"

#: Pages that are not content: no canonical link, not in the sitemap.
NOT_INDEXED = ("404.html", "search.html")  # the search page shows nothing until a reader types
#: Yearly snapshots are frozen copies; only the archive's own index is a current page.
ARCHIVE_DIR = "archive"

ATOM_NS = "http://www.w3.org/2005/Atom"
SITEMAP_NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
BEIJING = dt.timezone(dt.timedelta(hours=8))

SKIPPED_NOTE = ("提示：未设置网站地址（site.yml 中的“网站地址”，或 --base-url），"
                f"因此未生成 {SITEMAP}、{ROBOTS}、订阅源 {FEED} 和各页的规范链接（canonical）。")


def absolute_url(base_url: str, out_path: str) -> str:
    """The public address of an output file; an index.html is addressed by its folder."""
    path = out_path
    if posixpath.basename(path) == "index.html":
        path = path[: -len("index.html")]
    return base_url + urllib.parse.quote(path)


def site_domain(base_url: str) -> str:
    """www.example.gov.cn for https://www.example.gov.cn/dwgk/ ("" without a base URL)."""
    return urllib.parse.urlsplit(base_url).netloc if base_url else ""


def has_feed(site: Site) -> bool:
    return bool(site.settings.base_url and site.notices)


def page_links(site: Site, out_path: str, archived: bool = False) -> dict:
    """Template variables for one page: canonical URL, feed, portal domain, registry links.

    An archived page (a yearly snapshot) is not the current page at its address and has no
    feed beside it, so it gets neither a canonical link nor a feed link.
    """
    base = site.settings.base_url
    current = not archived
    return {
        "canonical_url": absolute_url(base, out_path) if base and current and out_path not in NOT_INDEXED else "",
        "feed_path": FEED if has_feed(site) and current else "",
        "feed_type": FEED_TYPE,
        "site_domain": site_domain(base),
        "icp_url": ICP_URL,
    }


#: Portal footers link the record numbers to the registries that confirm them.
ICP_URL = "https://beian.miit.gov.cn/"
POLICE_RECORD_URL = "https://beian.mps.gov.cn/#/query/webSearch?code="


def police_record_url(record: str) -> str:
    """鄂公网安备42011602000000号 -> its page at the public-security registry ("" without a number)."""
    digits = "".join(c for c in record if c.isascii() and c.isdigit())
    return POLICE_RECORD_URL + digits if digits else ""


def portal_date(value: dt.date) -> str:
    """PubDate as Chinese government portals write it: 2019-12-27 15:24."""
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    return value.strftime("%Y-%m-%d %H:%M")


def render_discovery(site: Site, files: list[OutputFile]) -> list[OutputFile]:
    """robots.txt and sitemap.xml when the base URL is known, feed.xml when there is news too."""
    settings = site.settings
    if not settings.base_url:
        return []
    out = [OutputFile(ROBOTS, render_robots(settings.base_url)),
           OutputFile(SITEMAP, render_sitemap(settings.base_url, sitemap_pages(files)))]
    if has_feed(site):
        out.append(OutputFile(FEED, render_feed(site)))
    return out


def sitemap_pages(files: list[OutputFile]) -> list[str]:
    """Every current page: the HTML files, without the 404 page and the archived snapshots."""
    pages = []
    for f in files:
        path = f.out_path
        if not path.endswith(".html") or path in NOT_INDEXED:
            continue
        if path.startswith(ARCHIVE_DIR + "/") and path != f"{ARCHIVE_DIR}/index.html":
            continue
        pages.append(path)
    return sorted(pages)


def render_robots(base_url: str) -> bytes:
    """Everything may be crawled; the Sitemap line is what a portal copies into its own
    robots.txt when the site lives in a sub-folder (crawlers only read the one at the root)."""
    return f"User-agent: *\nDisallow:\nSitemap: {absolute_url(base_url, SITEMAP)}\n".encode("utf-8")


def render_sitemap(base_url: str, pages: list[str]) -> bytes:
    root = ET.Element("urlset", xmlns=SITEMAP_NS)
    for path in pages:
        ET.SubElement(ET.SubElement(root, "url"), "loc").text = absolute_url(base_url, path)
    return _xml(root)


@dataclass(frozen=True)
class Entry:
    """One Atom entry: what happened, when, and the page that shows it."""

    id: str
    title: str
    published: dt.datetime
    updated: dt.datetime
    url: str
    author: str
    summary: str


def feed_entries(site: Site) -> list[Entry]:
    """Newest first; ties broken by id, so the order never depends on anything but the content."""
    base = site.settings.base_url
    entries = []
    for notice in site.notices:
        published = _beijing(notice.published)
        completed = [_beijing(i.completed) for i in notice.issues if i.completed]
        entries.append(Entry(
            id=absolute_url(base, notice.url), title=notice.title, published=published,
            updated=max([published, *completed]), url=absolute_url(base, notice.url),
            author=notice.publisher, summary=notice.progress.sentence + "。"))
        for issue in notice.issues:
            if is_status_change(notice, issue):
                entries.append(completion_entry(base, notice, issue))
    entries += [round_entry(site, report) for report in round_reports(site)]
    return sorted(entries, key=lambda e: (e.updated, e.id), reverse=True)


def round_entry(site: Site, report: RoundReport) -> Entry:
    url = absolute_url(site.settings.base_url, report.round.url)
    published = min(_beijing(n.published) for n in report.notices)
    latest = [_beijing(n.published) for n in report.notices]
    latest += [_beijing(i.completed) for n in report.notices for i in n.issues if i.completed]
    return Entry(id=url, title=f"{report.round.name}整改情况", published=published, updated=max(latest), url=url,
                 author=site.settings.publisher, summary=report.progress.round_sentence + "。")


def is_status_change(notice: Notice, issue: Issue) -> bool:
    """Completed after its notice reported on it (see the module docstring)."""
    return (issue.status == "已完成" and issue.completed is not None
            and issue.completed > notice.published.date())


def completion_entry(base_url: str, notice: Notice, issue: Issue) -> Entry:
    when = _beijing(issue.completed)
    day = f"{issue.completed.year}年{issue.completed.month}月{issue.completed.day}日"
    url = absolute_url(base_url, issue.url)
    return Entry(
        id=f"{url}#done-{issue.completed.isoformat()}",
        title=f"第{issue.number}项问题整改完成：{issue.title}",
        published=when, updated=when, url=url, author=notice.publisher,
        summary=f"《{notice.title}》中的第{issue.number}项问题已于{day}整改完成。")


def render_feed(site: Site) -> bytes:
    settings = site.settings
    entries = feed_entries(site)
    root = ET.Element("feed", {"xmlns": ATOM_NS, "xml:lang": "zh-CN"})
    ET.SubElement(root, "id").text = absolute_url(settings.base_url, FEED)
    ET.SubElement(root, "title").text = settings.title
    ET.SubElement(root, "subtitle").text = f"{settings.publisher}巡察整改情况通报和整改进展"
    ET.SubElement(root, "updated").text = _rfc3339(max(e.updated for e in entries))
    ET.SubElement(ET.SubElement(root, "author"), "name").text = settings.publisher
    ET.SubElement(root, "link", rel="self", type=FEED_TYPE, href=absolute_url(settings.base_url, FEED))
    ET.SubElement(root, "link", rel="alternate", type="text/html", href=settings.base_url)
    for e in entries:
        entry = ET.SubElement(root, "entry")
        ET.SubElement(entry, "id").text = e.id
        ET.SubElement(entry, "title").text = e.title
        ET.SubElement(entry, "published").text = _rfc3339(e.published)
        ET.SubElement(entry, "updated").text = _rfc3339(e.updated)
        ET.SubElement(ET.SubElement(entry, "author"), "name").text = e.author
        ET.SubElement(entry, "link", rel="alternate", type="text/html", href=e.url)
        ET.SubElement(entry, "summary").text = e.summary
    return _xml(root)


def _beijing(value: dt.date) -> dt.datetime:
    if not isinstance(value, dt.datetime):
        value = dt.datetime(value.year, value.month, value.day)
    return value.replace(tzinfo=BEIJING)


def _rfc3339(value: dt.datetime) -> str:
    return value.isoformat(timespec="seconds")


def _xml(root: ET.Element) -> bytes:
    ET.indent(root)
    return ET.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"
