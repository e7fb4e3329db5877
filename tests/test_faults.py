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

from tests.bench import benchdata
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


# --------------------------------------------------------------------------- #
# kill -9 at random (seeded) moments of each command
# --------------------------------------------------------------------------- #

#: Kills per command; more with DWGK_FAULT_ROUNDS=50 (each round is one kill and one rerun).
ROUNDS = int(os.environ.get("DWGK_FAULT_ROUNDS", "2"))


def serve_until_ready(cwd: Path, port: str) -> tuple[int, str]:
    """Start the preview, wait until it serves, stop it the way an editor does (Ctrl-C)."""
    proc = start(cwd, "serve", "--port", port)
    lines = []
    for line in proc.stdout:
        lines.append(line)
        if line.startswith("预览地址："):
            proc.send_signal(signal.SIGINT)
    try:
        proc.wait(timeout=HANG)
    except subprocess.TimeoutExpired:
        proc.kill()
        pytest.fail("the preview did not stop:\n" + "".join(lines))
    ready = any(line.startswith("预览地址：") for line in lines)
    return (proc.returncode if ready else 1), "".join(lines)


class Scenario:
    """One command with what comes before it: `before` makes the previous good state, then an
    edit gives the command work, then `command` runs (and is killed)."""

    def __init__(self, name: str):
        self.name = name
        self.port = str(free_port())

    def before(self, root: Path) -> None:
        copy_example(root)
        assert run(root, "build")[0] == 0
        if self.name == "publish":
            assert run(root, "publish", "www")[0] == 0
        edit(root / "content/site.yml", "网站名称: ", "网站名称: 新")  # every page changes
        edit(root / "content/2019/03.md", "二是", "二是进一步")

    def args(self) -> list[str]:
        return {"build": ["build"], "archive": ["archive", "2019"], "publish": ["publish", "www"],
                "serve": ["serve", "--port", self.port]}[self.name]

    def rerun(self, root: Path) -> tuple[int, str]:
        if self.name == "serve":
            return serve_until_ready(root, self.port)
        rc, out = run(root, *self.args())
        if self.name == "archive" and rc == 1 and "已经归档" in out:  # killed after the snapshot was in place
            rc, verified = run(root, "archive", "--verify")
            assert rc == 0, verified
            rc, out = run(root, "build")
        return rc, out

    def result(self, root: Path) -> dict:
        folders = {"build": ["site"], "archive": ["site", "archive"], "publish": ["site", "www"],
                   "serve": [".preview"]}[self.name]
        return {f"{folder}/{path}": data for folder in folders for path, data in read_tree(root / folder).items()}


@pytest.mark.parametrize("name", ["build", "archive", "publish", "serve"])
def test_kill_9_at_random_moments_then_the_next_run_equals_a_clean_one(tmp_path, name):
    scenario = Scenario(name)
    clean = tmp_path / "clean"
    scenario.before(clean)
    began = time.monotonic()
    rc, out = scenario.rerun(clean)
    length = time.monotonic() - began  # how long the command runs here: the kills fall within it
    assert rc == 0, out
    expected = scenario.result(clean)
    rng = random.Random(f"dwgk kill -9 {name}")
    for round_ in range(ROUNDS):
        root = tmp_path / f"round-{round_}"
        scenario.before(root)
        proc = start(root, *scenario.args())
        time.sleep(rng.uniform(0, length))
        workers = children(proc.pid)
        kill_main(proc)
        wait_gone(workers)
        rc, out = scenario.rerun(root)
        assert rc == 0, out
        assert "Traceback" not in out
        assert scenario.result(root) == expected, f"round {round_}"
        assert not [p for p in scenario.result(root) if re.search(r"\.tmp$|\.dwgk-staging/", p)]
        assert not list(root.glob(".dwgk-cache/*/*.tmp"))  # nothing half-saved stays in the cache
        if name == "archive":
            assert sorted(os.listdir(root / "archive")) == [".gitattributes", "2019"]


# --------------------------------------------------------------------------- #
# A full disk during each command
# --------------------------------------------------------------------------- #


@pytest.fixture
def disk(tmp_path) -> Path:
    """A small file system of its own (a tmpfs), to be filled up; skipped where none can be mounted."""
    folder = tmp_path / "www"  # the web root, for publish; the whole project, for the others
    folder.mkdir()
    if not sys.platform.startswith("linux") or os.geteuid() != 0:
        pytest.skip("a full disk is simulated with a tmpfs, which only root can mount on Linux")
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", str(folder)],
                             capture_output=True, text=True)
    if mounted.returncode:
        pytest.skip(f"this machine refuses to mount a tmpfs to fill up: {mounted.stderr.strip()}")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=True)


def used(folder: Path) -> int:
    st = os.statvfs(folder)
    return (st.f_blocks - st.f_bfree) * st.f_frsize


