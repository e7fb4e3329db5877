"""Full-text search: the index `build` writes (dwgk/search.py) and the search page in real Chromium,
served by nginx under a sub-path and opened from file://."""

from __future__ import annotations

import html
import json
import re
import shutil
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings, strategies as st

from dwgk import search
from dwgk.search import BUCKETS, bigrams, bucket, fold, plain_text, shard_count, text_bigrams
from tests.sites import EXAMPLE, REPO, assert_errors, copy_example, edit, read_tree, run_cli
from tests.tools import record_requests

FIRST = "落实中央八项规定精神不彻底"  # problem 10 of the example
DISTRICT = REPO / "examples" / "district"
ON = "全文搜索: 开启\n"


# --------------------------------------------------------------------------- #
# The setting: off unless site.yml turns it on
# --------------------------------------------------------------------------- #


def test_without_the_setting_the_site_has_no_search_and_turning_it_off_removes_it(tmp_path):
    copy_example(tmp_path)
    settings = tmp_path / "content/site.yml"
    assert settings.read_text(encoding="utf-8").endswith(ON)  # the example has it on
    assert run_cli("build", cwd=tmp_path).rc == 0
    assert (tmp_path / "site/search.html").is_file() and (tmp_path / "site/assets/search/index.js").is_file()
    assert 'class="search-box"' in (tmp_path / "site/2019/issue-1.html").read_text(encoding="utf-8")
    # Turned off in the same site folder: every search file goes, as if search had never been there.
    edit(settings, ON, "全文搜索: 关闭\n")
    result = run_cli("build", cwd=tmp_path)
    assert result.rc == 0, result.err
    site = read_tree(tmp_path / "site")
    assert [p for p in site if "search" in p] == []
    assert [p for p, data in site.items() if b"search" in data] == []  # no box, no style sheet, no link
    # Not written at all is the same as 关闭, byte for byte, with or without the cache.
    edit(settings, "全文搜索: 关闭\n", "")
    assert run_cli("build", "--no-cache", "--output", "unset", cwd=tmp_path).rc == 0
    assert read_tree(tmp_path / "unset") == site


def test_a_setting_other_than_on_or_off_is_refused_at_its_line(tmp_path):
    copy_example(tmp_path)
    edit(tmp_path / "content/site.yml", ON, "全文搜索: 是\n")
    assert_errors(run_cli("build", cwd=tmp_path),
                  ["content/site.yml:22: “全文搜索”只能写“开启”或“关闭”，而不是“是”（可选：开启、关闭）"])
    assert not (tmp_path / "site").exists()


def test_a_search_script_for_another_index_format_is_refused_until_replaced(tmp_path):
    """A site with its own layouts, copied from an older dwgk: its search.js would misread the
    index this dwgk writes, so the build stops and says which file to replace and how."""
    copy_example(tmp_path)
    shutil.copytree(REPO / "layouts", tmp_path / "layouts")
    script = tmp_path / "layouts/assets/search.js"
    current = script.read_text(encoding="utf-8")
    assert f"dwgk-search-index-format: {search.INDEX_FORMAT}\n" in current
    assert run_cli("build", "--layouts", "layouts", cwd=tmp_path).rc == 0
    before = read_tree(tmp_path / "site")
    script.write_text(current.replace(search.FORMAT_MARK, "dwgk-search-index-format: 1"), encoding="utf-8")
    assert_errors(run_cli("build", "--layouts", "layouts", cwd=tmp_path), [
        "layouts/assets/search.js:1: 搜索脚本不是本版 dwgk 的，读不懂本版写出的搜索索引（网站上的搜索会出错）：请换成本版"
        " dwgk 自带的 layouts/assets/search.js（自己改过的地方再改一遍），或在 site.yml 中写“全文搜索: 关闭”"])
    assert read_tree(tmp_path / "site") == before
    # Without search the script is not published, and nothing reads it.
    edit(tmp_path / "content/site.yml", ON, "全文搜索: 关闭\n")
    assert run_cli("build", "--layouts", "layouts", cwd=tmp_path).rc == 0


