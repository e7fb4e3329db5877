"""The README screenshots (docs/screenshots, made by `python -m tests.screenshots`): every page
kind x device x mode is committed, shown in the README, small, and taken of the current pages;
and the script really regenerates them (here into tmp_path only)."""

from __future__ import annotations

import json

import pytest

from tests import screenshots
from tests.screenshots import DEVICES, DISTRICT_PAGES, MANIFEST, MODES, OUT_DIR, PAGES, expected_names, png_size
from tests.sites import REPO

REGENERATE = ".venv/bin/python -m tests.screenshots"
MAX_TOTAL_BYTES = 1_500_000


@pytest.fixture(scope="module")
def committed() -> dict:
    return json.loads((OUT_DIR / MANIFEST).read_text(encoding="utf-8"))


def test_every_page_kind_device_and_mode_is_committed_and_in_the_readme(committed):
    names = expected_names()
    assert len(names) == len(PAGES) * len(DEVICES) * len(MODES) + len(DISTRICT_PAGES) * len(DEVICES) == 20
    assert sorted(p.name for p in OUT_DIR.glob("*.png")) == names, f"run {REGENERATE}"
    assert sorted(committed) == names, f"run {REGENERATE}"
    total = 0
    for name in names:
        data = (OUT_DIR / name).read_bytes()
        entry = committed[name]
        assert png_size(data) == (DEVICES[entry["device"]]["width"], DEVICES[entry["device"]]["height"]), name
        total += len(data)
    assert total < MAX_TOTAL_BYTES, f"screenshots take {total} bytes"
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    missing = [n for n in names if f"docs/screenshots/{n}" not in readme]
    assert missing == [], "README does not show these screenshots"


def test_committed_screenshots_show_the_current_pages(tmp_path, committed):
    sites = {"example": screenshots.build_example(tmp_path / "site"),
             "district": screenshots.build_district(tmp_path / "district")}
    stale = [name for name, entry in committed.items()
             if (entry.get("site", "example"), entry["page"]) != screenshots.page_of(name)
             or entry["page_sha256"] != screenshots.page_digest(sites[entry.get("site", "example")], entry["page"])]
    assert stale == [], f"these screenshots no longer show the current pages; run {REGENERATE}"


def test_script_regenerates_every_screenshot(browser, tmp_path, committed):
    site = screenshots.build_example(tmp_path / "site")
    out = tmp_path / "shots"
    manifest = screenshots.take_screenshots(browser, site, out, optimise=False)
    assert manifest == committed, f"run {REGENERATE}"  # same pages, sizes and digests
    assert sorted(p.name for p in out.glob("*.png")) == expected_names()
    for name, entry in manifest.items():
        assert png_size((out / name).read_bytes()) == (entry["width"], entry["height"])
    # 关怀版 really shows: each care picture differs from its standard one.
    for kind in PAGES:
        for device in DEVICES:
            standard = (out / screenshots.shot_name(kind, device, "standard")).read_bytes()
            care = (out / screenshots.shot_name(kind, device, "care")).read_bytes()
            assert standard != care, (kind, device)

    # The palette reduction keeps the picture: same size, nearly every pixel exact, far smaller.
    raw = (out / "issue-desktop-standard.png").read_bytes()
    small = screenshots.quantise_png(raw)
    w, h, before = screenshots.read_png(raw)
    assert screenshots.read_png(small)[:2] == (w, h)
    after = screenshots.read_png(small)[2]
    same = sum(a[i:i + 3] == b[i:i + 3] for a, b in zip(before, after) for i in range(0, len(a), 3))
    assert same / (w * h) > 0.97
    assert len(small) < 0.6 * len(raw)


def test_regenerating_never_deletes_files_it_did_not_write(tmp_path):
    out = tmp_path / "shots"
    out.mkdir()
    (out / "notes.png").write_bytes(b"mine")
    (out / "home-phone-care.png").write_bytes(b"old")
    (out / MANIFEST).write_text(json.dumps({"home-phone-care.png": {}, "../x.png": {}}), encoding="utf-8")
    (tmp_path / "x.png").write_bytes(b"outside")
    screenshots.remove_previous(out)
    assert not (out / "home-phone-care.png").exists()
    assert (out / "notes.png").read_bytes() == b"mine"
    assert (tmp_path / "x.png").read_bytes() == b"outside"
