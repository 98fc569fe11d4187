"""Shape checks against the spec's schemas, with formats really checked, and the error model."""

from __future__ import annotations

import copy
import json
from dataclasses import replace
from pathlib import Path

import pytest

from layers_conformance.checks import shapes
from layers_conformance.core.exchange import Exchange

EXAMPLES = Path(__file__).resolve().parents[1] / "spec" / "examples"
PAGE = json.loads((EXAMPLES / "page.json").read_text("utf-8"))
NOT_FOUND = json.loads((EXAMPLES / "error-not-found.json").read_text("utf-8"))


def page_with(**fields):
    """The documented example page with fields of its one item replaced."""
    body = copy.deepcopy(PAGE)
    body["items"][0].update(fields)
    return body


def page_without(field):
    body = copy.deepcopy(PAGE)
    del body["items"][0][field]
    return body


def error_body(**fields):
    body = copy.deepcopy(NOT_FOUND)
    body["error"].update(fields)
    return body


def rules(violations):
    return [v.rule for v in violations]


ITEM_CHECKS = (
    shapes.item_fields,
    shapes.item_types,
    shapes.items_not_null,
    shapes.ids_prefixed,
)


class TestTheDocumentedExample:
    @pytest.mark.parametrize("check", [shapes.page_shape, shapes.answers_page, *ITEM_CHECKS])
    def test_the_example_page_passes_every_check(self, make_exchange, check):
        """The page's own 200 example breaks no shape rule."""
        assert check(make_exchange(PAGE)) == []


class TestPageViolations:
    def test_a_body_that_is_not_an_object(self, make_exchange):
        """A list or non-JSON body is not a page."""
        assert rules(shapes.page_shape(make_exchange([]))) == ["page_shape"]
        [violation] = shapes.page_shape(make_exchange(text="<html>"))
        assert violation.message == (
            "the body is not a JSON object: invalid JSON at byte 0: Expecting value"
        )

    @pytest.mark.parametrize(
        ("body", "where"),
        [
            ({"nextCursor": None}, "body: 'items' is a required property"),
            ({"items": []}, "body: 'nextCursor' is a required property"),
            ({"items": {}, "nextCursor": None}, "body.items: {} is not of type 'array'"),
            ({"items": [], "nextCursor": ""}, "body.nextCursor: '' should be non-empty"),
            ({"items": [], "nextCursor": 3}, "body.nextCursor: 3 is not of type"),
        ],
    )
    def test_names_what_the_envelope_lacks(self, make_exchange, body, where):
        """A missing or mistyped `items` or `nextCursor` is named with its path."""
        [violation] = shapes.page_shape(make_exchange(body))
        assert violation.message.startswith(where)

    def test_leaves_items_to_the_item_checks(self, make_exchange):
        """A bad item is not a page-shape violation."""
        assert shapes.page_shape(make_exchange(page_with(createdAt="yesterday"))) == []

    def test_extra_top_level_members_are_accepted(self, make_exchange):
        """The page does not forbid extra members at the top."""
        assert shapes.page_shape(make_exchange({**PAGE, "total": 1})) == []


class TestItemFields:
    def test_an_extra_field_is_a_field_violation_only(self, make_exchange):
        """A field beyond the seven is reported by the field check and by no other."""
        answer = make_exchange(page_with(personality="warm"))
        [violation] = shapes.item_fields(answer)
        assert violation.rule == "item_fields"
        assert violation.message.startswith("body.items[0]: Additional properties")
        assert "'personality'" in violation.message
        others = (shapes.page_shape, *ITEM_CHECKS[1:])
        assert [v for check in others for v in check(answer)] == []

    def test_a_missing_field_is_a_field_violation(self, make_exchange):
        """An item without one of the seven fields is named with the field."""
        answer = make_exchange(page_without("ageRange"))
        assert [v.message for v in shapes.item_fields(answer)] == [
            "body.items[0]: 'ageRange' is a required property"
        ]
        assert shapes.item_types(answer) == []


class TestBodiesTheSchemaCannotRead:
    """The schema checks read a body as `Exchange.json()` does: strict, nesting bounded."""

    def test_a_body_nested_100000_deep_is_no_page_and_raises_nothing(self):
        deep = Exchange("GET", "http://t/", {}, 200, {}, "[" * 100_000 + "]" * 100_000)
        assert shapes.page_shape(deep)  # no page; and the item checks raise nothing either
        for check in ITEM_CHECKS:
            check(deep)

    def test_a_body_that_is_not_utf8_is_not_validated_as_if_it_were(self, make_exchange):
        """The text decoded from Latin-1 parses, but the answer is no JSON: no page."""
        latin1 = replace(make_exchange(PAGE), encoding_error="the body is not UTF-8: byte 0xfc")
        assert rules(shapes.page_shape(latin1)) == rules(
            shapes.page_shape(replace(latin1, body="not json"))
        )


