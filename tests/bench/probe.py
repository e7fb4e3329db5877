"""One timed command, and what it ran on: the machine and the file system its output went to.

A command is timed from outside, in a new process; its memory is the sum over its process tree
(the command and every process it starts: dwgk's build and its worker processes), sampled.
"""

from __future__ import annotations

import datetime as dt
import os
import platform
import shutil
import subprocess
import tempfile
import threading
import time

#: How the memory figures are taken, printed with them.
MEMORY_METHOD = ("每 10 毫秒采样一次整个进程树（命令及其全部子进程，dwgk 即生成进程和 2 个工作进程）的 PSS 之和"
                 "（/proc/<pid>/smaps_rollup，共享的内存只算一次），取最大值")


class Sampler(threading.Thread):
    """Peak memory of a process and all its descendants together, sampled until stopped."""

    def __init__(self, pid: int):
        super().__init__(daemon=True)
        self.pid, self.peak, self.stopped = pid, 0, threading.Event()

    def run(self):
        while not self.stopped.is_set():
            self.peak = max(self.peak, sum(_pss(p) for p in process_tree(self.pid)))
            self.stopped.wait(0.01)


def process_tree(pid: int) -> list[int]:
    """pid and its descendants, from /proc/<pid>/task/<tid>/children."""
    pids, i = [pid], 0
    while i < len(pids):
        try:
            for task in os.listdir(f"/proc/{pids[i]}/task"):
                with open(f"/proc/{pids[i]}/task/{task}/children") as f:
                    pids += [int(c) for c in f.read().split()]
        except OSError:
            pass
        i += 1
    return pids


def _pss(pid: int) -> int:
    """Proportional set size in bytes (resident size where the kernel does not report it)."""
    try:
        with open(f"/proc/{pid}/smaps_rollup") as f:
            for line in f:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        with open(f"/proc/{pid}/statm") as f:
            return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except OSError:
        return 0


def timed(cmd: list[str], cwd: str, env: dict | None = None) -> dict:
    """Run one command in a new process: wall seconds, CPU seconds and peak memory (bytes) of the
    whole process tree, and the peak resident size of its largest single process.

    Before the clock starts, whatever earlier commands left for the disk is written out (sync),
    so that each command pays for its own writes only. Nothing is deleted here."""
    os.sync()
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start_ns = time.time_ns()  # the clock file times are on
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=cwd, stdout=out, stderr=err, env=env)
        sampler = Sampler(proc.pid)
        sampler.start()
        _, status, usage = os.wait4(proc.pid, 0)  # its rusage covers the workers it waited for
        wall = time.perf_counter() - start
        end_ns = time.time_ns()
        proc.returncode = os.waitstatus_to_exitcode(status)
        sampler.stopped.set()
        sampler.join()
        out.seek(0)
        err.seek(0)
        if proc.returncode != 0:
            raise SystemExit(f"基准测试中的命令失败（{' '.join(cmd)}）：\n{err.read().decode(errors='replace')}")
        return {"wall": wall, "start_ns": start_ns, "end_ns": end_ns, "cpu": usage.ru_utime + usage.ru_stime,
                "memory": sampler.peak, "largest": usage.ru_maxrss * 1024,
                "stdout": out.read().decode(errors="replace")}


def machine() -> dict:
    model = ""
    try:
        with open("/proc/cpuinfo") as f:
            model = next((line.split(":", 1)[1].strip() for line in f if line.startswith("model name")), "")
    except OSError:
        pass
    try:
        load = os.getloadavg()
    except OSError:
        load = ()
    return {"cpu": model, "cores": len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count(),
            "python": platform.python_version(), "system": platform.platform(), "load_average": load,
            "date": dt.datetime.now().isoformat(timespec="seconds")}


# --- The file system the outputs are written to, and whether it keeps a journal. Without one,
# ext4 creates files slowly for a minute after as many were deleted (fs/ext4/ialloc.c,
# recently_deleted), which is why the figures say which it is.

def _unescape(field: str) -> str:
    """A path as /proc/self/mountinfo writes it (space, tab, newline and backslash as \\ooo)."""
    for code in ("040", "011", "012", "134"):
        field = field.replace("\\" + code, chr(int(code, 8)))
    return field


def mount_of(path: str, mountinfo: str) -> dict | None:
    """The mount that holds path: {"mount", "type", "source", "options"} from mountinfo's text,
    the deepest mount point containing path (the last one mounted when several are stacked)."""
    best = None
    for line in mountinfo.splitlines():
        left, sep, right = line.partition(" - ")
        fields, rest = left.split(), right.split()
        if not sep or len(fields) < 5 or len(rest) < 2:
            continue
        mount = _unescape(fields[4])
        inside = path == mount or path.startswith(mount.rstrip("/") + "/")
        if inside and (best is None or len(mount) >= len(best["mount"])):
            best = {"mount": mount, "type": rest[0], "source": _unescape(rest[1]),
                    "options": rest[2] if len(rest) > 2 else ""}
    return best


