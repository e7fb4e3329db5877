"""Write the site: the only module that touches the output folder.

Each file is replaced atomically (written beside, then renamed), unchanged files are left alone,
and only files an earlier build wrote (listed in the manifest) are ever removed. A build's new
bytes first go to a staging folder inside the output folder (so render workers can write them as
they go, without holding the whole site in memory) and are renamed into place only once the
whole build has succeeded; on failure the staging folder is removed and the site is untouched.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import os
import posixpath
import re
import shutil
import stat
import tempfile
from dataclasses import dataclass

from .content import stat_key
from .model import ContentError, OutputFile

MANIFEST = ".dwgk-files.json"
STAGING = ".dwgk-staging"
TREE = "site"  # inside the staging folder: the staged files at their own paths
_staged_names = itertools.count()
_staged_folders: set[str] = set()  # folders made in the staging folder of the current build


@dataclass(frozen=True)
class Staged:
    """One file of the new site, after staging."""

    out_path: str
    digest: str  # sha256 of its bytes
    tmp: str | None  # its bytes, relative to the staging folder; None when the target already holds them
    stat_key: tuple = ()  # of the target, when it already holds them
    existed: bool = False  # something is at the target now


def safe_out_path(out_path: str) -> bool:
    """A relative path that stays inside the output folder."""
    if not out_path or out_path.startswith("/") or "\\" in out_path or "\x00" in out_path:
        return False
    norm = posixpath.normpath(out_path)
    return norm == out_path and not norm.startswith("..") and norm != "."


def check_output_dir(output_dir: str, watched_dirs: list[str], label: str = "输出文件夹") -> str | None:
    """Why output_dir may not be used, in Chinese; None if it is fine."""
    out = os.path.realpath(output_dir)
    for watched in watched_dirs:
        w = os.path.realpath(watched)
        if out == w or out.startswith(w + os.sep) or w.startswith(out + os.sep):
            return f"{label} {output_dir} 不能与 {watched} 相同、在它里面或包含它"
    return None


def read_manifest(output_dir: str) -> frozenset[str]:
    try:
        with open(os.path.join(output_dir, MANIFEST), "rb") as f:
            raw = f.read()
    except OSError:
        return frozenset()
    # A build asks several times, and at 10,000 issues checking every path takes a while.
    if _manifest_read[0] != raw:
        try:
            data = json.loads(raw.decode("utf-8"))
            files = frozenset(p for p in data.get("files", [])
                              if isinstance(p, str) and (_PLAIN_PATH.fullmatch(p) or safe_out_path(p)))
        except (ValueError, AttributeError):
            files = frozenset()
        _manifest_read[:] = [raw, files]
    return _manifest_read[1]


_manifest_read: list = [None, frozenset()]  # the bytes last read and the paths they list
#: Paths safe_out_path accepts, most of a site's, recognised faster (a manifest lists 14,000).
_PLAIN_PATH = re.compile(r"(?:[\w-][\w.-]*/)*[\w-][\w.-]*")


def list_site_files(folder: str) -> list[str]:
    """Every regular file below folder as a relative path with "/", sorted; files and folders
    whose name starts with "." (the manifest, temporaries) are not part of a site."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames[:] = sorted(d for d in dirnames if not d.startswith("."))
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            if not name.startswith(".") and os.path.isfile(full) and not os.path.islink(full):
                found.append(os.path.relpath(full, folder).replace(os.sep, "/"))
    return sorted(found)


def preserved_files(output_dir: str) -> set[str]:
    """Files in the output folder that a build keeps without writing them (not in the manifest)."""
    if not os.path.isdir(output_dir):
        return set()
    return set(list_site_files(output_dir)) - read_manifest(output_dir)


def stat_target(output_dir: str, out_path: str) -> tuple | None:
    try:
        return stat_key(os.lstat(os.path.join(output_dir, out_path)))
    except OSError:
        return None


