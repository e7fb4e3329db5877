"""Self-tests for tests/tools.py: each helper drives the real tool, and each
can fail. They write only under tmp_path."""

from __future__ import annotations

import os
import socket
import urllib.error
import urllib.request

import pytest

from tests import tools
from tests.tools import (
    format_axe,
    free_port,
    nginx_server,
    platform_fonts,
    record_requests,
    run_axe,
    validate_html,
)

VALID_HTML = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>党务公开</title>
</head>
<body>
<main>
<h1>巡察整改情况公开</h1>
<p>根据巡察反馈意见，现将整改情况予以公开。</p>
</main>
</body>
</html>
"""

# Line 6: stray end tag; line 7: <li> outside a list; no <title> at all.
INVALID_HTML = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
</head>
<body><p>整改</span></p>
<li>问题清单</li>
</body>
</html>
"""


def _get(url: str) -> tuple[int, dict, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=10) as r:
            return r.status, dict(r.headers), r.read()
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read()


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *a, **k):
        return None


# ----------------------------------------------------------------- Nu checker


def test_validate_html_flags_invalid_and_passes_valid(tmp_path):
    good = tmp_path / "good.html"
    bad = tmp_path / "sub dir" / "bad.html"
    bad.parent.mkdir()
    good.write_text(VALID_HTML, encoding="utf-8")
    bad.write_text(INVALID_HTML, encoding="utf-8")

    errors = validate_html([good, bad])  # one JVM for both files

    assert errors, "vnu reported nothing for a clearly invalid document"
    assert all(e.startswith(f"{bad}:") for e in errors), errors
    assert not any(str(good) in e for e in errors), errors
    text = "\n".join(errors)
    assert "title" in text.lower(), text  # missing <title>
    assert f"{bad}:6:" in text, text  # stray </span> reported with its line
    # Directory form finds the same file; a valid tree gives [].
    assert validate_html(tmp_path / "sub dir") == errors
    assert validate_html([good]) == []
    assert validate_html([]) == []


def test_validate_html_reports_missing_file_and_empty_dir(tmp_path):
    errors = validate_html([tmp_path / "nope.html"])
    assert errors == [f"{tmp_path / 'nope.html'}: file not found"]
    (tmp_path / "empty").mkdir()
    assert validate_html(tmp_path / "empty") == [f"{tmp_path / 'empty'}: no .html files in this directory"]
    (tmp_path / "ok.html").write_text(VALID_HTML, encoding="utf-8")
    assert validate_html([tmp_path / "ok.html", tmp_path / "gone.html"]) == [
        f"{tmp_path / 'gone.html'}: file not found"
    ]


def test_missing_tool_fails_not_skips(tmp_path, monkeypatch):
    (tmp_path / "a.html").write_text(VALID_HTML, encoding="utf-8")
    monkeypatch.setattr(tools, "VNU_JAR", tmp_path / "no-such" / "vnu.jar")
    with pytest.raises(pytest.fail.Exception, match="vnu.jar"):
        validate_html([tmp_path / "a.html"])
    monkeypatch.setattr(tools, "AXE_JS", tmp_path / "no-such" / "axe.min.js")
    with pytest.raises(pytest.fail.Exception, match="axe.min.js"):
        tools._axe_source()


# ----------------------------------------------------------------- axe-core


def test_run_axe_finds_missing_alt(page):
    page.set_content(
        '<!DOCTYPE html><html lang="zh-CN"><head><title>测试</title></head>'
        '<body><main><h1>标题</h1><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">'
        "</main></body></html>"
    )
    violations = run_axe(page)
    ids = {v["id"] for v in violations}
    assert "image-alt" in ids, format_axe(violations)
    assert "image-alt" in format_axe(violations)


def test_run_axe_clean_page_has_no_violations(page):
    page.set_content(VALID_HTML)
    violations = run_axe(page)
    assert violations == [], format_axe(violations)
    # A second run reuses the injected axe.
    assert run_axe(page) == []


def test_run_axe_finds_missing_lang(page):
    page.set_content("<!DOCTYPE html><html><head><title>t</title></head><body><p>内容</p></body></html>")
    assert "html-has-lang" in {v["id"] for v in run_axe(page)}


# ----------------------------------------------------------------- fonts


def test_chinese_text_uses_a_cjk_font(page):
    page.set_content(
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>字</title>'
        "<style>body{margin:0} span{font-size:160px;line-height:1;display:inline-block}</style>"
        '</head><body><span id="a">党</span><span id="b">务</span>'
        '<span id="c">\ue000</span></body></html>'
    )
    fonts = platform_fonts(page, "#a")
    names = [f["familyName"] for f in fonts]
    assert any("WenQuanYi" in n for n in names), f"'党' drawn with {fonts}, not WenQuanYi"
    assert not any(f["isCustomFont"] for f in fonts)

    # Independent pixel check: with no CJK font both glyphs would be the same
    # tofu box; with one they differ from each other and from a private-use
    # code point that no font covers.
    a = page.locator("#a").screenshot()
    b = page.locator("#b").screenshot()
    c = page.locator("#c").screenshot()
    assert a != b, "党 and 务 render identically: tofu boxes, no CJK font"
    assert a != c and b != c
    # Full-width glyph: about 1em wide.
    width = page.evaluate("() => document.getElementById('a').getBoundingClientRect().width")
    assert 140 <= width <= 180, width

    with pytest.raises(LookupError):
        platform_fonts(page, "#does-not-exist")


