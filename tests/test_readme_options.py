"""README's Options table is a claim: every option it lists exists, with the default it says."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

# pytest's own parser, as the plugin's hook fills it; private, so a pytest that moves it
# fails here, loudly, rather than letting the table drift.
from _pytest.config.argparsing import Parser

from layers_conformance import plugin

README = Path(__file__).resolve().parents[1] / "README.md"
ROW = re.compile(r"^\| `(--[a-z-]+)[^`]*` \| ([^|]+) \|", re.MULTILINE)


def documented() -> dict[str, str]:
    """Option -> the default cell of README's Options table."""
    text = README.read_text(encoding="utf-8")
    table = text[text.index("## Options") :]
    table = table[: table.index("\n\n", table.index("| option |"))]
    return {option: cell.strip() for option, cell in ROW.findall(table)}


def registered() -> dict[str, Any]:
    """Option -> its default, as the plugin registers it."""
    parser = Parser(_ispytest=True)
    plugin.pytest_addoption(parser)
    return {
        name: option.attrs().get("default")
        for group in parser._groups
        for option in group.options
        for name in option.names()
    }


def holds(cell: str, default: Any) -> bool | None:
    """Whether README's default cell says `default`; None when it says it in words."""
    word = cell.strip("`")
    if word in ("none", "all", "off"):
        return default in (None, [], False)
    if re.fullmatch(r"[0-9.]+", word):
        return float(word) == float(default)
    if re.fullmatch(r"[a-z]+", word):
        return str(default) == word
    return None


def test_the_table_lists_options_that_exist():
    rows = documented()
    assert len(rows) >= 15
    assert sorted(set(rows) - set(registered())) == []


def test_each_default_is_the_one_the_table_says():
    """Where the table gives a value (a number, a word, none/off/all), it is the plugin's;
    the few it says in words (the profile's deadline, a random seed) are left to the text."""
    rows, defaults = documented(), registered()
    said = {option: holds(cell, defaults[option]) for option, cell in rows.items()}
    assert [(o, rows[o], defaults[o]) for o, held in said.items() if held is False] == []
    assert sum(held is True for held in said.values()) >= 12  # it cannot pass by reading none
