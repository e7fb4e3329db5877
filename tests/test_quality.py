"""The page quality gate, over EVERY page of the example site and of the fixture sites (with a
yearly archive, and with a 网站地址), and of the district example (examples/district: rounds and
units; Nu checks all its pages, the browser checks its site-wide pages and one unit's notice
pages, since its other notices are the same templates again): valid HTML (Nu), no axe-core WCAG 2.1 A/AA violation, no
request to another host, no horizontal scrolling on a phone, A4 print without navigation, keyboard
use, heading order, status in words, CJK glyphs really drawn -- and the 关怀版 reading mode.

One build per site, one validator run, one browser for the module.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from tests.sites import REPO, run_cli
from tests.tools import format_axe, platform_fonts, record_requests, run_axe, validate_html

FIXTURES = REPO / "tests" / "fixtures"
STATUSES = {"已完成", "整改中", "长期坚持"}
PHONE = {"width": 375, "height": 667}
CARE_KEY = "dwgk-care"
# Where each site is served in the HTTP test: any sub-path, or the path of the site's 网站地址.
PREFIXES = {"example": "/example/dwgk/", "archived": "/a/b/", "published": "/dwgk/", "district": "/xuncha/"}
# The 404 page of a site with a 网站地址 links from that address (it is served at unknown
# depths), so it only works on its server: checked over HTTP, not from file://.
SERVER_ONLY = {"published/404.html", "district/404.html"}
DISTRICT = REPO / "examples" / "district"
# The district notice whose category and issue pages the browser checks (all its notices' pages
# are checked by Nu; the notice pages of every unit by the browser too).
DISTRICT_NOTICE = "14-3-weijianju"
# One page of each kind of the example, for the checks that are too slow for every page.
KINDS = {"home": "index.html", "notice": "2019/index.html", "category": "2019/category-1.html",
         "issue": "2019/issue-1.html", "contact": "contact.html", "404": "404.html"}
# What the standard look measured before 关怀版 existed: it must not move.
DEFAULT_LOOK = {"html_font_size": "16px", "body_font_size": "16px", "body_line_height": "28.8px",
                "body_color": "rgb(31, 31, 31)", "h1_font_size": "25.6px"}


@pytest.fixture(scope="module")
def sites(tmp_path_factory) -> dict[str, Path]:
    """Each site built once: the bundled example; the fixture site (optional footer items,
    a long-term issue, a table, an attachment) with a yearly archive; one with a 网站地址."""
    built = {}
    work = tmp_path_factory.mktemp("example")
    result = run_cli("build", "--content", str(REPO / "content"), "--output", "site", cwd=work)
    assert result.rc == 0, result.err
    built["example"] = work / "site"

    work = tmp_path_factory.mktemp("archived")
    shutil.copytree(FIXTURES / "minimal" / "content", work / "content")
    result = run_cli("archive", "2021", cwd=work)  # archives, then builds site/ with archive/
    assert result.rc == 0, result.err
    built["archived"] = work / "site"
    assert (built["archived"] / "archive" / "index.html").is_file()

    work = tmp_path_factory.mktemp("published")
    result = run_cli("build", "--content", str(FIXTURES / "published" / "content"), "--output", "site", cwd=work)
    assert result.rc == 0, result.err
    built["published"] = work / "site"

    work = tmp_path_factory.mktemp("district")
    result = run_cli("build", "--content", str(DISTRICT), "--output", "site", cwd=work)
    assert result.rc == 0, result.err
    built["district"] = work / "site"
    return built


def _browsed(root: Path, name: str) -> list[Path]:
    """The pages of a site the browser checks: all of them, but of the district example only the
    site-wide pages, every notice page and the category and issue pages of DISTRICT_NOTICE."""
    found = sorted(root.rglob("*.html"))
    if name != "district":
        return found
    return [p for p in found if p.parent == root or p.name == "index.html" or p.parent.name == DISTRICT_NOTICE]


@pytest.fixture(scope="module")
def pages(sites) -> list[Path]:
    """Every page that works from file:// (all but SERVER_ONLY)."""
    found = sorted(p for name, root in sites.items() for p in _browsed(root, name)
                   if _name(p, sites) not in SERVER_ONLY)
    # Example: 3 site pages + notice, 5 categories, 17 issues; archived: twice 12 pages + index;
    # published: 3 site pages + notice, category, 2 issues, less its 404; district: 2 site pages,
    # 3 rounds, 12 units, 14 notices, one notice's categories and issues.
    assert len(found) >= 26 + 25 + 6 + 31 + 6 + 18, found
    return found