# ----------------------------------------------------------------- nginx


def _site(tmp_path):
    root = tmp_path / "site"
    (root / "sub").mkdir(parents=True)
    (root / "index.html").write_text(VALID_HTML, encoding="utf-8")
    (root / "sub" / "page.html").write_text(VALID_HTML.replace("党务公开", "子页"), encoding="utf-8")
    (root / "style.css").write_text("body{color:#222}", encoding="utf-8")
    return root


def test_free_port_is_bindable():
    port = free_port()
    with socket.socket() as s:
        s.bind(("127.0.0.1", port))


def test_nginx_serves_prefix_only_and_stops(tmp_path):
    root = _site(tmp_path)
    with nginx_server(root, "/dwgk/") as base:
        assert base == f"http://127.0.0.1:{base.port}/dwgk/"
        assert base.origin == f"http://127.0.0.1:{base.port}"
        pid = base.pid
        os.kill(pid, 0)  # alive

        status, headers, body = _get(base)
        assert status == 200 and body.decode() == VALID_HTML
        assert headers["Content-Type"] == "text/html"  # no charset added by the server
        status, _, body = _get(base + "sub/page.html")
        assert status == 200 and "子页".encode() in body
        status, headers, _ = _get(base + "style.css")
        assert status == 200 and headers["Content-Type"] == "text/css"

        assert _get(base + "missing.html")[0] == 404
        assert _get(base.origin + "/")[0] == 404
        assert _get(base.origin + "/index.html")[0] == 404
        assert _get(base.origin + "/dwgkx/index.html")[0] == 404
        assert _get(base.origin + "/dwgk/../index.html")[0] in (400, 404)

        opener = urllib.request.build_opener(_NoRedirect)
        with pytest.raises(urllib.error.HTTPError) as exc:
            opener.open(base.origin + "/dwgk", timeout=10)
        assert exc.value.code == 301 and exc.value.headers["Location"] == "/dwgk/"
        conf_dir = base.conf_dir
        assert base.access_log.exists()

    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)
    with socket.socket() as s:
        assert s.connect_ex(("127.0.0.1", base.port)) != 0, "port still open after stop"
    assert not conf_dir.exists()


def test_nginx_root_prefix_and_charset(tmp_path):
    root = _site(tmp_path)
    with nginx_server(root, "/", charset="utf-8") as base:
        assert base == f"http://127.0.0.1:{base.port}/"
        status, headers, _ = _get(base + "sub/page.html")
        assert status == 200 and headers["Content-Type"] == "text/html; charset=utf-8"


def test_nginx_fixture_factory_and_browser(tmp_path, nginx, page):
    root = _site(tmp_path)
    base = nginx(root)  # default prefix /dwgk/
    other = nginx(root, "/other/")
    assert base.port != other.port
    log = record_requests(page)
    resp = page.goto(base + "sub/page.html")
    assert resp.status == 200
    assert page.title() == "子页"
    assert log.urls == [base + "sub/page.html"]
    assert log.foreign(base.origin) == [] and log.foreign() == []
    assert log.hosts() == {"127.0.0.1"}


def test_record_requests_catches_and_blocks_other_hosts(tmp_path, nginx, page):
    root = tmp_path / "site"
    root.mkdir()
    (root / "local.css").write_text("p{color:#111}", encoding="utf-8")
    (root / "index.html").write_text(
        '<!DOCTYPE html><html lang="zh-CN"><head><meta charset="utf-8"><title>外链</title>'
        '<link rel="stylesheet" href="local.css">'
        '<link rel="stylesheet" href="https://cdn.example.com/lib.css">'
        '</head><body><p>正文</p><img alt="" src="http://img.example.org/a.png">'
        '<img alt="" src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></body></html>',
        encoding="utf-8",
    )
    base = nginx(root)
    log = record_requests(page)
    page.goto(base + "index.html", wait_until="load")
    foreign = log.foreign(base.origin)
    assert sorted(foreign) == ["http://img.example.org/a.png", "https://cdn.example.com/lib.css"], log.urls
    assert sorted(log.blocked) == sorted(foreign)
    assert log.foreign() == foreign
    assert base + "local.css" in log.urls
    assert log.hosts() == {"127.0.0.1", "cdn.example.com", "img.example.org"}
    # data: URLs are not network traffic.
    assert all(not u.startswith("data:") for u in log.network())


def test_run_axe_works_under_strict_csp(tmp_path, nginx, page):
    root = tmp_path / "site"
    root.mkdir()
    (root / "index.html").write_text(
        VALID_HTML.replace(
            '<meta charset="utf-8">',
            '<meta charset="utf-8">\n<meta http-equiv="Content-Security-Policy" '
            "content=\"default-src 'self'; script-src 'self'\">",
        ).replace("</main>", '<img src="x.png"></main>'),
        encoding="utf-8",
    )
    base = nginx(root)
    page.goto(base)
    assert {v["id"] for v in run_axe(page)} == {"image-alt"}
