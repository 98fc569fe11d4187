"""The HTML report: escaping, completeness, the failure details, and no network."""

from __future__ import annotations

import re
from datetime import date

import pytest

from layers_conformance.core.results import (
    ALONE,
    NEAR_MISS,
    PairCoverage,
    Traffic,
    Waiver,
    WaiverOutcome,
)
from layers_conformance.reporting.html_report import render_html, write_html

HOSTILE = "<script>alert(1)</script>"


@pytest.fixture
def page(failing_run) -> str:
    return render_html(failing_run)


def finding(page: str, ident: str) -> str:
    """The <details> block of one failure or warning (up to the next one; they nest details)."""
    match = re.search(
        rf'<details class="finding \w+" id="finding-{ident}".*?(?=<details class="finding|</main>)',
        page,
        re.S,
    )
    assert match, f"no finding for {ident}"
    return match.group(0)


class TestEscaping:
    def test_response_body_is_escaped(self, page):
        """A script in a server's body is shown as text, never run."""
        assert HOSTILE not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page

    def test_every_field_is_escaped(self, make_run, make_result, make_evidence):
        """Markup in any server- or config-supplied string stays text."""
        hostile = make_result(
            HOSTILE, "fail", area=HOSTILE, statement=HOSTILE, quote=HOSTILE, section=HOSTILE,
            ambiguity=HOSTILE, reason=HOSTILE, evidence=(make_evidence(
                test=HOSTILE, message=HOSTILE, expected=HOSTILE, actual=HOSTILE,
                request=HOSTILE, curl=HOSTILE,
            ),),
        )  # fmt: skip
        page = render_html(make_run(hostile, target=HOSTILE, aborted=HOSTILE, notes=(HOSTILE,)))
        assert "<script" not in page

    def test_terminal_escapes_and_bidi_overrides_are_shown(self, make_run, make_result):
        """A server's control characters are shown as escapes: they cannot reorder the text."""
        page = render_html(make_run(make_result("X-001", "fail", reason="a\u202eb\x1bc")))
        assert "a\\u202eb\\u001bc" in page
        assert "\u202e" not in page

    def test_no_network_and_no_script(self, page):
        """The page fetches nothing and its policy forbids scripts."""
        assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
        assert "@import" not in page
        assert "default-src 'none'" in page


