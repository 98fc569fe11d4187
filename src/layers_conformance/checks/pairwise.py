"""Every pair of values of every two dimensions, sent at least once: a greedy all-pairs cover.

The cover is deterministic: the same offer gives the same cases in the same order, on every
pytest-xdist worker and in every run. A pair counts as sent only in a case with no more
defects (values an error may answer for: those that rule out any page, and a cursor issued
elsewhere or edited, a key in the other header) than the pair itself needs, so a fault is
never masked by an unrelated error: `status=ready` with the full key is sent on the main
project, not only on another org's, and another org's project with the key in the other
header is sent with no cursor and a valid limit. So every hard value is sent at least once
with every other dimension clean. A pair of two hard values, which asks nothing but which
error wins, may share its case with more.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from itertools import combinations, product

from layers_conformance.checks import params
from layers_conformance.checks.space import (
    DIMENSIONS,
    Classes,
    Offer,
    Point,
    is_defect,
    is_hard,
)
from layers_conformance.core.results import ALONE, PairCoverage

Pair = tuple[int, str, int, str]  # (dimension, value, later dimension, value)
DIMENSION_PAIRS = tuple(combinations(range(len(DIMENSIONS)), 2))
# Spreads the 2-99 picks over the range: consecutive cases get limits far apart.
STRIDE = 37


def pairs_of(classes: Classes) -> tuple[Pair, ...]:
    """The value pairs one point exercises."""
    return tuple((i, classes[i], j, classes[j]) for i, j in DIMENSION_PAIRS)


def feasible_points(offer: Offer) -> list[Classes]:
    """Every class tuple the target allows, clean values first."""
    every: Iterable[Classes] = product(*DIMENSIONS.values())  # type: ignore[assignment]
    return [classes for classes in every if offer.feasible(classes)]


def all_pairs(points: Sequence[Classes]) -> list[Classes]:
    """Few of `points` (the feasible ones, clean first) that together exercise every pair
    any of them does, each in a case with no more defects than the pair needs."""
    # Each point's pairs and defects, counted once (the greedy loop asks thousands of times).
    pairs = {point: pairs_of(point) for point in points}
    hardness = {point: _hardness(point) for point in points}
    holding: dict[Pair, list[Classes]] = defaultdict(list)
    for point in points:
        for pair in pairs[point]:
            holding[pair].append(point)
    least = {pair: min(hardness[point] for point in held) for pair, held in holding.items()}
    packed = {pair: _packed(pair) for pair in holding}
    uncovered = set(holding)
    chosen: list[Classes] = []

    def newly(point: Classes) -> set[Pair]:
        # A pair counts as sent only in a case as plain as it allows: sent beside a defect
        # it does not need, an error may answer before the pair is ever looked at.
        return {
            pair
            for pair in pairs[point]
            if pair in uncovered and (packed[pair] or least[pair] == hardness[point])
        }

    for seed in sorted(holding, key=_order):
        if seed in uncovered:
            plain = [c for c in holding[seed] if packed[seed] or hardness[c] == least[seed]]
            best = max(plain, key=lambda c: (len(newly(c)), -hardness[c]))
            chosen.append(best)
            uncovered -= newly(best)
    return chosen


def _packed(pair: Pair) -> bool:
    # A pair of two hard values asks only which error wins: more hard values hide nothing.
    return is_hard(pair[1]) and is_hard(pair[3])


def _hardness(classes: Classes) -> int:
    return sum(map(is_defect, classes))


def _order(pair: Pair) -> tuple[int, int, int, int]:
    first, value, second, other = pair
    values = list(DIMENSIONS.values())
    return (first, second, values[first].index(value), values[second].index(other))


def concretize(classes: Classes, index: int, offer: Offer) -> Point:
    """The `index`-th case's point: each class given a value, the same one every run."""
    project, limit, status, cursor, key = classes
    filtered = None if status == "absent" else status
    cap = params.MAX_LIMIT - 1
    if cursor == "this-query":  # the first page must leave items for a next one
        cap = min(cap, offer.counts.get(filtered, 0) - 1)
    return Point(project, limit_value(limit, index, cap), status_value(status, index), cursor, key)


def limit_value(limit: str, index: int, cap: int = params.MAX_LIMIT - 1) -> str | None:
    """A limit of the class, picked by `index`; 2-99 picks stay within 2..cap."""
    if limit == "absent":
        return None
    if limit == "2-99":
        return str(2 + (index * STRIDE) % max(cap - 1, 1))
    if limit == "out-of-range":
        return _cycle(params.LIMITS_OUT_OF_RANGE, index)
    if limit == "not-integer":
        return _cycle(params.LIMITS_NOT_INTEGER, index)
    return limit


def status_value(status: str, index: int) -> str | None:
    """A status of the class, picked by `index`."""
    if status == "absent":
        return None
    return _cycle(params.STATUSES_INVALID, index) if status == "invalid" else status


def _cycle(values: tuple[str, ...], index: int) -> str:
    return values[index % len(values)]


def allowed_pairs(points: Iterable[Classes]) -> frozenset[Pair]:
    """Every pair the feasible `points` exercise: the pairs a target allows."""
    return frozenset(pair for point in points for pair in pairs_of(point))


def pair_coverage(allowed: frozenset[Pair], sent: Iterable[Classes]) -> tuple[PairCoverage, ...]:
    """For every two dimensions: the pairs the target allows, and those the `sent` points hit."""
    hit = allowed_pairs(sent) & allowed
    names, values = list(DIMENSIONS), list(DIMENSIONS.values())
    return tuple(
        PairCoverage(
            (names[i], names[j]),
            len(values[i]) * len(values[j]),
            feasible=_pairs_in(i, j, allowed),
            exercised=_pairs_in(i, j, hit),
        )
        for i, j in DIMENSION_PAIRS
    )


def alone_coverage(
    least: Mapping[tuple[int, str], int], sent: Iterable[Classes]
) -> tuple[PairCoverage, ...]:
    """Per dimension, its hard values the target allows (`feasible`, as (value, ALONE)) and
    those sent in a case with no defect the target does not force on them (`exercised`).
    `least` is `fewest_defects` of the points the target allows (computed once a run)."""
    hit = {key for key, fewest in fewest_defects(sent).items() if least.get(key) == fewest}
    names = list(DIMENSIONS)
    return tuple(
        PairCoverage(
            (name, ALONE),
            sum(map(is_hard, DIMENSIONS[name])),
            feasible=tuple((v, ALONE) for i, v in sorted(least, key=_rank) if i == index),
            exercised=tuple((v, ALONE) for i, v in sorted(hit, key=_rank) if i == index),
        )
        for index, name in enumerate(names)
        if any(map(is_hard, DIMENSIONS[name]))
    )


def fewest_defects(points: Iterable[Classes]) -> dict[tuple[int, str], int]:
    """For each hard value (by dimension), the fewest defects of a point holding it."""
    fewest: dict[tuple[int, str], int] = {}
    for point in points:
        hardness = _hardness(point)
        for index, value in enumerate(point):
            if is_hard(value):
                key = (index, value)
                fewest[key] = min(fewest.get(key, len(point)), hardness)
    return fewest


def _rank(key: tuple[int, str]) -> tuple[int, int]:
    index, value = key
    return index, list(DIMENSIONS.values())[index].index(value)


def _pairs_in(first: int, second: int, pairs: frozenset[Pair]) -> tuple[tuple[str, str], ...]:
    mine = [pair for pair in pairs if pair[0] == first and pair[2] == second]
    return tuple((pair[1], pair[3]) for pair in sorted(mine, key=_order))
