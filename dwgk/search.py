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
  assets/search/p-N.js     the postings of the bigrams in the buckets of shard N, in one section per
                           notice; a query loads one shard per bigram
  assets/search/index.js   the notices (title, unit, round, statuses) and the number of shards

A bigram's bucket is the low byte of its second character's code point (bucket()). A notice's
part of the postings (SearchPart) is its bigrams in bucket order, as one text, and where each
bucket's bigrams begin in it: the worker processes that render the notices make the parts, and
the shards are cut from them (section). The parts are cached, so that a rebuild after an edit
recomputes one notice's part and writes only the shards whose bytes changed (a new bigram in the
notice, or one it no longer has).
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
from array import array
from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import accumulate, repeat
from json.encoder import encode_basestring

from .content import display_path
from .model import STATUSES, ContentError, Notice, OutputFile, Settings

#: The format of the index this dwgk writes. assets/search.js names the format it reads
#: (FORMAT_MARK); a build with search refuses a script without this one's mark, such as a copy in a
#: site's own layouts made by an older dwgk, which would misread the index (check_search_script).
INDEX_FORMAT = 3
FORMAT_MARK = f"dwgk-search-index-format: {INDEX_FORMAT}"
SCRIPT = "assets/search.js"
OLD_SCRIPT = ("搜索脚本不是本版 dwgk 的，读不懂本版写出的搜索索引（网站上的搜索会出错）：请换成本版 dwgk 自带的 "
              "layouts/assets/search.js（自己改过的地方再改一遍），或在 site.yml 中写“全文搜索: 关闭”")

SEARCH_PAGE = "search.html"
DATA_DIR = "assets/search"
INDEX_FILE = f"{DATA_DIR}/index.js"
SITE_RECORDS = f"{DATA_DIR}/site.js"
BUCKETS = 256  # a bigram's bucket: the low byte of its second character (bucket); shard N: bucket % shards == N
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
# Full-width ASCII to ASCII and A-Z to a-z: one character for one, so that a match in the folded
# text is at the same place in the text shown (assets/search.js folds the same way).
_FOLD = {0x3000: 0x20, **{c: c + 32 for c in range(0x41, 0x5B)}}
_FOLD.update((c, _FOLD.get(c - 0xFEE0, c - 0xFEE0)) for c in range(0xFF01, 0xFF5F))


# The tags Markdown writes most, taken out without a regular expression (a text's own "<" is "&lt;").
_COMMON_TAGS = (("<p>", " "), ("</p>", " "), ("<li>", " "), ("</li>", " "), ("<strong>", ""), ("</strong>", ""))


def plain_text(html_text: str) -> str:
    """The text a reader sees of converted Markdown, on one line."""
    text = html_text
    for tag, space in _COMMON_TAGS:
        text = text.replace(tag, space)
    if "<" in text:
        text = _TAG.sub("", _BLOCK_TAG.sub(" ", text))
    return " ".join(html.unescape(text).split())  # as re's \s+, str.split() takes Unicode's white space


_FOLDABLE = re.compile("[A-Z\uFF01-\uFF5E\u3000]+")


def fold(text: str) -> str:
    return _FOLDABLE.sub(lambda m: m[0].translate(_FOLD), text)


def bigrams(text: str) -> set[str]:
    """The character bigrams of the folded text, within runs of letters and digits."""
    text = fold(text)
    found = set(_EVEN.findall(text))
    found.update(_ODD.findall(text))
    return found


def bucket(bigram: str) -> int:
    return ord(bigram[1]) % BUCKETS


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


# The bigrams of a notice's text, by bucket (text_bigrams). A notice's pages hold thousands of
# different bigrams, and each place in their text one: made one string object at a time, sorted
# and put in buckets one at a time, they cost more than everything else search adds to a build.
# So each pair of adjacent characters is made an integer (a key) by slicing bytes: the text's
# UTF-32 code units, two by two, give each pair's eight bytes, and the bytes are put in the order
# that makes the keys sort by bucket, then by the second character, then by the first. A set of
# keys drops the repeats, one sort orders them, and a bucket's keys are then those from one
# multiple of 2⁴⁰ to the next (bisect); the keys' bytes put back in their places are the bigrams'
# text. The runs of letters and digits are joined with _SEP, a noncharacter that no letter or
# digit is and the only character whose code point's third byte has the bit 0x10 (the highest
# letter is in plane 3): a pair with _SEP in it spans two runs, and its key gets a seventh byte
# (from that bit of either character) that makes it larger than all the others, which are kept.
_SEP = "\U0010FFFF"
# (key byte, byte of the pair's UTF-32-LE), least significant first: the first character's three
# bytes, the second's high two, its low byte (the bucket); the key's byte 6 marks a pair with _SEP.
_KEY_BYTES = ((0, 0), (1, 1), (2, 2), (3, 5), (4, 6), (5, 4))
_SPANS = bytes(1 if v & 0x10 else 0 for v in range(256))  # the third byte of a code point: 1 for _SEP's
_BUCKET_ENDS = [(n + 1) << 40 for n in range(BUCKETS)]  # the first key after bucket n; then 1 << 48: _SEP's


