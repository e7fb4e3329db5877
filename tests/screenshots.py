"""Regenerate the README screenshots: phone (375 px) and desktop views of the home page, a notice,
a category and an issue of the bundled example, in the standard look and in 关怀版; and of the
district example (examples/district) the home page and a round page, in the standard look.

    .venv/bin/python -m tests.screenshots            # rewrites docs/screenshots/

It builds the example into a temporary folder, opens it in the headless Chromium the tests use
(tests/tools.py), and keeps one screen per picture (the viewport, not the whole page), reduced
to a 256-colour palette so that the PNGs stay small. manifest.json beside them records which
page they show and a digest of what Chromium was given (page, stylesheet, script), so that
tests/test_screenshots.py can tell when they no longer show the current pages.
Never run by the test suite against the repository: the tests regenerate into tmp_path only.
"""

from __future__ import annotations

import argparse
import collections
import hashlib
import json
import struct
import sys
import tempfile
import zlib
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
OUT_DIR = REPO / "docs" / "screenshots"
MANIFEST = "manifest.json"
PAGES = {"home": "index.html", "notice": "2019/index.html", "category": "2019/category-1.html",
         "issue": "2019/issue-1.html"}
DEVICES = {"phone": {"width": 375, "height": 667}, "desktop": {"width": 1280, "height": 800}}
MODES = ("standard", "care")
CARE_BUTTON = "关怀版"
DISTRICT = REPO / "examples" / "district"
#: Pages of the district example, shot on both devices in the standard look only.
DISTRICT_PAGES = {"district-home": "index.html", "district-round": "round-14-3.html"}


def shot_name(kind: str, device: str, mode: str) -> str:
    return f"{kind}-{device}-{mode}.png"


def expected_names() -> list[str]:
    return sorted([shot_name(k, d, m) for k in PAGES for d in DEVICES for m in MODES]
                  + [shot_name(k, d, "standard") for k in DISTRICT_PAGES for d in DEVICES])


def page_of(name: str) -> tuple[str, str]:
    """(site, page) a screenshot shows: "example" or "district", and the page's path."""
    kind = name.rsplit("-", 2)[0]
    return ("district", DISTRICT_PAGES[kind]) if kind in DISTRICT_PAGES else ("example", PAGES[kind])


def page_digest(site_dir: Path, rel: str) -> str:
    """What Chromium draws a page from: the page itself and every site asset."""
    h = hashlib.sha256()
    for path in [site_dir / rel, *sorted((site_dir / "assets").rglob("*"))]:
        if path.is_file():
            h.update(path.relative_to(site_dir).as_posix().encode() + b"\0" + path.read_bytes() + b"\0")
    return h.hexdigest()


def build_example(out_dir: Path, content: Path = REPO / "content") -> Path:
    from dwgk.pipeline import Paths, build

    build(Paths(str(content), str(REPO / "layouts"), str(out_dir)), cache_dir=None)
    return out_dir


def build_district(out_dir: Path) -> Path:
    return build_example(out_dir, DISTRICT)


