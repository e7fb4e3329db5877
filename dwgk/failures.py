"""What the editor is told when a run stops: one mapping from an exception to the exit status and
the Chinese lines, shared by the command line and the preview's error page."""

from __future__ import annotations

from dataclasses import dataclass

from .content import display_path
from .model import BuildFailed, Refused, UsageError, os_reason

DISK_PROBLEM = "生成中断：请排除上面的问题（如磁盘已满、没有写入权限）后重新生成。"


@dataclass(frozen=True)
class Failure:
    """Why a run stopped, for the editor."""

    status: int  # the command's exit status: 1 for the content or the disk, 2 for the command line
    lines: tuple[str, ...]  # one problem a line: `path:line: 说明`, or `错误：…`
    closing: str = ""  # the command line's last line after them ("共 3 处错误，网站未更新。")


def failure_of(exc: Exception, where: str, outcome: str | None = None) -> Failure | None:
    """The Failure an exception means; None for one that is a bug of dwgk, not a problem of the
    editor's files, folders or disk. where: the folder named when a read or write failed without
    a file name; outcome: what became of the run ("网站未更新"), by default the exception's own."""
    if isinstance(exc, BuildFailed):
        lines = tuple(str(e) for e in exc.errors)
        return Failure(1, lines, f"共 {len(lines)} 处错误，{outcome or exc.outcome}。")
    if isinstance(exc, UsageError):
        return Failure(2, (f"错误：{exc}",))
    if isinstance(exc, Refused):
        return Failure(1, (f"错误：{exc}",))
    if isinstance(exc, OSError):  # the disk is full, a folder is not writable …
        shown = display_path(exc.filename) if exc.filename else where
        return Failure(1, (f"{shown}: 读写文件失败：{os_reason(exc)}",), DISK_PROBLEM)
    return None


def bug_lines(exc: Exception) -> tuple[str, ...]:
    """What the preview's error page says of a bug of dwgk (the traceback goes to the terminal)."""
    return (f"生成时出现程序错误（{type(exc).__name__}: {exc}），请把终端中的出错信息发给维护人员",)