def _pair_keys(text: str) -> array:
    """The keys of the pairs of adjacent characters of the text (_SEP's included)."""
    units = text.encode("utf-32-le")
    pairs = units[:len(units) // 8 * 8] + units[4:(len(units) - 4) // 8 * 8 + 4]  # at even places, at odd ones
    keys = bytearray(len(pairs))
    for key_byte, pair_byte in _KEY_BYTES:
        keys[key_byte::8] = pairs[pair_byte::8]
    first, second = pairs[2::8], pairs[6::8]  # the third bytes of each pair's two characters
    spans = (int.from_bytes(first, "little") | int.from_bytes(second, "little")).to_bytes(len(first), "little")
    keys[6::8] = spans.translate(_SPANS)
    found = array("Q")
    found.frombytes(keys)
    if sys.byteorder == "big":
        found.byteswap()
    return found


def _keys_text(keys: list[int]) -> str:
    """The bigrams of these keys (none with _SEP), in their order, as one text."""
    found = array("Q", keys)
    if sys.byteorder == "big":
        found.byteswap()
    keyed = found.tobytes()
    pairs = bytearray(len(keyed))
    for key_byte, pair_byte in _KEY_BYTES:
        pairs[pair_byte::8] = keyed[key_byte::8]
    return pairs.decode("utf-32-le")


# The marks that cut most Chinese text into runs, taken out with str.replace, which is faster than
# the regular expression: it then reads only the pieces left with some other mark in them.
_COMMON_BREAKS = "，。、"


def runs(text: str) -> set[str]:
    """The runs of letters and digits in the text (as _RUN finds them), each once."""
    for mark in _COMMON_BREAKS:
        text = text.replace(mark, " ")
    pieces = set(text.split())  # white space is no letter or digit
    mixed = [p for p in pieces if not p.isalnum()]  # isalnum: each character a letter or digit, as \w but _
    if mixed:
        pieces.difference_update(mixed)
        pieces.update(_RUN.findall(" ".join(mixed)))
    return pieces


def text_bigrams(texts, leave_out=()) -> tuple[str, array]:
    """The bigrams of all these texts (of each run of letters and digits once, however often the
    texts repeat it: a notice's title and dates are in every issue's context), but those in
    leave_out, by bucket and each bucket sorted, as one text of two characters a bigram; and
    where each bucket's bigrams begin in it (BUCKETS + 1 places, counted in bigrams)."""
    keys = set(_pair_keys(fold(_SEP.join(runs(" ".join(texts))))))
    if leave_out:
        keys.difference_update(_pair_keys(_SEP.join(leave_out)))
    ordered = sorted(keys)
    starts = array("I", [0])
    starts.extend(map(bisect_left, repeat(ordered), _BUCKET_ENDS))
    return _keys_text(ordered[:starts[-1]]), starts


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
    """A notice's part of the site-wide index: what index.js lists, and its postings.

    The postings: `text`, the bigrams of its pages not in any of their titles, two characters
    each, by bucket (text_bigrams), with `starts`, where each bucket's begin (in bigrams);
    `titles`, '"bigram":[numbers],' for each bigram of its pages' titles, with the numbers of the
    pages whose titles hold it, by bucket, with `title_starts`, where each bucket's begin. Held
    as a few strings, they take some 16 KB a notice (the processes that render the notices send
    them to the one that writes the shards). A part without them (without_postings) is what the
    cache keeps of every notice to write index.js.
    """

    key: str
    order: tuple  # sort key: newest notice first, as the home page lists them
    meta: dict  # its entry in index.js
    docs: int  # pages in it
    text: str = ""
    starts: array = field(default_factory=lambda: array("I"))
    titles: str = ""
    title_starts: array = field(default_factory=lambda: array("I"))


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
    titles: defaultdict[str, list[str]] = defaultdict(list)
    for d in docs:  # each title folded alone: a title may have several lines (标题: |)
        number = str(d.number)
        for b in bigrams(d.title):
            titles[b].append(number)
    # The titles' bigrams are in `titles`, and left out of the text's.
    text, starts = text_bigrams([t for d in docs for t in (d.text, d.context)], titles)
    title_starts = array("I", [0] * (BUCKETS + 1))
    items = []
    for n, b in sorted((ord(b[1]) % BUCKETS, b) for b in titles):  # by bucket(b)
        items.append(f'"{b}":[{",".join(titles[b])}],')  # letters and digits need no escaping in JSON
        title_starts[n + 1] += len(items[-1])
    return SearchPart(key, order, meta, len(docs), text, starts, "".join(items), array("I", accumulate(title_starts)))


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


def section(part: SearchPart, number: int, shards: int) -> str:
    """The part's section of shard `number`: '"KEY":"bigrams"', or '"KEY":["bigrams",{"bigram":[numbers],…}]'
    where some of them are in titles (then not in the text: "bigrams" may be empty), or "" when it
    has none there."""
    text, starts, titles, title_starts = part.text, part.starts, part.titles, part.title_starts
    if not starts:
        return ""
    if shards == BUCKETS:  # a shard of one bucket: at 8,192 pages and more, for every part and shard
        body = text[2 * starts[number]:2 * starts[number + 1]]
        in_titles = titles[title_starts[number]:title_starts[number + 1]]
    else:
        buckets = range(number, BUCKETS, shards)
        body = "".join([text[2 * starts[b]:2 * starts[b + 1]] for b in buckets])
        in_titles = "".join([titles[title_starts[b]:title_starts[b + 1]] for b in buckets])
    if in_titles:  # as _dumps(part.key), without its set-up
        return f'{encode_basestring(part.key)}:["{body}",{{{in_titles[:-1]}}}]'
    return f'{encode_basestring(part.key)}:"{body}"' if body else ""


def shard_data(number: int, sections: list[str]) -> bytes:
    """The shard's file from its sections, in the order of index.js's parts."""
    return f"dwgkSearch.shard({number},{{{','.join(filter(None, sections))}}});\n".encode()


def changed_shards(old: SearchPart, new: SearchPart, shards: int) -> set[int]:
    """The shards in which the two parts' sections differ."""
    return {n for n in range(shards) if section(old, n, shards) != section(new, n, shards)}


def without_postings(part: SearchPart) -> SearchPart:
    """What index.js needs of a part."""
    return SearchPart(part.key, part.order, part.meta, part.docs)


def ordered_parts(settings: Settings, parts) -> list[SearchPart]:
    """The site's own part first, then the notices' newest first: the order of index.js's parts,
    of a shard's sections and of results that rank the same."""
    return [site_search(settings)[1]] + sorted(parts, key=lambda p: p.order, reverse=True)


def shards_for(parts: list[SearchPart]) -> int:
    return shard_count(sum(p.docs for p in parts))


class ShardOutput:
    """A postings shard as an OutputFile whose bytes are made when asked for: the build then holds
    the bytes of one shard at a time, besides the parts it is cut from, and the processes that
    write the files share out the making (pipeline._stage_over_cores).

    keep: called with the shard's number and its sections ({part key: section}) as they are made
    (the build cache keeps them, to make the shard again from them when a notice changes)."""

    __slots__ = ("out_path", "number", "shards", "parts", "keep")

    def __init__(self, number: int, shards: int, parts: list[SearchPart], keep=None):
        self.out_path, self.number, self.shards, self.parts = shard_url(number), number, shards, parts
        self.keep = keep

    @property
    def data(self) -> bytes:
        sections = [section(p, self.number, self.shards) for p in self.parts]
        if self.keep is not None:
            self.keep(self.number, {p.key: s for p, s in zip(self.parts, sections) if s})
        return shard_data(self.number, sections)


def index_file(ordered: list[SearchPart], shards: int) -> OutputFile:
    """index.js: every part's entry (without postings) and the number of shards."""
    notices = ordered[1:]
    units = sorted({p.meta["unit"] for p in notices if p.meta["unit"]})
    # Rounds as the home page lists them, the newest first: by their newest notice.
    rounds = list(dict.fromkeys(p.meta["round"] for p in notices if p.meta["round"]))
    index = {"shards": shards, "buckets": BUCKETS, "parts": [p.meta for p in ordered],
             "units": units if len(units) > 1 else [], "rounds": rounds if len(rounds) > 1 else []}
    return OutputFile(INDEX_FILE, _script("index", index))


def index_files(settings: Settings, parts: list[SearchPart], keep=None) -> list[OutputFile]:
    """The site's own records, index.js and the postings shards (in this order), from every
    notice's part; keep: see ShardOutput."""
    ordered = ordered_parts(settings, parts)
    shards = shards_for(ordered)
    return ([site_search(settings)[0], index_file(ordered, shards)]
            + [ShardOutput(number, shards, ordered, keep) for number in range(shards)])


def check_search_script(files: list[OutputFile], layouts_dir: str, errors: list) -> None:
    """An error (ContentError) unless the site's assets/search.js reads the index this dwgk writes."""
    script = next((f for f in files if f.out_path == SCRIPT), None)
    if script is not None and FORMAT_MARK.encode() not in script.data:
        errors.append(ContentError(display_path(os.path.join(layouts_dir, *SCRIPT.split("/"))), 1, OLD_SCRIPT))
