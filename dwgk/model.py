"""The frozen data model every stage passes on: settings, notices, categories, issues, output files.

Each field's comment names the front-matter key an editor writes it with.
"""

from __future__ import annotations

import datetime as dt
import errno
from dataclasses import dataclass, field, fields, replace

#: The closed vocabulary of rectification statuses, in display order.
STATUSES = ("已完成", "整改中", "长期坚持")

#: CSS class per status; the status is always shown in words too, never by colour alone.
STATUS_CLASSES = {"已完成": "done", "整改中": "ongoing", "长期坚持": "longterm"}


@dataclass(frozen=True, order=True)
class ContentError:
    """One problem in the editor's files, reported as `path:line: message`."""

    path: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


@dataclass(frozen=True, order=True)
class ContentNote(ContentError):
    """A habit forgiven because its meaning is clear (a full-width colon, quotes around a whole
    value …): shown to the editor as `path:line: 提示：…`, never a reason to fail."""


def only_errors(problems) -> list:
    return [p for p in problems if not isinstance(p, ContentNote)]


def only_notes(problems) -> list[str]:
    return [str(p) for p in sorted({p for p in problems if isinstance(p, ContentNote)})]


class BuildFailed(Exception):
    """Raised by a stage when the run has errors; carries all of them, sorted (notes left out)."""

    outcome = "网站未更新"  # what became of the run, said after the errors

    def __init__(self, errors):
        self.errors = sorted(set(only_errors(errors)))
        super().__init__("\n".join(str(e) for e in self.errors))


#: The system's reasons a file cannot be read or written, in Chinese (strerror is English).
_OS_REASONS = {errno.ENOSPC: "磁盘已满", errno.EDQUOT: "超出磁盘配额", errno.EACCES: "没有权限",
               errno.EPERM: "没有权限", errno.EROFS: "磁盘是只读的", errno.EIO: "磁盘读写出错",
               errno.ENOENT: "文件或文件夹不存在"}


def os_reason(exc: OSError) -> str:
    """Why a read or write failed, for the editor; the system's own words kept in brackets."""
    reason = _OS_REASONS.get(exc.errno)
    if reason and exc.strerror:
        return f"{reason}（{exc.strerror}）"
    return exc.strerror or str(exc)


class UsageError(Exception):
    """A wrong command line or folder choice (exit status 2); the message is Chinese."""


class Refused(Exception):
    """A command refused to do what it was asked, changing nothing (exit status 1); Chinese message."""


@dataclass(frozen=True)
class Contact:
    """反馈联系: where readers send opinions on the rectification."""

    phone: str  # 电话, e.g. 027-85932332
    email: str  # 邮箱
    address: str  # 地址 (信件邮寄地址)
    postcode: str  # 邮政编码, six digits

    @property
    def tel_url(self) -> str:
        # tel: URIs allow digits, +, - and visual separators only.
        return "tel:" + "".join(c for c in self.phone if c.isdigit() or c in "+-")


@dataclass(frozen=True)
class Settings:
    """content/site.yml: the site as a whole."""

    src_path: str
    title: str  # 网站名称
    publisher: str  # 主办单位
    contact: Contact  # 反馈联系
    organizer: str = ""  # 承办单位 (optional portal footer item)
    site_code: str = ""  # 网站标识码
    icp: str = ""  # ICP备案号
    police_record: str = ""  # 公安机关备案号
    base_url: str = ""  # 网站地址: absolute URL the site is published at (optional)
    # 允许的网页类附件: types of ACTIVE_ATTACHMENT_TYPES the portal administrator lets through
    active_attachments: tuple[str, ...] = ()
    # 全文搜索: 开启 puts a search box on every page and writes search.html and its index
    # (assets/search/); off by default, as it makes a large site's build slower and bigger
    search: bool = False


#: Attachments a browser opens as a page or runs as a script: published on the portal's own
#: address, such a file could run script with the portal's cookies. Refused unless site.yml's
#: 允许的网页类附件 lists the type.
ACTIVE_ATTACHMENT_TYPES = ("htm", "html", "js", "mht", "mhtml", "mjs", "shtml", "svg", "svgz", "swf", "xht",
                           "xhtml", "xml", "xsl", "xslt")


@dataclass(frozen=True)
class Inspection:
    """巡察: the inspection a notice answers."""

    team: str = ""  # 巡察组, e.g. 区委第三巡察组; each fact is optional (left out when the notice does not state it)
    start: dt.date | None = None  # 开始日期
    end: dt.date | None = None  # 结束日期
    feedback: dt.date | None = None  # 反馈日期


