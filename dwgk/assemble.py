"""Notices + issues -> the site: issues filed under their categories, checks across files."""

from __future__ import annotations

import datetime as dt
import posixpath
from dataclasses import replace

from .model import (Category, ContentError, Issue, IssueFacts, Notice, Progress, Round, RoundReport, Site, Unit,
                    UnitReport, only_errors)


_NEVER = dt.date.min  # orders a round without notices last


def order_notices(notices) -> tuple[Notice, ...]:
    # Newest first; the key breaks ties so that the order never depends on the file system.
    return tuple(sorted(notices, key=lambda n: (n.published, n.key), reverse=True))


def assemble_notice(notice: Notice, issues: list[Issue], failed: tuple[IssueFacts, ...], errors: list) -> Notice:
    """File the issues under the notice's categories; check numbers, categories and stated figures.

    failed: the issue files that have errors of their own. Their 编号 and 类别 are checked too, so
    that every error shows in one run; the stated figures are not, since a figure computed
    without those files would only add a misleading second error.
    """
    incomplete = bool(failed)
    if not issues and not incomplete:
        errors.append(ContentError(notice.src_path, 1, "通报文件夹中还没有问题文件：每个问题写一个 .md 文件"))
    names = notice.category_names
    seen: dict[int, IssueFacts | Issue] = {}
    filed: dict[str, list[Issue]] = {name: [] for name in names}
    for item in sorted((*issues, *failed), key=lambda i: i.src_path):
        first = seen.get(item.number) if item.number is not None else None
        if first is not None:
            incomplete = True
            errors.append(ContentError(item.src_path, item.line,
                                       f"编号 {item.number} 重复：{first.src_path} 已使用此编号（编号决定网址 issue-{item.number}.html）"))
        elif item.number is not None:
            seen[item.number] = item
        if item.category is not None and item.category not in filed:
            incomplete = True
            errors.append(ContentError(item.src_path, item.category_line,
                                       f"未知的类别“{item.category}”（本通报声明的类别：{'、'.join(names)}）"))
        elif isinstance(item, Issue) and first is None:
            filed[item.category].append(item)
    categories = tuple(
        Category(notice.key, n, name, tuple(sorted(filed[name], key=lambda i: i.number)))
        for n, name in enumerate(names, start=1)
    )
    notice = replace(notice, categories=categories)
    if not incomplete:
        check_stated(notice, errors)
    check_attachments(notice, errors)
    return notice


def check_attachments(notice: Notice, errors: list) -> None:
    """An attachment is published at its own name beside the notice's pages: it may not take the
    name of one of them; the message names the attachment, which the editor can rename."""
    generated = {"index.html": "通报页", "ledger.csv": "整改台账"}
    generated.update((posixpath.basename(c.url), f"类别页“{c.name}”") for c in notice.categories)
    generated.update((posixpath.basename(i.url), f"第{i.number}项问题的页面") for i in notice.issues)
    folder = posixpath.dirname(notice.src_path)
    for name in notice.attachments:
        taken = generated.get(name) or generated.get(name.lower())
        if taken:
            errors.append(ContentError(f"{folder}/{name}", 1,
                                       f"附件“{name}”与生成的{taken}同名（网址 {notice.key}/{name}），请给附件改名"))


def check_stated(notice: Notice, errors: list) -> None:
    """A figure the editor states under 公布数字 must equal the one computed from the issue files."""
    progress = notice.progress
    computed = {"类别数": progress.categories, "问题总数": progress.total, "已完成": progress.done,
                "整改中": progress.ongoing, "长期坚持": progress.longterm}
    for figure in notice.stated:
        actual = computed[figure.name]
        if figure.value != actual:
            unit = "类" if figure.name == "类别数" else "项"
            errors.append(ContentError(notice.src_path, figure.line,
                                       f"公布数字“{figure.name}”写的是{figure.value}{unit}，但按问题文件统计是{actual}{unit}；请核对问题文件的状态或改正此数字"))


