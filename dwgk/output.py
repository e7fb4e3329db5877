"""Write the site: the only module that touches the output folder.

Each file is replaced atomically (written beside, then renamed), unchanged files are left alone,
and only files an earlier build wrote (listed in the manifest) are ever removed. A build's new
bytes first go to a staging folder inside the output folder (so render workers can write them as
they go, without holding the whole site in memory) and are renamed into place only once the
whole build has succeeded; on failure the staging folder is removed and the site is untouched.

A file that replaces one already there is staged in the spare folder instead, when the build
cache provides one (on the output folder's file system) and the system can swap two files
atomically (Linux's renameat2 RENAME_EXCHANGE). The spare folder holds, at each page's path, the
page's previous version: its bytes are overwritten with the new ones and the two files swapped.
Replacing a file by a new one makes the file system free the old one's blocks and allocate new
ones, which on ext4 costs ten times as much as reusing them (14,000 pages: about 6 s against
0.6 s on the benchmark machine); reusing the spare files, no blocks are freed. A spare file that
has another name too (the editor's hard-linked backup of site/) is never written into.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import itertools
import json
import os
import posixpath
import re
import shutil
import stat
import sys
import tempfile
import functools
from dataclasses import dataclass, field

from .content import stat_key
from .model import ContentError, OutputFile

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None

MANIFEST = ".dwgk-files.json"
STAGING = ".dwgk-staging"
TREE = "site"  # inside the staging folder: the staged files at their own paths


@dataclass(frozen=True)
class Staged:
    """One file of the new site, after staging."""

    out_path: str
    digest: str  # sha256 of its bytes
    tmp: str | None  # its bytes, relative to the staging folder; None when the target already holds them
    stat_key: tuple = ()  # of the target, when it already holds them
    existed: bool = False  # something is at the target now
    spare: bool = False  # tmp is relative to the spare folder: swapped with the target


@dataclass
class Staging:
    """Where one build puts the files it renders until they are written: the writer of a build.

    Three strategies, chosen when it is opened:
      * open_staging(output_dir): stage in output_dir/.dwgk-staging, then rename into place
        (commit), the plain writer;
      * open_staging(output_dir, spare_dir): the same, but a file that replaces one already there
        is written over its previous version in the spare folder and the two swapped;
      * open_dry_run(output_dir): stage in a temporary folder outside the output folder, compared
        with what is there but never committed (`check`): nothing in the output folder changes.
    """

    output_dir: str
    created: bool  # the output folder did not exist before: discard_staging removes it again
    spare_dir: str | None  # the spare folder, where files can be swapped (see the module docstring)
    folder: str = ""  # the staging folder; by default output_dir/.dwgk-staging
    dry: bool = False  # nothing is ever committed (open_dry_run)
    folders: set = field(default_factory=set)  # folders made in the staging and spare folders
    names: itertools.count = field(default_factory=itertools.count)  # for files staged under a name of their own

    def __post_init__(self):
        self.folder = self.folder or os.path.join(self.output_dir, STAGING)


def safe_out_path(out_path: str) -> bool:
    """A relative path that stays inside the output folder."""
    if not out_path or out_path.startswith("/") or "\\" in out_path or "\x00" in out_path:
        return False
    norm = posixpath.normpath(out_path)
    return norm == out_path and not norm.startswith("..") and norm != "."


CACHE_DIR = ".dwgk-cache"  # the build cache's folder (cache.py), beside the output folder by default
#: dwgk's own code: no folder dwgk writes to may be, hold or lie in it.
CODE_DIR = os.path.dirname(os.path.abspath(__file__))


def check_output_dir(output_dir: str, watched_dirs: list[str], label: str = "输出文件夹",
                     is_cache: bool = False) -> str | None:
    """Why output_dir may not be used, in Chinese; None if it is fine."""
    out = os.path.realpath(output_dir)
    if os.path.dirname(out) == out:
        return f"{label} {output_dir} 是磁盘的根文件夹，不能使用；请另建一个专用的文件夹"
    if out == os.path.realpath(os.path.expanduser("~")):
        return f"{label} {output_dir} 是用户的主文件夹，不能使用；请另建一个专用的文件夹"
    if not is_cache and CACHE_DIR in out.split(os.sep):
        return f"{label} {output_dir} 是生成缓存文件夹 {CACHE_DIR} 或在它里面，不能使用"
    if overlaps(out, CODE_DIR):
        return f"{label} {output_dir} 不能与 dwgk 的程序文件夹 {CODE_DIR} 相同、在它里面或包含它"
    for watched in watched_dirs:
        if overlaps(out, watched):
            return f"{label} {output_dir} 不能与 {watched} 相同、在它里面或包含它"
    return None


def overlaps(a: str, b: str) -> bool:
    """One folder is the other, or inside it (the root folder holds every other)."""
    a, b = os.path.realpath(a), os.path.realpath(b)
    return os.path.commonpath([a, b]) in (a, b)


@contextlib.contextmanager
def writing_into(folder: str):
    """One dwgk at a time writes into folder: a lock on the folder that holds it (which, unlike
    the folder, is there before and after), whether or not a build cache is used. Two builds
    into one folder would take each other's staged files away. Holding it, the files a killed
    write_atomic left in folder are removed."""
    holder = os.path.dirname(os.path.abspath(folder))
    if fcntl is None:  # pragma: no cover - not POSIX
        yield
        return
    os.makedirs(holder, exist_ok=True)
    fd = os.open(holder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        remove_debris(folder)  # what a dwgk killed while writing into it left
        yield
    finally:
        os.close(fd)


def read_manifest(output_dir: str) -> frozenset[str]:
    try:
        with open(os.path.join(output_dir, MANIFEST), "rb") as f:
            raw = f.read()
    except OSError:
        return frozenset()
    try:
        data = json.loads(raw.decode("utf-8"))
        return frozenset(p for p in data.get("files", [])
                         if isinstance(p, str) and (_PLAIN_PATH.fullmatch(p) or safe_out_path(p)))
    except (ValueError, AttributeError):
        return frozenset()


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


def stat_target(output_dir: str, out_path: str) -> tuple | None:
    try:
        return stat_key(os.lstat(os.path.join(output_dir, out_path)))
    except OSError:
        return None


def open_staging(output_dir: str, spare_dir: str | None = None) -> Staging:
    """An empty staging folder, and the spare folder if it can be used."""
    created = not os.path.isdir(output_dir)
    os.makedirs(output_dir, exist_ok=True)
    staging = os.path.join(output_dir, STAGING)
    _clear_staging(staging)  # left over by a build that was killed
    os.makedirs(staging, exist_ok=True)
    return Staging(output_dir, created, spare_dir if spare_dir and _can_swap(output_dir, spare_dir) else None)


def open_dry_run(output_dir: str) -> Staging:
    """A staging folder outside the output folder, for a build that writes nothing (`check`)."""
    return Staging(output_dir, False, None, tempfile.mkdtemp(prefix="dwgk-check-"), dry=True)


def _can_swap(output_dir: str, spare_dir: str) -> bool:
    """Whether files of spare_dir can be swapped with files of output_dir."""
    if _exchange() is None:
        return False
    os.makedirs(spare_dir, exist_ok=True)
    return os.stat(spare_dir).st_dev == os.stat(output_dir).st_dev


@functools.cache
def _exchange():
    """libc's (renameat2, get_errno), where there is one (Linux); None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes  # noqa: PLC0415 - only for the swap

    try:
        func = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):  # a C library without it
        return None
    func.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    func.restype = ctypes.c_int
    return func, ctypes.get_errno


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2  # from Linux's fcntl.h and fs.h


