"""Write the site: the only module that touches the output folder.

Each file is replaced atomically (written beside, then renamed), unchanged files are left alone,
and only files an earlier build wrote (listed in the manifest) are ever removed.
"""

from __future__ import annotations

import json
import os
import posixpath
import tempfile

from .model import ContentError, OutputFile

MANIFEST = ".dwgk-files.json"


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


def read_manifest(output_dir: str) -> set[str]:
    try:
        with open(os.path.join(output_dir, MANIFEST), encoding="utf-8") as f:
            data = json.load(f)
        return {p for p in data.get("files", []) if isinstance(p, str) and safe_out_path(p)}
    except (OSError, ValueError, AttributeError):
        return set()


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


def plan_write(output_dir: str, files: list[OutputFile]) -> list[ContentError]:
    """Refuse, before anything is written, to overwrite a file dwgk did not write itself."""
    errors = []
    written_before = read_manifest(output_dir)
    seen = set()
    for f in files:
        if not safe_out_path(f.out_path):
            errors.append(ContentError(f.out_path, 1, "输出路径不安全：不能写到输出文件夹之外"))
            continue
        if f.out_path in seen:
            errors.append(ContentError(f.out_path, 1, "两个内容生成了同一个输出文件"))
        seen.add(f.out_path)
        target = os.path.join(output_dir, f.out_path)
        if f.out_path not in written_before and os.path.lexists(target):
            if os.path.isdir(target) or os.path.islink(target) or _read(target) != f.data:
                errors.append(ContentError(
                    os.path.join(output_dir, f.out_path), 1,
                    "此文件不是 dwgk 生成的，为免覆盖而停止；请把它移出输出文件夹后再生成"))
    return errors


def write_site(output_dir: str, files: list[OutputFile]) -> dict:
    """Write what changed, remove what the last build wrote and this one did not; return counts."""
    old = read_manifest(output_dir)
    os.makedirs(output_dir, exist_ok=True)
    written = 0
    for f in files:
        target = os.path.join(output_dir, f.out_path)
        if _read(target) == f.data:
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        write_atomic(target, f.data)
        written += 1
    current = {f.out_path for f in files}
    removed = 0
    for stale in sorted(old - current):
        target = os.path.join(output_dir, stale)
        if os.path.isfile(target) and not os.path.islink(target):
            os.remove(target)
            removed += 1
            remove_empty_dirs(output_dir, os.path.dirname(stale))
    manifest = json.dumps({"files": sorted(current)}, ensure_ascii=False, indent=0).encode("utf-8")
    if _read(os.path.join(output_dir, MANIFEST)) != manifest:
        write_atomic(os.path.join(output_dir, MANIFEST), manifest)
    return {"files": len(files), "written": written, "removed": removed}


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