def resize(folder: Path, size: int) -> None:
    """The file system's size: a few pages above what it holds fills it up, 64 MB frees it."""
    size = -(-size // 4096) * 4096
    subprocess.run(["mount", "-o", f"remount,size={size}", str(folder)], check=True, capture_output=True)


def full_disk_failure(out: str) -> None:
    assert "读写文件失败：磁盘已满（No space left on device）" in out or "写入失败：磁盘已满（No space left on device）" in out, out
    assert "Traceback" not in out


def trees(root: Path, *folders: str) -> dict:
    return {f: read_tree(root / f) for f in folders if (root / f).exists()}


def test_a_build_that_fills_the_disk_leaves_the_site_and_room_for_the_next_edit(tmp_path, disk):
    # The red-team case: a change to every page does not fit; the editor takes it back and makes
    # a one-issue edit. That build must succeed with nothing deleted by hand.
    copy_example(disk)
    assert run(disk, "build")[0] == 0
    site = read_tree(disk / "site")
    resize(disk, used(disk) + sum(len(d) for d in site.values()) // 2)
    edit(disk / "content/site.yml", "网站名称: ", "网站名称: 新")
    rc, out = run(disk, "build")
    assert rc == 1
    full_disk_failure(out)
    assert read_tree(disk / "site") == site
    edit(disk / "content/site.yml", "网站名称: 新", "网站名称: ")
    edit(disk / "content/2019/03.md", "二是", "二是进一步")
    rc, out = run(disk, "build")
    assert rc == 0, out
    clean = tmp_path / "clean"
    shutil.copytree(disk / "content", clean / "content")
    assert run(clean, "build", "--no-cache")[0] == 0
    assert read_tree(disk / "site") == read_tree(clean / "site")


@pytest.mark.parametrize("name", ["archive", "publish"])
def test_a_full_disk_during_archive_or_publish_then_space_freed(tmp_path, disk, name):
    scenario = Scenario(name)
    clean = tmp_path / "clean"
    scenario.before(clean)
    assert scenario.rerun(clean)[0] == 0
    root = disk.parent if name == "publish" else disk  # publish: only the web root is on the small disk
    scenario.before(root)
    before = trees(root, "site", "archive", "www")
    # A web root is written a file at a time, each replacing its old version: a page's room is enough.
    resize(disk, used(disk) + (4096 if name == "publish" else 16 * 4096))
    rc, out = run(root, *scenario.args())
    assert rc == 1
    full_disk_failure(out)
    assert ("写入失败：磁盘已满" in out) == (name == "publish")  # the web root's own message
    after = trees(root, "site", "archive", "www")
    if name == "archive":
        assert after == before
    else:  # a web root is mirrored file by file: each file is its old or its new version, whole
        new = read_tree(clean / "www")
        assert all(data in (before["www"].get(p), new.get(p)) for p, data in after["www"].items())
    resize(disk, 64 << 20)
    rc, out = scenario.rerun(root)
    assert rc == 0, out
    assert scenario.result(root) == scenario.result(clean)


def test_a_full_disk_during_the_preview_then_space_freed(tmp_path, disk):
    from tests.test_serve import ServeProcess  # the preview as a subprocess, read line by line

    copy_example(disk)
    preview = ServeProcess(disk, "--port", str(free_port()))
    try:
        preview.wait_line("^预览地址：")
        before = read_tree(disk / ".preview")
        resize(disk, used(disk) + sum(len(d) for d in before.values()) // 2)
        mark = preview.mark()
        edit(disk / "content/site.yml", "网站名称: ", "网站名称: 新")  # every page changes
        preview.wait_line("读写文件失败：磁盘已满（No space left on device）", mark)
        assert read_tree(disk / ".preview") == before
        edit(disk / "content/site.yml", "网站名称: 新", "网站名称: ")  # taken back; one issue edited
        mark = preview.mark()
        edit(disk / "content/2019/03.md", "二是", "二是进一步")
        preview.wait_line("^生成完成：", mark)
    finally:
        assert preview.stop() == 0
    assert "Traceback" not in preview.output
    clean = tmp_path / "clean"
    shutil.copytree(disk / "content", clean / "content")
    assert serve_until_ready(clean, str(free_port()))[0] == 0
    assert read_tree(disk / ".preview") == read_tree(clean / ".preview")


def test_the_reason_a_file_could_not_be_written_reads_in_chinese():
    import errno

    from dwgk.model import os_reason

    reasons = {errno.ENOSPC: "磁盘已满", errno.EDQUOT: "超出磁盘配额", errno.EACCES: "没有权限", errno.EPERM: "没有权限",
               errno.EROFS: "磁盘是只读的", errno.EIO: "磁盘读写出错", errno.ENOENT: "文件或文件夹不存在"}
    for number, chinese in reasons.items():
        assert os_reason(OSError(number, os.strerror(number), "site/x")) == f"{chinese}（{os.strerror(number)}）"
    assert os_reason(OSError(errno.EMFILE, "Too many open files")) == "Too many open files"  # rare: as the system says