def open_staging(output_dir: str) -> bool:
    """An empty staging folder; True when the output folder itself had to be created."""
    created = not os.path.isdir(output_dir)
    os.makedirs(output_dir, exist_ok=True)
    staging = os.path.join(output_dir, STAGING)
    _clear_staging(staging)  # left over by a build that was killed
    os.makedirs(staging, exist_ok=True)
    _staged_folders.clear()
    return created


def discard_staging(output_dir: str, created: bool) -> None:
    """Undo open_staging: the output folder is as it was before the build."""
    _clear_staging(os.path.join(output_dir, STAGING))
    if created:
        try:
            os.rmdir(output_dir)
        except OSError:
            pass


def _clear_staging(staging: str) -> None:
    if not os.path.isdir(staging) or os.path.islink(staging):
        return
    for name in os.listdir(staging):  # only what stage_files writes there
        path = os.path.join(staging, name)
        if name.endswith(".tmp"):
            os.remove(path)
        elif name == TREE and not os.path.islink(path):
            shutil.rmtree(path)
    try:
        os.rmdir(staging)
    except OSError:
        pass


def stage_files(output_dir: str, files: list[OutputFile], written: dict) -> list[Staged]:
    """Put each file's bytes in the staging folder, unless its target already holds them.

    written: out_path -> (digest, stat_key) recorded after an earlier build wrote the target; a
    target with that stat_key is known to hold that digest without being read back.
    """
    staging = os.path.join(output_dir, STAGING)
    staged = []
    for f in files:
        data = f.data  # read once: an archived file's bytes are read from disk when asked for
        digest = hashlib.sha256(data).hexdigest()
        found = _compare(output_dir, f.out_path, data, digest, written)
        if found.tmp is not None:
            found = Staged(f.out_path, digest, _stage(staging, f.out_path, data), (), found.existed)
        staged.append(found)
    return staged


def _compare(output_dir: str, out_path: str, data: bytes, digest: str, written: dict) -> Staged:
    """Staged with tmp "" when the target lacks these bytes (nothing written yet), None when it has them."""
    if not safe_out_path(out_path):
        return Staged(out_path, digest, None)  # check_staged refuses it
    target = os.path.join(output_dir, out_path)
    try:
        st = os.lstat(target)
    except OSError:
        return Staged(out_path, digest, "")
    key = stat_key(st)
    known = written.get(out_path)
    if known is not None and known[1] == key:  # dwgk wrote the target and knows what it holds
        same = known[0] == digest
    else:
        same = stat.S_ISREG(st.st_mode) and st.st_size == len(data) and _read(target) == data
    if same:
        return Staged(out_path, digest, None, key, True)
    return Staged(out_path, digest, "", (), True)


