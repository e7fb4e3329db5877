"""Reading a notice file: the text of a .txt file (and, later, other formats)."""

from __future__ import annotations

from ..model import UsageError


class ImportRefused(Exception):
    """The import would overwrite something or found nothing to import (exit 1); message in Chinese."""

    def __init__(self, message: str, report: str = ""):
        super().__init__(message)
        self.report = report  # what was found, when the text was read at all


def read_text_file(path: str) -> tuple[str, str | None]:
    """The text of a notice file and a note when it was not UTF-8 (Chinese Windows saves GB18030)."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except FileNotFoundError:
        raise UsageError(f"找不到通报文件 {path}") from None
    except IsADirectoryError:
        raise UsageError(f"{path} 是文件夹，请给出通报的文本文件") from None
    except OSError as exc:
        raise UsageError(f"无法读取通报文件 {path}（{exc.strerror}）") from None
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "文件不是 UTF-8 编码，已按 GB18030（GBK）读取"
    except UnicodeDecodeError:
        raise ImportRefused(f"{path}: 无法识别文件编码，请在编辑器中用“UTF-8”编码另存此文件") from None