class TestItemTypes:
    @pytest.mark.parametrize(
        ("field", "value", "where"),
        [
            ("createdAt", "2026-04-01 14:22:10", "body.items[0].createdAt"),
            ("createdAt", "2026-04-01T14:22:10", "body.items[0].createdAt"),
            ("createdAt", 1775053330, "body.items[0].createdAt"),
            ("thumbnailUrl", "not a uri", "body.items[0].thumbnailUrl"),
            ("status", "archived", "body.items[0].status"),
            ("status", "READY", "body.items[0].status"),
            ("name", None, "body.items[0].name"),
            ("influencerId", "", "body.items[0].influencerId"),
            ("gender", 1, "body.items[0].gender"),
        ],
    )
    def test_a_wrong_type_or_format_is_a_type_violation_only(
        self, make_exchange, field, value, where
    ):
        """Each mistyped or misformatted field is named by the type check, not the field one."""
        answer = make_exchange(page_with(**{field: value}))
        [violation] = shapes.item_types(answer)
        assert (violation.rule, violation.message.split(":")[0]) == ("item_types", where)
        assert shapes.item_fields(answer) == []

    @pytest.mark.parametrize(
        "created",
        ["2026-04-01T14:22:10.123Z", "2026-04-01T16:22:10+02:00", "2026-04-01T14:22:10.5-03:30"],
    )
    def test_rfc_3339_variants_are_accepted(self, make_exchange, created):
        """Fractional seconds and numeric offsets are valid RFC 3339."""
        assert shapes.item_types(make_exchange(page_with(createdAt=created))) == []

    def test_an_item_that_is_not_an_object(self, make_exchange):
        """A list entry that is not an object is a type violation at its index."""
        [violation] = shapes.item_types(make_exchange({"items": [5], "nextCursor": None}))
        assert violation.message.startswith("body.items[0]: 5 is not of type 'object'")


class TestItemNulls:
    @pytest.mark.parametrize("field", shapes.NULLABLE_BY_AMBIGUITY)
    def test_null_is_accepted_as_a_type_but_flagged(self, make_exchange, field):
        """A null gender, ageRange or thumbnailUrl passes the MUST and fails the SHOULD."""
        answer = make_exchange(page_with(**{field: None}))
        assert shapes.item_types(answer) == []
        assert [v.message for v in shapes.items_not_null(answer)] == [f"items[0].{field} is null"]

    def test_a_missing_field_is_not_a_null(self, make_exchange):
        """An absent field is the field check's business."""
        assert shapes.items_not_null(make_exchange(page_without("gender"))) == []


class TestIdPrefix:
    @pytest.mark.parametrize("ident", ["usr_1", "INF_1", "01HXZ9", 7])
    def test_names_an_id_without_inf(self, make_exchange, ident):
        """An influencerId not starting with `inf_` is named with its index."""
        [violation] = shapes.ids_prefixed(make_exchange(page_with(influencerId=ident)))
        assert violation.message == (f"items[0].influencerId {ident!r} does not start with 'inf_'")

    def test_a_missing_id_is_flagged(self, make_exchange):
        """An item without an id has no `inf_` prefix either."""
        assert shapes.ids_prefixed(make_exchange(page_without("influencerId")))


class TestJsonContentType:
    @pytest.mark.parametrize(
        "content_type",
        [
            "application/json",
            "application/json; charset=utf-8",
            "Application/JSON;charset=UTF-8",
            "application/problem+json",
        ],
    )
    def test_json_types_pass(self, make_exchange, content_type):
        """application/json, with parameters or in any case, and +json types are JSON."""
        assert shapes.json_content_type(make_exchange(PAGE, content_type=content_type)) == []

    @pytest.mark.parametrize(
        ("content_type", "shown"),
        [
            ("text/html; charset=utf-8", "'text/html'"),
            ("text/plain", "'text/plain'"),
            (None, "'missing'"),
        ],
    )
    def test_other_or_missing_types_are_named(self, make_exchange, content_type, shown):
        """Any other type, or none at all, is named."""
        [violation] = shapes.json_content_type(make_exchange(PAGE, content_type=content_type))
        assert violation.message == f"content type is {shown}"


