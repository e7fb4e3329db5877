"""The site's full-text search index, written by `build` for search.html (assets/search.js reads it).

Chinese has no spaces between words, so the text is indexed by character bigrams: a query of two or
more characters is looked up by its bigrams, and the texts of the pages found are then searched for
the exact query (the bigrams of 八项规定 are also in 八项……规定). The postings say which notices
hold a bigram anywhere in their pages' text, and which pages hold it in their title: the search
page loads the records of the notices found and looks for the query in each of their pages (it
loads them to show the results anyway), and it ranks the pages whose titles hold the query first
without loading anything more. Three kinds of data files, each a script that hands its data to
assets/search.js, so that they load from file:// as from a server:

  assets/search/r-KEY.js   one notice's records (title, status, unit, URL, plain text of its pages),
                           written with the notice's pages: only a changed notice rewrites it
  assets/search/p-N.js     the postings of the bigrams that hash to shard N, in one section per
                           notice; a query loads one shard per bigram
  assets/search/index.js   the notices (title, unit, round, statuses) and the number of shards

A notice's part of the postings (SearchPart) is cached, so that a rebuild after an edit recomputes
one notice's part and writes only the shards whose bytes changed (a new bigram in the notice, or
one it no longer has).
"""

from __future__ import annotations

import html
import json
import os
import re
from array import array
from collections import defaultdict
from dataclasses import dataclass, field, replace
from itertools import accumulate
from json.encoder import encode_basestring

from .content import display_path
from .model import STATUSES, ContentError, Notice, OutputFile, Settings

#: The format of the index this dwgk writes. assets/search.js names the format it reads
#: (FORMAT_MARK); a build with search refuses a script without this one's mark, such as a copy in a
#: site's own layouts made by an older dwgk, which would misread the index (check_search_script).
INDEX_FORMAT = 2
FORMAT_MARK = f"dwgk-search-index-format: {INDEX_FORMAT}"
SCRIPT = "assets/search.js"
OLD_SCRIPT = ("搜索脚本不是本版 dwgk 的，读不懂本版写出的搜索索引（网站上的搜索会出错）：请换成本版 dwgk 自带的 "
              "layouts/assets/search.js（自己改过的地方再改一遍），或在 site.yml 中写“全文搜索: 关闭”")

SEARCH_PAGE = "search.html"
DATA_DIR = "assets/search"
INDEX_FILE = f"{DATA_DIR}/index.js"
SITE_RECORDS = f"{DATA_DIR}/site.js"
BUCKETS = 256  # bigrams hash into this many buckets, the most shards there can be (shard N: B % shards == N)
DOCS_PER_SHARD = 64  # a shard for about this many pages, so that a query loads little at any size

# Letters and digits (as assets/search.js's /[\p{L}\p{N}_]/u): bigrams never span punctuation or
# space. The bigrams of a run of them are those at its even places (_EVEN: matches do not overlap,
# and each run begins afresh) and those at its odd places (_ODD): two searches without a capturing
# group at every place, which are faster than one.
_RUN = re.compile(r"[\w\uFF3F]+")  # with the full-width ＿: fold makes it a letter (_)
_EVEN = re.compile(r"\w\w")
_ODD = re.compile(r"(?<=\w)\w\w")
_BLOCK_TAG = re.compile(r"</?(?:p|li|ul|ol|h[1-6]|br|tr|td|th|table|div|blockquote|pre|hr|dd|dt|dl)\b[^>]*>", re.I)
_TAG = re.compile(r"<[^>]*>")
_SPACE = re.compile(r"\s+")
# Full-width ASCII to ASCII and A-Z to a-z: one character for one, so that a match in the folded
# text is at the same place in the text shown (assets/search.js folds the same way).
_FOLD = {0x3000: 0x20, **{c: c + 32 for c in range(0x41, 0x5B)}}
_FOLD.update((c, _FOLD.get(c - 0xFEE0, c - 0xFEE0)) for c in range(0xFF01, 0xFF5F))


def plain_text(html_text: str) -> str:
    """The text a reader sees of converted Markdown, on one line."""
    text = _TAG.sub("", _BLOCK_TAG.sub(" ", html_text))
    return _SPACE.sub(" ", html.unescape(text)).strip()


_FOLDABLE = re.compile("[A-Z\uFF01-\uFF5E\u3000]+")


def fold(text: str) -> str:
    return _FOLDABLE.sub(lambda m: m[0].translate(_FOLD), text)


def bigrams(text: str) -> set[str]:
    """The character bigrams of the folded text, within runs of letters and digits."""
    return _folded_bigrams(fold(text))


def _folded_bigrams(text: str) -> set[str]:
    found = set(_EVEN.findall(text))
    found.update(_ODD.findall(text))
    return found


