"""Publish the built site: mirror it into a web root folder, or pack it as one zip for a portal.

The mirror copies only what changed (an unchanged file keeps its modification time), replaces
each file atomically (written beside, then renamed: a reader never gets half a page), and
removes only files an earlier publish wrote. What it wrote is listed, with each file's SHA-256,
in its own manifest inside the destination, so files that others put there are never touched.
A site that fails the link check is not published at all.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import posixpath
import zipfile
from dataclasses import dataclass

from .cache import default_cache_dir
from .content import display_path
from .linkcheck import check_links
from .model import BuildFailed, ContentError, OutputFile, UsageError, os_reason
from .output import (check_output_dir, list_site_files, overlaps, remove_debris, remove_empty_dirs, safe_out_path,
                     write_atomic, writing_into)

MANIFEST = ".dwgk-publish.json"
CHECKSUMS = "SHA256SUMS.txt"
ZIP_COMMENT = b"dwgk publish"
_ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)  # the earliest date a zip can hold: no build timestamps


class PublishRefused(BuildFailed):
    """Nothing was published: the site or the destination has problems, all listed."""

    outcome = "未发布：发布目标没有任何改动"


class PublishInterrupted(BuildFailed):
    """Writing into the destination failed part-way: every file there is whole, old or new."""

    outcome = "发布未完成"


@dataclass(frozen=True)
class MirrorPlan:
    """What a publish into dest does; paths relative to dest, sorted."""

    dest: str
    added: tuple[str, ...]
    updated: tuple[str, ...]
    removed: tuple[str, ...]
    kept: tuple[str, ...]  # written by an earlier publish, changed since by someone else: left alone
    unchanged: int
    manifest: dict  # path -> sha256 after the publish
    previous: dict  # path -> sha256 values before it (read_manifest)


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def check_targets(paths, dest: str | None, zip_path: str | None) -> None:
    """Refuse destinations that overlap the project's folders, before anything is built."""
    if not dest and not zip_path:
        raise UsageError("请给出发布目标文件夹（如 python build.py publish /var/www/html/dwgk），"
                         "或用 --zip 文件名 生成压缩包")
    folders = [paths.content_dir, paths.layouts_dir, paths.output_dir, paths.archive_dir,
               display_path(default_cache_dir(paths.output_dir))]
    if dest:
        problem = check_output_dir(dest, folders, "发布目标")
        if problem:
            raise UsageError(problem)
        if os.path.lexists(dest) and not os.path.isdir(dest):
            raise UsageError(f"发布目标 {dest} 不是文件夹")
        if not os.path.isdir(os.path.dirname(os.path.abspath(dest))):
            raise UsageError(f"发布目标 {dest} 的上级文件夹不存在")
    if zip_path:
        if not zip_path.lower().endswith(".zip"):
            raise UsageError(f"压缩包 {zip_path} 的文件名应以 .zip 结尾")
        for folder in folders:
            if overlaps(zip_path, folder):
                raise UsageError(f"压缩包 {zip_path} 不能放在 {folder} 里面")
        if not os.path.isdir(os.path.dirname(os.path.abspath(zip_path))):
            raise UsageError(f"压缩包 {zip_path} 所在的文件夹不存在")


def read_site(output_dir: str) -> list[OutputFile]:
    """The built site as it stands in the output folder; dotfiles (the build's manifest) excluded."""
    files = []
    for rel in list_site_files(output_dir):
        with open(os.path.join(output_dir, rel), "rb") as f:
            files.append(OutputFile(rel, f.read()))
    return files


def check_site(output_dir: str, files: list[OutputFile], base_url: str) -> None:
    """The link check over everything that would be published; PublishRefused if any link is broken."""
    broken = check_links(files, base_url)
    if broken:
        raise PublishRefused([
            ContentError(display_path(os.path.join(output_dir, b.out_path)), b.line, b.message)
            for b in broken])


def read_manifest(dest: str) -> dict[str, set[str]]:
    """path -> the sha256 values it may have, for every file an earlier publish wrote into dest.

    A publish lists each file it is about to write with both its old and its new value (a
    list) before writing, so that after an interruption the next publish still knows the file
    as its own, whichever of the two it holds.
    """
    try:
        with open(os.path.join(dest, MANIFEST), encoding="utf-8") as f:
            data = json.load(f)
        owned: dict[str, set[str]] = {}
        for path, digests in data["files"].items():
            digests = [digests] if isinstance(digests, str) else digests
            if isinstance(path, str) and safe_out_path(path) and all(isinstance(d, str) for d in digests):
                owned[path] = set(digests)
        return owned
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


