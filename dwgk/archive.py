"""Yearly archive: freeze the site as it stands into archive/YEAR/, and check snapshots against manifests.

A snapshot is written once, into a hidden folder that is renamed into place only when complete, with
read-only files; nothing in dwgk writes to a year folder after that (builds only read it, see
snapshots.py for the format).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import io
import os
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, replace

from . import __version__, pipeline
from .content import display_path, read_sources
from .model import ArchiveBanner, BuildFailed, ContentError, OutputFile, Refused, UsageError
from .output import check_planned, write_atomic, writing_into
from .render import cn_date
from .snapshots import (CONTENT_DIR, MANIFEST_NAME, SITE_DIR, YEAR, Checked, Manifest, check_snapshot,
                        entry_for, list_years, manifest_json, zip_root)

#: Written once into the archive folder: git must store archived bytes exactly (no CRLF conversion).
GITATTRIBUTES = "# dwgk：归档文件必须逐字节保存，不做换行符转换\n* -text\n"

#: What every archived page must show; a custom base.html without it is refused.
BANNER_MARK = b'class="archive-banner"'


class SnapshotExists(Refused):
    """Archiving a year that is already archived: refused, nothing changed (exit status 1)."""


@dataclass(frozen=True)
class Taken:
    """What `archive YEAR` stored."""

    folder: str
    zip_path: str
    pages: int  # HTML pages
    files: int  # files the manifest lists


def snapshot_date(environ=os.environ) -> dt.date:
    """The date a snapshot is taken: today, or the day of SOURCE_DATE_EPOCH (UTC) when set."""
    value = environ.get("SOURCE_DATE_EPOCH", "").strip()
    if not value:
        return dt.date.today()
    try:
        return dt.datetime.fromtimestamp(int(value), dt.timezone.utc).date()
    except (ValueError, OverflowError, OSError):
        raise UsageError(f"环境变量 SOURCE_DATE_EPOCH 的值“{value}”不是有效的时间（应为从1970年起的秒数）") from None


def check_year(year: str, taken: dt.date) -> None:
    if not YEAR.fullmatch(year):
        raise UsageError(f"年度“{year}”不对：请写四位数字的年份，如 2019")
    if int(year) > taken.year:
        raise UsageError(f"不能归档尚未到来的{year}年度（今天是{cn_date(taken)}）")


def archive_site(paths: pipeline.Paths, year: str, taken: dt.date, base_url: str | None = None,
                 cache_dir: str | None = None) -> tuple[Taken, dict]:
    """`archive YEAR`: store the site as it stands as archive_dir/year, then build the site that
    publishes it. Returns what was stored and the build's counts.

    Only a site that builds is frozen (an archive cannot be undone): first the build runs without
    writing (its errors are the ones `build` prints), then the snapshot is taken, then the build
    publishes it. The run without writing renders only what changed since the last build and
    leaves the parse memo full: each content file is parsed once, and after a build the live site
    is rendered once, by the build that publishes the snapshot (which changes every page).
    """
    check_year(year, taken)
    pipeline.check_paths(paths)
    refuse_existing(os.path.join(paths.archive_dir, year), year)
    pipeline.build(paths, base_url, cache_dir, write=False)
    result = take_snapshot(paths, year, taken, cache_dir)
    return result, pipeline.build(paths, base_url, cache_dir)


def take_snapshot(paths: pipeline.Paths, year: str, taken: dt.date, cache_dir: str | None = None) -> Taken:
    """Render the site as it stands, with the banner, and store it as archive_dir/year; nothing
    else is written, and the site is not checked as a build checks it (archive_site does that
    first). cache_dir: the build cache whose parse memo to use."""
    check_year(year, taken)
    pipeline.check_paths(paths)
    folder = os.path.join(paths.archive_dir, year)
    refuse_existing(folder, year)
    sources = read_sources(paths.content_dir)
    site = pipeline.load_site(paths, cache_dir=cache_dir)
    banner = ArchiveBanner(year, taken, site.settings.base_url)
    # A snapshot links only inside itself (its 404 page must not use the live site's base path),
    # and holds this year's pages, not earlier snapshots.
    frozen = replace(site, snapshots=(), settings=replace(site.settings, base_url=""))
    pages = pipeline.render(paths, frozen, banner)
    missing = [f.out_path for f in pages if f.out_path.endswith(".html") and BANNER_MARK not in f.data]
    if missing:
        raise BuildFailed([ContentError(display_path(os.path.join(paths.layouts_dir, "base.html")), 1,
                                        f"模板没有显示归档横幅（{missing[0]} 等 {len(missing)} 页），"
                                        "请在 body 开头加入 {% if archived is defined and archived %}"
                                        "{% include \"_archive_banner.html\" %}{% endif %}")])
    files = {f"{SITE_DIR}/{f.out_path}": f.data for f in pages}
    files.update({f"{CONTENT_DIR}/{s.rel_path}": s.data for s in sources})
    manifest = Manifest(year, taken, __version__, tuple(entry_for(p, d) for p, d in sorted(files.items())))
    manifest_data = manifest_json(manifest)
    stored = {MANIFEST_NAME: manifest_data, **files, manifest.zip_name: make_zip(manifest, manifest_data, files)}
    # The build that follows publishes the snapshot in the output folder: nothing may be in its way.
    published = [OutputFile(f"archive/{year}/{f.out_path}", f.data) for f in pages]
    problems = check_planned(paths.output_dir, published + [OutputFile(f"archive/{manifest.zip_name}",
                                                                       stored[manifest.zip_name])])
    if problems:
        raise BuildFailed(problems)
    write_snapshot(paths.archive_dir, year, stored)
    return Taken(folder, os.path.join(folder, manifest.zip_name),
                 sum(1 for f in pages if f.out_path.endswith(".html")), len(files))


def refuse_existing(folder: str, year: str) -> None:
    if os.path.lexists(folder):
        raise SnapshotExists(f"{year}年度已经归档（{folder}），归档不能覆盖或修改，本次没有做任何改动。"
                             f"如需核对这份归档，请运行 python build.py archive --verify {year}")


def make_zip(manifest: Manifest, manifest_data: bytes, files: dict[str, bytes]) -> bytes:
    """The manifest and every file it lists under one folder; the same snapshot gives the same bytes."""
    stamp = (max(manifest.taken.year, 1980), manifest.taken.month, manifest.taken.day, 0, 0, 0)
    root = zip_root(manifest.year)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for path, data in [(MANIFEST_NAME, manifest_data), *sorted(files.items())]:
            info = zipfile.ZipInfo(f"{root}/{path}", date_time=stamp)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so that the read-only permission below is understood
            info.external_attr = 0o100444 << 16
            archive.writestr(info, data, compresslevel=9)
    return buffer.getvalue()


def write_snapshot(archive_dir: str, year: str, files: dict[str, bytes]) -> None:
    """Write into a hidden folder, then rename it into place: a year folder is complete or absent.
    One archive at a time, which removes what a killed one left."""
    created = not os.path.isdir(archive_dir)
    done = False
    try:
        os.makedirs(archive_dir, exist_ok=True)
        with writing_into(archive_dir):
            _write_snapshot(archive_dir, year, files)
        done = True
    finally:
        if created and not done:  # whatever stopped it: the archive folder is as it was, absent
            with contextlib.suppress(OSError):
                os.rmdir(archive_dir)


def _write_snapshot(archive_dir: str, year: str, files: dict[str, bytes]) -> None:
    for name in os.listdir(archive_dir):  # left by an archive that was killed while writing
        path = os.path.join(archive_dir, name)
        if _STAGING.fullmatch(name) and os.path.isdir(path) and not os.path.islink(path):
            shutil.rmtree(path, ignore_errors=True)
    staging = tempfile.mkdtemp(prefix=f".{year}-", suffix=".tmp", dir=archive_dir)
    done = False
    try:
        for rel, data in files.items():
            target = os.path.join(staging, *rel.split("/"))
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with open(target, "xb") as f:
                f.write(data)
            os.chmod(target, 0o444)
        os.chmod(staging, 0o755)
        folder = os.path.join(archive_dir, year)
        refuse_existing(folder, year)  # another run may have finished meanwhile
        attributes = os.path.join(archive_dir, ".gitattributes")
        if not os.path.lexists(attributes):
            write_atomic(attributes, GITATTRIBUTES.encode("utf-8"))
        os.rename(staging, folder)
        done = True
    finally:
        if not done:  # whatever stopped it
            shutil.rmtree(staging, ignore_errors=True)


#: What write_snapshot names its folder while writing it (tempfile.mkdtemp's random part).
_STAGING = re.compile(r"\.[12][0-9]{3}-[a-z0-9_]{8}\.tmp")


def verify_archive(archive_dir: str, year: str | None = None) -> list[tuple[str, Checked]]:
    """Every snapshot (or the one of `year`) compared with its manifest; nothing is changed."""
    if not os.path.isdir(archive_dir):
        raise UsageError(f"找不到归档文件夹 {archive_dir}")
    years = list_years(archive_dir)
    if year is not None:
        if not YEAR.fullmatch(year):
            raise UsageError(f"年度“{year}”不对：请写四位数字的年份，如 2019")
        if year not in years:
            raise UsageError(f"没有{year}年度的归档（{os.path.join(archive_dir, year)} 不存在）")
        years = [year]
    return [(y, check_snapshot(archive_dir, y)) for y in years]