# --------------------------------------------------------------------------- #
# The index
# --------------------------------------------------------------------------- #


def test_bigrams_span_letters_and_digits_only_and_fold_full_width():
    assert bigrams("八项规定") == {"八项", "项规", "规定"}
    assert bigrams("电话：027-85932332") == {"电话", "02", "27", "85", "59", "93", "32", "23", "33"}
    assert bigrams("ＰＤＦ文件 A") == {"pd", "df", "f文", "文件"}
    # Of several texts: never across two of them, however often a run repeats.
    assert _pairs(text_bigrams(["八项规定", "八", "项", "规定。八项规定"])[0]) == ["八项", "规定", "项规"]  # by bucket: 项 U+9879, 定 U+5B9A, 规 U+89C4
    assert set(_pairs(text_bigrams(["a＿b"])[0])) == bigrams("a＿b") == {"a_", "_b"}  # folded first, as in assets/search.js
    assert fold("ＡＢ１２　x") == "ab12 x"
    assert plain_text("<p>一是<strong>八项</strong>规定&amp;</p><p>二是</p>") == "一是八项规定& 二是"


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(st.sampled_from(["<p>", "</p>", "<strong>", "</strong>", "<em>", "</em>", "<li>", "</li>", "<ul>", "<br />",
                                 '<a href="x.html">', "</a>", "<h2 id=\"q\">", "八项", "&amp;", "&lt;p&gt;", " ", "\n",
                                 "\u3000", "\u00a0", "\u2028", "规定。"]), max_size=20))
def test_plain_text_is_the_text_between_the_tags(fragments):
    """plain_text takes the commonest tags out without a regular expression: the same text as with one."""
    html_text = "".join(fragments)
    text = re.sub(r"<[^>]*>", "", re.sub(r"</?(?:p|li|ul|h2|br)\b[^>]*>", " ", html_text))
    assert plain_text(html_text) == re.sub(r"\s+", " ", html.unescape(text)).strip()


def _pairs(text: str) -> list[str]:
    assert len(text) % 2 == 0
    return [text[i:i + 2] for i in range(0, len(text), 2)]


@settings(max_examples=300, derandomize=True, deadline=None)
@given(st.lists(st.text(alphabet=st.sampled_from("八项规定a＿Ｂ1 。，、_\U00020BB7\U0001D7CE\u00e9\u3400\uFFFD"), max_size=12),
                max_size=5), st.sets(st.sampled_from(["八项", "规定", "a_", "\U00020BB7八"])))
def test_a_texts_bigrams_are_each_pair_of_letters_once_by_bucket(texts, left_out):
    """text_bigrams makes integers of the characters' bytes: its bigrams are those of the strings,
    astral characters (𠮷, 𝟎) and the last letter of a plane's block included, in buckets."""
    text, starts = text_bigrams(texts, left_out)
    found = _pairs(text)
    assert found == list(dict.fromkeys(found))  # once each
    assert set(found) == set().union(*map(bigrams, texts)) - left_out
    assert len(starts) == BUCKETS + 1 and starts[0] == 0 and starts[-1] == len(found)
    for n in range(BUCKETS):
        in_bucket = found[starts[n]:starts[n + 1]]
        assert {bucket(b) for b in in_bucket} <= {n} and in_bucket == sorted(in_bucket, key=lambda b: (b[1], b[0]))


@settings(max_examples=500, derandomize=True, deadline=None)
@given(st.one_of(st.text(), st.text(alphabet=st.sampled_from("八项a_＿Ｂ1١²Ⅻ，。、；“ \t\n\u3000\u00a0\u2028-"))))
def test_runs_are_the_runs_the_regular_expression_finds(text):
    """runs cuts the text at the common marks with str.replace and tells runs by str.isalnum:
    the same runs as the regular expression (\\w, and the full-width ＿), in any text."""
    assert search.runs(text) == set(re.findall(r"[\w\uFF3F]+", text))


