"""The import corpus score (README, “导入的准确率”): `python -m tests.corpus_score` prints the table.

Each notice of tests/fixtures/import-corpus/expected.yml is imported as its file is, and compared
with the results checked by hand. tests/test_import_corpus.py checks that the README shows this table.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

import yaml

from dwgk.importer import parse_notice_text

FIXTURES = Path(__file__).resolve().parent / "fixtures"
EXPECTED = FIXTURES / "import-corpus" / "expected.yml"
CONTACT = (("电话", "phone"), ("邮箱", "email"), ("地址", "address"), ("邮政编码", "postcode"))


@dataclass
class Score:
    notices: int = 0
    problems: int = 0
    problems_found: int = 0
    problems_extra: int = 0
    titles_exact: int = 0
    statuses: int = 0
    statuses_right: int = 0
    unknown: int = 0
    unknown_flagged: int = 0
    contacts_right: int = 0
    dates_right: int = 0
    teams_right: int = 0


def load_corpus() -> list[dict]:
    return yaml.safe_load(EXPECTED.read_text(encoding="utf-8"))


def day(value) -> dt.date | None:
    return value if isinstance(value, dt.date) else None


def compare(entry: dict, result) -> dict:
    """What the import got right for one notice."""
    imported = {i.title: i for i in result.issues}
    expected = entry["problems"]
    found = [t for t in expected if t in imported]
    statuses = [t for t in found if expected[t] != "?"]
    unknown = [t for t in found if expected[t] == "?"]
    contact = {key: getattr(result.contact, attr) for key, attr in CONTACT if getattr(result.contact, attr)}
    return {
        "problems": len(expected), "found": len(found), "extra": len(set(imported) - set(expected)),
        "title": result.title == entry["title"],
        "statuses": len(statuses), "statuses_right": sum(imported[t].status == expected[t] for t in statuses),
        "unknown": len(unknown), "unknown_flagged": sum(imported[t].status_guessed for t in unknown),
        "contact": contact == {k: str(v) for k, v in entry["contact"].items()},
        "dates": (result.start, result.end, result.feedback) == tuple(day(d) for d in entry["dates"]),
        "team": result.team == entry["team"],
    }


def score(entries) -> Score:
    total = Score()
    for entry in entries:
        result = parse_notice_text((FIXTURES / entry["file"]).read_text(encoding="utf-8"))
        c = compare(entry, result)
        total.notices += 1
        total.problems += c["problems"]
        total.problems_found += c["found"]
        total.problems_extra += c["extra"]
        total.titles_exact += c["title"]
        total.statuses += c["statuses"]
        total.statuses_right += c["statuses_right"]
        total.unknown += c["unknown"]
        total.unknown_flagged += c["unknown_flagged"]
        total.contacts_right += c["contact"]
        total.dates_right += c["dates"]
        total.teams_right += c["team"]
    return total


def table() -> str:
    corpus = load_corpus()
    columns = [("真实通报的开头", [e for e in corpus if e["real"] and "import-corpus/" in e["file"]]),
               ("完整通报", [e for e in corpus if "import-corpus/" not in e["file"]]),
               ("全部", corpus)]
    scores = [(name, len(entries), score(entries)) for name, entries in columns]
    rows = [
        ("通报数", lambda s: f"{s.notices}"),
        ("找到的问题", lambda s: f"{s.problems_found}/{s.problems}（多出 {s.problems_extra}）"),
        ("标题完全正确", lambda s: f"{s.titles_exact}/{s.notices}"),
        ("整改状态正确", lambda s: f"{s.statuses_right}/{s.statuses}"),
        ("原文未写明状态、已标出请核对", lambda s: f"{s.unknown_flagged}/{s.unknown}"),
        ("联系方式正确", lambda s: f"{s.contacts_right}/{s.notices}"),
        ("巡察日期正确", lambda s: f"{s.dates_right}/{s.notices}"),
        ("巡察组正确", lambda s: f"{s.teams_right}/{s.notices}"),
    ]
    out = ["| | " + " | ".join(name for name, _, _ in scores) + " |", "|---|" + "---|" * len(scores)]
    for label, show in rows:
        out.append(f"| {label} | " + " | ".join(show(s) for _, _, s in scores) + " |")
    return "\n".join(out) + "\n"


if __name__ == "__main__":
    print(table(), end="")