def _swap(source: str, target: str) -> bool | None:
    """Swap two files atomically; False where the system cannot, None where the file system cannot."""
    found = _exchange()
    if found is None:
        return False
    func, get_errno = found
    if func(_AT_FDCWD, os.fsencode(source), _AT_FDCWD, os.fsencode(target), _RENAME_EXCHANGE) == 0:
        return True
    err = get_errno()
    if err in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP):  # a file system without the swap
        return None
    raise OSError(err, os.strerror(err), source, None, target)


def discard_staging(staging: Staging) -> None:
    """Undo open_staging: the output folder is as it was before the build."""
    _clear_staging(staging.folder)
    if staging.created:
        try:
            os.rmdir(staging.output_dir)
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


class KeptFile:
    """A generated file that the build expects to be unchanged, with the digest of its bytes:
    stage_files keeps the target, unread, when dwgk wrote exactly that there (and asks for the
    bytes, made when asked for, only when it did not)."""

    __slots__ = ("out_path", "digest", "_make")

    def __init__(self, out_path: str, digest: str, make):
        self.out_path, self.digest, self._make = out_path, digest, make

    @property
    def data(self) -> bytes:
        return self._make()


def stage_files(staging: Staging, files: list[OutputFile], written: dict) -> list[Staged]:
    """Put each file's bytes in the staging folder, unless its target already holds them.

    written: out_path -> (digest, stat_key) recorded after an earlier build wrote the target; a
    target with that stat_key is known to hold that digest without being read back.
    """
    output_dir, spare = staging.output_dir, staging.spare_dir
    staged = []
    for f in files:
        if isinstance(f, KeptFile):
            known = written.get(f.out_path)
            target = stat_target(output_dir, f.out_path) if known and known[0] == f.digest else None
            if target and target == known[1]:
                staged.append(Staged(f.out_path, f.digest, None, target, True))
                continue
        data = f.data  # read once: an archived file's bytes are read from disk when asked for
        digest = hashlib.sha256(data).hexdigest()
        found, regular = _compare(output_dir, f.out_path, data, digest, written)
        if found.tmp is not None:
            if regular and spare and _write_spare(staging, f.out_path, data):
                found = Staged(f.out_path, digest, f.out_path, (), True, spare=True)
            else:
                found = Staged(f.out_path, digest, _stage(staging, f.out_path, data), (), found.existed)
        staged.append(found)
    return staged


