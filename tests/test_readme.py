"""The README as an editor follows it: every content-file example passes `check`, and every
command it gives runs (import, build, check, archive, publish into tmp_path, serve started and
stopped)."""

from __future__ import annotations

import re
import shlex
import shutil
from pathlib import Path

import pytest

from tests.sites import REPO, SEED, copy_example, run_cli
from tests.test_serve import start_preview

README = (REPO / "README.md").read_text(encoding="utf-8")
EDITOR_GUIDE = README[README.index("\n## 编辑指南\n"): README.index("\n## 发布到政府网站\n")]
FOR_EDITORS = README[: README.index("\n## 项目结构（给维护者）\n")]


def content_examples() -> list[tuple[str, str]]:
    """(path inside the site folder, text) of each file example under a heading naming its path."""
    found = re.findall(r"^### .*?`(content/[^`]+)`\n(?:.*\n)*?```(?:yaml|markdown)\n((?:.*\n)*?)```$",
                       EDITOR_GUIDE, re.M)
    return found


def test_the_guide_has_the_three_kinds_of_file():
    assert [path for path, _ in content_examples()] == ["content/site.yml", "content/2019/notice.md",
                                                         "content/2019/01.md"]


@pytest.mark.parametrize("path, text", content_examples(), ids=lambda v: v if v.startswith("content/") else "")
def test_each_content_example_passes_check(tmp_path, path, text):
    copy_example(tmp_path)
    (tmp_path / path).write_text(text, encoding="utf-8")
    result = run_cli("check", cwd=tmp_path)
    assert (result.rc, result.err) == (0, ""), f"{path}:\n{result.err}"


def readme_commands() -> list[str]:
    """Each `python build.py …` the README gives editors, in code spans and in shell blocks."""
    spans = re.findall(r"`(python build\.py[^`]*)`", FOR_EDITORS)
    blocks = re.findall(r"^(python build\.py[^#\n]*?)\s*(?:#.*)?$", FOR_EDITORS, re.M)
    commands = []
    for command in spans + blocks:
        command = command.strip()
        if "…" in command or command in commands:
            continue
        commands.append(command)
    return commands


def prepare(words: list[str], folder: Path) -> list[str]:
    """The command's placeholders made real inside folder (a copy of the example, built)."""
    made = []
    for word in words:
        word = {"通报.txt": str(REPO / "tests" / "fixtures" / "import-other-unit.txt"),
                "[年度]": "2019", "目标文件夹": str(folder / "www"), "/var/www/html/dwgk": str(folder / "www"),
                "文件.zip": str(folder / "out.zip"), "dwgk-site.zip": str(folder / "out.zip")}.get(word, word)
        made.append(word)
    if "tests/fixtures/seed-notice.txt" in made:
        made[made.index("tests/fixtures/seed-notice.txt")] = str(SEED)
    if "examples/district" in made:
        made[made.index("examples/district")] = str(REPO / "examples" / "district")
    if "通报.docx" in made:  # another unit's notice, as Word saves it
        from tests.notice_files import write_docx  # noqa: PLC0415 - python-docx only for this command

        other = (REPO / "tests" / "fixtures" / "import-other-unit.txt").read_text(encoding="utf-8")
        made[made.index("通报.docx")] = str(write_docx(other, folder / "通报.docx"))
    return made


def test_the_readme_gives_these_commands():
    """A new command in the README is run by the test below: it must be one this list knows."""
    assert sorted(readme_commands()) == sorted([
        "python build.py", "python build.py build", "python build.py check", "python build.py build --no-cache",
        "python build.py build -s 新网站", "python build.py import 通报.txt -s 新网站",
        "python build.py serve", "python build.py serve --port 8001",
        "python build.py serve --host 0.0.0.0", "python build.py archive [年度]",
        "python build.py archive --verify [年度]", "python build.py archive 2019", "python build.py archive --verify",
        "python build.py publish 目标文件夹", "python build.py publish --zip 文件.zip",
        "python build.py publish /var/www/html/dwgk --dry-run", "python build.py publish /var/www/html/dwgk",
        "python build.py publish --zip dwgk-site.zip",
        "python build.py import tests/fixtures/seed-notice.txt --content 示例",
        "python build.py import 通报.docx", "python build.py build --content examples/district --output district-site",
    ])


@pytest.mark.parametrize("command", readme_commands())
def test_every_command_in_the_readme_runs(tmp_path, command):
    folder = copy_example(tmp_path)
    args = prepare(shlex.split(command)[2:], folder)
    if "新网站" in args and args[0] != "import":  # the guide imports into 新网站 first
        assert run_cli("import", str(REPO / "tests/fixtures/import-other-unit.txt"), "-s", "新网站", cwd=folder).rc == 0
    if args[:2] == ["archive", "--verify"]:
        assert run_cli("archive", "2019", cwd=folder).rc == 0
    if args[:1] == ["serve"]:
        args = [a for a in args[1:] if a not in ("--port", "8001")]
        process, _url = start_preview(folder, *args)  # a free port: other tests may hold 8000 and 8001
        assert process.stop() == 0  # Ctrl+C, as the guide says
        return
    result = run_cli(*args, cwd=folder)
    assert result.rc == 0, f"{command}\n{result.err}"
