"""The build cache: what the last build read, parsed, rendered and wrote, so that a rebuild parses
only the files and renders only the notices that changed.

It lives in one folder (by default .dwgk-cache/ beside the output folder), one subfolder per
(content, layouts, output) combination, and is safe to delete at any time. Nothing in it is trusted
blindly: every file carries a checksum, parsed results carry the fingerprint of dwgk's code and
libraries, and a notice's rendered pages are known by a key that covers its files, the settings,
the templates and the code; the site-wide pages by one that covers every notice's summary instead
of its files (see plan_site). Whatever does not match is ignored and the work done again.

When a file counts as unchanged (also in README, "生成缓存"):
  * a content file whose size, modification time, change time and inode are what the last build
    recorded is not read again; files changed less than RACY_NS before that build started are not
    recorded, so an edit in the same clock tick as the build is never missed;
  * a generated file whose size, times and inode are what dwgk recorded after writing it is not
    read back: dwgk knows its digest. Anything else is read and compared.
"""

from __future__ import annotations

import contextlib
import hashlib
import marshal
import os
import pickle
import secrets
import shutil
import sys
import time
from dataclasses import dataclass, field, replace

from . import content
from .content import SourceFile, display_path, parse_folder, read_data, read_sources, relist_sources, stat_key
from .model import Notice, summarize
from .output import CACHE_DIR, MANIFEST, read_manifest, stat_target
from .search import BUCKETS
from .snapshots import read_snapshots

BESIDE_OUTPUT = ""  # cache_dir meaning CACHE_DIR in the folder that holds the output folder
SITE_UNIT = "/"  # the unit of site-wide pages (home, contact, 404, assets, sitemap, feed); never a folder name
ARCHIVE_UNIT = "//archive"  # the unit of the published yearly snapshots
SEARCH_UNIT = "//search"  # the unit of the search index's shards (made from every notice's SearchPart)
NOT_NOTICES = (SITE_UNIT, ARCHIVE_UNIT, SEARCH_UNIT)
DECLARED_PACK = "//declared"  # the parsed files of 单位/ and 轮次/
RACY_NS = 2_000_000_000  # files younger than this (at build start) are re-read next time
_MAGIC = b"dwgk build cache 1\n"
_LIBRARIES = ("jinja2", "markupsafe", "markdown", "yaml")
_KINDS = ("parsed", "notices", "summaries", "links", "search")  # the subfolders of CacheStore.save

try:
    import fcntl
except ImportError:  # pragma: no cover - not POSIX
    fcntl = None


def code_fingerprint() -> str:
    """dwgk's own source, the Python version and the installed libraries (by their files)."""
    h = hashlib.sha256(_MAGIC + sys.version.encode())
    here = os.path.dirname(os.path.abspath(__file__))
    for name in sorted(os.listdir(here)):
        if name.endswith(".py"):
            with open(os.path.join(here, name), "rb") as f:
                h.update(name.encode() + b"\0" + f.read())
    import importlib.util  # noqa: PLC0415 - only here, where it is needed
    for lib in _LIBRARIES:
        spec = importlib.util.find_spec(lib)
        origin = spec.origin if spec and spec.origin else ""
        st = os.stat(origin) if origin else None
        h.update(f"{lib}\0{origin}\0{st and (st.st_size, st.st_mtime_ns, st.st_ino)}\n".encode())
    return h.hexdigest()


def layouts_fingerprint(layouts_dir: str) -> str:
    """Every file below the layouts folder (templates and assets), by path and bytes."""
    h = hashlib.sha256(os.path.abspath(layouts_dir).encode())
    for dirpath, dirnames, filenames in os.walk(layouts_dir):
        dirnames.sort()
        for name in sorted(filenames):
            full = os.path.join(dirpath, name)
            h.update(os.path.relpath(full, layouts_dir).encode() + b"\0")
            with open(full, "rb") as f:
                h.update(hashlib.sha256(f.read()).digest())
    return h.hexdigest()


