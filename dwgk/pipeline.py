"""The whole build, top to bottom: read, parse, assemble, render, write."""

from __future__ import annotations

from dataclasses import dataclass, replace

from .assemble import assemble_site
from .content import parse_content, read_sources
from .model import ArchiveBanner, BuildFailed, OutputFile, Site, UsageError
from .output import check_output_dir, plan_write, write_site
from .render import render_site
from .snapshots import read_snapshots


@dataclass(frozen=True)
class Paths:
    content_dir: str
    layouts_dir: str
    output_dir: str
    archive_dir: str = "archive"  # yearly snapshots, published under archive/ in the output


def load_site(paths: Paths, sources=None) -> Site:
    """Read and check all content; raise BuildFailed with every error of the run."""
    errors: list = []
    sources = read_sources(paths.content_dir) if sources is None else sources
    settings, notices, issues, incomplete = parse_content(paths.content_dir, sources, errors)
    if settings is None:
        raise BuildFailed(errors)
    site = assemble_site(settings, notices, issues, incomplete, errors)
    if errors:
        raise BuildFailed(errors)
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


def check(paths: Paths) -> list[OutputFile]:
    """Everything a build does except writing: the files it would write."""
    return render(paths, load_snapshots(paths, load_site(paths)))


def check_paths(paths: Paths) -> None:
    """Refuse folders that overlap: the output must never write into the sources or the archive."""
    problem = (check_output_dir(paths.output_dir, [paths.content_dir, paths.layouts_dir, paths.archive_dir])
               or check_output_dir(paths.archive_dir, [paths.content_dir, paths.layouts_dir], "归档文件夹"))
    if problem:
        raise UsageError(problem)


def build(paths: Paths) -> dict:
    """Build into the output folder; on any error nothing at all is written."""
    check_paths(paths)
    files = check(paths)
    errors = plan_write(paths.output_dir, files)
    if errors:
        raise BuildFailed(errors)
    return write_site(paths.output_dir, files)

