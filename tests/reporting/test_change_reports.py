"""The reports' account of a list in use: the changes the run saw, and what they narrowed."""

from __future__ import annotations

import re

from layers_conformance.core.results import Change, merge_changes
from layers_conformance.reporting.changes import changes_lines
from layers_conformance.reporting.html_report import render_html
from layers_conformance.reporting.json_report import to_json
from layers_conformance.run.tally import Tally, TestRecord

CREATED = Change(
    "created", "inf_NEW", "created after the walk began: newer than its first item",
    ("#12 GET http://h/v1/projects/p/influencers?limit=25", "#40 GET http://h/v1/projects/p/influencers?limit=100"),
)  # fmt: skip
ARCHIVED = Change("archived", "inf_OLD", "listed before, and by nothing after", ("#7 GET u",))
MOVED = Change("moved", "inf_MOV", "seen with another status", ("#9 GET u", "#30 GET u"))


class TestMerge:
    def test_one_entry_per_influencer_and_kind_with_every_request_and_requirement(self):
        """Two tests set the same change aside: one entry, both requirements, both requests."""
        later = Change("created", "inf_NEW", "x", ("#50 GET u", "#3 GET u"))
        merged = merge_changes(
            [("TRAV-CONSISTENT-001", CREATED), ("STATUS-PARTITION-001", later),
             ("TRAV-CONSISTENT-001", ARCHIVED)]
        )  # fmt: skip
        assert [c.influencer for c in merged] == ["inf_NEW", "inf_OLD"]
        assert merged[0].narrowed == ("TRAV-CONSISTENT-001", "STATUS-PARTITION-001")
        assert merged[0].shown_by == ("#3 GET u", *CREATED.shown_by, "#50 GET u")
        assert merged[0].detail == CREATED.detail

    def test_changes_cross_from_a_worker_on_the_record(self):
        """A record's changes survive the trip as plain data, and the tally merges them."""
        record = TestRecord("TRAV-CONSISTENT-001", "pass", changes=(CREATED, MOVED))
        back = TestRecord.from_json(record.to_json())
        assert back == record
        tally = Tally()
        tally.add(back)
        tally.add(TestRecord("ARCH-NOFLAG-001", "pass", changes=(MOVED,)))
        narrowed = {c.influencer: c.narrowed for c in tally.changes}
        assert narrowed == {
            "inf_NEW": ("TRAV-CONSISTENT-001",),
            "inf_MOV": ("TRAV-CONSISTENT-001", "ARCH-NOFLAG-001"),
        }


def narrowed(*pairs):
    return merge_changes(pairs)


class TestReports:
    def test_the_terminal_says_how_many_of_each_kind_and_what_they_narrowed(self):
        seen = narrowed(("TRAV-CONSISTENT-001", CREATED), ("STATUS-PARTITION-001", MOVED),
                        ("TRAV-CONSISTENT-001", ARCHIVED))  # fmt: skip
        first, *rest = changes_lines(seen)
        assert first == (
            "the list changed while the run read it: 3 change(s), 1 created, 1 archived, "
            "1 moved; set aside by STATUS-PARTITION-001 (1), TRAV-CONSISTENT-001 (2)"
        )
        assert rest[0] == (
            "  created inf_NEW: created after the walk began: newer than its first item; "
            "shown by requests #12, #40; narrowed TRAV-CONSISTENT-001"
        )

    def test_a_still_list_adds_nothing(self, make_run, make_result):
        run = make_run(make_result("A-001"))
        assert changes_lines(run.changes) == []
        assert to_json(run)["changes"] == []
        assert 'id="changes"' not in render_html(run)

    def test_the_terminal_shows_the_first_five(self):
        many = narrowed(*(("X-001", Change("created", f"inf_{n:02}", "d", ())) for n in range(13)))
        lines = changes_lines(many)
        assert len(lines) == 1 + 5 + 1
        assert lines[-1] == "  ... and 8 more (conformance.json: changes)"

    def test_conformance_json_holds_every_change(self, make_run, make_result):
        run = make_run(make_result("A-001"), changes=narrowed(("A-001", CREATED)))
        assert to_json(run)["changes"] == [
            {
                "kind": "created",
                "influencer": "inf_NEW",
                "detail": CREATED.detail,
                "shown_by": list(CREATED.shown_by),
                "narrowed": ["A-001"],
            }
        ]

    def test_the_html_report_has_a_table_of_them_escaped(self, make_run, make_result):
        hostile = Change("moved", "inf_<b>x</b>", "seen <i>moved</i>", ("#3 GET u?a=<s>",))
        run = make_run(
            make_result("A-001"), changes=narrowed(("A-001", CREATED), ("A-001", hostile))
        )
        page = render_html(run)
        table = re.search(r'<table class="changes">.*?</table>', page, re.S)
        assert table is not None
        assert table.group(0).count("<tr>") == 3
        assert "inf_NEW" in table.group(0)
        assert "<b>x</b>" not in page
        assert "inf_&lt;b&gt;x&lt;/b&gt;" in page

    def test_the_html_report_shows_each_request_by_number_and_query(self, make_run, make_result):
        """The table shows `#n ?query` with a cursor cut short; the whole request on hover."""
        cursor = "eyJpIjoiaW5mXzQyQTRBOTU0NTcxMDNBRTkzN0QyMjk0QzBGIiwiayI6MTc3"
        shown = Change("archived", "inf_A", "gone", (f"#56 GET http://h/p?limit=7&cursor={cursor}",
                                                      "#1 GET http://h/p"))  # fmt: skip
        page = render_html(make_run(make_result("A-001"), changes=narrowed(("A-001", shown))))
        assert "#1 (no query)" in page
        assert "#56 ?limit=7&amp;cursor=eyJpIjoiaW5m..." in page
        assert f'title="#56 GET http://h/p?limit=7&amp;cursor={cursor}"' in page