def take_screenshots(browser, site_dir: Path, out_dir: Path, *, optimise: bool = True,
                     district_dir: Path | None = None) -> dict:
    """Write every screenshot and manifest.json into out_dir; return the manifest.
    district_dir: the built district example (built here when not given)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    if district_dir is None:
        district_dir = build_district(out_dir.parent / f"{out_dir.name}-district-site")
    manifest = {}
    for device, viewport in DEVICES.items():
        context = browser.new_context(locale="zh-CN", viewport=viewport, device_scale_factor=1)
        try:
            page = context.new_page()
            for kind, rel in DISTRICT_PAGES.items():
                page.goto((district_dir / rel).as_uri(), wait_until="load")
                name = shot_name(kind, device, "standard")
                png = page.screenshot()
                (out_dir / name).write_bytes(quantise_png(png) if optimise else png)
                manifest[name] = {"site": "district", "page": rel, "device": device, "mode": "standard",
                                  **viewport, "page_sha256": page_digest(district_dir, rel)}
        finally:
            context.close()
    for device, viewport in DEVICES.items():
        for mode in MODES:
            context = browser.new_context(locale="zh-CN", viewport=viewport, device_scale_factor=1)
            try:
                page = context.new_page()
                if mode == "care":  # switched on as a reader does; the choice follows to every page
                    page.goto((site_dir / "index.html").as_uri())
                    page.get_by_role("button", name=CARE_BUTTON, exact=True).click()
                for kind, rel in PAGES.items():
                    page.goto((site_dir / rel).as_uri(), wait_until="load")
                    pressed = page.get_attribute("#care-toggle", "aria-pressed")
                    if pressed != ("true" if mode == "care" else "false"):
                        raise RuntimeError(f"{rel}: 关怀版 is not {'on' if mode == 'care' else 'off'}")
                    png = page.screenshot()
                    name = shot_name(kind, device, mode)
                    (out_dir / name).write_bytes(quantise_png(png) if optimise else png)
                    manifest[name] = {"page": rel, "device": device, "mode": mode, **viewport,
                                      "page_sha256": page_digest(site_dir, rel)}
            finally:
                context.close()
    manifest = dict(sorted(manifest.items()))
    (out_dir / MANIFEST).write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    return manifest


# --------------------------------------------------------------------------- #
# A small PNG palette reducer (what pngquant does, without its cleverness): screenshots of text
# use few colours, so the 256 most frequent cover ~98% of the pixels; the rest, anti-aliased edges,
# take the nearest of those. About a third of Chromium's file size.
# --------------------------------------------------------------------------- #

_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def png_size(data: bytes) -> tuple[int, int]:
    if data[:8] != _SIGNATURE or data[12:16] != b"IHDR":
        raise ValueError("not a PNG file")
    return struct.unpack(">II", data[16:24])


def _chunks(data: bytes):
    pos = 8
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos:pos + 4])
        yield data[pos + 4:pos + 8], data[pos + 8:pos + 8 + length]
        pos += 12 + length


def read_png(data: bytes) -> tuple[int, int, list[bytes]]:
    """Width, height and RGB rows of an 8-bit RGB/RGBA/palette non-interlaced PNG."""
    chunks = list(_chunks(data))
    width, height, depth, colour, _, _, interlace = struct.unpack(">IIBBBBB", chunks[0][1])
    if depth != 8 or interlace or colour not in (2, 3, 6):
        raise ValueError(f"unsupported PNG (depth {depth}, colour type {colour}, interlace {interlace})")
    palette = next((c for t, c in chunks if t == b"PLTE"), b"")
    bpp = {2: 3, 3: 1, 6: 4}[colour]
    raw = zlib.decompress(b"".join(c for t, c in chunks if t == b"IDAT"))
    stride = width * bpp
    prev = bytearray(stride)
    rows = []
    for y in range(height):
        start = y * (stride + 1)
        kind, line = raw[start], bytearray(raw[start + 1:start + 1 + stride])
        if kind == 1:
            for i in range(bpp, stride):
                line[i] = (line[i] + line[i - bpp]) & 255
        elif kind == 2:
            line = bytearray((a + b) & 255 for a, b in zip(line, prev))
        elif kind == 3:
            for i in range(stride):
                line[i] = (line[i] + (((line[i - bpp] if i >= bpp else 0) + prev[i]) >> 1)) & 255
        elif kind == 4:
            for i in range(stride):
                a = line[i - bpp] if i >= bpp else 0
                b, c = prev[i], (prev[i - bpp] if i >= bpp else 0)
                p = a + b - c
                pa, pb, pc = abs(p - a), abs(p - b), abs(p - c)
                line[i] = (line[i] + (a if pa <= pb and pa <= pc else b if pb <= pc else c)) & 255
        prev = line
        if colour == 3:
            rows.append(b"".join(palette[3 * i:3 * i + 3] for i in line))
        elif colour == 6:
            rows.append(bytes(v for i in range(0, stride, 4) for v in line[i:i + 3]))
        else:
            rows.append(bytes(line))
    return width, height, rows


def quantise_png(data: bytes) -> bytes:
    """The same picture as an 8-bit palette PNG (lossy only where it has over 256 colours)."""
    width, height, rows = read_png(data)
    counts = collections.Counter(row[i:i + 3] for row in rows for i in range(0, len(row), 3))
    palette = [colour for colour, _ in counts.most_common(256)]
    index = {colour: i for i, colour in enumerate(palette)}
    for colour in counts:
        if colour not in index:
            index[colour] = min(range(len(palette)),
                                key=lambda i: sum((a - b) ** 2 for a, b in zip(colour, palette[i])))
    raw = bytearray()
    for row in rows:
        raw.append(0)  # filter "none" suits palette images best
        raw.extend(index[row[i:i + 3]] for i in range(0, len(row), 3))

    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body))

    return (_SIGNATURE + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 3, 0, 0, 0))
            + chunk(b"PLTE", b"".join(palette)) + chunk(b"IDAT", zlib.compress(bytes(raw), 9))
            + chunk(b"IEND", b""))


def remove_previous(out_dir: Path) -> None:
    """Delete the pictures the last run listed in its manifest (and only those)."""
    manifest = out_dir / MANIFEST
    if manifest.is_file():
        for name in json.loads(manifest.read_text(encoding="utf-8")):
            if "/" not in name and name.endswith(".png"):
                (out_dir / name).unlink(missing_ok=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Regenerate the README screenshots.")
    parser.add_argument("--out", type=Path, default=OUT_DIR, help=f"folder to write (default {OUT_DIR})")
    args = parser.parse_args(argv)

    from playwright.sync_api import sync_playwright

    from tests.tools import CHROMIUM, CHROMIUM_ARGS

    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        site = build_example(Path(tmp) / "site")
        district = build_district(Path(tmp) / "district")
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            remove_previous(args.out)
            take_screenshots(browser, site, args.out, district_dir=district)
        finally:
            browser.close()
    total = sum(p.stat().st_size for p in args.out.glob("*.png"))
    print(f"{len(expected_names())} screenshots, {total / 1024:.0f} KiB, in {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