def _name(page_path: Path, sites: dict[str, Path]) -> str:
    for name, root in sites.items():
        if page_path.is_relative_to(root):
            return f"{name}/{page_path.relative_to(root).as_posix()}"
    return str(page_path)


def _load(page, path: Path) -> None:
    page.goto(path.as_uri(), wait_until="load")


def _set_care(page, on: bool) -> None:
    """Store the reader's choice the way assets/care.js does, then reload to apply it."""
    page.evaluate("([key, on]) => on ? localStorage.setItem(key, '1') : localStorage.removeItem(key)",
                  [CARE_KEY, on])
    page.reload(wait_until="load")


_LOOK_JS = """() => {
    const s = (sel) => getComputedStyle(document.querySelector(sel));
    return {html_font_size: s('html').fontSize, body_font_size: s('body').fontSize,
            body_line_height: s('body').lineHeight, body_color: s('body').color,
            h1_font_size: s('h1').fontSize};
}"""


def _look(page) -> dict:
    return page.evaluate(_LOOK_JS)


def _contrast(fg: str, bg: str) -> float:
    def lum(rgb: str) -> float:
        r, g, b = (int(v) / 255 for v in re.findall(r"\d+", rgb)[:3])
        lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
        return 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    hi, lo = sorted((lum(fg), lum(bg)), reverse=True)
    return (hi + 0.05) / (lo + 0.05)


# --------------------------------------------------------------------------- #
# Valid, accessible, self-contained
# --------------------------------------------------------------------------- #


def test_nu_validator_finds_no_error_on_any_page(sites, pages):
    errors = validate_html(list(sites.values()))  # one JVM for every page of both sites
    assert errors == [], "\n".join(errors)


def test_every_page_from_file_passes_axe_and_requests_nothing_from_another_host(page, pages, sites):
    log = record_requests(page)
    failures = {}
    for path in pages:
        _load(page, path)
        violations = run_axe(page)
        if violations:
            failures[_name(path, sites)] = format_axe(violations)
    assert not failures, "\n\n".join(f"{k}:\n{v}" for k, v in failures.items())
    assert len(log.network()) > len(pages), "pages, stylesheet and script were not all recorded"
    assert [u for u in log.network() if not u.startswith("file:")] == []
    # (log.failed is not checked here: axe itself re-fetches stylesheets, which file:// refuses.
    # That nothing is missing is checked over HTTP below, and by the looks the other tests measure.)


def test_every_page_served_under_a_sub_path_requests_only_its_server(page, sites, nginx):
    bases = {name: nginx(root, PREFIXES[name]) for name, root in sites.items()}
    log = record_requests(page)
    statuses = {}
    page.on("response", lambda r: statuses.setdefault(r.url, r.status))
    for name, root in sites.items():
        for path in _browsed(root, name):
            page.goto(bases[name] + path.relative_to(root).as_posix(), wait_until="load")
    origins = {base.origin for base in bases.values()}
    assert log.foreign(*origins) == []
    # Nothing the pages ask for is missing, and each site stays under its own sub-path.
    assert {u: s for u, s in statuses.items() if s != 200} == {}
    assert not [u for u in log.network() if not any(u.startswith(b) for b in bases.values())]
    for base in bases.values():
        assert base + "assets/care.js" in statuses and base + "assets/style.css" in statuses


