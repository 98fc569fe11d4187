"""The Hypothesis strategies and the paging machine, driven by recorded pages."""

from __future__ import annotations

import contextlib
import importlib
import json

import hypothesis
import hypothesis.strategies as st
import pytest
from hypothesis import Phase, given, settings
from hypothesis.stateful import run_state_machine_as_test

from layers_conformance.checks import strategies
from layers_conformance.checks.pairwise import feasible_points
from layers_conformance.checks.queries import PARTITIONS, Truth, requirement
from layers_conformance.checks.space import DIMENSIONS, Offer
from layers_conformance.checks.strategies import (
    PagingMachine,
    pages_ahead,
    points,
    run_given,
    run_machine,
    seed_alone_decides,
    settings_for,
)
from layers_conformance.checks.violations import ConformanceFailure
from layers_conformance.core.exchange import Exchange

COUNTS = {None: 60, "draft": 12, "pending": 12, "training": 12, "ready": 12, "failed": 12}
TARGET = Offer(frozenset(DIMENSIONS["project"]), frozenset(DIMENSIONS["key"]), COUNTS)
FEASIBLE = feasible_points(TARGET)


class TestPoints:
    @pytest.mark.parametrize("partition", PARTITIONS)
    @given(data=st.data())
    @settings(max_examples=30, database=None, deadline=None)
    def test_points_are_of_their_partition_and_allowed(self, partition, data):
        """Every drawn point is one the target allows, judged under the partition asked for."""
        point, pick = data.draw(points(TARGET, partition, FEASIBLE))
        assert TARGET.feasible(point.classes)
        assert requirement(point) == partition
        assert pick >= 0

    @given(data=st.data())
    @settings(max_examples=100, database=None, deadline=None)
    def test_a_cursor_of_this_query_comes_with_a_limit_that_leaves_a_next_page(self, data):
        """With 12 ready influencers, a this-query point under `ready` asks for 11 at most."""
        point, _ = data.draw(points(TARGET, "QUERY-VALIDATION-001", FEASIBLE))
        if point.cursor == "this-query" and point.status == "ready":
            assert point.page_size < 12

    def test_invalid_limits_and_statuses_come_from_the_grammars_too(self):
        """The near misses the page excludes are drawn: `1_0`, an Arabic-Indic 7, `rea`."""
        drawn = set()

        @given(point=points(TARGET, "QUERY-VALIDATION-001", FEASIBLE))
        @settings(max_examples=400, database=None, deadline=None)
        def draw(point):
            drawn.update((point[0].limit, point[0].status))

        draw()
        assert drawn & set(strategies.CLOSED_LIMITS)
        assert drawn & set(strategies.CLOSED_STATUSES)
        assert not drawn & {" 7", "07", "+7", " ready", ""}

    def test_a_partition_the_target_cannot_reach_draws_nothing(self):
        """No key without scope: nothing to draw for AUTH-SCOPE-001."""
        keys = frozenset(k for k in DIMENSIONS["key"] if not k.startswith("no-scope"))
        target = Offer(TARGET.projects, keys, COUNTS)
        assert points(target, "AUTH-SCOPE-001", feasible_points(target)).is_empty


def page_answer(items, next_cursor):
    body = json.dumps({"items": items, "nextCursor": next_cursor})
    return Exchange("GET", "http://t/x", {}, 200, {"content-type": "application/json"}, body)


def item(number, status):
    second = 59 - number
    return {
        "influencerId": f"inf_{number}",
        "status": status,
        "createdAt": f"2026-01-01T00:00:{second:02d}Z",
    }


ITEMS = [item(n, ("ready", "draft", "failed")[n % 3]) for n in range(40)]


class TestPagingMachine:
    """The machine runs through its `fetch`, here a list served by offset, no server behind it."""

    def pages(self, overlap):
        """A fetch that pages ITEMS by offset cursors; `overlap` repeats items across pages."""

        def fetch(params):
            query = dict(params)
            chosen = [i for i in ITEMS if query.get("status") in (None, i["status"])]
            start, limit = int(query.get("cursor", 0)), int(query["limit"])
            following = start + limit - overlap
            more = start + limit < len(chosen)
            return page_answer(chosen[start : start + limit], str(following) if more else None)

        return fetch

    def run(self, fetch):
        run_state_machine_as_test(
            lambda: PagingMachine(fetch),
            # No shrinking: that a failure is found is what is tested, not its smallest form.
            settings=settings(
                max_examples=30,
                stateful_step_count=6,
                database=None,
                deadline=None,
                phases=(Phase.explicit, Phase.reuse, Phase.generate),
            ),
        )

    def test_conformant_pages_pass(self):
        """Pages that stay disjoint and newest first give the machine nothing to report."""
        self.run(self.pages(overlap=0))

    def test_an_item_repeated_on_the_next_page_is_caught(self):
        """Following the cursor onto a page that repeats an item fails with that violation."""
        with pytest.raises(ConformanceFailure, match="no_repeated_items"):
            self.run(self.pages(overlap=1))