@dataclass(frozen=True)
class IssueSummary:
    """What the site-wide pages (home, units, rounds, feed …) get of an issue: all but its text.

    Those pages list every notice; giving them summaries keeps 10,000 issue texts out of a
    one-file rebuild, and a template there that asks for a text gets a template error."""

    src_path: str
    notice_key: str  # the folder the file is in
    number: int  # 编号: its number in the notice, also its URL (issue-N.html)
    title: str  # 标题, e.g. 关于“……”的问题
    category: str  # 类别: one of the categories its notice declares
    status: str  # 状态: one of STATUSES
    completed: dt.date | None = None  # 完成日期
    deadline: dt.date | None = None  # 整改时限
    department: str = ""  # 责任部门
    line: int = 1  # line of 编号, for errors about the issue as a whole
    category_line: int = 1  # line of 类别

    @property
    def url(self) -> str:
        return f"{self.notice_key}/issue-{self.number}.html"

    @property
    def status_class(self) -> str:
        return STATUS_CLASSES[self.status]


@dataclass(frozen=True)
class Issue(IssueSummary):
    """One problem the inspectors found, from one issue file."""

    body_html: str = field(kw_only=True)  # the Markdown body (主要做法), converted and sanitised


#: The fields a summary leaves out, and what they hold (for the template error that names them).
SUMMARY_LEAVES_OUT = {"body_html": "问题正文", "intro_html": "通报正文（问题清单之前）",
                      "outro_html": "通报正文（问题清单之后）"}


@dataclass(frozen=True)
class IssueFacts:
    """What the checks across files need of an issue file that has errors of its own: its 编号
    and 类别 where they could be read (None where not), so that a duplicate number or an unknown
    category in it is reported in the same run as its other errors."""

    src_path: str
    number: int | None = None
    line: int = 1  # line of 编号
    category: str | None = None
    category_line: int = 1  # line of 类别


@dataclass(frozen=True)
class Category:
    """A category a notice declares (类别), with the issues filed under it."""

    notice_key: str
    number: int  # position in the notice's 类别 list, from 1; also its URL
    name: str  # e.g. 在坚持党的领导方面
    issues: tuple[IssueSummary, ...] = ()  # Issue, or IssueSummary in a NoticeSummary

    @property
    def url(self) -> str:
        return f"{self.notice_key}/category-{self.number}.html"

    @property
    def progress(self) -> Progress:
        return Progress.of(self.issues, categories=1)


@dataclass(frozen=True)
class Progress:
    """Figures computed from issue files; never typed by hand."""

    categories: int
    total: int
    done: int
    ongoing: int
    longterm: int
    units: int = 0  # for a round: the number of inspected units its notices come from

    @classmethod
    def of(cls, issues, categories: int, units: int = 0) -> Progress:
        count = {s: 0 for s in STATUSES}
        for issue in issues:
            count[issue.status] += 1
        return cls(categories, len(issues), count["已完成"], count["整改中"], count["长期坚持"], units)

    @property
    def rate(self) -> str:
        """完成率: done / total as a percentage, two decimals rounded half up (98.71%)."""
        if not self.total:
            return "0.00%"
        hundredths = (self.done * 20000 + self.total) // (2 * self.total)  # round(done / total * 10000)
        return f"{hundredths // 100}.{hundredths % 100:02d}%"

    @property
    def round_sentence(self) -> str:
        """E.g. 共巡察3个单位，反馈问题40项，已完成36项，整改中3项，长期坚持1项，完成率90.00%."""
        return (f"共巡察{self.units}个单位，反馈问题{self.total}项，已完成{self.done}项，整改中{self.ongoing}项，"
                f"长期坚持{self.longterm}项，完成率{self.rate}")

    @property
    def sentence(self) -> str:
        """E.g. 反馈的5大类17项问题，已整改完成16项，正在整改1项."""
        parts = [f"反馈的{self.categories}大类{self.total}项问题"]
        if self.done:
            parts.append(f"已整改完成{self.done}项")
        if self.ongoing:
            parts.append(f"正在整改{self.ongoing}项")
        if self.longterm:
            parts.append(f"需长期坚持{self.longterm}项")
        return "，".join(parts)


@dataclass(frozen=True)
class StatedFigure:
    """One figure under 公布数字 in a notice: checked against the issue files."""

    name: str  # 类别数, 问题总数, 已完成, 整改中 or 长期坚持
    value: int
    line: int