def test_no_letter_or_digit_is_in_the_plane_of_the_separator():
    """text_bigrams joins runs with U+10FFFF and knows the pairs with it in them by the bit 0x10 of
    a code point's third byte: no letter's or digit's code point may have it."""
    word = re.compile(r"[\w\uFF3F]")
    assert max(c for c in range(sys.maxunicode + 1) if word.match(chr(c))) < 0x100000


def test_shards_grow_with_the_site_in_powers_of_two():
    assert [shard_count(n) for n in (1, 64, 65, 10_500, 10**7)] == [1, 1, 2, 256, 256]


def _load_script(path: Path, call: str):
    """The data a search data file hands to dwgkSearch.CALL(...)."""
    text = path.read_text(encoding="utf-8")
    match = re.fullmatch(rf"dwgkSearch\.{call}\((.*)\);\n", text, re.S)
    assert match, text[:200]
    return json.loads(f"[{match[1]}]")


@pytest.fixture(scope="module")
def example(tmp_path_factory) -> Path:
    work = tmp_path_factory.mktemp("search-example")
    result = run_cli("build", "--content", str(EXAMPLE), "--output", "site", cwd=work)
    assert result.rc == 0, result.err
    return work / "site"


def test_example_index_lists_the_notice_and_postings_point_at_its_pages(example):
    [index] = _load_script(example / "assets/search/index.js", "index")
    assert index["shards"] == 1 and index["units"] == [] and index["rounds"] == []
    notice = index["parts"][1]
    assert notice["key"] == "2019" and notice["records"] == "assets/search/r-2019.js"
    assert notice["statuses"][0] == "-" and len(notice["statuses"]) == 18 and notice["statuses"].count("1") == 1
    number, shard = _load_script(example / "assets/search/p-0.js", "shard")
    postings = {key: _postings(found) for key, found in shard.items()}
    key, records = _load_script(example / "assets/search/r-2019.js", "records")
    assert key == "2019" and records["unit"] == "武汉市黄陂区融媒体中心"
    docs = {d[0]: d for d in records["docs"]}
    title_of_10 = docs[10][1]
    assert FIRST in title_of_10 and docs[10][2] == "2019/issue-10.html" and docs[10][3] == "2019/index.html#issue-10"
    # A bigram in titles lists those pages; one only in the text of the notice's pages is 0 (the
    # search page looks for the query in the records of the notices that have every bigram).
    assert 10 in postings["2019"]["八项"]
    assert postings["2019"]["盘龙"] == 0 and "盘龙" in docs[1][6] and "盘龙" not in docs[1][1]
    assert postings[""]["85"] == 0  # the contact page: its phone number
    assert "瞿塘" not in postings["2019"]


def _postings(section) -> dict:
    """A notice's section of a shard as {bigram: 0, or the numbers of the pages whose titles hold it}."""
    text, titles = (section, {}) if isinstance(section, str) else section
    found = dict.fromkeys(_pairs(text), 0)
    assert not found.keys() & titles.keys()
    return {**found, **titles}


def test_a_title_of_several_lines_lists_its_own_page():
    """标题: | gives a title of several lines: its bigrams are its page's, not the next page's."""
    docs = [search.Doc(n, title, f"{n}.html", "", "", "", "正文") for n, title in
            enumerate(["通报", "第一行\n第二行瞿塘", "三是八项"])]
    part = search.search_part("k", (), {}, docs)
    [(key, found)] = json.loads("{" + search.section(part, 0, 1) + "}").items()
    postings = _postings(found)
    assert key == "k" and postings["瞿塘"] == postings["一行"] == [1] and postings["八项"] == [2]
    assert postings["正文"] == 0