@dataclass(frozen=True)
class Plan:
    """What a build must do, decided from the listing of the content folder and the cache."""

    keys: dict  # unit name -> key: a digest of everything its files are made from
    render: frozenset  # units whose files must be rendered (their key changed or their files did)
    manifest_ok: bool  # the output folder's manifest is the one the last build wrote
    recheck_links: bool = False  # a kept file that links led to is gone: check every page's links
    shared: str = ""  # digest of what every page may show besides its own notice
    summaries: dict = field(default_factory=dict)  # notice -> digest of its summary, where known
    site_pending: bool = False  # whether the site-wide pages change is known only once the
    #                             notices to render are parsed (their summaries): see plan_site
    site_dirty: bool = False  # the site-wide pages are rendered whatever the summaries


class CacheMemory:
    """What a process that builds again and again (the preview) keeps in memory between builds;
    each build of the command line has a fresh one."""

    def __init__(self):
        # Objects loaded from the cache folder, by path, with the file's header (which holds the
        # checksum of the rest): taken from here instead of being read and unpickled again.
        self.loaded: dict[str, tuple[bytes, object]] = {}
        # archive folder -> (snapshots, what was verified for them), as last found.
        self.snapshots: dict[str, tuple] = {}
        # content folder -> its listing (content.SourceFile) by the last build
        self.sources: dict[str, list] = {}


class CacheStore:
    """The one folder the layers share: checksummed files (_save, _load) marked with dwgk's code
    fingerprint, the state record each layer keeps its part of, and the lock that lets one build
    at a time use it. Used as a context manager: on leaving, each layer records its part
    (`closing`) and the state is saved if it changed, whether or not the build succeeded."""

    def __init__(self, folder: str, memory: CacheMemory | None = None):
        self.folder = folder
        self.memory = memory if memory is not None else CacheMemory()
        self.started_ns = time.time_ns()
        self.code_fp = code_fingerprint()
        # The state does not carry the code fingerprint: what a file's stat_key says of its bytes
        # holds whatever the code.
        state = self.read_file("state", marshal.loads, check="")
        self._state = state if isinstance(state, dict) else {}  # as the last build saved it
        self.closing: list = []  # each layer's close(exc_type), called on leaving, in order
        self._parts: dict = {}  # the parts of the state the layers own: saved again
        self._lock = None

    def read_file(self, name: str, loads=pickle.loads, check: str | None = None):
        """_load with this build's code fingerprint and memory."""
        return _load(os.path.join(self.folder, name), loads, self.code_fp if check is None else check,
                     self.memory.loaded)

    def write_file(self, name: str, obj) -> None:
        _save(os.path.join(self.folder, name), obj, pickle.dumps, check=self.code_fp)

    def load(self, kind: str, key: str):
        """The object saved for this key in the kind's subfolder (parsed, notices, …), or None."""
        return self.read_file(self._name(kind, key))

    def save(self, kind: str, key: str, obj) -> None:
        self.write_file(self._name(kind, key), obj)

    def part(self, name: str, default):
        """A layer's part of the state as the last build saved it (the layer owns it from now on)."""
        self._parts[name] = self._state.get(name, default)
        return self._parts[name]

    def keep(self, name: str, value) -> None:
        """A layer's part of the state, saved when the build ends."""
        self._parts[name] = value

    def settled(self, stat_key: tuple) -> bool:
        """Changed long enough before this build started to be trusted by its stat (RACY_NS)."""
        return max(stat_key[1], stat_key[2]) < self.started_ns - RACY_NS

    def prune(self, keys: set) -> None:
        """Forget what was saved under any other key (of folders renamed or deleted)."""
        keep = {self._name("", key) for key in keys}
        for kind in _KINDS:
            for name in os.listdir(os.path.join(self.folder, kind)):
                if name not in keep:
                    os.remove(os.path.join(self.folder, kind, name))

    @staticmethod
    def _name(kind: str, key: str) -> str:
        return os.path.join(kind, hashlib.sha256(key.encode()).hexdigest()[:24])

    def __getstate__(self):
        """What a spawned worker gets (parallel.run_spawned): everything but the lock, which
        stays with the build that holds it, and what the layers do when the build ends."""
        return {**self.__dict__, "_lock": None, "memory": CacheMemory(), "closing": [], "_state": {}, "_parts": {}}

    def __enter__(self):
        if fcntl is not None:  # one build at a time per output folder
            self._lock = open(os.path.join(self.folder, "lock"), "wb")
            fcntl.flock(self._lock, fcntl.LOCK_EX)
            for name in os.listdir(self.folder):  # what a build killed while saving left (see _save)
                if name.endswith(".tmp"):
                    with contextlib.suppress(OSError):
                        os.remove(os.path.join(self.folder, name))
        return self

    def __exit__(self, exc_type, *exc):
        try:
            for close in self.closing:
                close(exc_type)
            if self._parts != self._state:  # parts no layer owns (of older code) are dropped
                _save(os.path.join(self.folder, "state"), self._parts, marshal.dumps)
        finally:
            self.closing = []  # the layers hold the store: no cycle keeps what they loaded alive
            if self._lock is not None:
                self._lock.close()