class TestContent:
    def test_header(self, page):
        """Verdict and run facts are in the header."""
        header = page[page.index("<header>") : page.index("</header>")]
        assert '<p class="verdict fail">FAIL</p>' in header
        for fact in ("reference", "http://127.0.0.1:8000", "quick", "1234", "12.3 s", "321"):
            assert f"<dd>{fact}</dd>" in header

    def test_aborted_reason(self, make_run, make_result):
        """An aborted run with nothing failed is INCOMPLETE, not FAIL, and says why."""
        page = render_html(make_run(make_result("A-001"), aborted="request budget exhausted"))
        assert "<title>INCOMPLETE: reference conformance</title>" in page
        assert '<p class="verdict incomplete">INCOMPLETE</p>' in page
        assert "Run aborted: request budget exhausted" in page

    def test_what_the_targets_refusals_cost(self, make_run, make_result):
        """Retries by cause, time waited and the rate that would have avoided it; a run the
        target refused nothing shows its rate alone."""
        traffic = Traffic((("429", 30), ("502", 2)), 6.8, 8.1)
        page = render_html(make_run(make_result("A-001"), traffic=traffic))
        assert "<dt>Sent again</dt><dd>32 (30 after 429, 2 after 502)</dd>" in page
        assert "<dd>6.8 s on the target&#x27;s refusals</dd>" in page
        assert "<dd>rate_limit_rps: 8.1</dd>" in page
        quiet = render_html(make_run(make_result("A-001")))
        assert "<dt>Rate</dt>" in quiet
        assert "Sent again" not in quiet

    def test_a_certification_run_shows_its_own_verdict(self, make_run, make_result):
        """README, Certification: the report of a `--certify` run says pass, fail or
        incomplete, and names the MUSTs that made it anything but pass."""
        shown = make_result("A-001", "inconclusive")
        assert "Certification" not in render_html(make_run(shown))
        incomplete = render_html(make_run(shown, certify=True))
        assert "Certification: INCOMPLETE (A-001 inconclusive)</p>" in incomplete
        failed = render_html(make_run(shown, make_result("B-001", "fail"), certify=True))
        assert "Certification: FAIL (B-001 fail)</p>" in failed
        passed = render_html(make_run(make_result("A-001", "pass"), certify=True))
        assert '<p class="certification pass">Certification: PASS</p>' in passed

    def test_counts_per_status(self, page):
        """Every status is counted, zero included."""
        for count in ("1 pass", "1 fail", "1 warn", "1 skip", "1 inconclusive"):
            assert f">{count}</span>" in page

    def test_every_requirement_in_the_matrix(self, failing_run, page):
        """Every requirement has its row with level, status badge and statement."""
        for result in failing_run.requirements:
            row = re.search(rf'<tr id="req-{result.id}">.*?</tr>', page, re.S)
            assert row, result.id
            assert f'class="badge {result.status}"' in row.group(0)
            assert result.statement in row.group(0)

    def test_grouped_by_area_in_catalogue_order(self, page):
        """Areas appear once each, in the order of their first requirement."""
        assert re.findall(r'<h2 id="area-([a-z]+)">', page) == ["limit", "auth"]

    def test_ambiguity_notes(self, page):
        """Ambiguous requirements say so, and what it means for the verdict."""
        assert "A short page mid-traversal is a warning." in page
        assert "a failure is only a warning" in page  # the SHOULD one
        assert "a strict reading is never a failure" in page  # the MUST one
        assert page.count('<details class="ambiguity">') == 3  # matrix twice, finding once


class TestFindings:
    def test_failure_details(self, page):
        """A failure shows quote, section, expected vs actual, request, response, curl; open."""
        block = finding(page, "LIMIT-MAX-001")
        assert block.startswith('<details class="finding fail" id="finding-LIMIT-MAX-001" open>')
        assert "<blockquote>limit — integer, optional, default: 25." in block
        assert "Documentation section: Query parameters" in block
        assert "<dt>Expected</dt><dd>at most 7 items</dd><dt>Actual</dt><dd>8 items</dd>" in block
        assert "<pre>GET http://127.0.0.1:8000/v1/projects/p1/influencers?limit=7</pre>" in block
        assert "<pre>HTTP 200 application/json\n" in block
        assert "<pre>curl -sS -i &#x27;http://127.0.0.1:8000/v1/projects/p1/" in block

    def test_an_actual_result_that_is_the_message_is_said_once(
        self, make_run, make_result, make_evidence
    ):
        """When the actual result is the message, the page says it once, above."""
        said = "page 1 holds 8 items"
        evidence = make_evidence(message=said, actual=said)
        result = make_result("A-001", "fail", evidence=(evidence,))
        block = finding(render_html(make_run(result)), "A-001")
        assert block.count("page 1 holds 8 items") == 1
        assert "<dt>Actual</dt>" not in block

    def test_warning_is_collapsed(self, page):
        """A warning is listed with its evidence but starts closed."""
        block = finding(page, "LIMIT-FULL-001")
        assert block.startswith('<details class="finding warn" id="finding-LIMIT-FULL-001">')
        assert "page 2 holds 6 items" in block

    def test_only_failures_and_warnings(self, page):
        """Passing, skipped and inconclusive requirements have no finding block."""
        assert re.findall(r'id="finding-([A-Z-0-9]+)"', page) == ["LIMIT-MAX-001", "LIMIT-FULL-001"]

    def test_waived_and_flaky_are_findings(self, make_run, make_result, make_evidence):
        """A waived failure shows its waiver and its evidence; a flaky one its evidence."""
        waiver = Waiver("A-001", "fixed in API-123", date(2026, 12, 31))
        page = render_html(
            make_run(
                make_result("A-001", "waived", waiver=waiver, evidence=(make_evidence(),)),
                make_result("B-001", "flaky", evidence=(make_evidence(message="first look"),)),
            )
        )
        block = finding(page, "A-001")
        assert "waived until 2026-12-31: fixed in API-123" in block
        assert "page 1 holds 8 items" in block
        assert "first look" in finding(page, "B-001")
        assert '<span class="badge flaky">' in page

    def test_stale_waivers_are_listed(self, make_run, make_result):
        """Expired and unused waivers need a person: they are listed; applied ones are not."""
        waivers = tuple(
            WaiverOutcome(Waiver(ident, "why", date(2026, 1, 1), source="w.yaml"), use)
            for ident, use in (("A-001", "expired"), ("B-001", "unused"), ("C-001", "applied"))
        )
        page = render_html(make_run(make_result("A-001"), waivers=waivers))
        listed = re.search(r'<ul class="waivers">(.*?)</ul>', page, re.S)
        assert listed
        assert re.findall(r'badge (\w+)">\w+</span> ([A-Z]-001)', listed.group(1)) == [
            ("expired", "A-001"), ("unused", "B-001")
        ]  # fmt: skip

    def test_finding_without_evidence(self, make_run, make_result):
        """A failure with no recorded exchange says so instead of showing empty blocks."""
        page = render_html(make_run(make_result("A-001", "fail")))
        assert "No exchange was recorded" in finding(page, "A-001")


