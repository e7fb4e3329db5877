"""The import corpus (tests/fixtures/import-corpus/expected.yml): real notice openings and full notices,
each with the results checked by hand. None is refused, none gets a section head as its title, each
imports to its checked results, and the README shows the score this corpus gives."""

from __future__ import annotations

import re

import pytest

from dwgk.importer import parse_notice_text, render_files
from tests.corpus_score import FIXTURES, compare, load_corpus, table
from tests.sites import REPO, run_cli

CORPUS = load_corpus()
SECTION_HEAD = re.compile(r"^(?:[一二三四五六七八九十]+、|（[一二三四五六七八九十]+）|\d+[、.．])")


@pytest.mark.parametrize("entry", CORPUS, ids=[e["file"] for e in CORPUS])
def test_each_notice_imports_to_its_checked_results(entry):
    result = parse_notice_text((FIXTURES / entry["file"]).read_text(encoding="utf-8"))
    assert result.title or result.issues  # something to import: never refused
    assert not SECTION_HEAD.match(result.title)
    notice = render_files(result, "2020", True)["2020/notice.md"]
    title = notice.split("\n")[1]
    assert not SECTION_HEAD.match(title.removeprefix("标题: ")), title
    got = compare(entry, result)
    assert got == {**got, "title": True, "found": got["problems"], "extra": 0, "statuses_right": got["statuses"],
                   "unknown_flagged": got["unknown"], "contact": True, "dates": True, "team": True}, entry["file"]


@pytest.mark.parametrize("entry", [e for e in CORPUS if e["real"]], ids=lambda e: e["file"])
def test_no_real_notice_is_refused_by_the_command(entry, tmp_path):
    done = run_cli("import", str(FIXTURES / entry["file"]), "--content", str(tmp_path / "c"), cwd=REPO)
    assert done.rc == 0, done.err
    assert "Traceback" not in done.err


def test_the_readme_shows_the_corpus_score():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert table() in readme, "run python -m tests.corpus_score and paste its table into README.md"