class SourceIndex:
    """The layer of read_site: each content and archived file's stat_key and digest as last read,
    so that a file whose stat_key is unchanged is not read again (see the module docstring)."""

    def __init__(self, store: CacheStore, paths):
        self.store, self.paths = store, paths
        self.known_files = store.part("files", {})  # rel_path -> (stat_key, digest)
        # The yearly archives' files as last found matching their manifests (snapshots.Verified).
        known = store.read_file("archive")
        self.archive_known = known if isinstance(known, dict) else {}
        self.archive_verified: dict = {}
        self.archive_read = False  # whether this build looked at the archive folder
        self.sources: list[SourceFile] = []
        store.closing.append(self.close)

    def read_sources(self, changed: list[str] | None = None) -> list[SourceFile]:
        """content.read_sources, reading only the files whose stat_key changed.

        changed: every path that changed since this process last built (the preview's watcher
        knows them); then only those files are looked at again, if the folder's listing from that
        build is in memory and no file came or went."""
        where = os.path.abspath(self.paths.content_dir)
        listed = self.store.memory.sources.get(where) if changed is not None else None
        sources = relist_sources(self.paths.content_dir, listed, changed, self.known_files) if listed else None
        if sources is None:
            sources = read_sources(self.paths.content_dir, self.known_files, keep_data=False)
        self.sources = self.store.memory.sources[where] = sources
        return sources

    def read_snapshots(self, errors: list, unchanged: bool = False) -> tuple:
        """snapshots.read_snapshots, reading only the archived files whose stat_key changed.

        unchanged: nothing in the archive folder changed since the last call in this process (the
        caller knows it): the snapshots found then, if they had no errors, without a look at the
        files (each year at 10,000 issues is 14,000 of them)."""
        self.archive_read = True
        where = os.path.abspath(self.paths.archive_dir)
        last = self.store.memory.snapshots.get(where)
        if unchanged and last is not None:
            snapshots, verified = last
            self.archive_verified.update(verified)
            return snapshots
        snapshots = read_snapshots(self.paths.archive_dir, errors, self.archive_known, self.archive_verified)
        if errors:
            self.store.memory.snapshots.pop(where, None)
        else:
            self.store.memory.snapshots[where] = (snapshots, dict(self.archive_verified))
        return snapshots

    def close(self, exc_type) -> None:
        """Record what this build read, whether or not it succeeded; not files changed just now."""
        settled = self.store.settled
        self.store.keep("files", {s.rel_path: (s.stat_key, s.digest) for s in self.sources
                                  if s.digest and settled(s.stat_key)})
        archive = {k: v for k, v in self.archive_verified.items() if settled(v.stat_key)}
        if self.archive_read and archive != self.archive_known:
            self.store.write_file("archive", archive)