def test_axe_over_http_under_a_sub_path(page, sites, nginx):
    bases = {name: nginx(root, PREFIXES[name]) for name, root in sites.items()}
    for name, rel in (("example", "index.html"), ("example", "2019/index.html"),
                      ("example", "2019/issue-1.html"), ("archived", "archive/index.html"),
                      ("published", "404.html"), ("published", "2020/index.html"),
                      ("district", "index.html"), ("district", "round-14-3.html"), ("district", "unit-minzhengju.html")):
        page.goto(bases[name] + rel, wait_until="load")
        assert _look(page) == DEFAULT_LOOK, f"{name}/{rel}: stylesheet not applied"
        violations = run_axe(page)
        assert violations == [], f"{name}/{rel}:\n{format_axe(violations)}"


# --------------------------------------------------------------------------- #
# Phone and paper
# --------------------------------------------------------------------------- #


def test_no_horizontal_scrolling_on_a_phone_standard_and_care(page, pages, sites):
    too_wide = {}
    for care in (False, True):
        _load(page, pages[0])
        _set_care(page, care)
        for path in pages:
            _load(page, path)
            assert page.evaluate("document.documentElement.classList.contains('care')") is care
            # 375 px: a common phone; 320 px: the width WCAG 2.1 asks pages to reflow to (1.4.10).
            for width in (PHONE["width"], 320):
                page.set_viewport_size({"width": width, "height": PHONE["height"]})
                scroll, client = page.evaluate(
                    "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]")
                if scroll > client or client != width:
                    too_wide[(width, _name(path, sites), "关怀版" if care else "标准版")] = (scroll, client)
            page.set_viewport_size(PHONE)
    assert too_wide == {}


HIDDEN_IN_PRINT = (".skip-link", ".site-nav", ".care-toggle", ".breadcrumb", ".download", ".pager", ".search-box",
                   ".search-form")


def _pdf_pages(pdf: bytes) -> list[tuple[float, float]]:
    """(width, height) in points of every page of a PDF Chromium wrote (uncompressed page tree)."""
    count = len(re.findall(rb"/Type\s*/Page\b", pdf))
    boxes = [tuple(float(v) for v in m.groups()) for m in
             re.finditer(rb"/MediaBox\s*\[\s*0\s+0\s+([\d.]+)\s+([\d.]+)\s*\]", pdf)]
    assert count and boxes, "no page found in the PDF"
    return boxes[:count] if len(boxes) >= count else boxes * count


@pytest.mark.parametrize("care", [False, True], ids=["standard", "care"])
def test_notice_prints_on_a4_without_navigation(page, sites, care):
    root = sites["example"]
    _load(page, root / "index.html")
    _set_care(page, care)
    page.emulate_media(media="print")
    # The printable width of A4 with the stylesheet's 18 mm side margins, in CSS px.
    page.set_viewport_size({"width": round((210 - 2 * 18) / 25.4 * 96), "height": 1000})
    printed = {}
    district = sites["district"]
    for where, rel, max_pages in ((root, "2019/index.html", 20), (root, "2019/issue-1.html", 2),
                                  (root, "2019/category-1.html", 2), (district, "index.html", 4),
                                  (district, "round-14-3.html", 3), (district, "unit-minzhengju.html", 2),
                                  (root, "search.html", 1)):
        _load(page, where / rel)
        shown = page.evaluate("""(sels) => sels.filter(s => [...document.querySelectorAll(s)]
            .some(e => getComputedStyle(e).display !== 'none'))""", list(HIDDEN_IN_PRINT))
        assert shown == [], f"{rel}: printed although it should not be: {shown}"
        assert page.evaluate("getComputedStyle(document.querySelector('main')).display") != "none"
        # A printout is always the standard document, 11 pt text, even in 关怀版.
        assert page.evaluate("getComputedStyle(document.documentElement).fontSize") == "14.6667px"
        scroll, client = page.evaluate(
            "[document.scrollingElement.scrollWidth, document.scrollingElement.clientWidth]")
        assert scroll <= client, f"{rel}: wider than A4 ({scroll} > {client})"
        sizes = _pdf_pages(page.pdf(format="A4", print_background=True))
        assert 1 <= len(sizes) <= max_pages, (rel, len(sizes))
        for w, h in sizes:  # A4 is 595 x 842 pt
            assert abs(w - 595.3) < 2 and abs(h - 841.9) < 2, (rel, w, h)
        printed[rel] = len(sizes)
    # The whole notice text (17 issues and their measures) is printed, not just the first screen.
    assert printed["2019/index.html"] >= 3, printed