def _read(path: str) -> str:
    with open(path, encoding="utf-8", errors="replace") as f:
        return f.read().strip()


def _ext_journal(source: str) -> tuple[bool | None, str]:
    """(has a journal, how that was found out) for an ext2/3/4 device; None when nothing could tell."""
    tried = []
    dumpe2fs = shutil.which("dumpe2fs") or next((p for p in ("/usr/sbin/dumpe2fs", "/sbin/dumpe2fs")
                                                 if os.access(p, os.X_OK)), None)
    if dumpe2fs:
        try:
            done = subprocess.run([dumpe2fs, "-h", source], capture_output=True, text=True, timeout=20)
            features = next((line.split(":", 1)[1].split() for line in done.stdout.splitlines()
                             if line.startswith("Filesystem features:")), None)
            if features is not None:
                return "has_journal" in features, f"dumpe2fs -h {source}：特性 {' '.join(features)}"
            reason = (done.stderr.strip().splitlines() or ["没有特性一行"])[-1]
            tried.append(f"dumpe2fs 读不了 {source}（{reason}）")
        except (OSError, subprocess.SubprocessError) as exc:
            tried.append(f"dumpe2fs 运行失败（{exc}）")
    else:
        tried.append("没有 dumpe2fs")
    device = os.path.basename(os.path.realpath(source))
    task = f"/sys/fs/ext4/{device}/journal_task"
    try:
        name = _read(task)
        return name != "<none>", f"{task} 为 {name}"
    except OSError as exc:
        tried.append(f"读不了 {task}（{exc.strerror or exc}）")
    try:
        found = [j for j in os.listdir("/proc/fs/jbd2") if j.startswith(device + "-")]
        if found:
            return True, f"/proc/fs/jbd2 中有 {found[0]}"
        if os.path.isdir(f"/sys/fs/ext4/{device}"):  # the device is an ext4 mount: it would be listed
            return False, f"/proc/fs/jbd2 中没有 {device} 的日志"
        tried.append(f"/proc/fs/jbd2 中没有 {device}，/sys/fs/ext4 中也没有")
    except OSError as exc:
        tried.append(f"读不了 /proc/fs/jbd2（{exc.strerror or exc}）")
    return None, "；".join(tried)


def file_system(path: str, mountinfo: str | None = None) -> dict:
    """{"path", "type", "source", "mount", "journal": True/False/None, "how"} for the folder path.
    Never raises: what cannot be found out is None, with the reason in "how"."""
    path = os.path.realpath(path)
    info = {"path": path, "type": None, "source": None, "mount": None, "journal": None, "how": ""}
    try:
        if mountinfo is None:
            mountinfo = _read("/proc/self/mountinfo")
        mount = mount_of(path, mountinfo)
    except OSError as exc:
        info["how"] = f"读不了 /proc/self/mountinfo（{exc.strerror or exc}）"
        return info
    if mount is None:
        info["how"] = "在 /proc/self/mountinfo 中找不到它所在的挂载点"
        return info
    info.update(type=mount["type"], source=mount["source"], mount=mount["mount"])
    kind = mount["type"]
    if kind in ("ext2", "ext3", "ext4"):
        info["journal"], info["how"] = _ext_journal(mount["source"])
    elif kind in ("tmpfs", "ramfs"):
        info["journal"], info["how"] = False, "在内存中，没有日志"
    elif kind == "xfs":
        info["journal"], info["how"] = True, "XFS 总有日志"
    elif kind == "overlay":
        upper = next((_unescape(o.split("=", 1)[1]) for o in mount["options"].split(",") if o.startswith("upperdir=")),
                     None)
        if upper and upper != path:
            below = file_system(upper, mountinfo)
            info["journal"] = below["journal"]
            info["how"] = f"overlay，上层文件夹 {upper} 在 {below['type'] or '未知'} 上：{below['how']}"
        else:
            info["how"] = "overlay，找不到上层文件夹"
    else:
        info["how"] = f"没有检查 {kind} 是否有日志（只检查 ext2/3/4、XFS、tmpfs、overlay）"
    return info


def describe_file_system(fs: dict) -> str:
    """One line for the printed figures."""
    journal = {True: "有日志", False: "无日志", None: "日志情况未知"}[fs["journal"]]
    where = f"{fs['type']}（{fs['source']}，挂载于 {fs['mount']}）" if fs["type"] else "文件系统类型未知"
    return f"输出文件夹 {fs['path']}：{where}，{journal}（{fs['how']}）"
