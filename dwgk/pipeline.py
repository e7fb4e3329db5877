"""The whole build, top to bottom: read, parse, assemble, render, write.

`build` works notice by notice: the pages of a notice are made from its folder and the settings
alone (render.notice_pages), so with the build cache a rebuild parses only the files and renders
only the notices that changed (plus the site-wide pages, which list every notice), and both cores
share the work. The site it writes is byte for byte the one a build without the cache writes.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, replace

from .assemble import assemble_notice, assemble_site, order_notices
from .cache import BESIDE_OUTPUT, SITE_UNIT, BuildCache, NeedsFullNotices, Plan, open_cache
from .content import collect, parse_content, read_sources, sort_sources
from .model import BuildFailed, OutputFile, Site, UsageError
from .output import check_output_dir, check_staged, commit, discard_staging, open_staging, stage_files
from .parallel import run_shares


@dataclass(frozen=True)
class Paths:
    content_dir: str
    layouts_dir: str
    output_dir: str


def load_site(paths: Paths) -> Site:
    """Read and check all content; raise BuildFailed with every error of the run."""
    errors: list = []
    sources = read_sources(paths.content_dir)
    settings, notices, issues, incomplete = parse_content(paths.content_dir, sources, errors)
    if settings is None:
        raise BuildFailed(errors)
    site = assemble_site(settings, notices, issues, incomplete, errors)
    if errors:
        raise BuildFailed(errors)
    return site


def render(paths: Paths, site: Site) -> list[OutputFile]:
    from .render import render_site  # noqa: PLC0415 - see _render_units

    errors: list = []
    files = render_site(site, paths.layouts_dir, paths.content_dir, errors)
    if errors:
        raise BuildFailed(errors)
    return files


def check(paths: Paths) -> list[OutputFile]:
    """Everything a build does except writing: the files it would write."""
    return render(paths, load_site(paths))


def check_paths(paths: Paths, cache_dir: str | None = None) -> None:
    """Refuse folders that overlap: a build must never write into its own sources."""
    problem = check_output_dir(paths.output_dir, [paths.content_dir, paths.layouts_dir])
    if not problem and cache_dir:
        problem = check_output_dir(cache_dir, [paths.content_dir, paths.layouts_dir, paths.output_dir], "缓存文件夹")
    if problem:
        raise UsageError(problem)


def build(paths: Paths, cache_dir: str | None = BESIDE_OUTPUT) -> dict:
    """Build into the output folder; on any error nothing at all is written.

    cache_dir: where the build cache lives (by default .dwgk-cache beside the output folder);
    None builds from scratch without reading or writing any cache.
    """
    check_paths(paths, cache_dir)
    with open_cache(paths, cache_dir) as cache:
        errors: list = []
        sources = cache.read_sources()                                                  # read
        settings_source, folders = sort_sources(paths.content_dir, sources, errors)
        plan = cache.plan(settings_source, folders)
        site = parse_site(settings_source, {k: folders[k] for k in plan.parse}, plan, cache, errors)  # parse
        staged = render_units(paths, site, plan.render, cache, folders)                 # render
        return write_units(paths, staged, plan, cache)                                  # write


def parse_site(settings_source, folders: dict, plan: Plan, cache: BuildCache, errors: list) -> Site | None:
    """Parse and assemble the notice folders the plan needs (None when there is nothing to render).

    Notices whose own pages are not rendered are needed only by the site-wide pages: for those a
    summary without the texts does (cache.summarize).
    """
    if not plan.render and not errors:
        return None
    settings = collect(cache.parse_settings(settings_source), errors) if settings_source else None
    notices = {key: cache.load_notice(key, files, summary=key not in plan.render) for key, files in folders.items()}
    missing = [key for key, notice in notices.items() if notice is None]
    weights = [len(folders[key]) for key in missing]
    for share in run_shares(functools.partial(_parse_folders, cache, folders), missing, weights):
        for key, notice, folder_errors in share:
            errors += folder_errors
            notices[key] = notice
    if settings is None or errors:
        raise BuildFailed(errors)
    return Site(settings=settings, notices=order_notices(n for n in notices.values() if n is not None))


def _parse_folders(cache: BuildCache, folders: dict, keys: list[str]) -> list:
    """(key, assembled notice or None, errors) for each folder."""
    results = []
    for key in keys:
        errors: list = []
        notice, issues, complete = cache.parse_folder(key, folders[key], errors)
        if notice is not None:
            notice = assemble_notice(notice, issues, not complete, errors)
            if not errors:
                cache.save_notice(key, folders[key], notice)
        results.append((key, notice, errors))
    return results


def full_site(site: Site, folders: dict, cache: BuildCache) -> Site:
    """The site with every notice summary replaced by the full notice."""
    notices = [cache.load_notice(n.key, folders[n.key]) or _parse_folders(cache, folders, [n.key])[0][1]
               for n in site.notices]
    return replace(site, notices=tuple(notices))


def render_units(paths: Paths, site: Site | None, units: frozenset, cache: BuildCache, folders: dict) -> list:
    """Render the units (notices, and SITE_UNIT for the site-wide pages) into the staging folder.

    Returns (unit, [Staged]) pairs, ready to be moved into place; on a template error, or a file
    that must not be overwritten, raises BuildFailed and removes what it staged.
    """
    if not units:
        return []
    notices = [n for n in site.notices if n.key in units]
    names = ([SITE_UNIT] if SITE_UNIT in units else []) + [n.key for n in notices]
    weights = [3 + len(site.notices) // 50] * (SITE_UNIT in units) + [len(n.issues) + len(n.categories) + 2 for n in notices]
    full = functools.partial(full_site, folders=folders, cache=cache)
    created = open_staging(paths.output_dir)
    try:
        results = run_shares(functools.partial(_render_units, paths, site, cache, full), names, weights)
        rendered = [(name, staged) for share in results for name, staged, _ in share]
        errors = [e for share in results for _, _, unit_errors in share for e in unit_errors]
        errors = errors or check_staged(paths.output_dir, [s for _, staged in rendered for s in staged])
        if errors:
            raise BuildFailed(errors)
    except BaseException:
        discard_staging(paths.output_dir, created)
        raise
    return rendered


def _render_units(paths: Paths, site: Site, cache: BuildCache, full_site, names: list[str]) -> list:
    # Imported here: a rebuild with nothing to render never needs Jinja.
    from .render import make_environment, render_notice, render_site_pages  # noqa: PLC0415

    env = make_environment(paths.layouts_dir, cache.templates_dir)
    by_key = {n.key: n for n in site.notices}
    results = []
    for name in names:
        errors: list = []
        if name == SITE_UNIT:
            try:
                files = render_site_pages(env, site, paths.layouts_dir, errors)
            except NeedsFullNotices:  # a template shows notice texts on a site-wide page
                errors = []
                files = render_site_pages(env, full_site(site), paths.layouts_dir, errors)
        else:
            files = render_notice(env, site.settings, by_key[name], paths.layouts_dir, paths.content_dir, errors)
        results.append((name, stage_files(paths.output_dir, files, cache.written), errors))
    return results


def write_units(paths: Paths, rendered: list, plan: Plan, cache: BuildCache) -> dict:
    """Move the staged files into place, remove stale ones; return counts (files, written, removed)."""
    staged = [s for _, unit_staged in rendered for s in unit_staged]
    current = {s.out_path for s in staged} | set(cache.unit_outputs(plan.keys.keys() - plan.render))
    if not staged and plan.manifest_ok:
        return {"files": len(current), "written": 0, "removed": 0}
    counts, records = commit(paths.output_dir, staged, current)
    cache.committed(plan, {name: {s.out_path: records[s.out_path] for s in unit_staged}
                           for name, unit_staged in rendered})
    return counts
