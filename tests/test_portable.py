"""The portable paths beside Linux's speed paths, each run through its own public entry: workers
spawned instead of forked (Windows), pages replaced by renaming instead of swapped (no
renameat2: `build --no-cache`). The polling watcher is in test_serve.py."""

from __future__ import annotations

import os

from dwgk import parallel
from tests.sites import copy_example, edit, read_tree, run_cli, stat_tree


def numbered(share: list[int]) -> list[tuple[int, int, int]]:
    """Module-level, so that a spawned worker can import it: (item, its square, worker's pid)."""
    return [(n, n * n, os.getpid()) for n in share]


def test_spawned_workers_return_every_share_in_order():
    shares = parallel.split(list(range(300)), [1] * 300, 3)
    results = parallel.run_spawned(numbered, shares)
    flat = [row for share in results for row in share]
    assert [(n, sq) for n, sq, _ in flat] == [(n, n * n) for n in range(300)]
    pids = [pid for _, _, pid in flat]
    assert pids[: len(shares[0])] == [os.getpid()] * len(shares[0])  # the first share runs here
    assert os.getpid() not in pids[len(shares[0]):]  # the others in fresh processes


def test_work_that_cannot_travel_runs_here():
    shares = [[1, 2], [3]]
    results = parallel.run_spawned(lambda share: [(n, os.getpid()) for n in share], shares)
    assert results == [[(1, os.getpid()), (2, os.getpid())], [(3, os.getpid())]]


def test_work_not_worth_a_spawned_worker_runs_here_where_workers_are_spawned(monkeypatch):
    """run_shares(spawn=False), as the search shards are staged: forked where the system forks,
    all here where workers would be spawned."""
    monkeypatch.setattr(parallel, "cpu_count", lambda: 2)
    items = list(range(300))
    spawned = parallel.run_shares(numbered, items, start_method="spawn", spawn=False)
    assert spawned == [[(n, n * n, os.getpid()) for n in items]]
    if hasattr(os, "fork"):
        forked = parallel.run_shares(numbered, items, start_method="fork", spawn=False)
        assert [row[:2] for share in forked for row in share] == [(n, n * n) for n in items]
        assert len(forked) == 2 and forked[1][0][2] != os.getpid()


def test_without_the_cache_pages_are_replaced_by_renaming(tmp_path):
    """--no-cache has no spare folder to swap pages with: each changed page is renamed into place."""
    site = copy_example(tmp_path / "a")
    assert run_cli("build", "--no-cache", cwd=site).rc == 0
    before = stat_tree(site / "site")
    edit(site / "content/2019/01.md", "状态: 整改中", "状态: 已完成")
    edit(site / "content/2019/notice.md", "  已完成: 16\n  整改中: 1\n", "  已完成: 17\n  整改中: 0\n")
    assert run_cli("build", "--no-cache", cwd=site).rc == 0
    cold = copy_example(tmp_path / "b")
    edit(cold / "content/2019/01.md", "状态: 整改中", "状态: 已完成")
    edit(cold / "content/2019/notice.md", "  已完成: 16\n  整改中: 1\n", "  已完成: 17\n  整改中: 0\n")
    assert run_cli("build", "--no-cache", cwd=cold).rc == 0
    after = stat_tree(site / "site")
    assert read_tree(site / "site") == read_tree(cold / "site")
    changed = sorted(p for p in after if after[p] != before.get(p))
    assert "2019/issue-1.html" in changed and "contact.html" not in changed  # only what changed moved
