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
import stat
import zipfile
from dataclasses import dataclass

from .content import display_path, shown_path, stat_key
from .model import ARCHIVED_ALTERED, ARCHIVED_MISSING, ArchivedFile, ContentError, Snapshot
from .output import _read

MANIFEST_NAME = "manifest.json"
MANIFEST_FORMAT = "dwgk-archive/1"
SITE_DIR = "site"
CONTENT_DIR = "content"
YEAR = re.compile(r"[12][0-9]{3}")
_SHA256 = re.compile(r"[0-9a-f]{64}")


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
            if not (_safe_rel_path(path) and type(sha) is str and _SHA256.fullmatch(sha) and type(size) is int):
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
    files: dict  # manifest path -> its Verified, for the files that match the manifest
    zip_file: Verified | None  # the zip, when it matches the manifest
    problems: tuple[ContentError, ...]  # missing or altered files, a bad manifest or zip
    added: tuple[ContentError, ...]  # files the manifest does not list
    manifest_file: Verified | None = None  # the manifest file, with what it parsed into

    @property
    def ok(self) -> bool:
        return not self.problems and not self.added


@dataclass(frozen=True)
class Verified:
    """A file found as it should be: when it was checked, its stat_key, and its bytes' SHA-256."""

    stat_key: tuple
    sha256: str
    size: int
    # For the zip: the SHA-256 of the manifest it was checked against (it is checked as a whole).
    against: str = ""
    manifest: Manifest | None = None  # for manifest.json: what it parsed into


def check_snapshot(archive_dir: str, year: str, known: dict | None = None, published_only: bool = False) -> Checked:
    """Compare archive_dir/year with its manifest, and its zip with both; read-only.

    known: "YEAR/path" -> Verified, from an earlier check (the build cache): a file whose stat_key
    is still the one recorded is not read again, the rule content files follow. published_only:
    only what a build publishes (site/ and the zip), and no search for files the manifest does not
    list; `archive --verify` checks everything.
    """
    known = {} if known is None else known
    folder = os.path.join(archive_dir, year)
    shown = lambda rel: display_path(os.path.join(folder, rel))  # noqa: E731
    problems: list[ContentError] = []
    manifest_path = os.path.join(folder, MANIFEST_NAME)
    manifest_file = known.get(f"{year}/{MANIFEST_NAME}")
    st = _lstat(manifest_path)
    if st is not None and manifest_file is not None and manifest_file.stat_key == stat_key(st):
        manifest, manifest_data = manifest_file.manifest, None  # parsed when last found so
    else:
        manifest_data = _read(manifest_path)
        if manifest_data is None:
            problems.append(ContentError(shown(MANIFEST_NAME), 1, "缺少归档清单 manifest.json，无法校验此年度的归档"))
            return Checked(None, {}, None, tuple(problems), ())
        manifest = parse_manifest(shown(MANIFEST_NAME), manifest_data, problems)
        if manifest is None:
            return Checked(None, {}, None, tuple(problems), ())
        manifest_file = Verified(stat_key(st), hashlib.sha256(manifest_data).hexdigest(), len(manifest_data),
                                 manifest=manifest) if st is not None else None
    if manifest.year != year:
        problems.append(ContentError(shown(MANIFEST_NAME), 1,
                                     f"归档清单中的年度“{manifest.year}”与文件夹名“{year}”不符"))
    files = {}
    for entry in manifest.files:
        if published_only and not entry.path.startswith(SITE_DIR + "/"):
            continue
        cached = known.get(f"{year}/{entry.path}")
        if cached is not None and (cached.sha256, cached.size) != (entry.sha256, entry.size):
            cached = None  # the manifest says otherwise now: read the file
        found = _verify(_disk_path(folder, entry.path), cached,
                        lambda data, sha, entry=entry: (sha, len(data)) == (entry.sha256, entry.size))
        if found is None:
            problems.append(ContentError(shown(entry.path), 1, ARCHIVED_MISSING))
        elif found is False:
            problems.append(ContentError(shown(entry.path), 1, ARCHIVED_ALTERED))
        else:
            files[entry.path] = found
    added = []
    if not published_only:
        listed = {e.path for e in manifest.files} | {MANIFEST_NAME, manifest.zip_name}
        added = [ContentError(shown(rel), 1, "多出的文件：不在归档清单中")
                 for rel in _walk(folder) if rel not in listed]
    # The zip is checked as a whole against the manifest: known only for these manifest bytes.
    against = manifest_file.sha256 if manifest_file is not None else ""
    zip_problems: list[ContentError] = []

    def zip_ok(data: bytes, _sha: str) -> bool:
        listed = manifest_data if manifest_data is not None else _read(manifest_path) or b""
        zip_problems.extend(check_zip(shown(manifest.zip_name), data, manifest, listed))
        return not zip_problems

    cached = known.get(f"{year}/{manifest.zip_name}")
    zip_file = _verify(os.path.join(folder, manifest.zip_name), cached if cached and cached.against == against else None,
                       zip_ok, against)
    if zip_file is None:
        problems.append(ContentError(shown(manifest.zip_name), 1, "归档压缩包缺失"))
    elif zip_file is False:
        problems += zip_problems
        zip_file = None
    return Checked(manifest, files, zip_file, tuple(sorted(problems)), tuple(sorted(added)), manifest_file)