class TestEnvelope:
    def test_the_documented_example_passes(self, make_exchange):
        """The page's 404 example is a valid error envelope."""
        assert shapes.error_envelope(make_exchange(NOT_FOUND, status=404)) == []

    @pytest.mark.parametrize(
        ("body", "where"),
        [
            ({"code": "NOT_FOUND", "message": "m", "requestId": "req_1"}, "body: 'error'"),
            ({"error": "NOT_FOUND"}, "body.error: 'NOT_FOUND' is not of type 'object'"),
            (
                {"error": {"code": "NOT_FOUND", "message": "m"}},
                "body.error: 'requestId' is a required property",
            ),
            (error_body(message=""), "body.error.message: '' should be non-empty"),
            (error_body(requestId=""), "body.error.requestId: '' should be non-empty"),
            (
                error_body(code="PROJECT_NOT_FOUND"),
                "body.error.code: 'PROJECT_NOT_FOUND' is not one of",
            ),
            (error_body(code="not_found"), "body.error.code: 'not_found' is not one of"),
        ],
    )
    def test_names_each_broken_part(self, make_exchange, body, where):
        """A flat envelope, a missing member, an empty string or an unknown code is named."""
        [violation] = shapes.error_envelope(make_exchange(body, status=404))
        assert violation.rule == "error_envelope"
        assert violation.message.startswith(where)

    def test_a_non_json_body_is_a_violation(self, make_exchange):
        """An HTML error page is not an envelope."""
        answer = make_exchange(text="<h1>Not Found</h1>", status=404, content_type="text/html")
        [violation] = shapes.error_envelope(answer)
        assert (
            violation.message
            == "the error body is not JSON: invalid JSON at byte 0: Expecting value"
        )


class TestRequestIdPrefix:
    def test_req_prefix_passes_and_others_are_named(self, make_exchange):
        """requestId starts with `req_`; another value, or none, is named."""
        assert shapes.request_id_prefixed(make_exchange(NOT_FOUND)) == []
        [violation] = shapes.request_id_prefixed(make_exchange(error_body(requestId="abc")))
        assert violation.message == "requestId is 'abc'"
        assert shapes.request_id_prefixed(make_exchange(text="oops"))[0].message == (
            "requestId is None"
        )


class TestExpectError:
    def test_the_right_code_with_any_4xx(self, make_exchange):
        """Without statuses, a documented code with any 4xx passes."""
        for status in (400, 404, 422, 499):
            answer = make_exchange(error_body(code="VALIDATION"), status=status)
            assert shapes.answers_error(answer, {"VALIDATION"}) == []

    @pytest.mark.parametrize("status", [200, 302, 500, 503])
    def test_a_status_outside_4xx(self, make_exchange, status):
        """A page, a redirect or a 5xx is not the expected error, whatever the body says."""
        answer = make_exchange(error_body(code="VALIDATION"), status=status)
        [violation] = shapes.answers_error(answer, {"VALIDATION"})
        assert violation.message == (
            f"expected VALIDATION with HTTP 4xx, got HTTP {status} 'VALIDATION'"
        )

    def test_no_response_at_all(self):
        """A transport error is named, and decides nothing: no answer is no evidence."""
        failed = Exchange("GET", "https://api.test/", {}, error="timed out")
        [violation] = shapes.answers_error(failed, {"NOT_FOUND"}, {404})
        assert violation.message == (
            "expected NOT_FOUND (HTTP 404), but no readable answer: timed out"
        )
        assert not violation.conclusive

    def test_a_right_status_with_a_body_cut_short(self):
        """The status is evidence; the code in a body that was cut is not, and the message
        names the cut rather than 'got None'."""
        cut = Exchange("GET", "http://t/x", {}, status=401, error="body cut after 12 bytes")
        [violation] = shapes.answers_error(cut, {"UNAUTHENTICATED"})
        assert violation.message == (
            "expected code UNAUTHENTICATED, but no readable answer: HTTP 401, "
            "body cut after 12 bytes"
        )
        assert not violation.conclusive
        [wrong] = shapes.answers_error(replace(cut, status=200), {"UNAUTHENTICATED"})
        assert wrong.conclusive

    def test_a_wrong_code(self, make_exchange):
        """The right kind of status with another code is named with both."""
        answer = make_exchange(error_body(code="UNAUTHENTICATED"), status=401)
        [violation] = shapes.answers_error(answer, {"FORBIDDEN_SCOPE", "NOT_FOUND"})
        assert violation.message == (
            "expected code FORBIDDEN_SCOPE or NOT_FOUND, got 'UNAUTHENTICATED' (HTTP 401)"
        )

    def test_allowed_statuses(self, make_exchange):
        """With statuses given, the right code passes only with one of them."""
        answer = make_exchange(NOT_FOUND, status=404)
        assert shapes.answers_error(answer, {"NOT_FOUND"}, {404}) == []
        [violation] = shapes.answers_error(
            make_exchange(NOT_FOUND, status=403), {"NOT_FOUND"}, {404}
        )
        assert violation.message == "expected NOT_FOUND with HTTP 404, got HTTP 403 'NOT_FOUND'"


