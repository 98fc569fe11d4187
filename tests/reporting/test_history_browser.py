"""The history page in a real headless Chromium: it renders, logs nothing, and the
regression is there to see (its cells are painted in the failure colour on screen).

Chromium is required, as for the run report (tests/reporting/test_browser.py).
"""

from __future__ import annotations

import re

import pytest
from nightly import write_nights
from PIL import Image
from test_browser import PNG_MAGIC, browse, console_lines

from layers_conformance.reporting.history import load_runs, render_history

FAIL_RGB = (0xCF, 0x22, 0x2E)  # --fail in history.css
CELL_PX = 26 * 22  # one cell's area (history.css)
WINDOW = "--window-size=1400,1400"


def history_page(tmp_path, nights: int) -> str:
    write_nights(tmp_path / "nights", nights=nights)
    page = tmp_path / "history.html"
    page.write_text(render_history(load_runs([tmp_path / "nights"])), encoding="utf-8")
    return page


def fail_pixels(shot) -> int:
    with Image.open(shot) as image:
        colours = image.convert("RGB").getcolors(maxcolors=1 << 24) or []
    return next((count for count, colour in colours if colour == FAIL_RGB), 0)


@pytest.fixture
def page(tmp_path):
    return history_page(tmp_path, nights=10)


def test_renders_without_console_messages(page, tmp_path):
    """A screenshot is taken and nothing is logged: no error, no blocked fetch."""
    shot = tmp_path / "shot.png"
    browsed = browse(page, f"--screenshot={shot}", WINDOW)
    assert shot.read_bytes().startswith(PNG_MAGIC)
    assert console_lines(browsed.stderr) == []


def test_the_regression_is_painted_on_screen(page, tmp_path):
    """Nights 7-10 fail three requirements: ten cells more show in red than on the page of
    the first six nights, before the regression (whose only red is the legend's swatch)."""
    shot = tmp_path / "shot.png"
    browse(page, f"--screenshot={shot}", WINDOW)
    before = history_page(tmp_path / "before", nights=6)
    clean_shot = tmp_path / "clean.png"
    browse(before, f"--screenshot={clean_shot}", WINDOW)
    assert fail_pixels(clean_shot) <= CELL_PX
    assert fail_pixels(shot) - fail_pixels(clean_shot) >= 10 * CELL_PX * 0.9


def test_the_dom_has_the_failing_cells_and_the_regression_line(page):
    dom = browse(page, "--dump-dom").stdout
    row = re.search(r'<tr id="row-production-ORDER-NEWEST-001">(.*?)</tr>', dom, re.S)
    assert row
    assert row.group(1).count('class="cell fail"') == 4
    assert "ORDER-NEWEST-001 (MUST) fails since 2026-11-07 (run 7 of 10)" in dom
    assert "<script" not in dom
