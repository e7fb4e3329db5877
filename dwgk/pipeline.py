"""The one pipeline of every command, top to bottom in `build`: read, parse and assemble, render,
check links, write. `check` is `build` without the write; publish, archive and the preview call it.

`build` works in units: each notice (its pages are made from its folder, the settings and the
archives alone: render.notice_pages), the site-wide pages (home, archive index, contact, 404,
assets, sitemap and feed, which list every notice's summary) and the published archives. With the
build cache a rebuild parses only the files and renders only the units that changed, and both
cores share the work; the site it writes is byte for byte the one a build without the cache writes.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import os
from dataclasses import dataclass, replace

from .assemble import assemble_notice, assemble_portal, order_notices
from .cache import (ARCHIVE_UNIT, BESIDE_OUTPUT, SEARCH_UNIT, SITE_UNIT, CacheMemory, LinkMemo, NoSearchMemo, ParseMemo,
                    Plan, RenderMemo, SearchMemo, SourceIndex, WrittenRecord, default_cache_dir, open_layers,
                    plan_everything)
from . import content
from .content import collect, declared_sources, display_path, parse_declared, parse_folder, read_sources, sort_sources
from .linkcheck import BrokenLink, Existing, find_in_sources, link_problem, page_problems, scan
from .model import (ArchiveBanner, BuildFailed, ContentError, OutputFile, Site, UsageError, is_summary, only_errors,
                    only_notes)
from .output import (Staging, check_output_dir, check_staged, commit, discard_staging, open_dry_run, open_staging,
                     read_manifest, stage_files, staged_bytes, stat_target, writing_into)
from .parallel import run_shares
from .snapshots import read_snapshots


@dataclass(frozen=True)
class Paths:
    content_dir: str
    layouts_dir: str
    output_dir: str
    archive_dir: str = "archive"  # yearly snapshots, published under archive/ in the output


def build(paths: Paths, base_url: str | None = None, cache_dir: str | None = BESIDE_OUTPUT, write: bool = True,
          archive_unchanged: bool = False, memory: CacheMemory | None = None, changed: list[str] | None = None) -> dict:
    """The one pipeline of every command: read, parse and assemble, render, check links, write.
    On any error nothing at all is written, and every error of the run is raised (BuildFailed).

    cache_dir: where the build cache lives (by default .dwgk-cache beside the output folder);
    None builds from scratch without reading or writing any cache. write: False for `check`,
    which writes nothing (with cache_dir None, not even the cache; with a cache, what it read,
    parsed and checked is kept there, but not as written: archive). archive_unchanged: the caller
    knows that nothing in the archive folder changed since its last build (the preview, from its
    watcher). memory: what the caller's earlier builds kept in memory (the preview's); changed:
    with memory, every path that changed since the last of them (the watcher knows them too).
    Returns counts (files, written, removed), the base URL used, notes for the editor, and the
    site as parsed ("site"; None when nothing had to be rendered).
    """
    check_paths(paths, cache_dir)
    with writing_into(paths.output_dir) if write else contextlib.nullcontext(), \
            open_layers(paths, cache_dir, memory) as cache:  # the cache's layers, or none
        sources, snapshots, archive_errors = read_site(paths, cache.sources, archive_unchanged, changed)      # read
        errors: list = []
        site, plan, folders = parse_site(paths, sources, snapshots, base_url, errors,                         # parse,
                                         cache.parsed, cache.rendered, cache.written, cache.links)            # assemble
        if archive_errors:
            raise BuildFailed(archive_errors)
        with open_writer(paths, plan, write, cache.written) as staging:
            rendered = render_units(paths, staging, site, plan, folders,                                      # render
                                    cache.rendered, cache.parsed, cache.links, cache.written, cache.search)
            check_unit_links(paths, staging, site, rendered, plan, cache.links, cache.written)                # check links
            counts = write_units(staging, site, rendered, plan, cache.rendered, cache.links, cache.written)  # write
        return {**counts, "notes": only_notes(errors) + counts["notes"], "site": site}


def check(paths: Paths, base_url: str | None = None) -> dict:
    """Everything a build does but write (and without the build cache): what it would say."""
    return build(paths, base_url, cache_dir=None, write=False)


def load_site(paths: Paths, base_url: str | None = None, cache_dir: str | None = None) -> Site:
    """The site as a build reads, parses and assembles it (every notice whole, no snapshots);
    nothing rendered. cache_dir: the build cache whose source index and parse memo to use and
    fill (as build's), so that a build that follows parses nothing again."""
    with open_layers(paths, cache_dir) as cache:
        sources = cache.sources.read_sources() if cache.sources else read_sources(paths.content_dir, keep_data=False)
        errors: list = []
        return parse_site(paths, sources, (), base_url, errors, cache.parsed)[0]


def render(paths: Paths, site: Site, banner: ArchiveBanner | None = None) -> list[OutputFile]:
    """Every file of the site in memory (a yearly snapshot's, with its banner); nothing written."""
    from .render import render_site  # noqa: PLC0415 - see _render_notices

    errors: list = []
    files = render_site(site, paths.layouts_dir, paths.content_dir, errors, banner)
    if errors:
        raise BuildFailed(errors)
    return files


def read_site(paths: Paths, index: SourceIndex | None, archive_unchanged: bool,
              changed: list[str] | None = None) -> tuple[list, tuple, list]:
    """The listing of the content folder (content.SourceFile, read where the source index does
    not know them), the yearly snapshots to publish, and the errors found in the archive folder."""
    archive_errors: list = []
    if index is None:
        return (read_sources(paths.content_dir, keep_data=False), read_snapshots(paths.archive_dir, archive_errors),
                archive_errors)
    sources = index.read_sources(changed)
    snapshots = index.read_snapshots(archive_errors, archive_unchanged)
    return sources, snapshots, archive_errors


@contextlib.contextmanager
def open_writer(paths: Paths, plan: Plan, write: bool, record: WrittenRecord | None):
    """The writer of this build (output.Staging): staging in the output folder, swapping with the
    record's spare files where it can; a dry run outside it for `check`. What it staged is removed
    unless it was committed."""
    if not write:
        staging = open_dry_run(paths.output_dir)
    elif plan.render:
        staging = open_staging(paths.output_dir, record.spare_dir if record else None)
    else:  # nothing to render: nothing staged, the output folder left as it is
        staging = Staging(paths.output_dir, False, None)
    committed = False
    try:
        yield staging
        committed = write
    finally:
        if not committed:  # failed or stopped (a Ctrl+C too), or a dry run
            discard_staging(staging)


def with_base_url(site: Site, base_url: str | None) -> Site:
    return replace(site, settings=replace(site.settings, base_url=base_url)) if base_url else site


def report_broken_links(paths: Paths, site: Site, broken: list) -> None:
    """BuildFailed for the broken links, each named in the content file it was written in."""
    if not broken:
        return
    made_from = {}  # page -> the content files whose Markdown it shows
    for notice in site.notices:
        made_from[notice.url] = [notice.src_path] + [i.src_path for i in notice.issues]
        for issue in notice.issues:
            made_from[issue.url] = [issue.src_path]
    errors, seen = [], set()
    for link in sorted(set(broken)):
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


def check_paths(paths: Paths, cache_dir: str | None = None) -> None:
    """Refuse folders that overlap: a build must never write into its sources, the archive or the cache."""
    cache = display_path(default_cache_dir(paths.output_dir)) if cache_dir in (None, BESIDE_OUTPUT) else cache_dir
    checks = [lambda: check_output_dir(paths.output_dir, [paths.content_dir, paths.layouts_dir, paths.archive_dir,
                                                          cache]),
              lambda: check_output_dir(paths.archive_dir, [paths.content_dir, paths.layouts_dir], "归档文件夹")]
    if cache_dir is not None:  # a folder the editor named is named first
        cache_check = lambda: check_output_dir(cache, [paths.content_dir, paths.layouts_dir, paths.output_dir,  # noqa: E731
                                                       paths.archive_dir], "缓存文件夹", is_cache=True)
        checks.insert(0 if cache_dir else 2, cache_check)
    problem = next(filter(None, (check() for check in checks)), None)
    if problem:
        raise UsageError(problem)


def parse_site(paths: Paths, sources: list, snapshots: tuple, base_url: str | None, errors: list,
               memo: ParseMemo | None = None, planner: RenderMemo | None = None, record: WrittenRecord | None = None,
               links: LinkMemo | None = None) -> tuple[Site | None, Plan, dict]:
    """Parse and assemble what the build needs: the site (None when there is nothing to render),
    the plan of what to render (RenderMemo.plan, then plan_site; without it, everything) and the
    content folders (folder name -> its SourceFiles). Raises BuildFailed with every error found.

    First the notices whose pages are rendered; then, if the site-wide pages are rendered too,
    the others, for which a summary without the texts does (model.summarize). The units and
    rounds (单位/, 轮次/) are part of what every page may show: a change to one renders every page.
    Without the cache every notice is parsed and rendered.
    """
    settings_source, folders = sort_sources(paths.content_dir, sources, errors)
    declared = declared_sources(sources)
    plan = (planner.plan(settings_source, folders, base_url, snapshots, declared, record, links) if planner
            else plan_everything(folders, snapshots))
    if not plan.render and not plan.site_pending and not errors:
        return None, plan, folders
    parse_one = memo.parse_settings if memo else parse_file_in(paths.content_dir)
    settings = collect(parse_one(settings_source), errors) if settings_source else None
    units, rounds, unread = parse_declared(declared, errors, memo.parse_declared if memo else parse_one)
    notices: dict = {}
    digests = _load_notices(paths, memo, folders, [k for k in folders if k in plan.render], notices, errors, False)
    if plan.site_pending:
        plan = planner.plan_site(plan, digests)
    if SITE_UNIT in plan.render:
        others = _load_notices(paths, memo, folders, [k for k in folders if k not in notices], notices, errors, True)
        if planner:
            plan = planner.plan_site(plan, others)  # the site-wide pages' key, from every summary
    loaded_notices = order_notices(n for n in notices.values() if n is not None)
    # The notices that are rendered (every one with the site-wide pages) are checked, with or
    # without settings, so that every error of the run is listed.
    assemble_portal(Site(settings=settings, notices=loaded_notices), units, rounds, errors,
                    complete=SITE_UNIT in plan.render and len(loaded_notices) == len(folders), unread=unread)
    if settings is None or only_errors(errors):
        raise BuildFailed(errors)
    if not plan.render:
        return None, plan, folders
    site = Site(settings=settings, notices=loaded_notices, snapshots=snapshots, units=units, rounds=rounds)
    return with_base_url(site, base_url), plan, folders


def parse_file_in(content_dir: str):
    """content.parse_file of a SourceFile listed without its bytes (read_sources keep_data=False)."""
    return lambda source: content.parse_file(content.read_data(content_dir, source))


def _load_notices(paths: Paths, memo: ParseMemo | None, folders: dict, keys: list[str], notices: dict, errors: list,
                  summary: bool) -> dict:
    """Put the notices of these folders in `notices`, from the parse memo or parsed on all cores;
    returns their summary digests (None without the memo)."""
    digests = {}
    for key in keys:
        found = memo.load_notice(key, folders[key], summary=summary) if memo else None
        notices[key], digests[key] = found if found else (None, None)
    missing = [key for key in keys if notices[key] is None]
    weights = [len(folders[key]) for key in missing]
    for share in run_shares(functools.partial(_parse_folders, paths.content_dir, memo, folders), missing, weights):
        for key, notice, folder_errors, digest in share:
            errors += folder_errors
            notices[key], digests[key] = notice, digest
    return digests


def _parse_folders(content_dir: str, memo: ParseMemo | None, folders: dict, keys: list[str]) -> list:
    """(key, assembled notice or None, errors, digest of its summary or None) for each folder."""
    results = []
    for key in keys:
        errors: list = []
        if memo:
            notice, issues, failed = memo.parse_folder(key, folders[key], errors)
        else:
            notice, issues, failed = parse_folder(content_dir, key, folders[key], errors, parse_file_in(content_dir))
        digest = None
        if notice is not None:
            notice = assemble_notice(notice, issues, failed, errors)
            if not errors and memo:  # nor notes: a notice kept whole would not show them again
                digest = memo.save_notice(key, folders[key], notice)
        results.append((key, notice, errors, digest))
    return results


def full_site(site: Site, folders: dict, memo: ParseMemo | None, content_dir: str) -> Site:
    """The site with every notice summary replaced by the full notice."""
    notices = []
    for notice in site.notices:
        if is_summary(notice):
            found = memo.load_notice(notice.key, folders[notice.key]) if memo else None
            notice = found[0] if found else _parse_folders(content_dir, memo, folders, [notice.key])[0][1]
        notices.append(notice)
    return replace(site, notices=tuple(notices))


@dataclass(frozen=True)
class Rendered:
    """One unit after rendering: its files in the staging folder, and what its links look like."""

    unit: str
    staged: list  # [output.Staged]
    errors: list  # template errors
    broken: list  # [linkcheck.BrokenLink] in its pages that changed
    deferred: list  # (out_path, line, url): links to an #anchor of a page of another unit
    anchors_changed: bool  # a page that was there before has other anchors now
    kept: set  # files kept in the output folder (not generated) that its links lead to
    search: object = None  # a notice's search.SearchPart


def render_units(paths: Paths, staging: Staging, site: Site | None, plan: Plan, folders: dict,
                 planner: RenderMemo | None = None, memo: ParseMemo | None = None, links: LinkMemo | None = None,
                 record: WrittenRecord | None = None, search: SearchMemo | NoSearchMemo = NoSearchMemo()) -> list[Rendered]:
    """Render the units of the plan into the staging folder, checking the links of the pages that
    changed as they go (_check_unit); the link check of the whole site follows (check_unit_links).

    The site-wide pages and the archives first, here: then every file of the new site is known,
    which the link check needs; then the notices, shared out over the cores. Returns the units
    staged; on a template error or a file that must not be overwritten, raises BuildFailed.
    """
    if not plan.render:
        return []
    from .render import make_environment, notice_out_paths, snapshot_files  # noqa: PLC0415 - see _render_notices

    notices = [n for n in site.notices if n.key in plan.render]
    templates_dir = planner.templates_dir if planner else None
    env = make_environment(paths.layouts_dir, templates_dir)
    shared, errors = {}, {}
    if ARCHIVE_UNIT in plan.render:
        errors[ARCHIVE_UNIT] = []
        shared[ARCHIVE_UNIT] = snapshot_files(site)
    if SITE_UNIT in plan.render:
        errors[SITE_UNIT] = []
        shared[SITE_UNIT] = _render_site_unit(env, site, paths, errors[SITE_UNIT])
    generated = ({p for files in shared.values() for f in files for p in [f.out_path]}
                 | {p for n in notices for p in notice_out_paths(n, site.settings.search)}
                 | set(record.unit_outputs(plan.keys.keys() - plan.render) if record else ()))
    before = _written_before(paths, plan, record)
    existing = Existing(generated, paths.output_dir, before)
    rendered = [_check_unit(staging, links, record, unit, files, errors[unit], site.settings.base_url, existing)
                for unit, files in shared.items()]
    weights = [len(notice_out_paths(n, site.settings.search)) for n in notices]
    render_share = functools.partial(_render_notices, paths, staging, site, templates_dir, links, record, existing)
    for share in run_shares(render_share, notices, weights):
        rendered += share
    if SEARCH_UNIT in plan.render:  # a unit of no files when the site has no search
        fresh = {r.unit: r.search for r in rendered if r.search}
        files, staged = [], None
        if site.settings.search:
            files, staged = _search_index(site, plan, search, memo, record, paths, folders, fresh)
        unit = _check_unit(staging, links, record, SEARCH_UNIT, files, [], site.settings.base_url, existing,
                           stage=_stage_over_cores)
        if staged:
            staged(unit.staged)
        rendered.append(unit)
    problems = [e for r in rendered for e in r.errors]
    problems = problems or check_staged(paths.output_dir, [s for r in rendered for s in r.staged], before)
    if problems:
        raise BuildFailed(problems)
    return rendered


def _written_before(paths: Paths, plan: Plan, record: WrittenRecord | None) -> frozenset:
    """The files the output folder's manifest lists (output.read_manifest; the record knows them)."""
    return record.written_before(plan) if record else read_manifest(paths.output_dir)


def _render_site_unit(env, site: Site, paths: Paths, errors: list) -> list[OutputFile]:
    """The site-wide pages, from notice summaries (render.summary_site), and the sitemap and feed."""
    from .render import notice_out_paths, render_discovery, render_site_pages, snapshot_out_paths, summary_site  # noqa: PLC0415

    summaries = summary_site(site)
    files = render_site_pages(env, summaries, paths.layouts_dir, errors)
    # The sitemap lists every page of the site: their paths are enough.
    every = files + [OutputFile(p, b"") for p in snapshot_out_paths(site)] + [
        OutputFile(p, b"") for n in site.notices for p in notice_out_paths(n, site.settings.search)]
    return files + render_discovery(summaries, every)


def _render_notices(paths: Paths, staging: Staging, site: Site, templates_dir: str | None, links: LinkMemo | None,
                    record: WrittenRecord | None, existing: Existing, notices: list) -> list[Rendered]:
    # Imported here: a rebuild with nothing to render never needs Jinja.
    from .render import make_environment, render_notice_and_search  # noqa: PLC0415

    env = make_environment(paths.layouts_dir, templates_dir)
    results = []
    for notice in notices:
        errors: list = []
        files, part = render_notice_and_search(env, site, notice, paths.layouts_dir, paths.content_dir, errors)
        results.append(replace(_check_unit(staging, links, record, notice.key, files, errors, site.settings.base_url,
                                           existing), search=part))
    return results


def _search_index(site: Site, plan: Plan, search: SearchMemo | NoSearchMemo, memo: ParseMemo | None,
                  record: WrittenRecord | None, paths: Paths, folders: dict, fresh: dict) -> tuple[list, object]:
    """The search index (the site's own records, index.js and the postings shards), from the parts
    of the notices just rendered (fresh) and those the cache keeps; and what to call with the
    index's output.Staged once its files are staged, which saves what the cache keeps of it.

    With the cache's state of the index as last made, only the shards in which a notice's part
    differs from its part in that state are made again, and those the output folder does not hold
    as the state made them; the others are kept as they are there (output.KeptFile). The state is
    that of the index as last made, not as last written: a build that failed after making it (a
    link to a missing file, say) saved it too, and a notice put back as it was before that build
    is not rendered again (its pages are still as written) though its part in the state is not
    its part now. Each part is saved after the state that names it, so that a build that stops
    half-way leaves the next one making the index whole rather than comparing with the wrong part.
    """
    state = search.load_search_state() if search.folder else None
    files = _search_index_changed(site, plan, search, memo, record, paths, folders, fresh, state) if state else None
    whole = None
    if files is None:
        files, whole = _search_index_whole(site, plan, search, memo, paths, folders, fresh)

    def staged(index: list) -> None:
        if whole is not None:
            whole(index)
        for key, part in fresh.items():
            search.save_search_part(key, plan.keys.get(key), part)
    return files, staged


def _current_parts(site: Site, plan: Plan, search: SearchMemo | NoSearchMemo, memo: ParseMemo | None, paths: Paths,
                   folders: dict, fresh: dict, keys) -> dict:
    """The part of each of these notices as it is now: fresh, else as kept for the notice as it
    is, else made from the full notice (then added to fresh, to be saved)."""
    from .render import search_part_of  # noqa: PLC0415 - see _render_notices

    parts = {key: fresh.get(key) or search.load_search_part(key, plan.keys.get(key)) for key in keys}
    missing = [key for key, part in parts.items() if part is None]
    for notice in full_site(replace(site, notices=tuple(_summary_of(memo, paths, folders, k) for k in missing)),
                            folders, memo, paths.content_dir).notices:
        parts[notice.key] = fresh[notice.key] = search_part_of(notice)
    return parts


def _search_index_whole(site: Site, plan: Plan, search: SearchMemo | NoSearchMemo, memo: ParseMemo | None, paths: Paths,
                        folders: dict, fresh: dict) -> tuple[list, object]:
    """Every file of the index, made from every part; and, with the cache, what saves the state of
    the index once its files are staged (each shard saves its sections as it is made: ShardOutput)."""
    from .search import index_files, site_search, without_postings  # noqa: PLC0415

    parts = _current_parts(site, plan, search, memo, paths, folders, fresh, folders)
    if not search.folder:
        return index_files(site.settings, list(parts.values())), None
    # A build that stops while the shards are saved leaves no state: the next one makes the index whole.
    search.save_search_state({})
    files = index_files(site.settings, list(parts.values()), keep=search.save_search_shard)
    shards = files[2:]  # after the site's records and index.js, by number

    def save_state(index: list) -> None:
        digests = {s.out_path: s.digest for s in index}
        search.save_search_state({"keys": tuple(sorted(folders)), "shards": len(shards),
                                  "digests": tuple(digests[f.out_path] for f in shards),
                                  "tokens": (search.token,) * len(shards),
                                  "site": site_search(site.settings)[1],
                                  "parts": {k: without_postings(p) for k, p in parts.items()},
                                  "made": {k: plan.keys.get(k) for k in parts}})
    return files, save_state


def _search_index_changed(site: Site, plan: Plan, search: SearchMemo, memo: ParseMemo, record: WrittenRecord,
                          paths: Paths, folders: dict, fresh: dict, state: dict) -> list | None:
    """The index from the state of the last one made and the parts that differ from those it was
    made from; None when it must be made whole (a notice came or went, the number of shards
    changed, or the cache lacks what it needs)."""
    from .output import KeptFile  # noqa: PLC0415
    from .search import (changed_shards, index_file, ordered_parts, section, shard_data, shard_url,  # noqa: PLC0415
                         shards_for, site_search, without_postings)

    if state["keys"] != tuple(sorted(folders)):
        return None
    made = state["made"]  # notice -> the unit key of the notice its part in the state was made from
    # Notices not rendered now whose part in the state was made from another version of them.
    stale = [key for key in folders if key not in fresh and made.get(key) != plan.keys.get(key)]
    changed = {**fresh, **(_current_parts(site, plan, search, memo, paths, folders, fresh, stale) if stale else {})}
    whole = functools.partial(_current_parts, site, plan, search, memo, paths, folders, {}, folders)
    site_records, site_part = site_search(site.settings)
    old = {key: search.load_search_part(key, made.get(key)) for key in changed}
    old[""] = state["site"]
    if site_part != state["site"]:
        changed[""] = site_part
    if any(old[key] is None for key in changed):
        return None
    parts = {**state["parts"], **{key: without_postings(p) for key, p in changed.items() if key}}
    ordered = ordered_parts(site.settings, parts.values())
    shards = shards_for(ordered)
    if shards != state["shards"]:
        return None
    redo = set().union(*(changed_shards(old[key], part, shards) for key, part in changed.items()))
    digests, tokens = list(state["digests"]), list(state["tokens"])
    output_dir = paths.output_dir
    for number in range(shards):  # a shard not as the state made it (not written, edited, deleted) is made again
        known = record.written.get(shard_url(number))
        if not known or known[0] != digests[number] or stat_target(output_dir, shard_url(number)) != known[1]:
            redo.add(number)
    files = [site_records, index_file(ordered, shards)]
    for number in range(shards):
        if number not in redo:
            files.append(KeptFile(shard_url(number), digests[number], functools.partial(
                _shard_from_cache, search, number, tokens[number], shards, ordered, whole)))
            continue
        sections = search.load_search_shard(number, tokens[number])
        if sections is None:
            return None
        for key, part in changed.items():
            sections.pop(key, None)
            text = section(part, number, shards)
            if text:
                sections[key] = text
        data = shard_data(number, [sections.get(p.key, b"") for p in ordered])
        search.save_search_shard(number, sections)
        digests[number], tokens[number] = hashlib.sha256(data).hexdigest(), search.token
        files.append(OutputFile(shard_url(number), data))
    search.save_search_state({**state, "digests": tuple(digests), "tokens": tuple(tokens), "site": site_part,
                              "parts": parts, "made": {**made, **{k: plan.keys.get(k) for k in changed if k}}})
    return files


def _shard_from_cache(search: SearchMemo, number: int, token: str, shards: int, ordered: list, whole) -> bytes:
    """A kept shard's bytes, when the output folder no longer holds them (it changed since this
    build looked): from the cache, else from every part (whole())."""
    from .search import section, shard_data  # noqa: PLC0415

    sections = search.load_search_shard(number, token)
    if sections is None:
        parts = {"": ordered[0], **whole()}
        sections = {p.key: section(parts[p.key], number, shards) for p in ordered}
    return shard_data(number, [sections.get(p.key, b"") for p in ordered])


def _summary_of(memo: ParseMemo | None, paths: Paths, folders: dict, key: str):
    found = memo.load_notice(key, folders[key], summary=True) if memo else None
    return found[0] if found else _parse_folders(paths.content_dir, memo, folders, [key])[0][1]


def _check_unit(staging: Staging, link_memo: LinkMemo | None, record: WrittenRecord | None, name: str,
                files: list[OutputFile], errors: list, base_url: str, existing: Existing,
                stage=stage_files) -> Rendered:
    """Stage a unit's files (stage: output.stage_files or _stage_over_cores) and check the links of
    those of its pages that changed."""
    written = record.written if record else {}
    staged = stage(staging, files, written)
    if errors:
        return Rendered(name, staged, errors, [], [], False, set())
    before = link_memo.load_links(name) if link_memo else {}
    scans = {}
    for f, s in zip(files, staged):
        old = before.get(f.out_path)
        scans[f.out_path] = old if old is not None and old[0] == s.digest else _scan(f, s.digest, existing.tags_read)
    local = {p: (links, anchors) for p, (_, links, anchors) in scans.items() if anchors is not None}
    broken, deferred = [], []
    for out_path, (digest, links, anchors) in scans.items():
        # A page's links were checked when it was written: those of a page scanned by a build
        # that then failed (or did not write, as archive's first run) are checked again.
        old = written.get(out_path)
        if links and (old is None or old[0] != digest):
            page_broken, page_deferred = page_problems(out_path, links, base_url, existing, local)
            broken += page_broken
            deferred += page_deferred
    # Anchors are compared with those of the page as written: what a build that did not write
    # saved (old[0] is not the written digest) says nothing of what other pages' links found.
    anchors_changed = any(p in scans and (scans[p][2] != old[2] or written.get(p, ("",))[0] != old[0])
                          for p, old in before.items())
    if link_memo and scans != before:
        link_memo.save_links(name, scans)
    return Rendered(name, staged, errors, broken, deferred, anchors_changed, set(existing.kept))


def _stage_over_cores(staging: Staging, files: list[OutputFile], written: dict) -> list:
    """output.stage_files, with the files shared out over the cores where workers are forked, when
    enough of them are made as they are staged: the search index's shards (search.ShardOutput),
    which at 10,000 issues take a fifth of a second to make (not worth a spawned worker). An edit
    stages a few shards made already and keeps the others: that is no work for a worker."""
    from .search import ShardOutput  # noqa: PLC0415

    weights = [1 if isinstance(f, ShardOutput) else 0 for f in files]
    shares = run_shares(functools.partial(_stage_share, staging, written), files, weights, spawn=False)
    return [s for share in shares for s in share]


def _stage_share(staging: Staging, written: dict, files: list[OutputFile]) -> list:
    return stage_files(staging, files, written)


def _scan(f: OutputFile, digest: str, tags_read: dict) -> tuple:
    """(digest, links as (line, url, load) triples, anchors or None for a file that holds no links)."""
    found = scan(f, tags_read)
    if found is None:
        return digest, (), None
    return digest, tuple((link.line, link.url, link.load) for link in found[0]), frozenset(found[1])


def check_unit_links(paths: Paths, staging: Staging, site: Site | None, rendered: list[Rendered], plan: Plan,
                     links: LinkMemo | None = None, record: WrittenRecord | None = None) -> None:
    """The link check of the whole site, redone only where it can have changed.

    The links of the pages that changed were checked as they were rendered. Those of the other
    pages were fine when the site was last written, and still are unless a page was added or
    removed, a page changed its anchors, or a kept (not generated) file they lead to is gone; then
    every page is checked again, from the links the link memo keeps (or the pages themselves). The
    plan renders the site-wide pages in all those cases, so `site` then has every notice.
    """
    if not rendered:
        return
    pages = PageScans(staging, links, record, rendered, plan)
    existing = Existing(set(pages.units), paths.output_dir, _written_before(paths, plan, record))
    base_url = site.settings.base_url
    unchecked = plan.keys.keys() - plan.render  # units whose pages were not rendered, so not checked
    if unchecked and (plan.recheck_links or any(r.anchors_changed for r in rendered)
                      or links.links_generated != links.digest_paths(pages.units)):
        broken = []
        for out_path in sorted(pages.units):
            found = pages.get(out_path)
            for line, url, load in found[0] if found else ():
                problem = link_problem(out_path, url, base_url, existing, pages, load)
                if problem:
                    broken.append(BrokenLink(out_path, line, url, problem))
    else:
        broken = [b for r in rendered for b in r.broken]
        for out_path, line, url, load in (d for r in rendered for d in r.deferred):
            problem = link_problem(out_path, url, base_url, existing, pages, load)
            if problem:
                broken.append(BrokenLink(out_path, line, url, problem))
        existing.kept |= {k for r in rendered for k in r.kept} | (links.links_kept if unchecked else set())
    if links:
        links.links_checked(pages.units, existing.kept)
    report_broken_links(paths, site, broken)


class PageScans:
    """Every generated page's (links, anchors), from the link memo where it knows the page's bytes,
    else scanned from the bytes staged or in place; None for a file without links."""

    def __init__(self, staging: Staging, links: LinkMemo | None, record: WrittenRecord | None,
                 rendered: list[Rendered], plan: Plan):
        self.staging, self.links, self.record = staging, links, record
        self.tags_read: dict = {}  # see linkcheck._scan_plain_html
        self.units: dict[str, str] = {}  # out_path -> unit
        self.staged = {}
        for name in plan.keys.keys() - plan.render:
            self.units.update((p, name) for p in record.unit_outputs([name]))
        for r in rendered:
            self.units.update((s.out_path, r.unit) for s in r.staged)
            self.staged.update((s.out_path, s) for s in r.staged)

    def get(self, out_path: str):
        unit = self.units.get(out_path)
        if unit is None:
            return None
        staged = self.staged.get(out_path)
        digest = staged.digest if staged else self.record.written[out_path][0]
        entry = self.links.load_links(unit).get(out_path) if self.links else None
        if entry is None or entry[0] != digest:
            entry = _scan(OutputFile(out_path, staged_bytes(self.staging, staged, out_path)), digest, self.tags_read)
        return None if entry[2] is None else (entry[1], entry[2])


def write_units(staging: Staging, site: Site | None, rendered: list[Rendered], plan: Plan,
                planner: RenderMemo | None = None, links: LinkMemo | None = None,
                record: WrittenRecord | None = None) -> dict:
    """Move the staged files into place, remove stale ones; return counts (files, written, removed),
    the out_paths written or removed (changed), the base URL used and notes for the editor."""
    staged = [s for r in rendered for s in r.staged]
    current = {s.out_path for s in staged} | set(record.unit_outputs(plan.keys.keys() - plan.render) if record else ())
    base_url = site.settings.base_url if site else record.base_url
    notes = {"base_url": base_url, "notes": []}
    if staging.dry or (not staged and plan.manifest_ok):
        return {"files": len(current), "written": 0, "removed": 0, "changed": [], **notes}
    counts, records = commit(staging, staged, current, record.written_before(plan) if record else None)
    if record:  # the layers learn what this build rendered and wrote
        record.committed(plan, {r.unit: {s.out_path: records[s.out_path] for s in r.staged} for r in rendered},
                         base_url)
        planner.committed(plan, [r.unit for r in rendered])
        links.committed()
    return {**counts, **notes}
