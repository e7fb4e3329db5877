"""The whole build, top to bottom: read, parse, assemble, render, write."""

from __future__ import annotations

from dataclasses import dataclass

from .assemble import assemble_site
from .content import parse_content, read_sources
from .model import BuildFailed, OutputFile, Site, UsageError
from .output import check_output_dir, plan_write, write_site
from .render import render_site


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
    errors: list = []
    files = render_site(site, paths.layouts_dir, paths.content_dir, errors)
    if errors:
        raise BuildFailed(errors)
    return files


def check(paths: Paths) -> list[OutputFile]:
    """Everything a build does except writing: the files it would write."""
    return render(paths, load_site(paths))


def build(paths: Paths) -> dict:
    """Build into the output folder; on any error nothing at all is written."""
    problem = check_output_dir(paths.output_dir, [paths.content_dir, paths.layouts_dir])
    if problem:
        raise UsageError(problem)
    files = check(paths)
    errors = plan_write(paths.output_dir, files)
    if errors:
        raise BuildFailed(errors)
    return write_site(paths.output_dir, files)