class ParseMemo:
    """The layer of parse_site: each content file's content.Parsed by its bytes, and each notice
    as assembled from exactly its files, with its summary (model.summarize)."""

    def __init__(self, store: CacheStore, content_dir: str):
        self.store, self.content_dir = store, content_dir

    def parse_folder(self, key: str, files: list[SourceFile], errors: list):
        """content.parse_folder, with each file's Parsed taken from the memo when its bytes match."""
        pack = self._load_pack(key)
        fresh: dict = {}

        def parse(source: SourceFile):
            entry = pack.get(source.rel_path)
            if entry is not None and entry[:2] == (source.src_path, source.digest):
                fresh[source.rel_path] = entry
                return entry[2]
            parsed = content.parse_file(read_data(self.content_dir, source))
            fresh[source.rel_path] = (source.src_path, source.digest, parsed)
            return parsed

        result = parse_folder(self.content_dir, key, files, errors, parse)
        if fresh != pack:
            self.store.save("parsed", key, fresh)
        return result

    def parse_settings(self, source: SourceFile):
        """The settings file's Parsed, kept like any other file (in the pack of the top folder)."""
        return self._parse_one("", source, keep_others=False)

    def parse_declared(self, source: SourceFile):
        """A unit or round file's Parsed, kept like any other file (in one pack for them all)."""
        return self._parse_one(DECLARED_PACK, source, keep_others=True)

    def _parse_one(self, key: str, source: SourceFile, keep_others: bool):
        pack = self._load_pack(key)
        entry = pack.get(source.rel_path)
        if entry is not None and entry[:2] == (source.src_path, source.digest):
            return entry[2]
        parsed = content.parse_file(read_data(self.content_dir, source))
        entry = {source.rel_path: (source.src_path, source.digest, parsed)}
        self.store.save("parsed", key, {**pack, **entry} if keep_others else entry)
        return parsed

    def _load_pack(self, key: str) -> dict:
        pack = self.store.load("parsed", key)
        return pack if isinstance(pack, dict) else {}

    def load_notice(self, key: str, files: list[SourceFile], summary: bool = False) -> tuple[Notice, str] | None:
        """(notice, digest of its summary) as assembled by an earlier build from exactly these
        files, if any; with summary, preferably the summary without its texts (model.summarize).

        Only folders that assembled without a single error are kept, so an error is never skipped.
        """
        for kind in ("summaries", "notices") if summary else ("notices",):
            entry = self.store.load(kind, key)
            if isinstance(entry, tuple) and len(entry) == 3 and entry[0] == _files_key(files):
                return entry[1], entry[2]
        return None

    def save_notice(self, key: str, files: list[SourceFile], notice: Notice) -> str:
        """Keep the notice and its summary; returns the summary's digest (see RenderMemo.plan_site)."""
        summary = summarize(notice)
        digest = summary_digest(summary)
        self.store.save("notices", key, (_files_key(files), notice, digest))
        self.store.save("summaries", key, (_files_key(files), summary, digest))
        return digest


def plan_everything(folders: dict, snapshots: tuple) -> Plan:
    """The plan of a build without the cache: every unit rendered."""
    archive = [ARCHIVE_UNIT] if snapshots else []
    return Plan({}, frozenset([SITE_UNIT, SEARCH_UNIT, *archive, *folders]), False)