# --------------------------------------------------------------------------- #
# Keyboard, language, headings, status in words
# --------------------------------------------------------------------------- #

# Every element Tab should reach, in document order (no positive tabindex is allowed).
_FOCUSABLE_JS = """() => [...document.querySelectorAll(
    'a[href], button, input, select, textarea, [tabindex]:not([tabindex="-1"])')]
    .filter(e => !e.hidden && e.getClientRects().length > 0)"""
# Records, for every focus the keyboard moves, where it landed and whether a focus ring shows.
_RECORD_FOCUS_JS = """(focusables) => {
    window.__stops = [];
    const all = (FOCUSABLE)();
    document.addEventListener('focusin', (event) => {
        const e = event.target, s = getComputedStyle(e), r = e.getBoundingClientRect();
        window.__stops.push({index: all.indexOf(e), text: e.textContent.trim().slice(0, 20),
            ring: e.matches(':focus-visible') && s.outlineStyle !== 'none' && parseFloat(s.outlineWidth) >= 2,
            inView: r.bottom > 0 && r.top < innerHeight && r.right > 0 && r.left < innerWidth});
    });
    return all.length;
}""".replace("FOCUSABLE", _FOCUSABLE_JS)


def test_keyboard_skip_link_first_then_every_stop_in_order_with_visible_focus(page, pages, sites):
    problems = []
    for path in pages:
        name = _name(path, sites)
        _load(page, path)
        if page.evaluate("document.querySelectorAll('[tabindex]:not([tabindex=\"-1\"]):not([tabindex=\"0\"])').length"):
            problems.append(f"{name}: a positive tabindex breaks the reading order")
        count = page.evaluate(_RECORD_FOCUS_JS)
        for _ in range(count):
            page.keyboard.press("Tab")
        stops = page.evaluate("window.__stops")
        if [s["index"] for s in stops] != list(range(count)):
            problems.append(f"{name}: Tab order {[s['index'] for s in stops]} is not the document order")
        if not stops or stops[0]["text"] != "跳到正文":
            problems.append(f"{name}: the first Tab stop is not the skip link: {stops[:1]}")
        hidden = [s for s in stops if not (s["ring"] and s["inView"])]
        if hidden:
            problems.append(f"{name}: focus not visible on {hidden}")
        # The skip link moves the focus to the main content.
        _load(page, path)
        page.keyboard.press("Tab")
        page.keyboard.press("Enter")
        if page.evaluate("document.activeElement.id") != "main":
            problems.append(f"{name}: the skip link does not move the focus to <main>")
    assert problems == []


def test_language_headings_status_words_and_care_switch_on_every_page(page, pages, sites):
    problems = []
    for path in pages:
        name = _name(path, sites)
        _load(page, path)
        facts = page.evaluate("""() => ({
            lang: document.documentElement.lang,
            levels: [...document.querySelectorAll('h1,h2,h3,h4,h5,h6')].map(h => +h.tagName[1]),
            statuses: [...document.querySelectorAll('.status')].map(s => s.textContent.trim()),
            mains: document.querySelectorAll('main').length,
            switch: [...document.querySelectorAll('header button[type=button]')].map(b => [
                b.textContent.trim(), b.getAttribute('aria-pressed'), b.getClientRects().length > 0]),
        })""")
        if facts["lang"] != "zh-CN":
            problems.append(f"{name}: lang={facts['lang']!r}")
        levels = facts["levels"]
        if levels[:1] != [1] or levels.count(1) != 1:
            problems.append(f"{name}: not exactly one <h1> first: {levels}")
        skips = [(a, b) for a, b in zip(levels, levels[1:]) if b > a + 1]
        if skips:
            problems.append(f"{name}: heading level skipped {skips} in {levels}")
        if facts["mains"] != 1:
            problems.append(f"{name}: {facts['mains']} <main> elements")
        bad = [s for s in facts["statuses"] if s not in STATUSES]
        if bad:
            problems.append(f"{name}: status shown without its word: {bad}")
        if "/issue-" in path.as_posix() and len(facts["statuses"]) != 1:
            problems.append(f"{name}: an issue page must state its status once in words")
        if facts["switch"] != [["关怀版", "false", True]]:
            problems.append(f"{name}: not one visible 关怀版 switch, off, in the header: {facts['switch']}")
    assert problems == []


