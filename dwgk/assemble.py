"""Notices + issues -> the site: issues filed under their categories, checks across files."""

from __future__ import annotations

import posixpath
from dataclasses import replace

from .model import Category, ContentError, Issue, IssueFacts, Notice, Settings, Site


def assemble_site(settings: Settings, notices: dict[str, Notice], issues: list[Issue],
                  failed: dict[str, tuple[IssueFacts, ...]], errors: list) -> Site:
    by_notice: dict[str, list[Issue]] = {}
    for issue in issues:
        by_notice.setdefault(issue.notice_key, []).append(issue)
    assembled = [assemble_notice(notice, by_notice.get(key, []), failed.get(key, ()), errors)
                 for key, notice in sorted(notices.items())]
    return Site(settings=settings, notices=order_notices(assembled))


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
