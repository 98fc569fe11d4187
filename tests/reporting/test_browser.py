"""The HTML report in a real headless Chromium: it renders, logs nothing, and shows failures.

Chromium is required, not optional: CI installs it, and without it this check would pass
silently. Install it with `apt-get install -y chromium`.
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

from layers_conformance.reporting.html_report import write_html

FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # Page console messages (errors, CSP violations) are logged to stderr as `:CONSOLE`.
    "--enable-logging=stderr",
    "--v=0",
]
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"


def chromium() -> str:
    """The Chromium executable; a failure (not a skip) that says how to get one."""
    for name in ("chromium", "chromium-browser", "google-chrome"):
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(
        "chromium is not on PATH: install it with `apt-get update && apt-get install -y chromium`"
        " (CI does); this test renders the HTML report in a real browser",
        pytrace=False,
    )


def browse(page: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Open `page` in a fresh headless Chromium profile with extra `args`."""
    profile = tempfile.mkdtemp(dir=page.parent, prefix="chromium-profile-")
    command = [chromium(), *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()]
    browsed = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    assert browsed.returncode == 0, (
        f"chromium exited {browsed.returncode}: {browsed.stderr[-2000:]}"
    )
    return browsed


def console_lines(stderr: str) -> list[str]:
    """What the page wrote to the console; the report has no script, so any line is a fault."""
    return [line for line in stderr.splitlines() if ":CONSOLE" in line or "Uncaught" in line]


@pytest.fixture
def page(failing_run, tmp_path) -> Path:
    path = tmp_path / "conformance.html"
    write_html(failing_run, path)
    return path


def test_screenshot_without_console_messages(page, tmp_path):
    """The page renders to a screenshot and nothing is logged: no error, no blocked fetch."""
    shot = tmp_path / "shot.png"
    browsed = browse(page, f"--screenshot={shot}", "--window-size=1200,2000")
    assert shot.read_bytes().startswith(PNG_MAGIC)
    assert console_lines(browsed.stderr) == []


def test_dom_shows_the_failure_open(page):
    """The failed requirement is in the rendered DOM, expanded; the hostile body is text."""
    dom = browse(page, "--dump-dom").stdout
    assert '<details class="finding fail" id="finding-LIMIT-MAX-001" open="">' in dom
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in dom
    assert "<script" not in dom


def test_console_check_catches_a_broken_page(tmp_path):
    """The console check is live: a page that throws and fetches is caught."""
    broken = tmp_path / "broken.html"
    broken.write_text(
        "<!doctype html><meta http-equiv='Content-Security-Policy' content=\"default-src 'none'\">"
        "<img src='https://example.invalid/x.png'><script>throw new Error('kaput')</script>",
        encoding="utf-8",
    )
    lines = console_lines(browse(broken, "--dump-dom").stderr)
    assert any("example.invalid" in line for line in lines), lines


def test_drawings_render_as_tables_without_console_messages(drawn_run, tmp_path):
    """A drawn divergence and field diff render in a real browser, with nothing logged."""
    path = tmp_path / "conformance.html"
    write_html(drawn_run, path)
    browsed = browse(path, "--dump-dom")
    assert console_lines(browsed.stderr) == []
    assert '<table class="divergence">' in browsed.stdout
    assert '<td class="gap" colspan="3">not listed</td>' in browsed.stdout
    assert '<tr class="differs">' in browsed.stdout
    assert "<script" not in browsed.stdout
