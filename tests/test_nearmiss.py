"""Near misses: derived systematically, and judged as the page allows."""

from __future__ import annotations

import pytest

from layers_conformance.checks import nearmiss, params
from layers_conformance.checks.nearmiss import NearMiss, Spelling
from layers_conformance.checks.queries import Reading, Truth
from layers_conformance.core.exchange import RawQuery

VALIDATION = {"error": {"code": "VALIDATION", "message": "no", "requestId": "req_1"}}
NOT_FOUND = {"error": {"code": "NOT_FOUND", "message": "no", "requestId": "req_1"}}


@pytest.fixture(autouse=True)
def _built(make_exchange, make_item, make_page):
    """The shared builders (tests/conftest.py) by their short names, and seven items."""
    global exchange, item, page, SEVEN
    exchange, item, page = make_exchange, make_item, make_page
    SEVEN = [item(name, minute) for name, minute in zip("abcdefg", range(9, 2, -1), strict=True)]


def _by_kind(misses):
    return {miss.kind: miss for miss in misses}


def _page_of(reading):
    """The documented pages: limit=7 (and 8) hold 7 items, no limit holds them too."""
    return page(SEVEN, next_cursor="c1")


def test_limit_near_misses_are_all_invalid_limits_unless_open():
    """Every closed near miss of limit is a spelling the page's canonical form refuses, and
    each open one stands for a valid limit."""
    misses = nearmiss.limit_near_misses()
    assert len({m.query() for m in misses}) == len(misses)
    for miss in misses:
        if not miss.open:
            assert not any(params.limit_is_valid(v) for v in miss.sent), miss
        for reading in miss.readings:
            assert reading is None or params.limit_is_valid(reading)


def test_the_near_misses_cover_each_kind_of_change():
    """Whitespace of every kind, other scripts' digits, separators, signs, zeros, empty,
    repeated, double-encoded and long values are all there."""
    kinds = set(_by_kind(nearmiss.limit_near_misses()))
    for wanted in (
        "arabic-indic digits",
        "fullwidth digits",
        "digit separator _",
        "plus sign",
        "leading zero",
        "exponent",
        "empty value",
        "repeated, two values",
        "double-encoded",
        "very long",
        "no-break space after",
        "zero-width space after",
        "line feed before",
    ):
        assert wanted in kinds
    status_kinds = set(_by_kind(nearmiss.status_near_misses()))
    assert {"prefix", "title case", "fullwidth letters", "cyrillic look-alike"} <= status_kinds
    closed = [m for m in nearmiss.status_near_misses() if not m.open]
    assert not any(params.status_is_valid(v) for m in closed for v in m.sent)


def test_a_closed_near_miss_must_be_validation():
    """An Arabic-Indic limit answered with a page, or a 500, fails; VALIDATION passes."""
    arabic = _by_kind(nearmiss.limit_near_misses())["arabic-indic digits"]
    assert nearmiss.judge(arabic, exchange(VALIDATION, status=400), _page_of) == []
    assert nearmiss.judge(arabic, exchange(VALIDATION, status=422), _page_of) == []
    served = nearmiss.judge(arabic, page(SEVEN).exchange, _page_of)
    assert served
    assert "allows no such value" in served[0].message
    assert nearmiss.judge(arabic, exchange({}, status=500), _page_of)
    assert nearmiss.judge(arabic, exchange(NOT_FOUND, status=404), _page_of)


def test_an_open_near_miss_may_be_read_as_its_value_only():
    """`limit=07` may be VALIDATION or the page of limit=7, not another page; its strict
    reading warns when a page answers."""
    zero = _by_kind(nearmiss.limit_near_misses())["leading zero"]
    same = page(SEVEN, next_cursor="other-token")
    assert nearmiss.judge(zero, same.exchange, _page_of) == []
    assert nearmiss.judge(zero, exchange(VALIDATION, status=400), _page_of) == []
    short = nearmiss.judge(zero, page(SEVEN[:5], next_cursor="c1").exchange, _page_of)
    assert short
    assert "not the page of limit=7" in short[0].message
    assert nearmiss.judge(zero, exchange({}, status=503), _page_of)
    assert nearmiss.strictly_rejected(zero, same.exchange)
    assert nearmiss.strictly_rejected(zero, exchange(VALIDATION, status=400)) == []


