"""Faults a machine brings: `kill -9` of dwgk at any moment, a full disk.

Each test breaks a real command (a subprocess, killed with SIGKILL; a small tmpfs that fills up)
and then checks what the editor relies on: the next command succeeds without anything deleted by
hand, and its output is byte for byte what a clean run makes. Waits are bounded only to turn a
hang into a failure.
"""

from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from dwgk import benchdata
from tests.sites import REPO, copy_example, edit, read_tree
from tests.tools import free_port

BUILD_PY = REPO / "build.py"
HANG = 120  # seconds after which a command that has not finished counts as hanging
DEC_31_2019 = "1577750400"


def start(cwd: Path, *args: str, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "SOURCE_DATE_EPOCH": DEC_31_2019}
    return subprocess.Popen([sys.executable, str(BUILD_PY), *args], cwd=cwd, env=env, stdin=subprocess.DEVNULL,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, encoding="utf-8", **kwargs)


def run(cwd: Path, *args: str) -> tuple[int, str]:
    proc = start(cwd, *args)
    try:
        out, _ = proc.communicate(timeout=HANG)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, _ = proc.communicate()
        pytest.fail(f"{args} did not finish (a lock or a port left behind?):\n{out}")
    return proc.returncode, out


def children(pid: int) -> list[int]:
    """The processes whose parent is pid (read from /proc)."""
    found = []
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                stat = Path(f"/proc/{entry}/stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
                found.append(int(entry))
    return found


def alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"


def kill_main(proc: subprocess.Popen) -> None:
    """SIGKILL to the main process alone, not its group: its workers must end by themselves."""
    proc.send_signal(signal.SIGKILL)
    proc.wait()


def wait_gone(pids: list[int]) -> None:
    deadline = time.monotonic() + HANG
    while any(alive(p) for p in pids):
        if time.monotonic() > deadline:
            left = [p for p in pids if alive(p)]
            for p in left:
                os.kill(p, signal.SIGKILL)
            pytest.fail(f"workers {left} outlived the killed dwgk process")
        time.sleep(0.05)


@pytest.fixture(scope="module")
def big_content(tmp_path_factory) -> Path:
    """Content large enough that dwgk shares the work with worker processes."""
    folder = tmp_path_factory.mktemp("big") / "content"
    benchdata.write_dwgk_content(str(folder), benchdata.make_notices(400))
    return folder


def wait_for_workers(proc: subprocess.Popen) -> list[int]:
    deadline = time.monotonic() + HANG
    while not children(proc.pid):
        if proc.poll() is not None or time.monotonic() > deadline:
            pytest.fail(f"dwgk started no worker:\n{proc.communicate()[0]}")
        time.sleep(0.002)
    return children(proc.pid)


@pytest.mark.skipif(not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
                    reason="needs Linux's /proc and two cores (dwgk forks workers only then)")
def test_kill_9_of_build_leaves_no_worker_holding_the_cache_lock(tmp_path, big_content):
    shutil.copytree(big_content, tmp_path / "content")
    proc = start(tmp_path, "build")
    workers = wait_for_workers(proc)
    kill_main(proc)
    wait_gone(workers)
    rc, out = run(tmp_path, "build")
    assert rc == 0, out
    shutil.copytree(big_content, tmp_path / "clean/content")
    assert run(tmp_path / "clean", "build", "--no-cache")[0] == 0
    assert read_tree(tmp_path / "site") == read_tree(tmp_path / "clean/site")


@pytest.mark.skipif(not sys.platform.startswith("linux") or (os.cpu_count() or 1) < 2,
                    reason="needs Linux's /proc and two cores (dwgk forks workers only then)")
def test_kill_9_of_serve_leaves_no_worker_holding_the_port(tmp_path, big_content):
    shutil.copytree(big_content, tmp_path / "content")
    port = str(free_port())
    proc = start(tmp_path, "serve", "--port", port)
    workers = wait_for_workers(proc)
    kill_main(proc)
    wait_gone(workers)
    again = start(tmp_path, "serve", "--port", port)
    try:
        deadline = time.monotonic() + HANG
        lines = []
        for line in again.stdout:
            lines.append(line)
            if line.startswith("预览地址：") or time.monotonic() > deadline:
                break
        assert lines[-1] == f"预览地址：http://127.0.0.1:{port}/\n", "".join(lines)
    finally:
        again.send_signal(signal.SIGTERM)
        again.communicate(timeout=HANG)


def test_two_builds_without_cache_at_once_take_turns(tmp_path, big_content):
    # Without the cache there was no lock: the second build cleared the first one's staging
    # folder, and the first failed with a message about the disk.
    shutil.copytree(big_content, tmp_path / "content")
    first = start(tmp_path, "build", "--no-cache")
    deadline = time.monotonic() + HANG
    while not (tmp_path / "site/.dwgk-staging").exists() and first.poll() is None and time.monotonic() < deadline:
        time.sleep(0.002)
    rc, out = run(tmp_path, "build", "--no-cache")
    assert rc == 0, out
    first_out, _ = first.communicate(timeout=HANG)
    assert first.returncode == 0, first_out
    shutil.copytree(big_content, tmp_path / "clean/content")
    assert run(tmp_path / "clean", "build", "--no-cache")[0] == 0
    assert read_tree(tmp_path / "site") == read_tree(tmp_path / "clean/site")
