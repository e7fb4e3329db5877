"""Small things a reader notices: the site's icon, table headings split mid-word, what the public
archive page tells readers."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.sites import REPO, copy_example, run_cli
from tests.tools import record_requests


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Path:
    """The example with a yearly archive, built."""
    root = copy_example(tmp_path_factory.mktemp("small"))
    assert run_cli("archive", "2019", cwd=root).rc == 0
    return root / "site"


_ICON_JS = """async () => {
    const link = document.querySelector('link[rel="icon"]');
    const img = new Image();
    img.src = link.href;
    await img.decode();
    return [new URL(link.href).pathname.split("/").slice(-2).join("/"), img.naturalWidth, img.naturalHeight];
}"""


def test_every_page_has_an_icon_served_from_the_site(page, built, nginx):
    base = nginx(built, error_page="/dwgk/404.html")  # as the README tells the administrator
    log = record_requests(page)
    for rel in ("", "2019/issue-1.html", "archive/index.html", "archive/2019/contact.html", "no-such-page.html"):
        page.goto(base + rel, wait_until="load")
        assert page.evaluate(_ICON_JS) == ["assets/favicon.png", 32, 32], rel
    assert log.foreign(base.origin) == []
    served = base.access_log.read_text(encoding="utf-8")
    assert "/favicon.ico" not in served  # browsers ask the server's root when a page names no icon
    assert [line for line in served.splitlines() if '" 404 ' in line] == [
        line for line in served.splitlines() if "/no-such-page.html HTTP" in line]  # only the page asked for


_WRAPPED_HEADINGS_JS = """() => [...document.querySelectorAll('thead th')].map(th => {
    const range = document.createRange();
    range.selectNodeContents(th);
    return [th.textContent, new Set([...range.getClientRects()].map(r => Math.round(r.top))).size];
}).filter(([text, lines]) => lines !== 1)"""


@pytest.mark.parametrize("width", [1280, 375])
def test_table_headings_stay_on_one_line(page, built, width):
    page.set_viewport_size({"width": width, "height": 900})
    for rel in ("2019/index.html", "2019/category-1.html", "archive/index.html"):
        page.goto((built / rel).as_uri(), wait_until="load")
        assert page.locator("thead th").count() >= 3
        assert page.evaluate(_WRAPPED_HEADINGS_JS) == [], (width, rel)


def test_the_public_archive_page_speaks_to_readers(page, built):
    page.goto((built / "archive/index.html").as_uri(), wait_until="load")
    text = page.locator("main").inner_text()
    assert "压缩包内含归档时的全部页面，下载并解压后打开其中的首页即可离线浏览。" in text
    for maintainers_only in ("SHA-256", "manifest", "site/index.html", "清单"):
        assert maintainers_only not in text
    assert "manifest.json" in (REPO / "README.md").read_text(encoding="utf-8")  # told there instead