def all_bigrams(texts) -> set[str]:
    """The bigrams of all these texts: of each run of letters and digits once, however often
    the pages repeat it (a notice's title and dates are in every issue's context)."""
    return _folded_bigrams(fold(" ".join(set(_RUN.findall(" ".join(texts))))))


def bucket(bigram: str) -> int:
    return (ord(bigram[0]) * 1031 + ord(bigram[1])) % BUCKETS


def shard_count(docs: int) -> int:
    """A power of two dividing BUCKETS: about DOCS_PER_SHARD pages per shard."""
    count = 1
    while count < BUCKETS and count * DOCS_PER_SHARD < docs:
        count *= 2
    return count


def records_url(key: str) -> str:
    return f"{DATA_DIR}/r-{key}.js"


def shard_url(number: int) -> str:
    return f"{DATA_DIR}/p-{number}.js"


@dataclass(frozen=True)
class Doc:
    """One page as the search sees it. number: 0 for a notice's own page, else the issue's 编号."""

    number: int
    title: str
    url: str
    anchor_url: str  # the same text on the notice page ("" for the notice page itself)
    status: str  # one of STATUSES, or "" for a page without one
    category: str
    text: str
    context: str = ""  # found by a search but not shown: the notice's title and date, the department…


@dataclass(frozen=True)
class SearchPart:
    """A notice's part of the site-wide index: what index.js lists and its postings by bucket.

    The postings are one UTF-8 text per bucket, '"bigram":0,"bigram":[numbers],…' (see
    search_part), held as one bytes object and where each bucket's text ends in it: small to send
    from a worker process and to keep. A part written to a spool file (spool_part) holds where
    its postings are in that file instead.
    """

    key: str
    order: tuple  # sort key: newest notice first, as the home page lists them
    meta: dict  # its entry in index.js
    docs: int  # pages in it
    ends: array = field(default_factory=lambda: array("I"))  # BUCKETS offsets: where each bucket's text ends
    postings: bytes = b""
    spooled: tuple = ()  # (file, offset) of the postings when they are on disk, not in `postings`

    def bucket_spans(self, number: int, shards: int):
        """(start, end) in the postings of each non-empty bucket of shard `number`."""
        ends = self.ends
        for b in range(number, len(ends), shards):
            start = ends[b - 1] if b else 0
            if ends[b] > start:
                yield start, ends[b]


def notice_docs(notice: Notice, intro_text: str) -> list[Doc]:
    """The notice's page and its issues' pages; a reader searching "2019 财务" finds the 财务 issue
    of the notice published in 2019, so each issue's context holds its notice's title and dates."""
    published = _cn_date(notice.published)
    docs = [Doc(0, notice.title, notice.url, "", "", "", intro_text, " ".join(filter(None, (notice_unit(notice), notice_round(notice), published))))]
    for issue in notice.issues:
        dates = " ".join(_cn_date(d) for d in (issue.completed, issue.deadline) if d)
        context = f"{notice.title} {published} {issue.category} {issue.department} {dates}"
        docs.append(Doc(issue.number, issue.title, issue.url, f"{notice.url}#issue-{issue.number}", issue.status,
                        issue.category, plain_text(issue.body_html), context))
    return docs


def _cn_date(value) -> str:
    return f"{value.year}年{value.month}月{value.day}日"


def notice_unit(notice: Notice) -> str:
    """The unit a notice's results show and the unit filter offers: its 被巡察单位 (the build has
    checked that 单位/ declares it, under this very name), else its 发布单位 (as Site.unit_label)."""
    return notice.unit_name or notice.publisher


def notice_round(notice: Notice) -> str:
    """Its 巡察轮次 as declared in 轮次/ (checked by the build), "" for a notice of no round."""
    return notice.round_name


def _dumps(value) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


def _script(call: str, *args) -> bytes:
    return f"dwgkSearch.{call}({','.join(_dumps(a) for a in args)});\n".encode()


def render_records(key: str, title: str, unit: str, docs: list[Doc]) -> bytes:
    rows = [[d.number, d.title, d.url, d.anchor_url, d.status, d.category, d.text, d.context] for d in docs]
    return _script("records", key, {"title": title, "unit": unit, "docs": rows})