class RenderMemo:
    """The layer that plans the rendering: the key each unit's files were last rendered with (a
    digest of everything they are made from), and each notice's summary digest, so that only the
    units whose key changed, or whose files in the output folder did, are rendered again."""

    def __init__(self, store: CacheStore, paths):
        self.store, self.paths = store, paths
        self.keys = store.part("unit_keys", {})  # unit -> key its files were rendered with
        self.summary_digests = store.part("summaries", {})  # notice -> digest of its summary
        self.templates_dir = os.path.join(store.folder, "templates")  # compiled by Jinja
        self.render_fp = ""

    def plan(self, settings_source: SourceFile | None, folders: dict[str, list[SourceFile]],
             base_url: str | None, snapshots: tuple, declared: list[SourceFile],
             record: WrittenRecord, links: LinkMemo) -> Plan:
        # Paths as shown in messages and in the model (src_path) depend on the working folder.
        self.render_fp = _digest(self.store.code_fp, layouts_fingerprint(self.paths.layouts_dir),
                                 display_path(self.paths.layouts_dir), display_path(self.paths.content_dir))
        # What every page may show besides its own notice: the settings, the yearly archives and
        # the declared units and rounds (a notice's pages show its unit's contact and names).
        archived = _snapshots_digest(snapshots)
        shared = _digest(settings_source.digest if settings_source else "", base_url or "", archived,
                         *(f"{s.rel_path}\0{s.digest}" for s in declared))
        keys = {name: _digest(self.render_fp, name, shared, *(f"{s.rel_path}\0{s.digest}" for s in files))
                for name, files in folders.items()}
        # The search index changes with any notice, and only then (or with the settings).
        keys[SEARCH_UNIT] = _digest(self.render_fp, SEARCH_UNIT, shared, *(f"{n}\0{keys[n]}" for n in sorted(folders)))
        if snapshots:
            keys[ARCHIVE_UNIT] = _digest(self.store.code_fp, ARCHIVE_UNIT, archived)
        render = {name for name, key in keys.items() if self.keys.get(name) != key or not record.unit_intact(name)}
        recheck = not links.kept_links_intact()
        summaries = {name: self.summary_digests.get(name) for name in folders if name not in render}
        # The site's report of broken links names content files: it needs every notice, as the
        # site-wide pages do.
        dirty = recheck or not record.unit_intact(SITE_UNIT)
        plan = Plan(keys, frozenset(render), record.manifest_intact(), recheck, shared, summaries, True, dirty)
        return plan if any(name in render for name in folders) else self.plan_site(plan, {})

    def plan_site(self, plan: Plan, parsed: dict) -> Plan:
        """The plan with the site-wide pages decided: parsed holds the summary digests of notices
        parsed or loaded since `plan` (their pages may change without their summary changing).

        The site-wide pages are made from notice summaries (everything but the texts), so they are
        rendered again only when a summary changed, or a notice came or went (a template that
        asks a summary for a text is a template error: see render._Undefined). Whether their
        files are still as written is in plan.site_dirty.
        """
        summaries = {**plan.summaries, **parsed}
        key = self.site_key(plan, summaries)
        notices = [name for name in plan.keys if name not in NOT_NOTICES]
        dirty = (plan.site_dirty or any(summaries.get(name) is None for name in notices)
                 or self.keys.get(SITE_UNIT) != key)
        return replace(plan, keys={**plan.keys, SITE_UNIT: key}, render=plan.render | ({SITE_UNIT} if dirty else set()),
                       summaries=summaries, site_pending=False)

    def site_key(self, plan: Plan, summaries: dict) -> str:
        notices = sorted(name for name in plan.keys if name not in NOT_NOTICES)
        parts = [f"{name}\0{summaries.get(name)}" for name in notices]
        return _digest(self.render_fp, SITE_UNIT, plan.shared, *parts)

    def committed(self, plan: Plan, rendered) -> None:
        """The site of this plan was written, its `rendered` units rendered with their keys."""
        keys = {name: key for name, key in self.keys.items() if name in plan.keys}
        keys.update((name, plan.keys[name]) for name in rendered)
        if set(keys) != set(self.keys):  # a folder came or went: forget what is kept of those gone
            shards = (f"//shard/{n}" for n in range(BUCKETS))
            self.store.prune({"", DECLARED_PACK, *NOT_NOTICES, *plan.keys, *shards})
        self.keys = keys
        self.summary_digests = {k: v for k, v in plan.summaries.items() if v is not None}
        self.store.keep("unit_keys", keys)
        self.store.keep("summaries", self.summary_digests)


