"""Shared factories for the core modules' tests: exchanges, items, pages and traversals.

The factories are fixtures returning plain functions, so a test builds exactly the
recorded answers it needs without importing from a conftest.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import pytest

from layers_conformance.core.exchange import Bodies, Exchange
from layers_conformance.core.pages import Item, Page, Traversal, read_page

TESTS = Path(__file__).resolve().parent
# The end-to-end lane (`-m e2e`): tests that run the suites, pytest, a wheel or a browser in
# other processes (these files, and any test using `pytester`). Everything else is the fast
# lane (`-m "not e2e"`): see tests/README.md.
E2E = (
    "gate/", "certification/", "robustness/", "test_faults.py", "test_live.py",
    "test_standalone.py", "test_plugin.py", "test_scripts.py", "reporting/test_drawn_faults.py",
    "reporting/test_browser.py", "reporting/test_history_browser.py",
)  # fmt: skip


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: the end-to-end lane (whole runs in other processes)")
    if not os.environ.get("PYTEST_XDIST_WORKER"):  # workers inherit the controller's
        share_bytecode(config)


def share_bytecode(config: pytest.Config) -> None:
    """Let the Python processes this session starts (xdist workers, and the ~450 suite runs,
    wheels and pytest runs of the end-to-end lane) share one bytecode cache, a folder of
    the session's removed at its end. On a machine that sets PYTHONDONTWRITEBYTECODE=1 each
    of them compiled this project's modules again (a standard run's CPU 2.25 s -> 2.19 s,
    smoke 0.73 s -> 0.63 s, medians side by side). Nothing is written beside the sources; a
    PYTHONPYCACHEPREFIX already set is kept."""
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    if os.environ.get("PYTHONPYCACHEPREFIX"):
        return
    cache = tempfile.mkdtemp(prefix="lc-selftest-pycache-")
    os.environ["PYTHONPYCACHEPREFIX"] = cache

    def remove() -> None:
        os.environ.pop("PYTHONPYCACHEPREFIX", None)
        shutil.rmtree(cache, ignore_errors=True)

    config.add_cleanup(remove)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        where = item.path.resolve().relative_to(TESTS).as_posix()
        if where.startswith(E2E) or "pytester" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.e2e)


BASE = "https://api.test/v1/projects/p1/influencers"
MISSING = object()  # pass as next_cursor to leave `nextCursor` out of the body


def exchange(
    body: Any = None,
    *,
    status: int = 200,
    text: str | None = None,
    content_type: str | None = "application/json",
    url: str = BASE,
) -> Exchange:
    """An answered GET whose body is `body` as JSON, or `text` verbatim."""
    headers = {} if content_type is None else {"content-type": content_type}
    return Exchange(
        method="GET",
        address=url,
        request_headers={"x-api-key": "$LAYERS_API_KEY"},
        status=status,
        response_headers=headers,
        body=json.dumps(body) if text is None else text,
    )


def item(ident: str, minute: int = 0, **fields: Any) -> Item:
    """A well-formed list item `inf_<ident>` created at 14:<minute> on 2026-04-01."""
    return {
        "influencerId": f"inf_{ident}",
        "name": ident.title(),
        "gender": "female",
        "ageRange": "25-34",
        "status": "ready",
        "thumbnailUrl": f"https://media.test/{ident}.jpg",
        "createdAt": f"2026-04-01T14:{minute:02d}:00Z",
    } | fields


def page(
    items: Sequence[Item],
    *,
    number: int = 1,
    limit: int | None = None,
    next_cursor: object = None,
    status: str | None = None,
) -> Page:
    """A 200 page read back from its recorded exchange, as a traversal would see it."""
    body: dict[str, Any] = {"items": list(items)}
    if next_cursor is not MISSING:
        body["nextCursor"] = next_cursor
    read = read_page(exchange(body, url=page_url(number, limit, status)), number, limit)
    assert read is not None
    return read


def page_url(number: int, limit: int | None = None, status: str | None = None) -> str:
    """The URL of page `number` of a walk: its query, and from page 2 the cursor `c<n-1>`."""
    params = [f"limit={limit}"] if limit is not None else []
    params += [f"status={status}"] if status is not None else []
    params += [f"cursor=c{number - 1}"] if number > 1 else []
    return BASE + ("?" + "&".join(params) if params else "")


def traversal(
    *pages: Sequence[Item],
    limit: int | None = None,
    last_cursor: object = None,
    prefix: bool = False,
    stopped: str = "",
    status: str | None = None,
) -> Traversal:
    """Pages chained by cursors `c1`, `c2`, ...; the last one says `last_cursor`."""
    built = tuple(
        page(
            items,
            number=number,
            limit=limit,
            next_cursor=last_cursor if number == len(pages) else f"c{number}",
            status=status,
        )
        for number, items in enumerate(pages, start=1)
    )
    kind = "empty-pages" if stopped else None
    return Traversal(built, stopped, kind, prefix=prefix)


def kept_traversal(bodies: Bodies, pages: int, size: int) -> Traversal:
    """A walk of `pages` pages of `size` influencers `inf_k<place>`, each page kept on disk by
    `bodies` as a run keeps them, chained by cursors `at:<place of the page's next item>`."""
    walked = []
    for number in range(1, pages + 1):
        first = (number - 1) * size
        rows = [item(f"k{n}") for n in range(first, first + size)]
        cursor = f"at:{first + size}" if number < pages else None
        answer = bodies.keep(exchange({"items": rows, "nextCursor": cursor}))
        read = read_page(answer, number, size)
        assert answer.kept is not None  # on disk, as in a run
        assert read is not None
        walked.append(read)
    return Traversal(tuple(walked))


@pytest.fixture
def make_kept_traversal() -> Callable[..., Traversal]:
    return kept_traversal


@pytest.fixture
def make_exchange() -> Callable[..., Exchange]:
    return exchange


@pytest.fixture
def make_item() -> Callable[..., Item]:
    return item


@pytest.fixture
def make_page() -> Callable[..., Page]:
    return page


@pytest.fixture
def make_traversal() -> Callable[..., Traversal]:
    return traversal


@pytest.fixture
def missing() -> object:
    return MISSING