def test_status_labels_are_words_not_only_colours(page, sites):
    """Same words whatever the colours: with every colour removed the statuses still differ."""
    _load(page, sites["archived"] / "2020" / "index.html")
    page.emulate_media(forced_colors="active")
    labels = page.evaluate("[...document.querySelectorAll('.status')].map(s => s.innerText.trim())")
    assert sorted(labels) == sorted(STATUSES)


# --------------------------------------------------------------------------- #
# CJK glyphs really drawn
# --------------------------------------------------------------------------- #


def _cjk_count(text: str) -> int:
    return sum(1 for ch in text if "\u4e00" <= ch <= "\u9fff")


@pytest.mark.parametrize("media", ["screen", "print"])
def test_chinese_text_is_drawn_with_a_cjk_font(page, sites, media):
    page.emulate_media(media=media)
    for kind, rel in KINDS.items():
        _load(page, sites["example"] / rel)
        for selector in ("h1", "main p:not(.meta)"):
            # Chromium reports the glyphs of the element's own text nodes.
            text = page.eval_on_selector(selector, """e => [...e.childNodes]
                .filter(n => n.nodeType === Node.TEXT_NODE).map(n => n.data).join('')""")
            assert _cjk_count(text), (kind, selector, text)
            fonts = platform_fonts(page, selector)
            cjk = [f for f in fonts if "WenQuanYi" in f["familyName"]]
            assert cjk, f"{kind} {selector}: drawn with {fonts}, no CJK font"
            assert not any(f["isCustomFont"] for f in fonts), fonts  # no web font
            assert sum(f["glyphCount"] for f in cjk) >= _cjk_count(text), (kind, selector, fonts, text)


# --------------------------------------------------------------------------- #
# 关怀版
# --------------------------------------------------------------------------- #


AAA_CONTRAST = {"runOnly": {"type": "rule", "values": ["color-contrast-enhanced"]}}  # 7:1


def _tab_to_care_button(page) -> None:
    for _ in range(10):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "care-toggle":
            return
    pytest.fail("the 关怀版 button cannot be reached with Tab")


