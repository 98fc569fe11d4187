"""scope: the words a pass gives for what it checked, prefixes and samples included."""

from __future__ import annotations

from layers_conformance.probing.scope import checked, list_size


def items(make_item, count, start=0):
    return [make_item(f"i{n}") for n in range(start, start + count)]


def test_complete_walks_are_all_of_the_list(make_item, make_traversal):
    whole = make_traversal(items(make_item, 3), items(make_item, 2, 3), limit=3)
    walks = {(3, None): whole, (None, None): whole}
    assert list_size(walks) == (5, True)
    assert checked(walks, list_size(walks)) == (
        "checked all 5 influencers at limit 3 and the default page size"
    )


def test_a_prefix_names_its_extent_against_the_known_size(make_item, make_traversal):
    whole = make_traversal(items(make_item, 5), limit=5)
    prefix = make_traversal(items(make_item, 1), items(make_item, 1, 1), limit=1, prefix=True)
    walks = {(5, None): whole, (1, None): prefix}
    assert checked(walks, list_size(walks)) == (
        "checked all 5 influencers at limit 5; the first 2 of 5 influencers at limit 1"
    )


def test_without_a_complete_walk_the_size_is_a_floor(make_item, make_traversal):
    wide = make_traversal(items(make_item, 4), limit=4, prefix=True)
    narrow = make_traversal(items(make_item, 1), limit=1, prefix=True)
    walks = {(4, None): wide, (1, None): narrow}
    assert list_size(walks) == (4, False)
    assert checked(walks, list_size(walks)) == (
        "checked the first 4 influencers (as far as the walk's share went) at limit 4; "
        "the first 1 of ≥ 4 influencers at limit 1"
    )


def test_status_filters_say_how_much_of_each(make_item, make_traversal):
    ready = make_traversal(items(make_item, 2), limit=7)
    draft = make_traversal(items(make_item, 7), limit=7, prefix=True)
    walks = {(7, "ready"): ready, (7, "draft"): draft}
    assert checked(walks, (0, False)) == (
        "checked status filters at limit 7: the first 7 draft, all 2 ready"
    )


def test_a_sample_of_pages_is_said(make_item, make_traversal):
    pages = [items(make_item, 2, 2 * n) for n in range(5)]
    whole = make_traversal(*pages, limit=2)
    walks = {(2, None): whole}
    assert checked(walks, list_size(walks), {(2, None): 3}) == (
        "checked all 10 influencers (items read on 3 of 5 pages, the first and the last: 6) "
        "at limit 2"
    )


def test_nothing_walked_says_nothing():
    assert checked({}, (0, False)) == ""