@dataclass(frozen=True)
class NoticeSummary:
    """What the site-wide pages get of a notice (see IssueSummary): all but its texts; its
    categories hold IssueSummary. Made by summarize."""

    src_path: str
    key: str  # the folder name; also the notice's URL (KEY/index.html)
    title: str  # 标题
    publisher: str  # 发布单位
    published: dt.datetime  # 发布时间
    source: str  # 来源 ("" when the notice does not state it)
    inspection: Inspection  # 巡察 (its facts are optional)
    category_names: tuple[str, ...]  # 类别, in order
    signed: dt.date | None = None  # 落款日期
    stated: tuple[StatedFigure, ...] = ()  # 公布数字
    categories: tuple[Category, ...] = ()  # filled in by assemble
    attachments: tuple[str, ...] = ()  # other files in the folder, relative to it
    unit_name: str = ""  # 被巡察单位: the 名称 of a unit in 单位/; "" for the site's own unit
    round_name: str = ""  # 巡察轮次: the 名称 of a round in 轮次/; "" for none
    unit_line: int = 1  # line of 被巡察单位
    round_line: int = 1  # line of 巡察轮次

    @property
    def url(self) -> str:
        return f"{self.key}/index.html"

    @property
    def ledger_url(self) -> str:
        return f"{self.key}/ledger.csv"

    @property
    def issues(self) -> tuple[IssueSummary, ...]:
        return tuple(sorted((i for c in self.categories for i in c.issues), key=lambda i: i.number))

    @property
    def progress(self) -> Progress:
        return Progress.of(self.issues, categories=len(self.categories))


@dataclass(frozen=True)
class Notice(NoticeSummary):
    """A rectification notice (通报): content/KEY/notice.md plus its issue files."""

    intro_html: str = field(kw_only=True)  # body before {{问题清单}}, placeholders not yet filled
    outro_html: str = field(kw_only=True)  # body after {{问题清单}}


def summarize(notice: NoticeSummary) -> NoticeSummary:
    """The notice as the site-wide pages get it (a summary stays as it is)."""
    if type(notice) is NoticeSummary:
        return notice
    categories = tuple(replace(c, issues=tuple(_fields_of(IssueSummary, i) for i in c.issues))
                       for c in notice.categories)
    return replace(_fields_of(NoticeSummary, notice), categories=categories)


def is_summary(notice: NoticeSummary) -> bool:
    return type(notice) is NoticeSummary


def _fields_of(cls, obj):
    return cls(**{f.name: getattr(obj, f.name) for f in fields(cls)})


@dataclass(frozen=True)
class Unit:
    """单位/KEY.yml: one inspected unit (被巡察单位) of a district portal."""

    src_path: str
    key: str  # the file's name without .yml: the unit's URL name (unit-KEY.html)
    name: str  # 名称: the unit's full name, written as 被巡察单位 in its notices; unique
    short_name: str = ""  # 简称: shown where space is short (breadcrumbs)
    contact: Contact | None = None  # 反馈联系: its own feedback contact; None: site.yml's
    line: int = 1  # line of 名称

    @property
    def url(self) -> str:
        return f"unit-{self.key}.html"

    @property
    def label(self) -> str:
        return self.short_name or self.name


@dataclass(frozen=True)
class Round:
    """轮次/KEY.yml: one inspection round (巡察轮次), e.g. 十四届区委第三轮巡察.

    Rounds are shown newest first: by the earliest 巡察：开始日期 of their notices, then by KEY.
    """

    src_path: str
    key: str  # the file's name without .yml: the round's URL name (round-KEY.html)
    name: str  # 名称: written as 巡察轮次 in its notices; unique
    stated: tuple[StatedFigure, ...] = ()  # 公布数字: 单位数, 问题总数, 已完成, 整改中, 长期坚持
    line: int = 1  # line of 名称

    @property
    def url(self) -> str:
        return f"round-{self.key}.html"

    @property
    def ledger_url(self) -> str:
        return f"round-{self.key}.csv"


@dataclass(frozen=True)
class RoundReport:
    """A round as the site-wide pages show it: its notices (by unit) and figures computed from them."""

    round: Round
    notices: tuple[Notice, ...]  # ordered by unit: declared units by KEY, then the site's own
    progress: Progress  # units, total, done, ongoing, longterm of all its notices
    start: dt.date | None  # the earliest 巡察：开始日期 of its notices (what orders rounds)


@dataclass(frozen=True)
class UnitReport:
    """A declared unit with its notices across rounds, newest first."""

    unit: Unit
    notices: tuple[Notice, ...]


#: What a build says of an archived file that is gone or no longer what its manifest records.
ARCHIVED_MISSING = "归档文件缺失：归档清单中有此文件，文件夹中没有"
ARCHIVED_ALTERED = "归档文件已被改动：内容与归档清单记录的 SHA-256 不符"