def search_part(key: str, order: tuple, meta: dict, docs: list[Doc]) -> SearchPart:
    """Each bigram of the notice's pages, '"bigram":0', or '"bigram":[numbers]' with the numbers of
    the pages whose titles hold it, by bucket; in a bucket, those of titles first, each sorted."""
    titles: defaultdict[str, list[str]] = defaultdict(list)
    for d in docs:
        for b in bigrams(d.title):
            titles[b].append(str(d.number))
    body = all_bigrams(t for d in docs for t in (d.title, d.text, d.context))
    body.difference_update(titles)
    # A few buckets hold a title's bigrams, nearly all some of the text's: the first a dict, so
    # that fewer lists are made (with tens of thousands, Python's garbage collector runs more).
    in_titles: defaultdict[int, list[str]] = defaultdict(list)
    in_body: list[list[str]] = [[] for _ in range(BUCKETS)]
    for b, numbers in titles.items():
        # Letters and digits need no escaping in JSON.
        in_titles[(ord(b[0]) * 1031 + ord(b[1])) % BUCKETS].append(f'"{b}":[{",".join(numbers)}]')
    for b in body:
        in_body[(ord(b[0]) * 1031 + ord(b[1])) % BUCKETS].append(b)
    texts = [_bucket_text(in_titles.get(n, []), b) for n, b in enumerate(in_body)]
    return SearchPart(key, order, meta, len(docs), array("I", accumulate(map(len, texts))), b"".join(texts))


def _bucket_text(in_titles: list[str], in_body: list[str]) -> bytes:
    in_titles.sort()
    in_body.sort()
    body = '"' + '":0,"'.join(in_body) + '":0' if in_body else ""
    return ",".join(filter(None, (",".join(in_titles), body))).encode()


def notice_search(notice: Notice, intro_text: str) -> tuple[OutputFile, SearchPart]:
    """A notice's records file and its part of the index."""
    docs = notice_docs(notice, intro_text)
    unit, round_ = notice_unit(notice), notice_round(notice)
    statuses = "".join(str(STATUSES.index(d.status)) if d.status else "-" for d in _numbered(docs))
    meta = {"key": notice.key, "title": notice.title, "unit": unit, "round": round_, "statuses": statuses,
            "records": records_url(notice.key)}
    part = search_part(notice.key, (notice.published, notice.key), meta, docs)
    return OutputFile(records_url(notice.key), render_records(notice.key, notice.title, unit, docs)), part


def _numbered(docs: list[Doc]) -> list:
    """The docs by number, None where a number is not used (so index.js can say a page's status by number)."""
    by_number = {d.number: d for d in docs}
    empty = Doc(0, "", "", "", "", "", "")
    return [by_number.get(n, empty) for n in range(max(by_number) + 1)]


def site_search(settings: Settings) -> tuple[OutputFile, SearchPart]:
    """The site's own pages that readers look things up in: the contact page (phone, e-mail, address)."""
    c = settings.contact
    text = f"电话：{c.phone} 邮箱：{c.email} 地址：{c.address} 邮政编码：{c.postcode}"
    docs = [Doc(0, "反馈联系", "contact.html", "", "", "", text)]
    meta = {"key": "", "title": settings.title, "unit": "", "round": "", "statuses": "-", "records": SITE_RECORDS}
    part = search_part("", (), meta, docs)
    return OutputFile(SITE_RECORDS, render_records("", settings.title, settings.publisher, docs)), part


def section(part: SearchPart, number: int, shards: int, read=None) -> bytes:
    """The part's section of shard `number`: '"KEY":{"bigram":0,…}', or b"" when it has none
    there. read(part, start, end): the part's postings bytes there (a SpoolReader for spooled parts)."""
    spans = list(part.bucket_spans(number, shards))
    if not spans:
        return b""
    if read is None:
        read = _read_held
    streams = BUCKETS // shards  # see SpoolReader
    items = b",".join([read(part, start, end, k, streams) for k, (start, end) in enumerate(spans)])
    return b"%s:{%s}" % (encode_basestring(part.key).encode(), items)  # as _dumps(part.key), without its set-up


def _read_held(part: SearchPart, start: int, end: int, stream: int = 0, streams: int = 1) -> bytes:
    if part.spooled:
        raise ValueError(f"the postings of {part.key!r} are in a spool file: read them with a SpoolReader")
    return part.postings[start:end]


def shard_data(number: int, sections: list[bytes]) -> bytes:
    """The shard's file from its sections, in the order of index.js's parts."""
    return b"dwgkSearch.shard(%d,{%s});\n" % (number, b",".join(s for s in sections if s))


def changed_shards(old: SearchPart, new: SearchPart, shards: int, read=None) -> set[int]:
    """The shards in which the two parts' sections differ."""
    return {n for n in range(shards) if section(old, n, shards, read) != section(new, n, shards, read)}


def without_postings(part: SearchPart) -> SearchPart:
    """What index.js needs of a part."""
    return SearchPart(part.key, part.order, part.meta, part.docs)


