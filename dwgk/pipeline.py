"""The whole build, top to bottom: read, parse, assemble, render, write."""

from __future__ import annotations

import os
from dataclasses import dataclass, replace

from .assemble import assemble_site
from .content import display_path, parse_content, read_sources
from .discovery import SKIPPED_NOTE
from .linkcheck import check_links, find_in_sources
from .model import ArchiveBanner, BuildFailed, ContentError, OutputFile, Site, UsageError
from .output import check_output_dir, plan_write, preserved_files, write_site
from .render import render_site
from .snapshots import read_snapshots


@dataclass(frozen=True)
class Paths:
    content_dir: str
    layouts_dir: str
    output_dir: str
    archive_dir: str = "archive"  # yearly snapshots, published under archive/ in the output


def load_site(paths: Paths, sources=None, base_url: str | None = None) -> Site:
    """Read and check all content; raise BuildFailed with every error of the run.

    base_url (already normalised, from `--base-url`) replaces the 网站地址 of site.yml.
    """
    errors: list = []
    sources = read_sources(paths.content_dir) if sources is None else sources
    settings, notices, issues, incomplete = parse_content(paths.content_dir, sources, errors)
    if settings is None:
        raise BuildFailed(errors)
    site = assemble_site(settings, notices, issues, incomplete, errors)
    if errors:
        raise BuildFailed(errors)
    if base_url:
        site = replace(site, settings=replace(site.settings, base_url=base_url))
    return site


def load_snapshots(paths: Paths, site: Site) -> Site:
    """The site with the yearly snapshots to publish; a missing or altered archived file is an error."""
    errors: list = []
    snapshots = read_snapshots(paths.archive_dir, errors)
    if errors:
        raise BuildFailed(errors)
    return replace(site, snapshots=snapshots)


def render(paths: Paths, site: Site, banner: ArchiveBanner | None = None) -> list[OutputFile]:
    errors: list = []
    files = render_site(site, paths.layouts_dir, paths.content_dir, errors, banner)
    if errors:
        raise BuildFailed(errors)
    return files


def check_site_links(paths: Paths, site: Site, files: list[OutputFile]) -> None:
    """The link check over the files a build would write (and the files it keeps)."""
    broken = check_links(files, site.settings.base_url, preserved_files(paths.output_dir))
    if not broken:
        return
    made_from = {}  # page -> the content files whose Markdown it shows
    for notice in site.notices:
        made_from[notice.url] = [notice.src_path] + [i.src_path for i in notice.issues]
        for issue in notice.issues:
            made_from[issue.url] = [issue.src_path]
    errors, seen = [], set()
    for link in broken:
        page = display_path(os.path.join(paths.output_dir, link.out_path))
        found = find_in_sources(link.url, [(p, _read_text(p)) for p in made_from.get(link.out_path, [])])
        if found is None:
            errors.append(ContentError(page, link.line, link.message))
        elif (found, link.message) not in seen:  # the notice page shows its issues' text again
            seen.add((found, link.message))
            errors.append(ContentError(found[0], found[1], f"{link.message}（见生成的网页 {page} 第{link.line}行）"))
    raise BuildFailed(errors)


def _read_text(path: str) -> str:
    try:
        with open(path, encoding="utf-8-sig") as f:
            return f.read()
    except (OSError, ValueError):
        return ""


def prepare(paths: Paths, base_url: str | None = None) -> tuple[Site, list[OutputFile]]:
    """The site and the files a build would write, links checked; nothing written."""
    site = load_snapshots(paths, load_site(paths, base_url=base_url))
    files = render(paths, site)
    check_site_links(paths, site, files)
    return site, files


def check(paths: Paths, base_url: str | None = None) -> list[OutputFile]:
    """Everything a build does except writing: the files it would write."""
    return prepare(paths, base_url)[1]


def check_paths(paths: Paths) -> None:
    """Refuse folders that overlap: the output must never write into the sources or the archive."""
    problem = (check_output_dir(paths.output_dir, [paths.content_dir, paths.layouts_dir, paths.archive_dir])
               or check_output_dir(paths.archive_dir, [paths.content_dir, paths.layouts_dir], "归档文件夹"))
    if problem:
        raise UsageError(problem)


def build(paths: Paths, base_url: str | None = None) -> dict:
    """Build into the output folder; on any error nothing at all is written.

    Returns counts (files, written, removed), the base URL used, and notes for the editor.
    """
    check_paths(paths)
    site, files = prepare(paths, base_url)
    errors = plan_write(paths.output_dir, files)
    if errors:
        raise BuildFailed(errors)
    counts = write_site(paths.output_dir, files)
    counts["base_url"] = site.settings.base_url
    counts["notes"] = [] if site.settings.base_url else [SKIPPED_NOTE]
    return counts