@dataclass(frozen=True)
class ArchivedFile:
    """One file of a yearly snapshot, checked against its manifest; its bytes are read only when
    a build publishes it (at 10,000 issues a year's snapshot holds some 100 MB)."""

    out_path: str  # relative to the snapshot's own root (its site/ folder), or the zip's name
    sha256: str  # as the manifest records it (for the zip: as found when it was checked)
    size: int
    disk_path: str  # where it lies in the archive folder
    shown: str  # disk_path as shown in messages

    @property
    def data(self) -> bytes:
        """The bytes, checked again: a file altered since it was checked must not be published."""
        import hashlib  # noqa: PLC0415 - only here

        try:
            with open(self.disk_path, "rb") as f:
                data = f.read()
        except OSError:
            raise BuildFailed([ContentError(self.shown, 1, ARCHIVED_MISSING)]) from None
        if hashlib.sha256(data).hexdigest() != self.sha256:
            raise BuildFailed([ContentError(self.shown, 1, ARCHIVED_ALTERED)])
        return data


class ArchivedOutput:
    """Where an archived file goes in the output folder: an OutputFile whose bytes are read (and
    checked) each time they are asked for, so that publishing a year's snapshot never holds it all."""

    __slots__ = ("out_path", "source")

    def __init__(self, out_path: str, source: ArchivedFile):
        self.out_path, self.source = out_path, source

    @property
    def data(self) -> bytes:
        return self.source.data


@dataclass(frozen=True)
class Snapshot:
    """One yearly archive (archive/YEAR/), checked against its manifest; every build publishes it."""

    year: str  # the label given to `build.py archive YEAR`
    taken: dt.date  # the day the snapshot was taken (may be after the year it is labelled)
    dwgk_version: str  # the dwgk version that took it
    site_files: tuple[ArchivedFile, ...]  # its rendered site, paths relative to the snapshot's own root
    zip_file: ArchivedFile  # e.g. dwgk-archive-2019.zip, for the archives office
    manifest_sha256: str = ""  # of its manifest.json, which lists every file's SHA-256

    @property
    def zip_name(self) -> str:
        return self.zip_file.out_path

    @property
    def zip_data(self) -> bytes:
        """The zip's bytes, for templates written before zip_file (they only took its length)."""
        return self.zip_file.data

    @property
    def url(self) -> str:
        return f"archive/{self.year}/index.html"

    @property
    def zip_url(self) -> str:
        return f"archive/{self.zip_name}"

    @property
    def page_count(self) -> int:
        return sum(1 for f in self.site_files if f.out_path.endswith(".html"))


@dataclass(frozen=True)
class ArchiveBanner:
    """What the banner on every page of a snapshot says."""

    year: str
    taken: dt.date
    site_address: str = ""  # 网站地址 from site.yml, shown for readers of a copy kept elsewhere


class _PortalLookups:
    """What a page may look up about a notice's unit and round (Site and NoticeSite)."""

    settings: Settings
    units: tuple[Unit, ...]
    rounds: tuple[Round, ...]

    def unit_of(self, notice: NoticeSummary) -> Unit | None:
        """The declared unit a notice names under 被巡察单位 (None: the site's own unit)."""
        return next((u for u in self.units if u.name == notice.unit_name), None) if notice.unit_name else None

    def round_of(self, notice: NoticeSummary) -> Round | None:
        return next((r for r in self.rounds if r.name == notice.round_name), None) if notice.round_name else None

    def contact_of(self, notice: NoticeSummary) -> Contact:
        """The feedback contact a notice's pages show: its unit's, else the site's."""
        unit = self.unit_of(notice)
        return unit.contact if unit is not None and unit.contact is not None else self.settings.contact

    def unit_label(self, notice: NoticeSummary) -> str:
        """The name of a notice's unit: the declared 名称, else its 发布单位."""
        unit = self.unit_of(notice)
        return unit.name if unit is not None else notice.publisher


@dataclass(frozen=True)
class Site(_PortalLookups):
    """Everything a build renders."""

    settings: Settings
    notices: tuple[NoticeSummary, ...] = field(default=())  # newest first: Notice, or a summary where
    #                                                         the full notice is not needed
    snapshots: tuple[Snapshot, ...] = ()  # yearly archives to publish, newest year first
    units: tuple[Unit, ...] = ()  # declared in 单位/, by KEY
    rounds: tuple[Round, ...] = ()  # declared in 轮次/, by KEY


@dataclass(frozen=True)
class NoticeSite(_PortalLookups):
    """`site` as the pages of one notice see it: everything but the other notices. Those pages are
    rendered again only when their own notice changes, so a page listing every notice would go
    stale; a template asking for site.notices there gets a template error that says so."""

    settings: Settings
    snapshots: tuple[Snapshot, ...] = ()
    units: tuple[Unit, ...] = ()
    rounds: tuple[Round, ...] = ()

    @classmethod
    def of(cls, site: Site) -> NoticeSite:
        return cls(site.settings, site.snapshots, site.units, site.rounds)


@dataclass(frozen=True)
class OutputFile:
    """One file of the generated site: a path relative to the output folder and its bytes."""

    out_path: str
    data: bytes