class TestCoverage:
    def coverage(self, exercised):
        allowed = (("main", "none"), ("empty", "none"), ("main", "garbage"))
        return (
            PairCoverage(("project", "cursor"), 45, allowed, exercised),
            PairCoverage(("project", "key"), 35, (("main", "full"),), (("main", "full"),)),
            PairCoverage(("cursor", "key"), 63, (("none", "full"),), (("none", "full"),)),
        )

    def test_a_matrix_of_every_two_dimensions(self, make_run, make_result):
        """A row per dimension, a column per later one, each cell sent/allowed of possible."""
        run = make_run(make_result("A-001"), coverage=self.coverage((("main", "none"),)))
        table = re.search(r'<table class="coverage">.*?</table>', render_html(run), re.S)
        assert table, "no coverage matrix"
        cells = re.findall(r'<td class="cov (\w+)">([^<]*)<small> of (\d+)', table.group(0))
        assert cells == [("gap", "1/3", "45"), ("full", "1/1", "35"), ("full", "1/1", "63")]
        assert "<th>project</th>" in table.group(0)

    def test_the_pairs_not_sent_are_listed(self, make_run, make_result):
        """A gap names the two values that were allowed but never sent together."""
        page = render_html(make_run(make_result("A-001"), coverage=self.coverage(())))
        assert "<li>project=empty with cursor=none</li>" in page

    def test_value_sets_get_their_own_table(self, make_run, make_result):
        """Near misses, spellings and hard values sent alone: a row per input, a column per
        set, the values sent on hover; one not sent is listed."""
        near = PairCoverage(
            ("limit", NEAR_MISS), 2, (("1_0", NEAR_MISS), ("07", NEAR_MISS)), (("07", NEAR_MISS),)
        )
        alone = PairCoverage(("project", ALONE), 1, (("foreign", ALONE),), (("foreign", ALONE),))
        coverage = (*self.coverage((("main", "none"),)), near, alone)
        page = render_html(make_run(make_result("A-001"), coverage=coverage))
        first, second = re.findall(r'<table class="coverage">.*?</table>', page, re.S)
        assert NEAR_MISS not in first
        assert "<th>near miss</th><th>alone</th>" in second
        assert '<td title="07" class="cov gap">1/2' in second
        assert "<li>limit: near miss 1_0</li>" in page

    def test_no_section_without_coverage(self, page):
        """A run that drew nothing from the query space shows no empty matrix."""
        assert 'id="coverage"' not in page

    def test_names_are_escaped(self, make_run, make_result):
        """Dimension and value names are text, like everything else on the page."""
        hostile = (PairCoverage((HOSTILE, "key"), 1, ((HOSTILE, HOSTILE),), ()),)
        page = render_html(make_run(make_result("A-001"), coverage=hostile))
        assert "<script" not in page


