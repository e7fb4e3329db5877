"""The model of an imported notice: what the import found, and what the editor should check."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass



#: notice.md's 标题 when the text has none (the report says so).
TITLE_PLACEHOLDER = "巡察整改情况的通报（原文未找到标题，请填写）"


@dataclass(frozen=True)
class Note:
    """Something the editor should check: at a line of the text file (0: not tied to a line)."""

    line: int
    message: str


@dataclass(frozen=True)
class Block:
    """A piece of the notice's own text: a section head (## …) or a paragraph."""

    kind: str  # "head" or "para"
    text: str
    line: int


@dataclass(frozen=True)
class ImportedIssue:
    number: int
    title: str
    category: str
    status: str
    status_reason: str  # why this status, in words for the report
    status_guessed: bool  # True when neither the text nor the stated totals decide it
    paragraphs: tuple[str, ...]  # the measures (主要做法), one paragraph each
    line: int  # the line of its title in the text file
    description: tuple[str, ...] = ()  # the problem itself (问题表现), when the text describes it
    status_word: str = ""  # the status as the text labels it (“基本完成”), when it does


@dataclass(frozen=True)
class ImportedContact:
    phone: str = ""
    email: str = ""
    address: str = ""
    postcode: str = ""


@dataclass(frozen=True)
class StatedTotal:
    """A figure the notice states about itself, e.g. 17 in “5大类17项问题”."""

    name: str  # one of STATED_FIGURES, or 整改完成率 (a percentage)
    value: float
    line: int
    written: str  # as it stands in the text
    found: float | None = None  # what the import found; None when it cannot be computed
    matches: bool = False


@dataclass(frozen=True)
class ImportResult:
    title: str = ""
    publisher: str = ""  # 发布单位: the signature, else the unit named in the title
    published: dt.datetime | None = None
    source: str = ""
    signed: dt.date | None = None
    team: str = ""
    round: str = ""  # 巡察轮次 named in the text, e.g. 十四届区委第三轮巡察
    unit_ref: str = ""  # 被巡察单位 to write in notice.md (decided against the content folder)
    round_ref: str = ""  # 巡察轮次 to write in notice.md (decided against the content folder)
    start: dt.date | None = None
    end: dt.date | None = None
    feedback: dt.date | None = None
    categories: tuple[str, ...] = ()
    issues: tuple[ImportedIssue, ...] = ()
    contact: ImportedContact = ImportedContact()
    stated: tuple[StatedTotal, ...] = ()
    intro: tuple[Block, ...] = ()  # text before the problem list, placeholders filled in
    outro: tuple[Block, ...] = ()  # text after it
    warnings: tuple[Note, ...] = ()  # every guess and correction, for the editor to check
    info: tuple[str, ...] = ()  # what was changed without doubt (punctuation …)
    unplaced: tuple[Note, ...] = ()  # lines written nowhere, with the reason as message

    @property
    def unit(self) -> str:
        """主办单位 guessed from the issuing unit: “中共某局党组” -> “某局”, “某中心第1党支部” -> “某中心”."""
        return unit_of(self.publisher)

    @property
    def site_title(self) -> str:
        """网站名称 cannot be read from a notice: the issuing unit + 党务公开."""
        return f"{self.unit}党务公开" if self.unit else ""




def fmt(value) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def unit_of(publisher: str) -> str:
    """The unit behind a party body's name: “中共某医院委员会” -> “某医院”; other names as they are."""
    m = re.fullmatch(r"(?:中共)?(.+?)(?:机关)?(?:第[\d一二三四五六七八九十]+)?(?:党组|党委|党总支|党支部|党工委|工作委员会|委员会)",
                     publisher)
    return m[1] if m and len(m[1]) >= 2 else publisher
