#!/usr/bin/env python3
"""dwgk command line (`python build.py --help`); the commands themselves live in dwgk/cli.py.

Before importing anything that needs the packages dwgk depends on, make sure they are there: an
editor in a new terminal, without the project's .venv activated, gets the command that works
(or this very command run with the .venv's Python), not a traceback.
"""

import importlib.util
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
REQUIRED = ("jinja2", "markdown", "yaml", "livereload")  # import names of pyproject's dependencies


def venv_python(venv: str) -> str:
    if os.name == "nt":
        return os.path.join(venv, "Scripts", "python.exe")
    return os.path.join(venv, "bin", "python")


def shown_python(venv_name: str) -> str:
    """The .venv's Python as the editor types it in this folder, in this system's shell."""
    return f"{venv_name}\\Scripts\\python" if os.name == "nt" else f"{venv_name}/bin/python"


def missing_packages() -> list[str]:
    return [name for name in REQUIRED if importlib.util.find_spec(name) is None]


def ensure_packages() -> None:
    """Return when the packages are importable; otherwise run under the .venv beside this file,
    or say in one line what to run, and exit 2."""
    missing = missing_packages()
    if not missing:
        return
    venv = os.path.join(HERE, ".venv")
    python = venv_python(venv)
    in_venv = os.path.isdir(venv) and os.path.exists(os.path.join(venv, "pyvenv.cfg")) and \
        os.path.normcase(os.path.realpath(sys.prefix)) == os.path.normcase(os.path.realpath(venv))
    if os.path.isfile(python) and not in_venv:
        # The same command, with the Python that has the packages.
        command = [python, os.path.abspath(__file__), *sys.argv[1:]]
        if os.name == "nt":  # Windows has no exec: run it and pass on its exit status
            sys.exit(subprocess.call(command))
        sys.stdout.flush()
        os.execv(python, command)
    names = "、".join("pyyaml" if name == "yaml" else name for name in missing)
    if in_venv:
        fix = f"请在项目文件夹 {HERE} 中运行 {shown_python('.venv')} -m pip install -e . 安装后重试"
    else:
        create = "py -m venv .venv" if os.name == "nt" else "python3 -m venv .venv"
        fix = (f"请在项目文件夹 {HERE} 中先运行 {create}，再运行 {shown_python('.venv')} -m pip install -e . 安装，"
               f"以后用 {shown_python('.venv')} build.py 运行")
    print(f"错误：缺少 dwgk 所需的 Python 包 {names}。{fix}。", file=sys.stderr)
    sys.exit(2)


if __name__ == "__main__":
    ensure_packages()

sys.path.insert(0, HERE)
from dwgk.cli import main, run  # noqa: E402,F401  (tests call main() in-process)

if __name__ == "__main__":
    run(prog="python build.py")