def test_write_html(failing_run, tmp_path):
    """The page is written as UTF-8 to the given path."""
    path = tmp_path / "conformance.html"
    write_html(failing_run, path)
    assert path.read_text(encoding="utf-8") == render_html(failing_run)


class TestWhereTheBudgetWent:
    def test_a_cut_run_lists_the_spenders_and_what_to_raise(self, make_run, make_result):
        """Cut short by its budget: the page says what to raise and which test spent what."""
        from layers_conformance.core.results import Spent

        run = make_run(
            make_result("ARCH-EXCLUDED-001", "inconclusive", reason="budget spent"),
            budget=30,
            requests=30,
            spending=(Spent("suites/test_archived.py::test_x", "ARCH-EXCLUDED-001", 27),),
            raise_hint="the request budget of 30 ran out: raise request_budget",
        )
        page = render_html(run)
        assert '<h2 id="budget">Where the budget went</h2>' in page
        assert "raise request_budget" in page
        assert "<td>27</td><td>suites/test_archived.py::test_x</td>" in page
        assert "30 of 30" in page

    def test_a_run_nothing_cut_has_no_such_section(self, failing_run):
        assert "Where the budget went" not in render_html(failing_run)


class TestDrawings:
    @pytest.fixture
    def drawn(self, drawn_run) -> str:
        return render_html(drawn_run)

    def test_the_two_sequences_side_by_side(self, drawn):
        """A divergence is a table with one labelled column group per sequence."""
        block = finding(drawn, "TRAV-CONSISTENT-001")
        assert '<table class="divergence">' in block
        assert '<th colspan="3">limit=100</th><th colspan="3">limit=7</th>' in block

    def test_the_missing_item_is_marked_and_the_other_side_has_a_gap(self, drawn):
        """The missing item carries its mark; the walk that lost it shows a gap in that row."""
        block = finding(drawn, "TRAV-CONSISTENT-001")
        assert '<code>inf_c</code> <span class="mark">missing</span>' in block
        assert '<td class="gap" colspan="3">not listed</td>' in block

    def test_page_boundaries_are_rules_with_page_and_cursor(self, drawn):
        """A page start is a rule naming the page and the cursor, shortened, whole on hover."""
        block = finding(drawn, "TRAV-CONSISTENT-001")
        assert 'class="rule">page 1 · first page, no cursor</td>' in block
        assert 'class="rule">page 2 · cursor <code title="c1&lt;script&gt;' in block
        assert 'class="rule"><span class="end">the end: page 1 says nextCursor null</span>' in block

    def test_tie_groups_are_shaded(self, drawn):
        """Cells of a tie group carry the group's shade class."""
        block = finding(drawn, "TRAV-CONSISTENT-001")
        assert block.count('class="tie0"') == 6  # inf_b on both sides, three cells each
        assert 'class="tie0 missing"' in block

    def test_server_strings_in_drawings_are_escaped(self, drawn):
        """Ids, cursors and field values from the server stay text."""
        assert "<script" not in drawn
        assert "<code>&lt;script&gt;alert(1)&lt;/script&gt;</code>" in drawn

    def test_a_field_diff_marks_the_fields_that_differ(self, drawn):
        """Each field is a row: documented against received, the differing ones marked."""
        block = finding(drawn, "LIMIT-RANGE-001")
        assert "<th>Field</th><th>Documented</th><th>Received</th>" in block
        assert block.count('<tr class="differs">') == 2
        assert '<tr class="same"><td><code>error.message</code></td>' in block

    def test_a_drawn_failure_folds_the_raw_response(self, drawn, page):
        """With a drawing, the response excerpt is folded away; without one it stays open."""
        assert "<details><summary>Response excerpt</summary><pre>" in finding(
            drawn, "TRAV-CONSISTENT-001"
        )
        assert "<h4>Response excerpt</h4>" in finding(page, "LIMIT-MAX-001")