def _compare(output_dir: str, out_path: str, data: bytes, digest: str, written: dict) -> tuple[Staged, bool]:
    """Staged with tmp "" when the target lacks these bytes (nothing written yet), None when it
    has them; and whether the target is a regular file."""
    if not safe_out_path(out_path):
        return Staged(out_path, digest, None), False  # check_staged refuses it
    target = os.path.join(output_dir, out_path)
    try:
        st = os.lstat(target)
    except OSError:
        return Staged(out_path, digest, ""), False
    key = stat_key(st)
    regular = stat.S_ISREG(st.st_mode)
    known = written.get(out_path)
    if known is not None and known[1] == key:  # dwgk wrote the target and knows what it holds
        same = known[0] == digest
    else:
        same = regular and st.st_size == len(data) and _read(target) == data
    if same:
        return Staged(out_path, digest, None, key, True), regular
    return Staged(out_path, digest, "", (), True), regular


def _write_spare(staging: Staging, out_path: str, data: bytes) -> bool:
    """Overwrite the spare file at out_path with data, reusing its blocks; False if there cannot be
    one there."""
    path = os.path.join(staging.spare_dir, out_path)
    folder = os.path.dirname(path)
    try:
        if folder not in staging.folders:
            os.makedirs(folder, exist_ok=True)
            staging.folders.add(folder)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_NOFOLLOW, 0o644)
    except OSError:  # something else is in the way: left alone
        return False
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            return False
        if st.st_nlink != 1:  # another name shares its bytes: drop this one and start afresh
            os.close(fd)
            fd = -1
            os.remove(path)
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o644)
        os.fchmod(fd, 0o644)  # whatever the umask or an earlier mode: the web server must read it
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view):]
        os.ftruncate(fd, len(data))  # after writing: blocks up to the new end are kept
    except OSError:
        return False
    finally:
        if fd >= 0:
            os.close(fd)
    return True