def test_index_is_deterministic_and_an_edit_rewrites_only_what_changed(tmp_path):
    copy_example(tmp_path)
    assert run_cli("build", cwd=tmp_path).rc == 0
    search = tmp_path / "site" / "assets" / "search"
    before = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in search.iterdir()}
    cold = tmp_path / "cold"
    assert run_cli("build", "--no-cache", "--output", "cold", cwd=tmp_path).rc == 0
    assert {p.name: p.read_bytes() for p in (cold / "assets/search").iterdir()} == {
        k: v[0] for k, v in before.items()}
    # An issue's status changes: its notice's records and index.js change, postings do not.
    edit(tmp_path / "content/2019/17.md", "状态: 已完成", "状态: 整改中")
    edit(tmp_path / "content/2019/01.md", "状态: 整改中", "状态: 已完成")
    assert run_cli("build", cwd=tmp_path).rc == 0
    after = {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in search.iterdir()}
    changed = {k for k in after if after[k] != before.get(k)}
    assert changed == {"index.js", "r-2019.js"}
    # A new word in an issue's text: the postings change too, and the result is what a cold build writes.
    edit(tmp_path / "content/2019/03.md", "一是", "一是示例词语瞿塘峡，")
    assert run_cli("build", cwd=tmp_path).rc == 0
    assert "瞿塘" in (search / "p-0.js").read_text(encoding="utf-8")
    shutil.rmtree(cold)
    assert run_cli("build", "--no-cache", "--output", "cold", cwd=tmp_path).rc == 0
    assert {p.name: p.read_bytes() for p in (cold / "assets/search").iterdir()} == {
        p.name: p.read_bytes() for p in search.iterdir()}


# --------------------------------------------------------------------------- #
# The search page in Chromium
# --------------------------------------------------------------------------- #


def _search(page, text: str) -> list[str]:
    """Type a query into the search page's box; the titles of the results once it says so."""
    box = page.get_by_label("搜索内容")
    box.fill("")
    box.press_sequentially(text)
    box.press("Enter")
    page.wait_for_function("""() => /条结果|没有找到|请至少/.test(document.getElementById('search-status-text').textContent)""")
    return page.locator("#search-results h2").all_inner_texts()


def test_served_under_a_sub_path_typing_finds_and_ranks_and_stays_on_the_server(page, example, nginx):
    base = nginx(example, "/dwgk/")
    log = record_requests(page)
    page.goto(base + "2019/issue-5.html", wait_until="load")
    # The header's box: a labelled GET form that opens the search page with the query.
    page.get_by_role("search").get_by_label("搜索").fill("八项规定")
    page.get_by_role("search").get_by_role("button", name="搜索").click()
    page.wait_for_url(re.compile(r"/dwgk/search\.html\?q="))
    page.wait_for_function("() => /条结果/.test(document.getElementById('search-status-text').textContent)")
    titles = page.locator("#search-results h2").all_inner_texts()
    assert FIRST in titles[0]
    assert page.locator("#search-results h2 mark").first.inner_text() == "八项规定"
    first = page.locator("#search-results li").first
    assert first.get_by_role("link").first.get_attribute("href") == "2019/issue-10.html"
    assert first.get_by_role("link", name="在通报全文中查看").get_attribute("href") == "2019/index.html#issue-10"
    assert "已完成" in first.inner_text() and "武汉市黄陂区融媒体中心" in first.inner_text()
    assert page.locator("[role=status]").inner_text().startswith("“八项规定”：共找到")

    # Typing alone shows the results (no Enter), in the search page's own box.
    page.get_by_label("搜索内容").fill("")
    page.get_by_label("搜索内容").press_sequentially("盘龙")
    page.wait_for_function("() => /“盘龙”：共找到/.test(document.getElementById('search-status-text').textContent)")
    assert page.locator("#search-results h2 a[href='2019/issue-1.html']").count() == 1
    assert "盘龙" in page.locator("#search-results li", has=page.locator("a[href='2019/issue-1.html']")).locator(
        ".search-snippet mark").first.inner_text()
    assert _search(page, "瞿塘峡示例") == []
    assert page.locator("[role=status]").inner_text() == "“瞿塘峡示例”：没有找到相关内容。请换个说法，或减少字数再试。"
    assert _search(page, "八") == []
    assert page.locator("[role=status]").inner_text() == "请至少输入两个相连的字（或字母、数字），如“八项规定”。"
    assert "反馈联系" in _search(page, "027-85932332")
    # Mixed words: every word must be on the page.
    mixed = _search(page, "2019 财务")
    assert mixed and all(page.locator("#search-results li").nth(i).inner_text().count("财务")
                         for i in range(len(mixed)))
    # Status filter, by keyboard: from the box, Tab to the button, Tab to the filter, arrows to 整改中.
    _search(page, "整改")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.id") == "search-status"
    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    page.wait_for_function("() => /共找到 \\d+ 条结果/.test(document.getElementById('search-status-text').textContent)"
                           " && document.querySelectorAll('#search-results li').length === 1")
    assert page.locator("#search-results .status").all_inner_texts() == ["整改中"]
    assert log.foreign(base.origin) == []
    assert all(u.startswith(base) for u in log.network())


