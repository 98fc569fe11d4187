"""The start of a session: libraries the suites use load as installed, not rewritten."""

from __future__ import annotations

import importlib
from types import SimpleNamespace
from typing import Any

import pytest
from _pytest.assertion.rewrite import AssertionRewritingHook

from layers_conformance.plugin.session_start import LIBRARIES, unmark_libraries


def _manager(hook: object) -> Any:
    return SimpleNamespace(rewrite_hook=hook)


class TestUnmarkLibraries:
    @pytest.mark.parametrize("name", ["hypothesis", "anyio"])
    def test_each_library_in_this_session_is_imported_as_installed(self, name):
        """The plugin unmarked it before collection imported it (and pyproject.toml keeps
        anyio's plugin from importing anyio before): no module recompiled from source with
        its asserts rewritten (0.6 s a standard run without cached bytecode)."""
        assert name in LIBRARIES
        module = importlib.import_module(name)
        assert not isinstance(module.__spec__.loader, AssertionRewritingHook)

    def test_only_the_libraries_are_unmarked(self):
        hook = SimpleNamespace(
            _must_rewrite={"hypothesis", "xdist", "conftest"},
            _marked_for_rewrite_cache={"hypothesis.core": True},
        )
        unmark_libraries(_manager(hook))
        assert hook._must_rewrite == {"xdist", "conftest"}
        assert hook._marked_for_rewrite_cache == {}

    def test_a_rewriter_without_marks_is_left_alone(self):
        """`--assert=plain` leaves a hook without `_must_rewrite`; another pytest may too."""
        hook = SimpleNamespace()
        unmark_libraries(_manager(hook))
        assert vars(hook) == {}