def test_care_mode_by_keyboard_large_high_contrast_remembered_and_reversible(page, sites):
    root = sites["example"]
    _load(page, root / "index.html")
    assert _look(page) == DEFAULT_LOOK
    default_px = float(DEFAULT_LOOK["body_font_size"][:-2])

    _tab_to_care_button(page)
    page.keyboard.press("Enter")
    # A toggle button: its name stays "关怀版", its state is announced as pressed.
    assert page.get_by_role("button", name="关怀版", exact=True, pressed=True).count() == 1
    assert page.evaluate("document.activeElement.id") == "care-toggle"  # focus stays on the switch
    look = _look(page)
    assert float(look["body_font_size"][:-2]) >= 1.25 * default_px, look
    assert float(look["h1_font_size"][:-2]) >= 1.25 * float(DEFAULT_LOOK["h1_font_size"][:-2]), look
    bg = page.evaluate("getComputedStyle(document.body).backgroundColor")
    bg = "rgb(255, 255, 255)" if bg == "rgba(0, 0, 0, 0)" else bg
    assert _contrast(look["body_color"], bg) >= 15, (look["body_color"], bg)

    # Still on after following a link, and on every kind of page: AAA contrast (7:1) there.
    page.get_by_role("link", name=re.compile("黄陂区融媒体中心关于巡察")).first.click()
    page.wait_for_load_state("load")
    assert page.url.endswith("2019/index.html")
    archived = sites["archived"] / "archive"
    for path in [*(root / rel for rel in KINDS.values()), archived / "index.html", archived / "2021/index.html"]:
        rel = _name(path, sites)
        _load(page, path)
        assert page.locator("#care-toggle").get_attribute("aria-pressed") == "true", rel
        assert float(_look(page)["body_font_size"][:-2]) >= 1.25 * default_px, rel
        violations = run_axe(page) + run_axe(page, options=AAA_CONTRAST)
        assert violations == [], f"{rel} in 关怀版:\n{format_axe(violations)}"

    # Off again with Space, and it stays off.
    _load(page, root / "2019/issue-1.html")
    _tab_to_care_button(page)
    page.keyboard.press(" ")
    assert page.locator("#care-toggle").get_attribute("aria-pressed") == "false"
    assert _look(page) == DEFAULT_LOOK
    _load(page, root / "index.html")
    assert page.locator("#care-toggle").get_attribute("aria-pressed") == "false"
    assert _look(page) == DEFAULT_LOOK


def test_care_mode_remembered_over_http(page, sites, nginx):
    base = nginx(sites["example"], "/dwgk/")
    page.goto(base + "index.html")
    page.get_by_role("button", name="关怀版").click()
    page.goto(base + "2019/issue-2.html")
    assert page.locator("#care-toggle").get_attribute("aria-pressed") == "true"
    assert page.evaluate("document.documentElement.classList.contains('care')")
    page.get_by_role("button", name="关怀版").click()
    page.goto(base + "contact.html")
    assert page.locator("#care-toggle").get_attribute("aria-pressed") == "false"
    assert _look(page)["body_font_size"] == DEFAULT_LOOK["body_font_size"]


def test_every_page_fully_readable_without_javascript_and_default_look_untouched(browser, pages, sites):
    on = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    off = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900},
                              java_script_enabled=False)
    try:
        with_js, without_js = on.new_page(), off.new_page()
        problems = []
        for path in pages:
            name = _name(path, sites)
            for p in (with_js, without_js):
                _load(p, path)
            (text_on, look_on, _), (text_off, look_off, switch_shown) = (
                p.evaluate(f"""() => [document.querySelector('main').innerText, ({_LOOK_JS})(),
                    document.getElementById('care-toggle').getClientRects().length > 0]""")
                for p in (with_js, without_js))
            if name.endswith("/search.html"):  # says that search needs JavaScript, until its script runs
                if "搜索需要浏览器启用 JavaScript" not in text_off or "JavaScript" in text_on:
                    problems.append(f"{name}: does not say (only) without JavaScript that search needs it")
            elif not _cjk_count(text_off) or text_off != text_on:
                problems.append(f"{name}: the text differs without JavaScript")
            if switch_shown:
                problems.append(f"{name}: the 关怀版 button is shown although it cannot work")
            if look_off != DEFAULT_LOOK or look_on != DEFAULT_LOOK:
                problems.append(f"{name}: default look changed: {look_off} / {look_on}")
        # Pixel for pixel: below the header, each kind of page looks the same with and without
        # the script (the header only gains the switch).
        for rel in KINDS.values():
            shots = []
            for p in (with_js, without_js):
                _load(p, sites["example"] / rel)
                top = p.evaluate("document.querySelector('header').getBoundingClientRect().bottom")
                shots.append((top, p.screenshot(clip={"x": 0, "y": top, "width": 1280, "height": 900 - top}),
                              p.locator("footer").screenshot()))
            if shots[0] != shots[1]:
                problems.append(f"{rel}: the page looks different with the 关怀版 script")
        assert problems == []
    finally:
        on.close()
        off.close()