def test_words_across_pages_and_no_word_boundaries(page, example, nginx):
    base = nginx(example, "/x/y/")
    page.goto(base + "search.html?q=公车", wait_until="load")
    page.wait_for_function("() => /条结果/.test(document.getElementById('search-status-text').textContent)")
    hrefs = page.locator("#search-results h2 a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    texts = {p.name: p.read_text(encoding="utf-8") for p in (example / "2019").glob("issue-*.html")}
    expected = {f"2019/{n}" for n, t in texts.items() if "公车" in re.sub(r"<[^>]+>", "", t.split("<main", 1)[1])}
    assert expected and set(hrefs) >= expected


def test_from_file_the_page_works_or_says_so_and_never_breaks(page, example):
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto((example / "search.html").as_uri() + "?q=八项规定", wait_until="load")
    page.wait_for_function("() => /条结果|未能载入/.test(document.getElementById('search-status-text').textContent)")
    assert errors == []
    assert FIRST in page.locator("#search-results h2").first.inner_text()


def test_without_javascript_the_search_page_says_it_needs_it(browser, example):
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    try:
        page = context.new_page()
        page.goto((example / "index.html").as_uri(), wait_until="load")
        page.get_by_role("search").get_by_label("搜索").fill("八项规定")
        page.get_by_role("search").get_by_label("搜索").press("Enter")
        page.wait_for_url(re.compile(r"search\.html\?q="))
        assert "搜索需要浏览器启用 JavaScript" in page.locator("main").inner_text()
    finally:
        context.close()


def test_archived_search_stays_in_its_year(tmp_path, page):
    shutil.copytree(REPO / "tests/fixtures/minimal/content", tmp_path / "content")
    assert run_cli("archive", "2021", cwd=tmp_path).rc == 0
    site = tmp_path / "site"
    [index] = _load_script(site / "archive/2021/assets/search/index.js", "index")
    [current] = _load_script(site / "assets/search/index.js", "index")
    assert [p["records"] for p in index["parts"]] == [p["records"] for p in current["parts"]]
    # The archived page's box leads to the archived search, whose results stay in the archive.
    page.goto((site / "archive/2021/index.html").as_uri(), wait_until="load")
    assert page.get_by_role("search").get_attribute("action") == "search.html"
    page.goto((site / "archive/2021/search.html").as_uri() + "?q=" + _a_word(site), wait_until="load")
    page.wait_for_function("() => /条结果/.test(document.getElementById('search-status-text').textContent)")
    for href in page.locator("#search-results a").evaluate_all("els => els.map(e => e.href)"):
        assert href.startswith((site / "archive/2021").as_uri() + "/")


def _a_word(site: Path) -> str:
    key, records = _load_script(next((site / "assets/search").glob("r-*.js")), "records")
    return records["docs"][1][1][:2]


def test_at_district_scale_an_edit_rewrites_only_the_shards_of_its_new_words(tmp_path):
    from tests.bench import benchdata

    benchdata.write_dwgk_content(str(tmp_path / "content"), benchdata.make_notices(300), search=True)
    assert run_cli("build", cwd=tmp_path).rc == 0
    search = tmp_path / "site" / "assets" / "search"

    def shards():
        return {p.name: (p.read_bytes(), p.stat().st_mtime_ns) for p in search.glob("p-*.js")}

    before = shards()
    assert len(before) == 8  # 300 issues and 15 notices: about 64 pages a shard
    issue = next((tmp_path / "content").glob("*/03.md"))
    edit(issue, "一是", "一是瞿塘", 1)
    assert run_cli("build", cwd=tmp_path).rc == 0
    after = shards()
    changed = {k for k in after if after[k] != before[k]}
    from dwgk.search import bucket, shard_count
    new_words = {"瞿塘", "是瞿", "塘" + issue.read_text(encoding="utf-8").split("一是瞿塘", 1)[1][0]}
    assert changed == {f"p-{bucket(b) % 8}.js" for b in new_words}
    # A shard deleted from the site is written again; the index is what a cold build writes.
    (search / "p-0.js").unlink()
    assert run_cli("build", cwd=tmp_path).rc == 0
    assert run_cli("build", "--no-cache", "--output", "cold", cwd=tmp_path).rc == 0
    cold = tmp_path / "cold" / "assets" / "search"
    assert {p.name: p.read_bytes() for p in cold.iterdir()} == {p.name: p.read_bytes() for p in search.iterdir()}


def _district_with_search(root: Path) -> list[Path]:
    """300 issues in 15 notices with search on, built; returns the first issue of two notices."""
    from tests.bench import benchdata

    benchdata.write_dwgk_content(str(root / "content"), benchdata.make_notices(300), search=True)
    assert run_cli("build", cwd=root).rc == 0
    return [sorted(folder.glob("0*.md"))[0] for folder in sorted((root / "content").glob("*/"))[:2]]


def _assert_index_as_cold(root: Path) -> None:
    assert run_cli("build", "--no-cache", "--output", "cold", cwd=root).rc == 0
    assert read_tree(root / "site" / "assets" / "search") == read_tree(root / "cold" / "assets" / "search")


def test_a_notice_put_back_after_a_failed_build_is_put_back_in_the_index(tmp_path, monkeypatch):
    """A build that fails at the link check has made the index with the edit: the next build, with
    the edit undone (the notice's pages are as written, so it is not rendered again) and another
    notice changed, makes the shards of the words the edit added again, without them."""
    from dwgk import pipeline

    first, other = _district_with_search(tmp_path)
    text = first.read_text(encoding="utf-8")
    first.write_text(text.replace("一是", "一是瞿塘峡[见附件](整改方案.txt)", 1), encoding="utf-8")
    assert_errors(run_cli("build", cwd=tmp_path), None)
    first.write_text(text, encoding="utf-8")
    other.rename(other.with_name("r123.md"))
    monkeypatch.setattr(pipeline, "_search_index_whole", lambda *a: pytest.fail("made the whole index again"))
    result = run_cli("build", cwd=tmp_path)
    assert result.rc == 0, result.err
    monkeypatch.undo()
    _assert_index_as_cold(tmp_path)


def test_sections_saved_by_a_build_that_stopped_before_its_state_are_not_used(tmp_path, monkeypatch):
    """A build stopped between saving a shard's sections and saving the state of the index leaves
    sections the state does not describe: the next build that makes that shard again makes the
    whole index instead of adding its edit to them."""
    from dwgk.cache import SearchMemo

    first, other = _district_with_search(tmp_path)
    text = first.read_text(encoding="utf-8")
    edit(first, "一是", "一是瞿塘峡", 1)
    real_save = SearchMemo.save_search_state

    def stop(memo, state):
        if state:
            raise KeyboardInterrupt
        real_save(memo, state)
    monkeypatch.setattr(SearchMemo, "save_search_state", stop)
    with pytest.raises(KeyboardInterrupt):
        run_cli("build", cwd=tmp_path)
    monkeypatch.undo()
    first.write_text(text, encoding="utf-8")
    edit(other, "一是", "一是瞿塘峡", 1)  # the same shards as the stopped build's edit
    assert run_cli("build", cwd=tmp_path).rc == 0
    _assert_index_as_cold(tmp_path)


def test_the_index_a_build_writes_is_the_index_an_archive_makes(tmp_path, monkeypatch):
    """build merges the notices' postings sent back by its worker processes, and shares the making
    of the shards out over the cores as they are staged (each worker saving the sections of its
    shards in the cache); archive's snapshot (pipeline.render) makes them in one process: the same
    bytes either way, and the cache's sections make an edit's shards what a cold build makes."""
    import os

    from dwgk import parallel, pipeline
    from dwgk.pipeline import Paths, load_site, render
    from tests.bench import benchdata

    monkeypatch.setattr(parallel, "MIN_PARALLEL_ITEMS", 1)  # these 8 shards are shared out as 256 are
    stagers = tmp_path / "stagers"
    real_share = pipeline._stage_share

    def share(staging, written, files):
        with open(stagers, "a") as f:
            f.write(f"{os.getpid()} {len(files)}\n")
        return real_share(staging, written, files)
    monkeypatch.setattr(pipeline, "_stage_share", share)
    benchdata.write_dwgk_content(str(tmp_path / "content"), benchdata.make_notices(300), search=True)
    assert run_cli("build", cwd=tmp_path).rc == 0
    built = read_tree(tmp_path / "site" / "assets" / "search")
    assert len([p for p in built if p.startswith("p-")]) == 8  # each shard of several buckets
    if (os.cpu_count() or 1) > 1 and hasattr(os, "fork"):
        assert len({line.split()[0] for line in stagers.read_text().splitlines()}) == 2  # two processes made them
    paths = Paths(str(tmp_path / "content"), str(REPO / "layouts"), str(tmp_path / "unused"))
    files = render(paths, load_site(paths))
    held = {f.out_path.removeprefix("assets/search/"): f.data for f in files if f.out_path.startswith("assets/search/")}
    assert held == built
    # An edit: its shards are made again from the sections the workers kept, as a cold build makes them.
    # The few shards it changes are made before they are staged: no worker is started for them.
    edit(next((tmp_path / "content").glob("*/05.md")), "一是", "一是瞿塘峡", 1)
    stagers.unlink()
    monkeypatch.setattr(pipeline, "_search_index_whole", lambda *a: pytest.fail("made the whole index again"))
    assert run_cli("build", cwd=tmp_path).rc == 0
    assert stagers.read_text() == f"{os.getpid()} {2 + 8}\n"  # the records, index.js and the 8 shards, here
    monkeypatch.undo()
    assert run_cli("build", "--no-cache", "--output", "cold", cwd=tmp_path).rc == 0
    assert read_tree(tmp_path / "site" / "assets" / "search") == read_tree(tmp_path / "cold" / "assets" / "search")
    assert read_tree(tmp_path / "site" / "assets" / "search") != built


def test_district_example_filters_by_unit_and_round(page, tmp_path, nginx):
    assert run_cli("build", "--content", str(DISTRICT), "--output", "site", cwd=tmp_path).rc == 0
    [index] = _load_script(tmp_path / "site/assets/search/index.js", "index")
    assert len(index["units"]) == 12 and "示例区民政局" in index["units"]
    assert index["rounds"] == ["十四届区委第三轮巡察", "十四届区委第二轮巡察", "十四届区委第一轮巡察"]  # newest first
    base = nginx(tmp_path / "site", "/xuncha/")
    log = record_requests(page)
    page.goto(base + "search.html?q=整改", wait_until="load")
    page.wait_for_function("() => /条结果/.test(document.getElementById('search-status-text').textContent)")
    assert page.get_by_label("单位").is_visible() and page.get_by_label("巡察轮次").is_visible()
    assert page.locator("#search-round option").all_inner_texts() == ["全部", *index["rounds"]]

    def hrefs_once(test: str) -> list[str]:
        page.wait_for_function("""(test) => {
            const links = [...document.querySelectorAll('#search-results h2 a')].map(a => a.getAttribute('href'));
            return /条结果/.test(document.getElementById('search-status-text').textContent)
                && links.length > 0 && links.every(h => new RegExp(test).test(h)); }""", arg=test)
        return page.locator("#search-results h2 a").evaluate_all("els => els.map(e => e.getAttribute('href'))")

    mixed = page.locator("#search-results h2 a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert len({h.split("/")[0] for h in mixed}) > 1  # results of several units before filtering
    page.get_by_label("单位").select_option("示例区民政局")
    hrefs_once("^14-[0-9]-minzhengju/")
    assert set(page.locator("#search-results .search-meta span:first-child").all_inner_texts()) == {"单位：示例区民政局"}
    page.get_by_label("巡察轮次").select_option("十四届区委第一轮巡察")
    assert {h.split("/")[0] for h in hrefs_once("^14-1-minzhengju/")} == {"14-1-minzhengju"}
    page.get_by_label("单位").select_option("")
    assert {h.split("/")[0] for h in hrefs_once("^14-1-")} <= {p.name for p in DISTRICT.glob("14-1-*")}
    assert "round=" in page.url and "unit=" not in page.url  # the filters are kept in the address
    assert log.foreign(base.origin) == []


def test_every_page_that_holds_the_words_in_rank_order_and_no_other(page, example, tmp_path, nginx):
    """The postings say which notices hold each bigram: the page then finds the words in their pages,
    title matches first, 20 at a time, and lists no page of a notice that has the bigrams only apart."""
    # Each bigram of 规定整改 is in the example notice; the words are on none of its pages.
    base = nginx(example, "/dwgk/")
    page.goto(base + "search.html", wait_until="load")
    assert _search(page, "规定整改") == []
    assert "没有找到" in page.locator("[role=status]").inner_text()

    from tests.bench import benchdata

    benchdata.write_dwgk_content(str(tmp_path / "content"), benchdata.make_notices(300), search=True)
    assert run_cli("build", cwd=tmp_path).rc == 0
    site = tmp_path / "site"
    [index] = _load_script(site / "assets/search/index.js", "index")
    query = "项目"
    expected = {True: [], False: []}  # by title match: every page whose text holds the words, in site order
    for part in index["parts"]:
        _, records = _load_script(site / part["records"], "records")
        for doc in sorted(records["docs"]):
            if any(query in fold(doc[i]) for i in (1, 6, 7)):
                expected[bigrams(query) <= bigrams(doc[1])].append(doc[2])
    assert len(expected[True]) > 20 and len(expected[False]) > 20  # both kinds, over three screens
    page.goto(nginx(site, "/") + "search.html?q=" + query, wait_until="load")
    page.wait_for_function("() => /条结果/.test(document.getElementById('search-status-text').textContent)")
    while page.locator("#search-more").is_visible():
        shown = page.locator("#search-results li").count()
        page.get_by_role("button", name="显示更多结果").click()
        page.wait_for_function("(n) => document.querySelectorAll('#search-results li').length > n", arg=shown)
    hrefs = page.locator("#search-results h2 a").evaluate_all("els => els.map(e => e.getAttribute('href'))")
    assert hrefs == expected[True] + expected[False]
    assert page.locator("[role=status]").inner_text().endswith(f"共找到 {len(hrefs)} 条结果。")
