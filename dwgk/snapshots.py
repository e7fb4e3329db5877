"""The archive folder: the on-disk format of yearly snapshots, reading them for publication, checking them.

    archive/                     kept under version control by the editor
      .gitattributes             "* -text": git must never rewrite the line endings of archived bytes
      2019/                      one folder per year (the year is a label: it may be archived late)
        manifest.json            every file below site/ and content/ with its SHA-256 and size,
                                 the date taken and the dwgk version
        site/…                   the rendered pages, each carrying the archive banner
        content/…                a copy of the content sources they were built from
        dwgk-archive-2019.zip    dwgk-archive-2019/manifest.json plus every file the manifest lists

The manifest lists neither itself nor the zip; the zip is checked member by member against the
manifest instead, and must hold exactly the manifest, byte for byte, and the files it lists.
Reading is the only thing this module does to the archive folder; archive.py writes snapshots.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import zipfile
from dataclasses import dataclass

from .content import display_path
from .model import ContentError, OutputFile, Snapshot
from .output import _read

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "dwgk-archive/1"
SITE_DIR = "site"
CONTENT_DIR = "content"
YEAR = re.compile(r"[12][0-9]{3}")


def zip_name(year: str) -> str:
    return f"dwgk-archive-{year}.zip"


def zip_root(year: str) -> str:
    """The folder the zip unpacks into, so that unpacking never scatters files."""
    return f"dwgk-archive-{year}"


@dataclass(frozen=True)
class ManifestEntry:
    path: str  # relative to the year folder, with "/", e.g. site/2019/issue-1.html
    sha256: str
    size: int


@dataclass(frozen=True)
class Manifest:
    year: str
    taken: dt.date
    dwgk_version: str
    files: tuple[ManifestEntry, ...]  # sorted by path

    @property
    def zip_name(self) -> str:
        return zip_name(self.year)


def entry_for(path: str, data: bytes) -> ManifestEntry:
    return ManifestEntry(path, hashlib.sha256(data).hexdigest(), len(data))


def manifest_json(manifest: Manifest) -> bytes:
    """The manifest as written: fixed key order, one file per line, so that diffs stay readable."""
    head = {
        "format": MANIFEST_FORMAT,
        "year": manifest.year,
        "taken": manifest.taken.isoformat(),
        "dwgk_version": manifest.dwgk_version,
        "zip": manifest.zip_name,
        "covers": f"{SITE_DIR}/（网页）和 {CONTENT_DIR}/（内容源文件）中的全部文件；不含本清单和压缩包",
    }
    lines = ["{"] + [f"  {json.dumps(k)}: {json.dumps(v, ensure_ascii=False)}," for k, v in head.items()]
    lines.append('  "files": [')
    rows = [json.dumps({"path": e.path, "sha256": e.sha256, "size": e.size}, ensure_ascii=False)
            for e in manifest.files]
    lines += [f"    {row}," for row in rows[:-1]] + [f"    {row}" for row in rows[-1:]]
    lines += ["  ]", "}", ""]
    return "\n".join(lines).encode("utf-8")


def parse_manifest(src_path: str, data: bytes, errors: list) -> Manifest | None:
    try:
        root = json.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        errors.append(ContentError(src_path, 1, "归档清单无法读取：不是 UTF-8 文本"))
        return None
    except json.JSONDecodeError as exc:
        errors.append(ContentError(src_path, exc.lineno, f"归档清单无法读取：JSON 格式错误（{exc.msg}）"))
        return None
    try:
        if root["format"] != MANIFEST_FORMAT:
            raise ValueError(f"未知的格式“{root['format']}”")
        files = []
        for row in root["files"]:
            path, sha, size = row["path"], row["sha256"], row["size"]
            if not (_safe_rel_path(path) and re.fullmatch(r"[0-9a-f]{64}", sha) and type(size) is int):
                raise ValueError(f"文件记录不对：{json.dumps(row, ensure_ascii=False)}")
            files.append(ManifestEntry(path, sha, size))
        manifest = Manifest(str(root["year"]), dt.date.fromisoformat(root["taken"]),
                            str(root["dwgk_version"]), tuple(sorted(files, key=lambda e: e.path)))
    except KeyError as exc:
        errors.append(ContentError(src_path, 1, f"归档清单格式不对：缺少“{exc.args[0]}”"))
        return None
    except (TypeError, ValueError, AttributeError) as exc:
        errors.append(ContentError(src_path, 1, f"归档清单格式不对：{exc}"))
        return None
    return manifest


def _safe_rel_path(path) -> bool:
    if not isinstance(path, str) or "\\" in path or "\x00" in path or path.startswith("/"):
        return False
    parts = path.split("/")
    return parts[0] in (SITE_DIR, CONTENT_DIR) and len(parts) > 1 and all(p not in ("", ".", "..") for p in parts)


def list_years(archive_dir: str) -> list[str]:
    """The year folders in the archive folder, oldest first; an absent folder has none."""
    try:
        names = os.listdir(archive_dir)
    except OSError:
        return []
    return sorted(n for n in names if YEAR.fullmatch(n) and os.path.isdir(os.path.join(archive_dir, n)))


@dataclass(frozen=True)
class Checked:
    """One year folder read and compared with its manifest."""

    manifest: Manifest | None
    files: dict  # manifest path -> bytes, for the files that match the manifest
    zip_data: bytes | None
    problems: tuple[ContentError, ...]  # missing or altered files, a bad manifest or zip
    added: tuple[ContentError, ...]  # files the manifest does not list

    @property
    def ok(self) -> bool:
        return not self.problems and not self.added


def check_snapshot(archive_dir: str, year: str) -> Checked:
    """Compare archive_dir/year with its manifest, and its zip with both; read-only."""
    folder = os.path.join(archive_dir, year)
    shown = lambda rel: display_path(os.path.join(folder, rel))  # noqa: E731
    problems: list[ContentError] = []
    manifest_data = _read(os.path.join(folder, MANIFEST_NAME))
    if manifest_data is None:
        problems.append(ContentError(shown(MANIFEST_NAME), 1, "缺少归档清单 manifest.json，无法校验此年度的归档"))
        return Checked(None, {}, None, tuple(problems), ())
    manifest = parse_manifest(shown(MANIFEST_NAME), manifest_data, problems)
    if manifest is None:
        return Checked(None, {}, None, tuple(problems), ())
    if manifest.year != year:
        problems.append(ContentError(shown(MANIFEST_NAME), 1,
                                     f"归档清单中的年度“{manifest.year}”与文件夹名“{year}”不符"))
    files = {}
    for entry in manifest.files:
        data = _read(os.path.join(folder, *entry.path.split("/")))
        if data is None:
            problems.append(ContentError(shown(entry.path), 1, "归档文件缺失：归档清单中有此文件，文件夹中没有"))
        elif entry_for(entry.path, data) != entry:
            problems.append(ContentError(shown(entry.path), 1, "归档文件已被改动：内容与归档清单记录的 SHA-256 不符"))
        else:
            files[entry.path] = data
    listed = {e.path for e in manifest.files} | {MANIFEST_NAME, manifest.zip_name}
    added = [ContentError(shown(rel), 1, "多出的文件：不在归档清单中")
             for rel in _walk(folder) if rel not in listed]
    zip_data = _read(os.path.join(folder, manifest.zip_name))
    if zip_data is None:
        problems.append(ContentError(shown(manifest.zip_name), 1, "归档压缩包缺失"))
    else:
        problems += check_zip(shown(manifest.zip_name), zip_data, manifest, manifest_data)
    return Checked(manifest, files, zip_data, tuple(sorted(problems)), tuple(sorted(added)))


def check_zip(src_path: str, data: bytes, manifest: Manifest, manifest_data: bytes) -> list[ContentError]:
    """The zip must unpack to exactly the manifest and the files it lists, byte for byte."""
    root = zip_root(manifest.year) + "/"
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = {}
            for info in archive.infolist():
                if not info.is_dir():
                    members[info.filename] = archive.read(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError):
        return [ContentError(src_path, 1, "归档压缩包已损坏，无法打开")]
    problems = []
    expected = {root + e.path: e for e in manifest.files}
    for name in sorted(set(expected) | set(members) | {root + MANIFEST_NAME}):
        if name not in members:
            problems.append(ContentError(src_path, 1, f"压缩包中缺少 {name}"))
        elif name == root + MANIFEST_NAME:
            if members[name] != manifest_data:
                problems.append(ContentError(src_path, 1, f"压缩包中的 {name} 与文件夹中的归档清单不一致"))
        elif name not in expected:
            problems.append(ContentError(src_path, 1, f"压缩包中多出 {name}：不在归档清单中"))
        elif entry_for(expected[name].path, members[name]) != expected[name]:
            problems.append(ContentError(src_path, 1, f"压缩包中的 {name} 已被改动：与归档清单记录的 SHA-256 不符"))
    return problems


def read_snapshots(archive_dir: str, errors: list) -> tuple[Snapshot, ...]:
    """Every snapshot to publish, newest year first. A missing or altered file is an error (it would
    publish a snapshot that is no longer what was archived); a file merely added is left out."""
    snapshots = []
    for year in reversed(list_years(archive_dir)):
        checked = check_snapshot(archive_dir, year)
        errors.extend(checked.problems)
        if checked.problems:
            continue
        manifest = checked.manifest
        prefix = SITE_DIR + "/"
        site_files = tuple(OutputFile(path[len(prefix):], data)
                           for path, data in sorted(checked.files.items()) if path.startswith(prefix))
        snapshots.append(Snapshot(year, manifest.taken, manifest.dwgk_version, site_files,
                                  manifest.zip_name, checked.zip_data))
    return tuple(snapshots)


def _walk(folder: str) -> list[str]:
    """Every file below folder, relative, with "/" (hidden files too: an archive holds nothing unlisted)."""
    found = []
    for dirpath, dirnames, filenames in os.walk(folder):
        dirnames.sort()
        for name in sorted(filenames):
            found.append(os.path.relpath(os.path.join(dirpath, name), folder).replace(os.sep, "/"))
        for name in dirnames:  # a link to a folder is not walked into: name it
            if os.path.islink(os.path.join(dirpath, name)):
                found.append(os.path.relpath(os.path.join(dirpath, name), folder).replace(os.sep, "/"))
    return found