class LinkMemo:
    """The layer of the link check: each page's links and anchors by its digest, and what the
    links of the site last written led to, so that only the pages that changed are checked."""

    def __init__(self, store: CacheStore, output_dir: str):
        self.store, self.output_dir = store, output_dir
        generated, kept = store.part("links", ("", ()))
        self.links_generated = generated  # digest of the generated files' paths (digest_paths)
        self.links_kept = set(kept)  # kept (not generated) files the links of that site led to
        self._checked = (generated, tuple(kept))

    def load_links(self, unit: str) -> dict:
        """out_path -> (digest, links, anchors) of the unit's pages, as last checked."""
        links = self.store.load("links", unit)
        return links if isinstance(links, dict) else {}

    def save_links(self, unit: str, scans: dict) -> None:
        self.store.save("links", unit, scans)

    def kept_links_intact(self) -> bool:
        """Every kept (not generated) file that links led to when the site was written is still there."""
        output_dir = self.output_dir
        return all(os.path.isfile(os.path.join(output_dir, p)) and not os.path.islink(os.path.join(output_dir, p))
                   for p in self.links_kept)

    @staticmethod
    def digest_paths(paths) -> str:
        return _digest(*sorted(paths))

    def links_checked(self, generated, kept: set) -> None:
        """The links of the site about to be written are all fine (recorded when it is written)."""
        self._checked = (self.digest_paths(generated), tuple(sorted(kept)))

    def committed(self) -> None:
        self.links_generated, self.links_kept = self._checked[0], set(self._checked[1])
        self.store.keep("links", self._checked)


class WrittenRecord:
    """The layer of the writer: what the last build wrote into the output folder, each file's
    digest and stat_key, by unit, so that a file still as written is neither read back nor
    written again; and the spare folder of the swapping writer (output.open_staging)."""

    def __init__(self, store: CacheStore, output_dir: str):
        self.store, self.output_dir = store, output_dir
        self.outputs = store.part("outputs", {})  # unit -> out_paths of its files
        self.written = store.part("written", {})  # out_path -> (digest, stat_key)
        self.manifest_stat = store.part("manifest", ())
        self.base_url = store.part("base_url", "")  # the base URL the last written site was built with
        self.spare_dir = os.path.join(store.folder, "spare")
        self._intact: dict[str, bool] = {}  # unit -> _check_outputs, as found by this build
        self._manifest = None  # written_before, once known
        store.closing.append(self.close)

    def manifest_intact(self) -> bool:
        """The output folder's manifest is the one the last build wrote."""
        return bool(self.manifest_stat) and stat_target(self.output_dir, MANIFEST) == self.manifest_stat

    def unit_intact(self, name: str) -> bool:
        """Every file the unit wrote in the last build is still as written (checked once a build)."""
        if name not in self._intact:
            self._intact[name] = self._check_outputs(name)
        return self._intact[name]

    def _check_outputs(self, name: str) -> bool:
        paths = self.outputs.get(name)
        if paths is None:
            return False
        written, lstat, folder = self.written, os.lstat, os.path.join(self.output_dir, "")
        for out_path in paths:  # every file of the site on a rebuild: kept to one lstat each
            expected = written.get(out_path)
            try:
                st = lstat(folder + out_path)
            except OSError:
                return False
            if expected is None or stat_key(st) != expected[1]:
                return False
        return True

    def written_before(self, plan: Plan) -> frozenset:
        """The files the output folder's manifest lists: known without reading it when it is the
        one the last build wrote."""
        if self._manifest is None:  # the lock of writing_into keeps the manifest as it is during the build
            self._manifest = (frozenset(p for paths in self.outputs.values() for p in paths) if plan.manifest_ok
                              else read_manifest(self.output_dir))
        return self._manifest

    def unit_outputs(self, names) -> list[str]:
        return [p for name in names if name in self.outputs for p in self.outputs[name]]

    def committed(self, plan: Plan, outputs: dict, base_url: str) -> None:
        """The build wrote the site: outputs is unit -> {out_path: (digest, stat_key)} for the
        units it rendered; the other units of the plan kept what they had."""
        # New dicts, never updated in place: the loaded ones may be shared with CacheMemory.loaded.
        units = {name: paths for name, paths in self.outputs.items() if name in plan.keys}
        written = dict(self.written)
        for name, files in outputs.items():
            units[name] = tuple(sorted(files))
            written.update(files)
        current = {p for paths in units.values() for p in paths}
        self.outputs = units
        self.written = {p: rec for p, rec in written.items() if p in current}
        self.manifest_stat = stat_target(self.output_dir, MANIFEST) or ()
        self.base_url = base_url
        for name, value in (("outputs", self.outputs), ("written", self.written), ("manifest", self.manifest_stat),
                            ("base_url", base_url)):
            self.store.keep(name, value)

    def close(self, exc_type) -> None:
        if exc_type is not None and issubclass(exc_type, OSError):
            # A full disk, most likely: the spare copies of the pages only save time, and
            # those this build made are the space the next build needs.
            shutil.rmtree(self.spare_dir, ignore_errors=True)