def plan_mirror(files: list[OutputFile], dest: str) -> MirrorPlan:
    """Compare the site with dest; PublishRefused if it would overwrite a file that is not ours."""
    old = read_manifest(dest)
    added, updated, conflicts = [], [], []
    manifest = {}
    unchanged = 0
    for f in files:
        digest = sha256(f.data)
        manifest[f.out_path] = digest
        target = os.path.join(dest, f.out_path)
        blocker = _blocking_parent(dest, f.out_path)
        if blocker:
            conflicts.append(_not_ours(dest, blocker))
            continue
        if not os.path.lexists(target):
            added.append(f.out_path)
            continue
        current = _file_digest(target)
        if current == digest:
            unchanged += 1  # also adopts an identical copy someone made by hand
        elif current is None:
            conflicts.append(_not_ours(dest, f.out_path))
        elif f.out_path not in old:
            conflicts.append(_not_ours(dest, f.out_path))
        elif current not in old[f.out_path]:
            conflicts.append(ContentError(
                display_path(target), 1,
                "此文件在上次发布后被改动过，为免覆盖而停止；请核对后把它移出发布目标文件夹再发布"))
        else:
            updated.append(f.out_path)
    if conflicts:
        raise PublishRefused(conflicts)
    removed, kept = [], []
    for path in sorted(set(old) - set(manifest)):
        current = _file_digest(os.path.join(dest, path))
        if current is None:
            continue  # already gone (or no longer a plain file): nothing of ours to remove
        (removed if current in old[path] else kept).append(path)
    return MirrorPlan(dest, tuple(added), tuple(updated), tuple(removed), tuple(kept), unchanged, manifest, old)


def _not_ours(dest: str, path: str) -> ContentError:
    return ContentError(display_path(os.path.join(dest, path)), 1,
                        "此文件不是 dwgk 发布的，为免覆盖而停止；请把它移出发布目标文件夹后再发布")


def _blocking_parent(dest: str, path: str) -> str | None:
    """A folder the file needs that exists as something else (a file, a link)."""
    parent = posixpath.dirname(path)
    parents = []
    while parent:
        parents.append(parent)
        parent = posixpath.dirname(parent)
    for parent in reversed(parents):
        full = os.path.join(dest, parent)
        if os.path.islink(full) or (os.path.lexists(full) and not os.path.isdir(full)):
            return parent
    return None


def _file_digest(path: str) -> str | None:
    """sha256 of a plain file; None for a folder, a link or nothing."""
    if os.path.islink(path) or not os.path.isfile(path):
        return None
    with open(path, "rb") as f:
        return sha256(f.read())


def apply_mirror(plan: MirrorPlan, files: list[OutputFile]) -> None:
    """Record what is about to be written, write, remove, then record the result.

    Each file is replaced atomically; if anything fails part-way, PublishInterrupted.
    """
    data = {f.out_path: f.data for f in files}
    # Pages last, the deepest first and the home page at the very end, so that while a
    # publish runs a page never links to a file that is not there yet.
    order = sorted((*plan.added, *plan.updated),
                   key=lambda p: (p.endswith(".html"), -p.count("/"), p))
    manifest_path = os.path.join(plan.dest, MANIFEST)
    path = MANIFEST
    try:
        os.makedirs(plan.dest, exist_ok=True)
        remove_all_debris(plan)
        if order:
            pending = {p: sorted(h) for p, h in plan.previous.items()}
            for p in order:
                pending[p] = sorted(plan.previous.get(p, set()) | {plan.manifest[p]})
            write_atomic(manifest_path, _manifest_bytes(pending))
        for path in order:
            target = os.path.join(plan.dest, path)
            os.makedirs(os.path.dirname(target), exist_ok=True)
            write_atomic(target, data[path])
        for path in plan.removed:
            os.remove(os.path.join(plan.dest, path))
            remove_empty_dirs(plan.dest, posixpath.dirname(path))
        path = MANIFEST
        record = _manifest_bytes(plan.manifest)
        if not (os.path.isfile(manifest_path) and _same(manifest_path, record)):
            write_atomic(manifest_path, record)
    except OSError as exc:
        raise PublishInterrupted([ContentError(
            display_path(os.path.join(plan.dest, path)), 1,
            f"写入失败：{os_reason(exc)}；目标文件夹中的每个文件都是完整的（旧的或新的），问题解决后重新发布即可")])