def spool_part(part: SearchPart, folder: str) -> SearchPart:
    """The part with its postings appended to this process's spool file in `folder`, not held:
    at 10,000 issues the postings of all notices are some 30 MB, which the process that merges
    them into shards then never holds at once (see SpoolReader)."""
    path = os.path.join(folder, f"search-postings-{os.getpid()}.tmp")
    with open(path, "ab") as f:
        offset = f.seek(0, os.SEEK_END)
        f.write(part.postings)
    return replace(part, postings=b"", spooled=(path, offset))


def held_part(part: SearchPart) -> SearchPart:
    """The part with its postings in memory (read from its spool file if spooled)."""
    if not part.spooled:
        return part
    path, offset = part.spooled
    with open(path, "rb") as f:
        f.seek(offset)
        data = f.read(part.ends[-1] if part.ends else 0)
    return replace(part, postings=data, spooled=())


class SpoolReader:
    """Reads spooled parts' postings (a part held in memory too), keeping each spool file open
    until closed.

    Shard N asks a part for its buckets N, N + shards, N + 2 × shards… (`streams` of them, the
    one asked for is `stream`), shard N + 1 then for the bucket after each: so each stream reads
    ahead, and a part is read a few times, not once a shard. All the streams of a part together
    hold at most READ_AHEAD bytes (some 4 MB at 10,000 issues)."""

    READ_AHEAD = 8192

    def __init__(self):
        self.files: dict[str, int] = {}
        self.ahead: dict[tuple, tuple[int, bytes]] = {}  # (part.spooled, stream) -> (start, bytes from there)

    def __call__(self, part: SearchPart, start: int, end: int, stream: int = 0, streams: int = 1) -> bytes:
        if not part.spooled:
            return part.postings[start:end]
        at, data = self.ahead.get((part.spooled, stream), (0, b""))
        if not (at <= start and end <= at + len(data)):
            path, offset = part.spooled
            fd = self.files.get(path)
            if fd is None:
                fd = self.files[path] = os.open(path, os.O_RDONLY)
            ahead = min(start + self.READ_AHEAD // streams, part.ends[-1])
            at, data = start, os.pread(fd, max(end, ahead) - start, offset + start)
            self.ahead[part.spooled, stream] = at, data
        return data[start - at:end - at]

    def close(self) -> None:
        for fd in self.files.values():
            os.close(fd)
        self.files.clear()
        self.ahead.clear()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def ordered_parts(settings: Settings, parts) -> list[SearchPart]:
    """The site's own part first, then the notices' newest first: the order of index.js's parts,
    of a shard's sections and of results that rank the same."""
    return [site_search(settings)[1]] + sorted(parts, key=lambda p: p.order, reverse=True)


def shards_for(parts: list[SearchPart]) -> int:
    return shard_count(sum(p.docs for p in parts))


class ShardOutput:
    """A postings shard as an OutputFile whose bytes are joined when asked for: at 10,000 issues
    the shards hold tens of MB, and the build then has only one of them in memory at a time."""

    __slots__ = ("out_path", "number", "shards", "parts", "read")

    def __init__(self, number: int, shards: int, parts: list[SearchPart], read=None):
        self.out_path, self.number, self.shards, self.parts, self.read = shard_url(number), number, shards, parts, read

    @property
    def data(self) -> bytes:
        return shard_data(self.number, [section(p, self.number, self.shards, self.read) for p in self.parts])


def index_file(ordered: list[SearchPart], shards: int) -> OutputFile:
    """index.js: every part's entry (without postings) and the number of shards."""
    notices = ordered[1:]
    units = sorted({p.meta["unit"] for p in notices if p.meta["unit"]})
    # Rounds as the home page lists them, the newest first: by their newest notice.
    rounds = list(dict.fromkeys(p.meta["round"] for p in notices if p.meta["round"]))
    index = {"shards": shards, "buckets": BUCKETS, "parts": [p.meta for p in ordered],
             "units": units if len(units) > 1 else [], "rounds": rounds if len(rounds) > 1 else []}
    return OutputFile(INDEX_FILE, _script("index", index))


def index_files(settings: Settings, parts: list[SearchPart], read=None) -> list[OutputFile]:
    """index.js, the postings shards and the site's own records, from every notice's part
    (read: a SpoolReader where parts are spooled)."""
    ordered = ordered_parts(settings, parts)
    shards = shards_for(ordered)
    return ([site_search(settings)[0], index_file(ordered, shards)]
            + [ShardOutput(number, shards, ordered, read) for number in range(shards)])


def check_search_script(files: list[OutputFile], layouts_dir: str, errors: list) -> None:
    """An error (ContentError) unless the site's assets/search.js reads the index this dwgk writes."""
    script = next((f for f in files if f.out_path == SCRIPT), None)
    if script is not None and FORMAT_MARK.encode() not in script.data:
        errors.append(ContentError(display_path(os.path.join(layouts_dir, *SCRIPT.split("/"))), 1, OLD_SCRIPT))