class SearchMemo:
    """The layer of the search index (pipeline._search_index): each notice's search.SearchPart,
    each postings shard's sections and the state of the index as last made (by a build that
    wrote it, or by one that failed or stopped after making it: see pipeline._search_index).

    Each build marks what it saves with a token of its own, and the state names the token of
    every shard's sections: sections the state does not name (saved by a build that stopped
    before saving the state) are never used."""

    def __init__(self, store: CacheStore):
        self.store = store
        self.folder = store.folder
        self.token = secrets.token_hex(8)  # this build's; forked and spawned workers share it

    def load_search_part(self, key: str, unit_key: str | None):
        """The notice's search.SearchPart as made with this unit key, if kept."""
        if unit_key is None:
            return None
        entry = self.store.load("search", key)
        ok = isinstance(entry, tuple) and len(entry) == 2 and entry[0] == unit_key
        return entry[1] if ok else None

    def save_search_part(self, key: str, unit_key: str | None, part) -> None:
        if unit_key is not None:
            self.store.save("search", key, (unit_key, part))

    def load_search_shard(self, number: int, token: str):
        """{part key: its section} of a postings shard, as the build with this token made it."""
        found = self.store.load("search", _shard(number))
        ok = isinstance(found, tuple) and len(found) == 2 and found[0] == token and isinstance(found[1], dict)
        return found[1] if ok else None

    def save_search_shard(self, number: int, sections: dict) -> None:
        self.store.save("search", _shard(number), (self.token, sections))

    def load_search_state(self):
        found = self.store.load("search", _state())
        return found if isinstance(found, dict) else None

    def save_search_state(self, state: dict) -> None:
        self.store.save("search", _state(), state)


class NoSearchMemo:
    """The search memo of a build without the cache: keeps nothing, finds nothing."""

    folder = None

    def load_search_part(self, key: str, unit_key: str | None):
        return None

    def save_search_part(self, key: str, unit_key: str | None, part) -> None:
        pass

    def load_search_shard(self, number: int, token: str):
        return None

    def save_search_shard(self, number: int, sections: dict) -> None:
        pass

    def load_search_state(self):
        return None

    def save_search_state(self, state: dict) -> None:
        pass


def _shard(number: int) -> str:
    return f"//shard/{number}"


def _state() -> str:
    return SEARCH_UNIT


@dataclass(frozen=True)
class Layers:
    """The cache's layers, each used by the stages named: None (or the null search memo) in a
    build without the cache, where every stage does its whole work."""

    sources: SourceIndex | None = None  # read_site
    parsed: ParseMemo | None = None  # parse_site
    rendered: RenderMemo | None = None  # parse_site (the plan), render_units
    links: LinkMemo | None = None  # render_units, check_unit_links
    written: WrittenRecord | None = None  # parse_site (the plan), render_units, write_units
    search: SearchMemo | NoSearchMemo = field(default_factory=NoSearchMemo)  # render_units (the search index)