def remove_all_debris(plan: MirrorPlan) -> None:
    """Half-written files of a publish that was killed, in the folders publishing writes to (only
    one publish writes into a destination at a time: see writing_into)."""
    folders = {posixpath.dirname(p) for p in (*plan.manifest, *plan.previous)}
    for folder in sorted({f for p in folders for f in _with_parents(p)}):
        remove_debris(os.path.join(plan.dest, folder))


def _with_parents(folder: str) -> list[str]:
    found = [""]
    while folder:
        found.append(folder)
        folder = posixpath.dirname(folder)
    return found


def _manifest_bytes(files: dict) -> bytes:
    """{"files": {path: sha256}}; while a publish runs, a value may list the old and the new."""
    record = {"files": {p: (v[0] if isinstance(v, list) and len(v) == 1 else v) for p, v in sorted(files.items())}}
    return json.dumps(record, ensure_ascii=False, indent=0).encode("utf-8")


def _same(path: str, data: bytes) -> bool:
    with open(path, "rb") as f:
        return f.read() == data


def describe_mirror(plan: MirrorPlan, dry_run: bool) -> list[str]:
    """The changes, one per line, and a summary, in Chinese."""
    lines = [f"  新增  {p}" for p in plan.added] + [f"  更新  {p}" for p in plan.updated]
    lines += [f"  删除  {p}" for p in plan.removed]
    lines += [f"  保留  {p}（上次发布后被改动过，不再由 dwgk 管理，未删除）" for p in plan.kept]
    figures = (f"新增 {len(plan.added)} 个、更新 {len(plan.updated)} 个、删除 {len(plan.removed)} 个文件，"
               f"{plan.unchanged} 个未变")
    if dry_run:
        return [f"发布预演（不做任何改动）：{plan.dest}", *lines, f"预演完成：将{figures}。"]
    return [*lines, f"发布完成：{plan.dest} 中{figures}。"]


def zip_site(files: list[OutputFile]) -> bytes:
    """The site as one zip, the same bytes for the same site, with a checksum manifest
    (SHA256SUMS.txt, in the format `sha256sum -c` reads)."""
    if any(f.out_path == CHECKSUMS for f in files):
        raise PublishRefused([ContentError(CHECKSUMS, 1, f"网站中已有名为 {CHECKSUMS} 的文件，与压缩包的校验清单同名；请改名")])
    sums = "".join(f"{sha256(f.data)}  {f.out_path}\n" for f in files).encode("utf-8")
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
        for path, data in [(f.out_path, f.data) for f in files] + [(CHECKSUMS, sums)]:
            info = zipfile.ZipInfo(path, date_time=_ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = 0o644 << 16
            info.create_system = 3  # unix, so the permissions above are read back
            z.writestr(info, data)
        z.comment = ZIP_COMMENT
    return buffer.getvalue()


def check_zip_target(zip_path: str) -> None:
    """Only a zip that dwgk wrote itself may be replaced."""
    if not os.path.lexists(zip_path):
        return
    try:
        with zipfile.ZipFile(zip_path) as z:
            ours = z.comment == ZIP_COMMENT
    except (OSError, zipfile.BadZipFile):
        ours = False
    if not ours or os.path.islink(zip_path):
        raise PublishRefused([ContentError(display_path(zip_path), 1,
                                           "此文件已存在且不是 dwgk 生成的压缩包，为免覆盖而停止；请换一个文件名或先把它移走")])


def publish(output_dir: str, base_url: str, dest: str | None, zip_path: str | None,
            dry_run: bool) -> list[str]:
    """Publish the built site in output_dir; return what was done, as lines for the editor."""
    files = read_site(output_dir)
    check_site(output_dir, files, base_url)
    lines = []
    plan = plan_mirror(files, dest) if dest else None
    if zip_path:
        check_zip_target(zip_path)
        data = zip_site(files)
    if plan is not None:
        if not dry_run:
            with writing_into(plan.dest):
                apply_mirror(plan, files)
        lines += describe_mirror(plan, dry_run)
    if zip_path:
        if dry_run:
            lines.append(f"预演：将生成压缩包 {zip_path}，含网站的 {len(files)} 个文件和校验清单 {CHECKSUMS}。")
        else:
            try:
                write_atomic(os.path.abspath(zip_path), data)
            except OSError as exc:
                raise PublishInterrupted([ContentError(display_path(zip_path), 1,
                                                       f"写入失败：{os_reason(exc)}，没有生成压缩包")])
            lines.append(f"压缩包已生成：{zip_path}，含网站的 {len(files)} 个文件和校验清单 {CHECKSUMS}；"
                         f"压缩包的 SHA-256 为 {sha256(data)}。")
    return lines