class TestConventionalStatus:
    @pytest.mark.parametrize(
        ("code", "status"),
        [
            ("UNAUTHENTICATED", 401),
            ("FORBIDDEN_SCOPE", 403),
            ("NOT_FOUND", 404),
            ("VALIDATION", 400),
            ("VALIDATION", 422),
        ],
    )
    def test_conventional_pairs_pass(self, make_exchange, code, status):
        """Each documented code with its conventional status passes."""
        assert shapes.conventional_status(make_exchange(error_body(code=code), status=status)) == []

    def test_names_an_unconventional_pair(self, make_exchange):
        """A code with another status names both and the expected one."""
        answer = make_exchange(error_body(code="UNAUTHENTICATED"), status=403)
        [violation] = shapes.conventional_status(answer)
        assert violation.message == "UNAUTHENTICATED came with HTTP 403, expected 401"
        validation = make_exchange(error_body(code="VALIDATION"), status=404)
        assert shapes.conventional_status(validation)[0].message.endswith("expected 400/422")

    def test_unknown_codes_are_left_to_the_envelope(self, make_exchange):
        """No documented code means no conventional status to check."""
        answer = make_exchange(error_body(code="TEAPOT"), status=418)
        assert shapes.conventional_status(answer) == []


class TestExpectPage:
    def test_a_non_200_is_named(self, make_exchange):
        """An error where a page was expected is named with its status and code."""
        [violation] = shapes.answers_page(make_exchange(NOT_FOUND, status=404))
        assert violation.message == "expected a page (HTTP 200), got HTTP 404 'NOT_FOUND'"

    def test_a_200_that_is_not_a_page(self, make_exchange):
        """A 200 whose body is not a page is a page-shape violation."""
        assert rules(shapes.answers_page(make_exchange({"data": []}))) == ["page_shape"] * 2

    def test_a_200_cut_short_names_the_transport_error(self):
        """A connection dropped after the status line says so, not 'the body is not JSON'."""
        cut = Exchange("GET", "http://t/x", {}, status=200, error="connection dropped: peer closed")
        [violation] = shapes.answers_page(cut)
        assert violation.message == (
            "expected a page (HTTP 200), but no readable answer: HTTP 200, "
            "connection dropped: peer closed"
        )
        assert not violation.conclusive


def differing(violation):
    """The fields a violation's diff marks as differing, by path."""
    return [row.path for row in violation.field_diff if row.differs]


class TestFieldDiffs:
    """A failing shape or error check carries the answer's fields set against the page."""

    def test_an_item_error_diffs_that_item(self, make_exchange):
        """A missing item field is the one row that differs; the item's other fields are shown."""
        [violation] = shapes.item_fields(make_exchange(page_without("ageRange")))
        assert differing(violation) == ["items[0].ageRange"]
        row = next(r for r in violation.field_diff if r.path == "items[0].ageRange")
        assert (row.expected, row.actual) == ("string or null", "(absent)")
        assert len(violation.field_diff) == 7

    def test_an_undocumented_item_field_is_a_row_of_its_own(self, make_exchange):
        """A field the page does not document is shown, and differs (items are closed)."""
        [violation] = shapes.item_fields(make_exchange(page_with(archived=True)))
        row = violation.field_diff[-1]
        assert (row.path, row.expected, row.actual, row.differs) == (
            "items[0].archived", "not documented", "true", True,
        )  # fmt: skip

    def test_a_wrong_code_differs_from_the_codes_wanted(self, make_exchange):
        """The code row expects the codes the check wants; the status row holds."""
        answer = make_exchange(error_body(code="NOT_FOUND"), status=400)
        [violation] = shapes.answers_error(answer, {"VALIDATION"})
        assert differing(violation) == ["error.code"]
        assert violation.field_diff[0].path == "HTTP status"
        code = violation.field_diff[1]
        assert (code.expected, code.actual) == ('"VALIDATION"', '"NOT_FOUND"')

    def test_a_page_where_an_error_was_due(self, make_exchange):
        """A 200 page instead of an error: the status and the missing envelope differ."""
        [violation] = shapes.answers_error(make_exchange(PAGE), {"VALIDATION"})
        assert differing(violation) == ["HTTP status", "error"]
        assert [r.path for r in violation.field_diff][-2:] == ["items", "nextCursor"]

    def test_narrowing_the_code_leaves_the_shared_schema_alone(self, make_exchange):
        """After a check wanting one code, the envelope check still accepts all four."""
        shapes.answers_error(
            make_exchange(error_body(code="NOT_FOUND"), status=400), {"VALIDATION"}
        )
        answer = make_exchange(error_body(code="NOT_FOUND"), status=404)
        assert shapes.error_envelope(answer) == []

    def test_a_body_that_is_not_json(self, make_exchange):
        """A body that is not JSON is one differing row showing its start."""
        answer = make_exchange(text="<html>oops</html>", status=500, content_type="text/html")
        [violation] = shapes.answers_page(answer)
        assert differing(violation) == ["HTTP status", "body"]
        assert violation.field_diff[1].actual == "'<html>oops</html>'"