def _stage(staging: Staging, out_path: str, data: bytes) -> str:
    """Write the bytes at out_path in the staging tree (then commit moves whole new folders into
    place at once, and folders of a few files are much quicker to fill than one of 14,000); where
    that path is taken (two files at one path, refused later), under a name of their own."""
    name = posixpath.join(TREE, out_path)
    folder = staging.folder
    try:
        parent = os.path.dirname(os.path.join(folder, name))
        if parent not in staging.folders:  # one mkdir call per folder, not per file
            os.makedirs(parent, exist_ok=True)
            staging.folders.add(parent)
        fd = os.open(os.path.join(folder, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    except OSError:
        name = f"{os.getpid()}-{next(staging.names)}.tmp"
        fd = os.open(os.path.join(folder, name), os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
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
    return check_targets(output_dir, ((s.out_path, lambda s=s: s.existed and s.tmp is not None) for s in staged),
                         written_before)


def check_planned(output_dir: str, files: list[OutputFile]) -> list[ContentError]:
    """check_staged for files not staged (check, archive): the same errors a build would report."""
    return check_targets(output_dir, ((f.out_path, lambda f=f: _differs(output_dir, f)) for f in files))


def _differs(output_dir: str, f: OutputFile) -> bool:
    """Something is at the file's target, and it is not these bytes."""
    target = os.path.join(output_dir, f.out_path)
    if not os.path.lexists(target):
        return False
    return os.path.islink(target) or _read(target) != f.data


def check_targets(output_dir: str, targets, written_before: frozenset | None = None) -> list[ContentError]:
    """targets: (out_path, whether something else is at it now) pairs, the second asked only
    where it matters (a target the last build did not write)."""
    errors = []
    written_before = read_manifest(output_dir) if written_before is None else written_before
    seen = set()
    folders: dict[str, bool] = {}  # folder in the output -> whether it may be written into
    for out_path, taken in targets:
        if not safe_out_path(out_path):
            errors.append(ContentError(out_path, 1, "输出路径不安全：不能写到输出文件夹之外"))
            continue
        blocked = _blocked_folder(output_dir, posixpath.dirname(out_path), folders)
        if blocked:
            if folders[blocked] is not None:
                folders[blocked] = None  # named once
                errors.append(ContentError(os.path.join(output_dir, blocked), 1, BLOCKED_FOLDER))
            continue
        if out_path in seen:
            errors.append(ContentError(out_path, 1, "两个内容生成了同一个输出文件"))
        seen.add(out_path)
        if out_path not in written_before and taken():
            errors.append(ContentError(
                os.path.join(output_dir, out_path), 1,
                "此文件不是 dwgk 生成的，为免覆盖而停止；请把它移出输出文件夹后再生成"))
    return errors


BLOCKED_FOLDER = ("这里应是一个文件夹，却是符号链接（快捷方式）或文件；dwgk 不会写到链接指向的地方，"
                  "为免覆盖而停止：请把它移出输出文件夹后再生成")


def _blocked_folder(output_dir: str, folder: str, known: dict) -> str | None:
    """The first folder on the way to `folder` (relative, with "/") that is a link or not a
    folder; None when there is none. known: folder -> True (fine), False or None (blocked)."""
    parts = folder.split("/") if folder else []
    for end in range(1, len(parts) + 1):
        sub = "/".join(parts[:end])
        if sub not in known:
            try:
                known[sub] = stat.S_ISDIR(os.lstat(os.path.join(output_dir, sub)).st_mode)
            except FileNotFoundError:
                known[sub] = True  # made when the file is written
        if known[sub] is not True:
            return sub
    return None


def commit(staging: Staging, staged: list[Staged], current: set[str],
           old: frozenset | None = None) -> tuple[dict, dict]:
    """Move the staged files into place, remove what the last build wrote and this one did not.

    current: every file of the new site (staged now or kept from an earlier build); old: what
    the manifest lists, when the caller knows it.
    Returns the counts with the out_paths written or removed ("changed"), and, for each staged
    file, (digest, stat_key) as now on disk.
    """
    output_dir, spare, folder = staging.output_dir, staging.spare_dir, staging.folder
    if staging.dry:
        raise ValueError("a dry run is never committed")
    old = read_manifest(output_dir) if old is None else old
    _move_tree(os.path.join(folder, TREE), output_dir)
    can_swap = True  # until the file system refuses
    records = {}
    written = 0
    changed = []
    for s in staged:
        target = os.path.join(output_dir, s.out_path)
        if s.tmp is None:
            records[s.out_path] = (s.digest, s.stat_key)
            continue
        if s.spare:
            can_swap = _swap_in(os.path.join(spare, s.tmp), target, can_swap)
        elif not s.tmp.startswith(TREE + "/"):  # staged under a name of its own
            os.makedirs(os.path.dirname(target), exist_ok=True)
            os.replace(os.path.join(folder, s.tmp), target)
        records[s.out_path] = (s.digest, stat_key(os.lstat(target)))
        written += 1
        changed.append(s.out_path)
    _clear_staging(folder)
    removed = 0
    folders: dict[str, bool] = {}
    for stale in sorted(old - current):
        target = os.path.join(output_dir, stale)
        if (os.path.isfile(target) and not os.path.islink(target)
                and not _blocked_folder(output_dir, posixpath.dirname(stale), folders)):
            os.remove(target)
            removed += 1
            changed.append(stale)
            remove_empty_dirs(output_dir, os.path.dirname(stale))
        if spare and safe_out_path(stale):  # its previous version, kept in the spare folder
            _remove_spare(spare, stale)
    if current != old or not os.path.isfile(os.path.join(output_dir, MANIFEST)):
        manifest = json.dumps({"files": sorted(current)}, ensure_ascii=False, indent=0).encode("utf-8")
        if _read(os.path.join(output_dir, MANIFEST)) != manifest:
            write_atomic(os.path.join(output_dir, MANIFEST), manifest)
    return {"files": len(current), "written": written, "removed": removed, "changed": changed}, records


def _swap_in(source: str, target: str, can_swap: bool) -> bool:
    """Put the spare file source at target; the file that was there becomes the spare one.
    Returns whether swapping may still be tried (not once the file system refused it)."""
    try:
        regular = stat.S_ISREG(os.lstat(target).st_mode)
    except FileNotFoundError:  # removed during the build
        regular = False
        os.makedirs(os.path.dirname(target), exist_ok=True)
    swapped = _swap(source, target) if regular and can_swap else False
    if not swapped:
        os.replace(source, target)  # fails, as it always did, where a folder is in the way
    return can_swap and swapped is not None


def _remove_spare(spare: str, out_path: str) -> None:
    path = os.path.join(spare, out_path)
    try:
        if stat.S_ISREG(os.lstat(path).st_mode):
            os.remove(path)
            remove_empty_dirs(spare, os.path.dirname(out_path))
    except OSError:
        pass


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
        elif os.path.isdir(target) and not os.path.islink(target):  # never into a linked folder
            _move_tree(entry.path, target)
        else:
            os.rename(entry.path, target)  # fails, as makedirs would, where a file or link is in the way


#: What write_atomic names a file while it is being written (tempfile.mkstemp's random part).
_DEBRIS = re.compile(r"\.dwgk-[a-z0-9_]{8}\.tmp")


def remove_debris(folder: str) -> None:
    """Remove the files write_atomic left in folder when it was killed (the caller holds the lock
    of writing_into, so no other dwgk is writing one)."""
    try:
        names = os.listdir(folder)
    except OSError:
        return
    for name in names:
        path = os.path.join(folder, name)
        if _DEBRIS.fullmatch(name) and os.path.isfile(path) and not os.path.islink(path):
            os.remove(path)


def write_atomic(target: str, data: bytes) -> None:
    fd, tmp = tempfile.mkstemp(dir=os.path.dirname(target), prefix=".dwgk-", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, target)
        tmp = None
    finally:
        if tmp is not None and os.path.exists(tmp):  # it failed, or was interrupted
            os.remove(tmp)


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


def staged_bytes(staging: Staging, staged: Staged | None, out_path: str) -> bytes:
    """The bytes out_path will hold: in the staging folder, or already in place."""
    if staged is not None and staged.tmp:
        folder = staging.spare_dir if staged.spare else staging.folder
        return _read(os.path.join(folder, staged.tmp)) or b""
    return _read(os.path.join(staging.output_dir, out_path)) or b""
