"""Regenerate the expected output of every fixture site under tests/fixtures/ after an intended change.

    .venv/bin/python tests/regen_fixtures.py

Then review `git diff tests/fixtures` and commit it with the change that caused it.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

FIXTURES = Path(__file__).resolve().parent / "fixtures"
sys.path.insert(0, str(FIXTURES.parent.parent))

from tests.sites import run_cli  # noqa: E402


def fixture_sites() -> list[Path]:
    return sorted(p.parent for p in FIXTURES.glob("*/content"))


def regenerate(site: Path) -> None:
    expected = site / "expected"
    shutil.rmtree(expected, ignore_errors=True)
    result = run_cli("build", "--content", "content", "--output", "expected", cwd=site)
    if result.rc != 0:
        raise SystemExit(f"{site.name}: build failed\n{result.err}")
    (expected / ".dwgk-files.json").unlink()


if __name__ == "__main__":
    for site in fixture_sites():
        regenerate(site)
        print(f"regenerated {site.relative_to(FIXTURES.parent.parent)}/expected")