def _lstat(path: str) -> os.stat_result | None:
    try:
        return os.lstat(path)
    except OSError:
        return None


def _verify(path: str, known, check, against: str = "") -> Verified | bool | None:
    """The file as Verified when `check(bytes, sha256)` passes (or it is unchanged since `known`),
    False when it fails, None when there is no such file."""
    st = _lstat(path)
    if st is None or not stat.S_ISREG(st.st_mode):
        return None
    key = stat_key(st)
    if known is not None and known.stat_key == key:
        return known
    data = _read(path)
    if data is None:
        return None
    sha = hashlib.sha256(data).hexdigest()
    if not check(data, sha):
        return False
    return Verified(key, sha, len(data), against)


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


def read_snapshots(archive_dir: str, errors: list, known: dict | None = None,
                   verified: dict | None = None) -> tuple[Snapshot, ...]:
    """Every snapshot to publish, newest year first. A missing or altered file is an error (it would
    publish a snapshot that is no longer what was archived); a file merely added is left out.

    known: as for check_snapshot; verified, if given, receives in the same form what this call
    found as it should be (for the build cache). Only what gets published is checked here (site/
    and the zip): `archive --verify` checks everything.
    """
    snapshots = []
    for year in reversed(list_years(archive_dir)):
        checked = check_snapshot(archive_dir, year, known, published_only=True)
        errors.extend(checked.problems)
        if checked.problems:
            continue
        if verified is not None:
            verified.update((f"{year}/{path}", v) for path, v in checked.files.items())
            verified[f"{year}/{checked.manifest.zip_name}"] = checked.zip_file
            if checked.manifest_file is not None:
                verified[f"{year}/{MANIFEST_NAME}"] = checked.manifest_file
        folder = os.path.join(archive_dir, year)
        shown = display_path(folder)
        prefix = SITE_DIR + "/"
        site_files = tuple(_archived(folder, shown, path, path[len(prefix):], v)
                           for path, v in sorted(checked.files.items()))
        zip_file = _archived(folder, shown, checked.manifest.zip_name, checked.manifest.zip_name, checked.zip_file)
        manifest_sha256 = checked.manifest_file.sha256 if checked.manifest_file is not None else ""
        snapshots.append(Snapshot(year, checked.manifest.taken, checked.manifest.dwgk_version, site_files, zip_file,
                                  manifest_sha256))
    return tuple(snapshots)


def _archived(folder: str, shown: str, rel: str, out_path: str, verified: Verified) -> ArchivedFile:
    """shown: the year folder as display_path shows it (14,000 calls to it took a quarter second)."""
    return ArchivedFile(out_path, verified.sha256, verified.size, _disk_path(folder, rel), shown_path(shown, rel))


def _disk_path(folder: str, rel: str) -> str:
    """os.path.join(folder, *rel.split("/")), at a fraction of the cost (14,000 calls a build)."""
    return folder + os.sep + (rel if os.sep == "/" else rel.replace("/", os.sep))


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

