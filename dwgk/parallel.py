"""Use every core: run a stage's work in shares, one here and the others in worker processes.

Where the system can fork (Linux, the domestic Linuxes), workers are forked: they start with
everything this process holds (the assembled site, the cache records) and only their results
travel back. Elsewhere (Windows) they are spawned: the work and its share travel to each fresh
worker by pickling, and work that cannot travel runs here. Results come back in the order of the
shares, so the output never depends on which process finished first. Work too small to be worth
a process runs here.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import sys
import threading

#: Below this many items a stage runs in this process: forking costs more than it saves.
MIN_PARALLEL_ITEMS = 200

def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def split(items: list, weights: list[int], parts: int) -> list[list]:
    """Items cut into `parts` contiguous shares of about equal total weight, in order."""
    total = sum(weights) or 1
    shares: list[list] = [[] for _ in range(parts)]
    done = 0
    for item, weight in zip(items, weights):
        shares[min(parts - 1, done * parts // total)].append(item)
        done += weight
    return [share for share in shares if share]


def run_shares(func, items: list, weights: list[int] | None = None, start_method: str | None = None,
               spawn: bool = True) -> list:
    """func(share), a list, for shares of items, in parallel when worth it; the results, in order.

    start_method: "fork" where the system has it, otherwise "spawn" (see the module docstring).
    spawn: False for work that is worth a forked worker but not a spawned one (a fresh interpreter
    that imports dwgk and unpickles what the work needs): where workers are spawned, it runs here.
    """
    weights = weights if weights is not None else [1] * len(items)
    workers = cpu_count()
    if workers < 2 or sum(weights) < MIN_PARALLEL_ITEMS:
        return [func(items)] if items else []
    shares = split(items, weights, workers)
    if len(shares) < 2:
        return [func(share) for share in shares]
    method = start_method or ("fork" if hasattr(os, "fork") else "spawn")
    if method == "spawn" and not spawn:
        return [func(items)]
    return _run_forked(func, shares) if method == "fork" else run_spawned(func, shares)


def _run_forked(func, shares: list[list]) -> list:
    """func(share) for each share: the first here, each other in a forked worker, which inherits
    func and its share (nothing is pickled on the way there) and sends back only its result."""
    import multiprocessing  # noqa: PLC0415 - loaded only when there is work to share

    context = multiprocessing.get_context("fork")
    lifeline = os.pipe()  # this process holds the write end: workers see it close when it dies
    workers = []
    try:
        for share in shares[1:]:
            receive, send = context.Pipe(duplex=False)
            worker = context.Process(target=_run_share, args=(func, share, send, os.getpid(), *lifeline), daemon=True)
            worker.start()
            send.close()
            workers.append((worker, receive))
        results = [func(shares[0])]
        for worker, receive in workers:
            results.append(_receive(worker, receive))
        return results
    finally:
        for fd in lifeline:
            os.close(fd)
        for worker, receive in workers:
            receive.close()
            if worker.is_alive():  # this process stopped early (an error, Ctrl+C)
                worker.kill()
            worker.join()


#: Items of a worker's result sent in one message: the whole result pickled at once was a copy
#: of it in each process at the end of a build, and the build's largest use of memory.
SENT_AT_ONCE = 16


def _run_share(func, share: list, send, parent: int, read_end: int, write_end: int) -> None:
    """In a forked worker: func(share), a list, sent back SENT_AT_ONCE items a message as (True,
    items), each item let go once sent, then (True, None); or (False, the exception)."""
    _watch_parent(parent, read_end, write_end)
    # What the worker inherited is left alone by its garbage collector: otherwise the collector's
    # first pass writes to every inherited object, and the OS copies all of the parent's memory.
    gc.freeze()
    try:
        result = func(share)
        while result:
            items = result[:SENT_AT_ONCE]
            del result[:SENT_AT_ONCE]
            send.send((True, items))
        send.send((True, None))
    except Exception as exc:  # noqa: BLE001 - raised again in the parent
        try:
            send.send((False, exc))
        except Exception as unpickled:  # noqa: BLE001 - an exception that cannot be pickled
            send.send((False, RuntimeError(f"{type(unpickled).__name__}: {unpickled}")))
    send.close()


def _receive(worker, receive) -> list:
    """A worker's result, as _run_share sends it."""
    result: list = []
    while True:
        try:
            ok, items = receive.recv()
        except EOFError:
            raise RuntimeError(f"a worker process ended without its result (exit status {worker.exitcode})") from None
        if not ok:
            raise items
        if items is None:
            return result
        result += items


def _watch_parent(parent: int, read_end: int, write_end: int) -> None:
    """In a worker: end as soon as the process that started it ends, however it ends.

    A worker left behind after `kill -9` of dwgk would wait for work forever, holding what it
    inherited: the build cache's lock (the next build would wait for it) and the preview's
    listening socket (the next preview could not take the port). Linux kills the worker itself
    (PR_SET_PDEATHSIG); elsewhere a thread waits for the end of the pipe the parent holds.
    """
    os.close(write_end)
    if sys.platform.startswith("linux"):
        import ctypes  # noqa: PLC0415 - only in a worker

        try:
            ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent:  # it ended before the line above took effect
        os._exit(1)
    threading.Thread(target=_exit_on_eof, args=(read_end,), daemon=True).start()


_PR_SET_PDEATHSIG = 1  # from Linux's prctl.h


def _exit_on_eof(read_end: int) -> None:
    while os.read(read_end, 1):
        pass
    os._exit(1)


def run_spawned(func, shares: list[list]) -> list:
    """func(share) for each share: the first here, the others in fresh (spawned) worker processes,
    which is what Windows has instead of fork; all here when func cannot be pickled."""
    try:
        pickle.dumps(func)
    except (pickle.PicklingError, TypeError, AttributeError):
        return [func(share) for share in shares]
    import multiprocessing  # noqa: PLC0415
    from concurrent.futures import ProcessPoolExecutor  # noqa: PLC0415

    with ProcessPoolExecutor(len(shares) - 1, mp_context=multiprocessing.get_context("spawn")) as pool:
        futures = [pool.submit(func, share) for share in shares[1:]]
        first = func(shares[0])
        return [first] + [f.result() for f in futures]