def _stage(staging: str, out_path: str, data: bytes) -> str:
    """Write the bytes at out_path in the staging tree (then commit moves whole new folders into
    place at once, and folders of a few files are much quicker to fill than one of 14,000); where
    that path is taken (two files at one path, refused later), under a name of their own."""
    name = posixpath.join(TREE, out_path)
    try:
        folder = os.path.dirname(os.path.join(staging, name))
        if folder not in _staged_folders:  # one mkdir call per folder, not per file
            os.makedirs(folder, exist_ok=True)
            _staged_folders.add(folder)
        fd = os.open(os.path.join(staging, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError:
        name = f"{os.getpid()}-{next(_staged_names)}.tmp"
        fd = os.open(os.path.join(staging, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        os.fchmod(fd, 0o644)  # whatever the umask: the web server must be able to read it
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
    finally:
        os.close(fd)
    return name


def check_staged(output_dir: str, staged: list[Staged], written_before: frozenset | None = None) -> list[ContentError]:
    """Refuse unsafe paths, two files at one path, and overwriting a file dwgk did not write.

    written_before: what the manifest lists, when the caller knows it."""
    errors = []
    written_before = read_manifest(output_dir) if written_before is None else written_before
    seen = set()
    for s in staged:
        if not safe_out_path(s.out_path):
            errors.append(ContentError(s.out_path, 1, "输出路径不安全：不能写到输出文件夹之外"))
            continue
        if s.out_path in seen:
            errors.append(ContentError(s.out_path, 1, "两个内容生成了同一个输出文件"))
        seen.add(s.out_path)
        if s.out_path not in written_before and s.existed and s.tmp is not None:
            errors.append(ContentError(
                os.path.join(output_dir, s.out_path), 1,
                "此文件不是 dwgk 生成的，为免覆盖而停止；请把它移出输出文件夹后再生成"))
    return errors


def commit(output_dir: str, staged: list[Staged], current: set[str],
           old: frozenset | None = None) -> tuple[dict, dict]:
    """Move the staged files into place, remove what the last build wrote and this one did not.

    current: every file of the new site (staged now or kept from an earlier build); old: what
    the manifest lists, when the caller knows it.
    Returns the counts and, for each staged file, (digest, stat_key) as now on disk.
    """
    old = read_manifest(output_dir) if old is None else old
    staging = os.path.join(output_dir, STAGING)
    _move_tree(os.path.join(staging, TREE), output_dir)
    records = {}
    written = 0
    for s in staged:
        target = os.path.join(output_dir, s.out_path)
        if s.tmp is None:
            records[s.out_path] = (s.digest, s.stat_key)
            continue
        if not s.tmp.startswith(TREE + "/"):  # staged under a name of its own
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.replace(os.path.join(staging, s.tmp), target)
        records[s.out_path] = (s.digest, stat_key(os.lstat(target)))
        written += 1
    _clear_staging(staging)
    removed = 0
    for stale in sorted(old - current):
        target = os.path.join(output_dir, stale)
        if os.path.isfile(target) and not os.path.islink(target):
            os.remove(target)
            removed += 1
            remove_empty_dirs(output_dir, os.path.dirname(stale))
    if current != old or not os.path.isfile(os.path.join(output_dir, MANIFEST)):
        manifest = json.dumps({"files": sorted(current)}, ensure_ascii=False, indent=0).encode("utf-8")
        if _read(os.path.join(output_dir, MANIFEST)) != manifest:
            write_atomic(os.path.join(output_dir, MANIFEST), manifest)
    return {"files": len(current), "written": written, "removed": removed}, records


def _move_tree(source: str, dest: str) -> None:
    """Move every file below source to the same place below dest: a folder dest lacks in one go."""
    if not os.path.isdir(source):
        return
    with os.scandir(source) as it:
        entries = list(it)
    for entry in entries:
        target = os.path.join(dest, entry.name)
        if not entry.is_dir(follow_symlinks=False):
            os.replace(entry.path, target)
        elif os.path.isdir(target):
            _move_tree(entry.path, target)
        else:
            os.rename(entry.path, target)  # fails, as makedirs would, where a file is in the way


def write_atomic(target: str, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".dwgk-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
    except BaseException:
        if os.path.exists(tmp):
            os.remove(tmp)
        raise


def _read(path: str) -> bytes | None:
    try:
        with open(path, "rb") as f:
            return f.read()
    except OSError:
        return None


def remove_empty_dirs(output_dir: str, rel_dir: str) -> None:
    while rel_dir:
        path = os.path.join(output_dir, rel_dir)
        try:
            os.rmdir(path)  # only succeeds when empty: never removes anything else
        except OSError:
            return
        rel_dir = posixpath.dirname(rel_dir)


def staged_bytes(output_dir: str, staged: Staged | None, out_path: str) -> bytes:
    """The bytes out_path will hold: in the staging folder, or already in place."""
    if staged is not None and staged.tmp:
        return _read(os.path.join(output_dir, STAGING, staged.tmp)) or b""
    return _read(os.path.join(output_dir, out_path)) or b""