def test_on_a_list_in_use_an_open_near_miss_is_judged_as_any_page_of_its_reading():
    """`limit=07` read while the list changes: a page of 7 newest first with an influencer
    created since the page of limit=7 passes; one that no page of limit=7 can be fails, as
    evidence (the run is not left incomplete)."""
    zero = _by_kind(nearmiss.limit_near_misses())["leading zero"]
    created = [item("new", 30), *SEVEN[:6]]

    def live(query):
        return Reading(None, int(dict(query)["limit"]))

    assert nearmiss.judge(zero, page(created, next_cursor="c1").exchange, _page_of, live) == []
    twelve = [*SEVEN, *(item(str(n), 2) for n in range(5))]
    too_many = nearmiss.judge(zero, page(twelve, next_cursor="c1").exchange, _page_of, live)
    assert too_many
    assert too_many[0].conclusive
    assert "more than limit 7" in too_many[0].message
    short = nearmiss.judge(zero, page(SEVEN[:5], next_cursor="c1").exchange, _page_of, live)
    assert short
    assert short[0].conclusive


def test_a_repeated_name_may_be_read_as_either_value():
    """`limit=7&limit=8` is the page of 7 or of 8."""
    repeated = NearMiss("limit", ("7", "8"), "repeated", ("7", "8"))
    eight = [*SEVEN, item("h", 2)]

    def page_of(query):
        return page(SEVEN if query == (("limit", "7"),) else eight)

    assert repeated.query() == (("limit", "7"), ("limit", "8"))
    assert nearmiss.judge(repeated, page(eight).exchange, page_of) == []
    assert nearmiss.judge(repeated, page(SEVEN[:3]).exchange, page_of)


def test_an_empty_value_is_judged_against_the_page_without_the_parameter():
    """`status=` may be read as no filter: the unfiltered page."""
    empty = _by_kind(nearmiss.status_near_misses())["empty value"]
    asked = []

    def page_of(query):
        asked.append(query)
        return page(SEVEN)

    assert nearmiss.judge(empty, page(SEVEN).exchange, page_of) == []
    assert asked == [()]


def test_a_bare_name_is_sent_as_written_and_read_as_absent_beside_the_others():
    """`limit&status=ready` goes on the wire as written; a page of it must be the page of
    status=ready with no limit, and its strict reading (VALIDATION) is the SHOULD."""
    bare = _by_kind(nearmiss.limit_near_misses())["bare name before another"]
    assert bare.query() == RawQuery("limit&status=ready")
    asked = []

    def page_of(query):
        asked.append(query)
        return page(SEVEN)

    assert nearmiss.judge(bare, page(SEVEN).exchange, page_of) == []
    assert asked == [(("status", "ready"),)]
    wrong = nearmiss.judge(bare, page(SEVEN[:5]).exchange, page_of)
    assert "not the page of no limit and status=ready" in wrong[0].message
    assert nearmiss.judge(bare, exchange({}, status=500), page_of)
    assert nearmiss.strictly_rejected(bare, page(SEVEN).exchange)


def test_a_percent_encoded_value_is_the_value_it_decodes_to():
    """`%6cimit=7` and `limit=%37` are limit=7 as every URL parser reads them: the page of 7
    or VALIDATION, never another page, and a page is no leniency (no strict warning)."""
    misses = _by_kind(nearmiss.limit_near_misses())
    for kind, wire in (
        ("value percent-encoded", "limit=%37"),
        ("name percent-encoded, lower-case hex", "%6cimit=7"),
        ("name percent-encoded, upper-case hex", "%6Cimit=7"),
    ):
        miss = misses[kind]
        assert miss.query() == RawQuery(wire)
        assert miss.standard
        same = page(SEVEN, next_cursor="c1").exchange
        assert nearmiss.judge(miss, same, _page_of) == []
        assert nearmiss.judge(miss, exchange(VALIDATION, status=400), _page_of) == []
        assert nearmiss.judge(miss, page(SEVEN[:2]).exchange, _page_of)
        assert nearmiss.strictly_rejected(miss, page(SEVEN).exchange) == []
    upper = _by_kind(nearmiss.status_near_misses())["upper-case letter percent-encoded"]
    assert upper.query() == RawQuery("status=%52eady")
    assert not upper.open
    assert nearmiss.judge(upper, page(SEVEN).exchange, _page_of)


