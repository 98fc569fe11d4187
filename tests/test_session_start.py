"""The start of a session: libraries the suites use load as installed, not rewritten."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import hypothesis
from _pytest.assertion.rewrite import AssertionRewritingHook

from layers_conformance.plugin.session_start import LIBRARIES, unmark_libraries


def _manager(hook: object) -> Any:
    return SimpleNamespace(rewrite_hook=hook)


class TestUnmarkLibraries:
    def test_hypothesis_in_this_session_was_imported_as_installed(self):
        """The plugin unmarked it before collection imported it: no module recompiled from
        source with its asserts rewritten (0.4 s a run without cached bytecode)."""
        assert "hypothesis" in LIBRARIES
        assert not isinstance(hypothesis.__spec__.loader, AssertionRewritingHook)

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