def assemble_portal(site: Site, units: tuple[Unit, ...], rounds: tuple[Round, ...], errors: list,
                    complete: bool = True, unread: frozenset = frozenset()) -> Site:
    """The site with its declared units and rounds; every notice's 被巡察单位 and 巡察轮次 must name
    one of them. complete: site.notices holds every notice of the content folder (not only those
    a rebuild renders), so that the figures a round states can be checked against them. unread:
    the folders (单位, 轮次) with a file that could not be read: their names are not checked."""
    site = replace(site, units=units, rounds=rounds)
    unit_names, round_names = [u.name for u in units], [r.name for r in rounds]
    for notice in site.notices:
        if notice.unit_name and notice.unit_name not in unit_names and "单位" not in unread:
            errors.append(ContentError(notice.src_path, notice.unit_line,
                                       _unknown("被巡察单位", notice.unit_name, "单位", unit_names, "minzhengju")))
        if notice.round_name and notice.round_name not in round_names and "轮次" not in unread:
            errors.append(ContentError(notice.src_path, notice.round_line,
                                       _unknown("巡察轮次", notice.round_name, "轮次", round_names, "14-3")))
    if complete and not only_errors(errors):
        for report in round_reports(site, every=True):
            check_round_stated(report, errors)
    return site


def _unknown(key: str, name: str, folder: str, declared: list[str], example: str) -> str:
    if not declared:
        return (f"未知的{key}“{name}”：{folder}/ 文件夹中还没有声明任何{folder}；"
                f"请在 {folder}/ 中为它写一个文件（如 {folder}/{example}.yml，内写“名称: {name}”）")
    return f"未知的{key}“{name}”（{folder}/ 中声明的{folder}：{'、'.join(declared)}）"


def round_reports(site: Site, every: bool = False) -> tuple[RoundReport, ...]:
    """The rounds with their notices and computed figures, newest first: by the earliest
    巡察：开始日期 of their notices, then by KEY. Rounds without a notice are left out (no empty
    pages) unless `every`."""
    by_round: dict[str, list[Notice]] = {}
    for notice in site.notices:
        if notice.round_name:
            by_round.setdefault(notice.round_name, []).append(notice)
    reports = []
    for round_ in site.rounds:
        notices = tuple(sorted(order_notices(by_round.get(round_.name, ())), key=lambda n: _unit_order(site, n)))
        if not notices and not every:
            continue
        issues = [i for n in notices for c in n.categories for i in c.issues]
        units = len({site.unit_label(n) for n in notices})
        start = min((n.inspection.start for n in notices), default=None)
        reports.append(RoundReport(round_, notices, Progress.of(issues, 0, units), start))
    newest = sorted(reports, key=lambda r: r.round.key)
    return tuple(sorted(newest, key=lambda r: r.start or _NEVER, reverse=True))


def unit_reports(site: Site) -> tuple[UnitReport, ...]:
    """The declared units that have notices, by KEY, each with its notices newest first."""
    reports = []
    for unit in site.units:
        notices = tuple(n for n in site.notices if n.unit_name == unit.name)
        if notices:
            reports.append(UnitReport(unit, notices))
    return tuple(reports)


def _unit_order(site: Site, notice: Notice) -> tuple:
    # Declared units by KEY, then the site's own unit (a stable sort keeps each unit's notices newest first).
    unit = site.unit_of(notice)
    return (unit is None, unit.key if unit else "")


def check_round_stated(report: RoundReport, errors: list) -> None:
    """A figure a round states under 公布数字 must equal the one computed from its notices' issue files."""
    p = report.progress
    computed = {"单位数": p.units, "问题总数": p.total, "已完成": p.done, "整改中": p.ongoing, "长期坚持": p.longterm}
    for figure in report.round.stated:
        actual = computed[figure.name]
        unit = "个" if figure.name == "单位数" else "项"
        if figure.value != actual:
            errors.append(ContentError(report.round.src_path, figure.line,
                                       f"公布数字“{figure.name}”写的是{figure.value}{unit}，但按本轮各单位的问题文件统计是{actual}{unit}；请核对问题文件的状态或改正此数字"))