def test_a_blank_spelled_plus_or_percent_20_is_a_blank():
    """`status=ready+` and `limit=%207` are the value with a blank (or, `+` read literally, no
    value): the page of the value or VALIDATION, and the strict reading warns of a page."""
    plus = _by_kind(nearmiss.status_near_misses())["+ for a blank after"]
    assert plus.query() == RawQuery("status=ready+")
    assert plus.readings == ("ready",)
    assert nearmiss.strictly_rejected(plus, page(SEVEN).exchange)
    space = _by_kind(nearmiss.limit_near_misses())["%20 for a blank before"]
    assert space.query() == RawQuery("limit=%207")
    assert nearmiss.judge(space, page(SEVEN, next_cursor="c1").exchange, _page_of) == []


def test_the_raw_near_misses_are_each_sent_once():
    """Each spelling on the wire once, whichever changes make it (`s` has no hex letter)."""
    for misses in (nearmiss.limit_near_misses(), nearmiss.status_near_misses()):
        sent = [m.query() for m in misses]
        assert len(set(sent)) == len(sent)
    cursor = {m.kind: m.query() for m in nearmiss.cursor_near_misses()}
    assert cursor["bare name after another"] == RawQuery("limit=1&cursor")
    assert cursor["empty value"] == (("limit", "1"), ("cursor", ""))


@pytest.mark.parametrize("project_id", ["6f1c2b1e-8a51-4c3e-9f0a-2d4b6c8e0a11"])
def test_spellings_of_an_id(project_id):
    """Case, braces, a URN, no hyphens, blanks, percent-encoding: each a different string."""
    spelled = {s.kind: s.sent for s in nearmiss.spellings(project_id)}
    assert spelled["upper case"] == project_id.upper()
    assert spelled["braces"] == "{" + project_id + "}"
    assert spelled["urn prefix"] == "urn:uuid:" + project_id
    assert "-" not in spelled["no hyphens"]
    assert spelled["percent-encoded"].startswith("%36%66")
    assert len(set(spelled.values())) == len(spelled)


def test_another_orgs_project_in_any_spelling_is_never_data():
    """A page for another org's project fails; NOT_FOUND 404 or VALIDATION pass; NOT_FOUND
    with another status fails."""
    upper = Spelling("upper case", "ABC")
    assert nearmiss.spelled_elsewhere(upper, exchange(NOT_FOUND, status=404), "x", None) == []
    assert nearmiss.spelled_elsewhere(upper, exchange(VALIDATION, status=400), "x", None) == []
    assert nearmiss.spelled_elsewhere(upper, page(SEVEN).exchange, "x", None)
    assert nearmiss.spelled_elsewhere(upper, exchange(NOT_FOUND, status=400), "x", None)
    assert nearmiss.spelled_elsewhere(upper, exchange({}, status=500), "x", None)


def test_the_main_project_in_another_spelling_is_its_own_page_or_refused():
    """The same first page, or a documented error; another page fails."""
    upper, own = Spelling("upper case", "ABC"), page(SEVEN)
    assert nearmiss.spelled_elsewhere(upper, page(SEVEN).exchange, "main", own) == []
    assert nearmiss.spelled_elsewhere(upper, exchange(NOT_FOUND, status=404), "main", own) == []
    assert nearmiss.spelled_elsewhere(upper, page(SEVEN[1:]).exchange, "main", own)


def test_the_main_project_in_another_spelling_on_a_list_in_use():
    """While the list changes, the spelled page may differ from the id's own by influencers
    created since; one that no walk of the main project listed, and older, fails."""
    upper, own = Spelling("upper case", "ABC"), page(SEVEN)
    truth = Truth(tuple(SEVEN), True, frozenset(f"inf_{n}" for n in "abcdefg"), still=False)
    newer = page([item("new", 30), *SEVEN[:6]]).exchange
    assert nearmiss.spelled_elsewhere(upper, newer, "main", own, truth) == []
    stranger = page([*SEVEN[:6], item("z", 1)]).exchange
    found = nearmiss.spelled_elsewhere(upper, stranger, "main", own, truth)
    assert found
    assert found[0].conclusive
    assert "inf_z" in found[0].message


def test_kinds_list_each_near_miss_once_for_the_coverage():
    """The coverage names each near miss by its kind and its value, percent-encoded."""
    listed = nearmiss.kinds(nearmiss.status_near_misses())
    assert ("prefix", "rea") in listed
    assert ("line feed after", "ready%0A") in listed
    assert ("bare name", "?status") in listed


UNAUTHENTICATED = {"error": {"code": "UNAUTHENTICATED", "message": "no", "requestId": "req_1"}}


