"""Authentication and scope: who may list a project's influencers."""

from functools import partial

import pytest

from layers_conformance.checks import nearmiss
from layers_conformance.checks.params import UNKNOWN_KEY
from layers_conformance.checks.shapes import answers_error, answers_page
from layers_conformance.checks.violations import expect
from layers_conformance.core.results import NEAR_MISS, PairCoverage
from layers_conformance.plugin import smoke_params
from layers_conformance.probing.keys import EXTENDED, KEY_FORMS
from layers_conformance.probing.observed import observed
from layers_conformance.probing.probe import Probe


@pytest.mark.smoke
@pytest.mark.requirement("AUTH-MISSING-001")
def test_a_request_without_key_is_unauthenticated(conformance):
    """No key at all is UNAUTHENTICATED."""
    answer = conformance.get(credentials=conformance.no_credentials)
    expect(answers_error(answer, {"UNAUTHENTICATED"}))


@pytest.mark.requirement("AUTH-INVALID-001")
@pytest.mark.parametrize("scheme", ["configured", "other"])
@pytest.mark.parametrize("bad_key", smoke_params(["unknown", "empty", "extended"], {"unknown"}))
def test_an_invalid_key_is_unauthenticated(conformance, scheme, bad_key):
    """An unknown, empty or extended key is UNAUTHENTICATED, whichever way it travels."""
    keys = conformance.keys
    if bad_key == "extended":
        credentials = keys.sent_as(scheme, form=EXTENDED)
    else:
        credentials = keys.sent_as(scheme, {"unknown": UNKNOWN_KEY, "empty": ""}[bad_key])
    answer = conformance.get(credentials=credentials)
    expect(answers_error(answer, {"UNAUTHENTICATED"}))


@pytest.mark.requirement("AUTH-INVALID-001")
@pytest.mark.parametrize("scheme", ["x-api-key", "bearer"])
def test_a_near_miss_of_the_key_header_is_answered_as_the_page_allows(
    conformance, conformance_coverage, scheme
):
    """The key in another case or one character short, an empty value: UNAUTHENTICATED. The
    scheme in another case, no scheme, two spaces or a tab after it, the header repeated:
    UNAUTHENTICATED or the key's own first page (a reading may take it as the key). Never a
    5xx, never a page for a key no reading allows."""
    keys = conformance.keys
    forms = [form for form, schemes in KEY_FORMS if scheme in schemes and keys.changes(form)]
    sent = [keys.sent_as(scheme, form=form) for form in forms]
    conformance.prefetch([partial(Probe.get, credentials=credentials) for credentials in sent])
    own = conformance.get(credentials=keys.sent_as(scheme))
    live = observed(conformance).truth()
    violations, asked = [], []
    try:
        for form, credentials in zip(forms, sent, strict=True):
            answer = conformance.get(credentials=credentials)
            asked.append(form)
            said = f"{form.kind} ({scheme})"
            violations += nearmiss.key_form_answered(said, answer, own if form.open else None, live)
    finally:
        found = tuple((form.kind, NEAR_MISS) for form in forms)
        done = tuple((form.kind, NEAR_MISS) for form in asked)
        conformance_coverage.append(
            PairCoverage((f"key: {scheme}", NEAR_MISS), len(found), found, done)
        )
    expect(violations)


@pytest.mark.requirement("AUTH-BEARER-001")
def test_a_bearer_key_is_accepted(conformance):
    """The key is accepted as `Authorization: Bearer`."""
    expect(answers_page(conformance.get(credentials=conformance.keys.sent_as("bearer"))))


@pytest.mark.requirement("AUTH-APIKEY-001")
def test_an_x_api_key_header_is_accepted(conformance):
    """The key is accepted in an `X-Api-Key` header."""
    expect(answers_page(conformance.get(credentials=conformance.keys.sent_as("x-api-key"))))


@pytest.mark.requirement("AUTH-SCOPE-001")
def test_a_key_without_scope_is_forbidden(conformance):
    """A key lacking influencers:write is FORBIDDEN_SCOPE."""
    answer = conformance.get(credentials=conformance.keys.without_scope)
    expect(answers_error(answer, {"FORBIDDEN_SCOPE"}))
