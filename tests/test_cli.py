"""The command line as an editor on their own meets it: a new terminal without the .venv, the
`dwgk` command pip installs, and a site folder that owns its content, site, archive and cache."""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import venv
from pathlib import Path

import pytest

from tests.sites import REPO, SEED, copy_example, read_tree, run_cli

PYTHON_IN_VENV = "Scripts" if os.name == "nt" else "bin"


def bare_python(folder: Path) -> str:
    """A Python with none of dwgk's packages: a fresh venv with nothing installed (not even pip)."""
    venv.EnvBuilder(with_pip=False).create(folder)
    return str(folder / PYTHON_IN_VENV / ("python.exe" if os.name == "nt" else "python"))


def project_copy(dest: Path) -> Path:
    """build.py and the dwgk package as an editor unpacks them, without any .venv."""
    shutil.copy2(REPO / "build.py", dest / "build.py")
    shutil.copytree(REPO / "dwgk", dest / "dwgk", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copytree(REPO / "layouts", dest / "layouts")
    return dest


def run(python: str, *args, cwd: Path) -> subprocess.CompletedProcess:
    return subprocess.run([python, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=300)


@pytest.fixture(scope="module")
def bare(tmp_path_factory) -> str:
    python = bare_python(tmp_path_factory.mktemp("bare") / "venv")
    probe = run(python, "-c", "import jinja2", cwd=Path(python).parent)
    assert probe.returncode != 0, "the bare Python must lack jinja2"
    return python


# ---------------------------------------------------------------------------------------------
# Start-up without the packages


def test_without_packages_and_without_venv_one_chinese_line(tmp_path, bare):
    project = project_copy(tmp_path)
    copy_example(project)
    result = run(bare, "build.py", "check", cwd=project)
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr == (
        "错误：缺少 dwgk 所需的 Python 包 jinja2、markdown、pyyaml、livereload。"
        f"请在项目文件夹 {project} 中先运行 python3 -m venv .venv，再运行 .venv/bin/python -m pip install -e . 安装，"
        "以后用 .venv/bin/python build.py 运行。\n")


def test_without_packages_in_an_empty_venv_says_what_to_install(tmp_path, bare):
    project = project_copy(tmp_path)
    bare_python(project / ".venv")  # made, but the install step was never run
    result = run(bare, project / "build.py", "check", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == (
        "错误：缺少 dwgk 所需的 Python 包 jinja2、markdown、pyyaml、livereload。"
        f"请在项目文件夹 {project} 中运行 .venv/bin/python -m pip install -e . 安装后重试。\n")


def test_without_packages_uses_the_venv_beside_build_py(tmp_path, bare):
    """The repository's own .venv (made by tests/run.sh) has the packages: the command runs there."""
    copy_example(tmp_path)
    result = run(bare, REPO / "build.py", "check", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == "检查通过：将生成 37 个文件。\n"


def test_pip_installs_a_dwgk_command(tmp_path):
    dwgk = Path(sys.executable).parent / ("dwgk.exe" if os.name == "nt" else "dwgk")
    assert dwgk.is_file(), "pip install -e . installs the dwgk command beside python"
    copy_example(tmp_path)
    built = run(str(dwgk), "build", cwd=tmp_path)
    assert (built.returncode, built.stderr) == (0, "")
    assert built.stdout.startswith("生成完成：site 中共 37 个文件")
    assert (tmp_path / "site" / "index.html").is_file()
    usage = run(str(dwgk), "chek", cwd=tmp_path)
    assert usage.returncode == 2
    assert usage.stderr.endswith("请运行 dwgk --help 查看用法。\n")
    helped = run(str(dwgk), "--help", cwd=tmp_path)
    assert helped.stdout.startswith("用法： dwgk [-h] 命令 ...\n")


def test_help_names_the_commands_once(tmp_path):
    result = run_cli("--help", cwd=tmp_path)
    assert result.rc == 0
    assert "命令：\n    build     生成网站到输出文件夹" in result.out
    assert "  命令\n" not in result.out  # argparse's metavar repeated under the heading


# ---------------------------------------------------------------------------------------------
# A site folder owns its outputs


@pytest.fixture
def project(tmp_path) -> Path:
    """The editor's project folder with its built site (and a year archived in it)."""
    folder = tmp_path / "项目"
    folder.mkdir()
    copy_example(folder)
    assert run_cli("build", cwd=folder).rc == 0
    return folder


def next_step_commands(out: str) -> list[list[str]]:
    line = next(line for line in out.splitlines() if line.startswith("下一步："))
    first, second = line.removeprefix("下一步：运行 ").removesuffix(" 生成网站。").split(" 检查，无误后运行 ")
    return [shlex.split(command) for command in (first, second)]


def run_literally(words: list[str], cwd: Path) -> subprocess.CompletedProcess:
    assert words[:2] == ["python", "build.py"], words
    return run(sys.executable, REPO / "build.py", *words[2:], cwd=cwd)


@pytest.mark.parametrize("where", [["--content", "新文件夹"], ["-s", "新网站"], ["--content", "新网站/content"]])
def test_import_elsewhere_then_the_next_step_builds_that_folders_own_site(project, where):
    before = read_tree(project / "site")
    imported = run_cli("import", str(SEED), *where, cwd=project)
    assert imported.rc == 0, imported.err
    commands = next_step_commands(imported.out)
    if where[0] == "--content" and where[1] == "新文件夹":
        expected = ["--content", "新文件夹", "--output", "新文件夹-site", "--archive", "新文件夹-archive"]
    else:
        expected = ["-s", "新网站"]
    assert commands == [["python", "build.py", "check", *expected], ["python", "build.py", "build", *expected]]
    for words in commands:
        result = run_literally(words, project)
        assert result.returncode == 0, result.stderr
    assert read_tree(project / "site") == before
    own_site = project / ("新文件夹-site" if expected[0] == "--content" else os.path.join("新网站", "site"))
    assert (own_site / "2019" / "index.html").is_file()


def test_import_into_the_site_folder_suggests_plain_commands(tmp_path):
    imported = run_cli("import", str(SEED), cwd=tmp_path)
    assert imported.rc == 0, imported.err
    assert imported.out.endswith("下一步：运行 python build.py check 检查，无误后运行 python build.py build 生成网站。\n")


def test_content_elsewhere_without_its_own_outputs_is_refused(project):
    shutil.copytree(project / "content", project / "新文件夹")
    (project / "archive").mkdir()
    before = read_tree(project / "site")
    refused = run_cli("build", "--content", "新文件夹", cwd=project)
    assert refused.rc == 2
    assert refused.err == (
        "错误：内容文件夹 新文件夹 不在网站文件夹 . 中，而网站 site 和归档 archive 仍是 . 中的，两个网站会混在一起。"
        "请把它改名为 content 放进这个网站自己的文件夹，再用 -s 指定那个文件夹；"
        "或者用 --output 和 --archive 指明这个网站自己的输出\n")
    checked = run_cli("check", "--content", "新文件夹", cwd=project)  # would read archive/
    assert checked.rc == 2
    assert "或者用 --archive 指明这个网站自己的输出\n" in checked.err
    nested = project / "别处" / "content"
    shutil.copytree(project / "content", nested)
    refused = run_cli("build", "--content", os.path.join("别处", "content"), cwd=project)
    assert refused.rc == 2
    assert refused.err.endswith(f"请改用 -s 指定它所在的网站文件夹：python build.py build -s 别处\n")
    assert read_tree(project / "site") == before
    named = run_cli("build", "--content", "新文件夹", "--output", "新网站", "--archive", "新归档", cwd=project)
    assert named.rc == 0, named.err
    assert read_tree(project / "site") == before


def test_source_folder_holds_content_site_archive_and_cache(tmp_path):
    site_folder = copy_example(tmp_path / "网站")
    built = run_cli("build", "-s", str(site_folder), cwd=tmp_path)
    assert built.rc == 0, built.err
    assert sorted(p.name for p in site_folder.iterdir()) == [".dwgk-cache", "content", "site"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["网站"]
    assert run_cli("archive", "2019", "--source", str(site_folder), cwd=tmp_path).rc == 0
    assert (site_folder / "archive" / "2019").is_dir()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["网站"]
    missing = run_cli("build", "-s", "无此文件夹", cwd=tmp_path)
    assert (missing.rc, missing.err) == (2, "错误：找不到网站文件夹 无此文件夹\n")