def test_a_closed_form_of_the_key_must_be_unauthenticated():
    """The key cut short answered with a page, a 500 or NOT_FOUND fails; UNAUTHENTICATED
    passes."""
    said = "key cut by its last character (bearer)"
    assert nearmiss.key_form_answered(said, exchange(UNAUTHENTICATED, status=401), None) == []
    served = nearmiss.key_form_answered(said, page(SEVEN).exchange, None)
    assert "expected UNAUTHENTICATED" in served[0].message
    assert nearmiss.key_form_answered(said, exchange({}, status=500), None)
    assert nearmiss.key_form_answered(said, exchange(NOT_FOUND, status=404), None)


def test_an_open_form_of_the_key_is_its_page_or_unauthenticated():
    """`bearer <key>` may be read as the key (RFC 9110): the key's own page or UNAUTHENTICATED;
    another page or a 5xx fails."""
    own, said = page(SEVEN).exchange, "scheme in lower case (bearer)"
    assert nearmiss.key_form_answered(said, page(SEVEN).exchange, own) == []
    assert nearmiss.key_form_answered(said, exchange(UNAUTHENTICATED, status=401), own) == []
    other = nearmiss.key_form_answered(said, page(SEVEN[2:]).exchange, own)
    assert "unlike the key's" in other[0].message
    crashed = nearmiss.key_form_answered(said, exchange({}, status=502), own)
    assert "UNAUTHENTICATED or the key's own first page" in crashed[0].message


def test_an_open_form_is_not_blamed_for_a_body_the_key_gets_too():
    """When the key's own answer is no page, an open form answered alike is left to the shape
    check (a right page is not blamed); a form answered with no page where the key gets one
    fails."""
    said = "scheme in lower case (bearer)"
    not_a_page = exchange({"data": [], "nextCursor": None})
    assert nearmiss.key_form_answered(said, not_a_page, not_a_page) == []
    found = nearmiss.key_form_answered(said, not_a_page, page(SEVEN).exchange)
    assert "not a page" in found[0].message


def test_an_open_form_on_a_list_in_use_is_judged_as_any_first_page():
    """On a list that changed, a form's page may differ from the key's by a created
    influencer; a page listing someone no walk saw still fails."""
    own, said = page(SEVEN).exchange, "scheme in lower case (bearer)"
    truth = Truth(tuple(SEVEN), True, frozenset(f"inf_{n}" for n in "abcdefg"), still=False)
    newer = page(SEVEN[1:]).exchange
    assert nearmiss.key_form_answered(said, newer, own) != []
    assert nearmiss.key_form_answered(said, newer, own, truth) == []
    stranger = page([item("zz", 8), *SEVEN[1:]]).exchange
    assert "no walk" in nearmiss.key_form_answered(said, stranger, own, truth)[0].message


def test_an_open_near_miss_is_not_blamed_for_a_body_its_value_gets_too():
    """`limit=%37` answered as `limit=7` is: when that is no page, the shape check says so."""
    miss = next(m for m in nearmiss.limit_near_misses() if m.open and m.readings)
    not_a_page = exchange({"data": [], "nextCursor": None})
    assert nearmiss.judge(miss, not_a_page, lambda query: None) == []
    assert nearmiss.judge(miss, not_a_page, _page_of) != []


def test_a_change_after_the_walks_is_not_a_fault():
    """The walks saw the list still, but the near miss was read after an influencer was
    created: its page differs from the documented one by that influencer, which the walks
    never saw and which is newer than all they saw. Judged as any page of the reading, it
    passes; without what the walks saw, it fails; a key form's page listing an older
    stranger fails."""
    zero = next(m for m in nearmiss.limit_near_misses() if m.kind == "leading zero")
    still = Truth(tuple(SEVEN), True, frozenset(f"inf_{n}" for n in "abcdefg"), still=True)
    created = page([item("new", 30), *SEVEN[:6]], next_cursor="c1").exchange
    assert nearmiss.judge(zero, created, _page_of) != []
    assert nearmiss.judge(zero, created, _page_of, truth=still) == []
    said, own = "header repeated (bearer)", page(SEVEN).exchange
    newer = page([item("new", 30), *SEVEN]).exchange
    assert nearmiss.key_form_answered(said, newer, own) != []
    assert nearmiss.key_form_answered(said, newer, own, still) == []
    stranger = page([*SEVEN, item("z", 1)]).exchange
    assert nearmiss.key_form_answered(said, stranger, own, still) != []