class Failed(Exception):
    """A judging pass's failure."""


class TestRunGiven:
    """A first pass draws what a second pass with the same seed judges (test_query_space)."""

    STRATEGY = st.tuples(st.integers(0, 10**6), st.sampled_from("abc"))

    def visited(self, failing=None):
        found = []

        def visit(value):
            hypothesis.assume(value[1] != "c")  # the same `assume` in both passes
            found.append(value)
            if value == failing:
                raise Failed

        with contextlib.suppress(Failed):
            run_given(self.STRATEGY, 20261129, settings_for(40, False, 1), visit)
        return found

    def test_two_passes_with_one_seed_visit_the_same_values_in_order(self):
        first = self.visited()
        assert len(first) == 40
        assert self.visited() == first

    def test_a_failing_second_pass_visits_a_prefix_of_the_first(self):
        """It stops at its failure (no shrinking in `standard`; Hypothesis only replays the
        failing value): all it judged was drawn."""
        first = self.visited()
        second = self.visited(failing=first[6])
        assert second[:7] == first[:7]
        assert set(second[7:]) <= {first[6]}


class TestPagesAhead:
    """The machine over a model of the listing asks for the pages the real machine will."""

    SETTINGS = settings_for(8, False, 10)

    @staticmethod
    def asked(listing):
        """(limit, status) -> the deepest page a machine over offset cursors asked for."""
        deepest = {}

        def fetch(params):
            query = dict(params)
            chosen = [i for i in listing if query.get("status") in (None, i["status"])]
            start, limit = int(query.get("cursor", 0)), int(query["limit"])
            key = (limit, query.get("status"))
            deepest[key] = max(deepest.get(key, 0), start // limit + 1)
            more = start + limit < len(chosen)
            return page_answer(chosen[start : start + limit], str(start + limit) if more else None)

        run_machine(fetch, 20261129, TestPagesAhead.SETTINGS)
        return deepest

    def test_the_model_finds_every_page_the_machine_asks_for(self):
        planned = pages_ahead(Truth(ITEMS, True), 20261129, self.SETTINGS)
        assert planned == self.asked(ITEMS)
        assert max(planned.values()) > 1  # it follows cursors, not only first pages

    def test_a_listing_that_breaks_an_invariant_plans_until_its_model_fails(self):
        """Oldest first: the model fails too, quietly; the plan holds what it asked so far."""
        planned = pages_ahead(Truth(ITEMS[::-1], True), 20261129, self.SETTINGS)
        assert 0 < len(planned) < len(pages_ahead(Truth(ITEMS, True), 20261129, self.SETTINGS))


class TestSeedAloneDecides:
    """Hypothesis's pool of constants from imported local modules is emptied in the block."""

    @staticmethod
    def draws(seed):
        found = []

        @hypothesis.seed(seed)
        @settings(max_examples=200, database=None, deadline=None, phases=[Phase.generate])
        @given(st.integers(0, 10**9))
        def record(number):
            found.append(number)

        record()
        return found

    @staticmethod
    def import_constants(tmp_path, monkeypatch, name, base):
        """Import a new local module full of integer constants, as a run's own modules are."""
        numbers = ", ".join(str(base + n) for n in range(300))
        (tmp_path / f"{name}.py").write_text(f"NUMBERS = [{numbers}]\n")
        monkeypatch.syspath_prepend(str(tmp_path))
        importlib.import_module(name)

    def test_importing_a_module_changes_nothing_within_the_block(self, tmp_path, monkeypatch):
        """Same seed, same draws, whatever was imported in between: a replay asks the same."""
        with seed_alone_decides():
            before = self.draws(20261129)
        self.import_constants(tmp_path, monkeypatch, "lc_constants_within", 654_321_000)
        with seed_alone_decides():
            after = self.draws(20261129)
        assert before == after

    def test_without_the_block_an_import_changes_the_draws(self, tmp_path, monkeypatch):
        """The hazard is real: Hypothesis draws the new module's constants (so the hook works)."""
        before = self.draws(20261129)
        self.import_constants(tmp_path, monkeypatch, "lc_constants_outside", 123_456_000)
        after = self.draws(20261129)
        assert before != after
        assert any(123_456_000 <= n < 123_456_300 for n in after)
        assert not any(123_456_000 <= n < 123_456_300 for n in before)