@contextlib.contextmanager
def open_layers(paths, cache_dir: str | None, memory: CacheMemory | None = None):
    """The layers of the cache for these paths inside cache_dir (BESIDE_OUTPUT: the default one),
    holding its lock; with cache_dir None, no layers (a build from scratch)."""
    if cache_dir is None:
        yield Layers()
        return
    if cache_dir == BESIDE_OUTPUT:
        cache_dir = default_cache_dir(paths.output_dir)
    site_id = _digest(*(os.path.abspath(p) for p in (paths.content_dir, paths.layouts_dir, paths.output_dir)))
    folder = os.path.join(cache_dir, site_id[:16])
    for kind in (*_KINDS, "templates"):
        os.makedirs(os.path.join(folder, kind), exist_ok=True)
    with CacheStore(folder, memory) as store:
        yield Layers(SourceIndex(store, paths), ParseMemo(store, paths.content_dir), RenderMemo(store, paths),
                     LinkMemo(store, paths.output_dir), WrittenRecord(store, paths.output_dir), SearchMemo(store))


def default_cache_dir(output_dir: str) -> str:
    """.dwgk-cache beside the output folder: out of what gets published, and found again next time."""
    return os.path.join(os.path.dirname(os.path.abspath(output_dir)), CACHE_DIR)


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0\0".join(parts).encode("utf-8", "surrogateescape")).hexdigest()


def summary_digest(summary: Notice) -> str:
    """What the site-wide pages can show of a notice, as a digest: equal digests mean equal
    summaries (two equal summaries may, rarely, get different digests: a needless rendering)."""
    return hashlib.sha256(pickle.dumps(summary, protocol=5)).hexdigest()


def _snapshots_digest(snapshots: tuple) -> str:
    """Everything a page can show of the yearly snapshots, bytes included: their manifests list
    every file with its SHA-256 (each file was found to match), else every file is named here."""
    return _digest(*(_digest(s.year, s.taken.isoformat(), s.dwgk_version, s.zip_name, s.zip_file.sha256,
                             *([s.manifest_sha256] if s.manifest_sha256 else
                               (f"{f.out_path}\0{f.sha256}" for f in s.site_files)))
                     for s in snapshots))


def _files_key(files: list[SourceFile]) -> str:
    return _digest(*(f"{s.rel_path}\0{s.src_path}\0{s.digest}" for s in files))


_HEADER = len(_MAGIC) + 64 + 32


def _save(path: str, obj, dumps, check: str = "") -> None:
    """Write magic, fingerprint, checksum, payload: a reader finds the old file, none or the new one.

    The old file is removed before the new one is renamed into its place, not replaced by it: on
    ext4, renaming over a file first writes the new one out to disk (auto_da_alloc), which took
    up to 80 ms for the state of 10,000 issues. A cache file missing for a moment is a cache miss.
    """
    payload = dumps(obj)
    header = _MAGIC + check.encode().ljust(64) + hashlib.sha256(payload).digest()
    tmp = f"{path}.{os.getpid()}.tmp"
    written = False
    try:  # a write that fails (a full disk) leaves nothing behind
        with open(tmp, "wb") as f:
            f.write(header + payload)
        written = True
    finally:
        if not written:
            with contextlib.suppress(OSError):
                os.remove(tmp)
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
    os.rename(tmp, path)


def _load(path: str, loads, check: str = "", memo: dict | None = None):
    """What _save wrote, or None when it is missing, damaged or from other code. memo: path ->
    (header, object) as loaded before (CacheMemory.loaded), kept up to date."""
    memo = {} if memo is None else memo
    try:
        with open(path, "rb") as f:
            header = f.read(_HEADER)
            known = memo.get(path)
            if known is not None and known[0] == header:
                return known[1]
            payload = f.read()
    except OSError:
        return None
    if (len(header) < _HEADER or not header.startswith(_MAGIC)
            or header[len(_MAGIC) : len(_MAGIC) + 64] != check.encode().ljust(64)
            or hashlib.sha256(payload).digest() != header[-32:]):
        return None
    try:
        obj = loads(payload)
    except Exception:  # checksum passed, yet unreadable (e.g. a class that changed): as if missing
        return None
    memo[path] = (header, obj)
    return obj
